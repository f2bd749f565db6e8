/* SPDX-License-Identifier: Apache-2.0
 *
 * objects.h -- what ovnmigd reads of the KubeVirt objects it watches: a
 * virt-launcher pod, a VirtualMachineInstance, a
 * VirtualMachineInstanceMigration, as the API server sends them (JSON,
 * libopenvswitch's).  Pure: one object in, its facts out, pointers into
 * the object.  Anything not of the expected shape is refused with a
 * reason, never trusted; fields ovnmigd does not need are not read.
 *
 * KubeVirt's conventions (design.md §9): a pod belongs to its VMI by the
 * label kubevirt.io/created-by (the VMI's UID), the annotation
 * kubevirt.io/domain (its name) and an ownerReference; a migration's
 * target pod has the label kubevirt.io/migrationJobUID; the opt-in
 * annotation is copied from the VMI to its pods.
 */
#ifndef OVNMIG_KUBE_OBJECTS_H
#define OVNMIG_KUBE_OBJECTS_H 1

#include <stdbool.h>

#include "kube/decide.h"
#include "kube/stream.h"

struct json;

#define KUBE_OPT_IN_ANNOTATION \
    "kubevirt.io/allow-pod-bridge-network-live-migration"

struct kube_pod_info {
    struct kube_meta meta;
    const char *node;           /* spec.nodeName, or NULL. */
    const char *phase;          /* status.phase, or "". */
    const char *vmi_name;       /* The VMI it runs. */
    const char *vmi_uid;        /* Or NULL if no label nor owner says. */
    const char *migration_uid;  /* kubevirt.io/migrationJobUID, or NULL. */
    bool opted_in;
    bool terminated;            /* Deleting, or Succeeded/Failed. */
};

/* Reads the virt-launcher pod 'obj'.  Returns 0, or -EPROTO with a reason
 * (a static string) in '*why': not a pod of a VMI (no label
 * kubevirt.io=virt-launcher, or no VMI named), or malformed. */
int kube_pod_info_parse(const struct json *obj, struct kube_pod_info *,
                        const char **why);

struct kube_vmi_info {
    struct kube_meta meta;
    const char *node;           /* status.nodeName, or NULL. */
    bool opted_in;
    bool deleting;              /* metadata.deletionTimestamp set. */
    struct kube_migration_state migration;
};

int kube_vmi_info_parse(const struct json *obj, struct kube_vmi_info *,
                        const char **why);

struct kube_vmim_info {
    struct kube_meta meta;
    const char *vmi_name;       /* spec.vmiName. */
    const char *phase;          /* status.phase, or "" before any. */
};

int kube_vmim_info_parse(const struct json *obj, struct kube_vmim_info *,
                         const char **why);

#endif /* kube/objects.h */
