#!/bin/bash
# bench-dhcp.sh -- make bench-dhcp: full DORA exchanges per second of
# ovnmig-dhcpd, kea-dhcp4 (memfile, host reservations) and dnsmasq
# (dhcp-host entries), one after the other on the same veth pair, with the
# same 10,000 client MACs, driven by Kea's perfdhcp.
#
# Method (ISC's): at a given rate, a run passes when both the DISCOVER-OFFER
# and the REQUEST-ACK drops stay at or under 2.5 %; the rate doubles until
# a run fails, then is bisected.  The figure is the rate perfdhcp measured
# in the best passing run.  Each server is pinned to CPU 0 (Kea runs
# single-threaded), perfdhcp to CPU 1.  Also printed: each server's CPU
# time per exchange (from /proc, over its best run) and its RSS, and
# ovnmig's RSS per binding (10,000 bindings against 1).
#
# perfdhcp acts as a relay (it sets giaddr to its own address), so
# ovnmig-dhcpd runs with --relay; the relay address is in the clients'
# subnet so that Kea and dnsmasq pick that subnet.  ovnmig is addressed as
# the guests address it, at 169.254.1.1 / G; Kea and dnsmasq at the node
# end's address.
#
# Environment: BENCH_SECONDS (per run, default 4), BENCH_CLIENTS (10000).
#
# SPDX-License-Identifier: Apache-2.0
set -u -o pipefail

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
DHCPD=$top_builddir/dhcpd/ovnmig-dhcpd
SECONDS_PER_RUN=${BENCH_SECONDS:-4}
CLIENTS=${BENCH_CLIENTS:-10000}
MAX_DROPS=2.5

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for tool in perfdhcp kea-dhcp4 dnsmasq taskset ip; do
    command -v "$tool" >/dev/null || skip "$tool not found"
done
[ -x "$DHCPD" ] || skip "$DHCPD not built"
[ "$CLIENTS" -le 65000 ] || skip "BENCH_CLIENTS over 65000"

NS_SRV=omdhcp$$-srv
NS_CLI=omdhcp$$-cli
TMP=$(mktemp -d /tmp/omdhcp-bench.XXXXXX)
SERVER_PID=""

