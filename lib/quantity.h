/* SPDX-License-Identifier: Apache-2.0
 *
 * quantity.h -- Kubernetes resource quantities ("64Mi", "1.5Gi", "500k").
 */
#ifndef OVNMIG_QUANTITY_H
#define OVNMIG_QUANTITY_H 1

#include <stdint.h>

/* Parses a Kubernetes quantity ("64Mi", "1Gi", "500k", "1.5Gi", "0",
 * "1e3") into a whole number, rounding a fraction up as Kubernetes does.
 * Returns 0, or -EINVAL (not a quantity, negative) or -ERANGE. */
int quantity_parse(const char *s, uint64_t *value);

#endif /* quantity.h */
