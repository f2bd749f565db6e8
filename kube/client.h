/* SPDX-License-Identifier: Apache-2.0
 *
 * client.h -- ovnmigd's connection to a Kubernetes API server: requests
 * over HTTP/1.1, with TLS (OpenSSL) and a bearer token, on the daemon's
 * libevent loop.  No generated client, no libcurl: libevent's bufferevents
 * (and their OpenSSL filter) carry the bytes, kube/http.c decodes the
 * responses, and the caller gets the body as it arrives -- which a watch
 * stream needs.
 *
 * One request is one connection ("Connection: close"): a node agent makes
 * a handful of long watches and rare writes, and a fresh connection per
 * request leaves no keep-alive state to get wrong.  The bearer token is
 * read from its file for every request, so a rotated service-account
 * token is picked up at once.
 *
 * Credentials come from a pod's service account or a kubeconfig file
 * (kube/credentials.h).  Plain http:// is refused for anything but a
 * loopback address (the tests' stand-in).
 */
#ifndef OVNMIG_KUBE_CLIENT_H
#define OVNMIG_KUBE_CLIENT_H 1

#include <stdbool.h>
#include <stddef.h>

#include "kube/credentials.h"

struct event_base;
struct json;
struct kube_client;
struct kube_request;

/* Creates a client of the server 'config' names (copied).  Returns 0, or
 * a negative errno with a message in '*errorp' (the caller frees it): a
 * malformed server URL, plain http:// to a non-loopback host, unreadable
 * TLS files.  Nothing is connected until a request starts. */
int kube_client_create(struct event_base *, const struct kube_config *config,
                       struct kube_client **clientp, char **errorp);

/* Cancels the client's requests (without calling their callbacks) and
 * frees it.  Accepts NULL.  Not from within a request's callback. */
void kube_client_destroy(struct kube_client *);

/* "https://host:port", for logs. */
const char *kube_client_server(const struct kube_client *);
struct event_base *kube_client_base(const struct kube_client *);

/* A request's callbacks.  Each may cancel the request
 * (kube_request_cancel()); after that none is called again. */
struct kube_request_cbs {
    /* The response's status and headers arrived.  'retry_after' is the
     * Retry-After header in seconds, or -1.  Returns 0, or a negative
     * errno to end the request (then 'done' gets that error).  May be
     * NULL. */
    int (*response)(void *aux, int status, int retry_after);
    /* Body bytes as they arrive.  Returns as 'response' does. */
    int (*body)(void *aux, const char *data, size_t n);
    /* Exactly once, at the end: 'error' 0 when the whole response was
     * received, else a negative errno (-ECONNREFUSED, -ETIMEDOUT,
     * -ECONNRESET for a response cut short, -EPROTO for a malformed one,
     * or a callback's error) with a reason in 'why'. */
    void (*done)(void *aux, int error, const char *why);
};

struct kube_request_args {
    const char *method;         /* "GET", "POST", "PATCH"... */
    const char *path;           /* With its query, already escaped. */
    const char *content_type;   /* Of 'body', or NULL. */
    const char *body;           /* Or NULL. */
    size_t body_len;
    int timeout_ms;             /* For the whole request; 0: none. */
    int idle_timeout_ms;        /* Without any byte read; 0: none. */
};

/* Starts a request.  Returns 0 and the request in '*reqp' (owned by the
 * client until 'done' or kube_request_cancel()), or a negative errno
 * (then no callback is called): the token file cannot be read, no memory
 * for TLS.  Connection errors come through 'done'. */
int kube_request_start(struct kube_client *, const struct kube_request_args *,
                       const struct kube_request_cbs *, void *aux,
                       struct kube_request **reqp);

/* Ends 'req' without calling its callbacks.  Accepts NULL.  Safe from
 * within its own callbacks. */
void kube_request_cancel(struct kube_request *req);

/* A request whose reply is one JSON document (a write, a Status):
 * 'cb' gets 'error' 0 with the HTTP 'status' and the parsed body (NULL if
 * the body was empty or not JSON; valid during the call), or a negative
 * errno and 'why'.  Bodies over KUBE_MAX_OBJECT end the request with
 * -EMSGSIZE.  'body' may be NULL; 'timeout_ms' as above. */
typedef void kube_json_reply_cb(void *aux, int error, int status,
                                const struct json *body, const char *why);
int kube_request_json(struct kube_client *, const char *method,
                      const char *path, const char *content_type,
                      const struct json *body, int timeout_ms,
                      kube_json_reply_cb *cb, void *aux,
                      struct kube_request **reqp);

/* Appends 's' to 'out' escaped for a URL's query (RFC 3986 unreserved
 * characters kept). */
struct ds;
void kube_url_escape(struct ds *out, const char *s);

#endif /* kube/client.h */
