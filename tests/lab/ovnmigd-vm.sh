#!/bin/bash
# ovnmigd runs a VM end to end in the lab: "ovnmig-lab vm start" (ovnmigctl
# vm create) on hv1; the guest boots, takes its lease from ovnmigd (address,
# routes, MTU, DNS ... on its console), resolves 169.254.1.1 and the subnet
# gateway to G, pings a pod on hv2 and the router; exactly one DHCP offer
# and one ARP reply per gateway reach it; its DHCP and gateway ARP
# broadcasts reach no other port of the switch (pods on hv1 and hv2 see
# none, while its ARP for an unknown address floods to both) and ovn-trace
# shows the ACL dropping them; the LSP asks for hv1 and the SB binds it
# there; vm show lists the port's OpenFlow flows on hv1's br-int (its
# ofport and OVN keys, the ACL's drops counting the guest's packets), the
# same ones ovs-ofctl dumps, and a stuck ovs-vswitchd costs vm show an
# error line, not a hang; the status says Running and live-migratable
# (and not for a VM without the annotation).  Then ovnmigd is killed with
# SIGKILL and restarted: the VM keeps running, nothing is re-created (same
# QEMU, LSP and namespace; no OVN write), vm show is unchanged.  Finally
# vm delete leaves nothing: no QEMU, namespace, LSP, binding or run
# directory.
. "$(dirname "$0")/lib.sh"
require_tool tcpdump tcpdump
require_tool util-linux nsenter
require_tool ovn-central ovn-trace
require_tool openvswitch-common ovs-ofctl
require_tool python3 python3
require_vm_lab

# alive PID: running and not a zombie (PID 1 here may not reap).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    case ${stat%% *} in Z|X|x) return 1 ;; esac
}

lab_prefix P d
T=$LAB_TMP
G=0a:58:a9:fe:01:01
check "lab up (with the cluster DB and an ovnmigd per node)" lab "$P" up --nodes 2
D=$(lab_dir "$P")
status=$(lab "$P" status) || { echo "$status"; fail "lab status"; }
assert_eq "ovnmigd runs on hv1 and hv2" 2 "$(grep -cE 'ovnmigd +running' <<<"$status")"
eval "$(lab "$P" env hv1)"      # OVNMIG_DB, OVNMIG_CTL (hv1), OVN_*_DB
nodes=$("$ctl" node list)
assert_match "hv1 registered" "^hv1 " "$nodes"
assert_match "hv2 registered" "^hv2 " "$nodes"
check "pod p2 on hv2" lab "$P" pod add p2 --node hv2 --ip 10.100.0.20/24
check "pod p1 on hv1" lab "$P" pod add p1 --node hv1 --ip 10.100.0.21/24
VM_MAC=0a:58:0a:64:00:32

# capture NAME NETNS IFACE FILTER: tcpdump into $T/NAME.txt in the
# background until stop_captures; returns once it listens.
CAPTURES=()
capture() {
    nsenter --net="/run/netns/$2" tcpdump -i "$3" -n -e -vv -l "$4" \
        >"$T/$1.txt" 2>"$T/$1.err" &
    LAB_BG_PIDS+=($!)
    CAPTURES+=($!)
    for _ in $(seq 50); do grep -q listening "$T/$1.err" && return; sleep 0.1; done
    fail "tcpdump in $2 did not start: $(cat "$T/$1.err")"
}
stop_captures() {
    local pid
    for pid in "${CAPTURES[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    CAPTURES=()
}

# Everything ovnmigd sends towards the VM leaves through the node end of
# its veth, in hv1's namespace: capture there (on "any", which also covers
# the interface ovnmigd is about to make).  And what of the VM's own
# frames reaches the pods, one on each node, over the switch.
capture tcpdump "$P-hv1" any 'arp or udp port 67 or udp port 68'
tcpdump_out=$T/tcpdump.txt
capture pod-p1 "$P-pod-p1" eth0 "ether src $VM_MAC"
capture pod-p2 "$P-pod-p2" eth0 "ether src $VM_MAC"

cat >"$T/vm1.yaml" <<YAML
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm1
  namespace: team-a
