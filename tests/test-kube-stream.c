/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for kube/stream: watch streams and lists decoded as a real
 * API server sends them (fed whole and one byte at a time), with their
 * limits -- an oversize event or item is skipped and the rest goes on --
 * and hostile input, which must end in an error, never a crash. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kube/stream.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "util.h"

/* What the callbacks saw, one line each. */
static struct ds seen;
static int stop_after;          /* Stop after this many calls (0: never). */
static int calls;

static int
event_cb(void *aux OVS_UNUSED, const struct kube_event *ev)
{
    ds_put_format(&seen, "%s %s/%s %s", kube_event_type_name(ev->type),
                  ev->meta.namespace_ ? ev->meta.namespace_ : "-",
                  ev->meta.name ? ev->meta.name : "-",
                  ev->meta.resource_version ? ev->meta.resource_version
                  : "-");
    if (ev->type == KUBE_EVENT_ERROR) {
        ds_put_format(&seen, " %d %s", ev->status.code, ev->status.reason);
    }
    ds_put_char(&seen, '\n');
    return stop_after && ++calls >= stop_after ? -ECANCELED : 0;
}

static int
item_cb(void *aux OVS_UNUSED, const struct json *item,
        const struct kube_meta *meta)
{
    assert_int_equal(item->type, JSON_OBJECT);
    ds_put_format(&seen, "%s/%s %s %s\n", meta->namespace_, meta->name,
                  meta->uid, meta->resource_version);
    return stop_after && ++calls >= stop_after ? -ECANCELED : 0;
}

#define POD(NS, NAME, RV) \
    "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" \
    NAME "\",\"namespace\":\"" NS "\",\"uid\":\"u-" NAME "\"," \
    "\"resourceVersion\":\"" RV "\",\"labels\":{\"a\":\"}{\\\"\"}}," \
    "\"spec\":{\"nodeName\":\"node1\"}}"

static const char watch_stream[] =
    "{\"type\":\"ADDED\",\"object\":" POD("ns1", "p1", "10") "}\n"
    "{\"type\":\"MODIFIED\",\"object\":" POD("ns1", "p1", "11") "}\n"
    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":"
    "\"v1\",\"metadata\":{\"resourceVersion\":\"15\"}}}\n"
    "\n"
    "{\"type\":\"DELETED\",\"object\":" POD("ns1", "p1", "16") "}\n"
    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":"
    "\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old "
    "resource version: 1 (16)\",\"reason\":\"Expired\",\"code\":410}}\n";

static const char watch_seen[] =
    "ADDED ns1/p1 10\n"
    "MODIFIED ns1/p1 11\n"
    "BOOKMARK / 15\n"
    "DELETED ns1/p1 16\n"
    "ERROR -/- - 410 Expired\n";

static int
watch_feed(const char *text, size_t len, size_t step, size_t max)
{
    struct kube_watch_decoder d;
    int rc = 0;

    ds_clear(&seen);
    calls = 0;
    kube_watch_decoder_init(&d, max, event_cb, NULL);
    for (size_t i = 0; i < len && !rc; i += step) {
        rc = kube_watch_decoder_feed(&d, text + i, MIN(step, len - i));
    }
    if (!rc) {
        rc = kube_watch_decoder_finish(&d);
    }
    kube_watch_decoder_destroy(&d);
    return rc;
}

static void
test_watch(void **state)
{
    for (size_t step = 1; step <= sizeof watch_stream; step += 7) {
        assert_int_equal(watch_feed(watch_stream, strlen(watch_stream), step,
                                    0), 0);
        assert_string_equal(ds_cstr(&seen), watch_seen);
    }
}

/* An event over the limit is skipped whole; the next is decoded. */
static void
test_watch_oversize(void **state)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct kube_watch_decoder d;

    ds_put_cstr(&s, "{\"type\":\"ADDED\",\"object\":"
                POD("ns-with-a-much-longer-name", "big", "5") "}\n");
    size_t big = s.length;
    ds_put_cstr(&s, "{\"type\":\"ADDED\",\"object\":" POD("ns", "small", "6")
                "}\n");
    for (size_t step = 1; step < 40; step += 5) {
        ds_clear(&seen);
        kube_watch_decoder_init(&d, big - 10, event_cb, NULL);
        for (size_t i = 0; i < s.length; i += step) {
            assert_int_equal(kube_watch_decoder_feed(&d, s.string + i,
                                                     MIN(step, s.length - i)),
                             0);
        }
        assert_int_equal(kube_watch_decoder_finish(&d), 0);
        assert_string_equal(ds_cstr(&seen), "ADDED ns/small 6\n");
        assert_int_equal(d.oversize, 1);
        assert_int_equal(d.events, 1);
        kube_watch_decoder_destroy(&d);
    }
    ds_destroy(&s);
}

