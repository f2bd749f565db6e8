# tests/lab/migrate-lib.sh -- helpers for the migration lab tests (sourced
# after lib.sh, with P, D, VM and PORT set).
# shellcheck shell=bash

# vm_dir NODE: the VM's run directory on NODE.
vm_dir() { echo "$D/$1/ovnmigd/vms/$PORT"; }

# wait_console NODE REGEX SECONDS: until the guest's console on NODE shows
# a line matching REGEX.
wait_console() {
    local log i
    log=$(vm_dir "$1")/console.log
    for ((i = 0; i < $3 * 10; i++)); do
        grep -aqE "$2" "$log" 2>/dev/null && return 0
        sleep 0.1
    done
    say "console on $1 (last lines):"
    tail -n 5 "$log" 2>/dev/null | tr -d '\r' | sed 's/^/    | /'
    return 1
}

# guest_type NODE LINE: types LINE on the guest's serial console.
guest_type() {
    printf '%s\n' "$2" | socat -t 1 - "UNIX-CONNECT:$(vm_dir "$1")/console.sock" \
        >/dev/null 2>&1
}

# guest_report NODE N: what the guest says of its network, one line:
# mac=... inet=A/P via=GW lladdr=MAC-of-169.254.1.1 (from its neighbor
# table: it reads the entry, it never makes one).
guest_report() {
    local node=$1 n=$2 log
    log=$(vm_dir "$node")/console.log
    guest_type "$node" "echo R$n-b; cat /sys/class/net/eth0/address; ip -4 -o addr show dev eth0; ip route; ip neigh show dev eth0; echo R$n-e"
    wait_console "$node" "^R$n-e" 20 || return 1
    tr -d '\r' <"$log" | awk -v b="R$n-b" -v e="R$n-e" '
        $0 == b { on = 1; next }
        $0 == e { on = 0 }
        on { print }' | awk '
        NF == 1 && /^[0-9a-f][0-9a-f]:/ { mac = $1 }
        / inet / { for (i = 1; i < NF; i++) if ($i == "inet") inet = $(i + 1) }
        /^default via / { via = $3 }
        /^169\.254\.1\.1 / && / lladdr / {
            for (i = 1; i < NF; i++) if ($i == "lladdr") ll = $(i + 1)
        }
        END { printf "mac=%s inet=%s via=%s lladdr=%s\n", mac, inet, via, ll }'
}

# ping_replied FILE [AFTER]: FILE, a "ping -D" log, has a reply stamped
# after AFTER (seconds since the epoch; default: any reply).
ping_replied() {
    awk -v after="${2:-0}" '/bytes from/ && substr($1, 2, length($1) - 2) + 0 > after {
            found = 1; exit
         }
         END { exit !found }' "$1" 2>/dev/null
}

# ping_wait FILE AFTER SECONDS: until ping_replied FILE AFTER, SECONDS at
# most (then fails).
ping_wait() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        ping_replied "$1" "$2" && return 0
        sleep 0.1
    done
    return 1
}

# ping_start FILE: the pod p3 pings the VM every 10 ms, timestamps in FILE;
# fails the test unless the guest answers within 10 s.
PING_PID=
PING_LOG=
ping_start() {
    ip netns exec "$P-pod-p3" ping -D -i 0.01 -W 1 10.100.0.50 >"$1" 2>&1 &
    PING_PID=$!
    PING_LOG=$1
    LAB_BG_PIDS+=("$PING_PID")
    ping_wait "$1" 0 10 || fail "guest never answered: no reply to p3's pings in 10 s"
}

# ping_stop [AFTER]: stops the pinger; with AFTER (seconds since the epoch:
# when the move ended), only once the guest answered after it, or 10 s
# later without (migrate-gaps.py then refuses the log), so that no gap is
# cut short.
ping_stop() {
    [ -n "$PING_PID" ] || return 0
    [ -z "${1:-}" ] || ping_wait "$PING_LOG" "$1" 10
    kill -INT "$PING_PID" 2>/dev/null
    wait "$PING_PID" 2>/dev/null
    PING_PID=
}

# print_accel VM: "accelerator: kvm", "tcg" or "unknown": the QEMU
# accelerator VM runs under, as "ovnmigctl --json vm show VM" gives it in a
# field "accel" (wherever it sits in the answer; "unknown" while there is
# none).  ovnmigctl: $ctl, or the build tree's.
print_accel() {
    local accel
    accel=$("${ctl:-$top_builddir/utilities/ovnmigctl}" --json vm show "$1" 2>/dev/null | python3 -c '
import json, sys
def find(o):
    if isinstance(o, dict):
        if isinstance(o.get("accel"), str):
            return o["accel"]
        o = list(o.values())
    if isinstance(o, list):
        for v in o:
            a = find(v)
            if a:
                return a
    return None
print(find(json.load(sys.stdin)) or "")' 2>/dev/null)
    echo "accelerator: ${accel:-unknown}"
}

# leftover_vm NODE: what of the VM remains on NODE (nothing: empty).
leftover_vm() {
    local dir
    dir=$(vm_dir "$1")
    ip netns list 2>/dev/null | awk -v n="$P-$1-$PORT" '$1 == n { print "netns " $1 }'
    [ ! -e "$dir" ] || echo "run directory $dir"
    pgrep -af -- "$dir/" | sed 's/^/process /'
}

# wait_gone NODE: until nothing of the VM remains on NODE (10 s).
wait_gone() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ -z "$(leftover_vm "$1")" ] && return 0
        sleep 0.1
    done
    return 1
}

