#!/bin/bash
# Live migration end to end (issue #6): an idle 256 MiB guest with bridge
# binding moves hv1 -> hv2 -> hv1, twice back to back, while a pod on hv3
# pings it every 10 ms.  After each move: the record says Succeeded with
# the target's address on the migration network, over TLS; the guest's
# MAC, address, default route and neighbor entry for 169.254.1.1 (read on
# its console) are what they were; a DHCP renewal is ACKed by the new node;
# the SB binds the port to the new chassis only and the LSP asks for it
# alone, with no activation strategy; the old node has no pod namespace,
# QEMU or run directory left; the guest answered the pings before the move
# and after it, and no gap reached 3 s (tests/bench/migrate-gaps.py); the
# record has the guest's pause (QEMU's STOP on the source to its RESUME on
# the target), not shorter than QEMU's own downtime, and its progress
# sample was taken within the migration.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/migrate-lib.sh"
require_vm_lab

lab_prefix P m
T=$LAB_TMP
G=0a:58:a9:fe:01:01
VM=vm1
PORT=vm1.default
check "lab up: 3 nodes, cluster DB, ovnmigd, migration network, CA" \
    lab "$P" up --nodes 3
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"
check "pod p3 on hv3 (the pinger)" lab "$P" pod add p3 --node hv3 --ip 10.100.0.30/24
check "vm start $VM on hv1" lab "$P" vm start "$VM" --node hv1 --ip 10.100.0.50/24
wait_console hv1 "OVNMIG-LEASE event=bound" 90 || fail "the guest took no lease"
# The guest's gateway entry, made once, the way any off-link packet would
# (typed again if the console's shell was not there yet).
for try in 1 2 3 4 5; do
    guest_type hv1 "ping -c 1 -W 1 169.254.1.1 >/dev/null"
    sleep 1
    before=$(guest_report hv1 "0$try") || fail "no report from the guest"
    [[ $before == *lladdr=?* ]] && break
done
say "guest before: $before"
say "$(print_accel "$VM")"
assert_match "the guest has its address, route and gateway entry" \
    "mac=0a:58:0a:64:00:32 inet=10.100.0.50/24 via=169.254.1.1 lladdr=$G" "$before"

node=hv1
n=0
PAUSE_MARGIN_MS=50
for dst in hv2 hv1 hv2 hv1; do
    n=$((n + 1))
    ping_start "$T/ping-$n.log"
    sleep 0.5
    t_req=$EPOCHREALTIME
    uid=$("$ctl" vm migrate "$VM" --to "$dst") || fail "vm migrate $VM --to $dst"
    "$ctl" -t 120 migration watch "$uid" >"$T/watch-$n.log" \
        || fail "migration $n ($node -> $dst) did not succeed: $(tail -n 2 "$T/watch-$n.log")"
    t_done=$EPOCHREALTIME
    sleep 0.5
    ping_stop "$t_done"
    # No figure unless the guest answered before and after the move.
    gaps=$(python3 "$top_srcdir/tests/bench/migrate-gaps.py" --move "$t_req" "$t_done" \
        "$T/ping-$n.log" 2>&1) || fail "migration $n: $gaps"
    read -r gap sent got <<<"$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        print v["outage"], v["sent"], v["got"] }' <<<"$gaps")"
    # The target writes the guest's pause into the record once it has
    # seen the source's end (not just derived by ovnmigctl from the two
    # timestamps): give it a moment past Succeeded.
    for ((i = 0; i < 50; i++)); do
        recorded=$("$ctl" migration show "$uid" | awk '$1 == "pauseMs:" { print $2 }')
        [ -n "$recorded" ] && break
        sleep 0.2
    done
    j=$("$ctl" --json migration show "$uid")
    read -r phase completed addr tls downtime pause sampled start end <<<"$(python3 -c 'import json,sys; m=json.load(sys.stdin); p=m["progress"]
