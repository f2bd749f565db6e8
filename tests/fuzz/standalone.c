/* SPDX-License-Identifier: Apache-2.0
 *
 * standalone.c -- runs a libFuzzer target's LLVMFuzzerTestOneInput() over
 * a corpus without libFuzzer, so that make check replays every seed and
 * every kept crash under ASan/UBSan with the ordinary compiler.
 *
 *   NAME-corpus-run [FILE|DIR]...    (default: the target's corpus folder)
 */
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_inputs;

static int
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    /* Inputs are small by construction; 1 MiB bounds a stray file. */
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);

    /* A private copy of exactly 'n' bytes, so ASan sees any overread. */
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, buf, n);
    LLVMFuzzerTestOneInput(copy, n);
    free(copy);
    n_inputs++;
    return 0;
}

static int
run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st)) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return run_file(path);
    }

    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    int error = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char file[4096];
            snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
            error |= run_path(file);
        }
        free(names[i]);
    }
    free(names);
    return error;
}

int
main(int argc, char *argv[])
{
    int error = 0;

    if (argc < 2) {
        error = run_path(FUZZ_CORPUS_DIR);
    }
    for (int i = 1; i < argc; i++) {
        error |= run_path(argv[i]);
    }
    printf("%d inputs replayed\n", n_inputs);
    if (!n_inputs) {
        fprintf(stderr, "empty corpus\n");
        return 1;
    }
    return error ? 1 : 0;
}
