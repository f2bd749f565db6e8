/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "kube/client.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kube/http.h"
#include "kube/stream.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(kube_client);

#define MAX_TOKEN (64 * 1024)

struct kube_client {
    struct event_base *base;
    struct evdns_base *dns;     /* Only for a host name. */
    char *server;               /* As given, for logs. */
    bool tls;
    char *host;                 /* Without brackets. */
    char *host_header;          /* "host:port", brackets for IPv6. */
    bool host_is_ip;
    int port;
    char *prefix;               /* Path prefix of the server URL, or "". */
    char *token_file;
    char *token;
    SSL_CTX *ssl_ctx;
    struct ovs_list requests;   /* Contains "struct kube_request"s. */
};

struct kube_request {
    struct ovs_list node;       /* In client->requests. */
    struct kube_client *client;
    struct bufferevent *bev;
    struct event *timer;
    struct kube_http_decoder http;
    struct kube_request_cbs cbs;
    void *aux;
    void (*aux_free)(void *aux);
    int idle_timeout_ms;

    int depth;                  /* Callbacks of ours under way. */
    bool finished;              /* 'done' was called. */
    bool cancelled;
};

static bool
is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (inet_pton(AF_INET, host, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        return IN6_IS_ADDR_LOOPBACK(&a6);
    }
    return !strcmp(host, "localhost");
}

/* Parses "http[s]://host[:port][/prefix]" into 'client'. */
static int
parse_server(struct kube_client *client, const char *url, char **errorp)
{
    const char *p;

    if (!strncmp(url, "https://", 8)) {
        client->tls = true;
        p = url + 8;
    } else if (!strncmp(url, "http://", 7)) {
        p = url + 7;
    } else {
        goto bad;
    }

    const char *host_end;
    bool bracketed = *p == '[';
    if (bracketed) {
        host_end = strchr(p, ']');
        if (!host_end) {
            goto bad;
        }
        client->host = xmemdup0(p + 1, host_end - p - 1);
        host_end++;
    } else {
        host_end = p + strcspn(p, ":/");
        client->host = xmemdup0(p, host_end - p);
    }
    if (!client->host[0]) {
        goto bad;
    }
    for (const char *c = client->host; *c; c++) {
        if (!isalnum((unsigned char) *c) && *c != '-' && *c != '.'
            && (*c != ':' || !bracketed)) {
            goto bad;
        }
    }

    client->port = client->tls ? 443 : 80;
    p = host_end;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port <= 0 || port > 65535) {
            goto bad;
        }
        client->port = port;
        p = end;
    }
    if (*p && *p != '/') {
        goto bad;
    }
    client->prefix = xstrdup(p);
    while (client->prefix[0] && client->prefix[strlen(client->prefix) - 1]
           == '/') {
        client->prefix[strlen(client->prefix) - 1] = '\0';
    }

    struct in6_addr a6;
    client->host_is_ip = inet_pton(AF_INET6, client->host, &a6) == 1;
    if (bracketed && !client->host_is_ip) {
        goto bad;
    }
    client->host_header = xasprintf(client->host_is_ip ? "[%s]:%d" : "%s:%d",
                                    client->host, client->port);
    struct in_addr a4;
    client->host_is_ip |= inet_pton(AF_INET, client->host, &a4) == 1;
    return 0;

bad:
    *errorp = xasprintf("%s: not a Kubernetes API server URL "
                        "(https://host[:port])", url);
    return -EINVAL;
}

static char *
ssl_errors(void)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    unsigned long e;

    while ((e = ERR_get_error())) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        ds_put_format(&s, "%s%s", s.length ? "; " : "", buf);
    }
    return ds_steal_cstr(&s);
}

/* Adds the PEM certificates in 'pem' to the CAs 'ctx' trusts.  Returns
 * how many. */
static int
add_ca_pem(SSL_CTX *ctx, const char *pem)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x;
    int n = 0;

    while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
        n += X509_STORE_add_cert(store, x) == 1;
        X509_free(x);
    }
    BIO_free(bio);
    ERR_clear_error();          /* The end of the PEM reads as an error. */
    return n;
}

/* Uses the client certificate (and its chain) and key in PEM 'cert' and
 * 'key'.  Returns true on success. */
