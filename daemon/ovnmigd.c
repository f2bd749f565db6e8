/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmigd -- the node agent: runs the VMs the cluster database assigns to
 * this node, wires their bridge-binding network, programs their OVN ports
 * and serves their ARP and DHCP.  In Kubernetes mode (ovnmigd.conf "mode
 * = kubernetes") it runs no VM: it follows a KubeVirt cluster's objects
 * and moves the VMs' OVN ports (daemon/kube-agent.h).  See
 * docs/ovnmigd.8.
 *
 * One libevent loop on the main thread; the cluster DB and OVN clients
 * each run their IDL in a thread of their own and talk to this one through
 * descriptors it watches (docs/ovn-hooks.md).
 */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arpproxy/arp-proxy-io.h"
#include "arpproxy/ndp-io.h"
#include "command-line.h"
#include "daemon.h"
#include "daemon/cluster-db.h"
#include "daemon/cni-server.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/kube-agent.h"
#include "daemon/metrics.h"
#include "daemon/migration.h"
#include "daemon/vm-manager.h"
#include "dhcpd/dhcp6-io.h"
#include "dhcpd/dhcp-io.h"
#include "fatal-signal.h"
#include "lib/ovsdb-ssl.h"
#include "migrate/qemu-accel.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"
#include "packets.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ovnmigd);

struct ovnmigd {
    struct ovnmigd_config cfg;
    struct event_base *base;
    struct arpp_io *arp;
    struct dhcp_io *dhcp;
    struct ndp_io *ndp;         /* NULL without subnet6. */
    struct dhcp6_io *dhcp6;     /* NULL without subnet6. */
    struct ovnhook *hooks;
    struct cdb *cdb;
    struct vmm *vmm;
    struct mige *mige;
    struct cnis *cnis;          /* ovnmig-cni's pods. */
    struct kagent *kagent;      /* Kubernetes mode; then no cdb, vmm,
                                 * mige. */
    struct ctl_server *ctl;
    struct metrics_server *metrics;     /* NULL: no metrics-address. */
    enum qvm_accel accel;       /* What this node's QEMUs run with. */
    char *accel_reason;         /* Why, in one line. */
};

static char *config_file;

static void
usage(void)
{
    printf("%s: the ovnmig node agent\n"
           "usage: %s --config FILE [OPTIONS]\n"
           "\n"
           "  --config FILE       configuration (see ovnmigd.conf(5))\n"
           "  --check-config      check the configuration and exit\n",
           program_name, program_name);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  -h, --help          display this help message\n"
           "  -V, --version       display version information\n");
    exit(EXIT_SUCCESS);
}

static void
parse_options(int argc, char *argv[], bool *check_only)
{
    enum {
        OPT_CONFIG = UCHAR_MAX + 1,
        OPT_CHECK_CONFIG,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"config", required_argument, NULL, OPT_CONFIG},
        {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(
        long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_CONFIG:
            config_file = optarg;
            break;
        case OPT_CHECK_CONFIG:
            *check_only = true;
            break;
        case 'h':
            usage();
            /* usage() exits. */
            break;
        case 'V':
            printf("ovnmigd (ovnmig) %s\n", PACKAGE_VERSION);
            exit(EXIT_SUCCESS);
        DAEMON_OPTION_HANDLERS
        VLOG_OPTION_HANDLERS
        case '?':
            exit(2);
        default:
            abort();
        }
    }
    free(short_options);
    if (optind < argc) {
        ovs_fatal(0, "unexpected argument \"%s\" (use --help)", argv[optind]);
    }
    if (!config_file) {
        ovs_fatal(0, "--config FILE is required (use --help)");
    }
}

static int
read_config(const char *path, struct ovnmigd_config *cfg)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, ovs_strerror(errno));
        memset(cfg, 0, sizeof *cfg);
        return -errno;
    }
    struct ds text = DS_EMPTY_INITIALIZER;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        ds_put_buffer(&text, buf, n);
    }
    fclose(f);

    struct ds errors = DS_EMPTY_INITIALIZER;
    int error = ovnmigd_config_parse(path, text.string ? text.string : "",
                                     text.length, cfg, &errors);
    if (error) {
        fputs(ds_cstr(&errors), stderr);
    }
    ds_destroy(&errors);
    ds_destroy(&text);
    return error;
}