static void
test_watch_bad(void **state)
{
    static const char *bad[] = {
        "{\"type\":\"ADDED\"}\n",
        "{\"object\":{}}\n",
        "{\"type\":\"RENAMED\",\"object\":" POD("a", "b", "1") "}\n",
        "{\"type\":\"ADDED\",\"object\":[]}\n",
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"x\"}}}\n",
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"\","
        "\"resourceVersion\":\"1\"}}}\n",
        "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{}}}\n",
        "{\"type\":\"ERROR\",\"object\":{\"code\":410}}\n",
        "{\"type\":\"ADDED\",\"object\":" POD("a", "b", "1") "}}\n",
        "[1, 2]\n",
        "\"ADDED\"\n",
        "42\n",
        "{\"type\":\"ADDED\" \"object\":{}}\n",
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"x\","
        "\"resourceVersion\":\"1\"}},\"x\":\"\\ud800\"}\n",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(watch_feed(bad[i], strlen(bad[i]), 3, 0), -EPROTO);
    }

    /* Deep nesting stops at libopenvswitch's limit. */
    struct ds deep = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&deep, "{\"type\":\"ADDED\",\"object\":");
    for (int i = 0; i < 5000; i++) {
        ds_put_cstr(&deep, "{\"a\":");
    }
    assert_int_equal(watch_feed(deep.string, deep.length, 4096, 0),
                     -EPROTO);
    ds_destroy(&deep);

    /* Cut in the middle of an event. */
    assert_int_equal(watch_feed(watch_stream, 30, 7, 0), -ECONNRESET);
    /* A consumer's error stops the decoder. */
    stop_after = 2;
    assert_int_equal(watch_feed(watch_stream, strlen(watch_stream), 5, 0),
                     -ECANCELED);
    stop_after = 0;
    assert_string_equal(ds_cstr(&seen),
                        "ADDED ns1/p1 10\nMODIFIED ns1/p1 11\n");
}

static const char list_body[] =
    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":"
    "{\"resourceVersion\":\"42\",\"continue\":\"tok\",\"remainingItemCount\":"
    "3},\"items\":[" POD("ns1", "a", "40") ", " POD("ns2", "b", "41")
    "]}\n";

static int
list_feed(const char *text, size_t len, size_t step, size_t max,
          struct kube_list_decoder *d)
{
    int rc = 0;

    ds_clear(&seen);
    calls = 0;
    kube_list_decoder_init(d, max, item_cb, NULL);
    for (size_t i = 0; i < len && !rc; i += step) {
        rc = kube_list_decoder_feed(d, text + i, MIN(step, len - i));
    }
    return rc ? rc : kube_list_decoder_finish(d);
}

static void
test_list(void **state)
{
    for (size_t step = 1; step <= sizeof list_body; step += 3) {
        struct kube_list_decoder d;
        assert_int_equal(list_feed(list_body, strlen(list_body), step, 0, &d),
                         0);
        assert_string_equal(ds_cstr(&seen),
                            "ns1/a u-a 40\nns2/b u-b 41\n");
        assert_string_equal(kube_list_decoder_resource_version(&d), "42");
        assert_string_equal(kube_list_decoder_continue(&d), "tok");
        kube_list_decoder_destroy(&d);
    }

    /* Metadata after the items, no continue, an empty list. */
    static const char *other =
        "{\"items\":[" POD("", "n", "7") "],\"kind\":\"NodeList\","
        "\"metadata\":{\"resourceVersion\":\"8\"}}";
    struct kube_list_decoder d;
    assert_int_equal(list_feed(other, strlen(other), 2, 0, &d), 0);
    assert_string_equal(ds_cstr(&seen), "/n u-n 7\n");
    assert_string_equal(kube_list_decoder_continue(&d), "");
    kube_list_decoder_destroy(&d);

    static const char *empty =
        " {\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"9\"},"
        "\"items\":[]} ";
    assert_int_equal(list_feed(empty, strlen(empty), 1, 0, &d), 0);
    assert_string_equal(ds_cstr(&seen), "");
    kube_list_decoder_destroy(&d);
}

