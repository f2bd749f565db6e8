/* SPDX-License-Identifier: Apache-2.0
 *
 * config.h -- ovnmigd's configuration file.
 *
 * The format is one "key = value" per line; '#' starts a comment; lists
 * are comma-separated.  docs/ovnmigd.conf.5 documents every key.  Parsing
 * is strict: an unknown key, a bad value, a repeated key or a missing
 * required key is an error naming its line, and all errors are reported
 * at once.
 */
#ifndef OVNMIGD_CONFIG_H
#define OVNMIGD_CONFIG_H 1

#include <stdbool.h>
#include <stdint.h>
#include "migrate/qemu-accel.h"
#include "openvswitch/types.h"
#include "packets.h"
#include "svec.h"

struct ds;

/* What drives migrations (docs/ovnmigd.conf.5, "mode"). */
enum ovnmigd_mode {
    OVNMIGD_STANDALONE,         /* The cluster DB; ovnmigd runs QEMU. */
    OVNMIGD_KUBERNETES,         /* A Kubernetes API server; KubeVirt runs
                                 * QEMU, ovnmigd moves the port. */
};

struct ovnmigd_config {
    enum ovnmigd_mode mode;     /* Default: standalone. */
    char *kubeconfig;           /* Kubernetes mode: a kubeconfig file, */
    char *kube_context;         /* ...its context (NULL: current), */
    char *kube_sa_dir;          /* ...or a service account directory
                                 * (NULL: the standard one); neither:
                                 * in-cluster. */
    char *node;                 /* Required. */
    char *chassis;              /* Default: node. */
    char *cluster_db;           /* OVSDB remote(s) of the cluster DB
                                 * (standalone mode: required). */
    char *ovn_nb;               /* OVSDB remote(s) of the OVN Northbound. */
    char *ovn_sb;               /* ...and Southbound. */
    char *ssl_private_key;      /* This node's OVSDB identity for ssl:
                                 * remotes (CN = node), and the CA its */
    char *ssl_certificate;      /* servers must be signed by: all three, */
    char *ssl_ca_cert;          /* or none (then no ssl: remote). */
    char *logical_switch;       /* The VM subnet's switch. */

    ovs_be32 gateway_ip;        /* 169.254.1.1 */
    struct eth_addr gateway_mac;        /* 0a:58:a9:fe:01:01 */
    ovs_be32 subnet_gateway;    /* Optional (0): also answered by ARP. */
    struct svec dns;            /* IPv4 addresses, as text. */
    char *domain;
    struct svec search;
    unsigned int mtu;           /* 0: no option 26. */
    uint32_t lease_time;        /* Seconds: 999 days by default. */

    char *run_dir;              /* VMs' run directories, sockets. */
    char *netns_prefix;         /* Pod namespaces: <prefix><vm>.<ns>. */
    char *control_socket;       /* Default: <run_dir>/ovnmigd.ctl. */
    char *metrics_address;      /* "IP:PORT", or NULL: no metrics. */
    char *migration_interface;  /* NULL: the node's own address. */
    char *tls_dir;              /* Migration stream TLS: certificates in
                                 * QEMU's layout (ovnmig-pki), or NULL. */
    bool arp_kernel_fast_path;  /* Answer ARP in the kernel (eBPF on tc
                                 * ingress) where possible: default yes. */
    enum qvm_accel_mode accel;  /* QEMU's accelerator: default auto. */
    unsigned int boot_deadline; /* Seconds a guest has to show a sign of
                                 * life; 0: no deadline. */

    /* IPv6 (optional).  With 'subnet6' set, a VM with an IPv6 address in
     * it is served RA and NA from fe80::1 (with 'gateway_mac') and its
     * /128 by DHCPv6, with 'dns6' and 'search'. */
    struct in6_addr subnet6;
    unsigned int subnet6_plen;  /* 0: no subnet6. */
    struct svec dns6;           /* IPv6 addresses, as text. */
    /* DHCPv6 lifetimes (seconds; T1 and T2 are 0.5 and 0.8 of the
     * preferred one, RFC 8415 §21.4).  0: DHCPv6's defaults. */
    uint32_t preferred_lifetime6;
    uint32_t valid_lifetime6;
};

#define OVNMIGD_DEFAULT_GATEWAY_IP "169.254.1.1"
#define OVNMIGD_DEFAULT_GATEWAY_MAC "0a:58:a9:fe:01:01"
#define OVNMIGD_DEFAULT_LEASE_TIME (999u * 24 * 3600)
#define OVNMIGD_DEFAULT_RUN_DIR "/run/ovnmig"
#define OVNMIGD_DEFAULT_NETNS_PREFIX "ovnmig-"
#define OVNMIGD_DEFAULT_BOOT_DEADLINE 300

/* Parses the 'size' bytes at 'text' (named 'name' in messages) into
 * 'config', which the caller frees with ovnmigd_config_destroy() whatever
 * the outcome.  Returns 0, or -EINVAL with one line per error appended to
 * 'errors'. */
int ovnmigd_config_parse(const char *name, const char *text, size_t size,
                         struct ovnmigd_config *config, struct ds *errors);
void ovnmigd_config_destroy(struct ovnmigd_config *);

/* Appends to 'remotes' each remote of 'config''s databases that is plain
 * "tcp:", as "key=remote" (a network without TLS: worth a warning). */
void ovnmigd_config_plain_tcp(const struct ovnmigd_config *config,
                              struct svec *remotes);

#endif /* daemon/config.h */
