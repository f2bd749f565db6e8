/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for migrate/scheduler: the cluster and per-node limits, the
 * request order, how the two limits interact, target choice by free
 * capacity, waiting for want of a target, and a changed limit taking
 * effect on the next decision.  Ends with random snapshots checked against
 * the invariants the engine relies on. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/policy.h"
#include "migrate/scheduler.h"
#include "smap.h"
#include "util.h"

#define GIB (UINT64_C(1) << 30)

/* A cluster snapshot under construction. */
struct cluster {
    struct mig_sched_migration migs[64];
    size_t n_migs;
    struct mig_sched_node nodes[16];
    size_t n_nodes;
    struct mig_config config;
    struct mig_sched_result result;
};

static void
cluster_init(struct cluster *c)
{
    memset(c, 0, sizeof *c);
    mig_config_init(&c->config);
}

static struct mig_sched_node *
add_node(struct cluster *c, const char *name, uint64_t memory,
         uint64_t used)
{
    assert_true(c->n_nodes < ARRAY_SIZE(c->nodes));
    struct mig_sched_node *n = &c->nodes[c->n_nodes++];
    *n = (struct mig_sched_node) {
        .name = name, .schedulable = true, .up = true,
        .memory = memory, .memory_used = used,
    };
    return n;
}

/* 'n' nodes hv1..hvN, each with 64 GiB free. */
static void
add_nodes(struct cluster *c, int n)
{
    static const char *names[] = {
        "hv1", "hv2", "hv3", "hv4", "hv5", "hv6", "hv7", "hv8", "hv9",
        "hv10", "hv11", "hv12",
    };
    assert_true(n <= (int) ARRAY_SIZE(names));
    for (int i = 0; i < n; i++) {
        add_node(c, names[i], 64 * GIB, 0);
    }
}

static struct mig_sched_migration *
add_mig(struct cluster *c, const char *uid, const char *source,
        enum mig_phase phase, int64_t requested)
{
    assert_true(c->n_migs < ARRAY_SIZE(c->migs));
    struct mig_sched_migration *m = &c->migs[c->n_migs++];
    *m = (struct mig_sched_migration) {
        .uid = uid, .vm = uid, .namespace = "default",
        .source_node = source, .phase = phase, .requested = requested,
        .memory = GIB,
    };
    return m;
}

static void
schedule(struct cluster *c)
{
    mig_sched_result_destroy(&c->result);
    assert_int_equal(mig_schedule(c->migs, c->n_migs, c->nodes, c->n_nodes,
                                  &c->config, &c->result), 0);
}

/* The entry for migration 'uid'; fails the test if there is none. */
static const struct mig_sched_entry *
entry(const struct cluster *c, const char *uid)
{
    for (size_t i = 0; i < c->result.n_entries; i++) {
        const struct mig_sched_entry *e = &c->result.entries[i];
        if (!strcmp(c->migs[e->index].uid, uid)) {
            return e;
        }
    }
    fail_msg("no entry for %s", uid);
    return NULL;
}

/* The uids that start, in queue order, as "a b c". */
static const char *
starts(const struct cluster *c)
{
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < c->result.n_entries; i++) {
        const struct mig_sched_entry *e = &c->result.entries[i];
        if (e->verdict == MIG_SCHED_START) {
            if (buf[0]) {
                strcat(buf, " ");
            }
            strcat(buf, c->migs[e->index].uid);
        }
    }
    return buf;
}

/* Moves every migration that starts to Scheduling, with its target, as
 * the engine's claim would. */
static void
claim(struct cluster *c)
{
    for (size_t i = 0; i < c->result.n_entries; i++) {
        const struct mig_sched_entry *e = &c->result.entries[i];
        if (e->verdict == MIG_SCHED_START) {
            c->migs[e->index].phase = MIG_PHASE_SCHEDULING;
            c->migs[e->index].target_node = e->target;
        }
    }
}

