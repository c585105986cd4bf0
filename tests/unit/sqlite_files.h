/* sqlite_files: removing a test's SQLite database with the files SQLite
 * keeps beside it. A store in WAL mode leaves FILE-wal and FILE-shm behind
 * when its last reader closes read-only; removing FILE alone leaves them in
 * the temporary directory, a pair per test run. */
#ifndef HOTLINE_TEST_SQLITE_FILES_H
#define HOTLINE_TEST_SQLITE_FILES_H
#include <stdio.h>
#include <unistd.h>

/* Unlinks FILE, FILE-wal, FILE-shm and FILE-journal (those that exist). */
static inline void sqlite_files_remove(const char *file)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[512];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", file, suffixes[i]);
        unlink(p);
    }
}
#endif
