/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmigctl -- ovnmig's command line, after ovn-nbctl: writes desired
 * state into the cluster database (through the omrec_ IDL, synchronously)
 * and asks a node's ovnmigd, over its control socket, what is true there.
 * See docs/ovnmigctl.8.
 *
 * Exit codes: 0 success, 1 failure (the message says why), 2 usage.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "command-line.h"
#include "daemon/cluster-db.h"
#include "daemon/ovnmig-idl.h"
#include "fatal-signal.h"
#include "jsonrpc.h"
#include "lib/kubevirt-yaml.h"
#include "migrate/policy.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "utilities/ovnmigctl.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(ovnmigctl);

#define DEFAULT_DB "unix:/run/ovnmig/db.sock"
#define DEFAULT_SOCKET "/run/ovnmig/ovnmigd.ctl"

static struct ctl_conn conn;
bool json_output;
static int timeout_s = 10;

struct ovsdb_idl *idl;

void
usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", program_name);
    vfprintf(stderr, format, args);
    fprintf(stderr, "\nTry '%s --help'.\n", program_name);
    va_end(args);
    exit(EXIT_USAGE);
}

void
fail(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", program_name);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(EXIT_FAIL);
}

static void
usage(void)
{
    printf("\
%s: ovnmig's command line\n\
usage: %s [OPTIONS] COMMAND [ARG...]\n\
\n\
VMs (rows of the cluster database):\n\
  vm create -f FILE --node NODE --ip A.B.C.D/P [--ipv6 ADDRESS]\n\
                            a VM from a KubeVirt VirtualMachine YAML\n\
  vm list                   VMs of the cluster\n\
  vm show NAME [--namespace NS]\n\
                            the row, and the node's own view (LSP, binding,\n\
                            DHCP, ARP, OpenFlow flows) when its control\n\
                            socket answers\n\
  vm delete NAME [--namespace NS] [--if-exists]\n\
  vm migrate NAME [--namespace NS] [--to NODE]\n\
                            live-migrate; prints the migration's UID\n\
                            (the target is picked when --to is omitted)\n\
Migrations (ID: a UID, 8+ characters of one, or a VM's latest):\n\
  migration list            all, in request order, queued ones numbered\n\
  migration show ID         the Migration State, as KubeVirt shows it\n\
  migration watch ID        live progress until it ends (exit 0: success)\n\
  migration cancel ID       abort: the VM stays on its source\n\
Nodes:\n\
  node list                 nodes and their heartbeats\n\
  node drain NODE [--force] [--wait]\n\
                            cordon NODE and live-migrate its VMs (those\n\
                            with evictionStrategy LiveMigrate; others block\n\
                            the drain, or are stopped with --force)\n\
  node uncordon NODE        schedulable again\n\
Migration policies and namespaces (KubeVirt MigrationPolicy):\n\
  policy create -f FILE     a MigrationPolicy from YAML\n\
  policy list | show NAME | delete NAME [--if-exists]\n\
  namespace label NAME KEY=VALUE... [KEY-]...\n\
  namespace list            namespaces and their labels\n\
Cluster configuration (liveMigrationConfig):\n\
  config get [KEY]          keys set (KubeVirt names)\n\
  config set KEY=VALUE...   checked before anything is written\n\
  config unset KEY...       back to the default\n\
Access (the administrator's, see ovnmigctl(8)):\n\
  rbac install              the role ovnmig-node: what a node's certificate\n\
                            may change (docs/architecture.md)\n\
  rbac show                 every role, table by table\n\
  connection set [role=ROLE] [read-only] TARGET...\n\
                            where the servers listen (pssl:PORT[:IP] ...)\n\
  connection list\n\
\n\
Options:\n\
  --db REMOTE       cluster database: unix:PATH, tcp:IP:PORT or ssl:IP:PORT,\n\
                    comma-separated for a Raft cluster (default:\n\
                    $OVNMIG_DB, cluster-db in $OVNMIGCTL_CONF, or %s)\n\
  --socket PATH     a node's ovnmigd control socket, for vm show\n\
                    (default: $OVNMIG_CTL, control-socket, or %s)\n\
  -p, --private-key FILE   for ssl: remotes, this identity's key\n\
  -c, --certificate FILE   ...its certificate (the CN is who you are)\n\
  -C, --ca-cert FILE       ...and the CA the servers must be signed by\n\
                    (default: $OVNMIG_SSL_PRIVATE_KEY, $OVNMIG_SSL_CERTIFICATE,\n\
                    $OVNMIG_SSL_CA_CERT; ssl-private-key, ssl-certificate,\n\
                    ssl-ca-cert in $OVNMIGCTL_CONF, default\n\
                    /etc/ovnmig/ovnmigctl.conf)\n\
  --json            JSON output, for every read command\n\
  -t, --timeout S   give up after S seconds (default 10)\n\
  -h, --help        this help\n\
  -V, --version     the version\n\
\n\
Exit status: 0 success, 1 failure, 2 usage error.\n",
           program_name, program_name, DEFAULT_DB, DEFAULT_SOCKET);
    exit(EXIT_OK);
}

