#!/bin/bash
# bench-migrate -- the network outage a live-migrating guest sees, next to
# QEMU's own pause, for ovnmig's multi-chassis cutover (a) and the naive
# one (b: requested-chassis switched only once QEMU reports completion;
# ovnmigd's benchmark knob Config external_ids:ovnmig-cutover=naive), in
# the same run, on the same guest; then (c), the same guest migrated bare
# QEMU to QEMU (tests/bench/bare-migrate) on a plain L2 bridge, pinged the
# same way: the outage with no OVN and no ovnmig at all, and the peer of
# the engine's total migration time; and a timeline of one migration as
# SVG.
#
# QEMU's pause is printed two ways: the "downtime" query-migrate reports
# (the source's view: from stopping the guest until it has sent the last
# state) and from QEMU's own events, the source's STOP to the target's
# RESUME -- what the guest lives through.
#
# A 3-node lab: the VM (a 256 MiB test guest, bridge binding) moves between
# hv1 and hv2 while pod p3 on hv3 pings it every 10 ms.  The outage is the
# longest gap between two replies; lost pings are counted too.  A guest
# that did not answer before a move and after it gives no figure: the
# bench fails, saying so ("guest never answered: 0 of 333 pings").  RUNS
# migrations per mode of an idle guest, then RUNS per mode of a guest
# dirtying memory (a loop on its console rewriting DIRTY_MIB MiB of /tmp,
# which is RAM), modes alternating.  After every migration the guest must
# answer on its console with no kernel error (QEMU 7.2 under TCG,
# design.md §6).  Needs root; about 10 minutes with RUNS=10.
#
# Where each outage went (tests/bench/migrate-gaps.py): a capture on the
# VM's port on the target node shows the guest's first RARP (QEMU sends it
# as the guest resumes there) and when requests and replies cross the
# port, so the outage splits into the guest's real pause as the network
# saw it, the time the network took to bring requests to the resumed guest,
# and the time the guest took to answer.
#
# The cluster's downtime limit is set to BENCH_DOWNTIME_LIMIT_MS (default
# 50 ms; the engine's own default is QEMU's, 300 ms): the goal is about the
# outage beyond QEMU's pause, and a 300 ms pause budget alone would miss
# the 100 ms mark.  allowAutoConverge is on (it changes nothing for the idle
# guest): at a 50 ms limit the dirtying guest would not converge on this
# machine otherwise, and the progress timeout would fail it.
#
#   BENCH_RUNS=10 BENCH_DIRTY_MIB=16 BENCH_DOWNTIME_LIMIT_MS=50 \
#       BENCH_OUT=DIR bench-migrate.sh
#
# The QEMU accelerator the guest ran under (kvm or tcg) heads the output
# and the summary.
#
# Writes to BENCH_OUT (default: bench-migrate.out in the build tree): the
# per-migration rows (runs.tsv, bare.tsv), the summary (summary.txt) and
# timeline.svg.
#
# SPDX-License-Identifier: Apache-2.0
set -u -o pipefail

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lab/lib.sh"
# A benchmark prints SKIP and succeeds: "make bench" goes on.
skip() { echo "bench-migrate: SKIP: $*"; exit 0; }
say() { echo "[bench-migrate] $*"; }

RUNS=${BENCH_RUNS:-10}
DIRTY_MIB=${BENCH_DIRTY_MIB:-16}
DOWNTIME_LIMIT_MS=${BENCH_DOWNTIME_LIMIT_MS:-50}
OUT=${BENCH_OUT:-$top_builddir/bench-migrate.out}
CTL=$top_builddir/utilities/ovnmigctl
BARE=$top_builddir/tests/bench/bare-migrate
PLOT=$top_srcdir/tests/bench/migrate-timeline.py
GAPS=$top_srcdir/tests/bench/migrate-gaps.py

require_root
require_lab_tools
require_tool qemu-system-x86 qemu-system-x86_64
require_tool busybox-static busybox
require_tool socat socat
require_tool openssl openssl
require_tool python3 python3
require_tool iputils-ping ping
require_tool tcpdump tcpdump
for f in "$top_builddir/daemon/ovnmigd" "$CTL" "$BARE"; do
    [ -x "$f" ] || { echo "bench-migrate: $f is not built"; exit 1; }
