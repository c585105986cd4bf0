/* Unit tests for core/wire: the bounded MessagePack checker that guards every
 * body from the network, and the decoder behind it (the field accessors and
 * the encoder helpers are in test_wire_codec.c). Malformed inputs are hand-written byte strings; each test
 * asserts the exact error fragment (and the byte offset where it is
 * unambiguous), and that wire_decode() refuses what wire_check() refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* ---- helpers ---------------------------------------------------------------- */

/* Both the checker and the decoder refuse buf, and the error holds frag. */
static void expect_bad_(const void *buf, size_t len, const char *frag, const char *file, int line)
{
    char err[256] = "";
    if (wire_check(buf, len, err, sizeof err) != -1)
        _fail(file, line);
    if (!strstr(err, frag)) {
        print_error("wire_check error \"%s\" lacks \"%s\"\n", err, frag);
        _fail(file, line);
    }
    char err2[256] = "";
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, buf, len, err2, sizeof err2);
    wire_msg_destroy(&m);
    if (o != NULL || strcmp(err, err2) != 0) {
        print_error("wire_decode disagrees: \"%s\" vs \"%s\"\n", err, err2);
        _fail(file, line);
    }
}
#define expect_bad(buf, len, frag) expect_bad_((buf), (len), (frag), __FILE__, __LINE__)
#define EXPECT_BAD(frag, ...)                                               \
    do {                                                                    \
        static const unsigned char b_[] = {__VA_ARGS__};                    \
        expect_bad(b_, sizeof b_, frag);                                    \
    } while (0)

static void expect_ok_(const void *buf, size_t len, const char *file, int line)
{
    char err[256] = "";
    if (wire_check(buf, len, err, sizeof err) != 0) {
        print_error("wire_check refused: %s\n", err);
        _fail(file, line);
    }
}
#define expect_ok(buf, len) expect_ok_((buf), (len), __FILE__, __LINE__)
#define EXPECT_OK(...)                                                      \
    do {                                                                    \
        static const unsigned char b_[] = {__VA_ARGS__};                    \
        expect_ok(b_, sizeof b_);                                           \
    } while (0)

/* ---- whole-body rules ----------------------------------------------------------- */

static void test_empty_body(void **state)
{
    char err[128] = "";
    assert_int_equal(wire_check("", 0, err, sizeof err), -1);
    assert_string_equal(err, "invalid MessagePack at byte 0: empty body");
    expect_bad("", 0, "empty body");
}

static void test_body_over_64mib(void **state)
{
    /* The length is refused before a byte is read, so a 1-byte buffer is enough. */
    static const unsigned char one = 0x01;
    char err[128] = "";
    assert_int_equal(wire_check(&one, WIRE_MAX_BODY + 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "body larger than 64 MiB"));
}

static void test_trailing_bytes(void **state)
{
    char err[128] = "";
    static const unsigned char two_ints[] = {0x01, 0x02};
    assert_int_equal(wire_check(two_ints, sizeof two_ints, err, sizeof err), -1);
    assert_string_equal(err, "invalid MessagePack at byte 1: trailing bytes after the first object");
    EXPECT_BAD("trailing bytes after the first object", 0x80, 0x00);              /* {} then 0 */
    EXPECT_BAD("trailing bytes after the first object", 0xa1, 'a', 0xc0);         /* "a" nil */
    EXPECT_BAD("trailing bytes after the first object", 0x91, 0x01, 0x91, 0x01);  /* [1][1] */
}

/* ---- truncation ----------------------------------------------------------------- */

