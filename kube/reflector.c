/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "kube/reflector.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kube/client.h"
#include "kube/stream.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(kube_reflector);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define MAX_ERROR_BODY (64 * 1024)
#define LIST_TIMEOUT_MS (120 * 1000)
#define LIST_IDLE_MS (60 * 1000)
#define BACKOFF_RESET_MS (120 * 1000)   /* client-go's resetDuration. */
#define SHORT_WATCH_MS 1000             /* client-go's "very short watch". */

/* One mirrored object: its identity only. */
struct entry {
    struct hmap_node node;      /* In reflector->objects. */
    char *ns;
    char *name;
    char *uid;
    char *rv;
    unsigned int gen;           /* The list that last saw it. */
};

enum phase { PHASE_IDLE, PHASE_LISTING, PHASE_WATCHING };
enum next { NEXT_LIST, NEXT_WATCH };

struct kube_reflector {
    struct kube_client *client;
    struct kube_reflector_spec spec;    /* Strings owned. */
    struct kube_reflector_cbs cbs;
    void *aux;

    struct hmap objects;        /* Contains "struct entry"s. */
    unsigned int gen;
    char *rv;                   /* Last resourceVersion seen, or NULL. */
    bool rv_unavailable;        /* A list at 'rv' answered 410. */

    enum phase phase;
    enum next next;
    struct event *timer;
    struct kube_request *req;
    int status;                 /* Of the response under way. */
    int retry_after;
    struct ds error_body;       /* A failed response's body (bounded). */

    /* Listing. */
    struct kube_list_decoder list;
    char *list_rv;              /* The version the list asked for. */
    char *continue_token;       /* The next page's, or NULL. */
    bool paged;                 /* Pages with 'limit' (not after a 410). */
    bool list_skipped;          /* An item of this list was oversize. */

    /* Watching. */
    struct kube_watch_decoder watch;
    long long int watch_started;
    uint64_t watch_events;
    bool watch_error;           /* An ERROR event ended the stream. */

    int backoff_ms;
    long long int backoff_at;   /* When the last back-off began. */

    struct kube_reflector_stats stats;
    int depth;                  /* Owner's callbacks under way. */
    bool destroy_requested;
};

static void start_list(struct kube_reflector *);
static void start_watch(struct kube_reflector *);
static void reflector_free(struct kube_reflector *);

static uint32_t
entry_hash(const char *ns, const char *name)
{
    return hash_string(name, hash_string(ns, 0));
}

static struct entry *
entry_find(const struct kube_reflector *r, const char *ns, const char *name)
{
    struct entry *e;
    HMAP_FOR_EACH_WITH_HASH (e, node, entry_hash(ns, name), &r->objects) {
        if (!strcmp(e->name, name) && !strcmp(e->ns, ns)) {
            return e;
        }
    }
    return NULL;
}

static void
entry_free(struct entry *e)
{
    free(e->ns);
    free(e->name);
    free(e->uid);
    free(e->rv);
    free(e);
}

static void
set_string(char **dst, const char *src)
{
    if (!*dst || strcmp(*dst, src)) {
        free(*dst);
        *dst = xstrdup(src);
    }
}

/* Calls the owner.  Returns false if the owner destroyed the reflector,
 * which the caller must then leave at once. */
static bool
notify(struct kube_reflector *r, bool removed, const struct kube_meta *meta,
       const struct json *obj)
{
    r->depth++;
    if (removed) {
        r->cbs.remove(r->aux, meta, obj);
    } else {
        r->cbs.update(r->aux, meta, obj);
    }
    r->depth--;
    return !r->destroy_requested;
}

/* An object as listed or watched (not deleted).  Returns false as
 * notify() does. */
static bool
upsert(struct kube_reflector *r, const struct kube_meta *meta,
       const struct json *obj, bool from_list)
{
    struct entry *e = entry_find(r, meta->namespace_, meta->name);

    if (e) {
        e->gen = r->gen;
        if (from_list && !strcmp(e->rv, meta->resource_version)
            && !strcmp(e->uid, meta->uid)) {
            return true;        /* Listed again, unchanged. */
        }
        set_string(&e->rv, meta->resource_version);
        set_string(&e->uid, meta->uid);
        r->stats.modified++;
    } else {
        if (hmap_count(&r->objects) >= r->spec.max_objects) {
            r->stats.refused++;
            VLOG_WARN_RL(&rl, "%s: %s/%s not followed: already %"PRIuSIZE
                         " objects, the limit", r->spec.name,
                         meta->namespace_, meta->name,
                         r->spec.max_objects);
            return true;
        }
        e = xzalloc(sizeof *e);
        e->ns = xstrdup(meta->namespace_);
        e->name = xstrdup(meta->name);
        e->uid = xstrdup(meta->uid);
        e->rv = xstrdup(meta->resource_version);
        e->gen = r->gen;
        hmap_insert(&r->objects, &e->node,
                    entry_hash(meta->namespace_, meta->name));
        r->stats.added++;
    }
    r->stats.objects = hmap_count(&r->objects);
    return notify(r, false, meta, obj);
}

