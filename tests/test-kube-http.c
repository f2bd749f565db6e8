/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for kube/http: the HTTP/1.1 response decoder of the
 * Kubernetes client, on responses framed each way a server frames them,
 * fed whole and one byte at a time, and on malformed and oversize ones. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kube/http.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

struct sink {
    struct ds body;
    int heads;
    int refuse_after;           /* Refuse the body after this many bytes. */
};

static int
head_cb(void *s_)
{
    struct sink *s = s_;
    s->heads++;
    return 0;
}

static int
body_cb(void *s_, const char *data, size_t n)
{
    struct sink *s = s_;
    ds_put_buffer(&s->body, data, n);
    return (s->refuse_after && s->body.length > s->refuse_after
            ? -ECANCELED : 0);
}

/* Decodes 'text' fed in pieces of 'step' bytes (0: whole), then an EOF if
 * 'eof'.  Returns the last result. */
static int
decode(struct kube_http_decoder *d, struct sink *s, const char *text,
       size_t step, bool eof)
{
    size_t len = strlen(text);
    int rc = 0;

    ds_init(&s->body);
    kube_http_init(d, false, head_cb, body_cb, s);
    for (size_t i = 0; i < len && !rc; i += step ? step : len) {
        size_t n = step ? step : len;
        rc = kube_http_feed(d, text + i, i + n > len ? len - i : n);
    }
    if (eof && !rc) {
        rc = kube_http_eof(d);
    }
    return rc;
}

static void
test_content_length(void **state)
{
    static const char *resp =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 13\r\n"
        "\r\n"
        "{\"kind\":\"A\"}\ngarbage after the body";

    for (size_t step = 0; step <= 3; step++) {
        struct kube_http_decoder d;
        struct sink s = { .heads = 0 };
        assert_int_equal(decode(&d, &s, resp, step, false), 1);
        assert_int_equal(d.status, 200);
        assert_string_equal(d.content_type, "application/json");
        assert_int_equal(s.heads, 1);
        assert_string_equal(ds_cstr(&s.body), "{\"kind\":\"A\"}\n");
        kube_http_destroy(&d);
        ds_destroy(&s.body);
    }
}

static void
test_chunked(void **state)
{
    static const char *resp =
        "HTTP/1.1 200 OK\r\n"
        "transfer-encoding: Chunked\r\n"
        "Cache-Control: no-cache, private\r\n"
        "\r\n"
        "5\r\nhello\r\n"
        "1A;ext=1\r\n abcdefghijklmnopqrstuvwxy\r\n"
        "0\r\n"
        "X-Trailer: yes\r\n"
        "\r\n";

    for (size_t step = 0; step <= 7; step++) {
        struct kube_http_decoder d;
        struct sink s = { .heads = 0 };
        assert_int_equal(decode(&d, &s, resp, step, false), 1);
        assert_true(d.chunked);
        assert_string_equal(ds_cstr(&s.body),
                            "hello abcdefghijklmnopqrstuvwxy");
        kube_http_destroy(&d);
        ds_destroy(&s.body);
    }
}

static void
test_until_close_and_interim(void **state)
{
    static const char *resp =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.0 410 Gone\r\n"
        "Retry-After: 3\r\n"
        "\r\n"
        "{\"kind\":\"Status\"}";
    struct kube_http_decoder d;
    struct sink s = { .heads = 0 };

    assert_int_equal(decode(&d, &s, resp, 1, true), 1);
    assert_int_equal(d.status, 410);
    assert_int_equal(d.retry_after, 3);
    assert_int_equal(s.heads, 1);
    assert_string_equal(ds_cstr(&s.body), "{\"kind\":\"Status\"}");
    kube_http_destroy(&d);
    ds_destroy(&s.body);

    /* No body at all. */
    assert_int_equal(decode(&d, &s, "HTTP/1.1 204 No Content\r\n\r\n", 0,
                            false), 1);
    kube_http_destroy(&d);
    ds_destroy(&s.body);
}

/* A stream cut before its end is an error, never a complete response. */
static void
test_cut(void **state)
{
    static const char *cuts[] = {
        "",
        "HTTP/1.1 200",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
    };

    for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
        struct kube_http_decoder d;
        struct sink s = { .heads = 0 };
        assert_int_equal(decode(&d, &s, cuts[i], 0, true), -ECONNRESET);
        assert_non_null(kube_http_error(&d));
        kube_http_destroy(&d);
        ds_destroy(&s.body);
    }
}

static void
test_malformed(void **state)
{
    static const char *bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 600 What\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nFolded: a\r\n continued\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "1000000000000000\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\nabc\r\n",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct kube_http_decoder d;
        struct sink s = { .heads = 0 };
        assert_int_equal(decode(&d, &s, bad[i], 0, false), -EPROTO);
        assert_non_null(kube_http_error(&d));
        /* Once failed, it stays failed. */
        assert_int_equal(kube_http_feed(&d, "x", 1), -EPROTO);
        assert_int_equal(kube_http_eof(&d), -EPROTO);
        kube_http_destroy(&d);
        ds_destroy(&s.body);
    }
}

static void
test_limits(void **state)
{
    struct ds resp = DS_EMPTY_INITIALIZER;
    struct kube_http_decoder d;
    struct sink s = { .heads = 0 };

    /* A head just under the limit passes; one over does not. */
    ds_put_cstr(&resp, "HTTP/1.1 200 OK\r\nX: ");
    while (resp.length < KUBE_HTTP_MAX_HEADER - 7) {
        ds_put_char(&resp, 'a');
    }
    ds_put_cstr(&resp, "\r\n\r\n");
    assert_int_equal(resp.length, KUBE_HTTP_MAX_HEADER - 3);
    assert_int_equal(decode(&d, &s, ds_cstr(&resp), 4096, true), 1);
    kube_http_destroy(&d);
    ds_destroy(&s.body);

    ds_clear(&resp);
    ds_put_cstr(&resp, "HTTP/1.1 200 OK\r\n");
    while (resp.length < KUBE_HTTP_MAX_HEADER + 10) {
        ds_put_cstr(&resp, "X-Many: headers\r\n");
    }
    assert_int_equal(decode(&d, &s, ds_cstr(&resp), 1000, false), -EMSGSIZE);
    kube_http_destroy(&d);
    ds_destroy(&s.body);

    /* So do a flood of interim responses. */
    ds_clear(&resp);
    while (resp.length < KUBE_HTTP_MAX_HEADER + 10) {
        ds_put_cstr(&resp, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    assert_int_equal(decode(&d, &s, ds_cstr(&resp), 0, false), -EMSGSIZE);
    kube_http_destroy(&d);
    ds_destroy(&s.body);

    /* And an endless chunk-size line. */
    ds_clear(&resp);
    ds_put_cstr(&resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "1;");
    while (resp.length < 4096) {
        ds_put_char(&resp, 'e');
    }
    assert_int_equal(decode(&d, &s, ds_cstr(&resp), 0, false), -EMSGSIZE);
    kube_http_destroy(&d);
    ds_destroy(&s.body);
    ds_destroy(&resp);
}

static void
test_consumer_refuses(void **state)
{
    static const char *resp =
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    struct kube_http_decoder d;
    struct sink s = { .refuse_after = 3 };

    assert_int_equal(decode(&d, &s, resp, 2, false), -ECANCELED);
    assert_true(s.body.length > 3 && s.body.length <= 5);
    kube_http_destroy(&d);
    ds_destroy(&s.body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_until_close_and_interim),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_consumer_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
