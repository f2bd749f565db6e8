/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "lib/tool.h"

#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(tool);

void
tool_usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", program_name);
    vfprintf(stderr, format, args);
    fprintf(stderr, " (use --help for help)\n");
    va_end(args);
    exit(2);
}

struct tool_run {
    struct event_base *base;
    const struct tool_hooks *hooks;
};

static void
on_signal(evutil_socket_t signo, short what, void *run_)
{
    struct tool_run *run = run_;

    if (signo == SIGUSR1) {
        run->hooks->counters(run->hooks->aux);
    } else if (signo == SIGHUP) {
        if (run->hooks->reload) {
            run->hooks->reload(run->hooks->aux);
        }
    } else {
        VLOG_INFO("stopping on signal %d", (int) signo);
        event_base_loopbreak(run->base);
    }
}

int
tool_run(struct event_base *base, const struct tool_hooks *hooks)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGUSR1, SIGHUP };
    struct event *events[ARRAY_SIZE(signals)];
    struct tool_run run = { base, hooks };

    for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
        events[i] = evsignal_new(base, signals[i], on_signal, &run);
        event_add(events[i], NULL);
    }
    if (hooks->ready) {
        hooks->ready(hooks->aux);
    }
    int rc = event_base_dispatch(base) < 0 ? -1 : 0;
    hooks->counters(hooks->aux);
    for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
        event_free(events[i]);
    }
    return rc;
}
