/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmig-router6 -- the guest's IPv6 router (RA, and NA for fe80::1) and
 * DHCPv6 server, standalone: for tests, benchmarks and network engineers.
 * The IPv6 siblings of ovnmig-arpproxy and ovnmig-dhcpd, in one process
 * because a guest needs both.  ovnmigd runs the same code (ndp-io.h,
 * dhcp6-io.h) for the ports it manages. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arpproxy/ndp-io.h"
#include "dhcpd/dhcp6-io.h"
#include "lib/tool.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "svec.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ovnmig_router6);

/* Exit codes. */
enum {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1,           /* Could not serve: socket, interface... */
    EXIT_USAGE = 2,             /* Bad command line. */
};

struct options {
    struct svec interfaces;     /* From --interface, in order... */
    struct svec bindings;       /* ...and the --binding of each. */
    struct ndp_config router;
    struct dhcp6_server_config server;
    bool inactive;              /* No unsolicited RAs. */
};

struct server {
    struct ndp_io *ndp;
    struct dhcp6_io *dhcp6;
};

static void OVS_NO_RETURN
usage(void)
{
    printf("\
%s: the guest's IPv6 router and DHCPv6 server of ovnmig\n\
usage: %s [OPTIONS]\n\
\n\
On each interface given, answers the guest's Router Solicitations with\n\
Router Advertisements from fe80::1 (M=1, O=1, no prefix information, MTU,\n\
RDNSS, DNSSL), sends unsolicited ones periodically, answers Neighbor\n\
Solicitations for fe80::1 (and --gateway) with R=1, S=1, O=1, and answers\n\
DHCPv6 (RFC 8415) from the guest's binding: the same answers, and the\n\
same server DUID (DUID-LL of the MAC), on every node.\n\
\n\
Interfaces and bindings:\n\
  -i, --interface=IF        serve IF (repeatable); one --binding each\n\
  -b, --binding=MAC,IPV6[,KEY=VALUE]...\n\
                            the guest of the last --interface\n\
Binding keys (DHCPv6):\n\
  dns=IPV6                  a DNS server (option 23; repeatable, up to %d;\n\
                            default: the --dns servers)\n\
  search=NAME               a search domain (option 24; repeatable, up to\n\
                            %d; default: the --search domains)\n\
  preferred=SECONDS, valid=SECONDS, t1=SECONDS, t2=SECONDS\n\
                            the address's lifetimes (default %u and %u;\n\
                            T1, T2: 0.5 and 0.8 of the preferred one)\n\
  info-refresh=SECONDS      option 32 (default %u)\n\
Router:\n\
  -m, --mac=MAC             the router's MAC (default %s)\n\
  -g, --gateway=IPV6        also answer NS for this address (repeatable)\n\
      --dns=IPV6            RDNSS, and the bindings' default (repeatable)\n\
      --search=NAME         DNSSL, and the bindings' default (repeatable)\n\
      --mtu=N               the RA's MTU option (default: none)\n\
      --router-lifetime=SECONDS  default 1800\n\
      --max-interval=SECONDS     unsolicited RAs (default 600)\n\
      --min-interval=SECONDS     (default 0.33 of the maximum)\n\
      --inactive            no unsolicited RAs, only answers to RS\n\
      --no-rapid-commit     answer Solicit with Advertise always\n\
Other:\n\
  -v, --verbose[=SPEC]      vlog levels (e.g. -v, -vconsole:dbg)\n\
  -h, --help                this help\n\
  -V, --version             the version\n\
\n\
Counters are printed on SIGUSR1 and at exit, on stdout, one \"name value\"\n\
a line.  Stops cleanly on SIGINT and SIGTERM.  Needs CAP_NET_RAW.\n\
Exit codes: 0 stopped by a signal, 1 could not serve, 2 bad arguments.\n",
           program_name, program_name, DHCP6_MAX_DNS, DHCP6_MAX_SEARCH,
           DHCP6_DEFAULT_PREFERRED_LIFETIME, DHCP6_DEFAULT_VALID_LIFETIME,
           DHCP6_DEFAULT_INFO_REFRESH_TIME, NDP_DEFAULT_GATEWAY_MAC);
    exit(EXIT_OK);
}