static bool
remove_entry(struct kube_reflector *r, struct entry *e,
             const struct json *obj)
{
    struct kube_meta meta = {
        .namespace_ = e->ns, .name = e->name, .uid = e->uid,
        .resource_version = e->rv,
    };
    bool alive;

    hmap_remove(&r->objects, &e->node);
    r->stats.deleted++;
    r->stats.objects = hmap_count(&r->objects);
    alive = notify(r, true, &meta, obj);
    entry_free(e);
    return alive;
}

/* Back-off and timers. */

static void
timer_cb(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *r_)
{
    struct kube_reflector *r = r_;

    if (r->next == NEXT_LIST) {
        start_list(r);
    } else {
        start_watch(r);
    }
}

static void
schedule(struct kube_reflector *r, enum next next, int delay_ms)
{
    struct timeval tv = { delay_ms / 1000, delay_ms % 1000 * 1000 };

    r->phase = PHASE_IDLE;
    r->next = next;
    evtimer_add(r->timer, &tv);
}

/* Schedules 'next' after a back-off, as client-go's
 * NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0). */
static void
back_off(struct kube_reflector *r, enum next next)
{
    long long int now = time_msec();

    if (!r->backoff_ms || now - r->backoff_at > BACKOFF_RESET_MS) {
        r->backoff_ms = r->spec.backoff_initial_ms;
    }
    int delay = r->backoff_ms + random_range(r->backoff_ms + 1);
    r->backoff_ms = MIN(r->backoff_ms * 2, r->spec.backoff_max_ms);
    r->backoff_at = now;
    if (r->retry_after > 0) {
        delay = MAX(delay, r->retry_after * 1000);
    }
    VLOG_DBG("%s: next %s in %d ms", r->spec.name,
             next == NEXT_LIST ? "list" : "watch", delay);
    schedule(r, next, delay);
}

/* The message of the Status a failed response carried, or "".  The
 * caller frees it. */
static char *
error_message(const struct kube_reflector *r)
{
    struct json_parser *p = json_parser_create(JSPF_TRAILER);
    struct kube_status status;
    struct json *json;
    char *msg;

    json_parser_feed(p, r->error_body.string, r->error_body.length);
    json = json_parser_finish(p);
    msg = xstrdup(kube_status_parse(json, &status) ? "" : status.message);
    json_destroy(json);
    return msg;
}

/* Did the failed response say "too large resource version"? */
static bool
too_large_rv(struct kube_reflector *r)
{
    return r->status == 504
           && strstr(ds_cstr(&r->error_body), "ResourceVersionTooLarge");
}

/* Requests. */

static void
append_selectors(struct kube_reflector *r, struct ds *q)
{
    if (r->spec.label_selector && r->spec.label_selector[0]) {
        ds_put_cstr(q, "&labelSelector=");
        kube_url_escape(q, r->spec.label_selector);
    }
    if (r->spec.field_selector && r->spec.field_selector[0]) {
        ds_put_cstr(q, "&fieldSelector=");
        kube_url_escape(q, r->spec.field_selector);
    }
}

static int
response_cb(void *r_, int status, int retry_after)
{
    struct kube_reflector *r = r_;

    r->status = status;
    r->retry_after = retry_after;
    if (status == 200 && r->phase == PHASE_WATCHING) {
        r->stats.watching = true;
    }
    return 0;
}

static int
body_cb(void *r_, const char *data, size_t n)
{
    struct kube_reflector *r = r_;

    if (r->status != 200) {
        ds_put_buffer(&r->error_body, data,
                      MIN(n, MAX_ERROR_BODY - r->error_body.length));
        return 0;
    }
    int error = (r->phase == PHASE_LISTING
                 ? kube_list_decoder_feed(&r->list, data, n)
                 : kube_watch_decoder_feed(&r->watch, data, n));
    if (r->destroy_requested) {
        /* The owner destroyed us from a callback; the request is
         * cancelled and will not call back. */
        reflector_free(r);
        return -ECANCELED;
    }
    return error;
}

