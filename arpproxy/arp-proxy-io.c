/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "arpproxy/arp-proxy-io.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "arpproxy/arp-fast-path.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(arpproxy_io);

struct arpp_io_port {
    char *ifname;
    int ifindex;
    struct arpp_port_view view;
    struct arpp_counters counters;

    /* The kernel fast path. */
    bool in_kernel;             /* The program answers this port. */
    char *why_userspace;        /* If not, why. */
    struct timespec kernel_since;       /* Filter attached before this. */
    uint64_t left_to_kernel;
};

struct arpp_io {
    struct pktio *pktio;
    struct shash ports;                 /* Of struct arpp_io_port, by name. */
    struct arpp_counters removed;       /* Of the ports no longer served. */

    struct arpp_fp *fp;                 /* NULL: no kernel fast path... */
    char *fp_reason;                    /* ...because of this. */
    bool rx_timestamps;                 /* pktio_rx_time() works. */
    struct arpp_fp_counters fp_removed; /* Of the ports no longer served. */
    uint64_t left_to_kernel_removed;
    uint64_t attach_failures;
};

/* Whether the request being delivered on 'port', in the kernel's hands,
 * was answered there.  The socket taps a frame (and the kernel stamps it)
 * before tc ingress: a frame stamped after the filter was attached met
 * it.  One stamped earlier may have, or not, while attach was under way:
 * it is answered here too, at worst twice, never not at all.  That holds
 * only if the kernel stamps on receipt, which arpp_io_create() turns on
 * long before any port (see there). */
static bool
answered_in_kernel(const struct arpp_io *io, const struct arpp_io_port *port)
{
    struct timespec t;
    if (!port->in_kernel) {
        return false;
    }
    if (!io->rx_timestamps || !pktio_rx_time(io->pktio, &t)) {
        return true;
    }
    return (t.tv_sec != port->kernel_since.tv_sec
            ? t.tv_sec > port->kernel_since.tv_sec
            : t.tv_nsec >= port->kernel_since.tv_nsec);
}

static void
arpp_io_receive(void *io_, int ifindex, void *port_, const uint8_t *frame,
                size_t size)
{
    struct arpp_io *io = io_;
    struct arpp_io_port *port = port_;
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    uint64_t stub[128 / 8];
    struct ofpbuf reply;
    ofpbuf_use_stub(&reply, stub, sizeof stub);

    enum arpp_verdict verdict = arpp_handle(&port->view, frame, size, &reply);
    arpp_count(&port->counters, verdict);
    if (verdict == ARPP_REPLY) {
        if (answered_in_kernel(io, port)) {
            port->left_to_kernel++;
        } else {
            pktio_send(io->pktio, ifindex, reply.data, reply.size);
        }
    } else {
        VLOG_DBG_RL(&rl, "%s: dropped %"PRIuSIZE"-byte frame: %s",
                    port->ifname, size, arpp_verdict_name(verdict));
    }
    ofpbuf_uninit(&reply);
}

static void
free_port(struct arpp_io_port *port)
{
    free(port->ifname);
    free(port->why_userspace);
    free(port);
}

/* Takes 'port' out of the kernel fast path, if it was in, and keeps its
 * counters in the totals: the filter first (unless the interface is gone,
 * and the filter with it), then the map entries. */
static void
leave_kernel(struct arpp_io *io, struct arpp_io_port *port, bool detach)
{
    io->left_to_kernel_removed += port->left_to_kernel;
    if (!port->in_kernel) {
        return;
    }
    if (detach) {
        int error = arpp_fp_detach(port->ifindex);
        if (error && error != -ENOENT) {
            VLOG_WARN("%s: cannot remove the fast path's tc filter: %s",
                      port->ifname, ovs_strerror(-error));
        }
    }
    struct arpp_fp_counters c;
    if (!arpp_fp_remove_port(io->fp, port->ifindex, &c)) {
        arpp_fp_counters_add(&io->fp_removed, &c);
    }
    port->in_kernel = false;
}

/* Puts 'port' in the kernel fast path if it is loaded: its view into the
 * map, then the filter.  Falls back to userspace with a warning on
 * failure. */
