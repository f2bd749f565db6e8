/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "lib/kubevirt-yaml.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/quantity.h"
#include "lib/yaml-doc.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

/* The walk descends only into the fields it knows, so the schema bounds
 * its depth, even for a document whose aliases form a cycle; the budget
 * of lib/yaml-doc.h bounds the work of one whose aliases point many times
 * at one large node. */

struct ctx {
    const struct kind *kind;
    struct ydoc y;              /* The document; its first error stops the
                                 * walk. */
    struct kvyaml_vm *vm;               /* What is being read: one of */
    struct kvyaml_policy *policy;       /* these two. */
    struct svec *unknown;               /* Its paths of unread fields. */
};

/* lib/yaml-doc.h's helpers, on this walk's document. */
#define fail(C, ...) ydoc_fail(&(C)->y, __VA_ARGS__)
#define node(C, INDEX) ydoc_node(&(C)->y, INDEX)
#define scalar(C, N, PATH) ydoc_scalar(&(C)->y, N, PATH)

static bool
is_mapping(struct ctx *c, yaml_node_t *n, const char *path)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        fail(c, "%s: expected a mapping", path);
        return false;
    }
    return true;
}

/* Calls 'field' for each key of mapping 'n' at 'path'.  'field' returns
 * false for a key it does not know, which is then listed as unknown. */
typedef bool field_fn(struct ctx *, const char *key, yaml_node_t *value,
                      const char *path);

/* A kind of Kubernetes object: how to read its two blocks, and what it
 * must hold once read. */
struct kind {
    const char *api_version;
    const char *kind;
    field_fn *metadata;
    field_fn *spec;
    void (*check)(struct ctx *);
};

static void
walk(struct ctx *c, yaml_node_t *n, const char *path, field_fn *field)
{
    if (!is_mapping(c, n, path)) {
        return;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top && !c->y.error; p++) {
        const char *key = scalar(c, node(c, p->key), path);
        yaml_node_t *value = node(c, p->value);
        if (!key || !value) {
            return;
        }
        char *sub = *path ? xasprintf("%s.%s", path, key) : xstrdup(key);
        if (!field(c, key, value, sub)) {
            svec_add(c->unknown, sub);
        }
        free(sub);
    }
}

static void
string_map(struct ctx *c, yaml_node_t *n, const char *path, struct smap *map)
{
    if (!is_mapping(c, n, path)) {
        return;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top && !c->y.error; p++) {
        const char *key = scalar(c, node(c, p->key), path);
        const char *value = key ? scalar(c, node(c, p->value), path) : NULL;
        if (value) {
            smap_replace(map, key, value);
        }
    }
}

static void
set_string(struct ctx *c, yaml_node_t *n, const char *path, char **dst)
{
    const char *s = scalar(c, n, path);
    if (s) {
        free(*dst);
        *dst = xstrdup(s);
    }
}

static bool
dns_label_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 63 || !isalnum((unsigned char) s[0])
        || !isalnum((unsigned char) s[n - 1])) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(islower((unsigned char) s[i]) || isdigit((unsigned char) s[i])
              || s[i] == '-')) {
            return false;
        }
    }
    return true;
}

/* The two metadata blocks: the VM's, then the template's over it. */
static bool
metadata_field(struct ctx *c, const char *key, yaml_node_t *v,
               const char *path, bool top)
{
    if (top && !strcmp(key, "name")) {
        set_string(c, v, path, &c->vm->name);
    } else if (top && !strcmp(key, "namespace")) {
        set_string(c, v, path, &c->vm->namespace);
    } else if (!strcmp(key, "labels")) {
        string_map(c, v, path, &c->vm->labels);
    } else if (!strcmp(key, "annotations")) {
        string_map(c, v, path, &c->vm->annotations);
    } else {
        return false;
    }
    return true;
}

static bool
vm_metadata_field(struct ctx *c, const char *key, yaml_node_t *v,
                  const char *path)
{
    return metadata_field(c, key, v, path, true);
}

