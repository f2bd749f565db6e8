/* SPDX-License-Identifier: Apache-2.0
 *
 * cni.c -- the CNI plugin's parsers and writers (see cni.h).
 */
#include <config.h>
#include "cni/cni.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "util.h"

const char *const cni_supported_versions[] = {
    "0.3.0", "0.3.1", "0.4.0", "1.0.0",
};
const size_t cni_n_supported_versions = ARRAY_SIZE(cni_supported_versions);

/* ------------------------------------------------------------ errors */

void
cni_error_destroy(struct cni_error *err)
{
    if (err) {
        free(err->msg);
        free(err->details);
        err->msg = err->details = NULL;
        err->code = 0;
    }
}

int
cni_error_set(struct cni_error *err, int code, const char *details,
              const char *format, ...)
{
    va_list args;

    cni_error_destroy(err);
    va_start(args, format);
    err->msg = xvasprintf(format, args);
    va_end(args);
    err->details = details ? xstrdup(details) : NULL;
    err->code = code;
    return code;
}

char *
cni_error_to_string(const struct cni_error *err, const char *cni_version)
{
    struct json *o = json_object_create();
    json_object_put_string(o, "cniVersion",
                           cni_version && cni_version_supported(cni_version)
                           ? cni_version : CNI_NEWEST_VERSION);
    json_object_put(o, "code", json_integer_create(err->code));
    json_object_put_string(o, "msg", err->msg ? err->msg : "error");
    if (err->details) {
        json_object_put_string(o, "details", err->details);
    }
    char *s = json_to_string(o, JSSF_SORT);
    json_destroy(o);
    return s;
}

/* Parses 'size' bytes of 'text' as one JSON object or array, nothing but
 * white space after it.  Returns the value, or NULL with '*why' (caller
 * frees). */
static struct json *
parse_json(const char *text, size_t size, char **why)
{
    struct json_parser *p = json_parser_create(0);
    size_t used = json_parser_feed(p, text, size);
    struct json *json = json_parser_finish(p);

    *why = NULL;
    if (json->type == JSON_STRING) {
        *why = xstrdup(json_string(json));
        json_destroy(json);
        return NULL;
    }
    for (size_t i = used; i < size; i++) {
        if (!isspace((unsigned char) text[i])) {
            *why = xstrdup("trailing garbage after the JSON value");
            json_destroy(json);
            return NULL;
        }
    }
    return json;
}

int
cni_error_from_text(const char *text, struct cni_error *err)
{
    char *why;
    struct json *json = parse_json(text, strlen(text), &why);
    free(why);
    if (json && json->type == JSON_OBJECT) {
        const struct json *code = shash_find_data(json_object(json), "code");
        const struct json *msg = shash_find_data(json_object(json), "msg");
        const struct json *details = shash_find_data(json_object(json),
                                                     "details");
        if (code && code->type == JSON_INTEGER
            && json_integer(code) > 0 && json_integer(code) < 1000
            && msg && msg->type == JSON_STRING
            && (!details || details->type == JSON_STRING)) {
            cni_error_set(err, json_integer(code),
                          details ? json_string(details) : NULL,
                          "%s", json_string(msg));
            json_destroy(json);
            return err->code;
        }
    }
    json_destroy(json);
    return cni_error_set(err, CNI_ERR_OVNMIGD, NULL, "ovnmigd: %s",
                         *text ? text : "failed without a reason");
}

/* ------------------------------------------------------------ versions */

bool
cni_version_supported(const char *version)
{
    for (size_t i = 0; i < cni_n_supported_versions; i++) {
        if (!strcmp(version, cni_supported_versions[i])) {
            return true;
        }
    }
    return false;
}

/* 0.3.x and 0.4.0 results carry "version" in each IP. */
static bool
version_is_pre_1(const char *version)
{
    return version && !strncmp(version, "0.", 2);
}

char *
cni_version_result(const char *cni_version)
{
    struct json *o = json_object_create();
    struct json *list = json_array_create_empty();
    for (size_t i = 0; i < cni_n_supported_versions; i++) {
        json_array_add(list, json_string_create(cni_supported_versions[i]));
    }
    json_object_put_string(o, "cniVersion",
                           cni_version && cni_version_supported(cni_version)
                           ? cni_version : CNI_NEWEST_VERSION);
    json_object_put(o, "supportedVersions", list);
    char *s = json_to_string(o, JSSF_SORT);
    json_destroy(o);
    return s;
}

