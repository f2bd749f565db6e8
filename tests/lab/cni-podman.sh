#!/bin/bash
# ovnmig-cni under a real container runtime: podman 4.3 with its CNI
# backend calls the plugin (VERSION, ADD, DEL) for containers on two
# networks, one per lab node's ovnmigd, each a chain of ovnmig-cni and the
# reference "tuning" plugin.  Containers on hv1 and hv2 get their
# addresses, the chained sysctl, ping each other through OVN, resolve
# their gateway to G and get a DHCP lease; removing them leaves no veth,
# OVS port, LSP or record, and the address is free again (the next
# container gets it).  (podman 4.3's CLI never runs CHECK:
# tests/lab/cni-pods.sh does.)
#
# Never the host's podman: a private containers.conf (network_backend
# "cni", our own cni_plugin_dirs and network_config_dir), storage under
# the test's directory, an image imported from busybox-static (nothing is
# pulled).  crun refuses the host's hybrid cgroups, so podman runs in a
# mount namespace of its own (unshare -m) without /sys/fs/cgroup/unified;
# the sandbox refuses raising the file and process limits, so every
# container gets --ulimit nofile=4096:4096 --ulimit nproc=4096:4096.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/podman-lib.sh"
require_root
require_lab_tools
require_tool podman podman
require_tool busybox-static busybox
require_tool util-linux unshare
require_tool python3 python3
[ -x /usr/lib/cni/tuning ] || skip "the reference CNI plugins are not installed (apt-get install containernetworking-plugins)"
case $(podman --version 2>/dev/null) in
    "podman version 4."*) ;;
    *) skip "podman 4 with the CNI backend is needed, not '$(podman --version 2>&1)'" ;;
esac
CNI=$top_builddir/cni/ovnmig-cni
[ -x "$CNI" ] || fail "cni/ovnmig-cni is not built"

lab_prefix P k
T=$LAB_TMP
G=0a:58:a9:fe:01:01
check "lab up" lab "$P" up --nodes 2
D=$(lab_dir "$P")
eval "$(lab "$P" env hv1)"
ovsdb-client transact "$OVNMIG_DB" '["OVN_Migration",
    {"op": "insert", "table": "Config", "row": {"external_ids": ["map", [["ovnmig-pod-subnet", "10.100.0.0/24"]]]}}]' \
    >/dev/null || fail "cannot set the pod subnet"

# The private podman: its configuration, plugins, networks and storage.
podman_private "$T" sh ping ip udhcpc sleep cat sysctl
ln -s "$CNI" "$T/cni-bin/ovnmig-cni"
cp /usr/lib/cni/tuning /usr/lib/cni/loopback "$T/cni-bin/"
for n in 1 2; do
    cat >"$T/net.d/ovnmig-hv$n.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "ovnmig-hv$n",
 "plugins": [
   {"type": "ovnmig-cni", "socket": "$D/hv$n/ovnmigd.ctl"},
   {"type": "tuning", "sysctl": {"net.ipv4.conf.eth0.arp_announce": "2"}}
 ]}
EOF
done

# The podman side runs in its own mount namespace, as one script; it
# writes what the checks need to $T/out.
cat >"$T/inner.sh" <<'EOF'
set -eu
T=$1 P=$2
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf
export CONTAINERS_REGISTRIES_CONF=$T/registries.conf TMPDIR=$T/tmp
umount /sys/fs/cgroup/unified 2>/dev/null || true
pm() { podman --cgroup-manager cgroupfs "$@"; }
LIMITS="--ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
tar -C "$T/rootfs" -c . | pm import - localhost/ovnmig-busybox:test >/dev/null
pm run -d --name "$P-a" --network ovnmig-hv1 $LIMITS localhost/ovnmig-busybox:test sleep 600 >/dev/null
pm run -d --name "$P-b" --network ovnmig-hv2 $LIMITS localhost/ovnmig-busybox:test sleep 600 >/dev/null
for c in a b; do
    pm inspect "$P-$c" --format '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.MacAddress}}{{end}}' >"$T/out.$c.inspect"
    pm exec "$P-$c" ip -o addr show eth0 >"$T/out.$c.addr"
    pm exec "$P-$c" ip route show default >"$T/out.$c.route"
    pm exec "$P-$c" cat /proc/sys/net/ipv4/conf/eth0/arp_announce >"$T/out.$c.sysctl"
