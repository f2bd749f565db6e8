# tests/lab/lib.sh -- shared helpers for the lab tests (sourced, not run).
# shellcheck shell=bash
#
# Copyright 2024 The ovnmig authors.
# SPDX-License-Identifier: Apache-2.0
#
# Contract with the test runner: a test is run as tests/lab/NAME.sh with
# top_srcdir and top_builddir set (both default to the repo root); exit 0
# is a pass, 77 a skip (last line "SKIP: reason"), anything else a failure.
#
# Use:
#   . "$(dirname "$0")/lib.sh"
#   require_root
#   require_tool ovn-host ovn-controller
#   lab_prefix P t             # unique prefix in $P; "down" on exit, whatever happens
#   ... "$LAB_TMP/file"        # scratch directory, removed on exit
#   lab "$P" up
#   ...
#   pass

set -u -o pipefail

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

# The lab script is not built: take it from the source tree.
OVNMIG_LAB=${OVNMIG_LAB:-$top_srcdir/utilities/ovnmig-lab}
LAB_BASE=${OVNMIG_LAB_DIR:-/run/ovnmig-lab}
TEST_NAME=$(basename "$0" .sh)

LAB_PREFIXES=()       # labs to bring down on exit
LAB_BG_PIDS=()        # background commands to stop on exit
# A scratch directory for this test, removed on exit.  Made here, not on
# first use, so that "$(scratch)" works from a subshell as well.
LAB_TMP=$(mktemp -d "/tmp/ovnmig-$TEST_NAME.XXXXXX") \
    || { echo "FAIL: $TEST_NAME: mktemp failed"; exit 1; }

# ---------------------------------------------------------------- verdicts

say()  { echo "[$TEST_NAME] $*"; }
pass() { echo "PASS: $TEST_NAME"; exit 0; }
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $TEST_NAME: $*"; exit 1; }

