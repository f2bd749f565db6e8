#!/bin/bash
# dhcp-udhcpc.sh -- busybox udhcpc (the client of the test guests) against
# ovnmig-dhcpd on a veth pair, the server on the node's end:
#   - the lease configures address and prefix, the on-link route to
#     169.254.1.1 and the default route through it (option 121), the MTU,
#     the resolver (a private resolv.conf) and the hostname (a private UTS
#     namespace);
#   - a forced renewal (SIGUSR1) is unicast to 169.254.1.1 / G and ACKed;
#   - a RELEASE (SIGUSR2) is counted;
#   - a DECLINE (udhcpc -a finds the address taken) is counted and stops
#     the offers until the binding changes (config file + SIGHUP);
#   - a binding removed at run time gets no more answers.
#
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/dhcp-lib.sh"

dhcp_require
require_tool busybox-static busybox

VM_MAC=52:54:00:12:34:56
VM_IP=10.100.0.5
N=$(dhcp_netns node)
C=$(dhcp_netns guest)
dhcp_veth "$N" n0 "$C" c0 "$VM_MAC"

CONFIG=$LAB_TMP/bindings.conf
binding="$VM_MAC,$VM_IP/24,hostname=vm1,dns=10.96.0.10,dns=10.96.0.11"
binding+=",domain=cluster.local,search=default.svc.cluster.local"
binding+=",search=svc.cluster.local,mtu=1400,route=10.200.0.0/16@10.100.0.1"
echo "$binding" >"$CONFIG"
dhcp_start_server "$N" --interface=n0 --config="$CONFIG"
dhcp_gateway_arp "$N" n0 "$C" c0 "$VM_MAC" "$VM_IP"

# What a guest's udhcpc script does, with the resolver configuration
# written to a private path.
EVENTS=$LAB_TMP/udhcpc.events
RESOLV=$LAB_TMP/resolv.conf
SCRIPT=$LAB_TMP/udhcpc.script
cat >"$SCRIPT" <<EOF
#!/bin/sh
echo "\$1 ip=\$ip mask=\$mask router=\$router serverid=\$serverid mtu=\$mtu lease=\$lease" >>$EVENTS
case \$1 in
deconfig)
    ip addr flush dev \$interface
    ;;