static bool
use_cert_pem(SSL_CTX *ctx, const char *cert, const char *key)
{
    BIO *bio = BIO_new_mem_buf(cert, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    bool ok = x && SSL_CTX_use_certificate(ctx, x) == 1;

    X509_free(x);
    while (ok && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
        if (!SSL_CTX_add_extra_chain_cert(ctx, x)) {
            X509_free(x);
            ok = false;
        }
    }
    BIO_free(bio);
    ERR_clear_error();

    bio = BIO_new_mem_buf(key, -1);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                     : NULL;
    ok = ok && pkey && SSL_CTX_use_PrivateKey(ctx, pkey) == 1;
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return ok;
}

static int
setup_tls(struct kube_client *client, const struct kube_config *config,
          char **errorp)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (!ctx) {
        *errorp = xasprintf("TLS: %s", ssl_errors());
        return -ENOMEM;
    }
    client->ssl_ctx = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (config->ca_pem) {
        if (!add_ca_pem(ctx, config->ca_pem)) {
            *errorp = xstrdup("the CA data holds no PEM certificate");
            return -EINVAL;
        }
    } else if (config->ca_file
               ? !SSL_CTX_load_verify_locations(ctx, config->ca_file, NULL)
               : !SSL_CTX_set_default_verify_paths(ctx)) {
        char *why = ssl_errors();
        *errorp = xasprintf("%s: cannot load the CA certificates: %s",
                            config->ca_file ? config->ca_file
                            : "system CA store", why);
        free(why);
        return -EINVAL;
    }

    bool cert = config->cert_file || config->cert_pem;
    bool key = config->key_file || config->key_pem;
    if (cert || key) {
        bool ok = cert && key;
        if (ok && config->cert_pem && config->key_pem) {
            ok = use_cert_pem(ctx, config->cert_pem, config->key_pem);
        } else if (ok && config->cert_file && config->key_file) {
            ok = (SSL_CTX_use_certificate_chain_file(ctx, config->cert_file)
                  && SSL_CTX_use_PrivateKey_file(ctx, config->key_file,
                                                 SSL_FILETYPE_PEM));
        } else {
            ok = false;         /* One from a file, one from data. */
        }
        if (!ok || !SSL_CTX_check_private_key(ctx)) {
            char *why = ssl_errors();
            *errorp = xasprintf("TLS client certificate %s and key %s: %s",
                                config->cert_file ? config->cert_file
                                : config->cert_pem ? "(data)" : "-",
                                config->key_file ? config->key_file
                                : config->key_pem ? "(data)" : "-",
                                why[0] ? why : "both are needed, both from "
                                "files or both as data");
            free(why);
            return -EINVAL;
        }
    }
    return 0;
}

int
kube_client_create(struct event_base *base, const struct kube_config *config,
                   struct kube_client **clientp, char **errorp)
{
    struct kube_client *client = xzalloc(sizeof *client);
    int error;

    *clientp = NULL;
    *errorp = NULL;
    client->base = base;
    ovs_list_init(&client->requests);
    client->server = xstrdup(config->server ? config->server : "");
    error = parse_server(client, client->server, errorp);
    if (!error && !client->tls && !is_loopback(client->host)) {
        *errorp = xasprintf("%s: plain http:// only to a loopback address; "
                            "use https://", client->server);
        error = -EINVAL;
    }
    if (!error && client->tls) {
        error = setup_tls(client, config, errorp);
    }
    if (error) {
        kube_client_destroy(client);
        return error;
    }
    if (!client->host_is_ip) {
        client->dns = evdns_base_new(base,
                                     EVDNS_BASE_INITIALIZE_NAMESERVERS);
        /* Without one, libevent resolves the name blocking. */
    }
    client->token_file = nullable_xstrdup(config->token_file);
    client->token = nullable_xstrdup(config->token);
    for (const char *c = client->token; c && *c; c++) {
        if (!isgraph((unsigned char) *c)) {
            *errorp = xstrdup("the bearer token holds a space or a control "
                              "character");
            kube_client_destroy(client);
            *clientp = NULL;
            return -EINVAL;
        }
    }
    *clientp = client;
    return 0;
}

static void request_free(struct kube_request *);

