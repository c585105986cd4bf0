/* ticket_make: a fresh ticket and its intake fields, as the store tests of
 * both engines build them (store_fixture.h, store_pg_fixture.h). */
#ifndef HOTLINE_TEST_TICKET_MAKE_H
#define HOTLINE_TEST_TICKET_MAKE_H
#include <stdio.h>
#include <string.h>
#include "ticket.h"

/* A complaint received at `at`, nothing classified yet, with this text. */
static inline void make_ticket(ticket_t *t, ticket_intake_t *in, const char *id, int64_t at, const char *text)
{
    memset(t, 0, sizeof *t);
    memset(in, 0, sizeof *in);
    snprintf(t->id, sizeof t->id, "%s", id);
    t->received_at = t->last_at = at;
    t->type = TT_COMPLAINT;
    t->state = ST_RECEIVED;
    t->category = t->unit = t->alt_unit = t->street = TICKET_NONE;
    t->on_time = -1;
    in->text = text;
    in->text_len = strlen(text);
}

#endif
