/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <config.h>
#include "daemon/plumbing.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openvswitch/vlog.h"
#include "sha1.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(plumbing);

#define NETNS_DIR "/run/netns"

extern char **environ;

void
plumb_spec_init(struct plumb_spec *spec, const char *netns_prefix,
                const char *lsp, unsigned int mtu)
{
    uint8_t digest[SHA1_DIGEST_SIZE];
    char hex[SHA1_DIGEST_SIZE * 2 + 1];
    char *key = xasprintf("%s%s", netns_prefix, lsp);

    memset(spec, 0, sizeof *spec);
    snprintf(spec->netns, sizeof spec->netns, "%s%s", netns_prefix, lsp);
    /* 48 bits of a hash: names must fit in 15 characters, and hundreds of
     * ports on a node must not collide. */
    sha1_bytes(key, strlen(key), digest);
    sha1_to_hex(digest, hex);
    snprintf(spec->node_if, sizeof spec->node_if, "ovm%.12s", hex);
    snprintf(spec->iface_id, sizeof spec->iface_id, "%s", lsp);
    snprintf(spec->ovs_bridge, sizeof spec->ovs_bridge, "br-int");
    spec->mtu = mtu;
    free(key);
}

static int
nl_to_errno(int nlerr)
{
    switch (abs(nlerr)) {
    case NLE_EXIST:
        return -EEXIST;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
        return -ENODEV;
    case NLE_PERM:
    case NLE_NOACCESS:
        return -EPERM;
    default:
        return -EIO;
    }
}

static void
netns_path(const struct plumb_spec *spec, char *path, size_t size)
{
    snprintf(path, size, NETNS_DIR "/%s", spec->netns);
}

/* True if 'path' is a bind mount of a network namespace. */
static bool
is_netns_mount(const char *path)
{
    struct statfs st;
    return !statfs(path, &st) && st.f_type == NSFS_MAGIC;
}

/* Creates the named namespace the way "ip netns add" does: a child
 * unshares its network namespace and bind-mounts it on a file in
 * /run/netns, so the namespace outlives the child. */
static int
netns_create(const struct plumb_spec *spec)
{
    char path[PATH_MAX];
    netns_path(spec, path, sizeof path);
    if (is_netns_mount(path)) {
        return 0;
    }
    if (mkdir(NETNS_DIR, 0755) && errno != EEXIST) {
        return -errno;
    }
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd < 0) {
        return -errno;
    }
    close(fd);

    pid_t pid = fork();
    if (pid < 0) {
        return -errno;
    }
    if (!pid) {
        _exit(unshare(CLONE_NEWNET)
              || mount("/proc/self/ns/net", path, "none", MS_BIND, NULL)
              ? 1 : 0);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)
        || WEXITSTATUS(status)) {
        VLOG_ERR("%s: could not create network namespace", spec->netns);
        unlink(path);
        return -EIO;
    }
    return 0;
}

static void
netns_destroy(const struct plumb_spec *spec)
{
    char path[PATH_MAX];
    netns_path(spec, path, sizeof path);
    umount2(path, MNT_DETACH);
    unlink(path);
}

