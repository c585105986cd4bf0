/* Unit tests for core/lifecycle: the state table built from
 * schemas/lifecycle.def. The test includes the same .def file to list the
 * rules independently of lifecycle.c, so every rule written there is checked
 * through lc_next(), and nothing else is allowed. Then the lifecycle's paths are
 * walked with their expected actions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lifecycle.h"

typedef struct {
    lc_state_t s;
    lc_event_t e;
    lc_state_t next;
    lc_action_t act;
} def_rule_t;

#define LC_STATE(name, final, display)
#define LC_EVENT(name, display)
#define LC_RULE(s, e, n, a) {ST_##s, EV_##e, ST_##n, ACT_##a},
static const def_rule_t DEF_RULES[] = {
#include "../../schemas/lifecycle.def"
};
#undef LC_STATE
#undef LC_RULE
#define LC_STATE(name, final, display) {ST_##name, final, #name, display},
#define LC_RULE(s, e, n, a)
static const struct { lc_state_t s; int final; const char *name, *display; } DEF_STATES[] = {
#include "../../schemas/lifecycle.def"
};
#undef LC_STATE
#undef LC_EVENT
#define LC_STATE(name, final, display)
#define LC_EVENT(name, display) {EV_##name, #name, display},
static const struct { lc_event_t e; const char *name, *display; } DEF_EVENTS[] = {
#include "../../schemas/lifecycle.def"
};
#undef LC_STATE
#undef LC_EVENT
#undef LC_RULE

#define N_RULES (sizeof DEF_RULES / sizeof DEF_RULES[0])

static void test_every_rule_reachable(void **state)
{
    assert_true(N_RULES >= 19);   /* the lifecycle needs at least the 19 rules of version 1 */
    for (size_t i = 0; i < N_RULES; i++) {
        lc_state_t next = ST__COUNT;
        lc_action_t act = (lc_action_t)-1;
        if (lc_next(DEF_RULES[i].s, DEF_RULES[i].e, &next, &act) != 0)
            fail_msg("rule %zu (%s + %s) not allowed", i, lc_state_name(DEF_RULES[i].s),
                     lc_event_name(DEF_RULES[i].e));
        assert_int_equal(next, DEF_RULES[i].next);
        assert_int_equal(act, DEF_RULES[i].act);
    }
}

/* The table holds the .def rules and nothing else (a duplicated rule in the
 * .def would silently override: the count catches it too). */
static void test_nothing_else_allowed(void **state)
{
    size_t allowed = 0;
    for (int s = 0; s < ST__COUNT; s++)
        for (int e = 0; e < EV__COUNT; e++) {
            lc_state_t next;
            lc_action_t act;
            if (lc_next((lc_state_t)s, (lc_event_t)e, &next, &act) != 0) continue;
            allowed++;
            bool listed = false;
            for (size_t i = 0; i < N_RULES; i++)
                if (DEF_RULES[i].s == (lc_state_t)s && DEF_RULES[i].e == (lc_event_t)e) listed = true;
            if (!listed) fail_msg("%s + %s allowed but not in lifecycle.def", lc_state_name(s), lc_event_name(e));
        }
    assert_int_equal(allowed, N_RULES);
}

static void expect_refused(lc_state_t s, lc_event_t e)
{
    lc_state_t next = ST__COUNT;
    lc_action_t act = ACT_REVISIT;
    if (lc_next(s, e, &next, &act) != -1) fail_msg("%s + %s was allowed", lc_state_name(s), lc_event_name(e));
    assert_int_equal(next, ST__COUNT);      /* outputs untouched */
    assert_int_equal(act, ACT_REVISIT);
}

static void test_disallowed_pairs(void **state)
{
    expect_refused(ST_CLOSED, EV_dispatched);
    expect_refused(ST_CLOSED, EV_overdue);        /* no 督办 once closed */
    expect_refused(ST_CLOSED, EV_closed);
    expect_refused(ST_RECEIVED, EV_closed);
    expect_refused(ST_RECEIVED, EV_signed);
    expect_refused(ST_DISPATCHED, EV_closed);     /* must sign before closing */
    expect_refused(ST_DISPATCHED, EV_dispatched);
    expect_refused(ST_SIGNED, EV_returned);       /* 退单 only before signing */
    expect_refused(ST_RETURNED, EV_signed);
    expect_refused(ST_RATED, EV_rated);
    expect_refused(ST_RECTIFYING, EV_revisited);  /* must rectify first */
    expect_refused(ST_RECTIFIED, EV_done);
    expect_refused(ST_RECEIVED, EV_received);     /* "received" is the insert, never a transition */
    for (int e = 0; e < EV__COUNT; e++) {
        expect_refused(ST_DONE, (lc_event_t)e);
        expect_refused(ST_ANSWERED, (lc_event_t)e);
        expect_refused(ST_PRAISE, (lc_event_t)e);
    }
    /* out-of-range codes */
    expect_refused(ST__COUNT, EV_classified);
    expect_refused(ST_RECEIVED, EV__COUNT);
    expect_refused((lc_state_t)-1, EV_classified);
    expect_refused(ST_RECEIVED, (lc_event_t)-1);
}

