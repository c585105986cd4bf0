/* fuzz_calendar: the two deadline data loaders, calendar_load_buf
 * (core/calendar.c) and sla_load_buf (core/sla.c), fed the same bytes, then
 * the deadline arithmetic over what loaded.
 * Invariants: a rejected file leaves the calendar or rule set exactly as it
 * was and says why; a loaded one loads again; a file a fresh calendar refuses
 * is refused on top of other data too; calendar_workdays_after(t, n) ends at
 * 24:00 CST of the n-th working day after t's day; work seconds never go
 * back in time; calendar_format parses back; every rule is in its range and
 * every deadline lies after its start (praise and unknown types: never due). */
#include "fuzz.h"
#include "calendar.h"
#include "rng.h"
#include "sla.h"
#include <stdbool.h>
#include <string.h>

/* Data loaded before the input, so a failed load has something to keep. */
static const char BASE[] = "2022-01-31\toff\t春节\n2022-01-29\twork\t春节调休上班\n"
                           "2022-10-01\toff\t国庆节\n2022-10-08\twork\t国庆节调休上班\n";
#define BASE_FROM 18980 /* 2021-12-19, CST day number */
#define BASE_DAYS 400
#define T_2022 1640966400 /* 2022-01-01 08:00 CST */

static void snapshot(const calendar_t *cal, bool out[BASE_DAYS])
{
    for (int i = 0; i < BASE_DAYS; i++) out[i] = calendar_is_workday(cal, BASE_FROM + i);
}

static void check_deadlines(const calendar_t *cal, uint64_t h)
{
    int64_t t = T_2022 + (int64_t)(h % (3u * 365 * CAL_DAY)) - 365 * CAL_DAY;
    for (int n = 1; n <= 3; n++) {
        int64_t due = calendar_workdays_after(cal, t, n);
        FUZZ_CHECK(due > t && (due + CAL_TZ_OFFSET) % CAL_DAY == 0);
        int64_t last = calendar_day_of(due - 1);
        FUZZ_CHECK(calendar_is_workday(cal, last));
        int count = 0;
        for (int64_t d = calendar_day_of(t) + 1; d <= last; d++) count += calendar_is_workday(cal, d);
        FUZZ_CHECK(count == n);
    }
    int64_t s = (int64_t)((h >> 20) % (20 * CAL_DAY));
    int64_t end = calendar_add_work_seconds(cal, t, s);
    FUZZ_CHECK(end >= t + (s > 0 ? 1 : 0) && calendar_is_workday(cal, calendar_day_of(end - (s > 0))));
    char buf[32];
    int64_t back = -1;
    FUZZ_CHECK(calendar_parse_time(calendar_format(t, buf, sizeof buf), &back) == 0 && back == t);
}

/* The rule values, as the getters and deadlines show them. */
typedef struct {
    int64_t v[12];
} rules_t;

static rules_t rules(const sla_t *sla, const calendar_t *cal, int64_t t)
{
    static const char *const types[] = {"consult", "help", "suggest", "complaint", "report"};
    rules_t r;
    for (int i = 0; i < 5; i++) r.v[i] = sla_close_due(sla, cal, types[i], false, t);
    r.v[5] = sla_close_due(sla, cal, "help", true, t);
    r.v[6] = sla_sign_due(sla, cal, false, t);
    r.v[7] = sla_sign_due(sla, cal, true, t);
    r.v[8] = sla_contact_due(sla, cal, t);
    r.v[9] = sla_rectify_due(sla, cal, t);
    r.v[10] = sla_rating_wait(sla) + 1000 * sla_default_rating(sla);
    r.v[11] = sla_extend_due(sla, cal, r.v[0]);
    return r;
}

static void check_rules(const sla_t *sla, const calendar_t *cal, int64_t t)
{
    rules_t r = rules(sla, cal, t);
    for (int i = 0; i < 10; i++) FUZZ_CHECK(r.v[i] > t);
    FUZZ_CHECK(r.v[5] > t && r.v[5] <= t + 8760 * 3600 && (r.v[5] - t) % 3600 == 0);
    FUZZ_CHECK(r.v[11] >= r.v[0]);
    FUZZ_CHECK(sla_default_rating(sla) >= 1 && sla_default_rating(sla) <= 5);
    FUZZ_CHECK(sla_rating_wait(sla) >= CAL_DAY && sla_rating_wait(sla) <= 365 * CAL_DAY);
    FUZZ_CHECK(sla_extension_workdays(sla) >= 1 && sla_extension_workdays(sla) <= 365);
    FUZZ_CHECK(sla_close_due(sla, cal, "praise", false, t) == -1 && sla_close_due(sla, cal, "x", true, t) == -1);
    FUZZ_CHECK(sla_close_due(sla, cal, NULL, false, t) == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char err[256] = "";
    uint64_t h = rng_hash(1469598103934665603ull, data, size);

    calendar_t *fresh = calendar_new();
    int rc_fresh = calendar_load_buf(fresh, buf, size, err, sizeof err);
    calendar_destroy(&fresh);

    calendar_t *cal = calendar_new();
    FUZZ_CHECK(calendar_load_buf(cal, BASE, sizeof BASE - 1, err, sizeof err) == 0);
    bool before[BASE_DAYS], after[BASE_DAYS];
    snapshot(cal, before);
    err[0] = '\0';
    int rc = calendar_load_buf(cal, buf, size, err, sizeof err);
    FUZZ_CHECK(rc_fresh == 0 || rc != 0);
    if (rc != 0) {
        FUZZ_CHECK(err[0] != '\0');
        snapshot(cal, after);
        FUZZ_CHECK(memcmp(before, after, sizeof before) == 0);
    } else {
        snapshot(cal, before);
        FUZZ_CHECK(calendar_load_buf(cal, buf, size, err, sizeof err) == 0); /* idempotent */
        snapshot(cal, after);
        FUZZ_CHECK(memcmp(before, after, sizeof before) == 0);
    }
    check_deadlines(cal, h);

    int64_t t = T_2022 + (int64_t)(h % (365u * CAL_DAY));
    sla_t *sla = sla_new();
    check_rules(sla, cal, t);
    rules_t old = rules(sla, cal, t);
    err[0] = '\0';
    if (sla_load_buf(sla, buf, size, err, sizeof err) != 0) {
        rules_t now = rules(sla, cal, t);
        FUZZ_CHECK(err[0] != '\0' && memcmp(&old, &now, sizeof now) == 0);
    } else {
        check_rules(sla, cal, t);
        rules_t now = rules(sla, cal, t);
        FUZZ_CHECK(sla_load_buf(sla, buf, size, err, sizeof err) == 0);
        rules_t again = rules(sla, cal, t);
        FUZZ_CHECK(memcmp(&again, &now, sizeof now) == 0);
    }
    sla_destroy(&sla);
    calendar_destroy(&cal);
    FUZZ_CHECK(sla == NULL && cal == NULL);
    return 0;
}