spec:
  template:
    metadata:
      annotations:
        kubevirt.io/allow-pod-bridge-network-live-migration: ""
    spec:
      domain:
        resources:
          requests:
            memory: 262152Ki
        devices:
          interfaces:
          - name: default
            bridge: {}
            macAddress: $VM_MAC
        firmware:
          kernelBoot:
            kernelArgs: console=ttyS0 panic=-1 ovnmig.ping=10.100.0.20,10.100.0.1,169.254.1.1,10.100.0.99
            container:
              kernelPath: $guest/vmlinuz
              initrdPath: $guest/initramfs.gz
      networks:
      - name: default
        pod: {}
YAML
check "vm start vm1 on hv1" lab "$P" vm start vm1 --node hv1 --ip 10.100.0.50/24 -f "$T/vm1.yaml" --namespace team-a
console=$D/hv1/ovnmigd/vms/vm1.team-a/console.log
for _ in $(seq 600); do
    grep -aq OVNMIG-CHECKS-DONE "$console" 2>/dev/null && break
    sleep 0.1
done
grep -aq OVNMIG-CHECKS-DONE "$console" 2>/dev/null \
    || fail "the guest did not finish its checks: $(tail -n 5 "$console" 2>/dev/null; tail -n 5 "$D/hv1/ovnmigd.log")"
stop_captures

lease=$(grep -a OVNMIG-LEASE "$console")
assert_match "lease: address and mask" "ip=10\.100\.0\.50 mask=24 " "$lease"
assert_match "lease: routes 169.254.1.1/32 on-link, default via 169.254.1.1" \
    "staticroutes=169\.254\.1\.1/32,0\.0\.0\.0,0\.0\.0\.0/0,169\.254\.1\.1 " "$lease"
assert_match "lease: MTU, DNS, domain, search, host name, server id" \
    "mtu=1400 dns=10\.96\.0\.10 domain=cluster\.local search=svc\.cluster\.local,cluster\.local hostname=vm1 .*serverid=169\.254\.1\.1" "$lease"
assert_eq "one lease line (no NAK, no rebind)" 1 "$(grep -ac 'OVNMIG-LEASE\|OVNMIG-NAK' "$console")"
assert_match "the guest pings the pod on hv2" "OVNMIG-PING ip=10\.100\.0\.20 result=ok" "$(grep -a OVNMIG-PING "$console")"
assert_match "the guest pings the router" "OVNMIG-PING ip=10\.100\.0\.1 result=ok" "$(grep -a OVNMIG-PING "$console")"
neigh=$(grep -a OVNMIG-NEIGH "$console")
assert_match "169.254.1.1 resolves to G" "169\.254\.1\.1 lladdr $G" "$neigh"
assert_match "the subnet gateway resolves to G" "10\.100\.0\.1 lladdr $G" "$neigh"

offers=$(grep -c 'DHCP-Message (53), length 1: Offer' "$tcpdump_out")
acks=$(grep -c 'DHCP-Message (53), length 1: ACK' "$tcpdump_out")
arp_ll=$(grep -c "Reply 169\.254\.1\.1 is-at $G" "$tcpdump_out")
arp_gw=$(grep -c "Reply 10\.100\.0\.1 is-at $G" "$tcpdump_out")
assert_eq "exactly one DHCP offer reached the VM" 1 "$offers"
assert_eq "exactly one DHCP ACK reached the VM" 1 "$acks"
assert_eq "exactly one ARP reply for 169.254.1.1" 1 "$arp_ll"
assert_eq "exactly one ARP reply for the subnet gateway" 1 "$arp_gw"
counters=$(ovs-appctl -t "$OVNMIG_CTL" counters/show --json)
# shellcheck disable=SC2016
read -r c_offer c_ack c_reply <<<"$(python3 -c 'import json,sys; c=json.load(sys.stdin)
print(c["dhcp"].get("tx-offer",0), c["dhcp"].get("tx-ack",0), c["arp"]["reply"])' <<<"$counters")"
assert_eq "ovnmigd counted one offer, one ACK, two ARP replies" "1 1 2" "$c_offer $c_ack $c_reply"
# Both ARP replies came from the kernel fast path (ovnmigd's default), none
# from userspace.
assert_eq "ARP fast path: port in the kernel, kernel-answered, left to it, sent by userspace" \
    "1 2 2 0" "$(python3 -c 'import json,sys; a=json.load(sys.stdin)["arp"]
