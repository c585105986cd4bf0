/* Unit tests for core/ticket: validation of a ticket.submit map (,
 * schemas/wire.md) and the code tables. Maps are built with the wire encoder
 * and decoded through wire_decode(), exactly as intake sees them. Each invalid
 * case asserts the complete error text a caller gets back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticket.h"
#include "units.h"
#include "wire.h"

/* One map entry of a test ticket. */
typedef enum { K_END, K_STR, K_STRN, K_INT, K_BOOL, K_NIL, K_UINT_MAX } kind_t;
typedef struct {
    const char *key;
    kind_t kind;
    const char *s;
    int64_t i;     /* K_INT value, K_STRN length */
} kv_t;

#define S(k, v) {k, K_STR, v, 0}
#define SN(k, v, n) {k, K_STRN, v, n}
#define I(k, v) {k, K_INT, NULL, v}
#define B(k, v) {k, K_BOOL, NULL, v}
#define NIL(k) {k, K_NIL, NULL, 0}
#define END {NULL, K_END, NULL, 0}

#define T0 1661990400   /* 2022-09-01 08:00 CST */

typedef struct {
    wire_enc_t e;
    wire_msg_t *m;
    ticket_t t;
    ticket_intake_t in;
    char err[256];
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    wire_enc_init(&fx->e);
    fx->m = wire_msg_new();
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    wire_enc_free(&fx->e);
    wire_msg_destroy(&fx->m);
    free(fx);
    return 0;
}

static void pack(wire_enc_t *e, const kv_t *kv)
{
    int n = 0;
    while (kv[n].kind != K_END) n++;
    wire_map(e, (size_t)n);
    for (int i = 0; i < n; i++) {
        wire_str(e, kv[i].key);
        switch (kv[i].kind) {
        case K_STR: wire_str(e, kv[i].s); break;
        case K_STRN: wire_strn(e, kv[i].s, (size_t)kv[i].i); break;
        case K_INT: wire_int(e, kv[i].i); break;
        case K_BOOL: wire_bool(e, kv[i].i != 0); break;
        case K_NIL: wire_nil(e); break;
        case K_UINT_MAX: msgpack_pack_uint64(&e->pk, UINT64_MAX); break;
        case K_END: break;
        }
    }
}

static const msgpack_object *decoded(fx_t *fx)
{
    const msgpack_object *o = wire_decode(fx->m, fx->e.sb.data, fx->e.sb.size, fx->err, sizeof fx->err);
    if (!o) fail_msg("decode: %s", fx->err);
    return o;
}

/* Packs kv, runs ticket_from_wire, returns its result. */
static int run(fx_t *fx, const kv_t *kv)
{
    wire_enc_reset(&fx->e);
    pack(&fx->e, kv);
    fx->err[0] = '\0';
    return ticket_from_wire(decoded(fx), &fx->t, &fx->in, fx->err, sizeof fx->err);
}

#define REJECT(fx, msg, ...)                                                  \
    do {                                                                      \
        const kv_t kv_[] = {__VA_ARGS__, END};                                \
        assert_int_equal(run((fx), kv_), -1);                                 \
        assert_string_equal((fx)->err, (msg));                                \
    } while (0)
#define ACCEPT(fx, ...)                                                       \
    do {                                                                      \
        const kv_t kv_[] = {__VA_ARGS__, END};                                \
        if (run((fx), kv_) != 0) fail_msg("rejected: %s", (fx)->err);         \
    } while (0)

/* ---- valid tickets ----------------------------------------------------------------- */

static void test_minimal(void **state)
{
    fx_t *fx = *state;
    ACCEPT(fx, S("id", "T1"), I("received_at", T0), S("type", "help"), S("text", "路灯不亮"));
    ticket_t *t = &fx->t;
    assert_string_equal(t->id, "T1");
    assert_int_equal(t->received_at, T0);
    assert_int_equal(t->last_at, T0);
    assert_int_equal(t->type, TT_HELP);
    assert_false(t->urgent);
    assert_int_equal(t->state, ST_RECEIVED);
    assert_int_equal(t->street, TICKET_NONE);
    assert_int_equal(t->category, TICKET_NONE);
    assert_int_equal(t->unit, TICKET_NONE);
    assert_int_equal(t->alt_unit, TICKET_NONE);
    assert_int_equal(t->on_time, -1);
    assert_int_equal(t->round, 0);
    assert_int_equal(t->closed_at, 0);
    assert_int_equal(t->done_at, 0);
    assert_int_equal(fx->in.text_len, strlen("路灯不亮"));
    assert_memory_equal(fx->in.text, "路灯不亮", fx->in.text_len);
    assert_string_equal(fx->in.caller, "");
    assert_string_equal(fx->in.channel, "");
}

