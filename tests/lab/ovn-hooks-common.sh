# tests/lab/ovn-hooks-common.sh -- helpers shared by the ovn-hooks lab test
# and bench-ovn (sourced after lib.sh, not run).
#
# SPDX-License-Identifier: Apache-2.0

OVNHOOK_CLI=$top_builddir/ovn-hooks/ovnmig-ovnhook-cli

# omh_prefix VAR: a lab prefix "omh" + 3 characters from our PID,
# registered for "down" at exit.
omh_prefix() {
    local p
    p=omh$(printf '%03x' $(( $$ % 4096 )))
    LAB_PREFIXES+=("$p")
    printf -v "$1" '%s' "$p"
}

# hook_cli PREFIX CHASSIS ARGS...: ovnmig-ovnhook-cli on that lab's NB/SB.
hook_cli() {
    local p=$1 chassis=$2; shift 2
    local d
    d=$(lab_dir "$p")/central
    "$OVNHOOK_CLI" --nb "unix:$d/nb.sock" --sb "unix:$d/sb.sock" \
        --chassis "$chassis" --switch vmnet --gateway 169.254.1.1 \
        --gateway 10.100.0.1 --gateway fe80::1 --timeout-ms 10000 "$@"
}

# plug_copy PREFIX NODE NAME PORT MAC IP/PLEN: a second plug of LSP PORT
# on NODE (what the target of a migration has): netns PREFIX-pod-NAME,
# removed by "down" with the lab's other namespaces.
plug_copy() {
    local p=$1 node=$2 name=$3 port=$4 mac=$5 ip=$6
    local ns=$p-pod-$name veth=${p}c$RANDOM
    veth=${veth:0:15}
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$p-$node" link add "$veth" type veth peer name eth0 netns "$ns"
    ip -n "$ns" link set eth0 address "$mac"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
    ip -n "$ns" addr add "$ip" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$p-$node" link set "$veth" up
    lab "$p" exec "$node" -- ovs-vsctl --timeout=10 add-port br-int "$veth" \
        -- set Interface "$veth" external_ids:iface-id="$port"
}

# send_rarp NETNS MAC: one RARP from eth0, as QEMU announces a resumed
# guest (Ethernet broadcast, type 0x8035, op 3 "request reverse").
send_rarp() {
    ip netns exec "$1" python3 - eth0 "$2" <<'PY'
import socket, struct, sys
iface, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
frame = (b'\xff' * 6 + mac + struct.pack('!H', 0x8035)
         + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 3)
         + mac + b'\0' * 4 + mac + b'\0' * 4)
s.send(frame.ljust(60, b'\0'))
PY
}
