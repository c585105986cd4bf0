/* tsvline: see header. */
#include "tsvline.h"
#include <string.h>

bool tsvline_strip(char *line)
{
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    size_t n = strlen(line);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r')) line[--n] = '\0';
    return n > 0;
}
