# tests/podman-lib.sh -- a private podman for ovnmig-cni's tests and
# benchmark (sourced): never the host's configuration, storage or images.
# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0

# podman_private DIR APPLET...: in DIR, a containers.conf with the CNI
# backend and DIR's own cni-bin/ and net.d/, storage under DIR, no
# registries, and rootfs/ holding busybox with APPLET links (for "podman
# import").  podman_env (in the script that runs podman) points podman at
# it.
podman_private() {
    local dir=$1 a
    shift
    mkdir -p "$dir/cni-bin" "$dir/net.d" "$dir/rootfs/bin" "$dir/storage" "$dir/run" "$dir/tmp"
    cat >"$dir/containers.conf" <<CONF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$dir/cni-bin"]
network_config_dir = "$dir/net.d"
[engine]
tmp_dir = "$dir/tmp"
cgroup_manager = "cgroupfs"
events_logger = "none"
CONF
    cat >"$dir/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "$dir/run"
graphroot = "$dir/storage"
CONF
    : >"$dir/registries.conf"
    cp /bin/busybox "$dir/rootfs/bin/busybox"
    for a in "$@"; do ln -s busybox "$dir/rootfs/bin/$a"; done
}

# podman 4.3 keeps libcni's cache in /var/lib/cni and its blob cache in
# /var/lib/containers/cache whatever its configuration says: what a test
# makes there goes again with podman_drop_caches (what was there stays).
PODMAN_HOST_CACHES=()
for f in /var/lib/cni /var/lib/containers /var/lib/containers/cache \
         /var/lib/containers/cache/blob-info-cache-v1.boltdb; do
    [ -e "$f" ] || PODMAN_HOST_CACHES+=("$f")
done
podman_drop_caches() {
    [ ${#PODMAN_HOST_CACHES[@]} = 0 ] || rm -rf "${PODMAN_HOST_CACHES[@]}"
}