cleanup() {
    [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
    ip netns del "$NS_SRV" 2>/dev/null
    ip netns del "$NS_CLI" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$NS_SRV" && ip netns add "$NS_CLI" || exit 1
ip link add s0 netns "$NS_SRV" type veth peer name p0 netns "$NS_CLI" || exit 1
ip -n "$NS_SRV" link set s0 up
ip -n "$NS_CLI" link set p0 up
ip -n "$NS_SRV" addr add 10.128.255.253/16 dev s0
ip -n "$NS_CLI" addr add 10.128.255.254/16 dev p0
ip -n "$NS_CLI" route add 169.254.1.1/32 dev p0
ip -n "$NS_CLI" neigh add 169.254.1.1 lladdr 0a:58:a9:fe:01:01 dev p0

# The clients: MAC 00:0c:01:00:HH:LL gets 10.128.HH.LL+1.
python3 - "$TMP" "$CLIENTS" <<'EOF'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
macs = ["00:0c:01:00:%02x:%02x" % (i >> 8, i & 255) for i in range(n)]
ips = ["10.128.%d.%d" % ((i + 1) >> 8, (i + 1) & 255) for i in range(n)]
with open(f"{tmp}/macs", "w") as f:
    f.write("".join(m + "\n" for m in macs))
with open(f"{tmp}/ovnmig.conf", "w") as f:
    f.write("".join(f"{m},{ip}/16,dns=10.96.0.10,domain=cluster.local\n"
                    for m, ip in zip(macs, ips)))
with open(f"{tmp}/ovnmig-1.conf", "w") as f:
    f.write(f"{macs[0]},{ips[0]}/16,dns=10.96.0.10,domain=cluster.local\n")
with open(f"{tmp}/dnsmasq.hosts", "w") as f:
    f.write("".join(f"{m},{ip}\n" for m, ip in zip(macs, ips)))
json.dump({"Dhcp4": {
    "interfaces-config": {"interfaces": ["s0"], "dhcp-socket-type": "udp"},
    "lease-database": {"type": "memfile", "persist": True,
                       "name": f"{tmp}/kea-leases4.csv", "lfc-interval": 0},
    "multi-threading": {"enable-multi-threading": False},
    "valid-lifetime": 86313600,
    "host-reservation-identifiers": ["hw-address"],
    "option-data": [
        {"name": "domain-name-servers", "data": "10.96.0.10"},
        {"name": "domain-name", "data": "cluster.local"},
        {"name": "routers", "data": "169.254.1.1"}],
    "subnet4": [{"id": 1, "subnet": "10.128.0.0/16", "reservations": [
        {"hw-address": m, "ip-address": ip} for m, ip in zip(macs, ips)]}],
    "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                 "output_options": [{"output": f"{tmp}/kea.log"}]}],
}}, open(f"{tmp}/kea.json", "w"))
EOF
mkdir -p "$TMP/run"

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# start_server NAME: starts it in the server namespace, pinned to CPU 0;
# sets SERVER_PID and TARGET.
start_server() {
    case $1 in
        ovnmig)
            # Emptied here: the new process truncates it only once it runs,
            # and until then the previous start's "ready:" would be read.
            : >"$TMP/ovnmig.log"
            ip netns exec "$NS_SRV" taskset -c 0 "$DHCPD" --interface=s0 \
                --config="$TMP/${2:-ovnmig.conf}" --relay \
                >"$TMP/ovnmig.out" 2>"$TMP/ovnmig.log" &
            TARGET=169.254.1.1 ;;
        kea)
            KEA_LOCKFILE_DIR=$TMP/run KEA_PIDFILE_DIR=$TMP/run \
                ip netns exec "$NS_SRV" taskset -c 0 kea-dhcp4 \
                -c "$TMP/kea.json" >"$TMP/kea.out" 2>&1 &
            TARGET=10.128.255.253 ;;
        dnsmasq)
            ip netns exec "$NS_SRV" taskset -c 0 dnsmasq --no-daemon \
                --conf-file=/dev/null --port=0 --interface=s0 \
                --bind-interfaces --pid-file= \
                --dhcp-range=10.128.0.0,static,255.255.0.0,86313600 \
                --dhcp-hostsfile="$TMP/dnsmasq.hosts" \
                --dhcp-leasefile="$TMP/dnsmasq.leases" \
                --dhcp-option=3,169.254.1.1 --dhcp-option=6,10.96.0.10 \
                --dhcp-option=15,cluster.local --dhcp-authoritative \
                --no-ping --quiet-dhcp >"$TMP/dnsmasq.out" 2>&1 &
            TARGET=10.128.255.253 ;;
    esac
    SERVER_PID=$!
    local i
    if [ "$1" = ovnmig ]; then
        for ((i = 0; i < 100; i++)); do
            grep -q 'ready:' "$TMP/ovnmig.log" && return 0
            sleep 0.1
        done
    fi
    # Until it answers (Kea takes a while to load 10,000 reservations).
    for ((i = 0; i < 60; i++)); do
        if ip netns exec "$NS_CLI" timeout 10 perfdhcp -4 -l p0 -r 50 \
            -p 1 -M "$TMP/macs" "$TARGET" 2>/dev/null \
            | grep -q '^received packets: [1-9]'; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.5
    done
    echo "$1 does not answer:"; tail -5 "$TMP/$1".* 2>/dev/null; return 1
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
}

# run_at RATE: one perfdhcp run; prints "achieved-rate max-drops% cpu-us".
run_at() {
    local out t0 t1
    t0=$(cpu_ticks "$SERVER_PID")
    out=$(ip netns exec "$NS_CLI" timeout $((SECONDS_PER_RUN + 20)) \
        taskset -c 1 perfdhcp -4 -g single -l p0 -r "$1" \
        -p "$SECONDS_PER_RUN" -R "$CLIENTS" -M "$TMP/macs" "$TARGET" 2>&1)
    t1=$(cpu_ticks "$SERVER_PID")
    awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
        -v secs="$SECONDS_PER_RUN" '
        /^Rate:/ { rate = $2 }
        /^drops ratio:/ { d = $3 + 0; if (d > max) max = d }
        END {
            n = rate * secs
            printf "%.0f %.3f %.1f\n", rate, max, n ? ticks / hz * 1e6 / n : 0
        }' <<<"$out"
}

