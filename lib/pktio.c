/* SPDX-License-Identifier: Apache-2.0
 *
 * pktio.c -- one AF_PACKET socket for all the VM ports of a node.
 *
 * The socket is not bound to an interface: a BPF program compiled by
 * libpcap keeps only the protocols asked for, the kernel reports the
 * interface index of each frame, and an hmap of the registered ports turns
 * that into the port's 'aux'.  So the cost of a port is one hmap node, not
 * a socket and a ring; the socket's receive buffer is shared by all ports.
 *
 * A frame whose checksum the sender left to offload (a kernel socket on a
 * veth with TX checksumming on) arrives with only the pseudo-header sum in
 * its checksum field.  The socket runs with PACKET_VNET_HDR, so the kernel
 * says which frames those are and where their checksum goes, and pktio
 * finishes it as the kernel itself would (skb_checksum_help()): the
 * protocol cores always see complete checksums and can verify them.
 *
 * Replies leave through the same socket, addressed by interface index.
 * PACKET_IGNORE_OUTGOING keeps them (and anything else the host sends) from
 * coming back to us; frames that still arrive marked outgoing are counted
 * and dropped.
 *
 * A port whose interface is deleted (the VM's veth or tap went away with
 * the VM) must leave nothing behind: a NETLINK_ROUTE socket (libnl-3)
 * subscribed to link notifications tells pktio, which forgets the port
 * and calls the owner's port-gone callback so that it forgets it too.  If
 * notifications are lost (the netlink socket overflowed), every port is
 * checked against the kernel again.
 *
 * Latency: the wakeup of the process and two system calls are nearly the
 * whole cost (a bare poll/recv/send echo on such a socket takes 10.3 us of
 * our 11-13 on the lab VM); the BPF filter, recvmmsg() and the address on
 * each send cost nothing measurable.  A TPACKET_V2 ring would save about
 * 1 us for fixed slots; a TPACKET_V3 ring holds frames until a block is
 * retired (p50 0.9 ms with a 1 ms timeout).  Opt-in bounded busy polling
 * (pktio_set_busy_poll()) saves the wakeup of requests that follow each
 * other closely.  Figures: docs/ovnmig-arpproxy.8, PERFORMANCE. */
#include <config.h>
#include "lib/pktio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "csum.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(pktio);

/* The largest frame received whole: a jumbo frame.  Longer ones are
 * counted in rx_truncated and dropped. */
#define PKTIO_FRAME_MAX 9216
/* Room in front of each frame to put back a VLAN tag the kernel took off. */
#define PKTIO_HEADROOM 4
/* Frames taken per recvmmsg(), and batches per wakeup before yielding to
 * the other events of the loop (the level-triggered event fires again). */
#define PKTIO_BATCH 32
#define PKTIO_BATCHES_PER_EVENT 8
/* The socket's receive buffer, shared by all ports: about 5,000 small
 * frames of burst before the kernel drops (rx_kernel_drops). */
#define PKTIO_RCVBUF (4 * 1024 * 1024)
/* Ports are added by the node's own control plane, not by a guest; the
 * limit only bounds a runaway caller: pktio_add_port() returns -ENOSPC. */
#define PKTIO_MAX_PORTS 65536
/* The link notification socket's receive buffer: deleting a few thousand
 * interfaces at once fits; beyond, resync_ports() catches up. */
#define PKTIO_NL_RCVBUF (1024 * 1024)

struct pktio_port {
    struct hmap_node node;      /* In pktio->ports, by hash of ifindex. */
    int ifindex;
    void *aux;                  /* The caller's; not owned. */
};

struct pktio {
    int fd;
    struct event *ev;
    pktio_rx_cb *cb;
    pktio_port_gone_cb *gone_cb;
    void *aux;
    struct hmap ports;
    struct pktio_stats stats;

    /* Link notifications (RTM_DELLINK). */
    struct nl_sock *nl;
    struct event *nl_ev;

    unsigned int busy_poll_us;  /* 0: off. */
    bool rx_time_valid;         /* 'rx_time' is the current frame's. */
    struct timespec rx_time;