print(a["ports-kernel"], a["kernel-answered"], a["left-to-kernel"], a["tx-frames"])' <<<"$counters")"

# The same counters as Prometheus text, on hv1's loopback (daemon/metrics.h).
metrics_addr=$(sed -n 's/^metrics-address = //p' "$D/hv1/ovnmigd.conf")
[ -n "$metrics_addr" ] || fail "no metrics-address in hv1's ovnmigd.conf"
http_get() {    # http_get METHOD PATH: the whole reply from hv1's ovnmigd
    http_get_in "$P-hv1" "$metrics_addr" "$1" "$2"
}
metric() {      # metric TEXT SAMPLE: the value of SAMPLE (name{labels})
    awk -v s="$2" '$1 == s { print $2 }' <<<"$1"
}
m=$(http_get GET /metrics)
assert_match "metrics: 200, Prometheus text" "^HTTP/1.[01] 200" "$m"
assert_match "metrics: its content type" "^Content-Type: text/plain; version=0.0.4" "$m"
assert_match "metrics: HELP and TYPE lines" "^# TYPE ovnmigd_dhcp_events_total counter$" "$m"
assert_eq "metrics: the ACKs, offers and ARP replies counters/show counts" \
    "$c_ack $c_offer $c_reply" \
    "$(metric "$m" 'ovnmigd_dhcp_events_total{event="tx-ack"}') $(metric "$m" 'ovnmigd_dhcp_events_total{event="tx-offer"}') $(metric "$m" 'ovnmigd_arp_verdicts_total{verdict="reply"}')"
assert_eq "metrics: one VM port served by ARP and DHCP" "1 1" \
    "$(metric "$m" 'ovnmigd_ports{service="arp"}') $(metric "$m" 'ovnmigd_ports{service="dhcp"}')"
assert_eq "metrics: the cluster DB connected, no migration slot used" "1 0 5" \
    "$(metric "$m" ovnmigd_cluster_db_connected) $(metric "$m" 'ovnmigd_migration_slots_used{scope="cluster"}') $(metric "$m" 'ovnmigd_migration_slots_limit{scope="cluster"}')"
assert_match "metrics: 404 elsewhere" "^HTTP/1.[01] 404" "$(http_get GET /)"
assert_match "metrics: 405 for POST" "^HTTP/1.[01] 405" "$(http_get POST /metrics)"

# The ACL: the guest's DHCP and gateway ARP stay inside OVN, its other
# broadcasts do not.  The ARP for 10.100.0.99 (nobody's) floods the switch
# and shows that each capture sees what reaches its pod.
for pod in p1 p2; do
    cap=$T/pod-$pod.txt
    assert_eq "no DHCP client frame of the VM reaches pod $pod" 0 \
        "$(grep -cE '\.6[78] > [0-9.]+\.6[78]:' "$cap")"
    assert_eq "no ARP of the VM for a gateway reaches pod $pod" 0 \
        "$(grep -cE 'who-has (169\.254\.1\.1|10\.100\.0\.1) ' "$cap")"
    n=$(grep -c 'Request who-has 10\.100\.0\.99 tell 10\.100\.0\.50' "$cap")
    [ "$n" -ge 1 ] || { sed 's/^/    | /' "$cap"; fail "the VM's ARP for 10.100.0.99 did not reach pod $pod: the capture proves nothing"; }
    say "ok: the VM's flooded ARP reaches pod $pod ($n requests)"
done

# acl_trace MATCH: ovn-trace a frame of the VM's port, print the line of
# the ovnmig ACL's logical flow when it drops the frame (nothing if not).
acl_trace() {
    ovn-trace vmnet "inport == \"vm1.team-a\" && eth.src == $VM_MAC && $1" 2>&1 \
        | grep -A1 'ls_in_acl.*@ovnmig_vms' | grep -B1 'drop;' | head -1
}
gw_arp() { echo "eth.dst == ff:ff:ff:ff:ff:ff && arp.op == 1 && arp.sha == $VM_MAC && arp.spa == 10.100.0.50 && arp.tha == 00:00:00:00:00:00 && arp.tpa == $1"; }
acl_line=$(acl_trace "$(gw_arp 169.254.1.1)")
assert_match "ovn-trace: the ACL drops the VM's ARP for 169.254.1.1" 'uuid [0-9a-f]+' "$acl_line"
acl_cookie=0x$(sed -E 's/.*uuid ([0-9a-f]+).*/\1/' <<<"$acl_line")
assert_match "ovn-trace: the ACL drops the VM's ARP for the subnet gateway" 'uuid' \
    "$(acl_trace "$(gw_arp 10.100.0.1)")"
