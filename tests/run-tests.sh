#!/bin/bash
# run-tests.sh -- ovnmig's test runner, behind make check, check-unit and
# check-lab.
#
#   run-tests.sh [--level NAME] TEST...
#
# A test is an executable.  Exit 0 is a pass, 77 a skip (its last line
# starting with "SKIP:" gives the reason), anything else a failure.  Each
# test's output goes to tests/logs/NAME.log; a failing test's log tail is
# shown.  The run ends with the count line "N passed, N failed, N skipped"
# and exits non-zero when any test failed.
set -u

level=all
if [ "${1:-}" = --level ]; then
    level=$2
    shift 2
fi
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
export top_srcdir top_builddir

logdir=$top_builddir/tests/logs
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()

for test in "$@"; do
    # Programs live in the build tree, scripts in the source tree.
    path=$test
    [ -x "$path" ] || path=$top_srcdir/$test
    name=$(basename "$test")
    name=${name%.sh}
    log=$logdir/$name.log
    start=$(date +%s.%N)
    case $test in
        tests/lab/*|*/tests/lab/*)
            if [ "${OVNMIG_LAB_TESTS:-yes}" = no ]; then
                echo "SKIP: lab tests disabled (configure --disable-lab-tests)" >"$log"
                rc=77
            else
                "$path" >"$log" 2>&1 </dev/null
                rc=$?
            fi
            ;;
        *)
            "$path" >"$log" 2>&1 </dev/null
            rc=$?
            ;;
    esac
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    case $rc in
        0)
            passed=$((passed + 1))
            printf 'PASS: %-34s %6s s\n' "$name" "$secs"
            ;;
        77)
            skipped=$((skipped + 1))
            reason=$(grep '^SKIP:' "$log" | tail -n 1 | sed 's/^SKIP: *//')
            printf 'SKIP: %-34s (%s)\n' "$name" "${reason:-no reason given}"
            ;;
        *)
            failed=$((failed + 1))
            failures+=("$name")
            printf 'FAIL: %-34s %6s s (exit %d, log %s)\n' "$name" "$secs" "$rc" "$log"
            tail -n 25 "$log" | sed 's/^/    | /'
            ;;
    esac
done

echo "== $level tests: ${#@} run"
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
