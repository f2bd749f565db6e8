/* SPDX-License-Identifier: Apache-2.0
 *
 * cni-server.c -- ovnmigd's side of ovnmig-cni (see cni-server.h).
 */
#include <config.h>
#include "daemon/cni-server.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "arpproxy/arp-proxy-io.h"
#include "cni/cni.h"
#include "daemon/cluster-db.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/plumbing.h"
#include "dhcpd/dhcp-io.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"
#include "packets.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(cni_server);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Cookies of ovn-hooks requests: apart from the VM manager's (small) and
 * the migration engine's (bit 62). */
#define CNIS_COOKIE_BIT (UINT64_C(1) << 61)

struct cnis {
    const struct ovnmigd_config *cfg;
    struct ovnhook *hooks;
    struct arpp_io *arp;
    struct dhcp_io *dhcp;
    char *dir;                  /* <run_dir>/cni: the pods' records */
    char *subnet;               /* "A.B.C.D/P", or NULL */
    uint64_t next_cookie;
    struct hmap ops;            /* struct cnis_op, by cookie */
    struct cnis_stats stats;
};

enum cnis_op_kind { OP_ADD, OP_DEL, OP_CLEANUP };

/* A request waiting for ovn-hooks. */
struct cnis_op {
    struct hmap_node hmap_node;
    uint64_t cookie;
    enum cnis_op_kind kind;
    struct ctl_request *req;    /* NULL for OP_CLEANUP */
    int netns_fd;               /* OP_ADD: the pod's namespace */
    char *netns;                /* OP_ADD: what the result reports */
    unsigned int plen;          /* OP_ADD: the pod subnet's */
    struct plumb_pod_spec spec;
};

/* What <dir>/<container>.<ifname> holds. */
struct record {
    char lsp[OVNHOOK_PORT_NAME_MAX];
    char netns[CNI_MAX_PATH + 1];
    char mac[ETH_ADDR_STRLEN + 1];      /* "" until ADD got its address */
    char ip[INET_ADDRSTRLEN + 4];       /* "A.B.C.D/P", or "" */
};

/* ------------------------------------------------------------ replies */

static void
reply_error(struct ctl_request *req, int code, const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);

static void
reply_error(struct ctl_request *req, int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);

    struct json *o = json_object_create();
    json_object_put(o, "code", json_integer_create(code));
    json_object_put_string(o, "msg", msg);
    char *s = json_to_string(o, JSSF_SORT);
    VLOG_WARN_RL(&rl, "CNI request refused (%d): %s", code, msg);
    ctl_reply_error(req, s);
    free(s);
    json_destroy(o);
    free(msg);
}

/* The CNI 1.0.0 result of a pod. */
static char *
result_json(const struct cnis *c, const char *ifname,
            const struct record *rec)
{
    const struct ovnmigd_config *cfg = c->cfg;
    char gw[INET_ADDRSTRLEN];
    snprintf(gw, sizeof gw, IP_FMT, IP_ARGS(cfg->gateway_ip));

    struct json *iface = json_object_create();
    json_object_put_string(iface, "name", ifname);
    json_object_put_string(iface, "mac", rec->mac);
    if (rec->netns[0]) {
        json_object_put_string(iface, "sandbox", rec->netns);
    }
    struct json *ip = json_object_create();
    json_object_put_string(ip, "address", rec->ip);
    json_object_put_string(ip, "gateway", gw);
    json_object_put(ip, "interface", json_integer_create(0));
    struct json *route = json_object_create();
    json_object_put_string(route, "dst", "0.0.0.0/0");
    json_object_put_string(route, "gw", gw);

    struct json *dns = json_object_create();
    if (cfg->dns.n) {
        struct json *a = json_array_create_empty();
        for (size_t i = 0; i < cfg->dns.n; i++) {
            json_array_add(a, json_string_create(cfg->dns.names[i]));
        }
        json_object_put(dns, "nameservers", a);
    }
    if (cfg->domain) {
        json_object_put_string(dns, "domain", cfg->domain);
    }
    if (cfg->search.n) {
        struct json *a = json_array_create_empty();
        for (size_t i = 0; i < cfg->search.n; i++) {
            json_array_add(a, json_string_create(cfg->search.names[i]));
        }
        json_object_put(dns, "search", a);
    }

    struct json *o = json_object_create();
    json_object_put(o, "interfaces", json_array_create_1(iface));
    json_object_put(o, "ips", json_array_create_1(ip));
    json_object_put(o, "routes", json_array_create_1(route));
    json_object_put(o, "dns", dns);
    char *s = json_to_string(o, JSSF_SORT);
    json_destroy(o);
    return s;
}

