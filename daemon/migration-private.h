/* SPDX-License-Identifier: Apache-2.0
 *
 * migration-private.h -- what the migration engine's three files share,
 * and nothing else includes: the engine and one migration as it tracks
 * them, the steps each role goes through, and the functions one file calls
 * in another.  migration.c holds the records' helpers, the public API
 * (migration.h) and the histograms; migration-source.c the source's steps
 * (S_*); migration-target.c the target's (T_*).
 */
#ifndef OVNMIG_MIGRATION_PRIVATE_H
#define OVNMIG_MIGRATION_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/migration.h"
#include "daemon/port-move.h"
#include "migrate/monitor.h"
#include "migrate/policy.h"
#include "migrate/qmp.h"
#include "openvswitch/compiler.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"

struct cdb;
struct cdb_mig_write;
struct cdb_migration;
struct cdb_snapshot;
struct event;
struct event_base;
struct mig_source;
struct ovnmigd_config;
struct qmp;
struct vmm;

/* How long the source waits for the target to be ready, and the target
 * for the source's stream, before failing the migration. */
#define TARGET_TIMEOUT_MS 60000
#define STREAM_TIMEOUT_MS 60000

enum role { ROLE_SOURCE, ROLE_TARGET };

enum step {
    /* Source. */
    S_WAIT,             /* For a slot, then for the target. */
    S_HOOK_START,       /* LSP on both chassis: waiting for the SB. */
    S_CONNECT,          /* TCP connect to the target. */
    S_COPY,             /* QEMU copies. */
    S_CANCEL,           /* Failed or cancelled: QEMU ends its migration. */
    S_QUERY,            /* Completed: reading QEMU's downtime. */
    S_RESUMED,          /* Waiting for the target's guest to resume. */
    S_FINISH,           /* LSP to the target (retried until done). */
    S_REVERT,           /* LSP back to the source (retried until done). */
    S_DONE,             /* Final state written. */
    /* Target. */
    T_PREPARE,          /* The VM manager prepares the VM. */
    T_LISTEN,           /* Waiting for the source's stream. */
    T_INCOMING,         /* QEMU receives. */
    T_DONE,
};

struct mig {
    struct hmap_node hmap_node;         /* In 'migs', by uid. */
    struct mige *e;
    char *uid;
    char port[OVNHOOK_PORT_NAME_MAX];
    enum role role;
    enum step step;
    struct cdb_migration *rec;  /* The latest copy; NULL once deleted. */
    long long int step_since;   /* time_msec() when 'step' began. */
    struct pmove pm;            /* The port's move (source). */

    /* Source. */
    bool checked;               /* Pending, and able to start. */
    const char *waiting;        /* Why the scheduler holds it, or NULL. */
    unsigned int held;          /* MIGE_HOLD_* point it waits at, or 0. */
    struct mig_config cfg;      /* Cluster config, then policy. */
    char *dst_node;
    int fd;                     /* The stream's socket, or -1. */
    struct event *ev;           /* Connect (source) or accept (target). */
    struct qmp *qmp;
    struct mig_source *msrc;
    struct mig_monitor monitor;
    long long int next_progress;
    int error;                  /* Why it fails (negative errno), or 0. */
    char *reason;
    bool aborting;              /* Cancelled by the user. */
    int64_t downtime_ms;
    int64_t total_ms;
    long long int copy_started_at;  /* Wall ms: "migrate" issued. */
    long long int completed_at;     /* Wall ms: QEMU reported completion. */

    /* Target. */
    int listen_fd;
    bool post_copy;             /* Capabilities must match the source's. */
    long long int resumed_at;   /* QEMU's RESUME, ms since the epoch, or 0. */
    bool pause_done;            /* The pause was worked out (or can't be). */
    long long int final_seen;   /* time_msec() the record was seen final. */
};

struct mige {
    unsigned int holds;         /* MIGE_HOLD_* bits. */
    const struct ovnmigd_config *cfg;
    struct event_base *base;
    struct ovnhook *hooks;
    struct cdb *cdb;
    struct vmm *vmm;
    char *address;              /* Migration address; "" if none. */
    struct hmap migs;
    uint64_t next_cookie;
    struct mige_stats stats;
    /* Metrics (mige_get_histograms(), mige_get_cluster_view()). */
    struct mige_histograms hists;
    struct mige_cluster_view view;
};

/* migration.c: the records and the helpers both roles use. */
const char *mige_step_name(enum step);
struct mig *mige_find(const struct mige *, const char *uid);
void mige_set_step(struct mig *, enum step);
void mige_release_io(struct mig *);
/* Connects 'm->qmp' to the QMP socket of the VM whose run directory is
 * 'run_dir', QEMU's events to 'event' (with 'm').  0 or a negative errno. */
int mige_qmp_connect(struct mig *, const char *run_dir, qmp_event_cb *event);
const char *mige_phase(const struct mig *);
void mige_write_if(struct mig *, struct cdb_mig_write *, size_t n,
                   const char *const *phases);
void mige_write_phase(struct mig *, const char *from, const char *to);
void mige_observe_final(struct mig *);
void mige_observe_pause(struct mige *, long long int pause_ms);

/* migration-source.c: the source's steps, the scheduler's decision, and
 * the OVN requests whose answers mige_hook_done() takes. */
void mige_source_run(struct mig *, const struct cdb_snapshot *);
void mige_source_fail(struct mig *, int error, const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);
void mige_source_connect(struct mig *);
void mige_source_bound(struct mig *);
void mige_hook_request(struct mig *, enum step);
void mige_write_final(struct mig *);
void mige_schedule(struct mige *, const struct cdb_snapshot *);

/* migration-target.c: the target's steps. */
void mige_target_run(struct mig *);
void mige_target_settings(struct mig *);

#endif /* migration-private.h */
