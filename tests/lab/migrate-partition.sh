#!/bin/bash
# The partition matrix of issue #13: with "up --central 3", a node is cut
# off in the middle of a migration.  "db": its underlay links to the
# database members (cluster DB, NB, SB: its ovnmigd, ovn-hooks and
# ovn-controller) are cut, not the migration network; "all": both.  For
# the source and for the target, in Running (a copy slowed by
# bandwidthPerMigration) and just after switchover (QEMU completed, the
# source held before it moves the LSP): 8 cells, one lab.
#
# The cut is nftables in the node's own namespace (the lab's, never the
# host's): packets to and from the members' underlay addresses, and for
# "all" the migration network, are dropped, as a real partition drops
# them.  It lasts until the cut node's ovnmigd has noticed (its cluster
# DB connection lost) and HOLD seconds more, then heals.  Per cell:
#   - never two running copies: the guest prints its uptime on its console
#     every 200 ms; the copy that does not keep the VM must print nothing
#     later than the first line of the one that does (a second copy would
#     go on from the same uptime).  The QEMUs' status over QMP is sampled
#     while cut (a QMP held by ovnmigd answers nothing: "busy"), never both
#     "running".  The RARPs each node's QEMUs sent are counted on the
#     wire (tcpdump in the node's namespace, received from a VM port):
#     only the node that keeps the VM may have sent any;
#   - once healed: the record final (Succeeded, or Failed with a reason),
#     the VM row on the node that runs it, its QEMU "running" there and
#     alone, answering pings, the LSP and the SB binding there alone,
#     nothing left on the other node.
# Prints the matrix, one line per cell.  MATRIX=... (e.g.
# "target:all:Running") runs some cells only.
. "$(dirname "$0")/lib.sh"
require_vm_lab
require_tool nftables nft
require_tool tcpdump tcpdump
. "$top_srcdir/tests/lab/migrate-lib.sh"

HOLD=${HOLD:-3}      # seconds cut off after the daemon noticed
MEMBERS="172.31.254.201, 172.31.254.202, 172.31.254.203"
MIGNET=172.31.253.0/24

lab_prefix P q
T=$LAB_TMP
VM=vm1
PORT=vm1.default
t0=$(date +%s)
check "lab up --central 3: 2 nodes" lab "$P" up --central 3 --nodes 2
D=$(lab_dir "$P")
eval "$(lab "$P" env central)"
mctl() { lab "$P" exec admin -- "$ctl" "$@"; }
check "pod p3 on hv2 (the pinger)" lab "$P" pod add p3 --node hv2 --ip 10.100.0.30/24
check "vm start $VM on hv1" lab "$P" vm start "$VM" --node hv1 --ip 10.100.0.50/24
wait_console hv1 "OVNMIG-LEASE event=bound" 90 || fail "the guest took no lease"
# The guest's heartbeat: its uptime on the console, wherever it runs.
guest_type hv1 'while :; do echo "TICK $(cut -d" " -f1 /proc/uptime)"; sleep 0.2 || sleep 1; done &'
wait_console hv1 "^TICK [0-9]" 20 || fail "the guest does not tick"

# cut NODE db|all: the node loses the members (and the migration network).
cut() {
    local out="ip daddr { $MEMBERS } drop;" in="ip saddr { $MEMBERS } drop;"
    if [ "$2" = all ]; then
        out+=" ip daddr $MIGNET drop;"
        in+=" ip saddr $MIGNET drop;"
    fi
    ip netns exec "$P-$1" nft -f - <<EOF || fail "$case: nft in $P-$1"
table inet ovnmig_partition {
    chain out { type filter hook output priority 0; $out }
    chain in { type filter hook input priority 0; $in }
}
EOF
}
heal() { ip netns exec "$P-$1" nft delete table inet ovnmig_partition; }

