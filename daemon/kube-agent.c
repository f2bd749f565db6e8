/* SPDX-License-Identifier: Apache-2.0
 *
 * kube-agent.c -- ovnmigd in Kubernetes mode (kube-agent.h).
 */
#include <config.h>

#include "daemon/kube-agent.h"

#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/config.h"
#include "hash.h"
#include "kube/client.h"
#include "kube/credentials.h"
#include "kube/decide.h"
#include "kube/objects.h"
#include "kube/reflector.h"
#include "kube/stream.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(kube_agent);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* The agent's cookies for ovn-hooks: distinct from the VM manager's small
 * ones and the migration engine's (1 << 62). */
#define COOKIE_SPACE (UINT64_C(2) << 62)

enum refl { R_PODS, R_VMIS_NODE, R_VMIS_TARGET, R_VMIMS, N_REFL };

static const char *const refl_names[N_REFL] = {
    "pods", "vmis", "vmis-target", "vmims",
};

/* Every stored object starts with this: its place in its store, by
 * "namespace/name". */
struct kobj {
    struct hmap_node node;
    char *key;
};

/* What the agent keeps of a virt-launcher pod on this node. */
struct kpod {
    struct kobj obj;            /* In 'pods'. */
    char *ns, *name, *vmi_name;
    char *vmi_uid;              /* Or NULL. */
    char *migration_uid;        /* Or NULL. */
    char *port_note;            /* Its KAGENT_PORT_ANNOTATION, or NULL. */
    bool opted_in;
    bool terminated;
};

/* ...of a VMI on, or migrating to, this node. */
struct kvmi {
    struct kobj obj;            /* In 'vmis'. */
    char *ns, *name, *uid;
    char *node_name;            /* status.nodeName, or NULL. */
    bool opted_in, deleting;
    char *m_uid, *m_source, *m_target;  /* migrationState, or NULL. */
    bool completed, failed, abort_succeeded;
    unsigned int in;            /* Bits (1 << R_VMIS_*) that hold it. */
};

/* ...of a VMIM, anywhere. */
struct kvmim {
    struct kobj obj;            /* In 'vmims'. */
    char *uid, *ns, *vmi_name, *phase;
};

enum vm_op { OP_IDLE, OP_GET, OP_ACT };

/* A VM the agent follows: one OVN port. */
struct kvm {
    struct hmap_node node;      /* In 'vms', by 'port'. */
    char port[OVNHOOK_PORT_NAME_MAX];
    char *ns, *name;
    bool dirty;                 /* A fact changed: decide again. */
    bool again;                 /* ...while a request was in flight. */
    enum vm_op op;
    uint64_t cookie;            /* Of the request in flight. */
    long long int retry_at;     /* Not before, after an error. */
    struct kube_action last;    /* The last decision (strings: below). */
    char *last_chassis, *last_uid;
    bool to_target;             /* The last FINALIZE: to the target. */
    long long int bound_ms;     /* The last ADD_CHASSIS: to the SB. */
};

struct refl_aux {
    struct kagent *a;
    enum refl r;
};

struct kagent {
    const struct ovnmigd_config *cfg;
    struct event_base *base;
    struct ovnhook *hooks;
    struct kube_client *client;
    struct kube_reflector *refl[N_REFL];
    struct refl_aux aux[N_REFL];
    unsigned int synced_bits;
    bool synced;
    struct hmap pods, vmis, vmims, vms;
    struct event *process_ev;
    uint64_t next_cookie;
    long long int next_resync;
    long long int next_lease;   /* time_msec() of the next renewal. */
    bool lease_exists;          /* Created (or found): renew it. */
    bool lease_busy;            /* A request in flight. */
    struct kagent_stats stats;
};

static char *
nullable_strdup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static bool
same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* Both NULL, or equal. */
static bool
nullable_eq(const char *a, const char *b)
{
    return a == b || same(a, b);
}

static char *
object_key(const char *ns, const char *name)
{
    return xasprintf("%s/%s", ns, name);
}

/* ------------------------------------------------------------ stores */

/* The object 'name' in 'ns' in 'store', or NULL. */
static struct kobj *
obj_find(const struct hmap *store, const char *ns, const char *name)
{
    char *key = object_key(ns, name);
    struct kobj *o, *found = NULL;
    HMAP_FOR_EACH_WITH_HASH (o, node, hash_string(key, 0), store) {
        if (!strcmp(o->key, key)) {
            found = o;
            break;
        }
    }
    free(key);
    return found;
}

/* Adds 'o', the object 'name' in 'ns', to 'store'. */
static void
obj_insert(struct hmap *store, struct kobj *o, const char *ns,
           const char *name)
{
    o->key = object_key(ns, name);
    hmap_insert(store, &o->node, hash_string(o->key, 0));
}

static void
obj_remove(struct hmap *store, struct kobj *o)
{
    hmap_remove(store, &o->node);
    free(o->key);
}

static struct kpod *
pod_find(const struct kagent *a, const char *ns, const char *name)
{
    struct kobj *o = obj_find(&a->pods, ns, name);
    return o ? CONTAINER_OF(o, struct kpod, obj) : NULL;
}