bound|renew)
    ip addr replace \$ip/\$mask dev \$interface
    [ -n "\$mtu" ] && ip link set \$interface mtu \$mtu
    if [ -n "\$staticroutes" ]; then
        set -- \$staticroutes
        while [ \$# -ge 2 ]; do
            if [ "\$2" = 0.0.0.0 ]; then
                ip route replace \$1 dev \$interface
            else
                ip route replace \$1 via \$2 dev \$interface
            fi
            shift 2
        done
    elif [ -n "\$router" ]; then
        ip route replace default via \$router dev \$interface
    fi
    {
        [ -n "\$domain" ] && echo "domain \$domain"
        [ -n "\$search" ] && echo "search \$search"
        for d in \$dns; do echo "nameserver \$d"; done
    } >$RESOLV
    [ -n "\$hostname" ] && hostname "\$hostname"
    ;;
esac
exit 0
EOF
chmod +x "$SCRIPT"

UDHCPC="busybox udhcpc -i c0 -s $SCRIPT -O staticroutes -O search -O mtu -t 5 -T 1"

# ---------------------------------------------------------------- lease
say "udhcpc: getting a lease"
dhcp_bg ip netns exec "$C" unshare --uts $UDHCPC -f
UDHCPC_PID=$DHCP_BG_PID
wait_file_match "$EVENTS" '^bound ip=10\.100\.0\.5 '

assert_match "address and prefix" "inet $VM_IP/24 " "$(ip -n "$C" -4 addr show dev c0)"
routes=$(ip -n "$C" -4 route show)
assert_match "on-link route to 169.254.1.1" "^169\.254\.1\.1 dev c0" "$routes"
assert_match "default route via 169.254.1.1" "^default via 169\.254\.1\.1 dev c0" "$routes"
assert_match "configured classless route" "^10\.200\.0\.0/16 via 10\.100\.0\.1 dev c0" "$routes"
assert_match "MTU" "mtu 1400 " "$(ip -n "$C" link show dev c0)"
assert_eq "resolv.conf" "domain cluster.local
search default.svc.cluster.local svc.cluster.local
nameserver 10.96.0.10
nameserver 10.96.0.11" "$(cat "$RESOLV")"
assert_eq "hostname" vm1 "$(nsenter -t "$UDHCPC_PID" --uts hostname)"
assert_match "server identifier and lease" "serverid=169\.254\.1\.1 .*lease=86313600" \
    "$(grep '^bound' "$EVENTS")"

# ---------------------------------------------------------------- renewal
say "udhcpc: forced renewal (SIGUSR1)"
dhcp_capture "$N" n0 "udp dst port 67"
CAPTURE_PID=$DHCP_BG_PID
kill -USR1 "$UDHCPC_PID"
wait_file_match "$EVENTS" '^renew ip=10\.100\.0\.5 '
wait_counter rx-request-renewing 1
assert_eq "renewals NAKed" 0 "$(dhcp_counter tx-nak)"
sleep 0.2
dhcp_stop "$CAPTURE_PID"
# The renewal went to 169.254.1.1 at G, from the leased address.
assert_match "renewal unicast to 169.254.1.1 / G" \
    "$VM_MAC > $G, .* $VM_IP\.68 > 169\.254\.1\.1\.67" "$(cat "$DHCP_CAPTURE")"
# It left a kernel UDP socket with checksum offload on: the server saw it
# only because lib/pktio finished that checksum.
completed=$(dhcp_counter pktio-rx-csum-completed)
[ "${completed:-0}" -ge 1 ] \
    || fail "the renewal's checksum was not left to offload (pktio-rx-csum-completed ${completed:-0})"
say "ok: renewal's offloaded checksum finished by pktio ($completed)"

# ---------------------------------------------------------------- release
say "udhcpc: release (SIGUSR2)"
kill -USR2 "$UDHCPC_PID"
wait_counter rx-release 1
dhcp_stop "$UDHCPC_PID"

# ---------------------------------------------------------------- decline
say "udhcpc -a: the address is taken by another host: DECLINE"
ip -n "$C" addr flush dev c0
ip -n "$N" addr add "$VM_IP/32" dev n0     # the node now answers ARP for it
# RFC 2131 §4.4.1: the client probes the address after the ACK, and
# declines it.
dhcp_bg ip netns exec "$C" unshare --uts $UDHCPC -a -n -q -A 1
UDHCPC_PID=$DHCP_BG_PID
wait_counter rx-decline 1
offers=$(dhcp_counter tx-offer)
# udhcpc starts over after a DECLINE: no more offers for this binding.
wait_counter drop-declined-binding 1 15
assert_eq "no offer after the DECLINE" "$offers" "$(dhcp_counter tx-offer)"
dhcp_stop "$UDHCPC_PID"
ip -n "$N" addr del "$VM_IP/32" dev n0

say "binding changed at run time (SIGHUP): offers again"
echo "${binding/mtu=1400/mtu=1450}" >"$CONFIG"
kill -HUP "$DHCP_SERVER_PID"
wait_file_match "$DHCP_SERVER_LOG" 'reloaded: 1 bindings'
: >"$EVENTS"
ip netns exec "$C" unshare --uts $UDHCPC -n -q >/dev/null 2>&1 \
    || fail "no lease after the binding changed"
assert_match "new lease with the changed MTU" '^bound ip=10\.100\.0\.5 .*mtu=1450' "$(cat "$EVENTS")"

say "binding removed at run time: no answer"
: >"$CONFIG"
kill -HUP "$DHCP_SERVER_PID"
wait_file_match "$DHCP_SERVER_LOG" 'reloaded: 0 bindings'
unknown=$(dhcp_counter drop-unknown-client)
if ip netns exec "$C" unshare --uts $UDHCPC -n -q -t 2 >/dev/null 2>&1; then
    fail "a lease without a binding"
fi
wait_counter drop-unknown-client $((unknown + 1))

dhcp_counters | sed 's/^/    | /'
assert_eq "malformed drops" 0 "$(dhcp_counters | awk '/^drop-(bad|truncated|option|missing|oversized|not-a)/ { s += $2 } END { print s + 0 }')"
pass