static uint32_t
parse_uint(const char *option, const char *s, uint32_t max)
{
    unsigned int x;
    if (s[0] < '0' || s[0] > '9' || !str_to_uint(s, 10, &x) || x > max) {
        tool_usage_error("--%s %s: not a number up to %"PRIu32, option, s, max);
    }
    return x;
}

static void
parse_ipv6(const char *option, const char *s, struct in6_addr *a)
{
    if (inet_pton(AF_INET6, s, a) != 1) {
        tool_usage_error("--%s %s: not an IPv6 address", option, s);
    }
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
    enum {
        OPT_DNS = UCHAR_MAX + 1, OPT_SEARCH, OPT_MTU, OPT_LIFETIME,
        OPT_MAX_INTERVAL, OPT_MIN_INTERVAL, OPT_INACTIVE, OPT_NO_RAPID,
    };
    static const struct option long_options[] = {
        {"interface", required_argument, NULL, 'i'},
        {"binding", required_argument, NULL, 'b'},
        {"mac", required_argument, NULL, 'm'},
        {"gateway", required_argument, NULL, 'g'},
        {"dns", required_argument, NULL, OPT_DNS},
        {"search", required_argument, NULL, OPT_SEARCH},
        {"mtu", required_argument, NULL, OPT_MTU},
        {"router-lifetime", required_argument, NULL, OPT_LIFETIME},
        {"max-interval", required_argument, NULL, OPT_MAX_INTERVAL},
        {"min-interval", required_argument, NULL, OPT_MIN_INTERVAL},
        {"inactive", no_argument, NULL, OPT_INACTIVE},
        {"no-rapid-commit", no_argument, NULL, OPT_NO_RAPID},
        {"verbose", optional_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct ndp_config *r = &o->router;

    memset(o, 0, sizeof *o);
    svec_init(&o->interfaces);
    svec_init(&o->bindings);
    ndp_config_init(r);
    dhcp6_server_config_init(&o->server);

    for (;;) {
        int c = getopt_long(argc, argv, "i:b:m:g:v::hV", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'i':
            if (strlen(optarg) >= IF_NAMESIZE) {
                tool_usage_error("--interface %s: name too long", optarg);
            }
            if (o->interfaces.n > o->bindings.n) {
                tool_usage_error("--interface %s: the one before has no "
                            "--binding", optarg);
            }
            svec_add(&o->interfaces, optarg);
            break;
        case 'b':
            if (o->interfaces.n != o->bindings.n + 1) {
                tool_usage_error("--binding %s must follow an --interface of its "
                            "own", optarg);
            }
            svec_add(&o->bindings, optarg);
            break;
        case 'm':
            if (!eth_addr_from_string(optarg, &r->mac)
                || eth_addr_is_multicast(r->mac)
                || eth_addr_is_zero(r->mac)) {
                tool_usage_error("--mac %s: not a unicast MAC address", optarg);
            }
            o->server.server_mac = r->mac;
            break;
        case 'g':
            if (r->n_gateways >= NDP_MAX_GATEWAYS) {
                tool_usage_error("more than %d gateways", NDP_MAX_GATEWAYS - 1);
            }
            parse_ipv6("gateway", optarg, &r->gateways[r->n_gateways++]);
            break;
        case OPT_DNS:
            if (r->n_dns >= NDP_MAX_DNS) {
                tool_usage_error("more than %d DNS servers", NDP_MAX_DNS);
            }
            parse_ipv6("dns", optarg, &r->dns[r->n_dns++]);
            break;
        case OPT_SEARCH:
            if (r->n_search >= NDP_MAX_SEARCH) {
                tool_usage_error("more than %d search domains", NDP_MAX_SEARCH);
            }
            r->search[r->n_search++] = optarg;
            break;
        case OPT_MTU:
            r->mtu = parse_uint("mtu", optarg, UINT32_MAX);
            break;
        case OPT_LIFETIME:
            r->router_lifetime = parse_uint("router-lifetime", optarg,
                                            UINT16_MAX);
            break;
        case OPT_MAX_INTERVAL:
            r->max_interval = parse_uint("max-interval", optarg, UINT32_MAX);
            break;
        case OPT_MIN_INTERVAL:
            r->min_interval = parse_uint("min-interval", optarg, UINT32_MAX);
            break;
        case OPT_INACTIVE:
            o->inactive = true;
            break;
        case OPT_NO_RAPID:
            o->server.rapid_commit = false;
            break;
        case 'v':
            vlog_set_verbosity(optarg);
            break;
        case 'h':
            usage();
        case 'V':
            printf("%s (ovnmig) %s\n", program_name, VERSION);
            exit(EXIT_OK);
        default:
            exit(EXIT_USAGE);
        }
    }
    if (optind < argc) {
        tool_usage_error("unexpected argument \"%s\"", argv[optind]);
    }
    if (!o->interfaces.n) {
        tool_usage_error("nothing to serve: give --interface and --binding");
    }
    if (o->interfaces.n != o->bindings.n) {
        tool_usage_error("--interface %s has no --binding",
                    o->interfaces.names[o->interfaces.n - 1]);
    }
}

/* Serves port 'i' of 'o'.  Returns 0, or prints why not and returns -1. */
static int
add_port(struct server *s, const struct options *o, size_t i)
{
    const char *ifname = o->interfaces.names[i];
    char *spec = xstrdup(o->bindings.names[i]);
    struct dhcp6_binding_config cfg;
    struct ds error = DS_EMPTY_INITIALIZER;
    int rc = -1;

    if (dhcp6_binding_config_parse(&cfg, spec, &error)) {
        fprintf(stderr, "%s: --binding %s: %s\n", program_name,
                o->bindings.names[i], ds_cstr(&error));
        goto out;
    }
    if (!cfg.n_dns) {
        memcpy(cfg.dns, o->router.dns, o->router.n_dns * sizeof *cfg.dns);
        cfg.n_dns = o->router.n_dns;
    }
    if (!cfg.n_search) {
        memcpy(cfg.search, o->router.search,
               o->router.n_search * sizeof *cfg.search);
        cfg.n_search = o->router.n_search;
    }
    struct dhcp6_binding *binding;
    const char *why;
    if (dhcp6_binding_create(&cfg, &binding, &why)) {
        fprintf(stderr, "%s: --binding %s: %s\n", program_name,
                o->bindings.names[i], why);
        goto out;
    }
    int error6 = dhcp6_io_add_port(s->dhcp6, ifname);
    if (error6 < 0) {
        dhcp6_binding_destroy(binding);
        fprintf(stderr, "%s: %s: %s\n", program_name, ifname,
                ovs_strerror(-error6));
        goto out;
    }
    dhcp6_io_set_binding(s->dhcp6, ifname, binding);

    error6 = ndp_io_add_port(s->ndp, ifname, cfg.mac, &cfg.address, 1);
    if (error6 < 0) {
        fprintf(stderr, "%s: %s: %s\n", program_name, ifname,
                error6 == -EINVAL
                ? "the guest's MAC or address is not one a guest may have"
                : ovs_strerror(-error6));
        goto out;
    }
    if (!o->inactive) {
        ndp_io_set_active(s->ndp, ifname, true);
    }
    rc = 0;
out:
    ds_destroy(&error);
    free(spec);
    return rc;
}

/* ------------------------------------------------------------ counters */

static void
put_pktio(struct ds *out, const char *prefix, const struct pktio_stats *p)
{
#define PKTIO_STAT(MEMBER, NAME) \
    ds_put_format(out, "%s%s %"PRIu64"\n", prefix, NAME, p->MEMBER);
    PKTIO_STATS
#undef PKTIO_STAT
}

static void
counters_hook(void *s_)
{
    const struct server *s = s_;
    struct ndp_counters nc;
    struct ndp_io_ra_counters ras;
    struct pktio_stats np, dp;
    struct dhcp6_counters dc;
    ndp_io_get_counters(s->ndp, &nc, &ras, &np);
    dhcp6_io_get_counters(s->dhcp6, &dc, &dp);

    struct ds out = DS_EMPTY_INITIALIZER;
    ds_put_format(&out, "ports %"PRIuSIZE"\n", ndp_io_n_ports(s->ndp));
    for (int i = 0; i < NDP_N_VERDICTS; i++) {
        ds_put_format(&out, "nd-%s %"PRIu64"\n", ndp_verdict_name(i),
                      nc.n[i]);
    }
    ds_put_format(&out, "ra-unsolicited %"PRIu64"\n"
                  "ra-solicited-multicast %"PRIu64"\n"
                  "ra-solicited-unicast %"PRIu64"\n",
                  ras.unsolicited, ras.solicited_multicast,
                  ras.solicited_unicast);
    for (int i = 0; i < DHCP6_N_EVENTS; i++) {
        ds_put_format(&out, "dhcp6-%s %"PRIu64"\n", dhcp6_event_name(i),
                      dc.events[i]);
    }
    for (int i = 1; i < DHCP6_N_DROPS; i++) {
        ds_put_format(&out, "dhcp6-drop-%s %"PRIu64"\n", dhcp6_drop_name(i),
                      dc.drops[i]);
    }
    put_pktio(&out, "pktio-nd-", &np);
    put_pktio(&out, "pktio-dhcp6-", &dp);
    ds_put_cstr(&out, "end\n");
    fputs(ds_cstr(&out), stdout);
    fflush(stdout);
    ds_destroy(&out);
}

/* Every port is served and the signals are handled: what a script that
 * starts the tool waits for. */
static void
ready_hook(void *s_)
{
    const struct server *s = s_;
    VLOG_INFO("ready: %"PRIuSIZE" ports", ndp_io_n_ports(s->ndp));
}

int
main(int argc, char *argv[])
{
    struct options opts;
    struct server s = { NULL, NULL };

    ovs_set_program_name(argv[0], VERSION);
    fatal_ignore_sigpipe();
    parse_options(argc, argv, &opts);

    struct event_base *base = event_base_new();
    if (!base) {
        fprintf(stderr, "%s: cannot create the event loop\n", program_name);
        return EXIT_RUNTIME;
    }
    const char *why = NULL;
    int rc = EXIT_RUNTIME;
    int err = ndp_io_create(base, &opts.router, &s.ndp, &why);
    if (err == -EINVAL) {
        fprintf(stderr, "%s: %s\n", program_name, why);
        rc = EXIT_USAGE;
        goto out;
    }
    if (!err) {
        err = dhcp6_io_create(base, &opts.server, &s.dhcp6);
    }
    if (err) {
        fprintf(stderr, "%s: cannot open the packet socket: %s%s\n",
                program_name, ovs_strerror(-err),
                err == -EPERM ? " (needs CAP_NET_RAW)" : "");
        goto out;
    }
    for (size_t i = 0; i < opts.interfaces.n; i++) {
        if (add_port(&s, &opts, i)) {
            goto out;
        }
    }

    struct tool_hooks hooks = { counters_hook, NULL, ready_hook, &s };
    rc = tool_run(base, &hooks) ? EXIT_RUNTIME : EXIT_OK;
out:
    ndp_io_destroy(s.ndp);
    dhcp6_io_destroy(s.dhcp6);
    event_base_free(base);
    svec_destroy(&opts.interfaces);
    svec_destroy(&opts.bindings);
    return rc;
}
