#!/bin/bash
# tests/fuzz/run.sh HARNESS NAME SECONDS WORKDIR - run one libFuzzer harness.
#
# Runs every input of tests/fuzz/corpus/NAME first (the seeds, and the
# input of every crash found so far: the regression cases), then fuzzes
# for SECONDS under the sanitizers the harness was built with, adding what
# it finds to WORKDIR/NAME/corpus and writing a crashing input to
# WORKDIR/NAME/crashes/.  Exits non-zero on any crash, leak, timeout (10 s
# for one input) or an input using more than 2 GB, and then says which
# input to keep.
set -u
if [ $# -ne 4 ]; then
	echo "usage: $0 HARNESS NAME SECONDS WORKDIR" >&2
	exit 2
fi
harness=$1 name=$2 seconds=$3 work=$4
src=$(dirname "$(realpath "$0")")
seeds=()
if [ -d "$src/corpus/$name" ] && [ -n "$(ls -A "$src/corpus/$name")" ]; then
	seeds=("$src/corpus/$name")
else
	echo "$0: no seeds in $src/corpus/$name: starting from nothing" >&2
fi
mkdir -p "$work/$name/corpus" "$work/$name/crashes" || exit 2
dict=()
[ -f "$src/$name.dict" ] && dict=("-dict=$src/$name.dict")
export LSAN_OPTIONS="suppressions=$src/../lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
"$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
	-print_final_stats=1 -artifact_prefix="$work/$name/crashes/" "${dict[@]}" \
	"$work/$name/corpus" "${seeds[@]}"
rc=$?
if [ $rc -ne 0 ]; then
	echo "fuzz $name: FAILED (exit $rc).  The input is in $work/$name/crashes/:"
	ls -l "$work/$name/crashes/"
	echo "Fix the bug, then keep the input in tests/fuzz/corpus/$name/ as a regression case."
fi
exit $rc
