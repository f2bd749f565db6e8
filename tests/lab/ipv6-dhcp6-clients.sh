#!/bin/bash
# ipv6-dhcp6-clients.sh -- the DHCPv6 exchanges a guest has over its life,
# with ISC dhclient -6 against ovnmig-router6 (ovnmigd's IPv6 router and
# DHCPv6 server, standalone), and the server under 2,000 malformed frames:
#   - dhclient -6 takes its /128 from "node 1" (a server in one
#     namespace) and renews it there;
#   - the guest moves: node 1's server stops, the node's end of the guest's
#     veth moves to "node 2" (another namespace: the guest's link flaps)
#     with a server of its own, which shares no state with the first; the
#     guest's next Renew (node 1's server DUID) is answered there, and the
#     Reply is byte for byte node 1's, but for the transaction ID;
#   - Confirm: dhclient stopped (no Release), the guest's link flapped,
#     dhclient started again with its lease: Reply Success, same address;
#   - Release (dhclient -6 -r) and Decline (crafted: dhclient declines only
#     on a DAD failure) get a Reply; the Decline is logged;
#   - 1,000 malformed ICMPv6 frames (RS/NS: bad checksum, truncated, hop
#     limit 64, an option of length 0, code 1) and 1,000 malformed DHCPv6
#     ones (bad message type, an option running past the end, relayed, no
#     Client Identifier, a UDP length past the frame) are each counted as a
#     drop, none answered; the server lives on, its binding intact: NS for
#     fe80::1 answered, dhclient gets the same address again.
#
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/dhcp-lib.sh"

dhcp_require
require_tool isc-dhcp-client dhclient
require_tool ndisc6 ndisc6
require_tool python3 python3
ROUTER6=$top_builddir/arpproxy/ovnmig-router6
[ -x "$ROUTER6" ] || skip "$ROUTER6 not built (run make)"
DHCPD=$ROUTER6          # dhcp_start_server runs it
DHCP_COUNTERS_LAST='^end$'

VM_MAC=52:54:00:ab:cd:77
VM_IP6=fd00:10::7
DNS6=fd00::53
N1=$(dhcp_netns node1)
N2=$(dhcp_netns node2)
C=$(dhcp_netns guest)
ip link add n0 netns "$N1" type veth peer name c0 netns "$C" \
    || fail "cannot create the veth pair"
ip -n "$C" link set c0 address "$VM_MAC"
ip netns exec "$C" sysctl -qw net.ipv6.conf.c0.accept_ra=2
ip -n "$N1" link set n0 up
ip -n "$C" link set c0 up

# The same arguments on both nodes, as every ovnmigd has the same config.
SERVER_ARGS=(--interface=n0 --binding="$VM_MAC,$VM_IP6,t1=4,t2=6,preferred=30,valid=60"
             --dns="$DNS6" --search=cluster.local)
dhcp_start_server "$N1" "${SERVER_ARGS[@]}"
SERVER1_PID=$DHCP_SERVER_PID

# Every DHCPv6 frame the guest sends and receives.
PCAP=$LAB_TMP/dhcp6.pcap
dhcp_bg ip netns exec "$C" tcpdump -U -n -i c0 -w "$PCAP" "udp port 546 or udp port 547" \
    2>"$LAB_TMP/tcpdump.err"
TCPDUMP_PID=$DHCP_BG_PID
wait_file_match "$LAB_TMP/tcpdump.err" "listening on" 5

# dhclient_run ARGS...: dhclient -6 in the guest's namespace with its own
# /etc (an overlay), so that Debian's dhclient-script writes resolv.conf
# there; the lease file persists across runs.  It becomes dhclient (exec
# all the way), so that its PID is dhclient's.
LEASES=$LAB_TMP/dhclient6.leases
OVL=$LAB_TMP/overlay
mkdir -p "$OVL"
dhclient_run() {
    exec ip netns exec "$C" unshare --mount sh -c "
        mount -t tmpfs none $OVL && mkdir -p $OVL/upper $OVL/work &&
        mount -t overlay overlay -o lowerdir=/etc,upperdir=$OVL/upper,workdir=$OVL/work /etc &&
        exec dhclient -6 -v -lf $LEASES -pf $LAB_TMP/dhclient6.pid $*"
}
guest_addr() {
    ip -n "$C" -6 -o addr show dev c0 scope global | awk '{ print $4 }' | xargs
}
# wait_lla: until the guest's link-local address is past DAD (dhclient
# binds to it).
wait_lla() {
    local i
    for ((i = 0; i < 50; i++)); do
        [ -n "$(ip -n "$C" -6 addr show dev c0 scope link)" ] \
            && [ -z "$(ip -n "$C" -6 addr show dev c0 tentative)" ] && return 0
        sleep 0.1
    done
    fail "the guest's link-local address stays tentative"
}
wait_addr() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(guest_addr)" = "$VM_IP6/128" ] && return 0
        sleep 0.1
    done
    return 1
}