/* The TLS identity of every OVSDB connection this process makes: the
 * cluster DB client's and ovn-hooks' (NB and SB) alike, since
 * libopenvswitch keeps one per process.  Before any thread starts.
 * Returns 0 or a negative errno, having said why on stderr. */
static int
configure_ssl(const struct ovnmigd_config *cfg)
{
    if (cfg->ssl_private_key) {
        struct ds error = DS_EMPTY_INITIALIZER;
        int err = dbssl_configure(cfg->ssl_private_key, cfg->ssl_certificate,
                                  cfg->ssl_ca_cert, &error);
        if (err) {
            fprintf(stderr, "%s: %s\n", config_file, ds_cstr(&error));
        }
        ds_destroy(&error);
        if (err) {
            return err;
        }
    }

    /* Plain TCP carries every VM's record, and the cluster's rights to
     * change them, unauthenticated: fine on one host, not on a network. */
    struct svec plain = SVEC_EMPTY_INITIALIZER;
    ovnmigd_config_plain_tcp(cfg, &plain);
    if (plain.n) {
        char *list = svec_join(&plain, ", ", "");
        VLOG_WARN("%s: plain tcp: without TLS: anyone who can reach these "
                  "databases can read and change them (use ssl: and "
                  "ssl-private-key, ssl-certificate, ssl-ca-cert)", list);
        free(list);
    }
    svec_destroy(&plain);
    return 0;
}

/* The address migration streams to this node arrive on: the first IPv4
 * address of the migration interface, or of any interface but loopback.
 * "" if there is none (the node then cannot be a target). */
static char *
migration_address(const struct ovnmigd_config *cfg)
{
    struct ifaddrs *ifas, *ifa;
    char *address = NULL;

    if (getifaddrs(&ifas)) {
        VLOG_WARN("getifaddrs: %s", ovs_strerror(errno));
        return xstrdup("");
    }
    for (ifa = ifas; ifa && !address; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET
            || (cfg->migration_interface
                ? strcmp(ifa->ifa_name, cfg->migration_interface)
                : (ifa->ifa_flags & IFF_LOOPBACK) != 0)) {
            continue;
        }
        const struct sockaddr_in *sin = ALIGNED_CAST(struct sockaddr_in *,
                                                     ifa->ifa_addr);
        address = xasprintf(IP_FMT, IP_ARGS(sin->sin_addr.s_addr));
    }
    freeifaddrs(ifas);
    if (!address) {
        VLOG_WARN("no IPv4 address on %s: this node cannot receive "
                  "migrations", cfg->migration_interface
                                ? cfg->migration_interface
                                : "any interface");
        return xstrdup("");
    }
    VLOG_INFO("migration address %s", address);
    return address;
}

/* ------------------------------------------------------------ callbacks */

static void
on_hook_done(const struct ovnhook_result *r, void *d_)
{
    struct ovnmigd *d = d_;
    bool ours = (d->kagent ? kagent_hook_done(d->kagent, r)
                 : vmm_hook_done(d->vmm, r) || mige_hook_done(d->mige, r));
    if (!ours && !cnis_hook_done(d->cnis, r) && r->error) {
        VLOG_WARN("%s %s: %s", ovnhook_op_name(r->op), r->port, r->message);
    }
}

static void
on_hook_connection(bool nb, bool sb, void *d_ OVS_UNUSED)
{
    VLOG_INFO("OVN Northbound %s, Southbound %s",
              nb ? "connected" : "not connected",
              sb ? "connected" : "not connected");
}

static void
on_cdb_vms(const struct cdb_snapshot *snap, void *d_)
{
    struct ovnmigd *d = d_;
    struct sset incoming = SSET_INITIALIZER(&incoming);
    struct sset outgoing = SSET_INITIALIZER(&outgoing);
    mige_update(d->mige, snap, &incoming, &outgoing);
    vmm_update(d->vmm, snap, &incoming, &outgoing);
    cnis_update(d->cnis, snap);
    mige_run(d->mige);
    sset_destroy(&incoming);
    sset_destroy(&outgoing);
}

static void
on_hook_fd(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *d_)
{
    struct ovnmigd *d = d_;
    ovnhook_run(d->hooks);
}