static void
pod_free(struct kagent *a, struct kpod *p)
{
    obj_remove(&a->pods, &p->obj);
    free(p->ns);
    free(p->name);
    free(p->vmi_name);
    free(p->vmi_uid);
    free(p->migration_uid);
    free(p->port_note);
    free(p);
}

static struct kvmi *
vmi_find(const struct kagent *a, const char *ns, const char *name)
{
    struct kobj *o = obj_find(&a->vmis, ns, name);
    return o ? CONTAINER_OF(o, struct kvmi, obj) : NULL;
}

static void
vmi_clear(struct kvmi *v)
{
    free(v->node_name);
    free(v->m_uid);
    free(v->m_source);
    free(v->m_target);
    v->node_name = v->m_uid = v->m_source = v->m_target = NULL;
}

static void
vmi_free(struct kagent *a, struct kvmi *v)
{
    obj_remove(&a->vmis, &v->obj);
    vmi_clear(v);
    free(v->ns);
    free(v->name);
    free(v->uid);
    free(v);
}

static struct kvmim *
vmim_find(const struct kagent *a, const char *ns, const char *name)
{
    struct kobj *o = obj_find(&a->vmims, ns, name);
    return o ? CONTAINER_OF(o, struct kvmim, obj) : NULL;
}

static void
vmim_free(struct kagent *a, struct kvmim *m)
{
    obj_remove(&a->vmims, &m->obj);
    free(m->uid);
    free(m->ns);
    free(m->vmi_name);
    free(m->phase);
    free(m);
}

/* ------------------------------------------------------------ VMs */

static struct kvm *
vm_find(const struct kagent *a, const char *port)
{
    struct kvm *vm;
    HMAP_FOR_EACH_WITH_HASH (vm, node, hash_string(port, 0), &a->vms) {
        if (!strcmp(vm->port, port)) {
            return vm;
        }
    }
    return NULL;
}

static void
vm_free(struct kagent *a, struct kvm *vm)
{
    hmap_remove(&a->vms, &vm->node);
    free(vm->ns);
    free(vm->name);
    free(vm->last_chassis);
    free(vm->last_uid);
    free(vm);
}

/* Whether anything on this node still refers to 'vm': a VMI or a pod. */
static bool
vm_referenced(const struct kagent *a, const struct kvm *vm)
{
    bool found = vmi_find(a, vm->ns, vm->name) != NULL;

    const struct kpod *p;
    HMAP_FOR_EACH (p, obj.node, &a->pods) {
        if (found) {
            break;
        }
        found = !strcmp(p->ns, vm->ns) && !strcmp(p->vmi_name, vm->name);
    }
    return found;
}

/* Something about the VM 'name' in 'ns' changed: decide again.  Creates
 * the VM if 'create' (a pod or a VMI on this node); a VMIM alone does
 * not make a VM this node's. */
static void
vm_touch(struct kagent *a, const char *ns, const char *name, bool create)
{
    char port[OVNHOOK_PORT_NAME_MAX];
    if (ovnhook_port_name(name, ns, port, sizeof port)) {
        VLOG_WARN_RL(&rl, "VM %s in %s: its port name is too long", name,
                     ns);
        return;
    }
    struct kvm *vm = vm_find(a, port);
    if (!vm) {
        if (!create) {
            return;
        }
        if (hmap_count(&a->vms) >= KAGENT_MAX_VMS) {
            a->stats.vms_refused++;
            VLOG_WARN_RL(&rl, "VM %s in %s not followed: %d VMs already",
                         name, ns, KAGENT_MAX_VMS);
            return;
        }
        vm = xzalloc(sizeof *vm);
        ovs_strlcpy(vm->port, port, sizeof vm->port);
        vm->ns = xstrdup(ns);
        vm->name = xstrdup(name);
        hmap_insert(&a->vms, &vm->node, hash_string(port, 0));
    }
    vm->dirty = true;
    if (vm->op != OP_IDLE) {
        vm->again = true;
    }
    event_active(a->process_ev, EV_TIMEOUT, 0);
}

/* ------------------------------------------------------------ reflectors */

static void
bad_object(struct kagent *a, enum refl r, const struct kube_meta *meta,
           const char *why)
{
    a->stats.bad_objects++;
    VLOG_WARN_RL(&rl, "%s %s/%s ignored: %s", refl_names[r],
                 meta->namespace_, meta->name, why);
}

/* Forgets pod 'p', and has its VM decided again. */
static void
pod_drop(struct kagent *a, struct kpod *p)
{
    vm_touch(a, p->ns, p->vmi_name, false);
    pod_free(a, p);
}

static void
pod_update(struct kagent *a, const struct kube_meta *meta,
           const struct json *obj)
{
    struct kube_pod_info info;
    const char *why;
    struct kpod *p = pod_find(a, meta->namespace_, meta->name);

    if (kube_pod_info_parse(obj, &info, &why)) {
        bad_object(a, R_PODS, meta, why);
        if (p) {
            pod_drop(a, p);
        }
        return;
    }
    if (!p) {
        p = xzalloc(sizeof *p);
        p->ns = xstrdup(meta->namespace_);
        p->name = xstrdup(meta->name);
        obj_insert(&a->pods, &p->obj, p->ns, p->name);
    } else {
        free(p->vmi_name);
        free(p->vmi_uid);
        free(p->migration_uid);
        free(p->port_note);
    }
    p->vmi_name = xstrdup(info.vmi_name);
    p->vmi_uid = nullable_strdup(info.vmi_uid);
    p->migration_uid = nullable_strdup(info.migration_uid);
    p->port_note = nullable_strdup(kube_json_string(
        kube_json_get(kube_json_get(obj, "metadata"), "annotations"),
        KAGENT_PORT_ANNOTATION));
    p->opted_in = info.opted_in;
    p->terminated = info.terminated;
    vm_touch(a, p->ns, p->vmi_name, true);
}

