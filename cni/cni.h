/* SPDX-License-Identifier: Apache-2.0
 *
 * cni.h -- the pure half of ovnmig-cni, the CNI plugin (CNI spec 1.0.0):
 * what the runtime hands a plugin (the CNI_* environment and the network
 * configuration on stdin) parsed and checked, results read and written,
 * and the error object.  No I/O, no clock: everything here is unit-tested
 * and fuzzed (tests/test-cni.c, tests/fuzz/fuzz-cni.c).
 *
 * The plugin itself (cni/ovnmig-cni.c) is thin: it hands the request to
 * the node's ovnmigd over its control socket ("cni/add", "cni/del",
 * "cni/check"), which does the work, and turns the answer into the result
 * the runtime expects.
 *
 * Every function that can fail returns 0 or a CNI error code and fills a
 * struct cni_error with a sentence ("msg") and, where useful, "details";
 * the caller frees it with cni_error_destroy().
 */
#ifndef OVNMIG_CNI_H
#define OVNMIG_CNI_H 1

#include <stdbool.h>
#include <stddef.h>

struct json;

/* The spec's well-known error codes (SPEC.md, "Error"), and ovnmig's own
 * (100 and above are the plugin's to define). */
enum cni_error_code {
    CNI_OK = 0,
    CNI_ERR_INCOMPATIBLE_VERSION = 1,
    CNI_ERR_UNSUPPORTED_FIELD = 2,
    CNI_ERR_UNKNOWN_CONTAINER = 3,
    CNI_ERR_INVALID_ENV = 4,
    CNI_ERR_IO = 5,
    CNI_ERR_DECODE = 6,
    CNI_ERR_INVALID_CONFIG = 7,
    CNI_ERR_TRY_AGAIN = 11,
    /* ovnmig's: */
    CNI_ERR_OVNMIGD = 100,              /* ovnmigd failed to do it */
    CNI_ERR_ADDRESS_IN_USE = 101,       /* a duplicate outside a migration */
    CNI_ERR_CHECK_FAILED = 102,         /* CHECK found a difference */
};

struct cni_error {
    int code;
    char *msg;
    char *details;              /* NULL if none. */
};

void cni_error_destroy(struct cni_error *);
/* Sets 'err' (freeing what it held) and returns 'code'. */
int cni_error_set(struct cni_error *err, int code, const char *details,
                  const char *msg_format, ...)
    __attribute__((format(printf, 4, 5)));
/* The error object the spec prints on stdout, in 'cni_version' (NULL: the
 * plugin's newest).  The caller frees the result. */
char *cni_error_to_string(const struct cni_error *, const char *cni_version);
/* Reads an error object {"code": N, "msg": S[, "details": S]}, as ovnmigd
 * answers a refused request.  Anything else becomes CNI_ERR_OVNMIGD with
 * the text as its message.  Returns the code. */
int cni_error_from_text(const char *text, struct cni_error *);

/* ------------------------------------------------------------ versions */

/* The versions this plugin speaks, newest last. */
extern const char *const cni_supported_versions[];
extern const size_t cni_n_supported_versions;
#define CNI_NEWEST_VERSION "1.0.0"
bool cni_version_supported(const char *);
/* VERSION's answer for 'cni_version' (the one the runtime asked in, or
 * NULL).  The caller frees the result. */
char *cni_version_result(const char *cni_version);

/* ------------------------------------------------------------ the request */

enum cni_command {
    CNI_CMD_ADD,
    CNI_CMD_DEL,
    CNI_CMD_CHECK,
    CNI_CMD_VERSION,
};
const char *cni_command_name(enum cni_command);

/* Limits: anything longer is refused with the reason. */
#define CNI_MAX_CONFIG (1024 * 1024)    /* stdin */
#define CNI_MAX_CONTAINER_ID 256
#define CNI_MAX_NAME 253                /* network, pod, namespace names */
#define CNI_MAX_PATH 4096
#define CNI_MAX_IFNAME 15
#define CNI_MAX_INTERFACES 32           /* in a result */
#define CNI_MAX_IPS 32
#define CNI_MAX_ROUTES 128
#define CNI_MAX_DNS 16                  /* nameservers, search, options */

/* What the CNI_* environment says. */
struct cni_env {
    enum cni_command command;
    char *container_id;         /* CNI_CONTAINERID */
    char *netns;                /* CNI_NETNS: NULL for DEL without one. */
    char *ifname;               /* CNI_IFNAME */
    char *path;                 /* CNI_PATH, or NULL. */
    char *args;                 /* CNI_ARGS as given, or NULL. */
    /* From CNI_ARGS (NULL when absent): */
    char *pod_name;             /* K8S_POD_NAME */
    char *pod_namespace;        /* K8S_POD_NAMESPACE */
    char *pod_uid;              /* K8S_POD_UID */
};

