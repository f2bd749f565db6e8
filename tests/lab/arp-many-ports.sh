#!/bin/bash
# arp-many-ports: one proxy serves 200 VM ports (veth pairs between a
# "node" and a "guest" namespace): every port is answered exactly once,
# through one packet socket whatever the number of ports (the proxy's RSS
# and open file descriptors are reported); ports removed at run time
# (SIGHUP with a shorter port file) are no longer answered, and come back
# when the file lists them again; ports whose veth is deleted are
# forgotten by themselves (rtnetlink), counters, port list and all, and
# the others still answer.  With the kernel fast path (the default) every
# port is answered by the kernel, the fast path's map memory per port is
# reported, and no tc filter is left on any port once the proxy stops;
# arp-many-ports-userspace runs it all with the fast path off.
#
# ARP_PORTS overrides the number of ports (default 200).
#
# SPDX-License-Identifier: Apache-2.0

. "$(dirname "$0")/arp-lib.sh"

arp_require
LOADGEN=$top_builddir/tests/bench/arp-loadgen
[ -x "$LOADGEN" ] || skip "$LOADGEN not built (run make)"

N=${ARP_PORTS:-200}
NODE=$(arp_netns n)
GUEST=$(arp_netns g)
DIR=$(scratch)
say "namespaces $NODE $GUEST, $N ports"

# Port i: node end p<i>, guest end g<i>, MAC 0a:58:0a:65:HH:LL, IP
# 10.101.HH.LL with HHLL = i.
port_line() {    # port_line I PREFIX
    local i=$1 hi=$(($1 / 256)) lo=$(($1 % 256))
    printf '%s%d,0a:58:0a:65:%02x:%02x,10.101.%d.%d\n' "$2" "$i" "$hi" "$lo" "$hi" "$lo"
}
for ((i = 1; i <= N; i++)); do
    port_line "$i" p >>"$DIR/ports"
    port_line "$i" g >>"$DIR/guests"
    echo "link add p$i netns $NODE type veth peer name g$i netns $GUEST" >>"$DIR/links"
    echo "link set p$i up" >>"$DIR/node-up"
done
while IFS=, read -r ifname mac ip; do
    echo "link set $ifname address $mac up"
done <"$DIR/guests" >"$DIR/guest-up"
t0=$(now_ms)
ip -batch "$DIR/links" || fail "cannot create $N veth pairs"
ip -n "$NODE" -batch "$DIR/node-up" && ip -n "$GUEST" -batch "$DIR/guest-up" \
    || fail "cannot bring the veths up"
say "$N veth pairs in $(( $(now_ms) - t0 )) ms"

arp_start_proxy "$NODE" --port-file "$DIR/ports" --per-port
loadgen() {    # loadgen PORTS-FILE: one request a port
    ip netns exec "$GUEST" "$LOADGEN" --ports "$1" check
}

# Every port answered, once.
out=$(loadgen "$DIR/guests") || { echo "$out"; fail "not every port was answered once"; }
assert_match "every port answered once" "check ports=$N answered=$N silent=0 repeated=0" "$out"

# And by an independent tool, on a few of them.
for i in 1 $((N / 2)) "$N"; do
    IFS=, read -r ifname mac ip < <(port_line "$i" g)
    out=$(ip netns exec "$GUEST" arping -c 1 -i "$ifname" -S "$ip" 169.254.1.1) \
        || { echo "$out"; fail "arping on $ifname"; }
    assert_match "arping on $ifname: answered by G" "from $G .*index=0" "$out"
done

arp_counters
assert_eq "ports served" "$N" "$(arp_counter ports)"
arp_check_path "$N"
arp_check_replies $((N + 3))
assert_eq "kernel drops" 0 "$(arp_counter pktio rx-kernel-drops)"
map_full=$(arp_counter fast-path map-bytes)

rss=$(awk '/^VmRSS/ { print $2, $3 }' "/proc/$ARP_PROXY_PID/status")
fds=$(ls "/proc/$ARP_PROXY_PID/fd" | wc -l)
say "proxy with $N ports: RSS $rss, $fds open file descriptors, fast path maps $map_full bytes"
echo "RESULT ports=$N rss='$rss' fds=$fds map_bytes=$map_full"
# stdio, the packet socket, the link-notification (netlink) socket,
# libevent's signal pipe and epoll, and with the fast path its program,
# its two maps and its BTF: no fd a port.
[ "$fds" -le 14 ] || fail "$fds file descriptors for $N ports"