int
plumb_open_netns(const struct plumb_spec *spec)
{
    char path[PATH_MAX];
    netns_path(spec, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* Moves the calling thread into the namespace 'fd'; '*saved' receives the
 * thread's own, for leave_netns(). */
static int
enter_netns(int fd, int *saved)
{
    *saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*saved < 0) {
        return -errno;
    }
    if (setns(fd, CLONE_NEWNET)) {
        int error = -errno;
        close(*saved);
        return error;
    }
    return 0;
}

static void
leave_netns(int saved)
{
    if (setns(saved, CLONE_NEWNET)) {
        /* The thread would go on in the wrong namespace. */
        ovs_fatal(errno, "cannot return to the daemon's network namespace");
    }
    close(saved);
}

/* Writes 'value' to the sysctl file 'path' of the current namespace. */
static int
write_sysctl(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    ssize_t n = write(fd, value, strlen(value));
    int error = n < 0 ? -errno : 0;
    close(fd);
    return error;
}

static int
tx_csum_off(const char *ifname)
{
    struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
    struct ifreq ifr;
    int error = 0;

    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    memset(&ifr, 0, sizeof ifr);
    ovs_strzcpy(ifr.ifr_name, ifname, sizeof ifr.ifr_name);
    ifr.ifr_data = (void *) &ev;
    if (ioctl(fd, SIOCETHTOOL, &ifr)) {
        error = -errno;
        VLOG_WARN("%s: cannot turn TX checksum offload off: %s",
                  ifname, ovs_strerror(errno));
    }
    close(fd);
    return error;
}

/* Brings 'ifname' up with 'mtu' (0: unchanged) and, if 'master' > 0,
 * enslaves it to that bridge. */
static int
link_up(struct nl_sock *sock, const char *ifname, unsigned int mtu,
        int master)
{
    struct rtnl_link *link, *change;
    int err = rtnl_link_get_kernel(sock, 0, ifname, &link);
    if (err < 0) {
        VLOG_ERR("%s: %s", ifname, nl_geterror(err));
        return nl_to_errno(err);
    }
    change = rtnl_link_alloc();
    rtnl_link_set_flags(change, IFF_UP);
    if (mtu) {
        rtnl_link_set_mtu(change, mtu);
    }
    if (master > 0) {
        rtnl_link_set_master(change, master);
    }
    err = rtnl_link_change(sock, link, change, 0);
    rtnl_link_put(change);
    rtnl_link_put(link);
    if (err < 0) {
        VLOG_ERR("%s: cannot bring up: %s", ifname, nl_geterror(err));
        return nl_to_errno(err);
    }
    return 0;
}

static int
tap_create(const char *name)
{
    struct ifreq ifr;

    if (if_nametoindex(name)) {
        return 0;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    ovs_strzcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    int error = ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETPERSIST, 1)
                ? -errno : 0;
    close(fd);
    return error;
}

/* Inside the pod namespace: the bridge, the tap, both ends enslaved. */
static int
pod_side_create(const struct plumb_spec *spec)
{
    struct nl_sock *sock = nl_socket_alloc();
    int err = nl_connect(sock, NETLINK_ROUTE);
    if (err < 0) {
        nl_socket_free(sock);
        return nl_to_errno(err);
    }

    int error = 0;
    if (!if_nametoindex(PLUMB_BRIDGE)) {
        struct rtnl_link *br = rtnl_link_bridge_alloc();
        rtnl_link_set_name(br, PLUMB_BRIDGE);
        err = rtnl_link_add(sock, br, NLM_F_CREATE);
        rtnl_link_put(br);
        if (err < 0 && abs(err) != NLE_EXIST) {
            VLOG_ERR("%s: bridge: %s", spec->netns, nl_geterror(err));
            error = nl_to_errno(err);
            goto out;
        }
    }
    error = tap_create(PLUMB_TAP);
    if (error) {
        VLOG_ERR("%s: tap: %s", spec->netns, ovs_strerror(-error));
        goto out;
    }
    tx_csum_off(PLUMB_POD_IF);

    int br = if_nametoindex(PLUMB_BRIDGE);
    error = link_up(sock, PLUMB_BRIDGE, spec->mtu, 0);
    if (!error) {
        error = link_up(sock, PLUMB_POD_IF, spec->mtu, br);
    }
    if (!error) {
        error = link_up(sock, PLUMB_TAP, spec->mtu, br);
    }
out:
    nl_socket_free(sock);
    return error;
}

/* The veth, born with its peer inside the pod namespace 'pod_fd'. */
static int
veth_create(struct nl_sock *sock, const struct plumb_spec *spec, int pod_fd)
{
    if (if_nametoindex(spec->node_if)) {
        return 0;
    }
    struct rtnl_link *veth = rtnl_link_veth_alloc();
    struct rtnl_link *peer = rtnl_link_veth_get_peer(veth);
    rtnl_link_set_name(veth, spec->node_if);
    rtnl_link_set_name(peer, PLUMB_POD_IF);
    rtnl_link_set_ns_fd(peer, pod_fd);
    int err = rtnl_link_add(sock, veth, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(peer);
    rtnl_link_veth_release(veth);
    if (err < 0) {
        VLOG_ERR("%s: veth: %s", spec->node_if, nl_geterror(err));
        return nl_to_errno(err);
    }
    return 0;
}

/* Runs ovs-vsctl with 'argv' (NULL-terminated, without the program name);
 * it reaches the node's OVS through the environment (OVS_RUNDIR). */
static int
run_vsctl(const char *const argv[])
{
    const char *args[16] = { "ovs-vsctl", "--timeout=10" };
    size_t n = 2;
    for (size_t i = 0; argv[i] && n < ARRAY_SIZE(args) - 1; i++) {
        args[n++] = argv[i];
    }
    args[n] = NULL;

    pid_t pid;
    int error = posix_spawnp(&pid, "ovs-vsctl", NULL, NULL,
                             (char **) args, environ);
    if (error) {
        VLOG_ERR("ovs-vsctl: %s", ovs_strerror(error));
        return -error;
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) {
        return -errno;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        VLOG_ERR("ovs-vsctl %s %s failed", argv[0], argv[1] ? argv[1] : "");
        return -EIO;
    }
    return 0;
}

/* The node end of a veth: no IPv6 (it must not speak on the port with a
 * MAC of its own), no TX checksum offload, up. */
static int
node_end_up(struct nl_sock *sock, const char *ifname, unsigned int mtu)
{
    char sysctl[128];
    snprintf(sysctl, sizeof sysctl, "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
             ifname);
    write_sysctl(sysctl, "1");
    tx_csum_off(ifname);
    return link_up(sock, ifname, mtu, 0);
}

static int
link_delete(const char *ifname)
{
    struct nl_sock *sock = nl_socket_alloc();
    int err = nl_connect(sock, NETLINK_ROUTE);
    if (!err) {
        struct rtnl_link *link = rtnl_link_alloc();
        rtnl_link_set_name(link, ifname);
        err = rtnl_link_delete(sock, link);
        rtnl_link_put(link);
    }
    nl_socket_free(sock);
    if (err < 0 && abs(err) != NLE_OBJ_NOTFOUND && abs(err) != NLE_NODEV) {
        VLOG_ERR("%s: cannot delete: %s", ifname, nl_geterror(err));
        return nl_to_errno(err);
    }
    return 0;
}

int
plumb_create(const struct plumb_spec *spec)
{
    int saved, error;

    error = netns_create(spec);
    if (error) {
        return error;
    }
    int pod_fd = plumb_open_netns(spec);
    if (pod_fd < 0) {
        return pod_fd;
    }

    /* No IPv6 on the pod side, set before any interface arrives there. */
    error = enter_netns(pod_fd, &saved);
    if (error) {
        goto out;
    }
    write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    leave_netns(saved);

    struct nl_sock *sock = nl_socket_alloc();
    int err = nl_connect(sock, NETLINK_ROUTE);
    error = err < 0 ? nl_to_errno(err) : veth_create(sock, spec, pod_fd);
    if (!error) {
        error = node_end_up(sock, spec->node_if, spec->mtu);
    }
    nl_socket_free(sock);
    if (error) {
        goto out;
    }

    error = enter_netns(pod_fd, &saved);
    if (error) {
        goto out;
    }
    error = pod_side_create(spec);
    leave_netns(saved);
    if (error) {
        goto out;
    }

    char iface_id[160];
    snprintf(iface_id, sizeof iface_id, "external_ids:iface-id=%s",
             spec->iface_id);
    error = run_vsctl((const char *[]) {
        "--", "--may-exist", "add-port", spec->ovs_bridge, spec->node_if,
        "--", "set", "Interface", spec->node_if, iface_id, NULL });
out:
    close(pod_fd);
    if (!error) {
        VLOG_INFO("%s: plumbed (%s on %s, iface-id %s)", spec->netns,
                  spec->node_if, spec->ovs_bridge, spec->iface_id);
    }
    return error;
}

int
plumb_destroy(const struct plumb_spec *spec)
{
    int error = run_vsctl((const char *[]) {
        "--if-exists", "del-port", spec->ovs_bridge, spec->node_if, NULL });

    if (if_nametoindex(spec->node_if)) {
        int error2 = link_delete(spec->node_if);
        error = error ? error : error2;
    }
    /* The bridge and tap go with the namespace (QEMU must be gone). */
    netns_destroy(spec);
    VLOG_INFO("%s: unplumbed", spec->netns);
    return error;
}

bool
plumb_exists(const struct plumb_spec *spec)
{
    char path[PATH_MAX];
    netns_path(spec, path, sizeof path);
    return is_netns_mount(path) && if_nametoindex(spec->node_if);
}

/* ------------------------------------------------------------ CNI pods */

int
plumb_pod_spec_init(struct plumb_pod_spec *spec, const char *container_id,
                    const char *pod_if)
{
    uint8_t digest[SHA1_DIGEST_SIZE];
    char hex[SHA1_DIGEST_SIZE * 2 + 1];

    memset(spec, 0, sizeof *spec);
    if (!*pod_if || strlen(pod_if) >= sizeof spec->pod_if
        || strlen(container_id) >= sizeof spec->container_id) {
        return -EINVAL;
    }
    char *key = xasprintf("%s/%s", container_id, pod_if);
    sha1_bytes(key, strlen(key), digest);
    free(key);
    sha1_to_hex(digest, hex);
    snprintf(spec->node_if, sizeof spec->node_if, "ovc%.12s", hex);
    snprintf(spec->pod_if, sizeof spec->pod_if, "%s", pod_if);
    snprintf(spec->container_id, sizeof spec->container_id, "%s",
             container_id);
    snprintf(spec->ovs_bridge, sizeof spec->ovs_bridge, "br-int");
    return 0;
}

/* Inside the pod's namespace: its end up with the address, and the
 * default route via the gateway, on-link. */
static int
pod_if_configure(const struct plumb_pod_spec *spec)
{
    struct nl_sock *sock = nl_socket_alloc();
    int err = nl_connect(sock, NETLINK_ROUTE);
    int error = 0;
    if (err < 0) {
        nl_socket_free(sock);
        return nl_to_errno(err);
    }
    tx_csum_off(spec->pod_if);
    error = link_up(sock, spec->pod_if, spec->mtu, 0);
    int ifindex = if_nametoindex(spec->pod_if);
    if (error || !ifindex) {
        error = error ? error : -ENODEV;
        goto out;
    }

    struct rtnl_addr *addr = rtnl_addr_alloc();
    struct nl_addr *local = nl_addr_build(AF_INET, &spec->ip, 4);
    nl_addr_set_prefixlen(local, spec->plen);
    rtnl_addr_set_ifindex(addr, ifindex);
    rtnl_addr_set_local(addr, local);
    err = rtnl_addr_add(sock, addr, 0);
    nl_addr_put(local);
    rtnl_addr_put(addr);
    if (err < 0 && abs(err) != NLE_EXIST) {
        VLOG_ERR("%s: address: %s", spec->pod_if, nl_geterror(err));
        error = nl_to_errno(err);
        goto out;
    }

    uint32_t any = 0;
    struct rtnl_route *route = rtnl_route_alloc();
    struct nl_addr *dst = nl_addr_build(AF_INET, &any, 4);
    struct nl_addr *gw = nl_addr_build(AF_INET, &spec->gateway, 4);
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    nl_addr_set_prefixlen(dst, 0);
    rtnl_route_set_family(route, AF_INET);
    rtnl_route_set_table(route, RT_TABLE_MAIN);
    rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
    rtnl_route_set_protocol(route, RTPROT_BOOT);
    rtnl_route_set_dst(route, dst);
    rtnl_route_nh_set_ifindex(nh, ifindex);
    rtnl_route_nh_set_gateway(nh, gw);
    rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
    rtnl_route_add_nexthop(route, nh);      /* Takes 'nh'. */
    err = rtnl_route_add(sock, route, NLM_F_CREATE | NLM_F_REPLACE);
    nl_addr_put(dst);
    nl_addr_put(gw);
    rtnl_route_put(route);
    if (err < 0) {
        VLOG_ERR("%s: default route: %s", spec->pod_if, nl_geterror(err));
        error = nl_to_errno(err);
    }
out:
    nl_socket_free(sock);
    return error;
}

int
plumb_pod_create(const struct plumb_pod_spec *spec, int netns_fd)
{
    int saved, error;

    /* A veth of an earlier ADD goes, with its peer and its OVS port. */
    if (if_nametoindex(spec->node_if)) {
        error = plumb_pod_destroy(spec);
        if (error) {
            return error;
        }
    }

    struct nl_sock *sock = nl_socket_alloc();
    int err = nl_connect(sock, NETLINK_ROUTE);
    if (err < 0) {
        nl_socket_free(sock);
        return nl_to_errno(err);
    }
    struct rtnl_link *veth = rtnl_link_veth_alloc();
    struct rtnl_link *peer = rtnl_link_veth_get_peer(veth);
    struct nl_addr *mac = nl_addr_build(AF_LLC, spec->mac, 6);
    rtnl_link_set_name(veth, spec->node_if);
    rtnl_link_set_name(peer, spec->pod_if);
    rtnl_link_set_addr(peer, mac);
    rtnl_link_set_ns_fd(peer, netns_fd);
    if (spec->mtu) {
        rtnl_link_set_mtu(veth, spec->mtu);
        rtnl_link_set_mtu(peer, spec->mtu);
    }
    err = rtnl_link_add(sock, veth, NLM_F_CREATE | NLM_F_EXCL);
    nl_addr_put(mac);
    rtnl_link_put(peer);
    rtnl_link_veth_release(veth);
    if (err < 0) {
        VLOG_ERR("%s: veth to %s in the pod: %s", spec->node_if,
                 spec->pod_if, nl_geterror(err));
        nl_socket_free(sock);
        return abs(err) == NLE_EXIST ? -EEXIST : nl_to_errno(err);
    }
    error = node_end_up(sock, spec->node_if, spec->mtu);
    nl_socket_free(sock);
    if (error) {
        goto fail;
    }

    error = enter_netns(netns_fd, &saved);
    if (error) {
        goto fail;
    }
    error = pod_if_configure(spec);
    leave_netns(saved);
    if (error) {
        goto fail;
    }

    char iface_id[160], cid[160];
    snprintf(iface_id, sizeof iface_id, "external_ids:iface-id=%s",
             spec->iface_id);
    snprintf(cid, sizeof cid, "external_ids:ovnmig-cni=%s",
             spec->container_id);
    error = run_vsctl((const char *[]) {
        "--", "--may-exist", "add-port", spec->ovs_bridge, spec->node_if,
        "--", "set", "Interface", spec->node_if, iface_id, cid, NULL });
    if (error) {
        goto fail;
    }
    VLOG_INFO("pod %s: %s on %s (iface-id %s), %s in the pod",
              spec->container_id, spec->node_if, spec->ovs_bridge,
              spec->iface_id, spec->pod_if);
    return 0;

fail:
    plumb_pod_destroy(spec);
    return error;
}

int
plumb_pod_destroy(const struct plumb_pod_spec *spec)
{
    int error = run_vsctl((const char *[]) {
        "--if-exists", "del-port", spec->ovs_bridge, spec->node_if, NULL });
    int error2 = if_nametoindex(spec->node_if) ? link_delete(spec->node_if)
                                               : 0;
    return error ? error : error2;
}

bool
plumb_pod_exists(const struct plumb_pod_spec *spec)
{
    return if_nametoindex(spec->node_if) != 0;
}