/* ------------------------------------------------------------ records */

static char *
record_path(const struct cnis *c, const struct plumb_pod_spec *spec)
{
    return xasprintf("%s/%s.%s", c->dir, spec->container_id, spec->pod_if);
}

static int
record_write(const struct cnis *c, const struct plumb_pod_spec *spec,
             const struct record *rec)
{
    char *path = record_path(c, spec);
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int error = 0;
    if (!f) {
        error = -errno;
    } else {
        fprintf(f, "lsp=%s\nnetns=%s\nmac=%s\nip=%s\n", rec->lsp, rec->netns,
                rec->mac, rec->ip);
        if (fclose(f) || rename(tmp, path)) {
            error = -errno;
        }
    }
    if (error) {
        VLOG_ERR("%s: %s", path, ovs_strerror(-error));
        unlink(tmp);
    }
    free(tmp);
    free(path);
    return error;
}

/* Returns true if the record of 'spec' exists (and fills 'rec'). */
static bool
record_read_path(const char *path, struct record *rec)
{
    FILE *f = fopen(path, "r");
    memset(rec, 0, sizeof *rec);
    if (!f) {
        return false;
    }
    char line[CNI_MAX_PATH + 16];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq) {
            continue;
        }
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(line, "lsp")) {
            ovs_strzcpy(rec->lsp, v, sizeof rec->lsp);
        } else if (!strcmp(line, "netns")) {
            ovs_strzcpy(rec->netns, v, sizeof rec->netns);
        } else if (!strcmp(line, "mac")) {
            ovs_strzcpy(rec->mac, v, sizeof rec->mac);
        } else if (!strcmp(line, "ip")) {
            ovs_strzcpy(rec->ip, v, sizeof rec->ip);
        }
    }
    fclose(f);
    return true;
}

static bool
record_read(const struct cnis *c, const struct plumb_pod_spec *spec,
            struct record *rec)
{
    char *path = record_path(c, spec);
    bool found = record_read_path(path, rec);
    free(path);
    return found;
}

static void
record_remove(const struct cnis *c, const struct plumb_pod_spec *spec)
{
    char *path = record_path(c, spec);
    if (unlink(path) && errno != ENOENT) {
        VLOG_WARN("%s: %s", path, ovs_strerror(errno));
    }
    free(path);
}

/* ------------------------------------------------------------ ARP, DHCP */

static int
serve(struct cnis *c, const char *node_if, const struct record *rec)
{
    const struct ovnmigd_config *cfg = c->cfg;
    struct eth_addr mac;
    ovs_be32 ip;
    unsigned int plen;

    char *err = ip_parse_cidr(rec->ip, &ip, &plen);
    if (err || !eth_addr_from_string(rec->mac, &mac)) {
        free(err);
        return -EINVAL;
    }

    struct arpp_port_view view = {
        .vm_mac = mac,
        .vm_ips = { ip },
        .n_vm_ips = 1,
        .gateways = { cfg->gateway_ip },
        .n_gateways = 1,
        .gateway_mac = cfg->gateway_mac,
    };
    if (cfg->subnet_gateway) {
        view.gateways[view.n_gateways++] = cfg->subnet_gateway;
    }
    arpp_io_remove_port(c->arp, node_if);
    int error = arpp_io_add_port(c->arp, node_if, &view);
    if (error < 0) {
        VLOG_ERR("%s: ARP proxy: %s", node_if, ovs_strerror(-error));
        return error;
    }

    struct dhcp_binding_config bc;
    struct dhcp_binding *binding;
    const char *why;
    dhcp_binding_config_init(&bc);
    bc.mac = mac;
    bc.address = ip;
    bc.plen = plen;
    bc.gateway = cfg->gateway_ip;
    bc.server_id = cfg->gateway_ip;
    for (size_t i = 0; i < cfg->dns.n && i < DHCP_MAX_DNS; i++) {
        ip_parse(cfg->dns.names[i], &bc.dns[bc.n_dns++]);
    }
    bc.domain_name = cfg->domain;
    for (size_t i = 0; i < cfg->search.n && i < DHCP_MAX_SEARCH; i++) {
        bc.search[bc.n_search++] = cfg->search.names[i];
    }
    bc.mtu = cfg->mtu;
    bc.lease_time = cfg->lease_time;
    error = dhcp_binding_create(&bc, &binding, &why);
    if (error) {
        VLOG_ERR("%s: DHCP binding: %s", node_if, why);
        return error;
    }
    error = dhcp_io_add_port(c->dhcp, node_if);
    if (error < 0 && error != -EEXIST) {
        dhcp_binding_destroy(binding);
        VLOG_ERR("%s: DHCP: %s", node_if, ovs_strerror(-error));
        return error;
    }
    return dhcp_io_set_binding(c->dhcp, node_if, binding);
}