/* ------------------------------------------------------------ the request */

const char *
cni_command_name(enum cni_command cmd)
{
    switch (cmd) {
    case CNI_CMD_ADD: return "ADD";
    case CNI_CMD_DEL: return "DEL";
    case CNI_CMD_CHECK: return "CHECK";
    case CNI_CMD_VERSION: return "VERSION";
    }
    return "?";
}

/* libcni's rule for container IDs and network names. */
static bool
valid_identifier(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!n || n > max || !isalnum((unsigned char) s[0])) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != '-') {
            return false;
        }
    }
    return true;
}

/* The kernel's dev_valid_name(). */
static bool
valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > CNI_MAX_IFNAME || !strcmp(s, ".") || !strcmp(s, "..")) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '/' || c == ':' || isspace(c) || c < 0x21 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

/* Pod names and namespaces: Kubernetes' (DNS subdomains) and podman's
 * (its container names, which it passes as both), within 63 bytes: they
 * name the pod's logical switch port. */
static bool
valid_pod_name(const char *s)
{
    return valid_identifier(s, 63);
}

static const char *
env_get(const char *const *envp, const char *key)
{
    size_t len = strlen(key);
    for (size_t i = 0; envp && envp[i]; i++) {
        if (!strncmp(envp[i], key, len) && envp[i][len] == '=') {
            return envp[i] + len + 1;
        }
    }
    return NULL;
}

static int
parse_cni_args(const char *args, struct cni_env *env, struct cni_error *err)
{
    char *copy = xstrdup(args);
    char *save = NULL;
    int error = 0;

    for (char *kv = strtok_r(copy, ";", &save); kv;
         kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            error = cni_error_set(err, CNI_ERR_INVALID_ENV, args,
                                  "CNI_ARGS: \"%s\" is not KEY=VALUE", kv);
            break;
        }
        *eq = '\0';
        const char *value = eq + 1;
        char **slot = (!strcmp(kv, "K8S_POD_NAME") ? &env->pod_name
                       : !strcmp(kv, "K8S_POD_NAMESPACE") ? &env->pod_namespace
                       : !strcmp(kv, "K8S_POD_UID") ? &env->pod_uid
                       : NULL);
        if (!slot) {
            continue;           /* IgnoreUnknown, K8S_POD_INFRA_CONTAINER_ID,
                                 * and whatever else a runtime adds. */
        }
        if (*slot) {
            error = cni_error_set(err, CNI_ERR_INVALID_ENV, args,
                                  "CNI_ARGS: %s given twice", kv);
            break;
        }
        bool ok = (slot == &env->pod_uid
                   ? valid_identifier(value, CNI_MAX_NAME)
                   : valid_pod_name(value));
        if (!ok) {
            error = cni_error_set(err, CNI_ERR_INVALID_ENV, args,
                                  "CNI_ARGS: %s \"%s\" is not a valid "
                                  "name (letters, digits, '_', '.', '-', at "
                                  "most 63)", kv, value);
            break;
        }
        *slot = xstrdup(value);
    }
    free(copy);
    return error;
}

int
cni_env_parse(const char *const *envp, struct cni_env *env,
              struct cni_error *err)
{
    memset(env, 0, sizeof *env);

    const char *cmd = env_get(envp, "CNI_COMMAND");
    if (!cmd) {
        return cni_error_set(err, CNI_ERR_INVALID_ENV, NULL,
                             "CNI_COMMAND is not set");
    } else if (!strcmp(cmd, "ADD")) {
        env->command = CNI_CMD_ADD;
    } else if (!strcmp(cmd, "DEL")) {
        env->command = CNI_CMD_DEL;
    } else if (!strcmp(cmd, "CHECK")) {
        env->command = CNI_CMD_CHECK;
    } else if (!strcmp(cmd, "VERSION")) {
        env->command = CNI_CMD_VERSION;
        return 0;
    } else {
        return cni_error_set(err, CNI_ERR_INVALID_ENV, cmd,
                             "CNI_COMMAND \"%s\" is not one this plugin "
                             "knows (ADD, DEL, CHECK, VERSION)", cmd);
    }

