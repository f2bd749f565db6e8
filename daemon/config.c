/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "daemon/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpd/dhcp6-server.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "socket-util.h"
#include "sset.h"
#include "util.h"

/* Lines longer than this are refused rather than truncated. */
#define MAX_LINE 4096

enum kind { K_STRING, K_PATH, K_REMOTE, K_IPV4, K_MAC, K_IPV4_LIST,
            K_NAME_LIST, K_UINT, K_IFNAME, K_ADDRESS, K_BOOL, K_ACCEL,
            K_IPV6_PREFIX, K_IPV6_LIST, K_MODE };

struct key {
    const char *name;
    enum kind kind;
    size_t offset;
    unsigned int min, max;      /* K_UINT. */
    bool required;
};

#define F(MEMBER) offsetof(struct ovnmigd_config, MEMBER)
static const struct key keys[] = {
    { "mode", K_MODE, F(mode), 0, 0, false },
    { "kubeconfig", K_PATH, F(kubeconfig), 0, 0, false },
    { "kube-context", K_STRING, F(kube_context), 0, 0, false },
    { "kube-service-account-dir", K_PATH, F(kube_sa_dir), 0, 0, false },
    { "node", K_STRING, F(node), 0, 0, true },
    { "chassis", K_STRING, F(chassis), 0, 0, false },
    /* Required in standalone mode (below). */
    { "cluster-db", K_REMOTE, F(cluster_db), 0, 0, false },
    { "ovn-nb", K_REMOTE, F(ovn_nb), 0, 0, true },
    { "ovn-sb", K_REMOTE, F(ovn_sb), 0, 0, true },
    { "ssl-private-key", K_PATH, F(ssl_private_key), 0, 0, false },
    { "ssl-certificate", K_PATH, F(ssl_certificate), 0, 0, false },
    { "ssl-ca-cert", K_PATH, F(ssl_ca_cert), 0, 0, false },
    { "logical-switch", K_STRING, F(logical_switch), 0, 0, true },
    { "gateway-ip", K_IPV4, F(gateway_ip), 0, 0, false },
    { "gateway-mac", K_MAC, F(gateway_mac), 0, 0, false },
    { "subnet-gateway", K_IPV4, F(subnet_gateway), 0, 0, false },
    { "dns", K_IPV4_LIST, F(dns), 0, 0, false },
    { "domain", K_STRING, F(domain), 0, 0, false },
    { "search", K_NAME_LIST, F(search), 0, 0, false },
    { "mtu", K_UINT, F(mtu), 576, 65535, false },
    { "lease-time", K_UINT, F(lease_time), 60, UINT32_MAX - 1, false },
    { "run-dir", K_PATH, F(run_dir), 0, 0, false },
    { "netns-prefix", K_STRING, F(netns_prefix), 0, 0, false },
    { "control-socket", K_PATH, F(control_socket), 0, 0, false },
    { "metrics-address", K_ADDRESS, F(metrics_address), 0, 0, false },
    { "migration-interface", K_IFNAME, F(migration_interface), 0, 0, false },
    { "tls-dir", K_PATH, F(tls_dir), 0, 0, false },
    { "arp-kernel-fast-path", K_BOOL, F(arp_kernel_fast_path), 0, 0, false },
    { "accel", K_ACCEL, F(accel), 0, 0, false },
    { "boot-deadline", K_UINT, F(boot_deadline), 0, 86400, false },
    { "subnet6", K_IPV6_PREFIX, F(subnet6), 0, 0, false },
    { "dns6", K_IPV6_LIST, F(dns6), 0, 0, false },
    { "preferred-lifetime6", K_UINT, F(preferred_lifetime6), 10,
      UINT32_MAX - 1, false },
    { "valid-lifetime6", K_UINT, F(valid_lifetime6), 10, UINT32_MAX - 1,
      false },
};

static char *
trim(char *s)
{
    while (isspace((unsigned char) *s)) {
        s++;
    }
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char) end[-1])) {
        *--end = '\0';
    }
    return s;
}

static bool
name_ok(const char *s)
{
    /* Names end up in OVN port names, namespaces and file names. */
    if (!*s || strlen(s) > 63) {
        return false;
    }
    for (; *s; s++) {
        if (!isalnum((unsigned char) *s) && !strchr("-_.", *s)) {
            return false;
        }
    }
    return true;
}

