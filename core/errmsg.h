/* errmsg: the one way a function explains a failure to its caller — a
 * printf-style message into the caller's err buffer (NULL or size 0: no
 * message), and -1 to return. */
#ifndef HOTLINE_ERRMSG_H
#define HOTLINE_ERRMSG_H
#include <stddef.h>

/* Writes the message into err (truncated to errlen) and returns -1. */
int errmsg_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