    const char *id = env_get(envp, "CNI_CONTAINERID");
    if (!id || !*id) {
        return cni_error_set(err, CNI_ERR_INVALID_ENV, NULL,
                             "CNI_CONTAINERID is not set");
    } else if (!valid_identifier(id, CNI_MAX_CONTAINER_ID)) {
        return cni_error_set(err, CNI_ERR_INVALID_ENV, id,
                             "CNI_CONTAINERID must be letters, digits, "
                             "'_', '.' and '-', at most %d",
                             CNI_MAX_CONTAINER_ID);
    }
    env->container_id = xstrdup(id);

    const char *ifname = env_get(envp, "CNI_IFNAME");
    if (!ifname || !*ifname) {
        return cni_error_set(err, CNI_ERR_INVALID_ENV, NULL,
                             "CNI_IFNAME is not set");
    } else if (!valid_ifname(ifname)) {
        return cni_error_set(err, CNI_ERR_INVALID_ENV, ifname,
                             "CNI_IFNAME \"%s\" is not an interface name",
                             ifname);
    }
    env->ifname = xstrdup(ifname);

    const char *netns = env_get(envp, "CNI_NETNS");
    if (netns && *netns) {
        if (netns[0] != '/' || strlen(netns) > CNI_MAX_PATH) {
            return cni_error_set(err, CNI_ERR_INVALID_ENV, netns,
                                 "CNI_NETNS \"%s\" is not an absolute path",
                                 netns);
        }
        env->netns = xstrdup(netns);
    } else if (env->command != CNI_CMD_DEL) {
        return cni_error_set(err, CNI_ERR_INVALID_ENV, NULL,
                             "CNI_NETNS is not set (%s needs the "
                             "container's network namespace)",
                             cni_command_name(env->command));
    }

    const char *path = env_get(envp, "CNI_PATH");
    env->path = path ? xstrdup(path) : NULL;

    const char *args = env_get(envp, "CNI_ARGS");
    if (args && *args) {
        env->args = xstrdup(args);
        return parse_cni_args(args, env, err);
    }
    return 0;
}

void
cni_env_destroy(struct cni_env *env)
{
    if (env) {
        free(env->container_id);
        free(env->netns);
        free(env->ifname);
        free(env->path);
        free(env->args);
        free(env->pod_name);
        free(env->pod_namespace);
        free(env->pod_uid);
        memset(env, 0, sizeof *env);
    }
}

/* ------------------------------------------------------------ results */

void
cni_result_init(struct cni_result *r)
{
    memset(r, 0, sizeof *r);
}

static void
free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
}

void
cni_result_destroy(struct cni_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n_interfaces; i++) {
        free(r->interfaces[i].name);
        free(r->interfaces[i].mac);
        free(r->interfaces[i].sandbox);
    }
    for (size_t i = 0; i < r->n_ips; i++) {
        free(r->ips[i].address);
        free(r->ips[i].gateway);
    }
    for (size_t i = 0; i < r->n_routes; i++) {
        free(r->routes[i].dst);
        free(r->routes[i].gw);
    }
    free_strings(r->dns.nameservers, r->dns.n_nameservers);
    free_strings(r->dns.search, r->dns.n_search);
    free_strings(r->dns.options, r->dns.n_options);
    free(r->dns.domain);
    cni_result_init(r);
}

/* Returns 4 or 6 for an address (no prefix), 0 otherwise. */
static int
ip_family(const char *s)
{
    unsigned char buf[16];
    return (inet_pton(AF_INET, s, buf) == 1 ? 4
            : inet_pton(AF_INET6, s, buf) == 1 ? 6
            : 0);
}

/* Returns 4 or 6 for "ADDRESS/PLEN", 0 otherwise. */
static int
cidr_family(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash - s >= INET6_ADDRSTRLEN
        || !slash[1] || strlen(slash + 1) > 3) {
        return 0;
    }
    char addr[INET6_ADDRSTRLEN];
    memcpy(addr, s, slash - s);
    addr[slash - s] = '\0';
    int family = ip_family(addr);
    int plen = 0;
    for (const char *p = slash + 1; *p; p++) {
        if (!isdigit((unsigned char) *p)) {
            return 0;
        }
        plen = plen * 10 + (*p - '0');
    }
    return ((family == 4 && plen <= 32) || (family == 6 && plen <= 128)
            ? family : 0);
}

