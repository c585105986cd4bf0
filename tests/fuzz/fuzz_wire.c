/* fuzz_wire: the MessagePack body codec (core/wire.c), the first decoder every
 * network body meets. Invariants:
 *  - wire_decode accepts exactly what wire_check accepts, with the same error;
 *  - a decoded object re-encoded with msgpack_pack_object passes wire_check,
 *    and encoding is a fixed point (decode(encode(x)) encodes to the same bytes);
 *  - the field accessors agree with the object's type for every key of every map;
 *  - the encoder helpers write bodies that wire_check accepts and that read back;
 *  - wire_utf8_valid agrees with the scenario parser's UTF-8 check. */
#include "fuzz.h"
#include "scenario_value.h"
#include "wire.h"
#include <stdbool.h>
#include <string.h>

/* n bytes at p equal m bytes at q. msgpack-c 4 leaves the pointer of an empty
 * map key NULL, and memcmp/memchr/memcpy may not be given NULL even for 0 bytes. */
static bool bytes_eq(const void *p, size_t n, const void *q, size_t m)
{
    return n == m && (n == 0 || memcmp(p, q, n) == 0);
}

/* Re-encodes o into sb (cleared first). */
static void encode(const msgpack_object *o, msgpack_sbuffer *sb)
{
    msgpack_packer pk;
    sb->size = 0;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    FUZZ_CHECK(msgpack_pack_object(&pk, *o) == 0);
}

/* The accessors on map for one key (NUL-terminated copy of a key in the map). */
static void check_key(const msgpack_object *map, const char *key, size_t kl)
{
    char err[256];
    const msgpack_object *first = NULL;
    for (uint32_t i = 0; i < map->via.map.size && !first; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && bytes_eq(k->via.str.ptr, k->via.str.size, key, kl))
            first = &map->via.map.ptr[i].val;
    }
    const msgpack_object *v = wire_get(map, key);
    FUZZ_CHECK(v != NULL && v == first); /* the first of duplicate keys wins */
    bool nil = v->type == MSGPACK_OBJECT_NIL;

    const char *s = NULL;
    size_t n = 0;
    int r = wire_get_str(map, key, &s, &n, err, sizeof err);
    FUZZ_CHECK(r == (nil ? 1 : v->type == MSGPACK_OBJECT_STR ? 0 : -1));
    if (r == 0) FUZZ_CHECK(s == v->via.str.ptr && n == v->via.str.size && wire_utf8_valid(s, n));

    int64_t iv = 0;
    r = wire_get_int(map, key, &iv, err, sizeof err);
    if (nil) FUZZ_CHECK(r == 1);
    else if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        FUZZ_CHECK(v->via.u64 > INT64_MAX ? r == -1 : (r == 0 && (uint64_t)iv == v->via.u64));
    else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) FUZZ_CHECK(r == 0 && iv == v->via.i64 && iv < 0);
    else FUZZ_CHECK(r == -1);

    bool b = false;
    r = wire_get_bool(map, key, &b, err, sizeof err);
    FUZZ_CHECK(r == (nil ? 1 : v->type == MSGPACK_OBJECT_BOOLEAN ? 0 : -1));
    if (r == 0) FUZZ_CHECK(b == v->via.boolean);

    char buf[8];
    r = wire_copy_str(map, key, buf, sizeof buf, err, sizeof err);
    if (nil) FUZZ_CHECK(r == 1);
    else if (v->type != MSGPACK_OBJECT_STR) FUZZ_CHECK(r == -1);
    else if (v->via.str.size >= sizeof buf || (v->via.str.size && memchr(v->via.str.ptr, '\0', v->via.str.size)))
        FUZZ_CHECK(r == -1);
    else FUZZ_CHECK(r == 0 && bytes_eq(buf, strlen(buf), v->via.str.ptr, v->via.str.size));

    FUZZ_CHECK(wire_str_eq(v, key) == (v->type == MSGPACK_OBJECT_STR && bytes_eq(v->via.str.ptr, v->via.str.size, key, kl)));
}