static void
unserve(struct cnis *c, const char *node_if)
{
    arpp_io_remove_port(c->arp, node_if);
    dhcp_io_remove_port(c->dhcp, node_if);
}

/* ------------------------------------------------------------ ops */

static struct cnis_op *
op_new(struct cnis *c, enum cnis_op_kind kind, struct ctl_request *req,
       const struct plumb_pod_spec *spec)
{
    struct cnis_op *op = xzalloc(sizeof *op);
    op->cookie = CNIS_COOKIE_BIT | ++c->next_cookie;
    op->kind = kind;
    op->req = req;
    op->netns_fd = -1;
    op->spec = *spec;
    hmap_insert(&c->ops, &op->hmap_node, hash_uint64(op->cookie));
    return op;
}

static void
op_free(struct cnis *c, struct cnis_op *op)
{
    hmap_remove(&c->ops, &op->hmap_node);
    if (op->netns_fd >= 0) {
        close(op->netns_fd);
    }
    free(op->netns);
    free(op);
}

static struct cnis_op *
op_find(struct cnis *c, uint64_t cookie)
{
    struct cnis_op *op;
    HMAP_FOR_EACH_WITH_HASH (op, hmap_node, hash_uint64(cookie), &c->ops) {
        if (op->cookie == cookie) {
            return op;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ commands */

/* Checks the arguments every command shares and fills 'spec' with the
 * pod's names.  Returns 0, or answers 'req' and returns an error. */
struct pod_names {
    char vm[OVNHOOK_NAME_MAX];          /* the pod's name (or ID) */
    char ns[OVNHOOK_NAME_MAX];
    char lsp[OVNHOOK_PORT_NAME_MAX];    /* "<vm>.<ns>" */
};

static int
parse_args(struct ctl_request *req, const char *argv[],
           struct plumb_pod_spec *spec, struct pod_names *names)
{
    const char *cid = argv[1], *ifname = argv[2], *network = argv[3];
    const char *pod_ns = argv[6], *pod = argv[7];

    if (!*cid || strlen(cid) >= sizeof spec->container_id
        || strchr(cid, '/') || cid[0] == '.'
        || plumb_pod_spec_init(spec, cid, ifname) || strchr(ifname, '/')) {
        reply_error(req, CNI_ERR_INVALID_ENV, "bad container ID \"%s\" or "
                    "interface name \"%s\"", cid, ifname);
        return -EINVAL;
    }
    if (!*pod) {
        pod = cid;
    }
    if (!*pod_ns) {
        pod_ns = network;       /* podman passes K8S_POD_NAME alone */
    }
    ovs_strzcpy(names->vm, pod, sizeof names->vm);
    ovs_strzcpy(names->ns, pod_ns, sizeof names->ns);
    if (strlen(pod_ns) >= sizeof names->ns
        || ovnhook_port_name(names->vm, names->ns, names->lsp,
                             sizeof names->lsp)) {
        reply_error(req, CNI_ERR_INVALID_ENV, "\"%s.%s\" cannot name a "
                    "logical switch port", names->vm, pod_ns);
        return -EINVAL;
    }
    snprintf(spec->iface_id, sizeof spec->iface_id, "%s", names->lsp);
    return 0;
}

/* Opens the pod's namespace: the plugin's descriptor, else the path. */
static int
open_netns(const char *fd_path, const char *netns)
{
    const char *path = *fd_path ? fd_path : netns;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    struct statfs st;
    if (fstatfs(fd, &st) || st.f_type != NSFS_MAGIC) {
        close(fd);
        return -ENOTSUP;
    }
    return fd;
}

static void
cmd_add(struct ctl_request *req, int argc OVS_UNUSED, const char *argv[],
        void *c_)
{
    struct cnis *c = c_;
    struct plumb_pod_spec spec;
    struct pod_names names;
    struct record rec;

    c->stats.adds++;
    memset(&rec, 0, sizeof rec);
    if (parse_args(req, argv, &spec, &names)) {
        c->stats.add_errors++;
        return;
    }
    if (!c->subnet) {
        c->stats.add_errors++;
        reply_error(req, CNI_ERR_OVNMIGD, "no pod subnet: the cluster "
                    "database's Config has no external_ids:%s",
                    CNIS_POD_SUBNET_KEY);
        return;
    }
    ovs_be32 net;
    unsigned int plen;
    char *bad = ip_parse_cidr(c->subnet, &net, &plen);
    if (bad) {
        c->stats.add_errors++;
        reply_error(req, CNI_ERR_OVNMIGD, "the cluster database's pod "
                    "subnet \"%s\": %s", c->subnet, bad);
        free(bad);
        return;
    }
    int fd = open_netns(argv[5], argv[4]);
    if (fd < 0) {
        c->stats.add_errors++;
        reply_error(req, fd == -ENOTSUP ? CNI_ERR_INVALID_ENV
                                        : CNI_ERR_UNKNOWN_CONTAINER,
                    "network namespace %s: %s", argv[4],
                    fd == -ENOTSUP ? "not a network namespace"
                                   : ovs_strerror(-fd));
        return;
    }
    ovs_strzcpy(rec.lsp, names.lsp, sizeof rec.lsp);
    ovs_strzcpy(rec.netns, argv[4], sizeof rec.netns);

    /* The record first: a DEL after a crash finds the port. */
    int error = record_write(c, &spec, &rec);
    if (error) {
        close(fd);
        c->stats.add_errors++;
        reply_error(req, CNI_ERR_IO, "cannot record the pod in %s: %s",
                    c->dir, ovs_strerror(-error));
        return;
    }

    struct cnis_op *op = op_new(c, OP_ADD, req, &spec);
    op->netns_fd = fd;
    op->netns = xstrdup(argv[4]);
    op->plen = plen;
    struct ovnhook_alloc_spec as = {
        .vm = names.vm,
        .namespace = names.ns,
        .node = c->cfg->chassis,
        .subnet = c->subnet,
    };
    error = ovnhook_port_alloc(c->hooks, &as, op->cookie);
    if (error) {
        op_free(c, op);
        record_remove(c, &spec);
        c->stats.add_errors++;
        reply_error(req, error == -ENOBUFS ? CNI_ERR_TRY_AGAIN
                                           : CNI_ERR_OVNMIGD,
                    "logical switch port %s: %s", rec.lsp,
                    ovs_strerror(-error));
    }
}

static void
add_done(struct cnis *c, struct cnis_op *op, const struct ovnhook_result *r)
{
    struct plumb_pod_spec *spec = &op->spec;
    struct record rec;

    if (r->error) {
        c->stats.add_errors++;
        if (r->error != -ETIMEDOUT && r->error != -EIO) {
            /* No port was made, or it is not the pod's (a VM's): DEL must
             * not delete it.  (After a time-out or a refused transaction
             * the port may exist: the record stays for DEL.) */
            record_remove(c, spec);
        }
        reply_error(op->req, (r->error == -ENOSPC || r->error == -EEXIST
                              ? CNI_ERR_ADDRESS_IN_USE : CNI_ERR_OVNMIGD),
                    "%s", r->message);
        return;
    }

    unsigned int plen = op->plen;
    ovs_be32 ip;
    struct eth_addr mac;
    if (!ip_parse(r->ipv4, &ip) || !eth_addr_from_string(r->mac, &mac)) {
        c->stats.add_errors++;
        reply_error(op->req, CNI_ERR_OVNMIGD, "port %s came back without "
                    "an address", r->port);
        return;
    }
    memcpy(spec->mac, mac.ea, 6);
    spec->ip = ip;
    spec->plen = plen;
    spec->gateway = c->cfg->gateway_ip;
    spec->mtu = c->cfg->mtu;

    memset(&rec, 0, sizeof rec);
    ovs_strzcpy(rec.lsp, r->port, sizeof rec.lsp);
    ovs_strzcpy(rec.netns, op->netns, sizeof rec.netns);
    snprintf(rec.mac, sizeof rec.mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    snprintf(rec.ip, sizeof rec.ip, IP_FMT"/%u", IP_ARGS(ip), plen);

    int error = plumb_pod_create(spec, op->netns_fd);
    if (!error) {
        error = record_write(c, spec, &rec);
    }
    if (!error) {
        error = serve(c, spec->node_if, &rec);
    }
    if (error) {
        /* Nothing half-made stays: the veth, the port, the record. */
        c->stats.add_errors++;
        unserve(c, spec->node_if);
        plumb_pod_destroy(spec);
        struct cnis_op *cleanup = op_new(c, OP_CLEANUP, NULL, spec);
        if (ovnhook_port_delete(c->hooks, rec.lsp, cleanup->cookie)) {
            op_free(c, cleanup);
        }
        reply_error(op->req, (error == -EEXIST ? CNI_ERR_INVALID_ENV
                              : CNI_ERR_OVNMIGD),
                    "cannot wire %s into the pod: %s%s", spec->pod_if,
                    ovs_strerror(-error),
                    error == -EEXIST ? " (the pod has an interface of that "
                                       "name)" : "");
        return;
    }
    VLOG_INFO("pod %s: %s %s on port %s", spec->container_id, rec.mac,
              rec.ip, rec.lsp);
    char *s = result_json(c, spec->pod_if, &rec);
    ctl_reply(op->req, s);
    free(s);
}

static void
cmd_del(struct ctl_request *req, int argc OVS_UNUSED, const char *argv[],
        void *c_)
{
    struct cnis *c = c_;
    struct plumb_pod_spec spec;
    struct pod_names names;
    struct record rec;

    c->stats.dels++;
    if (parse_args(req, argv, &spec, &names)) {
        return;
    }
    bool recorded = record_read(c, &spec, &rec);
    unserve(c, spec.node_if);
    int error = plumb_pod_destroy(&spec);
    if (error) {
        reply_error(req, CNI_ERR_OVNMIGD, "cannot remove %s: %s",
                    spec.node_if, ovs_strerror(-error));
        return;
    }
    if (!recorded || !rec.lsp[0]) {
        /* Never added here (or already deleted): nothing else to do. */
        ctl_reply(req, "");
        return;
    }
    struct cnis_op *op = op_new(c, OP_DEL, req, &spec);
    error = ovnhook_port_delete(c->hooks, rec.lsp, op->cookie);
    if (error) {
        op_free(c, op);
        reply_error(req, CNI_ERR_TRY_AGAIN, "logical switch port %s: %s",
                    rec.lsp, ovs_strerror(-error));
    }
}

static void
del_done(struct cnis *c, struct cnis_op *op, const struct ovnhook_result *r)
{
    if (r->error) {
        if (op->req) {
            reply_error(op->req, CNI_ERR_OVNMIGD, "%s", r->message);
        }
        return;
    }
    record_remove(c, &op->spec);
    if (op->req) {
        ctl_reply(op->req, "");
    }
}

static void
cmd_check(struct ctl_request *req, int argc OVS_UNUSED, const char *argv[],
          void *c_)
{
    struct cnis *c = c_;
    struct plumb_pod_spec spec;
    struct pod_names names;
    struct record rec;

    c->stats.checks++;
    if (parse_args(req, argv, &spec, &names)) {
        return;
    }
    if (!record_read(c, &spec, &rec) || !rec.ip[0]) {
        reply_error(req, CNI_ERR_CHECK_FAILED, "container %s has no "
                    "interface %s from ovnmig on this node",
                    spec.container_id, spec.pod_if);
    } else if (!plumb_pod_exists(&spec)) {
        reply_error(req, CNI_ERR_CHECK_FAILED, "the veth of %s (%s) is "
                    "gone", spec.container_id, spec.node_if);
    } else {
        char *s = result_json(c, spec.pod_if, &rec);
        ctl_reply(req, s);
        free(s);
    }
}

bool
cnis_hook_done(struct cnis *c, const struct ovnhook_result *r)
{
    struct cnis_op *op = (r->cookie & CNIS_COOKIE_BIT
                          ? op_find(c, r->cookie) : NULL);
    if (!op) {
        return false;
    }
    switch (op->kind) {
    case OP_ADD:
        add_done(c, op, r);
        break;
    case OP_DEL:
    case OP_CLEANUP:
        del_done(c, op, r);
        break;
    }
    op_free(c, op);
    return true;
}

/* ------------------------------------------------------------ lifecycle */

/* A restarted daemon: ARP and DHCP again on every pod still wired. */
static void
serve_recorded(struct cnis *c)
{
    DIR *dir = opendir(c->dir);
    if (!dir) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(dir))) {
        const char *dot = strrchr(de->d_name, '.');
        if (de->d_name[0] == '.' || !dot || !strcmp(dot, ".tmp")) {
            continue;
        }
        char *cid = xmemdup0(de->d_name, dot - de->d_name);
        struct plumb_pod_spec spec;
        struct record rec;
        char *path = xasprintf("%s/%s", c->dir, de->d_name);
        if (!plumb_pod_spec_init(&spec, cid, dot + 1)
            && record_read_path(path, &rec) && rec.ip[0]
            && plumb_pod_exists(&spec) && !serve(c, spec.node_if, &rec)) {
            VLOG_INFO("pod %s: serving %s again", cid, rec.ip);
        }
        free(path);
        free(cid);
    }
    closedir(dir);
}

struct cnis *
cnis_create(const struct cnis_options *opts)
{
    struct cnis *c = xzalloc(sizeof *c);
    c->cfg = opts->cfg;
    c->hooks = opts->hooks;
    c->arp = opts->arp;
    c->dhcp = opts->dhcp;
    c->dir = xasprintf("%s/cni", opts->cfg->run_dir);
    hmap_init(&c->ops);
    if (mkdir(c->dir, 0700) && errno != EEXIST) {
        VLOG_ERR("%s: %s", c->dir, ovs_strerror(errno));
    }
    serve_recorded(c);

    const char *usage = "CONTAINER_ID IFNAME NETWORK NETNS NETNS_FD_PATH "
                        "POD_NAMESPACE POD";
    ctl_command_register(opts->ctl, "cni/add", usage, 7, 7, cmd_add, c);
    ctl_command_register(opts->ctl, "cni/del", usage, 7, 7, cmd_del, c);
    ctl_command_register(opts->ctl, "cni/check", usage, 7, 7, cmd_check, c);
    return c;
}

void
cnis_destroy(struct cnis *c)
{
    if (!c) {
        return;
    }
    struct cnis_op *op;
    HMAP_FOR_EACH_SAFE (op, hmap_node, &c->ops) {
        if (op->req) {
            reply_error(op->req, CNI_ERR_TRY_AGAIN, "ovnmigd is stopping");
        }
        op_free(c, op);
    }
    hmap_destroy(&c->ops);
    free(c->subnet);
    free(c->dir);
    free(c);
}

void
cnis_update(struct cnis *c, const struct cdb_snapshot *snap)
{
    const char *subnet = smap_get(&snap->config_ids, CNIS_POD_SUBNET_KEY);
    if (!snap->complete && !subnet) {
        return;                 /* keep what was known */
    }
    if (!subnet != !c->subnet || (subnet && strcmp(subnet, c->subnet))) {
        VLOG_INFO("pod subnet: %s", subnet ? subnet : "(none)");
        free(c->subnet);
        c->subnet = subnet ? xstrdup(subnet) : NULL;
    }
}

void
cnis_get_stats(const struct cnis *c, struct cnis_stats *stats)
{
    *stats = c->stats;
    stats->pods = 0;
    DIR *dir = opendir(c->dir);
    if (dir) {
        struct dirent *de;
        while ((de = readdir(dir))) {
            stats->pods += de->d_name[0] != '.';
        }
        closedir(dir);
    }
}
