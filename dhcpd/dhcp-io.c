/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "dhcpd/dhcp-io.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dhcp_io);

struct dhcp_io_port {
    char *name;
    int ifindex;
    uint64_t frames;            /* Received, parsed or not. */
};

/* One binding, in dhcp_io->bindings by hash of (ifindex, MAC). */
struct io_binding {
    struct hmap_node node;
    struct dhcp_io_port *port;
    struct dhcp_binding *binding;       /* Owned. */
};

struct dhcp_io {
    struct pktio *pktio;
    struct dhcp_server *server;
    struct shash ports;                 /* Name -> struct dhcp_io_port. */
    struct hmap bindings;
    struct ofpbuf reply;                /* Reused for every reply. */
};

static void dhcp_io_receive(void *io_, int ifindex, void *port_,
                            const uint8_t *frame, size_t size);

static uint32_t
binding_hash(int ifindex, struct eth_addr mac)
{
    return hash_bytes(mac.ea, sizeof mac.ea, hash_int(ifindex, 0));
}

int
dhcp_io_create(struct event_base *base, const struct dhcp_server_config *cfg,
               struct dhcp_io **iop)
{
    struct dhcp_io *io = xzalloc(sizeof *io);
    *iop = NULL;
    int error = pktio_create(base, PKTIO_DHCP4, dhcp_io_receive, io,
                             &io->pktio);
    if (error) {
        free(io);
        return error;
    }
    io->server = dhcp_server_create(cfg);
    shash_init(&io->ports);
    hmap_init(&io->bindings);
    ofpbuf_init(&io->reply, 1514);
    *iop = io;
    return 0;
}

static void
free_io_binding(struct io_binding *ib)
{
    dhcp_binding_destroy(ib->binding);
    free(ib);
}

void
dhcp_io_destroy(struct dhcp_io *io)
{
    if (!io) {
        return;
    }
    pktio_destroy(io->pktio);
    struct io_binding *ib;
    HMAP_FOR_EACH_POP (ib, node, &io->bindings) {
        free_io_binding(ib);
    }
    hmap_destroy(&io->bindings);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &io->ports) {
        struct dhcp_io_port *port = node->data;
        free(port->name);
        free(port);
    }
    shash_destroy(&io->ports);
    dhcp_server_destroy(io->server);
    ofpbuf_uninit(&io->reply);
    free(io);
}

int
dhcp_io_add_port(struct dhcp_io *io, const char *ifname)
{
    if (shash_find(&io->ports, ifname)) {
        return -EEXIST;
    }
    struct dhcp_io_port *port = xzalloc(sizeof *port);
    int ifindex = pktio_add_port(io->pktio, ifname, port);
    if (ifindex < 0) {
        free(port);
        return ifindex;
    }
    port->name = xstrdup(ifname);
    port->ifindex = ifindex;
    shash_add(&io->ports, ifname, port);
    VLOG_INFO("%s: serving DHCPv4 (ifindex %d)", ifname, ifindex);
    return ifindex;
}

int
dhcp_io_remove_port(struct dhcp_io *io, const char *ifname)
{
    struct dhcp_io_port *port = shash_find_and_delete(&io->ports, ifname);
    if (!port) {
        return -ENOENT;
    }
    struct io_binding *ib;
    HMAP_FOR_EACH_SAFE (ib, node, &io->bindings) {
        if (ib->port == port) {
            hmap_remove(&io->bindings, &ib->node);
            free_io_binding(ib);
        }
    }
    pktio_remove_port(io->pktio, port->ifindex);
    VLOG_INFO("%s: no longer served", ifname);
    free(port->name);
    free(port);
    return 0;
}

size_t
dhcp_io_n_ports(const struct dhcp_io *io)
{
    return shash_count(&io->ports);
}

uint64_t
dhcp_io_port_frames(const struct dhcp_io *io, const char *ifname)
{
    const struct dhcp_io_port *port = shash_find_data(&io->ports, ifname);
    return port ? port->frames : 0;
}

static struct io_binding *
find_binding(const struct dhcp_io *io, const struct dhcp_io_port *port,
             struct eth_addr mac)
{
    struct io_binding *ib;
    HMAP_FOR_EACH_WITH_HASH (ib, node, binding_hash(port->ifindex, mac),
                             &io->bindings) {
        if (ib->port == port
            && eth_addr_equals(dhcp_binding_mac(ib->binding), mac)) {
            return ib;
        }
    }
    return NULL;
}