static void list_done_cb(void *r_, int error, const char *why);
static void watch_done_cb(void *r_, int error, const char *why);

static bool
request(struct kube_reflector *r, const char *path, int timeout_ms,
        int idle_ms)
{
    static const struct kube_request_cbs list_cbs = {
        .response = response_cb, .body = body_cb, .done = list_done_cb,
    };
    static const struct kube_request_cbs watch_cbs = {
        .response = response_cb, .body = body_cb, .done = watch_done_cb,
    };
    struct kube_request_args args = {
        .method = "GET",
        .path = path,
        .timeout_ms = timeout_ms,
        .idle_timeout_ms = idle_ms,
    };

    r->status = 0;
    r->retry_after = -1;
    ds_clear(&r->error_body);
    int error = kube_request_start(r->client, &args,
                                   (r->phase == PHASE_LISTING
                                    ? &list_cbs : &watch_cbs), r, &r->req);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot send a request to %s: %s",
                     r->spec.name, kube_client_server(r->client),
                     ovs_strerror(-error));
        r->req = NULL;
        return false;
    }
    return true;
}

/* Listing. */

static int
list_item_cb(void *r_, const struct json *item, const struct kube_meta *meta)
{
    struct kube_reflector *r = r_;
    return upsert(r, meta, item, true) ? 0 : -ECANCELED;
}

static void
list_page(struct kube_reflector *r)
{
    struct ds path = DS_EMPTY_INITIALIZER;

    kube_list_decoder_destroy(&r->list);
    kube_list_decoder_init(&r->list, r->spec.max_object_size,
                           list_item_cb, r);
    ds_put_format(&path, "%s?", r->spec.path);
    if (r->continue_token) {
        ds_put_cstr(&path, "continue=");
        kube_url_escape(&path, r->continue_token);
    } else {
        ds_put_cstr(&path, "resourceVersion=");
        kube_url_escape(&path, r->list_rv);
    }
    if (r->paged) {
        ds_put_format(&path, "&limit=%d", r->spec.list_page_size);
    }
    append_selectors(r, &path);
    if (!request(r, ds_cstr(&path), LIST_TIMEOUT_MS, LIST_IDLE_MS)) {
        r->stats.list_failures++;
        back_off(r, NEXT_LIST);
    }
    ds_destroy(&path);
}

static void
start_list(struct kube_reflector *r)
{
    /* client-go's relistResourceVersion(). */
    free(r->list_rv);
    r->list_rv = xstrdup(r->rv_unavailable ? "" : r->rv ? r->rv : "0");
    free(r->continue_token);
    r->continue_token = NULL;
    r->paged = true;
    r->list_skipped = false;
    r->gen++;
    r->phase = PHASE_LISTING;
    list_page(r);
}

/* The whole list arrived: objects it did not have are gone. */
static void
list_complete(struct kube_reflector *r)
{
    const char *rv = kube_list_decoder_resource_version(&r->list);
    size_t n = hmap_count(&r->objects);

    set_string(&r->rv, rv);
    r->rv_unavailable = false;
    r->stats.lists++;
    if (r->list_skipped) {
        VLOG_WARN_RL(&rl, "%s: an oversize item was skipped: no deletion "
                     "inferred from this list", r->spec.name);
    } else {
        struct entry *e;
        HMAP_FOR_EACH_SAFE (e, node, &r->objects) {
            if (e->gen != r->gen && !remove_entry(r, e, NULL)) {
                return;
            }
        }
    }
    VLOG(r->stats.synced ? VLL_DBG : VLL_INFO, "%s: %"PRIuSIZE" objects at "
         "resourceVersion %s (%"PRIuSIZE" before)", r->spec.name,
         hmap_count(&r->objects), r->rv, n);
    r->stats.synced = true;
    if (r->cbs.synced) {
        r->depth++;
        r->cbs.synced(r->aux);
        r->depth--;
        if (r->destroy_requested) {
            return;
        }
    }
    start_watch(r);
}

