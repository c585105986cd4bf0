/* dict: a string-keyed hash map. Keys are borrowed: the caller keeps each key
 * alive while its entry exists (the router keys workers and services by their
 * own names). dict_hash is the string hash it uses, for tables of their own
 * (the broker's live tickets chain through the ticket record itself). */
#ifndef HOTLINE_DICT_H
#define HOTLINE_DICT_H
#include <stddef.h>
#include <stdint.h>

typedef struct dict dict_t;

dict_t *dict_new(void);
void dict_destroy(dict_t **p);
void *dict_get(const dict_t *self, const char *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *dict_put(dict_t *self, const char *key, void *val);
/* Removes key; returns its value or NULL. */
void *dict_del(dict_t *self, const char *key);
size_t dict_len(const dict_t *self);
/* FNV-1a of a NUL-terminated string, its high bits folded in. */
uint64_t dict_hash(const char *s);
/* Calls fn for every entry (order unspecified); fn must not modify the dict. */
void dict_foreach(const dict_t *self, void (*fn)(void *ctx, const char *key, void *val), void *ctx);

#endif
