/* rules: see header. */
#include "rules.h"
#include "errmsg.h"
#include <stdlib.h>
#include <string.h>

#define HOUR 3600

int64_t rules_remind_at(const sla_t *sla, const calendar_t *cal, int64_t due, bool urgent)
{
    if (urgent) return due - (int64_t)sla_rule(sla, SLA_REMIND_URGENT_HOURS) * HOUR;
    /* n working days before: walk back day by day over working days */
    int n = sla_rule(sla, SLA_REMIND_WORKDAYS);
    int64_t day = calendar_day_of(due - 1), back = 0;
    while (n > 0) {
        day--;
        back++;
        if (calendar_is_workday(cal, day)) n--;
    }
    return due - back * CAL_DAY;
}

int64_t rules_notify_at(const sla_t *sla, const calendar_t *cal, int64_t due, int k)
{
    int n = sla_rule(sla, SLA_NOTIFY_AFTER_WORKDAYS) + k * sla_rule(sla, SLA_NOTIFY_EVERY_WORKDAYS);
    return calendar_workdays_after(cal, due - 1, n);
}

bool rules_next_escalation(const sla_t *sla, const calendar_t *cal, int64_t due, bool urgent, bool reminded,
                           bool supervised, int notified, int64_t *at, lc_event_t *ev)
{
    if (!due) return false;
    if (!reminded) { *at = rules_remind_at(sla, cal, due, urgent); *ev = EV_remind; }
    else if (!supervised) { *at = due; *ev = EV_overdue; }
    else { *at = rules_notify_at(sla, cal, due, notified); *ev = EV_notify; }
    return true;
}

bool rules_return_in_window(const sla_t *sla, const calendar_t *cal, int64_t dispatched_at, int64_t at)
{
    return at >= dispatched_at && at <= calendar_workdays_after(cal, dispatched_at, sla_rule(sla, SLA_RETURN_WINDOW_WORKDAYS));
}

int rules_extend_check(const sla_t *sla, bool urgent, int granted, int limit_days, int64_t at, int64_t due, int days,
                       char *err, size_t errlen)
{
    if (urgent) return errmsg_set(err, errlen, "an urgent ticket cannot be extended");
    if (granted >= sla_rule(sla, SLA_EXTEND_MAX_COUNT))
        return errmsg_set(err, errlen, "this ticket was extended %d time%s already (at most %d)", granted,
                          granted == 1 ? "" : "s", sla_rule(sla, SLA_EXTEND_MAX_COUNT));
    if (!due || at > due) return errmsg_set(err, errlen, "an extension must be asked before the deadline");
    if (days < 1 || days > limit_days)
        return errmsg_set(err, errlen, "an extension is 1..%d working days (the ticket's own time limit)", limit_days);
    return 0;
}

int64_t rules_extend_due(const calendar_t *cal, int64_t due, int days)
{
    return calendar_workdays_after(cal, due - 1, days);
}

int64_t rules_resume_due(const calendar_t *cal, int64_t due, int64_t from, int64_t to)
{
    int64_t s = calendar_work_seconds(cal, from, to);
    return s > 0 ? calendar_add_work_seconds(cal, due, s) : due;
}

int64_t rules_suspend_until(const sla_t *sla, const calendar_t *cal, int64_t from, int64_t used_s)
{
    int64_t left = (int64_t)sla_rule(sla, SLA_SUSPEND_MAX_WORKDAYS) * CAL_DAY - used_s;
    return calendar_add_work_seconds(cal, from, left > 0 ? left : 0);
}

/* --- similarity --- */

/* The next character of s (its bytes), skipping spaces and ASCII punctuation. */
static const char *next_char(const char *s, size_t *len)
{
    while (*s && (unsigned char)*s < 0x80 && !((*s >= '0' && *s <= '9') || ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z'))) s++;
    if (!*s) return NULL;
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    for (size_t i = 1; i < n; i++)
        if (!s[i]) { n = i; break; }
    *len = n;
    return s;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct bigrams of s as sorted 64-bit keys (two characters of up to 4 bytes). */
static size_t bigrams(const char *s, uint64_t *out, size_t cap)
{
    size_t n = 0, la = 0, lb;
    const char *a = next_char(s, &la), *b;
    if (a && !next_char(a + la, &lb) && cap) { /* one character: its own pair */
        uint64_t k = 0;
        memcpy(&k, a, la);
        out[n++] = k;
    }
    while (a && (b = next_char(a + la, &lb)) && n < cap) {
        uint64_t k = 0;
        memcpy(&k, a, la);
        memcpy((char *)&k + 4, b, lb);
        out[n++] = k;
        a = b;
        la = lb;
    }
    qsort(out, n, sizeof *out, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || out[m - 1] != out[i]) out[m++] = out[i];
    return m;
}

int rules_similarity(const char *a, const char *b)
{
    size_t cap = TICKET_TEXT_MAX;
    uint64_t *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
    if (!x || !y) abort();
    size_t nx = bigrams(a, x, cap), ny = bigrams(b, y, cap), i = 0, j = 0, shared = 0;
    while (i < nx && j < ny) {
        if (x[i] == y[j]) { shared++; i++; j++; }
        else if (x[i] < y[j]) i++;
        else j++;
    }
    size_t all = nx + ny - shared;
    free(x);
    free(y);
    return all ? (int)(shared * 100 / all) : 0;
}

bool rules_merges(const sla_t *sla, int64_t lead_at, int64_t at, int similarity)
{
    return at >= lead_at && at - lead_at <= (int64_t)sla_rule(sla, SLA_MERGE_WINDOW_HOURS) * HOUR &&
           similarity >= sla_rule(sla, SLA_MERGE_JACCARD_PERCENT);
}

/* --- 联办 --- */

int64_t rules_cohandle_due(const sla_t *sla, const calendar_t *cal, int64_t dispatched_at, int64_t close_due)
{
    int64_t due = calendar_workdays_after(cal, dispatched_at, sla_rule(sla, SLA_COHANDLE_WORKDAYS));
    return close_due && due > close_due ? close_due : due;
}

int64_t rules_lead_close_at(int64_t done, const int64_t *reported, const int64_t *due, size_t n)
{
    int64_t at = done;
    for (size_t i = 0; i < n; i++) {
        int64_t part = reported[i] && reported[i] <= due[i] ? reported[i] : due[i];
        if (part > at) at = part;
    }
    return at;
}

bool rules_reopen_allowed(const sla_t *sla, int reopened) { return reopened < sla_rule(sla, SLA_REOPEN_MAX); }