    /* Receive buffers for one recvmmsg() batch: the kernel's virtio-net
     * header, then the frame. */
    struct mmsghdr msgs[PKTIO_BATCH];
    struct iovec iovs[PKTIO_BATCH][2];
    struct virtio_net_hdr vnet[PKTIO_BATCH];
    struct sockaddr_ll addrs[PKTIO_BATCH];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))
                 + CMSG_SPACE(sizeof(struct timespec))];
    } cmsgs[PKTIO_BATCH];
    uint8_t frames[PKTIO_BATCH][PKTIO_HEADROOM + PKTIO_FRAME_MAX];
};

static void pktio_on_readable(evutil_socket_t, short, void *);
static void pktio_on_link_event(evutil_socket_t, short, void *);
static struct pktio_port *find_port(const struct pktio *, int ifindex);

/* Builds the libpcap filter expression for 'protocols'.  The caller must
 * free the result with ds_destroy(). */
static void
build_filter(unsigned int protocols, struct ds *expr)
{
    static const struct {
        unsigned int protocol;
        const char *expr;
    } filters[] = {
        { PKTIO_ARP, "arp" },
        { PKTIO_DHCP4, "(ip and udp dst port 67)" },
        /* Router solicitations and advertisements, neighbor
         * solicitations and advertisements (RFC 4861 §4.1-§4.4): ICMPv6
         * types 133 to 136 right after the fixed IPv6 header.  Hosts
         * send them without extension headers, and RFC 6980 forbids
         * fragmented ones. */
        { PKTIO_ND, "(ip6 and ip6[6] == 58 and ip6[40] >= 133 "
                    "and ip6[40] <= 136)" },
        { PKTIO_DHCP6, "(ip6 and udp dst port 547)" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
        if (protocols & filters[i].protocol) {
            ds_put_format(expr, "%s%s", expr->length ? " or " : "",
                          filters[i].expr);
        }
    }
}

/* Compiles 'protocols' to classic BPF with libpcap and attaches it to
 * 'fd'.  Returns 0 or a negative errno. */
static int
attach_filter(int fd, unsigned int protocols)
{
    struct ds expr = DS_EMPTY_INITIALIZER;
    build_filter(protocols, &expr);

    pcap_t *pcap = pcap_open_dead(DLT_EN10MB, PKTIO_FRAME_MAX);
    if (!pcap) {
        ds_destroy(&expr);
        return -ENOMEM;
    }

    struct bpf_program prog;
    int error = 0;
    if (pcap_compile(pcap, &prog, ds_cstr(&expr), 1,
                     PCAP_NETMASK_UNKNOWN)) {
        VLOG_ERR("cannot compile filter \"%s\": %s", ds_cstr(&expr),
                 pcap_geterr(pcap));
        error = -EINVAL;
    } else {
        /* struct bpf_insn and struct sock_filter share one layout. */
        struct sock_fprog fprog = {
            .len = prog.bf_len,
            .filter = (struct sock_filter *) prog.bf_insns,
        };
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog,
                       sizeof fprog)) {
            error = -errno;
            VLOG_ERR("cannot attach filter: %s", ovs_strerror(errno));
        }
        pcap_freecode(&prog);
    }
    pcap_close(pcap);
    ds_destroy(&expr);
    return error;
}

static int
open_socket(unsigned int protocols)
{
    /* Protocol 0 receives nothing until bind(): so no frame slips in
     * before the filter is attached. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }

    int one = 1, rcvbuf = PKTIO_RCVBUF;
    int error = attach_filter(fd, protocols);
    if (!error && setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one,
                             sizeof one)) {
        error = -errno;
    }
    if (!error && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one,
                             sizeof one)) {
        error = -errno;
    }
    if (!error
        && setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
                      sizeof one)) {
        /* Before Linux 4.20: outgoing frames arrive and are dropped here. */
        VLOG_INFO("PACKET_IGNORE_OUTGOING: %s", ovs_strerror(errno));
    }
    if (!error
        && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf)
        && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf)) {
        VLOG_WARN("cannot set the receive buffer: %s", ovs_strerror(errno));
    }
    if (!error) {
        struct sockaddr_ll sll = {
            .sll_family = AF_PACKET,
            .sll_protocol = htons(ETH_P_ALL),
            .sll_ifindex = 0,           /* Every interface. */
        };
        if (bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
            error = -errno;
        }
    }
    if (error) {
        close(fd);
        return error;
    }
    return fd;
}