/* ------------------------------------------------------------ database */

void
db_connect(void)
{
    conn_setup_ssl(&conn);
    idl = ovsdb_idl_create(conn.db, &omrec_idl_class, true, true);
    long long int deadline = time_msec() + timeout_s * 1000LL;
    for (;;) {
        ovsdb_idl_run(idl);
        if (ovsdb_idl_has_ever_connected(idl)) {
            return;
        }
        if (time_msec() >= deadline) {
            int error = ovsdb_idl_get_last_error(idl);
            /* A TLS peer that refuses the other's certificate just drops
             * the connection: stream_ssl's warning above says why. */
            bool tls = (strstr(conn.db, "ssl:")
                        && (error == EPROTO || error == EPIPE
                            || error == EIO || error == ECONNRESET));
            fail("%s: cannot reach the cluster database%s%s%s", conn.db,
                 error ? ": " : "", error ? ovs_retval_to_string(error) : "",
                 tls ? " (TLS refused: is each side's certificate signed by "
                       "the CA the other trusts?)" : "");
        }
        ovsdb_idl_wait(idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

bool
db_commit(struct ovsdb_idl_txn *txn)
{
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit_block(txn);
    if (status == TXN_TRY_AGAIN) {
        ovsdb_idl_txn_destroy(txn);
        /* Wait for the replica to catch up before trying again. */
        ovsdb_idl_run(idl);
        ovsdb_idl_wait(idl);
        poll_timer_wait(100);
        poll_block();
        ovsdb_idl_run(idl);
        return false;
    }
    if (status != TXN_SUCCESS && status != TXN_UNCHANGED) {
        char *error = xstrdup(ovsdb_idl_txn_get_error(txn));
        ovsdb_idl_txn_destroy(txn);
        /* The server's {"error": ..., "details": ...}: a refusal by its
         * role-based access control is said as such. */
        struct json *j = json_from_string(error);
        const struct json *what = (j->type == JSON_OBJECT
                                   ? shash_find_data(json_object(j), "error")
                                   : NULL);
        const struct json *details = (j->type == JSON_OBJECT
                                      ? shash_find_data(json_object(j),
                                                        "details")
                                      : NULL);
        if (what && what->type == JSON_STRING
            && !strcmp(json_string(what), "permission error")) {
            fail("permission denied by the cluster database: %s (the "
                 "certificate's CN is who you are: see \"rbac show\")",
                 details && details->type == JSON_STRING
                 ? json_string(details) : error);
        }
        json_destroy(j);
        fail("transaction failed: %s", error);
    }
    ovsdb_idl_txn_destroy(txn);
    return true;
}

const struct omrec_vm *
find_vm(const char *name, const char *namespace)
{
    const struct omrec_vm *vm;
    OMREC_VM_FOR_EACH (vm, idl) {
        if (!strcmp(vm->name, name) && !strcmp(vm->namespace_, namespace)) {
            return vm;
        }
    }
    return NULL;
}

const struct omrec_node *
find_node(const char *name)
{
    const struct omrec_node *node;
    OMREC_NODE_FOR_EACH (node, idl) {
        if (!strcmp(node->name, name)) {
            return node;
        }
    }
    return NULL;
}

void
print_json(struct json *json)
{
    char *s = json_to_string(json, JSSF_SORT | JSSF_PRETTY);
    puts(s);
    free(s);
    json_destroy(json);
}

struct json *
smap_to_json_object(const struct smap *smap)
{
    struct json *o = json_object_create();
    struct smap_node *node;
    SMAP_FOR_EACH (node, smap) {
        json_object_put_string(o, node->key, node->value);
    }
    return o;
}

/* ------------------------------------------------------------ vm create */

char *
read_file(const char *path, size_t *sizep)
{
    FILE *f = !strcmp(path, "-") ? stdin : fopen(path, "r");
    if (!f) {
        fail("%s: %s", path, ovs_strerror(errno));
    }
    struct ds text = DS_EMPTY_INITIALIZER;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        ds_put_buffer(&text, buf, n);
        if (text.length > KVYAML_MAX_SIZE) {
            fail("%s: larger than %d bytes", path, KVYAML_MAX_SIZE);
        }
    }
    if (f != stdin) {
        fclose(f);
    }
    *sizep = text.length;
    return ds_steal_cstr(&text);
}

static void
cmd_vm_create(int argc, char *argv[])
{
    const char *file = NULL, *node = NULL, *ip_arg = NULL, *ip6_arg = NULL;
    for (int i = 0; i < argc; i++) {
        if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file"))
            && i + 1 < argc) {
            file = argv[++i];
        } else if (!strcmp(argv[i], "--node") && i + 1 < argc) {
            node = argv[++i];
        } else if (!strcmp(argv[i], "--ip") && i + 1 < argc) {
            ip_arg = argv[++i];
        } else if (!strcmp(argv[i], "--ipv6") && i + 1 < argc) {
            ip6_arg = argv[++i];
        } else {
            usage_error("vm create: unexpected argument \"%s\"", argv[i]);
        }
    }
    if (!file) {
        usage_error("vm create: -f FILE is required");
    }
    if (!node) {
        usage_error("vm create: --node NODE is required (ovnmig has no "
                    "scheduler yet)");
    }
    if (!ip_arg) {
        usage_error("vm create: --ip A.B.C.D/P is required (ovnmig does "
                    "not allocate addresses yet)");
    }

    /* Everything is checked before the database is touched. */
    size_t size;
    char *text = read_file(file, &size);
    struct kvyaml_vm vm;
    char *error;
    if (kvyaml_parse_vm(text, size, &vm, &error)) {
        fail("%s: %s", file, error);
    }
    free(text);
    for (size_t i = 0; i < vm.unknown.n; i++) {
        fprintf(stderr, "%s: warning: %s: field %s is not used by ovnmig\n",
                program_name, file, vm.unknown.names[i]);
    }

    ovs_be32 ip;
    unsigned int plen;
    error = strchr(ip_arg, '/') ? ip_parse_cidr(ip_arg, &ip, &plen)
                                : xstrdup("no prefix length");
    if (error || !plen || plen > 30 || !ip) {
        fail("--ip %s: not A.B.C.D/P (%s)", ip_arg,
             error ? error : "prefix length must be 1 to 30");
    }
    char ip_text[32];
    snprintf(ip_text, sizeof ip_text, IP_FMT"/%u", IP_ARGS(ip), plen);

    /* The guest's IPv6 address, served as a /128 by DHCPv6: the node
     * checks it against its subnet6. */
    char ip6_text[INET6_ADDRSTRLEN] = "";
    if (ip6_arg) {
        struct in6_addr ip6;
        if (!ipv6_parse(ip6_arg, &ip6) || ipv6_addr_is_multicast(&ip6)
            || ipv6_is_zero(&ip6) || in6_is_lla(&ip6)) {
            fail("--ipv6 %s: not a global or unique local IPv6 address",
                 ip6_arg);
        }
        ipv6_string_mapped(ip6_text, &ip6);
    }

    struct eth_addr mac;
    if (vm.mac) {
        if (!eth_addr_from_string(vm.mac, &mac)) {
            fail("%s: macAddress \"%s\" is not a MAC address", file, vm.mac);
        }
    } else {
        /* 0a:58 + the IPv4 address, as ovn-kubernetes assigns them. */
        uint32_t a = ntohl(ip);
        mac = (struct eth_addr) ETH_ADDR_C(0a, 58, 00, 00, 00, 00);
        mac.ea[2] = a >> 24;
        mac.ea[3] = a >> 16;
        mac.ea[4] = a >> 8;
        mac.ea[5] = a;
    }
    if (eth_addr_is_multicast(mac) || eth_addr_is_zero(mac)) {
        fail("%s: macAddress "ETH_ADDR_FMT" is not a unicast address", file,
             ETH_ADDR_ARGS(mac));
    }
    char mac_text[ETH_ADDR_STRLEN + 1];
    snprintf(mac_text, sizeof mac_text, ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));

    if (!vm.memory || vm.memory % 4096) {
        fail("%s: the memory request must be a positive multiple of 4 KiB "
             "(got %"PRIu64" bytes)", file, vm.memory);
    }
    if (!vm.kernel) {
        fail("%s: no boot source: ovnmig boots "
             "spec.template.spec.domain.firmware.kernelBoot", file);
    }

    db_connect();
    for (;;) {
        if (!find_node(node)) {
            fail("no node \"%s\" in the cluster database (see "
                 "\"ovnmigctl node list\")", node);
        }
        if (find_vm(vm.name, vm.namespace)) {
            fail("VM %s already exists in namespace %s", vm.name,
                 vm.namespace);
        }
        const struct omrec_vm *other;
        OMREC_VM_FOR_EACH (other, idl) {
            if (other->ipv4 && !strcmp(other->ipv4, ip_text)) {
                fail("%s is already the address of VM %s in %s", ip_text,
                     other->name, other->namespace_);
            }
            if (ip6_text[0] && other->ipv6
                && !strcmp(other->ipv6, ip6_text)) {
                fail("%s is already the address of VM %s in %s", ip6_text,
                     other->name, other->namespace_);
            }
            if (!strcasecmp(other->mac, mac_text)) {
                fail("%s is already the MAC of VM %s in %s", mac_text,
                     other->name, other->namespace_);
            }
        }

        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: vm create %s", vm.name);
        struct omrec_vm *row = omrec_vm_insert(txn);
        omrec_vm_set_name(row, vm.name);
        omrec_vm_set_namespace_(row, vm.namespace);
        omrec_vm_set_labels(row, &vm.labels);
        omrec_vm_set_annotations(row, &vm.annotations);
        omrec_vm_set_node(row, node);
        omrec_vm_set_memory(row, vm.memory);
        omrec_vm_set_cpus(row, vm.cpus ? vm.cpus : 1);
        struct smap boot = SMAP_INITIALIZER(&boot);
        smap_add(&boot, "kernel", vm.kernel);
        if (vm.initrd) {
            smap_add(&boot, "initrd", vm.initrd);
        }
        if (vm.kernel_args) {
            smap_add(&boot, "cmdline", vm.kernel_args);
        }
        omrec_vm_set_boot(row, &boot);
        smap_destroy(&boot);
        omrec_vm_set_mac(row, mac_text);
        omrec_vm_set_ipv4(row, ip_text);
        if (ip6_text[0]) {
            omrec_vm_set_ipv6(row, ip6_text);
        }
        omrec_vm_set_eviction_strategy(row, vm.eviction_strategy
                                       ? vm.eviction_strategy : "None");
        if (db_commit(txn)) {
            break;
        }
    }
    printf("vm %s created in namespace %s on node %s: %s %s%s\n", vm.name,
           vm.namespace, node, mac_text, ip_text,
           smap_get(&vm.annotations,
                    "kubevirt.io/allow-pod-bridge-network-live-migration")
           ? "" : " (not live-migratable: no "
                  "kubevirt.io/allow-pod-bridge-network-live-migration "
                  "annotation)");
    kvyaml_vm_destroy(&vm);
}

