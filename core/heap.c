/* heap: binary min-heap over an array of node pointers (beanstalkd heap.c style). */
#include "heap.h"
#include "xmalloc.h"
#include <stdlib.h>

struct heap {
    heap_node_t **a;
    size_t n, cap;
};

heap_t *heap_new(void) { return xcalloc(1, sizeof(heap_t)); }

void heap_destroy(heap_t **p)
{
    if (!p || !*p) return;
    for (size_t i = 0; i < (*p)->n; i++) (*p)->a[i]->idx = HEAP_NONE;
    free((*p)->a);
    free(*p);
    *p = NULL;
}

void heap_node_init(heap_node_t *n)
{
    n->key = 0;
    n->idx = HEAP_NONE;
}

static void set(heap_t *h, size_t i, heap_node_t *n)
{
    h->a[i] = n;
    n->idx = i;
}

static void sift_up(heap_t *h, size_t i)
{
    heap_node_t *n = h->a[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->a[p]->key <= n->key) break;
        set(h, i, h->a[p]);
        i = p;
    }
    set(h, i, n);
}

static void sift_down(heap_t *h, size_t i)
{
    heap_node_t *n = h->a[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        int64_t mk = n->key;
        if (l < h->n && h->a[l]->key < mk) { m = l; mk = h->a[l]->key; }
        if (l + 1 < h->n && h->a[l + 1]->key < mk) m = l + 1;
        if (m == i) break;
        set(h, i, h->a[m]);
        i = m;
    }
    set(h, i, n);
}

void heap_push(heap_t *self, heap_node_t *n)
{
    HL_ASSERT(n->idx == HEAP_NONE);
    if (self->n == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 64;
        self->a = xrealloc(self->a, self->cap * sizeof *self->a);
    }
    set(self, self->n++, n);
    sift_up(self, self->n - 1);
}

void heap_remove(heap_t *self, heap_node_t *n)
{
    size_t i = n->idx;
    if (i == HEAP_NONE) return;
    HL_ASSERT(i < self->n && self->a[i] == n);
    n->idx = HEAP_NONE;
    if (--self->n == i) return;
    set(self, i, self->a[self->n]);
    sift_up(self, i);
    sift_down(self, self->a[i]->idx);
}

void heap_update(heap_t *self, heap_node_t *n, int64_t key)
{
    heap_remove(self, n);
    n->key = key;
    heap_push(self, n);
}

heap_node_t *heap_top(const heap_t *self) { return self->n ? self->a[0] : NULL; }

heap_node_t *heap_pop(heap_t *self)
{
    heap_node_t *t = heap_top(self);
    if (t) heap_remove(self, t);
    return t;
}

size_t heap_len(const heap_t *self) { return self->n; }
