/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "arpproxy/arp-proxy-io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(arpproxy_io);

struct arpp_io_port {
    char *ifname;
    int ifindex;
    struct arpp_port_view view;
    struct arpp_counters counters;
};

struct arpp_io {
    struct pktio *pktio;
    struct shash ports;                 /* Of struct arpp_io_port, by name. */
    struct arpp_counters removed;       /* Of the ports no longer served. */
};

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
        pktio_send(io->pktio, ifindex, reply.data, reply.size);
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
    free(port);
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
    arpp_counters_add(&io->removed, &port->counters);
    free_port(port);
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
    pktio_set_port_gone_cb(io->pktio, arpp_io_port_gone);
    *iop = io;
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
        free_port(node->data);
    }
    shash_destroy(&io->ports);
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
    shash_add(&io->ports, ifname, port);
    VLOG_DBG("%s (ifindex %d): serving "ETH_ADDR_FMT, ifname, ifindex,
             ETH_ADDR_ARGS(view->vm_mac));
    return ifindex;
}

int
arpp_io_remove_port(struct arpp_io *io, const char *ifname)
{
    struct arpp_io_port *port = shash_find_and_delete(&io->ports, ifname);
    if (!port) {
        return -ENOENT;
    }
    pktio_remove_port(io->pktio, port->ifindex);
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
arpp_io_for_each_port(const struct arpp_io *io, arpp_io_port_cb *cb,
                      void *aux)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &io->ports) {
        const struct arpp_io_port *port = node->data;
        cb(aux, port->ifname, port->ifindex, &port->counters);
    }
}
