/* fuzz_ticket: the ticket.submit validator (ticket_from_wire, core/ticket.c)
 * on whatever wire_decode accepts, as intake does with every submission.
 * Invariants of an accepted ticket: the id is 1..64 bytes without control
 * characters, the type and street are known codes, received_at lies in
 * 2000..2100, the text is borrowed from the message and 1..4096 bytes without
 * NUL, a praise call is not urgent, caller holds only digits, '+', '-', ' '.
 * Re-encoding the accepted fields gives a body that validates to the same
 * ticket. A rejection always carries a message. */
#include "fuzz.h"
#include "ticket.h"
#include "units.h"
#include "wire.h"
#include <string.h>

static void check_accepted(const msgpack_object *map, const ticket_t *t, const ticket_intake_t *in)
{
    size_t idl = strlen(t->id);
    FUZZ_CHECK(idl >= 1 && idl <= TICKET_ID_MAX);
    for (size_t i = 0; i < idl; i++) FUZZ_CHECK((unsigned char)t->id[i] >= 0x20 && t->id[i] != 0x7f);
    FUZZ_CHECK(t->type < TT__COUNT && ticket_type_parse(ticket_type_name(t->type), strlen(ticket_type_name(t->type))) == t->type);
    FUZZ_CHECK(t->state == ST_RECEIVED && t->on_time == -1);
    FUZZ_CHECK(t->received_at >= 946684800 && t->received_at <= 4102444800 && t->last_at == t->received_at);
    FUZZ_CHECK(!(t->type == TT_PRAISE && t->urgent));
    FUZZ_CHECK(t->category == TICKET_NONE && t->unit == TICKET_NONE && t->alt_unit == TICKET_NONE);
    FUZZ_CHECK(t->street == TICKET_NONE || (t->street < UNITS_N_STREETS &&
               ticket_street_index(ticket_street_name(t->street)) == t->street));
    const msgpack_object *text = wire_get(map, "text");
    FUZZ_CHECK(text && text->type == MSGPACK_OBJECT_STR && in->text == text->via.str.ptr && in->text_len == text->via.str.size);
    FUZZ_CHECK(in->text_len >= 1 && in->text_len <= TICKET_TEXT_MAX && !memchr(in->text, '\0', in->text_len));
    FUZZ_CHECK(memchr(in->channel, '\0', sizeof in->channel) && memchr(in->caller, '\0', sizeof in->caller));
    for (const char *p = in->caller; *p; p++) FUZZ_CHECK(strchr("0123456789+- ", *p));
}

/* The accepted fields, encoded again, validate to the same ticket. */
static void check_reencoded(const ticket_t *t, const ticket_intake_t *in)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 8);
    wire_kv_str(&e, "id", t->id);
    wire_kv_int(&e, "received_at", t->received_at);
    wire_kv_str(&e, "type", ticket_type_name(t->type));
    wire_str(&e, "text");
    wire_strn(&e, in->text, in->text_len);
    wire_kv_bool(&e, "urgent", t->urgent);
    wire_kv_str(&e, "street", ticket_street_name(t->street)); /* nil for none */
    wire_kv_str(&e, "channel", in->channel[0] ? in->channel : NULL);
    wire_kv_str(&e, "caller", in->caller[0] ? in->caller : NULL);
    char err[256];
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, e.sb.data, e.sb.size, err, sizeof err);
    FUZZ_CHECK(o != NULL);
    ticket_t t2;
    ticket_intake_t in2;
    FUZZ_CHECK(ticket_from_wire(o, &t2, &in2, err, sizeof err) == 0);
    FUZZ_CHECK(memcmp(t, &t2, sizeof t2) == 0);
    FUZZ_CHECK(in2.text_len == in->text_len && memcmp(in2.text, in->text, in->text_len) == 0);
    FUZZ_CHECK(strcmp(in2.channel, in->channel) == 0 && strcmp(in2.caller, in->caller) == 0);
    wire_msg_destroy(&m);
    wire_enc_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, data, size, err, sizeof err);
    if (o) {
        ticket_t t;
        ticket_intake_t in;
        err[0] = '\0';
        if (ticket_from_wire(o, &t, &in, err, sizeof err) == 0) {
            check_accepted(o, &t, &in);
            check_reencoded(&t, &in);
        } else {
            FUZZ_CHECK(err[0] != '\0');
            FUZZ_CHECK(memchr(t.id, '\0', sizeof t.id));
        }
    }
    wire_msg_destroy(&m);
    return 0;
}
