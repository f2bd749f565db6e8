/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmig-arpproxy -- the link-local gateway's ARP responder, standalone:
 * for tests, benchmarks and network engineers.  ovnmigd runs the same code
 * (arp-proxy-io.h) for the ports it manages. */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arpproxy/arp-proxy-io.h"
#include "lib/tool.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ovnmig_arpproxy);

/* Exit codes. */
enum {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1,           /* Could not serve: socket, interface... */
    EXIT_USAGE = 2,             /* Bad command line or port file. */
};

struct options {
    struct shash ports;         /* Command-line ports: name -> view. */
    const char *port_file;      /* Re-read on SIGHUP, or NULL. */
    struct arpp_port_view base; /* Gateways and G, shared by all ports. */
    bool json;
    bool per_port;
    unsigned int busy_poll_us;  /* 0: sleep until a request comes. */
    bool kernel_fast_path;      /* Answer in the kernel where possible. */
};

struct proxy {
    struct options *opts;
    struct arpp_io *io;
    struct event_base *base;
};

static void OVS_NO_RETURN
usage(void)
{
    printf("\
%s: the link-local gateway's ARP responder of ovnmig\n\
usage: %s [OPTIONS]\n\
\n\
Answers ARP requests from each VM for its gateway addresses (169.254.1.1\n\
and any --gateway) with one MAC G, on every VM port given.\n\
\n\
Ports (at least one, from the options or the port file):\n\
  -i, --interface=IF        a VM port; the next --vm describes its VM\n\
      --vm=MAC,IP[,IP]...   the VM behind the last --interface\n\
  -p, --port=IF,MAC,IP[,IP]...  both at once (repeatable)\n\
  -f, --port-file=FILE      one port a line, IF,MAC,IP[,IP]... or\n\
                            IF MAC IP...; '#' starts a comment; re-read\n\
                            on SIGHUP (ports added, removed, changed)\n\
Gateway:\n\
  -g, --gateway=IP          answer for IP too (e.g. the subnet's gateway;\n\
                            repeatable, up to %d in all with 169.254.1.1)\n\
  -m, --mac=G               the gateway MAC (default %s)\n\
Counters (printed on SIGUSR1 and at exit, on stdout):\n\
      --json                as one JSON object a line\n\
      --per-port            with each port's counters\n\
Latency:\n\
      --no-kernel-fast-path answer from userspace only; by default each\n\
                            port is answered by an eBPF program on its tc\n\
                            ingress (needs CAP_BPF and CAP_NET_ADMIN; a\n\
                            port where it cannot be attached is answered\n\
                            from userspace, with a warning)\n\
      --busy-poll-us=US     after each request, poll for the next one for\n\
                            up to US microseconds (at most %d) before\n\
                            sleeping: saves the wakeup of requests that\n\
                            follow closely; an idle proxy never spins\n\
Other:\n\
  -v, --verbose[=SPEC]      vlog levels (e.g. -v, -vconsole:dbg)\n\
  -h, --help                this help\n\
  -V, --version             the version\n\
\n\
Stops cleanly on SIGINT and SIGTERM.  Needs CAP_NET_RAW.\n\
Exit codes: 0 stopped by a signal, 1 could not serve, 2 bad arguments.\n",
           program_name, program_name, ARPP_MAX_GATEWAYS,
           ARPP_DEFAULT_GATEWAY_MAC, PKTIO_BUSY_POLL_MAX_US);
    exit(EXIT_OK);
}

/* Parses "MAC,IP[,IP]..." (separators: ',' or blanks) from 's' into
 * 'view', whose gateways are already set.  Returns NULL or an error
 * message the caller must free. */
static char *
parse_vm(const char *s, struct arpp_port_view *view)
{
    char *copy = xstrdup(s), *save = NULL, *error = NULL;
    char *mac = strtok_r(copy, ", \t", &save);

    view->n_vm_ips = 0;
    if (!mac || !eth_addr_from_string(mac, &view->vm_mac)) {
        error = xasprintf("\"%s\": expected MAC,IP[,IP]...", s);
        goto out;
    }
    for (char *ip = strtok_r(NULL, ", \t", &save); ip;
         ip = strtok_r(NULL, ", \t", &save)) {
        if (view->n_vm_ips >= ARPP_MAX_VM_IPS) {
            error = xasprintf("\"%s\": more than %d addresses", s,
                              ARPP_MAX_VM_IPS);
            goto out;
        }
        if (!ip_parse(ip, &view->vm_ips[view->n_vm_ips++])) {
            error = xasprintf("\"%s\": \"%s\" is not an IPv4 address", s, ip);
            goto out;
        }
    }
    if (!view->n_vm_ips) {
        error = xasprintf("\"%s\": the VM's IP address is missing", s);
    } else if (arpp_port_view_check(view)) {
        error = xasprintf("\"%s\": the MAC must be unicast, the addresses "
                          "unicast and not a gateway's", s);
    }
out:
    free(copy);
    return error;
}

