/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "kube/objects.h"

#include <errno.h>
#include <string.h>

#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "util.h"

/* A string member that must be a string if present.  Returns false (with
 * '*why') if present and not a string; '*value' is NULL when absent. */
static bool
optional_string(const struct json *obj, const char *name, const char **value,
                const char **why, const char *what)
{
    const struct json *j = kube_json_get(obj, name);

    *value = NULL;
    if (j && j->type != JSON_NULL) {
        if (j->type != JSON_STRING) {
            *why = what;
            return false;
        }
        *value = json_string(j);
    }
    return true;
}

/* A boolean member: true only if it is JSON true. */
static bool
flag(const struct json *obj, const char *name)
{
    const struct json *j = kube_json_get(obj, name);
    return j && j->type == JSON_TRUE;
}

/* The string map 'name' of 'obj' ("labels", "annotations"): NULL if
 * absent, or an object (its values checked by the caller when read). */
static int
string_map(const struct json *obj, const char *name, const struct json **map,
           const char **why)
{
    *map = kube_json_get(obj, name);
    if (*map && (*map)->type == JSON_NULL) {
        *map = NULL;
    }
    if (*map && (*map)->type != JSON_OBJECT) {
        *why = "metadata labels or annotations are not a map";
        return -EPROTO;
    }
    return 0;
}

/* Parses metadata, labels and annotations.  Shared by the three. */
static int
parse_common(const struct json *obj, const char *kind, struct kube_meta *meta,
             const struct json **labels, const struct json **annotations,
             const char **why)
{
    const struct json *md = kube_json_get(obj, "metadata");
    const char *obj_kind = kube_json_string(obj, "kind");
    int error = kube_meta_parse(obj, meta, why);

    if (error) {
        return error;
    }
    /* Watch events and list items may leave "kind" out; a wrong one is
     * refused. */
    if (obj_kind && strcmp(obj_kind, kind)) {
        *why = "an object of another kind";
        return -EPROTO;
    }
    error = string_map(md, "labels", labels, why);
    return error ? error : string_map(md, "annotations", annotations, why);
}

int
kube_pod_info_parse(const struct json *obj, struct kube_pod_info *pod,
                    const char **why)
{
    const struct json *labels, *annotations;
    int error;

    memset(pod, 0, sizeof *pod);
    error = parse_common(obj, "Pod", &pod->meta, &labels, &annotations, why);
    if (error) {
        return error;
    }
    const char *app = kube_json_string(labels, "kubevirt.io");
    if (!app || strcmp(app, "virt-launcher")) {
        *why = "not a virt-launcher pod";
        return -EPROTO;
    }

    const struct json *spec = kube_json_get(obj, "spec");
    const struct json *status = kube_json_get(obj, "status");
    if (!optional_string(spec, "nodeName", &pod->node, why,
                         "spec.nodeName is not a string")
        || !optional_string(status, "phase", &pod->phase, why,
                            "status.phase is not a string")) {
        return -EPROTO;
    }
    pod->phase = pod->phase ? pod->phase : "";

    /* The VMI: label and annotation first, then the owner. */
    pod->vmi_uid = kube_json_string(labels, "kubevirt.io/created-by");
    pod->vmi_name = kube_json_string(annotations, "kubevirt.io/domain");
    const struct json *owners = kube_json_get(kube_json_get(obj, "metadata"),
                                              "ownerReferences");
    if (owners && owners->type == JSON_ARRAY) {
        const struct json_array *a = json_array(owners);
        for (size_t i = 0; i < a->n; i++) {
            const char *kind = kube_json_string(a->elems[i], "kind");
            if (kind && !strcmp(kind, "VirtualMachineInstance")) {
                if (!pod->vmi_name) {
                    pod->vmi_name = kube_json_string(a->elems[i], "name");
                }
                if (!pod->vmi_uid) {
                    pod->vmi_uid = kube_json_string(a->elems[i], "uid");
                }
            }
        }
    }
    if (!pod->vmi_name || !pod->vmi_name[0]) {
        *why = "a virt-launcher pod that names no VMI";
        return -EPROTO;
    }

    pod->migration_uid = kube_json_string(labels,
                                          "kubevirt.io/migrationJobUID");
    pod->opted_in = kube_json_get(annotations, KUBE_OPT_IN_ANNOTATION) != NULL;
    pod->terminated = (kube_json_get(kube_json_get(obj, "metadata"),
                                     "deletionTimestamp") != NULL
                       || !strcmp(pod->phase, "Succeeded")
                       || !strcmp(pod->phase, "Failed"));
    return 0;
}

int
kube_vmi_info_parse(const struct json *obj, struct kube_vmi_info *vmi,
                    const char **why)
{
    const struct json *labels, *annotations;
    int error;

    memset(vmi, 0, sizeof *vmi);
    error = parse_common(obj, "VirtualMachineInstance", &vmi->meta, &labels,
                         &annotations, why);
    if (error) {
        return error;
    }
    const struct json *status = kube_json_get(obj, "status");
    const struct json *ms = kube_json_get(status, "migrationState");
    struct kube_migration_state *m = &vmi->migration;
    const char *abort_status;
    if (!optional_string(status, "nodeName", &vmi->node, why,
                         "status.nodeName is not a string")
        || !optional_string(ms, "migrationUid", &m->uid, why,
                            "migrationState.migrationUid is not a string")
        || !optional_string(ms, "sourceNode", &m->source_node, why,
                            "migrationState.sourceNode is not a string")
        || !optional_string(ms, "targetNode", &m->target_node, why,
                            "migrationState.targetNode is not a string")
        || !optional_string(ms, "abortStatus", &abort_status, why,
                            "migrationState.abortStatus is not a string")) {
        return -EPROTO;
    }
    m->completed = flag(ms, "completed");
    m->failed = flag(ms, "failed");
    m->abort_succeeded = abort_status && !strcmp(abort_status, "Succeeded");
    vmi->opted_in = kube_json_get(annotations, KUBE_OPT_IN_ANNOTATION) != NULL;
    vmi->deleting = kube_json_get(kube_json_get(obj, "metadata"),
                                  "deletionTimestamp") != NULL;
    return 0;
}

int
kube_vmim_info_parse(const struct json *obj, struct kube_vmim_info *vmim,
                     const char **why)
{
    const struct json *labels, *annotations;
    int error;

    memset(vmim, 0, sizeof *vmim);
    error = parse_common(obj, "VirtualMachineInstanceMigration", &vmim->meta,
                         &labels, &annotations, why);
    if (error) {
        return error;
    }
    vmim->vmi_name = kube_json_string(kube_json_get(obj, "spec"), "vmiName");
    if (!vmim->vmi_name || !vmim->vmi_name[0]) {
        *why = "a VMIM without spec.vmiName";
        return -EPROTO;
    }
    if (!optional_string(kube_json_get(obj, "status"), "phase", &vmim->phase,
                         why, "status.phase is not a string")) {
        return -EPROTO;
    }
    vmim->phase = vmim->phase ? vmim->phase : "";
    return 0;
}
