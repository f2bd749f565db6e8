/* SPDX-License-Identifier: Apache-2.0
 *
 * yaml-doc.h -- reading a YAML document (libyaml's document API) the way
 * ovnmig's readers of untrusted YAML do (lib/kubevirt-yaml.c,
 * kube/credentials.c): loaded whole within a size limit, walked with a
 * budget of nodes visited (aliases may point many times at one large
 * node, or form a cycle), the first error kept and every later step a
 * no-op.
 */
#ifndef OVNMIG_YAML_DOC_H
#define OVNMIG_YAML_DOC_H 1

#include <stddef.h>
#include <yaml.h>

#include "openvswitch/compiler.h"

#define YDOC_MAX_VISITS 100000

struct ydoc {
    yaml_parser_t parser;
    yaml_document_t doc;
    size_t visits;
    char *error;                /* The first error, or NULL. */
};

/* Loads the 'size' bytes at 'text' (at most 'max').  Returns 0 with the
 * root node in '*rootp' (NULL for an empty document), or -EFBIG or
 * -EINVAL with the reason in y->error.  ydoc_destroy() frees 'y' either
 * way. */
int ydoc_load(struct ydoc *y, const char *text, size_t size, size_t max,
              yaml_node_t **rootp);
void ydoc_destroy(struct ydoc *y);

/* Records the first error. */
void ydoc_fail(struct ydoc *y, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);

/* The node at 'index', or NULL (and an error) past YDOC_MAX_VISITS. */
yaml_node_t *ydoc_node(struct ydoc *y, int index);

/* The scalar 'n' as a string, or NULL and an error naming 'path' if it is
 * not one (or holds a NUL, which would cut it short unnoticed). */
const char *ydoc_scalar(struct ydoc *y, yaml_node_t *n, const char *path);

#endif /* lib/yaml-doc.h */