static void
cluster_destroy(struct cluster *c)
{
    mig_sched_result_destroy(&c->result);
}

static void
test_phases(void **state OVS_UNUSED)
{
    static const char *names[] = {
        "Pending", "Scheduling", "Scheduled", "PreparingTarget",
        "TargetReady", "Running", "Succeeded", "Failed",
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        enum mig_phase p;
        assert_int_equal(mig_phase_from_name(names[i], &p), 0);
        assert_string_equal(mig_phase_name(p), names[i]);
        assert_int_equal(mig_phase_is_active(p),
                         p != MIG_PHASE_PENDING && p != MIG_PHASE_SUCCEEDED
                         && p != MIG_PHASE_FAILED);
    }
    enum mig_phase p;
    assert_int_equal(mig_phase_from_name("running", &p), -EINVAL);
    assert_int_equal(mig_phase_from_name("", &p), -EINVAL);
    assert_int_equal(mig_phase_from_name(NULL, &p), -EINVAL);
    assert_string_equal(mig_phase_name(99), "unknown");
}

/* Eight requests from eight nodes: the default cluster limit lets five
 * go; the other three wait their turn, in order. */
static void
test_cluster_limit(void **state OVS_UNUSED)
{
    static const char *uids[] = { "m1", "m2", "m3", "m4", "m5", "m6", "m7",
                                  "m8" };
    static const char *src[] = { "hv1", "hv2", "hv3", "hv4", "hv5", "hv6",
                                 "hv7", "hv8" };
    struct cluster c;
    cluster_init(&c);
    add_nodes(&c, 12);
    for (int i = 0; i < 8; i++) {
        add_mig(&c, uids[i], src[i], MIG_PHASE_PENDING, 1000 + i);
    }
    schedule(&c);
    assert_int_equal(c.result.active, 0);
    assert_int_equal(c.result.n_entries, 8);
    assert_int_equal(c.result.n_starts, MIG_DEFAULT_PARALLEL_PER_CLUSTER);
    assert_string_equal(starts(&c), "m1 m2 m3 m4 m5");
    for (int i = 5; i < 8; i++) {
        const struct mig_sched_entry *e = entry(&c, uids[i]);
        assert_int_equal(e->verdict, MIG_SCHED_WAIT_CLUSTER);
        assert_int_equal(e->place, i - 4);
        assert_null(e->target);
    }
    assert_int_equal(entry(&c, "m1")->place, 0);

    /* Once claimed, the five hold the cluster: nobody else starts. */
    claim(&c);
    schedule(&c);
    assert_int_equal(c.result.active, 5);
    assert_int_equal(c.result.n_starts, 0);
    assert_int_equal(c.result.n_entries, 3);

    /* One finishes, one slot frees: the next in line takes it. */
    c.migs[2].phase = MIG_PHASE_SUCCEEDED;
    c.migs[3].phase = MIG_PHASE_FAILED;
    schedule(&c);
    assert_string_equal(starts(&c), "m6 m7");
    assert_int_equal(entry(&c, "m8")->place, 1);
    cluster_destroy(&c);
}

/* Five requests from one node: two go (the default per-node limit). */
static void
test_node_limit(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_nodes(&c, 4);
    add_mig(&c, "a", "hv1", MIG_PHASE_PENDING, 1);
    add_mig(&c, "b", "hv1", MIG_PHASE_PENDING, 2);
    add_mig(&c, "c", "hv1", MIG_PHASE_PENDING, 3);
    add_mig(&c, "d", "hv1", MIG_PHASE_PENDING, 4);
    schedule(&c);
    assert_string_equal(starts(&c), "a b");
    assert_int_equal(entry(&c, "c")->verdict, MIG_SCHED_WAIT_NODE);
    assert_int_equal(entry(&c, "c")->place, 1);
    assert_int_equal(entry(&c, "d")->place, 2);

    /* Any active phase holds the node's slot, not only Running. */
    static const enum mig_phase active[] = {
        MIG_PHASE_SCHEDULING, MIG_PHASE_SCHEDULED,
        MIG_PHASE_PREPARING_TARGET, MIG_PHASE_TARGET_READY,
        MIG_PHASE_RUNNING,
    };
    for (size_t i = 0; i < ARRAY_SIZE(active); i++) {
        c.migs[0].phase = active[i];
        c.migs[0].target_node = "hv2";
        schedule(&c);
        assert_int_equal(c.result.active, 1);
        assert_string_equal(starts(&c), "b");
    }
    cluster_destroy(&c);
}

