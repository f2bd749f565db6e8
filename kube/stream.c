/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "kube/stream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "util.h"

const struct json *
kube_json_get(const struct json *obj, const char *name)
{
    return obj && obj->type == JSON_OBJECT
           ? shash_find_data(json_object(obj), name) : NULL;
}

const char *
kube_json_string(const struct json *obj, const char *name)
{
    const struct json *s = kube_json_get(obj, name);
    return s && s->type == JSON_STRING ? json_string(s) : NULL;
}

const struct json *
kube_json_path(const struct json *obj, const char *path)
{
    char key[128];

    while (obj && *path) {
        size_t len = strcspn(path, ".");
        if (len >= sizeof key) {
            return NULL;
        }
        memcpy(key, path, len);
        key[len] = '\0';
        obj = kube_json_get(obj, key);
        path += len + (path[len] == '.');
    }
    return obj;
}

int
kube_meta_parse(const struct json *obj, struct kube_meta *meta,
                const char **why)
{
    const struct json *md = kube_json_get(obj, "metadata");
    const char *ns = kube_json_string(md, "namespace");
    const char *uid = kube_json_string(md, "uid");

    memset(meta, 0, sizeof *meta);
    if (!obj || obj->type != JSON_OBJECT) {
        *why = "the object is not a JSON object";
        return -EPROTO;
    }
    meta->name = kube_json_string(md, "name");
    meta->resource_version = kube_json_string(md, "resourceVersion");
    if (!meta->name || !meta->name[0]) {
        *why = "the object has no metadata.name";
        return -EPROTO;
    }
    if (!meta->resource_version || !meta->resource_version[0]) {
        *why = "the object has no metadata.resourceVersion";
        return -EPROTO;
    }
    meta->namespace_ = ns ? ns : "";
    meta->uid = uid ? uid : "";
    return 0;
}

int
kube_status_parse(const struct json *obj, struct kube_status *status)
{
    const char *kind = kube_json_string(obj, "kind");
    const struct json *code = kube_json_get(obj, "code");
    const char *reason = kube_json_string(obj, "reason");
    const char *message = kube_json_string(obj, "message");

    memset(status, 0, sizeof *status);
    status->reason = reason ? reason : "";
    status->message = message ? message : "";
    if (!kind || strcmp(kind, "Status")) {
        return -EPROTO;
    }
    if (code && code->type == JSON_INTEGER && json_integer(code) >= 0
        && json_integer(code) < 1000) {
        status->code = json_integer(code);
    }
    return 0;
}

const char *
kube_event_type_name(enum kube_event_type type)
{
    switch (type) {
    case KUBE_EVENT_ADDED: return "ADDED";
    case KUBE_EVENT_MODIFIED: return "MODIFIED";
    case KUBE_EVENT_DELETED: return "DELETED";
    case KUBE_EVENT_BOOKMARK: return "BOOKMARK";
    case KUBE_EVENT_ERROR: return "ERROR";
    }
    return "?";
}

int
kube_event_parse(const struct json *json, struct kube_event *ev,
                 const char **why)
{
    static const char *const names[] = {
        [KUBE_EVENT_ADDED] = "ADDED", [KUBE_EVENT_MODIFIED] = "MODIFIED",
        [KUBE_EVENT_DELETED] = "DELETED", [KUBE_EVENT_BOOKMARK] = "BOOKMARK",
        [KUBE_EVENT_ERROR] = "ERROR",
    };
    const char *type = kube_json_string(json, "type");

    memset(ev, 0, sizeof *ev);
    ev->object = kube_json_get(json, "object");
    if (!type) {
        *why = "an event without a type";
        return -EPROTO;
    }
    if (!ev->object || ev->object->type != JSON_OBJECT) {
        *why = "an event without an object";
        return -EPROTO;
    }
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(type, names[i])) {
            ev->type = i;
            goto known;
        }
    }
    *why = "an event of an unknown type";
    return -EPROTO;

