/* ovn-hooks -- ovnmig's client of the OVN Northbound and Southbound.
 *
 * Copyright 2024 The ovnmig authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * One long-lived IDL connection to the OVN Northbound (read-write) and one to
 * the Southbound (read-only, monitoring only the Port_Binding rows this node
 * needs).  Through them: the logical switch port (LSP) of each VM, the VM
 * port group and the ACL on it, and the migration primitives of design.md §2
 * and §5 (start, finish, revert).
 *
 * Threading (see docs/ovn-hooks.md): the IDLs live in a thread of their own
 * that runs an ordinary OVS poll loop.  Every request function below only
 * copies its arguments into a bounded queue and wakes that thread; the
 * answer comes back later as a completion, delivered by ovnhook_run() on the
 * caller's thread, when the fd of ovnhook_get_fd() is readable.  Requests that
 * arrive while a transaction is in flight go into the next one, so a burst of
 * requests costs a few transactions, not one each.
 *
 * Every request is idempotent: it states the wanted end state, and applying
 * it twice changes nothing the second time.
 *
 * Process setup: libopenvswitch keeps process-wide state.  main() must call
 * set_program_name(), fatal_ignore_sigpipe() and fatal_signal_init() (and set
 * vlog levels) before ovnhook_create() starts the thread; a libevent program
 * then installs its own SIGTERM/SIGINT handlers after fatal_signal_init().
 *
 * Only the caller's thread may call the functions below (one thread; they
 * are not reentrant from callbacks except for submitting new requests).
 */
#ifndef OVNHOOK_OVN_HOOKS_H
#define OVNHOOK_OVN_HOOKS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sizes of the copies handed across threads, NUL included.  A VM name and
 * a namespace are Kubernetes names (at most 63 characters each). */
#define OVNHOOK_NAME_MAX 64             /* vm, namespace, chassis, node */
#define OVNHOOK_PORT_NAME_MAX 128       /* "<vm>.<namespace>" */
#define OVNHOOK_ADDR_MAX 64             /* one MAC, IPv4 or IPv6 */
#define OVNHOOK_MESSAGE_MAX 256
#define OVNHOOK_UID_MAX 64              /* a Kubernetes UID (36) and more */
#define OVNHOOK_MAX_ADDITIONAL 4        /* additional chassis reported */
#define OVNHOOK_MAX_GATEWAYS 8

/* Defaults of struct ovnhook_options. */
#define OVNHOOK_DEFAULT_PORT_GROUP "ovnmig_vms"
#define OVNHOOK_DEFAULT_MAX_QUEUE 65536
#define OVNHOOK_DEFAULT_MAX_BATCH 5000
#define OVNHOOK_DEFAULT_REQUEST_TIMEOUT_MS 30000
#define OVNHOOK_DEFAULT_MIGRATION_TIMEOUT_MS 10000
#define OVNHOOK_DEFAULT_MAX_WATCHED 4096

/* The ACL's identity in external_ids, and its priority (OVN allows
 * 0..32767; above anything a CNI usually installs). */
#define OVNHOOK_ACL_PRIORITY 32000

enum ovnhook_op {
    OVNHOOK_OP_PORT_SET,
    OVNHOOK_OP_PORT_DELETE,
    OVNHOOK_OP_MIGRATION_START,
    OVNHOOK_OP_MIGRATION_FINISH,
    OVNHOOK_OP_MIGRATION_REVERT,
    OVNHOOK_OP_ENSURE_INFRA,
    OVNHOOK_OP_PORT_GET,
    OVNHOOK_OP_PORT_ALLOC,
};

const char *ovnhook_op_name(enum ovnhook_op);

/* A VM port: the LSP "<vm>.<namespace>" with addresses and port_security
 * "MAC IPv4[ IPv6]", requested-chassis <node>. */
struct ovnhook_port_spec {
    const char *vm;
    const char *namespace;
    const char *mac;            /* xx:xx:xx:xx:xx:xx */
    const char *ipv4;           /* A.B.C.D, no prefix length */
    const char *ipv6;           /* optional: NULL or "" for none */
    const char *node;           /* chassis name (or hostname) to bind to */
};