static void test_final_states(void **state)
{
    int finals = 0;
    for (int s = 0; s < ST__COUNT; s++) {
        bool want = s == ST_ANSWERED || s == ST_PRAISE || s == ST_DONE;
        if (lc_is_final((lc_state_t)s) != want) fail_msg("%s final=%d", lc_state_name(s), !want);
        finals += lc_is_final((lc_state_t)s);
    }
    assert_int_equal(finals, 3);
    assert_false(lc_is_final(ST__COUNT));
    assert_false(lc_is_final((lc_state_t)-1));
    /* the .def flags agree */
    for (size_t i = 0; i < sizeof DEF_STATES / sizeof DEF_STATES[0]; i++)
        assert_int_equal(lc_is_final(DEF_STATES[i].s), DEF_STATES[i].final);
}

/* Overdue (督办) is a flag event: allowed exactly while not yet closed, and it
 * never changes the state. */
static void test_overdue_before_close_only(void **state)
{
    int allowed = 0;
    for (int s = 0; s < ST__COUNT; s++) {
        lc_state_t next;
        lc_action_t act;
        if (lc_next((lc_state_t)s, EV_overdue, &next, &act) != 0) continue;
        allowed++;
        assert_int_equal(next, s);
        assert_int_equal(act, ACT_NONE);
        assert_true(s == ST_RECEIVED || s == ST_DISPATCHED || s == ST_RETURNED || s == ST_SIGNED || s == ST_RETURN_PENDING ||
                    s == ST_EXTEND_PENDING || s == ST_SUSPEND_PENDING); /* not once closed, nor while suspended */
    }
    assert_int_equal(allowed, 7);
}

static void test_names_round_trip(void **state)
{
    assert_int_equal(ST__COUNT, sizeof DEF_STATES / sizeof DEF_STATES[0]);
    assert_int_equal(EV__COUNT, sizeof DEF_EVENTS / sizeof DEF_EVENTS[0]);
    for (size_t i = 0; i < sizeof DEF_STATES / sizeof DEF_STATES[0]; i++) {
        assert_string_equal(lc_state_name(DEF_STATES[i].s), DEF_STATES[i].name);
        assert_string_equal(lc_state_display(DEF_STATES[i].s), DEF_STATES[i].display);
        assert_int_equal(lc_state_parse(DEF_STATES[i].name), DEF_STATES[i].s);
    }
    for (size_t i = 0; i < sizeof DEF_EVENTS / sizeof DEF_EVENTS[0]; i++) {
        assert_string_equal(lc_event_name(DEF_EVENTS[i].e), DEF_EVENTS[i].name);
        assert_string_equal(lc_event_display(DEF_EVENTS[i].e), DEF_EVENTS[i].display);
        assert_int_equal(lc_event_parse(DEF_EVENTS[i].name), DEF_EVENTS[i].e);
    }
    /* a few literal spellings: these names are stored in the database */
    assert_string_equal(lc_state_name(ST_RECEIVED), "RECEIVED");
    assert_string_equal(lc_state_name(ST_RECTIFYING), "RECTIFYING");
    assert_string_equal(lc_state_display(ST_DONE), "已完成");
    assert_string_equal(lc_event_name(EV_returned), "returned");
    assert_string_equal(lc_event_display(EV_overdue), "督办");
    assert_int_equal(lc_state_parse("DONE"), ST_DONE);
    assert_int_equal(lc_event_parse("rectified"), EV_rectified);
    /* unknown names and codes */
    assert_int_equal(lc_state_parse("done"), -1);       /* case matters */
    assert_int_equal(lc_state_parse(""), -1);
    assert_int_equal(lc_state_parse("RECEIVED "), -1);
    assert_int_equal(lc_event_parse("CLOSED"), -1);
    assert_int_equal(lc_event_parse("close"), -1);
    assert_string_equal(lc_state_name(ST__COUNT), "?");
    assert_string_equal(lc_state_display((lc_state_t)-1), "?");
    assert_string_equal(lc_event_name(EV__COUNT), "?");
    assert_string_equal(lc_event_display((lc_event_t)99), "?");
}

