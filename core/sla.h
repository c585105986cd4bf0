/* sla: the deadline rules as data (schemas/sla.tsv), applied with a
 * calendar. Defaults are the Guangdong 12345 rules in force since 2022-09-01. */
#ifndef HOTLINE_SLA_H
#define HOTLINE_SLA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calendar.h"
#include "ticket.h"

typedef struct sla sla_t;

/* Every rule, by its key in schemas/sla.tsv. */
typedef enum {
    SLA_CLOSE_CONSULT, SLA_CLOSE_HELP, SLA_CLOSE_SUGGEST, SLA_CLOSE_COMPLAINT, SLA_CLOSE_REPORT, /* close.workdays.<type> */
    SLA_URGENT_SIGN_HOURS, SLA_URGENT_CLOSE_HOURS, SLA_SIGN_WORKDAYS,
    SLA_BAD_CONTACT_WORKDAYS, SLA_BAD_RECTIFY_WORKDAYS,
    SLA_RATING_WAIT_DAYS, SLA_RATING_DEFAULT, SLA_EXTENSION_WORKDAYS,
    SLA_REMIND_WORKDAYS,        /* 催办 this many working days before a deadline */
    SLA_REMIND_URGENT_HOURS,    /* ... and this many clock hours before an urgent one */
    SLA_NOTIFY_AFTER_WORKDAYS,  /* 通报 this many working days after a missed deadline */
    SLA_NOTIFY_EVERY_WORKDAYS,  /* ... and again every this many while open */
    SLA_RETURN_WINDOW_WORKDAYS, /* a unit may ask to return a ticket within this of dispatch */
    SLA_RETURN_MAX_APPROVED,    /* after this many approved returns the centre assigns */
    SLA_EXTEND_MAX_COUNT,       /* extensions a ticket may be granted */
    SLA_SUSPEND_MAX_WORKDAYS,   /* working days a ticket may spend suspended in all */
    SLA_MERGE_WINDOW_HOURS,     /* a repeat call within this of an open ticket may merge into it */
    SLA_MERGE_JACCARD_PERCENT,  /* ... if the texts' character-bigram Jaccard similarity is at least this */
    SLA_VISIT_ATTEMPTS,         /* calls before a citizen counts as unreachable */
    SLA_REOPEN_MAX,             /* times a ticket may be reopened (重办) */
    SLA_COHANDLE_WORKDAYS,      /* a co-unit's deadline, counted from dispatch (capped at the close deadline) */
    SLA_DISPATCH_CONFIDENCE_PERCENT, /* a classification less sure than this is dispatched by a person (人工派单) */
    SLA__COUNT
} sla_rule_t;

/* The value of rule r, in its key's unit. */
int sla_rule(const sla_t *self, sla_rule_t r);
/* The co-unit of a category's tickets (联办): "street" (the ticket's street
 * office), a unit service, or NULL for none. */
const char *sla_cohandle(const sla_t *self, const char *category);

/* A new rule set holding the built-in defaults. */
sla_t *sla_new(void);
void sla_destroy(sla_t **p);
/* Overrides rules from a file: lines "key<TAB>value" (see schemas/sla.tsv).
 * Unknown keys or bad values are an error naming the line; returns 0 or -1. */
int sla_load_buf(sla_t *self, const char *buf, size_t len, char *err, size_t errlen);
int sla_load_file(sla_t *self, const char *path, char *err, size_t errlen);

/* Deadline to close a ticket of type received at t. type is a ticket type
 * code ("consult", "help", "suggest", "complaint", "report"); urgent tickets use
 * clock hours. Returns -1 for an unknown type or "praise" (never due). */
int64_t sla_close_due(const sla_t *self, const calendar_t *cal, const char *type, bool urgent, int64_t received_at);
/* The time limit of a (non-urgent) ticket type in working days; 0 for
 * praise and unknown types. */
int sla_close_workdays(const sla_t *self, const char *type);
/* Deadline for the unit to sign, counted from dispatch time t. */
int64_t sla_sign_due(const sla_t *self, const calendar_t *cal, bool urgent, int64_t t);
/* 差评 handling: contact the citizen within, and rectify within, working days of the rating at t. */
int64_t sla_contact_due(const sla_t *self, const calendar_t *cal, int64_t t);
int64_t sla_rectify_due(const sla_t *self, const calendar_t *cal, int64_t t);
/* A ticket with no rating this many seconds after the visit started counts as default_rating. */
int64_t sla_rating_wait(const sla_t *self);
int sla_default_rating(const sla_t *self);
/* Working days an approved extension adds to the close deadline (default 5).
 * They count from the working day the old deadline ends: the new deadline is
 * calendar_workdays_after(due - 1, n), i.e. 24:00 CST of the n-th working day
 * after the day whose end (or, for urgent tickets, whose clock time) is due. */
int sla_extension_workdays(const sla_t *self);
/* The close deadline due moved by one approved extension, as described above. */
int64_t sla_extend_due(const sla_t *self, const calendar_t *cal, int64_t due);

#endif