static void
on_cdb_fd(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *d_)
{
    struct ovnmigd *d = d_;
    cdb_run(d->cdb);
}

static void
on_tick(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *d_)
{
    struct ovnmigd *d = d_;
    if (d->kagent) {
        kagent_run(d->kagent);
        return;
    }
    vmm_tick(d->vmm);
    mige_run(d->mige);
}

static void
on_signal(evutil_socket_t sig, short what OVS_UNUSED, void *d_)
{
    struct ovnmigd *d = d_;
    VLOG_INFO("signal %d: stopping (VMs keep running)", (int) sig);
    event_base_loopbreak(d->base);
}

/* ------------------------------------------------------------ commands */

static void
cmd_vm_list(struct ctl_request *req, int argc, const char *argv[], void *d_)
{
    struct ovnmigd *d = d_;
    bool json = ctl_take_flag(&argc, argv, "--json");
    struct ds s = DS_EMPTY_INITIALIZER;
    vmm_list(d->vmm, &s, json);
    ctl_reply(req, ds_cstr(&s));
    ds_destroy(&s);
}

static void
cmd_migration_list(struct ctl_request *req, int argc, const char *argv[],
                   void *d_)
{
    struct ovnmigd *d = d_;
    bool json = ctl_take_flag(&argc, argv, "--json");
    struct ds s = DS_EMPTY_INITIALIZER;
    mige_list(d->mige, &s, json);
    ctl_reply(req, ds_cstr(&s));
    ds_destroy(&s);
}

static void
cmd_kube_list(struct ctl_request *req, int argc, const char *argv[], void *d_)
{
    struct ovnmigd *d = d_;
    bool json = ctl_take_flag(&argc, argv, "--json");
    struct ds s = DS_EMPTY_INITIALIZER;
    kagent_list(d->kagent, &s, json);
    ctl_reply(req, ds_cstr(&s));
    ds_destroy(&s);
}

static void
cmd_migration_hold(struct ctl_request *req, int argc, const char *argv[],
                   void *d_)
{
    struct ovnmigd *d = d_;
    unsigned int point;
    if (argc != 2 || mige_hold_point(argv[1], &point)) {
        ctl_reply_error(req, "want prepare, ready or finish");
        return;
    }
    if (!strcmp(argv[0], "migration/hold")) {
        mige_hold(d->mige, point);
    } else {
        mige_release(d->mige, point);
    }
    ctl_reply(req, "");
}

static void
show_done(void *req_, bool ok, const char *body)
{
    struct ctl_request *req = req_;
    if (ok) {
        ctl_reply(req, body);
    } else {
        ctl_reply_error(req, body);
    }
}

static void
cmd_vm_show(struct ctl_request *req, int argc, const char *argv[], void *d_)
{
    struct ovnmigd *d = d_;
    bool json = ctl_take_flag(&argc, argv, "--json");
    if (argc < 2 || argc > 3) {
        ctl_reply_error(req, "usage: vm/show NAME [NAMESPACE] [--json]");
        return;
    }
    vmm_show(d->vmm, argv[1], argc > 2 ? argv[2] : "default", json,
             show_done, req);
}

/* counters/show writes sections: "[name]" and "key value" lines, or one
 * JSON object per section under 'root'. */
struct counters_out {
    struct ds *text;
    struct json *root;          /* NULL: text. */
    struct json *section;
};

static void
section_begin(struct counters_out *out, const char *name)
{
    if (out->root) {
        out->section = json_object_create();
        json_object_put(out->root, name, out->section);
    } else {
        ds_put_format(out->text, "[%s]\n", name);
    }
}

static void
put_counter(struct counters_out *out, const char *name, uint64_t value)
{
    if (out->root) {
        json_object_put(out->section, name, json_integer_create(value));
    } else {
        ds_put_format(out->text, "%s %"PRIu64"\n", name, value);
    }
}

static void
put_pktio_counters(struct counters_out *out, const struct pktio_stats *p)
{
#define PKTIO_STAT(MEMBER, NAME) put_counter(out, NAME, p->MEMBER);
    PKTIO_STATS
#undef PKTIO_STAT
}

/* The VM manager's, the migration engine's and the cluster DB client's
 * (standalone mode). */
