/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target: the Kubernetes client's parsers (kube/http.c,
 * kube/stream.c, kube/credentials.c) on arbitrary bytes.  The input's
 * first line names what the rest is -- "watch", "list", "http" (an HTTP
 * response whose body is a watch stream) or "kubeconfig" -- and the rest
 * of a stream is fed in pieces whose sizes come from
 * the input too, so that every split point is tried.  Every object handed
 * over is also read as a virt-launcher pod, a VMI and a VMIM
 * (kube/objects.c).  Whatever the bytes, decoding ends in a result or an
 * error with a reason, every object handed over has the identity it
 * claims, and the limits hold. */
#include <config.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/credentials.h"
#include "kube/http.h"
#include "kube/objects.h"
#include "kube/stream.h"
#include "openvswitch/json.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small limits, so the fuzzer reaches them. */
#define MAX_OBJECT 600

/* Reads 'obj' as each KubeVirt object: a result, or a refusal with a
 * reason. */
static void
read_objects(const struct json *obj)
{
    struct kube_pod_info pod;
    struct kube_vmi_info vmi;
    struct kube_vmim_info vmim;
    const char *why = NULL;

    if (kube_pod_info_parse(obj, &pod, &why)) {
        ovs_assert(why);
    } else {
        ovs_assert(pod.vmi_name[0] && pod.phase && pod.meta.name[0]);
    }
    why = NULL;
    if (kube_vmi_info_parse(obj, &vmi, &why)) {
        ovs_assert(why);
    } else {
        ovs_assert(vmi.meta.resource_version[0]);
    }
    why = NULL;
    if (kube_vmim_info_parse(obj, &vmim, &why)) {
        ovs_assert(why);
    } else {
        ovs_assert(vmim.vmi_name[0] && vmim.phase);
    }
}

static int
event_cb(void *aux OVS_UNUSED, const struct kube_event *ev)
{
    ovs_assert(ev->object && ev->object->type == JSON_OBJECT);
    if (ev->type == KUBE_EVENT_ERROR) {
        ovs_assert(ev->status.reason && ev->status.message);
    } else {
        ovs_assert(ev->meta.resource_version[0]);
        ovs_assert(ev->type == KUBE_EVENT_BOOKMARK || ev->meta.name[0]);
        read_objects(ev->object);
    }
    return 0;
}

static int
item_cb(void *aux OVS_UNUSED, const struct json *item,
        const struct kube_meta *meta)
{
    ovs_assert(item->type == JSON_OBJECT);
    ovs_assert(meta->name[0] && meta->resource_version[0]);
    read_objects(item);
    return 0;
}

struct http_sink {
    struct kube_watch_decoder watch;
    int error;
};

static int
http_body_cb(void *s_, const char *data, size_t n)
{
    struct http_sink *s = s_;
    return kube_watch_decoder_feed(&s->watch, data, n);
}

/* Piece sizes: 1 to 64 bytes, from the input's own bytes. */
static size_t
piece(const uint8_t *data, size_t size, size_t i)
{
    return MIN(size - i, (size_t) (data[i] % 64) + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl) {
        return 0;
    }
    size_t mode_len = nl - data;
    const char *mode = (const char *) data;
    data = nl + 1;
    size -= mode_len + 1;

    if (mode_len == 5 && !memcmp(mode, "watch", 5)) {
        struct kube_watch_decoder d;
        int rc = 0;

        kube_watch_decoder_init(&d, MAX_OBJECT, event_cb, NULL);
        for (size_t i = 0, n; i < size && !rc; i += n) {
            n = piece(data, size, i);
            rc = kube_watch_decoder_feed(&d, (const char *) data + i, n);
        }
        if (!rc) {
            rc = kube_watch_decoder_finish(&d);
        }
        ovs_assert(!rc || kube_watch_decoder_error(&d));
        kube_watch_decoder_destroy(&d);
    } else if (mode_len == 4 && !memcmp(mode, "list", 4)) {
        struct kube_list_decoder d;
        int rc = 0;

        kube_list_decoder_init(&d, MAX_OBJECT, item_cb, NULL);
        for (size_t i = 0, n; i < size && !rc; i += n) {
            n = piece(data, size, i);
            rc = kube_list_decoder_feed(&d, (const char *) data + i, n);
        }
        if (!rc) {
            rc = kube_list_decoder_finish(&d);
        }
        if (rc) {
            ovs_assert(kube_list_decoder_error(&d));
        } else {
            ovs_assert(kube_list_decoder_resource_version(&d));
            ovs_assert(kube_list_decoder_continue(&d));
        }
        kube_list_decoder_destroy(&d);
    } else if (mode_len == 4 && !memcmp(mode, "http", 4)) {
        struct kube_http_decoder d;
        struct http_sink s;
        int rc = 0;

        kube_watch_decoder_init(&s.watch, MAX_OBJECT, event_cb, NULL);
        kube_http_init(&d, false, NULL, http_body_cb, &s);
        for (size_t i = 0, n; i < size && !rc; i += n) {
            n = piece(data, size, i);
            rc = kube_http_feed(&d, (const char *) data + i, n);
        }
        if (!rc) {
            rc = kube_http_eof(&d);
        }
        if (rc < 0) {
            ovs_assert(kube_http_error(&d));
        } else {
            ovs_assert(d.status >= 200 && d.status <= 599);
        }
        kube_http_destroy(&d);
        kube_watch_decoder_destroy(&s.watch);
    } else if (mode_len == 10 && !memcmp(mode, "kubeconfig", 10)) {
        struct kube_config config;
        char *error;

        if (kube_kubeconfig_parse((const char *) data, size, NULL, "/etc",
                                  &config, &error)) {
            ovs_assert(error && !config.server);
            free(error);
        } else {
            ovs_assert(!error && config.server);
        }
        kube_config_destroy(&config);
    }
    return 0;
}
