/* lifecycle: builds the state × event table from schemas/lifecycle.def. */
#include "lifecycle.h"
#include <stdio.h>
#include <string.h>

typedef struct { int valid; lc_state_t next; lc_action_t action; } rule_t;

#define LC_STATE(name, final, display) {#name, final, display},
#define LC_EVENT(name, display)
#define LC_RULE(s, e, n, a)
#define LC_ACT(a, s, e, w)
static const struct { const char *name; int final; const char *display; } STATES[] = {
#include "../schemas/lifecycle.def"
};
#undef LC_STATE
#undef LC_EVENT
#define LC_STATE(name, final, display)
#define LC_EVENT(name, display) {#name, display},
static const struct { const char *name, *display; } EVENTS[] = {
#include "../schemas/lifecycle.def"
};
#undef LC_EVENT
#undef LC_RULE
#define LC_EVENT(name, display)
#define LC_RULE(s, e, n, a) [ST_##s][EV_##e] = {1, ST_##n, ACT_##a},
static const rule_t RULES[ST__COUNT][EV__COUNT] = {
#include "../schemas/lifecycle.def"
};
#undef LC_STATE
#undef LC_EVENT
#undef LC_RULE
#undef LC_ACT
#define LC_STATE(name, final, display)
#define LC_EVENT(name, display)
#define LC_RULE(s, e, n, a)
#define LC_ACT(a, s, e, w) {a, ST_##s, EV_##e, LC_WHO_##w},
static const struct { const char *name; lc_state_t state; lc_event_t ev; lc_who_t who; } ACTS[] = {
#include "../schemas/lifecycle.def"
};
#undef LC_STATE
#undef LC_EVENT
#undef LC_RULE
#undef LC_ACT
#define N_ACTS (sizeof ACTS / sizeof *ACTS)

int lc_next(lc_state_t state, lc_event_t ev, lc_state_t *next, lc_action_t *action)
{
    if ((unsigned)state >= ST__COUNT || (unsigned)ev >= EV__COUNT) return -1;
    const rule_t *r = &RULES[state][ev];
    if (!r->valid) return -1;
    *next = r->next;
    *action = r->action;
    return 0;
}

bool lc_is_final(lc_state_t s) { return (unsigned)s < ST__COUNT && STATES[s].final; }
const char *lc_state_name(lc_state_t s) { return (unsigned)s < ST__COUNT ? STATES[s].name : "?"; }
const char *lc_state_display(lc_state_t s) { return (unsigned)s < ST__COUNT ? STATES[s].display : "?"; }
const char *lc_event_name(lc_event_t e) { return (unsigned)e < EV__COUNT ? EVENTS[e].name : "?"; }
const char *lc_event_display(lc_event_t e) { return (unsigned)e < EV__COUNT ? EVENTS[e].display : "?"; }

int lc_state_parse(const char *name)
{
    for (int i = 0; i < ST__COUNT; i++)
        if (strcmp(STATES[i].name, name) == 0) return i;
    return -1;
}

int lc_event_parse(const char *name)
{
    for (int i = 0; i < EV__COUNT; i++)
        if (strcmp(EVENTS[i].name, name) == 0) return i;
    return -1;
}

int lc_act(const char *action, lc_state_t state, lc_event_t *ev, lc_who_t *who)
{
    int rc = -1;
    for (size_t i = 0; i < N_ACTS; i++) {
        if (strcmp(ACTS[i].name, action) != 0) continue;
        rc = -2;
        if (ACTS[i].state != state) continue;
        *ev = ACTS[i].ev;
        *who = ACTS[i].who;
        return 0;
    }
    return rc;
}

/* Appends name to the comma-separated list in buf unless it is there. */
static void add_name(char *buf, size_t len, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = buf; (p = strstr(p, name)); p += n)
        if ((p == buf || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0')) return;
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

const char *lc_act_allowed(lc_state_t state, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < N_ACTS; i++)
        if (ACTS[i].state == state) add_name(buf, len, ACTS[i].name);
    if (!buf[0]) snprintf(buf, len, "none");
    return buf;
}

const char *lc_act_names(char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < N_ACTS; i++) add_name(buf, len, ACTS[i].name);
    return buf;
}
