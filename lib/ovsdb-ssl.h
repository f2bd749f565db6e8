/* SPDX-License-Identifier: Apache-2.0
 *
 * ovsdb-ssl.h -- the TLS identity of ovnmig's OVSDB clients.
 *
 * libopenvswitch keeps one TLS configuration per process: a private key,
 * its certificate (whose CN is the identity OVSDB's role-based access
 * control checks) and the CA certificate every server must be signed by.
 * Every "ssl:" connection the process makes afterwards -- each IDL, in
 * whatever thread -- uses it.  Call this once, in main(), before any
 * thread starts or any connection is made.
 */
#ifndef OVNMIG_OVSDB_SSL_H
#define OVNMIG_OVSDB_SSL_H 1

struct ds;

/* Loads the three files into libopenvswitch's TLS configuration.  Returns
 * 0, or a negative errno with what is wrong (which file, why) appended to
 * 'error': a file that cannot be read, or that holds no PEM data. */
int dbssl_configure(const char *private_key, const char *certificate,
                    const char *ca_cert, struct ds *error);

#endif /* lib/ovsdb-ssl.h */