# qmp_status NODE: the VM's QEMU there says "running", "paused",
# "inmigrate", "postmigrate"...; "busy" when ovnmigd holds its QMP (a QMP
# socket serves one client), "none" without a QEMU.
qmp_status() {
    local sock st
    sock=$(vm_dir "$1")/qmp.sock
    [ -S "$sock" ] || { echo none; return; }
    st=$(printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"query-status"}' \
        | timeout 3 socat -t 1 - "UNIX-CONNECT:$sock" 2>/dev/null \
        | python3 -c 'import json, sys
for line in sys.stdin:
    try:
        r = json.loads(line).get("return")
    except ValueError:
        continue
    if isinstance(r, dict) and "status" in r:
        print(r["status"])
        break' 2>/dev/null)
    echo "${st:-busy}"
}

# lost_count NODE: how many times NODE's ovnmigd lost the cluster DB.
lost_count() { grep -c "connection lost" "$D/$1/ovnmigd.log"; }

# ticks FILE: the guest's uptimes printed on a console (one a line).
ticks() { tr -d '\r' <"$1" | sed -n 's/.*TICK \([0-9][0-9.]*\).*/\1/p'; }

# The two-copies checks of a cell: FROM (the node the VM left, or kept)
# and KEPT (the node that runs it at the end).
check_one_copy() {
    local kept=$1 other=$2 first last
    first=$(ticks "$T/console-$kept" | sort -g | head -n 1)
    last=$(ticks "$T/console-$other" | sort -g | tail -n 1)
    [ -n "$first" ] || [ "$kept" = "$src" ] \
        || fail "$case: the guest never printed on $kept"
    if [ -n "$first" ] && [ -n "$last" ] \
       && python3 -c "import sys; sys.exit(not $last > $first)"; then
        fail "$case: two copies ran: $other printed uptime $last after $kept's first $first"
    fi
    rarps_other=$(grep -c . "$T/rarp-$other")
    rarps_kept=$(grep -c . "$T/rarp-$kept")
    [ "$rarps_other" = 0 ] || fail "$case: $rarps_other RARPs from $other, which does not keep the VM"
    grep -q "running running" "$T/qmp" \
        && fail "$case: both QEMUs running while cut: $(grep -m1 "running running" "$T/qmp")"
    return 0
}

declare -a matrix=() report=()
for side in source target; do
    for what in db all; do
        for phase in Running switchover; do
            matrix+=("$side:$what:$phase")
        done
    done