static void
pod_remove(struct kagent *a, const struct kube_meta *meta)
{
    struct kpod *p = pod_find(a, meta->namespace_, meta->name);
    if (p) {
        pod_drop(a, p);
    }
}

static void
vmi_update(struct kagent *a, enum refl r, const struct kube_meta *meta,
           const struct json *obj)
{
    struct kube_vmi_info info;
    const char *why;
    struct kvmi *v = vmi_find(a, meta->namespace_, meta->name);

    if (kube_vmi_info_parse(obj, &info, &why)) {
        bad_object(a, r, meta, why);
        return;
    }
    if (!v) {
        v = xzalloc(sizeof *v);
        v->ns = xstrdup(meta->namespace_);
        v->name = xstrdup(meta->name);
        obj_insert(&a->vmis, &v->obj, v->ns, v->name);
    } else {
        vmi_clear(v);
    }
    v->in |= 1u << r;
    free(v->uid);
    v->uid = xstrdup(meta->uid);
    v->node_name = nullable_strdup(info.node);
    v->opted_in = info.opted_in;
    v->deleting = info.deleting;
    v->m_uid = nullable_strdup(info.migration.uid);
    v->m_source = nullable_strdup(info.migration.source_node);
    v->m_target = nullable_strdup(info.migration.target_node);
    v->completed = info.migration.completed;
    v->failed = info.migration.failed;
    v->abort_succeeded = info.migration.abort_succeeded;
    vm_touch(a, v->ns, v->name, true);
}

static void
vmi_remove(struct kagent *a, enum refl r, const struct kube_meta *meta)
{
    struct kvmi *v = vmi_find(a, meta->namespace_, meta->name);
    if (!v) {
        return;
    }
    /* The other watch may still see it (a VMI migrating here is in both
     * at the end, then only in the node's). */
    v->in &= ~(1u << r);
    vm_touch(a, v->ns, v->name, false);
    if (!v->in) {
        vmi_free(a, v);
    }
}

static void
vmim_update(struct kagent *a, const struct kube_meta *meta,
            const struct json *obj)
{
    struct kube_vmim_info info;
    const char *why;
    struct kvmim *m = vmim_find(a, meta->namespace_, meta->name);

    if (kube_vmim_info_parse(obj, &info, &why)) {
        bad_object(a, R_VMIMS, meta, why);
        return;
    }
    if (!m) {
        m = xzalloc(sizeof *m);
        m->ns = xstrdup(meta->namespace_);
        obj_insert(&a->vmims, &m->obj, m->ns, meta->name);
    } else {
        free(m->uid);
        free(m->vmi_name);
        free(m->phase);
    }
    m->uid = xstrdup(meta->uid);
    m->vmi_name = xstrdup(info.vmi_name);
    m->phase = xstrdup(info.phase);
    vm_touch(a, m->ns, m->vmi_name, false);
}

static void
vmim_remove(struct kagent *a, const struct kube_meta *meta)
{
    struct kvmim *m = vmim_find(a, meta->namespace_, meta->name);
    if (m) {
        vm_touch(a, m->ns, m->vmi_name, false);
        vmim_free(a, m);
    }
}

static void
on_update(void *aux_, const struct kube_meta *meta, const struct json *obj)
{
    struct refl_aux *aux = aux_;
    switch (aux->r) {
    case R_PODS:
        pod_update(aux->a, meta, obj);
        break;
    case R_VMIS_NODE:
    case R_VMIS_TARGET:
        vmi_update(aux->a, aux->r, meta, obj);
        break;
    case R_VMIMS:
        vmim_update(aux->a, meta, obj);
        break;
    case N_REFL:
    default:
        OVS_NOT_REACHED();
    }
}

static void
on_remove(void *aux_, const struct kube_meta *meta,
          const struct json *obj OVS_UNUSED)
{
    struct refl_aux *aux = aux_;
    switch (aux->r) {
    case R_PODS:
        pod_remove(aux->a, meta);
        break;
    case R_VMIS_NODE:
    case R_VMIS_TARGET:
        vmi_remove(aux->a, aux->r, meta);
        break;
    case R_VMIMS:
        vmim_remove(aux->a, meta);
        break;
    case N_REFL:
    default:
        OVS_NOT_REACHED();
    }
}

static void
mark_all(struct kagent *a)
{
    struct kvm *vm;
    HMAP_FOR_EACH (vm, node, &a->vms) {
        vm->dirty = true;
        if (vm->op != OP_IDLE) {
            vm->again = true;
        }
    }
    event_active(a->process_ev, EV_TIMEOUT, 0);
}

