/* ticket: the work order (工单) record shared by intake, the store and the
 * broker's state machine, and the validation of a ticket.submit map.
 * Codes (type, state, category, unit, street) are small integers here and
 * names on the wire and in the store. */
#ifndef HOTLINE_TICKET_H
#define HOTLINE_TICKET_H
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lifecycle.h"

#define TICKET_ID_MAX 64
/* Centres: one broker serves one 12345 centre; its tickets carry its code.
 * The shipped data (units, streets, knowledge base) is Longhu's, so that is
 * the code of a store and a scenario that name none. */
#define TICKET_CENTRE_MAX 32
#define TICKET_DEFAULT_CENTRE "longhu"
/* How a valid code looks, for messages (ticket_centre_valid). */
#define TICKET_CENTRE_RULE "1 to 32 of a-z, 0-9 and '_'"
#define TICKET_TEXT_MAX 4096
#define TICKET_NONE 0xff        /* "no code" for category/unit/street */
#define TICKET_CODE_MAX 48      /* bytes of a code with its NUL: "unit.street.longxiang", "environment" */
/* Ratings are 1..5; at or below this one a rating is a 差评 (the unit must
 * rectify), above it the citizen is at least 基本满意. */
#define TICKET_BAD_RATING 2
#define TICKET_BAD_RATING_SQL "2"

typedef enum { TT_CONSULT, TT_HELP, TT_COMPLAINT, TT_REPORT, TT_SUGGEST, TT_PRAISE, TT__COUNT } ticket_type_t;

/* The fields of the rules few tickets meet (returns, requests, suspensions,
 * visits that reach nobody, reopening, co-handling, merging): kept apart, so
 * a ticket that needs none costs nothing for them. Owned by its ticket_t. */
#define TICKET_MAX_RETURNERS 4
#define TICKET_MAX_CO 2
#define TICKET_ASKED_EXTEND 1   /* this round's unit asked for more time (answered or not) */
#define TICKET_ASKED_SUSPEND 2  /* ... or to suspend */
#define TICKET_ASKED_RETURN 4   /* ... or to return it (rejected: it stays with the unit) */
#define TICKET_NO_RETURN 8      /* this round's unit may not return it: the centre assigned it, or a 重办 */
#define TICKET_DOUBTFUL 16      /* classified with a confidence below dispatch.confidence.percent: a person dispatches it */
typedef struct ticket_ext {
    uint8_t returns_asked, returns_approved;        /* 退单 asked and approved, all rounds */
    uint8_t returned_by[TICKET_MAX_RETURNERS];      /* units whose return was approved (TICKET_NONE: none): never again */
    uint8_t pending_days;                           /* EXTEND_PENDING: the working days asked */
    uint8_t visit_attempts;                         /* visit calls that reached nobody */
    int8_t solved, attitude;                        /* the rating's parts: -1 none; 0/1; 1..5 */
    uint8_t reopened;                               /* times reopened (重办) */
    uint8_t n_co;                                   /* co-units (联办) */
    uint8_t asked;                                  /* requests made in the current round: TICKET_ASKED_* */
    uint32_t pending_at;                            /* when the pending request was asked */
    uint32_t suspended_at;                          /* SUSPENDED: since when */
    uint32_t suspend_used;                          /* working seconds suspended before, in all */
    uint32_t reopened_at, reopen_due;               /* the reopened round's start and deadline */
    struct { uint8_t unit; uint32_t due, reported; } co[TICKET_MAX_CO]; /* 联办: a co-unit, its deadline, its report (0: not yet) */
    char lead[TICKET_ID_MAX + 1];                   /* MERGED: the lead ticket's id */
} ticket_ext_t;

/* Persistent fields of a ticket (one row of the ticket table; the text, the
 * caller and the answering KB entry are written once and never read back
 * into memory). Times are virtual Unix seconds; 0 means "not yet". The
 * broker holds one per unfinished ticket, so every byte here counts a
 * million times. */
typedef struct {
    char id[TICKET_ID_MAX + 1];
    uint8_t type;            /* ticket_type_t */
    uint8_t state;           /* lc_state_t */
    uint8_t category;        /* index into UNITS_CATEGORIES or TICKET_NONE */
    uint8_t unit;            /* index into units_all() or TICKET_NONE */
    uint8_t alt_unit;
    uint8_t street;          /* index into UNITS_STREETS or TICKET_NONE */
    bool urgent, direct, rating_default;
    bool reminded;           /* the 催办 of the current deadline was recorded */
    uint8_t extended;        /* extensions granted (延期) */
    uint8_t notified;        /* 通报 recorded since the deadline passed */
    int8_t on_time;          /* -1 not closed yet, 0 late, 1 on time */
    int8_t rating;           /* 0 none, 1..5 */
    int8_t revisit_rating;
    uint16_t round;          /* dispatch round (+1 per 退单) */
    uint32_t delivery;       /* deliveries of the stage in flight */
    /* 32 bits are enough and halve the record: received_at is validated to
     * 2000..2100 (ticket_from_wire) and the broker accepts no later time of a
     * ticket beyond 400 days after it (broker/stage.c stage_check_time). */
    uint32_t received_at, last_at, sign_due, close_due, overdue_at, closed_at;
    uint32_t rated_at, rectify_due, rectified_at, revisited_at, done_at;
    uint32_t signed_at;      /* signed in the current dispatch round (0 after a 退单) */
    uint32_t dispatched_at;  /* dispatched in the current round */
    ticket_ext_t *ext;       /* the rarer fields, or NULL; owned (ticket_ext_free) */
} ticket_t;

/* t's rarer fields, created (zeroed, "none" codes) on first use. */
ticket_ext_t *ticket_ext(ticket_t *t);
/* Frees t's rarer fields (t->ext becomes NULL). */
void ticket_ext_free(ticket_t *t);

/* Intake-only fields that are stored but never needed again by the broker. */
typedef struct {
    const char *text;        /* borrowed from the decoded message */
    size_t text_len;
    char channel[17];
    char caller[33];         /* full number as given; never stored */
    char centre[TICKET_CENTRE_MAX + 1]; /* the centre the caller names, or "" (the broker's) */
} ticket_intake_t;

/* A centre code: 1 to 32 of a-z, 0-9 and '_' (it names the centre's schema
 * in a PostgreSQL store shared by a province). */
bool ticket_centre_valid(const char *code);

/* Validates one ticket.submit map into t (state RECEIVED) and in.
 * Returns 0, or -1 with a precise message ("field 'type' must be one of ...").
 * On -1, t->id holds the id if it could be read (for the rejection reply). */
int ticket_from_wire(const msgpack_object *map, ticket_t *t, ticket_intake_t *in, char *err, size_t errlen);

const char *ticket_type_name(int type);
int ticket_type_parse(const char *name, size_t len);  /* -1 if unknown */
/* Names of codes, or NULL for TICKET_NONE. */
const char *ticket_category_name(int c);
const char *ticket_unit_name(int u);
const char *ticket_street_name(int s);
int ticket_category_index(const char *code);   /* -1 if unknown */
int ticket_unit_index(const char *service);
int ticket_street_index(const char *code);

#endif
