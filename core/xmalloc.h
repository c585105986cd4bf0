/* xmalloc: allocation that aborts on exhaustion.
 * Running out of memory is not an error the caller can handle, so these never
 * return NULL (CONVENTIONS: "running out of memory aborts"). */
#ifndef HOTLINE_XMALLOC_H
#define HOTLINE_XMALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a heap string the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Invariant check that stays on in release builds. */
#define HL_ASSERT(cond) \
    do { if (!(cond)) hl_assert_fail(#cond, __FILE__, __LINE__); } while (0)
void hl_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#endif