# dhcp_acks NODE: DHCP ACKs NODE's ovnmigd has sent.
dhcp_acks() {
    ovs-appctl -t "$D/$1/ovnmigd.ctl" counters/show --json \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["dhcp"].get("tx-ack", 0))'
}

# ---------------------------------------------------------------- faults
# For the fault matrices (migrate-faults.sh, migrate-faults-raft.sh): the
# migration's record and the VM's end state.  With D, VM and PORT set.

# mctl ARGS...: ovnmigctl as the administrator ($ctl, with the test's
# environment); a test on a clustered lab redefines it.
mctl() { "$ctl" "$@"; }

# appctl NODE ARGS...: NODE's ovnmigd's control socket.
appctl() { ovs-appctl -t "$D/$1/ovnmigd.ctl" "${@:2}"; }
# vm_node: the node the VM's row names.
vm_node() {
    mctl --json vm list | python3 -c 'import json,sys
print([v["node"] for v in json.load(sys.stdin) if v["name"] == "'"$VM"'"][0])'
}
# record UID FIELD: a field of the migration record ("" when unreachable).
record() {
    mctl -t 5 --json migration show "$1" 2>/dev/null \
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

# check_end CASE UID: the end state converged, and the record's end agrees
# with where the VM runs: Succeeded on $dst, or Failed, with a reason, on
# $src.  Sets end, reason and now (the caller's, if it made them local).
check_end() {
    local case=$1 uid=$2
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
}

# fault_matrix KILL...: for each KILL and each phase -- PreparingTarget,
# TargetReady (reached with ovnmigd's hold points: "prepare" on the target,
# "ready" on the source), Running (a copy slowed by bandwidthPerMigration)
# and just after switchover ("finish" on the source) -- migrates the VM to
# the other node, calls "fault KILL" there (the test's hook; src and dst
# are set), lets it go on, and checks the end: the record final
# (Succeeded, or Failed with a reason), the VM on exactly one node, the one
# the record says,
# answering the pod p3's pings, the LSP asking for that node alone and the
# SB binding it there alone, nothing left on the other node.  Then calls
# "fault_after KILL" if the test has one.  MATRIX=... (e.g.
# "ovnmigd-src:Running") runs some cases only.  Prints the matrix.
fault_matrix() {
    local -A hold_of=([PreparingTarget]=prepare [TargetReady]=ready
                      [switchover]=finish [Running]=)
    local -a matrix=() report=()
    local kill phase hold holder uid at end reason now
    for kill in "$@"; do
        for phase in PreparingTarget TargetReady Running switchover; do
            matrix+=("$kill:$phase")
        done
    done
    [ -n "${MATRIX:-}" ] && read -ra matrix <<<"$MATRIX"
    for case in "${matrix[@]}"; do
        kill=${case%%:*} phase=${case#*:}
        src=$(vm_node) || fail "$case: no VM row"
        dst=$([ "$src" = hv1 ] && echo hv2 || echo hv1)
        hold=${hold_of[$phase]}
        holder=$([ "$hold" = prepare ] && echo "$dst" || echo "$src")
        if [ -n "$hold" ]; then
            appctl "$holder" migration/hold "$hold" >/dev/null || fail "$case: hold"
        else
            mctl config set bandwidthPerMigration=4Mi >/dev/null || fail "$case: config"
        fi
        uid=$(mctl vm migrate "$VM" --to "$dst") || fail "$case: vm migrate"
        if [ "$phase" = Running ]; then
            wait_phase "$uid" Running 60 || fail "$case: never Running ($(record "$uid" phase))"
            sleep 1
        else
            wait_held "$holder" 60 || fail "$case: never held at $hold ($(record "$uid" phase))"
        fi
        at=$(record "$uid" phase)
        fault "$kill"
        [ -n "$hold" ] && appctl "$holder" migration/release "$hold" >/dev/null 2>&1
        [ -n "$hold" ] || mctl config unset bandwidthPerMigration >/dev/null
        wait_final "$uid" 120 || fail "$case: the migration did not end ($(record "$uid" phase))"
        check_end "$case" "$uid"
        ping_ok "$P" p3 10.100.0.50 >/dev/null
        say "ok: $case (killed at $at): $end${reason:+ ($reason)}, VM on $now"
        report+=("$(printf '%-12s %-16s %-10s %s' "$kill" "$phase" "$end" "${reason:-}")")
        if declare -F fault_after >/dev/null; then
            fault_after "$kill"
        fi
    done
    say "matrix:"
    printf '    %s\n' "${report[@]}"
}