void
kube_client_destroy(struct kube_client *client)
{
    if (client) {
        struct kube_request *req;
        LIST_FOR_EACH_SAFE (req, node, &client->requests) {
            request_free(req);
        }
        if (client->dns) {
            evdns_base_free(client->dns, 0);
        }
        SSL_CTX_free(client->ssl_ctx);
        free(client->server);
        free(client->host);
        free(client->host_header);
        free(client->prefix);
        free(client->token_file);
        free(client->token);
        free(client);
    }
}

const char *
kube_client_server(const struct kube_client *client)
{
    return client->server;
}

struct event_base *
kube_client_base(const struct kube_client *client)
{
    return client->base;
}

void
kube_url_escape(struct ds *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = *s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            ds_put_char(out, c);
        } else {
            ds_put_format(out, "%%%02X", c);
        }
    }
}

/* Reads the bearer token from 'file' into '*tokenp'. */
static int
read_token(const char *file, char **tokenp)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    FILE *f = fopen(file, "r");
    int error = 0;

    *tokenp = NULL;
    if (!f) {
        return -errno;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (s.length + n > MAX_TOKEN) {
            error = -EFBIG;
            break;
        }
        ds_put_buffer(&s, buf, n);
    }
    fclose(f);
    while (s.length && isspace((unsigned char) s.string[s.length - 1])) {
        s.length--;
    }
    ds_cstr(&s);
    for (size_t i = 0; !error && i < s.length; i++) {
        if (!isgraph((unsigned char) s.string[i])) {
            error = -EINVAL;
        }
    }
    if (!error && !s.length) {
        error = -ENODATA;
    }
    if (error) {
        ds_destroy(&s);
        return error;
    }
    *tokenp = ds_steal_cstr(&s);
    return 0;
}

static void
request_free(struct kube_request *req)
{
    ovs_list_remove(&req->node);
    if (req->bev) {
        bufferevent_free(req->bev);
    }
    if (req->timer) {
        event_free(req->timer);
    }
    kube_http_destroy(&req->http);
    if (req->aux_free) {
        req->aux_free(req->aux);
    }
    free(req);
}

/* Frees 'req' if it ended and none of our callbacks is on the stack. */
static void
request_settle(struct kube_request *req)
{
    if (!req->depth && (req->finished || req->cancelled)) {
        request_free(req);
    }
}

static void
request_finish(struct kube_request *req, int error, const char *why)
{
    if (req->finished || req->cancelled) {
        return;
    }
    req->finished = true;
    if (req->bev) {
        bufferevent_disable(req->bev, EV_READ | EV_WRITE);
    }
    req->depth++;
    req->cbs.done(req->aux, error, error ? why : NULL);
    req->depth--;
}

void
kube_request_cancel(struct kube_request *req)
{
    if (req) {
        req->cancelled = true;
        request_settle(req);
    }
}

static int
http_head_cb(void *req_)
{
    struct kube_request *req = req_;

    if (req->cancelled) {
        return -ECANCELED;
    }
    return (req->cbs.response
            ? req->cbs.response(req->aux, req->http.status,
                                req->http.retry_after) : 0);
}

static int
http_body_cb(void *req_, const char *data, size_t n)
{
    struct kube_request *req = req_;

    if (req->cancelled) {
        return -ECANCELED;
    }
    return req->cbs.body ? req->cbs.body(req->aux, data, n) : 0;
}

/* Feeds what the connection read to the decoder. */
static void
request_read(struct kube_request *req)
{
    struct evbuffer *in = bufferevent_get_input(req->bev);

    while (evbuffer_get_length(in) && !req->finished && !req->cancelled) {
        size_t n = evbuffer_get_contiguous_space(in);
        const char *data = (const char *) evbuffer_pullup(in, n);
        int rc = kube_http_feed(&req->http, data, n);
        evbuffer_drain(in, n);
        if (rc) {
            request_finish(req, rc < 0 ? rc : 0, kube_http_error(&req->http));
        }
    }
}

static void
read_cb(struct bufferevent *bev OVS_UNUSED, void *req_)
{
    struct kube_request *req = req_;

    req->depth++;
    request_read(req);
    req->depth--;
    request_settle(req);
}

