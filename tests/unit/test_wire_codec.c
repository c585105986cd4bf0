/* Unit tests for core/wire's encoder helpers and field accessors: the exact
 * bytes the encoder writes, a round trip through the decoder, and how each
 * getter answers a field of the wrong type, an absent one or nil, and a
 * string too long for its buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void test_encoder_bytes(void **state)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 3);
    wire_kv_int(&e, "a", 1);
    wire_kv_bool(&e, "b", true);
    wire_kv_str(&e, "c", NULL);
    static const unsigned char want[] = {0x83, 0xa1, 'a', 0x01, 0xa1, 'b', 0xc3, 0xa1, 'c', 0xc0};
    assert_int_equal(e.sb.size, sizeof want);
    assert_memory_equal(e.sb.data, want, sizeof want);
    /* reset keeps the buffer and starts over */
    wire_enc_reset(&e);
    assert_int_equal(e.sb.size, 0);
    wire_int(&e, -1);
    assert_int_equal(e.sb.size, 1);
    assert_int_equal((unsigned char)e.sb.data[0], 0xff);
    wire_enc_reset(&e);
    wire_int(&e, 300);
    static const unsigned char w300[] = {0xcd, 0x01, 0x2c};
    assert_int_equal(e.sb.size, 3);
    assert_memory_equal(e.sb.data, w300, 3);
    wire_enc_free(&e);
}

