/* ovn-hooks internals shared by the API side (ovn-hooks.c, caller's
 * thread) and the IDL thread (ovn-hooks-idl.c).
 *
 * Copyright 2024 The ovnmig authors.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef OVNHOOK_OVN_HOOKS_PRIVATE_H
#define OVNHOOK_OVN_HOOKS_PRIVATE_H 1

#include <pthread.h>

#include "latch.h"
#include "openvswitch/list.h"
#include "ovn-hooks/ovn-hooks.h"
#include "ovs-thread.h"
#include "uuid.h"

/* A request, copied out of the caller's arguments.  Owned by the queue it
 * is on: 'pending' (shared, under h->mutex), then the IDL thread's lists. */
struct ovnhook_request {
    struct ovs_list node;
    enum ovnhook_op op;
    uint64_t cookie;
    bool internal;              /* made by the IDL thread: no completion */
    char port[OVNHOOK_PORT_NAME_MAX];
    char vm[OVNHOOK_NAME_MAX];
    char namespace[OVNHOOK_NAME_MAX];
    char mac[OVNHOOK_ADDR_MAX];
    char ipv4[OVNHOOK_ADDR_MAX];
    char ipv6[OVNHOOK_ADDR_MAX];
    char chassis[OVNHOOK_NAME_MAX];     /* port_set: node; else src or dst */
    char dst[OVNHOOK_NAME_MAX];         /* migration_start */
    bool no_activation;         /* migration_start: no activation-strategy */
    ovs_be32 subnet, subnet_mask;       /* port_alloc */
    /* migration_start: the migration recorded on the LSP ("": none);
     * finish and revert with 'if_migration': the one the LSP must record
     * for the request to apply ("": none). */
    char migration_uid[OVNHOOK_UID_MAX];
    bool if_migration;

    long long int submitted;    /* time_msec() at the request call */
    long long int deadline;     /* to be committed (pending only) */
    long long int sb_deadline;  /* migration_start: to see dst bound */
    int attempts;               /* transactions that failed with it */
    bool solo;                  /* retry in a transaction of its own */
    bool inserted;              /* the LSP was inserted by this txn */
    struct uuid row_uuid;       /* the LSP's (temporary if inserted) */
    const char *outcome;        /* static: "created", "updated", ... */
};

/* What goes back to the caller's thread. */
struct ovnhook_completion {
    struct ovs_list node;
    bool is_binding;
    bool is_connection;
    struct ovnhook_result result;
    struct ovnhook_binding binding;
    bool nb_connected, sb_connected;
    struct ovnhook_port_info info[];    /* port_get: one, else none */
};

struct ovnhook {
    /* Immutable after create. */
    char *nb_remote;
    char *sb_remote;            /* NULL: none */
    char chassis[OVNHOOK_NAME_MAX];
    char switch_name[OVNHOOK_PORT_NAME_MAX];
    char port_group[OVNHOOK_PORT_NAME_MAX];
    char *acl_match;
    unsigned int max_queue, max_batch, max_watched;
    unsigned int request_timeout_ms, migration_timeout_ms;
    struct ovnhook_callbacks cb;

    pthread_t thread;
    struct latch exit_latch;    /* set by destroy */
    struct latch request_latch; /* set when 'pending' grew */
    int done_fd;                /* eventfd: completions wait */

    /* Shared between the threads, under 'mutex'. */
    struct ovs_mutex mutex;
    struct ovs_list pending OVS_GUARDED;        /* ovnhook_request */
    struct ovs_list done OVS_GUARDED;           /* ovnhook_completion */
    size_t n_done OVS_GUARDED;
    unsigned int n_queued OVS_GUARDED;  /* requests without an answer */
    struct ovnhook_stats stats OVS_GUARDED;
};

/* IDL thread (ovn-hooks-idl.c). */
void *ovnhook_idl_main(void *h);

/* Both sides (ovn-hooks.c). */
/* Answers 'req' and frees it (unless it is internal, it is then just freed).
 * 'info' (may be NULL) is copied into the result. */
void ovnhook_complete(struct ovnhook *, struct ovnhook_request *req,
                      const struct ovnhook_port_info *info,
                      int error, const char *format, ...)
    OVS_PRINTF_FORMAT(5, 6);
/* Takes ownership of the completion. */
void ovnhook_post(struct ovnhook *, struct ovnhook_completion *);
void ovnhook_copy(char *dst, size_t size, const char *src);

#endif /* ovn-hooks/ovn-hooks-private.h */