/* Forgets the port 'port', whose interface is gone, and tells the owner. */
static void
port_vanished(struct pktio *p, struct pktio_port *port)
{
    int ifindex = port->ifindex;
    void *port_aux = port->aux;

    hmap_remove(&p->ports, &port->node);
    free(port);
    p->stats.ports_vanished++;
    VLOG_INFO("ifindex %d: interface deleted, port forgotten", ifindex);
    if (p->gone_cb) {
        p->gone_cb(p->aux, ifindex, port_aux);
    }
}

/* Checks every port's interface against the kernel, after notifications
 * were lost. */
static void
resync_ports(struct pktio *p)
{
    struct pktio_port *port;
    p->stats.link_resyncs++;
    HMAP_FOR_EACH_SAFE (port, node, &p->ports) {
        char name[IF_NAMESIZE];
        if (!if_indextoname(port->ifindex, name) && errno == ENXIO) {
            port_vanished(p, port);
        }
    }
}

/* libnl's callback for each link notification. */
static int
on_link_msg(struct nl_msg *msg, void *p_)
{
    struct pktio *p = p_;
    const struct nlmsghdr *nlh = nlmsg_hdr(msg);

    if (nlh->nlmsg_type != RTM_DELLINK
        || !nlmsg_valid_hdr(nlh, sizeof(struct ifinfomsg))) {
        return NL_OK;
    }
    const struct ifinfomsg *ifi = nlmsg_data(nlh);
    struct pktio_port *port = find_port(p, ifi->ifi_index);
    /* A bridge also sends RTM_DELLINK (family AF_BRIDGE) when a port only
     * leaves it: believe the kernel's answer for the index instead. */
    char name[IF_NAMESIZE];
    if (port && !if_indextoname(ifi->ifi_index, name) && errno == ENXIO) {
        port_vanished(p, port);
    }
    return NL_OK;
}

static void
pktio_on_link_event(evutil_socket_t fd, short what, void *p_)
{
    struct pktio *p = p_;
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    /* One read per event; the level-triggered event fires again while
     * more is queued. */
    int error = nl_recvmsgs_default(p->nl);
    if (error < 0 && error != -NLE_AGAIN && error != -NLE_INTR) {
        /* ENOBUFS (libnl: NLE_NOMEM): notifications were lost. */
        VLOG_WARN_RL(&rl, "link notifications: %s; checking every port",
                     nl_geterror(error));
        resync_ports(p);
    }
}

/* Subscribes to link notifications on 'base'.  Returns 0 or a negative
 * errno. */
static int
open_link_watch(struct pktio *p, struct event_base *base)
{
    p->nl = nl_socket_alloc();
    if (!p->nl) {
        return -ENOMEM;
    }
    /* Notifications carry no sequence number we asked for. */
    nl_socket_disable_seq_check(p->nl);
    nl_socket_modify_cb(p->nl, NL_CB_VALID, NL_CB_CUSTOM, on_link_msg, p);
    int error = nl_connect(p->nl, NETLINK_ROUTE);
    if (!error) {
        error = nl_socket_add_membership(p->nl, RTNLGRP_LINK);
    }
    if (!error) {
        error = nl_socket_set_nonblocking(p->nl);
    }
    if (error) {
        VLOG_ERR("rtnetlink: %s", nl_geterror(error));
        return -EIO;
    }
    if (nl_socket_set_buffer_size(p->nl, PKTIO_NL_RCVBUF, 0)) {
        VLOG_WARN("rtnetlink: cannot set the receive buffer");
    }
    p->nl_ev = event_new(base, nl_socket_get_fd(p->nl), EV_READ | EV_PERSIST,
                         pktio_on_link_event, p);
    if (!p->nl_ev || event_add(p->nl_ev, NULL)) {
        return -ENOMEM;
    }
    return 0;
}

