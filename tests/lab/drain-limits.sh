#!/bin/bash
# Migration limits, node drain and policies with real guests (issue #7),
# in one 3-node lab with four 128 MiB guests on hv1:
#  (a) parallelOutboundMigrationsPerNode 1: "node drain hv1" is refused
#      while a VM without evictionStrategy LiveMigrate runs there (exit 1,
#      the VM listed); with --force --wait it stops that VM and migrates
#      the three others one at a time (no overlap of the records'
#      startTimestamp..endTimestamp), spread over hv2 and hv3 by free
#      memory, and hv1 ends empty; "node uncordon hv1" makes it a target
#      again;
#  (b) parallelMigrationsPerCluster 1: two migrations requested at once
#      from hv2 and hv3 (to the uncordoned hv1) never overlap, and the
#      second shows as queued in "migration list" while the first runs;
#  (c) a MigrationPolicy selecting the VMs labelled bw=low, with
#      bandwidthPerMigration 16Mi: the record of that VM's migration
#      carries the policy and the bandwidth, the others neither, and its
#      measured throughput stays near the cap; "vm show" says which policy
#      applies and why.
. "$(dirname "$0")/lib.sh"
require_root
. "$top_srcdir/tests/lab/drain-lib.sh"
require_vm_lab

CAP=16Mi
CAP_BYTES=$((16 * 1024 * 1024))

lab_prefix P d
T=$LAB_TMP
check "lab up: 3 nodes" lab "$P" up --nodes 3
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"

cat >"$T/policy.yaml" <<EOF
apiVersion: migrations.kubevirt.io/v1alpha1
kind: MigrationPolicy
metadata:
  name: slow-lane
spec:
  bandwidthPerMigration: $CAP
  selectors:
    virtualMachineInstanceSelector:
      bw: low
EOF
check "policy slow-lane (bw=low: bandwidthPerMigration $CAP)" \
    "$ctl" policy create -f "$T/policy.yaml"
check "config set parallelOutboundMigrationsPerNode=1" \
    "$ctl" config set parallelOutboundMigrationsPerNode=1

guest_vm_yaml d1 LiveMigrate "" >"$T/d1.yaml"
guest_vm_yaml d2 LiveMigrate "" >"$T/d2.yaml"
guest_vm_yaml d3 LiveMigrate "bw: low" >"$T/d3.yaml"
guest_vm_yaml s1 None "" >"$T/s1.yaml"
ip=50
for vm in d1 d2 d3 s1; do
    check "vm start $vm on hv1" lab "$P" vm start "$vm" --node hv1 \
        -f "$T/$vm.yaml" --ip "10.100.0.$ip/24"
    ip=$((ip + 1))
done

t0=$(now_ms)
drain_wait_leases hv1 150 d1 d2 d3 s1 || fail "the guests took no lease within 150 s"
say "ok: the four guests run and have their leases ($(( ($(now_ms) - t0) / 1000 )) s)"

# vm show: which policy applies, and why.
assert_match "vm show d3: policy slow-lane applies, by its label bw" \
    "migration policy: policy slow-lane applies: 1 matching label \(bw\)" \
    "$("$ctl" vm show d3)"
assert_match "vm show d1: no policy applies" \
    "migration policy: no policy applies" "$("$ctl" vm show d1)"
assert_eq "vm show --json d3: policy" slow-lane \
    "$("$ctl" --json vm show d3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"])')"

# check_serial DESCRIPTION FILE: the migrations in FILE (migs' lines) all
# Succeeded, each starting after the one before ended.
check_serial() {
    local prev_end=0 prev_vm="" vm src dst phase start end rest
    while read -r vm src dst phase start end rest; do
        [ "$phase" = Succeeded ] || fail "$1: $vm's migration is $phase"
        [ "$start" -ge "$prev_end" ] \
            || fail "$1: $vm started at $start, $((prev_end - start)) ms before $prev_vm ended"
        if [ -n "$prev_vm" ]; then
            say "   $vm $src -> $dst: $((end - start)) ms," \
                "starts $((start - prev_end)) ms after $prev_vm ended"
        else
            say "   $vm $src -> $dst: $((end - start)) ms"
        fi
        prev_end=$end
        prev_vm=$vm
    done <"$2"
    say "ok: $1"
}

# ------------------------------------------------------------------ (a)
t_start=$(now_ms)
check_fails "drain hv1 refused: s1 is not LiveMigrate" "default/s1" \
    "$ctl" node drain hv1
assert_eq "hv1 cordoned" false \
    "$("$ctl" --json node list | python3 -c 'import json,sys; print(str([n["schedulable"] for n in json.load(sys.stdin) if n["name"] == "hv1"][0]).lower())')"
assert_eq "no migration was written by the refused drain" 0 \
    "$("$ctl" --json migration list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

t0=$(now_ms)
"$ctl" -t 240 node drain hv1 --force --wait >"$T/drain.log" 2>&1 \
    || { sed 's/^/    | /' "$T/drain.log"; fail "node drain hv1 --force --wait"; }
t1=$(now_ms)
sed 's/^/    | /' "$T/drain.log"
assert_match "drain --force stopped s1" "stopped default/s1" "$(cat "$T/drain.log")"
mapfile -t uids < <(drain_uids)
assert_eq "three migrations" 3 "${#uids[@]}"
drain_migs "${uids[@]}" >"$T/drain.migs"
say "drain of hv1: $((t1 - t0)) ms"
check_serial "drain with parallelOutboundMigrationsPerNode 1: one at a time" \
    "$T/drain.migs"