done
ipb=$(cut -d' ' -f1 "$T/out.b.inspect")
ipa=$(cut -d' ' -f1 "$T/out.a.inspect")
pm exec "$P-a" ping -c 3 -W 2 "$ipb" >"$T/out.ping.ab" 2>&1 && echo ok >"$T/out.ping.ab.rc" || echo fail >"$T/out.ping.ab.rc"
pm exec "$P-b" ping -c 3 -W 2 "$ipa" >"$T/out.ping.ba" 2>&1 && echo ok >"$T/out.ping.ba.rc" || echo fail >"$T/out.ping.ba.rc"
# Off the subnet: through the gateway, which must be resolved first.
pm exec "$P-a" ping -c 1 -W 1 10.200.0.1 >/dev/null 2>&1 || true
pm exec "$P-a" ip neigh show 169.254.1.1 >"$T/out.a.neigh"
pm exec "$P-a" udhcpc -i eth0 -n -q -t 3 -T 1 -s /bin/true >"$T/out.a.dhcp" 2>&1 && echo ok >"$T/out.a.dhcp.rc" || echo fail >"$T/out.a.dhcp.rc"
pm rm -f "$P-a" "$P-b" >/dev/null
pm run -d --name "$P-c" --network ovnmig-hv2 $LIMITS localhost/ovnmig-busybox:test sleep 600 >/dev/null
pm inspect "$P-c" --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' >"$T/out.c.inspect"
pm rm -f "$P-c" >/dev/null
pm rmi -f localhost/ovnmig-busybox:test >/dev/null
echo done >"$T/out.done"
EOF
say "podman: $(podman --version)"
out=$(unshare -m bash "$T/inner.sh" "$T" "$P" 2>&1) || {
    printf '%s\n' "$out" | sed 's/^/    | /'
    grep -h . "$D"/hv*/ovnmigd.log 2>/dev/null | grep -i cni | tail -5 | sed 's/^/    log| /'
    podman_drop_caches
    fail "podman"
}
podman_drop_caches
[ -e "$T/out.done" ] || fail "podman's script did not finish: $out"

read -r ipa maca <"$T/out.a.inspect"
read -r ipb macb <"$T/out.b.inspect"
say "container a on hv1: $ipa $maca; b on hv2: $ipb $macb"
case $ipa in 10.100.0.*) ;; *) fail "a's address '$ipa' is not from the pod subnet" ;; esac
[ "$ipa" != "$ipb" ] || fail "a and b got the same address"
assert_match "a's eth0 has its address" "inet $ipa/24" "$(cat "$T/out.a.addr")"
assert_match "a's default route via 169.254.1.1" "default via 169.254.1.1 dev eth0" "$(cat "$T/out.a.route")"
assert_eq "the chained tuning plugin set its sysctl in a" 2 "$(cat "$T/out.a.sysctl")"
assert_eq "a pings b through OVN" ok "$(cat "$T/out.ping.ab.rc")"
assert_eq "b pings a through OVN" ok "$(cat "$T/out.ping.ba.rc")"
assert_match "a's gateway answered with G" "169.254.1.1 .*lladdr $G" "$(cat "$T/out.a.neigh")"
assert_eq "a got a DHCP lease" ok "$(cat "$T/out.a.dhcp.rc")"
assert_eq "c gets a's freed address" "$ipa" "$(cat "$T/out.c.inspect")"

for n in hv1 hv2; do
    left=$(nsenter --net="/run/netns/$P-$n" ip -o link show | grep ' ovc' || true)
    [ -z "$left" ] || fail "a veth is left on $n: $left"
    eval "$(lab "$P" env "$n")"
    [ -z "$(ovs-vsctl --bare --columns=name find Interface 'external_ids:ovnmig-cni!=""' 2>/dev/null)" ] \
        || fail "an OVS port is left on $n"
done
eval "$(lab "$P" env hv1)"
assert_eq "no pod LSP left" "" "$(ovn-nbctl --bare --columns=name find Logical_Switch_Port external_ids:ovnmig\\:pod=true)"
ls "$D"/hv*/cni/* 2>/dev/null | grep -q . && fail "records left: $(ls "$D"/hv*/cni/)"
say "ok: nothing left (veth, OVS port, LSP, record)"
pass