static void
list_done(struct kube_reflector *r, int error, const char *why)
{
    if (!error && r->status == 200) {
        error = kube_list_decoder_finish(&r->list);
        why = kube_list_decoder_error(&r->list);
    }
    r->stats.oversize += r->list.oversize;
    r->list_skipped |= r->list.oversize > 0;
    r->list.oversize = 0;

    if (error) {
        r->stats.list_failures++;
        VLOG_WARN_RL(&rl, "%s: list failed: %s", r->spec.name,
                     why ? why : ovs_strerror(-error));
        back_off(r, NEXT_LIST);
    } else if (r->status == 200) {
        const char *cont = kube_list_decoder_continue(&r->list);
        if (cont[0]) {
            set_string(&r->continue_token, cont);
            list_page(r);
        } else {
            list_complete(r);
        }
    } else if (r->status == 410 && r->continue_token) {
        /* The continue token expired: the whole list, in one piece (as
         * client-go's pager does). */
        VLOG_INFO_RL(&rl, "%s: continue token expired: listing whole",
                     r->spec.name);
        free(r->continue_token);
        r->continue_token = NULL;
        r->paged = false;
        list_page(r);
    } else {
        r->stats.list_failures++;
        if ((r->status == 410 || too_large_rv(r)) && r->list_rv[0]) {
            r->rv_unavailable = true;
            r->stats.relists_expired++;
        }
        char *msg = error_message(r);
        VLOG_WARN_RL(&rl, "%s: list answered %d: %s", r->spec.name,
                     r->status, msg);
        free(msg);
        back_off(r, NEXT_LIST);
    }
}

static void
list_done_cb(void *r_, int error, const char *why)
{
    struct kube_reflector *r = r_;

    r->req = NULL;
    list_done(r, error, why);
    if (r->destroy_requested) {
        reflector_free(r);
    }
}

/* Watching. */

static int
watch_event_cb(void *r_, const struct kube_event *ev)
{
    struct kube_reflector *r = r_;
    struct entry *e;

    if (ev->type == KUBE_EVENT_ERROR) {
        r->watch_error = true;
        if (ev->status.code == 410) {
            r->stats.relists_expired++;
        }
        VLOG(ev->status.code == 410 ? VLL_INFO : VLL_WARN,
             "%s: watch ended by an ERROR %d (%s): %s", r->spec.name,
             ev->status.code, ev->status.reason, ev->status.message);
        return -ECANCELED;
    }
    r->watch_events++;
    set_string(&r->rv, ev->meta.resource_version);
    switch (ev->type) {
    case KUBE_EVENT_BOOKMARK:
        r->stats.bookmarks++;
        return 0;
    case KUBE_EVENT_ADDED:
    case KUBE_EVENT_MODIFIED:
        return upsert(r, &ev->meta, ev->object, false) ? 0 : -ECANCELED;
    case KUBE_EVENT_DELETED:
        e = entry_find(r, ev->meta.namespace_, ev->meta.name);
        return !e || remove_entry(r, e, ev->object) ? 0 : -ECANCELED;
    case KUBE_EVENT_ERROR:
    default:
        OVS_NOT_REACHED();
    }
}

static void
start_watch(struct kube_reflector *r)
{
    struct ds path = DS_EMPTY_INITIALIZER;
    int timeout = (r->spec.watch_timeout_s ? r->spec.watch_timeout_s
                   : 300 + random_range(300));

    r->phase = PHASE_WATCHING;
    kube_watch_decoder_destroy(&r->watch);
    kube_watch_decoder_init(&r->watch, r->spec.max_object_size,
                            watch_event_cb, r);
    r->watch_started = time_msec();
    r->watch_events = 0;
    r->watch_error = false;
    ds_put_format(&path, "%s?watch=1&allowWatchBookmarks=true"
                  "&timeoutSeconds=%d&resourceVersion=", r->spec.path,
                  timeout);
    kube_url_escape(&path, r->rv);
    append_selectors(r, &path);
    /* The server ends the stream at 'timeout'; silence well beyond it
     * means a dead connection. */
    if (request(r, ds_cstr(&path), 0, (timeout + 60) * 1000)) {
        r->stats.watches++;
    } else {
        r->stats.watch_failures++;
        back_off(r, NEXT_WATCH);
    }
    ds_destroy(&path);
}