print(m["phase"], m["completed"], m["targetNodeAddress"], m["settings"].get("tls"), p.get("downtimeMs", -1), p.get("pauseMs", -1), p.get("sampledAt", 0), m["startTimestamp"], m["endTimestamp"])' <<<"$j")"
    say "migration $n $node -> $dst: guest paused ${pause} ms, QEMU downtime ${downtime} ms; pings $got/$sent, longest gap ${gap} ms"
    assert_eq "migration $n: record Succeeded and completed" "Succeeded True" "$phase $completed"
    assert_match "migration $n: target address on the migration network" \
        "^172\.31\.253\.${dst#hv}:[0-9]+$" "$addr"
    assert_eq "migration $n: over TLS" true "$tls"
    # The pause runs from QEMU's STOP on the source to its RESUME on the
    # target: about QEMU's downtime or more, well under 10 s on any
    # machine.  Not always more: QEMU stamps STOP once the vCPUs have
    # stopped, after its downtime began, and ends its downtime when the
    # source's migration thread gets the BQL back after the last bytes
    # left, which on a busy machine can be after the target resumed (seen
    # here: pause 31 ms, downtime 38 ms).  Hence the margin.
    [ "$recorded" = "$pause" ] \
        || fail "migration $n: the target wrote no pause (recorded '$recorded', shown $pause)"
    [ "$pause" -gt 0 ] && [ "$pause" -ge $((downtime - PAUSE_MARGIN_MS)) ] && [ "$pause" -lt 10000 ] \
        || fail "migration $n: guest pause ${pause} ms next to QEMU downtime ${downtime} ms"
    say "ok: migration $n: the record has the guest's pause"
    [ "$sampled" -ge "$start" ] && [ "$sampled" -le "$end" ] \
        || fail "migration $n: progress sampled at $sampled, outside the migration ($start..$end)"
    say "ok: migration $n: the progress sample is from within the migration"
    [ "$gap" -lt 3000 ] \
        || fail "migration $n: the guest stopped answering (replies $got/$sent, gap $gap ms)"

    assert_eq "migration $n: the VM row names $dst" "$dst" \
        "$("$ctl" --json vm list | python3 -c 'import json,sys; print([v["node"] for v in json.load(sys.stdin) if v["name"] == "'"$VM"'"][0])')"
    dst_uuid=$(ovn-sbctl --bare --columns=_uuid find Chassis name="$dst")
    assert_eq "migration $n: SB binds the port to $dst" "$dst_uuid" \
        "$(ovn-sbctl --bare --columns=chassis find Port_Binding logical_port=$PORT)"
    assert_eq "migration $n: no additional chassis" "" \
        "$(ovn-sbctl --bare --columns=additional_chassis find Port_Binding logical_port=$PORT)"
    assert_eq "migration $n: LSP asks for $dst alone, no activation strategy" \
        "{requested-chassis=$dst}" \
        "$(ovn-nbctl get Logical_Switch_Port $PORT options)"
    wait_gone "$node" || fail "migration $n: $node still has $(leftover_vm "$node")"
    say "ok: migration $n: nothing of $VM left on $node"

    after=$(guest_report "$dst" "$n") || fail "migration $n: no report from the guest"
    assert_eq "migration $n: MAC, address, route and gateway entry unchanged" \
        "$before" "$after"
    acks0=$(dhcp_acks "$dst")
    guest_type "$dst" 'kill -USR1 $(cat /run/udhcpc.pid)'
    wait_console "$dst" "OVNMIG-LEASE event=renew" 30 \
        || fail "migration $n: the guest's renewal was not ACKed on $dst"
    assert_match "migration $n: renewal keeps the lease, served as 169.254.1.1" \
        "event=renew ip=10\.100\.0\.50 mask=24 .*serverid=169\.254\.1\.1" \
        "$(grep -a "OVNMIG-LEASE event=renew" "$(vm_dir "$dst")/console.log" | tail -n 1)"
    acks=$(( $(dhcp_acks "$dst") - acks0 ))
    [ "$acks" -ge 1 ] || fail "migration $n: $dst's ovnmigd sent no ACK"
    say "ok: migration $n: $dst's ovnmigd ACKed the renewal ($acks ACK(s))"
    node=$dst
done
pass
