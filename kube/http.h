/* SPDX-License-Identifier: Apache-2.0
 *
 * http.h -- the HTTP/1.1 response decoder of ovnmigd's Kubernetes client
 * (RFC 9112): bytes in, a status code, a few headers and the body's bytes
 * out.  Pure: no sockets, no clock; the I/O layer (kube/client.c) feeds
 * it what it reads and tells it when the peer closed.
 *
 * It decodes what a Kubernetes API server sends: a body framed by
 * Content-Length, by chunked transfer coding (watch streams, large lists)
 * or by the end of the connection (the client asks "Connection: close").
 * Interim 1xx responses are skipped.  Anything else -- a transfer coding
 * other than chunked, a malformed line, a limit reached -- is an error
 * that ends the response.
 *
 * Limits: the status line and headers together KUBE_HTTP_MAX_HEADER bytes,
 * a chunk-size line KUBE_HTTP_MAX_CHUNK_LINE, the trailer section
 * KUBE_HTTP_MAX_HEADER.  The body has no limit here: its consumer bounds
 * what it keeps.
 */
#ifndef OVNMIG_KUBE_HTTP_H
#define OVNMIG_KUBE_HTTP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/dynamic-string.h"

#define KUBE_HTTP_MAX_HEADER (64 * 1024)
#define KUBE_HTTP_MAX_CHUNK_LINE 1024

enum kube_http_state {
    KUBE_HTTP_STATUS_LINE,
    KUBE_HTTP_HEADERS,
    KUBE_HTTP_BODY_LENGTH,      /* Content-Length bytes to go. */
    KUBE_HTTP_CHUNK_SIZE,
    KUBE_HTTP_CHUNK_DATA,
    KUBE_HTTP_CHUNK_CRLF,       /* The CRLF after a chunk's data. */
    KUBE_HTTP_TRAILERS,
    KUBE_HTTP_BODY_UNTIL_CLOSE,
    KUBE_HTTP_DONE,
    KUBE_HTTP_ERROR,
};

/* Body bytes, in order, as they are decoded.  Returns 0 to go on or a
 * negative errno, which ends decoding with that error. */
typedef int kube_http_body_cb(void *aux, const char *data, size_t n);

/* Called once, when the status line and headers are complete (before any
 * body byte).  Returns 0 or a negative errno, as above. */
typedef int kube_http_head_cb(void *aux);

struct kube_http_decoder {
    enum kube_http_state state;
    bool head_request;          /* The request was HEAD: no body. */

    /* From the response head, valid once 'head' was called. */
    int status;                 /* 100...599. */
    bool chunked;
    int64_t content_length;     /* -1 if absent. */
    char *content_type;         /* Or NULL.  Owned. */
    int retry_after;            /* Seconds, or -1. */

    /* Internal. */
    struct ds line;             /* The line being read. */
    size_t head_bytes;          /* Status line and headers so far. */
    uint64_t remaining;         /* Of the body or of the chunk. */
    char *error;                /* Why state is KUBE_HTTP_ERROR.  Owned. */
    int error_code;             /* Negative errno. */

    kube_http_head_cb *head;
    kube_http_body_cb *body;
    void *aux;
};

/* Initializes 'd' for one response.  'head' may be NULL. */
void kube_http_init(struct kube_http_decoder *d, bool head_request,
                    kube_http_head_cb *head, kube_http_body_cb *body,
                    void *aux);
void kube_http_destroy(struct kube_http_decoder *d);

/* Decodes 'n' bytes of 'data'.  Returns 0 while the response goes on, 1
 * once it is complete (bytes after its end are ignored: the connection is
 * not reused), or a negative errno (-EPROTO for a malformed response,
 * -EMSGSIZE for a limit, or what a callback returned); kube_http_error()
 * then says why.  After 1 or an error, further calls return the same. */
int kube_http_feed(struct kube_http_decoder *d, const char *data, size_t n);

/* The peer closed the connection.  Returns 1 if that completes the
 * response (a body delimited by the close), else -ECONNRESET with the
 * reason in kube_http_error() (a response cut short). */
int kube_http_eof(struct kube_http_decoder *d);

/* Why decoding failed, or NULL. */
const char *kube_http_error(const struct kube_http_decoder *d);

#endif /* kube/http.h */