static void
test_list_oversize(void **state)
{
    struct kube_list_decoder d;

    /* The first item is larger than the second ("a" and "bb" aside, the
     * same): a limit between the two skips the first only. */
    static const char *body =
        "{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":["
        POD("ns-with-a-longer-name", "a", "1") "," POD("ns", "bb", "2") "]}";
    size_t small = strlen(POD("ns", "bb", "2"));
    for (size_t step = 1; step < 50; step += 9) {
        assert_int_equal(list_feed(body, strlen(body), step, small + 2, &d),
                         0);
        assert_string_equal(ds_cstr(&seen), "ns/bb u-bb 2\n");
        assert_int_equal(d.oversize, 1);
        assert_int_equal(d.items, 1);
        kube_list_decoder_destroy(&d);
    }
}

static void
test_list_bad(void **state)
{
    static const struct {
        const char *body;
        int error;
    } bad[] = {
        { "[]", -EPROTO },
        { "\"PodList\"", -EPROTO },
        { "{\"items\":[1]}", -EPROTO },
        { "{\"items\":[\"x\"]}", -EPROTO },
        { "{\"items\":[[]]}", -EPROTO },
        { "{\"items\":{}}", -EPROTO },
        { "{\"items\":[{\"metadata\":{}}]}", -EPROTO },
        { "{\"items\":[{\"a\" 1}]}", -EPROTO },
        { "{\"items\":[]}", -EPROTO },              /* No resourceVersion. */
        { "{\"metadata\":{\"resourceVersion\":5}}", -EPROTO },
        { "{\"metadata\":{\"resourceVersion\":\"5\"}} x", -EPROTO },
        { "{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[",
          -ECONNRESET },
        { "{\"metadata\":{\"resourceVersion\":\"5\"", -ECONNRESET },
        { "", -ECONNRESET },
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct kube_list_decoder d;
        int rc = list_feed(bad[i].body, strlen(bad[i].body), 2, 0, &d);
        if (rc != bad[i].error) {
            fail_msg("%s: %d, not %d", bad[i].body, rc, bad[i].error);
        }
        assert_non_null(kube_list_decoder_error(&d));
        kube_list_decoder_destroy(&d);
    }

    /* Oversize list metadata is an error: the list cannot be used. */
    struct ds big = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&big, "{\"metadata\":{\"resourceVersion\":\"1\",\"x\":\"");
    while (big.length < KUBE_MAX_LIST_META + 100) {
        ds_put_char(&big, 'x');
    }
    ds_put_cstr(&big, "\"},\"items\":[]}");
    struct kube_list_decoder d;
    assert_int_equal(list_feed(big.string, big.length, 1000, 0, &d),
                     -EMSGSIZE);
    kube_list_decoder_destroy(&d);
    ds_destroy(&big);
}

static void
test_json_helpers(void **state)
{
    struct json *obj = json_from_string(
        "{\"status\":{\"migrationState\":{\"targetNode\":\"node2\"}},"
        "\"metadata\":{\"labels\":{\"kubevirt.io/nodeName\":\"node1\"}}}");
    assert_string_equal(kube_json_string(
        kube_json_path(obj, "status.migrationState"), "targetNode"), "node2");
    assert_string_equal(kube_json_string(
        kube_json_path(obj, "metadata.labels"), "kubevirt.io/nodeName"),
        "node1");
    assert_null(kube_json_path(obj, "status.nothing.here"));
    assert_null(kube_json_string(obj, "status"));
    assert_null(kube_json_get(NULL, "x"));

    struct kube_meta meta;
    const char *why;
    assert_int_equal(kube_meta_parse(obj, &meta, &why), -EPROTO);
    json_destroy(obj);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_watch_oversize),
        cmocka_unit_test(test_watch_bad),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_list_oversize),
        cmocka_unit_test(test_list_bad),
        cmocka_unit_test(test_json_helpers),
    };
    ds_init(&seen);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ds_destroy(&seen);
    return rc;
}