int
dhcp_io_set_binding(struct dhcp_io *io, const char *ifname,
                    struct dhcp_binding *binding)
{
    struct dhcp_io_port *port = shash_find_data(&io->ports, ifname);
    if (!port) {
        dhcp_binding_destroy(binding);
        return -ENOENT;
    }
    struct eth_addr mac = dhcp_binding_mac(binding);
    struct io_binding *ib = find_binding(io, port, mac);
    if (ib) {
        if (dhcp_binding_equal(ib->binding, binding)) {
            dhcp_binding_keep_state(binding, ib->binding);
        } else {
            VLOG_INFO("%s: binding of "ETH_ADDR_FMT" changed", ifname,
                      ETH_ADDR_ARGS(mac));
        }
        dhcp_binding_destroy(ib->binding);
        ib->binding = binding;
        return 0;
    }
    if (hmap_count(&io->bindings) >= DHCP_IO_MAX_BINDINGS) {
        dhcp_binding_destroy(binding);
        return -ENOSPC;
    }
    ib = xmalloc(sizeof *ib);
    ib->port = port;
    ib->binding = binding;
    hmap_insert(&io->bindings, &ib->node, binding_hash(port->ifindex, mac));
    VLOG_DBG("%s: binding "ETH_ADDR_FMT" -> "IP_FMT" added", ifname,
             ETH_ADDR_ARGS(mac), IP_ARGS(dhcp_binding_address(binding)));
    return 0;
}

int
dhcp_io_remove_binding(struct dhcp_io *io, const char *ifname,
                       struct eth_addr mac)
{
    struct dhcp_io_port *port = shash_find_data(&io->ports, ifname);
    struct io_binding *ib = port ? find_binding(io, port, mac) : NULL;
    if (!ib) {
        return -ENOENT;
    }
    hmap_remove(&io->bindings, &ib->node);
    free_io_binding(ib);
    return 0;
}

const struct dhcp_binding *
dhcp_io_find_binding(const struct dhcp_io *io, const char *ifname,
                     struct eth_addr mac)
{
    struct dhcp_io_port *port = shash_find_data(&io->ports, ifname);
    struct io_binding *ib = port ? find_binding(io, port, mac) : NULL;
    return ib ? ib->binding : NULL;
}

size_t
dhcp_io_n_bindings(const struct dhcp_io *io)
{
    return hmap_count(&io->bindings);
}

void
dhcp_io_for_each_binding(const struct dhcp_io *io, dhcp_io_binding_cb *cb,
                         void *aux)
{
    const struct io_binding *ib;
    HMAP_FOR_EACH (ib, node, &io->bindings) {
        cb(aux, ib->port->name, ib->binding);
    }
}

void
dhcp_io_get_counters(const struct dhcp_io *io, struct dhcp_counters *c,
                     struct pktio_stats *s)
{
    if (c) {
        *c = *dhcp_server_counters(io->server);
    }
    if (s) {
        pktio_get_stats(io->pktio, s);
    }
}

static void
dhcp_io_receive(void *io_, int ifindex, void *port_, const uint8_t *frame,
                size_t size)
{
    struct dhcp_io *io = io_;
    struct dhcp_io_port *port = port_;
    struct dhcp_request req;

    port->frames++;
    if (dhcp_server_parse(io->server, frame, size, &req)) {
        return;
    }
    struct io_binding *ib = find_binding(io, port, req.chaddr);
    if (!dhcp_server_answer(io->server, &req, ib ? ib->binding : NULL,
                            time_msec(), &io->reply)
        && io->reply.size) {
        pktio_send(io->pktio, ifindex, io->reply.data, io->reply.size);
    }
}

/* ------------------------------------------------------------ parsing */

static bool
parse_u32(const char *s, uint32_t *value)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *end || x > UINT32_MAX || *s == '-') {
        return false;
    }
    *value = x;
    return true;
}

static bool
parse_ip(const char *s, ovs_be32 *ip, const char *what, struct ds *error)
{
    if (!ip_parse(s, ip)) {
        ds_put_format(error, "%s: \"%s\" is not an IPv4 address", what, s);
        return false;
    }
    return true;
}

