/* log: logfmt lines on stderr, with levels.
 * Every process logs through here; quiet (warn and above) unless made verbose. */
#ifndef HOTLINE_LOG_H
#define HOTLINE_LOG_H

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level_t;

/* Sets the process name printed as proc= and the minimum level printed. */
void log_init(const char *proc, log_level_t min);
void log_set_level(log_level_t min);
/* Parses "debug|info|warn|error"; returns -1 on an unknown name. */
int log_level_parse(const char *name, log_level_t *out);
/* msg is a short constant text; fmt adds key=value pairs (may be NULL). */
void log_at(log_level_t lvl, const char *msg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(msg, ...) log_at(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...)  log_at(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...)  log_at(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_at(LOG_ERROR, msg, __VA_ARGS__)

/* Writes s into buf quoted for logfmt (escapes " and \ and control bytes). */
const char *log_quote(char *buf, unsigned long len, const char *s);

#endif