# Remove the second half at run time.
half=$((N / 2))
head -n "$half" "$DIR/ports" >"$DIR/ports.new" && mv "$DIR/ports.new" "$DIR/ports"
head -n "$half" "$DIR/guests" >"$DIR/kept"
tail -n +"$((half + 1))" "$DIR/guests" >"$DIR/removed"
kill -HUP "$ARP_PROXY_PID"
for ((i = 0; i < 100; i++)); do
    grep -q "reloaded: serving $half ports" "$(scratch)/proxy.log" && break
    sleep 0.05
done
grep -q "reloaded: serving $half ports" "$(scratch)/proxy.log" \
    || { cat "$(scratch)/proxy.log"; fail "SIGHUP did not remove ports"; }
say "ok: SIGHUP: $half ports removed"
out=$(loadgen "$DIR/kept") || { echo "$out" | tail -3; fail "kept ports not answered"; }
assert_match "kept ports answered" "answered=$half silent=0 repeated=0" "$out"
out=$(loadgen "$DIR/removed") && fail "removed ports still answered"
assert_match "removed ports silent" "answered=0 silent=$((N - half))" "$(tail -n 1 <<<"$out")"
arp_counters
assert_eq "ports served after removal" "$half" "$(arp_counter ports)"
arp_check_path "$half"
assert_eq "tc filters left on removed ports" "" \
    "$(arp_filters "$NODE" $(sed 's/^g\([0-9]*\),.*/p\1/' "$DIR/removed"))"
if [ "$ARP_FAST_PATH" = on ]; then
    map_half=$(arp_counter fast-path map-bytes)
    per_port=$(( (map_full - map_half) / (N - half) ))
    say "fast path maps: $map_full bytes with $N ports, $map_half with $half: $per_port bytes a port"
    echo "RESULT map_bytes_per_port=$per_port"
fi
assert_eq "requests from removed ports counted" "$((N - half))" \
    "$(arp_counter pktio rx-not-a-port)"

# And add them back.
while IFS=, read -r ifname rest; do echo "p${ifname#g},$rest"; done \
    <"$DIR/guests" >"$DIR/ports"
kill -HUP "$ARP_PROXY_PID"
for ((i = 0; i < 100; i++)); do
    grep -q "reloaded: serving $N ports" "$(scratch)/proxy.log" && break
    sleep 0.05
done
out=$(loadgen "$DIR/guests") || { echo "$out" | tail -3; fail "re-added ports not answered"; }
assert_match "all ports answered again" "answered=$N silent=0 repeated=0" "$out"

# Delete a few veths, as when their VMs go away: the proxy forgets them
# without being told, and the rest still answer.
gone=(1 $((N / 3)) $((N / 2)) "$N")
fds_before=$(ls "/proc/$ARP_PROXY_PID/fd" | wc -l)
for i in "${gone[@]}"; do
    ip -n "$NODE" link del "p$i" || fail "cannot delete p$i"
done
: >"$DIR/left"
for ((i = 1; i <= N; i++)); do
    [[ " ${gone[*]} " == *" $i "* ]] || port_line "$i" g >>"$DIR/left"
done
left=$((N - ${#gone[@]}))
for ((i = 0; i < 100; i++)); do
    arp_counters
    [ "$(arp_counter ports)" = "$left" ] && break
    sleep 0.05
done
assert_eq "ports served after deleting ${#gone[@]} veths" "$left" "$(arp_counter ports)"
assert_eq "ports vanished" "${#gone[@]}" "$(arp_counter pktio ports-vanished)"
listed=$(tail -n 1 "$ARP_PROXY_OUT" | python3 -c '
import json, sys; print(" ".join(sorted(json.load(sys.stdin)["per-port"])))')
assert_eq "ports listed" "$left" "$(wc -w <<<"$listed")"
for i in "${gone[@]}"; do
    [[ " $listed " != *" p$i "* ]] || fail "p$i still listed after its veth was deleted"
done
say "ok: deleted veths ${gone[*]/#/p} no longer listed"
assert_eq "file descriptors after deleting veths" "$fds_before" \
    "$(ls "/proc/$ARP_PROXY_PID/fd" | wc -l)"
out=$(loadgen "$DIR/left") || { echo "$out" | tail -3; fail "remaining ports not answered"; }
assert_match "remaining ports answered" "answered=$left silent=0 repeated=0" "$out"

arp_stop_proxy
arp_check_replies $((2 * N + 3 + half + left))
left_ports=()
for ((i = 1; i <= N; i++)); do
    [[ " ${gone[*]} " == *" $i "* ]] || left_ports+=("p$i")
done
assert_eq "tc filters left after the proxy stopped" "" \
    "$(arp_filters "$NODE" "${left_ports[@]}")"
pass
