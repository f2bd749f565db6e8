/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target: cni/cni on arbitrary bytes.  The input is read as a
 * network configuration for each command (with its prevResult), as an
 * answer of ovnmigd (a result, or an error object), and, up to its first
 * NUL, as CNI_ARGS.  A configuration either parses whole, with a supported
 * version, or fails with one of the spec's codes and a message; a result
 * that parses is written out in each version and reads back the same. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"
#include "openvswitch/json.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_result_roundtrip(const struct cni_result *r, const char *version)
{
    char *s = cni_result_to_string(r, version);
    struct json *json = json_from_string(s);
    struct cni_result back;
    struct cni_error err = { 0 };
    ovs_assert(!cni_result_from_json(json, version, &back, &err));
    char *again = cni_result_to_string(&back, version);
    ovs_assert(!strcmp(s, again));
    free(again);
    free(s);
    cni_result_destroy(&back);
    cni_error_destroy(&err);
    json_destroy(json);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    static const enum cni_command cmds[] = {
        CNI_CMD_ADD, CNI_CMD_DEL, CNI_CMD_CHECK,
    };

    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        struct cni_config c;
        struct cni_error err = { 0 };
        int code = cni_config_parse(text, size, cmds[i], &c, &err);
        if (code) {
            ovs_assert(code == err.code && err.msg);
            ovs_assert(code == CNI_ERR_DECODE
                       || code == CNI_ERR_INVALID_CONFIG
                       || code == CNI_ERR_INCOMPATIBLE_VERSION
                       || code == CNI_ERR_UNSUPPORTED_FIELD);
            char *s = cni_error_to_string(&err, c.cni_version);
            free(s);
        } else {
            ovs_assert(cni_version_supported(c.cni_version));
            ovs_assert(c.name && c.type && c.socket);
            ovs_assert(cmds[i] != CNI_CMD_CHECK || c.has_prev_result);
            if (c.has_prev_result) {
                check_result_roundtrip(&c.prev_result, c.cni_version);
            }
        }
        cni_config_destroy(&c);
        cni_error_destroy(&err);
    }

    /* ovnmigd's answers are NUL-terminated text. */
    char *copy = xmemdup0(text, size);
    struct json *json = json_from_string(copy);
    if (json->type == JSON_OBJECT) {
        struct cni_result r, merged;
        struct cni_error err = { 0 };
        if (!cni_result_from_json(json, "1.0.0", &r, &err)) {
            check_result_roundtrip(&r, "1.0.0");
            check_result_roundtrip(&r, "0.3.1");
            cni_result_init(&merged);
            ovs_assert(!cni_result_merge(&merged, &r, &err));
            ovs_assert(!cni_result_check(&merged, &r, &err));
            cni_result_destroy(&merged);
        }
        cni_result_destroy(&r);
        cni_error_destroy(&err);
    }
    json_destroy(json);

    struct cni_error err = { 0 };
    int code = cni_error_from_text(copy, &err);
    ovs_assert(code == err.code && code > 0 && err.msg);
    cni_error_destroy(&err);

    /* CNI_ARGS. */
    char *args = xasprintf("CNI_ARGS=%s", copy);
    const char *envp[] = {
        "CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_NETNS=/run/netns/x",
        "CNI_IFNAME=eth0", args, NULL,
    };
    struct cni_env env;
    code = cni_env_parse(envp, &env, &err);
    ovs_assert(!code || (code == CNI_ERR_INVALID_ENV && err.msg));
    cni_env_destroy(&env);
    cni_error_destroy(&err);
    free(args);
    free(copy);
    return 0;
}
