/* SPDX-License-Identifier: Apache-2.0
 *
 * port-move.c -- a VM port's move between two chassis (port-move.h).
 */
#include <config.h>

#include "daemon/port-move.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(port_move);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

const char *
pmove_state_name(enum pmove_state state)
{
    switch (state) {
    case PMOVE_SOURCE: return "source";
    case PMOVE_ATTACHING: return "attaching";
    case PMOVE_ATTACHED: return "attached";
    case PMOVE_FINALIZING: return "finalizing";
    case PMOVE_FINALIZED: return "finalized";
    case PMOVE_REVERTING: return "reverting";
    case PMOVE_REVERTED: return "reverted";
    }
    return "?";
}

void
pmove_init(struct pmove *pm, struct ovnhook *hooks, const char *port)
{
    memset(pm, 0, sizeof *pm);
    pm->hooks = hooks;
    ovs_strlcpy(pm->port, port, sizeof pm->port);
    pm->state = PMOVE_SOURCE;
}

void
pmove_destroy(struct pmove *pm)
{
    if (pm) {
        free(pm->src_chassis);
        free(pm->dst_chassis);
        pm->src_chassis = pm->dst_chassis = NULL;
    }
}

void
pmove_set_chassis(struct pmove *pm, const char *src, const char *dst)
{
    if (!pm->dst_chassis) {
        pm->src_chassis = xstrdup(src);
        pm->dst_chassis = xstrdup(dst);
    }
}

bool
pmove_has_chassis(const struct pmove *pm)
{
    return pm->dst_chassis != NULL;
}

void
pmove_set_spanning(struct pmove *pm)
{
    pm->spans = true;
}

/* Records the request just made with 'cookie' ('error': how OVN's client
 * took it) as the one in flight, in 'state'. */
static int
requested(struct pmove *pm, enum pmove_state state, uint64_t cookie,
          int error)
{
    pm->state = state;
    pm->retry_at = 0;
    pm->cookie = error ? 0 : cookie;
    if (error) {
        VLOG_WARN_RL(&rl, "%s: OVN request (%s): %s", pm->port,
                     pmove_state_name(state), ovs_strerror(-error));
        pm->retry_at = time_msec() + PMOVE_RETRY_MS;
    }
    return error;
}

int
pmove_attach(struct pmove *pm, enum pmove_activation activation,
             uint64_t cookie)
{
    ovs_assert(pm->dst_chassis);
    int error = (activation == PMOVE_UNBLOCKED
                 ? ovnhook_migration_start_unblocked
                 : ovnhook_migration_start)(pm->hooks, pm->port,
                                            pm->src_chassis,
                                            pm->dst_chassis, cookie);
    /* Even a request refused at once may be retried later: from here on
     * a failure must revert. */
    pm->spans = true;
    pm->bound = false;
    pm->activation = activation;
    return requested(pm, PMOVE_ATTACHING, cookie, error);
}

int
pmove_finalize(struct pmove *pm, uint64_t cookie)
{
    ovs_assert(pm->dst_chassis);
    int error = ovnhook_migration_finish(pm->hooks, pm->port,
                                         pm->dst_chassis, cookie);
    return requested(pm, PMOVE_FINALIZING, cookie, error);
}

int
pmove_revert(struct pmove *pm, uint64_t cookie)
{
    ovs_assert(pm->src_chassis);
    int error = ovnhook_migration_revert(pm->hooks, pm->port,
                                         pm->src_chassis, cookie);
    return requested(pm, PMOVE_REVERTING, cookie, error);
}

bool
pmove_retry_due(const struct pmove *pm, long long int now)
{
    return pm->retry_at && now >= pm->retry_at;
}

void
pmove_cancel_retry(struct pmove *pm)
{
    pm->retry_at = 0;
}

int
pmove_retry(struct pmove *pm, uint64_t cookie)
{
    switch (pm->state) {
    case PMOVE_ATTACHING:
        return pmove_attach(pm, pm->activation, cookie);
    case PMOVE_FINALIZING:
        return pmove_finalize(pm, cookie);
    case PMOVE_REVERTING:
        return pmove_revert(pm, cookie);
    case PMOVE_SOURCE:
    case PMOVE_ATTACHED:
    case PMOVE_FINALIZED:
    case PMOVE_REVERTED:
    default:
        pm->retry_at = 0;
        return 0;
    }
}

bool
pmove_owns(const struct pmove *pm, const struct ovnhook_result *r)
{
    return pm->cookie && pm->cookie == r->cookie;
}

enum pmove_event
pmove_done(struct pmove *pm, const struct ovnhook_result *r)
{
    if (!pmove_owns(pm, r)) {
        return PMOVE_EV_NONE;
    }
    pm->cookie = 0;
    switch (pm->state) {
    case PMOVE_ATTACHING:
        if (r->error) {
            return PMOVE_EV_ATTACH_FAILED;
        }
        pm->bound = true;
        pm->state = PMOVE_ATTACHED;
        return PMOVE_EV_ATTACHED;
    case PMOVE_FINALIZING:
    case PMOVE_REVERTING:
        if (r->error) {
            VLOG_WARN_RL(&rl, "%s: %s: %s (trying again)", pm->port,
                         ovnhook_op_name(r->op), r->message);
            pm->retry_at = time_msec() + PMOVE_RETRY_MS;
            return PMOVE_EV_RETRYING;
        }
        pm->spans = false;
        pm->state = (pm->state == PMOVE_FINALIZING ? PMOVE_FINALIZED
                                                   : PMOVE_REVERTED);
        return (pm->state == PMOVE_FINALIZED ? PMOVE_EV_FINALIZED
                                             : PMOVE_EV_REVERTED);
    case PMOVE_SOURCE:
    case PMOVE_ATTACHED:
    case PMOVE_FINALIZED:
    case PMOVE_REVERTED:
    default:
        return PMOVE_EV_NONE;
    }
}
