/* SPDX-License-Identifier: Apache-2.0
 *
 * pktio.h -- the node's packet I/O towards its VMs: receives the guest
 * frames ovnmig answers (ARP, DHCPv4, and IPv6 ND and DHCPv6) from every VM
 * port on the node, and sends replies out of the port a request came from.
 *
 * It scales with the number of ports by not having one socket per port: a
 * constant number of AF_PACKET sockets, each with a BPF filter (compiled by
 * libpcap) that keeps only those protocols, demultiplexed by the interface
 * index the kernel reports.  Frames from interfaces that are not registered
 * VM ports, and frames the host itself sent, are dropped and counted.
 * Ports are added and removed at run time, by the caller or by the kernel:
 * pktio listens to rtnetlink (libnl-3) and forgets a port whose interface
 * is deleted (RTM_DELLINK), telling its owner through the callback that
 * pktio_set_port_gone_cb() sets.
 *
 * Event-driven through libevent: pktio_create() registers its sockets with
 * the caller's event_base and calls 'cb' for every accepted frame.
 * Lifecycle and errors follow the tree's convention: 0 or a negative errno.
 */
#ifndef OVNMIG_PKTIO_H
#define OVNMIG_PKTIO_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct pktio;

/* The protocols a pktio receives (pktio_create()'s 'protocols'). */
enum pktio_protocol {
    PKTIO_ARP = 1 << 0,         /* ARP (and RARP is left alone). */
    PKTIO_DHCP4 = 1 << 1,       /* UDP to port 67. */
    PKTIO_ND = 1 << 2,          /* ICMPv6 RS, RA, NS and NA. */
    PKTIO_DHCP6 = 1 << 3,       /* UDP to port 547. */
};

/* Called for each frame received on a registered port.  'frame' is valid
 * only during the call.  'port_aux' is what pktio_add_port() was given. */
typedef void pktio_rx_cb(void *aux, int ifindex, void *port_aux,
                         const uint8_t *frame, size_t size);

/* Called once a port's interface has been deleted, after pktio forgot the
 * port: 'ifindex' is no longer valid and no frame will be delivered for
 * it.  'port_aux' is what pktio_add_port() was given; the callback may
 * free it. */
typedef void pktio_port_gone_cb(void *aux, int ifindex, void *port_aux);

/* The counters, each with the name tools print it under. */
#define PKTIO_STATS                                                      \
    /* Delivered to the callback. */                                    \
    PKTIO_STAT(rx_frames, "rx-frames")                                  \
    /* From an interface that is no VM port. */                         \
    PKTIO_STAT(rx_not_a_port, "rx-not-a-port")                          \
    /* Sent by this host: never answered. */                            \
    PKTIO_STAT(rx_outgoing, "rx-outgoing")                              \
    /* Longer than the receive buffer, or an offload header outside    \
     * the frame. */                                                    \
    PKTIO_STAT(rx_truncated, "rx-truncated")                            \
    /* Checksum left to offload by the sender, finished by pktio. */    \
    PKTIO_STAT(rx_csum_completed, "rx-csum-completed")                  \
    /* Socket queue overflows (PACKET_STATISTICS). */                   \
    PKTIO_STAT(rx_kernel_drops, "rx-kernel-drops")                      \
    PKTIO_STAT(tx_frames, "tx-frames")                                  \
    PKTIO_STAT(tx_errors, "tx-errors")                                  \
    /* Ports forgotten because their interface was deleted. */          \
    PKTIO_STAT(ports_vanished, "ports-vanished")                        \
    /* Link notifications lost (netlink overflow): every port was      \
     * checked again. */                                                \
    PKTIO_STAT(link_resyncs, "link-resyncs")

struct pktio_stats {
#define PKTIO_STAT(MEMBER, NAME) uint64_t MEMBER;
    PKTIO_STATS
#undef PKTIO_STAT
};

/* Creates a pktio receiving 'protocols' (a set of enum pktio_protocol) on
 * 'base'.  On success stores the new pktio in '*pktiop' and returns 0; the
 * caller frees it with pktio_destroy().  Needs CAP_NET_RAW. */
int pktio_create(struct event_base *base, unsigned int protocols,
                 pktio_rx_cb *cb, void *aux, struct pktio **pktiop);
void pktio_destroy(struct pktio *);

/* Sets the callback for ports whose interface was deleted (NULL: none;
 * pktio still forgets them).  'aux' is the one given to pktio_create(). */
void pktio_set_port_gone_cb(struct pktio *, pktio_port_gone_cb *);

/* Opt-in bounded busy polling: after each frame, keep polling the socket
 * for up to 'usecs' microseconds (0, the default: off; at most
 * PKTIO_BUSY_POLL_MAX_US) before going back to sleep in the event loop.
 * Saves the wakeup of a request that follows another closely; a pktio
 * with no traffic never spins, one with requests closer together than
 * 'usecs' keeps a CPU busy while they last, and the caller's other events
 * wait up to 'usecs' longer.  Returns 0 or -EINVAL. */
#define PKTIO_BUSY_POLL_MAX_US 1000
int pktio_set_busy_poll(struct pktio *, unsigned int usecs);

/* Asks the kernel to timestamp received frames (SO_TIMESTAMPNS); then
 * pktio_rx_time(), called from the receive callback, gives the time
 * (CLOCK_REALTIME) the frame being delivered reached the host.  For
 * measurements (the benchmark's load generator) and the ARP proxy's
 * kernel fast path.  The kernel turns stamping on receipt on
 * asynchronously: a frame read shortly after this call may carry the time
 * it was read instead.  Returns 0 or a negative errno. */
int pktio_enable_rx_timestamps(struct pktio *);
/* Stores the current frame's receive time in '*ts' and returns true, or
 * returns false (timestamps off, or called outside the callback). */
bool pktio_rx_time(const struct pktio *, struct timespec *ts);

/* Registers the interface 'ifname' as a VM port; returns its ifindex (> 0)
 * or a negative errno (-ENODEV, -EEXIST).  'port_aux' is passed back to
 * the callback for its frames; the pktio does not own it. */
int pktio_add_port(struct pktio *, const char *ifname, void *port_aux);
int pktio_remove_port(struct pktio *, int ifindex);
size_t pktio_n_ports(const struct pktio *);

/* Sends 'size' bytes of 'frame' (a whole Ethernet frame) out of the port
 * 'ifindex'.  Returns 0 or a negative errno. */
int pktio_send(struct pktio *, int ifindex, const void *frame, size_t size);

void pktio_get_stats(const struct pktio *, struct pktio_stats *);

#endif /* pktio.h */
