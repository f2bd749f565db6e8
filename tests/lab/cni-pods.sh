#!/bin/bash
# ovnmig-cni in the lab, run as a runtime runs it (the CNI_* environment,
# the configuration on stdin) against each node's ovnmigd: without a pod
# subnet in the cluster DB, ADD fails (code 100) and leaves nothing; with
# one, containers on hv1 and hv2, added at the same time, get distinct
# addresses (MAC 0a:58 + address), an eth0 with that address and a
# default route via 169.254.1.1 on-link, a port on br-int with
# iface-id=<LSP> and an LSP bound to their node; they ping each other
# through OVN, their gateway's ARP is answered with G, and DHCP gives them
# the same address; CHECK passes on ADD's result, and on the result of a
# chain with the reference "tuning" plugin (whose sysctl is set, and whose
# CHECK passes too) where that is installed; ADD into a namespace
# that has an eth0 already fails (code 4) and leaves nothing half-made; a
# restarted ovnmigd serves DHCP again; DEL leaves nothing (no veth, OVS
# port, LSP or record) and frees the address (the next container gets
# it); DEL again, and DEL of a container never added, succeed.
. "$(dirname "$0")/lib.sh"
require_root
require_lab_tools
require_tool busybox-static busybox
require_tool python3 python3
require_tool arping arping
CNI=$top_builddir/cni/ovnmig-cni
[ -x "$CNI" ] || fail "cni/ovnmig-cni is not built"
[ -x "$top_builddir/daemon/ovnmigd" ] || fail "daemon/ovnmigd is not built"

lab_prefix P c
T=$LAB_TMP
G=0a:58:a9:fe:01:01
check "lab up" lab "$P" up --nodes 2
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"      # OVNMIG_DB, OVN_NB_DB ...
CTL1=$(lab "$P" env hv1 | sed -n 's/^export OVNMIG_CTL=//p' | tr -d "'\"")
CTL2=$(lab "$P" env hv2 | sed -n 's/^export OVNMIG_CTL=//p' | tr -d "'\"")
[ -S "$CTL1" ] && [ -S "$CTL2" ] || fail "control sockets: '$CTL1' '$CTL2'"

# pod NAME: a network namespace as a runtime makes it, with lo up.
pod() {
    ip netns add "$P-$1" && ip -n "$P-$1" link set lo up
}
# cni COMMAND NAME SOCKET [VAR=VALUE...] [< CONFIG]: runs the plugin for
# container NAME; its output in $out, its status in $rc.
conf() {
    printf '{"cniVersion":"1.0.0","name":"ovnmig","type":"ovnmig-cni","socket":"%s"%s}' \
        "$1" "${2:+,$2}"
}
cni() {
    local cmd=$1 name=$2 sock=$3
    shift 3
    out=$(conf "$sock" "${CONF_EXTRA:-}" | env -i PATH="$PATH" CNI_COMMAND="$cmd" \
          CNI_CONTAINERID="ctr-$name" CNI_IFNAME=eth0 CNI_NETNS="/run/netns/$P-$name" \
          CNI_PATH="$top_builddir/cni" \
          CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$name" \
          "$@" "$CNI")
    rc=$?
}
code_of() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["code"])' "$1" 2>/dev/null; }
field() { python3 -c "import json,sys; r=json.loads(sys.argv[1]); print($2)" "$1"; }
nb() { ovn-nbctl --no-leader-only "$@"; }
lsp_exists() { nb --bare --columns=name find Logical_Switch_Port "name=\"$1\"" | grep -q .; }
in_node() { nsenter --net="/run/netns/$P-$1" "${@:2}"; }
# nothing_left NAME NODE: no veth, OVS port, LSP or record of container NAME.
nothing_left() {
    local veth
    veth=ovc$(printf '%s' "ctr-$1/eth0" | sha1sum | cut -c1-12)
    in_node "$2" ip link show "$veth" >/dev/null 2>&1 && fail "$1: its veth $veth is left on $2"
    eval "$(lab "$P" env "$2")"
    ovs-vsctl --bare --columns=name find Interface "external_ids:ovnmig-cni=ctr-$1" | grep -q . \
        && fail "$1: an OVS port is left on $2"
    eval "$(lab "$P" env hv1)"
    lsp_exists "$1.default" && fail "$1: its LSP is left"
    ls "$D"/*/cni/ctr-"$1".* 2>/dev/null | grep -q . && fail "$1: its record is left"
    say "ok: $1: nothing left (veth, OVS port, LSP, record)"
}
set_subnet() {
    ovsdb-client transact "$OVNMIG_DB" '["OVN_Migration",
        {"op": "insert", "table": "Config", "row": {}}]' >/dev/null 2>&1
    ovsdb-client transact "$OVNMIG_DB" "[\"OVN_Migration\",
        {\"op\": \"mutate\", \"table\": \"Config\", \"where\": [],
         \"mutations\": [[\"external_ids\", \"insert\", [\"map\", [[\"ovnmig-pod-subnet\", \"$1\"]]]]]}]" \
        >/dev/null || fail "cannot set the pod subnet"
}

pod c1 && pod c2 && pod c3 && pod c4 || fail "ip netns add"

# No pod subnet yet: refused, nothing made.
cni ADD c1 "$CTL1"
[ "$rc" != 0 ] && [ "$(code_of "$out")" = 100 ] && [[ $out == *ovnmig-pod-subnet* ]] \
    || fail "ADD without a pod subnet: rc $rc: $out"
say "ok: ADD without a pod subnet: code 100 ($(field "$out" 'r["msg"]'))"
nothing_left c1 hv1

set_subnet 10.100.0.0/24
# ovnmigd learns it from the cluster DB: wait until ADD stops saying so.
for _ in $(seq 50); do
    cni ADD c1 "$CTL1"
    [[ $out == *ovnmig-pod-subnet* ]] || break
    sleep 0.1
done
[ "$rc" = 0 ] || fail "ADD c1: rc $rc: $out"
out1=$out
# c2 on hv2 and c3 on hv1 at the same time: no address twice.
cni ADD c2 "$CTL2" >/dev/null & pid2=$!
( cni ADD c3 "$CTL1"; printf '%s' "$out" >"$T/c3.json"; exit $rc ) & pid3=$!
wait $pid2; rc2=$?
wait $pid3 || fail "ADD c3: $(cat "$T/c3.json")"
# ($out of a background job is lost: ask again, ADD is idempotent.)
cni ADD c2 "$CTL2"
[ "$rc2" = 0 ] && [ "$rc" = 0 ] || fail "ADD c2: rc $rc2/$rc: $out"
out2=$out
out3=$(cat "$T/c3.json")

ip1=$(field "$out1" 'r["ips"][0]["address"]')
ip2=$(field "$out2" 'r["ips"][0]["address"]')
ip3=$(field "$out3" 'r["ips"][0]["address"]')
mac1=$(field "$out1" 'r["interfaces"][0]["mac"]')
say "addresses: c1 $ip1 ($mac1), c2 $ip2, c3 $ip3"
[ "$ip1" != "$ip2" ] && [ "$ip1" != "$ip3" ] && [ "$ip2" != "$ip3" ] \
    || fail "an address given twice: $ip1 $ip2 $ip3"
case $ip1 in 10.100.0.*/24) ;; *) fail "c1's address $ip1 is not from 10.100.0.0/24" ;; esac
IFS=./ read -r a b cc dd _ <<<"$ip1"
assert_eq "c1's MAC is 0a:58 + its address" "$(printf '0a:58:%02x:%02x:%02x:%02x' "$a" "$b" "$cc" "$dd")" "$mac1"
assert_eq "result: gateway, route, sandbox" "169.254.1.1 0.0.0.0/0 169.254.1.1 /run/netns/$P-c1" \
    "$(field "$out1" 'r["ips"][0]["gateway"], r["routes"][0]["dst"], r["routes"][0]["gw"], r["interfaces"][0]["sandbox"]')"

