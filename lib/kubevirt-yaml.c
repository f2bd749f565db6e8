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
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

/* The walk descends only into the fields it knows, so the schema bounds
 * its depth, even for a document whose aliases form a cycle; this bounds
 * the work of one whose aliases point many times at one large node. */
#define MAX_VISITS 100000

struct ctx {
    yaml_document_t *doc;
    struct kvyaml_vm *vm;
    char *error;                /* First error; stops the walk. */
    size_t visits;
};

static void OVS_PRINTF_FORMAT(2, 3)
fail(struct ctx *c, const char *format, ...)
{
    if (!c->error) {
        va_list args;
        va_start(args, format);
        c->error = xvasprintf(format, args);
        va_end(args);
    }
}

static yaml_node_t *
node(struct ctx *c, int index)
{
    if (++c->visits > MAX_VISITS) {
        fail(c, "document too complex");
        return NULL;
    }
    return yaml_document_get_node(c->doc, index);
}

/* The scalar 'n' as a string, or NULL (and an error) if it is not one. */
static const char *
scalar(struct ctx *c, yaml_node_t *n, const char *path)
{
    if (!n || n->type != YAML_SCALAR_NODE) {
        fail(c, "%s: expected a value", path);
        return NULL;
    }
    /* A NUL inside would cut the value short without anyone noticing. */
    if (strlen((char *) n->data.scalar.value) != n->data.scalar.length) {
        fail(c, "%s: contains a NUL character", path);
        return NULL;
    }
    return (const char *) n->data.scalar.value;
}

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

static void
walk(struct ctx *c, yaml_node_t *n, const char *path, field_fn *field)
{
    if (!is_mapping(c, n, path)) {
        return;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top && !c->error; p++) {
        const char *key = scalar(c, node(c, p->key), path);
        yaml_node_t *value = node(c, p->value);
        if (!key || !value) {
            return;
        }
        char *sub = *path ? xasprintf("%s.%s", path, key) : xstrdup(key);
        if (!field(c, key, value, sub)) {
            svec_add(&c->vm->unknown, sub);
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
         p < n->data.mapping.pairs.top && !c->error; p++) {
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

static bool
top_field(struct ctx *c, const char *key, yaml_node_t *v, const char *path)
{
    if (!strcmp(key, "apiVersion")) {
        const char *s = scalar(c, v, path);
        if (s && strcmp(s, "kubevirt.io/v1")) {
            fail(c, "apiVersion: \"%s\" is not kubevirt.io/v1", s);
        }
    } else if (!strcmp(key, "kind")) {
        const char *s = scalar(c, v, path);
        if (s && strcmp(s, "VirtualMachine")) {
            fail(c, "kind: \"%s\" is not VirtualMachine", s);
        }
    } else if (!strcmp(key, "metadata")) {
        walk(c, v, path, vm_metadata_field);
    } else if (!strcmp(key, "spec")) {
        walk(c, v, path, spec_field);
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
    *errorp = NULL;

    if (size > KVYAML_MAX_SIZE) {
        *errorp = xasprintf("document over %d bytes", KVYAML_MAX_SIZE);
        kvyaml_vm_destroy(vm);
        return -EFBIG;
    }

    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *) text,
                                 size);
    if (!yaml_parser_load(&parser, &doc)) {
        *errorp = xasprintf("YAML error at line %zu, column %zu: %s",
                            parser.problem_mark.line + 1,
                            parser.problem_mark.column + 1,
                            parser.problem ? parser.problem : "unknown");
        yaml_parser_delete(&parser);
        kvyaml_vm_destroy(vm);
        return -EINVAL;
    }

    struct ctx c = { .doc = &doc, .vm = vm };
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        fail(&c, "empty document");
    } else {
        walk(&c, root, "", top_field);
    }
    if (!c.error) {
        check_vm(&c);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);

    if (c.error) {
        *errorp = c.error;
        kvyaml_vm_destroy(vm);
        return -EINVAL;
    }
    return 0;
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