/* ------------------------------------------------------------ vm reads */

const char *
take_namespace(int *argc, char *argv[])
{
    const char *ns = "default";
    int j = 0;
    for (int i = 0; i < *argc; i++) {
        if ((!strcmp(argv[i], "--namespace") || !strcmp(argv[i], "-n"))
            && i + 1 < *argc) {
            ns = argv[++i];
        } else if (!strncmp(argv[i], "--namespace=", 12)) {
            ns = argv[i] + 12;
        } else {
            argv[j++] = argv[i];
        }
    }
    *argc = j;
    return ns;
}

static struct json *
vm_to_json(const struct omrec_vm *vm)
{
    struct json *o = json_object_create();
    json_object_put_string(o, "name", vm->name);
    json_object_put_string(o, "namespace", vm->namespace_);
    json_object_put_string(o, "node", vm->node);
    json_object_put_string(o, "mac", vm->mac);
    json_object_put_string(o, "ipv4", vm->ipv4 ? vm->ipv4 : "");
    if (vm->ipv6) {
        json_object_put_string(o, "ipv6", vm->ipv6);
    }
    json_object_put(o, "memory", json_integer_create(vm->memory));
    json_object_put(o, "cpus", json_integer_create(vm->cpus));
    json_object_put_string(o, "evictionStrategy", vm->eviction_strategy);
    json_object_put(o, "labels", smap_to_json_object(&vm->labels));
    json_object_put(o, "annotations", smap_to_json_object(&vm->annotations));
    json_object_put(o, "boot", smap_to_json_object(&vm->boot));
    json_object_put(o, "status", smap_to_json_object(&vm->status));
    json_object_put_format(o, "uuid", UUID_FMT,
                           UUID_ARGS(&vm->header_.uuid));
    return o;
}

