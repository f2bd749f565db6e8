#!/bin/bash
# The outage figure of a migration needs a guest that answered (no root):
# tests/bench/migrate-gaps.py, which the demo, bench-migrate and the
# migration lab test compute the outage with, refuses crafted ping logs
# where every ping was lost, where the guest never answered after the move
# or never before it (exit 1, saying so, no figure on stdout), and gives
# the longest gap on a normal log, in a window too; migrate-timeline.py
# refuses the same way; the lab's ping_replied and print_accel read a ping
# log and ovnmigctl's "accel" field, or say "unknown" without it.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
GAPS=$top_srcdir/tests/bench/migrate-gaps.py
PLOT=$top_srcdir/tests/bench/migrate-timeline.py

fail() { echo "FAIL: test-migrate-gaps: $*"; exit 1; }
ok() { echo "ok: $*"; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found (apt-get install python3)"; exit 77; }

dir=$(mktemp -d /tmp/test-migrate-gaps.XXXXXX) || fail "mktemp"
trap 'rm -rf "$dir"' EXIT

# pinglog FILE SENT FROM TO [FROM TO]...: a "ping -D" log of SENT pings,
# one every 10 ms from T (below), with replies only to the pings sent in
# each [FROM, TO) span (milliseconds after T).
T=1700000000
pinglog() {
    local file=$1 sent=$2
    shift 2
    python3 - "$T" "$sent" "$@" >"$file" <<'EOF'
import sys
t0, sent = float(sys.argv[1]), int(sys.argv[2])
spans = [(int(a), int(b)) for a, b in zip(sys.argv[3::2], sys.argv[4::2])]
print("PING 10.100.0.50 (10.100.0.50) 56(84) bytes of data.")
got = 0
for seq in range(1, sent + 1):
    ms = (seq - 1) * 10
    if any(a <= ms < b for a, b in spans):
        got += 1
        print("[%.6f] 64 bytes from 10.100.0.50: icmp_seq=%d ttl=64 "
              "time=0.512 ms" % (t0 + ms / 1000.0 + 0.0003, seq))
print()
print("--- 10.100.0.50 ping statistics ---")
print("%d packets transmitted, %d received, %d%% packet loss, time %dms"
      % (sent, got, 100 * (sent - got) // sent, sent * 10))
EOF
}

at() { awk -v t="$T" -v ms="$1" 'BEGIN { printf "%.3f", t + ms / 1000 }'; }

# refused WHAT PATTERN ARGS...: migrate-gaps.py ARGS exits 1, prints
# nothing on stdout and PATTERN on stderr.
refused() {
    local what=$1 pattern=$2 rc=0
    shift 2
    python3 "$GAPS" "$@" >"$dir/out" 2>"$dir/err" || rc=$?
    [ "$rc" = 1 ] || fail "$what: exit $rc, want 1 (stdout: $(cat "$dir/out"))"
    [ ! -s "$dir/out" ] || fail "$what: a figure all the same: $(cat "$dir/out")"
    grep -qE -- "$pattern" "$dir/err" || fail "$what: stderr does not match /$pattern/: $(cat "$dir/err")"
    ok "$what: $(cat "$dir/err")"
}

# gives WHAT LINE ARGS...: migrate-gaps.py ARGS exits 0 and prints LINE.
gives() {
    local what=$1 want=$2 out
    shift 2
    out=$(python3 "$GAPS" "$@" 2>&1) || fail "$what: exit $?: $out"
    [ "$out" = "$want" ] || fail "$what: got '$out', want '$want'"
    ok "$what: $out"
}

# The move: asked for 1 s after the first ping, seen ended at 2.5 s.
move=(--move "$(at 1000)" "$(at 2500)")

pinglog "$dir/lost.log" 333
refused "every ping lost" '^migrate-gaps: guest never answered: 0 of 333 pings$' \
    "${move[@]}" "$dir/lost.log"

pinglog "$dir/none-after.log" 333 0 1800
refused "no reply after the move" \
    '^migrate-gaps: guest never answered after the move: 180 of 333 pings answered, the last 0\.710 s before the move ended$' \
    "${move[@]}" "$dir/none-after.log"

pinglog "$dir/none-before.log" 333 1200 3330
refused "no reply before the move" \
    '^migrate-gaps: guest never answered before the move: 213 of 333 pings answered, the first 0\.200 s after the move began$' \
    "${move[@]}" "$dir/none-before.log"

# Replies to every ping but those sent from 1.5 s to 1.75 s: a gap of
# 260 ms between the reply to the ping of 1.49 s and that of 1.75 s.
pinglog "$dir/normal.log" 333 0 1500 1750 3330
gives "a normal log" "outage=260 cutover=-1 resume=-1 net=-1 guest=-1 sent=333 got=308 tgt_early=-1 src_late=-1 dups=0" \
    "${move[@]}" "$dir/normal.log"
# A capture that does not exist tells nothing more.
gives "a normal log, no capture to read" "outage=260 cutover=-1 resume=-1 net=-1 guest=-1 sent=333 got=308 tgt_early=-1 src_late=-1 dups=0" \
    "${move[@]}" "$dir/normal.log" "$dir/no-such.pcap"

# A reply seen twice ("DUP!", a stale copy the guest answered again):
# counted in dups, once in got.
{ sed -n '1,/icmp_seq=100 /p' "$dir/normal.log"
  grep ' icmp_seq=100 ' "$dir/normal.log" | sed 's/ms$/ms (DUP!)/'
  sed '1,/icmp_seq=100 /d' "$dir/normal.log"; } >"$dir/dup.log"
gives "a reply seen twice" "outage=260 cutover=-1 resume=-1 net=-1 guest=-1 sent=333 got=308 tgt_early=-1 src_late=-1 dups=1" \
    "${move[@]}" "$dir/dup.log"

# --window: only the replies inside count, sent is their sequence span.
gives "a window around the move" "outage=260 cutover=-1 resume=-1 net=-1 guest=-1 sent=201 got=176 tgt_early=-1 src_late=-1 dups=0" \
    --window "$(at 800)" "$(at 2805)" "${move[@]}" "$dir/normal.log"
refused "a window where the guest never answered" '^migrate-gaps: guest never answered: no reply to any ping$' \
    --window "$(at 1500)" "$(at 1740)" --move "$(at 1600)" "$(at 1700)" "$dir/normal.log"
refused "a window that ends before the move's end" '^migrate-gaps: guest never answered after the move' \
    --window "$(at 800)" "$(at 2400)" "${move[@]}" "$dir/normal.log"

# Bad input: a clear message, never a traceback.
refused "a ping log that does not exist" '^migrate-gaps: .*/no-such\.log: No such file or directory$' \
    "${move[@]}" "$dir/no-such.log"
rc=0
python3 "$GAPS" "$dir/normal.log" >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'the following arguments are required: --move' "$dir/out" \
    || fail "no --move: exit $rc: $(cat "$dir/out")"
ok "no --move: a usage error (exit 2)"

# migrate-timeline.py: the same rule, the move ending at the watch's last line.
printf '%s {"phase": "Running", "progress": {}}\n%s {"phase": "Succeeded", "progress": {}}\n' \
    "$(at 1200)" "$(at 2500)" >"$dir/watch.log"
rc=0
python3 "$PLOT" --watch "$dir/watch.log" --ping "$dir/lost.log" --uid u --t0 "$(at 1000)" \
    >"$dir/out" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] && [ ! -s "$dir/out" ] \
    && grep -qx 'migrate-timeline: guest never answered: 0 of 333 pings' "$dir/err" \
    || fail "timeline, every ping lost: exit $rc: $(cat "$dir/err")"
ok "timeline, every ping lost: $(cat "$dir/err")"
rc=0
python3 "$PLOT" --watch "$dir/watch.log" --ping "$dir/none-after.log" --uid u --t0 "$(at 1000)" \
    >"$dir/out" 2>"$dir/err" || rc=$?
[ "$rc" = 1 ] && grep -q '^migrate-timeline: guest never answered after the move' "$dir/err" \
    || fail "timeline, no reply after the move: exit $rc: $(cat "$dir/err")"
ok "timeline, no reply after the move"
python3 "$PLOT" --watch "$dir/watch.log" --ping "$dir/normal.log" --uid u --t0 "$(at 1000)" \
    >"$dir/out" 2>"$dir/err" || fail "timeline, a normal log: $(cat "$dir/err")"
grep -q 'longest gap 260 ms' "$dir/out" || fail "timeline, a normal log: no 260 ms gap marked"
ok "timeline, a normal log: the 260 ms gap marked"

# The lab's helpers (tests/lab/migrate-lib.sh, also the demo's).
. "$top_srcdir/tests/lab/migrate-lib.sh"
ping_replied "$dir/normal.log" || fail "ping_replied: no reply seen in a normal log"
ping_replied "$dir/normal.log" "$(at 3000)" || fail "ping_replied: no reply seen after 3 s"
! ping_replied "$dir/normal.log" "$(at 3400)" || fail "ping_replied: a reply after the last one"
! ping_replied "$dir/lost.log" || fail "ping_replied: a reply in a log of lost pings"
! ping_replied "$dir/no-such.log" || fail "ping_replied: a reply in a missing log"
ok "ping_replied"

# print_accel, against a stand-in for ovnmigctl.
ctl=$dir/ovnmigctl
fake_ctl() { printf '#!/bin/sh\n%s\n' "$1" >"$ctl"; chmod +x "$ctl"; }
fake_ctl "echo '{\"vm\": {\"name\": \"vm1\", \"status\": {}}, \"node\": {\"accel\": \"tcg\"}}'"
[ "$(print_accel vm1)" = "accelerator: tcg" ] || fail "print_accel with the field: $(print_accel vm1)"
fake_ctl "echo '{\"vm\": {\"name\": \"vm1\", \"status\": {}}, \"node\": null}'"
[ "$(print_accel vm1)" = "accelerator: unknown" ] || fail "print_accel without the field: $(print_accel vm1)"
fake_ctl "echo 'no VM vm1' >&2; exit 1"
[ "$(print_accel vm1)" = "accelerator: unknown" ] || fail "print_accel, ovnmigctl failing: $(print_accel vm1)"
ok "print_accel: the field, or unknown"
echo "PASS: test-migrate-gaps"
