/* dict: a string-keyed hash map. Keys are borrowed: the caller keeps each key
 * alive while its entry exists (the broker keys live tickets by their own id). */
#ifndef HOTLINE_DICT_H
#define HOTLINE_DICT_H
#include <stddef.h>

typedef struct dict dict_t;

dict_t *dict_new(void);
void dict_destroy(dict_t **p);
void *dict_get(const dict_t *self, const char *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *dict_put(dict_t *self, const char *key, void *val);
/* Removes key; returns its value or NULL. */
void *dict_del(dict_t *self, const char *key);
size_t dict_len(const dict_t *self);
/* Calls fn for every entry (order unspecified); fn must not modify the dict. */
void dict_foreach(const dict_t *self, void (*fn)(void *ctx, const char *key, void *val), void *ctx);

#endif
