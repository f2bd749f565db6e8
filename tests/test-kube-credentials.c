/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for kube/credentials: kubeconfig files as kubectl writes them
 * (contexts, clusters and users; files relative to the kubeconfig; base64
 * "-data"), the refusals (no verification, exec plugins, basic auth,
 * dangling names, wrong shapes) and their messages. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube/credentials.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static const char kubeconfig[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: node\n"
    "clusters:\n"
    "- name: lab\n"
    "  cluster:\n"
    "    server: https://10.96.0.1:443\n"
    "    certificate-authority: pki/ca.crt\n"
    "- name: prod\n"
    "  cluster:\n"
    "    server: https://api.example:6443\n"
    /* "-----BEGIN CERTIFICATE-----\nMII=\n" */
    "    certificate-authority-data: "
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JST0K\n"
    "contexts:\n"
    "- name: node\n"
    "  context: {cluster: lab, user: ovnmigd, namespace: kube-system}\n"
    "- name: admin\n"
    "  context:\n"
    "    cluster: prod\n"
    "    user: admin\n"
    "users:\n"
    "- name: ovnmigd\n"
    "  user:\n"
    "    tokenFile: /var/run/token\n"
    "- name: admin\n"
    "  user:\n"
    "    token: abc.def\n"
    "    client-certificate: admin.crt\n"
    "    client-key: /etc/admin.key\n";

static int
parse(const char *text, const char *context, struct kube_config *config,
      char **error)
{
    return kube_kubeconfig_parse(text, strlen(text), context, "/etc/kube",
                                 config, error);
}

static void
test_kubeconfig(void **state)
{
    struct kube_config config;
    char *error;

    assert_int_equal(parse(kubeconfig, NULL, &config, &error), 0);
    assert_null(error);
    assert_string_equal(config.server, "https://10.96.0.1:443");
    assert_string_equal(config.ca_file, "/etc/kube/pki/ca.crt");
    assert_null(config.ca_pem);
    assert_string_equal(config.token_file, "/var/run/token");
    assert_null(config.token);
    assert_null(config.cert_file);
    kube_config_destroy(&config);

    assert_int_equal(parse(kubeconfig, "admin", &config, &error), 0);
    assert_string_equal(config.server, "https://api.example:6443");
    assert_null(config.ca_file);
    assert_string_equal(config.ca_pem,
                        "-----BEGIN CERTIFICATE-----\nMII=\n");
    assert_string_equal(config.token, "abc.def");
    assert_string_equal(config.cert_file, "/etc/kube/admin.crt");
    assert_string_equal(config.key_file, "/etc/admin.key");
    kube_config_destroy(&config);
}

static void
test_kubeconfig_refused(void **state)
{
    static const struct {
        const char *text;
        const char *context;
        const char *message;
    } bad[] = {
        { "", NULL, "empty" },
        { "[", NULL, "YAML error" },
        { "kind: Pod\n", NULL, "not Config" },
        { "kind: Config\n", NULL, "current-context" },
        { "current-context: x\ncontexts: []\n", NULL, "no \"x\"" },
        { "current-context: x\ncontexts: {}\n", NULL, "expected a list" },
        { "current-context: x\ncontexts:\n- name: x\n  context: {}\n",
          NULL, "names no cluster" },
        { "current-context: x\ncontexts:\n- name: x\n  context: "
          "{cluster: c}\nclusters:\n- name: c\n  cluster: {}\n",
          NULL, "has no server" },
        { "current-context: x\ncontexts:\n- name: x\n  context: "
          "{cluster: c}\nclusters:\n- name: c\n  cluster: "
          "{server: 'https://a', insecure-skip-tls-verify: true}\n",
          NULL, "insecure-skip-tls-verify is refused" },
        { "current-context: x\ncontexts:\n- name: x\n  context: "
          "{cluster: c}\nclusters:\n- name: c\n  cluster: "
          "{server: 'https://a', certificate-authority-data: '@@'}\n",
          NULL, "not base64" },
        { "current-context: x\ncontexts:\n- name: x\n  context: "
          "{cluster: c}\nclusters:\n- name: c\n  cluster: "
          "{server: 'https://a', certificate-authority: a, "
          "certificate-authority-data: YQ==}\n", NULL, "both" },
        { "current-context: x\ncontexts:\n- name: x\n  context: "
          "{cluster: c, user: u}\nclusters:\n- name: c\n  cluster: "
          "{server: 'https://a'}\nusers:\n- name: u\n  user:\n"
          "    exec: {command: aws}\n", NULL, "exec is not supported" },
        { "current-context: x\ncontexts:\n- name: x\n  context: "
          "{cluster: c, user: u}\nclusters:\n- name: c\n  cluster: "
          "{server: 'https://a'}\nusers:\n- name: u\n  user:\n"
          "    username: a\n    password: b\n", NULL,
          "username is not supported" },
        { "current-context: x\ncontexts:\n- name: x\n  context: "
          "{cluster: c, user: nobody}\nclusters:\n- name: c\n  cluster: "
          "{server: 'https://a'}\nusers: []\n", NULL, "no \"nobody\"" },
        { "current-context: x\ncontexts:\n- name: x\n  context: "
          "{cluster: [c]}\n", NULL, "expected a value" },
        { kubeconfig, "nope", "no \"nope\"" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct kube_config config;
        char *error;
        assert_int_equal(parse(bad[i].text, bad[i].context, &config, &error),
                         -EINVAL);
        if (!strstr(error, bad[i].message)) {
            fail_msg("%zu: \"%s\" does not say \"%s\"", i, error,
                     bad[i].message);
        }
        assert_null(config.server);
        free(error);
    }

    /* Aliases that multiply the work are cut short. */
    struct ds bomb = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&bomb, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'h'; c++) {
        ds_put_format(&bomb, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, "
                      "*%c, *%c, *%c]\n", c, c, c - 1, c - 1, c - 1, c - 1,
                      c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
    }
    ds_put_cstr(&bomb, "contexts: *h\ncurrent-context: x\n");
    struct kube_config config;
    char *error;
    assert_int_equal(parse(ds_cstr(&bomb), NULL, &config, &error), -EINVAL);
    free(error);
    ds_destroy(&bomb);
}

static void
test_kubeconfig_file(void **state)
{
    char dir[] = "/tmp/test-kube-credentials.XXXXXX";
    struct kube_config config;
    char *error;

    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/config", dir);
    FILE *f = fopen(path, "w");
    fputs(kubeconfig, f);
    fclose(f);
    assert_int_equal(kube_kubeconfig_load(path, NULL, &config, &error), 0);
    char *ca = xasprintf("%s/pki/ca.crt", dir);
    assert_string_equal(config.ca_file, ca);
    free(ca);
    kube_config_destroy(&config);
    unlink(path);
    rmdir(dir);

    assert_int_equal(kube_kubeconfig_load(path, NULL, &config, &error),
                     -ENOENT);
    assert_non_null(strstr(error, path));
    free(error);
    free(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kubeconfig),
        cmocka_unit_test(test_kubeconfig_refused),
        cmocka_unit_test(test_kubeconfig_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
