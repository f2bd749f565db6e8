/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmig-cni -- the CNI plugin of ovnmig (docs/ovnmig-cni.8).
 *
 * A container runtime runs it with CNI_COMMAND and the other CNI_*
 * variables in its environment and the network configuration on stdin.
 * It checks both (cni/cni.h), then asks the node's ovnmigd over its
 * control socket to do the work -- "cni/add", "cni/del", "cni/check" --
 * and prints the result, or the spec's error object, on stdout.  It does
 * nothing to the network by itself.
 *
 * The container's network namespace is handed to ovnmigd as
 * /proc/<this process>/fd/<N>, a descriptor this process holds open until
 * the answer came: the runtime may have mounted CNI_NETNS in a mount
 * namespace of its own, where ovnmigd could not see it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cni/cni.h"
#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "unixctl.h"
#include "util.h"

extern char **environ;

/* Prints 'err' on stdout (the spec's place for it) and returns the exit
 * status. */
static int
fail(const struct cni_error *err, const char *cni_version)
{
    char *s = cni_error_to_string(err, cni_version);
    puts(s);
    free(s);
    fflush(stdout);
    return 1;
}

/* Reads all of stdin, at most CNI_MAX_CONFIG + 1 bytes (one more is
 * enough for the parser to refuse it). */
static int
read_stdin(char **textp, size_t *sizep, struct cni_error *err)
{
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > CNI_MAX_CONFIG) {
                break;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t r = read(STDIN_FILENO, buf + n, cap - n);
        if (r < 0 && errno == EINTR) {
            continue;
        } else if (r < 0) {
            free(buf);
            return cni_error_set(err, CNI_ERR_IO, NULL,
                                 "cannot read the network configuration: "
                                 "%s", ovs_strerror(errno));
        } else if (!r) {
            break;
        }
        n += r;
    }
    *textp = buf;
    *sizep = n;
    return 0;
}

/* Opens CNI_NETNS and checks that it is a network namespace. */
static int
open_netns(const char *path, int *fdp, struct cni_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return cni_error_set(err, CNI_ERR_UNKNOWN_CONTAINER, path,
                             "CNI_NETNS %s: %s", path, ovs_strerror(errno));
    }
    struct statfs st;
    if (fstatfs(fd, &st) || st.f_type != NSFS_MAGIC) {
        close(fd);
        return cni_error_set(err, CNI_ERR_INVALID_ENV, path,
                             "CNI_NETNS %s is not a network namespace",
                             path);
    }
    *fdp = fd;
    return 0;
}

/* 0 if something listens on the unix socket 'path', else an errno. */
static int
probe_socket(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sun.sun_path) {
        return ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    int error = connect(fd, (struct sockaddr *) &sun, sizeof sun) ? errno : 0;
    close(fd);
    return error;
}

/* Asks ovnmigd.  Returns 0 and its answer in '*answerp' (caller frees), or
 * an error code. */
static int
ask_ovnmigd(const char *socket, const char *command, int argc, char *argv[],
            char **answerp, struct cni_error *err)
{
    struct jsonrpc *client;
    char *result = NULL, *error_text = NULL;

    *answerp = NULL;
    /* OVS's client retries a socket that is not there for seconds: a
     * plain connect first says at once whether ovnmigd listens. */
    int error = probe_socket(socket);
    if (!error) {
        error = unixctl_client_create(socket, &client);
    }
    if (error) {
        return cni_error_set(err, CNI_ERR_TRY_AGAIN, socket,
                             "ovnmigd is not running on this node, or not "
                             "listening on %s: %s", socket,
                             ovs_strerror(error));
    }
    error = unixctl_client_transact(client, command, argc, argv, &result,
                                    &error_text);
    jsonrpc_close(client);
    if (error) {
        free(result);
        free(error_text);
        return cni_error_set(err, CNI_ERR_TRY_AGAIN, socket,
                             "ovnmigd (%s) did not answer: %s", socket,
                             ovs_strerror(error));
    }
    if (error_text) {
        free(result);
        cni_error_from_text(error_text, err);
        free(error_text);
        return err->code;
    }
    *answerp = result ? result : xstrdup("");
    return 0;
}