static bool
valid_mac(const char *s)
{
    if (strlen(s) != 17) {
        return false;
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char) s[i])) {
            return false;
        }
    }
    return true;
}

/* Reads member 'key' of 'o' as a string of at most 'max' bytes into
 * '*out' (NULL if absent and not 'required'). */
static int
get_string(const struct json *o, const char *key, bool required, size_t max,
           const char *where, char **out, struct cni_error *err)
{
    const struct json *v = shash_find_data(json_object(o), key);
    *out = NULL;
    if (!v) {
        return (required
                ? cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                                "%s: \"%s\" is missing", where, key)
                : 0);
    }
    if (v->type != JSON_STRING) {
        return cni_error_set(err, CNI_ERR_DECODE, NULL,
                             "%s: \"%s\" must be a string", where, key);
    }
    if (strlen(json_string(v)) > max) {
        return cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                             "%s: \"%s\" is longer than %zu bytes",
                             where, key, max);
    }
    *out = xstrdup(json_string(v));
    return 0;
}

/* Member 'key' of 'o' as an array (NULL if absent), of at most 'max'. */
static int
get_array(const struct json *o, const char *key, size_t max,
          const char *where, const struct json_array **out,
          struct cni_error *err)
{
    const struct json *v = shash_find_data(json_object(o), key);
    *out = NULL;
    if (!v) {
        return 0;
    }
    if (v->type != JSON_ARRAY) {
        return cni_error_set(err, CNI_ERR_DECODE, NULL,
                             "%s: \"%s\" must be an array", where, key);
    }
    if (json_array(v)->n > max) {
        return cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                             "%s: more than %zu entries in \"%s\"",
                             where, max, key);
    }
    *out = json_array(v);
    return 0;
}

static int
get_string_list(const struct json *o, const char *key, const char *where,
                char **v, size_t *n, struct cni_error *err)
{
    const struct json_array *a;
    int error = get_array(o, key, CNI_MAX_DNS, where, &a, err);
    for (size_t i = 0; !error && a && i < a->n; i++) {
        if (a->elems[i]->type != JSON_STRING
            || strlen(json_string(a->elems[i])) > CNI_MAX_NAME) {
            return cni_error_set(err, CNI_ERR_DECODE, NULL,
                                 "%s: \"%s\" must hold strings of at most "
                                 "%d bytes", where, key, CNI_MAX_NAME);
        }
        v[(*n)++] = xstrdup(json_string(a->elems[i]));
    }
    return error;
}

static bool
streq_null(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static int
interface_from_json(const struct json *j, size_t i, struct cni_result *r,
                    struct cni_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "result: interfaces[%zu]", i);
    if (j->type != JSON_OBJECT) {
        return cni_error_set(err, CNI_ERR_DECODE, NULL,
                             "%s must be an object", where);
    }
    struct cni_interface *iface = &r->interfaces[r->n_interfaces++];
    int error = get_string(j, "name", true, CNI_MAX_IFNAME, where,
                           &iface->name, err);
    if (!error) {
        error = get_string(j, "mac", false, 17, where, &iface->mac, err);
    }
    if (!error) {
        error = get_string(j, "sandbox", false, CNI_MAX_PATH, where,
                           &iface->sandbox, err);
    }
    if (!error && !valid_ifname(iface->name)) {
        error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                              "%s: \"%s\" is not an interface name", where,
                              iface->name);
    }
    for (size_t k = 0; !error && k + 1 < r->n_interfaces; k++) {
        if (!strcmp(r->interfaces[k].name, iface->name)
            && streq_null(r->interfaces[k].sandbox, iface->sandbox)) {
            error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                                  "%s: interface %s is listed twice", where,
                                  iface->name);
        }
    }
    /* Some plugins report interfaces without a MAC (e.g. "lo"), never a
     * malformed one. */
    if (!error && iface->mac && *iface->mac && !valid_mac(iface->mac)) {
        error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                              "%s: \"%s\" is not a MAC address", where,
                              iface->mac);
    }
    return error;
}

