/* SPDX-License-Identifier: Apache-2.0
 *
 * port-move.h -- how a VM's port moves from one chassis to another: the
 * network half of a live migration, in one place, whoever moves the
 * guest (ovnmigd's own QMP engine in standalone mode, KubeVirt in
 * Kubernetes mode).
 *
 *   prepare    the target node serves its copy of the port before the
 *              guest arrives: plumbing, the gateway ARP/NDP proxy, DHCP
 *              (standalone: the VM manager, for a VM it prepares as
 *              incoming; the LSP is left alone there);
 *   attach     requested-chassis=<src>,<dst> with
 *              activation-strategy=rarp: OVN binds the target's copy
 *              blocked, and done once the Southbound shows it bound;
 *              the guest's first RARP on the target activates it there
 *              within milliseconds, without any daemon;
 *   finalize   requested-chassis=<dst> alone: the guest runs there;
 *   revert     requested-chassis=<src> alone: it never left.
 *
 * A move is a small state machine with one OVN request in flight at most
 * (ovn-hooks/ovn-hooks.h: each request states the end it wants, so
 * asking again is harmless).  A new request supersedes the one in flight,
 * whose late answer is then not the move's.  A request that OVN's client
 * refused at once (a full queue) is asked again PMOVE_RETRY_MS later, and
 * so is a finalize or a revert that OVN answered with an error: a port
 * must never be left on two chassis.  A move does not decide: its owner
 * calls attach, finalize or revert and reacts to pmove_done()'s event.
 *
 * Crash safety comes from OVN holding the truth: a daemon that restarts
 * mid-move finds the LSP on both chassis (pmove_set_spanning()) and
 * finalizes or reverts it.
 *
 * Runs on the daemon's libevent thread, like ovn-hooks' completions.
 */
#ifndef OVNMIG_PORT_MOVE_H
#define OVNMIG_PORT_MOVE_H 1

#include <stdbool.h>
#include <stdint.h>

#include "ovn-hooks/ovn-hooks.h"

/* A finalize or revert that failed is asked again this much later. */
#define PMOVE_RETRY_MS 1000

enum pmove_state {
    PMOVE_SOURCE,       /* Nothing asked of OVN: the source's alone. */
    PMOVE_ATTACHING,    /* Both chassis asked: waiting for the SB. */
    PMOVE_ATTACHED,     /* The SB shows the target bound. */
    PMOVE_FINALIZING,   /* To the target alone: asked. */
    PMOVE_FINALIZED,
    PMOVE_REVERTING,    /* Back to the source alone: asked. */
    PMOVE_REVERTED,
};

/* How the target's copy is bound during the move. */
enum pmove_activation {
    PMOVE_RARP,         /* Blocked until the guest's RARP (default). */
    PMOVE_UNBLOCKED,    /* No activation strategy: OVN delivers to both
                         * chassis until the finalize (a benchmark knob,
                         * docs/ovnmigd.8). */
};

struct pmove {
    struct ovnhook *hooks;
    char port[OVNHOOK_PORT_NAME_MAX];
    char *src_chassis;          /* NULL until pmove_set_chassis(). */
    char *dst_chassis;
    enum pmove_state state;
    enum pmove_activation activation;   /* Of the last attach. */
    bool spans;                 /* The LSP may name both chassis. */
    bool bound;                 /* The SB showed the target bound. */
    uint64_t cookie;            /* Of the request in flight, or 0. */
    long long int retry_at;     /* time_msec() to ask again, or 0. */
};

/* What an OVN answer meant for the move (pmove_done()). */
enum pmove_event {
    PMOVE_EV_NONE,          /* Not this move's (or superseded). */
    PMOVE_EV_ATTACHED,      /* The SB shows the target bound. */
    PMOVE_EV_ATTACH_FAILED, /* The attach failed: revert, or end. */
    PMOVE_EV_FINALIZED,
    PMOVE_EV_REVERTED,
    PMOVE_EV_RETRYING,      /* A finalize or revert failed: asked again
                             * at pmove_retry_due(). */
};

/* A move of 'port' (copied), with 'hooks' (not owned; must outlive it).
 * The caller frees it with pmove_destroy(). */
void pmove_init(struct pmove *, struct ovnhook *hooks, const char *port);
void pmove_destroy(struct pmove *);

/* The two chassis (copied), once: later calls change nothing. */
void pmove_set_chassis(struct pmove *, const char *src, const char *dst);
bool pmove_has_chassis(const struct pmove *);

/* The LSP may already name both chassis (a daemon that restarted
 * mid-move): a failure must revert it. */
void pmove_set_spanning(struct pmove *);

/* Requests, each with the cookie its answer will carry (the caller's
 * cookie space; see pmove_owns()).  Each returns 0, or the negative errno
 * of a request OVN's client refused at once (then asked again at
 * pmove_retry_due()).  The chassis must be set. */
int pmove_attach(struct pmove *, enum pmove_activation, uint64_t cookie);
int pmove_finalize(struct pmove *, uint64_t cookie);
int pmove_revert(struct pmove *, uint64_t cookie);

/* Whether a request of the move waits to be asked again by now; the owner
 * then repeats it (pmove_retry()).  pmove_cancel_retry() forgets it. */
bool pmove_retry_due(const struct pmove *, long long int now);
int pmove_retry(struct pmove *, uint64_t cookie);
void pmove_cancel_retry(struct pmove *);

/* Whether 'r' answers the request in flight. */
bool pmove_owns(const struct pmove *, const struct ovnhook_result *r);

/* Takes OVN's answer 'r' (which pmove_owns()) and says what it meant. */
enum pmove_event pmove_done(struct pmove *, const struct ovnhook_result *r);

/* A request is in flight. */
static inline bool
pmove_busy(const struct pmove *pm)
{
    return pm->cookie != 0;
}

const char *pmove_state_name(enum pmove_state);

#endif /* daemon/port-move.h */
