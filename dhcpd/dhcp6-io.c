/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "dhcpd/dhcp6-io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dhcp6_io);

struct dhcp6_io_port {
    char *name;
    int ifindex;
    struct dhcp6_binding *binding;      /* Owned; NULL: none. */
    uint64_t frames;                    /* Received, parsed or not. */
};

struct dhcp6_io {
    struct pktio *pktio;
    struct dhcp6_server *server;
    struct shash ports;                 /* Name -> struct dhcp6_io_port. */
    size_t n_bindings;
    struct ofpbuf reply;                /* Reused for every reply. */
};

static void
free_port(struct dhcp6_io *io, struct dhcp6_io_port *port)
{
    if (port->binding) {
        io->n_bindings--;
        dhcp6_binding_destroy(port->binding);
    }
    free(port->name);
    free(port);
}

static void
dhcp6_io_receive(void *io_, int ifindex, void *port_, const uint8_t *frame,
                 size_t size)
{
    struct dhcp6_io *io = io_;
    struct dhcp6_io_port *port = port_;

    port->frames++;
    if (!dhcp6_server_handle(io->server, port->binding, frame, size,
                             &io->reply)
        && io->reply.size) {
        pktio_send(io->pktio, ifindex, io->reply.data, io->reply.size);
    }
}

/* The interface of 'port_' was deleted: pktio forgot it already. */
static void
dhcp6_io_port_gone(void *io_, int ifindex, void *port_)
{
    struct dhcp6_io *io = io_;
    struct dhcp6_io_port *port = port_;

    VLOG_INFO("%s (ifindex %d): interface deleted, no longer served",
              port->name, ifindex);
    shash_find_and_delete(&io->ports, port->name);
    free_port(io, port);
}

int
dhcp6_io_create(struct event_base *base,
                const struct dhcp6_server_config *cfg, struct dhcp6_io **iop)
{
    struct dhcp6_io *io = xzalloc(sizeof *io);
    *iop = NULL;
    int error = pktio_create(base, PKTIO_DHCP6, dhcp6_io_receive, io,
                             &io->pktio);
    if (error) {
        free(io);
        return error;
    }
    io->server = dhcp6_server_create(cfg);
    shash_init(&io->ports);
    ofpbuf_init(&io->reply, 1514);
    pktio_set_port_gone_cb(io->pktio, dhcp6_io_port_gone);
    *iop = io;
    return 0;
}

void
dhcp6_io_destroy(struct dhcp6_io *io)
{
    if (!io) {
        return;
    }
    pktio_destroy(io->pktio);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &io->ports) {
        free_port(io, node->data);
    }
    shash_destroy(&io->ports);
    dhcp6_server_destroy(io->server);
    ofpbuf_uninit(&io->reply);
    free(io);
}

int
dhcp6_io_add_port(struct dhcp6_io *io, const char *ifname)
{
    if (shash_find(&io->ports, ifname)) {
        return -EEXIST;
    }
    struct dhcp6_io_port *port = xzalloc(sizeof *port);
    int ifindex = pktio_add_port(io->pktio, ifname, port);
    if (ifindex < 0) {
        free(port);
        return ifindex;
    }
    port->name = xstrdup(ifname);
    port->ifindex = ifindex;
    shash_add(&io->ports, ifname, port);
    VLOG_INFO("%s: serving DHCPv6 (ifindex %d)", ifname, ifindex);
    return ifindex;
}

int
dhcp6_io_remove_port(struct dhcp6_io *io, const char *ifname)
{
    struct dhcp6_io_port *port = shash_find_and_delete(&io->ports, ifname);
    if (!port) {
        return -ENOENT;
    }
    pktio_remove_port(io->pktio, port->ifindex);
    VLOG_INFO("%s: DHCPv6 no longer served", ifname);
    free_port(io, port);
    return 0;
}

size_t
dhcp6_io_n_ports(const struct dhcp6_io *io)
{
    return shash_count(&io->ports);
}

uint64_t
dhcp6_io_port_frames(const struct dhcp6_io *io, const char *ifname)
{
    const struct dhcp6_io_port *port = shash_find_data(&io->ports, ifname);
    return port ? port->frames : 0;
}