# search: the best rate of $NAME at <= 2.5 % drops; prints "rate cpu-us
# limited", 'limited' 1 when perfdhcp could not send at the rate asked
# while the drops stayed low (the server kept up with the generator).
search() {
    local rate=1000 lo=0 hi=0 best=0 cpu=0 limited=0 r i
    # try RATE: one run; 0 when it passes (drops <= 2.5 % and at least
    # 95 % of the rate asked achieved).
    try() {
        set -- "$1" $(run_at "$1")
        printf '  %-8s target %6d/s: %6d/s, drops %6.2f %%, server CPU %5s us/DORA\n' \
            "$NAME" "$1" "$2" "$3" "$4" >&2
        if awk -v d="$3" -v m="$MAX_DROPS" 'BEGIN { exit !(d <= m) }'; then
            if [ "$2" -gt "$best" ]; then best=$2 cpu=$4; fi
            if [ $(($2 * 100)) -lt $(($1 * 95)) ]; then
                limited=1
                return 1
            fi
            return 0
        fi
        return 1
    }
    while :; do
        if try "$rate"; then
            lo=$rate
            [ "$hi" -eq 0 ] && [ "$rate" -lt 64000 ] || break
            rate=$((rate * 2))
        else
            hi=$rate
            [ "$lo" -eq 0 ] && [ "$rate" -gt 25 ] || break
            rate=$((rate / 2))
        fi
    done
    # Three bisection steps between the last pass and the first fail.
    for ((i = 0; i < 3 && hi > 0 && lo > 0; i++)); do
        r=$(((lo + hi) / 2))
        if try "$r"; then lo=$r; else hi=$r; fi
    done
    echo "$best $cpu $limited"
}

echo "bench-dhcp: $CLIENTS clients, ${SECONDS_PER_RUN}-s perfdhcp runs, drops <= $MAX_DROPS %"
echo "load on this machine before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RATE CPU RSS LIMITED
for NAME in ovnmig kea dnsmasq; do
    start_server "$NAME" || exit 1
    echo "$NAME: load average $(cut -d' ' -f1-3 /proc/loadavg)"
    set -- $(search)
    RATE[$NAME]=$1 CPU[$NAME]=$2 LIMITED[$NAME]=$3
    RSS[$NAME]=$(rss_kib "$SERVER_PID")
    [ "$NAME" != ovnmig ] || kill -USR1 "$SERVER_PID"
    sleep 0.2
    stop_server
done
# RSS per binding: 10,000 bindings against 1.
start_server ovnmig ovnmig-1.conf || exit 1
RSS1=$(rss_kib "$SERVER_PID")
stop_server
start_server ovnmig || exit 1
RSSN=$(rss_kib "$SERVER_PID")
stop_server

kernel_drops=$(awk '$1 == "pktio-rx-kernel-drops" { v = $2 } END { print v + 0 }' "$TMP/ovnmig.out")
echo
printf '%-10s %16s %14s %10s\n' server "DORA/s <=2.5%" "CPU us/DORA" "RSS KiB"
for NAME in ovnmig kea dnsmasq; do
    printf '%-10s %16s %14s %10s%s\n' "$NAME" "${RATE[$NAME]}" "${CPU[$NAME]}" \
        "${RSS[$NAME]}" "$([ "${LIMITED[$NAME]}" = 1 ] && echo "  (perfdhcp's limit: a lower bound)")"
done
awk -v o="${RATE[ovnmig]}" -v k="${RATE[kea]}" -v d="${RATE[dnsmasq]}" \
    -v oc="${CPU[ovnmig]}" -v kc="${CPU[kea]}" -v lim="${LIMITED[ovnmig]}" 'BEGIN {
    if (k > 0) printf "ratio ovnmig/kea: %.2fx (goal >= 1.5x)%s\n", o / k, lim ? ", at least: ovnmig outran perfdhcp" : ""
    if (d > 0) printf "ratio ovnmig/dnsmasq: %.2fx\n", o / d
    if (oc > 0) printf "CPU per exchange, kea/ovnmig: %.1fx (one core would carry ~%.0f DORA/s of ovnmig)\n", kc / oc, 1e6 / oc
}'
awk -v a="$RSS1" -v b="$RSSN" -v n="$CLIENTS" 'BEGIN {
    printf "ovnmig RSS: %d KiB with 1 binding, %d KiB with %d: %.0f bytes per binding (goal <= 1024)\n", a, b, n, (b - a) * 1024 / (n - 1)
}'
echo "ovnmig socket drops in the kernel during its runs: $kernel_drops"
