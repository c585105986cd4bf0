/* wire: bounded MessagePack checking and decoding, and the encoder helpers.
 * The checker walks the bytes itself before msgpack-c allocates anything, so a
 * 5-byte "array of 4 billion" or a 1000-deep nest is refused up front. */
#include "wire.h"
#include "xmalloc.h"
#include <stdio.h>
#include <string.h>

struct wire_msg {
    msgpack_zone zone;
    msgpack_object root;
};

typedef struct {
    const unsigned char *p;
    size_t len, off;
    char *err;
    size_t errlen;
} walk_t;

static int fail(walk_t *w, const char *what)
{
    snprintf(w->err, w->errlen, "invalid MessagePack at byte %zu: %s", w->off, what);
    return -1;
}

static int need(walk_t *w, size_t n)
{
    return (w->len - w->off < n) ? fail(w, "truncated") : 0;
}

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

/* Reads an n-byte big-endian length after the type byte. */
static int read_len(walk_t *w, int n, uint64_t *out)
{
    if (need(w, (size_t)n)) return -1;
    *out = be(w->p + w->off, n);
    w->off += (size_t)n;
    return 0;
}

static int walk(walk_t *w, int depth);

static int walk_str(walk_t *w, uint64_t n, bool utf8)
{
    if (n > WIRE_MAX_STR) return fail(w, "string longer than 1 MiB");
    if (need(w, (size_t)n)) return -1;
    if (utf8 && !wire_utf8_valid((const char *)w->p + w->off, (size_t)n)) return fail(w, "string is not valid UTF-8");
    w->off += (size_t)n;
    return 0;
}

static int walk_container(walk_t *w, uint64_t n, bool is_map, int depth)
{
    if (depth >= WIRE_MAX_DEPTH) return fail(w, "nesting deeper than 8");
    /* every element takes at least one byte, so a count above what is left is a lie */
    if (n > (w->len - w->off) / (is_map ? 2 : 1)) return fail(w, "container count exceeds the bytes left");
    for (uint64_t i = 0; i < n; i++) {
        if (is_map) {
            unsigned char c = w->off < w->len ? w->p[w->off] : 0;
            if (!((c >= 0xa0 && c <= 0xbf) || c == 0xd9 || c == 0xda || c == 0xdb)) return fail(w, "map key is not a string");
        }
        if (walk(w, depth + 1)) return -1;
        if (is_map && walk(w, depth + 1)) return -1;
    }
    return 0;
}

static int walk_fixed(walk_t *w, size_t n)
{
    if (need(w, n)) return -1;
    w->off += n;
    return 0;
}

static int walk(walk_t *w, int depth)
{
    if (need(w, 1)) return -1;
    unsigned char c = w->p[w->off++];
    uint64_t n;
    if (c <= 0x7f || c >= 0xe0) return 0;                      /* fixint */
    if (c >= 0x80 && c <= 0x8f) return walk_container(w, c & 0x0f, true, depth);
    if (c >= 0x90 && c <= 0x9f) return walk_container(w, c & 0x0f, false, depth);
    if (c >= 0xa0 && c <= 0xbf) return walk_str(w, c & 0x1f, true);
    switch (c) {
    case 0xc0: case 0xc2: case 0xc3: return 0;                  /* nil, false, true */
    case 0xc4: case 0xc5: case 0xc6:                            /* bin 8/16/32 */
        if (read_len(w, 1 << (c - 0xc4), &n)) return -1;
        return walk_str(w, n, false);
    case 0xca: return walk_fixed(w, 4);
    case 0xcb: return walk_fixed(w, 8);
    case 0xcc: case 0xd0: return walk_fixed(w, 1);
    case 0xcd: case 0xd1: return walk_fixed(w, 2);
    case 0xce: case 0xd2: return walk_fixed(w, 4);
    case 0xcf: case 0xd3: return walk_fixed(w, 8);
    case 0xd9: case 0xda: case 0xdb:                            /* str 8/16/32 */
        if (read_len(w, 1 << (c - 0xd9), &n)) return -1;
        return walk_str(w, n, true);
    case 0xdc: case 0xdd:                                       /* array 16/32 */
        if (read_len(w, c == 0xdc ? 2 : 4, &n)) return -1;
        return walk_container(w, n, false, depth);
    case 0xde: case 0xdf:                                       /* map 16/32 */
        if (read_len(w, c == 0xde ? 2 : 4, &n)) return -1;
        return walk_container(w, n, true, depth);
    case 0xc1: w->off--; return fail(w, "reserved type byte 0xc1");
    default: w->off--; return fail(w, "extension types are not accepted");
    }
}

int wire_check(const void *buf, size_t len, char *err, size_t errlen)
{
    walk_t w = {buf, len, 0, err, errlen};
    if (len == 0) return fail(&w, "empty body");
    if (len > WIRE_MAX_BODY) return fail(&w, "body larger than 64 MiB");
    if (walk(&w, 0)) return -1;
    if (w.off != len) return fail(&w, "trailing bytes after the first object");
    return 0;
}

