/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target: lib/kubevirt-yaml on arbitrary bytes.  Either a VM
 * comes out whole, or an error does, never both and never a crash. */
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
    return 0;
}
