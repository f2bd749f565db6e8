#!/bin/bash
# bench-ovn: programming VM ports through ovn-hooks against one ovn-nbctl
# call per port (the named peer), same run, same ovsdb-server; and the
# latency from migration_start() to the Southbound showing the target bound
# as additional chassis, in a real two-chassis lab (needs root).
#
#   top_srcdir=... top_builddir=... tests/bench/bench-ovn.sh
#
# At 10,000 ports one ovn-nbctl call per port would take most of an hour
# (each call downloads the whole NB), so the peer is timed on SAMPLES calls
# at DB sizes 0, 1/4, 1/2, 3/4 and full, and its total is integrated from
# those (trapezoids); at 1,000 ports it runs every call.
#
# SPDX-License-Identifier: Apache-2.0
set -u -o pipefail

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
CLI=$top_builddir/ovn-hooks/ovnmig-ovnhook-cli
SAMPLES=${SAMPLES:-20}
RUNS=${RUNS:-50}
for t in ovsdb-server ovsdb-tool ovn-nbctl; do
    command -v $t >/dev/null || { echo "bench-ovn: $t not found"; exit 77; }
done
[ -x "$CLI" ] || { echo "bench-ovn: build first ($CLI)"; exit 1; }

D=$(mktemp -d /tmp/omh-bench-ovn.XXXXXX)
PID=""
stop_server() {
    [ -n "$PID" ] || return 0
    kill "$PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
    PID=""
}
cleanup() { stop_server; rm -rf "$D"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
DB=unix:$D/nb.sock
NBCTL="ovn-nbctl --db=$DB --timeout=30"

# fresh_db: a new empty NB with the switch and ovnmig's port group.
fresh_db() {
    stop_server
    rm -f "$D/nb.db"
    ovsdb-tool create "$D/nb.db" /usr/share/ovn/ovn-nb.ovsschema
    ovsdb-server "$D/nb.db" --remote="p$DB" --unixctl="$D/ctl" \
        --pidfile="$D/pid" --log-file="$D/log" --detach --no-chdir 2>/dev/null
    PID=$(cat "$D/pid")
    $NBCTL ls-add vmnet
    hook infra >/dev/null
}
hook() { "$CLI" --nb "$DB" --chassis bench --switch vmnet --timeout-ms 120000 "$@"; }
now_ns() { date +%s%N; }

# nbctl_port I: the peer's way to make port I, one call: the same columns,
# switch and port group membership as ovn-hooks writes.
nbctl_port() {
    local i=$1 k=$(( $1 + 2 )) mac ip
    mac=$(printf '0a:58:0b:%02x:%02x:%02x' $(( (k >> 16) & 255 )) $(( (k >> 8) & 255 )) $(( k & 255 )))
    ip=11.$(( (k >> 16) & 255 )).$(( (k >> 8) & 255 )).$(( k & 255 ))
    $NBCTL -- --id=@p create Logical_Switch_Port name="p$i.peer" \
        addresses="\"$mac $ip\"" port_security="\"$mac $ip\"" \
        options:requested-chassis=hv1 external_ids:\"ovnmig:vm\"="p$i" \
        external_ids:\"ovnmig:namespace\"=peer external_ids:\"ovnmig:node\"=hv1 \
        -- add Logical_Switch vmnet ports @p \
        -- add Port_Group ovnmig_vms ports @p >/dev/null
}

# peer_calls FROM COUNT: time COUNT calls; prints mean seconds per call.
peer_calls() {
    local t0 i
    t0=$(now_ns)
    for ((i = $1; i < $1 + $2; i++)); do
        nbctl_port "$i" || { echo "ovn-nbctl failed" >&2; exit 1; }
    done
    awk -v ns=$(( $(now_ns) - t0 )) -v n="$2" 'BEGIN { printf "%.6f", ns / 1e9 / n }'
}

declare -A HOOK_RATE PEER_RATE
for n in 1000 10000; do
    fresh_db
    out=$(hook bench-ports "$n" hv1) || { echo "$out"; exit 1; }
    echo "$n ports, $out"
    HOOK_RATE[$n]=$(sed -n 's/.*: \([0-9]*\) ports\/s.*/\1/p' <<<"$out")

    fresh_db
    if [ "$n" -le 1000 ]; then
        per=$(peer_calls 0 "$n")
        PEER_RATE[$n]=$(awk -v p="$per" 'BEGIN { printf "%.1f", 1 / p }')
        echo "$n ports, ovn-nbctl (one call per port, all $n): ${PEER_RATE[$n]} ports/s ($(awk -v p="$per" 'BEGIN { printf "%.1f", p * 1000 }') ms per call)"
    else
        # Sizes 0, n/4, n/2, 3n/4, n-SAMPLES: fill with ovn-hooks, time
        # SAMPLES peer calls at each.
        pts=""
        filled=0
        for q in 0 1 2 3 4; do
            size=$(( n * q / 4 ))
            [ "$q" -lt 4 ] || size=$(( n - SAMPLES ))
            if [ "$size" -gt "$filled" ]; then
                "$CLI" --nb "$DB" --chassis bench --switch vmnet --quiet \
                    --timeout-ms 120000 bench-ports "$size" hv1 >/dev/null \
                    || { echo "fill failed"; exit 1; }
                filled=$size
            fi
            per=$(peer_calls $(( q * 100000 )) "$SAMPLES")
            echo "  ovn-nbctl at $size ports: $(awk -v p="$per" 'BEGIN { printf "%.1f", p * 1000 }') ms per call ($SAMPLES calls)"
            pts="$pts $size:$per"
        done
        total=$(awk -v n="$n" -v pts="$pts" 'BEGIN {
            m = split(pts, a, " "); t = 0
            for (i = 1; i < m; i++) {
                split(a[i], x, ":"); split(a[i + 1], y, ":")
                t += (y[1] - x[1]) * (x[2] + y[2]) / 2
            }
            split(a[m], z, ":"); t += (n - z[1]) * z[2]
            printf "%.1f", t }')
        PEER_RATE[$n]=$(awk -v n="$n" -v t="$total" 'BEGIN { printf "%.1f", n / t }')
        echo "$n ports, ovn-nbctl (one call per port, estimated from samples): ${total} s, ${PEER_RATE[$n]} ports/s"
    fi
    ratio=$(awk -v a="${HOOK_RATE[$n]}" -v b="${PEER_RATE[$n]}" 'BEGIN { printf "%.0f", a / b }')
    echo "RESULT ports=$n ovn-hooks=${HOOK_RATE[$n]}/s ovn-nbctl=${PEER_RATE[$n]}/s ratio=${ratio}x (goal >= 50x at 10000)"
done
cleanup         # lib.sh below installs its own EXIT trap

# ---- start -> SB additional chassis, in the lab.
if [ "$(id -u)" != 0 ] || ! command -v ovn-controller >/dev/null; then
    echo "RESULT start->SB: skipped (needs root and ovn-host for the lab)"
    exit 0
fi
. "$top_srcdir/tests/lab/lib.sh"
. "$top_srcdir/tests/lab/ovn-hooks-common.sh"
omh_prefix P
lab "$P" up --nodes 2 >/dev/null || { echo "lab up failed"; exit 1; }
lab "$P" pod add vm1.ns1 --node hv1 --ip 10.100.0.2/24 --mac 0a:58:0a:64:00:02 >/dev/null \
    || { echo "pod add failed"; exit 1; }
hook_cli "$P" hv1 port-set vm1 ns1 0a:58:0a:64:00:02 10.100.0.2 hv1 >/dev/null \
    || { echo "port-set failed"; exit 1; }
plug_copy "$P" hv2 copy vm1.ns1 0a:58:0a:64:00:02 10.100.0.2/24 \
    || { echo "plug failed"; exit 1; }
out=$(hook_cli "$P" hv1 bench-start vm1.ns1 hv1 hv2 "$RUNS") || { echo "$out"; exit 1; }
echo "$out"
p50=$(sed -n 's/.*p50 \([0-9]*\) ms.*/\1/p' <<<"$out")
echo "RESULT start->SB p50=${p50} ms over $RUNS runs (goal < 100 ms)"
lab "$P" down >/dev/null
