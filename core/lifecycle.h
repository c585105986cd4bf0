/* lifecycle: the ticket state machine (schemas/lifecycle.def) as a lookup
 * table of state × event → next state and the stage to issue next. The broker
 * applies every transition through lc_next(); nothing else decides a state. */
#ifndef HOTLINE_LIFECYCLE_H
#define HOTLINE_LIFECYCLE_H
#include <stdbool.h>
#include <stddef.h>

#define LC_STATE(name, final, display) ST_##name,
#define LC_EVENT(name, display)
#define LC_RULE(s, e, n, a)
#define LC_ACT(a, s, e, w)
typedef enum {
#include "../schemas/lifecycle.def"
    ST__COUNT
} lc_state_t;
#undef LC_STATE
#undef LC_EVENT
#define LC_STATE(name, final, display)
#define LC_EVENT(name, display) EV_##name,
typedef enum {
#include "../schemas/lifecycle.def"
    EV__COUNT
} lc_event_t;
#undef LC_STATE
#undef LC_EVENT
#undef LC_RULE
#undef LC_ACT

typedef enum { ACT_NONE, ACT_CLASSIFY, ACT_DISPATCH, ACT_HANDLE, ACT_VISIT, ACT_DECIDE, ACT_RECTIFY, ACT_REVISIT, ACT_APPROVE } lc_action_t;

/* Looks up (state, event). Returns 0 with *next and *action set, or -1 when
 * the event is not allowed in that state. */
int lc_next(lc_state_t state, lc_event_t ev, lc_state_t *next, lc_action_t *action);
bool lc_is_final(lc_state_t s);
const char *lc_state_name(lc_state_t s);
const char *lc_state_display(lc_state_t s);
const char *lc_event_name(lc_event_t e);
const char *lc_event_display(lc_event_t e);
/* Name → code; -1 if unknown. */
int lc_state_parse(const char *name);
int lc_event_parse(const char *name);

/* People's actions (ticket.act): LC_ACT rows of schemas/lifecycle.def. */
typedef enum { LC_WHO_UNIT, LC_WHO_CENTRE, LC_WHO_COUNIT } lc_who_t;
/* The event that action records in state, and who may take it. 0, or -1
 * when the action is unknown, -2 when it is not allowed in that state. */
int lc_act(const char *action, lc_state_t state, lc_event_t *ev, lc_who_t *who);
/* The actions allowed in state, comma-separated ("sign, return"), or "none". */
const char *lc_act_allowed(lc_state_t state, char *buf, size_t len);
/* Every action name once, comma-separated. */
const char *lc_act_names(char *buf, size_t len);

#endif