static void
on_synced(void *aux_)
{
    struct refl_aux *aux = aux_;
    struct kagent *a = aux->a;

    a->synced_bits |= 1u << aux->r;
    if (!a->synced && a->synced_bits == (1u << N_REFL) - 1) {
        a->synced = true;
        VLOG_INFO("Kubernetes: every list done (%"PRIuSIZE" pods, "
                  "%"PRIuSIZE" VMIs, %"PRIuSIZE" VMIMs): reconciling "
                  "%"PRIuSIZE" VMs against OVN", hmap_count(&a->pods),
                  hmap_count(&a->vmis), hmap_count(&a->vmims),
                  hmap_count(&a->vms));
    }
    if (a->synced) {
        /* After every relist too: what changed meanwhile may have been
         * seen only as the list's difference. */
        mark_all(a);
    }
}

/* ------------------------------------------------------------ write-backs */

/* 'ms' (wall clock) as Kubernetes writes a Time ("...Z"), or with
 * 'micro', a MicroTime. */
static char *
kube_time(long long int ms, bool micro)
{
    time_t t = ms / 1000;
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return (micro ? xasprintf("%s.%06lldZ", buf, (ms % 1000) * 1000)
                  : xasprintf("%sZ", buf));
}

static void
write_done(void *a_, int error, int status, const struct json *body,
           const char *why)
{
    struct kagent *a = a_;
    if (error || status >= 300) {
        a->stats.write_errors++;
        const char *message = body ? kube_json_string(body, "message") : NULL;
        VLOG_WARN_RL(&rl, "Kubernetes write: %s", error ? why
                     : message ? message : "refused");
    } else {
        a->stats.writes++;
    }
}

/* Sends 'body' (taken) with 'method' to 'path'; the answer is only
 * counted. */
static void
kube_write(struct kagent *a, const char *method, const char *path,
           const char *content_type, struct json *body)
{
    struct kube_request *req;
    int error = kube_request_json(a->client, method, path, content_type,
                                  body, KAGENT_WRITE_TIMEOUT_MS, write_done,
                                  a, &req);
    json_destroy(body);
    if (error) {
        a->stats.write_errors++;
        VLOG_WARN_RL(&rl, "Kubernetes write %s %s: %s", method, path,
                     ovs_strerror(-error));
    }
}

/* The UID of the VMI of 'vm', from its VMI or one of its pods here, or
 * NULL. */
static const char *
vmi_uid(const struct kagent *a, const struct kvm *vm)
{
    const struct kvmi *v = vmi_find(a, vm->ns, vm->name);
    if (v && v->uid[0]) {
        return v->uid;
    }
    const struct kpod *p;
    HMAP_FOR_EACH (p, obj.node, &a->pods) {
        if (p->vmi_uid && !strcmp(p->ns, vm->ns)
            && !strcmp(p->vmi_name, vm->name)) {
            return p->vmi_uid;
        }
    }
    return NULL;
}

/* An Event on the VM's VMI (core/v1, as virt-handler's own). */
static void
post_event(struct kagent *a, const struct kvm *vm, bool warning,
           const char *reason, const char *format, ...)
    OVS_PRINTF_FORMAT(5, 6);

static void
post_event(struct kagent *a, const struct kvm *vm, bool warning,
           const char *reason, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *message = xvasprintf(format, args);
    va_end(args);

    struct json *involved = json_object_create();
    json_object_put_string(involved, "apiVersion", "kubevirt.io/v1");
    json_object_put_string(involved, "kind", "VirtualMachineInstance");
    json_object_put_string(involved, "namespace", vm->ns);
    json_object_put_string(involved, "name", vm->name);
    const char *uid = vmi_uid(a, vm);
    if (uid) {
        json_object_put_string(involved, "uid", uid);
    }
    struct json *meta = json_object_create();
    char *generate = xasprintf("%s.", vm->name);
    json_object_put_string(meta, "generateName", generate);
    json_object_put_string(meta, "namespace", vm->ns);
    free(generate);
    struct json *source = json_object_create();
    json_object_put_string(source, "component", "ovnmigd");
    json_object_put_string(source, "host", a->cfg->node);

    char *now = kube_time(time_wall_msec(), false);
    char *micro = kube_time(time_wall_msec(), true);
    struct json *ev = json_object_create();
    json_object_put_string(ev, "apiVersion", "v1");
    json_object_put_string(ev, "kind", "Event");
    json_object_put(ev, "metadata", meta);
    json_object_put(ev, "involvedObject", involved);
    json_object_put_string(ev, "type", warning ? "Warning" : "Normal");
    json_object_put_string(ev, "reason", reason);
    json_object_put_string(ev, "message", message);
    json_object_put(ev, "source", source);
    json_object_put_string(ev, "firstTimestamp", now);
    json_object_put_string(ev, "lastTimestamp", now);
    json_object_put_string(ev, "eventTime", micro);
    json_object_put(ev, "count", json_integer_create(1));
    json_object_put_string(ev, "action", "MovePort");
    json_object_put_string(ev, "reportingComponent", "ovnmig.io/ovnmigd");
    json_object_put_string(ev, "reportingInstance", a->cfg->node);
    VLOG_INFO("%s: event %s: %s", vm->port, reason, message);
    free(now);
    free(micro);
    free(message);

    char *path = xasprintf("/api/v1/namespaces/%s/events", vm->ns);
    kube_write(a, "POST", path, "application/json", ev);
    free(path);
}