# In the pod: the address, the MAC, the default route.
assert_match "c1's eth0 has its address" "inet ${ip1%/*}/24" "$(ip -n "$P-c1" -o addr show eth0)"
assert_match "c1's eth0 has its MAC" "link/ether $mac1" "$(ip -n "$P-c1" -o link show eth0)"
assert_match "c1's default route via 169.254.1.1 on-link" "default via 169.254.1.1 dev eth0.*onlink" \
    "$(ip -n "$P-c1" route show default)"

# On the node: br-int's port, the LSP bound there.
eval "$(lab "$P" env hv1)"
port1=$(ovs-vsctl --bare --columns=name find Interface external_ids:ovnmig-cni=ctr-c1)
assert_eq "hv1's br-int has c1's port" br-int "$(ovs-vsctl port-to-br "$port1")"
assert_eq "c1's port names its LSP" c1.default \
    "$(ovs-vsctl get Interface "$port1" external_ids:iface-id | tr -d '"')"
check "the LSPs are up" nb --wait=hv --timeout=20 sync
for c in c1 c2 c3; do
    for _ in $(seq 100); do
        [ "$(nb get Logical_Switch_Port "$c.default" up 2>/dev/null)" = true ] && break
        sleep 0.1
    done
    assert_eq "LSP $c.default up" true "$(nb get Logical_Switch_Port "$c.default" up)"
done
assert_eq "c2's LSP asks for hv2" hv2 "$(nb get Logical_Switch_Port c2.default options:requested-chassis)"