static int
ip_from_json(const struct json *j, size_t i, bool pre_1,
             struct cni_result *r, struct cni_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "result: ips[%zu]", i);
    if (j->type != JSON_OBJECT) {
        return cni_error_set(err, CNI_ERR_DECODE, NULL,
                             "%s must be an object", where);
    }
    struct cni_ip *ip = &r->ips[r->n_ips++];
    ip->interface = -1;
    char *version = NULL;
    int error = get_string(j, "address", true, INET6_ADDRSTRLEN + 4, where,
                           &ip->address, err);
    if (!error) {
        error = get_string(j, "gateway", false, INET6_ADDRSTRLEN, where,
                           &ip->gateway, err);
    }
    if (!error) {
        error = get_string(j, "version", pre_1, 1, where, &version, err);
    }
    if (error) {
        free(version);
        return error;
    }
    int family = cidr_family(ip->address);
    if (!family) {
        error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                              "%s: \"%s\" is not an address with a prefix "
                              "length", where, ip->address);
    } else if (ip->gateway && ip_family(ip->gateway) != family) {
        error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                              "%s: gateway \"%s\" is not an IPv%d address",
                              where, ip->gateway, family);
    } else if (version && (version[0] - '0') != family) {
        error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                              "%s: version \"%s\" does not match \"%s\"",
                              where, version, ip->address);
    }
    free(version);
    ip->ipv6 = family == 6;

    const struct json *idx = shash_find_data(json_object(j), "interface");
    if (!error && idx) {
        if (idx->type != JSON_INTEGER || json_integer(idx) < 0
            || json_integer(idx) >= (long long) r->n_interfaces) {
            error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                                  "%s: \"interface\" must index "
                                  "\"interfaces\"", where);
        } else {
            ip->interface = json_integer(idx);
        }
    }
    return error;
}

static int
route_from_json(const struct json *j, size_t i, struct cni_result *r,
                struct cni_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "result: routes[%zu]", i);
    if (j->type != JSON_OBJECT) {
        return cni_error_set(err, CNI_ERR_DECODE, NULL,
                             "%s must be an object", where);
    }
    struct cni_route *route = &r->routes[r->n_routes++];
    int error = get_string(j, "dst", true, INET6_ADDRSTRLEN + 4, where,
                           &route->dst, err);
    if (!error) {
        error = get_string(j, "gw", false, INET6_ADDRSTRLEN, where,
                           &route->gw, err);
    }
    if (error) {
        return error;
    }
    int family = cidr_family(route->dst);
    if (!family) {
        return cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                             "%s: \"%s\" is not a destination with a prefix "
                             "length", where, route->dst);
    }
    if (route->gw && ip_family(route->gw) != family) {
        return cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                             "%s: gateway \"%s\" is not an IPv%d address",
                             where, route->gw, family);
    }
    return 0;
}

int
cni_result_from_json(const struct json *j, const char *cni_version,
                     struct cni_result *r, struct cni_error *err)
{
    const struct json_array *a;
    int error;

    cni_result_init(r);
    if (j->type != JSON_OBJECT) {
        return cni_error_set(err, CNI_ERR_DECODE, NULL,
                             "result: not a JSON object");
    }
    error = get_array(j, "interfaces", CNI_MAX_INTERFACES, "result", &a,
                      err);
    for (size_t i = 0; !error && a && i < a->n; i++) {
        error = interface_from_json(a->elems[i], i, r, err);
    }
    if (!error) {
        error = get_array(j, "ips", CNI_MAX_IPS, "result", &a, err);
    }
    for (size_t i = 0; !error && a && i < a->n; i++) {
        error = ip_from_json(a->elems[i], i, version_is_pre_1(cni_version),
                             r, err);
    }
    if (!error) {
        error = get_array(j, "routes", CNI_MAX_ROUTES, "result", &a, err);
    }
    for (size_t i = 0; !error && a && i < a->n; i++) {
        error = route_from_json(a->elems[i], i, r, err);
    }

