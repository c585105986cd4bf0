/* calendar: PRC working days for deadline arithmetic.
 * A working day is Monday–Friday, minus public holidays, plus the weekend days
 * worked in exchange (调休). Holidays ship as data in schemas/calendar/.
 * All days are China Standard Time (UTC+8, no DST). Days in years with no
 * loaded data fall back to plain Monday–Friday. */
#ifndef HOTLINE_CALENDAR_H
#define HOTLINE_CALENDAR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAL_TZ_OFFSET (8 * 3600)   /* CST, seconds east of UTC */
#define CAL_TZ_OFFSET_SQL "28800" /* the same, for SQL text (checked equal in calendar.c) */
#define CAL_DAY 86400

typedef struct calendar calendar_t;

calendar_t *calendar_new(void);
void calendar_destroy(calendar_t **p);

/* Loads one calendar file. Lines: "YYYY-MM-DD<TAB>off|work<TAB>name"; '#' starts
 * a comment; blank lines are ignored. On error writes a message naming the line
 * into err and returns -1 (the calendar keeps what it had before the call). */
int calendar_load_buf(calendar_t *self, const char *buf, size_t len, char *err, size_t errlen);
int calendar_load_file(calendar_t *self, const char *path, char *err, size_t errlen);
/* Loads every *.tsv file in dir, in name order. */
int calendar_load_dir(calendar_t *self, const char *dir, char *err, size_t errlen);

/* CST day number (days since 1970-01-01 CST) of Unix time t. */
int64_t calendar_day_of(int64_t t);
/* Unix time of 00:00 CST of day number d. */
int64_t calendar_day_start(int64_t d);
bool calendar_is_workday(const calendar_t *self, int64_t day);
/* Unix time of 24:00 CST at the end of the n-th working day strictly after the
 * CST day containing t (n >= 1). This is how "within N working days" is counted. */
int64_t calendar_workdays_after(const calendar_t *self, int64_t t, int n);
/* t plus s seconds of working time: the clock only runs on working days
 * (whole CST days); a t that falls on a rest day starts at the next working day. */
int64_t calendar_add_work_seconds(const calendar_t *self, int64_t t, int64_t s);

/* Working seconds between a and b: the parts of [a, b) on working days (whole
 * CST days, as calendar_add_work_seconds counts them); negative if b < a.
 * Spans longer than CAL_SPAN_MAX_DAYS count only their last that many days. */
#define CAL_SPAN_MAX_DAYS 3660
int64_t calendar_work_seconds(const calendar_t *self, int64_t a, int64_t b);

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" in CST to Unix seconds; -1 on bad input.
 * A space may stand for the T, so calendar_format's output parses back. */
int calendar_parse_time(const char *s, int64_t *out);
/* Formats t as "YYYY-MM-DD HH:MM:SS" CST into buf (at least 20 bytes). */
const char *calendar_format(int64_t t, char *buf, size_t len);

#endif
