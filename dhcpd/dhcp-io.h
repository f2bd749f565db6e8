/* SPDX-License-Identifier: Apache-2.0
 *
 * dhcp-io.h -- serves the DHCPv4 core (dhcp-server.h) on a node's VM ports
 * through the shared packet I/O (lib/pktio.h).
 *
 * Holds the node's bindings, keyed by port (interface index) and client
 * MAC: a request received on a port is answered from the binding of its
 * chaddr on that port, and the reply leaves through the same port.  Ports
 * and bindings are added, changed and removed at run time; a binding
 * re-applied unchanged keeps what the guest did to it (a DECLINE), a
 * changed one starts afresh. */
#ifndef OVNMIG_DHCP_IO_H
#define OVNMIG_DHCP_IO_H 1

#include <stddef.h>
#include "dhcpd/dhcp-server.h"
#include "lib/pktio.h"

struct ds;
struct event_base;
struct dhcp_io;

/* At most this many bindings in all: dhcp_io_set_binding() returns
 * -ENOSPC beyond.  Bindings come from the node's control plane, one or a
 * few per VM; the limit bounds a runaway caller. */
#define DHCP_IO_MAX_BINDINGS 262144

/* Creates a DHCP server on 'base', with no ports, answering as 'cfg' says.
 * Stores it in '*iop' and returns 0, or returns a negative errno (-EPERM
 * without CAP_NET_RAW).  The caller frees it with dhcp_io_destroy(). */
int dhcp_io_create(struct event_base *base,
                   const struct dhcp_server_config *cfg,
                   struct dhcp_io **iop);
void dhcp_io_destroy(struct dhcp_io *);

/* Starts serving the interface 'ifname'.  Returns its index (> 0), or a
 * negative errno (-ENODEV, -EEXIST if served already). */
int dhcp_io_add_port(struct dhcp_io *, const char *ifname);
/* Stops serving 'ifname' and drops its bindings.  Returns 0 or -ENOENT. */
int dhcp_io_remove_port(struct dhcp_io *, const char *ifname);
size_t dhcp_io_n_ports(const struct dhcp_io *);
/* The DHCP frames received on 'ifname' since it was added (0 if it is not
 * served): a sign that the guest behind it runs. */
uint64_t dhcp_io_port_frames(const struct dhcp_io *, const char *ifname);

/* Makes 'binding' the one for its MAC on port 'ifname', replacing any
 * (which keeps its DECLINE state if 'binding' gives the same answers).
 * Takes ownership of 'binding' whatever the outcome.  Returns 0, or
 * -ENOENT (no such port), -ENOSPC (DHCP_IO_MAX_BINDINGS reached). */
int dhcp_io_set_binding(struct dhcp_io *, const char *ifname,
                        struct dhcp_binding *binding);
/* Removes the binding of 'mac' on 'ifname'.  Returns 0 or -ENOENT. */
int dhcp_io_remove_binding(struct dhcp_io *, const char *ifname,
                           struct eth_addr mac);
/* The binding of 'mac' on 'ifname', or NULL.  Valid until it is changed
 * or removed. */
const struct dhcp_binding *dhcp_io_find_binding(const struct dhcp_io *,
                                                const char *ifname,
                                                struct eth_addr mac);
size_t dhcp_io_n_bindings(const struct dhcp_io *);

/* Calls 'cb' for every binding, in no particular order.  'cb' must not
 * add or remove bindings. */
typedef void dhcp_io_binding_cb(void *aux, const char *ifname,
                                const struct dhcp_binding *);
void dhcp_io_for_each_binding(const struct dhcp_io *, dhcp_io_binding_cb *,
                              void *aux);

/* The server's counters and the packet I/O's.  Either may be NULL. */
void dhcp_io_get_counters(const struct dhcp_io *, struct dhcp_counters *,
                          struct pktio_stats *);

/* ------------------------------------------------------------ parsing */

/* Parses a binding as the tools and configuration files write it:
 *
 *     MAC,IP/PREFIX[,KEY=VALUE]...
 *
 * with the keys hostname, gateway, server-id, route=DST/PLEN@ROUTER (or
 * @0.0.0.0 for on-link; repeatable), dns (repeatable), domain, search
 * (repeatable), mtu, lease (seconds, or "infinite") and interface (the
 * port; stored in '*ifnamep' if not NULL, else refused).
 *
 * Modifies 's' and makes 'cfg' (and '*ifnamep') point into it, so 's' must
 * outlive their use.  Returns 0, or -EINVAL with an explanation appended
 * to 'error'. */
int dhcp_binding_config_parse(struct dhcp_binding_config *cfg, char *s,
                              const char **ifnamep, struct ds *error);

#endif /* dhcp-io.h */
