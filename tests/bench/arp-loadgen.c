/* SPDX-License-Identifier: Apache-2.0
 *
 * arp-loadgen -- the guest side of bench-arp and of the many-port lab test:
 * sends ARP requests for a gateway out of many guest interfaces, through
 * the same packet I/O the proxy uses (lib/pktio.h), and counts the
 * replies.  Whoever answers (ovnmig's proxy, the kernel's proxy_arp) is
 * measured the same way.
 *
 *   arp-loadgen --ports FILE [--target IP] MODE
 *     FILE: one guest interface a line, "IF,MAC,IP" (its MAC and address)
 *     latency --count N [--seconds S]   ping-pong, round robin over the
 *                            ports, for N samples or S seconds (default
 *                            10): prints p50/p99/max round trip in us,
 *                            twice: "wire" from just before the request is
 *                            sent to the kernel's receive timestamp of the
 *                            reply (the responder's latency as a guest's
 *                            kernel sees it), and "app" to when the load
 *                            generator itself got the reply (adds its own
 *                            wakeup whenever the reply was not already
 *                            queued when its send returned)
 *     rate --rate R --seconds S   R requests/s spread over the ports:
 *                            prints sent, received, lost
 *     check                  one request per port: prints the ports with
 *                            no reply and with more than one; exit 1 if any
 */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/packet.h"
#include "lib/pktio.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Bounds on a run, so that a benchmark always ends. */
#define LOADGEN_MAX_PORTS 4096
#define LOADGEN_MAX_SAMPLES 1000000
#define LOADGEN_REPLY_TIMEOUT_US 200000

struct lg_port {
    char ifname[IF_NAMESIZE];
    int ifindex;
    struct eth_addr mac;
    ovs_be32 ip;
    uint64_t replies;
    uint8_t request[ETH_HEADER_LEN + ARP_ETH_HEADER_LEN];
};

struct loadgen {
    struct event_base *base;
    struct pktio *pktio;
    ovs_be32 target;
    struct lg_port *ports;
    size_t n_ports;

    /* latency mode */
    size_t count, next;
    struct lg_port *waiting;        /* The port with a request out. */
    uint64_t sent_ns;
    uint64_t sent_wall_ns;          /* CLOCK_REALTIME, as rx timestamps. */
    uint64_t *rtts_ns;
    uint64_t *wire_ns;
    size_t n_wire;
    size_t n_rtts, n_lost;
    struct event *timeout;

    /* rate mode */
    uint64_t rate, sent, received;
    uint64_t start_ns, end_ns;
    struct event *tick;
};

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * UINT64_C(1000000000) + ts.tv_nsec;
}

static uint64_t
wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * UINT64_C(1000000000) + ts.tv_nsec;
}

static void
send_request(struct loadgen *lg, struct lg_port *port)
{
    if (!pktio_send(lg->pktio, port->ifindex, port->request,
                    sizeof port->request)) {
        lg->sent++;
    }
}

static void latency_next(struct loadgen *);

static void
on_frame(void *lg_, int ifindex, void *port_, const uint8_t *frame,
         size_t size)
{
    struct loadgen *lg = lg_;
    struct lg_port *port = port_;
    struct pkt_view v;

    if (pkt_parse(&v, frame, size) != PKT_OK || !v.arp
        || v.eth_type != ETH_TYPE_ARP
        || v.arp->ar_op != htons(ARP_OP_REPLY)
        || get_16aligned_be32(&v.arp->ar_spa) != lg->target
        || get_16aligned_be32(&v.arp->ar_tpa) != port->ip) {
        return;
    }
    port->replies++;
    lg->received++;
    if (lg->waiting == port) {
        struct timespec rx;
        lg->rtts_ns[lg->n_rtts++] = now_ns() - lg->sent_ns;
        if (pktio_rx_time(lg->pktio, &rx)) {
            uint64_t t = rx.tv_sec * UINT64_C(1000000000) + rx.tv_nsec;
            lg->wire_ns[lg->n_wire++] = t > lg->sent_wall_ns
                                        ? t - lg->sent_wall_ns : 0;
        }
        lg->waiting = NULL;
        latency_next(lg);
    }
}

static void
latency_next(struct loadgen *lg)
{
    if (lg->next >= lg->count || now_ns() >= lg->end_ns) {
        event_base_loopbreak(lg->base);
        return;
    }
    struct lg_port *port = &lg->ports[lg->next++ % lg->n_ports];
    struct timeval tv = { 0, LOADGEN_REPLY_TIMEOUT_US };
    /* The timer first: after the send, the load generator goes straight
     * back to sleep, so that a responder on its CPU gets it at once. */
    evtimer_add(lg->timeout, &tv);
    lg->waiting = port;
    lg->sent_ns = now_ns();
    lg->sent_wall_ns = wall_ns();
    send_request(lg, port);
}