/* Parses "DST/PLEN@ROUTER". */
static bool
parse_route(char *s, struct dhcp_route *r, struct ds *error)
{
    char *at = strchr(s, '@');
    if (!at) {
        ds_put_format(error, "route \"%s\": expected DST/PLEN@ROUTER", s);
        return false;
    }
    *at = '\0';
    unsigned int plen;
    char *e = ip_parse_cidr(s, &r->dst, &plen);
    if (e) {
        ds_put_format(error, "route: %s", e);
        free(e);
        return false;
    }
    r->plen = plen;
    return parse_ip(at + 1, &r->router, "route", error);
}

/* Parses one KEY=VALUE of a binding. */
static bool
parse_key(struct dhcp_binding_config *cfg, char *key, const char **ifnamep,
          struct ds *error)
{
    char *value = strchr(key, '=');
    if (!value) {
        ds_put_format(error, "\"%s\": expected KEY=VALUE", key);
        return false;
    }
    *value++ = '\0';

    if (!strcmp(key, "hostname")) {
        cfg->hostname = value;
    } else if (!strcmp(key, "domain")) {
        cfg->domain_name = value;
    } else if (!strcmp(key, "gateway")) {
        return parse_ip(value, &cfg->gateway, key, error);
    } else if (!strcmp(key, "server-id")) {
        return parse_ip(value, &cfg->server_id, key, error);
    } else if (!strcmp(key, "dns")) {
        if (cfg->n_dns >= DHCP_MAX_DNS) {
            ds_put_format(error, "more than %d DNS servers", DHCP_MAX_DNS);
            return false;
        }
        return parse_ip(value, &cfg->dns[cfg->n_dns++], key, error);
    } else if (!strcmp(key, "search")) {
        if (cfg->n_search >= DHCP_MAX_SEARCH) {
            ds_put_format(error, "more than %d search domains",
                          DHCP_MAX_SEARCH);
            return false;
        }
        cfg->search[cfg->n_search++] = value;
    } else if (!strcmp(key, "route")) {
        if (cfg->n_routes >= DHCP_MAX_ROUTES) {
            ds_put_format(error, "more than %d routes", DHCP_MAX_ROUTES);
            return false;
        }
        return parse_route(value, &cfg->routes[cfg->n_routes++], error);
    } else if (!strcmp(key, "mtu")) {
        uint32_t mtu;
        if (!parse_u32(value, &mtu) || mtu > UINT16_MAX) {
            ds_put_format(error, "mtu: \"%s\" is not a number up to 65535",
                          value);
            return false;
        }
        cfg->mtu = mtu;
    } else if (!strcmp(key, "lease")) {
        if (!strcmp(value, "infinite")) {
            cfg->lease_time = UINT32_MAX;
        } else if (!parse_u32(value, &cfg->lease_time)) {
            ds_put_format(error, "lease: \"%s\" is not a number of seconds",
                          value);
            return false;
        }
    } else if (!strcmp(key, "interface") && ifnamep) {
        *ifnamep = value;
    } else {
        ds_put_format(error, "unknown key \"%s\"", key);
        return false;
    }
    return true;
}

int
dhcp_binding_config_parse(struct dhcp_binding_config *cfg, char *s,
                          const char **ifnamep, struct ds *error)
{
    dhcp_binding_config_init(cfg);
    char *save = NULL;
    char *mac = strtok_r(s, ",", &save);
    char *address = strtok_r(NULL, ",", &save);
    if (!mac || !address) {
        ds_put_cstr(error, "expected MAC,IP/PREFIX[,KEY=VALUE]...");
        return -EINVAL;
    }
    if (!eth_addr_from_string(mac, &cfg->mac)) {
        ds_put_format(error, "\"%s\" is not a MAC address", mac);
        return -EINVAL;
    }
    if (!strchr(address, '/')) {
        ds_put_format(error, "\"%s\": the prefix length is missing "
                      "(IP/PREFIX)", address);
        return -EINVAL;
    }
    char *e = ip_parse_cidr(address, &cfg->address, &cfg->plen);
    if (e) {
        ds_put_cstr(error, e);
        free(e);
        return -EINVAL;
    }
    for (char *key = strtok_r(NULL, ",", &save); key;
         key = strtok_r(NULL, ",", &save)) {
        if (!parse_key(cfg, key, ifnamep, error)) {
            return -EINVAL;
        }
    }
    return 0;
}
