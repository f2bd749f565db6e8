/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "lib/ovsdb-ssl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "stream-ssl.h"
#include "util.h"

/* libopenvswitch logs a file it cannot use and goes on without TLS, each
 * connection then failing with a vague "Protocol error": check first, so
 * the user reads which file is wrong. */
static int
check_pem(const char *what, const char *file, struct ds *error)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        int err = errno;
        ds_put_format(error, "%s %s: %s", what, file, ovs_strerror(err));
        return -err;
    }
    char line[256];
    bool pem = false;
    while (!pem && fgets(line, sizeof line, f)) {
        pem = !strncmp(line, "-----BEGIN ", 11);
    }
    fclose(f);
    if (!pem) {
        ds_put_format(error, "%s %s: no PEM data in it", what, file);
        return -EINVAL;
    }
    return 0;
}

int
dbssl_configure(const char *private_key, const char *certificate,
                const char *ca_cert, struct ds *error)
{
    int err = check_pem("private key", private_key, error);
    if (!err) {
        err = check_pem("certificate", certificate, error);
    }
    if (!err) {
        err = check_pem("CA certificate", ca_cert, error);
    }
    if (err) {
        return err;
    }
    stream_ssl_set_key_and_cert(private_key, certificate);
    stream_ssl_set_ca_cert_file(ca_cert, false);
    return 0;
}
