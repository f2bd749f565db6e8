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
# The control plane (issue 13): BENCH_CONTROL="unix" (the default: one
# ovsdb-server on a unix socket), "raft-tls" (a 3-member Raft cluster on
# loopback, clients and Raft over TLS with certificates from ovnmig-pki;
# no root), or several ("unix raft-tls"), each measured the same way in
# the same run, then ports/s and ratios per control plane.
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
read -ra CONTROLS <<<"${BENCH_CONTROL:-unix}"
[ ${#CONTROLS[@]} -gt 0 ] || { echo "bench-ovn: BENCH_CONTROL is empty"; exit 1; }
for c in "${CONTROLS[@]}"; do
    case $c in
        unix) ;;
        raft-tls)
            command -v openssl >/dev/null || { echo "bench-ovn: raft-tls needs openssl"; exit 77; } ;;
        *) echo "bench-ovn: BENCH_CONTROL: '$c' is not a control plane (unix, raft-tls)"; exit 1 ;;
    esac
done

D=$(mktemp -d /tmp/omh-bench-ovn.XXXXXX)
PIDS=()
stop_server() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    done
    PIDS=()
}
cleanup() { stop_server; rm -rf "$D"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# Raft: member K's clients on 127.0.0.1:(BASE+K), its peers on +10.
BASE=$(( 30000 + ($$ % 2000) * 20 ))
SSL=()

# use_control NAME: DB, SSL (the clients' TLS options) and NBCTL for it.
use_control() {
    CONTROL=$1
    if [ "$CONTROL" = unix ]; then
        DB=unix:$D/nb.sock
        SSL=()
    else
        DB=ssl:127.0.0.1:$((BASE + 1)),ssl:127.0.0.1:$((BASE + 2)),ssl:127.0.0.1:$((BASE + 3))
        SSL=(-p "$D/pki/admin/client-key.pem" -c "$D/pki/admin/client-cert.pem"
             -C "$D/pki/admin/ca-cert.pem")
        if ! [ -d "$D/pki/admin" ]; then
            { "$top_srcdir/utilities/ovnmig-pki" init "$D/pki" \
                && "$top_srcdir/utilities/ovnmig-pki" admin "$D/pki" \
                && for k in 1 2 3; do
                       "$top_srcdir/utilities/ovnmig-pki" db "$D/pki" "nb$k" 127.0.0.1 || exit 1
                   done; } >/dev/null || { echo "bench-ovn: ovnmig-pki failed"; exit 1; }
        fi
    fi
    NBCTL="ovn-nbctl --db=$DB --timeout=30 ${SSL[*]}"
}

# start_servers: the NB of the control plane, empty.
start_servers() {
    local k
    rm -f "$D"/nb*.db
    if [ "$CONTROL" = unix ]; then
        ovsdb-tool create "$D/nb.db" /usr/share/ovn/ovn-nb.ovsschema
        ovsdb-server "$D/nb.db" --remote="p$DB" --unixctl="$D/ctl" \
            --pidfile="$D/pid" --log-file="$D/log" --detach --no-chdir 2>/dev/null
        PIDS=("$(cat "$D/pid")")
        return
    fi
    # (It warns that clusters make ephemeral columns persistent.)
    ovsdb-tool create-cluster "$D/nb1.db" /usr/share/ovn/ovn-nb.ovsschema \
        "ssl:127.0.0.1:$((BASE + 11))" 2>>"$D/ovsdb-tool.log"
    for k in 2 3; do
        ovsdb-tool join-cluster "$D/nb$k.db" OVN_Northbound \
            "ssl:127.0.0.1:$((BASE + 10 + k))" "ssl:127.0.0.1:$((BASE + 11))"
    done
    for k in 1 2 3; do
        ovsdb-server "$D/nb$k.db" --remote="pssl:$((BASE + k)):127.0.0.1" \
            --private-key="$D/pki/nb$k/server-key.pem" \
            --certificate="$D/pki/nb$k/server-cert.pem" \
            --ca-cert="$D/pki/nb$k/ca-cert.pem" --unixctl="$D/ctl$k" \
            --pidfile="$D/pid$k" --log-file="$D/log$k" --detach --no-chdir 2>/dev/null
        PIDS+=("$(cat "$D/pid$k")")
    done
    for _ in $(seq 600); do
        for k in 1 2 3; do
            ovs-appctl -t "$D/ctl$k" cluster/status OVN_Northbound 2>/dev/null \
                | grep -q "^Leader: [0-9a-f]\|^Leader: self" || continue 2
        done
        return
    done
    echo "bench-ovn: the Raft cluster did not form (see $D/log*)"
    exit 1
}

# fresh_db: a new empty NB with the switch and ovnmig's port group.
fresh_db() {
    stop_server
    start_servers
    $NBCTL ls-add vmnet
    hook infra >/dev/null
}
hook() { "$CLI" --nb "$DB" "${SSL[@]}" --chassis bench --switch vmnet --timeout-ms 120000 "$@"; }
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

declare -A HOOK_RATE PEER_RATE RATIO
for control in "${CONTROLS[@]}"; do
use_control "$control"
echo "control plane: $control ($DB)"
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
                hook --quiet bench-ports "$size" hv1 >/dev/null \
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
    echo "RESULT control=$control ports=$n ovn-hooks=${HOOK_RATE[$n]}/s ovn-nbctl=${PEER_RATE[$n]}/s ratio=${ratio}x (goal >= 50x at 10000)"
    HOOK_RATE[$control,$n]=${HOOK_RATE[$n]}
    PEER_RATE[$control,$n]=${PEER_RATE[$n]}
    RATIO[$control,$n]=$ratio
done
done
if [ ${#CONTROLS[@]} -gt 1 ]; then
    first=${CONTROLS[0]}
    echo "ports programmed per second, per control plane (x$first: to $first's, same run):"
    printf '  %-9s %6s %11s %8s %10s %8s %7s\n' control ports ovn-hooks "x$first" ovn-nbctl "x$first" ratio
    for control in "${CONTROLS[@]}"; do
        for n in 1000 10000; do
            printf '  %-9s %6s %11s %8s %10s %8s %6sx\n' "$control" "$n" \
                "${HOOK_RATE[$control,$n]}" \
                "$(awk -v a="${HOOK_RATE[$control,$n]}" -v b="${HOOK_RATE[$first,$n]}" 'BEGIN { printf "%.2f", a / b }')" \
                "${PEER_RATE[$control,$n]}" \
                "$(awk -v a="${PEER_RATE[$control,$n]}" -v b="${PEER_RATE[$first,$n]}" 'BEGIN { printf "%.2f", a / b }')" \
                "${RATIO[$control,$n]}"
        done
    done
    for control in "${CONTROLS[@]}"; do
        echo "RESULT control=$control ovn-hooks/ovn-nbctl at 10000 ports: ${RATIO[$control,10000]}x (goal >= 50x): $([ "${RATIO[$control,10000]}" -ge 50 ] && echo met || echo NOT met)"
    done
fi
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
