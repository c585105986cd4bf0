/* report_output: where a report is written (--output FILE). */
#ifndef HOTLINE_REPORT_OUTPUT_H
#define HOTLINE_REPORT_OUTPUT_H
#include <stdio.h>

/* --output FILE. A regular file (or a new one) is written as FILE.tmp-XXXXXX
 * in the same directory and renamed over FILE only when the report succeeded,
 * so a failed report leaves FILE as it was and never a partial page. Anything
 * else (/dev/stdout, a FIFO, a device) is written directly and never removed. */
typedef struct {
    FILE *f;
    char *tmp;   /* owned; NULL when writing to the path directly */
} output_t;

/* Opens out for path; 0, or EX_CANTCREAT after saying why. */
int report_output_open(output_t *out, const char *path);
/* Closes out and, after a successful report (rc 0), puts it in place; the
 * report's status, or the first failure of closing or renaming. */
int report_output_close(output_t *out, const char *path, int rc);

#endif
