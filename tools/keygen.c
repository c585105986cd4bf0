/* hotline-keygen: writes a CURVE key pair for a broker, worker, client or
 * admin: NAME.key (public, for the broker's allow-list or the peers) and
 * NAME.key_secret (mode 0600, stays with its owner). */
#include "cert.h"
#include <getopt.h>
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
    "  -d, --dir DIR   where to write (default .)\n"
    "  -h, --help      show this help\n";

int main(int argc, char **argv)
{
    static const struct option LONG[] = {{"dir", 1, 0, 'd'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *dir = ".";
    int c;
    while ((c = getopt_long(argc, argv, "d:h", LONG, NULL)) != -1) {
        if (c == 'd') dir = optarg;
        else if (c == 'h') { fputs(USAGE, stdout); return 0; }
        else { fputs("Try 'hotline-keygen --help'.\n", stderr); return EX_USAGE; }
    }
    if (optind != argc - 1) { fputs("hotline-keygen: give exactly one NAME (try --help)\n", stderr); return EX_USAGE; }
    const char *name = argv[optind];
    if (!*name || strchr(name, '/') || name[0] == '.') {
        fprintf(stderr, "hotline-keygen: NAME must be a plain file name\n");
        return EX_USAGE;
    }
    char err[512];
    if (cert_generate(dir, name, err, sizeof err) != 0) {
        fprintf(stderr, "hotline-keygen: %s\n", err);
        return EX_CANTCREAT;
    }
    printf("%s/%s.key\n%s/%s.key_secret\n", dir, name, dir, name);
    return 0;
}
