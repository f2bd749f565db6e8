#!/bin/bash
# ipv6-router6.sh -- real IPv6 clients against ovnmig-router6 (the router
# and DHCPv6 server ovnmigd runs, standalone) on a veth pair, the server on
# the node's end:
#   - the guest's own DAD probe for its link-local address gets no answer
#     (its address does not fail DAD), and is counted as "dad";
#   - the guest's kernel takes the RA: default route via fe80::1, the
#     router's neighbor entry with G and the router flag, the MTU;
#   - rdisc6 gets the RA: M=1, O=1, lifetime 1800, hop limit 64, MTU,
#     RDNSS, DNSSL, from fe80::1;
#   - ndisc6 fe80::1 gets G, in an NA with the router flag;
#   - an NS for fe80::1 with hop limit 64 gets no answer;
#   - dhclient -6 obtains the /128, the DNS server and the domain list
#     (written to resolv.conf in the guest's own mount namespace), and
#     dhclient -6 -S (Information-request) is answered.
#
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/dhcp-lib.sh"

dhcp_require
require_tool isc-dhcp-client dhclient
require_tool ndisc6 ndisc6
require_tool ndisc6 rdisc6
require_tool python3 python3
ROUTER6=$top_builddir/arpproxy/ovnmig-router6
[ -x "$ROUTER6" ] || skip "$ROUTER6 not built (run make)"
DHCPD=$ROUTER6          # dhcp_start_server runs it

DHCP_COUNTERS_LAST='^end$'     # the end of ovnmig-router6's counters

VM_MAC=52:54:00:ab:cd:66
VM_IP6=fd00:10::6
DNS6=fd00::53
N=$(dhcp_netns node)
C=$(dhcp_netns guest)
# The guest's end stays down until the server runs: its DAD probe for
# its link-local address must meet the server.
ip link add n0 netns "$N" type veth peer name c0 netns "$C" \
    || fail "cannot create the veth pair"
ip -n "$C" link set c0 address "$VM_MAC"
ip -n "$N" link set n0 up
ip netns exec "$C" sysctl -qw net.ipv6.conf.c0.accept_ra=2 \
    net.ipv6.conf.c0.accept_dad=1 net.ipv6.conf.c0.dad_transmits=1

dhcp_start_server "$N" --interface=n0 --binding="$VM_MAC,$VM_IP6,t1=5,t2=8" \
    --dns="$DNS6" --search=cluster.local --search=svc.cluster.local --mtu=1400
ip -n "$C" link set c0 up

# DAD of the guest's link-local address (1 probe, 1 s).
for ((i = 0; i < 50; i++)); do
    [ -n "$(ip -n "$C" -6 addr show dev c0 scope link)" ] \
        && [ -z "$(ip -n "$C" -6 addr show dev c0 tentative)" ] && break
    sleep 0.1
done
lla=$(ip -n "$C" -6 addr show dev c0 scope link)
printf "%s\n" "$lla" | sed 's/^/    | /'
case $lla in
*dadfailed*) fail "the guest's link-local address failed DAD: it was answered" ;;
*tentative*|"") fail "the guest's link-local address is still tentative" ;;
esac
wait_counter nd-dad 1
say "ok: the guest's DAD probe was not answered"

# The kernel's RS, and the server's first unsolicited RA.
for ((i = 0; i < 50; i++)); do
    route=$(ip -n "$C" -6 route show default)
    [ -n "$route" ] && break
    sleep 0.1
done
say "guest: $route"
assert_match "default route via fe80::1, from the RA" \
    "^default via fe80::1 dev c0 proto ra " "$route"
neigh=$(ip -n "$C" -6 neigh show fe80::1 dev c0)
say "guest: $neigh"
assert_match "neighbor fe80::1: G, router" "lladdr $G router" "$neigh"
assert_match "MTU from the RA" "^1400$" \
    "$(ip netns exec "$C" sysctl -n net.ipv6.conf.c0.mtu)"

out=$(ip netns exec "$C" rdisc6 -1 -r 2 -w 2000 c0 2>&1) \
    || { printf "%s\n" "$out"; fail "rdisc6 got no RA"; }
printf "%s\n" "$out" | sed 's/^/    | rdisc6: /'
assert_match "RA: hop limit 64" "Hop limit +: +64 " "$out"
assert_match "RA: M=1" "Stateful address conf\. +: +Yes" "$out"
assert_match "RA: O=1" "Stateful other conf\. +: +Yes" "$out"
assert_match "RA: router lifetime 1800" "Router lifetime +: +1800 " "$out"
assert_match "RA: MTU" "MTU +: +1400 bytes" "$out"
assert_match "RA: RDNSS" "Recursive DNS server +: +$DNS6" "$out"
assert_match "RA: DNSSL" "DNS search list +: +cluster\.local" "$out"
assert_match "RA: source link-layer address G" \
    "Source link-layer address: +${G^^}" "$out"
assert_match "RA: from fe80::1" "from fe80::1" "$out"
if printf "%s\n" "$out" | grep -q "Prefix +:"; then
    fail "the RA carries prefix information"
fi
wait_counter ra-solicited-unicast 1