static void test_truncated_str(void **state)
{
    EXPECT_BAD("truncated", 0xa5, 'a', 'b');              /* fixstr 5, 2 bytes */
    EXPECT_BAD("truncated", 0xd9);                        /* str8, no length */
    EXPECT_BAD("truncated", 0xd9, 0x03, 'a', 'b');        /* str8 3, 2 bytes */
    EXPECT_BAD("truncated", 0xda, 0x00);                  /* str16, half a length */
    EXPECT_BAD("truncated", 0xda, 0x00, 0x04, 'a');       /* str16 4, 1 byte */
    EXPECT_BAD("truncated", 0xdb, 0x00, 0x00, 0x00);      /* str32, 3 of 4 length bytes */
    EXPECT_BAD("truncated", 0xdb, 0x00, 0x00, 0x00, 0x02, 'a');
    EXPECT_BAD("truncated", 0xc4, 0x02, 0x00);            /* bin8 2, 1 byte */
    EXPECT_BAD("truncated", 0xc5, 0x01);                  /* bin16, half a length */
    EXPECT_BAD("truncated", 0xc6, 0x00, 0x00, 0x00, 0x09);
    char err[128] = "";
    static const unsigned char s[] = {0xa5, 'a', 'b'};
    wire_check(s, sizeof s, err, sizeof err);
    assert_string_equal(err, "invalid MessagePack at byte 1: truncated");
}

static void test_truncated_array(void **state)
{
    EXPECT_BAD("truncated", 0xdc, 0x00);                  /* array16, half a count */
    EXPECT_BAD("truncated", 0xdd, 0x00, 0x00);            /* array32, half a count */
    EXPECT_BAD("truncated", 0x92, 0xa3, 'a');             /* 2 elements fit the count rule, the str does not */
    EXPECT_BAD("truncated", 0x92, 0xcd, 0x01);            /* [uint16 cut short, ?] */
    /* More elements than bytes left is refused before walking. */
    EXPECT_BAD("container count exceeds the bytes left", 0x93, 0x01, 0x02);
    EXPECT_BAD("container count exceeds the bytes left", 0x91);
    EXPECT_BAD("container count exceeds the bytes left", 0xdc, 0x00, 0x03, 0x01, 0x02);
}

static void test_truncated_map(void **state)
{
    EXPECT_BAD("truncated", 0xde, 0x00);                  /* map16, half a count */
    EXPECT_BAD("truncated", 0xdf, 0x00, 0x00, 0x00);      /* map32, 3 of 4 count bytes */
    EXPECT_BAD("truncated", 0x81, 0xa1, 'k');             /* key without a value */
    EXPECT_BAD("truncated", 0x81, 0xa3, 'k');             /* key cut short */
    EXPECT_BAD("truncated", 0x81, 0xa1, 'k', 0xcb, 0, 0, 0);   /* float64 value cut short */
    /* one entry needs a key and a value: two bytes at least */
    EXPECT_BAD("container count exceeds the bytes left", 0x82, 0xa1, 'k', 0x01);
    EXPECT_BAD("container count exceeds the bytes left", 0x81, 0xa0);
}