static void test_full(void **state)
{
    fx_t *fx = *state;
    ACCEPT(fx, S("id", "GD-12345-2022-000001"), I("received_at", T0 + 59), S("type", "complaint"),
           B("urgent", 1), S("text", "小区门口有流动摊贩占道经营"), S("street", "longteng"),
           S("caller", "+86 138-0013-8000"), S("channel", "wechat"), S("ignored", "extra keys are fine"));
    ticket_t *t = &fx->t;
    assert_string_equal(t->id, "GD-12345-2022-000001");
    assert_int_equal(t->received_at, T0 + 59);
    assert_int_equal(t->type, TT_COMPLAINT);
    assert_true(t->urgent);
    assert_int_equal(t->street, 9);
    assert_string_equal(ticket_street_name(t->street), "longteng");
    assert_string_equal(fx->in.caller, "+86 138-0013-8000");
    assert_string_equal(fx->in.channel, "wechat");
    assert_int_equal(fx->in.text_len, strlen("小区门口有流动摊贩占道经营"));
}

static void test_every_type(void **state)
{
    fx_t *fx = *state;
    static const char *names[] = {"consult", "help", "complaint", "report", "suggest", "praise"};
    for (int i = 0; i < TT__COUNT; i++) {
        ACCEPT(fx, S("id", "T"), I("received_at", T0), S("type", names[i]), B("urgent", 0), S("text", "x"));
        assert_int_equal(fx->t.type, i);
        assert_string_equal(ticket_type_name(i), names[i]);
        assert_int_equal(ticket_type_parse(names[i], strlen(names[i])), i);
    }
}

static void test_boundaries_accepted(void **state)
{
    fx_t *fx = *state;
    char id64[65], text[TICKET_TEXT_MAX + 1];
    memset(id64, 'a', 64);
    id64[64] = '\0';
    memset(text, 'x', TICKET_TEXT_MAX);
    text[TICKET_TEXT_MAX] = '\0';
    ACCEPT(fx, S("id", id64), I("received_at", 946684800), S("type", "help"), S("text", text));
    assert_int_equal(strlen(fx->t.id), 64);
    assert_int_equal(fx->in.text_len, TICKET_TEXT_MAX);
    ACCEPT(fx, S("id", "~!@# 中文"), I("received_at", 4102444800LL), S("type", "help"), S("text", "x"));
    assert_string_equal(fx->t.id, "~!@# 中文");
    /* nil optional fields are absent */
    ACCEPT(fx, S("id", "T"), I("received_at", T0), S("type", "help"), NIL("urgent"), S("text", "x"),
           NIL("street"), NIL("caller"), NIL("channel"));
    assert_false(fx->t.urgent);
    assert_int_equal(fx->t.street, TICKET_NONE);
    /* a praise call that is not urgent */
    ACCEPT(fx, S("id", "P"), I("received_at", T0), S("type", "praise"), B("urgent", 0), S("text", "感谢"));
    assert_int_equal(fx->t.type, TT_PRAISE);
    /* 16-byte channel, 32-byte caller */
    ACCEPT(fx, S("id", "T"), I("received_at", T0), S("type", "help"), S("text", "x"),
           S("channel", "0123456789abcdef"), S("caller", "12345678901234567890123456789012"));
    assert_string_equal(fx->in.channel, "0123456789abcdef");
}

/* ---- invalid tickets --------------------------------------------------------------- */

static void test_bad_id(void **state)
{
    fx_t *fx = *state;
    REJECT(fx, "field 'id' is required", I("received_at", T0), S("type", "help"), S("text", "x"));
    REJECT(fx, "field 'id' is required", NIL("id"), I("received_at", T0), S("type", "help"), S("text", "x"));
    REJECT(fx, "field 'id' must be a string", I("id", 7), I("received_at", T0), S("type", "help"), S("text", "x"));
    char id65[66];
    memset(id65, 'a', 65);
    id65[65] = '\0';
    REJECT(fx, "field 'id' must be 1 to 64 bytes", S("id", id65), I("received_at", T0), S("type", "help"),
           S("text", "x"));
    REJECT(fx, "field 'id' must be 1 to 64 bytes", S("id", ""), I("received_at", T0), S("type", "help"),
           S("text", "x"));
    REJECT(fx, "field 'id' holds a control character", S("id", "T\t1"), I("received_at", T0),
           S("type", "help"), S("text", "x"));
    REJECT(fx, "field 'id' holds a control character", S("id", "T1\n"), I("received_at", T0),
           S("type", "help"), S("text", "x"));
    REJECT(fx, "field 'id' holds a control character", S("id", "T\x7f"), I("received_at", T0),
           S("type", "help"), S("text", "x"));
    REJECT(fx, "field 'id' holds a control character", SN("id", "T\0001", 3), I("received_at", T0),
           S("type", "help"), S("text", "x"));
    /* the id is checked before anything else */
    REJECT(fx, "field 'id' is required", S("type", "nonsense"));
}