/* The queue is request order, then uid -- not the order of the rows. */
static void
test_fifo_order(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_nodes(&c, 8);
    c.config.parallel_per_cluster = 3;
    c.config.parallel_outbound_per_node = 10;
    add_mig(&c, "late", "hv1", MIG_PHASE_PENDING, 5000);
    add_mig(&c, "zeta", "hv1", MIG_PHASE_PENDING, 2000);
    add_mig(&c, "early", "hv1", MIG_PHASE_PENDING, 1000);
    add_mig(&c, "alpha", "hv1", MIG_PHASE_PENDING, 2000);
    add_mig(&c, "middle", "hv1", MIG_PHASE_PENDING, 3000);
    schedule(&c);
    assert_string_equal(starts(&c), "early alpha zeta");
    assert_int_equal(entry(&c, "middle")->place, 1);
    assert_int_equal(entry(&c, "late")->place, 2);
    /* Entries come in queue order. */
    assert_string_equal(c.migs[c.result.entries[3].index].uid, "middle");
    assert_string_equal(c.migs[c.result.entries[4].index].uid, "late");
    cluster_destroy(&c);
}

/* The two limits together: a node at its limit does not hold back the
 * others, but a full cluster holds back everyone. */
static void
test_node_and_cluster_limits(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_nodes(&c, 6);
    add_mig(&c, "a", "hv1", MIG_PHASE_PENDING, 1);
    add_mig(&c, "b", "hv1", MIG_PHASE_PENDING, 2);
    add_mig(&c, "c", "hv1", MIG_PHASE_PENDING, 3);
    add_mig(&c, "d", "hv2", MIG_PHASE_PENDING, 4);
    add_mig(&c, "e", "hv2", MIG_PHASE_PENDING, 5);
    add_mig(&c, "f", "hv3", MIG_PHASE_PENDING, 6);
    add_mig(&c, "g", "hv3", MIG_PHASE_PENDING, 7);
    schedule(&c);
    assert_string_equal(starts(&c), "a b d e f");
    assert_int_equal(entry(&c, "c")->verdict, MIG_SCHED_WAIT_NODE);
    assert_int_equal(entry(&c, "c")->place, 1);
    assert_int_equal(entry(&c, "g")->verdict, MIG_SCHED_WAIT_CLUSTER);
    assert_int_equal(entry(&c, "g")->place, 2);

    /* hv1's first finishes: c, its next, starts -- g stays behind the
     * cluster limit though it is from another node. */
    claim(&c);
    c.migs[0].phase = MIG_PHASE_SUCCEEDED;
    schedule(&c);
    assert_string_equal(starts(&c), "c");
    assert_int_equal(entry(&c, "g")->verdict, MIG_SCHED_WAIT_CLUSTER);

    /* d finishes instead of a: hv1 is still full, so g takes the slot. */
    c.migs[0].phase = MIG_PHASE_RUNNING;
    c.migs[3].phase = MIG_PHASE_SUCCEEDED;
    schedule(&c);
    assert_string_equal(starts(&c), "g");
    assert_int_equal(entry(&c, "c")->verdict, MIG_SCHED_WAIT_NODE);
    cluster_destroy(&c);
}