static void
enter_kernel(struct arpp_io *io, struct arpp_io_port *port)
{
    if (!io->fp) {
        /* A filter left by an earlier process would answer with an old
         * view, and twice with this one. */
        arpp_fp_detach(port->ifindex);
        port->why_userspace = xstrdup(io->fp_reason);
        return;
    }
    int error = arpp_fp_add_port(io->fp, port->ifindex, &port->view);
    if (error == -E2BIG) {
        port->why_userspace = xasprintf("the kernel's map is full: at most "
                                        "%d ports", ARPP_FP_MAX_PORTS);
    } else if (error) {
        port->why_userspace = xasprintf("cannot store the port in the "
                                        "kernel's map: %s",
                                        ovs_strerror(-error));
    } else {
        error = arpp_fp_attach(io->fp, port->ifindex);
        if (error) {
            port->why_userspace = xasprintf("cannot attach the tc filter: "
                                            "%s", ovs_strerror(-error));
            arpp_fp_remove_port(io->fp, port->ifindex, NULL);
        }
    }
    if (error) {
        /* Not even an earlier process's filter may answer beside us. */
        arpp_fp_detach(port->ifindex);
        io->attach_failures++;
        VLOG_WARN("%s: ARP kernel fast path unavailable (%s): answering "
                  "from userspace", port->ifname, port->why_userspace);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &port->kernel_since);
    port->in_kernel = true;
}

/* The interface of 'port_' was deleted: pktio forgot it already. */
static void
arpp_io_port_gone(void *io_, int ifindex, void *port_)
{
    struct arpp_io *io = io_;
    struct arpp_io_port *port = port_;

    VLOG_INFO("%s (ifindex %d): interface deleted, no longer served",
              port->ifname, ifindex);
    shash_find_and_delete(&io->ports, port->ifname);
    leave_kernel(io, port, false);
    arpp_counters_add(&io->removed, &port->counters);
    free_port(port);
}

/* A filter left by an earlier process that did not exit cleanly (a crash,
 * kill -9) keeps answering with that process's views: on ports this one
 * serves without the fast path, beside it, and on ports it does not serve
 * at all.  The filter is ovnmig's by its fixed handle and priority
 * (ARPP_FP_TC_HANDLE, _PRIORITY).  Other filters and the clsact qdisc
 * stay. */
void
arpp_io_detach_stale_filters(void)
{
    struct if_nameindex *ifs = if_nameindex();
    if (!ifs) {
        VLOG_WARN("cannot list the interfaces to remove the ARP fast "
                  "path's filters an earlier run left: %s",
                  ovs_strerror(errno));
        return;
    }
    for (const struct if_nameindex *i = ifs; i->if_index; i++) {
        int error = arpp_fp_detach(i->if_index);
        if (!error) {
            VLOG_INFO("%s: removed the ARP fast path's tc filter an "
                      "earlier run left", i->if_name);
        } else if (error == -EPERM) {
            /* Then no filter can be attached either: say it once. */
            VLOG_INFO("cannot remove the ARP fast path's tc filters an "
                      "earlier run may have left (needs CAP_NET_ADMIN)");
            break;
        } else if (error != -ENOENT) {
            VLOG_WARN("%s: cannot remove the ARP fast path's tc filter an "
                      "earlier run may have left: %s", i->if_name,
                      ovs_strerror(-error));
        }
    }
    if_freenameindex(ifs);
}

int
arpp_io_create(struct event_base *base, struct arpp_io **iop)
{
    struct arpp_io *io = xzalloc(sizeof *io);
    int error = pktio_create(base, PKTIO_ARP, arpp_io_receive, io,
                             &io->pktio);
    if (error) {
        free(io);
        *iop = NULL;
        return error;
    }
    shash_init(&io->ports);
    io->fp_reason = xstrdup("disabled");
    /* Tells requests the kernel answered from those it could not have
     * (answered_in_kernel()).  Asked for now, long before any port is
     * attached: SO_TIMESTAMPNS turns the kernel's stamping on receipt on
     * asynchronously (net_enable_timestamp() defers it to a work item),
     * and until it is on, frames are stamped when recvmsg() reads them.  A
     * request that passed tc before attach but was read after would then
     * look newer than 'kernel_since', and neither path would answer it. */
    io->rx_timestamps = !pktio_enable_rx_timestamps(io->pktio);
    pktio_set_port_gone_cb(io->pktio, arpp_io_port_gone);
    *iop = io;
    return 0;
}

int
arpp_io_enable_fast_path(struct arpp_io *io)
{
    if (io->fp) {
        return 0;
    }
    int error = arpp_fp_create(&io->fp);
    free(io->fp_reason);
    if (error) {
        io->fp_reason = xasprintf("cannot load the eBPF program: %s%s",
                                  ovs_strerror(-error),
                                  error == -EPERM
                                  ? " (needs CAP_BPF and CAP_NET_ADMIN)" : "");
        VLOG_WARN("ARP kernel fast path unavailable (%s): answering from "
                  "userspace", io->fp_reason);
        return error;
    }
    io->fp_reason = NULL;
    VLOG_INFO("ARP kernel fast path loaded");
    return 0;
}