bool wire_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) { i++; continue; }
        int k; uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) { k = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { k = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { k = 3; cp = c & 0x07; }
        else return false;
        if (n - i <= (size_t)k) return false;
        for (int j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff))) return false;
        if (cp >= 0xd800 && cp <= 0xdfff) return false;
        i += (size_t)k + 1;
    }
    return true;
}

wire_msg_t *wire_msg_new(void)
{
    wire_msg_t *self = xcalloc(1, sizeof *self);
    HL_ASSERT(msgpack_zone_init(&self->zone, 8192));
    return self;
}

void wire_msg_destroy(wire_msg_t **p)
{
    if (!p || !*p) return;
    msgpack_zone_destroy(&(*p)->zone);
    free(*p);
    *p = NULL;
}

const msgpack_object *wire_decode(wire_msg_t *self, const void *buf, size_t len, char *err, size_t errlen)
{
    if (wire_check(buf, len, err, errlen)) return NULL;
    msgpack_zone_clear(&self->zone);
    size_t off = 0;
    msgpack_unpack_return r = msgpack_unpack(buf, len, &off, &self->zone, &self->root);
    if (r != MSGPACK_UNPACK_SUCCESS) {
        snprintf(err, errlen, "invalid MessagePack: decoder error %d", (int)r);
        return NULL;
    }
    return &self->root;
}

const msgpack_object *wire_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == kl && (kl == 0 || memcmp(k->via.str.ptr, key, kl) == 0))
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

bool wire_str_eq(const msgpack_object *o, const char *s)
{
    size_t n = strlen(s);
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n && (n == 0 || memcmp(o->via.str.ptr, s, n) == 0);
}

static int wrong(const char *key, const char *want, char *err, size_t errlen)
{
    snprintf(err, errlen, "field '%s' must be %s", key, want);
    return -1;
}

int wire_get_str(const msgpack_object *map, const char *key, const char **s, size_t *n, char *err, size_t errlen)
{
    const msgpack_object *o = wire_get(map, key);
    if (!o || o->type == MSGPACK_OBJECT_NIL) return 1;
    if (o->type != MSGPACK_OBJECT_STR) return wrong(key, "a string", err, errlen);
    *s = o->via.str.ptr;
    *n = o->via.str.size;
    return 0;
}

int wire_get_int(const msgpack_object *map, const char *key, int64_t *v, char *err, size_t errlen)
{
    const msgpack_object *o = wire_get(map, key);
    if (!o || o->type == MSGPACK_OBJECT_NIL) return 1;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > INT64_MAX) return wrong(key, "an integer within int64", err, errlen);
        *v = (int64_t)o->via.u64;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) { *v = o->via.i64; return 0; }
    return wrong(key, "an integer", err, errlen);
}

int wire_get_bool(const msgpack_object *map, const char *key, bool *v, char *err, size_t errlen)
{
    const msgpack_object *o = wire_get(map, key);
    if (!o || o->type == MSGPACK_OBJECT_NIL) return 1;
    if (o->type != MSGPACK_OBJECT_BOOLEAN) return wrong(key, "a boolean", err, errlen);
    *v = o->via.boolean;
    return 0;
}

int wire_copy_str(const msgpack_object *map, const char *key, char *buf, size_t len, char *err, size_t errlen)
{
    const char *s;
    size_t n;
    int r = wire_get_str(map, key, &s, &n, err, errlen);
    if (r) return r;
    if (n >= len || memchr(s, '\0', n)) {
        snprintf(err, errlen, "field '%s' is longer than %zu bytes or holds a NUL", key, len - 1);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return 0;
}

void wire_enc_init(wire_enc_t *e)
{
    msgpack_sbuffer_init(&e->sb);
    msgpack_packer_init(&e->pk, &e->sb, msgpack_sbuffer_write);
}

void wire_enc_reset(wire_enc_t *e) { e->sb.size = 0; }

void wire_enc_free(wire_enc_t *e) { msgpack_sbuffer_destroy(&e->sb); }

void wire_strn(wire_enc_t *e, const char *s, size_t n)
{
    msgpack_pack_str(&e->pk, n);
    msgpack_pack_str_body(&e->pk, s, n);
}

void wire_str(wire_enc_t *e, const char *s) { wire_strn(e, s, strlen(s)); }

void wire_int(wire_enc_t *e, int64_t v) { msgpack_pack_int64(&e->pk, v); }

void wire_kv_str(wire_enc_t *e, const char *k, const char *v)
{
    wire_str(e, k);
    if (v) wire_str(e, v);
    else msgpack_pack_nil(&e->pk);
}

void wire_kv_int(wire_enc_t *e, const char *k, int64_t v)
{
    wire_str(e, k);
    wire_int(e, v);
}

void wire_kv_bool(wire_enc_t *e, const char *k, bool v)
{
    wire_str(e, k);
    wire_bool(e, v);
}
