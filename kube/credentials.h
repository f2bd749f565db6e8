/* SPDX-License-Identifier: Apache-2.0
 *
 * credentials.h -- where ovnmigd's Kubernetes API server is and how
 * ovnmigd proves who it is: from a pod's service account (in-cluster), or
 * from a kubeconfig file.
 *
 * A kubeconfig (the "kind: Config" YAML kubectl uses) gives the server and CA
 * of the chosen context's cluster, and its user's bearer token or client
 * certificate.  Files it names are resolved relative to the kubeconfig's
 * own directory, as kubectl does; "-data" fields (base64 PEM) are kept in
 * memory.
 *
 * Refused, with a message that says so: insecure-skip-tls-verify (never
 * without verification), and credentials ovnmigd cannot produce by itself
 * (exec plugins, auth providers, basic auth).  Input is bounded as
 * lib/kubevirt-yaml.c bounds it: 1 MiB, and a budget of nodes visited.
 */
#ifndef OVNMIG_KUBE_CREDENTIALS_H
#define OVNMIG_KUBE_CREDENTIALS_H 1

#include <stddef.h>

/* Where the API server is and how to prove who we are.  Each credential
 * comes from a file or, as a kubeconfig's "-data" fields, in memory. */
struct kube_config {
    char *server;               /* "https://10.96.0.1:443". */
    char *token_file;           /* Bearer token, re-read at each request, */
    char *token;                /* ... or this one; NULL for none. */
    char *ca_file;              /* PEM CAs for https, */
    char *ca_pem;               /* ... or these; none: the system's. */
    char *cert_file;            /* TLS client certificate (PEM), */
    char *cert_pem;             /* ... or this one, or none. */
    char *key_file;             /* ... and its key, */
    char *key_pem;              /* ... or this one. */
};

/* Frees what 'config' holds (not 'config' itself). */
void kube_config_destroy(struct kube_config *config);

/* The in-cluster configuration of a pod: the server from
 * KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, the token and CA
 * from the service account directory 'sa_dir' (NULL: the standard
 * /var/run/secrets/kubernetes.io/serviceaccount).  Returns 0, or a
 * negative errno with a message in '*errorp' (the caller frees it). */
int kube_config_in_cluster(const char *sa_dir, struct kube_config *config,
                           char **errorp);

#define KUBE_KUBECONFIG_MAX_SIZE (1024 * 1024)

/* Parses the 'size' bytes at 'text' for 'context' (NULL: the file's
 * current-context); relative paths are taken from 'dir'.  Returns 0 and
 * fills 'config' (the caller frees it with kube_config_destroy()), or
 * -EINVAL / -EFBIG with a message naming the field in '*errorp' (the
 * caller frees it) and 'config' empty. */
int kube_kubeconfig_parse(const char *text, size_t size, const char *context,
                          const char *dir, struct kube_config *config,
                          char **errorp);

/* The same, from the file 'path'.  -errno if it cannot be read. */
int kube_kubeconfig_load(const char *path, const char *context,
                         struct kube_config *config, char **errorp);

#endif /* kube/credentials.h */
