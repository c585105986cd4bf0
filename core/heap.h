/* heap: a min-heap of timers whose nodes know their own index, so removing or
 * re-keying a node costs O(log n). The broker keeps deadline timers here. */
#ifndef HOTLINE_HEAP_H
#define HOTLINE_HEAP_H
#include <stddef.h>
#include <stdint.h>

/* Embed this in the owner's struct; the heap never owns nodes. */
typedef struct {
    int64_t key;     /* e.g. deadline, Unix seconds */
    size_t idx;      /* position in the heap, HEAP_NONE when not in it */
} heap_node_t;
#define HEAP_NONE ((size_t)-1)

typedef struct heap heap_t;

heap_t *heap_new(void);
void heap_destroy(heap_t **p);
void heap_node_init(heap_node_t *n);
/* Inserts n (must not be in a heap) with n->key. */
void heap_push(heap_t *self, heap_node_t *n);
/* Removes n if it is in the heap; no-op otherwise. */
void heap_remove(heap_t *self, heap_node_t *n);
/* Changes n's key (inserting it if absent). */
void heap_update(heap_t *self, heap_node_t *n, int64_t key);
/* Smallest node or NULL. */
heap_node_t *heap_top(const heap_t *self);
heap_node_t *heap_pop(heap_t *self);
size_t heap_len(const heap_t *self);

#endif
