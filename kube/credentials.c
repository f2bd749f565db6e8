/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "kube/credentials.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "lib/yaml-doc.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

void
kube_config_destroy(struct kube_config *config)
{
    if (config) {
        free(config->server);
        free(config->token_file);
        free(config->token);
        free(config->ca_file);
        free(config->ca_pem);
        free(config->cert_file);
        free(config->cert_pem);
        free(config->key_file);
        free(config->key_pem);
        memset(config, 0, sizeof *config);
    }
}

int
kube_config_in_cluster(const char *sa_dir, struct kube_config *config,
                       char **errorp)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");

    memset(config, 0, sizeof *config);
    *errorp = NULL;
    if (!host || !host[0] || !port || !port[0]) {
        *errorp = xstrdup("not in a pod: KUBERNETES_SERVICE_HOST and "
                          "KUBERNETES_SERVICE_PORT are not set");
        return -ENOENT;
    }
    sa_dir = sa_dir ? sa_dir : SA_DIR;
    config->server = xasprintf(strchr(host, ':') ? "https://[%s]:%s"
                               : "https://%s:%s", host, port);
    config->token_file = xasprintf("%s/token", sa_dir);
    config->ca_file = xasprintf("%s/ca.crt", sa_dir);
    for (const char *f = config->token_file; f;
         f = f == config->token_file ? config->ca_file : NULL) {
        if (access(f, R_OK)) {
            int error = errno;
            *errorp = xasprintf("%s: %s", f, ovs_strerror(error));
            kube_config_destroy(config);
            return -error;
        }
    }
    return 0;
}

/* Kubeconfig files. */

struct ctx {
    struct ydoc y;              /* Its first error stops the walk. */
    const char *dir;
};

/* lib/yaml-doc.h's helpers, on this walk's document. */
#define fail(C, ...) ydoc_fail(&(C)->y, __VA_ARGS__)
#define node(C, INDEX) ydoc_node(&(C)->y, INDEX)
#define scalar(C, N, PATH) ydoc_scalar(&(C)->y, N, PATH)

/* The value of 'key' in mapping 'n', or NULL if absent (an error if 'n'
 * is not a mapping). */
static yaml_node_t *
get(struct ctx *c, yaml_node_t *n, const char *key, const char *path)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        fail(c, "%s: expected a mapping", path);
        return NULL;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top && !c->y.error; p++) {
        yaml_node_t *k = node(c, p->key);
        if (k && k->type == YAML_SCALAR_NODE
            && !strcmp((char *) k->data.scalar.value, key)) {
            return node(c, p->value);
        }
    }
    return NULL;
}

static const char *
get_string(struct ctx *c, yaml_node_t *n, const char *key, const char *path)
{
    yaml_node_t *v = get(c, n, key, path);
    if (!v) {
        return NULL;
    }
    char *sub = xasprintf("%s.%s", path, key);
    const char *s = scalar(c, v, sub);
    free(sub);
    return s;
}

/* The entry named 'name' of the list 'key' ("clusters", "contexts",
 * "users") of the root: its 'inner' mapping ("cluster"...). */
static yaml_node_t *
find_named(struct ctx *c, yaml_node_t *root, const char *key,
           const char *inner, const char *name)
{
    yaml_node_t *list = get(c, root, key, "");

    if (!list || list->type != YAML_SEQUENCE_NODE) {
        fail(c, "%s: expected a list naming \"%s\"", key, name);
        return NULL;
    }
    for (yaml_node_item_t *i = list->data.sequence.items.start;
         i < list->data.sequence.items.top && !c->y.error; i++) {
        yaml_node_t *entry = node(c, *i);
        const char *n = get_string(c, entry, "name", key);
        if (n && !strcmp(n, name)) {
            yaml_node_t *value = get(c, entry, inner, key);
            if (!value && !c->y.error) {
                fail(c, "%s: \"%s\" has no %s", key, name, inner);
            }
            return value;
        }
    }
    fail(c, "%s: no \"%s\"", key, name);
    return NULL;
}

static char *
resolve(const struct ctx *c, const char *path)
{
    return (path[0] == '/' || !c->dir ? xstrdup(path)
            : xasprintf("%s/%s", c->dir, path));
}

/* Decodes the base64 'in' (RFC 4648; white space ignored, padding may be
 * left out).  Returns NULL if it is not base64. */
static char *
base64_decode(const char *in)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct ds out = DS_EMPTY_INITIALIZER;
    unsigned int acc = 0;
    int bits = 0, pad = 0;

    for (; *in; in++) {
        const char *p = strchr(alphabet, *in);
        if (*in == ' ' || *in == '\n' || *in == '\r' || *in == '\t') {
            continue;
        } else if (*in == '=') {
            pad++;
        } else if (p && *in && !pad) {
            acc = (acc << 6) | (p - alphabet);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                ds_put_char(&out, (acc >> bits) & 0xff);
            }
        } else {
            ds_destroy(&out);
            return NULL;
        }
    }
    if (pad > 2 || (bits && (acc & ((1u << bits) - 1)))) {
        ds_destroy(&out);
        return NULL;
    }
    return ds_steal_cstr(&out);
}