static void test_round_trip(void **state)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 10);
    wire_kv_str(&e, "id", "T-0001");
    wire_kv_int(&e, "zero", 0);
    wire_kv_int(&e, "neg", -123456789012LL);
    wire_kv_int(&e, "max", INT64_MAX);
    wire_kv_int(&e, "min", INT64_MIN);
    wire_kv_bool(&e, "yes", true);
    wire_kv_bool(&e, "no", false);
    wire_kv_str(&e, "text", "小区门口占道经营，噪音扰民");
    wire_kv_str(&e, "nil", NULL);
    wire_str(&e, "list");
    wire_array(&e, 3);
    wire_strn(&e, "abcdef", 3);
    wire_int(&e, 42);
    wire_nil(&e);

    char err[128] = "";
    assert_int_equal(wire_check(e.sb.data, e.sb.size, err, sizeof err), 0);
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, e.sb.data, e.sb.size, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(o->type, MSGPACK_OBJECT_MAP);
    assert_int_equal(o->via.map.size, 10);

    const char *s;
    size_t n;
    int64_t v;
    bool b;
    assert_int_equal(wire_get_str(o, "id", &s, &n, err, sizeof err), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(s, "T-0001", 6);
    assert_int_equal(wire_get_int(o, "zero", &v, err, sizeof err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(wire_get_int(o, "neg", &v, err, sizeof err), 0);
    assert_int_equal(v, -123456789012LL);
    assert_int_equal(wire_get_int(o, "max", &v, err, sizeof err), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(wire_get_int(o, "min", &v, err, sizeof err), 0);
    assert_true(v == INT64_MIN);
    b = false;
    assert_int_equal(wire_get_bool(o, "yes", &b, err, sizeof err), 0);
    assert_true(b);
    assert_int_equal(wire_get_bool(o, "no", &b, err, sizeof err), 0);
    assert_false(b);
    char text[128];
    assert_int_equal(wire_copy_str(o, "text", text, sizeof text, err, sizeof err), 0);
    assert_string_equal(text, "小区门口占道经营，噪音扰民");
    assert_true(wire_str_eq(wire_get(o, "id"), "T-0001"));
    assert_false(wire_str_eq(wire_get(o, "id"), "T-000"));
    assert_false(wire_str_eq(wire_get(o, "zero"), "0"));
    assert_false(wire_str_eq(NULL, ""));
    const msgpack_object *l = wire_get(o, "list");
    assert_non_null(l);
    assert_int_equal(l->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(l->via.array.size, 3);
    assert_true(wire_str_eq(&l->via.array.ptr[0], "abc"));
    assert_int_equal(l->via.array.ptr[1].via.u64, 42);
    assert_int_equal(l->via.array.ptr[2].type, MSGPACK_OBJECT_NIL);

    /* the same wire_msg decodes a second body; the first root is replaced */
    wire_enc_reset(&e);
    wire_map(&e, 1);
    wire_kv_str(&e, "k", "v2");
    o = wire_decode(m, e.sb.data, e.sb.size, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(o->via.map.size, 1);
    assert_true(wire_str_eq(wire_get(o, "k"), "v2"));
    assert_null(wire_get(o, "id"));

    wire_msg_destroy(&m);
    wire_msg_destroy(&m);   /* destroy of NULL is a no-op */
    wire_enc_free(&e);
}

/* ---- accessors ------------------------------------------------------------------ */

static const msgpack_object *decode_enc(wire_msg_t *m, wire_enc_t *e)
{
    char err[128] = "";
    const msgpack_object *o = wire_decode(m, e->sb.data, e->sb.size, err, sizeof err);
    if (!o) fail_msg("decode: %s", err);
    return o;
}

static void test_get_type_errors(void **state)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 4);
    wire_kv_int(&e, "n", 7);
    wire_kv_str(&e, "s", "x");
    wire_kv_bool(&e, "b", true);
    wire_str(&e, "big");
    msgpack_pack_uint64(&e.pk, UINT64_MAX);
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = decode_enc(m, &e);

    char err[128] = "";
    const char *s = "untouched";
    size_t n = 99;
    int64_t v = 99;
    bool b = false;
    assert_int_equal(wire_get_str(o, "n", &s, &n, err, sizeof err), -1);
    assert_string_equal(err, "field 'n' must be a string");
    assert_string_equal(s, "untouched");
    assert_int_equal(wire_get_int(o, "s", &v, err, sizeof err), -1);
    assert_string_equal(err, "field 's' must be an integer");
    assert_int_equal(v, 99);
    assert_int_equal(wire_get_int(o, "b", &v, err, sizeof err), -1);
    assert_string_equal(err, "field 'b' must be an integer");
    assert_int_equal(wire_get_bool(o, "n", &b, err, sizeof err), -1);
    assert_string_equal(err, "field 'n' must be a boolean");
    assert_false(b);
    assert_int_equal(wire_get_int(o, "big", &v, err, sizeof err), -1);
    assert_string_equal(err, "field 'big' must be an integer within int64");
    assert_int_equal(v, 99);
    char buf[8];
    assert_int_equal(wire_copy_str(o, "n", buf, sizeof buf, err, sizeof err), -1);
    assert_string_equal(err, "field 'n' must be a string");

    wire_msg_destroy(&m);
    wire_enc_free(&e);
}

static void test_get_absent_and_nil(void **state)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 1);
    wire_kv_str(&e, "nil", NULL);
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = decode_enc(m, &e);

    char err[64] = "clean";
    const char *s = NULL;
    size_t n = 5;
    int64_t v = 5;
    bool b = true;
    char buf[8] = "keep";
    assert_non_null(wire_get(o, "nil"));
    assert_null(wire_get(o, "missing"));
    assert_null(wire_get(o, "ni"));          /* a prefix is not the key */
    assert_int_equal(wire_get_str(o, "missing", &s, &n, err, sizeof err), 1);
    assert_int_equal(wire_get_str(o, "nil", &s, &n, err, sizeof err), 1);
    assert_null(s);
    assert_int_equal(n, 5);
    assert_int_equal(wire_get_int(o, "missing", &v, err, sizeof err), 1);
    assert_int_equal(wire_get_int(o, "nil", &v, err, sizeof err), 1);
    assert_int_equal(v, 5);
    assert_int_equal(wire_get_bool(o, "missing", &b, err, sizeof err), 1);
    assert_int_equal(wire_get_bool(o, "nil", &b, err, sizeof err), 1);
    assert_true(b);
    assert_int_equal(wire_copy_str(o, "missing", buf, sizeof buf, err, sizeof err), 1);
    assert_int_equal(wire_copy_str(o, "nil", buf, sizeof buf, err, sizeof err), 1);
    assert_string_equal(buf, "keep");
    assert_string_equal(err, "clean");       /* absence is not an error */

    /* field access on a non-map finds nothing */
    wire_enc_reset(&e);
    wire_array(&e, 2);
    wire_str(&e, "x");
    wire_int(&e, 1);
    o = decode_enc(m, &e);
    assert_null(wire_get(o, "x"));
    assert_int_equal(wire_get_int(o, "x", &v, err, sizeof err), 1);
    assert_null(wire_get(NULL, "x"));

    wire_msg_destroy(&m);
    wire_enc_free(&e);
}

static void test_copy_str_limits(void **state)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 3);
    wire_kv_str(&e, "seven", "1234567");
    wire_kv_str(&e, "eight", "12345678");
    wire_str(&e, "nul");
    wire_strn(&e, "ab\0cd", 5);
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = decode_enc(m, &e);

    char err[128] = "";
    char buf[8];
    assert_int_equal(wire_copy_str(o, "seven", buf, sizeof buf, err, sizeof err), 0);
    assert_string_equal(buf, "1234567");
    memset(buf, 'z', sizeof buf);
    assert_int_equal(wire_copy_str(o, "eight", buf, sizeof buf, err, sizeof err), -1);
    assert_string_equal(err, "field 'eight' is longer than 7 bytes or holds a NUL");
    assert_int_equal(buf[0], 'z');           /* nothing copied */
    assert_int_equal(wire_copy_str(o, "nul", buf, sizeof buf, err, sizeof err), -1);
    assert_string_equal(err, "field 'nul' is longer than 7 bytes or holds a NUL");
    /* the NUL string itself is reachable as a span of 5 bytes */
    const char *s;
    size_t n;
    assert_int_equal(wire_get_str(o, "nul", &s, &n, err, sizeof err), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(s, "ab\0cd", 5);

    wire_msg_destroy(&m);
    wire_enc_free(&e);
}

/* A tiny err buffer truncates the message but never overflows. */
static void test_small_err_buffer(void **state)
{
    char err[8];
    memset(err, 'x', sizeof err);
    assert_int_equal(wire_check("", 0, err, sizeof err), -1);
    assert_string_equal(err, "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoder_bytes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_get_type_errors),
        cmocka_unit_test(test_get_absent_and_nil),
        cmocka_unit_test(test_copy_str_limits),
        cmocka_unit_test(test_small_err_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
