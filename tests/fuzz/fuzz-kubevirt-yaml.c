/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target: lib/kubevirt-yaml on arbitrary bytes, read both as a
 * VirtualMachine and as a MigrationPolicy.  Either the object comes out
 * whole, or an error does, never both and never a crash. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/kubevirt-yaml.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kvyaml_vm vm;
    char *error;

    int rc = kvyaml_parse_vm((const char *) data, size, &vm, &error);
    if (rc) {
        ovs_assert(error && !vm.name);
        free(error);
    } else {
        ovs_assert(!error && vm.name && vm.memory && vm.kernel);
    }
    kvyaml_vm_destroy(&vm);

    struct kvyaml_policy policy;
    rc = kvyaml_parse_policy((const char *) data, size, &policy, &error);
    if (rc) {
        ovs_assert(error && !policy.name);
        free(error);
    } else {
        ovs_assert(!error && policy.name);
        ovs_assert(!policy.has_completion_timeout_per_gib
                   || policy.completion_timeout_per_gib);
    }
    kvyaml_policy_destroy(&policy);
    return 0;
}