/* A pod's port (ovnmig-cni): the LSP "<vm>.<namespace>" as port_set makes
 * it, with an address the IDL thread allocates from 'subnet'. */
struct ovnhook_alloc_spec {
    const char *vm;             /* the pod's name */
    const char *namespace;
    const char *node;
    const char *subnet;         /* "A.B.C.D/P", P from 16 to 30 */
};

/* The Southbound's view of one port (copied out of the IDL). */
struct ovnhook_binding {
    char port[OVNHOOK_PORT_NAME_MAX];
    bool exists;                /* false: no Port_Binding row (yet) */
    char chassis[OVNHOOK_NAME_MAX];     /* "" when unbound */
    char additional[OVNHOOK_MAX_ADDITIONAL][OVNHOOK_NAME_MAX];
    size_t n_additional;
    bool up;
    /* options:additional-chassis-activated: set once the port was
     * activated on an additional chassis (RARP seen there). */
    char activated[OVNHOOK_NAME_MAX];
    /* The keys OVN's OpenFlow pipeline knows the port by: its tunnel_key
     * (in reg14/reg15) and its logical switch's (in metadata); 0 when not
     * known (the switch's Datapath_Binding is not monitored yet). */
    uint32_t tunnel_key;
    uint32_t datapath_key;
};

/* Snapshot of one port for "vm show": the NB LSP and the SB binding. */
struct ovnhook_port_info {
    char name[OVNHOOK_PORT_NAME_MAX];
    bool exists;                /* the LSP exists */
    char lsp_uuid[40];
    char addresses[3 * OVNHOOK_ADDR_MAX];
    char requested_chassis[2 * OVNHOOK_NAME_MAX];
    char activation_strategy[16];
    char vm[OVNHOOK_NAME_MAX];
    char namespace[OVNHOOK_NAME_MAX];
    char node[OVNHOOK_NAME_MAX];
    bool in_port_group;
    bool nb_up;                 /* LSP "up" as northd reports it */
    /* external_ids:ovnmig:migration-uid, the migration that put the LSP
     * on two chassis (ovnhook_migration_start_uid()), or "". */
    char migration_uid[OVNHOOK_UID_MAX];
    bool sb_known;              /* false: Southbound not reachable */
    struct ovnhook_binding sb;
};

/* The answer to one request. */
struct ovnhook_result {
    uint64_t cookie;            /* as given to the request */
    enum ovnhook_op op;
    int error;                  /* 0 or a negative errno, see each request */
    char port[OVNHOOK_PORT_NAME_MAX];   /* "" for ensure_infra */
    char message[OVNHOOK_MESSAGE_MAX];  /* always a readable sentence */
    char lsp_uuid[40];          /* port_set: the LSP's UUID */
    char mac[OVNHOOK_ADDR_MAX];         /* port_set, port_alloc: the */
    char ipv4[OVNHOOK_ADDR_MAX];        /* port's address */
    long long elapsed_ms;       /* from the request call to the answer */
    const struct ovnhook_port_info *info;       /* port_get only, else NULL */
};

/* Callbacks, called by ovnhook_run() on the caller's thread.  The pointers
 * they get are valid only during the call. */
struct ovnhook_callbacks {
    void (*done)(const struct ovnhook_result *, void *aux);
    /* Optional: the Southbound binding of a watched port changed (chassis,
     * additional chassis, up, activation).  Watched ports are those bound
     * to this node by port_set, and those of migrations and port_get. */
    void (*binding)(const struct ovnhook_binding *, void *aux);
    /* Optional: the NB or SB connection went up or down. */
    void (*connection)(bool nb_connected, bool sb_connected, void *aux);
    void *aux;
};

