/* Unit tests for core/sla: the deadline rules applied with the shipped
 * 2022/2023 calendar, the built-in defaults against schemas/sla.tsv, overrides,
 * and rejection of bad rule files. Expected timestamps are literals computed by
 * hand (reasoning in comments) and are also checked in CST text form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "sla.h"

#define CAL_DIR HOTLINE_SOURCE_DIR "/schemas/calendar"
#define SLA_FILE HOTLINE_SOURCE_DIR "/schemas/sla.tsv"

typedef struct {
    calendar_t *cal;
    sla_t *sla;
} fixture_t;

static fixture_t fx;

/* Each test gets the shipped calendar and the shipped rules. */
static int setup(void **state)
{
    char err[256] = "";
    fx.cal = calendar_new();
    fx.sla = sla_new();
    if (calendar_load_dir(fx.cal, CAL_DIR, err, sizeof err) != 0 ||
        sla_load_file(fx.sla, SLA_FILE, err, sizeof err) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    calendar_destroy(&f->cal);
    sla_destroy(&f->sla);
    assert_null(f->sla);
    return 0;
}

static void assert_time(int64_t got, int64_t want, const char *want_text)
{
    char buf[32];
    assert_string_equal(calendar_format(got, buf, sizeof buf), want_text);
    assert_int_equal(got, want);
}

/* ---- defaults and the shipped file ---------------------------------------------- */

/* Samples every rule: a 2022-09-28 receipt (see the National Day test), urgent at
 * 2022-06-02 23:00, and the 差评 timers from 2022-06-02 20:00. */
static void sample(const sla_t *s, const calendar_t *cal, int64_t out[12])
{
    const char *types[] = {"consult", "help", "suggest", "complaint", "report"};
    for (int i = 0; i < 5; i++) out[i] = sla_close_due(s, cal, types[i], false, 1664330400);
    out[5] = sla_close_due(s, cal, "help", true, 1654182000);
    out[6] = sla_sign_due(s, cal, true, 1654182000);
    out[7] = sla_sign_due(s, cal, false, 1664524800);
    out[8] = sla_contact_due(s, cal, 1654171200);
    out[9] = sla_rectify_due(s, cal, 1654171200);
    out[10] = sla_rating_wait(s) * 10 + sla_default_rating(s);
    out[11] = sla_extension_workdays(s);
}

static void test_defaults_match_file(void **state)
{
    fixture_t *f = *state;
    sla_t *builtin = sla_new();
    assert_int_equal(sla_rating_wait(builtin), 7 * 86400);
    assert_int_equal(sla_default_rating(builtin), 3);
    assert_int_equal(sla_extension_workdays(builtin), 5);
    int64_t a[12], b[12];
    sample(builtin, f->cal, a);
    sample(f->sla, f->cal, b);
    for (int i = 0; i < 12; i++) assert_int_equal(a[i], b[i]);
    sla_destroy(&builtin);
    sla_destroy(&builtin); /* NULL is fine */
    sla_destroy(NULL);
}

/* ---- close deadlines in working days ---------------------------------------------- */

static void test_close_national_day_2022(void **state)
{
    fixture_t *f = *state;
    /* Complaint received Wed 2022-09-28 10:00, 15 working days strictly after:
     * Sep 29 (1), Sep 30 (2), [Oct 1–7 国庆 off], Sat Oct 8 (3, 调休), Sun Oct 9 (4, 调休),
     * Oct 10–14 (5–9), Oct 17–21 (10–14), Mon Oct 24 (15).
     * Due 24:00 Oct 24 = 2022-10-25 00:00 CST = 1666627200. 举报 has the same limit. */
    assert_time(sla_close_due(f->sla, f->cal, "complaint", false, 1664330400), 1666627200, "2022-10-25 00:00:00");
    assert_time(sla_close_due(f->sla, f->cal, "report", false, 1664330400), 1666627200, "2022-10-25 00:00:00");
    /* 求助/建议, 10 working days: ... Oct 10–14 (5–9), Mon Oct 17 (10).
     * Due 2022-10-18 00:00 CST = 1666022400. */
    assert_time(sla_close_due(f->sla, f->cal, "help", false, 1664330400), 1666022400, "2022-10-18 00:00:00");
    assert_time(sla_close_due(f->sla, f->cal, "suggest", false, 1664330400), 1666022400, "2022-10-18 00:00:00");
}

static void test_close_spring_festival(void **state)
{
    fixture_t *f = *state;
    /* 2022: complaint received Wed 2022-01-26 09:30. Jan 27 (1), Jan 28 (2),
     * Sat Jan 29 (3, 调休), Sun Jan 30 (4, 调休), [Jan 31–Feb 6 春节 off],
     * Feb 7–11 (5–9), Feb 14–18 (10–14), Mon Feb 21 (15).
     * Due 2022-02-22 00:00 CST = 1645459200. */
    assert_time(sla_close_due(f->sla, f->cal, "complaint", false, 1643160600), 1645459200, "2022-02-22 00:00:00");
    /* 2023: complaint received Thu 2023-01-19 14:00. Fri Jan 20 (1), [Jan 21–27 off],
     * Sat Jan 28 (2, 调休), Sun Jan 29 (3, 调休), Jan 30–Feb 3 (4–8), Feb 6–10 (9–13),
     * Mon Feb 13 (14), Tue Feb 14 (15). Due 2023-02-15 00:00 CST = 1676390400. */
    assert_time(sla_close_due(f->sla, f->cal, "complaint", false, 1674108000), 1676390400, "2023-02-15 00:00:00");
}

static void test_close_consult(void **state)
{
    fixture_t *f = *state;
    /* Consult received Sat 2022-03-05 15:00: the Saturday itself never counts;
     * Sun rests, Mon Mar 7 (1), Tue Mar 8 (2). Due 2022-03-09 00:00 CST = 1646755200. */
    assert_time(sla_close_due(f->sla, f->cal, "consult", false, 1646463600), 1646755200, "2022-03-09 00:00:00");
    /* Consult received Fri 2023-04-21 11:00: Sat Apr 22 rests, Sun Apr 23 (1, 劳动节
     * 调休), Mon Apr 24 (2). Due 2023-04-25 00:00 CST = 1682352000. */
    assert_time(sla_close_due(f->sla, f->cal, "consult", false, 1682046000), 1682352000, "2023-04-25 00:00:00");
    /* Consult received Fri 2022-09-30 16:00: Sat Oct 8 (1), Sun Oct 9 (2), both 调休.
     * Due 2022-10-10 00:00 CST = 1665331200. */
    assert_time(sla_close_due(f->sla, f->cal, "consult", false, 1664524800), 1665331200, "2022-10-10 00:00:00");
}

static void test_close_fallback_2030(void **state)
{
    fixture_t *f = *state;
    /* No 2030 data, plain Mon–Fri: complaint received Fri 2030-09-27 10:00:
     * Sep 30 (1), Oct 1–4 (2–5), Oct 7–11 (6–10), Oct 14–18 (11–15).
     * Due 2030-10-19 00:00 CST = 1918569600. */
    assert_time(sla_close_due(f->sla, f->cal, "complaint", false, 1916704800), 1918569600, "2030-10-19 00:00:00");
}

static void test_close_never_due(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(sla_close_due(f->sla, f->cal, "praise", false, 1664330400), -1);
    assert_int_equal(sla_close_due(f->sla, f->cal, "praise", true, 1664330400), -1);
    assert_int_equal(sla_close_due(f->sla, f->cal, "complain", false, 1664330400), -1);
    assert_int_equal(sla_close_due(f->sla, f->cal, "", true, 1664330400), -1);
    assert_int_equal(sla_close_due(f->sla, f->cal, NULL, false, 1664330400), -1);
}

/* ---- urgent clock hours and signing ---------------------------------------------- */

static void test_urgent_crosses_midnight(void **state)
{
    fixture_t *f = *state;
    /* Urgent received Thu 2022-06-02 23:00 CST (1654182000), the eve of 端午:
     * clock hours ignore the calendar. Close +24 h = Fri 2022-06-03 23:00 (a holiday)
     * = 1654268400; sign +2 h = 2022-06-03 01:00 = 1654189200. */
    assert_time(sla_close_due(f->sla, f->cal, "complaint", true, 1654182000), 1654268400, "2022-06-03 23:00:00");
    assert_time(sla_close_due(f->sla, f->cal, "consult", true, 1654182000), 1654268400, "2022-06-03 23:00:00");
    assert_time(sla_sign_due(f->sla, f->cal, true, 1654182000), 1654189200, "2022-06-03 01:00:00");
    /* Received Sat 2022-12-31 23:00 (元旦, across the year): close 2023-01-01 23:00
     * = 1672585200, sign 2023-01-01 01:00 = 1672506000. */
    assert_time(sla_close_due(f->sla, f->cal, "help", true, 1672498800), 1672585200, "2023-01-01 23:00:00");
    assert_time(sla_sign_due(f->sla, f->cal, true, 1672498800), 1672506000, "2023-01-01 01:00:00");
}

static void test_sign_workday(void **state)
{
    fixture_t *f = *state;
    /* Dispatched Fri 2022-09-30 16:00, sign within 1 working day: Oct 1–7 off,
     * Sat Oct 8 (1, 调休). Due 2022-10-09 00:00 CST = 1665244800. */
    assert_time(sla_sign_due(f->sla, f->cal, false, 1664524800), 1665244800, "2022-10-09 00:00:00");
}

static void test_bad_rating_timers(void **state)
{
    fixture_t *f = *state;
    /* 差评 at Thu 2022-06-02 20:00 (1654171200). Contact within 1 working day:
     * Jun 3 端午, Jun 4–5 weekend, Mon Jun 6 (1) -> 2022-06-07 00:00 = 1654531200.
     * Rectify within 5: Jun 6–10 -> 2022-06-11 00:00 = 1654876800. */
    assert_time(sla_contact_due(f->sla, f->cal, 1654171200), 1654531200, "2022-06-07 00:00:00");
    assert_time(sla_rectify_due(f->sla, f->cal, 1654171200), 1654876800, "2022-06-11 00:00:00");
    assert_int_equal(sla_rating_wait(f->sla), 604800);
    assert_int_equal(sla_default_rating(f->sla), 3);
}

/* ---- extension ------------------------------------------------------------------- */

static void test_extension(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(sla_extension_workdays(f->sla), 5);
    /* Complaint due 2022-10-25 00:00 (end of Mon Oct 24). due - 1 falls on Oct 24;
     * 5 working days after it: Oct 25–28 (1–4), Mon Oct 31 (5).
     * New due 2022-11-01 00:00 CST = 1667232000. */
    int64_t due = sla_close_due(f->sla, f->cal, "complaint", false, 1664330400);
    assert_time(sla_extend_due(f->sla, f->cal, due), 1667232000, "2022-11-01 00:00:00");
    assert_int_equal(sla_extend_due(f->sla, f->cal, due), calendar_workdays_after(f->cal, due - 1, 5));
    /* Consult received Thu 2022-09-29 10:00: Sep 30 (1), Sat Oct 8 (2) -> due
     * 2022-10-09 00:00. Extended: Sun Oct 9 (1, 调休), Oct 10–13 (2–5) ->
     * 2022-10-14 00:00 CST = 1665676800. */
    due = sla_close_due(f->sla, f->cal, "consult", false, 1664416800);
    assert_time(due, 1665244800, "2022-10-09 00:00:00");
    assert_time(sla_extend_due(f->sla, f->cal, due), 1665676800, "2022-10-14 00:00:00");
    /* Urgent due Fri 2022-06-03 23:00 (端午): counted from Jun 3, Jun 4–5 rest,
     * Jun 6–10 (1–5) -> 2022-06-11 00:00 CST = 1654876800. */
    due = sla_close_due(f->sla, f->cal, "complaint", true, 1654182000);
    assert_time(sla_extend_due(f->sla, f->cal, due), 1654876800, "2022-06-11 00:00:00");
}

/* ---- rule files ------------------------------------------------------------------ */

static void test_override(void **state)
{
    fixture_t *f = *state;
    char err[256] = "";
    const char *buf = "# stricter\nclose.workdays.consult\t\t3 # aligned\r\nrating.default\t4\n"
                      "extension.workdays\t10\nurgent.close.hours\t12";
    assert_int_equal(sla_load_buf(f->sla, buf, strlen(buf), err, sizeof err), 0);
    /* Sat 2022-03-05 15:00 + 3 working days: Mar 7, 8, 9 -> 2022-03-10 00:00 = 1646841600. */
    assert_time(sla_close_due(f->sla, f->cal, "consult", false, 1646463600), 1646841600, "2022-03-10 00:00:00");
    assert_time(sla_close_due(f->sla, f->cal, "consult", true, 1654182000), 1654225200, "2022-06-03 11:00:00");
    assert_int_equal(sla_default_rating(f->sla), 4);
    assert_int_equal(sla_extension_workdays(f->sla), 10);
    /* Keys not in the buffer keep their values. */
    assert_time(sla_close_due(f->sla, f->cal, "complaint", false, 1664330400), 1666627200, "2022-10-25 00:00:00");
}

static void expect_error(fixture_t *f, const char *buf, const char *needle)
{
    char err[256] = "";
    if (sla_load_buf(f->sla, buf, strlen(buf), err, sizeof err) != -1) fail_msg("accepted: %s", buf);
    if (!strstr(err, needle)) fail_msg("error \"%s\" lacks \"%s\"", err, needle);
    /* All or nothing: the valid first line (consult 9) was not applied. */
    assert_time(sla_close_due(f->sla, f->cal, "consult", false, 1646463600), 1646755200, "2022-03-09 00:00:00");
}

static void test_bad_files(void **state)
{
    fixture_t *f = *state;
    const char *ok = "close.workdays.consult\t9\n";
    char buf[256];
    struct { const char *line, *needle; } cases[] = {
        {"close.workdays.praise\t3", "line 3: unknown key \"close.workdays.praise\""},
        {"Close.workdays.consult\t3", "line 3: unknown key"},
        {"close.workdays.consult 3", "line 3: expected key<TAB>value"},
        {"close.workdays.help\t0", "line 3: close.workdays.help: bad value \"0\""},
        {"close.workdays.help\t-1", "line 3: close.workdays.help: bad value"},
        {"close.workdays.help\tabc", "line 3: close.workdays.help: bad value"},
        {"close.workdays.help\t2x", "line 3: close.workdays.help: bad value"},
        {"close.workdays.help\t 2", "line 3: close.workdays.help: bad value"},
        {"close.workdays.help\t", "line 3: expected key<TAB>value"},
        {"close.workdays.help\t99999999999999999999", "line 3: close.workdays.help: bad value"},
        {"rating.default\t6", "line 3: rating.default: bad value \"6\" (want an integer in 1..5)"},
        {"close.workdays.consult\t4", "line 3: close.workdays.consult already set on line 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(buf, sizeof buf, "%s# comment\n%s\n", ok, cases[i].line);
        expect_error(f, buf, cases[i].needle);
    }
    char err[256];
    assert_int_equal(sla_load_file(f->sla, "/nonexistent/sla.tsv", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/sla.tsv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_match_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_national_day_2022, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_spring_festival, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_consult, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_fallback_2030, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_never_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_urgent_crosses_midnight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_workday, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_rating_timers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extension, setup, teardown),
        cmocka_unit_test_setup_teardown(test_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
