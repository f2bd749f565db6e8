/* SPDX-License-Identifier: Apache-2.0
 *
 * control.h -- ovnmigd's control socket, for a libevent program.
 *
 * It speaks Open vSwitch's unixctl protocol -- JSON-RPC over a unix stream
 * socket, a request {"method": NAME, "params": [STRING...], "id": ID}
 * answered by {"result": TEXT, "error": null, "id": ID} or {"result":
 * null, "error": TEXT, "id": ID} -- so "ovs-appctl -t SOCKET COMMAND"
 * works against it, as does OVS's unixctl client library (ovnmigctl).
 * Messages are framed and converted with libopenvswitch's JSON parser and
 * JSON-RPC code; the I/O is libevent's.
 *
 * The socket is created with mode 0600, and a peer whose credentials
 * (SO_PEERCRED) are neither root's nor the daemon's own user is refused.
 *
 * Built in: "list-commands", "vlog/set SPEC...", "vlog/list",
 * "vlog/reopen".
 *
 * Limits: CTL_MAX_CONNECTIONS connections at once (more are closed at
 * once), CTL_MAX_REQUEST bytes per request (a larger one closes the
 * connection), CTL_MAX_ARGS arguments.
 */
#ifndef OVNMIG_CONTROL_H
#define OVNMIG_CONTROL_H 1

#include <stdbool.h>

struct event_base;
struct ctl_server;
struct ctl_request;

#define CTL_MAX_CONNECTIONS 64
#define CTL_MAX_REQUEST (64 * 1024)
#define CTL_MAX_ARGS 32

/* Handles one command.  argv[0] is the command name, argv[1..argc-1] its
 * arguments (valid during the call only).  The handler must answer with
 * ctl_reply() or ctl_reply_error(), now or later (an asynchronous answer:
 * the request stays valid until answered, even if the peer went away). */
typedef void ctl_handler(struct ctl_request *, int argc, const char *argv[],
                         void *aux);

/* Listens on the unix socket 'path' (replacing a stale one).  Returns 0
 * and the server in '*serverp', or a negative errno (logged).  The caller
 * frees it with ctl_server_destroy(), which removes the socket file. */
int ctl_server_create(struct event_base *, const char *path,
                      struct ctl_server **serverp);
void ctl_server_destroy(struct ctl_server *);

/* Registers 'name', taking 'min_args' to 'max_args' arguments; 'usage'
 * is shown by list-commands and in argument errors. */
void ctl_command_register(struct ctl_server *, const char *name,
                          const char *usage, int min_args, int max_args,
                          ctl_handler *, void *aux);

/* Answers 'req' and frees it.  'body' is the text (often JSON) returned. */
void ctl_reply(struct ctl_request *req, const char *body);
void ctl_reply_error(struct ctl_request *req, const char *body);

/* Removes the argument 'flag' (e.g. "--json") from argv wherever it is;
 * returns true if it was there. */
bool ctl_take_flag(int *argc, const char *argv[], const char *flag);

#endif /* control.h */