typedef struct {
    lc_event_t e;
    lc_state_t want;
    lc_action_t act;
} step_t;

static lc_state_t walk(lc_state_t s, const step_t *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        lc_state_t next;
        lc_action_t act;
        if (lc_next(s, steps[i].e, &next, &act) != 0)
            fail_msg("step %zu: %s + %s refused", i, lc_state_name(s), lc_event_name(steps[i].e));
        if (next != steps[i].want || act != steps[i].act)
            fail_msg("step %zu: %s + %s gave %s/%d, want %s/%d", i, lc_state_name(s), lc_event_name(steps[i].e),
                     lc_state_name(next), act, lc_state_name(steps[i].want), steps[i].act);
        s = next;
    }
    return s;
}

static void test_main_path(void **state)
{
    static const step_t path[] = {
        {EV_classified, ST_RECEIVED, ACT_DISPATCH},
        {EV_dispatched, ST_DISPATCHED, ACT_HANDLE},
        {EV_signed, ST_SIGNED, ACT_NONE},
        {EV_extended, ST_SIGNED, ACT_NONE},
        {EV_closed, ST_CLOSED, ACT_VISIT},
        {EV_rated, ST_RATED, ACT_DECIDE},
        {EV_done, ST_DONE, ACT_NONE},
    };
    assert_int_equal(walk(ST_RECEIVED, path, 7), ST_DONE);
    assert_true(lc_is_final(ST_DONE));
}

static void test_direct_answers(void **state)
{
    static const step_t answered[] = {{EV_classified, ST_RECEIVED, ACT_DISPATCH}, {EV_answered, ST_ANSWERED, ACT_NONE}};
    assert_int_equal(walk(ST_RECEIVED, answered, 2), ST_ANSWERED);
    static const step_t praise[] = {{EV_praise, ST_PRAISE, ACT_NONE}};
    assert_int_equal(walk(ST_RECEIVED, praise, 1), ST_PRAISE);
}

static void test_return_loop(void **state)
{
    /* 退单 twice, with a 督办 on the way, then handled and closed late */
    static const step_t path[] = {
        {EV_dispatched, ST_DISPATCHED, ACT_HANDLE},
        {EV_returned, ST_RETURNED, ACT_DISPATCH},
        {EV_dispatched, ST_DISPATCHED, ACT_HANDLE},
        {EV_overdue, ST_DISPATCHED, ACT_NONE},
        {EV_returned, ST_RETURNED, ACT_DISPATCH},
        {EV_overdue, ST_RETURNED, ACT_NONE},
        {EV_dispatched, ST_DISPATCHED, ACT_HANDLE},
        {EV_signed, ST_SIGNED, ACT_NONE},
        {EV_overdue, ST_SIGNED, ACT_NONE},
        {EV_closed, ST_CLOSED, ACT_VISIT},
    };
    assert_int_equal(walk(ST_RECEIVED, path, sizeof path / sizeof path[0]), ST_CLOSED);
}

static void test_bad_rating_path(void **state)
{
    /* 差评: RATED → RECTIFYING → RECTIFIED → DONE */
    static const step_t path[] = {
        {EV_rated, ST_RATED, ACT_DECIDE},
        {EV_rectify, ST_RECTIFYING, ACT_RECTIFY},
        {EV_contacted, ST_RECTIFYING, ACT_NONE},
        {EV_contacted, ST_RECTIFYING, ACT_NONE},
        {EV_rectified, ST_RECTIFIED, ACT_REVISIT},
        {EV_revisited, ST_DONE, ACT_NONE},
    };
    assert_int_equal(walk(ST_CLOSED, path, sizeof path / sizeof path[0]), ST_DONE);
}

/* Every state is reachable from RECEIVED, and every state can still reach a
 * final one: no orphan and no trap in the table. */