static int
compare_vm_rows(const void *a_, const void *b_)
{
    const struct omrec_vm *const *a = a_, *const *b = b_;
    int c = strcmp((*a)->namespace_, (*b)->namespace_);
    return c ? c : strcmp((*a)->name, (*b)->name);
}

static void
cmd_vm_list(int argc, char *argv[] OVS_UNUSED)
{
    if (argc) {
        usage_error("vm list: unexpected argument \"%s\"", argv[0]);
    }
    db_connect();
    const struct omrec_vm *vm, **rows = NULL;
    size_t n = 0, allocated = 0;
    OMREC_VM_FOR_EACH (vm, idl) {
        if (n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[n++] = vm;
    }
    if (n) {
        qsort(rows, n, sizeof *rows, compare_vm_rows);
    }
    if (json_output) {
        struct json *array = json_array_create_empty();
        for (size_t i = 0; i < n; i++) {
            json_array_add(array, vm_to_json(rows[i]));
        }
        print_json(array);
    } else {
        printf("%-16s %-12s %-8s %-18s %-17s %-9s %s\n", "NAME", "NAMESPACE",
               "NODE", "IPV4", "MAC", "PHASE", "MIGRATABLE");
        for (size_t i = 0; i < n; i++) {
            vm = rows[i];
            const char *phase = smap_get_def(&vm->status, "phase", "-");
            const char *mig = smap_get_def(&vm->status, "liveMigratable",
                                           "-");
            printf("%-16s %-12s %-8s %-18s %-17s %-9s %s\n", vm->name,
                   vm->namespace_, vm->node, vm->ipv4 ? vm->ipv4 : "-",
                   vm->mac, phase, mig);
        }
    }
    free(rows);
}

/* Asks the node's daemon.  Returns its answer (caller frees) or NULL with
 * the reason in '*whyp' (caller frees). */
static char *
ask_node(const char *command, int argc, char *argv[], char **whyp)
{
    struct jsonrpc *client;
    char *result = NULL, *err = NULL;

    *whyp = NULL;
    int error = unixctl_client_create(conn.socket, &client);
    if (error) {
        *whyp = xasprintf("%s: %s", conn.socket, ovs_strerror(error));
        return NULL;
    }
    error = unixctl_client_transact(client, command, argc, argv, &result,
                                    &err);
    jsonrpc_close(client);
    if (error) {
        *whyp = xasprintf("%s: %s", conn.socket, ovs_strerror(error));
    } else if (err) {
        *whyp = err;
        err = NULL;
    }
    free(err);
    if (*whyp) {
        free(result);
        return NULL;
    }
    return result;
}

/* Appends to 'why' which MigrationPolicy applies to 'vm' and why (as the
 * source will resolve it when it migrates the VM).  Returns the policy's
 * name (valid until the next ovsdb_idl_run()), or NULL. */
static const char *
vm_policy(const struct omrec_vm *vm, struct ds *why)
{
    static const struct smap no_labels = SMAP_INITIALIZER(&no_labels);
    const struct smap *ns_labels = &no_labels;
    const struct omrec_namespace *ns;
    OMREC_NAMESPACE_FOR_EACH (ns, idl) {
        if (!strcmp(ns->name, vm->namespace_)) {
            ns_labels = &ns->labels;
            break;
        }
    }
    struct mig_policy *policies;
    size_t n = load_policies(&policies);
    const struct mig_policy *p = mig_policy_select(policies, n, ns_labels,
                                                   &vm->labels, why);
    const char *name = p ? p->name : NULL;
    free(policies);
    return name;
}

static void
cmd_vm_show(int argc, char *argv[])
{
    const char *ns = take_namespace(&argc, argv);
    if (argc != 1) {
        usage_error("vm show: want NAME [--namespace NS]");
    }
    db_connect();
    const struct omrec_vm *vm = find_vm(argv[0], ns);
    if (!vm) {
        fail("no VM %s in namespace %s", argv[0], ns);
    }

    /* The node's own view, when its socket is there to ask. */
    char *node_view = NULL, *why = NULL;
    struct stat st;
    if (!stat(conn.socket, &st)) {
        char *args[] = { vm->name, vm->namespace_, "--json" };
        node_view = ask_node("vm/show", json_output ? 3 : 2, args, &why);
    } else {
        why = xasprintf("%s: %s", conn.socket, ovs_strerror(errno));
    }

    struct ds policy_why = DS_EMPTY_INITIALIZER;
    const char *policy = vm_policy(vm, &policy_why);

    if (json_output) {
        struct json *o = json_object_create();
        json_object_put(o, "vm", vm_to_json(vm));
        json_object_put(o, "policy", policy ? json_string_create(policy)
                                            : json_null_create());
        json_object_put_string(o, "policyReason", ds_cstr(&policy_why));
        struct json *nv = node_view ? json_from_string(node_view) : NULL;
        if (nv && nv->type == JSON_STRING) {     /* A parse error. */
            json_destroy(nv);
            nv = NULL;
        }
        json_object_put(o, "node", nv ? nv : json_null_create());
        if (why) {
            json_object_put_string(o, "nodeError", why);
        }
        print_json(o);
    } else {
        printf("vm %s (namespace %s) on node %s, uuid "UUID_FMT"\n",
               vm->name, vm->namespace_, vm->node,
               UUID_ARGS(&vm->header_.uuid));
        printf("  mac %s, ipv4 %s, memory %"PRId64" KiB, %"PRId64" CPU(s), "
               "evictionStrategy %s\n", vm->mac, vm->ipv4 ? vm->ipv4 : "-",
               vm->memory / 1024, vm->cpus, vm->eviction_strategy);
        if (vm->ipv6) {
            printf("  ipv6 %s\n", vm->ipv6);
        }
        struct smap_node *node;
        printf("  boot:");
        SMAP_FOR_EACH (node, &vm->boot) {
            printf(" %s=%s", node->key, node->value);
        }
        printf("\n  labels:");
        SMAP_FOR_EACH (node, &vm->labels) {
            printf(" %s=%s", node->key, node->value);
        }
        printf("\n  annotations:");
        SMAP_FOR_EACH (node, &vm->annotations) {
            printf(" %s=%s", node->key, node->value);
        }
        printf("\n  migration policy: %s\n", ds_cstr(&policy_why));
        printf("  status:\n");
        const struct smap_node **sorted = smap_sort(&vm->status);
        for (size_t i = 0; i < smap_count(&vm->status); i++) {
            printf("    %s: %s\n", sorted[i]->key, sorted[i]->value);
        }
        free(sorted);
        if (node_view) {
            printf("node %s says:\n%s", vm->node, node_view);
        } else {
            printf("node %s: not asked (%s)\n", vm->node, why);
        }
    }
    ds_destroy(&policy_why);
    free(node_view);
    free(why);
}

static void
cmd_vm_delete(int argc, char *argv[])
{
    const char *ns = take_namespace(&argc, argv);
    bool if_exists = false;
    int j = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--if-exists")) {
            if_exists = true;
        } else {
            argv[j++] = argv[i];
        }
    }
    argc = j;
    if (argc != 1) {
        usage_error("vm delete: want NAME [--namespace NS] [--if-exists]");
    }
    db_connect();
    for (;;) {
        const struct omrec_vm *vm = find_vm(argv[0], ns);
        if (!vm) {
            if (if_exists) {
                return;
            }
            fail("no VM %s in namespace %s", argv[0], ns);
        }
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: vm delete %s", argv[0]);
        omrec_vm_delete(vm);
        if (db_commit(txn)) {
            break;
        }
    }
    printf("vm %s deleted from namespace %s\n", argv[0], ns);
}