    const struct json *dns = shash_find_data(json_object(j), "dns");
    if (!error && dns) {
        if (dns->type != JSON_OBJECT) {
            return cni_error_set(err, CNI_ERR_DECODE, NULL,
                                 "result: \"dns\" must be an object");
        }
        struct cni_dns *d = &r->dns;
        error = get_string_list(dns, "nameservers", "result: dns",
                                d->nameservers, &d->n_nameservers, err);
        for (size_t i = 0; !error && i < d->n_nameservers; i++) {
            if (!ip_family(d->nameservers[i])) {
                error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                                      "result: dns: \"%s\" is not an IP "
                                      "address", d->nameservers[i]);
            }
        }
        if (!error) {
            error = get_string(dns, "domain", false, CNI_MAX_NAME,
                               "result: dns", &d->domain, err);
        }
        if (!error) {
            error = get_string_list(dns, "search", "result: dns",
                                    d->search, &d->n_search, err);
        }
        if (!error) {
            error = get_string_list(dns, "options", "result: dns",
                                    d->options, &d->n_options, err);
        }
    }
    return error;
}

static struct json *
string_list_to_json(char *const *v, size_t n)
{
    struct json *a = json_array_create_empty();
    for (size_t i = 0; i < n; i++) {
        json_array_add(a, json_string_create(v[i]));
    }
    return a;
}

char *
cni_result_to_string(const struct cni_result *r, const char *cni_version)
{
    bool pre_1 = version_is_pre_1(cni_version);
    struct json *o = json_object_create();

    json_object_put_string(o, "cniVersion",
                           cni_version ? cni_version : CNI_NEWEST_VERSION);
    if (r->n_interfaces) {
        struct json *a = json_array_create_empty();
        for (size_t i = 0; i < r->n_interfaces; i++) {
            const struct cni_interface *iface = &r->interfaces[i];
            struct json *e = json_object_create();
            json_object_put_string(e, "name", iface->name);
            if (iface->mac) {
                json_object_put_string(e, "mac", iface->mac);
            }
            if (iface->sandbox) {
                json_object_put_string(e, "sandbox", iface->sandbox);
            }
            json_array_add(a, e);
        }
        json_object_put(o, "interfaces", a);
    }
    if (r->n_ips) {
        struct json *a = json_array_create_empty();
        for (size_t i = 0; i < r->n_ips; i++) {
            const struct cni_ip *ip = &r->ips[i];
            struct json *e = json_object_create();
            if (pre_1) {
                json_object_put_string(e, "version", ip->ipv6 ? "6" : "4");
            }
            json_object_put_string(e, "address", ip->address);
            if (ip->gateway) {
                json_object_put_string(e, "gateway", ip->gateway);
            }
            if (ip->interface >= 0) {
                json_object_put(e, "interface",
                                json_integer_create(ip->interface));
            }
            json_array_add(a, e);
        }
        json_object_put(o, "ips", a);
    }
    if (r->n_routes) {
        struct json *a = json_array_create_empty();
        for (size_t i = 0; i < r->n_routes; i++) {
            struct json *e = json_object_create();
            json_object_put_string(e, "dst", r->routes[i].dst);
            if (r->routes[i].gw) {
                json_object_put_string(e, "gw", r->routes[i].gw);
            }
            json_array_add(a, e);
        }
        json_object_put(o, "routes", a);
    }

    /* The spec makes "dns" required in a result, empty if nothing. */
    const struct cni_dns *d = &r->dns;
    struct json *dns = json_object_create();
    if (d->n_nameservers) {
        json_object_put(dns, "nameservers",
                        string_list_to_json(d->nameservers,
                                            d->n_nameservers));
    }
    if (d->domain) {
        json_object_put_string(dns, "domain", d->domain);
    }
    if (d->n_search) {
        json_object_put(dns, "search",
                        string_list_to_json(d->search, d->n_search));
    }
    if (d->n_options) {
        json_object_put(dns, "options",
                        string_list_to_json(d->options, d->n_options));
    }
    json_object_put(o, "dns", dns);

    char *s = json_to_string(o, JSSF_SORT);
    json_destroy(o);
    return s;
}

static char *
nullable_strdup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}