/* Splits 'value' at commas into 'list'; each item must pass 'ok'. */
static bool
parse_list(char *value, struct svec *list, bool (*ok)(const char *))
{
    char *save, *item;
    svec_clear(list);
    for (item = strtok_r(value, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        item = trim(item);
        if (!ok(item)) {
            return false;
        }
        svec_add(list, item);
    }
    return list->n > 0;
}

static bool
ipv4_ok(const char *s)
{
    ovs_be32 ip;
    return ip_parse(s, &ip);
}

/* A unicast IPv6 address (no link-local one: the guest reaches DNS
 * through its router). */
static bool
ipv6_unicast_ok(const char *s)
{
    struct in6_addr a;
    return (ipv6_parse(s, &a) && !ipv6_addr_is_multicast(&a)
            && !ipv6_is_zero(&a) && !in6_is_lla(&a)
            && !ipv6_addr_equals(&a, &in6addr_loopback));
}

static bool
dns_name_ok(const char *s)
{
    return *s && strlen(s) <= 253 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-.") == strlen(s)
           && !strstr(s, "..") && *s != '.';
}

/* Whether each of the comma-separated 'remotes' is an OVSDB remote. */
static bool
remotes_ok(const char *remotes)
{
    for (const char *p = remotes; p; p = strchr(p, ',')) {
        p += *p == ',';
        p += strspn(p, " \t");
        if (!strncmp(p, "unix:", 5) ? !p[5] || p[5] == ','
            : strncmp(p, "tcp:", 4) && strncmp(p, "ssl:", 4)) {
            return false;
        }
    }
    return true;
}

/* Whether one of the comma-separated 'remotes' starts with 'method'. */
static bool
has_method(const char *remotes, const char *method)
{
    size_t len = strlen(method);
    for (const char *p = remotes; p; p = strchr(p, ',')) {
        p += *p == ',';
        p += strspn(p, " \t");
        if (!strncmp(p, method, len)) {
            return true;
        }
    }
    return false;
}

/* Stores 'value' for 'key'.  Returns NULL or what is wrong with it. */
static const char *
set_value(struct ovnmigd_config *c, const struct key *key, char *value)
{
    void *p = (char *) c + key->offset;
    char **str = p;

    switch (key->kind) {
    case K_STRING:
        if (key->offset == F(domain) ? !dns_name_ok(value)
            : key->offset == F(netns_prefix) ? !*value || strlen(value) > 32
                                               || strchr(value, '/')
            : !name_ok(value)) {
            return "not a valid name";
        }
        break;
    case K_PATH:
        if (value[0] != '/' || strlen(value) > 200) {
            return "not an absolute path";
        }
        break;
    case K_REMOTE:
        if (!remotes_ok(value)) {
            return "not an OVSDB remote (unix:PATH, tcp:HOST:PORT, "
                   "ssl:HOST:PORT, comma-separated)";
        }
        break;
    case K_IPV4: {
        ovs_be32 ip;
        if (!ip_parse(value, &ip) || !ip) {
            return "not an IPv4 address";
        }
        *(ovs_be32 *) p = ip;
        return NULL;
    }
    case K_MAC: {
        struct eth_addr mac;
        if (!eth_addr_from_string(value, &mac) || eth_addr_is_multicast(mac)
            || eth_addr_is_zero(mac)) {
            return "not a unicast MAC address";
        }
        *(struct eth_addr *) p = mac;
        return NULL;
    }
    case K_IPV4_LIST:
        return parse_list(value, p, ipv4_ok) ? NULL
               : "not a comma-separated list of IPv4 addresses";
    case K_IPV6_LIST:
        return parse_list(value, p, ipv6_unicast_ok) ? NULL
               : "not a comma-separated list of unicast IPv6 addresses";
    case K_IPV6_PREFIX: {
        struct in6_addr prefix;
        unsigned int plen;
        char *error = ipv6_parse_cidr(value, &prefix, &plen);
        if (error) {
            free(error);
            return "not an IPv6 prefix ADDRESS/LENGTH";
        }
        struct in6_addr mask = ipv6_create_mask(plen);
        struct in6_addr net = ipv6_addr_bitand(&prefix, &mask);
        if (!strchr(value, '/') || plen < 8 || plen > 120
            || ipv6_addr_is_multicast(&prefix) || in6_is_lla(&prefix)
            || !ipv6_addr_equals(&net, &prefix)) {
            return "not a unicast IPv6 prefix of length 8 to 120 with "
                   "no host bits (e.g. fd00:10::/64)";
        }
        c->subnet6 = prefix;
        c->subnet6_plen = plen;
        return NULL;
    }
    case K_NAME_LIST:
        return parse_list(value, p, dns_name_ok) ? NULL
               : "not a comma-separated list of domain names";
    case K_UINT: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (!isdigit((unsigned char) *value) || *end || errno
            || v < key->min || v > key->max) {
            return (key->offset == F(mtu) ? "not a number from 576 to 65535"
                    : key->offset == F(boot_deadline)
                    ? "not a number of seconds from 0 (no deadline) to 86400"
                    : key->offset == F(lease_time)
                    ? "not a number of seconds from 60 to 4294967294"
                    : "not a number of seconds from 10 to 4294967294");
        }
        if (key->offset == F(mtu)) {
            c->mtu = v;
        } else if (key->offset == F(boot_deadline)) {
            c->boot_deadline = v;
        } else if (key->offset == F(preferred_lifetime6)) {
            c->preferred_lifetime6 = v;
        } else if (key->offset == F(valid_lifetime6)) {
            c->valid_lifetime6 = v;
        } else {
            c->lease_time = v;
        }
        return NULL;
    }
    case K_IFNAME:
        if (!*value || strlen(value) >= 16 || strchr(value, '/')
            || strpbrk(value, " \t:")) {
            return "not an interface name";
        }
        break;
    case K_BOOL:
        if (!strcmp(value, "yes") || !strcmp(value, "true")) {
            *(bool *) p = true;
        } else if (!strcmp(value, "no") || !strcmp(value, "false")) {
            *(bool *) p = false;
        } else {
            return "not yes or no";
        }
        return NULL;
    case K_ACCEL:
        return (qvm_accel_mode_from_name(value, &c->accel)
                ? "not auto, kvm or tcg" : NULL);
    case K_MODE:
        if (!strcmp(value, "standalone")) {
            c->mode = OVNMIGD_STANDALONE;
        } else if (!strcmp(value, "kubernetes")) {
            c->mode = OVNMIGD_KUBERNETES;
        } else {
            return "not standalone or kubernetes";
        }
        return NULL;
    case K_ADDRESS: {
        struct sockaddr_storage ss;
        if (!inet_parse_active(value, -1, &ss, false, NULL)) {
            return "not an address IP:PORT";
        }
        break;
    }
    }
    free(*str);
    *str = xstrdup(value);
    return NULL;
}