say "dhclient -6 on node 1"
wait_lla
dhcp_bg dhclient_run -d c0 2>"$LAB_TMP/dhclient-1.log"
DHCLIENT_PID=$DHCP_BG_PID
wait_counter dhcp6-tx-reply 1 20
wait_addr || fail "no /128 in the guest: $(guest_addr)"
say "ok: the guest has $VM_IP6/128"
wait_counter dhcp6-rx-renew 1 15
wait_counter dhcp6-tx-reply 2

say "the guest moves to node 2"
dhcp_stop "$SERVER1_PID"
ip -n "$N1" link set n0 netns "$N2"
ip -n "$N2" link set n0 up
dhcp_start_server "$N2" "${SERVER_ARGS[@]}"
wait_counter dhcp6-rx-renew 1 15
wait_counter dhcp6-tx-reply 1
assert_eq "node 2 dropped nothing" 0 \
    "$(dhcp_counters | awk '/^dhcp6-drop-/ { n += $2 } END { print n + 0 }')"
dhcp_stop "$DHCLIENT_PID"      # SIGTERM: no Release

# The Replies to the Renews, from node 1 and from node 2.
sleep 0.3
replies=$(python3 - "$PCAP" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
link = struct.unpack("<I", data[20:24])[0]
off, renews, out = 24, set(), []
while off + 16 <= len(data):
    _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    eth = 14 if link == 1 else 16          # Ethernet or Linux cooked
    ip6, udp = frame[eth:eth + 40], frame[eth + 40:eth + 48]
    msg = frame[eth + 48:]
    if len(msg) < 4:
        continue
    xid = msg[1:4]
    if msg[0] == 5:                        # Renew
        renews.add(xid)
    elif msg[0] == 7 and xid in renews:    # its Reply
        # Everything but the transaction ID: Ethernet source, IPv6 header
        # (addresses, hop limit), UDP ports and length, the options.
        out.append((frame[6:12] + ip6 + udp[:6] + msg[:1] + msg[4:]).hex())
for line in out:
    print(line)
PY
) || fail "cannot read the capture"
n_replies=$(grep -c . <<<"$replies")
[ "$n_replies" -ge 2 ] || fail "found $n_replies Reply to a Renew in the capture"
first=$(head -n 1 <<<"$replies")
last=$(tail -n 1 <<<"$replies")
assert_eq "node 2's Reply to the Renew is node 1's, byte for byte (but the transaction ID)" \
    "$first" "$last"
say "ok: $n_replies Replies to Renews, all alike: $(sort -u <<<"$replies" | grep -c .) distinct"
[ "$(sort -u <<<"$replies" | grep -c .)" = 1 ] || fail "the Replies to the Renews differ"

say "Confirm after a link flap"
ip -n "$C" link set c0 down
ip -n "$C" link set c0 up
wait_lla
confirms0=$(dhcp_counter dhcp6-rx-confirm)
dhcp_bg dhclient_run -d c0 2>"$LAB_TMP/dhclient-2.log"
DHCLIENT_PID=$DHCP_BG_PID
wait_counter dhcp6-rx-confirm $((confirms0 + 1)) 20
wait_addr || { sed 's/^/    | /' "$LAB_TMP/dhclient-2.log"; fail "no /128 after the Confirm: $(guest_addr)"; }
assert_eq "Confirm: answered Success, not NotOnLink" 0 "$(dhcp_counter dhcp6-status-not-on-link)"
say "ok: Confirm answered, the guest keeps $VM_IP6/128"
dhcp_stop "$DHCLIENT_PID"

say "Release (dhclient -6 -r)"
releases0=$(dhcp_counter dhcp6-rx-release)
replies0=$(dhcp_counter dhcp6-tx-reply)
(dhclient_run -r c0) >"$LAB_TMP/dhclient-r.log" 2>&1 \
    || { sed 's/^/    | /' "$LAB_TMP/dhclient-r.log"; fail "dhclient -6 -r failed"; }
wait_counter dhcp6-rx-release $((releases0 + 1))
wait_counter dhcp6-tx-reply $((replies0 + 1))