static void test_truncated_int(void **state)
{
    EXPECT_BAD("truncated", 0xcc);                        /* uint8 */
    EXPECT_BAD("truncated", 0xcd, 0x01);                  /* uint16 */
    EXPECT_BAD("truncated", 0xce, 0x01, 0x02, 0x03);      /* uint32 */
    EXPECT_BAD("truncated", 0xcf, 1, 2, 3, 4, 5, 6, 7);   /* uint64 */
    EXPECT_BAD("truncated", 0xd0);                        /* int8 */
    EXPECT_BAD("truncated", 0xd1, 0xff);                  /* int16 */
    EXPECT_BAD("truncated", 0xd2, 0xff, 0xff);            /* int32 */
    EXPECT_BAD("truncated", 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    EXPECT_BAD("truncated", 0xca, 0x00, 0x00, 0x00);      /* float32 */
    EXPECT_BAD("truncated", 0xcb, 0x00);                  /* float64 */
    char err[128] = "";
    static const unsigned char u16[] = {0xcd, 0x01};
    wire_check(u16, sizeof u16, err, sizeof err);
    assert_string_equal(err, "invalid MessagePack at byte 1: truncated");
}

/* ---- forbidden types ------------------------------------------------------------ */

static void test_reserved_c1(void **state)
{
    EXPECT_BAD("reserved type byte 0xc1", 0xc1);
    EXPECT_BAD("reserved type byte 0xc1", 0x92, 0x01, 0xc1);
    EXPECT_BAD("reserved type byte 0xc1", 0x81, 0xa1, 'k', 0xc1);
}

static void test_ext_types(void **state)
{
    /* Well-formed ext objects of every ext format are still refused. */
    EXPECT_BAD("extension types are not accepted", 0xd4, 0x01, 0xaa);                    /* fixext 1 */
    EXPECT_BAD("extension types are not accepted", 0xd5, 0x01, 0xaa, 0xbb);              /* fixext 2 */
    EXPECT_BAD("extension types are not accepted", 0xd6, 0x01, 1, 2, 3, 4);              /* fixext 4 */
    EXPECT_BAD("extension types are not accepted", 0xd7, 0xff, 1, 2, 3, 4, 5, 6, 7, 8);  /* fixext 8: timestamp */
    EXPECT_BAD("extension types are not accepted", 0xd8, 0x01, 1, 2, 3, 4, 5, 6, 7, 8,
               9, 10, 11, 12, 13, 14, 15, 16);                                          /* fixext 16 */
    EXPECT_BAD("extension types are not accepted", 0xc7, 0x02, 0x01, 0xaa, 0xbb);        /* ext 8 */
    EXPECT_BAD("extension types are not accepted", 0xc8, 0x00, 0x01, 0x01, 0xaa);        /* ext 16 */
    EXPECT_BAD("extension types are not accepted", 0xc9, 0x00, 0x00, 0x00, 0x01, 0x01, 0xaa); /* ext 32 */
    /* nested inside a map value */
    EXPECT_BAD("extension types are not accepted", 0x81, 0xa1, 't', 0xd6, 0xff, 0, 0, 0, 0);
}

/* ---- nesting and counts --------------------------------------------------------- */

/* n nested one-element arrays around a 0: 0x91 x n, 0x00 (the innermost
 * container is array n; depth counts containers). */
static size_t nest(unsigned char *buf, int n, unsigned char open)
{
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        buf[o++] = open;
        if (open == 0x81) { buf[o++] = 0xa1; buf[o++] = 'k'; }
    }
    buf[o++] = 0x00;
    return o;
}

static void test_nesting_limit(void **state)
{
    unsigned char buf[4096];
    size_t n;
    n = nest(buf, WIRE_MAX_DEPTH, 0x91);
    expect_ok(buf, n);
    n = nest(buf, WIRE_MAX_DEPTH, 0x81);
    expect_ok(buf, n);
    n = nest(buf, WIRE_MAX_DEPTH + 1, 0x91);
    expect_bad(buf, n, "nesting deeper than 8");
    n = nest(buf, WIRE_MAX_DEPTH + 1, 0x81);
    expect_bad(buf, n, "nesting deeper than 8");
    n = nest(buf, 1000, 0x91);
    expect_bad(buf, n, "nesting deeper than 8");
    /* the 9th container is at byte 8 of the array nest; the error names the byte after it */
    char err[128] = "";
    n = nest(buf, 9, 0x91);
    wire_check(buf, n, err, sizeof err);
    assert_string_equal(err, "invalid MessagePack at byte 9: nesting deeper than 8");

    /* The 8-deep body also decodes, and its innermost value is the 0. */
    n = nest(buf, WIRE_MAX_DEPTH, 0x91);
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, buf, n, err, sizeof err);
    assert_non_null(o);
    for (int i = 0; i < WIRE_MAX_DEPTH; i++) {
        assert_int_equal(o->type, MSGPACK_OBJECT_ARRAY);
        assert_int_equal(o->via.array.size, 1);
        o = &o->via.array.ptr[0];
    }
    assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(o->via.u64, 0);
    wire_msg_destroy(&m);
    assert_null(m);
}