assert_match "ovn-trace: the ACL drops the VM's DHCPDISCOVER" 'uuid' \
    "$(acl_trace "eth.dst == ff:ff:ff:ff:ff:ff && ip4.src == 0.0.0.0 && ip4.dst == 255.255.255.255 && udp.src == 68 && udp.dst == 67 && ip.ttl == 64")"

rc=$(ovn-nbctl get Logical_Switch_Port vm1.team-a options:requested-chassis | tr -d '"')
assert_eq "LSP requested-chassis" hv1 "$rc"
hv1_uuid=$(ovn-sbctl --bare --columns=_uuid find Chassis name=hv1)
bound=$(ovn-sbctl --bare --columns=chassis find Port_Binding logical_port=vm1.team-a)
assert_eq "SB binds the port to hv1" "$hv1_uuid" "$bound"
ps_=$(ovn-nbctl get Logical_Switch_Port vm1.team-a port_security)
assert_eq "port security MAC IP" '["0a:58:0a:64:00:32 10.100.0.50"]' "$ps_"

show_json() { "$ctl" --json vm show vm1 --namespace team-a; }
j=$(show_json) || fail "vm show --json"
read -r phase migratable node_phase node_lsp <<<"$(python3 -c 'import json,sys; d=json.load(sys.stdin)
s=d["vm"]["status"]; n=d["node"]
print(s.get("phase"), s.get("liveMigratable"), n["phase"], n["ovn"]["binding"]["chassis"])' <<<"$j")"
assert_eq "status: Running, live-migratable; node: Running, SB chassis hv1" \
    "Running true Running hv1" "$phase $migratable $node_phase $node_lsp"
text=$("$ctl" vm show vm1 --namespace team-a)
assert_match "vm show (text): the LSP" "lsp: exists .*requested-chassis hv1" "$text"
assert_match "vm show (text): the SB binding" "sb binding: chassis hv1, additional \[\], up true" "$text"
assert_match "vm show (text): the DHCP binding" "dhcp: 0a:58:0a:64:00:32 -> 10\.100\.0\.50/24" "$text"
assert_match "vm show (text): the ARP counters" "arp: reply=2" "$text"
assert_match "vm show (text): ARP answered in the kernel" \
    "arp: reply=2 .*\(kernel fast path, 2 answered in the kernel\)" "$text"

# vm show: the port's OpenFlow flows on hv1, found by its ofport and OVN
# keys, are exactly those ovs-ofctl dumps for them.
ofport=$(lab "$P" exec hv1 -- ovs-vsctl --bare --columns=ofport find Interface external_ids:iface-id=vm1.team-a)
port_key=$(ovn-sbctl --bare --columns=tunnel_key find Port_Binding logical_port=vm1.team-a)
dp_key=$(ovn-sbctl get Datapath_Binding \
    "$(ovn-sbctl --bare --columns=datapath find Port_Binding logical_port=vm1.team-a)" tunnel_key)
say "vm1.team-a: ofport $ofport, port key $port_key, datapath key $dp_key"
assert_match "vm show (text): the flows section" \
    "^  flows: [0-9]+ on br-int \(ofport $ofport \([a-z0-9]+\), metadata $(printf '%#x' "$dp_key"), port key $(printf '%#x' "$port_key");" "$text"
