/* SPDX-License-Identifier: Apache-2.0
 *
 * driver.h -- drives one QEMU live migration over QMP.
 *
 * The target side: capabilities and announce parameters, then
 * migrate-incoming on the migration address (design.md §5 step 3; the
 * announce parameters matter there, since the target sends the RARPs that
 * activate its port in OVN).  The source side: capabilities and
 * parameters, always setting max-bandwidth and downtime-limit explicitly
 * (QEMU's own default bandwidth is 128 MiB/s, not unlimited), migrate,
 * then query-migrate at a fixed period, fed to the monitor (monitor.h):
 * its verdict switches to post-copy or cancels.  QEMU's MIGRATION events
 * (the "events" capability is always on) trigger a query at once, so
 * the end is seen when it happens, not up to a period later.
 *
 * A migration stopped before its end (a cancel, the monitor's limits) is
 * over only when QEMU says so: after migrate_cancel QEMU stays
 * "cancelling" for a while, and refuses to start another migration
 * ("There's a migration process in progress") until it reports
 * "cancelled" (or "failed", or "completed" when the cancel came too
 * late).  The source reports its end only then, so that its caller never
 * starts the next migration of that QEMU early; and it waits a bounded
 * time (mig_params.end_wait_ms) for it.
 *
 * Both capability sets must agree: postcopy-ram is enabled on both sides
 * before migrate-incoming when post-copy is allowed.
 *
 * With TLS, each side first gets a tls-creds-x509 object (the target as
 * server, the source as client, both verifying their peer), so a target
 * whose certificate another CA signed is refused and the source keeps
 * running.
 */
#ifndef OVNMIG_DRIVER_H
#define OVNMIG_DRIVER_H 1

#include <stdbool.h>
#include <stdint.h>
#include "migrate/monitor.h"

struct event_base;
struct json;
struct qmp;
struct mig_config;

struct mig_params {
    const char *uri;            /* "tcp:HOST:PORT" or "unix:PATH". */
    uint64_t bandwidth;         /* Bytes/s; 0: unlimited. */
    unsigned int downtime_limit_ms;
    bool auto_converge;
    bool post_copy;
    const char *tls_dir;        /* Certificates in QEMU's layout (see
                                 * utilities/ovnmig-pki), or NULL: plain
                                 * TCP, which must have been asked for. */
    const char *tls_hostname;   /* Name the target's certificate must
                                 * carry; NULL: the URI's host. */
    unsigned int poll_ms;       /* query-migrate period (source). */
    unsigned int end_wait_ms;   /* How long QEMU may take to end its
                                 * migration after migrate_cancel (source);
                                 * 0: the default, 30 s. */

    /* The stream on a socket the caller connected (source) or accepted
     * (target), handed to QEMU with "getfd": QEMU may live in a network
     * namespace that cannot reach the migration network.  'uri' then only
     * names the peer in messages.  From the call of
     * mig_target_prepare() or mig_source_start() on, whatever they return,
     * 'fd' is the driver's: it closes it as soon as QEMU has its own copy
     * (or when it gives up before), so that the connection dies with that
     * QEMU. */
    bool pass_fd;
    int fd;
};

/* Fills 'params' from the effective 'config' (cluster, then policy). */
void mig_params_from_config(struct mig_params *, const struct mig_config *,
                            const char *uri);

/* Called once when a side is done: 0, or a negative errno with a
 * message.  For the source: 0 when QEMU reports "completed" (also after a
 * cancel that came too late: the guest then runs on the target);
 * -ECANCELED after mig_source_cancel(); -ETIMEDOUT for the monitor's
 * limits; -EIO for QEMU's "failed" (with its error-desc).  After a cancel
 * (-ECANCELED, -ETIMEDOUT) only once QEMU has ended its migration; -EBUSY
 * if it did not within mig_params.end_wait_ms (the message says so and
 * in which state QEMU stayed). */
typedef void mig_done_cb(void *aux, int error, const char *message);

/* Prepares the target QEMU behind 'qmp' (started with -incoming defer)
 * and starts listening.  'done' runs when it listens, or failed.
 *
 * Both sides send their commands one at a time, each once the previous
 * one succeeded: the first QEMU refuses ends the chain, and the message
 * is that command's name and QEMU's error ("migrate-set-parameters:
 * GenericError: ..."). */
int mig_target_prepare(struct qmp *, const struct mig_params *,
                       mig_done_cb *done, void *aux);

struct mig_source;

/* Starts migrating the QEMU behind 'qmp' to 'params->uri', watched by
 * 'monitor' (already initialized with the limits, its start time taken
 * from OVS's time_msec(), the clock the samples use).  'done' runs once at
 * the end; after it, mig_source_destroy().  Returns 0 and the driver in
 * '*srcp', or a negative errno. */
int mig_source_start(struct event_base *, struct qmp *,
                     const struct mig_params *, struct mig_monitor *monitor,
                     mig_done_cb *done, void *aux, struct mig_source **srcp);

/* Like mig_source_start() for a migration QEMU already runs (a restarted
 * daemon finding one): only watches it.  QEMU's status decides: completed
 * (0), failed, cancelled or none (errors), or still going (the monitor's
 * limits apply from now on). */
int mig_source_attach(struct event_base *, struct qmp *, unsigned int poll_ms,
                      struct mig_monitor *monitor, mig_done_cb *done,
                      void *aux, struct mig_source **srcp);

/* An event of the QMP connection the source drives (the caller, who made
 * the connection, forwards them all: qmp_connect()'s callbacks).  A
 * MIGRATION event whose status ends the migration or starts post-copy
 * makes the driver query QEMU at once instead of at the next poll, then
 * act on the answer as on any poll's: 'done' still runs once.  A STOP
 * event is the switchover (mig_source_stop_ms()).  Events from before
 * "migrate" went out are an earlier migration's: ignored.
 * 'data' may be NULL; 's' may be NULL (then nothing happens). */
void mig_source_event(struct mig_source *s, const char *event,
                      const struct json *data, double timestamp);

/* Cancels (migrate_cancel, or "migrate" is never sent if it was not yet);
 * 'done' then runs with -ECANCELED once QEMU has ended its migration
 * (never from within this call).  Does nothing once post-copy has begun
 * (the guest already runs on the target), or once 'done' ran. */
void mig_source_cancel(struct mig_source *);
void mig_source_destroy(struct mig_source *);

/* Whether 'done' has run.  Until it has, QEMU may still be migrating (or
 * cancelling) and refuses to start another migration. */
bool mig_source_is_over(const struct mig_source *);

/* The last sample and whether post-copy has begun, for progress reports. */
const struct mig_sample *mig_source_last(const struct mig_source *);
bool mig_source_in_post_copy(const struct mig_source *);

/* When QEMU stopped the guest to switch over (the last of pre-copy, or
 * the start of post-copy): the timestamp of the first STOP event after
 * "migrate" went out, in ms since the epoch by QEMU's clock; 0 until
 * then.  The guest's pause ends with the target's RESUME. */
long long int mig_source_stop_ms(const struct mig_source *);

#endif /* driver.h */