static void
on_timeout(evutil_socket_t fd, short what, void *lg_)
{
    struct loadgen *lg = lg_;
    if (lg->waiting) {
        lg->waiting = NULL;
        lg->n_lost++;
        latency_next(lg);
    }
}

static int
compare_u64(const void *a_, const void *b_)
{
    uint64_t a = *(const uint64_t *) a_, b = *(const uint64_t *) b_;
    return a < b ? -1 : a > b;
}

static double
percentile_us(const uint64_t *sorted, size_t n, double p)
{
    if (!n) {
        return 0;
    }
    size_t i = (size_t) (p / 100.0 * (n - 1) + 0.5);
    return sorted[i] / 1000.0;
}

static int
run_latency(struct loadgen *lg, double seconds)
{
    lg->end_ns = now_ns() + (uint64_t) (seconds * 1e9);
    lg->rtts_ns = xcalloc(lg->count, sizeof *lg->rtts_ns);
    lg->wire_ns = xcalloc(lg->count, sizeof *lg->wire_ns);
    lg->timeout = evtimer_new(lg->base, on_timeout, lg);
    int error = pktio_enable_rx_timestamps(lg->pktio);
    if (error) {
        ovs_fatal(-error, "receive timestamps");
    }
    latency_next(lg);
    event_base_dispatch(lg->base);

    qsort(lg->rtts_ns, lg->n_rtts, sizeof *lg->rtts_ns, compare_u64);
    qsort(lg->wire_ns, lg->n_wire, sizeof *lg->wire_ns, compare_u64);
    printf("latency ports=%"PRIuSIZE" samples=%"PRIuSIZE" lost=%"PRIuSIZE
           " wire_p50_us=%.1f wire_p99_us=%.1f wire_max_us=%.1f"
           " app_p50_us=%.1f app_p99_us=%.1f app_max_us=%.1f\n",
           lg->n_ports, lg->n_rtts, lg->n_lost,
           percentile_us(lg->wire_ns, lg->n_wire, 50),
           percentile_us(lg->wire_ns, lg->n_wire, 99),
           percentile_us(lg->wire_ns, lg->n_wire, 100),
           percentile_us(lg->rtts_ns, lg->n_rtts, 50),
           percentile_us(lg->rtts_ns, lg->n_rtts, 99),
           percentile_us(lg->rtts_ns, lg->n_rtts, 100));
    event_free(lg->timeout);
    free(lg->rtts_ns);
    free(lg->wire_ns);
    return lg->n_rtts ? 0 : 1;
}

/* Every millisecond: sends what the rate owes by now, round robin. */
static void
on_tick(evutil_socket_t fd, short what, void *lg_)
{
    struct loadgen *lg = lg_;
    uint64_t now = now_ns();

    if (now >= lg->end_ns) {
        if (now >= lg->end_ns + LOADGEN_REPLY_TIMEOUT_US * UINT64_C(1000)) {
            event_base_loopbreak(lg->base);
        }
        return;
    }
    uint64_t due = (now - lg->start_ns) * lg->rate / UINT64_C(1000000000);
    while (lg->next < due) {
        send_request(lg, &lg->ports[lg->next++ % lg->n_ports]);
    }
}

static int
run_rate(struct loadgen *lg, double seconds)
{
    struct timeval ms = { 0, 1000 };
    lg->tick = event_new(lg->base, -1, EV_PERSIST, on_tick, lg);
    lg->start_ns = now_ns();
    lg->end_ns = lg->start_ns + (uint64_t) (seconds * 1e9);
    evtimer_add(lg->tick, &ms);
    event_base_dispatch(lg->base);
    event_free(lg->tick);

    double elapsed = (lg->end_ns - lg->start_ns) / 1e9;
    printf("rate ports=%"PRIuSIZE" offered=%"PRIu64" achieved=%.0f "
           "sent=%"PRIu64" received=%"PRIu64" lost=%"PRId64"\n",
           lg->n_ports, lg->rate, lg->sent / elapsed, lg->sent, lg->received,
           (int64_t) (lg->sent - lg->received));
    return 0;
}

static int
run_check(struct loadgen *lg)
{
    for (size_t i = 0; i < lg->n_ports; i++) {
        send_request(lg, &lg->ports[i]);
    }
    struct timeval tv = { 1, 0 };
    event_base_loopexit(lg->base, &tv);
    event_base_dispatch(lg->base);

    size_t silent = 0, repeated = 0;
    for (size_t i = 0; i < lg->n_ports; i++) {
        const struct lg_port *p = &lg->ports[i];
        if (!p->replies) {
            printf("no reply on %s\n", p->ifname);
            silent++;
        } else if (p->replies > 1) {
            printf("%"PRIu64" replies on %s\n", p->replies, p->ifname);
            repeated++;
        }
    }
    printf("check ports=%"PRIuSIZE" answered=%"PRIuSIZE" silent=%"PRIuSIZE
           " repeated=%"PRIuSIZE"\n", lg->n_ports, lg->n_ports - silent,
           silent, repeated);
    return silent || repeated;
}