/* ------------------------------------------------------------ nodes */

static void
cmd_node_list(int argc, char *argv[])
{
    if (argc) {
        usage_error("node list: unexpected argument \"%s\"", argv[0]);
    }
    db_connect();
    long long int now = time_wall_msec();
    struct json *array = json_output ? json_array_create_empty() : NULL;
    if (!json_output) {
        printf("%-12s %-12s %-14s %-11s %-6s %s\n", "NAME", "CHASSIS",
               "HEARTBEAT-AGE", "SCHEDULABLE", "ACCEL", "VMS");
    }
    const struct omrec_node *node;
    OMREC_NODE_FOR_EACH (node, idl) {
        int n_vms = 0;
        const struct omrec_vm *vm;
        OMREC_VM_FOR_EACH (vm, idl) {
            n_vms += !strcmp(vm->node, node->name);
        }
        long long int age = node->heartbeat ? now - node->heartbeat : -1;
        if (json_output) {
            struct json *o = json_object_create();
            json_object_put_string(o, "name", node->name);
            json_object_put_string(o, "chassis", node->chassis);
            json_object_put_string(o, "migrationAddress",
                                   node->migration_address);
            json_object_put(o, "heartbeat",
                            json_integer_create(node->heartbeat));
            json_object_put(o, "heartbeatAgeMs", json_integer_create(age));
            json_object_put(o, "schedulable",
                            json_boolean_create(node->schedulable));
            json_object_put(o, "memory", json_integer_create(node->memory));
            json_object_put(o, "vms", json_integer_create(n_vms));
            json_object_put_string(o, "accel",
                                   smap_get_def(&node->external_ids,
                                                CDB_NODE_ACCEL, ""));
            json_array_add(array, o);
        } else {
            char age_text[32];
            if (age < 0) {
                snprintf(age_text, sizeof age_text, "never");
            } else {
                snprintf(age_text, sizeof age_text, "%lld.%llds",
                         age / 1000, (age % 1000) / 100);
            }
            printf("%-12s %-12s %-14s %-11s %-6s %d\n", node->name,
                   node->chassis, age_text, node->schedulable ? "yes" : "no",
                   smap_get_def(&node->external_ids, CDB_NODE_ACCEL, "-"),
                   n_vms);
        }
    }
    if (array) {
        print_json(array);
    }
}