done
guest=$top_builddir/tests/guest/out
"$top_srcdir/tests/guest/build-guest.sh" "$guest" >/dev/null \
    || skip "cannot build the test guest (apt-get install linux-image-cloud-amd64 busybox-static)"
export OVNMIG_GUEST_DIR=$guest
. "$top_srcdir/tests/lab/migrate-lib.sh"

mkdir -p "$OUT" || exit 1
rm -f "$OUT"/runs.tsv "$OUT"/bare.tsv "$OUT"/summary.txt "$OUT"/timeline.svg
lab_prefix P b
T=$LAB_TMP
VM=vm1
PORT=vm1.default
VM_IP=10.100.0.50
BARE_DIR=$T/bare

# The bare QEMUs are daemonized: stop them by their pidfiles, then the lab.
bench_cleanup() {
    local rc=$? f
    for f in "$BARE_DIR"/*/qemu.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    [ "${BARE_NET:-0}" = 1 ] && bare_net_down
    (exit "$rc")
    lab_cleanup
}
trap bench_cleanup EXIT

ctl() { "$CTL" "$@"; }

# cutover MODE: the benchmark knob, "naive" or "multi-chassis", in the
# cluster DB's Config row (created if the lab has none yet).
cutover() {
    local db=OVN_Migration rows
    rows=$(ovsdb-client query "$OVNMIG_DB" \
        "[\"$db\", {\"op\": \"select\", \"table\": \"Config\", \"where\": [], \"columns\": [\"_uuid\"]}]") \
        || return 1
    if [[ $rows != *uuid* ]]; then
        ovsdb-client transact "$OVNMIG_DB" \
            "[\"$db\", {\"op\": \"insert\", \"table\": \"Config\", \"row\": {}}]" >/dev/null || return 1
    fi
    ovsdb-client transact "$OVNMIG_DB" "[\"$db\",
        {\"op\": \"mutate\", \"table\": \"Config\", \"where\": [],
         \"mutations\": [[\"external_ids\", \"delete\", [\"set\", [\"ovnmig-cutover\"]]]]},
        {\"op\": \"mutate\", \"table\": \"Config\", \"where\": [],
         \"mutations\": [[\"external_ids\", \"insert\", [\"map\", [[\"ovnmig-cutover\", \"$1\"]]]]]}]" >/dev/null
}

# stamp: prefixes each line with the wall clock (seconds, microseconds).
stamp() {
    local line
    while IFS= read -r line; do
        printf '%s %s\n' "$EPOCHREALTIME" "$line"
    done
}

kernel_errors() {   # kernel_errors NODE: the guest's alarming console lines
    grep -aE 'BUG:|Oops|Kernel panic|general protection|segfault' \
        "$(vm_dir "$1")/console.log" 2>/dev/null | head -n 3
}

# capture_start NODE FILE: captures ICMP and RARP on the VM's port on
# NODE (its veth in the node's namespace) from the moment the target
# preparation creates it.
CAP_PID=
capture_start() {
    local ns=$P-$1 file=$2
    (
        for ((i = 0; i < 3000; i++)); do
            v=$(ip -n "$ns" -br link 2>/dev/null | awk '/^ovm/ { sub(/@.*/, "", $1); print $1; exit }')
            [ -n "$v" ] && exec ip netns exec "$ns" tcpdump --immediate-mode -U -nn -s 96 -i "$v" \
                -w "$file" 'icmp or rarp' 2>/dev/null
            sleep 0.02
        done
    ) &
    CAP_PID=$!
    LAB_BG_PIDS+=("$CAP_PID")
}

capture_stop() {
    [ -n "$CAP_PID" ] || return 0
    kill "$CAP_PID" 2>/dev/null
    wait "$CAP_PID" 2>/dev/null
    CAP_PID=
}