static bool
template_metadata_field(struct ctx *c, const char *key, yaml_node_t *v,
                        const char *path)
{
    return metadata_field(c, key, v, path, false);
}

static bool
cpu_field(struct ctx *c, const char *key, yaml_node_t *v, const char *path)
{
    if (strcmp(key, "cores") && strcmp(key, "sockets")
        && strcmp(key, "threads")) {
        return false;
    }
    const char *s = scalar(c, v, path);
    char *end;
    unsigned long n = s ? strtoul(s, &end, 10) : 0;
    if (s && (!isdigit((unsigned char) *s) || *end || !n || n > 256)) {
        fail(c, "%s: \"%s\" is not a count from 1 to 256", path, s);
    } else if (s) {
        /* cores x sockets x threads, each starting at 1. */
        unsigned long cpus = c->vm->cpus * n;
        if (cpus > 256) {
            fail(c, "%s: more than 256 CPUs", path);
        } else {
            c->vm->cpus = cpus;
        }
    }
    return true;
}

static void
memory(struct ctx *c, yaml_node_t *v, const char *path)
{
    const char *s = scalar(c, v, path);
    uint64_t bytes;
    if (s && (quantity_parse(s, &bytes) || !bytes)) {
        fail(c, "%s: \"%s\" is not a memory quantity (e.g. 256Mi)", path, s);
    } else if (s) {
        c->vm->memory = bytes;
    }
}

static bool
requests_field(struct ctx *c, const char *key, yaml_node_t *v,
               const char *path)
{
    if (strcmp(key, "memory")) {
        return false;
    }
    memory(c, v, path);
    return true;
}

static bool
resources_field(struct ctx *c, const char *key, yaml_node_t *v,
                const char *path)
{
    if (strcmp(key, "requests")) {
        return false;
    }
    walk(c, v, path, requests_field);
    return true;
}

static bool
memory_field(struct ctx *c, const char *key, yaml_node_t *v,
             const char *path)
{
    if (strcmp(key, "guest")) {
        return false;
    }
    memory(c, v, path);
    return true;
}

static bool
interface_field(struct ctx *c, const char *key, yaml_node_t *v,
                const char *path)
{
    static const char *other_bindings[] = {
        "masquerade", "sriov", "slirp", "macvtap", "passt", "binding",
    };
    if (!strcmp(key, "name")) {
        scalar(c, v, path);
    } else if (!strcmp(key, "bridge")) {
        is_mapping(c, v, path);
    } else if (!strcmp(key, "macAddress")) {
        struct eth_addr ea;
        const char *s = scalar(c, v, path);
        if (s && (!eth_addr_from_string(s, &ea) || eth_addr_is_multicast(ea)
                  || eth_addr_is_zero(ea))) {
            fail(c, "%s: \"%s\" is not a unicast MAC address", path, s);
        } else if (s) {
            free(c->vm->mac);
            c->vm->mac = xasprintf(ETH_ADDR_FMT, ETH_ADDR_ARGS(ea));
        }
    } else if (!strcmp(key, "model")) {
        const char *s = scalar(c, v, path);
        if (s && strcmp(s, "virtio")) {
            fail(c, "%s: only the virtio model is supported", path);
        }
    } else {
        for (size_t i = 0; i < ARRAY_SIZE(other_bindings); i++) {
            if (!strcmp(key, other_bindings[i])) {
                fail(c, "%s: binding \"%s\" is not supported: ovnmig "
                     "live-migrates bridge binding", path, key);
                return true;
            }
        }
        return false;
    }
    return true;
}

/* A sequence of exactly one mapping, walked with 'field'. */
static void
single_item(struct ctx *c, yaml_node_t *v, const char *path,
            const char *what, field_fn *field)
{
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        fail(c, "%s: expected a list", path);
        return;
    }
    int n = v->data.sequence.items.top - v->data.sequence.items.start;
    if (n != 1) {
        fail(c, "%s: exactly one %s is supported (the pod network), "
             "found %d", path, what, n);
        return;
    }
    char *item = xasprintf("%s[0]", path);
    walk(c, node(c, v->data.sequence.items.start[0]), item, field);
    free(item);
}

