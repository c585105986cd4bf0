/* stage: the stage table, the services' queues, and reading results. */
#include "stage.h"
#include "units.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TIME_SPAN_MAX (400LL * 86400) /* later times of a ticket: within 400 days (ticket_t's 32 bits) */

static bool needs_classify(const ticket_t *t) { return t->state == ST_RECEIVED && t->category == TICKET_NONE; }
static bool needs_dispatch(const ticket_t *t)
{
    return (t->state == ST_RECEIVED && t->category != TICKET_NONE) || t->state == ST_RETURNED;
}
static bool needs_handle(const ticket_t *t)
{
    return t->state == ST_DISPATCHED || t->state == ST_SIGNED || t->state == ST_SUSPENDED;
}
static bool needs_visit(const ticket_t *t) { return t->state == ST_CLOSED; }
static bool needs_decide(const ticket_t *t) { return t->state == ST_RATED; }
static bool needs_rectify(const ticket_t *t) { return t->state == ST_RECTIFYING; }
static bool needs_revisit(const ticket_t *t) { return t->state == ST_RECTIFIED; }
static bool needs_approve(const ticket_t *t)
{
    return t->state == ST_RETURN_PENDING || t->state == ST_EXTEND_PENDING || t->state == ST_SUSPEND_PENDING;
}

static const stage_t STAGES[] = {
    {ACT_CLASSIFY, "classify", stage_classify_service, needs_classify, 1, stage_classify_encode, stage_classify_apply, NULL},
    {ACT_DISPATCH, "dispatch", stage_dispatch_service, needs_dispatch, 5, stage_dispatch_encode, stage_dispatch_apply, NULL},
    {ACT_HANDLE, "handle", stage_unit_service, needs_handle, 4, stage_unit_encode, stage_handle_apply, NULL},
    {ACT_VISIT, "visit", stage_visit_service, needs_visit, 1, stage_visit_encode, stage_visit_apply, NULL},
    {ACT_DECIDE, "decide", NULL, needs_decide, 0, NULL, NULL, stage_decide_run},
    {ACT_RECTIFY, "rectify", stage_unit_service, needs_rectify, 4, stage_unit_encode, stage_rectify_apply, NULL},
    {ACT_REVISIT, "revisit", stage_visit_service, needs_revisit, 1, stage_visit_encode, stage_revisit_apply, NULL},
    {ACT_APPROVE, "approve", stage_centre_service, needs_approve, 4, stage_approve_encode, stage_approve_apply, NULL},
};
#define N_STAGES (sizeof STAGES / sizeof *STAGES)

const stage_t *stage_of(lc_action_t a)
{
    for (size_t i = 0; i < N_STAGES; i++)
        if (STAGES[i].action == a) return &STAGES[i];
    return NULL;
}

const stage_t *stage_resume(const ticket_t *t)
{
    for (size_t i = 0; i < N_STAGES; i++)
        if (STAGES[i].resumes(t)) return &STAGES[i];
    return NULL;
}

int stage_queue(const stage_t *s, const live_t *l) { return s && s->service ? s->service(l) : -1; }

/* --- services --- */

enum { SVC_CLASSIFY, SVC_DISPATCH, SVC_VISIT, SVC_CENTRE, SVC_UNIT0 };
static const char *const FIXED[] = {[SVC_CLASSIFY] = "classify", [SVC_DISPATCH] = "dispatch", [SVC_VISIT] = "visit",
                                    [SVC_CENTRE] = "centre"};

size_t stage_n_services(void)
{
    size_t n;
    units_all(&n);
    return SVC_UNIT0 + n;
}

const char *stage_service_name(int q)
{
    size_t n;
    const char *const *units = units_all(&n);
    if (q >= 0 && q < SVC_UNIT0) return FIXED[q];
    return q >= SVC_UNIT0 && (size_t)(q - SVC_UNIT0) < n ? units[q - SVC_UNIT0] : NULL;
}

int stage_service_index(const char *name)
{
    for (int q = 0; q < SVC_UNIT0; q++)
        if (strcmp(name, FIXED[q]) == 0) return q;
    int u = ticket_unit_index(name);
    return u < 0 ? -1 : SVC_UNIT0 + u;
}

int stage_classify_service(const live_t *l) { (void)l; return SVC_CLASSIFY; }
int stage_dispatch_service(const live_t *l) { (void)l; return SVC_DISPATCH; }
int stage_visit_service(const live_t *l) { (void)l; return SVC_VISIT; }
int stage_centre_service(const live_t *l) { (void)l; return SVC_CENTRE; }
int stage_unit_service(const live_t *l) { return l->t.unit == TICKET_NONE ? -1 : SVC_UNIT0 + l->t.unit; }

/* --- reading results --- */

int stage_refuse(stage_result_t *r, const char *msg)
{
    if (!r->bad) snprintf(r->err, sizeof r->err, "%s", msg);
    r->bad = true;
    return -1;
}

int64_t stage_need_int(stage_result_t *r, const char *key)
{
    int64_t v = 0;
    if (!r->bad && wire_get_int(r->o, key, &v, r->err, sizeof r->err) != 0) {
        if (!r->err[0]) snprintf(r->err, sizeof r->err, "field '%s' is required", key);
        r->bad = true;
    }
    return v;
}

int64_t stage_opt_int(stage_result_t *r, const char *key)
{
    int64_t v = 0;
    if (!r->bad && wire_get_int(r->o, key, &v, r->err, sizeof r->err) < 0) r->bad = true;
    return v;
}

uint8_t stage_opt_code(stage_result_t *r, const char *key, int (*index)(const char *))
{
    char buf[64];
    int rc = r->bad ? 1 : wire_copy_str(r->o, key, buf, sizeof buf, r->err, sizeof r->err);
    if (rc < 0) { r->bad = true; return TICKET_NONE; }
    if (rc > 0) return TICKET_NONE;
    int i = index(buf);
    if (i < 0) {
        snprintf(r->err, sizeof r->err, "field '%s' holds an unknown code '%s'", key, buf);
        r->bad = true;
        return TICKET_NONE;
    }
    return (uint8_t)i;
}

void stage_check_time(stage_result_t *r, int64_t at, const char *what)
{
    if (!r->bad && (at < r->l->t.received_at || at > r->l->t.received_at + TIME_SPAN_MAX)) {
        snprintf(r->err, sizeof r->err, "time '%s' is outside the ticket's plausible span", what);
        r->bad = true;
    }
}
