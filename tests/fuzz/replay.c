/* replay: runs a fuzz harness over saved inputs, without libFuzzer.
 * Usage: replay_<harness> DIR|FILE...  Every regular file of each directory
 * (names starting with '.' are skipped, such as .gitkeep) is read into a
 * buffer of exactly its size and passed to LLVMFuzzerTestOneInput, in name
 * order. This is how CTest replays tests/fuzz/corpus/ and the crash inputs in
 * tests/fuzz/regressions/ in the normal build (label fuzz; the sanitizer pass
 * runs them under ASan + UBSan). A crashing input aborts the run; a missing
 * directory or no input at all is a failure too. */
#include "fuzz.h"
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        fclose(f);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    /* exactly len bytes (1 for an empty file, never read), so ASan sees any overread */
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf || fread(buf, 1, len, f) != len) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every file of dir in name order; returns the count, or -1. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof *names);
            if (!names) abort();
        }
        size_t l = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(l);
        if (!names[n]) abort();
        snprintf(names[n++], l, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_name);
    long ran = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(names[i]) < 0) ran = -1;
            else if (ran >= 0) ran++;
        }
        free(names[i]);
    }
    free(names);
    return ran;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 64;
    }
    long total = 0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        long n;
        if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode)) n = run_file(argv[i]) < 0 ? -1 : 1;
        else n = run_dir(argv[i]);
        if (n < 0) status = 1;
        else {
            printf("replay: %ld inputs from %s\n", n, argv[i]);
            total += n;
        }
    }
    printf("replay: ran %ld inputs in total\n", total);
    if (total == 0) {
        fprintf(stderr, "replay: no input ran\n");
        status = 1;
    }
    return status;
}
