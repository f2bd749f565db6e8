/* ovnmig-ovnhook-cli -- drive ovn-hooks from the command line (tests and
 * benchmarks), inside a libevent loop as the daemon will.
 *
 * Copyright 2024 The ovnmig authors.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fatal-signal.h"
#include "lib/ovsdb-ssl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ovnhook_cli);

#define MAX_RUNS 1000

struct cli {
    struct ovnhook *h;
    struct event_base *base;
    const char *cmd;
    char **args;
    int n_args;
    int exit_code;
    bool quiet;

    /* bench-ports */
    long n_ports, n_done, n_failed;
    long long t0;

    /* bench-start */
    const char *port, *src, *dst;
    int runs, run;
    bool reverting, waiting_clear;
    bool sb_has_dst;            /* last binding event showed dst */
    long long start_ms[MAX_RUNS];
};

static void
usage(void)
{
    printf("usage: ovnmig-ovnhook-cli --nb REMOTE [--sb REMOTE] --chassis NAME"
           " --switch NAME\n"
           "         [--port-group NAME] [--gateway IP]... [--timeout-ms N]"
           " [--max-batch N] [-v] COMMAND\n"
           "         [-p KEY -c CERT -C CA-CERT]  for ssl: remotes\n"
           "commands:\n"
           "  infra                         port group and ACL\n"
           "  port-set VM NS MAC IPV4 NODE [IPV6]\n"
           "  port-del PORT\n"
           "  start PORT SRC DST            returns once DST is bound\n"
           "  finish PORT DST\n"
           "  revert PORT SRC\n"
           "  show PORT                     key=value lines\n"
           "  bench-ports N NODE            N ports vmI.bench, ports/s\n"
           "  bench-start PORT SRC DST RUNS start->SB latency, p50\n");
}

static void
stop(struct cli *cli, int code)
{
    cli->exit_code = code;
    event_base_loopbreak(cli->base);
}

static void
print_info(const struct ovnhook_port_info *i)
{
    printf("name=%s\nexists=%s\nuuid=%s\naddresses=%s\n"
           "requested_chassis=%s\nactivation_strategy=%s\nvm=%s\n"
           "namespace=%s\nnode=%s\nin_port_group=%s\nnb_up=%s\n"
           "sb_known=%s\nsb_exists=%s\nsb_chassis=%s\nsb_additional=",
           i->name, i->exists ? "true" : "false", i->lsp_uuid, i->addresses,
           i->requested_chassis, i->activation_strategy, i->vm,
           i->namespace, i->node, i->in_port_group ? "true" : "false",
           i->nb_up ? "true" : "false", i->sb_known ? "true" : "false",
           i->sb.exists ? "true" : "false", i->sb.chassis);
    for (size_t k = 0; k < i->sb.n_additional; k++) {
        printf("%s%s", k ? "," : "", i->sb.additional[k]);
    }
    printf("\nsb_up=%s\nsb_activated=%s\n", i->sb.up ? "true" : "false",
           i->sb.activated);
}

static int
cmp_ll(const void *a_, const void *b_)
{
    long long a = *(const long long *) a_, b = *(const long long *) b_;
    return a < b ? -1 : a > b;
}

static void
bench_start_next(struct cli *cli)
{
    int error;

    if (cli->run >= cli->runs) {
        long long *v = cli->start_ms;
        qsort(v, cli->runs, sizeof *v, cmp_ll);
        printf("start->SB additional chassis bound: %d runs, p50 %lld ms, "
               "p90 %lld ms, min %lld ms, max %lld ms\n", cli->runs,
               v[cli->runs / 2], v[cli->runs * 9 / 10], v[0],
               v[cli->runs - 1]);
        stop(cli, 0);
        return;
    }
    cli->reverting = false;
    error = ovnhook_migration_start(cli->h, cli->port, cli->src, cli->dst,
                                    cli->run);
    if (error) {
        fprintf(stderr, "start: %s\n", ovs_strerror(-error));
        stop(cli, 1);
    }
}