require_root() {
    [ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
}

# require_tool PKG CMD: skip unless CMD (from Debian package PKG) exists.
require_tool() {
    command -v "$2" >/dev/null 2>&1 || skip "$2 not found (apt-get install $1)"
}

# require_lab_tools: everything ovnmig-lab itself runs.
require_lab_tools() {
    require_tool openvswitch-switch ovs-vswitchd
    require_tool openvswitch-switch ovs-vsctl
    require_tool openvswitch-common ovsdb-server
    require_tool ovn-central ovn-northd
    require_tool ovn-host ovn-controller
    require_tool ovn-common ovn-nbctl
    require_tool iproute2 ip
    require_tool ethtool ethtool
    require_tool util-linux flock
    [ -x "$OVNMIG_LAB" ] || fail "$OVNMIG_LAB is missing or not executable"
}

# ---------------------------------------------------------------- the lab

# lab_prefix VAR LETTER: set VAR to a prefix unique to this test process
# (LETTER and $$ in base 36: at most 6 characters), and register it for
# "down" at exit.  (Not "$(...)": the registration must happen here.)
lab_prefix() {
    local n=$$ digits=0123456789abcdefghijklmnopqrstuvwxyz s=""
    while [ "$n" -gt 0 ]; do
        s=${digits:n % 36:1}$s
        n=$((n / 36))
    done
    LAB_PREFIXES+=("$2$s")
    printf -v "$1" '%s' "$2$s"
}

# lab PREFIX ARGS...: run ovnmig-lab on that lab.
lab() {
    local p=$1; shift
    "$OVNMIG_LAB" --prefix "$p" "$@"
}

lab_dir() { echo "$LAB_BASE/$1"; }

# scratch: print the test's scratch directory ($LAB_TMP).
scratch() {
    echo "$LAB_TMP"
}

lab_cleanup() {
    local rc=$? p pid
    trap - EXIT
    for pid in "${LAB_BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for p in "${LAB_PREFIXES[@]}"; do
        if [ -e "$LAB_BASE/$p" ] || ip netns list 2>/dev/null | grep -q "^$p-"; then
            echo "[$TEST_NAME] cleanup: ovnmig-lab --prefix $p down"
            "$OVNMIG_LAB" --prefix "$p" down >/dev/null || rc=1
        fi
    done
    [ -z "$LAB_TMP" ] || rm -rf "$LAB_TMP"
    exit "$rc"
}
trap lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ---------------------------------------------------------------- assertions

# check DESCRIPTION CMD...: CMD must succeed.
check() {
    local what=$1; shift
    local out
    if out=$("$@" 2>&1); then
        say "ok: $what"
    else
        printf '%s\n' "$out" | sed 's/^/    | /'
        fail "$what (command: $*)"
    fi
}

# check_fails DESCRIPTION PATTERN CMD...: CMD must fail, and say PATTERN
# (an extended regex) on stdout or stderr.
check_fails() {
    local what=$1 pattern=$2; shift 2
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    printf '%s\n' "$out" | sed 's/^/    | /'
    [ "$rc" -ne 0 ] || fail "$what: expected a failure, got exit 0 (command: $*)"
    grep -qE -- "$pattern" <<<"$out" \
        || fail "$what: message does not match /$pattern/ (exit $rc)"
    say "ok: $what (exit $rc)"
}

assert_eq() {    # assert_eq DESCRIPTION EXPECTED ACTUAL
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
    say "ok: $1 ($3)"
}

assert_match() { # assert_match DESCRIPTION REGEX TEXT
    grep -qE -- "$2" <<<"$3" || { printf '%s\n' "$3" | sed 's/^/    | /'; fail "$1: no match for /$2/"; }
    say "ok: $1"
}

# ---------------------------------------------------------------- traffic

# ping_ok PREFIX POD IP: 3 pings, none lost.
ping_ok() {
    local out
    out=$(lab "$1" exec "$2" -- ping -c 3 -i 0.2 -W 2 "$3" 2>&1) \
        || { printf '%s\n' "$out" | sed 's/^/    | /'; fail "ping from $2 to $3 ($1)"; }
    say "ok: $1: $2 pings $3: $(grep -o 'rtt.*' <<<"$out")"
}

# wait_listening PREFIX POD PORT: until a TCP socket listens on PORT.
wait_listening() {
    local i
    for ((i = 0; i < 100; i++)); do
        lab "$1" exec "$2" -- ss -Hltn "sport = :$3" 2>/dev/null | grep -q . && return 0
        sleep 0.05
    done
    fail "nothing listens on port $3 in pod $2"
}

# tcp_transfer PREFIX FROM TO TO_IP BYTES: send BYTES random bytes over TCP
# from pod FROM to pod TO (socat) and compare size and SHA-256 on arrival.
tcp_transfer() {
    local p=$1 from=$2 to=$3 ip=$4 bytes=$5 port=5001
    local dir src dst pid t0 t1 sum_src sum_dst size
    dir=$LAB_TMP
    src=$dir/$from-$to.src; dst=$dir/$from-$to.dst
    head -c "$bytes" /dev/urandom >"$src"
    lab "$p" exec "$to" -- timeout 20 socat -u "TCP-LISTEN:$port,reuseaddr" \
        "OPEN:$dst,creat,trunc" &
    pid=$!
    LAB_BG_PIDS+=("$pid")
    wait_listening "$p" "$to" "$port"
    t0=$(now_ms)
    lab "$p" exec "$from" -- timeout 20 socat -u "OPEN:$src" "TCP:$ip:$port" \
        || fail "TCP send from $from to $to failed"
    wait "$pid" || fail "TCP receiver in $to failed"
    t1=$(now_ms)
    size=$(stat -c %s "$dst")
    sum_src=$(sha256sum <"$src" | cut -d' ' -f1)
    sum_dst=$(sha256sum <"$dst" | cut -d' ' -f1)
    [ "$size" = "$bytes" ] || fail "TCP $from -> $to: received $size bytes of $bytes"
    [ "$sum_src" = "$sum_dst" ] || fail "TCP $from -> $to: checksum differs"
    say "ok: TCP $from -> $to: $bytes bytes in $((t1 - t0)) ms, sha256 matches"
}

# http_get_in NETNS IP:PORT METHOD PATH: the whole HTTP/1.0 reply (headers
# too, without CRs) from a server in network namespace NETNS.
http_get_in() {
    # shellcheck disable=SC2016
    nsenter --net="/run/netns/$1" timeout 10 bash -c '
        exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || exit 1
        printf "%s %s HTTP/1.0\r\n\r\n" "$2" "$3" >&3
        tr -d "\r" <&3' http_get "$2" "$3" "$4"
}

# ---------------------------------------------------------------- VMs

# require_vm_lab: what a lab with QEMU guests and ovnmigd needs (skips
# when a tool is missing); sets $ctl to ovnmigctl, builds the guest and
# sets $guest (and OVNMIG_GUEST_DIR) to its directory.
require_vm_lab() {
    require_root
    require_lab_tools
    require_tool qemu-system-x86 qemu-system-x86_64
    require_tool busybox-static busybox
    require_tool socat socat
    require_tool openssl openssl
    ctl=$top_builddir/utilities/ovnmigctl
    [ -x "$top_builddir/daemon/ovnmigd" ] || fail "daemon/ovnmigd is not built"
    [ -x "$ctl" ] || fail "utilities/ovnmigctl is not built"
    guest=$top_builddir/tests/guest/out
    "$top_srcdir/tests/guest/build-guest.sh" "$guest" >/dev/null \
        || fail "cannot build the test guest"
    export OVNMIG_GUEST_DIR=$guest
}

# guest_vm_yaml NAME EVICTION-STRATEGY LABELS [KERNEL-ARGS]: a KubeVirt
# VirtualMachine booting a 128 MiB test guest (after require_vm_lab) in
# namespace default, live-migratable; LABELS in YAML flow style ("bw: low",
# or ""); KERNEL-ARGS for the guest's init (tests/guest/init: ovnmig.*).
guest_vm_yaml() {
    cat <<EOF
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $1
  namespace: default
spec:
  template:
    metadata:
      labels: {$3}
      annotations:
        kubevirt.io/allow-pod-bridge-network-live-migration: ""
    spec:
      evictionStrategy: $2
      domain:
        resources:
          requests:
            memory: 128Mi
        devices:
          interfaces:
          - name: default
            bridge: {}
        firmware:
          kernelBoot:
            kernelArgs: console=ttyS0 panic=-1${4:+ $4}
            container:
              kernelPath: $guest/vmlinuz
              initrdPath: $guest/initramfs.gz
      networks:
      - name: default
        pod: {}
EOF
}

# ---------------------------------------------------------------- leftovers

# leftovers PREFIX: print whatever of that lab still exists (nothing when
# it is gone): namespaces, processes naming its directory, files,
# interfaces in the root namespace, the lock.
leftovers() {
    local p=$1 dir pid cmd
    dir=$LAB_BASE/$p
    ip netns list | awk -v p="$p-" 'index($1, p) == 1 { print "netns " $1 }'
    for pid in /proc/[0-9]*; do
        cmd=$({ tr '\0' ' ' <"$pid/cmdline"; } 2>/dev/null) || continue
        case $cmd in
            *"$dir/"*) echo "process ${pid#/proc/}: $cmd" ;;
        esac
    done
    [ ! -e "$dir" ] || echo "dir $dir: $(find "$dir" | head -5 | tr '\n' ' ')"
    [ ! -e "$LAB_BASE/.$p.lock" ] || echo "file $LAB_BASE/.$p.lock"
    find /run /tmp -maxdepth 3 -type s -path "*$p*" 2>/dev/null | sed 's/^/socket /'
    ip -o link show | awk -F': ' -v p="$p" 'index($2, p) == 1 { print "link " $2 }'
}

# check_clean DESCRIPTION PREFIX
check_clean() {
    local left
    left=$(leftovers "$2")
    if [ -n "$left" ]; then
        printf '%s\n' "$left" | sed 's/^/    | /'
        fail "$1: lab $2 left things behind"
    fi
    say "ok: $1: nothing of lab $2 remains"
}