static void
watch_done_cb(void *r_, int error, const char *why)
{
    struct kube_reflector *r = r_;
    bool streamed = r->status == 200;

    r->req = NULL;
    r->stats.watching = false;
    r->stats.oversize += r->watch.oversize;
    r->watch.oversize = 0;
    if (streamed && !error) {
        error = kube_watch_decoder_finish(&r->watch);
        why = kube_watch_decoder_error(&r->watch);
    }

    if (r->watch_error) {
        r->stats.watch_failures++;
        back_off(r, NEXT_LIST);
    } else if (streamed && error == -EPROTO) {
        r->stats.watch_failures++;
        VLOG_WARN_RL(&rl, "%s: %s", r->spec.name, why);
        back_off(r, NEXT_LIST);
    } else if (streamed) {
        /* The stream ended: at its timeout, or cut (an unexpected EOF,
         * which client-go takes as an end too). */
        r->stats.watch_ends++;
        if (error) {
            VLOG_INFO_RL(&rl, "%s: watch stream broken (%s): watching "
                         "again from %s", r->spec.name,
                         why ? why : ovs_strerror(-error), r->rv);
        }
        if (!r->watch_events
            && time_msec() - r->watch_started < SHORT_WATCH_MS) {
            r->stats.watch_failures++;
            VLOG_WARN_RL(&rl, "%s: very short watch: listing again",
                         r->spec.name);
            back_off(r, NEXT_LIST);
        } else {
            start_watch(r);
        }
    } else if (error) {
        /* No response: connection refused, unreachable, TLS... */
        r->stats.watch_failures++;
        VLOG_WARN_RL(&rl, "%s: watch failed: %s", r->spec.name,
                     why ? why : ovs_strerror(-error));
        back_off(r, error == -ECONNREFUSED ? NEXT_WATCH : NEXT_LIST);
    } else {
        r->stats.watch_failures++;
        char *msg = error_message(r);
        VLOG(r->status == 410 ? VLL_INFO : VLL_WARN,
             "%s: watch answered %d: %s", r->spec.name, r->status, msg);
        free(msg);
        if (r->status == 410) {
            r->stats.relists_expired++;
        }
        back_off(r, r->status == 429 ? NEXT_WATCH : NEXT_LIST);
    }
}

/* Lifecycle. */

struct kube_reflector *
kube_reflector_create(struct kube_client *client,
                      const struct kube_reflector_spec *spec,
                      const struct kube_reflector_cbs *cbs, void *aux)
{
    struct kube_reflector *r = xzalloc(sizeof *r);

    r->client = client;
    r->spec = *spec;
    r->spec.name = xstrdup(spec->name);
    r->spec.path = xstrdup(spec->path);
    r->spec.label_selector = nullable_xstrdup(spec->label_selector);
    r->spec.field_selector = nullable_xstrdup(spec->field_selector);
#define DEFAULT(FIELD, VALUE) if (!r->spec.FIELD) r->spec.FIELD = VALUE
    DEFAULT(max_objects, KUBE_REFLECTOR_MAX_OBJECTS);
    DEFAULT(max_object_size, KUBE_MAX_OBJECT);
    DEFAULT(backoff_initial_ms, 800);
    DEFAULT(backoff_max_ms, 30 * 1000);
    DEFAULT(list_page_size, 500);
#undef DEFAULT
    r->cbs = *cbs;
    r->aux = aux;
    hmap_init(&r->objects);
    ds_init(&r->error_body);
    kube_list_decoder_init(&r->list, 0, list_item_cb, r);
    kube_watch_decoder_init(&r->watch, 0, watch_event_cb, r);
    r->timer = evtimer_new(kube_client_base(client), timer_cb, r);
    schedule(r, NEXT_LIST, 0);
    return r;
}

static void
reflector_free(struct kube_reflector *r)
{
    struct entry *e;

    kube_request_cancel(r->req);
    event_free(r->timer);
    HMAP_FOR_EACH_POP (e, node, &r->objects) {
        entry_free(e);
    }
    hmap_destroy(&r->objects);
    kube_list_decoder_destroy(&r->list);
    kube_watch_decoder_destroy(&r->watch);
    ds_destroy(&r->error_body);
    free(r->rv);
    free(r->list_rv);
    free(r->continue_token);
    free(CONST_CAST(char *, r->spec.name));
    free(CONST_CAST(char *, r->spec.path));
    free(CONST_CAST(char *, r->spec.label_selector));
    free(CONST_CAST(char *, r->spec.field_selector));
    free(r);
}

void
kube_reflector_destroy(struct kube_reflector *r)
{
    if (!r) {
        return;
    }
    if (r->depth) {
        /* Within one of our callbacks: stop now, free on the way out. */
        r->destroy_requested = true;
        kube_request_cancel(r->req);
        r->req = NULL;
        evtimer_del(r->timer);
        return;
    }
    reflector_free(r);
}

void
kube_reflector_get_stats(const struct kube_reflector *r,
                         struct kube_reflector_stats *stats)
{
    *stats = r->stats;
    stats->objects = hmap_count(&r->objects);
    stats->oversize += r->list.oversize + r->watch.oversize;
}

const char *
kube_reflector_resource_version(const struct kube_reflector *r)
{
    return r->rv ? r->rv : "";
}
