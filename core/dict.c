/* dict: separate chaining with power-of-two buckets; nodes come from a free
 * list so steady-state inserts and deletes do not touch malloc. */
#include "dict.h"
#include "xmalloc.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    const char *key;
    void *val;
    uint64_t hash;
    struct node *next;
} node_t;

struct dict {
    node_t **b;
    size_t nb, n;
    node_t *free_list;
};

uint64_t dict_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 0x100000001b3ULL; }
    return h ^ (h >> 29);
}

dict_t *dict_new(void)
{
    dict_t *d = xcalloc(1, sizeof *d);
    d->nb = 1024;
    d->b = xcalloc(d->nb, sizeof *d->b);
    return d;
}

void dict_destroy(dict_t **p)
{
    if (!p || !*p) return;
    dict_t *d = *p;
    for (size_t i = 0; i < d->nb; i++)
        for (node_t *n = d->b[i], *nx; n; n = nx) { nx = n->next; free(n); }
    for (node_t *n = d->free_list, *nx; n; n = nx) { nx = n->next; free(n); }
    free(d->b);
    free(d);
    *p = NULL;
}

static node_t **find(const dict_t *d, const char *key, uint64_t h)
{
    node_t **pp = &d->b[h & (d->nb - 1)];
    while (*pp && !((*pp)->hash == h && strcmp((*pp)->key, key) == 0)) pp = &(*pp)->next;
    return pp;
}

void *dict_get(const dict_t *self, const char *key)
{
    node_t *n = *find(self, key, dict_hash(key));
    return n ? n->val : NULL;
}

static void grow(dict_t *d)
{
    size_t nb = d->nb * 2;
    node_t **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < d->nb; i++)
        for (node_t *n = d->b[i], *nx; n; n = nx) {
            nx = n->next;
            n->next = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
        }
    free(d->b);
    d->b = b;
    d->nb = nb;
}

void *dict_put(dict_t *self, const char *key, void *val)
{
    uint64_t h = dict_hash(key);
    node_t **pp = find(self, key, h);
    if (*pp) {
        void *old = (*pp)->val;
        (*pp)->val = val;
        (*pp)->key = key;
        return old;
    }
    node_t *n = self->free_list;
    if (n) self->free_list = n->next;
    else n = xmalloc(sizeof *n);
    *n = (node_t){key, val, h, NULL};
    *pp = n;
    if (++self->n > self->nb) grow(self);
    return NULL;
}

void *dict_del(dict_t *self, const char *key)
{
    node_t **pp = find(self, key, dict_hash(key));
    node_t *n = *pp;
    if (!n) return NULL;
    *pp = n->next;
    void *v = n->val;
    n->next = self->free_list;
    self->free_list = n;
    self->n--;
    return v;
}

size_t dict_len(const dict_t *self) { return self->n; }

void dict_foreach(const dict_t *self, void (*fn)(void *ctx, const char *key, void *val), void *ctx)
{
    for (size_t i = 0; i < self->nb; i++)
        for (node_t *n = self->b[i]; n; n = n->next) fn(ctx, n->key, n->val);
}