# migrate_once MODE WORKLOAD: moves the VM to the other node, pinging it;
# appends a row to runs.tsv.
K=0
NODE=hv1
migrate_once() {
    local mode=$1 work=$2 dst k t_req t_done rc j fields
    dst=$([ "$NODE" = hv1 ] && echo hv2 || echo hv1)
    K=$((K + 1)); k=$K
    capture_start "$dst" "$T/port-$k.pcap"
    ping_start "$T/ping-$k.log"
    sleep 0.5
    t_req=$EPOCHREALTIME
    uid=$(ctl vm migrate "$VM" --to "$dst") || fail "run $k: vm migrate"
    ctl -t 300 --json migration watch "$uid" | stamp >"$T/watch-$k.log"
    rc=${PIPESTATUS[0]}
    t_done=$EPOCHREALTIME
    sleep 0.5
    ping_stop "$t_done"
    capture_stop
    [ "$rc" = 0 ] || fail "run $k ($mode, $work, $NODE -> $dst) did not succeed: $(tail -c 400 "$T/watch-$k.log")"
    local outage cutover resume net guest sent got gaps
    # No figure unless the guest answered before and after the move.
    gaps=$(python3 "$GAPS" --move "$t_req" "$t_done" "$T/ping-$k.log" "$T/port-$k.pcap" 2>&1) \
        || fail "run $k: $gaps"
    eval "$gaps"
    # The target writes the guest's pause once it has both ends: wait a bit.
    for ((j = 0; j < 30; j++)); do
        ctl --json migration show "$uid" 2>/dev/null | grep -q '"pauseMs": *[0-9]' && break
        sleep 0.1
    done
    j=$(ctl --json migration show "$uid") || fail "run $k: migration show"
    fields=$(python3 -c 'import json,sys; m=json.load(sys.stdin); p=m["progress"]; s=m["settings"]
print(p.get("downtimeMs", -1), p.get("totalMs", -1), m["endTimestamp"] - m["startTimestamp"], s.get("cutover", "multi-chassis"), p.get("pauseMs", -1))' <<<"$j") \
        || fail "run $k: cannot read the record"
    local downtime qtotal etotal recmode evpause
    read -r downtime qtotal etotal recmode evpause <<<"$fields"
    [ "$recmode" = "$mode" ] || fail "run $k: asked for $mode, the record says $recmode"
    # The guest, whole, on the target; nothing left on the source.
    wait_gone "$NODE" || fail "run $k: $NODE still has $(leftover_vm "$NODE")"
    guest_type "$dst" "echo ALIVE-$k-\$((6*7))"
    wait_console "$dst" "^ALIVE-$k-42" 30 || fail "run $k: the guest does not answer on $dst"
    [ -z "$(kernel_errors "$dst")" ] || fail "run $k: the guest's kernel on $dst: $(kernel_errors "$dst")"
    mkdir -p "$OUT/raw"
    cp "$T/watch-$k.log" "$T/ping-$k.log" "$T/port-$k.pcap" "$OUT/raw/" 2>/dev/null
    printf '%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%d\n' \
        "$k" "$mode" "$work" "$NODE" "$dst" "$outage" "$cutover" "$resume" \
        "$net" "$guest" "$((sent - got))" "$sent" "$downtime" "$qtotal" \
        "$etotal" "$uid" "$t_req" "$evpause" >>"$OUT/runs.tsv"
    say "$(printf 'run %2d %-13s %-5s %s->%s  outage %4d (cutover %4d = resume %4d + net %3d + guest %3d) ms  lost %3d/%-4d  QEMU pause %3d ms  total %5d ms' \
        "$k" "$mode" "$work" "$NODE" "$dst" "$outage" "$cutover" "$resume" "$net" \
        "$guest" "$((sent - got))" "$sent" "$downtime" "$etotal")"
    NODE=$dst
}

# series WORKLOAD: RUNS migrations per mode, alternating, the order
# swapped every other pair so that each mode goes both ways as often.
series() {
    local i mode
    for ((i = 1; i <= RUNS; i++)); do
        for mode in multi-chassis naive; do
            ((i % 2)) || mode=$([ "$mode" = naive ] && echo multi-chassis || echo naive)
            cutover "$mode" || fail "cannot set the cutover mode"
            migrate_once "$mode" "$1"
        done
    done
}

say "machine: $(nproc) CPUs; $(uptime | sed 's/.*load/load/')"
check "lab up: 3 nodes, cluster DB, ovnmigd, migration network, CA" \
    lab "$P" up --nodes 3
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"
check "pod p3 on hv3 (the pinger)" lab "$P" pod add p3 --node hv3 --ip 10.100.0.30/24
check "vm start $VM on hv1" lab "$P" vm start "$VM" --node hv1 --ip "$VM_IP/24"
wait_console hv1 "OVNMIG-LEASE event=bound" 90 || fail "the guest took no lease"
guest_type hv1 "ping -c 1 -W 1 169.254.1.1 >/dev/null; echo READY-\$((6*7))"
wait_console hv1 "^READY-42" 30 || fail "the guest's shell does not answer"
ACCEL=$(print_accel "$VM")
say "$ACCEL"
case $ACCEL in
    "accelerator: kvm"|"accelerator: tcg") ;;   # The bare peer runs the same.
    *) fail "ovnmigd does not say which accelerator $VM runs with ($ACCEL)" ;;