# hv2 and hv3 have the same room: the first goes to hv2 (by name), the
# second to hv3, which has more room then, the third to hv2 again.
assert_eq "targets, in start order, spread by free memory" "hv2 hv3 hv2" \
    "$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $3 }' "$T/drain.migs")"
assert_eq "the VMs left hv1, s1 stopped" "d1 d2 d3, none on hv1" \
    "$("$ctl" --json vm list | python3 -c 'import json,sys
vms = json.load(sys.stdin)
print(", ".join([" ".join(sorted(v["name"] for v in vms)),
                 "none on hv1" if all(v["node"] != "hv1" for v in vms) else "some on hv1"]))')"
for ((i = 0; i < 100; i++)); do
    left=$(pgrep -af -- "$D/hv1/ovnmigd/vms/"; ls "$D/hv1/ovnmigd/vms" 2>/dev/null)
    [ -z "$left" ] && break
    sleep 0.1
done
[ -z "$left" ] || fail "hv1 still has: $left"
say "ok: hv1 is empty: no QEMU, no run directory"

# (c), on the drain's records.
read -r _ _ _ _ _ _ pol bw xfer total_ms _ < <(grep '^d3 ' "$T/drain.migs")
assert_eq "d3's migration: policy and bandwidth" "slow-lane $CAP_BYTES" "$pol $bw"
for vm in d1 d2; do
    read -r _ _ _ _ _ _ p b _ _ _ < <(grep "^$vm " "$T/drain.migs")
    assert_eq "$vm's migration: no policy, no bandwidth cap" "- 0" "$p $b"
done
[ "$total_ms" -gt 0 ] && [ "$xfer" -gt 0 ] || fail "d3's migration has no figures"
rate=$((xfer * 1000 / total_ms))
say "d3: $xfer bytes in $total_ms ms: $((rate / 1024)) KiB/s (cap $CAP)"
[ "$rate" -le $((CAP_BYTES * 5 / 4)) ] \
    || fail "d3 moved at $((rate / 1024)) KiB/s, over its policy's $CAP"
[ "$xfer" -ge $((CAP_BYTES / 2)) ] \
    || fail "d3 moved only $xfer bytes: too little to tell the cap"
for vm in d1 d2; do
    read -r _ _ _ _ _ _ _ _ x t _ < <(grep "^$vm " "$T/drain.migs")
    say "$vm: $x bytes in $t ms: $((x * 1000 / (t > 0 ? t : 1) / 1024)) KiB/s (no cap)"
done
say "ok: the policy's bandwidth applies to d3 and to no other VM"

check "node uncordon hv1" "$ctl" node uncordon hv1
assert_eq "hv1 schedulable" true \
    "$("$ctl" --json node list | python3 -c 'import json,sys; print(str([n["schedulable"] for n in json.load(sys.stdin) if n["name"] == "hv1"][0]).lower())')"

# ------------------------------------------------------------------ (b)
check "config: parallelMigrationsPerCluster=1, outbound back to its default" \
    "$ctl" config set parallelMigrationsPerCluster=1
check "config unset parallelOutboundMigrationsPerNode" \
    "$ctl" config unset parallelOutboundMigrationsPerNode
# The VM on hv3, and one on hv2 (not the slow d3 if there is a choice).
read -r x y < <("$ctl" --json vm list | python3 -c 'import json,sys
on = {}
for v in sorted(json.load(sys.stdin), key=lambda v: v["name"] == "d3"):
    on.setdefault(v["node"], v["name"])
print(on["hv3"], on["hv2"])')
"$ctl" vm migrate "$x" --to hv1 >"$T/u1" & a=$!
"$ctl" vm migrate "$y" --to hv1 >"$T/u2" & b=$!
wait "$a" || fail "vm migrate $x --to hv1 (from hv3)"
wait "$b" || fail "vm migrate $y --to hv1 (from hv2)"
u1=$(cat "$T/u1"); u2=$(cat "$T/u2")
say "ok: two migrations requested at once: $x hv3 -> hv1, $y hv2 -> hv1"
queued=""
for ((i = 0; i < 600; i++)); do
    list=$("$ctl" migration list)
    if grep -E "^($u1|$u2) " <<<"$list" | grep -qE ' (Scheduling|Scheduled|PreparingTarget|TargetReady|Running) ' \
        && grep -E "^($u1|$u2) " <<<"$list" | grep -q 'Pending .*queued, #1'; then
        queued=$list
        break
    fi
    sleep 0.1
done
[ -n "$queued" ] || fail "never saw one running and the other queued"
grep -E "^(UID|$u1|$u2) " <<<"$queued" | sed 's/^/    | /'
say "ok: the second is queued while the first runs"
for u in "$u1" "$u2"; do
    "$ctl" -t 120 migration watch "$u" >"$T/watch-$u" 2>&1 \
        || fail "migration $u: $(tail -n 2 "$T/watch-$u")"
done
drain_migs "$u1" "$u2" >"$T/cluster.migs"
assert_eq "from two source nodes" "hv2 hv3" \
    "$(awk '{ print $2 }' "$T/cluster.migs" | sort | tr '\n' ' ' | sed 's/ $//')"
check_serial "parallelMigrationsPerCluster 1, two source nodes: never at once" \
    "$T/cluster.migs"
say "drains, migrations and checks: $(( ($(now_ms) - t_start) / 1000 )) s"
pass