int
pktio_create(struct event_base *base, unsigned int protocols,
             pktio_rx_cb *cb, void *aux, struct pktio **pktiop)
{
    *pktiop = NULL;
    if (!base || !cb || !protocols
        || protocols & ~(PKTIO_ARP | PKTIO_DHCP4 | PKTIO_ND | PKTIO_DHCP6)) {
        return -EINVAL;
    }

    int fd = open_socket(protocols);
    if (fd < 0) {
        VLOG_ERR("cannot open the packet socket: %s", ovs_strerror(-fd));
        return fd;
    }

    struct pktio *p = xzalloc(sizeof *p);
    p->fd = fd;
    p->cb = cb;
    p->aux = aux;
    hmap_init(&p->ports);
    for (size_t i = 0; i < PKTIO_BATCH; i++) {
        p->iovs[i][0].iov_base = &p->vnet[i];
        p->iovs[i][0].iov_len = sizeof p->vnet[i];
        p->iovs[i][1].iov_base = p->frames[i] + PKTIO_HEADROOM;
        p->iovs[i][1].iov_len = PKTIO_FRAME_MAX;
    }
    p->ev = event_new(base, fd, EV_READ | EV_PERSIST, pktio_on_readable, p);
    if (!p->ev || event_add(p->ev, NULL)) {
        pktio_destroy(p);
        return -ENOMEM;
    }
    int error = open_link_watch(p, base);
    if (error) {
        VLOG_ERR("cannot watch link notifications: %s", ovs_strerror(-error));
        pktio_destroy(p);
        return error;
    }
    *pktiop = p;
    return 0;
}

void
pktio_destroy(struct pktio *p)
{
    if (!p) {
        return;
    }
    if (p->ev) {
        event_free(p->ev);
    }
    if (p->nl_ev) {
        event_free(p->nl_ev);
    }
    nl_socket_free(p->nl);
    close(p->fd);
    struct pktio_port *port;
    HMAP_FOR_EACH_POP (port, node, &p->ports) {
        free(port);
    }
    hmap_destroy(&p->ports);
    free(p);
}

void
pktio_set_port_gone_cb(struct pktio *p, pktio_port_gone_cb *cb)
{
    p->gone_cb = cb;
}

int
pktio_set_busy_poll(struct pktio *p, unsigned int usecs)
{
    if (usecs > PKTIO_BUSY_POLL_MAX_US) {
        return -EINVAL;
    }
    p->busy_poll_us = usecs;
    return 0;
}

int
pktio_enable_rx_timestamps(struct pktio *p)
{
    int one = 1;
    if (setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one)) {
        return -errno;
    }
    return 0;
}

bool
pktio_rx_time(const struct pktio *p, struct timespec *ts)
{
    if (p->rx_time_valid) {
        *ts = p->rx_time;
    }
    return p->rx_time_valid;
}

static struct pktio_port *
find_port(const struct pktio *p, int ifindex)
{
    struct pktio_port *port;
    HMAP_FOR_EACH_WITH_HASH (port, node, hash_int(ifindex, 0), &p->ports) {
        if (port->ifindex == ifindex) {
            return port;
        }
    }
    return NULL;
}

int
pktio_add_port(struct pktio *p, const char *ifname, void *port_aux)
{
    if (!ifname || strnlen(ifname, IF_NAMESIZE) >= IF_NAMESIZE) {
        return -EINVAL;
    }
    int ifindex = if_nametoindex(ifname);
    if (!ifindex) {
        return -ENODEV;
    }
    if (find_port(p, ifindex)) {
        return -EEXIST;
    }
    if (hmap_count(&p->ports) >= PKTIO_MAX_PORTS) {
        return -ENOSPC;
    }
    struct pktio_port *port = xmalloc(sizeof *port);
    port->ifindex = ifindex;
    port->aux = port_aux;
    hmap_insert(&p->ports, &port->node, hash_int(ifindex, 0));
    return ifindex;
}