static void test_graph_closed(void **state)
{
    bool reach[ST__COUNT] = {false};
    reach[ST_RECEIVED] = true;
    for (int round = 0; round < ST__COUNT; round++)
        for (size_t i = 0; i < N_RULES; i++)
            if (reach[DEF_RULES[i].s]) reach[DEF_RULES[i].next] = true;
    for (int s = 0; s < ST__COUNT; s++)
        if (!reach[s]) fail_msg("%s unreachable from RECEIVED", lc_state_name(s));
    bool ends[ST__COUNT];
    for (int s = 0; s < ST__COUNT; s++) ends[s] = lc_is_final((lc_state_t)s);
    for (int round = 0; round < ST__COUNT; round++)
        for (size_t i = 0; i < N_RULES; i++)
            if (ends[DEF_RULES[i].next]) ends[DEF_RULES[i].s] = true;
    for (int s = 0; s < ST__COUNT; s++)
        if (!ends[s]) fail_msg("%s cannot reach a final state", lc_state_name(s));
}

/* Every person's action records an event its state allows, and the lists
 * name it; an unknown action or the wrong state is refused. */
#define LC_STATE(name, final, display)
#define LC_EVENT(name, display)
#define LC_RULE(s, e, n, a)
#define LC_ACT(a, s, e, w) {a, ST_##s, EV_##e},
static const struct { const char *name; lc_state_t s; lc_event_t e; } DEF_ACTS[] = {
#include "../../schemas/lifecycle.def"
};
#undef LC_STATE
#undef LC_EVENT
#undef LC_RULE
#undef LC_ACT

static void test_actions(void **state)
{
    (void)state;
    char buf[256];
    for (size_t i = 0; i < sizeof DEF_ACTS / sizeof *DEF_ACTS; i++) {
        lc_state_t next;
        lc_action_t act;
        lc_event_t ev;
        lc_who_t who;
        assert_int_equal(lc_next(DEF_ACTS[i].s, DEF_ACTS[i].e, &next, &act), 0);
        assert_int_equal(lc_act(DEF_ACTS[i].name, DEF_ACTS[i].s, &ev, &who), 0);
        assert_int_equal(ev, DEF_ACTS[i].e);
        assert_non_null(strstr(lc_act_allowed(DEF_ACTS[i].s, buf, sizeof buf), DEF_ACTS[i].name));
    }
    lc_event_t ev;
    lc_who_t who;
    assert_int_equal(lc_act("sign", ST_DISPATCHED, &ev, &who), 0);
    assert_int_equal(ev, EV_signed);
    assert_int_equal(who, LC_WHO_UNIT);
    assert_int_equal(lc_act("rate", ST_CLOSED, &ev, &who), 0);
    assert_int_equal(who, LC_WHO_CENTRE);
    assert_int_equal(lc_act("rate", ST_RECTIFIED, &ev, &who), 0);
    assert_int_equal(ev, EV_revisited);
    assert_int_equal(lc_act("return", ST_DISPATCHED, &ev, &who), 0);
    assert_int_equal(ev, EV_return_asked);                           /* a return is asked, the centre decides */
    assert_int_equal(lc_act("approve", ST_RETURN_PENDING, &ev, &who), 0);
    assert_int_equal(ev, EV_returned);
    assert_int_equal(who, LC_WHO_CENTRE);
    assert_int_equal(lc_act("sign", ST_SIGNED, &ev, &who), -2);      /* known, wrong state */
    assert_int_equal(lc_act("approve-all", ST_SIGNED, &ev, &who), -1); /* unknown */
    assert_string_equal(lc_act_allowed(ST_DISPATCHED, buf, sizeof buf), "sign, return, report");
    assert_string_equal(lc_act_allowed(ST_SIGNED, buf, sizeof buf), "close, extend, suspend, report");
    assert_string_equal(lc_act_allowed(ST_RETURN_PENDING, buf, sizeof buf), "approve, reject");
    assert_string_equal(lc_act_allowed(ST_CLOSED, buf, sizeof buf), "rate, unreachable, reopen");
    assert_string_equal(lc_act_allowed(ST_DONE, buf, sizeof buf), "none");
    assert_string_equal(lc_act_names(buf, sizeof buf),
                        "sign, close, rate, rectify, return, extend, suspend, resume, report, approve, reject, unreachable, "
                        "reopen, assign");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rule_reachable),
        cmocka_unit_test(test_nothing_else_allowed),
        cmocka_unit_test(test_disallowed_pairs),
        cmocka_unit_test(test_final_states),
        cmocka_unit_test(test_overdue_before_close_only),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_main_path),
        cmocka_unit_test(test_direct_answers),
        cmocka_unit_test(test_return_loop),
        cmocka_unit_test(test_bad_rating_path),
        cmocka_unit_test(test_graph_closed),
        cmocka_unit_test(test_actions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
