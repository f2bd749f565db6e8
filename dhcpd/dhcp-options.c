/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "dhcpd/dhcp-options.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include "dhcp.h"
#include "lib/dns-name.h"
#include "util.h"

BUILD_ASSERT_DECL(sizeof ((struct dhcp_options *) 0)->concat
                  >= DHCP_OPTIONS_MAX_MESSAGE);

/* One area that carries options: the options field, and when overloaded
 * (RFC 2132 §9.3) the 'file' and 'sname' fields. */
struct opt_area {
    const uint8_t *data;
    size_t size;
};

static void
mark_present(struct dhcp_options *opts, uint8_t code)
{
    opts->present[code / 64] |= UINT64_C(1) << (code % 64);
}

/* Walks one area, validating every length.  On the first pass ('opts'
 * collecting), records each code's first instance and adds up its length
 * in 'total', counting instances in 'count'.  Option 52 is only allowed
 * where 'overload_allowed'. */
static enum dhcp_opt_error
scan_area(struct dhcp_options *opts, const struct opt_area *area,
          bool overload_allowed, uint16_t total[256], uint16_t count[256])
{
    size_t i = 0;
    while (i < area->size) {
        uint8_t code = area->data[i];
        if (code == DHCP_OPT_PAD_) {
            i++;
            continue;
        }
        if (code == DHCP_OPT_END_) {
            return DHCP_OPT_OK;
        }
        if (i + 2 > area->size || i + 2 + area->data[i + 1] > area->size) {
            return DHCP_OPT_OVERRUN;
        }
        uint8_t len = area->data[i + 1];
        const uint8_t *value = &area->data[i + 2];
        if (code == DHCP_OPT_OVERLOAD) {
            /* RFC 2131 §4.1: option 52 lives in the options field only; in
             * 'file' or 'sname' it would point back at itself. */
            if (!overload_allowed || opts->overload || len != 1
                || value[0] < 1 || value[0] > 3) {
                return DHCP_OPT_BAD_OVERLOAD;
            }
            opts->overload = value[0];
        }
        if (!count[code]) {
            mark_present(opts, code);
            opts->value[code] = value;
        }
        count[code]++;
        total[code] += len;
        i += 2 + len;
    }
    return DHCP_OPT_NO_END;
}

/* Copies every instance of the codes that appear more than once into
 * 'opts->concat', joining them (RFC 3396 §6). */
static void
join_area(struct dhcp_options *opts, const struct opt_area *area,
          const uint16_t count[256], uint16_t offset[256])
{
    size_t i = 0;
    while (i < area->size) {
        uint8_t code = area->data[i];
        if (code == DHCP_OPT_PAD_) {
            i++;
            continue;
        }
        if (code == DHCP_OPT_END_) {
            return;
        }
        uint8_t len = area->data[i + 1];
        if (count[code] > 1) {
            memcpy(&opts->concat[offset[code]], &area->data[i + 2], len);
            offset[code] += len;
        }
        i += 2 + len;
    }
}

enum dhcp_opt_error
dhcp_options_parse(struct dhcp_options *opts, const uint8_t *msg,
                   size_t size)
{
    static const uint8_t cookie[DHCP_COOKIE_LEN] = { 99, 130, 83, 99 };

    memset(opts->present, 0, sizeof opts->present);
    opts->overload = 0;
    if (size < DHCP_HEADER_LEN + DHCP_COOKIE_LEN
        || size > DHCP_OPTIONS_MAX_MESSAGE) {
        return DHCP_OPT_OVERRUN;
    }
    if (memcmp(msg + DHCP_HEADER_LEN, cookie, sizeof cookie)) {
        return DHCP_OPT_BAD_COOKIE;
    }

    const struct dhcp_header *h = (const void *) msg;
    struct opt_area areas[3];
    size_t n_areas = 0;
    areas[n_areas++] = (struct opt_area) {
        msg + DHCP_HEADER_LEN + DHCP_COOKIE_LEN,
        size - DHCP_HEADER_LEN - DHCP_COOKIE_LEN,
    };

    uint16_t total[256] = { 0 };
    uint16_t count[256] = { 0 };
    enum dhcp_opt_error error = scan_area(opts, &areas[0], true, total,
                                          count);
    if (error) {
        return error;
    }
    /* RFC 2131 §4.1: 'file' is interpreted before 'sname'. */
    const struct opt_area overloaded[2] = {
        { (const uint8_t *) h->file, sizeof h->file },
        { (const uint8_t *) h->sname, sizeof h->sname },
    };
    for (int i = 0; i < 2; i++) {
        if (opts->overload & (1 << i)) {
            areas[n_areas] = overloaded[i];
            error = scan_area(opts, &areas[n_areas++], false, total, count);
            if (error) {
                return error;
            }
        }
    }

    /* Lengths; codes seen several times get a joined copy. */
    uint16_t offset[256];
    size_t used = 0;
    bool any_repeated = false;
    for (int code = 1; code < 255; code++) {
        if (count[code]) {
            opts->len[code] = total[code];
            if (count[code] > 1) {
                /* The joined values cannot exceed the message. */
                offset[code] = used;
                opts->value[code] = &opts->concat[used];
                used += total[code];
                any_repeated = true;
            }
        }
    }
    if (any_repeated) {
        for (size_t i = 0; i < n_areas; i++) {
            join_area(opts, &areas[i], count, offset);
        }
    }
    return DHCP_OPT_OK;
}