/* Targets: the node with the most room that can take the VM. */
static void
test_target_choice(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_node(&c, "src", 128 * GIB, 100 * GIB);
    add_node(&c, "small", 16 * GIB, 0);             /* 16 free. */
    add_node(&c, "big", 64 * GIB, 24 * GIB);        /* 40 free. */
    add_node(&c, "bigger", 256 * GIB, 200 * GIB);   /* 56 free, ... */
    add_node(&c, "cordoned", 512 * GIB, 0)->schedulable = false;
    add_node(&c, "dead", 512 * GIB, 0)->up = false;
    struct mig_sched_migration *m = add_mig(&c, "m1", "src",
                                            MIG_PHASE_PENDING, 1);
    m->memory = 8 * GIB;
    /* ... but a 20 GiB VM is already headed there: 36 free. */
    struct mig_sched_migration *in = add_mig(&c, "in", "small",
                                             MIG_PHASE_RUNNING, 0);
    in->target_node = "bigger";
    in->memory = 20 * GIB;
    schedule(&c);
    assert_string_equal(entry(&c, "m1")->target, "big");

    /* The source is never its own target, however free. */
    c.nodes[0].memory_used = 0;
    schedule(&c);
    assert_string_equal(entry(&c, "m1")->target, "big");

    /* Ties go by name. */
    c.nodes[3].memory_used = 204 * GIB;           /* bigger: 32. */
    c.nodes[2].memory_used = 32 * GIB;            /* big: 32 free. */
    schedule(&c);
    assert_string_equal(entry(&c, "m1")->target, "big");
    c.nodes[2].memory_used = 33 * GIB;
    schedule(&c);
    assert_string_equal(entry(&c, "m1")->target, "bigger");
    cluster_destroy(&c);
}

/* Starts of one decision spread: each counts against its target's room
 * for the next. */
static void
test_target_spread(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    c.config.parallel_outbound_per_node = 5;
    add_node(&c, "hv0", 64 * GIB, 60 * GIB);
    add_node(&c, "hv1", 32 * GIB, 0);
    add_node(&c, "hv2", 32 * GIB, 8 * GIB);
    static const char *uids[] = { "m1", "m2", "m3", "m4" };
    for (int i = 0; i < 4; i++) {
        add_mig(&c, uids[i], "hv0", MIG_PHASE_PENDING, i)->memory = 8 * GIB;
    }
    schedule(&c);
    /* Room: hv1 32, hv2 24 -> hv1 (24, 24) -> hv1 by name (16, 24) ->
     * hv2 (16, 16) -> hv1 (8, 16). */
    assert_string_equal(entry(&c, "m1")->target, "hv1");
    assert_string_equal(entry(&c, "m2")->target, "hv1");
    assert_string_equal(entry(&c, "m3")->target, "hv2");
    assert_string_equal(entry(&c, "m4")->target, "hv1");
    cluster_destroy(&c);
}

/* No node can take the VM: it waits, and smaller ones behind it from the
 * same node go ahead. */
static void
test_no_target(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_node(&c, "hv1", 64 * GIB, 48 * GIB);
    add_node(&c, "hv2", 16 * GIB, 12 * GIB);         /* 4 free. */
    add_node(&c, "hv3", 64 * GIB, 0)->schedulable = false;
    add_mig(&c, "huge", "hv1", MIG_PHASE_PENDING, 1)->memory = 16 * GIB;
    add_mig(&c, "tiny", "hv1", MIG_PHASE_PENDING, 2)->memory = 4 * GIB;
    add_mig(&c, "more", "hv1", MIG_PHASE_PENDING, 3)->memory = 1;
    schedule(&c);
    assert_int_equal(entry(&c, "huge")->verdict, MIG_SCHED_WAIT_TARGET);
    assert_int_equal(entry(&c, "huge")->place, 1);
    assert_string_equal(entry(&c, "tiny")->target, "hv2");
    /* hv2 is now full: nothing left for the next one. */
    assert_int_equal(entry(&c, "more")->verdict, MIG_SCHED_WAIT_TARGET);
    assert_int_equal(entry(&c, "more")->place, 2);

    /* A one-node cluster has no target at all. */
    struct cluster one;
    cluster_init(&one);
    add_node(&one, "hv1", 64 * GIB, 0);
    add_mig(&one, "m", "hv1", MIG_PHASE_PENDING, 1);
    schedule(&one);
    assert_int_equal(one.result.n_starts, 0);
    assert_int_equal(entry(&one, "m")->verdict, MIG_SCHED_WAIT_TARGET);
    cluster_destroy(&one);
    cluster_destroy(&c);
}