static void test_bad_received_at(void **state)
{
    fx_t *fx = *state;
    REJECT(fx, "field 'received_at' is required", S("id", "T1"), S("type", "help"), S("text", "x"));
    REJECT(fx, "field 'received_at' must be an integer", S("id", "T1"), S("received_at", "1661990400"),
           S("type", "help"), S("text", "x"));
    REJECT(fx, "field 'received_at' must be an integer", S("id", "T1"), B("received_at", 1),
           S("type", "help"), S("text", "x"));
    const char *range = "field 'received_at' must be Unix seconds between 2000 and 2100";
    REJECT(fx, range, S("id", "T1"), I("received_at", 946684799), S("type", "help"), S("text", "x"));
    REJECT(fx, range, S("id", "T1"), I("received_at", 4102444801LL), S("type", "help"), S("text", "x"));
    REJECT(fx, range, S("id", "T1"), I("received_at", -1), S("type", "help"), S("text", "x"));
    REJECT(fx, range, S("id", "T1"), I("received_at", 1661990400000LL), S("type", "help"), S("text", "x"));
    REJECT(fx, "field 'received_at' must be an integer within int64", S("id", "T1"),
           {"received_at", K_UINT_MAX, NULL, 0}, S("type", "help"), S("text", "x"));
    /* the id was read before the failure: a rejection reply can name it */
    assert_string_equal(fx->t.id, "T1");
}

static void test_bad_type(void **state)
{
    fx_t *fx = *state;
    const char *msg = "field 'type' must be one of consult, help, complaint, report, suggest, praise";
    REJECT(fx, msg, S("id", "T2"), I("received_at", T0), S("type", "inquiry"), S("text", "x"));
    REJECT(fx, msg, S("id", "T2"), I("received_at", T0), S("type", "Help"), S("text", "x"));
    REJECT(fx, msg, S("id", "T2"), I("received_at", T0), S("type", "help "), S("text", "x"));
    REJECT(fx, msg, S("id", "T2"), I("received_at", T0), S("type", ""), S("text", "x"));
    REJECT(fx, msg, S("id", "T2"), I("received_at", T0), S("type", "投诉"), S("text", "x"));
    REJECT(fx, "field 'type' is required", S("id", "T2"), I("received_at", T0), S("text", "x"));
    REJECT(fx, "field 'type' must be a string", S("id", "T2"), I("received_at", T0), I("type", 2), S("text", "x"));
    assert_string_equal(fx->t.id, "T2");
}

static void test_bad_urgent(void **state)
{
    fx_t *fx = *state;
    REJECT(fx, "field 'urgent' must be a boolean", S("id", "T"), I("received_at", T0), S("type", "help"),
           I("urgent", 1), S("text", "x"));
    REJECT(fx, "field 'urgent' must be a boolean", S("id", "T"), I("received_at", T0), S("type", "help"),
           S("urgent", "true"), S("text", "x"));
    REJECT(fx, "a praise call cannot be urgent", S("id", "T"), I("received_at", T0), S("type", "praise"),
           B("urgent", 1), S("text", "感谢王师傅"));
}

static void test_bad_text(void **state)
{
    fx_t *fx = *state;
    REJECT(fx, "field 'text' is required", S("id", "T"), I("received_at", T0), S("type", "help"));
    REJECT(fx, "field 'text' is required", S("id", "T"), I("received_at", T0), S("type", "help"), NIL("text"));
    REJECT(fx, "field 'text' is empty", S("id", "T"), I("received_at", T0), S("type", "help"), S("text", ""));
    REJECT(fx, "field 'text' must be a string", S("id", "T"), I("received_at", T0), S("type", "help"),
           I("text", 5));
    char *big = malloc(TICKET_TEXT_MAX + 2);
    memset(big, 'x', TICKET_TEXT_MAX + 1);
    big[TICKET_TEXT_MAX + 1] = '\0';
    REJECT(fx, "field 'text' is longer than 4096 bytes", S("id", "T"), I("received_at", T0), S("type", "help"),
           S("text", big));
    free(big);
    REJECT(fx, "field 'text' holds a NUL byte", S("id", "T"), I("received_at", T0), S("type", "help"),
           SN("text", "ab\0c", 4));
}