static void
event_cb(struct bufferevent *bev, short what, void *req_)
{
    struct kube_request *req = req_;
    struct kube_client *client = req->client;
    char *why = NULL;

    if (what & BEV_EVENT_CONNECTED) {
        return;
    }
    req->depth++;
    request_read(req);
    if (what & BEV_EVENT_EOF) {
        int rc = kube_http_eof(&req->http);
        request_finish(req, rc < 0 ? rc : 0, kube_http_error(&req->http));
    } else if (what & BEV_EVENT_TIMEOUT) {
        why = xasprintf("%s: no data for %d ms", client->server,
                        req->idle_timeout_ms);
        request_finish(req, -ETIMEDOUT, why);
    } else if (what & BEV_EVENT_ERROR) {
        int dns = bufferevent_socket_get_dns_error(bev);
        int error = EVUTIL_SOCKET_ERROR();
        char *tls = client->tls ? ssl_errors() : NULL;
        unsigned long e;

        while (client->tls && (e = bufferevent_get_openssl_error(bev))) {
            char buf[256];
            ERR_error_string_n(e, buf, sizeof buf);
            free(tls);
            tls = xstrdup(buf);
        }
        if (dns) {
            why = xasprintf("%s: cannot resolve %s: %s", client->server,
                            client->host, evutil_gai_strerror(dns));
            error = EHOSTUNREACH;
        } else if (tls && tls[0]) {
            why = xasprintf("%s: TLS: %s", client->server, tls);
            error = EPROTO;
        } else {
            error = error ? error : ECONNRESET;
            why = xasprintf("%s: %s", client->server, ovs_strerror(error));
        }
        free(tls);
        if (req->http.state != KUBE_HTTP_STATUS_LINE
            && req->http.state != KUBE_HTTP_DONE && error == ECONNREFUSED) {
            error = ECONNRESET;
        }
        request_finish(req, -error, why);
    }
    free(why);
    req->depth--;
    request_settle(req);
}

static void
timeout_cb(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED, void *req_)
{
    struct kube_request *req = req_;
    char *why = xasprintf("%s: no complete response in time",
                          req->client->server);

    req->depth++;
    request_finish(req, -ETIMEDOUT, why);
    req->depth--;
    free(why);
    request_settle(req);
}

int
kube_request_start(struct kube_client *client,
                   const struct kube_request_args *args,
                   const struct kube_request_cbs *cbs, void *aux,
                   struct kube_request **reqp)
{
    char *token = NULL;
    int error;

