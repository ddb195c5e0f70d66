#!/bin/bash
# unit.sh - goldfarmd's systemd unit as CMake generates it: its sandbox
# (systemd-analyze security --offline, at most 4.0), the settings an admin
# relies on, and its start and reload commands run as systemd runs them
# (in order, stopping at the first that fails) against a real goldfarmd:
# a bad policy keeps it from starting and makes a reload fail before any
# SIGHUP, a good one reloads.  No systemd as PID 1 is needed.
#   unit.sh UNIT GOLDFARMD SRCDIR
set -uo pipefail

unit=$1
goldfarmd=$2
src=$3
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL $*"
}

command -v systemd-analyze >/dev/null || {
	echo "unit.sh: systemd-analyze is missing (Debian's systemd package)" >&2
	exit 1
}
[ -f "$unit" ] || {
	echo "unit.sh: no unit at $unit" >&2
	exit 1
}
tmp=$(mktemp -d /tmp/gf-unit-XXXXXX)
daemon=""
trap '[ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null; rm -rf "$tmp"' EXIT

# ---- the sandbox -------------------------------------------------------------
score=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security: $score"
if systemd-analyze security --offline=true --threshold=40 "$unit" >/dev/null 2>&1 && [ -n "$score" ]; then
	ok
else
	bad "exposure $score is above 4.0 (or systemd-analyze failed)"
fi
for line in Type=notify User=goldfarm NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
	PrivateTmp=yes StateDirectory=goldfarm RuntimeDirectory=goldfarm ConfigurationDirectory=goldfarm \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' CapabilityBoundingSet=; do
	grep -qxF -- "$line" "$unit" && ok || bad "the unit lacks $line"
done
grep -q '^WatchdogSec=[1-9]' "$unit" && ok || bad "the unit has no WatchdogSec"

# ---- start and reload, as systemd runs them ------------------------------------
sbin=$(sed -n 's/^ExecStart=\([^ ]*\)\/goldfarmd .*/\1/p' "$unit")
[ -n "$sbin" ] && ok || bad "no ExecStart=.../goldfarmd in the unit"
mkdir "$tmp/pol" "$tmp/state"
cp "$src/policies/demo.conf" "$src/policies/demo-day.trace" "$tmp/pol/"
farm="test://$src/templates/demo-farm.xml"

# run_lines KEY [MAINPID]: the unit's KEY= lines in order, with the build's
# goldfarmd and this test's directories; stops at the first that fails and
# returns its status, as systemd does.
run_lines() {
	local key=$1 pid=${2:-} line status
	while IFS= read -r line; do
		line=${line//"$sbin"\/goldfarmd/$goldfarmd}
		line=${line//\/etc\/goldfarm\/policies/$tmp/pol}
		line=${line//\/var\/lib\/goldfarm/$tmp/state}
		line=${line//\$MAINPID/$pid}
		read -r -a argv <<<"$line"
		"${argv[@]}" >>"$tmp/$key.log" 2>&1
		status=$?
		[ "$status" = 0 ] || return "$status"
	done < <(sed -n "s/^$key=//p" "$unit")
	return 0
}
bad_policy() { printf 'nonsense = 1;\n' >>"$tmp/pol/demo.conf"; }
good_policy() { cp "$src/policies/demo.conf" "$tmp/pol/"; }

bad_policy
run_lines ExecStartPre
[ $? = 2 ] && ok || bad "ExecStartPre accepted a bad policy"
grep -q 'demo.conf:.*nonsense' "$tmp/ExecStartPre.log" && ok ||
	bad "ExecStartPre did not say what was wrong: $(cat "$tmp/ExecStartPre.log")"
good_policy
run_lines ExecStartPre && ok || bad "ExecStartPre refused a good policy: $(cat "$tmp/ExecStartPre.log")"

# ExecStart, with -c for the test driver (the policy names qemu:///system)
start=$(sed -n 's/^ExecStart=//p' "$unit")
start=${start//"$sbin"\/goldfarmd/$goldfarmd}
start=${start//\/etc\/goldfarm\/policies/$tmp/pol}
start=${start//\/var\/lib\/goldfarm/$tmp/state}
read -r -a argv <<<"$start"
"${argv[@]}" -c "$farm" >"$tmp/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do
	grep -q 'started: 1 farm' "$tmp/daemon.log" && break
	sleep 0.1
done
grep -q 'started: 1 farm' "$tmp/daemon.log" && ok || bad "goldfarmd did not start: $(cat "$tmp/daemon.log")"

bad_policy
run_lines ExecReload "$daemon"
[ $? = 2 ] && ok || bad "a reload with a bad policy did not fail"
sleep 0.5
grep -q 'SIGHUP' "$tmp/daemon.log" && bad "a bad policy still reached the daemon (SIGHUP)" || ok
kill -0 "$daemon" 2>/dev/null && ok || bad "the daemon died"
good_policy
run_lines ExecReload "$daemon" && ok || bad "a reload with a good policy failed: $(cat "$tmp/ExecReload.log")"
for _ in $(seq 50); do
	grep -q 'SIGHUP: reloading' "$tmp/daemon.log" && break
	sleep 0.1
done
grep -q 'SIGHUP: reloading' "$tmp/daemon.log" && ok || bad "a good reload did not reach the daemon"
kill -TERM "$daemon"
wait "$daemon"
[ $? = 0 ] && ok || bad "goldfarmd did not stop cleanly on SIGTERM"
daemon=""

echo
echo "unit: $passed passed, $failed failed"
[ "$failed" = 0 ]
