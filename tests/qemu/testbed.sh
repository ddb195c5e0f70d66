#!/bin/bash
# Goldfarm's real test bed: libvirtd + QEMU (TCG) + a tiny guest with qemu-ga.
# Runs as root on Debian 12 without systemd. See usage below.
# Second and further hypervisors: `testbed.sh node2 start` (then `node2 uri`, `node2 stop`,
# `node2 kill`, `node2 reset`): user hv2's session libvirtd, reached by root at
# qemu+unix:///session?socket=/run/user/UID/libvirt/libvirt-sock, pool goldfarm-testbed.
# Storage every node sees: `testbed.sh shared-pool` and `testbed.sh nodeN shared-pool` (pool
# goldfarm-shared, one directory for all, as an NFS export mounted at the same path looks).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
GUEST_SRC=$HERE/guest
TEMPLATE=$REPO/templates/tiny-gold.xml

WORK=/var/lib/goldfarm/testbed
POOL_DIR=$WORK/pool
KERNEL_DIR=$WORK/cache/kernel
GOLD_DISK=$POOL_DIR/tiny-gold.qcow2
RUN_DIR=/run/goldfarm-testbed
VIRTLOGD_PID=$RUN_DIR/virtlogd.pid
LIBVIRTD_PID=$RUN_DIR/libvirtd.pid
URI=qemu:///system
POOL=goldfarm-testbed
GOLD_DOM=tiny-gold
# One directory that every node defines as a dir pool of this name: what an NFS mount used as
# a dir pool looks like to libvirt.  Mode 1777: each node's libvirtd and QEMU (root on node 1,
# hvN on node N) make their own files there, read everyone's (Goldfarm makes gold disks 0644),
# and cannot delete or replace another node's (sticky, as root_squash would keep node 1's).
SHARED_POOL=goldfarm-shared
SHARED_DIR=$WORK/shared

PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
	busybox-static qemu-guest-agent e2fsprogs cpio gzip kmod gcc libc6-dev tini)
# Guest modules, loaded in this order (dependencies resolved from modules.dep).  The last
# line: a CD-ROM on IDE (i440fx) or SATA (q35) and ISO 9660, for a clone's NoCloud seed.
MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console
	virtio_balloon virtio_blk failover net_failover virtio_net crc16 mbcache jbd2 crc32c_generic ext4
	ata_piix ahci sr_mod isofs)

die() {
	echo "testbed: $*" >&2
	exit 1
}
log() { echo "testbed: $*"; }
virsh_q() { virsh -q -c "$URI" "$@"; }
# try WHAT CMD...: run CMD quietly; on failure, die with WHAT and CMD's last message line.
try() {
	local what=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		die "$what: $(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | tail -n1)"
	fi
}
need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }

# ---------------------------------------------------------------- install

missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

apt_install() {
	local missing
	mapfile -t missing < <(missing_packages "$@")
	[ "${#missing[@]}" -gt 0 ] || return 0
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
		try "apt-get update failed" apt-get update
		try "apt-get install ${missing[*]} failed" apt-get install -y --no-install-recommends "${missing[@]}"
	fi
}