const uint8_t *
dhcp_options_get_fixed(const struct dhcp_options *opts, uint8_t code,
                       size_t len)
{
    return (dhcp_options_has(opts, code) && opts->len[code] == len
            ? opts->value[code] : NULL);
}

void
dhcp_put_option(struct ofpbuf *b, uint8_t code, const void *value_,
                size_t len)
{
    const uint8_t *value = value_;
    do {
        size_t chunk = MIN(len, 255);
        uint8_t *p = ofpbuf_put_uninit(b, 2 + chunk);
        p[0] = code;
        p[1] = chunk;
        memcpy(p + 2, value, chunk);
        value += chunk;
        len -= chunk;
    } while (len);
}

/* A name suffix already written into the option, for compression. */
struct written_suffix {
    const char *text;           /* Into the caller's name, no root dot. */
    size_t len;
    size_t offset;              /* From the start of the option value. */
};

int
dhcp_encode_domain_search(struct ofpbuf *b, const char *const *names,
                          size_t n)
{
    /* Every label of every name may become a compression target. */
    enum { MAX_TARGETS = 512 };
    struct written_suffix targets[MAX_TARGETS];
    size_t n_targets = 0;
    size_t base = b->size;

    for (size_t i = 0; i < n; i++) {
        if (!dns_name_is_valid(names[i])) {
            b->size = base;
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        size_t len;
        size_t starts[DNS_MAX_LABELS];
        int n_labels = dns_name_split(name, &len, starts);

        /* The longest suffix already in the option ends this name with a
         * pointer (RFC 1035 §4.1.4); the labels before it are written. */
        int label;
        ssize_t pointer = -1;
        for (label = 0; label < n_labels; label++) {
            const char *suffix = name + starts[label];
            size_t suffix_len = len - starts[label];
            for (size_t t = 0; t < n_targets; t++) {
                if (targets[t].len == suffix_len
                    && !strncasecmp(targets[t].text, suffix, suffix_len)) {
                    pointer = targets[t].offset;
                    break;
                }
            }
            if (pointer >= 0) {
                break;
            }
        }
        for (int l = 0; l < label; l++) {
            size_t label_len = (l + 1 < n_labels ? starts[l + 1] - 1 : len)
                               - starts[l];
            /* Pointers carry 14 bits of offset. */
            if (n_targets < MAX_TARGETS && b->size - base < 0x4000) {
                targets[n_targets++] = (struct written_suffix) {
                    name + starts[l], len - starts[l], b->size - base,
                };
            }
            ofpbuf_put_uninit(b, 1);
            ((uint8_t *) ofpbuf_tail(b))[-1] = label_len;
            ofpbuf_put(b, name + starts[l], label_len);
        }
        if (pointer >= 0) {
            uint8_t ptr[2] = { 0xc0 | (pointer >> 8), pointer & 0xff };
            ofpbuf_put(b, ptr, sizeof ptr);
        } else {
            ofpbuf_put_zeros(b, 1);
        }
    }
    return 0;
}

void
dhcp_encode_classless_route(struct ofpbuf *b, ovs_be32 dst,
                            unsigned int plen, ovs_be32 router)
{
    ovs_assert(plen <= 32);
    ovs_be32 masked = dst & be32_prefix_mask(plen);
    size_t n_octets = DIV_ROUND_UP(plen, 8);
    uint8_t *p = ofpbuf_put_uninit(b, 1 + n_octets + 4);
    p[0] = plen;
    memcpy(p + 1, &masked, n_octets);
    memcpy(p + 1 + n_octets, &router, 4);
}