int
dhcp6_io_set_binding(struct dhcp6_io *io, const char *ifname,
                     struct dhcp6_binding *binding)
{
    struct dhcp6_io_port *port = shash_find_data(&io->ports, ifname);
    if (!port) {
        dhcp6_binding_destroy(binding);
        return -ENOENT;
    }
    if (port->binding) {
        io->n_bindings--;
        dhcp6_binding_destroy(port->binding);
    }
    port->binding = binding;
    if (binding) {
        io->n_bindings++;
        char addr[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, dhcp6_binding_address(binding), addr,
                  sizeof addr);
        VLOG_DBG("%s: binding "ETH_ADDR_FMT" -> %s", ifname,
                 ETH_ADDR_ARGS(dhcp6_binding_mac(binding)), addr);
    }
    return 0;
}

const struct dhcp6_binding *
dhcp6_io_find_binding(const struct dhcp6_io *io, const char *ifname)
{
    const struct dhcp6_io_port *port = shash_find_data(&io->ports, ifname);
    return port ? port->binding : NULL;
}

size_t
dhcp6_io_n_bindings(const struct dhcp6_io *io)
{
    return io->n_bindings;
}

void
dhcp6_io_get_counters(const struct dhcp6_io *io, struct dhcp6_counters *c,
                      struct pktio_stats *s)
{
    if (c) {
        *c = *dhcp6_server_counters(io->server);
    }
    if (s) {
        pktio_get_stats(io->pktio, s);
    }
}

/* ------------------------------------------------------------ parsing */

static bool
parse_seconds(const char *key, const char *value, uint32_t *secs,
              struct ds *error)
{
    unsigned int x;
    if (!strcmp(value, "infinite")) {
        *secs = DHCP6_INFINITY;
    } else if (value[0] >= '0' && value[0] <= '9'
               && str_to_uint(value, 10, &x)) {
        *secs = x;
    } else {
        ds_put_format(error, "%s: \"%s\" is not a number of seconds", key,
                      value);
        return false;
    }
    return true;
}

static bool
parse_key(struct dhcp6_binding_config *cfg, char *key, struct ds *error)
{
    char *value = strchr(key, '=');
    if (!value) {
        ds_put_format(error, "\"%s\": expected KEY=VALUE", key);
        return false;
    }
    *value++ = '\0';

    if (!strcmp(key, "dns")) {
        if (cfg->n_dns >= DHCP6_MAX_DNS) {
            ds_put_format(error, "more than %d DNS servers", DHCP6_MAX_DNS);
            return false;
        }
        if (inet_pton(AF_INET6, value, &cfg->dns[cfg->n_dns]) != 1) {
            ds_put_format(error, "dns: \"%s\" is not an IPv6 address",
                          value);
            return false;
        }
        cfg->n_dns++;
    } else if (!strcmp(key, "search")) {
        if (cfg->n_search >= DHCP6_MAX_SEARCH) {
            ds_put_format(error, "more than %d search domains",
                          DHCP6_MAX_SEARCH);
            return false;
        }
        cfg->search[cfg->n_search++] = value;
    } else if (!strcmp(key, "preferred")) {
        return parse_seconds(key, value, &cfg->preferred_lifetime, error);
    } else if (!strcmp(key, "valid")) {
        return parse_seconds(key, value, &cfg->valid_lifetime, error);
    } else if (!strcmp(key, "t1")) {
        return parse_seconds(key, value, &cfg->t1, error);
    } else if (!strcmp(key, "t2")) {
        return parse_seconds(key, value, &cfg->t2, error);
    } else if (!strcmp(key, "info-refresh")) {
        return parse_seconds(key, value, &cfg->info_refresh_time, error);
    } else {
        ds_put_format(error, "unknown key \"%s\"", key);
        return false;
    }
    return true;
}

int
dhcp6_binding_config_parse(struct dhcp6_binding_config *cfg, char *s,
                           struct ds *error)
{
    dhcp6_binding_config_init(cfg);
    char *save = NULL;
    char *mac = strtok_r(s, ",", &save);
    char *address = strtok_r(NULL, ",", &save);
    if (!mac || !address) {
        ds_put_cstr(error, "expected MAC,IPV6[,KEY=VALUE]...");
        return -EINVAL;
    }
    if (!eth_addr_from_string(mac, &cfg->mac)) {
        ds_put_format(error, "\"%s\" is not a MAC address", mac);
        return -EINVAL;
    }
    if (inet_pton(AF_INET6, address, &cfg->address) != 1) {
        ds_put_format(error, "\"%s\" is not an IPv6 address", address);
        return -EINVAL;
    }
    for (char *key = strtok_r(NULL, ",", &save); key;
         key = strtok_r(NULL, ",", &save)) {
        if (!parse_key(cfg, key, error)) {
            return -EINVAL;
        }
    }
    return 0;
}