/* The annotation for people on the live pods of 'vm' on this node: the
 * LSP and where it is bound ("vm1.default on hv2"), unless they have it
 * already. */
static void
annotate_pods(struct kagent *a, const struct kvm *vm, const char *chassis)
{
    char *note = xasprintf("%s on %s", vm->port, chassis);
    struct kpod *p;
    HMAP_FOR_EACH (p, obj.node, &a->pods) {
        if (p->terminated || strcmp(p->ns, vm->ns)
            || strcmp(p->vmi_name, vm->name) || same(p->port_note, note)) {
            continue;
        }
        struct json *annotations = json_object_create();
        json_object_put_string(annotations, KAGENT_PORT_ANNOTATION, note);
        struct json *meta = json_object_create();
        json_object_put(meta, "annotations", annotations);
        struct json *patch = json_object_create();
        json_object_put(patch, "metadata", meta);
        char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", p->ns,
                               p->name);
        kube_write(a, "PATCH", path, "application/merge-patch+json", patch);
        free(path);
        /* Not again until the pod says otherwise. */
        free(p->port_note);
        p->port_note = xstrdup(note);
    }
    free(note);
}

static void
lease_done(void *a_, int error, int status, const struct json *body,
           const char *why)
{
    struct kagent *a = a_;
    a->lease_busy = false;
    if (!error && (status == 409 || (status < 300 && status >= 200))) {
        /* Created, renewed, or there from an earlier run. */
        a->lease_exists = true;
        a->stats.lease_renewals += status < 300;
        if (status == 409) {
            a->next_lease = 0;          /* Renew it now. */
        }
        return;
    }
    if (!error && status == 404) {
        a->lease_exists = false;        /* Deleted: create it again. */
        a->next_lease = 0;
    }
    a->stats.write_errors++;
    const char *message = body ? kube_json_string(body, "message") : NULL;
    VLOG_WARN_RL(&rl, "Lease %s/%s: %s", KAGENT_LEASE_NAMESPACE,
                 a->cfg->node, error ? why : message ? message : "refused");
}

/* Creates or renews this node's Lease (KAGENT_LEASE_NAMESPACE, named
 * after the node with an "ovnmigd-" prefix), the way kubelets keep
 * theirs: the holder and the renewal time. */
static void
renew_lease(struct kagent *a)
{
    char *name = xasprintf("ovnmigd-%s", a->cfg->node);
    char *renew = kube_time(time_wall_msec(), true);
    struct json *spec = json_object_create();
    json_object_put_string(spec, "holderIdentity", a->cfg->node);
    json_object_put(spec, "leaseDurationSeconds",
                    json_integer_create(KAGENT_LEASE_DURATION_S));
    json_object_put_string(spec, "renewTime", renew);
    free(renew);

    struct json *body = json_object_create();
    const char *method, *ctype;
    char *path;
    if (a->lease_exists) {
        json_object_put(body, "spec", spec);
        method = "PATCH";
        ctype = "application/merge-patch+json";
        path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/"
                         "leases/%s", KAGENT_LEASE_NAMESPACE, name);
    } else {
        struct json *meta = json_object_create();
        json_object_put_string(meta, "name", name);
        json_object_put_string(meta, "namespace", KAGENT_LEASE_NAMESPACE);
        json_object_put_string(body, "apiVersion", "coordination.k8s.io/v1");
        json_object_put_string(body, "kind", "Lease");
        json_object_put(body, "metadata", meta);
        json_object_put(body, "spec", spec);
        method = "POST";
        ctype = "application/json";
        path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases",
                         KAGENT_LEASE_NAMESPACE);
    }
    struct kube_request *req;
    int error = kube_request_json(a->client, method, path, ctype, body,
                                  KAGENT_WRITE_TIMEOUT_MS, lease_done, a,
                                  &req);
    json_destroy(body);
    free(path);
    free(name);
    if (error) {
        a->stats.write_errors++;
    } else {
        a->lease_busy = true;
    }
}

/* ------------------------------------------------------------ decisions */

static uint64_t
next_cookie(struct kagent *a)
{
    return COOKIE_SPACE | (++a->next_cookie & ((UINT64_C(1) << 62) - 1));
}

static void
start_get(struct kagent *a, struct kvm *vm)
{
    vm->dirty = false;
    vm->again = false;
    vm->cookie = next_cookie(a);
    int error = ovnhook_port_get(a->hooks, vm->port, vm->cookie);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: reading the port: %s", vm->port,
                     ovs_strerror(-error));
        vm->cookie = 0;
        vm->dirty = true;
        vm->retry_at = time_msec() + KAGENT_RETRY_MS;
        return;
    }
    vm->op = OP_GET;
}

static void
process(struct kagent *a)
{
    if (!a->synced) {
        return;
    }
    long long int now = time_msec();
    struct kvm *vm;
    HMAP_FOR_EACH_SAFE (vm, node, &a->vms) {
        if (vm->dirty && vm->op == OP_IDLE && now >= vm->retry_at) {
            start_get(a, vm);
        }
    }
}

static void
on_process(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *a_)
{
    process(a_);
}

/* The port 'info' as kube_decide() takes it; 'buf' holds the chassis
 * names. */
