/* scenario_value: the value syntaxes of scenario files (numbers, CST dates,
 * duration distributions, "label:weight" lists), shared by the scenario
 * parser. Internal to core/scenario.c; other modules use scenario.h. */
#ifndef HOTLINE_SCENARIO_VALUE_H
#define HOTLINE_SCENARIO_VALUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scenario.h"

/* [A-Za-z0-9._-] */
bool scnv_is_slug_char(char c);
/* Non-empty, at most max bytes, all slug characters. */
bool scnv_is_slug(const char *s, size_t max);
/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool scnv_utf8_ok(const char *s, size_t n);
/* A finite decimal number filling all of s; 0 or -1. */
int scnv_parse_num(const char *s, double *out);
/* An unsigned decimal integer filling all of s; 0 or -1. */
int scnv_parse_u64(const char *s, uint64_t *out);
/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" (a space may replace T), CST, to Unix seconds. */
int scnv_parse_time(const char *s, int64_t *out);
/* The dist syntax of scenario.h; on error -1 with a reason in msg. */
int scnv_parse_dist(const char *s, dist_t *out, char *msg, size_t ml);
/* Checks "label:weight ..." syntax with any labels; on error -1 with a reason in msg. */
int scnv_check_weights(const char *s, char *msg, size_t ml);
/* Parses "label:weight ..." against labels (see scenario_weights); 0 or -1. */
int scnv_parse_weights(const char *s, const char *const *labels, size_t n, double *out);

#endif