known:
    switch (ev->type) {
    case KUBE_EVENT_ERROR:
        if (kube_status_parse(ev->object, &ev->status)) {
            *why = "an ERROR event without a Status";
            return -EPROTO;
        }
        return 0;
    case KUBE_EVENT_BOOKMARK:
        ev->meta.resource_version = kube_json_string(
            kube_json_get(ev->object, "metadata"), "resourceVersion");
        ev->meta.namespace_ = ev->meta.name = ev->meta.uid = "";
        if (!ev->meta.resource_version || !ev->meta.resource_version[0]) {
            *why = "a BOOKMARK without a resourceVersion";
            return -EPROTO;
        }
        return 0;
    case KUBE_EVENT_ADDED:
    case KUBE_EVENT_MODIFIED:
    case KUBE_EVENT_DELETED:
    default:
        return kube_meta_parse(ev->object, &ev->meta, why);
    }
}

/* Records the first reason a decoder stops.  Returns its error. */
static int OVS_PRINTF_FORMAT(3, 4)
decode_fail(struct kube_decode_error *e, int error, const char *format, ...)
{
    va_list args;

    if (!e->why) {
        va_start(args, format);
        e->why = xvasprintf(format, args);
        va_end(args);
        e->code = error;
    }
    return e->code;
}

/* Watch streams. */

void
kube_watch_decoder_init(struct kube_watch_decoder *d, size_t max_object,
                        kube_event_cb *cb, void *aux)
{
    memset(d, 0, sizeof *d);
    d->max_object = max_object ? max_object : KUBE_MAX_OBJECT;
    d->cb = cb;
    d->aux = aux;
}

void
kube_watch_decoder_destroy(struct kube_watch_decoder *d)
{
    if (d) {
        json_parser_abort(d->parser);
        d->parser = NULL;
        free(d->err.why);
        d->err.why = NULL;
    }
}

const char *
kube_watch_decoder_error(const struct kube_watch_decoder *d)
{
    return d->err.why;
}

/* The event under way is complete: parses it and hands it over. */
static int
watch_event_done(struct kube_watch_decoder *d)
{
    struct json *json = json_parser_finish(d->parser);
    struct kube_event ev;
    const char *why;
    int error;

    d->parser = NULL;
    if (json->type == JSON_STRING) {
        error = decode_fail(&d->err, -EPROTO, "undecodable watch event: %s",
                            json_string(json));
    } else if (kube_event_parse(json, &ev, &why)) {
        error = decode_fail(&d->err, -EPROTO, "undecodable watch event: %s",
                            why);
    } else {
        d->events++;
        error = d->cb(d->aux, &ev);
        if (error) {
            decode_fail(&d->err, error, "stopped by its consumer");
        }
    }
    json_destroy(json);
    return error;
}

int
kube_watch_decoder_feed(struct kube_watch_decoder *d, const char *data,
                        size_t n)
{
    while (n && !d->err.why) {
        if (d->skipping) {
            /* JSON escapes every newline inside strings, so the first
             * one ends the oversize event. */
            const char *nl = memchr(data, '\n', n);
            size_t skip = nl ? nl - data + 1 : n;
            d->skipping = !nl;
            data += skip;
            n -= skip;
        } else if (!d->parser) {
            if (*data == ' ' || *data == '\n' || *data == '\r'
                || *data == '\t') {
                data++;
                n--;
            } else {
                d->parser = json_parser_create(0);
                d->fed = 0;
            }
        } else {
            size_t room = d->max_object - d->fed;
            size_t used = json_parser_feed(d->parser, data, MIN(n, room));
            d->fed += used;
            data += used;
            n -= used;
            if (json_parser_is_done(d->parser)) {
                int error = watch_event_done(d);
                if (error) {
                    return error;
                }
            } else if (d->fed >= d->max_object && n) {
                json_parser_abort(d->parser);
                d->parser = NULL;
                d->oversize++;
                d->skipping = true;
            }
        }
    }
    return d->err.why ? d->err.code : 0;
}

