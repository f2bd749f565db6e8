/* SPDX-License-Identifier: Apache-2.0
 *
 * qmp.h -- a client of QEMU's machine protocol (QMP) for libevent programs.
 *
 * QMP is JSON over a stream socket: a greeting, then "execute" commands
 * answered by "return" or "error", interleaved with asynchronous "event"
 * messages.  Framing and parsing are libopenvswitch's incremental JSON
 * parser; I/O is a libevent bufferevent.  The client negotiates
 * capabilities by itself and queues commands issued before that.
 *
 * A program using it must ignore SIGPIPE (OVS's fatal_ignore_sigpipe()),
 * or a QEMU that dies while a command is being written kills it too.
 *
 * qmp_classify() is the pure part: one parsed message in, what it is out.
 * It never trusts the peer: anything not of QMP's shape is QMP_MSG_INVALID.
 */
#ifndef OVNMIG_QMP_H
#define OVNMIG_QMP_H 1

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct json;
struct qmp;

enum qmp_msg_type {
    QMP_MSG_INVALID,
    QMP_MSG_GREETING,           /* {"QMP": {...}} */
    QMP_MSG_RETURN,             /* {"return": ..., "id": N} */
    QMP_MSG_ERROR,              /* {"error": {"class", "desc"}, "id": N} */
    QMP_MSG_EVENT,              /* {"event": NAME, "data": ..., "timestamp"} */
};

/* A classified message.  Pointers point into the message classified. */
struct qmp_msg {
    enum qmp_msg_type type;
    int64_t id;                 /* -1 when absent or not an integer. */
    const struct json *value;   /* RETURN: the value; EVENT: "data" or NULL. */
    const char *error_class;    /* ERROR only. */
    const char *error_desc;     /* ERROR only. */
    const char *event;          /* EVENT only. */
    double timestamp;           /* EVENT: seconds since the epoch, or 0. */
};

/* Classifies 'json' into 'msg'.  Returns msg->type. */
enum qmp_msg_type qmp_classify(const struct json *json, struct qmp_msg *msg);

/* A command's outcome.  'error' is 0 and 'result' the "return" value, or
 * 'error' is negative (-EPROTO for a QMP error, whose class and text are in
 * 'desc'; -ECONNRESET when the connection went away first, -ETIMEDOUT).
 * 'result' and 'desc' are valid only during the call. */
typedef void qmp_reply_cb(void *aux, int error, const struct json *result,
                          const char *desc);

/* An asynchronous event.  'data' may be NULL; valid during the call. */
typedef void qmp_event_cb(void *aux, const char *event,
                          const struct json *data, double timestamp);

/* Called once when the connection closes (peer gone, protocol error,
 * oversized message).  'error' is a negative errno. */
typedef void qmp_close_cb(void *aux, int error);

struct qmp_callbacks {
    qmp_event_cb *event;        /* May be NULL. */
    qmp_close_cb *close;        /* May be NULL. */
    void *aux;
};

/* Hard limits.  A message larger than QMP_MAX_MESSAGE closes the
 * connection; a command beyond QMP_MAX_PENDING is refused with -ENOBUFS. */
#define QMP_MAX_MESSAGE (4 * 1024 * 1024)
#define QMP_MAX_PENDING 64

/* Connects to the QMP unix socket 'path'.  Returns 0 and the client in
 * '*qmpp', or a negative errno (the socket is connected synchronously: a
 * local QEMU accepts at once).  The caller frees it with qmp_destroy(),
 * which fails pending commands with -ECONNRESET. */
int qmp_connect(struct event_base *, const char *path,
                const struct qmp_callbacks *, struct qmp **qmpp);
void qmp_destroy(struct qmp *);

/* Sends 'command' with 'args' (an object, or NULL).  Takes ownership of
 * 'args'.  'cb' (may be NULL) runs once with the outcome.  Returns 0 or a
 * negative errno (-ENOBUFS, -ENOTCONN), in which case 'cb' never runs. */
int qmp_execute(struct qmp *, const char *command, struct json *args,
                qmp_reply_cb *cb, void *aux);

/* Like qmp_execute(), with 'fd' passed to QEMU alongside (SCM_RIGHTS), as
 * "getfd" and "add-fd" expect.  Only once QEMU has greeted (-ENOTCONN
 * before); the caller keeps its own copy of 'fd'. */
int qmp_execute_fd(struct qmp *, const char *command, struct json *args,
                   int fd, qmp_reply_cb *cb, void *aux);

/* Runs 'base' until the reply to 'command' arrives or 'timeout_ms' passes,
 * for command-line tools and tests.  On success returns 0 and, if 'resultp'
 * is nonnull, a copy of the "return" value the caller must json_destroy();
 * otherwise a negative errno and, if 'descp' is nonnull, an error text the
 * caller must free(). */
int qmp_execute_sync(struct event_base *, struct qmp *, const char *command,
                     struct json *args, int timeout_ms,
                     struct json **resultp, char **descp);

bool qmp_is_ready(const struct qmp *);    /* Capabilities negotiated. */

#endif /* qmp.h */