static const char *
remote_value(const struct ovnmigd_config *c, const struct key *key)
{
    return *(char *const *) ((const char *) c + key->offset);
}

/* The ssl-* keys go together, and an ssl: remote needs them.  Returns the
 * number of errors it appended to 'errors'. */
static size_t
check_ssl(const char *name, const struct ovnmigd_config *c, struct ds *errors)
{
    int n_set = !!c->ssl_private_key + !!c->ssl_certificate
                + !!c->ssl_ca_cert;
    if (n_set && n_set < 3) {
        ds_put_format(errors, "%s: ssl-private-key, ssl-certificate and "
                      "ssl-ca-cert go together: %s%s%s missing\n", name,
                      c->ssl_private_key ? "" : " ssl-private-key",
                      c->ssl_certificate ? "" : " ssl-certificate",
                      c->ssl_ca_cert ? "" : " ssl-ca-cert");
        return 1;
    }
    size_t n_errors = 0;
    for (size_t i = 0; !n_set && i < ARRAY_SIZE(keys); i++) {
        const char *remotes = (keys[i].kind == K_REMOTE
                               ? remote_value(c, &keys[i]) : NULL);
        if (remotes && has_method(remotes, "ssl:")) {
            ds_put_format(errors, "%s: %s has an ssl: remote: it needs "
                          "ssl-private-key, ssl-certificate and "
                          "ssl-ca-cert\n", name, keys[i].name);
            n_errors++;
        }
    }
    return n_errors;
}

void
ovnmigd_config_plain_tcp(const struct ovnmigd_config *c,
                         struct svec *remotes)
{
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const char *value = (keys[i].kind == K_REMOTE
                             ? remote_value(c, &keys[i]) : NULL);
        if (value && has_method(value, "tcp:")) {
            svec_add_nocopy(remotes, xasprintf("%s=%s", keys[i].name, value));
        }
    }
}

int
ovnmigd_config_parse(const char *name, const char *text, size_t size,
                     struct ovnmigd_config *c, struct ds *errors)
{
    struct sset seen = SSET_INITIALIZER(&seen);
    size_t n_errors = 0;

    memset(c, 0, sizeof *c);
    svec_init(&c->dns);
    svec_init(&c->search);
    svec_init(&c->dns6);
    ip_parse(OVNMIGD_DEFAULT_GATEWAY_IP, &c->gateway_ip);
    eth_addr_from_string(OVNMIGD_DEFAULT_GATEWAY_MAC, &c->gateway_mac);
    c->lease_time = OVNMIGD_DEFAULT_LEASE_TIME;
    c->arp_kernel_fast_path = true;
    c->accel = QVM_ACCEL_AUTO;
    c->boot_deadline = OVNMIGD_DEFAULT_BOOT_DEADLINE;

#define ERROR(LINE, ...)                                    \
    do {                                                    \
        ds_put_format(errors, "%s:%d: ", name, LINE);       \
        ds_put_format(errors, __VA_ARGS__);                 \
        ds_put_char(errors, '\n');                          \
        n_errors++;                                         \
    } while (0)

