/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "lib/quantity.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Suffixes of Kubernetes quantities: binary, then decimal (and milli). */
static const struct {
    const char *suffix;
    uint64_t mul;               /* Multiplier, or... */
    uint64_t div;               /* ...divisor (for "m"). */
} suffixes[] = {
    { "Ki", UINT64_C(1) << 10, 1 }, { "Mi", UINT64_C(1) << 20, 1 },
    { "Gi", UINT64_C(1) << 30, 1 }, { "Ti", UINT64_C(1) << 40, 1 },
    { "Pi", UINT64_C(1) << 50, 1 }, { "Ei", UINT64_C(1) << 60, 1 },
    { "k", UINT64_C(1000), 1 }, { "M", UINT64_C(1000000), 1 },
    { "G", UINT64_C(1000000000), 1 }, { "T", UINT64_C(1000000000000), 1 },
    { "P", UINT64_C(1000000000000000), 1 },
    { "E", UINT64_C(1000000000000000000), 1 },
    { "m", 1, 1000 }, { "", 1, 1 },
};

int
quantity_parse(const char *s, uint64_t *value)
{
    /* number = digits [ "." digits ] ; then a suffix or an exponent. */
    const char *p = s;
    uint64_t mantissa = 0, scale = 1;   /* value = mantissa / scale */
    bool any_digit = false;

    *value = 0;
    if (*p == '+') {
        p++;
    }
    for (; isdigit((unsigned char) *p); p++) {
        if (__builtin_mul_overflow(mantissa, 10, &mantissa)
            || __builtin_add_overflow(mantissa, *p - '0', &mantissa)) {
            return -ERANGE;
        }
        any_digit = true;
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char) *p); p++) {
            if (__builtin_mul_overflow(mantissa, 10, &mantissa)
                || __builtin_add_overflow(mantissa, *p - '0', &mantissa)
                || __builtin_mul_overflow(scale, 10, &scale)) {
                return -ERANGE;
            }
            any_digit = true;
        }
    }
    if (!any_digit) {
        return -EINVAL;
    }

    uint64_t mul = 1, div = 1;
    if ((*p == 'e' || *p == 'E') && isdigit((unsigned char) p[1])) {
        char *end;
        unsigned long exp = strtoul(p + 1, &end, 10);
        if (*end || exp > 18) {
            return *end ? -EINVAL : -ERANGE;
        }
        while (exp--) {
            mul *= 10;
        }
    } else {
        size_t i;
        for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
            if (!strcmp(p, suffixes[i].suffix)) {
                break;
            }
        }
        if (i == ARRAY_SIZE(suffixes)) {
            return -EINVAL;
        }
        mul = suffixes[i].mul;
        div = suffixes[i].div;
    }

    /* Exact: (mantissa * mul) / (scale * div), rounded up. */
    unsigned __int128 num = (unsigned __int128) mantissa * mul;
    unsigned __int128 den = (unsigned __int128) scale * div;
    unsigned __int128 q = (num + den - 1) / den;
    if (q > UINT64_MAX) {
        return -ERANGE;
    }
    *value = q;
    return 0;
}
