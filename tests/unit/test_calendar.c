/* Unit tests for core/calendar: the shipped 2022/2023 holiday data, working-day
 * deadline arithmetic, working-clock seconds, the Monday–Friday fallback,
 * rejection of malformed data, and CST parse/format.
 * Expected timestamps are literals computed by hand (reasoning in comments),
 * and each is also checked in its CST text form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"

#define CAL_DIR HOTLINE_SOURCE_DIR "/schemas/calendar"

static int setup(void **state)
{
    calendar_t *cal = calendar_new();
    char err[256] = "";
    if (calendar_load_dir(cal, CAL_DIR, err, sizeof err) != 0) {
        fprintf(stderr, "load %s: %s\n", CAL_DIR, err);
        calendar_destroy(&cal);
        return -1;
    }
    *state = cal;
    return 0;
}

static int teardown(void **state)
{
    calendar_t *cal = *state;
    calendar_destroy(&cal);
    assert_null(cal);
    return 0;
}

/* Checks t both as text (readable failures) and as the hand-computed number. */
static void assert_time(int64_t got, int64_t want, const char *want_text)
{
    char buf[32];
    assert_string_equal(calendar_format(got, buf, sizeof buf), want_text);
    assert_int_equal(got, want);
}

static int64_t T(const char *s)
{
    int64_t t = 0;
    assert_int_equal(calendar_parse_time(s, &t), 0);
    return t;
}

static int64_t D(const char *s)
{
    return calendar_day_of(T(s));
}

/* ---- CST text form ----------------------------------------------------------- */

static void test_parse_format(void **state)
{
    (void)state;
    int64_t t = 0;
    char buf[32];
    /* Unix 0 is 1970-01-01 00:00 UTC = 08:00 CST; CST midnight is 8 h earlier. */
    assert_string_equal(calendar_format(0, buf, sizeof buf), "1970-01-01 08:00:00");
    assert_string_equal(calendar_format(-1, buf, sizeof buf), "1970-01-01 07:59:59");
    assert_int_equal(calendar_parse_time("1970-01-01", &t), 0);
    assert_int_equal(t, -28800);
    /* 2022-10-01 00:00 CST = 2022-09-30 16:00 UTC = 19265 days * 86400 - 8 h. */
    assert_int_equal(calendar_parse_time("2022-10-01T00:00", &t), 0);
    assert_int_equal(t, 1664553600);
    assert_int_equal(calendar_parse_time("2022-10-01", &t), 0);
    assert_int_equal(t, 1664553600);
    /* Leap day, last second: 2024-02-29 23:59:59 CST. */
    assert_int_equal(calendar_parse_time("2024-02-29T23:59:59", &t), 0);
    assert_int_equal(t, 1709222399);
    assert_string_equal(calendar_format(t, buf, sizeof buf), "2024-02-29 23:59:59");
    assert_int_equal(calendar_parse_time("2024-02-29 23:59:59", &t), 0);
    assert_int_equal(t, 1709222399);
}

static void test_round_trip(void **state)
{
    (void)state;
    char buf[32];
    /* Steps of 9999 s from 1969 to ~2035 hit every hour, minute and second
     * pattern, month ends, leap days and negative Unix times. */
    for (int64_t t = -40000000; t < 2100000000; t += 9999) {
        int64_t back = -1;
        assert_int_equal(calendar_parse_time(calendar_format(t, buf, sizeof buf), &back), 0);
        assert_int_equal(back, t);
        assert_int_equal(calendar_day_start(calendar_day_of(t)) <= t, 1);
        assert_int_equal(t - calendar_day_start(calendar_day_of(t)) < CAL_DAY, 1);
    }
    /* Far dates still go through the civil algorithm correctly. */
    int64_t t;
    assert_int_equal(calendar_parse_time("0001-01-01T00:00:00", &t), 0);
    assert_string_equal(calendar_format(t, buf, sizeof buf), "0001-01-01 00:00:00");
    assert_int_equal(calendar_parse_time("9999-12-31T23:59:59", &t), 0);
    assert_string_equal(calendar_format(t, buf, sizeof buf), "9999-12-31 23:59:59");
}