static void
put_standalone_counters(struct ovnmigd *d, struct counters_out *out)
{
    struct vmm_stats vs;
    vmm_get_stats(d->vmm, &vs);
    section_begin(out, "vms");
#define VMM_STAT(MEMBER, NAME) put_counter(out, NAME, vs.MEMBER);
    VMM_STATS
#undef VMM_STAT

    struct mige_stats ms;
    mige_get_stats(d->mige, &ms);
    section_begin(out, "migrations");
#define MIGE_STAT(MEMBER, NAME) put_counter(out, NAME, ms.MEMBER);
    MIGE_STATS
#undef MIGE_STAT

    struct cdb_stats cs;
    cdb_get_stats(d->cdb, &cs);
    section_begin(out, "cluster-db");
    put_counter(out, "connected", cs.connected);
    put_counter(out, "snapshots", cs.snapshots);
    put_counter(out, "heartbeats", cs.heartbeats);
    put_counter(out, "status-writes", cs.status_writes);
    put_counter(out, "migration-writes", cs.mig_writes);
    put_counter(out, "migration-writes-dropped", cs.mig_writes_dropped);
    put_counter(out, "txn-committed", cs.txn_committed);
    put_counter(out, "txn-failed", cs.txn_failed);
    put_counter(out, "reconnects", cs.reconnects);
    put_counter(out, "vms", cs.vms);
}

static void
cmd_counters_show(struct ctl_request *req, int argc, const char *argv[],
                  void *d_)
{
    struct ovnmigd *d = d_;
    bool json = ctl_take_flag(&argc, argv, "--json");
    struct ds s = DS_EMPTY_INITIALIZER;
    struct counters_out out = {
        .text = &s, .root = json ? json_object_create() : NULL,
    };

    /* The daemon's own. */
    if (d->kagent) {
        struct kagent_stats ks;
        kagent_get_stats(d->kagent, &ks);
        section_begin(&out, "kubernetes");
        put_counter(&out, "synced", ks.synced);
        put_counter(&out, "vms", ks.vms);
#define KAGENT_STAT(MEMBER, NAME) put_counter(&out, NAME, ks.MEMBER);
        KAGENT_STATS
#undef KAGENT_STAT
    } else {
        put_standalone_counters(d, &out);
    }

    struct ovnhook_stats hs;
    ovnhook_get_stats(d->hooks, &hs);
    section_begin(&out, "ovn");
    put_counter(&out, "nb-connected", hs.nb_connected);
    put_counter(&out, "sb-connected", hs.sb_connected);
    put_counter(&out, "queued", hs.queued);
    put_counter(&out, "watched", hs.watched);
    put_counter(&out, "requests", hs.requests);
    put_counter(&out, "rejected-full", hs.rejected_full);
    put_counter(&out, "txn-committed", hs.txn_committed);
    put_counter(&out, "txn-unchanged", hs.txn_unchanged);
    put_counter(&out, "txn-retried", hs.txn_retried);
    put_counter(&out, "txn-failed", hs.txn_failed);
    put_counter(&out, "done-ok", hs.done_ok);
    put_counter(&out, "done-error", hs.done_error);
    put_counter(&out, "timeouts", hs.timeouts);
    put_counter(&out, "nb-reconnects", hs.nb_reconnects);

    struct arpp_counters ac;
    struct pktio_stats ap;
    arpp_io_get_counters(d->arp, &ac, &ap);
    section_begin(&out, "arp");
    for (int i = 0; i < ARPP_N_VERDICTS; i++) {
        put_counter(&out, arpp_verdict_name(i), ac.n[i]);
    }
    put_pktio_counters(&out, &ap);
    put_counter(&out, "ports", arpp_io_n_ports(d->arp));
    struct arpp_io_fast_path af;
    arpp_io_get_fast_path(d->arp, &af);
    put_counter(&out, "fast-path-loaded", af.loaded);
    put_counter(&out, "ports-kernel", af.ports_kernel);
    put_counter(&out, "ports-userspace", af.ports_userspace);
    put_counter(&out, "kernel-answered", af.kernel.answered);
    put_counter(&out, "kernel-passed", af.kernel.passed);
    put_counter(&out, "kernel-failed", af.kernel.failed);
    put_counter(&out, "left-to-kernel", af.left_to_kernel);
    put_counter(&out, "attach-failures", af.attach_failures);
    put_counter(&out, "map-bytes", af.map_bytes);

    struct dhcp_counters dc;
    struct pktio_stats dp;
    dhcp_io_get_counters(d->dhcp, &dc, &dp);
    if (json) {
        /* dhcp_counters_format() writes the section's JSON object. */
        struct ds tmp = DS_EMPTY_INITIALIZER;
        dhcp_counters_format(&dc, &tmp, true);
        out.section = json_from_string(ds_cstr(&tmp));
        ds_destroy(&tmp);
        if (out.section->type != JSON_OBJECT) {
            json_destroy(out.section);
            out.section = json_object_create();
        }
        json_object_put(out.root, "dhcp", out.section);
    } else {
        section_begin(&out, "dhcp");
        dhcp_counters_format(&dc, &s, false);
        if (s.length && s.string[s.length - 1] != '\n') {
            ds_put_char(&s, '\n');
        }
    }
    put_pktio_counters(&out, &dp);
    put_counter(&out, "ports", dhcp_io_n_ports(d->dhcp));
    put_counter(&out, "bindings", dhcp_io_n_bindings(d->dhcp));

    if (d->ndp) {
        struct ndp_counters nc;
        struct ndp_io_ra_counters ras;
        struct pktio_stats np;
        ndp_io_get_counters(d->ndp, &nc, &ras, &np);
        section_begin(&out, "ndp");
        for (int i = 0; i < NDP_N_VERDICTS; i++) {
            put_counter(&out, ndp_verdict_name(i), nc.n[i]);
        }
        put_counter(&out, "ra-unsolicited", ras.unsolicited);
        put_counter(&out, "ra-solicited-multicast", ras.solicited_multicast);
        put_counter(&out, "ra-solicited-unicast", ras.solicited_unicast);
        put_pktio_counters(&out, &np);
        put_counter(&out, "ports", ndp_io_n_ports(d->ndp));

        struct dhcp6_counters c6;
        struct pktio_stats p6;
        dhcp6_io_get_counters(d->dhcp6, &c6, &p6);
        section_begin(&out, "dhcp6");
        for (int i = 0; i < DHCP6_N_EVENTS; i++) {
            put_counter(&out, dhcp6_event_name(i), c6.events[i]);
        }
        for (int i = 1; i < DHCP6_N_DROPS; i++) {
            put_counter(&out, dhcp6_drop_name(i), c6.drops[i]);
        }
        put_pktio_counters(&out, &p6);
        put_counter(&out, "ports", dhcp6_io_n_ports(d->dhcp6));
        put_counter(&out, "bindings", dhcp6_io_n_bindings(d->dhcp6));
    }

    if (json) {
        char *text = json_to_string(out.root, JSSF_SORT);
        ds_put_format(&s, "%s\n", text);
        free(text);
        json_destroy(out.root);
    }
    ctl_reply(req, ds_cstr(&s));
    ds_destroy(&s);
}

