/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "lib/dns-name.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "lib/packet.h"

int
dns_name_split(const char *name, size_t *lenp, size_t starts[DNS_MAX_LABELS])
{
    size_t len = strlen(name);
    if (len && name[len - 1] == '.') {
        len--;
    }
    *lenp = len;
    if (!len || len > DNS_MAX_NAME) {
        return -EINVAL;
    }

    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || name[i] == '.') {
            size_t label = i - start;
            /* 253 bytes hold at most 127 labels of one byte. */
            if (!label || label > DNS_MAX_LABEL) {
                return -EINVAL;
            }
            starts[n++] = start;
            start = i + 1;
        }
    }
    return n;
}

bool
dns_name_is_valid(const char *name)
{
    size_t starts[DNS_MAX_LABELS];
    size_t len;
    if (dns_name_split(name, &len, starts) < 0) {
        return false;
    }
    /* RFC 1123 §2.1 host names: letters, digits and inner hyphens. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = name[i];
        bool label_edge = (i == 0 || name[i - 1] == '.'
                           || i + 1 == len || name[i + 1] == '.');
        if (c == '-' ? label_edge
            : !isalnum(c) && c != '_' && c != '.') {
            return false;
        }
    }
    return true;
}

int
dns_name_put(struct ofpbuf *b, const char *name)
{
    size_t starts[DNS_MAX_LABELS];
    size_t len;
    if (!dns_name_is_valid(name)) {
        return -EINVAL;
    }
    int n = dns_name_split(name, &len, starts);
    for (int i = 0; i < n; i++) {
        size_t end = i + 1 < n ? starts[i + 1] - 1 : len;
        uint8_t label_len = end - starts[i];
        ofpbuf_put(b, &label_len, 1);
        ofpbuf_put(b, name + starts[i], label_len);
    }
    ofpbuf_put_zeros(b, 1);
    return 0;
}

const char *
dns_check_ipv6(const struct in6_addr *servers, size_t n_servers,
               size_t max_servers, const char *const *search,
               size_t n_search, size_t max_search)
{
    if (n_servers > max_servers || n_search > max_search) {
        return "too many DNS servers or search domains";
    }
    for (size_t i = 0; i < n_servers; i++) {
        if (!pkt_ipv6_is_unicast(&servers[i])) {
            return "a DNS server must be a unicast address";
        }
    }
    for (size_t i = 0; i < n_search; i++) {
        if (!dns_name_is_valid(search[i])) {
            return "a search domain is not a valid DNS name";
        }
    }
    return NULL;
}