static void test_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "2022", "2022-1-01", "2022-01-1", "2022-13-01", "2022-00-10", "2022-02-29", "2022-02-30",
        "2023-04-31", "2022-01-01T", "2022-01-01T24:00", "2022-01-01T23:60", "2022-01-01T23:59:60",
        "2022-01-01T1:00", "2022-01-01x", "2022-01-01T10:00Z", "2022-01-01T10:00:00+08", "２０２２-01-01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 42;
        if (calendar_parse_time(bad[i], &t) != -1) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(t, 42); /* untouched on error */
    }
    int64_t t;
    assert_int_equal(calendar_parse_time(NULL, &t), -1);
}

static void test_day_boundaries(void **state)
{
    (void)state;
    /* CST midnight, not UTC midnight, separates days: 2022-09-30 23:59:59 CST
     * is still 30 September; one second later is 1 October. */
    int64_t midnight = 1664553600; /* 2022-10-01 00:00 CST */
    assert_int_equal(calendar_day_of(midnight) - calendar_day_of(midnight - 1), 1);
    assert_int_equal(calendar_day_start(calendar_day_of(midnight)), midnight);
    assert_int_equal(calendar_day_of(-28800), 0);  /* 1970-01-01 00:00 CST */
    assert_int_equal(calendar_day_of(-28801), -1);
}

/* ---- shipped data ------------------------------------------------------------- */