static void
port_fact(const struct ovnhook_port_info *info, struct kube_port_fact *pf,
          char buf[2][OVNHOOK_NAME_MAX])
{
    memset(pf, 0, sizeof *pf);
    pf->exists = info->exists;
    if (!info->exists) {
        return;
    }
    const char *rc = info->requested_chassis;
    while (*rc && pf->n_chassis < 2) {
        size_t n = strcspn(rc, ",");
        if (n && n < OVNHOOK_NAME_MAX) {
            memcpy(buf[pf->n_chassis], rc, n);
            buf[pf->n_chassis][n] = '\0';
            pf->chassis[pf->n_chassis] = buf[pf->n_chassis];
            pf->n_chassis++;
        }
        rc += n + (rc[n] == ',');
    }
    pf->migration_uid = info->migration_uid[0] ? info->migration_uid : NULL;
}

/* Decides for 'vm' from what the agent knows and 'info' (OVN's port), and
 * starts the action, if any. */
static void
decide(struct kagent *a, struct kvm *vm, const struct ovnhook_port_info *info)
{
    struct kube_vm_facts f;
    memset(&f, 0, sizeof f);
    f.synced = a->synced;

    const struct kvmi *v = vmi_find(a, vm->ns, vm->name);
    if (v) {
        f.opted_in = v->opted_in;
        f.vmi_deleting = v->deleting;
        f.vmi_node = v->node_name;
        f.migration = (struct kube_migration_state) {
            .uid = v->m_uid, .source_node = v->m_source,
            .target_node = v->m_target, .completed = v->completed,
            .failed = v->failed, .abort_succeeded = v->abort_succeeded,
        };
    }

    size_t n_pods = 0, n_vmims = 0;
    struct kube_pod_fact *pods = xmalloc((hmap_count(&a->pods) + 1)
                                         * sizeof *pods);
    const struct kpod *p;
    HMAP_FOR_EACH (p, obj.node, &a->pods) {
        if (!strcmp(p->ns, vm->ns) && !strcmp(p->vmi_name, vm->name)) {
            pods[n_pods++] = (struct kube_pod_fact) {
                .name = p->name, .migration_uid = p->migration_uid,
                .terminated = p->terminated,
            };
            /* The annotation is copied to the pods: the target node may
             * see the pod before the VMI's label names it. */
            f.opted_in |= p->opted_in;
        }
    }
    struct kube_vmim_fact *vmims = xmalloc((hmap_count(&a->vmims) + 1)
                                           * sizeof *vmims);
    const struct kvmim *m;
    HMAP_FOR_EACH (m, obj.node, &a->vmims) {
        if (!strcmp(m->ns, vm->ns) && !strcmp(m->vmi_name, vm->name)) {
            vmims[n_vmims++] = (struct kube_vmim_fact) {
                .uid = m->uid, .phase = m->phase,
            };
        }
    }
    f.pods = pods;
    f.n_pods = n_pods;
    f.vmims = vmims;
    f.n_vmims = n_vmims;
    char chassis[2][OVNHOOK_NAME_MAX];
    port_fact(info, &f.port, chassis);

    struct kube_action act;
    kube_decide(&f, a->cfg->chassis, &act);
    a->stats.decisions++;

    bool changed = (act.type != vm->last.type
                    || !nullable_eq(act.reason, vm->last.reason)
                    || !nullable_eq(act.migration_uid, vm->last_uid));
    if (changed) {
        if (act.type == KUBE_ACTION_NONE) {
            VLOG_INFO("%s: nothing to do: %s", vm->port, act.reason);
        } else {
            VLOG_INFO("%s: %s%s%s%s%s: %s", vm->port,
                      kube_action_type_name(act.type),
                      act.chassis ? " " : "", act.chassis ? act.chassis : "",
                      act.migration_uid ? " for migration " : "",
                      act.migration_uid ? act.migration_uid : "",
                      act.reason);
        }
    }
    vm->last = act;
    free(vm->last_chassis);
    free(vm->last_uid);
    vm->last_chassis = nullable_strdup(act.chassis);
    vm->last_uid = nullable_strdup(act.migration_uid);
    vm->last.chassis = vm->last_chassis;
    vm->last.migration_uid = vm->last_uid;

    vm->to_target = (act.type == KUBE_ACTION_FINALIZE
                     && f.port.n_chassis == 2
                     && same(act.chassis, f.port.chassis[1]));
    if (act.type == KUBE_ACTION_NONE && f.port.n_chassis == 1
        && same(f.port.chassis[0], a->cfg->chassis)) {
        annotate_pods(a, vm, f.port.chassis[0]);
    }

    int error = 0;
    vm->cookie = next_cookie(a);
    switch (act.type) {
    case KUBE_ACTION_ADD_CHASSIS:
        error = ovnhook_migration_start_uid(a->hooks, vm->port,
                                            f.port.chassis[0], act.chassis,
                                            act.migration_uid, vm->cookie);
        break;
    case KUBE_ACTION_FINALIZE:
        error = ovnhook_migration_end_if(a->hooks, vm->port, act.chassis,
                                         act.migration_uid
                                         ? act.migration_uid : "",
                                         vm->cookie);
        break;
    case KUBE_ACTION_REMOVE_PORT:
        error = ovnhook_port_delete(a->hooks, vm->port, vm->cookie);
        break;
    case KUBE_ACTION_NONE:
    default:
        vm->cookie = 0;
        vm->op = OP_IDLE;
        break;
    }
    free(pods);
    free(vmims);

    if (act.type == KUBE_ACTION_NONE) {
        if (vm->again) {
            vm->dirty = true;
        } else if (!vm_referenced(a, vm)) {
            vm_free(a, vm);
        }
        return;
    }
    if (error) {
        VLOG_WARN_RL(&rl, "%s: %s: %s", vm->port,
                     kube_action_type_name(act.type), ovs_strerror(-error));
        a->stats.action_errors++;
        vm->cookie = 0;
        vm->op = OP_IDLE;
        vm->dirty = true;
        vm->retry_at = time_msec() + KAGENT_RETRY_MS;
        return;
    }
    vm->op = OP_ACT;
}

