// Gives the test process its own temporary folder and removes it at exit, so the hundreds of folders
// the tests make (fixtures written in-test, batch outputs, spills, subprocesses' files) never pile up
// in /tmp. It runs when the test binary loads, before Foundation reads TMPDIR, and child processes
// (the `tandem` CLI the tests start) inherit it.
#define _XOPEN_SOURCE 700
#include "test_scratch.h"
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[4096];
static pid_t owner;

const char *tandem_test_scratch_path(void) { return scratch; }

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *walk) {
    (void)info; (void)flag; (void)walk;
    remove(path);
    return 0;
}

static void remove_scratch(void) {
    // Only the process that made the folder removes it (a forked child exiting must not).
    if (scratch[0] != 0 && getpid() == owner) nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

__attribute__((constructor)) static void make_scratch(void) {
    const char *parent = getenv("TMPDIR");
    if (parent == NULL || parent[0] == 0) parent = "/tmp";
    snprintf(scratch, sizeof scratch, "%s/tandem-tests-XXXXXX", parent);
    if (mkdtemp(scratch) == NULL) { scratch[0] = 0; return; }
    owner = getpid();
    setenv("TMPDIR", scratch, 1);
    atexit(remove_scratch);
}