esac
ctl config set "downtimeLimitMs=$DOWNTIME_LIMIT_MS" allowAutoConverge=true >/dev/null \
    || fail "cannot set the downtime limit"
say "liveMigrationConfig: $(ctl config get 2>/dev/null | tr '\n' ' ')"
printf 'run\tmode\tworkload\tfrom\tto\toutage_ms\tcutover_ms\tresume_ms\tnet_ms\tguest_ms\tlost\tsent\tpause_ms\tqemu_total_ms\tengine_total_ms\tuid\tt_request\tev_pause_ms\n' \
    >"$OUT/runs.tsv"

say "idle guest: $RUNS migrations per cutover mode"
series idle

# Dirtying: DIRTY_MIB MiB of random bytes, copied over and over onto
# another file in /tmp (RAM), as fast as the guest's vCPU goes.
dirty_cmd="head -c $((DIRTY_MIB * 1048576)) /dev/urandom >/tmp/src; while :; do cat /tmp/src >/tmp/dst; done >/dev/null 2>&1 &"
guest_type "$NODE" "$dirty_cmd"
sleep 5
say "dirtying guest ($DIRTY_MIB MiB rewritten in a loop): $RUNS migrations per cutover mode"
series dirty

# The peer (c), for the outage and for the engine's overhead: the same
# guest, bare QEMU to QEMU (tests/bench/bare-migrate: same command line,
# driver, parameters, TLS and migration network), on an ideal L2 network
# and nothing else -- no cluster database, no OVN, no ovnmigd.  Each
# node's tap is persistent and sits on a Linux bridge in the node's
# namespace, both bridges hang off one "wire" bridge ($P-bw), and so does
# pinger $P-bp: the bridges learn the guest's MAC from its RARP the way a
# physical L2 network does.  Its outage is the guest's own pause as the
# network sees it, with nothing to open or move.  The lab's VM is stopped
# first, so that both have the machine alike.
bare_net_up() {
    local i ns
    ip netns add "$P-bw" && ip netns add "$P-bp" || return 1
    ip -n "$P-bw" link add bw type bridge && ip -n "$P-bw" link set bw up || return 1
    for i in 1 2; do
        ns=$P-hv$i
        ip -n "$ns" tuntap add mode tap name "${P}bt" \
            && ip -n "$ns" link add "${P}bb" type bridge \
            && ip link add "${P}bv$i" netns "$ns" type veth peer name "w$i" netns "$P-bw" \
            && ip -n "$ns" link set "${P}bt" master "${P}bb" up \
            && ip -n "$ns" link set "${P}bv$i" master "${P}bb" up \
            && ip -n "$ns" link set "${P}bb" up \
            && ip -n "$P-bw" link set "w$i" master bw up || return 1
    done
    ip link add eth0 netns "$P-bp" type veth peer name wp netns "$P-bw" \
        && ip -n "$P-bw" link set wp master bw up \
        && ip -n "$P-bp" addr add 10.100.0.99/24 dev eth0 \
        && ip -n "$P-bp" link set eth0 up && ip -n "$P-bp" link set lo up
}
bare_net_down() {
    local i
    for i in 1 2; do
        ip -n "$P-hv$i" link del "${P}bt" 2>/dev/null
        ip -n "$P-hv$i" link del "${P}bb" 2>/dev/null
    done
    ip netns del "$P-bp" 2>/dev/null
    ip netns del "$P-bw" 2>/dev/null
    return 0
}
# bare_row WORKLOAD LINE: one of bare-migrate's lines, with the outage it
# caused in the pinger's log and the target's capture, to bare.tsv.
bare_row() {
    local work=$1 line=$2 kv window outage cutover resume net guest sent got gaps
    local -A v=()
    for kv in ${line#bare }; do v[${kv%%=*}]=${kv#*=}; done
    # From just before "migrate" to just before the next run's target.
    window=$(awk -v a="${v[t_migrate]}" -v b="${v[t_done]}" -v s="$BARE_SETTLE_MS" \
        'BEGIN { printf "%.3f %.3f", a - 0.3, b + (s - 100) / 1000 }')
    gaps=$(python3 "$GAPS" --window $window --move "${v[t_migrate]}" "${v[t_done]}" \
        "$T/bare-$work-ping.log" "$T/bare-$work-${v[to]}.pcap" 2>&1) \
        || fail "bare run ${v[run]}: $gaps"
    eval "$gaps"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n' \
        "${v[run]}" "$work" "${v[from]}" "${v[to]}" "${v[target_start_ms]}" \
        "${v[migrate_ms]}" "${v[total_ms]}" "${v[qemu_total_ms]}" "${v[downtime_ms]}" \
        "${v[pause_ms]}" "$outage" "$cutover" "$resume" "$net" "$guest" \
        "$((sent - got))" "$sent" >>"$OUT/bare.tsv"
    say "$(printf 'bare %2d %-5s %s->%s  outage %4d (cutover %4d = resume %4d + net %3d + guest %3d) ms  lost %3d/%-4d  QEMU pause %3d ms (events %3d)' \
        "${v[run]}" "$work" "${v[from]}" "${v[to]}" "$outage" "$cutover" "$resume" \
        "$net" "$guest" "$((sent - got))" "$sent" "${v[downtime_ms]}" "${v[pause_ms]}")"
}
BARE_NET=0
lab "$P" vm stop "$VM" >/dev/null || fail "vm stop"
wait_gone "$NODE" || fail "the VM did not stop"
append=$(python3 -c 'import json,sys; print([v for v in json.load(sys.stdin) if v["name"] == "'"$VM"'"][0]["boot"]["cmdline"])' \
    <<<"$(ctl --json vm list 2>/dev/null)" 2>/dev/null) || append="console=ttyS0 panic=-1"
BARE_NET=1
bare_net_up || fail "cannot build the bare peer's L2 network"
BARE_SETTLE_MS=1500
printf 'run\tworkload\tfrom\tto\ttarget_start_ms\tmigrate_ms\ttotal_ms\tqemu_total_ms\tpause_ms\tev_pause_ms\toutage_ms\tcutover_ms\tresume_ms\tnet_ms\tguest_ms\tlost\tsent\n' >"$OUT/bare.tsv"
for work in idle dirty; do
    dirty_arg=()
    [ "$work" = idle ] || dirty_arg=(--dirty "$dirty_cmd")
    say "bare QEMU to QEMU on a plain L2 network, $work guest: $RUNS migrations"
    mkdir -p "$BARE_DIR"
    bare_pids=()
    for n in hv1 hv2; do
        ip netns exec "$P-$n" tcpdump --immediate-mode -U -nn -s 96 -i "${P}bt" \
            -w "$T/bare-$work-$n.pcap" 'icmp or rarp' 2>/dev/null &
        bare_pids+=($!)
    done
    ip netns exec "$P-bp" ping -D -i 0.01 -W 1 10.100.0.50 >"$T/bare-$work-ping.log" 2>&1 &
    bare_pids+=($!)
    LAB_BG_PIDS+=("${bare_pids[@]}")
    "$BARE" --dir "$BARE_DIR" --kernel "$guest/vmlinuz" --initrd "$guest/initramfs.gz" \
        --append "$append static_ip=$VM_IP/24" --mac 0a:58:0a:64:00:32 \
        --memory $((262152 * 1024)) --tap "${P}bt" --runs "$RUNS" "${dirty_arg[@]}" \
        --downtime-limit "$DOWNTIME_LIMIT_MS" --auto-converge --settle "$BARE_SETTLE_MS" \
        --accel "${ACCEL#accelerator: }" \
        --side "$P-hv1,172.31.253.1,hv1,$D/pki/hv1" \
        --side "$P-hv2,172.31.253.2,hv2,$D/pki/hv2" >"$T/bare-$work.log" \
        || fail "bare migration ($work): $(tail -n 3 "$T/bare-$work.log")"
    sleep 0.3
    kill -INT "${bare_pids[@]}" 2>/dev/null
    wait "${bare_pids[@]}" 2>/dev/null
    # Gone: lab_cleanup must not signal their PIDs again.
    keep_pids=()
    for pid in "${LAB_BG_PIDS[@]}"; do
        [[ " ${bare_pids[*]} " == *" $pid "* ]] || keep_pids+=("$pid")
    done
    LAB_BG_PIDS=("${keep_pids[@]}")
    mkdir -p "$OUT/raw"
    cp "$T/bare-$work.log" "$T/bare-$work-ping.log" "$T/bare-$work"-hv?.pcap "$OUT/raw/" 2>/dev/null
    while read -r line; do
        bare_row "$work" "$line"
    done < <(grep '^bare run=' "$T/bare-$work.log")
done

# The first multi-chassis migration of the dirtying guest, on a timeline.
plot_k=$(awk -F'\t' '$2 == "multi-chassis" && $3 == "dirty" { print $1; exit }' "$OUT/runs.tsv")
row=$(awk -F'\t' -v k="$plot_k" '$1 == k' "$OUT/runs.tsv")
IFS=$'\t' read -r _ _ _ from to _ _ _ _ _ _ _ pause _ _ uid t_req _ <<<"$row"
python3 "$PLOT" --watch "$T/watch-$plot_k.log" --ping "$T/ping-$plot_k.log" \
    --log "$from=$D/$from/ovnmigd.log" --log "$to=$D/$to/ovnmigd.log" \
    --uid "$uid" --t0 "$t_req" --pause "$pause" \
    --title "Migration $plot_k: dirtying 256 MiB guest, $from -> $to, multi-chassis cutover" \
    >"$OUT/timeline.svg" || say "no timeline (see above)"

{ echo "$ACCEL"; python3 - "$OUT/runs.tsv" "$OUT/bare.tsv"; } <<'EOF' | tee "$OUT/summary.txt"
import csv, sys
runs = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
bare = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))