/* A target named in the request must pass the same test. */
static void
test_named_target(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_node(&c, "hv1", 64 * GIB, 0);
    add_node(&c, "hv2", 64 * GIB, 0);
    add_node(&c, "hv3", 8 * GIB, 0);
    struct mig_sched_migration *m = add_mig(&c, "m", "hv1",
                                            MIG_PHASE_PENDING, 1);
    m->target_node = "hv3";
    schedule(&c);
    assert_string_equal(entry(&c, "m")->target, "hv3");   /* Not hv2. */

    static const char *refused[] = { "hv1", "hv9" };
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        m->target_node = refused[i];
        schedule(&c);
        assert_int_equal(entry(&c, "m")->verdict, MIG_SCHED_WAIT_TARGET);
    }
    m->target_node = "hv3";
    m->memory = 9 * GIB;
    schedule(&c);
    assert_int_equal(entry(&c, "m")->verdict, MIG_SCHED_WAIT_TARGET);
    m->memory = GIB;
    c.nodes[2].up = false;
    schedule(&c);
    assert_int_equal(entry(&c, "m")->verdict, MIG_SCHED_WAIT_TARGET);
    c.nodes[2].up = true;
    c.nodes[2].schedulable = false;
    schedule(&c);
    assert_int_equal(entry(&c, "m")->verdict, MIG_SCHED_WAIT_TARGET);
    m->target_node = "";                          /* "" = choose. */
    schedule(&c);
    assert_string_equal(entry(&c, "m")->target, "hv2");
    cluster_destroy(&c);
}

/* A VM goes only to a node that runs its accelerator: QEMU cannot move a
 * guest between KVM and TCG.  A side that does not say passes. */
static void
test_accelerator(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_node(&c, "hv1", 64 * GIB, 0)->accel = "tcg";
    add_node(&c, "hv2", 64 * GIB, 0)->accel = "kvm";     /* Most room... */
    add_node(&c, "hv3", 32 * GIB, 0)->accel = "tcg";
    struct mig_sched_migration *m = add_mig(&c, "m", "hv1",
                                            MIG_PHASE_PENDING, 1);
    m->accel = "tcg";
    schedule(&c);
    assert_string_equal(entry(&c, "m")->target, "hv3");  /* ...not hv2. */

    m->target_node = "hv2";
    schedule(&c);
    assert_int_equal(entry(&c, "m")->verdict, MIG_SCHED_WAIT_TARGET);

    c.nodes[2].accel = "kvm";           /* No tcg node left to go to. */
    m->target_node = NULL;
    schedule(&c);
    assert_int_equal(entry(&c, "m")->verdict, MIG_SCHED_WAIT_TARGET);

    c.nodes[1].accel = NULL;            /* hv2 does not say: it passes. */
    schedule(&c);
    assert_string_equal(entry(&c, "m")->target, "hv2");
    m->accel = NULL;                    /* Nor does the VM: any node. */
    c.nodes[1].accel = "kvm";
    schedule(&c);
    assert_string_equal(entry(&c, "m")->target, "hv2");
    cluster_destroy(&c);
}

/* A limit changed between two decisions applies to the second; a lowered
 * one stops nothing that runs. */