static bool
devices_field(struct ctx *c, const char *key, yaml_node_t *v,
              const char *path)
{
    if (strcmp(key, "interfaces")) {
        return false;
    }
    single_item(c, v, path, "interface", interface_field);
    return true;
}

static bool
container_field(struct ctx *c, const char *key, yaml_node_t *v,
                const char *path)
{
    if (!strcmp(key, "kernelPath")) {
        set_string(c, v, path, &c->vm->kernel);
    } else if (!strcmp(key, "initrdPath")) {
        set_string(c, v, path, &c->vm->initrd);
    } else if (!strcmp(key, "image")) {
        scalar(c, v, path);     /* The files are read from the node. */
    } else {
        return false;
    }
    return true;
}

static bool
kernel_boot_field(struct ctx *c, const char *key, yaml_node_t *v,
                  const char *path)
{
    if (!strcmp(key, "kernelArgs")) {
        set_string(c, v, path, &c->vm->kernel_args);
    } else if (!strcmp(key, "container")) {
        walk(c, v, path, container_field);
    } else {
        return false;
    }
    return true;
}

static bool
firmware_field(struct ctx *c, const char *key, yaml_node_t *v,
               const char *path)
{
    if (strcmp(key, "kernelBoot")) {
        return false;
    }
    walk(c, v, path, kernel_boot_field);
    return true;
}

static bool
domain_field(struct ctx *c, const char *key, yaml_node_t *v,
             const char *path)
{
    if (!strcmp(key, "cpu")) {
        walk(c, v, path, cpu_field);
    } else if (!strcmp(key, "resources")) {
        walk(c, v, path, resources_field);
    } else if (!strcmp(key, "memory")) {
        walk(c, v, path, memory_field);
    } else if (!strcmp(key, "devices")) {
        walk(c, v, path, devices_field);
    } else if (!strcmp(key, "firmware")) {
        walk(c, v, path, firmware_field);
    } else {
        return false;
    }
    return true;
}

static bool
network_field(struct ctx *c, const char *key, yaml_node_t *v,
              const char *path)
{
    if (!strcmp(key, "name")) {
        scalar(c, v, path);
    } else if (!strcmp(key, "pod")) {
        is_mapping(c, v, path);
    } else if (!strcmp(key, "multus")) {
        fail(c, "%s: only the pod network is supported", path);
    } else {
        return false;
    }
    return true;
}

static bool
template_spec_field(struct ctx *c, const char *key, yaml_node_t *v,
                    const char *path)
{
    if (!strcmp(key, "domain")) {
        walk(c, v, path, domain_field);
    } else if (!strcmp(key, "networks")) {
        single_item(c, v, path, "network", network_field);
    } else if (!strcmp(key, "evictionStrategy")) {
        const char *s = scalar(c, v, path);
        if (s && strcmp(s, "None") && strcmp(s, "LiveMigrate")) {
            fail(c, "%s: \"%s\" is not supported (None or LiveMigrate)",
                 path, s);
        } else if (s) {
            free(c->vm->eviction_strategy);
            c->vm->eviction_strategy = xstrdup(s);
        }
    } else if (!strcmp(key, "terminationGracePeriodSeconds")) {
        scalar(c, v, path);
    } else {
        return false;
    }
    return true;
}

static bool
template_field(struct ctx *c, const char *key, yaml_node_t *v,
               const char *path)
{
    if (!strcmp(key, "metadata")) {
        walk(c, v, path, template_metadata_field);
    } else if (!strcmp(key, "spec")) {
        walk(c, v, path, template_spec_field);
    } else {
        return false;
    }
    return true;
}

static bool
spec_field(struct ctx *c, const char *key, yaml_node_t *v, const char *path)
{
    if (!strcmp(key, "template")) {
        walk(c, v, path, template_field);
    } else if (!strcmp(key, "running") || !strcmp(key, "runStrategy")) {
        scalar(c, v, path);     /* ovnmig runs every VM it is given. */
    } else {
        return false;
    }
    return true;
}