/* Parses "IF,MAC,IP[,IP]..." and adds it to 'ports' (name -> view).
 * Returns NULL or an error message the caller must free. */
static char *
add_port_spec(struct shash *ports, const char *spec,
              const struct arpp_port_view *base)
{
    size_t len = strcspn(spec, ", \t");
    if (!len || !spec[len]) {
        return xasprintf("\"%s\": expected IF,MAC,IP[,IP]...", spec);
    }
    if (len >= 16) {
        return xasprintf("\"%s\": interface name too long", spec);
    }
    char *ifname = xmemdup0(spec, len);
    struct arpp_port_view *view = xmemdup(base, sizeof *base);
    char *error = parse_vm(spec + len + 1, view);
    if (!error && !shash_add_once(ports, ifname, view)) {
        error = xasprintf("%s: given twice", ifname);
    }
    if (error) {
        free(view);
    }
    free(ifname);
    return error;
}

static void
free_ports(struct shash *ports)
{
    shash_destroy_free_data(ports);
}

/* Reads the port file 'name' into 'ports'.  Returns NULL or an error
 * message the caller must free. */
static char *
read_port_file(const char *name, struct shash *ports,
               const struct arpp_port_view *base)
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
        if (*s) {
            char *e = add_port_spec(ports, s, base);
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

static void
parse_options(int argc, char *argv[], struct options *o)
{
    enum { OPT_VM = UCHAR_MAX + 1, OPT_JSON, OPT_PER_PORT, OPT_BUSY_POLL,
           OPT_NO_FAST_PATH };
    static const struct option long_options[] = {
        {"interface", required_argument, NULL, 'i'},
        {"vm", required_argument, NULL, OPT_VM},
        {"port", required_argument, NULL, 'p'},
        {"port-file", required_argument, NULL, 'f'},
        {"gateway", required_argument, NULL, 'g'},
        {"mac", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, OPT_JSON},
        {"per-port", no_argument, NULL, OPT_PER_PORT},
        {"busy-poll-us", required_argument, NULL, OPT_BUSY_POLL},
        {"no-kernel-fast-path", no_argument, NULL, OPT_NO_FAST_PATH},
        {"verbose", optional_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct ds specs = DS_EMPTY_INITIALIZER;   /* Ports, '\n'-separated. */
    const char *interface = NULL;

    memset(o, 0, sizeof *o);
    o->kernel_fast_path = true;
    shash_init(&o->ports);
    o->base.gateways[o->base.n_gateways++] = htonl(ARPP_LINK_LOCAL_GATEWAY);
    eth_addr_from_string(ARPP_DEFAULT_GATEWAY_MAC, &o->base.gateway_mac);

    for (;;) {
        int c = getopt_long(argc, argv, "i:p:f:g:m:v::hV", long_options,
                            NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'i':
            if (interface) {
                tool_usage_error("--interface %s has no --vm", interface);
            }
            interface = optarg;
            break;
        case OPT_VM:
            if (!interface) {
                tool_usage_error("--vm %s must follow an --interface", optarg);
            }
            ds_put_format(&specs, "%s,%s\n", interface, optarg);
            interface = NULL;
            break;
        case 'p':
            ds_put_format(&specs, "%s\n", optarg);
            break;
        case 'f':
            o->port_file = optarg;
            break;
        case 'g': {
            ovs_be32 ip;
            if (!ip_parse(optarg, &ip)) {
                tool_usage_error("--gateway %s: not an IPv4 address", optarg);
            }
            if (o->base.n_gateways >= ARPP_MAX_GATEWAYS) {
                tool_usage_error("more than %d gateways", ARPP_MAX_GATEWAYS);
            }
            o->base.gateways[o->base.n_gateways++] = ip;
            break;
        }
        case 'm':
            if (!eth_addr_from_string(optarg, &o->base.gateway_mac)
                || eth_addr_is_multicast(o->base.gateway_mac)
                || eth_addr_is_zero(o->base.gateway_mac)) {
                tool_usage_error("--mac %s: not a unicast MAC address", optarg);
            }
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_PER_PORT:
            o->per_port = true;
            break;
        case OPT_BUSY_POLL: {
            char *end;
            errno = 0;
            unsigned long us = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-'
                || us > PKTIO_BUSY_POLL_MAX_US) {
                tool_usage_error("--busy-poll-us %s: expected 0 to %d", optarg,
                            PKTIO_BUSY_POLL_MAX_US);
            }
            o->busy_poll_us = us;
            break;
        }
        case OPT_NO_FAST_PATH:
            o->kernel_fast_path = false;
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
    if (interface) {
        tool_usage_error("--interface %s has no --vm", interface);
    }

    /* Ports are parsed once the gateways are all known. */
    char *save = NULL;
    for (char *spec = strtok_r(ds_cstr(&specs), "\n", &save); spec;
         spec = strtok_r(NULL, "\n", &save)) {
        char *error = add_port_spec(&o->ports, spec, &o->base);
        if (error) {
            tool_usage_error("%s", error);
        }
    }
    ds_destroy(&specs);
    if (!o->port_file && shash_is_empty(&o->ports)) {
        tool_usage_error("no port to serve: give --port, --interface/--vm or "
                    "--port-file");
    }
}

/* The ports to serve now: the command line's and the port file's.  The
 * caller must free_ports() 'ports'. */
static char *
wanted_ports(const struct options *o, struct shash *ports)
{
    shash_init(ports);
    struct shash_node *node;
    SHASH_FOR_EACH (node, &o->ports) {
        shash_add(ports, node->name, xmemdup(node->data,
                                             sizeof(struct arpp_port_view)));
    }
    return o->port_file ? read_port_file(o->port_file, ports, &o->base) : NULL;
}

static void
collect_port(void *names_, const struct arpp_io_port_info *port)
{
    shash_add(names_, port->ifname, NULL);
}

/* Makes the served ports those in 'want': removes the others, adds the
 * new ones, replaces the changed ones.  Returns how many ports could not
 * be added. */
static int
sync_ports(struct arpp_io *io, const struct shash *want)
{
    struct shash served = SHASH_INITIALIZER(&served);
    arpp_io_for_each_port(io, false, collect_port, &served);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &served) {
        const struct arpp_port_view *wanted = shash_find_data(want,
                                                              node->name);
        const struct arpp_port_view *view = arpp_io_find_port(io, node->name);
        if (!wanted || memcmp(wanted, view, sizeof *view)) {
            arpp_io_remove_port(io, node->name);
            VLOG_INFO("%s: no longer served%s", node->name,
                      wanted ? " (changed)" : "");
        }
    }
    shash_destroy(&served);

    int failures = 0;
    SHASH_FOR_EACH (node, want) {
        if (arpp_io_find_port(io, node->name)) {
            continue;
        }
        int ifindex = arpp_io_add_port(io, node->name, node->data);
        if (ifindex < 0) {
            VLOG_ERR("%s: cannot serve: %s", node->name,
                     ovs_strerror(-ifindex));
            failures++;
        }
    }
    return failures;
}

static void
add_counter(struct json *obj, const char *name, uint64_t value)
{
    json_object_put(obj, name, json_integer_create(value));
}

static struct json *
verdicts_to_json(const struct arpp_counters *c, bool nonzero_only)
{
    struct json *obj = json_object_create();
    for (size_t i = 0; i < ARPP_N_VERDICTS; i++) {
        if (c->n[i] || !nonzero_only) {
            add_counter(obj, arpp_verdict_name(i), c->n[i]);
        }
    }
    return obj;
}

static void
port_to_json(void *ports_, const struct arpp_io_port_info *port)
{
    struct json *obj = verdicts_to_json(port->counters, true);
    if (port->in_kernel) {
        /* The same words as "ovnmigctl vm show". */
        json_object_put_string(obj, "path", "kernel fast path");
        add_counter(obj, "kernel-answered", port->kernel.answered);
    } else {
        json_object_put_format(obj, "path", "userspace (%s)",
                               port->why_userspace);
    }
    json_object_put(ports_, port->ifname, obj);
}

static struct json *
fast_path_to_json(const struct arpp_io *io)
{
    struct arpp_io_fast_path f;
    arpp_io_get_fast_path(io, &f);

    struct json *obj = json_object_create();
    json_object_put_string(obj, "state", f.loaded ? "loaded" : "off");
    if (!f.loaded) {
        json_object_put_string(obj, "reason", f.reason);
    }
    add_counter(obj, "ports-kernel", f.ports_kernel);
    add_counter(obj, "ports-userspace", f.ports_userspace);
    add_counter(obj, "kernel-answered", f.kernel.answered);
    add_counter(obj, "kernel-passed", f.kernel.passed);
    add_counter(obj, "kernel-failed", f.kernel.failed);
    add_counter(obj, "left-to-kernel", f.left_to_kernel);
    add_counter(obj, "attach-failures", f.attach_failures);
    add_counter(obj, "map-bytes", f.map_bytes);
    return obj;
}

/* Prints the counters on stdout: as text, or as one line of JSON. */
static void
print_counters(const struct proxy *p)
{
    struct arpp_counters c;
    struct pktio_stats s;
    arpp_io_get_counters(p->io, &c, &s);

    struct json *pktio = json_object_create();
#define PKTIO_STAT(MEMBER, NAME) add_counter(pktio, NAME, s.MEMBER);
    PKTIO_STATS
#undef PKTIO_STAT

    struct json *top = json_object_create();
    add_counter(top, "ports", arpp_io_n_ports(p->io));
    json_object_put(top, "verdicts", verdicts_to_json(&c, false));
    json_object_put(top, "pktio", pktio);
    json_object_put(top, "fast-path", fast_path_to_json(p->io));
    if (p->opts->per_port) {
        struct json *ports = json_object_create();
        arpp_io_for_each_port(p->io, true, port_to_json, ports);
        json_object_put(top, "per-port", ports);
    }

    if (p->opts->json) {
        char *s_ = json_to_string(top, JSSF_SORT);
        puts(s_);
        free(s_);
    } else {
        /* One "section name value" line per counter, easy to grep. */
        const struct shash_node **secs = shash_sort(json_object(top));
        for (size_t j = 0; j < shash_count(json_object(top)); j++) {
            const struct shash_node *sec = secs[j];
            const struct json *v = sec->data;
            if (v->type == JSON_INTEGER) {
                printf("%s %"PRId64"\n", sec->name, json_integer(v));
                continue;
            }
            const struct shash_node **nodes = shash_sort(json_object(v));
            for (size_t i = 0; i < shash_count(json_object(v)); i++) {
                const struct json *w = nodes[i]->data;
                if (w->type == JSON_INTEGER) {
                    printf("%s %s %"PRId64"\n", sec->name, nodes[i]->name,
                           json_integer(w));
                } else if (w->type == JSON_STRING) {
                    printf("%s %s %s\n", sec->name, nodes[i]->name,
                           json_string(w));
                } else {
                    char *s_ = json_to_string(w, JSSF_SORT);
                    printf("%s %s %s\n", sec->name, nodes[i]->name, s_);
                    free(s_);
                }
            }
            free(nodes);
        }
        free(secs);
    }
    fflush(stdout);
    json_destroy(top);
}

static void
counters_hook(void *p)
{
    print_counters(p);
}

/* SIGHUP: the ports file again. */
static void
reload_hook(void *p_)
{
    struct proxy *p = p_;
    struct shash want;
    char *error = wanted_ports(p->opts, &want);
    if (error) {
        VLOG_ERR("reload: %s; ports unchanged", error);
        free(error);
    } else {
        int failures = sync_ports(p->io, &want);
        VLOG_INFO("reloaded: serving %"PRIuSIZE" ports, %d failed",
                  arpp_io_n_ports(p->io), failures);
    }
    free_ports(&want);
}

/* Every port is served and the signals are handled: what a script that
 * starts the tool waits for (see the man page). */
static void
ready_hook(void *p_)
{
    const struct proxy *p = p_;
    struct arpp_io_fast_path f;
    arpp_io_get_fast_path(p->io, &f);
    VLOG_INFO("ready: serving %"PRIuSIZE" ports, %"PRIuSIZE" in the kernel "
              "fast path", arpp_io_n_ports(p->io), f.ports_kernel);
}

int
main(int argc, char *argv[])
{
    struct options opts;
    struct proxy p = { .opts = &opts };

    ovs_set_program_name(argv[0], VERSION);
    fatal_ignore_sigpipe();
    parse_options(argc, argv, &opts);

    struct shash want;
    char *error = wanted_ports(&opts, &want);
    if (error) {
        fprintf(stderr, "%s: %s\n", program_name, error);
        free(error);
        free_ports(&want);
        return EXIT_USAGE;
    }

    p.base = event_base_new();
    if (!p.base) {
        fprintf(stderr, "%s: cannot create the event loop\n", program_name);
        return EXIT_RUNTIME;
    }
    int err = arpp_io_create(p.base, &p.io);
    if (err) {
        fprintf(stderr, "%s: cannot open the packet socket: %s%s\n",
                program_name, ovs_strerror(-err),
                err == -EPERM ? " (needs CAP_NET_RAW)" : "");
        event_base_free(p.base);
        return EXIT_RUNTIME;
    }
    arpp_io_set_busy_poll(p.io, opts.busy_poll_us);  /* Checked above. */
    if (opts.kernel_fast_path) {
        /* On failure it warns, and the ports are served from userspace. */
        arpp_io_enable_fast_path(p.io);
    }
    int failures = sync_ports(p.io, &want);
    free_ports(&want);
    if (failures) {
        fprintf(stderr, "%s: %d port(s) cannot be served\n", program_name,
                failures);
        arpp_io_destroy(p.io);
        event_base_free(p.base);
        return EXIT_RUNTIME;
    }

    struct tool_hooks hooks = { counters_hook, reload_hook, ready_hook, &p };
    int rc = tool_run(p.base, &hooks) ? EXIT_RUNTIME : EXIT_OK;
    arpp_io_destroy(p.io);
    event_base_free(p.base);
    free_ports(&opts.ports);
    return rc;
}