static void
test_limit_change(void **state OVS_UNUSED)
{
    static const char *uids[] = { "m1", "m2", "m3", "m4", "m5", "m6" };
    static const char *src[] = { "hv1", "hv2", "hv3", "hv4", "hv5", "hv6" };
    struct cluster c;
    cluster_init(&c);
    add_nodes(&c, 8);
    for (int i = 0; i < 6; i++) {
        add_mig(&c, uids[i], src[i], MIG_PHASE_PENDING, i);
    }
    c.config.parallel_per_cluster = 2;
    schedule(&c);
    assert_string_equal(starts(&c), "m1 m2");
    claim(&c);

    c.config.parallel_per_cluster = 4;
    schedule(&c);
    assert_string_equal(starts(&c), "m3 m4");
    claim(&c);

    c.config.parallel_per_cluster = 1;
    schedule(&c);
    assert_int_equal(c.result.active, 4);
    assert_int_equal(c.result.n_starts, 0);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(c.migs[i].phase, MIG_PHASE_SCHEDULING);
    }

    /* Deleting the key restores the default (5). */
    struct smap empty = SMAP_INITIALIZER(&empty);
    char *error;
    assert_int_equal(mig_config_from_smap(&c.config, &empty, &error), 0);
    schedule(&c);
    assert_string_equal(starts(&c), "m5");

    /* Per node too: hv1 gets a second request. */
    claim(&c);
    add_mig(&c, "m7", "hv1", MIG_PHASE_PENDING, 10);
    c.config.parallel_per_cluster = 10;
    c.config.parallel_outbound_per_node = 1;
    schedule(&c);
    assert_string_equal(starts(&c), "m6");
    assert_int_equal(entry(&c, "m7")->verdict, MIG_SCHED_WAIT_NODE);
    c.config.parallel_outbound_per_node = 2;
    schedule(&c);
    assert_string_equal(starts(&c), "m6 m7");
    cluster_destroy(&c);
}

/* One migration per VM at a time; a down source waits; finished
 * migrations hold nothing. */
static void
test_vm_busy_and_source_down(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_nodes(&c, 4);
    struct mig_sched_migration *old = add_mig(&c, "old", "hv1",
                                              MIG_PHASE_RUNNING, 1);
    old->vm = "web";
    old->target_node = "hv2";
    add_mig(&c, "again", "hv2", MIG_PHASE_PENDING, 2)->vm = "web";
    add_mig(&c, "twice1", "hv3", MIG_PHASE_PENDING, 3)->vm = "db";
    add_mig(&c, "twice2", "hv3", MIG_PHASE_PENDING, 4)->vm = "db";
    struct mig_sched_migration *other_ns = add_mig(&c, "ns2", "hv3",
                                                   MIG_PHASE_PENDING, 5);
    other_ns->vm = "db";
    other_ns->namespace = "team-b";
    schedule(&c);
    assert_int_equal(entry(&c, "again")->verdict, MIG_SCHED_WAIT_VM);
    assert_string_equal(starts(&c), "twice1 ns2");
    assert_int_equal(entry(&c, "twice2")->verdict, MIG_SCHED_WAIT_VM);

    old->phase = MIG_PHASE_SUCCEEDED;
    schedule(&c);
    assert_int_equal(c.result.active, 0);
    assert_string_equal(entry(&c, "again")->target, "hv1");

    c.nodes[1].up = false;                        /* hv2. */
    schedule(&c);
    assert_int_equal(entry(&c, "again")->verdict, MIG_SCHED_WAIT_SOURCE);
    /* An unknown source likewise. */
    c.migs[1].source_node = "gone";
    schedule(&c);
    assert_int_equal(entry(&c, "again")->verdict, MIG_SCHED_WAIT_SOURCE);
    cluster_destroy(&c);
}

