/* Unit tests for core/rules: the edges of each rule, with the shipped 2022
 * calendar and the default rule values (schemas/sla.tsv). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "rules.h"

typedef struct {
    calendar_t *cal;
    sla_t *sla;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    char err[256];
    fx->cal = calendar_new();
    fx->sla = sla_new();
    if (calendar_load_dir(fx->cal, HOTLINE_SOURCE_DIR "/schemas/calendar", err, sizeof err) != 0 ||
        sla_load_file(fx->sla, HOTLINE_SOURCE_DIR "/schemas/sla.tsv", err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    calendar_destroy(&fx->cal);
    sla_destroy(&fx->sla);
    free(fx);
    return 0;
}

static int64_t t(const char *s)
{
    int64_t v;
    assert_int_equal(calendar_parse_time(s, &v), 0);
    return v;
}

/* 催办 one working day before (over a weekend: Friday's end for a Monday
 * deadline), two hours before an urgent one; 督办 at the deadline; 通报 three
 * working days after it, then every five. */
static void test_escalation_times(void **state)
{
    fx_t *fx = *state;
    int64_t due = t("2022-07-12"); /* 24:00 of Monday 2022-07-11 */
    assert_int_equal(rules_remind_at(fx->sla, fx->cal, due, false), t("2022-07-09") /* 24:00 Fri 07-08 */);
    assert_int_equal(rules_remind_at(fx->sla, fx->cal, t("2022-07-07T15:00"), true), t("2022-07-07T13:00"));
    assert_int_equal(rules_notify_at(fx->sla, fx->cal, due, 0), t("2022-07-15")); /* Tue, Wed, Thu */
    assert_int_equal(rules_notify_at(fx->sla, fx->cal, due, 1), t("2022-07-22"));
    int64_t at;
    lc_event_t ev;
    assert_true(rules_next_escalation(fx->sla, fx->cal, due, false, false, false, 0, &at, &ev));
    assert_int_equal(ev, EV_remind);
    assert_true(rules_next_escalation(fx->sla, fx->cal, due, false, true, false, 0, &at, &ev));
    assert_int_equal(ev, EV_overdue);
    assert_int_equal(at, due);
    assert_true(rules_next_escalation(fx->sla, fx->cal, due, false, true, true, 2, &at, &ev));
    assert_int_equal(ev, EV_notify);
    assert_int_equal(at, t("2022-07-29"));
    assert_false(rules_next_escalation(fx->sla, fx->cal, 0, false, false, false, 0, &at, &ev));
}

/* A return may be asked within one working day of dispatch, not after. */
static void test_return_window(void **state)
{
    fx_t *fx = *state;
    int64_t d = t("2022-07-08T10:00"); /* a Friday */
    assert_true(rules_return_in_window(fx->sla, fx->cal, d, d));
    assert_true(rules_return_in_window(fx->sla, fx->cal, d, t("2022-07-11T23:59")));  /* Monday: the next working day */
    assert_false(rules_return_in_window(fx->sla, fx->cal, d, t("2022-07-12T00:00:01")));
    assert_false(rules_return_in_window(fx->sla, fx->cal, d, d - 1));
}

/* An extension: before the deadline, once, at most the ticket's own limit, never urgent. */
static void test_extension(void **state)
{
    fx_t *fx = *state;
    char err[160];
    int64_t due = t("2022-07-20");
    assert_int_equal(rules_extend_check(fx->sla, false, 0, 15, due - 60, due, 5, err, sizeof err), 0);
    assert_int_equal(rules_extend_check(fx->sla, false, 0, 15, due + 1, due, 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "before the deadline"));
    assert_int_equal(rules_extend_check(fx->sla, false, 1, 15, due - 60, due, 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "extended 1 time already"));
    assert_int_equal(rules_extend_check(fx->sla, false, 0, 15, due - 60, due, 16, err, sizeof err), -1);
    assert_int_equal(rules_extend_check(fx->sla, true, 0, 15, due - 60, due, 1, err, sizeof err), -1);
    /* 3 working days after the day 07-19 ends: 20, 21, 22 -> 24:00 of 07-22 */
    assert_int_equal(rules_extend_due(fx->cal, due, 3), t("2022-07-23"));
}

/* A suspension stops the clock: across the 中秋 holiday (2022-09-10..12) only
 * the working time moves the deadline. */
