#!/bin/bash
# tests/ocf/run.sh AGENT GOLDFARMD FARM_XML - the OCF resource agent.
#
# Runs the agent itself (no cluster: this machine has no corosync and no
# second node) against a real goldfarmd on libvirt's test driver
# (-c test:///FARM_XML, whose gold domain holds the farm's lease):
#   - ocf-tester (resource-agents) with the agent's parameters;
#   - the meta-data against resource-agents' ra-api-1.dtd;
#   - start twice, stop twice, kill -9 then monitor, a stale or foreign
#     pidfile, a lost pidfile, a bad policy (validate-all, start, reload),
#     reload (and one refused for changed parameters), two resources on one state directory (one after the other,
#     and at once), a goldfarmd that ignores SIGTERM (SIGKILL), a goldfarmd
#     that exits while starting, bad parameters, where the output goes.
# Every agent call runs in $(...): a goldfarmd holding the agent's output
# would hang the test (ctest's timeout fails it).  Prints one line per
# failure, then "N passed, M failed"; exits 1 on any failure.  A missing
# prerequisite is a failure naming it, never a skip.
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 AGENT GOLDFARMD FARM_XML" >&2
	exit 2
fi
agent=$(realpath -e "$1") || exit 2
goldfarmd=$(realpath -e "$2") || exit 2
farm_xml=$(realpath -e "$3") || exit 2
here=$(dirname "$(realpath "$0")")
dtd=/usr/share/resource-agents/ra-api-1.dtd

passed=0
failed=0
fail() {
	echo "FAIL $case: $*"
	failed=$((failed + 1))
	case_failed=1
}

missing=""
for prog in ocf-tester xmllint flock setsid logger; do
	command -v "$prog" >/dev/null || missing="$missing $prog"
done
[ -f /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs ] || missing="$missing ocf-shellfuncs"
[ -f "$dtd" ] || missing="$missing $dtd"
if [ -n "$missing" ]; then
	echo "FAIL prerequisites: missing$missing (Debian: resource-agents libxml2-utils util-linux)"
	echo "0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d /tmp/gf-ocf-XXXXXX) || exit 2
chmod 755 "$tmp" # ocf-tester runs meta-data as nobody
started_pids=""

