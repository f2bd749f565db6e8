/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "kube/http.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

void
kube_http_init(struct kube_http_decoder *d, bool head_request,
               kube_http_head_cb *head, kube_http_body_cb *body, void *aux)
{
    memset(d, 0, sizeof *d);
    d->state = KUBE_HTTP_STATUS_LINE;
    d->head_request = head_request;
    d->content_length = -1;
    d->retry_after = -1;
    ds_init(&d->line);
    d->head = head;
    d->body = body;
    d->aux = aux;
}

void
kube_http_destroy(struct kube_http_decoder *d)
{
    if (d) {
        ds_destroy(&d->line);
        free(d->content_type);
        free(d->error);
        d->content_type = d->error = NULL;
    }
}

const char *
kube_http_error(const struct kube_http_decoder *d)
{
    return d->error;
}

static int OVS_PRINTF_FORMAT(3, 4)
fail(struct kube_http_decoder *d, int error, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    free(d->error);
    d->error = xvasprintf(format, args);
    va_end(args);
    d->state = KUBE_HTTP_ERROR;
    d->error_code = error;
    return error;
}

/* Appends to d->line the bytes of 'data' up to and including a newline.
 * Returns 1 with the line (CRLF or LF stripped) in d->line once one is
 * complete, 0 if more bytes are needed, or -EMSGSIZE if that would take
 * more than 'budget' bytes.  '*used' gets the bytes consumed. */
static int
take_line(struct kube_http_decoder *d, const char *data, size_t n,
          size_t budget, size_t *used)
{
    const char *nl = memchr(data, '\n', n);
    size_t len = nl ? nl - data + 1 : n;

    *used = len;
    if (len > budget) {
        return -EMSGSIZE;
    }
    ds_put_buffer(&d->line, data, len);
    if (!nl) {
        return 0;
    }
    ds_chomp(&d->line, '\n');
    ds_chomp(&d->line, '\r');
    return 1;
}

static int
parse_status_line(struct kube_http_decoder *d)
{
    const char *s = ds_cstr(&d->line);

    if (strncmp(s, "HTTP/1.", 7) || !isdigit((unsigned char) s[7])
        || s[8] != ' ' || !isdigit((unsigned char) s[9])
        || !isdigit((unsigned char) s[10]) || !isdigit((unsigned char) s[11])
        || (s[12] != ' ' && s[12] != '\0') || s[9] < '1' || s[9] > '5') {
        return fail(d, -EPROTO, "not an HTTP/1.x status line: \"%.64s\"", s);
    }
    d->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    return 0;
}

static bool
is_token_char(unsigned char c)
{
    return c > ' ' && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

static int
parse_uint(const char *s, int64_t max, int64_t *value)
{
    int64_t v = 0;

    if (!*s) {
        return -1;
    }
    for (; *s; s++) {
        if (!isdigit((unsigned char) *s) || v > (max - (*s - '0')) / 10) {
            return -1;
        }
        v = v * 10 + (*s - '0');
    }
    *value = v;
    return 0;
}

static int
parse_header(struct kube_http_decoder *d)
{
    char *s = ds_cstr(&d->line);
    char *colon = strchr(s, ':');

    if (!colon || colon == s) {
        return fail(d, -EPROTO, "malformed header line: \"%.64s\"", s);
    }
    for (char *p = s; p < colon; p++) {
        if (!is_token_char(*p)) {
            /* Also refuses obsolete line folding (RFC 9112 5.2). */
            return fail(d, -EPROTO, "malformed header name: \"%.64s\"", s);
        }
    }
    *colon = '\0';
    char *value = colon + 1;
    value += strspn(value, " \t");
    size_t len = strlen(value);
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t')) {
        value[--len] = '\0';
    }

    if (!strcasecmp(s, "Content-Length")) {
        int64_t cl;
        if (parse_uint(value, INT64_MAX, &cl)
            || (d->content_length >= 0 && d->content_length != cl)) {
            return fail(d, -EPROTO, "bad Content-Length \"%.32s\"", value);
        }
        d->content_length = cl;
    } else if (!strcasecmp(s, "Transfer-Encoding")) {
        if (strcasecmp(value, "chunked") || d->chunked) {
            return fail(d, -EPROTO, "unsupported transfer coding \"%.32s\"",
                        value);
        }
        d->chunked = true;
    } else if (!strcasecmp(s, "Content-Type")) {
        free(d->content_type);
        d->content_type = xstrdup(value);
    } else if (!strcasecmp(s, "Retry-After")) {
        int64_t secs;
        if (!parse_uint(value, 3600, &secs)) {
            d->retry_after = secs;
        }
    }
    return 0;
}

/* The head is complete: decides how the body is framed. */
static int
end_of_head(struct kube_http_decoder *d)
{
    if (d->status < 200) {
        /* An interim response (100 Continue...): the real one follows. */
        free(d->content_type);
        d->content_type = NULL;
        d->content_length = -1;
        d->chunked = false;
        d->retry_after = -1;
        d->state = KUBE_HTTP_STATUS_LINE;
        return 0;
    }
    if (d->head) {
        int error = d->head(d->aux);
        if (error) {
            return fail(d, error, "response refused");
        }
    }
    if (d->head_request || d->status == 204 || d->status == 304) {
        d->state = KUBE_HTTP_DONE;
    } else if (d->chunked) {
        d->state = KUBE_HTTP_CHUNK_SIZE;
    } else if (d->content_length >= 0) {
        d->remaining = d->content_length;
        d->state = d->remaining ? KUBE_HTTP_BODY_LENGTH : KUBE_HTTP_DONE;
    } else {
        d->state = KUBE_HTTP_BODY_UNTIL_CLOSE;
    }
    return 0;
}