/* Reads "NAME" or "NAME-data" of 'map' into a file path or a PEM. */
static void
file_or_data(struct ctx *c, yaml_node_t *map, const char *name,
             const char *path, char **file, char **pem)
{
    char *data_key = xasprintf("%s-data", name);
    const char *f = get_string(c, map, name, path);
    const char *d = get_string(c, map, data_key, path);

    if (f && d) {
        fail(c, "%s: both %s and %s", path, name, data_key);
    } else if (f) {
        *file = resolve(c, f);
    } else if (d) {
        *pem = base64_decode(d);
        if (!*pem) {
            fail(c, "%s.%s: not base64", path, data_key);
        }
    }
    free(data_key);
}

static void
read_config(struct ctx *c, yaml_node_t *root, const char *context,
            struct kube_config *config)
{
    const char *kind = get_string(c, root, "kind", "");
    if (kind && strcmp(kind, "Config")) {
        fail(c, "kind: \"%s\", not Config", kind);
        return;
    }
    if (!context) {
        context = get_string(c, root, "current-context", "");
        if (!context || !context[0]) {
            fail(c, "current-context: none, and no context was named");
            return;
        }
    }

    yaml_node_t *ctx = find_named(c, root, "contexts", "context", context);
    const char *cluster_name = get_string(c, ctx, "cluster", "context");
    const char *user_name = get_string(c, ctx, "user", "context");
    if (c->y.error) {
        return;
    }
    if (!cluster_name) {
        fail(c, "context \"%s\" names no cluster", context);
        return;
    }

    yaml_node_t *cluster = find_named(c, root, "clusters", "cluster",
                                      cluster_name);
    const char *server = get_string(c, cluster, "server", "cluster");
    if (!c->y.error && !server) {
        fail(c, "cluster \"%s\" has no server", cluster_name);
    }
    if (c->y.error) {
        return;
    }
    config->server = xstrdup(server);
    const char *insecure = get_string(c, cluster, "insecure-skip-tls-verify",
                                      "cluster");
    if (insecure && strcmp(insecure, "false")) {
        fail(c, "cluster \"%s\": insecure-skip-tls-verify is refused: "
             "give its certificate-authority", cluster_name);
        return;
    }
    file_or_data(c, cluster, "certificate-authority", "cluster",
                 &config->ca_file, &config->ca_pem);
    if (!user_name || c->y.error) {
        return;
    }

    yaml_node_t *user = find_named(c, root, "users", "user", user_name);
    static const char *const unsupported[] = {
        "exec", "auth-provider", "username", "password",
    };
    for (size_t i = 0; i < ARRAY_SIZE(unsupported) && !c->y.error; i++) {
        if (get(c, user, unsupported[i], "user")) {
            fail(c, "user \"%s\": %s is not supported: give a token, a "
                 "tokenFile or a client certificate", user_name,
                 unsupported[i]);
        }
    }
    const char *token = get_string(c, user, "token", "user");
    const char *token_file = get_string(c, user, "tokenFile", "user");
    if (token) {
        config->token = xstrdup(token);
    } else if (token_file) {
        config->token_file = resolve(c, token_file);
    }
    file_or_data(c, user, "client-certificate", "user", &config->cert_file,
                 &config->cert_pem);
    file_or_data(c, user, "client-key", "user", &config->key_file,
                 &config->key_pem);
}

int
kube_kubeconfig_parse(const char *text, size_t size, const char *context,
                      const char *dir, struct kube_config *config,
                      char **errorp)
{
    struct ctx c = { .dir = dir };
    yaml_node_t *root;
    int error;

    memset(config, 0, sizeof *config);
    error = ydoc_load(&c.y, text, size, KUBE_KUBECONFIG_MAX_SIZE, &root);
    if (!error) {
        if (!root) {
            fail(&c, "empty kubeconfig");
        } else {
            read_config(&c, root, context, config);
        }
        error = c.y.error ? -EINVAL : 0;
    }
    if (error) {
        kube_config_destroy(config);
    }
    *errorp = c.y.error;
    c.y.error = NULL;
    ydoc_destroy(&c.y);
    return error;
}

int
kube_kubeconfig_load(const char *path, const char *context,
                     struct kube_config *config, char **errorp)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    FILE *f = fopen(path, "r");
    int error;

    memset(config, 0, sizeof *config);
    if (!f) {
        error = errno;
        *errorp = xasprintf("%s: %s", path, ovs_strerror(error));
        return -error;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0
           && text.length <= KUBE_KUBECONFIG_MAX_SIZE) {
        ds_put_buffer(&text, buf, n);
    }
    fclose(f);

    char *copy = xstrdup(path);
    char *msg;
    error = kube_kubeconfig_parse(text.string ? text.string : "",
                                  text.length, context, dirname(copy),
                                  config, &msg);
    if (error) {
        *errorp = xasprintf("%s: %s", path, msg);
        free(msg);
    }
    free(copy);
    ds_destroy(&text);
    return error;
}
