/* SPDX-License-Identifier: Apache-2.0
 *
 * dhcp6-io.h -- serves the DHCPv6 core (dhcp6-server.h) on a node's VM
 * ports through the shared packet I/O (lib/pktio.h).
 *
 * Each port has at most one binding, the guest's: a request received on
 * the port is answered from it (the core checks the request's source MAC
 * against the binding's), and the reply leaves through the same port.  A
 * port without a binding is served too: the core then says that no
 * address is the guest's (RFC 8415 §18.3).  Ports and bindings are added,
 * changed and removed at run time. */
#ifndef OVNMIG_DHCP6_IO_H
#define OVNMIG_DHCP6_IO_H 1

#include <stddef.h>
#include <stdint.h>
#include "dhcpd/dhcp6-server.h"
#include "lib/pktio.h"

struct ds;
struct event_base;
struct dhcp6_io;

/* Creates a DHCPv6 server on 'base', with no ports, answering as 'cfg'
 * says.  Stores it in '*iop' and returns 0, or returns a negative errno
 * (-EPERM without CAP_NET_RAW).  The caller frees it with
 * dhcp6_io_destroy(). */
int dhcp6_io_create(struct event_base *base,
                    const struct dhcp6_server_config *cfg,
                    struct dhcp6_io **iop);
void dhcp6_io_destroy(struct dhcp6_io *);

/* Starts serving the interface 'ifname', with no binding.  Returns its
 * index (> 0), or a negative errno (-ENODEV, -EEXIST if served already). */
int dhcp6_io_add_port(struct dhcp6_io *, const char *ifname);
/* Stops serving 'ifname' and drops its binding.  Returns 0 or -ENOENT. */
int dhcp6_io_remove_port(struct dhcp6_io *, const char *ifname);
size_t dhcp6_io_n_ports(const struct dhcp6_io *);
/* The DHCPv6 frames received on 'ifname' since it was added (0 if it is
 * not served): a sign that the guest behind it runs. */
uint64_t dhcp6_io_port_frames(const struct dhcp6_io *, const char *ifname);

/* Makes 'binding' (NULL: none) the binding of port 'ifname', replacing
 * any.  Takes ownership of 'binding' whatever the outcome.  Returns 0 or
 * -ENOENT (no such port). */
int dhcp6_io_set_binding(struct dhcp6_io *, const char *ifname,
                         struct dhcp6_binding *binding);
/* The binding of 'ifname', or NULL.  Valid until it is changed. */
const struct dhcp6_binding *dhcp6_io_find_binding(const struct dhcp6_io *,
                                                  const char *ifname);
size_t dhcp6_io_n_bindings(const struct dhcp6_io *);

/* The server's counters and the packet I/O's.  Either may be NULL. */
void dhcp6_io_get_counters(const struct dhcp6_io *, struct dhcp6_counters *,
                           struct pktio_stats *);

/* Parses a binding as the tools write it:
 *
 *     MAC,IPV6[,KEY=VALUE]...
 *
 * with the keys dns (repeatable), search (repeatable), preferred, valid,
 * t1, t2 and info-refresh (seconds, or "infinite").  Modifies 's' and
 * makes 'cfg' point into it, so 's' must outlive its use.  Returns 0, or
 * -EINVAL with an explanation appended to 'error'. */
int dhcp6_binding_config_parse(struct dhcp6_binding_config *cfg, char *s,
                               struct ds *error);

#endif /* dhcp6-io.h */