say "Decline"
declines0=$(dhcp_counter dhcp6-rx-decline)
out=$(ip netns exec "$C" python3 - "$VM_MAC" "$VM_IP6" <<'PY'
import socket, struct, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
addr = socket.inet_pton(socket.AF_INET6, sys.argv[2])
ifindex = socket.if_nametoindex("c0")
def opt(code, value):
    return struct.pack("!HH", code, len(value)) + value
client_id = opt(1, struct.pack("!HH", 3, 1) + mac)
server_id = opt(2, bytes.fromhex("000300010a58a9fe0101"))
iaaddr = opt(5, addr + struct.pack("!II", 0, 0))
ia_na = opt(3, struct.pack("!III", 7, 0, 0) + iaaddr)
msg = bytes([9]) + b"\x12\x34\x56" + client_id + server_id + ia_na
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 546, 0, ifindex))
s.settimeout(3)
s.sendto(msg, ("ff02::1:2", 547, 0, ifindex))
reply, src = s.recvfrom(2048)
status = None
off = 4
while off + 4 <= len(reply):
    code, length = struct.unpack("!HH", reply[off:off + 4])
    if code == 13:
        status = struct.unpack("!H", reply[off + 4:off + 6])[0]
    off += 4 + length
print("type=%d xid=%s from=%s status=%s" % (reply[0], reply[1:4].hex(), src[0].split("%")[0], status))
PY
) || fail "no Reply to the Decline"
say "Decline: $out"
assert_match "Decline: a Reply from fe80::1, Success" \
    "^type=7 xid=123456 from=fe80::1 status=(None|0)$" "$out"
wait_counter dhcp6-rx-decline $((declines0 + 1))
grep -qi 'decline' "$DHCP_SERVER_LOG" || fail "the Decline was not logged"
say "ok: the Decline is logged: $(grep -i decline "$DHCP_SERVER_LOG" | tail -n 1)"

say "2,000 malformed frames"
# nd_drops / dhcp6_drops: the server's counters of dropped frames.
nd_drops() {
    dhcp_counters | awk '/^nd-/ && $1 != "nd-reply" && $1 !~ /^nd-rs-/ { n += $2 } END { print n + 0 }'
}
dhcp6_drops() {
    dhcp_counters | awk '/^dhcp6-drop-/ { n += $2 } END { print n + 0 }'
}
sleep 1         # the guest's own DAD and RS after its link flap are done
nd0=$(nd_drops); d60=$(dhcp6_drops)
nd_reply0=$(dhcp_counter nd-reply); tx0=$(dhcp_counter dhcp6-tx-reply)
adv0=$(dhcp_counter dhcp6-tx-advertise)
kdrops0=$(dhcp_counters | awk '/^pktio-.*kernel-drops/ { n += $2 } END { print n + 0 }')
ip netns exec "$C" python3 - "$VM_MAC" <<'PY' || fail "cannot send the malformed frames"
import random, socket, struct, sys, time
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
lla = socket.inet_pton(socket.AF_INET6, "fe80::5054:ff:feab:cd77")
random.seed(14)
def csum(src, dst, nh, payload):
    ph = src + dst + struct.pack("!IxxxB", len(payload), nh)
    data = ph + payload + (b"\0" if len(payload) % 2 else b"")
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def frame(dst_mac, dst, nh, payload, hlim=255, plen=None):
    ip6 = struct.pack("!IHBB", 6 << 28, len(payload) if plen is None else plen, nh, hlim)
    return dst_mac + mac + b"\x86\xdd" + ip6 + lla + dst + payload
NS_DST = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:1")
NS_MAC = bytes.fromhex("3333ff000001")
RS_DST = socket.inet_pton(socket.AF_INET6, "ff02::2")
RS_MAC = bytes.fromhex("333300000002")
TARGET = socket.inet_pton(socket.AF_INET6, "fe80::1")
def icmp(typ, code, body, dst):
    m = struct.pack("!BBH", typ, code, 0) + body
    c = csum(lla, dst, 58, m)
    return m[:2] + struct.pack("!H", c) + m[4:]
def ns(opt_len=1, code=0):
    return icmp(135, code, b"\0" * 4 + TARGET + bytes([1, opt_len]) + mac, NS_DST)