/* ------------------------------------------------------------ config */

static void
cmd_config(int argc, char *argv[])
{
    if (!argc) {
        usage_error("config: want get, set or unset");
    }
    const char *sub = argv[0];
    argc--;
    argv++;

    db_connect();
    const struct omrec_config *row = omrec_config_first(idl);
    if (!strcmp(sub, "get")) {
        if (argc > 1) {
            usage_error("config get: want at most one KEY");
        }
        struct smap empty = SMAP_INITIALIZER(&empty);
        const struct smap *map = row ? &row->live_migration : &empty;
        if (argc == 1) {
            const char *value = smap_get(map, argv[0]);
            if (!value) {
                fail("%s is not set (the default applies)", argv[0]);
            }
            if (json_output) {
                struct json *o = json_object_create();
                json_object_put_string(o, argv[0], value);
                print_json(o);
            } else {
                puts(value);
            }
        } else if (json_output) {
            print_json(smap_to_json_object(map));
        } else {
            const struct smap_node **sorted = smap_sort(map);
            for (size_t i = 0; i < smap_count(map); i++) {
                printf("%s=%s\n", sorted[i]->key, sorted[i]->value);
            }
            free(sorted);
        }
        return;
    }

    bool set = !strcmp(sub, "set");
    if (!set && strcmp(sub, "unset")) {
        usage_error("config: unknown subcommand \"%s\"", sub);
    }
    if (!argc) {
        usage_error(set ? "config set: want KEY=VALUE..."
                        : "config unset: want KEY...");
    }
    for (;;) {
        row = omrec_config_first(idl);
        struct smap map = SMAP_INITIALIZER(&map);
        if (row) {
            smap_clone(&map, &row->live_migration);
        }
        for (int i = 0; i < argc; i++) {
            if (set) {
                const char *eq = strchr(argv[i], '=');
                if (!eq || eq == argv[i]) {
                    usage_error("config set: \"%s\" is not KEY=VALUE",
                                argv[i]);
                }
                char *key = xmemdup0(argv[i], eq - argv[i]);
                smap_replace(&map, key, eq + 1);
                free(key);
            } else {
                smap_remove(&map, argv[i]);
            }
        }
        struct mig_config cfg;
        char *error;
        mig_config_init(&cfg);
        if (mig_config_from_smap(&cfg, &map, &error)) {
            fail("%s (nothing changed)", error);
        }
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: config %s", sub);
        if (!row) {
            row = omrec_config_insert(txn);
        } else {
            omrec_config_verify_live_migration(row);
        }
        omrec_config_set_live_migration(row, &map);
        smap_destroy(&map);
        if (db_commit(txn)) {
            break;
        }
    }
}