static void walk(const msgpack_object *o, int depth)
{
    FUZZ_CHECK(depth <= WIRE_MAX_DEPTH);
    if (o->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < o->via.array.size; i++) walk(&o->via.array.ptr[i], depth + 1);
        return;
    }
    if (o->type != MSGPACK_OBJECT_MAP) return;
    FUZZ_CHECK(wire_get(o, "\xff") == NULL); /* no valid UTF-8 key can match */
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        FUZZ_CHECK(k->type == MSGPACK_OBJECT_STR);
        char key[64];
        /* Not the empty key: wire_get(map, "") would hand memcmp the NULL
         * pointer msgpack-c keeps for it (no caller asks for ""). */
        if (k->via.str.size > 0 && k->via.str.size < sizeof key && !memchr(k->via.str.ptr, '\0', k->via.str.size)) {
            memcpy(key, k->via.str.ptr, k->via.str.size);
            key[k->via.str.size] = '\0';
            check_key(o, key, k->via.str.size);
        }
        walk(&o->via.map.ptr[i].val, depth + 1);
    }
}

/* The encoder helpers: a small map built from the input reads back. */
static void check_encoder(const uint8_t *data, size_t size)
{
    int64_t iv = 0;
    memcpy(&iv, data, size < sizeof iv ? size : sizeof iv);
    size_t sl = 0;
    while (sl < size && sl < 64 && data[sl] >= 0x20 && data[sl] < 0x7f) sl++;
    char s[65];
    memcpy(s, data, sl);
    s[sl] = '\0';

    wire_enc_t e;
    wire_enc_init(&e);
    for (int round = 0; round < 2; round++) { /* reset keeps the buffer usable */
        wire_enc_reset(&e);
        wire_map(&e, 5);
        wire_kv_int(&e, "i", iv);
        wire_kv_str(&e, "s", s);
        wire_kv_str(&e, "n", NULL);
        wire_kv_bool(&e, "b", iv & 1);
        wire_str(&e, "a");
        wire_array(&e, 2);
        wire_strn(&e, s, sl);
        wire_int(&e, -(iv / 2)); /* iv / 2 first: -INT64_MIN overflows */
        char err[256];
        FUZZ_CHECK(wire_check(e.sb.data, e.sb.size, err, sizeof err) == 0);
        wire_msg_t *m = wire_msg_new();
        const msgpack_object *o = wire_decode(m, e.sb.data, e.sb.size, err, sizeof err);
        FUZZ_CHECK(o && o->type == MSGPACK_OBJECT_MAP && o->via.map.size == 5);
        int64_t got = 0;
        const char *gs = NULL;
        size_t gn = 0;
        bool gb = false;
        FUZZ_CHECK(wire_get_int(o, "i", &got, err, sizeof err) == 0 && got == iv);
        FUZZ_CHECK(wire_get_str(o, "s", &gs, &gn, err, sizeof err) == 0 && bytes_eq(gs, gn, s, sl));
        FUZZ_CHECK(wire_get_str(o, "n", &gs, &gn, err, sizeof err) == 1);
        FUZZ_CHECK(wire_get_bool(o, "b", &gb, err, sizeof err) == 0 && gb == (bool)(iv & 1));
        const msgpack_object *a = wire_get(o, "a");
        FUZZ_CHECK(a && a->type == MSGPACK_OBJECT_ARRAY && a->via.array.size == 2 && wire_str_eq(&a->via.array.ptr[0], s));
        wire_msg_destroy(&m);
        FUZZ_CHECK(m == NULL);
    }
    wire_enc_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "", err2[256] = "";
    int rc = wire_check(data, size, err, sizeof err);
    FUZZ_CHECK(wire_utf8_valid((const char *)data, size) == scnv_utf8_ok((const char *)data, size));

    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, data, size, err2, sizeof err2);
    FUZZ_CHECK((o != NULL) == (rc == 0));
    if (!o) FUZZ_CHECK(err[0] && strcmp(err, err2) == 0);

    if (o) {
        walk(o, 0);
        msgpack_sbuffer sb1, sb2;
        msgpack_sbuffer_init(&sb1);
        msgpack_sbuffer_init(&sb2);
        encode(o, &sb1);
        FUZZ_CHECK(wire_check(sb1.data, sb1.size, err, sizeof err) == 0);
        /* The same wire_msg decodes again (its zone is cleared, not freed). */
        const msgpack_object *o2 = wire_decode(m, sb1.data, sb1.size, err, sizeof err);
        FUZZ_CHECK(o2 != NULL);
        encode(o2, &sb2);
        FUZZ_CHECK(sb2.size == sb1.size && memcmp(sb1.data, sb2.data, sb1.size) == 0);
        msgpack_sbuffer_destroy(&sb1);
        msgpack_sbuffer_destroy(&sb2);
    }
    wire_msg_destroy(&m);
    wire_msg_destroy(&m); /* destroy accepts NULL */

    if (size > 0) check_encoder(data, size);
    return 0;
}
