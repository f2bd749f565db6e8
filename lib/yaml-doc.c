/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "lib/yaml-doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int
ydoc_load(struct ydoc *y, const char *text, size_t size, size_t max,
          yaml_node_t **rootp)
{
    memset(y, 0, sizeof *y);
    *rootp = NULL;
    yaml_parser_initialize(&y->parser);
    if (size > max) {
        ydoc_fail(y, "document over %"PRIuSIZE" bytes", max);
        return -EFBIG;
    }
    yaml_parser_set_input_string(&y->parser, (const unsigned char *) text,
                                 size);
    if (!yaml_parser_load(&y->parser, &y->doc)) {
        ydoc_fail(y, "YAML error at line %zu, column %zu: %s",
                  y->parser.problem_mark.line + 1,
                  y->parser.problem_mark.column + 1,
                  y->parser.problem ? y->parser.problem : "unknown");
        return -EINVAL;
    }
    *rootp = yaml_document_get_root_node(&y->doc);
    return 0;
}

void
ydoc_destroy(struct ydoc *y)
{
    if (y->doc.nodes.start) {
        yaml_document_delete(&y->doc);
    }
    yaml_parser_delete(&y->parser);
    free(y->error);
    y->error = NULL;
}

void
ydoc_fail(struct ydoc *y, const char *format, ...)
{
    if (!y->error) {
        va_list args;
        va_start(args, format);
        y->error = xvasprintf(format, args);
        va_end(args);
    }
}

yaml_node_t *
ydoc_node(struct ydoc *y, int index)
{
    if (++y->visits > YDOC_MAX_VISITS) {
        ydoc_fail(y, "document too complex");
        return NULL;
    }
    return yaml_document_get_node(&y->doc, index);
}

const char *
ydoc_scalar(struct ydoc *y, yaml_node_t *n, const char *path)
{
    if (!n || n->type != YAML_SCALAR_NODE) {
        ydoc_fail(y, "%s: expected a value", path);
        return NULL;
    }
    if (strlen((char *) n->data.scalar.value) != n->data.scalar.length) {
        ydoc_fail(y, "%s: contains a NUL character", path);
        return NULL;
    }
    return (const char *) n->data.scalar.value;
}