static void
test_bad_input(void **state OVS_UNUSED)
{
    struct cluster c;
    cluster_init(&c);
    add_nodes(&c, 2);
    add_mig(&c, "m", "hv1", MIG_PHASE_PENDING, 1)->uid = NULL;
    assert_int_equal(mig_schedule(c.migs, 1, c.nodes, 2, &c.config,
                                  &c.result), -EINVAL);
    assert_int_equal(c.result.n_entries, 0);
    mig_sched_result_destroy(&c.result);
    c.migs[0].uid = "m";
    c.migs[0].source_node = NULL;
    assert_int_equal(mig_schedule(c.migs, 1, c.nodes, 2, &c.config,
                                  &c.result), -EINVAL);
    c.migs[0].source_node = "hv1";
    c.nodes[1].name = NULL;
    assert_int_equal(mig_schedule(c.migs, 1, c.nodes, 2, &c.config,
                                  &c.result), -EINVAL);
    assert_int_equal(mig_schedule(c.migs, 1, c.nodes, 1, NULL, &c.result),
                     -EINVAL);

    /* Nothing at all is a valid, empty decision. */
    assert_int_equal(mig_schedule(NULL, 0, NULL, 0, &c.config, &c.result),
                     0);
    assert_int_equal(c.result.n_entries, 0);
    mig_sched_result_destroy(&c.result);
    mig_sched_result_destroy(NULL);

    /* A node listed twice and a duplicate uid do not confuse it. */
    c.nodes[1].name = "hv1";
    add_mig(&c, "m", "hv1", MIG_PHASE_PENDING, 1);
    assert_int_equal(mig_schedule(c.migs, 2, c.nodes, 2, &c.config,
                                  &c.result), 0);
    assert_int_equal(c.result.n_entries, 2);
    assert_int_equal(c.result.n_starts, 0);     /* Only hv1: no target. */
    cluster_destroy(&c);
}

/* Random snapshots, checked against what the engine relies on: the limits
 * hold after the starts, no one starts behind someone waiting for a
 * cluster slot or behind a wait for its own node's slot, targets are up,
 * schedulable, not the source and have room, and places count 1, 2, ... */