static void test_suspension_across_holiday(void **state)
{
    fx_t *fx = *state;
    int64_t due = t("2022-09-20");                  /* 24:00 Mon 09-19 */
    int64_t from = t("2022-09-09T12:00"), to = t("2022-09-14T12:00");
    /* suspended: half of Fri 09-09, Tue 09-13 whole, half of Wed 09-14 = 2 working days */
    int64_t moved = rules_resume_due(fx->cal, due, from, to);
    assert_int_equal(moved, t("2022-09-22"));       /* Tue 20 and Wed 21 added */
    assert_int_equal(rules_resume_due(fx->cal, due, t("2022-09-10T08:00"), t("2022-09-12T20:00")), due); /* all holiday */
    /* 30 working days in all: 10 used, so 20 more from Fri 09-09 12:00 */
    int64_t until = rules_suspend_until(fx->sla, fx->cal, from, 10LL * CAL_DAY);
    assert_int_equal(calendar_work_seconds(fx->cal, from, until), 20LL * CAL_DAY);
}

/* A merge needs the window (72 h) and the similarity (60%). */
static void test_merge(void **state)
{
    fx_t *fx = *state;
    const char *a = "我们小区的电梯坏了三天，物业一直不修";
    const char *b = "我们小区的电梯坏了三天了，物业一直不来修";
    int sim = rules_similarity(a, b);
    assert_true(sim >= 60);
    assert_int_equal(rules_similarity(a, a), 100);
    assert_true(rules_similarity(a, "路灯不亮很久了") < 10);
    int64_t lead = t("2022-07-01T09:00");
    assert_true(rules_merges(fx->sla, lead, lead + 72 * 3600, sim));
    assert_false(rules_merges(fx->sla, lead, lead + 72 * 3600 + 1, sim));
    assert_false(rules_merges(fx->sla, lead, lead + 3600, 59));
    assert_true(rules_merges(fx->sla, lead, lead + 3600, 60));
    assert_false(rules_merges(fx->sla, lead, lead - 1, 100)); /* a lead comes first */
}

/* The lead closes once every co-unit reported or passed its deadline. */
static void test_cohandle(void **state)
{
    fx_t *fx = *state;
    int64_t d = t("2022-07-04T10:00"), close_due = t("2022-07-26");
    int64_t co_due = rules_cohandle_due(fx->sla, fx->cal, d, close_due);
    assert_int_equal(co_due, t("2022-07-12"));      /* 5 working days after Mon 07-04 */
    assert_int_equal(rules_cohandle_due(fx->sla, fx->cal, d, t("2022-07-07")), t("2022-07-07")); /* capped */
    int64_t done = t("2022-07-06T10:00");
    int64_t reported[2] = {t("2022-07-05T10:00"), 0}, due[2] = {co_due, co_due};
    assert_int_equal(rules_lead_close_at(done, reported, due, 2), co_due);   /* the silent one's deadline */
    reported[1] = t("2022-07-07T16:00");
    assert_int_equal(rules_lead_close_at(done, reported, due, 2), t("2022-07-07T16:00"));
    reported[1] = co_due + 3600;                                              /* reported past its deadline */
    assert_int_equal(rules_lead_close_at(done, reported, due, 2), co_due);
    assert_int_equal(rules_lead_close_at(done, NULL, NULL, 0), done);
}

/* 重办 once; a second one is refused. */
static void test_reopen(void **state)
{
    fx_t *fx = *state;
    assert_true(rules_reopen_allowed(fx->sla, 0));
    assert_false(rules_reopen_allowed(fx->sla, 1));
}

/* The rules file's co-units. */
static void test_cohandle_rules(void **state)
{
    fx_t *fx = *state;
    assert_string_equal(sla_cohandle(fx->sla, "city"), "street");
    assert_null(sla_cohandle(fx->sla, "labor"));
    char err[160];
    sla_t *s = sla_new();
    assert_int_equal(sla_load_buf(s, "cohandle.city\tunit.nowhere\n", 27, err, sizeof err), -1);
    assert_non_null(strstr(err, "cohandle.city"));
    assert_int_equal(sla_load_buf(s, "cohandle.transport\tunit.gongan\n", 31, err, sizeof err), 0);
    assert_string_equal(sla_cohandle(s, "transport"), "unit.gongan");
    sla_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escalation_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_return_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extension, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspension_across_holiday, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cohandle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cohandle_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