static void test_tiaoxiu_days(void **state)
{
    calendar_t *cal = *state;
    /* Weekend days worked in exchange (调休) are working days. */
    const char *work[] = {"2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07",
                          "2022-10-08", "2022-10-09", "2023-01-28", "2023-01-29", "2023-04-23",
                          "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"};
    for (size_t i = 0; i < sizeof work / sizeof work[0]; i++)
        if (!calendar_is_workday(cal, D(work[i]))) fail_msg("%s should be a working day", work[i]);
    /* Holiday weekdays are rest days; 2022-12-31 comes from cn-2023.tsv. */
    const char *rest[] = {"2022-01-03", "2022-02-04", "2022-04-05", "2022-05-04", "2022-06-03",
                          "2022-09-12", "2022-10-03", "2022-10-07", "2022-12-31", "2023-01-02",
                          "2023-01-27", "2023-04-05", "2023-06-23", "2023-09-29", "2023-10-06"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        if (calendar_is_workday(cal, D(rest[i]))) fail_msg("%s should be a rest day", rest[i]);
    /* Ordinary days: a Wednesday works, a Saturday rests. */
    assert_true(calendar_is_workday(cal, D("2022-03-09")));
    assert_false(calendar_is_workday(cal, D("2022-03-05")));
}

/* Whole-year check of the data files against a hand count.
 * 2022 starts on a Saturday: 53 Saturdays + 52 Sundays, so 260 weekdays.
 * Holiday weekdays off: 元旦 Jan 3 (1), 春节 Jan 31–Feb 4 (5), 清明 Apr 4–5 (2),
 * 劳动 May 2–4 (3), 端午 Jun 3 (1), 中秋 Sep 12 (1), 国庆 Oct 3–7 (5) = 18.
 * 调休 weekends worked: Jan 29, 30, Apr 2, 24, May 7, Oct 8, 9 = 7.
 * 260 - 18 + 7 = 249.
 * 2023 starts on a Sunday: 53 Sundays + 52 Saturdays, so 260 weekdays.
 * Off: Jan 2 (1), Jan 23–27 (5), Apr 5 (1), May 1–3 (3), Jun 22–23 (2),
 * Sep 29 + Oct 2–6 (6) = 18. Worked: Jan 28, 29, Apr 23, May 6, Jun 25, Oct 7, 8
 * = 7. 260 - 18 + 7 = 249. */
static int count_workdays(const calendar_t *cal, const char *from, const char *to)
{
    int n = 0;
    for (int64_t d = D(from); d <= D(to); d++) n += calendar_is_workday(cal, d);
    return n;
}

static void test_year_counts(void **state)
{
    calendar_t *cal = *state;
    assert_int_equal(count_workdays(cal, "2022-01-01", "2022-12-31"), 249);
    assert_int_equal(count_workdays(cal, "2023-01-01", "2023-12-31"), 249);
    /* 2030 has no data: 2030-01-01 is a Tuesday, 365 days = 52 weeks + Tuesday,
     * so 52 * 5 + 1 = 261 plain weekdays. */
    assert_int_equal(count_workdays(cal, "2030-01-01", "2030-12-31"), 261);
}

/* ---- calendar_workdays_after --------------------------------------------------- */

static void test_workdays_national_day_2022(void **state)
{
    calendar_t *cal = *state;
    /* Received Wed 2022-09-28 10:00; 15 working days strictly after that day:
     * Sep 29 (1), Sep 30 (2), [Oct 1–7 off], Sat Oct 8 (3, 调休), Sun Oct 9 (4, 调休),
     * Oct 10–14 (5–9), Oct 17–21 (10–14), Mon Oct 24 (15).
     * Due 24:00 Oct 24 = 2022-10-25 00:00 CST = 1666627200.
     * (Plain Mon–Fri would give Oct 19 — the holiday data must matter.) */
    assert_time(calendar_workdays_after(cal, 1664330400, 15), 1666627200, "2022-10-25 00:00:00");
}

static void test_workdays_spring_festival(void **state)
{
    calendar_t *cal = *state;
    /* 2022: received Wed 2022-01-26 09:30. Jan 27 (1), Jan 28 (2), Sat Jan 29 (3, 调休),
     * Sun Jan 30 (4, 调休), [Jan 31–Feb 6 off], Feb 7–11 (5–9), Feb 14–18 (10–14),
     * Mon Feb 21 (15). Due 2022-02-22 00:00 CST = 1645459200. */
    assert_time(calendar_workdays_after(cal, 1643160600, 15), 1645459200, "2022-02-22 00:00:00");
    /* 2023: received Thu 2023-01-19 14:00. Fri Jan 20 (1), [Jan 21–27 off],
     * Sat Jan 28 (2, 调休), Sun Jan 29 (3, 调休), Jan 30–Feb 3 (4–8), Feb 6–10 (9–13),
     * Feb 13 (14), Tue Feb 14 (15). Due 2023-02-15 00:00 CST = 1676390400. */
    assert_time(calendar_workdays_after(cal, 1674108000, 15), 1676390400, "2023-02-15 00:00:00");
}

static void test_workdays_tiaoxiu_counted(void **state)
{
    calendar_t *cal = *state;
    /* Fri 2022-09-30 16:00, 2 working days: Sat Oct 8 (1), Sun Oct 9 (2).
     * Due 2022-10-10 00:00 CST = 1665331200. */
    assert_time(calendar_workdays_after(cal, 1664524800, 2), 1665331200, "2022-10-10 00:00:00");
    /* Fri 2023-04-21 11:00, 2 working days: Sat Apr 22 rests, Sun Apr 23 (1, 调休),
     * Mon Apr 24 (2). Due 2023-04-25 00:00 CST = 1682352000. */
    assert_time(calendar_workdays_after(cal, 1682046000, 2), 1682352000, "2023-04-25 00:00:00");
}

static void test_workdays_received_saturday(void **state)
{
    calendar_t *cal = *state;
    /* Sat 2022-03-05 15:00, 2 working days: Sun rests, Mon Mar 7 (1), Tue Mar 8 (2).
     * Due 2022-03-09 00:00 CST = 1646755200. */
    assert_time(calendar_workdays_after(cal, 1646463600, 2), 1646755200, "2022-03-09 00:00:00");
    /* The last second of a day and the first of the next count from different days. */
    int64_t fri_end = T("2022-03-04T23:59:59"), sat = T("2022-03-05");
    assert_time(calendar_workdays_after(cal, fri_end, 1), 1646668800, "2022-03-08 00:00:00");
    assert_time(calendar_workdays_after(cal, sat, 1), 1646668800, "2022-03-08 00:00:00");
}

static void test_fallback_2030(void **state)
{
    calendar_t *cal = *state;
    /* No 2030 data: National Day week is ordinary. Received Fri 2030-09-27 10:00:
     * Sep 30 (1), Oct 1–4 (2–5), Oct 7–11 (6–10), Oct 14–18 (11–15).
     * Due 24:00 Fri Oct 18 = 2030-10-19 00:00 CST = 1918569600. */
    assert_time(calendar_workdays_after(cal, 1916704800, 15), 1918569600, "2030-10-19 00:00:00");
    assert_true(calendar_is_workday(cal, D("2030-10-01")));   /* Tuesday */
    assert_false(calendar_is_workday(cal, D("2030-10-05")));  /* Saturday */
    /* An empty calendar is plain Mon–Fri everywhere, 2022 included. */
    calendar_t *empty = calendar_new();
    assert_true(calendar_is_workday(empty, D("2022-10-03")));
    assert_false(calendar_is_workday(empty, D("2022-10-08")));
    /* Received 2022-09-28: Sep 29, 30, Oct 3–7, 10–14, 17, 18, 19 -> Oct 19 ends. */
    assert_time(calendar_workdays_after(empty, 1664330400, 15), 1666195200, "2022-10-20 00:00:00");
    calendar_destroy(&empty);
    calendar_destroy(&empty); /* NULL is fine */
    calendar_destroy(NULL);
}

/* ---- calendar_add_work_seconds ---------------------------------------------------- */

static void test_add_work_seconds(void **state)
{
    calendar_t *cal = *state;
    /* Fri 2022-09-30 12:00 + 24 h of working time: 12 h left on Sep 30, Oct 1–7 are
     * skipped, 12 h more on Sat Oct 8 (调休). -> 2022-10-08 12:00 CST = 1665201600. */
    assert_time(calendar_add_work_seconds(cal, 1664510400, 24 * 3600), 1665201600, "2022-10-08 12:00:00");
    /* Exactly the 12 h left ends at 24:00 Sep 30, not pushed past the holiday. */
    assert_time(calendar_add_work_seconds(cal, 1664510400, 12 * 3600), 1664553600, "2022-10-01 00:00:00");
    /* Starting on a holiday (Mon 2022-10-03 09:00): the clock starts at 00:00 of
     * the next working day, Sat Oct 8; + 1 h -> 2022-10-08 01:00 CST = 1665162000. */
    assert_time(calendar_add_work_seconds(cal, 1664758800, 3600), 1665162000, "2022-10-08 01:00:00");
    assert_time(calendar_add_work_seconds(cal, 1664758800, 0), 1665158400, "2022-10-08 00:00:00");
    /* Fri 2022-01-28 00:00 + 3 days + 1 s: Jan 28, Sat 29, Sun 30 (调休) use 3 days,
     * Jan 31–Feb 6 are skipped, 1 s on Mon Feb 7 -> 1644163201. */
    assert_time(calendar_add_work_seconds(cal, 1643299200, 3 * CAL_DAY + 1), 1644163201, "2022-02-07 00:00:01");
    /* Zero seconds on a working day changes nothing. */
    assert_int_equal(calendar_add_work_seconds(cal, 1664510400, 0), 1664510400);
    /* A year of working time from 2022-01-01 00:00: 249 working days in 2022
     * end 24:00 of the last working day, Fri 2022-12-30 -> 2022-12-31 00:00 CST. */
    assert_time(calendar_add_work_seconds(cal, T("2022-01-01"), 249 * (int64_t)CAL_DAY), 1672416000,
                "2022-12-31 00:00:00");
}

/* ---- malformed data --------------------------------------------------------------- */

static void expect_load_error(const char *buf, const char *needle)
{
    calendar_t *cal = calendar_new();
    char err[256] = "";
    const char *good = "2022-03-08\toff\t测试\n";
    assert_int_equal(calendar_load_buf(cal, good, strlen(good), err, sizeof err), 0);
    assert_false(calendar_is_workday(cal, D("2022-03-08")));
    /* The bad buffer's first line would make Wed 2022-03-09 a rest day. */
    if (calendar_load_buf(cal, buf, strlen(buf), err, sizeof err) != -1) fail_msg("accepted: %s", buf);
    if (!strstr(err, needle)) fail_msg("error \"%s\" lacks \"%s\"", err, needle);
    assert_true(calendar_is_workday(cal, D("2022-03-09")));   /* unchanged */
    assert_false(calendar_is_workday(cal, D("2022-03-08")));  /* kept */
    calendar_destroy(&cal);
}

static void test_malformed_lines(void **state)
{
    (void)state;
    expect_load_error("2022-03-09\toff\tx\n# c\n2022-13-01\toff\tx\n", "line 3: bad date");
    expect_load_error("2022-03-09\toff\tx\n\n2022-02-30\toff\tx\n", "line 3: bad date \"2022-02-30\"");
    expect_load_error("2022-03-09\toff\tx\n2022-3-10\toff\tx\n", "line 2: bad date");
    expect_load_error("2022-03-09\toff\tx\n2022-03-10\tholiday\tx\n", "line 2: bad kind \"holiday\"");
    expect_load_error("2022-03-09\toff\tx\n2022-03-10\tOFF\tx\n", "line 2: bad kind");
    expect_load_error("2022-03-09\toff\tx\n2022-03-10\toff\n", "line 2: expected 3");
    expect_load_error("2022-03-09\toff\tx\n2022-03-10 off x\n", "line 2: expected 3");
    expect_load_error("2022-03-09\toff\tx\n2022-03-10\toff\tx\textra\n", "line 2: expected 3");
    expect_load_error("2022-03-09\toff\tx\n2022-03-10\twork\tx\n", "line 2: 2022-03-10 is a weekday");
    expect_load_error("2022-03-09\toff\tx\r\n2022-03-12\twork\tx\r\n2022-03-12\toff\tx\r\n",
                      "line 3: 2022-03-12 is already marked work");
    expect_load_error("2022-03-09\toff\tx\n1850-01-01\toff\tx\n", "line 2: year 1850");
    /* An embedded NUL is named by its line too. */
    calendar_t *cal = calendar_new();
    char err[128];
    const char nul[] = "2022-03-09\toff\tx\n2022-03-10\0\toff\tx\n";
    assert_int_equal(calendar_load_buf(cal, nul, sizeof nul - 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2"));
    assert_true(calendar_is_workday(cal, D("2022-03-09")));
    calendar_destroy(&cal);
}

static void test_load_files(void **state)
{
    (void)state;
    calendar_t *cal = calendar_new();
    char err[256] = "";
    /* Comments, blank lines, CRLF and a trailing comment are fine; reloading too. */
    const char *ok = "# header\r\n\r\n2022-03-09\toff\tx # why\r\n2022-03-12\twork\tx";
    assert_int_equal(calendar_load_buf(cal, ok, strlen(ok), err, sizeof err), 0);
    assert_int_equal(calendar_load_buf(cal, ok, strlen(ok), err, sizeof err), 0);
    assert_false(calendar_is_workday(cal, D("2022-03-09")));
    assert_true(calendar_is_workday(cal, D("2022-03-12")));
    /* A missing file or directory names the path. */
    assert_int_equal(calendar_load_file(cal, "/nonexistent/cn.tsv", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/cn.tsv"));
    assert_int_equal(calendar_load_dir(cal, "/nonexistent", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent"));
    /* A bad file in a directory fails the whole directory, naming file and line. */
    char dir[] = "/tmp/caltestXXXXXX";
    assert_non_null(mkdtemp(dir));
    char p1[64], p2[64];
    snprintf(p1, sizeof p1, "%s/a.tsv", dir);
    snprintf(p2, sizeof p2, "%s/b.tsv", dir);
    FILE *f = fopen(p1, "w");
    fputs("2022-03-14\toff\tx\n", f);
    fclose(f);
    f = fopen(p2, "w");
    fputs("# b\n2022-03-15\toff\tx\n2022-02-29\toff\tx\n", f);
    fclose(f);
    assert_int_equal(calendar_load_dir(cal, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "b.tsv: line 3: bad date"));
    assert_true(calendar_is_workday(cal, D("2022-03-14")));
    assert_int_equal(calendar_load_file(cal, p1, err, sizeof err), 0);
    assert_false(calendar_is_workday(cal, D("2022-03-14")));
    unlink(p1);
    unlink(p2);
    assert_int_equal(calendar_load_dir(cal, dir, err, sizeof err), -1); /* empty dir */
    assert_non_null(strstr(err, "no *.tsv"));
    rmdir(dir);
    calendar_destroy(&cal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_day_boundaries),
        cmocka_unit_test_setup_teardown(test_tiaoxiu_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_year_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workdays_national_day_2022, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workdays_spring_festival, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workdays_tiaoxiu_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workdays_received_saturday, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_2030, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_work_seconds, setup, teardown),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_load_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