# check_flows SHOW OFCTL: the flows of SHOW (vm show --json) against the
# dump of OFCTL (ovs-ofctl --no-stats --no-names): prints what differs.
check_flows() {
    python3 - "$1" "$2" "$ofport" "$port_key" "$dp_key" "$acl_cookie" <<'PY'
import json, re, sys
show, ofctl, ofport, pk, dp, acl = sys.argv[1:]
flows = json.load(open(show))["node"]["flows"]
ours = {f["flow"] for f in flows}
theirs = {l.strip() for l in open(ofctl) if "actions=" in l}
def port_flow(l):
    return (re.search(r"[,=]in_port=%s[, ]" % ofport, l)
            or re.search(r"output:%s(,|$)" % ofport, l)
            or (re.search(r"metadata=%#x[, ]" % int(dp), l)
                and re.search(r"reg1[45]=%#x[, ]|set_field:%#x->reg1[45]" % (int(pk), int(pk)), l)))
bad = [f"not in ovs-ofctl: {l}" for l in ours - theirs]
bad += [f"missing: {l}" for l in theirs if port_flow(l) and l not in ours]
t0 = [f for f in flows if f["table"] == 0 and re.search(r"(^|,)in_port=%s(,|$)" % ofport, f["match"])]
if not t0: bad.append(f"no table-0 flow with in_port={ofport}")
if not any(re.search(r"(^|,)reg14=%#x(,|$)" % int(pk), f["match"]) for f in flows):
    bad.append(f"no flow matching reg14={int(pk):#x}")
# The ACL's drops: its logical flow's cookie, counting the guest's frames.
drops = {m: sum(f["packets"] for f in flows if int(f["cookie"], 16) == int(acl, 16)
                and f["actions"] == "drop" and m in f["match"])
         for m in ("arp_tpa=169.254.1.1", "tp_dst=67")}
for m, n in drops.items():
    if n < 1: bad.append(f"the ACL's drop flow for {m} counted {n} packets")
print("\n".join(bad))
PY
}
for _ in $(seq 10); do
    show_json >"$T/show.json" || fail "vm show --json"
    lab "$P" exec hv1 -- ovs-ofctl -O OpenFlow15 --no-stats --no-names dump-flows br-int >"$T/ofctl.txt" \
        || fail "ovs-ofctl dump-flows br-int on hv1"
    diff=$(check_flows "$T/show.json" "$T/ofctl.txt")
    [ -n "$diff" ] || break
    sleep 0.5                   # ovn-controller may be between two dumps
done
[ -z "$diff" ] || { printf '%s\n' "$diff" | sed 's/^/    | /'; fail "vm show's flows differ from ovs-ofctl's"; }
say "ok: vm show lists the port's $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["node"]["flows"]))' "$T/show.json") flows, as ovs-ofctl dumps them, the ACL's drops counting the guest's DHCP and gateway ARP"

# A stuck ovs-vswitchd costs vm show about a second and an error line,
# not the daemon its loop.
vswitchd=$(cat "$D/hv1/ovs-vswitchd.pid")
kill -STOP "$vswitchd"
t0=$(now_ms)
stuck=$("$ctl" vm show vm1 --namespace team-a 2>&1)
t1=$(now_ms)
kill -CONT "$vswitchd"
assert_match "vm show with br-int stuck: the flows line says why" \
    "^  flows: unknown \(.*br-int\.mgmt: Connection timed out\)" "$stuck"
[ $((t1 - t0)) -lt 3000 ] || fail "vm show took $((t1 - t0)) ms with br-int stuck"
say "ok: vm show answered in $((t1 - t0)) ms with br-int stuck"
assert_match "and the flows are back once it runs again" "^  flows: [1-9][0-9]* on br-int" \
    "$("$ctl" vm show vm1 --namespace team-a)"

# A VM without the annotation runs, but is not live-migratable.
sed -e 's/name: vm1/name: vm2/' -e '/allow-pod-bridge/d' -e 's/annotations:/labels: {}/' \
    -e 's/00:32/00:33/' "$T/vm1.yaml" >"$T/vm2.yaml"