static void test_huge_counts(void **state)
{
    char err[128] = "";
    /* array32 claiming 4 294 967 295 elements in 5 bytes */
    static const unsigned char a32[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(wire_check(a32, sizeof a32, err, sizeof err), -1);
    assert_string_equal(err, "invalid MessagePack at byte 5: container count exceeds the bytes left");
    expect_bad(a32, sizeof a32, "container count exceeds the bytes left");
    EXPECT_BAD("container count exceeds the bytes left", 0xdf, 0xff, 0xff, 0xff, 0xff);   /* map32 */
    EXPECT_BAD("container count exceeds the bytes left", 0xdf, 0x80, 0x00, 0x00, 0x00, 0xa0, 0x00);
    EXPECT_BAD("container count exceeds the bytes left", 0xdc, 0xff, 0xff, 0x00);         /* array16 */
    EXPECT_BAD("container count exceeds the bytes left", 0xde, 0xff, 0xff, 0xa0, 0x00);   /* map16 */
    EXPECT_BAD("container count exceeds the bytes left", 0x91, 0xdd, 0x10, 0, 0, 0, 0x00);
    /* a count exactly equal to the bytes left is fine */
    EXPECT_OK(0xdd, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03);
    EXPECT_OK(0xdf, 0x00, 0x00, 0x00, 0x01, 0xa0, 0xc0);
}

static void test_map_key_not_string(void **state)
{
    char err[128] = "";
    static const unsigned char intkey[] = {0x81, 0x01, 0x02};
    assert_int_equal(wire_check(intkey, sizeof intkey, err, sizeof err), -1);
    assert_string_equal(err, "invalid MessagePack at byte 1: map key is not a string");
    EXPECT_BAD("map key is not a string", 0x81, 0xc0, 0x01);               /* nil key */
    EXPECT_BAD("map key is not a string", 0x81, 0xc3, 0x01);               /* true key */
    EXPECT_BAD("map key is not a string", 0x81, 0xc4, 0x01, 'k', 0x01);    /* bin key */
    EXPECT_BAD("map key is not a string", 0x81, 0x90, 0x01);               /* array key */
    EXPECT_BAD("map key is not a string", 0x81, 0x80, 0x01);               /* map key */
    EXPECT_BAD("map key is not a string", 0x81, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0x01);
    /* the second key is the bad one */
    EXPECT_BAD("map key is not a string", 0x82, 0xa1, 'a', 0x01, 0x05, 0x01);
    /* all str formats are accepted as keys */
    EXPECT_OK(0x83, 0xa1, 'a', 0x01, 0xd9, 0x01, 'b', 0x02, 0xda, 0x00, 0x01, 'c', 0x03);
    EXPECT_OK(0x81, 0xdb, 0x00, 0x00, 0x00, 0x01, 'd', 0x04);
}

/* ---- UTF-8 ---------------------------------------------------------------------- */

static void test_invalid_utf8(void **state)
{
    char err[128] = "";
    static const unsigned char overlong[] = {0xa2, 0xc0, 0x80};
    assert_int_equal(wire_check(overlong, sizeof overlong, err, sizeof err), -1);
    assert_string_equal(err, "invalid MessagePack at byte 1: string is not valid UTF-8");
    EXPECT_BAD("string is not valid UTF-8", 0xa2, 0xc1, 0xbf);              /* overlong 2-byte */
    EXPECT_BAD("string is not valid UTF-8", 0xa3, 0xe0, 0x80, 0x80);        /* overlong 3-byte NUL */
    EXPECT_BAD("string is not valid UTF-8", 0xa3, 0xe0, 0x9f, 0xbf);        /* overlong U+07FF */
    EXPECT_BAD("string is not valid UTF-8", 0xa4, 0xf0, 0x8f, 0xbf, 0xbf);  /* overlong U+FFFF */
    EXPECT_BAD("string is not valid UTF-8", 0xa3, 0xed, 0xa0, 0x80);        /* surrogate U+D800 */
    EXPECT_BAD("string is not valid UTF-8", 0xa3, 0xed, 0xbf, 0xbf);        /* surrogate U+DFFF */
    EXPECT_BAD("string is not valid UTF-8", 0xa4, 0xf4, 0x90, 0x80, 0x80);  /* U+110000 */
    EXPECT_BAD("string is not valid UTF-8", 0xa4, 0xf5, 0x80, 0x80, 0x80);  /* lead byte f5 */
    EXPECT_BAD("string is not valid UTF-8", 0xa1, 0x80);                    /* lone continuation */
    EXPECT_BAD("string is not valid UTF-8", 0xa3, 'a', 0xbf, 'b');          /* continuation mid-string */
    EXPECT_BAD("string is not valid UTF-8", 0xa2, 0xe4, 0xb8);              /* 3-byte sequence cut short */
    EXPECT_BAD("string is not valid UTF-8", 0xa2, 0xc3, 'a');               /* non-continuation follows */
    EXPECT_BAD("string is not valid UTF-8", 0xa1, 0xff);
    /* in a key, and in a str8 */
    EXPECT_BAD("string is not valid UTF-8", 0x81, 0xa1, 0x80, 0x01);
    EXPECT_BAD("string is not valid UTF-8", 0xd9, 0x03, 0xed, 0xa0, 0x80);

    /* boundaries that are valid */
    EXPECT_OK(0xa6, 0xe7, 0x83, 0xad, 0xe7, 0xba, 0xbf);                   /* 热线 */
    EXPECT_OK(0xa2, 0xc2, 0x80);                                           /* U+0080 */
    EXPECT_OK(0xa3, 0xe0, 0xa0, 0x80);                                     /* U+0800 */
    EXPECT_OK(0xa3, 0xed, 0x9f, 0xbf);                                     /* U+D7FF */
    EXPECT_OK(0xa3, 0xee, 0x80, 0x80);                                     /* U+E000 */
    EXPECT_OK(0xa3, 0xef, 0xbf, 0xbf);                                     /* U+FFFF */
    EXPECT_OK(0xa4, 0xf0, 0x90, 0x80, 0x80);                               /* U+10000 */
    EXPECT_OK(0xa4, 0xf4, 0x8f, 0xbf, 0xbf);                               /* U+10FFFF */
    EXPECT_OK(0xa1, 0x00);                                                 /* NUL is valid UTF-8 */
    /* bin is not text: any bytes */
    EXPECT_OK(0xc4, 0x03, 0xc0, 0x80, 0xff);
}

static void test_utf8_valid_direct(void **state)
{
    assert_true(wire_utf8_valid("", 0));
    assert_true(wire_utf8_valid("abc", 3));
    assert_true(wire_utf8_valid("\xe5\xb8\x82\xe6\xb0\x91", 6));   /* 市民 */
    assert_false(wire_utf8_valid("\xe5\xb8\x82\xe6\xb0", 5));      /* last character cut */
    assert_false(wire_utf8_valid("\xc0\x80", 2));
    assert_false(wire_utf8_valid("\xed\xa0\x80", 3));
    assert_false(wire_utf8_valid("\xf4\x90\x80\x80", 4));
    assert_false(wire_utf8_valid("\x80", 1));
    /* n bounds the scan: a valid prefix of an invalid buffer is valid */
    assert_true(wire_utf8_valid("ab\x80", 2));
}

static void test_string_over_1mib(void **state)
{
    size_t n = WIRE_MAX_STR + 1;
    unsigned char *buf = malloc(n + 5);
    assert_non_null(buf);
    buf[0] = 0xdb;
    buf[1] = (unsigned char)(n >> 24); buf[2] = (unsigned char)(n >> 16);
    buf[3] = (unsigned char)(n >> 8);  buf[4] = (unsigned char)n;
    memset(buf + 5, 'a', n);
    char err[128] = "";
    assert_int_equal(wire_check(buf, n + 5, err, sizeof err), -1);
    assert_string_equal(err, "invalid MessagePack at byte 5: string longer than 1 MiB");
    expect_bad(buf, n + 5, "string longer than 1 MiB");
    buf[0] = 0xc6;                                   /* same length as bin32 */
    expect_bad(buf, n + 5, "string longer than 1 MiB");

    /* exactly 1 MiB is accepted and decodes to that length */
    n = WIRE_MAX_STR;
    buf[0] = 0xdb;
    buf[1] = (unsigned char)(n >> 24); buf[2] = (unsigned char)(n >> 16);
    buf[3] = (unsigned char)(n >> 8);  buf[4] = (unsigned char)n;
    expect_ok(buf, n + 5);
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, buf, n + 5, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(o->type, MSGPACK_OBJECT_STR);
    assert_int_equal(o->via.str.size, WIRE_MAX_STR);
    wire_msg_destroy(&m);
    free(buf);
}

/* ---- valid bodies and round trips ---------------------------------------------- */

static void test_every_valid_type(void **state)
{
    /* one array holding each accepted format */
    static const unsigned char b[] = {
        0xdc, 0x00, 0x15,                         /* array16 of 21 */
        0x00, 0x7f, 0xe0, 0xff,                   /* fixints */
        0xc0, 0xc2, 0xc3,                         /* nil false true */
        0xcc, 0xff, 0xcd, 0xff, 0xff, 0xce, 0, 0, 0, 1,
        0xcf, 0, 0, 0, 0, 0, 0, 0, 1,
        0xd0, 0x80, 0xd1, 0x80, 0x00, 0xd2, 0x80, 0, 0, 0,
        0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0,
        0xca, 0x3f, 0x80, 0, 0,                   /* 1.0f */
        0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,       /* 1.0 */
        0xc4, 0x00, 0xa0,                         /* empty bin, empty str */
        0x90, 0x80,                               /* [] {} */
    };
    expect_ok(b, sizeof b);
    char err[128] = "";
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, b, sizeof b, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(o->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(o->via.array.size, 21);
    const msgpack_object *a = o->via.array.ptr;
    assert_int_equal(a[2].type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
    assert_int_equal(a[2].via.i64, -32);
    assert_int_equal(a[3].via.i64, -1);
    assert_int_equal(a[4].type, MSGPACK_OBJECT_NIL);
    assert_int_equal(a[7].via.u64, 255);
    assert_int_equal(a[8].via.u64, 65535);
    assert_int_equal(a[10].via.u64, 1);
    assert_int_equal(a[11].via.i64, -128);
    assert_int_equal(a[12].via.i64, -32768);
    assert_int_equal(a[13].via.i64, INT32_MIN);
    assert_true(a[14].via.i64 == INT64_MIN);
    assert_int_equal(a[15].type, MSGPACK_OBJECT_FLOAT32);
    assert_true(a[16].via.f64 == 1.0);
    assert_int_equal(a[17].type, MSGPACK_OBJECT_BIN);
    assert_int_equal(a[17].via.bin.size, 0);
    assert_int_equal(a[18].type, MSGPACK_OBJECT_STR);
    assert_int_equal(a[20].type, MSGPACK_OBJECT_MAP);
    wire_msg_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_body_over_64mib),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_truncated_str),
        cmocka_unit_test(test_truncated_array),
        cmocka_unit_test(test_truncated_map),
        cmocka_unit_test(test_truncated_int),
        cmocka_unit_test(test_reserved_c1),
        cmocka_unit_test(test_ext_types),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_huge_counts),
        cmocka_unit_test(test_map_key_not_string),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_utf8_valid_direct),
        cmocka_unit_test(test_string_over_1mib),
        cmocka_unit_test(test_every_valid_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
