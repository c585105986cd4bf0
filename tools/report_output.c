/* report_output: --output FILE, replaced only by a complete report. */
#include "report_output.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "log.h"
#include "xmalloc.h"


int report_output_open(output_t *out, const char *path)
{
    struct stat sb;
    out->tmp = NULL;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        out->f = fopen(path, "w");
    } else {
        out->tmp = xasprintf("%s.tmp-XXXXXX", path);
        int fd = mkstemp(out->tmp);
        mode_t mask = umask(0);
        umask(mask);
        if (fd >= 0 && fchmod(fd, 0666 & ~mask) == 0) out->f = fdopen(fd, "w");
        else out->f = NULL;
        if (fd >= 0 && !out->f) { close(fd); unlink(out->tmp); }
    }
    if (out->f) return 0;
    fprintf(stderr, "hotline-report: cannot create '%s': %s\n", path, strerror(errno));
    free(out->tmp);
    out->tmp = NULL;
    return EX_CANTCREAT;
}

/* Closes out and, after a successful report (rc 0), puts it in place. */
int report_output_close(output_t *out, const char *path, int rc)
{
    if (fclose(out->f) != 0 && rc == 0) {
        log_error("cannot write output", NULL);
        rc = EX_IOERR;
    }
    if (out->tmp && rc == 0 && rename(out->tmp, path) != 0) {
        fprintf(stderr, "hotline-report: cannot create '%s': %s\n", path, strerror(errno));
        rc = EX_CANTCREAT;
    }
    if (out->tmp && rc != 0) unlink(out->tmp);
    free(out->tmp);
    return rc;
}

