/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "arpproxy/ndp-io.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ndp_io);

struct ndp_io_port {
    struct ndp_io *io;
    char *ifname;
    int ifindex;
    struct ndp_port ndp;                /* The core's state of the port. */
    struct event *timer;                /* Fires at ndp_ra_next(). */
    struct ndp_counters counters;
    struct ndp_io_ra_counters ras;
    uint64_t frames;
};

struct ndp_io {
    struct event_base *base;
    struct pktio *pktio;
    struct ndp_router *router;
    struct shash ports;                 /* Of struct ndp_io_port, by name. */
    struct ndp_counters removed;        /* Of the ports no longer served. */
    struct ndp_io_ra_counters removed_ras;
    struct ofpbuf frame;                /* Reused for every NA and RA. */
};

static void
ra_counters_add(struct ndp_io_ra_counters *a,
                const struct ndp_io_ra_counters *b)
{
    a->unsolicited += b->unsolicited;
    a->solicited_multicast += b->solicited_multicast;
    a->solicited_unicast += b->solicited_unicast;
}

/* Arms the port's timer for the core's next RA, or disarms it. */
static void
schedule(struct ndp_io_port *port)
{
    long long int next = ndp_ra_next(&port->ndp);
    if (next == LLONG_MAX) {
        evtimer_del(port->timer);
        return;
    }
    long long int delay = MAX(0, next - time_msec());
    struct timeval tv = { .tv_sec = delay / 1000,
                          .tv_usec = (delay % 1000) * 1000 };
    evtimer_add(port->timer, &tv);
}

/* Sends every RA due on 'port' now. */
static void
run_ras(struct ndp_io_port *port)
{
    struct ndp_io *io = port->io;
    /* The core schedules the next RA after each one, at least
     * MIN_DELAY_BETWEEN_RAS later for multicast: a few rounds suffice. */
    for (int i = 0; i < 4; i++) {
        ofpbuf_clear(&io->frame);
        enum ndp_ra_kind kind = ndp_ra_run(io->router, &port->ndp,
                                           time_msec(), random_uint32(),
                                           &io->frame);
        if (kind == NDP_RA_NONE) {
            break;
        }
        if (!pktio_send(io->pktio, port->ifindex, io->frame.data,
                        io->frame.size)) {
            switch (kind) {
            case NDP_RA_UNSOLICITED:
                port->ras.unsolicited++;
                break;
            case NDP_RA_SOLICITED_MULTICAST:
                port->ras.solicited_multicast++;
                break;
            case NDP_RA_SOLICITED_UNICAST:
                port->ras.solicited_unicast++;
                break;
            case NDP_RA_NONE:
            default:
                OVS_NOT_REACHED();
            }
        }
    }
    schedule(port);
}

static void
on_timer(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *port_)
{
    run_ras(port_);
}

static void
ndp_io_receive(void *io_, int ifindex, void *port_, const uint8_t *frame,
               size_t size)
{
    struct ndp_io *io = io_;
    struct ndp_io_port *port = port_;
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    port->frames++;
    ofpbuf_clear(&io->frame);
    enum ndp_verdict verdict = ndp_handle(io->router, &port->ndp,
                                          time_msec(), random_uint32(),
                                          frame, size, &io->frame);
    ndp_count(&port->counters, verdict);
    switch (verdict) {
    case NDP_REPLY:
        pktio_send(io->pktio, ifindex, io->frame.data, io->frame.size);
        break;
    case NDP_RS_SCHEDULED:
    case NDP_RS_PENDING:
        /* The answer may be due at once (a delay of 0). */
        run_ras(port);
        break;
    default:
        VLOG_DBG_RL(&rl, "%s: no answer to a %"PRIuSIZE"-byte frame: %s",
                    port->ifname, size, ndp_verdict_name(verdict));
        break;
    }
}

static void
forget_port(struct ndp_io *io, struct ndp_io_port *port)
{
    ndp_counters_add(&io->removed, &port->counters);
    ra_counters_add(&io->removed_ras, &port->ras);
    event_free(port->timer);
    free(port->ifname);
    free(port);
}

/* The interface of 'port_' was deleted: pktio forgot it already. */
static void
ndp_io_port_gone(void *io_, int ifindex, void *port_)
{
    struct ndp_io *io = io_;
    struct ndp_io_port *port = port_;

    VLOG_INFO("%s (ifindex %d): interface deleted, no longer served",
              port->ifname, ifindex);
    shash_find_and_delete(&io->ports, port->ifname);
    forget_port(io, port);
}

