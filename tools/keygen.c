/* hotline-keygen: writes a CURVE key pair for a broker, worker, client or
 * admin: NAME.key (public, for the broker's allow-list or the peers) and
 * NAME.key_secret (mode 0600, stays with its owner). */
#include "cert.h"
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const char USAGE[] =
    "Usage: hotline-keygen [--dir DIR] NAME\n"
    "\n"
    "Writes a CURVE key pair in the ZeroMQ certificate format:\n"
    "  DIR/NAME.key         the public key (Z85): give it to the broker's\n"
    "                       --allow DIR/<client|worker|admin>/, or to peers\n"
    "  DIR/NAME.key_secret  both keys, mode 0600: keep it with its owner\n"
    "Existing files are never overwritten.\n"
    "\n"
    "Options:\n"
    "  -d, --dir DIR   where to write (default .); created (mode 0700) if missing\n"
    "  -h, --help      show this help\n"
    "  -V, --version   show the version\n"
    "\n"
    "Exit status: 0, 64 bad usage, 73 cannot create the directory or a file\n"
    "(an existing pair is never replaced).\n";

/* mkdir -p DIR (new levels mode 0700); 0 or -1 with errno. */
static int make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) { errno = ENAMETOOLONG; return -1; }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option LONG[] = {{"dir", 1, 0, 'd'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    const char *dir = ".";
    int c;
    while ((c = getopt_long(argc, argv, "d:hV", LONG, NULL)) != -1) {
        if (c == 'd') dir = optarg;
        else if (c == 'h') { fputs(USAGE, stdout); return 0; }
        else if (c == 'V') { printf("hotline-keygen %s\n", HOTLINE_VERSION); return 0; }
        else { fputs("Try 'hotline-keygen --help'.\n", stderr); return EX_USAGE; }
    }
    if (optind != argc - 1) { fputs("hotline-keygen: give exactly one NAME (try --help)\n", stderr); return EX_USAGE; }
    const char *name = argv[optind];
    if (!*name || strchr(name, '/') || name[0] == '.') {
        fprintf(stderr, "hotline-keygen: NAME must be a plain file name\n");
        return EX_USAGE;
    }
    char err[512];
    if (make_dirs(dir) != 0) {
        fprintf(stderr, "hotline-keygen: cannot create the directory %s: %s\n", dir, strerror(errno));
        return EX_CANTCREAT;
    }
    if (cert_generate(dir, name, err, sizeof err) != 0) {
        fprintf(stderr, "hotline-keygen: %s\n", err);
        return EX_CANTCREAT;
    }
    printf("%s/%s.key\n%s/%s.key_secret\n", dir, name, dir, name);
    return 0;
}