def pct(xs, p):
    """Nearest-rank percentile."""
    xs = sorted(xs)
    return xs[max(0, -(-len(xs) * p // 100) - 1)] if xs else -1

def med(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return -1
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

def col(rs, name):
    return [int(r[name]) for r in rs if int(r[name]) >= 0]

print("Outage a guest sees (ms; 10 ms pings): the longest gap anywhere, and the gap around its")
print("resumption on the target (cutover = resume + net + guest, from a capture on the target's port);")
print("QEMU's pause as it reports it (downtime) and by its events (source STOP -> target RESUME).")
print("Peers: (a) ovnmig multi-chassis, (b) naive cutover, (c) bare QEMU to QEMU on a plain L2 bridge.")
hdr = ("guest", "peer", "n", "out50", "out95", "outMax", "cut50", "cut95",
       "down50", "evpause50", "resume50", "net50", "guest50", "lost50")
print("%-5s %-15s %2s %6s %6s %6s %6s %6s %6s %9s %8s %5s %7s %6s" % hdr)
PEERS = (("multi-chassis", "(a) multi-chassis"), ("naive", "(b) naive"),
         ("bare", "(c) bare L2"))
verdicts = []
for work in ("idle", "dirty"):
    m50 = {}
    for mode, label in PEERS:
        if mode == "bare":
            rs = [r for r in bare if r["workload"] == work]
        else:
            rs = [r for r in runs if r["workload"] == work and r["mode"] == mode]
        if not rs:
            continue
        out, cut = col(rs, "outage_ms"), col(rs, "cutover_ms")
        m50[mode] = (med(out), med(cut), pct(out, 95))
        print("%-5s %-15s %2d %6.0f %6d %6d %6.0f %6d %6.0f %9.0f %8.0f %5.0f "
              "%7.0f %6.0f" % (
                  work, label, len(rs), med(out), pct(out, 95), max(out),
                  med(cut), pct(cut, 95), med(col(rs, "pause_ms")),
                  med(col(rs, "ev_pause_ms")), med(col(rs, "resume_ms")),
                  med(col(rs, "net_ms")), med(col(rs, "guest_ms")),
                  med(col(rs, "lost"))))
        if mode != "multi-chassis":
            continue
        for name, key in (("QEMU's downtime", "pause_ms"),
                          ("QEMU's pause by events", "ev_pause_ms")):
            ex = [int(r["outage_ms"]) - int(r[key]) for r in rs
                  if int(r[key]) >= 0]
            if ex:
                verdicts.append((work, "outage - " + name, med(ex),
                                 pct(out, 95)))
    a = m50.get("multi-chassis")
    if a and "naive" in m50:
        bo, bc, _ = m50["naive"]
        print("%-5s (b)/(a), median: longest gap %.2f, cutover gap %.2f"
              % (work, bo / a[0] if a[0] > 0 else 0,
                 bc / a[1] if a[1] > 0 else 0))
    if a and "bare" in m50:
        co, cc, _ = m50["bare"]
        print("%-5s (a)/(c), median: longest gap %.2f, cutover gap %.2f"
              % (work, a[0] / co if co > 0 else 0, a[1] / cc if cc > 0 else 0))
        verdicts.append((work, "outage - (c)'s outage", a[0] - co, a[2]))
print()
print("Goal for (a): outage <= QEMU's pause + 20 ms at the median, < 100 ms at p95; the pause three ways:")
for work, what, ex, p95 in verdicts:
    print("  %-5s %-37s median %5.0f ms, p95 outage %5d ms: %s"
          % (work, what, ex, p95,
             "met" if ex <= 20 and p95 < 100 else
             "median met, p95 not" if ex <= 20 else "NOT met"))
print()
print("Total migration time, ms (engine: from the request to Succeeded, "
      "target preparation and OVN included;")
print("bare: the same guest QEMU to QEMU, target QEMU start + migrate, same "
      "driver, parameters and TLS)")
for work in ("idle", "dirty"):
    e = [int(r["engine_total_ms"]) for r in runs if r["workload"] == work]
    q = [int(r["qemu_total_ms"]) for r in runs if r["workload"] == work]
    b = [int(r["total_ms"]) for r in bare if r["workload"] == work]
    bm = [int(r["migrate_ms"]) for r in bare if r["workload"] == work]
    bp = [int(r["pause_ms"]) for r in bare if r["workload"] == work]
    if e and b:
        print("%-5s engine median %5.0f (p95 %5d; QEMU's copy %5.0f) | bare "
              "median %5.0f (copy %5.0f, pause %3.0f) | overhead %+5.0f ms, "
              "ratio %.2f" % (work, med(e), pct(e, 95), med(q), med(b),
                              med(bm), med(bp), med(e) - med(b),
                              med(e) / med(b)))
EOF
say "machine after: $(uptime | sed 's/.*load/load/')"
say "figures in $OUT (runs.tsv, bare.tsv, summary.txt, timeline.svg)"
echo "bench-migrate: done"
