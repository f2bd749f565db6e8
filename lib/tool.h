/* SPDX-License-Identifier: Apache-2.0
 *
 * tool.h -- the event loop the standalone responders (ovnmig-arpproxy,
 * ovnmig-dhcpd) share: it runs until SIGINT or SIGTERM, prints counters on
 * SIGUSR1 and once more at the end, and reloads on SIGHUP.
 */
#ifndef OVNMIG_TOOL_H
#define OVNMIG_TOOL_H 1

#include "openvswitch/compiler.h"

struct event_base;

struct tool_hooks {
    void (*counters)(void *aux);        /* SIGUSR1, and at the end. */
    void (*reload)(void *aux);          /* SIGHUP; may be NULL. */
    void (*ready)(void *aux);           /* Once, before the loop; NULL ok. */
    void *aux;
};

/* Prints "PROGRAM: MESSAGE (use --help for help)" on stderr and exits
 * with status 2, the tools' exit code for bad arguments. */
void tool_usage_error(const char *format, ...)
    OVS_NO_RETURN OVS_PRINTF_FORMAT(1, 2);

/* Runs 'base' as above.  'ready' is called once the signals above are
 * handled, so that a tool's "ready" line also means that SIGUSR1 prints
 * counters rather than kills: whoever starts the tool and waits for that
 * line may signal it at once.  Returns 0, or -1 if the loop failed. */
int tool_run(struct event_base *base, const struct tool_hooks *hooks);

#endif /* tool.h */