static void
on_binding(const struct ovnhook_binding *b, void *cli_)
{
    struct cli *cli = cli_;

    if (!cli->port || strcmp(b->port, cli->port)) {
        return;
    }
    cli->sb_has_dst = false;
    for (size_t i = 0; i < b->n_additional; i++) {
        cli->sb_has_dst |= !strcmp(b->additional[i], cli->dst);
    }
    if (cli->waiting_clear && !cli->sb_has_dst) {
        cli->waiting_clear = false;
        cli->run++;
        bench_start_next(cli);
    }
}

static void
on_done(const struct ovnhook_result *r, void *cli_)
{
    struct cli *cli = cli_;

    if (!strcmp(cli->cmd, "bench-ports")) {
        if (r->error) {
            if (cli->n_failed++ < 5) {
                fprintf(stderr, "%s: %s\n", r->port, r->message);
            }
        }
        if (++cli->n_done == cli->n_ports) {
            long long ms = MAX(1, time_msec() - cli->t0);
            struct ovnhook_stats s;

            ovnhook_get_stats(cli->h, &s);
            printf("ovn-hooks: %ld ports in %lld ms: %.0f ports/s "
                   "(%"PRIu64" transactions, %ld failed)\n", cli->n_ports, ms,
                   cli->n_ports * 1000.0 / ms, s.txn_committed, cli->n_failed);
            stop(cli, cli->n_failed ? 1 : 0);
        }
        return;
    }
    if (!strcmp(cli->cmd, "bench-start")) {
        if (r->error) {
            fprintf(stderr, "%s: %s\n", ovnhook_op_name(r->op), r->message);
            stop(cli, 1);
        } else if (r->op == OVNHOOK_OP_MIGRATION_START) {
            cli->start_ms[cli->run] = r->elapsed_ms;
            cli->reverting = true;
            cli->sb_has_dst = true;
            ovnhook_migration_revert(cli->h, cli->port, cli->src, cli->run);
        } else if (r->op == OVNHOOK_OP_MIGRATION_REVERT) {
            /* The next start must not see this run's binding. */
            if (cli->sb_has_dst) {
                cli->waiting_clear = true;
            } else {
                cli->run++;
                bench_start_next(cli);
            }
        }
        return;
    }

    if (r->op == OVNHOOK_OP_PORT_GET && !r->error) {
        print_info(r->info);
    } else if (!cli->quiet) {
        printf("%s %s: %s (%lld ms)%s%s\n", ovnhook_op_name(r->op), r->port,
               r->error ? ovs_strerror(-r->error) : "ok", r->elapsed_ms,
               r->message[0] ? ": " : "", r->message);
        if (r->lsp_uuid[0]) {
            printf("uuid=%s\n", r->lsp_uuid);
        }
    }
    stop(cli, r->error ? 1 : 0);
}

static void
on_fd(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *cli_)
{
    struct cli *cli = cli_;

    ovnhook_run(cli->h);
}

static void
on_timeout(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *cli_)
{
    struct cli *cli = cli_;

    fprintf(stderr, "%s: timed out\n", cli->cmd);
    stop(cli, 2);
}

static void
on_signal(evutil_socket_t sig, short what OVS_UNUSED, void *cli_)
{
    struct cli *cli = cli_;

    fprintf(stderr, "signal %d: stopping\n", (int) sig);
    stop(cli, 3);
}

static int
need(struct cli *cli, int min, int max)
{
    if (cli->n_args < min || cli->n_args > max) {
        fprintf(stderr, "%s: wrong number of arguments (see --help)\n",
                cli->cmd);
        exit(2);
    }
    return 0;
}