bool
kagent_hook_done(struct kagent *a, const struct ovnhook_result *r)
{
    if (!a || (r->cookie >> 62) != (COOKIE_SPACE >> 62)) {
        return false;
    }
    struct kvm *vm;
    HMAP_FOR_EACH (vm, node, &a->vms) {
        if (vm->cookie == r->cookie) {
            break;
        }
    }
    if (!vm) {
        return true;            /* Its VM is gone. */
    }
    vm->cookie = 0;
    enum vm_op op = vm->op;
    vm->op = OP_IDLE;

    if (op == OP_GET) {
        if (r->error || !r->info) {
            VLOG_WARN_RL(&rl, "%s: reading the port: %s", vm->port,
                         r->message);
            vm->dirty = true;
            vm->retry_at = time_msec() + KAGENT_RETRY_MS;
        } else {
            decide(a, vm, r->info);
        }
    } else if (op == OP_ACT) {
        if (r->error == -ESTALE) {
            /* The port moved on meanwhile (the other node finalized the
             * same migration first): read it again at once. */
            a->stats.stale++;
            VLOG_INFO_RL(&rl, "%s: %s: %s", vm->port,
                         kube_action_type_name(vm->last.type), r->message);
        } else if (r->error) {
            a->stats.action_errors++;
            VLOG_WARN_RL(&rl, "%s: %s: %s", vm->port,
                         kube_action_type_name(vm->last.type), r->message);
            vm->retry_at = time_msec() + KAGENT_RETRY_MS;
        } else {
            switch (vm->last.type) {
            case KUBE_ACTION_ADD_CHASSIS:
                a->stats.chassis_added++;
                vm->bound_ms = r->elapsed_ms;
                post_event(a, vm, false, "TargetNetworkPrepared",
                           "ovnmig: %s is the additional chassis of port %s "
                           "for migration %s, with activation-strategy=rarp; "
                           "the Southbound showed it bound %lld ms after "
                           "the request", vm->last.chassis, vm->port,
                           vm->last.migration_uid, r->elapsed_ms);
                break;
            case KUBE_ACTION_FINALIZE:
                a->stats.finalized++;
                /* ovn-hooks says "unchanged" when another node did it:
                 * one Event per move. */
                if (strstr(r->message, "unchanged")) {
                    break;
                }
                if (vm->to_target) {
                    post_event(a, vm, false, "PortActivated",
                               "ovnmig: port %s on %s alone (migration %s "
                               "succeeded)", vm->port, vm->last.chassis,
                               vm->last.migration_uid
                               ? vm->last.migration_uid : "-");
                } else {
                    post_event(a, vm, true, "PortRolledBack",
                               "ovnmig: port %s back on %s alone "
                               "(migration %s): %s", vm->port,
                               vm->last.chassis,
                               vm->last.migration_uid
                               ? vm->last.migration_uid : "-",
                               vm->last.reason);
                }
                break;
            case KUBE_ACTION_REMOVE_PORT:
                a->stats.ports_removed++;
                break;
            case KUBE_ACTION_NONE:
            default:
                break;
            }
        }
        /* Read the port again and decide until nothing is left to do. */
        vm->dirty = true;
    }
    process(a);
    return true;
}

/* ------------------------------------------------------------ API */