static void test_bad_optional(void **state)
{
    fx_t *fx = *state;
    REJECT(fx, "field 'street' is not a known street code (see schemas/wire.md)", S("id", "T"), I("received_at", T0),
           S("type", "help"), S("text", "x"), S("street", "wudang"));
    REJECT(fx, "field 'street' is not a known street code (see schemas/wire.md)", S("id", "T"), I("received_at", T0),
           S("type", "help"), S("text", "x"), S("street", "金霞"));
    REJECT(fx, "field 'street' is not a known street code (see schemas/wire.md)", S("id", "T"), I("received_at", T0),
           S("type", "help"), S("text", "x"), S("street", ""));
    REJECT(fx, "field 'street' must be a string", S("id", "T"), I("received_at", T0), S("type", "help"),
           S("text", "x"), I("street", 1));
    REJECT(fx, "field 'street' is longer than 31 bytes or holds a NUL", S("id", "T"), I("received_at", T0),
           S("type", "help"), S("text", "x"), S("street", "jinxiajinxiajinxiajinxiajinxiajinxia"));
    const char *digits = "field 'caller' must hold only digits, '+', '-' or spaces";
    REJECT(fx, digits, S("id", "T"), I("received_at", T0), S("type", "help"), S("text", "x"),
           S("caller", "138abc8000"));
    REJECT(fx, digits, S("id", "T"), I("received_at", T0), S("type", "help"), S("text", "x"),
           S("caller", "(0754) 8888"));
    REJECT(fx, digits, S("id", "T"), I("received_at", T0), S("type", "help"), S("text", "x"),
           S("caller", "１３８"));                         /* full-width digits */
    REJECT(fx, "field 'caller' is longer than 32 bytes or holds a NUL", S("id", "T"), I("received_at", T0),
           S("type", "help"), S("text", "x"), S("caller", "123456789012345678901234567890123"));
    REJECT(fx, "field 'caller' must be a string", S("id", "T"), I("received_at", T0), S("type", "help"),
           S("text", "x"), I("caller", 13800138000LL));
    REJECT(fx, "field 'channel' is longer than 16 bytes or holds a NUL", S("id", "T"), I("received_at", T0),
           S("type", "help"), S("text", "x"), S("channel", "0123456789abcdefg"));
}

static void test_not_a_map(void **state)
{
    fx_t *fx = *state;
    wire_enc_reset(&fx->e);
    wire_array(&fx->e, 1);
    wire_str(&fx->e, "id");
    assert_int_equal(ticket_from_wire(decoded(fx), &fx->t, &fx->in, fx->err, sizeof fx->err), -1);
    assert_string_equal(fx->err, "a ticket must be a map");
    assert_string_equal(fx->t.id, "");
    wire_enc_reset(&fx->e);
    wire_str(&fx->e, "T1");
    assert_int_equal(ticket_from_wire(decoded(fx), &fx->t, &fx->in, fx->err, sizeof fx->err), -1);
    assert_string_equal(fx->err, "a ticket must be a map");
    wire_enc_reset(&fx->e);
    wire_nil(&fx->e);
    assert_int_equal(ticket_from_wire(decoded(fx), &fx->t, &fx->in, fx->err, sizeof fx->err), -1);
    assert_string_equal(fx->err, "a ticket must be a map");
}

/* ---- code tables ------------------------------------------------------------------- */

static void test_code_tables(void **state)
{
    assert_string_equal(ticket_type_name(-1), "?");
    assert_string_equal(ticket_type_name(TT__COUNT), "?");
    assert_int_equal(ticket_type_parse("consul", 6), -1);
    assert_int_equal(ticket_type_parse("consultx", 7), TT_CONSULT);   /* the length bounds the name */
    for (int i = 0; i < UNITS_N_STREETS; i++) {
        assert_string_equal(ticket_street_name(i), UNITS_STREETS[i].code);
        assert_int_equal(ticket_street_index(UNITS_STREETS[i].code), i);
    }
    for (int i = 0; i < UNITS_N_CATEGORIES; i++) {
        assert_string_equal(ticket_category_name(i), UNITS_CATEGORIES[i].code);
        assert_int_equal(ticket_category_index(UNITS_CATEGORIES[i].code), i);
    }
    size_t n;
    const char *const *all = units_all(&n);
    assert_int_equal(n, 21);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(ticket_unit_name((int)i), all[i]);
        assert_int_equal(ticket_unit_index(all[i]), (int)i);
    }
    assert_null(ticket_street_name(TICKET_NONE));
    assert_null(ticket_category_name(TICKET_NONE));
    assert_null(ticket_unit_name(TICKET_NONE));
    assert_null(ticket_unit_name(-1));
    assert_int_equal(ticket_street_index(NULL), -1);
    assert_int_equal(ticket_category_index(NULL), -1);
    assert_int_equal(ticket_unit_index(NULL), -1);
    assert_int_equal(ticket_unit_index("unit.nowhere"), -1);
    assert_int_equal(ticket_street_index("JINXIA"), -1);
    assert_int_equal(ticket_category_index("community"), 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_minimal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boundaries_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_received_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_urgent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_optional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_map, setup, teardown),
        cmocka_unit_test(test_code_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
