/* store_fx: a store in a private mkdtemp directory, for the store unit tests
 * that need nothing more (test_store_rollup.c, test_store_sync.c). */
#ifndef HOTLINE_TEST_STORE_FX_H
#define HOTLINE_TEST_STORE_FX_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "store.h"
#include "sqlite_files.h"

typedef struct {
    char dir[64];
    char path[96];
    store_t *st;
} fx_t;

/* cmocka setup: a fresh store opened with mode; -1 if that fails. */
static inline int fx_open(void **state, store_sync_t mode)
{
    fx_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hotline-test-fx-XXXXXX");
    if (!mkdtemp(fx->dir)) { free(fx); return -1; }
    snprintf(fx->path, sizeof fx->path, "%s/hotline.db", fx->dir);
    char err[256] = "";
    fx->st = store_open(fx->path, mode, err, sizeof err);
    if (!fx->st) { fprintf(stderr, "store_open: %s\n", err); return -1; }
    *state = fx;
    return 0;
}

/* cmocka teardown: closes the store and removes its files; a leftover file fails. */
static inline int fx_close(void **state)
{
    fx_t *fx = *state;
    store_close(&fx->st);
    sqlite_files_remove(fx->path);
    int rc = rmdir(fx->dir);
    free(fx);
    return rc;
}

#endif
