/* SPDX-License-Identifier: Apache-2.0
 *
 * reflector.h -- keeps a mirror of one Kubernetes collection (a resource,
 * narrowed by label and field selectors) and tells its owner what changed,
 * with the semantics of client-go's Reflector (tools/cache/reflector.go),
 * which every Kubernetes controller and node agent relies on:
 *
 *   - list (resourceVersion=0 at first: any recent state, which the API
 *     server's watch cache serves; paged with limit/continue, and a whole
 *     list again if a continue token expires), then watch from the list's
 *     resourceVersion with allowWatchBookmarks and a timeoutSeconds drawn
 *     at random from [5 min, 10 min);
 *   - track the resourceVersion of every event, BOOKMARKs included;
 *   - a watch that ends -- at its timeout, or cut mid-stream (client-go
 *     takes an unexpected EOF as an end) -- is started again at once from
 *     that version, without a list;
 *   - an ERROR event (410 Gone, "Expired", above all), a watch refused
 *     with 410, an undecodable event, or a watch that ended within a
 *     second without an event, means: list again, after a back-off, from
 *     the last version seen; if the list itself answers 410 (or "too
 *     large resource version"), list once more without a version (a
 *     consistent read);
 *   - back off exponentially with jitter (800 ms, doubling, at most 30 s,
 *     reset after 2 min without a back-off) before every list after a
 *     failure and before a watch refused with 429 or by a closed port,
 *     honouring Retry-After.
 *
 * After each list, objects the mirror held that the list no longer has
 * are handed to 'remove' without their last state (client-go's
 * DeletedFinalStateUnknown); an object listed again at the
 * resourceVersion the mirror holds is not handed over again.
 *
 * Memory is bounded: the mirror keeps an object's identity (namespace,
 * name, uid, resourceVersion), never the object, which its owner sees
 * once, during the callback.  At most 'max_objects' objects: a new one
 * beyond that is not mirrored nor handed over, and is counted
 * ('refused', with a rate-limited warning); objects already mirrored go
 * on being followed.  An event or list item over 'max_object_size' bytes
 * is skipped and counted ('oversize'): its object is left as it was (a
 * list that skipped one infers no deletion).
 */
#ifndef OVNMIG_KUBE_REFLECTOR_H
#define OVNMIG_KUBE_REFLECTOR_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json;
struct kube_client;
struct kube_meta;
struct kube_reflector;

#define KUBE_REFLECTOR_MAX_OBJECTS 65536

struct kube_reflector_spec {
    const char *name;           /* For logs: "pods", "vmis-target"... */
    const char *path;           /* The collection: "/api/v1/pods". */
    const char *label_selector; /* Or NULL. */
    const char *field_selector; /* Or NULL. */

    /* 0 for the defaults (those of client-go, or of stream.h). */
    size_t max_objects;         /* KUBE_REFLECTOR_MAX_OBJECTS. */
    size_t max_object_size;     /* KUBE_MAX_OBJECT. */
    int watch_timeout_s;        /* Random in [300, 600). */
    int backoff_initial_ms;     /* 800. */
    int backoff_max_ms;         /* 30,000. */
    int list_page_size;         /* 500. */
};

/* What changed.  'meta' and 'obj' are valid during the call only; 'obj'
 * is NULL in 'remove' when the deletion was inferred from a list.  A
 * callback may destroy the reflector. */
struct kube_reflector_cbs {
    void (*update)(void *aux, const struct kube_meta *meta,
                   const struct json *obj);
    void (*remove)(void *aux, const struct kube_meta *meta,
                   const struct json *obj);
    /* After each complete list: the mirror matches the server at its
     * version.  May be NULL. */
    void (*synced)(void *aux);
};

/* Copies 'spec' and starts listing (from the event loop, not within this
 * call).  Never fails: errors are retried, logged and counted. */
struct kube_reflector *kube_reflector_create(
    struct kube_client *, const struct kube_reflector_spec *spec,
    const struct kube_reflector_cbs *cbs, void *aux);
/* Accepts NULL.  May be called from the reflector's own callbacks. */
void kube_reflector_destroy(struct kube_reflector *);

struct kube_reflector_stats {
    uint64_t lists;             /* Lists completed. */
    uint64_t list_failures;
    uint64_t relists_expired;   /* Lists after a 410. */
    uint64_t watches;           /* Watches started. */
    uint64_t watch_ends;        /* Watches ended cleanly or cut. */
    uint64_t watch_failures;    /* Refused, ERROR, undecodable, too short. */
    uint64_t added, modified, deleted, bookmarks;
    uint64_t refused;           /* New objects beyond max_objects. */
    uint64_t oversize;          /* Events or items over max_object_size. */
    size_t objects;             /* In the mirror now. */
    bool synced;                /* A list has completed. */
    bool watching;              /* A watch stream is open. */
};

void kube_reflector_get_stats(const struct kube_reflector *,
                              struct kube_reflector_stats *);
/* The last resourceVersion seen, or "" before the first list. */
const char *kube_reflector_resource_version(const struct kube_reflector *);

#endif /* kube/reflector.h */
