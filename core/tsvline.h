/* tsvline: the lines of the project's small data files (schemas/sla.tsv,
 * schemas/calendar/ files): '#' starts a comment, trailing blanks and a CR
 * are ignored, blank lines are skipped. */
#ifndef HOTLINE_TSVLINE_H
#define HOTLINE_TSVLINE_H
#include <stdbool.h>

/* Cuts line at '#' and strips trailing blanks in place; false if nothing is left. */
bool tsvline_strip(char *line);

#endif