/* ------------------------------------------------------------ main */

static void
set_conn(char **setting, const char *value)
{
    if (!*value) {
        usage_error("an empty value for a connection option");
    }
    free(*setting);
    *setting = xstrdup(value);
}

int
main(int argc, char *argv[])
{
    enum { OPT_DB = UCHAR_MAX + 1, OPT_SOCKET, OPT_JSON };
    static const struct option long_options[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"private-key", required_argument, NULL, 'p'},
        {"certificate", required_argument, NULL, 'c'},
        {"ca-cert", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, OPT_JSON},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };

    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    /* ovnmigctl says itself what failed. */
    vlog_set_levels_from_string_assert("reconnect:emer");
    vlog_set_levels_from_string_assert("unixctl:emer");
    /* ...and a transaction's error, which the IDL would say once more. */
    vlog_set_levels_from_string_assert("ovsdb_idl:err");

    /* Global options before the command; the subcommands parse their own
     * ("-f", "-n"), so getopt stops at the first non-option ('+'). */
    int c;
    while ((c = getopt_long(argc, argv, "+t:hVp:c:C:", long_options,
                            NULL)) != -1) {
        switch (c) {
        case OPT_DB: set_conn(&conn.db, optarg); break;
        case OPT_SOCKET: set_conn(&conn.socket, optarg); break;
        case 'p': set_conn(&conn.private_key, optarg); break;
        case 'c': set_conn(&conn.certificate, optarg); break;
        case 'C': set_conn(&conn.ca_cert, optarg); break;
        case OPT_JSON: json_output = true; break;
        case 't':
            timeout_s = atoi(optarg);
            if (timeout_s <= 0) {
                usage_error("--timeout wants a positive number of seconds");
            }
            break;
        case 'h':
            usage();
            break;
        case 'V':
            printf("ovnmigctl (ovnmig) %s\n", PACKAGE_VERSION);
            return EXIT_OK;
        default:
            exit(EXIT_USAGE);
        }
    }
    /* Global options after the command: take --json and the --KEY=VALUE
     * forms of the connection's. */
    static const struct {
        const char *prefix;
        char **setting;
    } after[] = {
        { "--db=", &conn.db },
        { "--socket=", &conn.socket },
        { "--private-key=", &conn.private_key },
        { "--certificate=", &conn.certificate },
        { "--ca-cert=", &conn.ca_cert },
    };
    int n = 0;
    for (int i = optind; i < argc; i++) {
        bool taken = !strcmp(argv[i], "--json");
        json_output |= taken;
        for (size_t j = 0; !taken && j < ARRAY_SIZE(after); j++) {
            size_t len = strlen(after[j].prefix);
            if (!strncmp(argv[i], after[j].prefix, len)) {
                set_conn(after[j].setting, argv[i] + len);
                taken = true;
            }
        }
        if (!taken) {
            argv[optind + n++] = argv[i];
        }
    }
    conn_resolve(&conn, DEFAULT_DB, DEFAULT_SOCKET);
    argc = optind + n;
    if (optind >= argc) {
        usage_error("no command given");
    }
    const char *cmd = argv[optind];
    const char *sub = optind + 1 < argc ? argv[optind + 1] : "";
    int rest = argc - optind - 2;
    char **args = argv + optind + 2;

    if (!strcmp(cmd, "vm")) {
        if (!strcmp(sub, "create")) {
            cmd_vm_create(rest, args);
        } else if (!strcmp(sub, "list")) {
            cmd_vm_list(rest, args);
        } else if (!strcmp(sub, "show")) {
            cmd_vm_show(rest, args);
        } else if (!strcmp(sub, "delete")) {
            cmd_vm_delete(rest, args);
        } else if (!strcmp(sub, "migrate")) {
            cmd_vm_migrate(rest, args);
        } else {
            usage_error("vm: want create, list, show, delete or migrate");
        }
    } else if (!strcmp(cmd, "migration")) {
        if (!strcmp(sub, "list")) {
            cmd_migration_list(rest, args);
        } else if (!strcmp(sub, "show")) {
            cmd_migration_show(rest, args);
        } else if (!strcmp(sub, "watch")) {
            cmd_migration_watch(rest, args);
        } else if (!strcmp(sub, "cancel")) {
            cmd_migration_cancel(rest, args);
        } else {
            usage_error("migration: want list, show, watch or cancel");
        }
    } else if (!strcmp(cmd, "node")) {
        if (!strcmp(sub, "list")) {
            cmd_node_list(rest, args);
        } else if (!strcmp(sub, "drain")) {
            cmd_node_drain(rest, args);
        } else if (!strcmp(sub, "uncordon")) {
            cmd_node_uncordon(rest, args);
        } else {
            usage_error("node: want list, drain or uncordon");
        }
    } else if (!strcmp(cmd, "policy")) {
        cmd_policy(argc - optind - 1, argv + optind + 1);
    } else if (!strcmp(cmd, "namespace")) {
        cmd_namespace(argc - optind - 1, argv + optind + 1);
    } else if (!strcmp(cmd, "config")) {
        cmd_config(argc - optind - 1, argv + optind + 1);
    } else if (!strcmp(cmd, "rbac")) {
        cmd_rbac(argc - optind - 1, argv + optind + 1);
    } else if (!strcmp(cmd, "connection")) {
        cmd_connection(argc - optind - 1, argv + optind + 1);
    } else {
        usage_error("unknown command \"%s\"", cmd);
    }
    if (idl) {
        ovsdb_idl_destroy(idl);
    }
    return EXIT_OK;
}
