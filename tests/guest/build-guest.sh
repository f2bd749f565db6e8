#!/bin/bash
# build-guest.sh OUTDIR -- builds the ovnmig test guest from Debian's
# packages: the cloud kernel (linux-image-cloud-amd64) and an initramfs of
# busybox-static plus virtio_net and the modules it needs, and ISC
# dhclient (isc-dhcp-client, with the libraries it links) as the DHCPv6
# client, since busybox has none.  Writes
# OUTDIR/vmlinuz and OUTDIR/initramfs.gz; skips the work when they are
# newer than their inputs.  Nothing it makes is committed.
set -euo pipefail

out=${1:?usage: build-guest.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
kernel=$(ls -1 /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -z "$kernel" ]; then
    echo "build-guest.sh: no cloud kernel: apt-get install linux-image-cloud-amd64" >&2
    exit 1
fi
busybox=/bin/busybox
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked' \
   && ! ldd "$busybox" 2>&1 | grep -q 'not a dynamic'; then
    echo "build-guest.sh: $busybox is not static: apt-get install busybox-static" >&2
    exit 1
fi
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver

mkdir -p "$out"
if [ "$out/initramfs.gz" -nt "$here/init" ] \
   && [ "$out/initramfs.gz" -nt "$here/udhcpc.script" ] \
   && [ "$out/initramfs.gz" -nt "$here/dhclient6.script" ] \
   && [ "$out/initramfs.gz" -nt "$kernel" ] && [ -f "$out/vmlinuz" ]; then
    exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,etc,run,tmp,lib/modules}
cp "$busybox" "$root/bin/busybox"
install -m 755 "$here/init" "$root/init"
install -m 755 "$here/udhcpc.script" "$root/etc/udhcpc.script"

# The DHCPv6 client (kernel argument ovnmig.dhcp6): dhclient and the
# shared libraries ldd names, at their paths.  Without it the guest still
# boots, and says so when asked for DHCPv6.
dhclient=/usr/sbin/dhclient
if [ -x "$dhclient" ]; then
    mkdir -p "$root/usr/sbin" "$root/var/lib/dhcp"
    cp "$dhclient" "$root/usr/sbin/dhclient"
    for lib in $(ldd "$dhclient" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
                                         $1 ~ /^\// { print $1 }'); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
    install -m 755 "$here/dhclient6.script" "$root/etc/dhclient6.script"
    printf 'request dhcp6.name-servers, dhcp6.domain-search;\n' \
        > "$root/etc/dhclient6.conf"
fi

# virtio_net and its dependencies, in load order (dependencies first).
order=()
add_module() {
    local name=$1 dep path
    for m in "${order[@]}"; do [ "$m" = "$name" ] && return 0; done
    path=$(modinfo -k "$kver" -F filename "$name")
    for dep in $(modinfo -k "$kver" -F depends "$name" | tr ',' ' '); do
        add_module "$dep"
    done
    case $path in
        *.ko) cp "$path" "$root/lib/modules/$name.ko" ;;
        *.ko.xz) xz -dc "$path" > "$root/lib/modules/$name.ko" ;;
        *) echo "build-guest.sh: module $name: unexpected $path" >&2; exit 1 ;;
    esac
    order+=("$name")
}
for m in virtio_pci virtio_net; do add_module "$m"; done
printf '%s\n' "${order[@]}" > "$root/lib/modules/order"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.gz.tmp"
mv "$out/initramfs.gz.tmp" "$out/initramfs.gz"
cp "$kernel" "$out/vmlinuz"
echo "guest: $out/vmlinuz ($kver), $out/initramfs.gz (modules: ${order[*]}$([ -x "$dhclient" ] && echo "; dhclient"))"