int
pktio_remove_port(struct pktio *p, int ifindex)
{
    struct pktio_port *port = find_port(p, ifindex);
    if (!port) {
        return -ENOENT;
    }
    hmap_remove(&p->ports, &port->node);
    free(port);
    return 0;
}

size_t
pktio_n_ports(const struct pktio *p)
{
    return hmap_count(&p->ports);
}

/* Reads the kernel's auxiliary data of 'msg': the receive time, if asked
 * for, into 'p->rx_time', and the 802.1Q tag the kernel took off the
 * frame, which is put back so that the protocol cores see the frame as
 * the guest sent it (and drop it as tagged: VM ports are access ports).
 * The frame starts PKTIO_HEADROOM bytes into 'slot'; returns where it
 * starts now. */
static uint8_t *
read_cmsgs(struct pktio *p, uint8_t *slot, size_t *size,
           const struct msghdr *msg)
{
    uint8_t *frame = slot + PKTIO_HEADROOM;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c;
         c = CMSG_NXTHDR(CONST_CAST(struct msghdr *, msg), c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS
            && c->cmsg_len >= CMSG_LEN(sizeof p->rx_time)) {
            memcpy(&p->rx_time, CMSG_DATA(c), sizeof p->rx_time);
            p->rx_time_valid = true;
            continue;
        }
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA
            || c->cmsg_len < CMSG_LEN(sizeof(struct tpacket_auxdata))) {
            continue;
        }
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || *size < 12
            || frame != slot + PKTIO_HEADROOM) {
            continue;
        }
        uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID
                         ? aux.tp_vlan_tpid : ETH_P_8021Q);
        ovs_be16 tag[2] = { htons(tpid), htons(aux.tp_vlan_tci) };
        memmove(slot, frame, 12);
        memcpy(slot + 12, tag, sizeof tag);
        *size += sizeof tag;
        frame = slot;
    }
    return frame;
}

/* Finishes the checksum of a frame sent with checksum offload: the kernel
 * left the pseudo-header sum at csum_start + csum_offset, to be completed
 * over everything from csum_start on (virtio-net's contract).  Returns
 * false if the header points outside the frame. */
static bool
complete_checksum(const struct virtio_net_hdr *vnet, uint8_t *frame,
                  size_t size)
{
    size_t start = vnet->csum_start, field = start + vnet->csum_offset;
    if (start >= size || field + 2 > size) {
        return false;
    }
    ovs_be16 sum = csum(frame + start, size - start);
    if (!sum) {
        sum = htons(0xffff);    /* As the kernel sends a computed zero. */
    }
    memcpy(frame + field, &sum, sizeof sum);
    return true;
}

static void
deliver(struct pktio *p, size_t i)
{
    struct mmsghdr *m = &p->msgs[i];
    const struct sockaddr_ll *sll = &p->addrs[i];
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    if (m->msg_hdr.msg_flags & MSG_TRUNC) {
        p->stats.rx_truncated++;
        VLOG_DBG_RL(&rl, "ifindex %d: frame over %d bytes dropped",
                    sll->sll_ifindex, PKTIO_FRAME_MAX);
        return;
    }
    if (sll->sll_pkttype == PACKET_OUTGOING) {
        p->stats.rx_outgoing++;
        return;
    }
    struct pktio_port *port = find_port(p, sll->sll_ifindex);
    if (!port) {
        p->stats.rx_not_a_port++;
        VLOG_DBG_RL(&rl, "ifindex %d is no VM port: frame dropped",
                    sll->sll_ifindex);
        return;
    }
    if (m->msg_len < sizeof p->vnet[i]) {
        p->stats.rx_truncated++;
        return;
    }
    size_t size = m->msg_len - sizeof p->vnet[i];
    if (p->vnet[i].flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        if (!complete_checksum(&p->vnet[i], p->frames[i] + PKTIO_HEADROOM,
                               size)) {
            p->stats.rx_truncated++;
            return;
        }
        p->stats.rx_csum_completed++;
    }
    const uint8_t *frame = read_cmsgs(p, p->frames[i], &size, &m->msg_hdr);
    p->stats.rx_frames++;
    p->cb(p->aux, port->ifindex, port->aux, frame, size);
    p->rx_time_valid = false;
}