int
kagent_create(const struct kagent_options *opts, struct kagent **ap,
              char **errorp)
{
    const struct ovnmigd_config *cfg = opts->cfg;
    struct kube_config kc;
    int error;

    *ap = NULL;
    *errorp = NULL;
    memset(&kc, 0, sizeof kc);
    error = (cfg->kubeconfig
             ? kube_kubeconfig_load(cfg->kubeconfig, cfg->kube_context, &kc,
                                    errorp)
             : kube_config_in_cluster(cfg->kube_sa_dir, &kc, errorp));
    if (error) {
        kube_config_destroy(&kc);
        return error;
    }
    struct kube_client *client;
    error = kube_client_create(opts->base, &kc, &client, errorp);
    kube_config_destroy(&kc);
    if (error) {
        return error;
    }

    struct kagent *a = xzalloc(sizeof *a);
    a->cfg = cfg;
    a->base = opts->base;
    a->hooks = opts->hooks;
    a->client = client;
    hmap_init(&a->pods);
    hmap_init(&a->vmis);
    hmap_init(&a->vmims);
    hmap_init(&a->vms);
    a->process_ev = event_new(a->base, -1, 0, on_process, a);
    a->next_resync = time_msec() + KAGENT_RESYNC_MS;

    char *node_field = xasprintf("spec.nodeName=%s", cfg->node);
    char *node_label = xasprintf("kubevirt.io/nodeName=%s", cfg->node);
    char *target_label = xasprintf("kubevirt.io/migrationTargetNodeName=%s",
                                   cfg->node);
    static const char vmis_path[]
        = "/apis/kubevirt.io/v1/virtualmachineinstances";
    const struct kube_reflector_spec specs[N_REFL] = {
        [R_PODS] = {
            .name = refl_names[R_PODS], .path = "/api/v1/pods",
            .label_selector = "kubevirt.io=virt-launcher",
            .field_selector = node_field,
        },
        [R_VMIS_NODE] = {
            .name = refl_names[R_VMIS_NODE], .path = vmis_path,
            .label_selector = node_label,
        },
        [R_VMIS_TARGET] = {
            .name = refl_names[R_VMIS_TARGET], .path = vmis_path,
            .label_selector = target_label,
        },
        [R_VMIMS] = {
            .name = refl_names[R_VMIMS],
            .path = "/apis/kubevirt.io/v1/virtualmachineinstancemigrations",
        },
    };
    const struct kube_reflector_cbs cbs = {
        .update = on_update, .remove = on_remove, .synced = on_synced,
    };
    for (int r = 0; r < N_REFL; r++) {
        a->aux[r] = (struct refl_aux) { .a = a, .r = r };
        a->refl[r] = kube_reflector_create(client, &specs[r], &cbs,
                                           &a->aux[r]);
    }
    free(node_field);
    free(node_label);
    free(target_label);
    VLOG_INFO("Kubernetes mode: API server %s, node %s, chassis %s",
              kube_client_server(client), cfg->node, cfg->chassis);
    *ap = a;
    return 0;
}

void
kagent_destroy(struct kagent *a)
{
    if (!a) {
        return;
    }
    for (int r = 0; r < N_REFL; r++) {
        kube_reflector_destroy(a->refl[r]);
    }
    kube_client_destroy(a->client);
    event_free(a->process_ev);
    struct kpod *p;
    HMAP_FOR_EACH_SAFE (p, obj.node, &a->pods) {
        pod_free(a, p);
    }
    struct kvmi *v;
    HMAP_FOR_EACH_SAFE (v, obj.node, &a->vmis) {
        vmi_free(a, v);
    }
    struct kvmim *m;
    HMAP_FOR_EACH_SAFE (m, obj.node, &a->vmims) {
        vmim_free(a, m);
    }
    struct kvm *vm;
    HMAP_FOR_EACH_SAFE (vm, node, &a->vms) {
        vm_free(a, vm);
    }
    hmap_destroy(&a->pods);
    hmap_destroy(&a->vmis);
    hmap_destroy(&a->vmims);
    hmap_destroy(&a->vms);
    free(a);
}

void
kagent_run(struct kagent *a)
{
    long long int now = time_msec();
    if (!a->lease_busy && now >= a->next_lease) {
        a->next_lease = now + KAGENT_LEASE_RENEW_MS;
        renew_lease(a);
    }
    if (a->synced && now >= a->next_resync) {
        /* OVN is the truth: someone may have changed a port. */
        a->next_resync = now + KAGENT_RESYNC_MS;
        mark_all(a);
    }
    process(a);
}

void
kagent_list(const struct kagent *a, struct ds *s, bool json)
{
    struct json *array = json ? json_array_create_empty() : NULL;
    const struct kvm *vm;

    if (!json) {
        ds_put_format(s, "%-32s %-12s %-10s %s\n", "PORT", "ACTION", "STATE",
                      "REASON");
    }
    HMAP_FOR_EACH (vm, node, &a->vms) {
        const char *action = kube_action_type_name(vm->last.type);
        const char *state = (vm->op == OP_GET ? "reading"
                             : vm->op == OP_ACT ? "acting"
                             : vm->dirty ? "pending" : "idle");
        const char *reason = vm->last.reason ? vm->last.reason : "";
        if (json) {
            struct json *o = json_object_create();
            json_object_put_string(o, "lsp", vm->port);
            json_object_put_string(o, "namespace", vm->ns);
            json_object_put_string(o, "vmi", vm->name);
            json_object_put_string(o, "action", action);
            json_object_put_string(o, "state", state);
            json_object_put_string(o, "reason", reason);
            if (vm->last_chassis) {
                json_object_put_string(o, "chassis", vm->last_chassis);
            }
            if (vm->last_uid) {
                json_object_put_string(o, "migrationUid", vm->last_uid);
            }
            json_array_add(array, o);
        } else {
            ds_put_format(s, "%-32s %-12s %-10s %s\n", vm->port, action,
                          state, reason);
        }
    }
    if (json) {
        char *text = json_to_string(array, JSSF_SORT);
        ds_put_format(s, "%s\n", text);
        free(text);
        json_destroy(array);
    }
}

void
kagent_get_stats(const struct kagent *a, struct kagent_stats *stats)
{
    *stats = a->stats;
    stats->synced = a->synced;
    stats->vms = hmap_count(&a->vms);
}
