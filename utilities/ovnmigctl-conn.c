/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmigctl-conn.c -- where ovnmigctl connects, and as whom: the cluster
 * database's remote(s), a node's control socket and the TLS identity for
 * "ssl:" remotes.  Each setting comes from the command line, else from
 * the environment, else from the connection file, else a default -- as
 * OVN_NB_DB and ovn-nbctl's -p/-c/-C do for ovn-nbctl.  See ovnmigctl(8).
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ovsdb-ssl.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"
#include "utilities/ovnmigctl.h"

#define DEFAULT_CONF "/etc/ovnmig/ovnmigctl.conf"

/* A setting: its key in the file, its environment variable. */
struct setting {
    const char *key, *env;
    size_t offset;
};

#define S(MEMBER) offsetof(struct ctl_conn, MEMBER)
static const struct setting settings[] = {
    { "cluster-db", "OVNMIG_DB", S(db) },
    { "control-socket", "OVNMIG_CTL", S(socket) },
    { "ssl-private-key", "OVNMIG_SSL_PRIVATE_KEY", S(private_key) },
    { "ssl-certificate", "OVNMIG_SSL_CERTIFICATE", S(certificate) },
    { "ssl-ca-cert", "OVNMIG_SSL_CA_CERT", S(ca_cert) },
};

static char **
field(struct ctl_conn *conn, const struct setting *s)
{
    return (char **) ((char *) conn + s->offset);
}

static char *
trim(char *s)
{
    s += strspn(s, " \t");
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char) end[-1])) {
        *--end = '\0';
    }
    return s;
}

/* Reads 'path' ("key = value" lines, '#' comments) into the settings of
 * 'conn' still unset.  A missing file is fine unless 'must_exist'; a line
 * it cannot use fails, naming file and line. */
static void
read_conn_file(const char *path, bool must_exist, struct ctl_conn *conn)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (must_exist || errno != ENOENT) {
            fail("%s: %s (OVNMIGCTL_CONF)", path, ovs_strerror(errno));
        }
        return;
    }
    struct ds line = DS_EMPTY_INITIALIZER;
    struct ctl_conn from_file = { .db = NULL };
    for (int line_no = 1; !ds_get_line(&line, f); line_no++) {
        char *s = ds_cstr(&line);
        char *hash = strchr(s, '#');
        if (hash) {
            *hash = '\0';
        }
        s = trim(s);
        if (!*s) {
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            fail("%s:%d: expected \"key = value\"", path, line_no);
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        const struct setting *st = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
            if (!strcmp(settings[i].key, key)) {
                st = &settings[i];
            }
        }
        if (!st) {
            fail("%s:%d: unknown key \"%s\" (cluster-db, control-socket, "
                 "ssl-private-key, ssl-certificate, ssl-ca-cert)", path,
                 line_no, key);
        } else if (!*value) {
            fail("%s:%d: %s: no value", path, line_no, key);
        } else if (*field(&from_file, st)) {
            fail("%s:%d: %s: given twice", path, line_no, key);
        }
        *field(&from_file, st) = xstrdup(value);
    }
    ds_destroy(&line);
    fclose(f);

    for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
        char **mine = field(conn, &settings[i]);
        char **theirs = field(&from_file, &settings[i]);
        if (!*mine) {
            *mine = *theirs;
        } else {
            free(*theirs);
        }
    }
}

void
conn_resolve(struct ctl_conn *conn, const char *default_db,
             const char *default_socket)
{
    for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
        char **value = field(conn, &settings[i]);
        const char *env = getenv(settings[i].env);
        if (!*value && env && *env) {
            *value = xstrdup(env);
        }
    }
    const char *file = getenv("OVNMIGCTL_CONF");
    read_conn_file(file && *file ? file : DEFAULT_CONF, file && *file, conn);
    if (!conn->db) {
        conn->db = xstrdup(default_db);
    }
    if (!conn->socket) {
        conn->socket = xstrdup(default_socket);
    }
}

void
conn_setup_ssl(const struct ctl_conn *conn)
{
    int n_set = !!conn->private_key + !!conn->certificate + !!conn->ca_cert;
    if (!n_set) {
        for (const char *p = conn->db; p; p = strchr(p, ',')) {
            p += *p == ',';
            if (!strncmp(p + strspn(p, " "), "ssl:", 4)) {
                fail("%s: an ssl: remote needs a private key, a certificate "
                     "and a CA certificate (-p, -c, -C; or "
                     "OVNMIG_SSL_PRIVATE_KEY, OVNMIG_SSL_CERTIFICATE, "
                     "OVNMIG_SSL_CA_CERT; or OVNMIGCTL_CONF)", conn->db);
            }
        }
        return;
    }
    if (n_set < 3) {
        fail("the private key, certificate and CA certificate go together: "
             "%s%s%s missing", conn->private_key ? "" : " private key",
             conn->certificate ? "" : " certificate",
             conn->ca_cert ? "" : " CA certificate");
    }
    struct ds error = DS_EMPTY_INITIALIZER;
    if (dbssl_configure(conn->private_key, conn->certificate, conn->ca_cert,
                        &error)) {
        fail("%s", ds_cstr(&error));
    }
    ds_destroy(&error);
}