/* Issues the command's first request(s).  0 or a negative errno. */
static int
issue(struct cli *cli)
{
    char **a = cli->args;
    const char *c = cli->cmd;

    if (!strcmp(c, "infra")) {
        need(cli, 0, 0);
        return ovnhook_ensure_infra(cli->h, 0);
    } else if (!strcmp(c, "port-set")) {
        need(cli, 5, 6);
        struct ovnhook_port_spec spec = {
            .vm = a[0], .namespace = a[1], .mac = a[2], .ipv4 = a[3],
            .node = a[4], .ipv6 = cli->n_args > 5 ? a[5] : NULL,
        };
        return ovnhook_port_set(cli->h, &spec, 0);
    } else if (!strcmp(c, "port-del")) {
        need(cli, 1, 1);
        return ovnhook_port_delete(cli->h, a[0], 0);
    } else if (!strcmp(c, "start")) {
        need(cli, 3, 3);
        return ovnhook_migration_start(cli->h, a[0], a[1], a[2], 0);
    } else if (!strcmp(c, "finish")) {
        need(cli, 2, 2);
        return ovnhook_migration_finish(cli->h, a[0], a[1], 0);
    } else if (!strcmp(c, "revert")) {
        need(cli, 2, 2);
        return ovnhook_migration_revert(cli->h, a[0], a[1], 0);
    } else if (!strcmp(c, "show")) {
        need(cli, 1, 1);
        return ovnhook_port_get(cli->h, a[0], 0);
    } else if (!strcmp(c, "bench-ports")) {
        need(cli, 2, 2);
        cli->n_ports = atol(a[0]);
        if (cli->n_ports <= 0 || cli->n_ports > 200000) {
            return -EINVAL;
        }
        cli->t0 = time_msec();
        for (long i = 0; i < cli->n_ports; i++) {
            char vm[32], mac[32], ip[32];
            long k = i + 2;

            snprintf(vm, sizeof vm, "vm%ld", i);
            snprintf(mac, sizeof mac, "0a:58:0a:%02lx:%02lx:%02lx",
                     (k >> 16) & 0xff, (k >> 8) & 0xff, k & 0xff);
            snprintf(ip, sizeof ip, "10.%ld.%ld.%ld", (k >> 16) & 0xff,
                     (k >> 8) & 0xff, k & 0xff);
            struct ovnhook_port_spec spec = {
                .vm = vm, .namespace = "bench", .mac = mac, .ipv4 = ip,
                .node = a[1],
            };
            int error = ovnhook_port_set(cli->h, &spec, i);
            if (error) {
                return error;
            }
        }
        return 0;
    } else if (!strcmp(c, "bench-start")) {
        need(cli, 4, 4);
        cli->port = a[0];
        cli->src = a[1];
        cli->dst = a[2];
        cli->runs = atoi(a[3]);
        if (cli->runs <= 0 || cli->runs > MAX_RUNS) {
            return -EINVAL;
        }
        bench_start_next(cli);
        return 0;
    }
    fprintf(stderr, "unknown command '%s' (see --help)\n", c);
    exit(2);
}

/* Long options without a short one. */
enum {
    OPT_NB = UCHAR_MAX + 1, OPT_SB, OPT_CHASSIS, OPT_SWITCH, OPT_PORT_GROUP,
    OPT_GATEWAY, OPT_TIMEOUT_MS, OPT_MAX_BATCH,
};

/* The TLS identity for ssl: remotes (lib/ovsdb-ssl.h), as ovnmigctl takes
 * it: all three files or none, and none only without an ssl: remote. */
static void
setup_ssl(const char *key, const char *cert, const char *ca,
          const struct ovnhook_options *opts)
{
    bool ssl = ((opts->nb_remote && strstr(opts->nb_remote, "ssl:"))
                || (opts->sb_remote && strstr(opts->sb_remote, "ssl:")));
    if (!key && !cert && !ca) {
        if (ssl) {
            ovs_fatal(0, "an ssl: remote needs --private-key, --certificate "
                      "and --ca-cert");
        }
        return;
    }
    if (!key || !cert || !ca) {
        ovs_fatal(0, "--private-key, --certificate and --ca-cert go "
                  "together");
    }
    struct ds error = DS_EMPTY_INITIALIZER;
    if (dbssl_configure(key, cert, ca, &error)) {
        ovs_fatal(0, "%s", ds_cstr(&error));
    }
}