int
kube_watch_decoder_finish(struct kube_watch_decoder *d)
{
    if (d->err.why) {
        return d->err.code;
    }
    if (d->parser || d->skipping) {
        return decode_fail(&d->err, -ECONNRESET,
                           "the watch stream ended in the middle of an event");
    }
    return 0;
}

/* Lists. */

enum { CAPTURE_NONE, CAPTURE_METADATA, CAPTURE_ITEM };

void
kube_list_decoder_init(struct kube_list_decoder *d, size_t max_object,
                       kube_item_cb *cb, void *aux)
{
    memset(d, 0, sizeof *d);
    d->max_object = max_object ? max_object : KUBE_MAX_OBJECT;
    d->cb = cb;
    d->aux = aux;
}

void
kube_list_decoder_destroy(struct kube_list_decoder *d)
{
    if (d) {
        json_parser_abort(d->parser);
        d->parser = NULL;
        json_destroy(d->metadata);
        d->metadata = NULL;
        free(d->err.why);
        d->err.why = NULL;
    }
}

const char *
kube_list_decoder_error(const struct kube_list_decoder *d)
{
    return d->err.why;
}

/* Feeds 'n' bytes of the captured value to its parser, within the
 * capture's limit. */
static void
list_capture_feed(struct kube_list_decoder *d, const char *data, size_t n)
{
    size_t max = (d->capture == CAPTURE_METADATA ? KUBE_MAX_LIST_META
                  : d->max_object);

    if (d->skipping) {
        return;
    }
    if (n > max - d->fed) {
        json_parser_abort(d->parser);
        d->parser = NULL;
        if (d->capture == CAPTURE_METADATA) {
            decode_fail(&d->err, -EMSGSIZE,
                        "the list's metadata is larger than %d bytes",
                        KUBE_MAX_LIST_META);
        } else {
            d->oversize++;
            d->skipping = true;
        }
        return;
    }
    d->fed += n;
    json_parser_feed(d->parser, data, n);
}

/* The captured value is complete. */
static void
list_capture_done(struct kube_list_decoder *d)
{
    int capture = d->capture;

    d->capture = CAPTURE_NONE;
    if (d->skipping) {
        d->skipping = false;
        return;
    }

    struct json *json = json_parser_finish(d->parser);
    d->parser = NULL;
    if (json->type == JSON_STRING) {
        decode_fail(&d->err, -EPROTO, "undecodable list %s: %s",
                    capture == CAPTURE_METADATA ? "metadata" : "item",
                    json_string(json));
        json_destroy(json);
    } else if (capture == CAPTURE_METADATA) {
        json_destroy(d->metadata);
        d->metadata = json;
    } else {
        struct kube_meta meta;
        const char *why;
        int error = kube_meta_parse(json, &meta, &why);
        if (error) {
            decode_fail(&d->err, error, "undecodable list item %"PRIu64": %s",
                        d->items + d->oversize, why);
        } else {
            d->items++;
            error = d->cb(d->aux, json, &meta);
            if (error) {
                decode_fail(&d->err, error, "stopped by its consumer");
            }
        }
        json_destroy(json);
    }
}