int
cni_result_merge(struct cni_result *r, const struct cni_result *ours,
                 struct cni_error *err)
{
    if (r->n_interfaces + ours->n_interfaces > CNI_MAX_INTERFACES
        || r->n_ips + ours->n_ips > CNI_MAX_IPS
        || r->n_routes + ours->n_routes > CNI_MAX_ROUTES) {
        return cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                             "prevResult: too many interfaces, addresses or "
                             "routes to add ours");
    }
    for (size_t i = 0; i < ours->n_interfaces; i++) {
        for (size_t j = 0; j < r->n_interfaces; j++) {
            if (!strcmp(r->interfaces[j].name, ours->interfaces[i].name)
                && streq_null(r->interfaces[j].sandbox,
                              ours->interfaces[i].sandbox)) {
                return cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                                     "prevResult already has interface %s "
                                     "in this container",
                                     ours->interfaces[i].name);
            }
        }
    }

    size_t base = r->n_interfaces;
    for (size_t i = 0; i < ours->n_interfaces; i++) {
        const struct cni_interface *src = &ours->interfaces[i];
        struct cni_interface *dst = &r->interfaces[r->n_interfaces++];
        dst->name = xstrdup(src->name);
        dst->mac = nullable_strdup(src->mac);
        dst->sandbox = nullable_strdup(src->sandbox);
    }
    for (size_t i = 0; i < ours->n_ips; i++) {
        const struct cni_ip *src = &ours->ips[i];
        struct cni_ip *dst = &r->ips[r->n_ips++];
        dst->address = xstrdup(src->address);
        dst->gateway = nullable_strdup(src->gateway);
        dst->interface = src->interface >= 0 ? src->interface + base : -1;
        dst->ipv6 = src->ipv6;
    }
    for (size_t i = 0; i < ours->n_routes; i++) {
        struct cni_route *dst = &r->routes[r->n_routes++];
        dst->dst = xstrdup(ours->routes[i].dst);
        dst->gw = nullable_strdup(ours->routes[i].gw);
    }

    struct cni_dns *d = &r->dns;
    if (!d->n_nameservers && !d->domain && !d->n_search && !d->n_options) {
        const struct cni_dns *s = &ours->dns;
        for (size_t i = 0; i < s->n_nameservers; i++) {
            d->nameservers[d->n_nameservers++] = xstrdup(s->nameservers[i]);
        }
        d->domain = nullable_strdup(s->domain);
        for (size_t i = 0; i < s->n_search; i++) {
            d->search[d->n_search++] = xstrdup(s->search[i]);
        }
        for (size_t i = 0; i < s->n_options; i++) {
            d->options[d->n_options++] = xstrdup(s->options[i]);
        }
    }
    return 0;
}