out=$(ip netns exec "$C" ndisc6 -1 -r 2 -w 2000 fe80::1 c0 2>&1) \
    || { printf "%s\n" "$out"; fail "ndisc6 got no NA"; }
printf "%s\n" "$out" | sed 's/^/    | ndisc6: /'
assert_match "NA: G" "Target link-layer address: ${G^^}" "$out"
assert_match "NA: from fe80::1" "from fe80::1" "$out"
# ndisc6 prints no flags: the router flag is checked on the wire.
CAPTURE=$LAB_TMP/na.capture
dhcp_bg ip netns exec "$C" tcpdump -l -n -e -v -i c0 "icmp6 and ip6[40] == 136" \
    >"$CAPTURE" 2>"$CAPTURE.err"
CAPTURE_PID=$DHCP_BG_PID
wait_file_match "$CAPTURE.err" "listening on" 5
ip netns exec "$C" ndisc6 -1 -q -r 1 -w 1000 fe80::1 c0 >/dev/null \
    || fail "ndisc6 got no NA"
sleep 0.3
dhcp_stop "$CAPTURE_PID"
sed 's/^/    | /' "$CAPTURE"
assert_match "NA: R=1, S=1, O=1" \
    "$G > $VM_MAC, .*hlim 255.* fe80::1 > fe80::.*neighbor advertisement, .*tgt is fe80::1.*Flags \[router, solicited, override\]" \
    "$(tr '\n' ' ' <"$CAPTURE")"

# An NS for fe80::1 with hop limit 64: no NA.
before_na=$(dhcp_counter nd-reply)
before_hl=$(dhcp_counter nd-bad-hop-limit)
ip netns exec "$C" python3 - <<'PY' || fail "cannot send the NS"
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 64)
mac = bytes.fromhex("525400abcd66")
target = socket.inet_pton(socket.AF_INET6, "fe80::1")
ns = struct.pack("!BBHI", 135, 0, 0, 0) + target + bytes([1, 1]) + mac
s.sendto(ns, ("ff02::1:ff00:1", 0, 0, socket.if_nametoindex("c0")))
PY
wait_counter nd-bad-hop-limit $((before_hl + 1))
sleep 0.3
assert_eq "no NA for the hop-limit-64 NS" "$before_na" "$(dhcp_counter nd-reply)"

# dhclient -6, with Debian's dhclient-script, in the guest's own mount
# namespace (/etc an overlay): the /128, DNS and the domain list.
LEASES=$LAB_TMP/dhclient6.leases
PIDFILE=$LAB_TMP/dhclient6.pid
OVL=$LAB_TMP/overlay
mkdir -p "$OVL"
say "dhclient -6: starting"
dhcp_bg ip netns exec "$C" unshare --mount sh -c "
    mount -t tmpfs none $OVL && mkdir $OVL/upper $OVL/work &&
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$OVL/upper,workdir=$OVL/work /etc &&
    exec dhclient -6 -d -v -lf $LEASES -pf $PIDFILE c0" 2>"$LAB_TMP/dhclient6.log"
DHCLIENT_PID=$DHCP_BG_PID
wait_file_match "$LAB_TMP/dhclient6.log" "Reply message on|Bound to lease" 20
for ((i = 0; i < 50; i++)); do
    addr=$(ip -n "$C" -6 addr show dev c0 scope global)
    [ -n "$addr" ] && break
    sleep 0.1
done
sed 's/^/    | /' "$LAB_TMP/dhclient6.log"
assert_match "the /128 from DHCPv6" "inet6 $VM_IP6/128 " "$addr"
resolv=$(nsenter -t "$DHCLIENT_PID" --mount cat /etc/resolv.conf)
printf "%s\n" "$resolv" | sed "s/^/    | resolv.conf: /"
assert_match "resolv.conf: name server" "^nameserver $DNS6$" "$resolv"
assert_match "resolv.conf: domain list" \
    "^search .*cluster\.local\.? svc\.cluster\.local\.?" "$resolv"
wait_counter dhcp6-tx-reply 1
say "dhclient -6: waiting for the Renew at T1 (5 s)"
wait_counter dhcp6-rx-renew 1 15
wait_counter dhcp6-tx-reply 2
dhcp_stop "$DHCLIENT_PID"

say "dhclient -6 -S: Information-request"
out=$(ip netns exec "$C" unshare --mount sh -c "
    mount -t tmpfs none $OVL && mkdir -p $OVL/upper $OVL/work &&
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$OVL/upper,workdir=$OVL/work /etc &&
    timeout 15 dhclient -6 -S -1 -v -lf $LAB_TMP/info.leases -pf $LAB_TMP/info.pid c0 &&
    cat /etc/resolv.conf" 2>&1)
printf "%s\n" "$out" | sed 's/^/    | /'
wait_counter dhcp6-rx-information-request 1
assert_match "Information-request: DNS" "nameserver $DNS6" "$out"
assert_eq "no DHCPv6 request dropped" 0 \
    "$(dhcp_counters | awk '/^dhcp6-drop-/ { n += $2 } END { print n + 0 }')"
pass
