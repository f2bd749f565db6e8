/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "migrate/policy.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/quantity.h"
#include "openvswitch/dynamic-string.h"
#include "smap.h"
#include "util.h"

#define GIB (UINT64_C(1) << 30)

void
mig_config_init(struct mig_config *c)
{
    memset(c, 0, sizeof *c);
    c->parallel_per_cluster = MIG_DEFAULT_PARALLEL_PER_CLUSTER;
    c->parallel_outbound_per_node = MIG_DEFAULT_PARALLEL_OUTBOUND_PER_NODE;
    c->completion_timeout_per_gib = MIG_DEFAULT_COMPLETION_TIMEOUT_PER_GIB;
    c->progress_timeout = MIG_DEFAULT_PROGRESS_TIMEOUT;
    c->downtime_limit_ms = MIG_DEFAULT_DOWNTIME_LIMIT_MS;
}

uint64_t
mig_completion_timeout(unsigned int per_gib, uint64_t memory, uint64_t disks)
{
    unsigned __int128 bytes = (unsigned __int128) memory + disks;
    unsigned __int128 t = (bytes * per_gib + GIB - 1) / GIB;
    return t > UINT64_MAX ? UINT64_MAX : t;
}

static int
parse_uint(const char *s, unsigned int min, unsigned int max,
           unsigned int *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!isdigit((unsigned char) *s) || *end || errno || v < min || v > max) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int
parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "true")) {
        *out = true;
    } else if (!strcmp(s, "false")) {
        *out = false;
    } else {
        return -EINVAL;
    }
    return 0;
}

int
mig_config_from_smap(struct mig_config *config, const struct smap *map,
                     char **errorp)
{
    struct mig_config c = *config;
    struct smap_node *node;

    mig_config_init(&c);
    *errorp = NULL;
    SMAP_FOR_EACH (node, map) {
        const char *k = node->key, *v = node->value;
        int error;

        if (!strcmp(k, "parallelMigrationsPerCluster")) {
            error = parse_uint(v, 1, 10000, &c.parallel_per_cluster);
        } else if (!strcmp(k, "parallelOutboundMigrationsPerNode")) {
            error = parse_uint(v, 1, 10000, &c.parallel_outbound_per_node);
        } else if (!strcmp(k, "bandwidthPerMigration")) {
            error = quantity_parse(v, &c.bandwidth);
        } else if (!strcmp(k, "completionTimeoutPerGiB")) {
            error = parse_uint(v, 1, 1000000, &c.completion_timeout_per_gib);
        } else if (!strcmp(k, "progressTimeout")) {
            error = parse_uint(v, 1, 1000000, &c.progress_timeout);
        } else if (!strcmp(k, "downtimeLimitMs")) {
            error = parse_uint(v, 1, 600000, &c.downtime_limit_ms);
        } else if (!strcmp(k, "allowAutoConverge")) {
            error = parse_bool(v, &c.allow_auto_converge);
        } else if (!strcmp(k, "allowPostCopy")) {
            error = parse_bool(v, &c.allow_post_copy);
        } else if (!strcmp(k, "disableTLS")) {
            error = parse_bool(v, &c.disable_tls);
        } else if (!strcmp(k, "network")) {
            error = strlen(v) < sizeof c.network ? 0 : -EINVAL;
            if (!error) {
                strcpy(c.network, v);
            }
        } else {
            *errorp = xasprintf("unknown liveMigrationConfig key \"%s\"", k);
            return -EINVAL;
        }
        if (error) {
            *errorp = xasprintf("liveMigrationConfig %s: bad value \"%s\"",
                                k, v);
            return -EINVAL;
        }
    }
    *config = c;
    return 0;
}

/* Counts the labels of 'selector' that 'labels' matches, and appends their
 * keys to 'keys'; returns -1 if any does not match. */
static int
selector_match(const struct smap *selector, const struct smap *labels,
               struct ds *keys)
{
    if (!selector) {
        return 0;
    }
    const struct smap_node **sorted = smap_sort(selector);
    size_t n = smap_count(selector);
    for (size_t i = 0; i < n; i++) {
        const char *value = labels ? smap_get(labels, sorted[i]->key) : NULL;
        if (!value || strcmp(value, sorted[i]->value)) {
            free(sorted);
            return -1;
        }
        ds_put_format(keys, "%s\n", sorted[i]->key);
    }
    free(sorted);
    return n;
}

static int
compare_lines(const void *a_, const void *b_)
{
    return strcmp(*(char *const *) a_, *(char *const *) b_);
}

/* Sorts the newline-separated keys in 'keys' in place. */
static void
sort_keys(struct ds *keys)
{
    size_t n = 0;
    char **lines = NULL, *save, *line;
    char *copy = ds_steal_cstr(keys);

    if (!copy) {
        return;
    }
    for (line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        lines = xrealloc(lines, (n + 1) * sizeof *lines);
        lines[n++] = line;
    }
    if (n) {
        qsort(lines, n, sizeof *lines, compare_lines);
    }
    for (size_t i = 0; i < n; i++) {
        ds_put_format(keys, "%s\n", lines[i]);
    }
    free(lines);
    free(copy);
}

const struct mig_policy *
mig_policy_select(const struct mig_policy *policies, size_t n,
                  const struct smap *ns_labels, const struct smap *vm_labels,
                  struct ds *why)
{
    const struct mig_policy *best = NULL;
    struct ds best_keys = DS_EMPTY_INITIALIZER;
    int best_n = -1;

    for (size_t i = 0; i < n; i++) {
        const struct mig_policy *p = &policies[i];
        struct ds keys = DS_EMPTY_INITIALIZER;
        int n_ns = selector_match(p->namespace_selector, ns_labels, &keys);
        int n_vm = n_ns < 0 ? -1 : selector_match(p->vmi_selector,
                                                  vm_labels, &keys);
        if (n_ns < 0 || n_vm < 0) {
            ds_destroy(&keys);
            continue;
        }
        sort_keys(&keys);
        int matched = n_ns + n_vm;
        if (matched > best_n
            || (matched == best_n
                && strcmp(ds_cstr(&keys), ds_cstr(&best_keys)) < 0)) {
            best = p;
            best_n = matched;
            ds_swap(&keys, &best_keys);
        }
        ds_destroy(&keys);
    }

    if (why) {
        if (best) {
            ds_put_format(why, "policy %s applies: %d matching label%s (",
                          best->name, best_n, best_n == 1 ? "" : "s");
            ds_chomp(&best_keys, '\n');
            for (char *c = best_keys.string; c && *c; c++) {
                if (*c == '\n') {
                    *c = ',';
                }
            }
            ds_put_format(why, "%s)", ds_cstr(&best_keys));
        } else {
            ds_put_cstr(why, "no policy applies: the cluster config is used");
        }
    }
    ds_destroy(&best_keys);
    return best;
}

void
mig_config_apply_policy(struct mig_config *c, const struct mig_policy *p)
{
    if (!p) {
        return;
    }
    if (p->has_allow_auto_converge) {
        c->allow_auto_converge = p->allow_auto_converge;
    }
    if (p->has_allow_post_copy) {
        c->allow_post_copy = p->allow_post_copy;
    }
    if (p->has_bandwidth) {
        c->bandwidth = p->bandwidth;
    }
    if (p->has_completion_timeout_per_gib) {
        c->completion_timeout_per_gib = p->completion_timeout_per_gib;
    }
}