int
ndp_io_create(struct event_base *base, const struct ndp_config *cfg,
              struct ndp_io **iop, const char **errorp)
{
    *iop = NULL;
    struct ndp_router *router;
    int error = ndp_router_create(cfg, &router, errorp);
    if (error) {
        return error;
    }
    struct ndp_io *io = xzalloc(sizeof *io);
    error = pktio_create(base, PKTIO_ND, ndp_io_receive, io, &io->pktio);
    if (error) {
        ndp_router_destroy(router);
        free(io);
        return error;
    }
    io->base = base;
    io->router = router;
    shash_init(&io->ports);
    ofpbuf_init(&io->frame, 256);
    pktio_set_port_gone_cb(io->pktio, ndp_io_port_gone);
    *iop = io;
    return 0;
}

void
ndp_io_destroy(struct ndp_io *io)
{
    if (!io) {
        return;
    }
    pktio_destroy(io->pktio);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &io->ports) {
        forget_port(io, node->data);
    }
    shash_destroy(&io->ports);
    ndp_router_destroy(io->router);
    ofpbuf_uninit(&io->frame);
    free(io);
}

int
ndp_io_add_port(struct ndp_io *io, const char *ifname, struct eth_addr vm_mac,
                const struct in6_addr *vm_ips, size_t n_vm_ips)
{
    if (n_vm_ips > NDP_MAX_VM_IPS) {
        return -EINVAL;
    }
    struct ndp_io_port *port = xzalloc(sizeof *port);
    ndp_port_init(&port->ndp, vm_mac);
    memcpy(port->ndp.vm_ips, vm_ips, n_vm_ips * sizeof *vm_ips);
    port->ndp.n_vm_ips = n_vm_ips;
    if (ndp_port_check(io->router, &port->ndp)) {
        free(port);
        return -EINVAL;
    }
    if (shash_find(&io->ports, ifname)) {
        free(port);
        return -EEXIST;
    }
    int ifindex = pktio_add_port(io->pktio, ifname, port);
    if (ifindex < 0) {
        free(port);
        return ifindex;
    }
    port->io = io;
    port->ifname = xstrdup(ifname);
    port->ifindex = ifindex;
    port->timer = evtimer_new(io->base, on_timer, port);
    shash_add(&io->ports, ifname, port);
    VLOG_DBG("%s (ifindex %d): routing IPv6 for "ETH_ADDR_FMT, ifname,
             ifindex, ETH_ADDR_ARGS(vm_mac));
    return ifindex;
}

int
ndp_io_remove_port(struct ndp_io *io, const char *ifname)
{
    struct ndp_io_port *port = shash_find_and_delete(&io->ports, ifname);
    if (!port) {
        return -ENOENT;
    }
    pktio_remove_port(io->pktio, port->ifindex);
    forget_port(io, port);
    return 0;
}

size_t
ndp_io_n_ports(const struct ndp_io *io)
{
    return shash_count(&io->ports);
}

int
ndp_io_set_active(struct ndp_io *io, const char *ifname, bool active)
{
    struct ndp_io_port *port = shash_find_data(&io->ports, ifname);
    if (!port) {
        return -ENOENT;
    }
    if (active) {
        ndp_port_activate(&port->ndp, time_msec());
        run_ras(port);
    } else {
        ndp_port_deactivate(&port->ndp);
        schedule(port);
    }
    return 0;
}

uint64_t
ndp_io_port_frames(const struct ndp_io *io, const char *ifname)
{
    const struct ndp_io_port *port = shash_find_data(&io->ports, ifname);
    return port ? port->frames : 0;
}

int
ndp_io_get_port(const struct ndp_io *io, const char *ifname,
                struct ndp_io_port_info *info)
{
    const struct ndp_io_port *port = shash_find_data(&io->ports, ifname);
    if (!port) {
        return -ENOENT;
    }
    info->active = port->ndp.ra.active;
    info->counters = port->counters;
    info->ras = port->ras;
    info->frames = port->frames;
    return 0;
}

void
ndp_io_get_counters(const struct ndp_io *io, struct ndp_counters *c,
                    struct ndp_io_ra_counters *ras, struct pktio_stats *stats)
{
    if (c) {
        *c = io->removed;
    }
    if (ras) {
        *ras = io->removed_ras;
    }
    struct shash_node *node;
    SHASH_FOR_EACH (node, &io->ports) {
        const struct ndp_io_port *port = node->data;
        if (c) {
            ndp_counters_add(c, &port->counters);
        }
        if (ras) {
            ra_counters_add(ras, &port->ras);
        }
    }
    if (stats) {
        pktio_get_stats(io->pktio, stats);
    }
}