    const char *p = text, *end = text + size;
    for (int line_no = 1; p < end; line_no++) {
        const char *nl = memchr(p, '\n', end - p);
        size_t len = (nl ? nl : end) - p;
        if (len > MAX_LINE || memchr(p, '\0', len)) {
            ERROR(line_no, len > MAX_LINE ? "line longer than 4096 bytes"
                                          : "line contains a NUL byte");
            p = nl ? nl + 1 : end;
            continue;
        }
        char *line = xmemdup0(p, len);
        p = nl ? nl + 1 : end;

        char *hash = strchr(line, '#');
        if (hash) {
            *hash = '\0';
        }
        char *s = trim(line);
        if (!*s) {
            free(line);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            ERROR(line_no, "expected \"key = value\"");
            free(line);
            continue;
        }
        *eq = '\0';
        char *key_name = trim(s), *value = trim(eq + 1);

        const struct key *key = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            if (!strcmp(keys[i].name, key_name)) {
                key = &keys[i];
            }
        }
        if (!key) {
            ERROR(line_no, "unknown key \"%s\"", key_name);
        } else if (!sset_add(&seen, key_name)) {
            ERROR(line_no, "%s: given twice", key_name);
        } else if (!*value) {
            ERROR(line_no, "%s: no value", key_name);
        } else {
            const char *why = set_value(c, key, value);
            if (why) {
                ERROR(line_no, "%s: \"%s\" is %s", key_name, value, why);
            }
        }
        free(line);
    }

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (keys[i].required && !sset_contains(&seen, keys[i].name)) {
            ds_put_format(errors, "%s: required key \"%s\" is missing\n",
                          name, keys[i].name);
            n_errors++;
        }
    }
    bool kube_keys = (sset_contains(&seen, "kubeconfig")
                      || sset_contains(&seen, "kube-context")
                      || sset_contains(&seen, "kube-service-account-dir"));
    if (c->mode == OVNMIGD_STANDALONE && !sset_contains(&seen, "cluster-db")) {
        ds_put_format(errors, "%s: required key \"cluster-db\" is missing "
                      "(mode = standalone)\n", name);
        n_errors++;
    }
    if (c->mode == OVNMIGD_STANDALONE && kube_keys) {
        ds_put_format(errors, "%s: kubeconfig, kube-context and "
                      "kube-service-account-dir need mode = kubernetes\n",
                      name);
        n_errors++;
    }
    if (c->kube_sa_dir && (c->kubeconfig || c->kube_context)) {
        ds_put_format(errors, "%s: kube-service-account-dir (in-cluster) "
                      "and kubeconfig or kube-context exclude each other\n",
                      name);
        n_errors++;
    }
    if (c->kube_context && !c->kubeconfig) {
        ds_put_format(errors, "%s: kube-context needs kubeconfig\n", name);
        n_errors++;
    }
    sset_destroy(&seen);
#undef ERROR
    n_errors += check_ssl(name, c, errors);
    uint32_t preferred6 = (c->preferred_lifetime6 ? c->preferred_lifetime6
                           : DHCP6_DEFAULT_PREFERRED_LIFETIME);
    uint32_t valid6 = (c->valid_lifetime6 ? c->valid_lifetime6
                       : DHCP6_DEFAULT_VALID_LIFETIME);
    if (preferred6 > valid6) {
        ds_put_format(errors, "%s: preferred-lifetime6 %"PRIu32" exceeds "
                      "valid-lifetime6 %"PRIu32" (RFC 8415 §21.6)\n", name,
                      preferred6, valid6);
        n_errors++;
    }

    if (n_errors) {
        return -EINVAL;
    }
    if (!c->chassis) {
        c->chassis = xstrdup(c->node);
    }
    if (!c->run_dir) {
        c->run_dir = xstrdup(OVNMIGD_DEFAULT_RUN_DIR);
    }
    if (!c->netns_prefix) {
        c->netns_prefix = xstrdup(OVNMIGD_DEFAULT_NETNS_PREFIX);
    }
    if (!c->control_socket) {
        c->control_socket = xasprintf("%s/ovnmigd.ctl", c->run_dir);
    }
    return 0;
}

void
ovnmigd_config_destroy(struct ovnmigd_config *c)
{
    if (!c) {
        return;
    }
    char **strings[] = {
        &c->node, &c->chassis, &c->cluster_db, &c->ovn_nb, &c->ovn_sb,
        &c->ssl_private_key, &c->ssl_certificate, &c->ssl_ca_cert,
        &c->logical_switch, &c->domain, &c->run_dir, &c->netns_prefix,
        &c->control_socket, &c->metrics_address, &c->migration_interface,
        &c->tls_dir, &c->kubeconfig, &c->kube_context, &c->kube_sa_dir,
    };
    for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
    svec_destroy(&c->dns);
    svec_destroy(&c->search);
    svec_destroy(&c->dns6);
}
