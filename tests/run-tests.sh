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
#
# A test must end every process it started, also when it fails.  Each runs
# in a session of its own (setsid) with a marker in its environment
# (OVNMIG_TEST_RUN), which its children inherit and which survives a
# QEMU's -daemonize (a new session, so the session alone would miss it).
# Whatever still runs with either once the test is over (3 s of grace for
# what is already exiting) is a LEFTOVER: listed in the test's
# log and here, killed by PID, and the test counts as failed.
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

SETSID=
command -v setsid >/dev/null 2>&1 && SETSID=setsid
running_pid=        # The test under way (its session), and its marker.
running_marker=

# test_processes SID MARKER: the PIDs, one a line, of live processes in
# session SID (none if empty) or whose environment holds
# OVNMIG_TEST_RUN=MARKER.  Zombies are over: not listed.
test_processes() {
    local sid=$1 marker=$2
    {
        [ -z "$sid" ] || ps -e -o pid=,sid=,stat= \
            | awk -v s="$sid" '$2 == s && $3 !~ /^Z/ { print $1 }'
        grep -lsxzF "OVNMIG_TEST_RUN=$marker" /proc/[0-9]*/environ \
            | cut -d/ -f3
    } | sort -un | while read -r pid; do
        state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) \
            && [ "$state" != Z ] && [ "$state" != X ] && echo "$pid"
    done
}

# leftovers SID MARKER: waits about 3 s for the test's processes to end,
# then prints "LEFTOVER: PID COMMAND" for each one still running and kills
# it (SIGTERM, then SIGKILL).  Prints nothing when none is left.
leftovers() {
    local sid=$1 marker=$2 i pids=() pid
    for ((i = 0; i < 20; i++)); do
        mapfile -t pids < <(test_processes "$sid" "$marker")
        [ ${#pids[@]} -gt 0 ] || return 0
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        printf 'LEFTOVER: pid %s: %s\n' "$pid" \
            "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
    done
    kill -TERM "${pids[@]}" 2>/dev/null
    for ((i = 0; i < 20; i++)); do
        mapfile -t pids < <(test_processes "$sid" "$marker")
        [ ${#pids[@]} -gt 0 ] || return 0
        sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null
}

# Interrupted: the test runs in a session of its own, out of reach of the
# terminal's signals, so end it and what it started.
on_signal() {
    if [ -n "$running_marker" ]; then
        kill -TERM "$running_pid" 2>/dev/null
        sleep 1
        leftovers "$running_pid" "$running_marker" >/dev/null
    fi
    exit 130
}
trap on_signal INT TERM HUP

# run_test PATH LOG: runs the test in a session of its own with its
# marker; its exit status in $rc, and a leftover makes it a failure.
run_test() {
    local path=$1 log=$2 left
    running_marker=$$.$n_run.$(basename "$path")
    OVNMIG_TEST_RUN=$running_marker $SETSID "$path" >"$log" 2>&1 </dev/null &
    running_pid=$!
    wait "$running_pid"
    rc=$?
    left=$(leftovers "${SETSID:+$running_pid}" "$running_marker")
    running_pid= running_marker=
    if [ -n "$left" ]; then
        printf '%s\n' "$left" >>"$log"
        echo "FAIL: the test left processes running (killed now)" >>"$log"
        [ "$rc" != 0 ] && [ "$rc" != 77 ] || rc=99
    fi
}
n_run=0

for test in "$@"; do
    # Programs live in the build tree, scripts in the source tree.
    path=$test
    [ -x "$path" ] || path=$top_srcdir/$test
    name=$(basename "$test")
    name=${name%.sh}
    log=$logdir/$name.log
    start=$(date +%s.%N)
    n_run=$((n_run + 1))
    case $test in
        tests/lab/*|*/tests/lab/*)
            if [ "${OVNMIG_LAB_TESTS:-yes}" = no ]; then
                echo "SKIP: lab tests disabled (configure --disable-lab-tests)" >"$log"
                rc=77
            else
                run_test "$path" "$log"
            fi
            ;;
        *)
            run_test "$path" "$log"
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
