#!/bin/bash
# deb.sh - the package tier: goldfarm as an admin installs it.  Builds a
# normal release build (prefix /usr), makes the .deb with cpack, installs it
# with dpkg -i, checks from the installed paths (the programs, each shipped
# example policy checked by goldfarmd -n in a directory of its own, the man
# pages, the unit and its sandbox score, logrotate's file and a real
# rotation, the completion, the alert rules, the goldfarm user in libvirt's
# group, a tick as that user), then purges the package and leaves the
# machine as it was (the user and groups it did not have are removed).
# Root only; one run per machine at a time, never beside the QEMU tier
# (whose test bed is under /var/lib/goldfarm): ctest takes both locks.
#   deb.sh SRCDIR BUILDDIR
set -uo pipefail

src=$1
build=$2
passed=0
failed=0

die() {
	echo "deb.sh: $*" >&2
	exit 1
}
ok() { passed=$((passed + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL $*"
}
# check WHAT COMMAND...: COMMAND succeeds
check() {
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok; else
		bad "$what: $* ($(head -c 600 "$tmp/out"))"
	fi
}

[ "$(id -u)" = 0 ] || die "needs root (dpkg -i)"
for tool in cpack dpkg-shlibdeps adduser logrotate systemd-analyze promtool; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/test installs it)"
done
if dpkg-query -W -f='${Status}' goldfarm 2>/dev/null | grep -q 'ok installed'; then
	die "the goldfarm package is installed on this machine: this tier installs and purges its own, so it does not run here"
fi
# /var/lib/goldfarm may be there already (the QEMU test bed lives below it):
# what is there stays, and its owner and mode come back after the purge
state_before=""
if [ -d /var/lib/goldfarm ]; then
	state_before=$(stat -c '%u:%g %a' /var/lib/goldfarm)
	entries_before=$(ls -A /var/lib/goldfarm)
fi

tmp=$(mktemp -d /tmp/gf-deb-XXXXXX)
chmod 755 "$tmp" # the goldfarm user reads its policies and farm here
had_user=$(getent passwd goldfarm >/dev/null && echo 1)
had_group=$(getent group goldfarm >/dev/null && echo 1)
had_libvirt=$(getent group libvirt >/dev/null && echo 1)
installed=""

cleanup() {
	if [ -n "$installed" ]; then
		dpkg --purge goldfarm >/dev/null 2>&1 || echo "deb.sh: dpkg --purge goldfarm failed" >&2
	fi
	if [ -z "$had_user" ] && getent passwd goldfarm >/dev/null; then
		deluser --quiet --system goldfarm >/dev/null 2>&1 || userdel goldfarm
	fi
	if [ -z "$had_group" ] && getent group goldfarm >/dev/null; then
		delgroup --quiet --system goldfarm >/dev/null 2>&1 || groupdel goldfarm
	fi
	if [ -z "$had_libvirt" ] && getent group libvirt >/dev/null; then
		groupdel libvirt
	fi
	if [ -n "$state_before" ] && [ -d /var/lib/goldfarm ]; then
		chown "${state_before% *}" /var/lib/goldfarm
		chmod "${state_before#* }" /var/lib/goldfarm
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- build and package -----------------------------------------------------
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	-DGOLDFARM_TESTS=OFF -DGOLDFARM_SANITIZE=OFF >"$tmp/cmake.log" 2>&1 ||
	die "cmake configure failed: $(tail -5 "$tmp/cmake.log")"
cmake --build "$build" -j "$(nproc)" >"$tmp/build.log" 2>&1 ||
	die "build failed: $(grep -E 'error' "$tmp/build.log" | head -5)"
rm -f "$build"/goldfarm_*.deb
(cd "$build" && cpack -G DEB) >"$tmp/cpack.log" 2>&1 || die "cpack failed: $(tail -5 "$tmp/cpack.log")"
deb=$(ls "$build"/goldfarm_*.deb 2>/dev/null | head -n1)
[ -f "$deb" ] || die "cpack made no .deb"
echo "package: $deb ($(stat -c %s "$deb") bytes)"

# its control: shlibdeps' libraries, what it cannot see, conffiles, scripts
depends=$(dpkg-deb -f "$deb" Depends)
for want in adduser libc6 libvirt0 libxml2 libconfig9; do
	[[ ", $depends," == *", $want"[\ ,]* ]] && ok || bad "Depends lacks $want: $depends"
done
recommends=$(dpkg-deb -f "$deb" Recommends)
[[ $recommends == *libvirt-daemon* && $depends != *libvirt-daemon* ]] && ok ||
	bad "libvirt-daemon should be recommended, not required: Depends: $depends; Recommends: $recommends"
dpkg-deb -e "$deb" "$tmp/control"
for f in postinst prerm postrm conffiles; do
	check "control file $f" test -f "$tmp/control/$f"
done
check "conffiles" grep -qx /etc/logrotate.d/goldfarm "$tmp/control/conffiles"

# ---- install -----------------------------------------------------------------
# the libvirt group as libvirt-daemon-system makes it (the user joins it)
[ -z "$had_libvirt" ] && groupadd -r libvirt
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || die "dpkg -i failed: $(tail -5 "$tmp/dpkg.log")"
installed=1

check "goldfarmd --version" grep -qx "goldfarmd $(sed -n 's/^project(goldfarm VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")" \
	<(/usr/sbin/goldfarmd --version)
check "vmctl help" /usr/bin/vmctl help
grep -q '^  snapshot create ' <(/usr/bin/vmctl help) && ok || bad "vmctl help lists no commands"
check "vmctl --version" /usr/bin/vmctl --version

# each shipped example, alone in a directory (several name the same farm)
examples=/usr/share/doc/goldfarm/examples
cp -r /usr/share/doc/goldfarm/templates "$tmp/templates" # the identity examples' ../templates
n=0
for conf in "$examples"/*.conf; do
	d=$tmp/example-$(basename "$conf" .conf)
	mkdir -p "$d"
	cp "$conf" "$d/"
	cp "$examples"/*.trace "$d/" # demo.conf reads its trace beside it
	if out=$(/usr/sbin/goldfarmd -n --policies "$d" 2>&1) && [[ $out == *": 1 farm, ok" ]]; then
		ok
	else
		bad "goldfarmd -n on $conf: $out"
	fi
	n=$((n + 1))
done
[ "$n" -ge 4 ] && ok || bad "only $n example policies in $examples"
check "examples README" test -f "$examples/README.md"

# man pages
for page in man1/vmctl.1.gz man8/goldfarmd.8.gz man5/goldfarm.conf.5.gz; do
	check "man page $page" grep -q '^\.TH' <(zcat "/usr/share/man/$page")
done

# the unit: the real paths, and its sandbox
unit=$(dpkg -L goldfarm | grep '/systemd/system/goldfarmd.service$')
check "the unit" test -f "$unit"
check "unit ExecStart" grep -qx 'ExecStart=/usr/sbin/goldfarmd --foreground --policies /etc/goldfarm/policies --state-dir /var/lib/goldfarm' "$unit"
check "unit ExecStartPre" grep -qx 'ExecStartPre=/usr/sbin/goldfarmd -n --policies /etc/goldfarm/policies' "$unit"
check "unit sandbox score <= 4.0" systemd-analyze security --offline=true --threshold=40 "$unit"
check "policies directory" test -d /etc/goldfarm/policies
[ -z "$(ls -A /etc/goldfarm/policies)" ] && ok || bad "/etc/goldfarm/policies is not empty"
check "goldfarmd -n on the empty policies directory" /usr/sbin/goldfarmd -n

# the goldfarm user, in libvirt's group, and its state directory
uid=$(id -u goldfarm 2>/dev/null)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && ok || bad "no goldfarm system user (uid '$uid')"
id -nG goldfarm | tr ' ' '\n' | grep -qx libvirt && ok || bad "goldfarm is not in group libvirt: $(id -nG goldfarm)"
[ "$(stat -c '%U:%G %a' /var/lib/goldfarm)" = "goldfarm:goldfarm 750" ] && ok ||
	bad "/var/lib/goldfarm is $(stat -c '%U:%G %a' /var/lib/goldfarm)"

# a tick as that user, on the demo's test-driver farm: its decision log and metrics
mkdir "$tmp/pol"
cp "$examples/demo.conf" "$examples/demo-day.trace" "$tmp/pol/"
cp "$src/templates/demo-farm.xml" "$tmp/farm.xml"
chmod -R a+rX "$tmp/pol" "$tmp/farm.xml"
tick() {
	runuser -u goldfarm -- /usr/sbin/goldfarmd --once --foreground -c "test://$tmp/farm.xml" \
		--policies "$tmp/pol" --state-dir /var/lib/goldfarm
}
check "a tick as goldfarm" tick
check "the decision log" test -s /var/lib/goldfarm/rds.decisions
[ "$(stat -c %U /var/lib/goldfarm/rds.decisions 2>/dev/null)" = goldfarm ] && ok || bad "the decision log is not goldfarm's"
[ "$(stat -c %a /var/lib/goldfarm/goldfarm.prom 2>/dev/null)" = 644 ] && ok || bad "the metrics are not readable by node_exporter"
check "the metrics (promtool)" promtool check metrics </var/lib/goldfarm/goldfarm.prom

# logrotate: the shipped file as logrotate reads it, and a real rotation;
# the daemon's next record starts a new log (no signal needed)
check "logrotate -d" logrotate -d -s "$tmp/logrotate.state" /etc/logrotate.d/goldfarm
check "logrotate -f" logrotate -f -s "$tmp/logrotate.state" /etc/logrotate.d/goldfarm
check "rotated" test -s /var/lib/goldfarm/rds.decisions.1
check "moved aside, not copied" test ! -e /var/lib/goldfarm/rds.decisions
check "a tick after the rotation" tick
check "a new decision log" test -s /var/lib/goldfarm/rds.decisions
[ "$(stat -c %U /var/lib/goldfarm/rds.decisions 2>/dev/null)" = goldfarm ] && ok || bad "the new decision log is not goldfarm's"

# the completion, as bash-completion loads it
comp=/usr/share/bash-completion/completions/vmctl
check "completion" bash -c ". /usr/share/bash-completion/bash_completion; . $comp; complete -p vmctl | grep -q _vmctl"

# the alert rules
check "alert rules" promtool check rules /usr/share/goldfarm/prometheus/goldfarm.rules.yml

# ---- purge: the machine as before --------------------------------------------
dpkg --purge goldfarm >"$tmp/purge.log" 2>&1 && ok || bad "dpkg --purge: $(tail -5 "$tmp/purge.log")"
installed=""
for path in /usr/sbin/goldfarmd /usr/bin/vmctl "$unit" /etc/logrotate.d/goldfarm /etc/goldfarm \
	/usr/share/doc/goldfarm "$comp"; do
	[ ! -e "$path" ] && ok || bad "$path is left after the purge"
done
if [ -n "$state_before" ]; then
	[ "$(ls -A /var/lib/goldfarm 2>/dev/null)" = "$entries_before" ] && ok ||
		bad "the purge changed what /var/lib/goldfarm held: $(ls -A /var/lib/goldfarm)"
else
	[ ! -e /var/lib/goldfarm ] && ok || bad "/var/lib/goldfarm is left after the purge: $(ls -A /var/lib/goldfarm)"
fi
dpkg-query -W -f='${Status}' goldfarm 2>/dev/null | grep -q 'ok installed' && bad "goldfarm still installed" || ok
cleanup
trap - EXIT
getent passwd goldfarm >/dev/null && [ -z "$had_user" ] && bad "the goldfarm user is left" || ok
getent group libvirt >/dev/null && [ -z "$had_libvirt" ] && bad "the libvirt group is left" || ok
if [ -n "$state_before" ]; then
	[ "$(stat -c '%u:%g %a' /var/lib/goldfarm)" = "$state_before" ] && ok ||
		bad "/var/lib/goldfarm is $(stat -c '%u:%g %a' /var/lib/goldfarm), was $state_before"
fi

echo
echo "package: $passed passed, $failed failed"
[ "$failed" = 0 ]