static int
parse_chunk_size(struct kube_http_decoder *d)
{
    const char *s = ds_cstr(&d->line);
    uint64_t size = 0;
    int digits = 0;

    for (; isxdigit((unsigned char) *s); s++) {
        if (++digits > 15) {
            return fail(d, -EPROTO, "chunk size too large");
        }
        size = size * 16 + (isdigit((unsigned char) *s)
                            ? *s - '0' : (tolower((unsigned char) *s)
                                          - 'a' + 10));
    }
    s += strspn(s, " \t");
    if (!digits || (*s && *s != ';')) {
        return fail(d, -EPROTO, "malformed chunk size line \"%.32s\"",
                    ds_cstr(&d->line));
    }
    d->remaining = size;
    d->state = size ? KUBE_HTTP_CHUNK_DATA : KUBE_HTTP_TRAILERS;
    return 0;
}

static int
deliver(struct kube_http_decoder *d, const char *data, size_t n)
{
    int error = d->body ? d->body(d->aux, data, n) : 0;
    return error ? fail(d, error, "body refused") : 0;
}

int
kube_http_feed(struct kube_http_decoder *d, const char *data, size_t n)
{
    while (n && d->state != KUBE_HTTP_DONE && d->state != KUBE_HTTP_ERROR) {
        size_t used = 0;
        int error = 0;
        int got;

        switch (d->state) {
        case KUBE_HTTP_STATUS_LINE:
        case KUBE_HTTP_HEADERS:
            got = take_line(d, data, n, KUBE_HTTP_MAX_HEADER - d->head_bytes,
                            &used);
            d->head_bytes += used;
            if (got < 0) {
                return fail(d, -EMSGSIZE, "response head longer than %d "
                            "bytes", KUBE_HTTP_MAX_HEADER);
            }
            if (got) {
                if (d->state == KUBE_HTTP_STATUS_LINE) {
                    error = parse_status_line(d);
                    if (!error) {
                        d->state = KUBE_HTTP_HEADERS;
                    }
                } else if (d->line.length) {
                    error = parse_header(d);
                } else {
                    error = end_of_head(d);
                    d->head_bytes = d->state == KUBE_HTTP_STATUS_LINE
                                    ? d->head_bytes : 0;
                }
                ds_clear(&d->line);
            }
            break;

        case KUBE_HTTP_BODY_LENGTH:
        case KUBE_HTTP_CHUNK_DATA:
            used = MIN(n, d->remaining);
            error = deliver(d, data, used);
            d->remaining -= used;
            if (!error && !d->remaining) {
                d->state = (d->state == KUBE_HTTP_BODY_LENGTH
                            ? KUBE_HTTP_DONE : KUBE_HTTP_CHUNK_CRLF);
            }
            break;

        case KUBE_HTTP_BODY_UNTIL_CLOSE:
            used = n;
            error = deliver(d, data, n);
            break;

        case KUBE_HTTP_CHUNK_SIZE:
        case KUBE_HTTP_CHUNK_CRLF:
            got = take_line(d, data, n,
                            KUBE_HTTP_MAX_CHUNK_LINE - d->line.length, &used);
            if (got < 0) {
                return fail(d, -EMSGSIZE, "chunk line longer than %d bytes",
                            KUBE_HTTP_MAX_CHUNK_LINE);
            }
            if (got) {
                if (d->state == KUBE_HTTP_CHUNK_SIZE) {
                    error = parse_chunk_size(d);
                } else if (d->line.length) {
                    error = fail(d, -EPROTO, "chunk data longer than its "
                                 "size");
                } else {
                    d->state = KUBE_HTTP_CHUNK_SIZE;
                }
                ds_clear(&d->line);
            }
            break;

        case KUBE_HTTP_TRAILERS:
            got = take_line(d, data, n, KUBE_HTTP_MAX_HEADER - d->head_bytes,
                            &used);
            d->head_bytes += used;
            if (got < 0) {
                return fail(d, -EMSGSIZE, "trailers longer than %d bytes",
                            KUBE_HTTP_MAX_HEADER);
            }
            if (got) {
                if (!d->line.length) {
                    d->state = KUBE_HTTP_DONE;
                }
                ds_clear(&d->line);
            }
            break;

        case KUBE_HTTP_DONE:
        case KUBE_HTTP_ERROR:
        default:
            OVS_NOT_REACHED();
        }
        if (error) {
            return error;
        }
        data += used;
        n -= used;
    }
    return (d->state == KUBE_HTTP_DONE ? 1
            : d->state == KUBE_HTTP_ERROR ? d->error_code : 0);
}

int
kube_http_eof(struct kube_http_decoder *d)
{
    switch (d->state) {
    case KUBE_HTTP_DONE:
    case KUBE_HTTP_BODY_UNTIL_CLOSE:
        d->state = KUBE_HTTP_DONE;
        return 1;
    case KUBE_HTTP_ERROR:
        return d->error_code;
    case KUBE_HTTP_STATUS_LINE:
    case KUBE_HTTP_HEADERS:
        return fail(d, -ECONNRESET, "connection closed before the "
                    "response's head was complete");
    case KUBE_HTTP_BODY_LENGTH:
        return fail(d, -ECONNRESET, "connection closed %"PRIu64" bytes "
                    "before the end of the body", d->remaining);
    case KUBE_HTTP_CHUNK_SIZE:
    case KUBE_HTTP_CHUNK_DATA:
    case KUBE_HTTP_CHUNK_CRLF:
    case KUBE_HTTP_TRAILERS:
    default:
        return fail(d, -ECONNRESET, "connection closed in the middle of "
                    "a chunked body");
    }
}