/* apiVersion or kind, which must be 'want'. */
static void
expect_value(struct ctx *c, yaml_node_t *v, const char *path,
             const char *want)
{
    const char *s = scalar(c, v, path);
    if (s && strcmp(s, want)) {
        fail(c, "%s: \"%s\" is not %s", path, s, want);
    }
}

static bool
top_field(struct ctx *c, const char *key, yaml_node_t *v, const char *path)
{
    if (!strcmp(key, "apiVersion")) {
        expect_value(c, v, path, c->kind->api_version);
    } else if (!strcmp(key, "kind")) {
        expect_value(c, v, path, c->kind->kind);
    } else if (!strcmp(key, "metadata")) {
        walk(c, v, path, c->kind->metadata);
    } else if (!strcmp(key, "spec")) {
        walk(c, v, path, c->kind->spec);
    } else if (!strcmp(key, "status")) {
        /* Written by a cluster, not by the author: not ours to read. */
    } else {
        return false;
    }
    return true;
}

static void
check_vm(struct ctx *c)
{
    struct kvyaml_vm *vm = c->vm;
    if (!vm->name) {
        fail(c, "metadata.name: missing");
    } else if (!dns_label_ok(vm->name)) {
        fail(c, "metadata.name: \"%s\" is not a DNS label (a-z, 0-9, '-')",
             vm->name);
    } else if (!dns_label_ok(vm->namespace)) {
        fail(c, "metadata.namespace: \"%s\" is not a DNS label",
             vm->namespace);
    } else if (!vm->memory) {
        fail(c, "spec.template.spec.domain.resources.requests.memory: "
             "missing");
    } else if (vm->memory % 4096) {
        fail(c, "spec.template.spec.domain.resources.requests.memory: "
             "%"PRIu64" bytes is not a multiple of 4 KiB", vm->memory);
    } else if (!vm->kernel) {
        fail(c, "spec.template.spec.domain.firmware.kernelBoot.container."
             "kernelPath: missing (ovnmig boots kernels directly)");
    }
}

/* Loads the YAML document of 'size' bytes at 'text' and reads it as an
 * object of c->kind.  Returns 0, or -EINVAL or -EFBIG with the message in
 * '*errorp' (caller frees). */
static int
parse_document(const char *text, size_t size, struct ctx *c, char **errorp)
{
    yaml_node_t *root;
    int error = ydoc_load(&c->y, text, size, KVYAML_MAX_SIZE, &root);

    if (!error) {
        if (!root) {
            fail(c, "empty document");
        } else {
            walk(c, root, "", top_field);
        }
        if (!c->y.error) {
            c->kind->check(c);
        }
        error = c->y.error ? -EINVAL : 0;
    }
    *errorp = c->y.error;
    c->y.error = NULL;
    ydoc_destroy(&c->y);
    return error;
}

int
kvyaml_parse_vm(const char *text, size_t size, struct kvyaml_vm *vm,
                char **errorp)
{
    memset(vm, 0, sizeof *vm);
    smap_init(&vm->labels);
    smap_init(&vm->annotations);
    svec_init(&vm->unknown);
    vm->cpus = 1;
    vm->namespace = xstrdup("default");
    vm->eviction_strategy = xstrdup("None");

    static const struct kind vm_kind = {
        "kubevirt.io/v1", "VirtualMachine", vm_metadata_field, spec_field,
        check_vm,
    };
    struct ctx c = { .kind = &vm_kind, .vm = vm, .unknown = &vm->unknown };
    int error = parse_document(text, size, &c, errorp);
    if (error) {
        kvyaml_vm_destroy(vm);
    }
    return error;
}

