/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmig-dhcpd -- the guest's DHCPv4 server, standalone: for tests,
 * benchmarks and network engineers.  ovnmigd runs the same code
 * (dhcp-io.h) for the ports it manages. */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpd/dhcp-io.h"
#include "lib/tool.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "svec.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ovnmig_dhcpd);

/* Exit codes. */
enum {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1,           /* Could not serve: socket, interface... */
    EXIT_USAGE = 2,             /* Bad command line or configuration. */
};

#define DEFAULT_SERVER_MAC "0a:58:a9:fe:01:01"

struct options {
    struct sset interfaces;     /* From --interface. */
    struct svec bindings;       /* "IF\tSPEC" from --binding. */
    const char *default_interface;
    const char *config_file;    /* Re-read on SIGHUP, or NULL. */
    struct dhcp_server_config server;
    bool json;
};

struct server {
    struct options *opts;
    struct dhcp_io *io;
    struct event_base *base;
    struct sset file_interfaces;    /* Ports only the file asked for. */
};

static void OVS_NO_RETURN
usage(void)
{
    printf("\
%s: the guest's DHCPv4 server of ovnmig\n\
usage: %s [OPTIONS]\n\
\n\
Answers DHCPv4 clients (DISCOVER, REQUEST in every state, DECLINE,\n\
RELEASE, INFORM) on each interface given, each client from its binding:\n\
the same answers on every node, server identifier 169.254.1.1.\n\
\n\
Interfaces and bindings:\n\
  -i, --interface=IF        serve IF; the --binding options after it are\n\
                            IF's (repeatable)\n\
  -b, --binding=MAC,IP/PREFIX[,KEY=VALUE]...\n\
                            a client of the last --interface (repeatable)\n\
  -c, --config=FILE         one binding a line, same syntax; '#' starts a\n\
                            comment; a line's port is interface=IF or the\n\
                            first --interface; re-read on SIGHUP (bindings\n\
                            added, changed, removed)\n\
Binding keys:\n\
  hostname=NAME             option 12 (the VM's name)\n\
  gateway=IP                default 169.254.1.1 (option 3, and in 121)\n\
  server-id=IP              default 169.254.1.1 (option 54)\n\
  route=DST/PLEN@ROUTER     a classless route (option 121; repeatable, up\n\
                            to %d; ROUTER 0.0.0.0 for on-link)\n\
  dns=IP                    a DNS server (option 6; repeatable, up to %d)\n\
  domain=NAME               option 15\n\
  search=NAME               a search domain (option 119; repeatable, up\n\
                            to %d)\n\
  mtu=N                     option 26\n\
  lease=SECONDS|infinite    default %u (999 days)\n\
  interface=IF              the port (in the config file)\n\
Server:\n\
  -m, --mac=MAC             source MAC of replies (default %s)\n\
      --relay               answer relayed requests (giaddr set), as\n\
                            perfdhcp sends; off by default\n\
Counters (printed on SIGUSR1 and at exit, on stdout):\n\
      --json                as one JSON object a line\n\
Other:\n\
  -v, --verbose[=SPEC]      vlog levels (e.g. -v, -vconsole:dbg)\n\
  -h, --help                this help\n\
  -V, --version             the version\n\
\n\
Stops cleanly on SIGINT and SIGTERM.  Needs CAP_NET_RAW.\n\
Exit codes: 0 stopped by a signal, 1 could not serve, 2 bad arguments.\n",
           program_name, program_name, DHCP_MAX_ROUTES, DHCP_MAX_DNS,
           DHCP_MAX_SEARCH, DHCP_DEFAULT_LEASE_TIME, DEFAULT_SERVER_MAC);
    exit(EXIT_OK);
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
    enum { OPT_RELAY = UCHAR_MAX + 1, OPT_JSON };
    static const struct option long_options[] = {
        {"interface", required_argument, NULL, 'i'},
        {"binding", required_argument, NULL, 'b'},
        {"config", required_argument, NULL, 'c'},
        {"mac", required_argument, NULL, 'm'},
        {"relay", no_argument, NULL, OPT_RELAY},
        {"json", no_argument, NULL, OPT_JSON},
        {"verbose", optional_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *interface = NULL;

    memset(o, 0, sizeof *o);
    sset_init(&o->interfaces);
    svec_init(&o->bindings);
    eth_addr_from_string(DEFAULT_SERVER_MAC, &o->server.server_mac);

    for (;;) {
        int c = getopt_long(argc, argv, "i:b:c:m:v::hV", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'i':
            if (strlen(optarg) >= IF_NAMESIZE) {
                tool_usage_error("--interface %s: name too long", optarg);
            }
            interface = optarg;
            if (!o->default_interface) {
                o->default_interface = optarg;
            }
            sset_add(&o->interfaces, optarg);
            break;
        case 'b':
            if (!interface) {
                tool_usage_error("--binding %s must follow an --interface",
                            optarg);
            }
            svec_add_nocopy(&o->bindings,
                            xasprintf("%s\t%s", interface, optarg));
            break;
        case 'c':
            o->config_file = optarg;
            break;
        case 'm':
            if (!eth_addr_from_string(optarg, &o->server.server_mac)
                || eth_addr_is_multicast(o->server.server_mac)
                || eth_addr_is_zero(o->server.server_mac)) {
                tool_usage_error("--mac %s: not a unicast MAC address", optarg);
            }
            break;
        case OPT_RELAY:
            o->server.allow_relay = true;
            break;
        case OPT_JSON:
            o->json = true;
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
    if (!o->config_file && !o->bindings.n) {
        tool_usage_error("nothing to serve: give --interface and --binding, or "
                    "--config");
    }
}

/* ------------------------------------------------------------ bindings */

/* A binding to serve, before it is handed to dhcp_io. */
struct wanted_binding {
    char *ifname;
    struct dhcp_binding *binding;
};

/* Parses "SPEC" for port 'ifname' (overridden by interface=) and adds it
 * to 'want', keyed "IF MAC".  Returns NULL or an error message the caller
 * must free. */
static char *
add_wanted(struct shash *want, const char *ifname, const char *spec)
{
    struct dhcp_binding_config cfg;
    struct ds error = DS_EMPTY_INITIALIZER;
    char *copy = xstrdup(spec);
    const char *port = ifname;
    struct dhcp_binding *binding = NULL;
    const char *why;

    if (dhcp_binding_config_parse(&cfg, copy, &port, &error)) {
        /* 'error' says why. */
    } else if (!port) {
        ds_put_cstr(&error, "no interface: give --interface or "
                    "interface=IF");
    } else if (dhcp_binding_create(&cfg, &binding, &why)) {
        ds_put_cstr(&error, why);
    } else {
        char *key = xasprintf("%s "ETH_ADDR_FMT, port,
                              ETH_ADDR_ARGS(cfg.mac));
        struct wanted_binding *wb = xmalloc(sizeof *wb);
        wb->ifname = xstrdup(port);
        wb->binding = binding;
        if (!shash_add_once(want, key, wb)) {
            ds_put_format(&error, "%s: given twice", key);
            dhcp_binding_destroy(binding);
            free(wb->ifname);
            free(wb);
        }
        free(key);
    }
    free(copy);
    if (error.length) {
        char *msg = xasprintf("\"%s\": %s", spec, ds_cstr(&error));
        ds_destroy(&error);
        return msg;
    }
    return NULL;
}

static void
free_wanted(struct shash *want)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, want) {
        struct wanted_binding *wb = node->data;
        dhcp_binding_destroy(wb->binding);
        free(wb->ifname);
        free(wb);
    }
    shash_destroy(want);
}

static char *
read_config_file(const char *name, const char *default_interface,
                 struct shash *want)
{
    FILE *f = fopen(name, "r");
    if (!f) {
        return xasprintf("%s: %s", name, ovs_strerror(errno));
    }
    char *error = NULL;
    struct ds line = DS_EMPTY_INITIALIZER;
    for (int n = 1; !error && !ds_get_line(&line, f); n++) {
        char *s = ds_cstr(&line);
        s[strcspn(s, "#")] = '\0';
        s += strspn(s, " \t");
        s[strcspn(s, " \t")] = '\0';
        if (*s) {
            char *e = add_wanted(want, default_interface, s);
            if (e) {
                error = xasprintf("%s:%d: %s", name, n, e);
                free(e);
            }
        }
    }
    ds_destroy(&line);
    fclose(f);
    return error;
}

/* The bindings to serve now: the command line's and the config file's.
 * The caller must free_wanted() 'want', even on error. */
static char *
wanted_bindings(const struct options *o, struct shash *want)
{
    shash_init(want);
    for (size_t i = 0; i < o->bindings.n; i++) {
        char *ifname = xstrdup(o->bindings.names[i]);
        char *spec = strchr(ifname, '\t');
        *spec++ = '\0';
        char *error = add_wanted(want, ifname, spec);
        free(ifname);
        if (error) {
            return error;
        }
    }
    return (o->config_file
            ? read_config_file(o->config_file, o->default_interface, want)
            : NULL);
}

struct collect_aux {
    const struct shash *want;
    struct svec stale;          /* "IF MAC" keys to remove. */
};

static void
collect_stale(void *aux_, const char *ifname, const struct dhcp_binding *b)
{
    struct collect_aux *aux = aux_;
    char *key = xasprintf("%s "ETH_ADDR_FMT, ifname,
                          ETH_ADDR_ARGS(dhcp_binding_mac(b)));
    if (!shash_find(aux->want, key)) {
        svec_add_nocopy(&aux->stale, key);
    } else {
        free(key);
    }
}

/* Serves exactly 'want' (whose bindings it takes): adds the ports it
 * needs, removes the bindings and the file's ports it no longer has.
 * Returns how many ports could not be served. */
static int
sync_bindings(struct server *s, struct shash *want)
{
    int failures = 0;

    /* Ports: the command line's always; the file's while it names them. */
    struct sset ports;
    sset_clone(&ports, &s->opts->interfaces);
    struct shash_node *node;
    SHASH_FOR_EACH (node, want) {
        const struct wanted_binding *wb = node->data;
        sset_add(&ports, wb->ifname);
    }
    const char *ifname;
    SSET_FOR_EACH_SAFE (ifname, &s->file_interfaces) {
        if (!sset_contains(&ports, ifname)) {
            dhcp_io_remove_port(s->io, ifname);
            sset_find_and_delete(&s->file_interfaces, ifname);
        }
    }
    SSET_FOR_EACH (ifname, &ports) {
        int error = dhcp_io_add_port(s->io, ifname);
        if (error >= 0 && !sset_contains(&s->opts->interfaces, ifname)) {
            sset_add(&s->file_interfaces, ifname);
        } else if (error < 0 && error != -EEXIST) {
            VLOG_ERR("%s: cannot serve: %s", ifname, ovs_strerror(-error));
            failures++;
        }
    }
    sset_destroy(&ports);

    struct collect_aux aux = { .want = want };
    svec_init(&aux.stale);
    dhcp_io_for_each_binding(s->io, collect_stale, &aux);
    for (size_t i = 0; i < aux.stale.n; i++) {
        char *key = aux.stale.names[i];
        char *mac = strchr(key, ' ');
        struct eth_addr ea;
        *mac++ = '\0';
        if (eth_addr_from_string(mac, &ea)) {
            dhcp_io_remove_binding(s->io, key, ea);
        }
    }
    svec_destroy(&aux.stale);

    SHASH_FOR_EACH (node, want) {
        struct wanted_binding *wb = node->data;
        int error = dhcp_io_set_binding(s->io, wb->ifname, wb->binding);
        wb->binding = NULL;
        if (error) {
            VLOG_ERR("%s: %s: %s", wb->ifname, node->name,
                     ovs_strerror(-error));
        }
    }
    return failures;
}

/* ------------------------------------------------------------ counters */

static void
print_counters(const struct server *s)
{
    struct dhcp_counters c;
    struct pktio_stats p;
    dhcp_io_get_counters(s->io, &c, &p);

    struct ds out = DS_EMPTY_INITIALIZER;
    struct ds dhcp = DS_EMPTY_INITIALIZER;
    dhcp_counters_format(&c, &dhcp, s->opts->json);
    static const char *const pktio_names[] = {
#define PKTIO_STAT(MEMBER, NAME) NAME,
        PKTIO_STATS
#undef PKTIO_STAT
    };
    const uint64_t pktio_values[] = {
#define PKTIO_STAT(MEMBER, NAME) p.MEMBER,
        PKTIO_STATS
#undef PKTIO_STAT
    };
    if (s->opts->json) {
        ds_chomp(&dhcp, '\n');
        ds_put_format(&out, "{\"ports\": %"PRIuSIZE", \"bindings\": %"
                      PRIuSIZE", \"dhcp\": %s, \"pktio\": {",
                      dhcp_io_n_ports(s->io), dhcp_io_n_bindings(s->io),
                      ds_cstr(&dhcp));
        for (size_t i = 0; i < ARRAY_SIZE(pktio_names); i++) {
            ds_put_format(&out, "%s\"%s\": %"PRIu64, i ? ", " : "",
                          pktio_names[i], pktio_values[i]);
        }
        ds_put_cstr(&out, "}}\n");
    } else {
        ds_put_format(&out, "ports %"PRIuSIZE"\nbindings %"PRIuSIZE"\n",
                      dhcp_io_n_ports(s->io), dhcp_io_n_bindings(s->io));
        ds_put_buffer(&out, dhcp.string, dhcp.length);
        for (size_t i = 0; i < ARRAY_SIZE(pktio_names); i++) {
            ds_put_format(&out, "pktio-%s %"PRIu64"\n", pktio_names[i],
                          pktio_values[i]);
        }
    }
    fputs(ds_cstr(&out), stdout);
    fflush(stdout);
    ds_destroy(&dhcp);
    ds_destroy(&out);
}

static void
counters_hook(void *s)
{
    print_counters(s);
}

/* SIGHUP: the bindings (and their file) again. */
static void
reload_hook(void *s_)
{
    struct server *s = s_;
    struct shash want;
    char *error = wanted_bindings(s->opts, &want);
    if (error) {
        VLOG_ERR("reload: %s; bindings unchanged", error);
        free(error);
    } else {
        int failures = sync_bindings(s, &want);
        VLOG_INFO("reloaded: %"PRIuSIZE" bindings on %"PRIuSIZE
                  " ports, %d ports failed", dhcp_io_n_bindings(s->io),
                  dhcp_io_n_ports(s->io), failures);
    }
    free_wanted(&want);
}

/* Every binding is served and the signals are handled: what a script that
 * starts the tool waits for (see the man page). */
static void
ready_hook(void *s_)
{
    const struct server *s = s_;
    VLOG_INFO("ready: %"PRIuSIZE" bindings on %"PRIuSIZE" ports%s",
              dhcp_io_n_bindings(s->io), dhcp_io_n_ports(s->io),
              s->opts->server.allow_relay
              ? ", relayed requests answered" : "");
}

int
main(int argc, char *argv[])
{
    struct options opts;
    struct server s = { .opts = &opts };

    ovs_set_program_name(argv[0], VERSION);
    fatal_ignore_sigpipe();
    parse_options(argc, argv, &opts);
    sset_init(&s.file_interfaces);

    struct shash want;
    char *error = wanted_bindings(&opts, &want);
    if (error) {
        fprintf(stderr, "%s: %s\n", program_name, error);
        free(error);
        free_wanted(&want);
        return EXIT_USAGE;
    }

    s.base = event_base_new();
    if (!s.base) {
        fprintf(stderr, "%s: cannot create the event loop\n", program_name);
        return EXIT_RUNTIME;
    }
    int err = dhcp_io_create(s.base, &opts.server, &s.io);
    if (err) {
        fprintf(stderr, "%s: cannot open the packet socket: %s%s\n",
                program_name, ovs_strerror(-err),
                err == -EPERM ? " (needs CAP_NET_RAW)" : "");
        free_wanted(&want);
        event_base_free(s.base);
        return EXIT_RUNTIME;
    }
    int failures = sync_bindings(&s, &want);
    free_wanted(&want);
    if (failures) {
        fprintf(stderr, "%s: %d interface(s) cannot be served\n",
                program_name, failures);
        dhcp_io_destroy(s.io);
        event_base_free(s.base);
        return EXIT_RUNTIME;
    }

    struct tool_hooks hooks = { counters_hook, reload_hook, ready_hook, &s };
    int rc = tool_run(s.base, &hooks) ? EXIT_RUNTIME : EXIT_OK;
    dhcp_io_destroy(s.io);
    event_base_free(s.base);
    sset_destroy(&s.file_interfaces);
    sset_destroy(&opts.interfaces);
    svec_destroy(&opts.bindings);
    return rc;
}