/* The same counters for Prometheus (daemon/metrics.h). */
static void
collect_metrics(struct metrics_input *in, void *d_)
{
    struct ovnmigd *d = d_;
    if (!d->kagent) {
        mige_get_stats(d->mige, &in->mige);
        mige_get_histograms(d->mige, &in->hists);
        mige_get_cluster_view(d->mige, &in->view);
        vmm_get_stats(d->vmm, &in->vmm);
        vmm_get_vm_infos(d->vmm, &in->vms, &in->n_vms);
        cdb_get_stats(d->cdb, &in->cdb);
    }
    in->accel = qvm_accel_name(d->accel);
    ovnhook_get_stats(d->hooks, &in->ovn);
    arpp_io_get_counters(d->arp, &in->arp, &in->arp_io);
    in->arp_ports = arpp_io_n_ports(d->arp);
    arpp_io_get_fast_path(d->arp, &in->arp_fp);
    dhcp_io_get_counters(d->dhcp, &in->dhcp, &in->dhcp_io);
    in->dhcp_ports = dhcp_io_n_ports(d->dhcp);
    in->dhcp_bindings = dhcp_io_n_bindings(d->dhcp);
    if (d->ndp) {
        ndp_io_get_counters(d->ndp, &in->ndp, &in->ndp_ras, &in->ndp_io);
        in->ndp_ports = ndp_io_n_ports(d->ndp);
    }
    if (d->dhcp6) {
        dhcp6_io_get_counters(d->dhcp6, &in->dhcp6, &in->dhcp6_io);
        in->dhcp6_ports = dhcp6_io_n_ports(d->dhcp6);
        in->dhcp6_bindings = dhcp6_io_n_bindings(d->dhcp6);
    }
}