void
kvyaml_vm_destroy(struct kvyaml_vm *vm)
{
    if (!vm) {
        return;
    }
    free(vm->name);
    free(vm->namespace);
    smap_destroy(&vm->labels);
    smap_destroy(&vm->annotations);
    free(vm->mac);
    free(vm->eviction_strategy);
    free(vm->kernel);
    free(vm->initrd);
    free(vm->kernel_args);
    svec_destroy(&vm->unknown);
    memset(vm, 0, sizeof *vm);
    smap_init(&vm->labels);
    smap_init(&vm->annotations);
    svec_init(&vm->unknown);
}

/* ------------------------------------------------------ MigrationPolicy */

/* A label's name part, or a label value when 'empty_ok': at most 63
 * characters, alphanumerics at both ends, '-', '_' and '.' between. */
static bool
label_name_ok(const char *s, size_t n, bool empty_ok)
{
    if (!n) {
        return empty_ok;
    }
    if (n > 63 || !isalnum((unsigned char) s[0])
        || !isalnum((unsigned char) s[n - 1])) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char) s[i]) && !strchr("-_.", s[i])) {
            return false;
        }
    }
    return true;
}

/* A DNS subdomain: dot-separated DNS labels, at most 253 characters. */
static bool
dns_subdomain_ok(const char *s, size_t n)
{
    if (!n || n > 253) {
        return false;
    }
    char label[64];
    for (size_t start = 0; start <= n; ) {
        const char *dot = memchr(s + start, '.', n - start);
        size_t len = (dot ? dot - s : n) - start;
        if (len >= sizeof label) {
            return false;
        }
        memcpy(label, s + start, len);
        label[len] = '\0';
        if (!dns_label_ok(label)) {
            return false;
        }
        start += len + 1;
    }
    return true;
}

/* A Kubernetes label key: an optional DNS-subdomain prefix and '/', then
 * a name. */
static bool
label_key_ok(const char *key)
{
    const char *slash = strchr(key, '/');
    if (!slash) {
        return label_name_ok(key, strlen(key), false);
    }
    return dns_subdomain_ok(key, slash - key)
           && label_name_ok(slash + 1, strlen(slash + 1), false);
}

char *
kvyaml_check_label(const char *key, const char *value)
{
    if (!label_key_ok(key)) {
        return xasprintf("\"%s\" is not a label key ([prefix/]name, name "
                         "up to 63 characters)", key);
    }
    if (!label_name_ok(value, strlen(value), true)) {
        return xasprintf("%s: \"%s\" is not a label value (up to 63 "
                         "characters: letters, digits, '-', '_', '.')",
                         key, value);
    }
    return NULL;
}

bool
kvyaml_dns_label_ok(const char *s)
{
    return dns_label_ok(s);
}

/* A map of label selectors, checked as Kubernetes checks labels. */
static void
selector(struct ctx *c, yaml_node_t *n, const char *path, struct smap *map)
{
    string_map(c, n, path, map);
    struct smap_node *node;
    SMAP_FOR_EACH (node, map) {
        char *error = c->y.error ? NULL
                               : kvyaml_check_label(node->key, node->value);
        if (error) {
            fail(c, "%s: %s", path, error);
            free(error);
        }
    }
}

/* A plain (unquoted) scalar: Kubernetes reads a quoted "true" or "23" as
 * a string, which a boolean or integer field refuses. */
static const char *
plain_scalar(struct ctx *c, yaml_node_t *n, const char *path,
             const char *what)
{
    const char *s = scalar(c, n, path);
    if (s && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        fail(c, "%s: expected %s, not the string \"%s\"", path, what, s);
        return NULL;
    }
    return s;
}

static void
boolean(struct ctx *c, yaml_node_t *n, const char *path, bool *has,
        bool *value)
{
    static const char *const truths[] = { "true", "True", "TRUE" };
    static const char *const lies[] = { "false", "False", "FALSE" };
    const char *s = plain_scalar(c, n, path, "true or false");
    if (!s) {
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(truths); i++) {
        if (!strcmp(s, truths[i]) || !strcmp(s, lies[i])) {
            *has = true;
            *value = !strcmp(s, truths[i]);
            return;
        }
    }
    fail(c, "%s: \"%s\" is not true or false", path, s);
}