static void
test_random_invariants(void **state OVS_UNUSED)
{
    static const char *node_names[] = { "n0", "n1", "n2", "n3", "n4", "n5" };
    static char uids[64][8];
    unsigned int seed = 12345;
    unsigned int seen[MIG_SCHED_WAIT_VM + 1] = { 0 };
    for (int round = 0; round < 2000; round++) {
        struct cluster c;
        cluster_init(&c);
        c.config.parallel_per_cluster = 1 + rand_r(&seed) % 6;
        c.config.parallel_outbound_per_node = 1 + rand_r(&seed) % 3;
        size_t n_nodes = 2 + rand_r(&seed) % 5;
        for (size_t i = 0; i < n_nodes; i++) {
            struct mig_sched_node *n = add_node(
                &c, node_names[i], (16 + rand_r(&seed) % 48) * GIB,
                (rand_r(&seed) % 16) * GIB);
            n->up = rand_r(&seed) % 8;
            n->schedulable = rand_r(&seed) % 4;
        }
        size_t n_migs = rand_r(&seed) % 40;
        for (size_t i = 0; i < n_migs; i++) {
            snprintf(uids[i], sizeof uids[i], "u%02d", rand_r(&seed) % 20);
            struct mig_sched_migration *m = add_mig(
                &c, uids[i], node_names[rand_r(&seed) % 6],
                rand_r(&seed) % 2 ? MIG_PHASE_PENDING : rand_r(&seed) % 8,
                rand_r(&seed) % 10);
            m->memory = (1 + rand_r(&seed) % 8) * GIB;
            m->vm = uids[i];
            if (rand_r(&seed) % 3 == 0) {
                m->target_node = node_names[rand_r(&seed) % 6];
            }
        }
        schedule(&c);

        unsigned int active = 0;
        unsigned int outbound[6] = { 0 };
        for (size_t i = 0; i < c.n_migs; i++) {
            if (mig_phase_is_active(c.migs[i].phase)) {
                active++;
                outbound[c.migs[i].source_node[1] - '0']++;
            }
        }
        assert_int_equal(c.result.active, active);
        unsigned int place = 0, starts_now = 0;
        bool cluster_wait_seen = false;
        bool node_full[6] = { false }, started_from[6] = { false };
        for (size_t i = 0; i < c.result.n_entries; i++) {
            const struct mig_sched_entry *e = &c.result.entries[i];
            const struct mig_sched_migration *m = &c.migs[e->index];
            assert_int_equal(m->phase, MIG_PHASE_PENDING);
            seen[e->verdict]++;
            if (i) {
                const struct mig_sched_migration *prev
                    = &c.migs[c.result.entries[i - 1].index];
                assert_true(prev->requested < m->requested
                            || (prev->requested == m->requested
                                && strcmp(prev->uid, m->uid) <= 0));
            }
            if (e->verdict != MIG_SCHED_START) {
                assert_int_equal(e->place, ++place);
                assert_null(e->target);
                cluster_wait_seen |= e->verdict == MIG_SCHED_WAIT_CLUSTER;
                node_full[m->source_node[1] - '0']
                    |= e->verdict == MIG_SCHED_WAIT_NODE;
                continue;
            }
            assert_false(cluster_wait_seen);
            assert_false(node_full[m->source_node[1] - '0']);
            started_from[m->source_node[1] - '0'] = true;
            assert_int_equal(e->place, 0);
            starts_now++;
            outbound[m->source_node[1] - '0']++;
            assert_non_null(e->target);
            assert_string_not_equal(e->target, m->source_node);
            for (size_t j = 0; j < c.n_nodes; j++) {
                if (!strcmp(c.nodes[j].name, e->target)) {
                    assert_true(c.nodes[j].up && c.nodes[j].schedulable);
                }
            }
        }
        assert_int_equal(starts_now, c.result.n_starts);
        if (starts_now) {
            assert_true(active + starts_now
                        <= c.config.parallel_per_cluster);
            for (int i = 0; i < 6; i++) {
                assert_true(!started_from[i]
                            || outbound[i]
                               <= c.config.parallel_outbound_per_node);
            }
        }
        /* Room: no target ends with more inbound than it can hold. */
        for (size_t j = 0; j < c.n_nodes; j++) {
            uint64_t inbound = 0;
            bool started_here = false;
            for (size_t i = 0; i < c.result.n_entries; i++) {
                const struct mig_sched_entry *e = &c.result.entries[i];
                if (e->target && !strcmp(e->target, c.nodes[j].name)) {
                    inbound += c.migs[e->index].memory;
                    started_here = true;
                }
            }
            for (size_t i = 0; i < c.n_migs; i++) {
                const struct mig_sched_migration *m = &c.migs[i];
                if (mig_phase_is_active(m->phase) && m->target_node
                    && !strcmp(m->target_node, c.nodes[j].name)) {
                    inbound += m->memory;
                }
            }
            if (started_here) {
                assert_true(c.nodes[j].memory_used + inbound
                            <= c.nodes[j].memory);
            }
        }
        cluster_destroy(&c);
    }
    /* The snapshots reached every verdict, often. */
    for (size_t i = 0; i < ARRAY_SIZE(seen); i++) {
        assert_true(seen[i] >= 50);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phases),
        cmocka_unit_test(test_cluster_limit),
        cmocka_unit_test(test_node_limit),
        cmocka_unit_test(test_fifo_order),
        cmocka_unit_test(test_node_and_cluster_limits),
        cmocka_unit_test(test_target_choice),
        cmocka_unit_test(test_target_spread),
        cmocka_unit_test(test_no_target),
        cmocka_unit_test(test_named_target),
        cmocka_unit_test(test_accelerator),
        cmocka_unit_test(test_limit_change),
        cmocka_unit_test(test_vm_busy_and_source_down),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_random_invariants),
    };
    return cmocka_run_group_tests_name("scheduler", tests, NULL, NULL);
}
