/* rules: the rules a 12345 centre is measured by beyond the deadlines of
 * core/sla.h, as pure functions of a ticket's times, the rule values
 * (schemas/sla.tsv) and the working-day calendar. The broker applies them to
 * workers' results and to people's actions alike; the unit tests pin their
 * edges (tests/unit/test_rules.c).
 *   - escalation: 催办 (remind) before a deadline, 督办 (supervise) at it,
 *     通报 (notify) after it and again at intervals while the ticket is open;
 *   - 退单: asked within a window after dispatch;
 *   - 延期: asked before the deadline, a limited number of times, for at most
 *     the ticket's own time limit;
 *   - 挂起: the clock stops; resuming moves the deadline by the working time
 *     suspended, up to a total;
 *   - 重复件: a repeat call merges into an open lead ticket when it comes soon
 *     enough and its text is similar enough;
 *   - 联办: a co-unit's own deadline, and when the lead unit may close;
 *   - 重办: how many times a ticket may be reopened. */
#ifndef HOTLINE_RULES_H
#define HOTLINE_RULES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calendar.h"
#include "lifecycle.h"
#include "sla.h"
#include "ticket.h"

/* --- escalation --- */
/* When the reminder of a deadline comes: remind.workdays working days before
 * it (the same clock time), or remind.urgent.hours before an urgent one. */
int64_t rules_remind_at(const sla_t *sla, const calendar_t *cal, int64_t due, bool urgent);
/* The k-th 通报 (k = 0, 1, ...): notify.after.workdays working days after the
 * deadline, then every notify.every.workdays. */
int64_t rules_notify_at(const sla_t *sla, const calendar_t *cal, int64_t due, int k);
/* The next escalation still due to a ticket with close deadline due, given
 * what it has had (reminded, supervised, notified so many times): its time
 * and event (EV_remind, EV_overdue, EV_notify). false if none (no deadline). */
bool rules_next_escalation(const sla_t *sla, const calendar_t *cal, int64_t due, bool urgent, bool reminded,
                           bool supervised, int notified, int64_t *at, lc_event_t *ev);

/* --- 退单 --- */
/* May a return be asked at `at` for a ticket dispatched at dispatched_at? */
bool rules_return_in_window(const sla_t *sla, const calendar_t *cal, int64_t dispatched_at, int64_t at);

/* --- 延期 --- */
/* Checks an extension request of `days` working days at `at` (0, or -1 with
 * err); limit_days is the ticket's own time limit (sla_close_workdays). */
int rules_extend_check(const sla_t *sla, bool urgent, int granted, int limit_days, int64_t at, int64_t due, int days,
                       char *err, size_t errlen);
/* The deadline moved by days working days (counted from the day it ends). */
int64_t rules_extend_due(const calendar_t *cal, int64_t due, int days);

/* --- 挂起 --- */
/* The deadline after a suspension from `from` to `to`: moved by the working
 * time in between. */
int64_t rules_resume_due(const calendar_t *cal, int64_t due, int64_t from, int64_t to);
/* The latest resume for a suspension starting at `from`, when used_s working
 * seconds were spent suspended before: the total may not pass
 * suspend.max.workdays. */
int64_t rules_suspend_until(const sla_t *sla, const calendar_t *cal, int64_t from, int64_t used_s);

/* --- 重复件 --- */
/* Character-bigram Jaccard similarity of two UTF-8 texts, in percent (0-100):
 * the shared distinct pairs of adjacent characters over all distinct pairs.
 * Spaces and ASCII punctuation are ignored; a text of one character is its
 * own single "pair". */
int rules_similarity(const char *a, const char *b);
/* Does a call received at `at` merge into a lead received at lead_at
 * (same caller and category already checked) with this similarity? */
bool rules_merges(const sla_t *sla, int64_t lead_at, int64_t at, int similarity);

/* --- 联办 --- */
/* A co-unit's deadline: cohandle.workdays after dispatch, not past the close deadline. */
int64_t rules_cohandle_due(const sla_t *sla, const calendar_t *cal, int64_t dispatched_at, int64_t close_due);
/* When the lead unit may close, having finished its own work at `done`: once
 * every co-unit has reported (reported[i], 0 = not yet) or passed its
 * deadline (due[i]). */
int64_t rules_lead_close_at(int64_t done, const int64_t *reported, const int64_t *due, size_t n);

/* --- 重办 --- */
bool rules_reopen_allowed(const sla_t *sla, int reopened);

#endif