static bool
selectors_field(struct ctx *c, const char *key, yaml_node_t *v,
                const char *path)
{
    if (!strcmp(key, "namespaceSelector")) {
        selector(c, v, path, &c->policy->namespace_selector);
    } else if (!strcmp(key, "virtualMachineInstanceSelector")) {
        selector(c, v, path, &c->policy->vmi_selector);
    } else {
        return false;
    }
    return true;
}

static bool
policy_spec_field(struct ctx *c, const char *key, yaml_node_t *v,
                  const char *path)
{
    struct kvyaml_policy *p = c->policy;
    if (!strcmp(key, "selectors")) {
        walk(c, v, path, selectors_field);
    } else if (!strcmp(key, "allowAutoConverge")) {
        boolean(c, v, path, &p->has_allow_auto_converge,
                &p->allow_auto_converge);
    } else if (!strcmp(key, "allowPostCopy")) {
        boolean(c, v, path, &p->has_allow_post_copy, &p->allow_post_copy);
    } else if (!strcmp(key, "bandwidthPerMigration")) {
        const char *s = scalar(c, v, path);
        uint64_t bytes;
        if (s && quantity_parse(s, &bytes)) {
            fail(c, "%s: \"%s\" is not a quantity (e.g. 64Mi; 0 for no "
                 "limit)", path, s);
        } else if (s) {
            free(p->bandwidth);
            p->bandwidth = xstrdup(s);
            p->bandwidth_bytes = bytes;
        }
    } else if (!strcmp(key, "completionTimeoutPerGiB")) {
        const char *s = plain_scalar(c, v, path, "a number of seconds");
        char *end;
        unsigned long n = s ? strtoul(s, &end, 10) : 0;
        if (s && (!isdigit((unsigned char) *s) || *end || !n
                  || n > KVYAML_MAX_TIMEOUT_PER_GIB)) {
            fail(c, "%s: \"%s\" is not a number of seconds from 1 to %d",
                 path, s, KVYAML_MAX_TIMEOUT_PER_GIB);
        } else if (s) {
            p->has_completion_timeout_per_gib = true;
            p->completion_timeout_per_gib = n;
        }
    } else {
        return false;
    }
    return true;
}

static bool
policy_metadata_field(struct ctx *c, const char *key, yaml_node_t *v,
                      const char *path)
{
    if (strcmp(key, "name")) {
        return false;
    }
    set_string(c, v, path, &c->policy->name);
    return true;
}

static void
check_policy(struct ctx *c)
{
    const char *name = c->policy->name;
    if (!name) {
        fail(c, "metadata.name: missing");
    } else if (!dns_subdomain_ok(name, strlen(name))) {
        fail(c, "metadata.name: \"%s\" is not a DNS subdomain (a-z, 0-9, "
             "'-', '.')", name);
    }
}

int
kvyaml_parse_policy(const char *text, size_t size,
                    struct kvyaml_policy *policy, char **errorp)
{
    memset(policy, 0, sizeof *policy);
    smap_init(&policy->namespace_selector);
    smap_init(&policy->vmi_selector);
    svec_init(&policy->unknown);

    static const struct kind policy_kind = {
        "migrations.kubevirt.io/v1alpha1", "MigrationPolicy",
        policy_metadata_field, policy_spec_field, check_policy,
    };
    struct ctx c = {
        .kind = &policy_kind, .policy = policy, .unknown = &policy->unknown,
    };
    int error = parse_document(text, size, &c, errorp);
    if (error) {
        kvyaml_policy_destroy(policy);
    }
    return error;
}

void
kvyaml_policy_destroy(struct kvyaml_policy *policy)
{
    if (!policy) {
        return;
    }
    free(policy->name);
    smap_destroy(&policy->namespace_selector);
    smap_destroy(&policy->vmi_selector);
    free(policy->bandwidth);
    svec_destroy(&policy->unknown);
    memset(policy, 0, sizeof *policy);
    smap_init(&policy->namespace_selector);
    smap_init(&policy->vmi_selector);
    svec_init(&policy->unknown);
}