int
cni_result_check(const struct cni_result *prev,
                 const struct cni_result *ours, struct cni_error *err)
{
    for (size_t i = 0; i < ours->n_interfaces; i++) {
        const struct cni_interface *want = &ours->interfaces[i];
        size_t j;
        for (j = 0; j < prev->n_interfaces; j++) {
            const struct cni_interface *have = &prev->interfaces[j];
            if (!strcmp(have->name, want->name)
                && streq_null(have->sandbox, want->sandbox)) {
                break;
            }
        }
        if (j == prev->n_interfaces) {
            return cni_error_set(err, CNI_ERR_CHECK_FAILED, NULL,
                                 "prevResult has no interface %s in %s",
                                 want->name,
                                 want->sandbox ? want->sandbox : "the host");
        }
        const char *mac = prev->interfaces[j].mac;
        if (want->mac && (!mac || strcasecmp(mac, want->mac))) {
            return cni_error_set(err, CNI_ERR_CHECK_FAILED, NULL,
                                 "interface %s has MAC %s, prevResult says "
                                 "%s", want->name, want->mac,
                                 mac ? mac : "none");
        }
    }
    for (size_t i = 0; i < ours->n_ips; i++) {
        size_t j;
        for (j = 0; j < prev->n_ips; j++) {
            if (!strcmp(prev->ips[j].address, ours->ips[i].address)) {
                break;
            }
        }
        if (j == prev->n_ips) {
            return cni_error_set(err, CNI_ERR_CHECK_FAILED, NULL,
                                 "prevResult lacks the address %s",
                                 ours->ips[i].address);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the config */

static bool
valid_socket_path(const char *s)
{
    return s[0] == '/' && strlen(s) < 108;      /* sun_path */
}

int
cni_config_parse(const char *text, size_t size, enum cni_command command,
                 struct cni_config *c, struct cni_error *err)
{
    memset(c, 0, sizeof *c);
    cni_result_init(&c->prev_result);

    if (size > CNI_MAX_CONFIG) {
        return cni_error_set(err, CNI_ERR_DECODE, NULL,
                             "network configuration larger than %d bytes",
                             CNI_MAX_CONFIG);
    }
    char *why;
    struct json *json = parse_json(text, size, &why);
    if (!json) {
        int code = cni_error_set(err, CNI_ERR_DECODE, why,
                                 "network configuration is not JSON");
        free(why);
        return code;
    }
    int error = 0;
    if (json->type != JSON_OBJECT) {
        error = cni_error_set(err, CNI_ERR_DECODE, NULL,
                              "network configuration is not a JSON object");
        goto out;
    }

    error = get_string(json, "cniVersion", true, 16, "network configuration",
                       &c->cni_version, err);
    if (error) {
        goto out;
    }
    if (!cni_version_supported(c->cni_version)) {
        error = cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION, NULL,
                              "cniVersion \"%s\" is not supported (this "
                              "plugin speaks 0.3.0, 0.3.1, 0.4.0, 1.0.0)",
                              c->cni_version);
        goto out;
    }
    if (command == CNI_CMD_CHECK && !strncmp(c->cni_version, "0.3.", 4)) {
        error = cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION, NULL,
                              "CHECK needs cniVersion 0.4.0 or later, not "
                              "\"%s\"", c->cni_version);
        goto out;
    }
    if (shash_find(json_object(json), "ipam")) {
        error = cni_error_set(err, CNI_ERR_UNSUPPORTED_FIELD, "ipam",
                              "\"ipam\" is not supported: ovnmigd assigns "
                              "the addresses");
        goto out;
    }

    error = get_string(json, "name", true, CNI_MAX_NAME,
                       "network configuration", &c->name, err);
    if (!error && !valid_identifier(c->name, CNI_MAX_NAME)) {
        error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, c->name,
                              "network name \"%s\" must be letters, digits, "
                              "'_', '.' and '-'", c->name);
    }
    if (!error) {
        error = get_string(json, "type", true, CNI_MAX_NAME,
                           "network configuration", &c->type, err);
    }
    if (!error) {
        error = get_string(json, "socket", false, CNI_MAX_PATH,
                           "network configuration", &c->socket, err);
    }
    if (!error && c->socket && !valid_socket_path(c->socket)) {
        error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, c->socket,
                              "\"socket\" must be an absolute path shorter "
                              "than 108 bytes");
    }
    if (!error && !c->socket) {
        c->socket = xstrdup(CNI_DEFAULT_SOCKET);
    }
    if (error) {
        goto out;
    }

    const struct json *prev = shash_find_data(json_object(json),
                                              "prevResult");
    if (prev && prev->type != JSON_NULL) {
        c->has_prev_result = true;
        error = cni_result_from_json(prev, c->cni_version, &c->prev_result,
                                     err);
        if (error) {
            char *msg = xasprintf("prevResult: %s", err->msg);
            free(err->msg);
            err->msg = msg;
            err->code = error = CNI_ERR_INVALID_CONFIG;
        }
    } else if (command == CNI_CMD_CHECK) {
        error = cni_error_set(err, CNI_ERR_INVALID_CONFIG, NULL,
                              "CHECK needs the prevResult of ADD");
    }

out:
    json_destroy(json);
    return error;
}

void
cni_config_destroy(struct cni_config *c)
{
    if (c) {
        free(c->cni_version);
        free(c->name);
        free(c->type);
        free(c->socket);
        cni_result_destroy(&c->prev_result);
        memset(c, 0, sizeof *c);
    }
}

char *
cni_config_peek_version(const char *text, size_t size)
{
    char *why = NULL, *version = NULL;
    struct json *json = size <= CNI_MAX_CONFIG ? parse_json(text, size, &why)
                                               : NULL;
    if (json && json->type == JSON_OBJECT) {
        const struct json *v = shash_find_data(json_object(json),
                                               "cniVersion");
        if (v && v->type == JSON_STRING && strlen(json_string(v)) <= 16) {
            version = xstrdup(json_string(v));
        }
    }
    free(why);
    json_destroy(json);
    return version;
}