static uint64_t
monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * UINT64_C(1000000) + ts.tv_nsec / 1000;
}

/* Receives one batch and delivers it.  Returns the number of frames
 * received, 0 if there were none, or -1 on error. */
static int
receive_batch(struct pktio *p)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    for (size_t i = 0; i < PKTIO_BATCH; i++) {
        struct msghdr *h = &p->msgs[i].msg_hdr;
        h->msg_name = &p->addrs[i];
        h->msg_namelen = sizeof p->addrs[i];
        h->msg_iov = p->iovs[i];
        h->msg_iovlen = 2;
        h->msg_control = p->cmsgs[i].buf;
        h->msg_controllen = sizeof p->cmsgs[i].buf;
        h->msg_flags = 0;
    }
    int n = recvmmsg(p->fd, p->msgs, PKTIO_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
            return 0;
        }
        VLOG_WARN_RL(&rl, "receive failed: %s", ovs_strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        deliver(p, i);
    }
    return n;
}

static void
pktio_on_readable(evutil_socket_t fd, short what, void *p_)
{
    struct pktio *p = p_;

    for (int batch = 0; batch < PKTIO_BATCHES_PER_EVENT; batch++) {
        int n = receive_batch(p);
        if (n < 0) {
            return;
        }
        if (n < PKTIO_BATCH) {
            break;
        }
    }
    if (!p->busy_poll_us) {
        return;
    }

    /* Busy polling: the window restarts with every frame, and ends
     * 'busy_poll_us' after the last one, or after as many frames as one
     * event may take (the loop's other events get their turn). */
    uint64_t last = monotonic_us();
    int budget = PKTIO_BATCH * PKTIO_BATCHES_PER_EVENT;
    while (budget > 0) {
        int n = receive_batch(p);
        if (n < 0) {
            return;
        }
        uint64_t now = monotonic_us();
        if (n) {
            budget -= n;
            last = now;
        } else if (now - last >= p->busy_poll_us) {
            return;
        }
    }
}

int
pktio_send(struct pktio *p, int ifindex, const void *frame, size_t size)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    if (ifindex <= 0 || !frame || size < ETH_HLEN || size > PKTIO_FRAME_MAX) {
        p->stats.tx_errors++;
        return -EINVAL;
    }
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_ifindex = ifindex,
    };
    /* A zero virtio-net header: the frame is complete, nothing to
     * offload. */
    struct virtio_net_hdr vnet = { .flags = 0 };
    struct iovec iov[2] = {
        { .iov_base = &vnet, .iov_len = sizeof vnet },
        { .iov_base = CONST_CAST(void *, frame), .iov_len = size },
    };
    struct msghdr msg = {
        .msg_name = &sll, .msg_namelen = sizeof sll,
        .msg_iov = iov, .msg_iovlen = 2,
    };
    ssize_t n = sendmsg(p->fd, &msg, 0);
    if (n < 0) {
        int error = errno;
        p->stats.tx_errors++;
        VLOG_WARN_RL(&rl, "ifindex %d: send failed: %s", ifindex,
                     ovs_strerror(error));
        return -error;
    }
    p->stats.tx_frames++;
    return 0;
}

void
pktio_get_stats(const struct pktio *p_, struct pktio_stats *stats)
{
    /* Reading the kernel's counters resets them: fold them into ours. */
    struct pktio *p = CONST_CAST(struct pktio *, p_);
    struct tpacket_stats kstats;
    socklen_t len = sizeof kstats;
    if (!getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &kstats, &len)) {
        p->stats.rx_kernel_drops += kstats.tp_drops;
    }
    *stats = p->stats;
}
