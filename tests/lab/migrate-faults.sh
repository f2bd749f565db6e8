#!/bin/bash
# The crash matrix of issue #7: each of the source's ovnmigd, the target's
# ovnmigd, the cluster DB's ovsdb-server, ovn-northd and the OVN NB
# ovsdb-server is killed with SIGKILL at each of the phases PreparingTarget,
# TargetReady, Running and just after switchover, then started again.
# Every time the migration must complete or revert: the record ends
# Succeeded or Failed (with a reason), the VM runs on exactly one node and
# answers pings, the LSP asks for that node alone with no activation
# strategy, the SB binds it there with no additional chassis, and the other
# node has no pod namespace, QEMU or run directory left.
#
# The phases are reached deterministically with ovnmigd's hold points
# (migration/hold: "prepare" on the target, "ready" and "finish" on the
# source); Running is a copy slowed by bandwidthPerMigration.
# MATRIX=... (e.g. "ovnmigd-src:Running") runs some cases only.
. "$(dirname "$0")/lib.sh"
require_vm_lab
. "$top_srcdir/tests/lab/migrate-lib.sh"

lab_prefix P f
T=$LAB_TMP
VM=vm1
PORT=vm1.default
check "lab up: 2 nodes" lab "$P" up --nodes 2
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"
check "pod p3 on hv2 (the pinger)" lab "$P" pod add p3 --node hv2 --ip 10.100.0.30/24
guest_vm_yaml vm1 None "" >"$T/vm1.yaml"
check "vm start $VM on hv1" lab "$P" vm start "$VM" --node hv1 --ip 10.100.0.50/24 -f "$T/vm1.yaml"
wait_console hv1 "OVNMIG-LEASE event=bound" 90 || fail "the guest took no lease"

appctl() { ovs-appctl -t "$D/$1/ovnmigd.ctl" "${@:2}"; }
vm_node() {
    "$ctl" --json vm list | python3 -c 'import json,sys
print([v["node"] for v in json.load(sys.stdin) if v["name"] == "'"$VM"'"][0])'
}
# record UID FIELD: a field of the migration record ("" when unreachable).
record() {
    "$ctl" -t 5 --json migration show "$1" 2>/dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["'"$2"'"])' 2>/dev/null
}
wait_phase() {   # wait_phase UID PHASE SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [ "$(record "$1" phase)" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
wait_held() {    # wait_held NODE SECONDS: a migration waits at a hold point
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        appctl "$1" migration/list --json 2>/dev/null | grep -q '"held":true' \
            && return 0
        sleep 0.1
    done
    return 1
}
wait_final() {   # wait_final UID SECONDS
    local i ph
    for ((i = 0; i < $2 * 10; i++)); do
        ph=$(record "$1" phase)
        [ "$ph" = Succeeded ] || [ "$ph" = Failed ] && return 0
        sleep 0.1
    done
    return 1
}
# kill_and_start WHAT: SIGKILL a daemon, then start it again.
kill_and_start() {
    local svc node
    case $1 in
        ovnmigd-src) svc=ovnmigd node=$src ;;
        ovnmigd-dst) svc=ovnmigd node=$dst ;;
        cluster-db) svc=ovnmig_db node= ;;
        northd) svc=ovn-northd node= ;;
        nb-db) svc=ovnnb_db node= ;;
    esac
    lab "$P" kill "$svc" $node >/dev/null || fail "$case: kill $svc $node"
    sleep 0.5
    lab "$P" start "$svc" $node >/dev/null || fail "$case: start $svc $node"
}
# converge: the end state, checked (OVN and teardown may need a moment).
converge() {
    local i=0 want_rc want_sb now
    while :; do
        now=$(vm_node 2>/dev/null)
        other=$([ "$now" = hv1 ] && echo hv2 || echo hv1)
        want_rc="{requested-chassis=$now}"
        want_sb=$(ovn-sbctl --bare --columns=_uuid find Chassis name="$now")
        if [ "$(ovn-nbctl get Logical_Switch_Port $PORT options 2>/dev/null)" = "$want_rc" ] \
           && [ "$(ovn-sbctl --bare --columns=chassis find Port_Binding logical_port=$PORT)" = "$want_sb" ] \
           && [ -z "$(ovn-sbctl --bare --columns=additional_chassis find Port_Binding logical_port=$PORT)" ] \
           && [ -z "$(leftover_vm "$other")" ] \
           && [ "$(pgrep -fc -- "$(vm_dir "$now")/")" = 1 ]; then
            return 0
        fi
        i=$((i + 1))
        [ $i -lt 300 ] || return 1
        sleep 0.1
    done
}

declare -A HOLD=([PreparingTarget]=prepare [TargetReady]=ready [switchover]=finish [Running]=)
matrix=()
for kill in ovnmigd-src ovnmigd-dst cluster-db northd nb-db; do
    for phase in PreparingTarget TargetReady Running switchover; do
        matrix+=("$kill:$phase")
    done
done
[ -n "${MATRIX:-}" ] && read -ra matrix <<<"$MATRIX"

report=()
for case in "${matrix[@]}"; do
    kill=${case%%:*} phase=${case#*:}
    src=$(vm_node) || fail "$case: no VM row"
    dst=$([ "$src" = hv1 ] && echo hv2 || echo hv1)
    hold=${HOLD[$phase]}
    holder=$([ "$hold" = prepare ] && echo "$dst" || echo "$src")
    if [ -n "$hold" ]; then
        appctl "$holder" migration/hold "$hold" >/dev/null || fail "$case: hold"
    else
        "$ctl" config set bandwidthPerMigration=4Mi >/dev/null || fail "$case: config"
    fi
    uid=$("$ctl" vm migrate "$VM" --to "$dst") || fail "$case: vm migrate"
    if [ "$phase" = Running ]; then
        wait_phase "$uid" Running 60 || fail "$case: never Running ($(record "$uid" phase))"
        sleep 1
    else
        wait_held "$holder" 60 || fail "$case: never held at $hold ($(record "$uid" phase))"
    fi
    at=$(record "$uid" phase)
    kill_and_start "$kill"
    [ -n "$hold" ] && appctl "$holder" migration/release "$hold" >/dev/null 2>&1
    [ -n "$hold" ] || "$ctl" config unset bandwidthPerMigration >/dev/null
    wait_final "$uid" 120 || fail "$case: the migration did not end ($(record "$uid" phase))"
    end=$(record "$uid" phase)
    reason=$(record "$uid" failureReason)
    converge || fail "$case: did not converge: VM on $(vm_node), LSP $(ovn-nbctl get Logical_Switch_Port $PORT options), left on the other node: $(leftover_vm "$other")"
    now=$(vm_node)
    if [ "$end" = Succeeded ]; then
        [ "$now" = "$dst" ] || fail "$case: Succeeded but the VM is on $now"
    else
        [ "$now" = "$src" ] || fail "$case: Failed but the VM is on $now"
        [ -n "$reason" ] || fail "$case: Failed without a reason"
    fi
    ping_ok "$P" p3 10.100.0.50 >/dev/null
    say "ok: $case (killed at $at): $end${reason:+ ($reason)}, VM on $now"
    report+=("$(printf '%-12s %-16s %-10s %s' "$kill" "$phase" "$end" "${reason:-}")")
done
say "matrix:"
printf '    %s\n' "${report[@]}"
pass