static void
read_ports(const char *name, struct loadgen *lg)
{
    FILE *f = fopen(name, "r");
    if (!f) {
        ovs_fatal(errno, "%s", name);
    }
    struct ds line = DS_EMPTY_INITIALIZER;
    lg->ports = xcalloc(LOADGEN_MAX_PORTS, sizeof *lg->ports);
    while (!ds_get_line(&line, f)) {
        char *save = NULL;
        char *ifname = strtok_r(ds_cstr(&line), ", \t", &save);
        char *mac = strtok_r(NULL, ", \t", &save);
        char *ip = strtok_r(NULL, ", \t", &save);
        if (!ifname || ifname[0] == '#') {
            continue;
        }
        if (lg->n_ports >= LOADGEN_MAX_PORTS) {
            ovs_fatal(0, "%s: more than %d ports", name, LOADGEN_MAX_PORTS);
        }
        struct lg_port *p = &lg->ports[lg->n_ports];
        if (!mac || !ip || strlen(ifname) >= IF_NAMESIZE
            || !eth_addr_from_string(mac, &p->mac) || !ip_parse(ip, &p->ip)) {
            ovs_fatal(0, "%s: bad line (want IF,MAC,IP)", name);
        }
        ovs_strlcpy(p->ifname, ifname, sizeof p->ifname);
        lg->n_ports++;
    }
    ds_destroy(&line);
    fclose(f);
    if (!lg->n_ports) {
        ovs_fatal(0, "%s: no ports", name);
    }
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"ports", required_argument, NULL, 'p'},
        {"target", required_argument, NULL, 't'},
        {"count", required_argument, NULL, 'c'},
        {"rate", required_argument, NULL, 'r'},
        {"seconds", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct loadgen lg = { .count = 1000, .rate = 1000 };
    const char *ports_file = NULL;
    double seconds = 1;
    bool seconds_set = false;

    ovs_set_program_name(argv[0], VERSION);
    ip_parse("169.254.1.1", &lg.target);
    for (int c; (c = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (c) {
        case 'p': ports_file = optarg; break;
        case 't':
            if (!ip_parse(optarg, &lg.target)) {
                ovs_fatal(0, "--target %s: not an IPv4 address", optarg);
            }
            break;
        case 'c': lg.count = MIN(strtoull(optarg, NULL, 10),
                                 LOADGEN_MAX_SAMPLES); break;
        case 'r': lg.rate = strtoull(optarg, NULL, 10); break;
        case 's':
            seconds = MIN(strtod(optarg, NULL), 60);
            seconds_set = true;
            break;
        default: exit(2);
        }
    }
    if (!ports_file || optind != argc - 1) {
        ovs_fatal(0, "usage: %s --ports FILE [--target IP] "
                  "latency|rate|check [options]", program_name);
    }
    read_ports(ports_file, &lg);

    lg.base = event_base_new();
    int error = pktio_create(lg.base, PKTIO_ARP, on_frame, &lg, &lg.pktio);
    if (error) {
        ovs_fatal(-error, "packet socket");
    }
    for (size_t i = 0; i < lg.n_ports; i++) {
        struct lg_port *p = &lg.ports[i];
        p->ifindex = pktio_add_port(lg.pktio, p->ifname, p);
        if (p->ifindex < 0) {
            ovs_fatal(-p->ifindex, "%s", p->ifname);
        }
        struct ofpbuf b;
        ofpbuf_use_stack(&b, p->request, sizeof p->request);
        pkt_put_eth(&b, eth_addr_broadcast, p->mac, ETH_TYPE_ARP);
        pkt_put_arp(&b, ARP_OP_REQUEST, p->mac, p->ip, eth_addr_zero,
                    lg.target);
    }

    const char *mode = argv[optind];
    int rc;
    if (!strcmp(mode, "latency")) {
        rc = run_latency(&lg, seconds_set ? seconds : 10);
    } else if (!strcmp(mode, "rate")) {
        rc = run_rate(&lg, seconds);
    } else if (!strcmp(mode, "check")) {
        rc = run_check(&lg);
    } else {
        ovs_fatal(0, "unknown mode %s", mode);
    }
    struct pktio_stats s;
    pktio_get_stats(lg.pktio, &s);
    if (s.rx_kernel_drops || s.tx_errors) {
        printf("loadgen: own socket drops %"PRIu64", send errors %"PRIu64
               "\n",
               s.rx_kernel_drops, s.tx_errors);
    }
    pktio_destroy(lg.pktio);
    event_base_free(lg.base);
    free(lg.ports);
    return rc;
}