check "vm start vm2 (no annotation)" lab "$P" vm start vm2 --node hv1 --ip 10.100.0.51/24 -f "$T/vm2.yaml" --namespace team-a
for _ in $(seq 100); do
    s=$("$ctl" --json vm show vm2 --namespace team-a | python3 -c 'import json,sys; s=json.load(sys.stdin)["vm"]["status"]
print(s.get("phase"), s.get("liveMigratable"), s.get("liveMigratableReason","").split(":")[0])')
    [ "$s" = "Running false InterfaceNotLiveMigratable" ] && break
    sleep 0.1
done
assert_eq "vm2: Running, not live-migratable, with the reason" "Running false InterfaceNotLiveMigratable" "$s"
check "vm stop vm2" lab "$P" vm stop vm2 --namespace team-a

# ---- kill -9 and restart: nothing is re-created.
qemu_pid=$(cat "$D/hv1/ovnmigd/vms/vm1.team-a/qemu.pid")
lsp_uuid=$(ovn-nbctl get Logical_Switch_Port vm1.team-a _uuid)
netns_ino=$(stat -L -c %i "/run/netns/$P-hv1-vm1.team-a")
row_before=$(show_json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["vm"], sort_keys=True))')
ovnmigd_pid=$(cat "$D/hv1/ovnmigd.pid")
kill -9 "$ovnmigd_pid"
for _ in $(seq 50); do alive "$ovnmigd_pid" || break; sleep 0.1; done
sleep 1
alive "$qemu_pid" || fail "QEMU died with ovnmigd"
say "ok: QEMU $qemu_pid survives SIGKILL of ovnmigd"
check "restart ovnmigd on hv1" nsenter --net="/run/netns/$P-hv1" \
    env OVS_RUNDIR="$D/hv1" "$top_builddir/daemon/ovnmigd" \
    --config "$D/hv1/ovnmigd.conf" --pidfile="$D/hv1/ovnmigd.pid" \
    --log-file="$D/hv1/ovnmigd.log" --detach
for _ in $(seq 100); do
    c=$(ovs-appctl -t "$OVNMIG_CTL" counters/show --json 2>/dev/null) \
        && python3 -c 'import json,sys; c=json.load(sys.stdin); sys.exit(0 if c["vms"]["lsp-set"] >= 1 else 1)' <<<"$c" \
        && break
    sleep 0.1
done
read -r started adopted plumb_err committed <<<"$(python3 -c 'import json,sys; c=json.load(sys.stdin)
print(c["vms"]["qemu-started"], c["vms"]["qemu-adopted"], c["vms"]["plumbing-errors"], c["ovn"]["txn-committed"])' <<<"$c")"
assert_eq "after restart: QEMU adopted, none started, no OVN write" "0 1 0 0" "$started $adopted $plumb_err $committed"
assert_eq "after restart: metrics served again, with the adoption" "1" \
    "$(metric "$(http_get GET /metrics)" ovnmigd_qemu_adopted_total)"
assert_eq "same QEMU" "$qemu_pid" "$(cat "$D/hv1/ovnmigd/vms/vm1.team-a/qemu.pid")"
assert_eq "same LSP" "$lsp_uuid" "$(ovn-nbctl get Logical_Switch_Port vm1.team-a _uuid)"
assert_eq "same pod namespace" "$netns_ino" "$(stat -L -c %i "/run/netns/$P-hv1-vm1.team-a")"
row_after=$(show_json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["vm"], sort_keys=True))')
assert_eq "vm show (row and status) unchanged" "$row_before" "$row_after"
ping_ok "$P" p2 10.100.0.50

# ---- delete: nothing left.
check "vm stop vm1 (ovnmigctl vm delete)" lab "$P" vm stop vm1 --namespace team-a
for _ in $(seq 100); do
    [ -d "$D/hv1/ovnmigd/vms/vm1.team-a" ] || break
    sleep 0.1
done
[ ! -d "$D/hv1/ovnmigd/vms/vm1.team-a" ] || fail "run directory left: $(ls "$D/hv1/ovnmigd/vms/vm1.team-a")"
! alive "$qemu_pid" || fail "QEMU $qemu_pid left running"
[ ! -e "/run/netns/$P-hv1-vm1.team-a" ] || fail "pod namespace left"
assert_eq "no LSP left" "" "$(ovn-nbctl --bare --columns=name find Logical_Switch_Port name=vm1.team-a)"
assert_eq "no binding left" "" "$(ovn-sbctl --bare --columns=logical_port find Port_Binding logical_port=vm1.team-a)"
assert_eq "no VM row left" "[]" "$("$ctl" --json vm list | tr -d ' \n')"
c=$(ovs-appctl -t "$OVNMIG_CTL" counters/show --json)
assert_eq "no ARP or DHCP port left" "0 0" "$(python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["arp"]["ports"], c["dhcp"]["ports"])' <<<"$c")"
pass