struct ovnhook_options {
    const char *nb_remote;      /* e.g. "tcp:a:6641,tcp:b:6641" or "unix:P" */
    const char *sb_remote;      /* NULL: no Southbound (migration_start then
                                 * fails with -ENOTCONN) */
    const char *chassis;        /* this node's chassis name */
    const char *switch_name;    /* the logical switch of the VM ports */
    const char *port_group;     /* NULL: OVNHOOK_DEFAULT_PORT_GROUP */
    /* Gateway addresses whose ARP requests (IPv4) or neighbor
     * solicitations (IPv6) the ACL drops inside OVN.  None given:
     * 169.254.1.1 and fe80::1. */
    const char *gateways[OVNHOOK_MAX_GATEWAYS];
    size_t n_gateways;
    /* Limits; 0 takes the default. */
    unsigned int max_queue;     /* requests queued; beyond: -ENOBUFS */
    unsigned int max_batch;     /* requests per transaction */
    unsigned int max_watched;   /* Port_Binding rows monitored */
    unsigned int request_timeout_ms;    /* to commit, NB unreachable */
    unsigned int migration_timeout_ms;  /* start: to see dst bound */
    struct ovnhook_callbacks cb;
};

struct ovnhook_stats {
    bool nb_connected, sb_connected;
    unsigned int queued;        /* requests not answered yet */
    unsigned int watched;       /* Port_Binding rows monitored */
    uint64_t requests;          /* accepted */
    uint64_t rejected_full;     /* refused with -ENOBUFS */
    uint64_t txn_committed;     /* NB transactions that succeeded */
    uint64_t txn_unchanged;     /* ... that had nothing to change */
    uint64_t txn_retried;       /* ... that had to be tried again */
    uint64_t txn_failed;        /* ... refused by the server */
    uint64_t done_ok;           /* requests answered with 0 */
    uint64_t done_error;        /* ... with an error (timeouts included) */
    uint64_t timeouts;          /* ... with -ETIMEDOUT */
    uint64_t sb_events;         /* binding callbacks queued */
    uint64_t sb_events_dropped; /* ... dropped: caller not draining */
    uint64_t nb_reconnects;     /* NB connections made after the first */
};

struct ovnhook;

/* Starts the IDL thread and connects.  Copies everything in 'opts'.
 * Returns NULL and sets errno (EINVAL, or what eventfd/pipe reported) on
 * failure.  The caller must destroy the result with ovnhook_destroy(). */
struct ovnhook *ovnhook_create(const struct ovnhook_options *opts);

/* Stops the thread and frees everything, 'h' included; accepts NULL.
 * Requests not answered yet are dropped without a callback. */
void ovnhook_destroy(struct ovnhook *h);

/* The fd that becomes readable when completions wait: watch it for reading
 * (e.g. with libevent) and call ovnhook_run().  Owned by 'h'. */
int ovnhook_get_fd(const struct ovnhook *h);

/* Delivers the waiting completions and events through the callbacks.
 * Returns how many were delivered. */
int ovnhook_run(struct ovnhook *h);

/* For callers with an OVS poll loop: wakes poll_block() when
 * ovnhook_run() has work. */
void ovnhook_wait(const struct ovnhook *h);

/* Requests.  Each returns 0 when queued (its completion comes later with
 * 'cookie'), -EINVAL on a bad argument, -ENAMETOOLONG on a name that does
 * not fit, or -ENOBUFS when max_queue requests are already waiting (the
 * request is dropped; try again after completions came back).
 *
 * Completions report 0 or a negative errno: -ENOENT (logical switch or
 * LSP missing), -EPERM (LSP not ovnmig's), -ETIMEDOUT, -EIO (transaction
 * refused by the server, message says why), -ECANCELED (a migration start
 * superseded by finish, revert or delete). */

/* Creates or updates the LSP "<vm>.<namespace>": addresses and
 * port_security "MAC IPv4[ IPv6]", options:requested-chassis=<node>
 * (activation-strategy removed: this is the steady state), external_ids
 * ovnmig:vm, ovnmig:namespace, ovnmig:node; member of the switch and of
 * the port group (created with its ACL when missing).  Other options and
 * external_ids are left alone. */
int ovnhook_port_set(struct ovnhook *h, const struct ovnhook_port_spec *spec,
                     uint64_t cookie);

/* As ovnhook_port_set(), for a port whose address is not known yet: an
 * LSP that exists (ovnmig's) keeps its address; otherwise the lowest
 * address of 'subnet' that no LSP of the switch holds is taken, never the
 * network address, the first host address (the subnet's router) or the
 * broadcast address, with the MAC 0a:58 followed by its four bytes.  The
 * transaction verifies the switch's ports, so that two nodes allocating
 * at once cannot take the same address: the loser allocates again.  The
 * result's 'mac' and 'ipv4' give the address.  The LSP is marked a pod's
 * (external_ids ovnmig:pod=true).  Completes with -ENOSPC when the subnet
 * is full, -EPERM if the LSP exists but is not ovnmig's, -EEXIST if it is
 * a VM's (port_set's, without the mark). */
