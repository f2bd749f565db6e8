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
    ip netns list | awk -v n="$P-$1-$PORT" '$1 == n { print "netns " $1 }'
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