done
[ -n "${MATRIX:-}" ] && read -ra matrix <<<"$MATRIX"
for case in "${matrix[@]}"; do
    IFS=: read -r side what phase <<<"$case"
    c0=$(date +%s)
    src=$(vm_node) || fail "$case: no VM row"
    dst=$([ "$src" = hv1 ] && echo hv2 || echo hv1)
    victim=$([ "$side" = source ] && echo "$src" || echo "$dst")
    # The wire and the consoles, for the whole cell.
    pids=()
    for n in hv1 hv2; do
        ip netns exec "$P-$n" tcpdump -i any -Q in -nn -l rarp \
            >"$T/rarp-$n" 2>/dev/null &
        pids+=($!)
        # From the VMs' directory: a process naming the VM's run directory
        # would count as one of its QEMUs, or as a leftover.
        (cd "$D/$n/ovnmigd/vms" && exec tail -n 0 -F "$PORT/console.log") \
            >"$T/console-$n" 2>/dev/null &
        pids+=($!)
    done
    LAB_BG_PIDS+=("${pids[@]}")
    : >"$T/qmp"
    sleep 1                                   # tcpdump is listening
    if [ "$phase" = switchover ]; then
        appctl "$src" migration/hold finish >/dev/null || fail "$case: hold"
    else
        mctl config set bandwidthPerMigration=8Mi >/dev/null || fail "$case: config"
    fi
    uid=$(mctl vm migrate "$VM" --to "$dst") || fail "$case: vm migrate"
    if [ "$phase" = Running ]; then
        wait_phase "$uid" Running 60 || fail "$case: never Running ($(record "$uid" phase))"
    else
        wait_held "$src" 60 || fail "$case: never held at finish ($(record "$uid" phase))"
    fi
    at=$(record "$uid" phase)
    lost=$(lost_count "$victim")
    cut "$victim" "$what"
    tc=$(date +%s%N)
    say "$case: $victim cut off ($what) at $at"
    if [ "$phase" = switchover ]; then
        appctl "$src" migration/release finish >/dev/null || fail "$case: release"
    else
        mctl config unset bandwidthPerMigration >/dev/null
    fi
    # Cut until the node noticed and, with the migration network up in
    # Running, until the guest runs on the target (QEMU completed while
    # the node was cut off); then HOLD seconds more.  The QEMUs' status
    # meanwhile, every half second or so.
    noticed= moved= ready=
    [ "$what" = all ] || [ "$phase" = switchover ] && moved=0
    for ((i = 0; i < 240; i++)); do
        echo "$(qmp_status hv1) $(qmp_status hv2)" >>"$T/qmp"
        elapsed=$(( ($(date +%s%N) - tc) / 1000000 ))
        if [ -z "$noticed" ] && [ "$(lost_count "$victim")" -gt "$lost" ]; then
            noticed=$elapsed
        fi
        if [ -z "$moved" ] && grep -aq "TICK" "$T/console-$dst"; then
            moved=$elapsed
        fi
        if [ -z "$ready" ] && [ -n "$noticed" ] && [ -n "$moved" ]; then
            ready=$elapsed
        fi
        [ -n "$ready" ] && [ "$elapsed" -gt $(( ready + HOLD * 1000 )) ] && break
        sleep 0.5
    done
    [ -n "$noticed" ] || fail "$case: $victim's ovnmigd never noticed it was cut off"
    [ -n "$moved" ] || fail "$case: the guest never ran on $dst while $victim was cut off"
    during=$(record "$uid" phase)
    heal "$victim"
    th=$(date +%s%N)
    wait_final "$uid" 180 || fail "$case: the migration did not end once healed ($(record "$uid" phase))"
    final_ms=$(( ($(date +%s%N) - th) / 1000000 ))
    check_end "$case" "$uid"
    # Its ovnmigd may still hold the QMP socket a moment after the end.
    for ((i = 0; i < 50; i++)); do
        st=$(qmp_status "$now")
        [ "$st" = busy ] || break
        sleep 0.2
    done
    [ "$st" = running ] || fail "$case: the VM's QEMU on $now is $st"
    ping_ok "$P" p3 10.100.0.50
    wait_console "$now" "TICK" 5 || fail "$case: the guest does not tick on $now"
    sleep 0.5
    # (A background job ignores SIGINT: tail needs SIGTERM.)
    kill -INT "${pids[@]}" 2>/dev/null
    kill -TERM "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
    keep=()
    for pid in "${LAB_BG_PIDS[@]}"; do
        [[ " ${pids[*]} " == *" $pid "* ]] || keep+=("$pid")
    done
    LAB_BG_PIDS=("${keep[@]}")
    [ "$end" = Succeeded ] && [ "$(grep -c . "$T/rarp-$now")" = 0 ] \
        && fail "$case: no RARP seen from $now, where the guest resumed (is the capture working?)"
    check_one_copy "$now" "$([ "$now" = hv1 ] && echo hv2 || echo hv1)"
    qmps=$(sort -u "$T/qmp" | tr '\n' ',' | sed 's/,$//; s/,/, /g')
    say "ok: $case: $end${reason:+ ($reason)}, VM on $now; cut at $at, noticed after $noticed ms, guest on $dst after ${moved} ms, $during while cut, final ${final_ms} ms after the heal; RARPs $rarps_kept from $now, $rarps_other from the other; QMP (hv1 hv2) while cut: $qmps"
    report+=("$(printf '%-7s %-4s %-11s cut at %-12s -> %-9s VM on %s (%s)  RARPs %s/%s  %s while cut  final %5d ms after heal  cell %3d s%s' \
        "$side" "$what" "$phase" "$at" "$end" "$now" "$([ "$now" = "$src" ] && echo source || echo target)" \
        "$rarps_kept" "$rarps_other" "$during" "$final_ms" $(( $(date +%s) - c0 )) "${reason:+; $reason}")")
done
say "matrix (RARPs: from the node that keeps the VM / from the other; $(( $(date +%s) - t0 )) s in all):"
printf '    %s\n' "${report[@]}"
refused=$(grep -l "permission error" "$D"/hv*/ovnmigd.log "$D"/hv*/ovn-controller.log)
[ -z "$refused" ] || fail "refused writes in $refused: $(grep -h "permission error" $refused | head -n 3)"
pass
