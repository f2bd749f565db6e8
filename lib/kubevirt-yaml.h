/* SPDX-License-Identifier: Apache-2.0
 *
 * kubevirt-yaml.h -- reads a KubeVirt VirtualMachine (kubevirt.io/v1) from
 * YAML into what ovnmig needs to run and migrate it, and a MigrationPolicy
 * (migrations.kubevirt.io/v1alpha1).
 *
 * Read: metadata (name, namespace, labels, annotations); from the template
 * its labels and annotations (what a VMI carries, and what migration
 * policies select on, so these become the VM's), evictionStrategy, the
 * memory request, CPU cores, the one pod-network interface with bridge
 * binding and its MAC, and a kernel boot source
 * (domain.firmware.kernelBoot).  Every other field is reported by its path
 * in 'unknown', never silently dropped; a field ovnmig cannot honour (a
 * binding other than bridge, a second interface) is an error.
 *
 * Hostile input is bounded: at most KVYAML_MAX_SIZE bytes, and a fixed
 * budget of nodes visited (aliases may point at one node many times).
 */
#ifndef OVNMIG_KUBEVIRT_YAML_H
#define OVNMIG_KUBEVIRT_YAML_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "smap.h"
#include "svec.h"

#define KVYAML_MAX_SIZE (1024 * 1024)

struct kvyaml_vm {
    char *name;
    char *namespace;            /* "default" when absent. */
    struct smap labels;         /* The template's, over the VM's. */
    struct smap annotations;    /* Likewise. */
    uint64_t memory;            /* Bytes. */
    unsigned int cpus;          /* 1 when absent. */
    char *mac;                  /* NULL: ovnmig assigns one. */
    char *eviction_strategy;    /* "None" or "LiveMigrate". */
    char *kernel;               /* kernelBoot.container.kernelPath. */
    char *initrd;               /* kernelBoot.container.initrdPath. */
    char *kernel_args;          /* kernelBoot.kernelArgs. */
    struct svec unknown;        /* Paths of fields that were not read. */
};

/* Parses the 'size' bytes at 'text'.  On success returns 0 and fills 'vm',
 * which the caller frees with kvyaml_vm_destroy().  Otherwise returns
 * -EINVAL (or -EFBIG) with a message in '*errorp' that names the field,
 * which the caller frees; 'vm' is then empty. */
int kvyaml_parse_vm(const char *text, size_t size, struct kvyaml_vm *vm,
                    char **errorp);
void kvyaml_vm_destroy(struct kvyaml_vm *);

/* A MigrationPolicy: metadata.name, spec.selectors.namespaceSelector and
 * .virtualMachineInstanceSelector (label maps, checked as Kubernetes
 * checks labels), and the four settings it may override.  Booleans and
 * the timeout must be unquoted, as Kubernetes types them.  Other fields
 * are reported in 'unknown', as for a VM. */
#define KVYAML_MAX_TIMEOUT_PER_GIB 1000000

struct kvyaml_policy {
    char *name;
    struct smap namespace_selector;
    struct smap vmi_selector;
    bool has_allow_auto_converge, allow_auto_converge;
    bool has_allow_post_copy, allow_post_copy;
    char *bandwidth;            /* bandwidthPerMigration as written, or
                                 * NULL if unset. */
    uint64_t bandwidth_bytes;   /* Its value, bytes/s (0: no limit). */
    bool has_completion_timeout_per_gib;
    unsigned int completion_timeout_per_gib;    /* Seconds. */
    struct svec unknown;        /* Paths of fields that were not read. */
};

/* Parses the 'size' bytes at 'text' as kvyaml_parse_vm() does: 0 and a
 * 'policy' the caller frees with kvyaml_policy_destroy(), or -EINVAL (or
 * -EFBIG) with a message naming the field in '*errorp' (caller frees) and
 * 'policy' empty. */
int kvyaml_parse_policy(const char *text, size_t size,
                        struct kvyaml_policy *policy, char **errorp);
void kvyaml_policy_destroy(struct kvyaml_policy *);

/* Checks a label as Kubernetes does (a key "[prefix/]name", a value of up
 * to 63 characters, maybe empty).  Returns NULL, or what is wrong (the
 * caller frees it). */
char *kvyaml_check_label(const char *key, const char *value);

/* True if 's' is a DNS label, as a namespace's or a VM's name must be. */
bool kvyaml_dns_label_ok(const char *s);

#endif /* kubevirt-yaml.h */