/* ovnmigd's answer to cni/add and cni/check: a 1.0.0 result. */
static int
parse_answer(const char *answer, struct cni_result *ours,
             struct cni_error *err)
{
    struct json *json = json_from_string(answer);
    int error;
    if (json->type != JSON_OBJECT) {
        error = cni_error_set(err, CNI_ERR_OVNMIGD, answer,
                              "ovnmigd's answer is not a result");
        cni_result_init(ours);
    } else {
        error = cni_result_from_json(json, "1.0.0", ours, err);
        if (error) {
            error = err->code = CNI_ERR_OVNMIGD;
        }
    }
    json_destroy(json);
    return error;
}

static int
run(const struct cni_env *env, struct cni_config *config, char **output,
    struct cni_error *err)
{
    char fd_path[64] = "";
    int netns_fd = -1;
    int error;

    *output = NULL;
    if (env->netns && env->command != CNI_CMD_DEL) {
        error = open_netns(env->netns, &netns_fd, err);
        if (error) {
            return error;
        }
        snprintf(fd_path, sizeof fd_path, "/proc/%ld/fd/%d",
                 (long) getpid(), netns_fd);
    }

    /* cni/VERB CONTAINER_ID IFNAME NETWORK NETNS NETNS_FD_PATH
     *          POD_NAMESPACE POD_NAME (empty strings for what is not). */
    char *argv[] = {
        env->container_id, env->ifname, config->name,
        env->netns ? env->netns : "", fd_path,
        env->pod_namespace ? env->pod_namespace : "",
        env->pod_name ? env->pod_name : "",
    };
    const char *command = (env->command == CNI_CMD_ADD ? "cni/add"
                           : env->command == CNI_CMD_DEL ? "cni/del"
                           : "cni/check");
    char *answer;
    error = ask_ovnmigd(config->socket, command, ARRAY_SIZE(argv), argv,
                        &answer, err);
    if (netns_fd >= 0) {
        close(netns_fd);
    }
    if (error || env->command == CNI_CMD_DEL) {
        free(answer);
        return error;
    }

    struct cni_result ours;
    error = parse_answer(answer, &ours, err);
    free(answer);
    if (!error && env->command == CNI_CMD_ADD) {
        error = cni_result_merge(&config->prev_result, &ours, err);
        if (!error) {
            *output = cni_result_to_string(&config->prev_result,
                                           config->cni_version);
        }
    } else if (!error) {
        error = cni_result_check(&config->prev_result, &ours, err);
    }
    cni_result_destroy(&ours);
    return error;
}

int
main(int argc, char *argv[])
{
    struct cni_error err = { 0 };
    struct cni_env env;
    struct cni_config config;
    char *text = NULL, *output = NULL;
    size_t size = 0;
    int status;

    set_program_name(argv[0]);
    if (argc > 1 && (!strcmp(argv[1], "--version")
                     || !strcmp(argv[1], "-V"))) {
        printf("ovnmig-cni (ovnmig) %s, CNI spec 0.3.0 to %s\n",
               PACKAGE_VERSION, CNI_NEWEST_VERSION);
        return 0;
    } else if (argc > 1) {
        printf("ovnmig-cni: a CNI plugin, run by a container runtime with "
               "CNI_COMMAND in its environment (see ovnmig-cni(8))\n");
        return !!strcmp(argv[1], "--help") && !!strcmp(argv[1], "-h");
    }
    /* Nothing but the result or the error object goes to stdout, and
     * every failure is in the error object: no log on the console. */
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_OFF);

    /* The configuration first, so that even an error in the environment
     * is reported in the runtime's cniVersion. */
    int error = read_stdin(&text, &size, &err);
    if (!error) {
        error = cni_env_parse((const char *const *) environ, &env, &err);
    } else {
        memset(&env, 0, sizeof env);
    }
    char *version = text ? cni_config_peek_version(text, size) : NULL;
    if (error) {
        status = fail(&err, version);
    } else if (env.command == CNI_CMD_VERSION) {
        char *s = cni_version_result(version);
        puts(s);
        free(s);
        status = 0;
    } else if (cni_config_parse(text, size, env.command, &config, &err)) {
        status = fail(&err, version);
        cni_config_destroy(&config);
    } else {
        error = run(&env, &config, &output, &err);
        status = error ? fail(&err, version) : 0;
        if (output) {
            puts(output);
        }
        cni_config_destroy(&config);
    }

    free(output);
    free(version);
    free(text);
    cni_env_destroy(&env);
    cni_error_destroy(&err);
    fflush(stdout);
    return status;
}
