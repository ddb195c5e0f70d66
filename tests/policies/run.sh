#!/bin/bash
# tests/policies/run.sh VMCTL - the golden policy tests.
#
# Runs `VMCTL policy check FILE` from the repository's root (whatever the
# current directory), with FILE as tests/policies/{good,bad}/NAME.conf:
#   good/*.conf  must print exactly "FILE: ok", nothing on stderr, exit 0;
#   bad/*.conf   must print exactly bad/NAME.expected on stdout, exactly one
#                line on stderr ("vmctl: 1 of 1 policy file has errors"),
#                and exit 2.
# Every bad/NAME.expected needs its bad/NAME.conf and the other way round.
# Prints one line per failure, then "N passed, M failed"; exits 1 on any
# failure, also when a directory has no test files.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 VMCTL" >&2
	exit 2
fi
vmctl=$(realpath -e "$1" 2>/dev/null) || {
	echo "$0: no program '$1'" >&2
	exit 2
}
if [ ! -x "$vmctl" ]; then
	echo "$0: '$vmctl' is not executable" >&2
	exit 2
fi
cd "$(dirname "$(realpath "$0")")/../.." || exit 2

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# run FILE: stdout to $tmp/out, stderr to $tmp/err, exit code in $code
run() {
	"$vmctl" policy check "$1" >"$tmp/out" 2>"$tmp/err"
	code=$?
}

shopt -s nullglob
good=(tests/policies/good/*.conf)
bad=(tests/policies/bad/*.conf)
if [ ${#good[@]} -eq 0 ]; then
	fail tests/policies/good "no good/*.conf files"
fi
if [ ${#bad[@]} -eq 0 ]; then
	fail tests/policies/bad "no bad/*.conf files"
fi

for f in "${good[@]}"; do
	run "$f"
	if [ "$code" -ne 0 ]; then
		fail "$f" "exit $code, not 0: $(head -c 2000 "$tmp/out" "$tmp/err")"
	elif [ "$(cat "$tmp/out")" != "$f: ok" ] || [ "$(wc -l <"$tmp/out")" -ne 1 ]; then
		fail "$f" "printed '$(head -c 2000 "$tmp/out")', not '$f: ok'"
	elif [ -s "$tmp/err" ]; then
		fail "$f" "wrote to stderr: $(head -c 2000 "$tmp/err")"
	else
		passed=$((passed + 1))
	fi
done


for f in "${bad[@]}"; do
	expected=${f%.conf}.expected
	name=$(basename "$f" .conf)
	if [ ! -f "$expected" ]; then
		fail "$f" "no $expected"
		continue
	fi
	run "$f"
	errlines=$(wc -l <"$tmp/err")
	if ! cmp -s "$tmp/out" "$expected"; then
		fail "$f" "stdout differs from $expected (exit $code):
$(diff -u "$expected" "$tmp/out" | tail -n +3 | head -40)
$(head -c 2000 "$tmp/err")"
	elif [ "$code" -ne 2 ]; then
		fail "$f" "exit $code, not 2"
	elif [ "$errlines" -ne 1 ]; then
		fail "$f" "$errlines lines on stderr, not 1: $(head -c 2000 "$tmp/err")"
	elif [ "$(cat "$tmp/err")" != "vmctl: 1 of 1 policy file has errors" ]; then
		fail "$f" "stderr is '$(cat "$tmp/err")', not 'vmctl: 1 of 1 policy file has errors'"
	else
		passed=$((passed + 1))
	fi
done

for e in tests/policies/bad/*.expected; do
	[ -f "${e%.expected}.conf" ] || fail "$e" "no ${e%.expected}.conf for it"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
