#!/bin/bash
# locked.sh PROGRAM [ARG...]: run PROGRAM with the QEMU test bed to itself, one test at a
# time per machine, whichever checkout runs it (flock on /run/goldfarm-testbed.lock).
# This script holds the lock and PROGRAM runs without the descriptor, so that nothing a
# test starts (libvirtd, virtlogd, a goldfarmd it left behind) can take the lock along
# and keep every later QEMU test waiting until its timeout.  Exit: PROGRAM's.
set -u
lock=/run/goldfarm-testbed.lock

# holders: "  PID COMMAND" of each process, this one aside, that has the lock file open.
# Run in this shell, not a subshell: a subshell and the programs it starts hold it too.
holders() {
	local p fd
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		for fd in "$p"/fd/*; do
			if [ "$(readlink "$fd" 2>/dev/null)" = "$lock" ]; then
				echo "  ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
				break
			fi
		done
	done
}

main() {
	[ $# -gt 0 ] || {
		echo "usage: locked.sh PROGRAM [ARG...]" >&2
		return 2
	}
	exec 9>>"$lock" || return 1
	if ! flock -n 9; then
		echo "locked.sh: the QEMU test bed is in use; waiting for its lock ($lock), held open by:" >&2
		holders >&2
		flock 9 || return 1
	fi
	"$@" 9>&-
}

# All read before anything runs: editing this file under a running test cannot change it.
main "$@"; exit