int ovnhook_port_alloc(struct ovnhook *h, const struct ovnhook_alloc_spec *,
                       uint64_t cookie);

/* Deletes the LSP 'port' (0 if it is already gone; -EPERM if it exists
 * without ovnmig's external_ids). */
int ovnhook_port_delete(struct ovnhook *h, const char *port,
                        uint64_t cookie);

/* requested-chassis=<src>,<dst> and activation-strategy=rarp; completes
 * once the Southbound shows <dst> among the port's additional chassis
 * (bound there, blocked until a RARP), or with -ETIMEDOUT after
 * migration_timeout_ms (the NB is left as is: call revert). */
int ovnhook_migration_start(struct ovnhook *h, const char *port,
                            const char *src, const char *dst,
                            uint64_t cookie);

/* As ovnhook_migration_start(), without an activation strategy: OVN then
 * delivers the port's traffic to both chassis until requested-chassis
 * names one (a paused incoming QEMU drops its copies), and the target
 * takes the port's traffic as soon as its guest runs, with no RARP round
 * trip through ovn-controller.  Completes once the Southbound shows <dst>
 * among the port's additional chassis. */
int ovnhook_migration_start_unblocked(struct ovnhook *h, const char *port,
                                      const char *src, const char *dst,
                                      uint64_t cookie);

/* requested-chassis=<dst>, activation-strategy removed, ovnmig:node=dst. */
int ovnhook_migration_finish(struct ovnhook *h, const char *port,
                             const char *dst, uint64_t cookie);

/* requested-chassis=<src>, activation-strategy removed, ovnmig:node=src. */
int ovnhook_migration_revert(struct ovnhook *h, const char *port,
                             const char *src, uint64_t cookie);

/* As ovnhook_migration_start(), and records 'migration_uid' on the LSP
 * (external_ids:ovnmig:migration-uid), for ovnhook_migration_end_if(). */
int ovnhook_migration_start_uid(struct ovnhook *h, const char *port,
                                const char *src, const char *dst,
                                const char *migration_uid, uint64_t cookie);

/* requested-chassis=<chassis> alone, activation-strategy and the recorded
 * migration removed, ovnmig:node=chassis -- only if the LSP records
 * 'migration_uid' ("": none), which the transaction verifies against
 * concurrent writers: else the completion reports -ESTALE and nothing
 * changed.  Kubernetes mode's finalize, where several nodes may act on
 * the same facts, and an old migration's outcome must not move a port
 * another migration moves (kube/decide.h). */
int ovnhook_migration_end_if(struct ovnhook *h, const char *port,
                             const char *chassis, const char *migration_uid,
                             uint64_t cookie);

/* The port group and its ACL (also done on every NB connection and with
 * every port_set). */
int ovnhook_ensure_infra(struct ovnhook *h, uint64_t cookie);

/* A snapshot of 'port' in the result's 'info' (error 0 even when the LSP
 * does not exist: see info->exists). */
int ovnhook_port_get(struct ovnhook *h, const char *port, uint64_t cookie);

/* Copies the counters into '*stats'. */
void ovnhook_get_stats(struct ovnhook *h, struct ovnhook_stats *stats);

/* The ACL's match for these gateways on 'port_group' (pure; exposed for
 * tests and docs).  Returns 0 and writes into 'buf', or -EINVAL on a bad
 * address, -ENAMETOOLONG if 'size' is too small. */
int ovnhook_acl_match(const char *port_group, const char *const *gateways,
                      size_t n_gateways, char *buf, size_t size);

/* "<vm>.<namespace>" into 'buf'.  Returns 0, -EINVAL, -ENAMETOOLONG. */
int ovnhook_port_name(const char *vm, const char *namespace,
                      char *buf, size_t size);

#endif /* ovn-hooks/ovn-hooks.h */