static void
list_capture_start(struct kube_list_decoder *d, int capture)
{
    d->capture = capture;
    d->capture_depth = d->depth;
    d->parser = json_parser_create(0);
    d->fed = 0;
    d->skipping = false;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* One byte of structure (outside strings). */
static void
list_scan(struct kube_list_decoder *d, char c)
{
    if (d->ended) {
        if (!is_space(c)) {
            decode_fail(&d->err, -EPROTO, "data after the end of the list");
        }
        return;
    }
    if (!d->started) {
        if (c == '{') {
            d->started = true;
            d->depth = 1;
        } else if (!is_space(c)) {
            decode_fail(&d->err, -EPROTO, "the list is not a JSON object");
        }
        return;
    }

    if (d->in_items && d->depth == 2 && d->capture == CAPTURE_NONE
        && !is_space(c) && c != ',' && c != '{' && c != ']') {
        decode_fail(&d->err, -EPROTO, "an item of the list is not an object");
        return;
    }

    switch (c) {
    case '{':
    case '[':
        d->depth++;
        if (d->depth == 2 && d->after_colon && d->key_capture) {
            if (!strcmp(d->key, "metadata") && c == '{') {
                list_capture_start(d, CAPTURE_METADATA);
            } else if (!strcmp(d->key, "items")) {
                if (c != '[') {
                    decode_fail(&d->err, -EPROTO,
                                "the list's items are not an array");
                    return;
                }
                d->in_items = true;
            }
        } else if (d->depth == 3 && d->in_items) {
            list_capture_start(d, CAPTURE_ITEM);
        }
        d->after_colon = false;
        break;

    case '}':
    case ']':
        d->depth--;
        if (d->in_items && d->depth == 1) {
            d->in_items = false;
        }
        if (d->depth == 0) {
            d->ended = true;
        }
        break;

    case ':':
        if (d->depth == 1) {
            d->after_colon = true;
        }
        break;

    case ',':
        if (d->depth == 1) {
            d->after_colon = false;
            d->key_capture = false;
        }
        break;

    default:
        break;
    }
}

int
kube_list_decoder_feed(struct kube_list_decoder *d, const char *data,
                       size_t n)
{
    size_t span = 0;            /* Start of the captured bytes in 'data'. */

    for (size_t i = 0; i < n && !d->err.why; i++) {
        char c = data[i];

        if (d->in_string) {
            if (d->escape) {
                d->escape = false;
            } else if (c == '\\') {
                d->escape = true;
            } else if (c == '"') {
                d->in_string = false;
            } else if (d->key_capture && d->depth == 1 && !d->after_colon
                       && d->capture == CAPTURE_NONE) {
                if (d->key_len + 1 < sizeof d->key) {
                    d->key[d->key_len++] = c;
                    d->key[d->key_len] = '\0';
                } else {
                    d->key[0] = '\0';   /* Too long to be one we want. */
                }
            }
            continue;
        }
        if (c == '"' && (!d->started || d->ended)) {
            list_scan(d, c);    /* An error: not where a string can be. */
            break;
        }
        if (c == '"') {
            if (d->in_items && d->depth == 2 && d->capture == CAPTURE_NONE) {
                decode_fail(&d->err, -EPROTO,
                            "an item of the list is not an object");
                break;
            }
            d->in_string = true;
            if (d->depth == 1 && !d->after_colon
                && d->capture == CAPTURE_NONE) {
                d->key_capture = true;
                d->key_len = 0;
                d->key[0] = '\0';
            }
            continue;
        }

        int before = d->capture;
        list_scan(d, c);
        if (before == CAPTURE_NONE && d->capture != CAPTURE_NONE) {
            span = i;           /* The capture starts with this brace. */
        } else if (before != CAPTURE_NONE && d->depth < d->capture_depth) {
            list_capture_feed(d, data + span, i + 1 - span);
            if (!d->err.why) {
                list_capture_done(d);
            }
        }
    }
    if (!d->err.why && d->capture != CAPTURE_NONE) {
        list_capture_feed(d, data + span, n - span);
    }
    return d->err.why ? d->err.code : 0;
}

int
kube_list_decoder_finish(struct kube_list_decoder *d)
{
    if (d->err.why) {
        return d->err.code;
    }
    if (!d->ended) {
        return decode_fail(&d->err, -ECONNRESET, "the list ended early");
    }
    if (!kube_list_decoder_resource_version(d)) {
        return decode_fail(&d->err, -EPROTO,
                           "the list has no metadata.resourceVersion");
    }
    return 0;
}

const char *
kube_list_decoder_resource_version(const struct kube_list_decoder *d)
{
    const char *rv = kube_json_string(d->metadata, "resourceVersion");
    return rv && rv[0] ? rv : NULL;
}

const char *
kube_list_decoder_continue(const struct kube_list_decoder *d)
{
    const char *cont = kube_json_string(d->metadata, "continue");
    return cont ? cont : "";
}