void
arpp_io_destroy(struct arpp_io *io)
{
    if (!io) {
        return;
    }
    pktio_destroy(io->pktio);
    struct shash_node *node;
    SHASH_FOR_EACH (node, &io->ports) {
        leave_kernel(io, node->data, true);
        free_port(node->data);
    }
    shash_destroy(&io->ports);
    arpp_fp_destroy(io->fp);
    free(io->fp_reason);
    free(io);
}

int
arpp_io_add_port(struct arpp_io *io, const char *ifname,
                 const struct arpp_port_view *view)
{
    if (arpp_port_view_check(view)) {
        return -EINVAL;
    }
    if (shash_find(&io->ports, ifname)) {
        return -EEXIST;
    }
    struct arpp_io_port *port = xzalloc(sizeof *port);
    port->ifname = xstrdup(ifname);
    port->view = *view;
    int ifindex = pktio_add_port(io->pktio, ifname, port);
    if (ifindex < 0) {
        free_port(port);
        return ifindex;
    }
    port->ifindex = ifindex;
    /* No frame is delivered before this function returns, so the order of
     * the two registrations does not matter: a request that reached the
     * socket before the filter was attached is answered here
     * (answered_in_kernel()). */
    enter_kernel(io, port);
    shash_add(&io->ports, ifname, port);
    VLOG_DBG("%s (ifindex %d): serving "ETH_ADDR_FMT" (%s)", ifname, ifindex,
             ETH_ADDR_ARGS(view->vm_mac),
             port->in_kernel ? "kernel fast path" : port->why_userspace);
    return ifindex;
}

int
arpp_io_remove_port(struct arpp_io *io, const char *ifname)
{
    struct arpp_io_port *port = shash_find_and_delete(&io->ports, ifname);
    if (!port) {
        return -ENOENT;
    }
    /* Userspace first, then the kernel: between the two, the kernel
     * still answers alone. */
    pktio_remove_port(io->pktio, port->ifindex);
    leave_kernel(io, port, true);
    arpp_counters_add(&io->removed, &port->counters);
    free_port(port);
    return 0;
}

const struct arpp_port_view *
arpp_io_find_port(const struct arpp_io *io, const char *ifname)
{
    const struct arpp_io_port *port = shash_find_data(&io->ports, ifname);
    return port ? &port->view : NULL;
}

size_t
arpp_io_n_ports(const struct arpp_io *io)
{
    return shash_count(&io->ports);
}

void
arpp_io_get_counters(const struct arpp_io *io, struct arpp_counters *c,
                     struct pktio_stats *stats)
{
    if (c) {
        *c = io->removed;
        struct shash_node *node;
        SHASH_FOR_EACH (node, &io->ports) {
            const struct arpp_io_port *port = node->data;
            arpp_counters_add(c, &port->counters);
        }
    }
    if (stats) {
        pktio_get_stats(io->pktio, stats);
    }
}

int
arpp_io_set_busy_poll(struct arpp_io *io, unsigned int usecs)
{
    return pktio_set_busy_poll(io->pktio, usecs);
}

void
arpp_io_get_fast_path(const struct arpp_io *io, struct arpp_io_fast_path *f)
{
    memset(f, 0, sizeof *f);
    f->loaded = io->fp != NULL;
    f->reason = io->fp_reason;
    f->kernel = io->fp_removed;
    f->left_to_kernel = io->left_to_kernel_removed;
    f->attach_failures = io->attach_failures;
    struct shash_node *node;
    SHASH_FOR_EACH (node, &io->ports) {
        const struct arpp_io_port *port = node->data;
        f->left_to_kernel += port->left_to_kernel;
        struct arpp_fp_counters c;
        if (!port->in_kernel) {
            f->ports_userspace++;
            continue;
        }
        f->ports_kernel++;
        if (!arpp_fp_get_counters(io->fp, port->ifindex, &c)) {
            arpp_fp_counters_add(&f->kernel, &c);
        }
    }
    if (io->fp) {
        f->map_bytes = arpp_fp_map_memory(io->fp);
    }
}

void
arpp_io_for_each_port(const struct arpp_io *io, bool kernel_counters,
                      arpp_io_port_cb *cb, void *aux)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &io->ports) {
        const struct arpp_io_port *port = node->data;
        struct arpp_io_port_info info = {
            .ifname = port->ifname,
            .ifindex = port->ifindex,
            .counters = &port->counters,
            .in_kernel = port->in_kernel,
            .why_userspace = port->why_userspace,
            .left_to_kernel = port->left_to_kernel,
        };
        if (port->in_kernel && kernel_counters) {
            arpp_fp_get_counters(io->fp, port->ifindex, &info.kernel);
        }
        cb(aux, &info);
    }
}
