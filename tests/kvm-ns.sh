#!/bin/bash
# kvm-ns.sh -- run a command on a stand-in for another kind of machine,
# as far as /dev/kvm goes, without touching the host's devices:
#
#   tests/kvm-ns.sh hidden  CMD...   no /dev/kvm at all
#   tests/kvm-ns.sh not-kvm CMD...   a /dev/kvm that opens but is no KVM
#                                    (/dev/null bound over it)
#
# CMD runs as root in a private mount namespace whose /dev is a tmpfs
# holding bind mounts of every entry of the host's /dev but kvm (plus the
# stand-in).  Everything CMD starts shares that namespace, so the lab's
# pod namespaces (bind mounts in /run/netns) are seen by all of them.  The
# host's /dev and mounts are untouched; the namespace ends with CMD.
#
# "not-kvm" stands for a KVM that is present but cannot run a guest only
# as far as the probe's first question goes (KVM_GET_API_VERSION fails);
# a device that answers KVM's ioctls and then hangs the guest (the
# kvm_pvm module) cannot be made without the kernel module.
set -euo pipefail

mode=${1:-}
case $mode in
    hidden|not-kvm) shift ;;
    *) echo "usage: $0 hidden|not-kvm CMD..." >&2; exit 2 ;;
esac
[ $# -gt 0 ] || { echo "$0: no command" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (a mount namespace)" >&2; exit 1; }

if [ "${KVM_NS_INSIDE:-}" != 1 ]; then
    exec env KVM_NS_INSIDE=1 unshare --mount --propagation private -- "$0" "$mode" "$@"
fi

old=$(mktemp -d /tmp/kvm-ns-dev.XXXXXX)
mount --rbind /dev "$old"
mount -t tmpfs -o mode=0755,size=1m kvm-ns-dev /dev
for entry in "$old"/* "$old"/.[!.]*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    name=${entry##*/}
    [ "$name" != kvm ] || continue
    if [ -L "$entry" ]; then
        cp -P "$entry" "/dev/$name"
    elif [ -d "$entry" ]; then
        mkdir "/dev/$name"
        mount --rbind "$entry" "/dev/$name"
    else
        : >"/dev/$name"
        mount --bind "$entry" "/dev/$name"
    fi
done
if [ "$mode" = not-kvm ]; then
    : >/dev/kvm
    mount --bind "$old/null" /dev/kvm
fi
umount -l "$old"
rmdir "$old"
echo "kvm-ns: /dev/kvm $( [ "$mode" = hidden ] && echo hidden || echo 'is /dev/null (opens, no KVM)')" >&2
exec "$@"
