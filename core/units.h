/* units: the categories, responsible units (承办单位) and streets (schemas/wire.md).
 * These codes are part of the wire contract: never change a code's meaning. */
#ifndef HOTLINE_UNITS_H
#define HOTLINE_UNITS_H
#include <stdbool.h>
#include <stddef.h>

#define UNITS_N_STREETS 10
#define UNITS_N_CATEGORIES 12
/* 金霞, seat of the district government: a community matter with no street
 * (given or found in the text) goes to its office, and so does a ticket
 * returned by a department when it has no street. */
#define UNITS_FALLBACK_STREET "jinxia"

typedef struct {
    const char *code;     /* "jinxia" */
    const char *name;     /* "金霞" */
} units_street_t;

typedef struct {
    const char *code;     /* "city" */
    const char *name;     /* "城市管理" */
    const char *unit;     /* "unit.chengguan"; NULL for "community" (the street's unit) */
    const char *unit_name;/* "区城市管理和综合执法局" */
} units_category_t;

extern const units_street_t UNITS_STREETS[UNITS_N_STREETS];
extern const units_category_t UNITS_CATEGORIES[UNITS_N_CATEGORIES];

/* NULL when unknown. */
const units_street_t *units_street(const char *code);
const units_category_t *units_category(const char *code);
/* Writes the responsible unit of (category, street) into buf: a department
 * service name, or "unit.street.<street>" for community matters.
 * Returns -1 if the category is unknown or a community matter has no street. */
int units_resolve(const char *category, const char *street, char *buf, size_t len);
/* True for "unit.<dept>" or "unit.street.<code>" naming a known unit. */
bool units_is_unit(const char *service);
/* The display name of a unit service ("金霞街道办事处", "区住房和城乡建设局"). */
const char *units_display_name(const char *service, char *buf, size_t len);
/* Every unit service, departments first then streets; n receives the count. */
const char *const *units_all(size_t *n);

#endif