int
main(int argc, char *argv[])
{
    static const struct option longopts[] = {
        { "nb", required_argument, NULL, OPT_NB },
        { "sb", required_argument, NULL, OPT_SB },
        { "chassis", required_argument, NULL, OPT_CHASSIS },
        { "switch", required_argument, NULL, OPT_SWITCH },
        { "port-group", required_argument, NULL, OPT_PORT_GROUP },
        { "gateway", required_argument, NULL, OPT_GATEWAY },
        { "timeout-ms", required_argument, NULL, OPT_TIMEOUT_MS },
        { "max-batch", required_argument, NULL, OPT_MAX_BATCH },
        { "private-key", required_argument, NULL, 'p' },
        { "certificate", required_argument, NULL, 'c' },
        { "ca-cert", required_argument, NULL, 'C' },
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct ovnhook_options opts = { .migration_timeout_ms = 0 };
    struct cli cli = { .exit_code = 0 };
    int timeout_ms = 60000;
    int c;

    /* Process-wide OVS setup, before ovnhook_create() starts its thread. */
    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    fatal_signal_init();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);

    const char *key = NULL, *cert = NULL, *ca = NULL;
    while ((c = getopt_long(argc, argv, "vqhp:c:C:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_NB: opts.nb_remote = optarg; break;
        case OPT_SB: opts.sb_remote = optarg; break;
        case OPT_CHASSIS: opts.chassis = optarg; break;
        case OPT_SWITCH: opts.switch_name = optarg; break;
        case OPT_PORT_GROUP: opts.port_group = optarg; break;
        case 'p': key = optarg; break;
        case 'c': cert = optarg; break;
        case 'C': ca = optarg; break;
        case OPT_GATEWAY:
            if (opts.n_gateways >= OVNHOOK_MAX_GATEWAYS) {
                ovs_fatal(0, "at most %d --gateway", OVNHOOK_MAX_GATEWAYS);
            }
            opts.gateways[opts.n_gateways++] = optarg;
            break;
        case OPT_TIMEOUT_MS: timeout_ms = atoi(optarg); break;
        case OPT_MAX_BATCH: opts.max_batch = atoi(optarg); break;
        case 'v': vlog_set_levels_from_string_assert("ovn_hooks_idl:dbg");
            break;
        case 'q': cli.quiet = true; break;
        case 'h': usage(); return 0;
        default: return 2;
        }
    }
    if (optind >= argc) {
        usage();
        return 2;
    }
    setup_ssl(key, cert, ca, &opts);
    cli.cmd = argv[optind];
    cli.args = argv + optind + 1;
    cli.n_args = argc - optind - 1;
    if (!strcmp(cli.cmd, "bench-ports")) {
        opts.max_queue = 200000;
    }
    if (timeout_ms > 0) {
        opts.migration_timeout_ms = MIN(timeout_ms, 60000);
        opts.request_timeout_ms = timeout_ms;
    }
    opts.cb.done = on_done;
    opts.cb.binding = on_binding;
    opts.cb.aux = &cli;

    cli.h = ovnhook_create(&opts);
    if (!cli.h) {
        ovs_fatal(errno, "ovnhook_create (need --nb, --chassis, --switch)");
    }
    cli.base = event_base_new();
    struct event *fd_ev = event_new(cli.base, ovnhook_get_fd(cli.h),
                                    EV_READ | EV_PERSIST, on_fd, &cli);
    struct event *tmo_ev = evtimer_new(cli.base, on_timeout, &cli);
    struct event *int_ev = evsignal_new(cli.base, SIGINT, on_signal, &cli);
    struct event *term_ev = evsignal_new(cli.base, SIGTERM, on_signal, &cli);
    struct timeval tv = { timeout_ms / 1000 + 5, 0 };
    event_add(fd_ev, NULL);
    event_add(tmo_ev, &tv);
    event_add(int_ev, NULL);
    event_add(term_ev, NULL);

    int error = issue(&cli);
    if (error) {
        fprintf(stderr, "%s: %s\n", cli.cmd, ovs_strerror(-error));
        cli.exit_code = 1;
    } else {
        event_base_dispatch(cli.base);
    }

    event_free(fd_ev);
    event_free(tmo_ev);
    event_free(int_ev);
    event_free(term_ev);
    event_base_free(cli.base);
    ovnhook_destroy(cli.h);
    return cli.exit_code;
}