    *reqp = NULL;
    if (client->token_file) {
        error = read_token(client->token_file, &token);
        if (error) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "%s: cannot read the bearer token: %s",
                         client->token_file, ovs_strerror(-error));
            return error;
        }
    } else if (client->token) {
        token = xstrdup(client->token);
    }

    struct kube_request *req = xzalloc(sizeof *req);
    req->client = client;
    req->cbs = *cbs;
    req->aux = aux;
    req->idle_timeout_ms = args->idle_timeout_ms;
    kube_http_init(&req->http, !strcmp(args->method, "HEAD"),
                   http_head_cb, http_body_cb, req);
    ovs_list_push_back(&client->requests, &req->node);

    int options = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
    if (client->tls) {
        SSL *ssl = SSL_new(client->ssl_ctx);
        if (!ssl) {
            free(token);
            request_free(req);
            return -ENOMEM;
        }
        if (client->host_is_ip) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), client->host);
        } else {
            SSL_set_tlsext_host_name(ssl, client->host);
            SSL_set1_host(ssl, client->host);
        }
        req->bev = bufferevent_openssl_socket_new(client->base, -1, ssl,
                                                  BUFFEREVENT_SSL_CONNECTING,
                                                  options);
        if (req->bev) {
            /* Servers may close without TLS's close_notify. */
            bufferevent_openssl_set_allow_dirty_shutdown(req->bev, 1);
        } else {
            SSL_free(ssl);
        }
    } else {
        req->bev = bufferevent_socket_new(client->base, -1, options);
    }
    if (!req->bev) {
        free(token);
        request_free(req);
        return -ENOMEM;
    }
    bufferevent_setcb(req->bev, read_cb, NULL, event_cb, req);

    struct evbuffer *out = bufferevent_get_output(req->bev);
    evbuffer_add_printf(out, "%s %s%s HTTP/1.1\r\n"
                        "Host: %s\r\n"
                        "User-Agent: ovnmigd/%s\r\n"
                        "Accept: application/json\r\n"
                        "Connection: close\r\n",
                        args->method, client->prefix, args->path,
                        client->host_header, PACKAGE_VERSION);
    if (token) {
        evbuffer_add_printf(out, "Authorization: Bearer %s\r\n", token);
        free(token);
    }
    if (args->body || strcmp(args->method, "GET")) {
        if (args->content_type) {
            evbuffer_add_printf(out, "Content-Type: %s\r\n",
                                args->content_type);
        }
        evbuffer_add_printf(out, "Content-Length: %"PRIuSIZE"\r\n",
                            args->body ? args->body_len : 0);
    }
    evbuffer_add(out, "\r\n", 2);
    if (args->body) {
        evbuffer_add(out, args->body, args->body_len);
    }

    if (args->idle_timeout_ms > 0) {
        struct timeval tv = { args->idle_timeout_ms / 1000,
                              args->idle_timeout_ms % 1000 * 1000 };
        bufferevent_set_timeouts(req->bev, &tv, NULL);
    }
    if (args->timeout_ms > 0) {
        struct timeval tv = { args->timeout_ms / 1000,
                              args->timeout_ms % 1000 * 1000 };
        req->timer = evtimer_new(client->base, timeout_cb, req);
        evtimer_add(req->timer, &tv);
    }
    bufferevent_enable(req->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect_hostname(req->bev, client->dns, AF_UNSPEC,
                                            client->host, client->port)) {
        /* The error callback reports it, or the timer: make sure one
         * will. */
        if (!req->timer) {
            struct timeval tv = { 0, 0 };
            req->timer = evtimer_new(client->base, timeout_cb, req);
            evtimer_add(req->timer, &tv);
        }
    }
    *reqp = req;
    return 0;
}

/* kube_request_json(). */

struct json_call {
    struct ds body;
    int status;
    kube_json_reply_cb *cb;
    void *aux;
};

static int
json_call_response(void *call_, int status, int retry_after OVS_UNUSED)
{
    struct json_call *call = call_;
    call->status = status;
    return 0;
}

static int
json_call_body(void *call_, const char *data, size_t n)
{
    struct json_call *call = call_;

    if (call->body.length + n > KUBE_MAX_OBJECT) {
        return -EMSGSIZE;
    }
    ds_put_buffer(&call->body, data, n);
    return 0;
}

static void
json_call_done(void *call_, int error, const char *why)
{
    struct json_call *call = call_;
    struct json *json = NULL;

    if (!error && call->body.length) {
        struct json_parser *p = json_parser_create(JSPF_TRAILER);
        json_parser_feed(p, call->body.string, call->body.length);
        json = json_parser_finish(p);
        if (json->type == JSON_STRING) {
            json_destroy(json);
            json = NULL;
        }
    }
    if (error == -EMSGSIZE && !why) {
        why = "the reply is too large";
    }
    call->cb(call->aux, error, call->status, json, why);
    json_destroy(json);
}

static void
json_call_free(void *call_)
{
    struct json_call *call = call_;
    ds_destroy(&call->body);
    free(call);
}

int
kube_request_json(struct kube_client *client, const char *method,
                  const char *path, const char *content_type,
                  const struct json *body, int timeout_ms,
                  kube_json_reply_cb *cb, void *aux,
                  struct kube_request **reqp)
{
    static const struct kube_request_cbs cbs = {
        .response = json_call_response,
        .body = json_call_body,
        .done = json_call_done,
    };
    struct json_call *call = xzalloc(sizeof *call);
    char *text = body ? json_to_string(body, 0) : NULL;
    struct kube_request_args args = {
        .method = method,
        .path = path,
        .content_type = body ? content_type : NULL,
        .body = text,
        .body_len = text ? strlen(text) : 0,
        .timeout_ms = timeout_ms,
    };

    ds_init(&call->body);
    call->cb = cb;
    call->aux = aux;
    int error = kube_request_start(client, &args, &cbs, call, reqp);
    free(text);
    if (error) {
        json_call_free(call);
        return error;
    }
    (*reqp)->aux_free = json_call_free;
    return 0;
}
