#!/bin/bash
# dhcp-dhclient.sh -- ISC dhclient, with Debian's own dhclient-script and
# hooks, against ovnmig-dhcpd on a veth pair, the server on the node's end:
#   - dhclient remembers a lease for another address: its INIT-REBOOT
#     REQUEST is NAKed, and it gets the right lease by DISCOVER;
#   - the lease configures address and prefix, the on-link route to
#     169.254.1.1 and the default route through it (option 121, the
#     rfc3442 hook), the MTU, /etc/resolv.conf (in the guest's own mount
#     namespace) and the hostname (its own UTS namespace);
#   - with a short lease, the renewal at T1 is unicast to 169.254.1.1 / G
#     and ACKed;
#   - dhclient -r sends a RELEASE, which is counted.
#
# SPDX-License-Identifier: Apache-2.0
. "$(dirname "$0")/dhcp-lib.sh"

dhcp_require
require_tool isc-dhcp-client dhclient

VM_MAC=52:54:00:ab:cd:ef
VM_IP=10.100.0.6
N=$(dhcp_netns node)
C=$(dhcp_netns guest)
dhcp_veth "$N" n0 "$C" c0 "$VM_MAC"

# lease=12: T1 at 6 s, so that the test sees a real renewal.
binding="$VM_MAC,$VM_IP/24,hostname=vm2,dns=10.96.0.10,domain=cluster.local"
binding+=",search=default.svc.cluster.local,search=svc.cluster.local"
binding+=",mtu=1400,lease=12"
dhcp_start_server "$N" --interface=n0 --binding="$binding"
dhcp_gateway_arp "$N" n0 "$C" c0 "$VM_MAC" "$VM_IP"

# A remembered lease for an address that is not the guest's.
LEASES=$LAB_TMP/dhclient.leases
PIDFILE=$LAB_TMP/dhclient.pid
cat >"$LEASES" <<EOF
lease {
  interface "c0";
  fixed-address 10.100.0.99;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 169.254.1.1;
  renew 4 2037/01/01 00:00:00;
  rebind 4 2037/01/01 00:00:00;
  expire 4 2037/01/01 00:00:00;
}
EOF

# The guest's own UTS and mount namespaces, /etc an overlay whose changes
# stay in there: dhclient-script writes /etc/resolv.conf and sets the
# hostname as it would in a pod.
OVL=$LAB_TMP/overlay
mkdir -p "$OVL"
say "dhclient: starting with a stale lease for 10.100.0.99"
dhcp_bg ip netns exec "$C" unshare --uts --mount sh -c "
    hostname localhost &&
    mount -t tmpfs none $OVL && mkdir $OVL/upper $OVL/work &&
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$OVL/upper,workdir=$OVL/work /etc &&
    exec dhclient -d -v -lf $LEASES -pf $PIDFILE c0" 2>"$LAB_TMP/dhclient.log"
DHCLIENT_PID=$DHCP_BG_PID
guest() { nsenter -t "$DHCLIENT_PID" --net --mount --uts "$@"; }

wait_file_match "$LAB_TMP/dhclient.log" "bound to $VM_IP" 20
sed 's/^/    | /' "$LAB_TMP/dhclient.log"
wait_counter nak-wrong-address 1
wait_counter rx-request-init-reboot 1
assert_match "INIT-REBOOT NAKed, then a new lease" \
    "DHCPNAK from 169\.254\.1\.1 .*DHCPDISCOVER .*DHCPACK of $VM_IP from 169\.254\.1\.1" \
    "$(tr '\n' ' ' <"$LAB_TMP/dhclient.log")"

assert_match "address and prefix" "inet $VM_IP/24 " "$(ip -n "$C" -4 addr show dev c0)"
routes=$(ip -n "$C" -4 route show)
assert_match "on-link route to 169.254.1.1" "^169\.254\.1\.1 dev c0" "$routes"
assert_match "default route via 169.254.1.1" "^default via 169\.254\.1\.1 dev c0" "$routes"
assert_match "MTU" "mtu 1400 " "$(ip -n "$C" link show dev c0)"
resolv=$(guest cat /etc/resolv.conf)
printf "%s\n" "$resolv" | sed "s/^/    | resolv.conf: /"
assert_match "resolv.conf: name server" "^nameserver 10\.96\.0\.10$" "$resolv"
assert_match "resolv.conf: search list" "^search (cluster\.local )?default\.svc\.cluster\.local\.? svc\.cluster\.local\.?$" "$resolv"
assert_eq "hostname" vm2 "$(guest hostname)"
host_resolv=$(cat /etc/resolv.conf)
[ "$host_resolv" != "$resolv" ] || fail "the host's resolv.conf was written"

say "dhclient: waiting for the renewal at T1 (6 s)"
dhcp_capture "$N" n0 "udp dst port 67 and dst host 169.254.1.1"
CAPTURE_PID=$DHCP_BG_PID
wait_counter rx-request-renewing 1 15
wait_file_match "$LAB_TMP/dhclient.log" "DHCPREQUEST for $VM_IP on c0 to 169\.254\.1\.1" 5
acks=$(grep -c "DHCPACK of $VM_IP" "$LAB_TMP/dhclient.log")
[ "$acks" -ge 2 ] || fail "the renewal was not ACKed"
say "ok: renewal ACKed"
sleep 0.2
dhcp_stop "$CAPTURE_PID"
assert_match "renewal unicast to 169.254.1.1 / G" \
    "$VM_MAC > $G, .* $VM_IP\.68 > 169\.254\.1\.1\.67" "$(cat "$DHCP_CAPTURE")"

say "dhclient -r: release"
guest dhclient -r -v -lf "$LEASES" -pf "$PIDFILE" c0 2>&1 | sed 's/^/    | /'
wait_counter rx-release 1
assert_eq "NAKs: only the stale lease's" 1 "$(dhcp_counter tx-nak)"
pass
