/* SPDX-License-Identifier: Apache-2.0
 *
 * stream.h -- the JSON of the Kubernetes API as ovnmigd's client reads it:
 * watch streams (one event per line) and list responses, decoded
 * incrementally with bounded memory, and the shapes of what they carry
 * (an object's metadata, a watch event, a Status).  Pure: bytes in,
 * parsed objects handed to a callback; no I/O.
 *
 * JSON is libopenvswitch's parser.  Neither decoder ever holds a whole
 * list or stream: a watch event, or one item of a list, is parsed as it
 * arrives, handed over and freed.  Limits, and what happens there:
 *
 *   - an event or item larger than the decoder's 'max_object' bytes is
 *     skipped whole (never parsed) and counted in 'oversize'; the stream
 *     or list goes on.  Kubernetes keeps no object over 1.5 MiB (etcd's
 *     request limit), so KUBE_MAX_OBJECT, the default, is only reached by
 *     something that is not a Kubernetes object;
 *   - a list's own metadata larger than KUBE_MAX_LIST_META is an error;
 *   - nesting deeper than libopenvswitch's 1000 levels is an error.
 *
 * Malformed JSON, or JSON of the wrong shape, is an error (-EPROTO) with a
 * reason, never a crash; a stream or list cut short is -ECONNRESET.
 */
#ifndef OVNMIG_KUBE_STREAM_H
#define OVNMIG_KUBE_STREAM_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json;
struct json_parser;

#define KUBE_MAX_OBJECT (4 * 1024 * 1024)
#define KUBE_MAX_LIST_META (64 * 1024)

/* An object's identity.  Pointers point into the object parsed. */
struct kube_meta {
    const char *namespace_;     /* "" for a cluster-scoped object. */
    const char *name;
    const char *uid;            /* "" if absent. */
    const char *resource_version;
};

/* Fills 'meta' from the Kubernetes object 'obj'.  Returns 0, or -EPROTO
 * (with a reason in '*why', a static string) if 'obj' is not an object
 * with a metadata.name and a metadata.resourceVersion, both strings. */
int kube_meta_parse(const struct json *obj, struct kube_meta *meta,
                    const char **why);

/* A Status, as the API server reports failures. */
struct kube_status {
    int code;                   /* HTTP code, 0 if absent. */
    const char *reason;         /* "Expired", "NotFound"...; "" if absent. */
    const char *message;        /* "" if absent. */
};

/* Fills 'status' from 'obj' if it is a Status object.  Returns 0 or
 * -EPROTO.  Pointers point into 'obj'. */
int kube_status_parse(const struct json *obj, struct kube_status *status);

enum kube_event_type {
    KUBE_EVENT_ADDED,
    KUBE_EVENT_MODIFIED,
    KUBE_EVENT_DELETED,
    KUBE_EVENT_BOOKMARK,
    KUBE_EVENT_ERROR,
};

const char *kube_event_type_name(enum kube_event_type);

/* One watch event.  Pointers point into the event parsed. */
struct kube_event {
    enum kube_event_type type;
    const struct json *object;
    /* ADDED, MODIFIED, DELETED: the object's identity.  BOOKMARK: only
     * 'resource_version' (the others ""). */
    struct kube_meta meta;
    struct kube_status status;  /* ERROR only. */
};

/* Classifies the watch event 'json' ({"type": ..., "object": {...}}).
 * Returns 0, or -EPROTO with a reason in '*why' (a static string). */
int kube_event_parse(const struct json *json, struct kube_event *ev,
                     const char **why);

/* Why a decoder stopped. */
struct kube_decode_error {
    char *why;                  /* NULL while it goes on. */
    int code;                   /* Negative errno. */
};

/* Called with each event or list item.  Returns 0 to go on, or a negative
 * errno that stops the decoder with that error. */
typedef int kube_event_cb(void *aux, const struct kube_event *);
typedef int kube_item_cb(void *aux, const struct json *item,
                         const struct kube_meta *);

/* A watch stream's decoder. */
struct kube_watch_decoder {
    size_t max_object;
    kube_event_cb *cb;
    void *aux;

    uint64_t events;            /* Events handed over. */
    uint64_t oversize;          /* Events skipped for their size. */

    /* Internal. */
    struct json_parser *parser; /* The event under way, or NULL. */
    size_t fed;                 /* Its bytes so far. */
    bool skipping;              /* Dropping an oversize event's bytes. */
    struct kube_decode_error err;
};

/* 'max_object' 0 means KUBE_MAX_OBJECT. */
void kube_watch_decoder_init(struct kube_watch_decoder *, size_t max_object,
                             kube_event_cb *, void *aux);
void kube_watch_decoder_destroy(struct kube_watch_decoder *);
/* Decodes the next 'n' bytes of the stream.  Returns 0, or a negative
 * errno (the decoder's error, or the callback's) after which it takes no
 * more; kube_watch_decoder_error() says why. */
int kube_watch_decoder_feed(struct kube_watch_decoder *, const char *data,
                            size_t n);
/* The stream ended.  Returns 0 if it ended between events, -ECONNRESET
 * if in the middle of one. */
int kube_watch_decoder_finish(struct kube_watch_decoder *);
const char *kube_watch_decoder_error(const struct kube_watch_decoder *);

/* A list response's decoder: {"kind": "...List", "metadata": {...},
 * "items": [...]}.  Items go to the callback one by one; the list's own
 * metadata is kept. */
struct kube_list_decoder {
    size_t max_object;
    kube_item_cb *cb;
    void *aux;

    uint64_t items;             /* Items handed over. */
    uint64_t oversize;          /* Items skipped for their size. */

    /* Internal: a scanner of the JSON's structure, which hands the bytes
     * of "metadata" and of each item to a JSON parser of their own. */
    int depth;
    bool in_string, escape;
    bool started, ended;
    bool after_colon;           /* The value of a depth-1 key follows. */
    char key[16];               /* That key, if it fits. */
    size_t key_len;
    bool key_capture;
    bool in_items;
    int capture;                /* 0, or 1 metadata, 2 an item. */
    int capture_depth;
    struct json_parser *parser;
    size_t fed;
    bool skipping;
    struct json *metadata;
    struct kube_decode_error err;
};

void kube_list_decoder_init(struct kube_list_decoder *, size_t max_object,
                            kube_item_cb *, void *aux);
void kube_list_decoder_destroy(struct kube_list_decoder *);
/* As kube_watch_decoder_feed(). */
int kube_list_decoder_feed(struct kube_list_decoder *, const char *data,
                           size_t n);
/* The body ended.  Returns 0 if it held a whole list, else -ECONNRESET
 * (cut short) or -EPROTO (no metadata.resourceVersion). */
int kube_list_decoder_finish(struct kube_list_decoder *);
const char *kube_list_decoder_error(const struct kube_list_decoder *);
/* After a successful finish: the list's resourceVersion, and its continue
 * token ("" on the last page).  Valid until the decoder is destroyed. */
const char *kube_list_decoder_resource_version(
    const struct kube_list_decoder *);
const char *kube_list_decoder_continue(const struct kube_list_decoder *);

/* Small helpers over libopenvswitch's JSON, for the object readers. */
const struct json *kube_json_get(const struct json *obj, const char *name);
/* The string member 'name' of 'obj', or NULL. */
const char *kube_json_string(const struct json *obj, const char *name);
/* The member at the dotted 'path' ("status.migrationState.targetNode"),
 * or NULL.  Keys with dots cannot be reached this way. */
const struct json *kube_json_path(const struct json *obj, const char *path);

#endif /* kube/stream.h */