/* Parses 'envp' (NULL-terminated "KEY=VALUE" strings, as environ).  For
 * VERSION only CNI_COMMAND is read.  The spec's rules: CNI_CONTAINERID
 * (letters, digits, '_', '.', '-', starting with a letter or digit),
 * CNI_IFNAME (a Linux interface name) for every other command, CNI_NETNS
 * (an absolute path) for ADD and CHECK, optional for DEL.  CNI_ARGS is
 * "K=V;K=V"; keys other than K8S_POD_* and IgnoreUnknown are ignored.
 * Returns 0 or CNI_ERR_INVALID_ENV.  The caller frees 'env' with
 * cni_env_destroy() whatever the outcome. */
int cni_env_parse(const char *const *envp, struct cni_env *env,
                  struct cni_error *);
void cni_env_destroy(struct cni_env *);

/* ------------------------------------------------------------ results */

struct cni_interface {
    char *name;
    char *mac;                  /* or NULL */
    char *sandbox;              /* or NULL: a host interface */
};

struct cni_ip {
    char *address;              /* "A.B.C.D/P" or IPv6 CIDR */
    char *gateway;              /* or NULL */
    int interface;              /* index into interfaces, or -1 */
    bool ipv6;
};

struct cni_route {
    char *dst;                  /* CIDR */
    char *gw;                   /* or NULL */
};

struct cni_dns {
    char *nameservers[CNI_MAX_DNS];
    size_t n_nameservers;
    char *domain;               /* or NULL */
    char *search[CNI_MAX_DNS];
    size_t n_search;
    char *options[CNI_MAX_DNS];
    size_t n_options;
};

struct cni_result {
    struct cni_interface interfaces[CNI_MAX_INTERFACES];
    size_t n_interfaces;
    struct cni_ip ips[CNI_MAX_IPS];
    size_t n_ips;
    struct cni_route routes[CNI_MAX_ROUTES];
    size_t n_routes;
    struct cni_dns dns;
};

void cni_result_init(struct cni_result *);
void cni_result_destroy(struct cni_result *);

/* Reads a result object in 'cni_version''s format (0.3.0 to 1.0.0: the
 * older ones carry "version" in each IP); addresses, MACs and interface
 * indexes are checked.  Returns 0, or CNI_ERR_DECODE (not the shape of a
 * result) or CNI_ERR_INVALID_CONFIG (a bad value).  The caller frees
 * 'result' whatever the outcome. */
int cni_result_from_json(const struct json *, const char *cni_version,
                         struct cni_result *result, struct cni_error *);
/* The result object in 'cni_version''s format.  The caller frees it. */
char *cni_result_to_string(const struct cni_result *,
                           const char *cni_version);

/* Appends 'ours' to 'result' (a chained plugin's prevResult), renumbering
 * the interface indexes of its IPs; DNS is taken from 'ours' only where
 * 'result' has none.  Returns 0 or CNI_ERR_INVALID_CONFIG when the sum
 * would exceed the limits or 'result' already has an interface of that
 * name in that sandbox. */
int cni_result_merge(struct cni_result *result,
                     const struct cni_result *ours, struct cni_error *);

/* CHECK: does 'prev' (the runtime's prevResult) hold what ovnmigd says
 * the container has ('ours': one interface in a sandbox and its IPs)?
 * Returns 0 or CNI_ERR_CHECK_FAILED naming the difference. */
int cni_result_check(const struct cni_result *prev,
                     const struct cni_result *ours, struct cni_error *);

/* ------------------------------------------------------------ the config */

#define CNI_DEFAULT_SOCKET "/run/ovnmig/ovnmigd.ctl"

struct cni_config {
    char *cni_version;
    char *name;
    char *type;
    char *socket;               /* ovnmigd's control socket */
    bool has_prev_result;
    struct cni_result prev_result;
};

/* Parses the network configuration ('size' bytes, not NUL-terminated)
 * for 'command':
 *   - not JSON, or not an object: CNI_ERR_DECODE;
 *   - a cniVersion this plugin does not speak (or CHECK before 0.4.0):
 *     CNI_ERR_INCOMPATIBLE_VERSION;
 *   - "ipam" (ovnmigd assigns the addresses): CNI_ERR_UNSUPPORTED_FIELD;
 *   - a missing or bad "name", "type" or "socket", a bad "prevResult":
 *     CNI_ERR_INVALID_CONFIG.
 * Fields the spec defines for other plugins and runtimes ("args",
 * "runtimeConfig", "capabilities", "dns", "disableCheck") are accepted and
 * ignored.  The caller frees 'config' with cni_config_destroy() whatever
 * the outcome. */
int cni_config_parse(const char *text, size_t size, enum cni_command,
                     struct cni_config *config, struct cni_error *);
void cni_config_destroy(struct cni_config *);

/* For VERSION, which must answer even a config it cannot otherwise use:
 * the "cniVersion" of 'text' if it is an object with a string there, else
 * NULL.  The caller frees the result. */
char *cni_config_peek_version(const char *text, size_t size);

#endif /* cni/cni.h */