static void
cmd_exit(struct ctl_request *req, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *d_)
{
    struct ovnmigd *d = d_;
    VLOG_INFO("exit requested on the control socket (VMs keep running)");
    ctl_reply(req, "");
    /* Let the reply go out first. */
    struct timeval tv = { 0, 100 * 1000 };
    event_base_loopexit(d->base, &tv);
}

static void
cmd_version(struct ctl_request *req, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *d_ OVS_UNUSED)
{
    ctl_reply(req, "ovnmigd (ovnmig) " PACKAGE_VERSION "\n");
}

/* Decides, once per start, what QEMU runs guests with: 'cfg->accel', and
 * for auto or kvm the probe (migrate/qemu-accel.h).  Exits if accel = kvm
 * and KVM cannot run a guest. */
static void
decide_accel(struct ovnmigd *d, const char *qemu)
{
    struct qvm_probe probe;
    bool probed = d->cfg.accel != QVM_ACCEL_MODE_TCG;
    if (probed) {
        int error = qvm_accel_probe(qemu, QVM_ACCEL_KVM, NULL,
                                    NULL, QVM_PROBE_TIMEOUT_MS,
                                    &probe);
        if (error) {
            VLOG_WARN("accelerator probe could not run: %s", probe.detail);
        }
    }
    char *note;
    if (qvm_accel_decide(d->cfg.accel, probed ? &probe : NULL, &d->accel,
                         &note)) {
        ovs_fatal(0, "%s", note);
    }
    if (note) {
        VLOG_WARN("%s", note);
        d->accel_reason = note;
    } else if (probed) {
        d->accel_reason = xasprintf("accel = %s: the KVM probe passed in "
                                    "%lld ms (%s)",
                                    qvm_accel_mode_name(d->cfg.accel),
                                    probe.elapsed_ms, probe.detail);
    } else {
        d->accel_reason = xstrdup("accel = tcg in the configuration");
    }
    VLOG_INFO("guests run under %s: %s", qvm_accel_name(d->accel),
              d->accel_reason);
}

/* Standalone mode: the cluster DB client, the VM manager and the
 * migration engine.  Returns the migration address (the caller frees
 * it). */
static char *
start_standalone(struct ovnmigd *d, const char *qemu)
{
    char *mig_address = migration_address(&d->cfg);
    struct cdb_options copts = {
        .remote = d->cfg.cluster_db,
        .node = d->cfg.node,
        .chassis = d->cfg.chassis,
        .migration_address = mig_address,
        .accel = qvm_accel_name(d->accel),
        .cb = { .vms = on_cdb_vms, .aux = d },
    };
    d->cdb = cdb_create(&copts);
    if (!d->cdb) {
        ovs_fatal(errno, "cluster DB client");
    }

    struct vmm_options vopts = {
        .cfg = &d->cfg,
        .hooks = d->hooks,
        .arp = d->arp,
        .dhcp = d->dhcp,
        .ndp = d->ndp,
        .dhcp6 = d->dhcp6,
        .cdb = d->cdb,
        .qemu = qemu,
        .accel = d->accel,
    };
    d->vmm = vmm_create(&vopts);

    struct mige_options mopts = {
        .cfg = &d->cfg,
        .base = d->base,
        .hooks = d->hooks,
        .cdb = d->cdb,
        .vmm = d->vmm,
        .migration_address = mig_address,
    };
    d->mige = mige_create(&mopts);
    return mig_address;
}

/* ------------------------------------------------------------ main */