# ours_pids: the processes whose command line names $tmp (started here).
ours_pids() {
	local f
	# shellcheck disable=SC2013 # /proc/PID/cmdline: no blanks
	for f in $(grep -laF -- "$tmp/" /proc/[0-9]*/cmdline 2>/dev/null); do
		f=${f#/proc/}
		[ "${f%/cmdline}" = $$ ] || echo "${f%/cmdline}"
	done
}
cleanup() {
	local p
	for p in $(ours_pids) $started_pids; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM # cleanup on these too

export OCF_ROOT=/usr/lib/ocf
unset OCF_RESKEY_CRM_meta_timeout OCF_RESKEY_CRM_meta_interval HA_LOGFACILITY

mkdir "$tmp/good" "$tmp/bad" "$tmp/state"
policy() { # policy FARM: a farm on the test driver's gold image rds-gold
	cat <<EOF
farm: { name = "$1"; image = "rds-gold";
  hypervisors = ( { uri = "test:///default"; } );
  host_name = "$1-%03d"; max_sessions = 10; max_hosts = 6; };
schedule: { timezone = "UTC"; all: { days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  ramp_up = { start = "07:00"; }; peak = { start = "09:00"; };
  ramp_down = { start = "17:00"; }; off_peak = { start = "19:00"; }; }; };
load = { source = "command"; command = ["/bin/true"]; };
EOF
}
policy rds >"$tmp/good/rds.conf"
policy rds >"$tmp/bad/rds.conf"
echo 'farm: { name = "broken"; max_sessions = "many"; };' >"$tmp/bad/broken.conf"

# use INSTANCE [VAR=VALUE...]: the resource the next ra calls act on.
use() {
	export OCF_RESOURCE_INSTANCE=$1
	export OCF_RESKEY_binary=$goldfarmd
	export OCF_RESKEY_policies=$tmp/good
	export OCF_RESKEY_state_dir=$tmp/state
	export OCF_RESKEY_connect=test://$farm_xml
	export OCF_RESKEY_pidfile=$tmp/$1.pid
	export OCF_RESKEY_logfile=$tmp/$1.log
	export OCF_RESKEY_options=""
	unset OCF_RESKEY_CRM_meta_timeout
	shift
	local kv
	for kv in "$@"; do
		export "${kv?}"
	done
}

# ra ACTION: run the agent; its exit code in $rc, its output in $out.
ra() {
	out=$("$agent" "$1" 2>&1 </dev/null)
	rc=$?
}

# expect ACTION CODE: run the agent and check its exit code.
expect() {
	ra "$1"
	[ "$rc" -eq "$2" ] || fail "$OCF_RESOURCE_INSTANCE $1: exit $rc, not $2: $(echo "$out" | tail -n 3)"
}

pid_of() { head -n 1 "$tmp/$1.pid" 2>/dev/null; }
alive() { [ -d "/proc/$1" ] && ! grep -q '^[^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
# daemons: the goldfarmd processes on $tmp/state
daemons() {
	local p
	for p in $(ours_pids); do
		tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | head -n 1 | grep -qxF "$goldfarmd" || continue
		tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | grep -qxF "$tmp/state" && echo "$p"
	done
}
wait_gone() { # wait_gone PID: up to 10 s
	for _ in $(seq 50); do
		alive "$1" || return 0
		sleep 0.2
	done
	return 1
}
begin() {
	case=$1
	case_t0=$(date +%s%N)
	case_failed=0
	use gf1
}
end() {
	# every case leaves nothing running
	local p
	for p in $(daemons); do
		fail "goldfarmd pid $p left running"
		kill -KILL "$p"
		wait_gone "$p"
	done
	rm -f "$tmp"/*.pid
	[ "$case_failed" -eq 0 ] && passed=$((passed + 1))
	echo "$case: $(($(($(date +%s%N) - case_t0)) / 1000000)) ms"
}

begin meta_data
ra meta-data
[ "$rc" -eq 0 ] || fail "meta-data: exit $rc"
if ! (cd "$(dirname "$dtd")" && echo "$out" | xmllint --noout --valid - 2>&1); then
	fail "meta-data does not validate against $dtd"
fi
echo "$out" | grep -qxF '<version>1.1</version>' || fail "meta-data does not claim OCF 1.1"
echo "$out" | grep -q '<action name="stop" *timeout="300s"' || fail "the advised stop timeout is not 300s"
ra usage
if [ "$rc" -ne 0 ] || ! echo "$out" | grep -q '^usage:'; then
	fail "usage: exit $rc: $out"
fi
ra promote
[ "$rc" -eq 3 ] || fail "promote: exit $rc, not 3 (unimplemented)"
end

begin ocf_tester
if ! tester=$(ocf-tester -n gf-tester -o binary="$goldfarmd" -o policies="$tmp/good" \
	-o state_dir="$tmp/state" -o connect="test://$farm_xml" -o pidfile="$tmp/gf-tester.pid" \
	-o logfile="$tmp/gf-tester.log" "$agent" 2>&1); then
	fail "ocf-tester: $tester"
fi
echo "$tester" | grep -q "passed all tests" || fail "ocf-tester: $tester"
end

begin start_twice
t0=$(date +%s%N)
expect start 0
t1=$(date +%s%N)
pid1=$(pid_of gf1)
expect monitor 0
expect start 0
[ "$(pid_of gf1)" = "$pid1" ] || fail "a second start replaced pid $pid1 by $(pid_of gf1)"
[ "$(daemons | wc -l)" -eq 1 ] || fail "$(daemons | wc -l) goldfarmd on the state directory, not 1"
[ "$(head -n 1 "$tmp/state/goldfarmd.lock")" = "$pid1" ] || fail "the lock does not name pid $pid1"
[ "$(ps -o sid= -p "$pid1" | tr -d ' ')" = "$pid1" ] || fail "goldfarmd is not in a session of its own"
grep -q "started: 1 farm" "$tmp/gf1.log" || fail "goldfarmd's log is not in the logfile"
t2=$(date +%s%N)
expect stop 0
t3=$(date +%s%N)
alive "$pid1" && fail "pid $pid1 still runs after stop"
echo "start $(((t1 - t0) / 1000000)) ms, stop $(((t3 - t2) / 1000000)) ms"
end

begin stop_stopped
expect stop 0
expect monitor 7
expect start 0
expect stop 0
expect stop 0
expect monitor 7
[ -e "$tmp/gf1.pid" ] && fail "the pidfile is left after stop"
end

begin kill_9
expect start 0
pid=$(pid_of gf1)
kill -KILL "$pid"
wait_gone "$pid" || fail "pid $pid survives kill -9"
expect monitor 1
OCF_RESKEY_CRM_meta_interval=0 expect monitor 1 # a probe too: not "stopped"
expect stop 0
[ -e "$tmp/gf1.pid" ] && fail "stop left the stale pidfile"
expect monitor 7
expect start 0
[ "$(pid_of gf1)" != "$pid" ] || fail "no new goldfarmd after the crash"
expect stop 0
end

begin foreign_pid
sleep 600 &
sleeper=$!
started_pids="$started_pids $sleeper"
echo "$sleeper" >"$tmp/gf1.pid"
expect monitor 1 # a live process that holds no lock
expect stop 0
alive "$sleeper" || fail "stop killed pid $sleeper, which is not goldfarmd"
[ -e "$tmp/gf1.pid" ] && fail "stop left the foreign pidfile"
echo "$sleeper" >"$tmp/gf1.pid"
expect start 0 # replaces the foreign pidfile
[ "$(pid_of gf1)" != "$sleeper" ] || fail "start kept the foreign pidfile"
alive "$sleeper" || fail "start killed pid $sleeper"
expect stop 0
kill "$sleeper"
end

begin lock_held_by_other
expect start 0
pid=$(pid_of gf1)
sleep 600 &
sleeper=$!
started_pids="$started_pids $sleeper"
echo "$sleeper" >"$tmp/gf1.pid" # the pidfile now names another live process
expect monitor 1
alive "$pid" || fail "monitor harmed pid $pid"
echo "$pid" >"$tmp/gf1.pid"
expect monitor 0
expect stop 0
alive "$sleeper" || fail "pid $sleeper was killed"
kill "$sleeper"
end

begin lost_pidfile
expect start 0
pid=$(pid_of gf1)
rm -f "$tmp/gf1.pid"
expect monitor 0 # the lock's holder was started with this resource's pidfile
expect start 0
[ "$(daemons | wc -l)" -eq 1 ] || fail "start ran a second goldfarmd"
expect stop 0
alive "$pid" && fail "stop did not stop pid $pid, whose pidfile was lost"
expect monitor 7
end

begin bad_policy
use gf1 OCF_RESKEY_policies="$tmp/bad"
expect validate-all 6
echo "$out" | grep -q "broken.conf" || fail "validate-all does not name the bad file: $out"
expect start 6
[ -z "$(daemons)" ] || fail "start with a bad policy left goldfarmd running"
expect monitor 7
end

begin reload
expect start 0
pid=$(pid_of gf1)
policy calls >"$tmp/good/calls.conf"
expect reload 0
for _ in $(seq 50); do
	[ -e "$tmp/state/calls.status" ] && break
	sleep 0.2
done
[ -e "$tmp/state/calls.status" ] || fail "the farm added by reload never ticked"
cp "$tmp/bad/broken.conf" "$tmp/good/"
expect reload 6
rm "$tmp/good/broken.conf"
if [ "$(pid_of gf1)" != "$pid" ] || ! alive "$pid"; then
	fail "a failed reload changed the daemon"
fi
expect monitor 0
# other parameters than the daemon's: a reload cannot apply them
use gf1 OCF_RESKEY_options="--metrics $tmp/m.prom"
expect reload 1
use gf1
alive "$pid" || fail "a refused reload stopped the daemon"
rm "$tmp/good/calls.conf"
expect stop 0
use gf1 OCF_RESKEY_logfile=""
expect reload 7
end

begin two_on_one_state_dir
use gf1
expect start 0
pid=$(pid_of gf1)
use gf2
expect start 1
echo "$out" | grep -q "pid $pid" || fail "the refusal does not name pid $pid: $out"
expect monitor 7
expect stop 0
use gf1
alive "$pid" || fail "gf2's start or stop harmed gf1's goldfarmd"
expect monitor 0
expect stop 0
# both at once: goldfarmd's own lock decides
use gf1
"$agent" start >/dev/null 2>&1 </dev/null &
a=$!
use gf2
"$agent" start >/dev/null 2>&1 </dev/null &
b=$!
wait "$a"
rc_a=$?
wait "$b"
rc_b=$?
[ $((rc_a == 0)) -ne $((rc_b == 0)) ] || fail "started at once: gf1 exit $rc_a, gf2 exit $rc_b (one must win)"
[ "$(daemons | wc -l)" -eq 1 ] || fail "$(daemons | wc -l) goldfarmd run on one state directory"
use gf1
expect stop 0
use gf2
expect stop 0
end

begin sigkill_fallback
use gf1 OCF_RESKEY_binary="$here/stubborn-goldfarmd" OCF_RESKEY_CRM_meta_timeout=6000
expect start 0
pid=$(pid_of gf1)
expect monitor 0
t0=$(date +%s)
expect stop 0
t1=$(date +%s)
alive "$pid" && fail "pid $pid survives stop"
[ $((t1 - t0)) -ge 3 ] || fail "stop took $((t1 - t0)) s: SIGKILL came before its wait (4 s of 6)"
[ -e "$tmp/gf1.pid" ] && fail "the pidfile is left"
expect monitor 7
end

begin exits_while_starting
# the state directory is a file: goldfarmd cannot take its lock and exits 1
touch "$tmp/state-file"
use gf1 OCF_RESKEY_state_dir="$tmp/state-file"
t0=$(date +%s)
expect start 1
t1=$(date +%s)
[ $((t1 - t0)) -lt 30 ] || fail "start waited $((t1 - t0)) s for a goldfarmd that had exited"
expect monitor 7
end

begin bad_parameters
use gf1 OCF_RESKEY_state_dir=relative/state
expect validate-all 6
use gf1 OCF_RESKEY_options="--metrics $tmp/m.prom --pidfile /tmp/x"
expect validate-all 6
use gf1 OCF_RESKEY_options="--metrics $tmp/m.prom"
expect validate-all 0
use gf1 OCF_RESKEY_binary="$tmp/no-goldfarmd"
expect validate-all 5
expect start 5
OCF_RESKEY_CRM_meta_interval=0 expect monitor 7
expect stop 0
use gf1 OCF_RESKEY_state_dir="$tmp/not-mounted/state"
expect start 5
end

begin syslog_output
use gf1 OCF_RESKEY_logfile=""
expect start 0
pid=$(pid_of gf1)
err=$(readlink "/proc/$pid/fd/2")
case "$err" in
pipe:*)
	reader=""
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/fd/0" 2>/dev/null)" = "$err" ] && reader=${p#/proc/}
	done
	if [ -z "$reader" ] || [ "$(cat "/proc/$reader/comm")" != logger ]; then
		fail "goldfarmd's stderr ($err) is not read by logger"
	fi
	;;
*) fail "goldfarmd's stderr is $err, not a pipe to logger" ;;
esac
tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qx -- --foreground && fail "goldfarmd runs with --foreground"
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ] ||
	fail "goldfarmd runs in the test's session"
expect stop 0
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
