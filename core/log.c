/* log: logfmt on stderr. One line per call, written with a single fputs so
 * concurrent processes sharing a terminal don't interleave mid-line. */
#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *g_proc = "hotline";
static log_level_t g_min = LOG_WARN;
static const char *const NAMES[] = {"debug", "info", "warn", "error"};

void log_init(const char *proc, log_level_t min)
{
    g_proc = proc;
    g_min = min;
}

void log_set_level(log_level_t min) { g_min = min; }

int log_level_parse(const char *name, log_level_t *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, NAMES[i]) == 0) { *out = (log_level_t)i; return 0; }
    return -1;
}

const char *log_quote(char *buf, unsigned long len, const char *s)
{
    unsigned long o = 0;
    if (len < 3) return "";
    buf[o++] = '"';
    for (; s && *s && o + 5 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { buf[o++] = '\\'; buf[o++] = (char)c; }
        else if (c < 0x20) o += (unsigned long)snprintf(buf + o, len - o, "\\x%02x", c);
        else buf[o++] = (char)c;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

void log_at(log_level_t lvl, const char *msg, const char *fmt, ...)
{
    if (lvl < g_min) return;
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s proc=%s msg=\"%s\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, NAMES[lvl], g_proc, msg);
    if (fmt && n > 0 && (size_t)n < sizeof line - 2) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
        if (m > 0) n += m;
    }
    if (n < 0) return;
    if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    line[n] = '\0';
    fputs(line, stderr);
}