int
main(int argc, char *argv[])
{
    struct ovnmigd d = { .base = NULL };
    bool check_only = false;

    /* OVS process-wide setup, before any thread (docs/ovn-hooks.md). */
    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    fatal_signal_init();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    vlog_set_levels(NULL, VLF_FILE, VLL_INFO);
    parse_options(argc, argv, &check_only);

    if (read_config(config_file, &d.cfg) || configure_ssl(&d.cfg)) {
        ovnmigd_config_destroy(&d.cfg);
        return EXIT_FAILURE;
    }
    if (check_only) {
        ovnmigd_config_destroy(&d.cfg);
        return EXIT_SUCCESS;
    }

    daemonize_start(false);
    bool kube = d.cfg.mode == OVNMIGD_KUBERNETES;
    const char *qemu = getenv("OVNMIGD_QEMU");
    if (!kube) {
        decide_accel(&d, qemu);     /* Kubernetes mode runs no QEMU. */
    }

    d.base = event_base_new();
    if (!d.base) {
        ovs_fatal(0, "event_base_new failed");
    }
    int error = arpp_io_create(d.base, &d.arp);
    if (error) {
        ovs_fatal(-error, "ARP proxy (needs CAP_NET_RAW)");
    }
    /* This daemon alone serves the node's namespace. */
    arpp_io_detach_stale_filters();
    if (d.cfg.arp_kernel_fast_path) {
        /* On failure it warns, and ports are answered from userspace. */
        arpp_io_enable_fast_path(d.arp);
    }
    struct dhcp_server_config dcfg = {
        .server_mac = d.cfg.gateway_mac,
        .allow_relay = false,
    };
    error = dhcp_io_create(d.base, &dcfg, &d.dhcp);
    if (error) {
        ovs_fatal(-error, "DHCP server (needs CAP_NET_RAW)");
    }

    if (d.cfg.subnet6_plen) {
        /* The IPv6 router and DHCPv6, for VMs with an IPv6 address. */
        struct ndp_config ncfg;
        ndp_config_init(&ncfg);
        ncfg.mac = d.cfg.gateway_mac;
        ncfg.mtu = d.cfg.mtu;
        for (size_t i = 0; i < d.cfg.dns6.n && i < NDP_MAX_DNS; i++) {
            ipv6_parse(d.cfg.dns6.names[i], &ncfg.dns[ncfg.n_dns++]);
        }
        for (size_t i = 0; i < d.cfg.search.n && i < NDP_MAX_SEARCH; i++) {
            ncfg.search[ncfg.n_search++] = d.cfg.search.names[i];
        }
        const char *why = NULL;
        error = ndp_io_create(d.base, &ncfg, &d.ndp, &why);
        if (error) {
            ovs_fatal(-error, "IPv6 router%s%s", why ? ": " : "",
                      why ? why : " (needs CAP_NET_RAW)");
        }
        struct dhcp6_server_config d6cfg;
        dhcp6_server_config_init(&d6cfg);
        d6cfg.server_mac = d.cfg.gateway_mac;
        error = dhcp6_io_create(d.base, &d6cfg, &d.dhcp6);
        if (error) {
            ovs_fatal(-error, "DHCPv6 server (needs CAP_NET_RAW)");
        }
    }

    char gw[INET_ADDRSTRLEN], subnet_gw[INET_ADDRSTRLEN];
    struct ovnhook_options hopts = {
        .nb_remote = d.cfg.ovn_nb,
        .sb_remote = d.cfg.ovn_sb,
        .chassis = d.cfg.chassis,
        .switch_name = d.cfg.logical_switch,
        .cb = {
            .done = on_hook_done,
            .connection = on_hook_connection,
            .aux = &d,
        },
    };
    snprintf(gw, sizeof gw, IP_FMT, IP_ARGS(d.cfg.gateway_ip));
    hopts.gateways[hopts.n_gateways++] = gw;
    if (d.cfg.subnet_gateway) {
        snprintf(subnet_gw, sizeof subnet_gw, IP_FMT,
                 IP_ARGS(d.cfg.subnet_gateway));
        hopts.gateways[hopts.n_gateways++] = subnet_gw;
    }
    d.hooks = ovnhook_create(&hopts);
    if (!d.hooks) {
        ovs_fatal(errno, "OVN client");
    }

    char *mig_address = NULL;
    if (kube) {
        struct kagent_options kopts = {
            .cfg = &d.cfg, .base = d.base, .hooks = d.hooks,
        };
        char *why;
        error = kagent_create(&kopts, &d.kagent, &why);
        if (error) {
            ovs_fatal(0, "Kubernetes: %s", why);
        }
    } else {
        mig_address = start_standalone(&d, qemu);
    }

    error = ctl_server_create(d.base, d.cfg.control_socket, &d.ctl);
    if (error) {
        ovs_fatal(-error, "control socket %s", d.cfg.control_socket);
    }
    if (kube) {
        ctl_command_register(d.ctl, "kube/list", "[--json]", 0, 1,
                             cmd_kube_list, &d);
    } else {
        ctl_command_register(d.ctl, "vm/list", "[--json]", 0, 1,
                             cmd_vm_list, &d);
        ctl_command_register(d.ctl, "vm/show", "NAME [NAMESPACE] [--json]",
                             1, 3, cmd_vm_show, &d);
        ctl_command_register(d.ctl, "migration/list", "[--json]", 0, 1,
                             cmd_migration_list, &d);
        ctl_command_register(d.ctl, "migration/hold", "POINT", 1, 1,
                             cmd_migration_hold, &d);
        ctl_command_register(d.ctl, "migration/release", "POINT", 1, 1,
                             cmd_migration_hold, &d);
    }
    ctl_command_register(d.ctl, "counters/show", "[--json]", 0, 1,
                         cmd_counters_show, &d);
    ctl_command_register(d.ctl, "exit", "", 0, 0, cmd_exit, &d);
    struct cnis_options nopts = {
        .cfg = &d.cfg,
        .hooks = d.hooks,
        .arp = d.arp,
        .dhcp = d.dhcp,
        .ctl = d.ctl,
    };
    d.cnis = cnis_create(&nopts);
    ctl_command_register(d.ctl, "version", "", 0, 0, cmd_version, &d);

    if (d.cfg.metrics_address) {
        error = metrics_server_create(d.base, d.cfg.metrics_address,
                                      collect_metrics, &d, &d.metrics);
        if (error) {
            ovs_fatal(-error, "metrics address %s", d.cfg.metrics_address);
        }
    }

    struct event *hook_ev = event_new(d.base, ovnhook_get_fd(d.hooks),
                                      EV_READ | EV_PERSIST, on_hook_fd, &d);
    struct event *cdb_ev = (d.cdb ? event_new(d.base, cdb_get_fd(d.cdb),
                                              EV_READ | EV_PERSIST,
                                              on_cdb_fd, &d)
                            : NULL);
    struct event *tick_ev = event_new(d.base, -1, EV_PERSIST, on_tick, &d);
    /* After fatal_signal_init(): libevent's handlers win. */
    struct event *term_ev = evsignal_new(d.base, SIGTERM, on_signal, &d);
    struct event *int_ev = evsignal_new(d.base, SIGINT, on_signal, &d);
    struct timeval one_second = { 1, 0 };
    event_add(hook_ev, NULL);
    if (cdb_ev) {
        event_add(cdb_ev, NULL);
    }
    event_add(tick_ev, &one_second);
    event_add(term_ev, NULL);
    event_add(int_ev, NULL);

    VLOG_INFO("node %s (chassis %s): %s %s, OVN NB %s, control socket %s",
              d.cfg.node, d.cfg.chassis,
              kube ? "Kubernetes mode, kubeconfig" : "cluster DB",
              kube ? (d.cfg.kubeconfig ? d.cfg.kubeconfig : "in-cluster")
                   : d.cfg.cluster_db,
              d.cfg.ovn_nb, d.cfg.control_socket);
    daemonize_complete();

    event_base_dispatch(d.base);

    /* A graceful stop: VMs, plumbing and OVN ports stay as they are. */
    event_free(hook_ev);
    if (cdb_ev) {
        event_free(cdb_ev);
    }
    event_free(tick_ev);
    event_free(term_ev);
    event_free(int_ev);
    metrics_server_destroy(d.metrics);
    cnis_destroy(d.cnis);
    ctl_server_destroy(d.ctl);
    kagent_destroy(d.kagent);
    mige_destroy(d.mige);
    vmm_destroy(d.vmm);
    cdb_destroy(d.cdb);
    ovnhook_destroy(d.hooks);
    dhcp_io_destroy(d.dhcp);
    dhcp6_io_destroy(d.dhcp6);
    ndp_io_destroy(d.ndp);
    arpp_io_destroy(d.arp);
    event_base_free(d.base);
    ovnmigd_config_destroy(&d.cfg);
    free(mig_address);
    free(d.accel_reason);
    VLOG_INFO("stopped");
    return EXIT_SUCCESS;
}
