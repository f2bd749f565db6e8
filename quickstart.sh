#!/bin/bash
# quickstart.sh -- from a fresh Debian 12 clone to a built tree, a demo and a
# test run.
#
#   ./quickstart.sh          install dependencies, build libopenvswitch, build ovnmig
#   ./quickstart.sh demo     ... then run the two-node lab demo
#   ./quickstart.sh check    ... then run the whole test suite (make check)
#
# Every step is idempotent: a second run skips what is already in place.
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"

# Everything the project, its tests and its benchmarks use, by Debian name.
PACKAGES=(
    # build
    build-essential autoconf automake libtool pkg-config python3 git
    clang libclang-rt-14-dev
    # the ARP fast path's eBPF program: clang -target bpf, llvm-strip and
    # the kernel's UAPI headers (libbpf-dev, below, loads it)
    llvm linux-libc-dev
    # libraries (design.md: dependencies)
    libpcap-dev libnl-3-dev libnl-route-3-dev libevent-dev libssl-dev
    libyaml-dev libcmocka-dev libunbound-dev libbpf-dev
    # OVS and OVN: libopenvswitch's source, and the real daemons for the lab
    openvswitch-source openvswitch-switch openvswitch-common
    ovn-central ovn-host ovn-common
    # guests
    qemu-system-x86 busybox-static linux-image-cloud-amd64 cpio
    # DHCP clients and peer servers
    isc-dhcp-client kea-dhcp4-server kea-admin dnsmasq-base
    # IPv6 router clients: ndisc6 and rdisc6 (tests/lab/ipv6-router6.sh)
    ndisc6
    # network tools used by the tests
    tcpdump iproute2 ethtool iputils-ping arping socat procps
    # certificates for migration TLS (utilities/ovnmig-pki)
    openssl
    # kubectl, which proves the Kubernetes API stand-in speaks the real
    # protocol (tests/kube/test-kube-standin.sh)
    kubernetes-client
    # a real container runtime for ovnmig-cni: podman 4.3's CNI backend and
    # the reference plugins (tests/lab/cni-podman.sh)
    podman containernetworking-plugins
    # nft, to cut a node off from the control plane inside its namespace
    # (tests/lab/migrate-partition.sh)
    nftables
)

step() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }
timed() {   # timed LABEL CMD...: run CMD and report its wall time
    local label=$1 t0; shift
    t0=$(now)
    "$@"
    awk -v l="$label" -v a="$t0" -v b="$(now)" 'BEGIN { printf "   %s: %.1f s\n", l, b - a }'
}

need_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "quickstart.sh: installing packages needs root (run with sudo)" >&2
        exit 1
    fi
}

install_packages() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        # Any kubectl will do, and another package (Google Cloud's
        # kubectl) may own /usr/bin/kubectl, which Debian's would clash with.
        if [ "$p" = kubernetes-client ] && command -v kubectl >/dev/null; then
            continue
        fi
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
            || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "   all ${#PACKAGES[@]} packages present"
        return 0
    fi
    need_root
    echo "   installing: ${missing[*]}"
    # Keep package scripts from starting system-wide OVS, OVN or Kea
    # daemons: the lab starts its own, inside network namespaces.
    local own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
    [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
    return 0
}

build_tree() {
    "$top/build-aux/build-libovs.sh"
    if [ ! -x configure ] || [ configure.ac -nt configure ]; then
        autoreconf -fi
    fi
    if [ ! -f Makefile ]; then
        ./configure
    fi
    make -j"$(nproc)"
}

setup() {
    step "dependencies (Debian packages)"
    timed "packages" install_packages
    step "libopenvswitch and ovnmig build"
    timed "build" build_tree
}

case "${1:-}" in
    "")
        setup
        ;;
    demo)
        setup
        step "demo"
        timed "demo" "$top/utilities/ovnmig-demo"
        ;;
    check)
        setup
        step "make check"
        timed "check" make check
        ;;
    -h|--help)
        sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
        ;;
    *)
        echo "quickstart.sh: unknown command '$1' (try --help)" >&2
        exit 2
        ;;
esac