# The kernel linux-image-amd64 points at, extracted (never installed) into $KERNEL_DIR.
fetch_kernel() {
	local pkg tmp kver
	if ! compgen -G "$KERNEL_DIR/boot/vmlinuz-*" >/dev/null; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
		if [ -z "$pkg" ]; then
			try "apt-get update failed" apt-get update
			pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
		fi
		[ -n "$pkg" ] || die "cannot find the kernel package linux-image-amd64 depends on"
		log "downloading $pkg"
		tmp=$(mktemp -d)
		chmod 0755 "$tmp" # apt-get download drops privileges to _apt
		(cd "$tmp" && try "apt-get download $pkg failed" apt-get download "$pkg")
		rm -rf "$KERNEL_DIR"
		mkdir -p "$KERNEL_DIR"
		try "cannot extract $pkg" dpkg-deb -x "$tmp"/"$pkg"_*.deb "$KERNEL_DIR"
		rm -rf "$tmp"
	fi
	kver=$(compgen -G "$KERNEL_DIR/boot/vmlinuz-*" | head -n1) || die "no /boot/vmlinuz-* in $KERNEL_DIR"
	kver=${kver##*/vmlinuz-}
	# The package ships no modules.dep (its postinst runs depmod): make it here.
	if [ ! -f "$KERNEL_DIR/lib/modules/$kver/modules.dep" ]; then
		try "depmod failed for $kver" depmod -b "$KERNEL_DIR" "$kver"
	fi
}

ensure_users() {
	getent group kvm >/dev/null || groupadd -r kvm
	getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
	id libvirt-qemu >/dev/null 2>&1 ||
		useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
}

# set_conf FILE KEY VALUE: exactly one active "KEY = VALUE" line in FILE.
set_conf() {
	local file=$1 key=$2 value=$3
	if [ "$(grep -cE "^[[:space:]]*${key}[[:space:]]*=" "$file")" = 1 ] &&
		grep -qxF "$key = $value" "$file"; then
		return 0
	fi
	sed -i -E "/^[[:space:]]*${key}[[:space:]]*=/d" "$file"
	echo "$key = $value" >>"$file"
}

configure_qemu() {
	local conf=/etc/libvirt/qemu.conf
	mkdir -p /etc/libvirt
	[ -e "$conf" ] || : >"$conf"
	set_conf "$conf" user '"root"'
	set_conf "$conf" group '"root"'
	set_conf "$conf" dynamic_ownership 0
	set_conf "$conf" remember_owner 0
	set_conf "$conf" security_driver '"none"'
}

cmd_install() {
	need_root
	apt_install "${PACKAGES[@]}"
	ensure_users
	configure_qemu
	fetch_kernel
	log "install: ok"
}

# ---------------------------------------------------------------- start / stop

pid_alive() { # PIDFILE
	local pid
	[ -s "$1" ] && pid=$(cat "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Close every descriptor but 0-2 of the shell process this runs in: whatever the caller holds
# (ctest's flock on /run/goldfarm-testbed.lock, a test's pipes) would otherwise live on in
# virtlogd and libvirtd, and every later QEMU test would wait on that lock forever.  Call it in
# the process that then execs the daemon: a bash that forks it (`fn &`) keeps its own copies.
close_fds() {
	local fd
	for fd in /proc/$BASHPID/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
	done
	return 0
}

# Run a daemon (one that forks itself away) with no descriptor but 0-2.
start_daemon() { # PROGRAM ARGS...
	(
		close_fds
		exec "$@"
	)
}

# Fail now, not in an hour, when a daemon holds the QEMU tests' lock open.
holds_lock() { # PID NAME
	local pid=$1 fd
	[ -n "$pid" ] || return 0
	for fd in /proc/"$pid"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = /run/goldfarm-testbed.lock ] &&
			die "$2 ($pid) holds /run/goldfarm-testbed.lock open: every later QEMU test would wait on it"
	done
	return 0
}

cmd_start() {
	local starter=
	need_root
	command -v libvirtd >/dev/null || die "libvirtd not installed: run '$0 install'"
	mkdir -p /var/log/libvirt/qemu "$RUN_DIR"
	if ! pid_alive "$VIRTLOGD_PID"; then
		rm -f "$VIRTLOGD_PID"
		try "virtlogd failed to start" start_daemon virtlogd -d -p "$VIRTLOGD_PID"
	fi
	if ! pid_alive "$LIBVIRTD_PID"; then
		rm -f "$LIBVIRTD_PID"
		# Under a subreaper that stays (tini -s, in a session of its own): a QEMU that
		# libvirtd daemonized is reaped the moment it dies, as a host's systemd reaps it.
		# This machine's PID 1 reaps orphans a second or two late, and libvirt reports a
		# killed guest stopped only once its process is gone (virProcessKillPainfully).
		command -v tini >/dev/null || die "tini not installed: run '$0 install'"
		# One process from the fork to tini: no bash stays behind holding the caller's lock.
		(
			close_fds
			exec setsid -w tini -s -- libvirtd -p "$LIBVIRTD_PID"
		) </dev/null >>/var/log/libvirt/libvirtd-testbed.log 2>&1 &
		starter=$! # tini (or setsid waiting on it): lives as long as libvirtd, whose pidfile comes later
		disown
	fi
	local i
	for ((i = 0; i < 120; i++)); do
		if virsh -c "$URI" uri >/dev/null 2>&1; then
			holds_lock "$(cat "$VIRTLOGD_PID" 2>/dev/null)" virtlogd
			holds_lock "$(cat "$LIBVIRTD_PID" 2>/dev/null)" libvirtd
			holds_lock "$starter" "libvirtd's starter"
			log "start: libvirtd answers on $URI"
			return 0
		fi
		pid_alive "$LIBVIRTD_PID" || { [ -n "$starter" ] && kill -0 "$starter" 2>/dev/null; } ||
			die "libvirtd exited (see /var/log/libvirt/libvirtd-testbed.log)"
		sleep 0.5
	done
	die "libvirtd did not answer on $URI within 60 s"
}

stop_one() { # NAME PIDFILE
	local name=$1 pidfile=$2 pid i
	pid_alive "$pidfile" || {
		rm -f "$pidfile"
		return 0
	}
	pid=$(cat "$pidfile")
	kill "$pid"
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || {
			rm -f "$pidfile"
			return 0
		}
		sleep 0.5
	done
	die "$name (pid $pid) did not exit within 30 s"
}

cmd_stop() {
	need_root
	stop_one libvirtd "$LIBVIRTD_PID"
	stop_one virtlogd "$VIRTLOGD_PID"
	log "stop: ok"
}

# ---------------------------------------------------------------- build-guest

# up_to_date OUTPUT INPUT...: OUTPUT exists and is newer than every INPUT.
up_to_date() {
	local out=$1 in
	shift
	[ -e "$out" ] || return 1
	for in in "$@"; do
		[ "$out" -nt "$in" ] || return 1
	done
}

# Module paths (relative to /lib/modules/VERSION), dependencies first, once each.
declare -A MOD_SEEN=()
MOD_ORDER=()
resolve_module() { # MODDIR NAME-OR-PATH
	local moddir=$1 want=$2 path deps dep
	if [[ $want == */* ]]; then
		path=$want
	else
		want=${want//-/_}
		path=$(awk -F: -v m="$want" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*$/, "", n);
			gsub(/-/, "_", n); if (n == m) { print $1; exit } }' "$moddir/modules.dep")
		if [ -z "$path" ]; then
			grep -qE "/${want//_/[-_]}\.ko$" "$moddir/modules.builtin" 2>/dev/null && return 0
			die "kernel module $want not found in $moddir"
		fi
	fi
	[ -z "${MOD_SEEN[$path]:-}" ] || return 0
	MOD_SEEN[$path]=1
	deps=$(awk -F': *' -v p="$path" '$1 == p { print $2; exit }' "$moddir/modules.dep")
	for dep in $deps; do
		resolve_module "$moddir" "$dep"
	done
	MOD_ORDER+=("$path")
}

build_initrd() { # KERNEL-VERSION
	local kver=$1 moddir=$KERNEL_DIR/lib/modules/$1 stage lib app ko
	stage=$(mktemp -d)
	chmod 0755 "$stage" # becomes the guest's /
	mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,run,tmp,data,lib/modules,usr/bin,usr/sbin,var,root}
	ln -s ../run "$stage/var/run"
	mknod -m 600 "$stage/dev/console" c 5 1
	mknod -m 666 "$stage/dev/null" c 1 3

	cp /bin/busybox "$stage/bin/busybox"
	for app in $("$stage/bin/busybox" --list-full); do
		[ -e "$stage/$app" ] || ln -s /bin/busybox "$stage/$app"
	done

	cp /usr/sbin/qemu-ga "$stage/usr/sbin/qemu-ga"
	for lib in $(ldd /usr/sbin/qemu-ga | grep -oE '/[^ ]+'); do
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done

	try "cannot build utmpctl" gcc -static -O2 -Wall -o "$stage/bin/utmpctl" "$GUEST_SRC/utmpctl.c"
	install -m 0755 "$GUEST_SRC/init" "$stage/init"

	MOD_ORDER=()
	MOD_SEEN=()
	for ko in "${MODULES[@]}"; do
		resolve_module "$moddir" "$ko"
	done
	: >"$stage/etc/modules.order"
	for ko in "${MOD_ORDER[@]}"; do
		case $ko in
		*.ko) cp "$moddir/$ko" "$stage/lib/modules/${ko##*/}" ;;
		*.ko.xz) xz -dc "$moddir/$ko" >"$stage/lib/modules/$(basename "$ko" .xz)" ;;
		*.ko.zst) zstd -qdc "$moddir/$ko" >"$stage/lib/modules/$(basename "$ko" .zst)" ;;
		*) die "unknown module format: $ko" ;;
		esac
		basename "${ko%.xz}" .zst >>"$stage/etc/modules.order"
	done

	echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
	echo 'root:x:0:' >"$stage/etc/group"
	printf 'ID=goldfarm-tiny\nNAME="Goldfarm tiny guest"\nVERSION_ID=1\n' >"$stage/etc/os-release"
	echo tiny-gold >"$stage/etc/hostname"
	ln -s /proc/mounts "$stage/etc/mtab"

	(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$WORK/initrd.img.tmp" ||
		die "cannot pack the initramfs"
	mv "$WORK/initrd.img.tmp" "$WORK/initrd.img"
	rm -rf "$stage"
}

build_disk() {
	local tmp
	tmp=$(mktemp -d)
	mkdir "$tmp/root"
	echo "goldfarm gold disk" >"$tmp/root/GOLD"
	truncate -s 64M "$tmp/disk.raw"
	try "mkfs.ext4 failed" mkfs.ext4 -q -F -L gfdata -d "$tmp/root" "$tmp/disk.raw"
	try "qemu-img convert failed" qemu-img convert -f raw -O qcow2 "$tmp/disk.raw" "$GOLD_DISK.tmp"
	mv "$GOLD_DISK.tmp" "$GOLD_DISK"
	rm -rf "$tmp"
}

# guest_stamp VMLINUZ: a digest of everything the initramfs is built from.
guest_stamp() {
	{
		cat "$GUEST_SRC/init" "$GUEST_SRC/utmpctl.c"
		printf '%s\n' "${MODULES[@]}" "$1"
		declare -f build_initrd resolve_module
		sha256sum /usr/sbin/qemu-ga /bin/busybox
	} | sha256sum | cut -d' ' -f1
}

cmd_build_guest() {
	need_root
	local vmlinuz kver tool stamp
	for tool in gcc cpio mkfs.ext4 qemu-img /bin/busybox /usr/sbin/qemu-ga; do
		command -v "$tool" >/dev/null || die "$tool missing: run '$0 install'"
	done
	vmlinuz=$(compgen -G "$KERNEL_DIR/boot/vmlinuz-*" | head -n1) ||
		die "no kernel in $KERNEL_DIR: run '$0 install'"
	kver=${vmlinuz##*/vmlinuz-}
	[ -f "$KERNEL_DIR/lib/modules/$kver/modules.dep" ] || die "no modules.dep for $kver in $KERNEL_DIR: run '$0 install'"
	mkdir -p "$WORK" "$POOL_DIR"

	if up_to_date "$WORK/vmlinuz" "$vmlinuz"; then
		log "vmlinuz: up to date"
	else
		cp "$vmlinuz" "$WORK/vmlinuz"
		log "vmlinuz: $kver"
	fi
	# One test bed serves every checkout on this machine: the initramfs is rebuilt whenever
	# what it is built from differs from what the last build (any checkout's) used.
	stamp=$(guest_stamp "$vmlinuz")
	if [ -e "$WORK/initrd.img" ] && [ "$(cat "$WORK/initrd.stamp" 2>/dev/null)" = "$stamp" ]; then
		log "initrd.img: up to date"
	else
		build_initrd "$kver"
		echo "$stamp" >"$WORK/initrd.stamp"
		log "initrd.img: built ($(du -h "$WORK/initrd.img" | cut -f1))"
	fi
	if [ -e "$GOLD_DISK" ]; then
		log "$GOLD_DISK: present"
	else
		build_disk
		log "$GOLD_DISK: built"
	fi
	if virsh -c "$URI" pool-info "$POOL" >/dev/null 2>&1; then
		virsh_q pool-refresh "$POOL" >/dev/null 2>&1 || true
	fi
}

# ---------------------------------------------------------------- define

cmd_define() {
	need_root
	virsh -c "$URI" uri >/dev/null 2>&1 || die "libvirtd does not answer on $URI: run '$0 start'"
	[ -f "$TEMPLATE" ] || die "missing $TEMPLATE"
	local f
	for f in "$WORK/vmlinuz" "$WORK/initrd.img" "$GOLD_DISK"; do
		[ -e "$f" ] || die "missing $f: run '$0 build-guest'"
	done
	if ! virsh -c "$URI" pool-info "$POOL" >/dev/null 2>&1; then
		try "cannot define pool $POOL" virsh_q pool-define-as "$POOL" dir --target "$POOL_DIR"
	fi
	virsh_q pool-build "$POOL" >/dev/null 2>&1 || true # the directory usually exists already
	if [ "$(virsh_q pool-info "$POOL" | awk '/^State:/ {print $2}')" != running ]; then
		try "cannot start pool $POOL" virsh_q pool-start "$POOL"
	fi
	try "cannot refresh pool $POOL" virsh_q pool-refresh "$POOL"
	if virsh -c "$URI" dominfo "$GOLD_DOM" >/dev/null 2>&1; then
		log "domain $GOLD_DOM: already defined"
	else
		try "cannot define $GOLD_DOM from $TEMPLATE" virsh_q define "$TEMPLATE"
		log "domain $GOLD_DOM: defined"
	fi
}

# ---------------------------------------------------------------- reset

# reset's prefix: gf-test- (the test suite's domains) unless given.
RESET_PREFIX=gf-test-
is_test_name() { [[ $1 == "$RESET_PREFIX"* && ($RESET_PREFIX == gf-test- || $RESET_PREFIX == bench-) ]]; }

delete_volume() { # PATH-OR-NAME [POOL]
	local vol=${1##*/} pool=${2:-$POOL}
	[ "$vol" != tiny-gold.qcow2 ] || return 0
	virsh -c "$URI" vol-info --pool "$pool" "$vol" >/dev/null 2>&1 || return 0
	try "cannot delete volume $vol" virsh_q vol-delete --pool "$pool" "$vol"
	log "deleted volume $vol"
}

cmd_reset() {
	need_root
	virsh -c "$URI" uri >/dev/null 2>&1 || die "libvirtd does not answer on $URI: run '$0 start'"
	local dom src vol
	virsh_q pool-refresh "$POOL" >/dev/null 2>&1 || true
	for dom in $(virsh_q list --all --name); do
		is_test_name "$dom" || continue
		local disks=()
		while read -r src; do
			[[ $src == "$POOL_DIR"/* || $src == "$SHARED_DIR"/* ]] && disks+=("$src")
		done < <(virsh_q domblklist "$dom" --details | awk '$2 == "disk" { print $4 }')
		virsh_q destroy "$dom" >/dev/null 2>&1 || true
		# a transient domain is gone once destroyed
		if virsh -c "$URI" dominfo "$dom" >/dev/null 2>&1; then
			try "cannot undefine $dom" virsh_q undefine "$dom" --snapshots-metadata --managed-save \
				--checkpoints-metadata
		fi
		log "removed domain $dom"
		for src in "${disks[@]}"; do
			if [[ $src == "$SHARED_DIR"/* ]]; then delete_volume "$src" "$SHARED_POOL"; else delete_volume "$src"; fi
		done
	done
	# Leftover volumes of failed runs (in the shared pool: any node's, root deletes them all).
	for vol in $(virsh_q vol-list --pool "$POOL" 2>/dev/null | awk '{ print $1 }'); do
		is_test_name "$vol" && delete_volume "$vol"
	done
	virsh_q pool-refresh "$SHARED_POOL" >/dev/null 2>&1 || true
	for vol in $(virsh_q vol-list --pool "$SHARED_POOL" 2>/dev/null | awk '{ print $1 }'); do
		is_test_name "$vol" && delete_volume "$vol" "$SHARED_POOL"
	done
	log "reset: ok"
}

# ---------------------------------------------------------------- shared-pool

# shared_pool_up VIRSH...: define, start and refresh pool $SHARED_POOL on $SHARED_DIR through the
# virsh command line given (idempotent); the directory made with mode 1777 first.
shared_pool_up() {
	mkdir -p "$SHARED_DIR"
	chown root:root "$SHARED_DIR"
	chmod 1777 "$SHARED_DIR"
	if ! "$@" pool-info "$SHARED_POOL" >/dev/null 2>&1; then
		try "cannot define pool $SHARED_POOL" "$@" pool-define-as "$SHARED_POOL" dir --target "$SHARED_DIR"
	fi
	if [ "$("$@" pool-info "$SHARED_POOL" | awk '/^State:/ {print $2}')" != running ]; then
		try "cannot start pool $SHARED_POOL" "$@" pool-start "$SHARED_POOL"
	fi
	try "cannot refresh pool $SHARED_POOL" "$@" pool-refresh "$SHARED_POOL"
}

# shared_pool_down VIRSH...: stop and undefine pool $SHARED_POOL (its files stay).
shared_pool_down() {
	"$@" pool-info "$SHARED_POOL" >/dev/null 2>&1 || return 0
	"$@" pool-destroy "$SHARED_POOL" >/dev/null 2>&1 || true
	try "cannot undefine pool $SHARED_POOL" "$@" pool-undefine "$SHARED_POOL"
}

cmd_shared_pool() {
	need_root
	virsh -c "$URI" uri >/dev/null 2>&1 || die "libvirtd does not answer on $URI: run '$0 start'"
	shared_pool_up virsh_q
	log "shared-pool: $SHARED_POOL at $SHARED_DIR"
}

cmd_shared_pool_remove() { # the directory too, once empty
	need_root
	virsh -c "$URI" uri >/dev/null 2>&1 || die "libvirtd does not answer on $URI: run '$0 start'"
	shared_pool_down virsh_q
	rmdir "$SHARED_DIR" 2>/dev/null || true
	log "shared-pool-remove: ok"
}


# ---------------------------------------------------------------- more nodes (node2, node3, ...)
#
# Node N (N = 2..9) is a second, separate hypervisor on this machine: the session libvirtd of
# the unprivileged user hvN (root reaches it over its socket), with its own domains, QEMU
# processes (run as hvN) and a dir pool named like node 1's ('$POOL') in $WORK/nodeN/pool,
# owned by hvN.  Nothing on node N is precious: `nodeN reset` removes everything on it.

node_setup() { # N: set NODE_* for node N
	NODE_N=$1
	NODE_USER=hv$1
	NODE_DIR=$WORK/node$1
	NODE_POOL_DIR=$NODE_DIR/pool
	NODE_UID=$(id -u "$NODE_USER" 2>/dev/null || echo "")
	NODE_RUN=/run/user/${NODE_UID:-UID}
	NODE_SOCK=$NODE_RUN/libvirt/libvirt-sock
	NODE_PID=$NODE_RUN/libvirt/libvirtd.pid
	NODE_URI="qemu+unix:///session?socket=$NODE_SOCK"
}
node_virsh() { virsh -q -c "$NODE_URI" "$@"; }
node_answers() { [ -n "$NODE_UID" ] && [ -S "$NODE_SOCK" ] && virsh -c "$NODE_URI" uri >/dev/null 2>&1; }

node_ensure_user() {
	if [ -z "$NODE_UID" ]; then
		try "cannot create user $NODE_USER" useradd -m -s /usr/sbin/nologin "$NODE_USER"
		node_setup "$NODE_N"
	fi
	mkdir -p "$NODE_RUN" "$NODE_POOL_DIR"
	chown "$NODE_USER:" "$NODE_RUN" "$NODE_POOL_DIR"
	chmod 0700 "$NODE_RUN"
}

# node_as_user: the command prefix that runs what follows as hvN, in its session environment
# (an array, so that start_daemon can exec it).
node_as_user() {
	NODE_AS=(runuser -u "$NODE_USER" -- env -i HOME="$(getent passwd "$NODE_USER" | cut -d: -f6)"
		USER="$NODE_USER" LOGNAME="$NODE_USER" PATH=/usr/sbin:/usr/bin:/sbin:/bin
		XDG_RUNTIME_DIR="$NODE_RUN")
}

node_pool() { # define and start the node's pool (idempotent)
	if ! node_virsh pool-info "$POOL" >/dev/null 2>&1; then
		try "node$NODE_N: cannot define pool $POOL" node_virsh pool-define-as "$POOL" dir --target "$NODE_POOL_DIR"
	fi
	node_virsh pool-autostart "$POOL" >/dev/null 2>&1 || true
	if [ "$(node_virsh pool-info "$POOL" | awk '/^State:/ {print $2}')" != running ]; then
		try "node$NODE_N: cannot start pool $POOL" node_virsh pool-start "$POOL"
	fi
	try "node$NODE_N: cannot refresh pool $POOL" node_virsh pool-refresh "$POOL"
}

node_start() {
	need_root
	command -v libvirtd >/dev/null || die "libvirtd not installed: run '$0 install'"
	command -v runuser >/dev/null || die "runuser missing (util-linux)"
	node_ensure_user
	if ! node_answers; then
		if ! pid_alive "$NODE_PID"; then
			rm -f "$NODE_PID"
			node_as_user
			try "node$NODE_N: libvirtd failed to start" start_daemon "${NODE_AS[@]}" /usr/sbin/libvirtd -d
		fi
		local i
		for ((i = 0; i < 120; i++)); do
			node_answers && break
			[ "$i" -lt 10 ] || pid_alive "$NODE_PID" ||
				die "node$NODE_N: libvirtd exited (run it as $NODE_USER in the foreground to see why)"
			sleep 0.5
		done
		node_answers || die "node$NODE_N: libvirtd did not answer on $NODE_URI within 60 s"
		holds_lock "$(cat "$NODE_PID" 2>/dev/null)" "node$NODE_N libvirtd"
	fi
	node_pool
	log "node$NODE_N: libvirtd answers on $NODE_URI"
}

node_stop() { # graceful: the node's guests keep running, as with a libvirtd restart
	need_root
	[ -n "$NODE_UID" ] || return 0
	stop_one "node$NODE_N libvirtd" "$NODE_PID"
	log "node$NODE_N: stopped"
}

node_kill() { # the hypervisor lost: libvirtd, its virtlogd and every QEMU of the node, kill -9
	need_root
	[ -n "$NODE_UID" ] || return 0
	local f pid pids=()
	# by their pidfiles only: libvirtd's, virtlogd's and each running domain's
	for f in "$NODE_PID" "$NODE_RUN"/libvirt/virtlogd.pid "$NODE_RUN"/libvirt/qemu/run/*.pid; do
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		[[ $pid =~ ^[0-9]+$ ]] && [ "$(stat -c %u "/proc/$pid" 2>/dev/null)" = "$NODE_UID" ] && pids+=("$pid")
	done
	[ "${#pids[@]}" = 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
	for pid in "${pids[@]}"; do
		for ((f = 0; f < 40; f++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
	done
	rm -f "$NODE_PID"
	log "node$NODE_N: killed (${#pids[@]} processes)"
}

node_reset() { # every domain, every volume of its pool (not of the shared pool: see reset)
	need_root
	node_answers || die "node$NODE_N: libvirtd does not answer: run '$0 node$NODE_N start'"
	local dom vol
	for dom in $(node_virsh list --all --name); do
		node_virsh destroy "$dom" >/dev/null 2>&1 || true
		if virsh -c "$NODE_URI" dominfo "$dom" >/dev/null 2>&1; then
			try "node$NODE_N: cannot undefine $dom" node_virsh undefine "$dom" --snapshots-metadata \
				--managed-save --checkpoints-metadata
		fi
		log "node$NODE_N: removed domain $dom"
	done
	node_virsh pool-refresh "$POOL" >/dev/null 2>&1 || true
	for vol in $(node_virsh vol-list --pool "$POOL" 2>/dev/null | awk '{ print $1 }'); do
		try "node$NODE_N: cannot delete volume $vol" node_virsh vol-delete --pool "$POOL" "$vol"
		log "node$NODE_N: deleted volume $vol"
	done
	log "node$NODE_N: reset: ok"
}

cmd_node() { # N SUBCOMMAND
	node_setup "$1"
	case "${2:-}" in
	start) node_start ;;
	stop) node_stop ;;
	kill) node_kill ;;
	restart)
		node_stop
		node_start
		;;
	reset) node_reset ;;
	shared-pool)
		need_root
		node_answers || die "node$NODE_N: libvirtd does not answer: run '$0 node$NODE_N start'"
		shared_pool_up node_virsh
		log "node$NODE_N: shared-pool: $SHARED_POOL at $SHARED_DIR"
		;;
	shared-pool-remove)
		need_root
		node_answers || die "node$NODE_N: libvirtd does not answer: run '$0 node$NODE_N start'"
		shared_pool_down node_virsh
		log "node$NODE_N: shared-pool-remove: ok"
		;;
	uri) echo "$NODE_URI" ;;
	pool) echo "$POOL $NODE_POOL_DIR" ;;
	user) echo "$NODE_USER" ;;
	status)
		if node_answers; then echo running; else
			echo stopped
			exit 3
		fi
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

# ---------------------------------------------------------------- main

usage() {
	cat <<EOF
usage: $0 COMMAND
  install      apt packages, users/groups, qemu.conf, Debian kernel (extracted, not installed)
  start        start virtlogd and libvirtd (pidfiles in $RUN_DIR)
  stop         stop them
  build-guest  build vmlinuz, initrd.img and pool/tiny-gold.qcow2 in $WORK
  define       define pool '$POOL' and domain '$GOLD_DOM'
  all          install, start, build-guest, define
  reset [PREFIX]  remove the domains named PREFIX* (gf-test- by default, or bench-)
               and their volumes, and PREFIX* volumes of the shared pool (any node's)
  shared-pool  define and start pool '$SHARED_POOL' (dir) at $SHARED_DIR,
               made mode 1777: storage every node sees at the same path, as an NFS
               export mounted there would be; idempotent
  shared-pool-remove  stop and undefine it (its files stay; the directory goes if empty)
  nodeN start  (N = 2..9) start node N: user hvN's session libvirtd, a second hypervisor
               with its own dir pool '$POOL' in $WORK/nodeN/pool (owned by hvN);
               creates the user and /run/user/UID; idempotent
  nodeN stop   stop node N's libvirtd (by its pidfile); its guests keep running
  nodeN kill   the node lost: kill -9 its libvirtd, virtlogd and QEMU processes
               ('nodeN start' brings libvirtd and the defined domains back, shut off)
  nodeN restart  stop, then start
  nodeN reset  remove every domain on node N and every volume of its pool '$POOL'
               (not those of the shared pool: 'reset' removes its test volumes)
  nodeN shared-pool  define and start pool '$SHARED_POOL' at $SHARED_DIR on node N
  nodeN shared-pool-remove  stop and undefine it on node N
  nodeN uri    print the URI root reaches it by:
               qemu+unix:///session?socket=/run/user/UID/libvirt/libvirt-sock
  nodeN pool   print the pool's name and directory
  nodeN user   print the node's user (hvN)
  nodeN status print running (exit 0) or stopped (exit 3)
EOF
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
build-guest) cmd_build_guest ;;
define) cmd_define ;;
shared-pool) cmd_shared_pool ;;
shared-pool-remove) cmd_shared_pool_remove ;;
all)
	# not chained with &&: that would switch off set -e inside the functions
	cmd_install
	cmd_start
	cmd_build_guest
	cmd_define
	;;
reset)
	RESET_PREFIX=${2:-gf-test-}
	[[ $RESET_PREFIX == gf-test- || $RESET_PREFIX == bench- ]] || die "reset: PREFIX is gf-test- or bench-"
	cmd_reset
	;;
node[2-9]) cmd_node "${1#node}" "${2:-}" ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