# Through OVN, hv1 to hv2 and back.
ping_in() { ip netns exec "$P-$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null || fail "$1 cannot ping $2"; say "ok: $1 pings $2"; }
ping_in c1 "${ip2%/*}"
ping_in c2 "${ip1%/*}"
ping_in c3 "${ip2%/*}"
arp=$(ip netns exec "$P-c1" arping -c 2 -i eth0 169.254.1.1 2>&1) || fail "no ARP reply for 169.254.1.1: $arp"
assert_match "c1's gateway answered with G by ovnmigd's ARP proxy" "from $G \\(169.254.1.1\\)" "$arp"

# DHCP as a VM gets it: the same address and gateway.
cat >"$T/udhcpc.sh" <<EOF
#!/bin/sh
[ "\$1" = bound ] && echo "\$ip \$mask \$router" >"$T/lease"
exit 0
EOF
chmod +x "$T/udhcpc.sh"
ip netns exec "$P-c1" busybox udhcpc -i eth0 -n -q -t 3 -T 1 -s "$T/udhcpc.sh" >/dev/null 2>&1 \
    || fail "no DHCP lease for c1"
assert_eq "c1's DHCP lease" "${ip1%/*} 24 169.254.1.1" "$(cat "$T/lease")"

# CHECK with ADD's result.
CONF_EXTRA="\"prevResult\":$out1" cni CHECK c1 "$CTL1"
[ "$rc" = 0 ] || fail "CHECK c1: rc $rc: $out"
say "ok: CHECK c1"

# Chained: the reference "tuning" plugin after ovnmig-cni, on its result;
# then CHECK of both plugins on the chain's result.
if [ -x /usr/lib/cni/tuning ]; then
    tconf() {
        printf '{"cniVersion":"1.0.0","name":"ovnmig","type":"tuning","sysctl":{"net.ipv4.conf.eth0.arp_announce":"2"},"prevResult":%s}' "$1"
    }
    tuning() {
        tconf "$2" | env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID=ctr-c1 CNI_IFNAME=eth0 \
            CNI_NETNS="/run/netns/$P-c1" CNI_PATH=/usr/lib/cni /usr/lib/cni/tuning
    }
    chained=$(tuning ADD "$out1") || fail "tuning ADD after ovnmig-cni: $chained"
    assert_eq "tuning kept ovnmig-cni's address" "$ip1" "$(field "$chained" 'r["ips"][0]["address"]')"
    assert_eq "tuning set its sysctl in c1" 2 \
        "$(ip netns exec "$P-c1" cat /proc/sys/net/ipv4/conf/eth0/arp_announce)"
    CONF_EXTRA="\"prevResult\":$chained" cni CHECK c1 "$CTL1"
    [ "$rc" = 0 ] || fail "CHECK of ovnmig-cni in the chain: rc $rc: $out"
    tout=$(tuning CHECK "$chained") || fail "CHECK of tuning in the chain: $tout"
    say "ok: chained with tuning, CHECK passes for both"
else
    say "not run: chaining with tuning (containernetworking-plugins not installed)"
fi

# ADD into a pod that has an eth0 already: refused, nothing half-made.
ip -n "$P-c4" link add eth0 type veth peer name eth0p || fail "cannot make an eth0 in c4"
cni ADD c4 "$CTL1"
[ "$rc" != 0 ] && [ "$(code_of "$out")" = 4 ] || fail "ADD c4 over an eth0: rc $rc: $out"
say "ok: ADD over an existing eth0: code 4"
for _ in $(seq 50); do lsp_exists c4.default || break; sleep 0.1; done
nothing_left c4 hv1

# A restarted ovnmigd serves the pods again.
check "ovnmigd on hv1 killed" lab "$P" kill ovnmigd hv1
check "ovnmigd on hv1 started" lab "$P" start ovnmigd hv1
rm -f "$T/lease"
for _ in $(seq 50); do [ -S "$CTL1" ] && break; sleep 0.1; done
ip netns exec "$P-c1" busybox udhcpc -i eth0 -n -q -t 5 -T 1 -s "$T/udhcpc.sh" >/dev/null 2>&1 \
    || fail "no DHCP lease for c1 after ovnmigd's restart"
assert_eq "c1's DHCP lease after the restart" "${ip1%/*} 24 169.254.1.1" "$(cat "$T/lease")"
ping_in c1 "${ip2%/*}"

# DEL: nothing left; the address is free again.
cni DEL c1 "$CTL1" CNI_NETNS=
[ "$rc" = 0 ] && [ -z "$out" ] || fail "DEL c1: rc $rc: $out"
nothing_left c1 hv1
cni DEL c1 "$CTL1"
[ "$rc" = 0 ] || fail "DEL c1 again: rc $rc: $out"
cni DEL never "$CTL1"
[ "$rc" = 0 ] || fail "DEL of a container never added: rc $rc: $out"
say "ok: DEL twice, and DEL of one never added"
ip netns del "$P-c1" && pod c1
cni ADD c5 "$CTL2" CNI_NETNS="/run/netns/$P-c1"
[ "$rc" = 0 ] || fail "ADD c5: rc $rc: $out"
assert_eq "c5 gets c1's freed address" "$ip1" "$(field "$out" 'r["ips"][0]["address"]')"
for c in c2:hv2 c3:hv1 c5:hv2; do
    sock=$CTL1; [ "${c#*:}" = hv2 ] && sock=$CTL2
    cni DEL "${c%:*}" "$sock"
    [ "$rc" = 0 ] || fail "DEL ${c%:*}: $out"
    nothing_left "${c%:*}" "${c#*:}"
done
assert_eq "no pod LSP left" "" "$(nb --bare --columns=name find Logical_Switch_Port external_ids:ovnmig\\:pod=true)"
for c in c1 c2 c3 c4; do ip netns del "$P-$c"; done
pass