def bad_icmp(i):
    k = i % 5
    if k == 0:                                  # bad checksum
        m = bytearray(ns()); m[2] ^= 0x5a
        return frame(NS_MAC, NS_DST, 58, bytes(m))
    if k == 1:                                  # truncated: the IPv6
        m = ns()                                # length says more
        cut = random.randrange(4, len(m))
        return frame(NS_MAC, NS_DST, 58, m[:cut], plen=len(m))
    if k == 2:                                  # hop limit 64
        return frame(NS_MAC, NS_DST, 58, ns(), hlim=64)
    if k == 3:                                  # an option of length 0
        return frame(NS_MAC, NS_DST, 58, ns(opt_len=0))
    return frame(RS_MAC, RS_DST, 58,            # RS with code 1
                 icmp(133, 1, b"\0" * 4 + bytes([1, 1]) + mac, RS_DST))
D6_DST = socket.inet_pton(socket.AF_INET6, "ff02::1:2")
D6_MAC = bytes.fromhex("333300010002")
CLIENT_ID = struct.pack("!HHHH", 1, 10, 3, 1) + mac
def udp(msg, ulen=None):
    u = struct.pack("!HHHH", 546, 547, 8 + len(msg) if ulen is None else ulen, 0) + msg
    c = csum(lla, D6_DST, 17, u) or 0xffff
    return u[:6] + struct.pack("!H", c) + u[8:]
def bad_dhcp6(i):
    k = i % 5
    xid = struct.pack("!I", i)[1:]
    if k == 0:                                  # bad message type
        msg = bytes([200]) + xid + CLIENT_ID
    elif k == 1:                                # an option past the end
        msg = bytes([1]) + xid + CLIENT_ID + struct.pack("!HH", 8, 100) + b"\0\0"
    elif k == 2:                                # relayed
        msg = bytes([12, 0]) + b"\0" * 32 + CLIENT_ID
    elif k == 3:                                # no Client Identifier
        msg = bytes([1]) + xid + struct.pack("!HHH", 8, 2, 0)
    else:                                       # UDP length past the frame
        msg = bytes([1]) + xid + CLIENT_ID
        u = udp(msg, ulen=8 + len(msg) + random.randrange(1, 64))
        return frame(D6_MAC, D6_DST, 17, u, plen=len(u))
    return frame(D6_MAC, D6_DST, 17, udp(msg))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("c0", 0))
for i in range(1000):
    s.send(bad_icmp(i))
    s.send(bad_dhcp6(i))
    if i % 25 == 24:
        time.sleep(0.01)        # no more than the server's socket holds
PY
for ((i = 0; i < 50; i++)); do
    [ "$(nd_drops)" -ge $((nd0 + 1000)) ] && [ "$(dhcp6_drops)" -ge $((d60 + 1000)) ] && break
    sleep 0.1
done
kill -0 "$DHCP_SERVER_PID" 2>/dev/null || fail "the server died"
dhcp_counters | awk '$2 != 0 && (/^nd-/ || /^dhcp6-drop-/)' | sed 's/^/    | /'
kdrops=$(dhcp_counters | awk '/^pktio-.*kernel-drops/ { n += $2 } END { print n + 0 }')
assert_eq "no frame lost in the kernel" "$kdrops0" "$kdrops"
assert_eq "1,000 malformed ICMPv6 frames: 1,000 drops" 1000 $(( $(nd_drops) - nd0 ))
assert_eq "1,000 malformed DHCPv6 frames: 1,000 drops" 1000 $(( $(dhcp6_drops) - d60 ))
assert_eq "no NA for any of them" "$nd_reply0" "$(dhcp_counter nd-reply)"
assert_eq "no DHCPv6 answer to any of them" "$tx0 $adv0" \
    "$(dhcp_counter dhcp6-tx-reply) $(dhcp_counter dhcp6-tx-advertise)"

say "the server after the flood"
out=$(ip netns exec "$C" ndisc6 -1 -r 2 -w 2000 fe80::1 c0 2>&1) \
    || { printf "%s\n" "$out"; fail "ndisc6 got no NA after the flood"; }
assert_match "NA for fe80::1: G" "Target link-layer address: ${G^^}" "$out"
assert_eq "the port is still served" 1 "$(dhcp_counter ports)"
ip -n "$C" -6 addr flush dev c0 scope global
rm -f "$LEASES"
dhcp_bg dhclient_run -d c0 2>"$LAB_TMP/dhclient-3.log"
DHCLIENT_PID=$DHCP_BG_PID
wait_addr || { sed 's/^/    | /' "$LAB_TMP/dhclient-3.log"; fail "no /128 after the flood: $(guest_addr)"; }
say "ok: a new lease after the flood: $VM_IP6/128"
dhcp_stop "$DHCLIENT_PID"
dhcp_stop "$TCPDUMP_PID"
pass
