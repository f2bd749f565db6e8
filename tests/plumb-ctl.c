/* SPDX-License-Identifier: Apache-2.0
 *
 * plumb-ctl -- drives daemon/plumbing for the lab tests:
 *
 *   plumb-ctl create|destroy|exists|show NETNS-PREFIX LSP [MTU]
 *
 * Run it in the node's network namespace with the node's OVS environment
 * (ovnmig-lab exec NODE -- plumb-ctl ...).  "show" prints the pod
 * namespace and the node interface; "exists" exits 0 or 1. */
#include <config.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/plumbing.h"
#include "openvswitch/vlog.h"
#include "util.h"

int
main(int argc, char *argv[])
{
    struct plumb_spec spec;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_INFO);
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s create|destroy|exists|show "
                "NETNS-PREFIX LSP [MTU]\n", argv[0]);
        return 2;
    }
    plumb_spec_init(&spec, argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 0);

    const char *cmd = argv[1];
    int error;
    if (!strcmp(cmd, "create")) {
        error = plumb_create(&spec);
    } else if (!strcmp(cmd, "destroy")) {
        error = plumb_destroy(&spec);
    } else if (!strcmp(cmd, "exists")) {
        return plumb_exists(&spec) ? 0 : 1;
    } else if (!strcmp(cmd, "show")) {
        printf("netns=%s node_if=%s iface_id=%s\n", spec.netns,
               spec.node_if, spec.iface_id);
        return 0;
    } else {
        fprintf(stderr, "%s: unknown command \"%s\"\n", argv[0], cmd);
        return 2;
    }
    if (error) {
        fprintf(stderr, "%s %s: %s\n", argv[0], cmd, ovs_strerror(-error));
        return 1;
    }
    return 0;
}
