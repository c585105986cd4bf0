/* hotline-report: reads the store READ-ONLY and prints the report figures,
 * the comparison with a scenario's published figures (as a table, CSV, JSON
 * or a self-contained HTML page with charts), the late tickets, per-ticket
 * outcomes, or an integrity check. The last step of a ticket's path: nothing
 * here writes. Figures come from report_query (and report_sla, report_late),
 * output from report_format; this file only parses options, resolves the
 * period and maps errors to sysexits. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "calendar.h"
#include "db.h"
#include "log.h"
#include "report_format.h"
#include "report_html.h"
#include "report_late.h"
#include "report_output.h"
#include "report_query.h"
#include "report_rank.h"
#include "report_sla.h"
#include "scenario.h"
#include "ticket.h"
#include "xmalloc.h"

static const char USAGE[] =
    "usage: hotline-report --db STORE [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "                      [--by month|type|unit|street|centre] [--format table|csv|json]\n"
    "                      [--compare SCENARIO] [--bom] [--output FILE]\n"
    "       hotline-report --db STORE [--from DATE] [--to DATE] --format html\n"
    "                      [--compare SCENARIO] [--output FILE]\n"
    "       hotline-report --db STORE --late [--from DATE] [--to DATE]\n"
    "                      [--format table|csv|json] [--bom] [--output FILE]\n"
    "       hotline-report --db STORE --rank [--from DATE] [--to DATE]\n"
    "                      [--format table|csv|json] [--bom] [--output FILE]\n"
    "       hotline-report --db STORE --outcomes [--bom] [--output FILE]\n"
    "       hotline-report --db STORE --check\n"
    "       hotline-report --db STORE --backup DEST\n"
    "  (each form also takes --centre CODE[,CODE...]|all)\n";

static const char HELP[] =
    "\n"
    "Reads a hotline store (read-only) and prints the service\n"
    "figures for a period, the SLA figures per unit, the units ranked, or the\n"
    "late tickets.\n"
    "\n"
    "  --db STORE        the store written by hotline-broker (required): its\n"
    "                    SQLite file, or its PostgreSQL database as a\n"
    "                    postgresql:// URI or libpq key=value string (a password\n"
    "                    comes from PGPASSWORD or a password file, never here)\n"
    "  --centre LIST     the centres to read: one code, several (comma-separated),\n"
    "                    or all (default). A SQLite store holds one centre; a\n"
    "                    PostgreSQL database may hold a province, each centre in\n"
    "                    its schema centre_CODE. Several centres are reported as\n"
    "                    one (their sums); --by centre shows each. --outcomes\n"
    "                    wants one centre; --check checks each; --backup copies\n"
    "                    the whole database, or with --centre those centres only.\n"
    "                    Every report also runs on a hot standby (read-only)\n"
    "  --from DATE       first day of the period, inclusive (CST)\n"
    "  --to DATE         last day of the period, inclusive (CST); --to 2022-12-31\n"
    "                    ends at 2023-01-01 00:00 CST. Default period: the CST days\n"
    "                    of the first and the last received_at in the store.\n"
    "  --by KEY          also per group: month (every month of the period; each\n"
    "                    figure by its own time column, CST; open_at_end at the\n"
    "                    month's end), type, unit (with its display name and the\n"
    "                    SLA figures below), street, centre\n"
    "  --format F        table (default), csv, json, or html: one self-contained\n"
    "                    page (inline CSS and SVG charts, no script, no URL)\n"
    "                    with the figures, charts by month and by unit, and the\n"
    "                    --compare table; it does its own grouping (no --by)\n"
    "  --bom             start CSV output with a UTF-8 BOM (for Excel)\n"
    "  --output FILE     write to FILE instead of standard output; a regular\n"
    "                    FILE is replaced only when the report succeeds\n"
    "  --compare SCEN    compare with the [published] figures of scenario SCEN (a\n"
    "                    name or a .scn path); default period: the scenario's\n"
    "  --late            every late ticket of the period, latest first (see below);\n"
    "                    takes --from, --to, --format table|csv|json, --bom, --output\n"
    "  --rank            the units ranked by on-time rate, 督办 and return rate (see\n"
    "                    below); takes --from, --to, --format table|csv|json, --bom,\n"
    "                    --output\n"
    "  --outcomes        one CSV line per ticket, in id order (see below)\n"
    "  --check           prints \"ok\" or the problems: SQLite's PRAGMA\n"
    "                    integrity_check; on PostgreSQL, hotline's own invariants\n"
    "                    (every event's ticket, every ticket's text and received\n"
    "                    event, the small roll-up equal to the large one's sums)\n"
    "  --backup DEST     write a consistent copy of the store to the new file DEST,\n"
    "                    safe while the broker runs (SQLite online backup; on\n"
    "                    PostgreSQL, pg_dump's custom format: pg_restore reads it)\n"
    "  -h, --help        this text\n"
    "  -V, --version     the version\n"
    "\n"
    "Figures: received closed on_time_rate urgent_received urgent_closed\n"
    "  direct_answered direct_answered_rate praise rated satisfied_rate\n"
    "  satisfied_rate_strict bad_ratings bad_rectified bad_rectified_rate overdue\n"
    "  open_at_end kb_updates, then the rules' figures: returns returns_approved\n"
    "  extensions suspensions merged co_handled reminders notifications\n"
    "  unreachable reopened manual_dispatch first_dispatch_accuracy (29 in all).\n"
    "  open_at_end: received and not first closed by the period's end; praise\n"
    "  calls and repeat calls merged into another ticket never open. A merged\n"
    "  call is received but never closed or rated itself (its lead is), so it is\n"
    "  in no on-time or satisfaction rate.\n"
    "  Rates are fractions 0..1 in CSV and JSON and percentages in the table; a\n"
    "  rate with nothing to divide by is null in JSON and \"-\" in table and CSV.\n"
    "  kb_updates is \"-\"/null in type and street groups.\n"
    "  Knowledge-base entries whose unit is \"street\" (community matters, answered\n"
    "  by each street office) count in --by unit under key unit.street.*, named\n"
    "  各街道办事处, after the units; they are no unit of their own.\n"
    "\n"
    "The rules' figures, each counted on the day of its event, under the unit\n"
    "  responsible at that moment:\n"
    "    returns        退单申请: returns asked by a unit\n"
    "    returns_approved  退单批准: returns the centre approved (under the unit\n"
    "                   that returned the ticket)\n"
    "    extensions     延期: extensions granted (the deadline moves)\n"
    "    suspensions    挂起: suspensions granted (the clock stops)\n"
    "    merged         重复件合并: repeat calls merged into an open ticket of the\n"
    "                   same caller, on the day received\n"
    "    co_handled     联办工单: tickets first dispatched with co-units, under the\n"
    "                   lead unit\n"
    "    reminders      催办: reminders sent before a deadline\n"
    "    notifications  通报: notices sent after a deadline passed (督办 is overdue)\n"
    "    unreachable    回访未接通: follow-up visits that never reached the caller\n"
    "                   (the default rating applied), by the rating's time\n"
    "    reopened       重办: closed tickets reopened for the same unit\n"
    "    manual_dispatch  人工派单: tickets the centre assigned to a unit by hand\n"
    "    first_dispatch_accuracy  一次派单准确率 = 1 - first dispatches returned\n"
    "                   (approved) / first dispatches, under the unit dispatched to;\n"
    "                   \"-\"/null without first dispatches\n"
    "  A store written before these rules (schema version 3 or older) has no\n"
    "  such counts: they are \"-\"/null.\n"
    "\n"
    "SLA figures, with --by unit only (per unit and in the total row, after the\n"
    "  first 17 figures, before the rules' figures, so that the columns of\n"
    "  earlier versions keep their places; never with another --by or without\n"
    "  --by):\n"
    "    dispatched     dispatch events in the period (by event time), under the\n"
    "                   unit dispatched to; a re-dispatch after a 退单 counts\n"
    "                   again, for the new unit (人工派单 are manual_dispatch)\n"
    "    signed_late    signings after the sign deadline in the period (signing\n"
    "                   events marked \"signed late\", by event time), under the\n"
    "                   signing unit\n"
    "    overdue_now    tickets open at now whose close deadline (close_due) is\n"
    "                   before now\n"
    "    closed_late    first closes in the period after the deadline (on_time 0,\n"
    "                   by closed_at) = closed - closed on time\n"
    "    median_close_workdays  median working time from received_at to the first\n"
    "                   close, in working days, of the tickets first closed in the\n"
    "                   period, direct answers excluded; an even count takes the\n"
    "                   mean of the middle two; \"-\"/null when there are none\n"
    "    aged_0_1 aged_1_3 aged_3_5 aged_5_10 aged_10_plus  tickets open at now by\n"
    "                   working days since received_at: [0,1) [1,3) [3,5) [5,10)\n"
    "                   [10,inf); with now at the period's end they add up to\n"
    "                   open_at_end\n"
    "  now: the end of the period, or the time of the report if that is earlier\n"
    "  (a live store whose period ends tonight). Open at now: received before\n"
    "  now, not a praise call, not first closed (or answered) before now, and if\n"
    "  never closed not in a final state (ANSWERED, PRAISE, DONE) nor merged into\n"
    "  another ticket (MERGED); counted under the ticket's current unit. Working time: whole CST working days (Monday to\n"
    "  Friday, minus public holidays, plus the weekend days worked in exchange;\n"
    "  the calendar files in the data directory's calendar/); one working day =\n"
    "  86400 working seconds, a rest day counts nothing.\n"
    "\n"
    "JSON: one object with \"from\" and \"to\" (dates) and the figure keys at the\n"
    "  top level; with --by also \"groups\": [{\"key\", \"name\", <figures>}, ...]\n"
    "  (\"key\" is null, \"-\" in table and CSV, for tickets without that\n"
    "  attribute, e.g. not yet dispatched to a unit).\n"
    "CSV: a header line, then one row per group and a row with key \"total\"\n"
    "  (the only row without --by). Columns:\n"
    "    key      group key: month YYYY-MM, type code (consult help complaint\n"
    "             report suggest praise), unit service (unit.chengguan,\n"
    "             unit.street.jinxia, ...) or street code; \"-\" when absent;\n"
    "             \"total\" for the total row\n"
    "    name     display name (2022年01月, 投诉, 区城市管理和综合执法局, 金霞;\n"
    "             （未指定） when absent; 合计 for the total)\n"
    "    then the 29 figures in the order above, one column each named by\n"
    "    its key: counts as integers, rates as fractions 0..1 (up to 10\n"
    "    significant digits), \"-\" when there is no value; with --by unit\n"
    "    the 10 SLA figures come after kb_updates, before returns, the median\n"
    "    in working days (up to 10 significant digits; 2 decimals in the\n"
    "    table). JSON objects keep the same order.\n"
    "  UTF-8 without BOM unless --bom (Excel needs it to read the Chinese).\n"
    "--compare (CSV): columns figure,published,measured,diff; diff = measured -\n"
    "  published, rates in percentage points (a published rate above 1 is read\n"
    "  as a percentage). JSON: {\"scenario\", \"from\", \"to\",\n"
    "  \"rows\": [{\"figure\", \"published\", \"measured\", \"diff\"}]}.\n"
    "--late: one row per late ticket: first closed in the period after its\n"
    "  deadline (on_time 0), or open at now (see SLA figures) past close_due.\n"
    "  Columns id,unit,type,close_due,closed_at,late_work_hours (with several\n"
    "  centres read together, centre first: an id can repeat): times CST,\n"
    "  closed_at \"open\" for an open ticket; late_work_hours = working seconds\n"
    "  from close_due to closed_at (to now if open) / 3600, one decimal. Sorted\n"
    "  by lateness, largest first, then by id and centre. JSON: {\"from\", \"to\", \"now\",\n"
    "  \"rows\": [{<columns>}]}; the table starts with the period, now and counts.\n"
    "--rank: one row per unit with tickets received, dispatched or closed in the\n"
    "  period (or any other count below). Columns rank,unit,name,dispatched,\n"
    "  closed,on_time_rate,overdue,notifications,returns,returns_approved,\n"
    "  return_rate,reopened:\n"
    "    dispatched     dispatches to the unit in the period, by event time:\n"
    "                   first dispatches, re-dispatches after a 退单, and 人工派单\n"
    "    closed         the unit's first closes in the period; consultations\n"
    "                   answered from the knowledge base are the centre's, not\n"
    "                   the unit's, and left out\n"
    "    on_time_rate   of those, closed on time / closed\n"
    "    overdue notifications returns returns_approved reopened  as above\n"
    "    return_rate    returns / dispatched\n"
    "  Order: on_time_rate, highest first; then overdue (督办), fewest first;\n"
    "  then return_rate, lowest first. A unit without closes or without\n"
    "  dispatches has no such rate and comes after those with one. Units equal\n"
    "  on all three share a rank (1, 1, 3); among them the units' own order.\n"
    "  Rates as fractions in CSV and JSON, percentages in the table. JSON:\n"
    "  {\"from\", \"to\", \"rows\": [{<columns>}]}.\n"
    "--outcomes: columns id,state,unit,received_at,closed_at,on_time,rating,\n"
    "  close_due,late_work_hours; times \"YYYY-MM-DD HH:MM:SS\" CST; on_time 1/0;\n"
    "  empty when not set. close_due: the final close deadline (after any\n"
    "  extension). late_work_hours (one decimal), empty when on time or never\n"
    "  due: closed late, the working hours from close_due to closed_at; still\n"
    "  open (no close, state not final) past close_due, the working hours from\n"
    "  close_due to the store's last event time, never the clock, so the same\n"
    "  store always gives the same file.\n"
    "CSV follows RFC 4180 quoting, with LF line ends.\n"
    "HTML: <svg data-chart=...> monthly-volume, monthly-on-time, monthly-urgent,\n"
    "  monthly-backlog, open-aging (open tickets at now by the aged_* buckets),\n"
    "  unit-satisfaction (units with the most tickets received first); each\n"
    "  plotted value carries data-value (rates as fractions) and a tooltip. A\n"
    "  month with nothing received, closed, rated, overdue or open has no value\n"
    "  and no axis label. Then the units ranked as by --rank (<table\n"
    "  class=\"rank\">), and the late tickets of --late: the 50 latest, and\n"
    "  how many more. Chinese text needs a CJK font on the viewing machine\n"
    "  (Debian: fonts-noto-cjk).\n"
    "\n"
    "Exit status: 0 ok, 64 usage, 65 data error (not a store, wrong schema\n"
    "  version, integrity problems), 66 store or scenario missing, 70 internal\n"
    "  error, 73 cannot create --output, 74 output error, 75 store busy.\n";

typedef enum { MODE_FIGURES, MODE_OUTCOMES, MODE_LATE, MODE_RANK, MODE_CHECK, MODE_BACKUP } run_mode_t;

typedef struct {
    const char *db, *from, *to, *compare, *output, *backup, *centres;
    report_by_t by;
    fmt_kind_t format;
    bool bom, by_set, format_set, html;
    run_mode_t mode;
} options_t;

static int usage_error(const char *fmt, const char *arg)
{
    fputs("hotline-report: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n", stderr);
    fputs(USAGE, stderr);
    return EX_USAGE;
}

static int set_mode(options_t *o, run_mode_t m, const char *name)
{
    if (o->mode != MODE_FIGURES)
        return usage_error("%s: choose one of --outcomes, --late, --rank, --check and --backup", name);
    o->mode = m;
    return 0;
}

/* --centre: "all", or codes separated by commas. */
static int check_centre_list(options_t *o, const char *arg)
{
    o->centres = arg;
    if (strcmp(arg, "all") == 0) return 0;
    char code[TICKET_CENTRE_MAX + 2];
    for (const char *p = arg;; p += strcspn(p, ",") + 1) {
        size_t n = strcspn(p, ",");
        snprintf(code, sizeof code, "%.*s", (int)(n < sizeof code ? n : sizeof code - 1), p);
        if (n > TICKET_CENTRE_MAX || !ticket_centre_valid(code))
            return usage_error("bad --centre '%s': codes of " TICKET_CENTRE_RULE ", comma-separated, or all", arg);
        if (!p[n]) return 0;
    }
}

static int parse_opt(options_t *o, int c, const char *arg)
{
    switch (c) {
    case 'd': o->db = arg; return 0;
    case 'f': o->from = arg; return 0;
    case 't': o->to = arg; return 0;
    case 'c': o->compare = arg; return 0;
    case 'B': o->bom = true; return 0;
    case 'O': o->output = arg; return 0;
    case 'Z': return check_centre_list(o, arg);
    case 'o': return set_mode(o, MODE_OUTCOMES, "--outcomes");
    case 'L': return set_mode(o, MODE_LATE, "--late");
    case 'R': return set_mode(o, MODE_RANK, "--rank");
    case 'k': return set_mode(o, MODE_CHECK, "--check");
    case 'K': o->backup = arg; return set_mode(o, MODE_BACKUP, "--backup");
    case 'b':
        o->by_set = true;
        return report_by_parse(arg, &o->by) < 0 ? usage_error("unknown --by '%s'", arg) : 0;
    case 'F':
        o->format_set = true;
        o->html = strcmp(arg, "html") == 0;
        if (o->html) return 0;
        return fmt_kind_parse(arg, &o->format) < 0 ? usage_error("unknown --format '%s'", arg) : 0;
    default: return usage_error("%s", "bad option");
    }
}

/* Option combinations that make no sense are errors, not silently ignored. */
static int check_options(const options_t *o)
{
    if (!o->db) return usage_error("%s", "--db STORE (a SQLite file or a postgresql:// URI) is required");
    struct stat st;
    if (stat(o->db, &st) == 0 && S_ISDIR(st.st_mode))
        return usage_error("--db %s is a directory: give the store file in it (the broker's --db FILE)", o->db);
    bool period = o->from || o->to || o->by_set || o->compare || o->format_set;
    if ((o->mode == MODE_CHECK || o->mode == MODE_BACKUP) && (period || o->bom || o->output))
        return usage_error("%s", "--check and --backup take only --centre");
    if (o->mode == MODE_OUTCOMES && period)
        return usage_error("%s", "--outcomes takes only --bom and --output");
    if (o->mode == MODE_LATE && (o->by_set || o->compare || o->html))
        return usage_error("%s", "--late takes --from, --to, --format table|csv|json, --bom and --output");
    if (o->mode == MODE_RANK && (o->by_set || o->compare || o->html))
        return usage_error("%s", "--rank takes --from, --to, --format table|csv|json, --bom and --output");
    if (o->compare && o->by_set) return usage_error("%s", "--compare does not take --by");
    if (o->html && o->by_set)
        return usage_error("%s", "--format html does not take --by (it draws by month and by unit)");
    if ((o->mode == MODE_FIGURES || o->mode == MODE_LATE || o->mode == MODE_RANK) && o->bom &&
        (o->html || o->format != FMT_CSV))
        return usage_error("%s", "--bom applies only to --format csv");
    return 0;
}

static int parse_args(int argc, char **argv, options_t *o)
{
    static const struct option LONG[] = {
        {"db", required_argument, NULL, 'd'},      {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},      {"by", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'F'},  {"compare", required_argument, NULL, 'c'},
        {"bom", no_argument, NULL, 'B'},           {"outcomes", no_argument, NULL, 'o'},
        {"late", no_argument, NULL, 'L'},          {"rank", no_argument, NULL, 'R'},
        {"check", no_argument, NULL, 'k'},         {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"output", required_argument, NULL, 'O'},   {"backup", required_argument, NULL, 'K'},
        {"centre", required_argument, NULL, 'Z'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hV", LONG, NULL)) != -1) {
        if (c == 'V') {
            printf("hotline-report %s\n", HOTLINE_VERSION);
            return -1;
        }
        if (c == 'h') {
            fputs(USAGE, stdout);
            fputs(HELP, stdout);
            return -1;
        }
        if (c == '?') return usage_error("unknown option '%s'", argv[optind - 1]);
        if (c == ':') return usage_error("option '%s' needs a value", argv[optind - 1]);
        int rc = parse_opt(o, c, optarg);
        if (rc) return rc;
    }
    if (optind < argc) return usage_error("unexpected argument '%s'", argv[optind]);
    return check_options(o);
}

/* Strict "YYYY-MM-DD" that round-trips (rejects 2022-02-30). */
static int parse_day(const char *s, int64_t *out)
{
    char back[32];
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -1;
    if (calendar_parse_time(s, out) < 0) return -1;
    calendar_format(*out, back, sizeof back);
    return strncmp(back, s, 10) == 0 ? 0 : -1;
}

/* Resolves [from, to): options first, then the defaults (dflt_*; has_dflt
 * false when there are none, as for an empty store). */
static int resolve_period(const options_t *o, bool has_dflt, int64_t dflt_from, int64_t dflt_to,
                          int64_t *from, int64_t *to)
{
    *from = dflt_from;
    *to = dflt_to;
    if (o->from && parse_day(o->from, from) < 0) return usage_error("bad --from date '%s' (YYYY-MM-DD)", o->from);
    if (o->to) {
        if (parse_day(o->to, to) < 0) return usage_error("bad --to date '%s' (YYYY-MM-DD)", o->to);
        *to = calendar_day_start(calendar_day_of(*to) + 1);
    }
    if (!has_dflt && (!o->from || !o->to)) {   /* empty store: no default period */
        *from = *to = 0;
        return 0;
    }
    if (*from >= *to)
        return usage_error("%s", "empty period: --from is after --to (the default --to is the "
                                 "last day with a received ticket)");
    return 0;
}

static int exit_for(report_status_t s)
{
    switch (s) {
    case REPORT_E_NOINPUT: return EX_NOINPUT;
    case REPORT_E_DATA: return EX_DATAERR;
    case REPORT_E_TEMPFAIL: return EX_TEMPFAIL;
    default: return EX_SOFTWARE;
    }
}

/* After a failed output function: the store's failure if there was one, else I/O. */
static int output_failed(report_store_t *st)
{
    report_status_t s = report_store_status(st);
    if (s != REPORT_OK) return exit_for(s);
    log_error("cannot write output", NULL);
    return EX_IOERR;
}

static int run_check(FILE *out, report_store_t *st)
{
    bool ok = true;
    const char *const *codes;
    size_t n = report_store_centres(st, &codes);
    for (size_t i = 0; i < n; i++) {
        bool one;
        if (report_store_use_centre(st, i) < 0 || report_store_check(st, out, &one) < 0)
            return exit_for(report_store_status(st));
        if (!one && n > 1) fprintf(out, "(the problems above are centre %s's)\n", codes[i]);
        ok = ok && one;
    }
    if (ok) fputs("ok\n", out);
    if (fflush(out) != 0) return EX_IOERR;
    return ok ? 0 : EX_DATAERR;
}

/* The period of the report: the options, else the scenario's, else the
 * store's days. 0, or an exit status. */
static int store_period(const options_t *o, report_store_t *st, const scenario_t *sc, int64_t *from, int64_t *to)
{
    bool any;
    int64_t lo, hi;
    if (report_store_span(st, &any, &lo, &hi) < 0) return exit_for(report_store_status(st));
    int64_t dflt_from = calendar_day_start(calendar_day_of(lo));
    int64_t dflt_to = calendar_day_start(calendar_day_of(hi) + 1);
    if (sc) {
        any = true;
        dflt_from = scenario_from(sc);
        dflt_to = scenario_to(sc);
    }
    int rc = resolve_period(o, any, dflt_from, dflt_to, from, to);
    if (rc == 0 && !any) log_warn("the store has no tickets", NULL);
    return rc;
}

static int run_late(const options_t *o, FILE *out, report_store_t *st)
{
    int64_t from, to;
    int rc = store_period(o, st, NULL, &from, &to);
    if (rc) return rc;
    report_late_t *l = report_late_compute(st, from, to, report_sla_now(to));
    if (!l) return exit_for(report_store_status(st));
    rc = report_fmt_late(out, l, o->format, o->bom);
    report_late_destroy(&l);
    return rc < 0 ? output_failed(st) : 0;
}

static int run_rank(const options_t *o, FILE *out, report_store_t *st)
{
    int64_t from, to;
    int rc = store_period(o, st, NULL, &from, &to);
    if (rc) return rc;
    report_rank_t *r = report_rank_compute(st, from, to);
    if (!r) return exit_for(report_store_status(st));
    rc = report_fmt_rank(out, r, o->format, o->bom);
    report_rank_destroy(&r);
    return rc < 0 ? output_failed(st) : 0;
}

static int run_figures(const options_t *o, FILE *out, report_store_t *st, const scenario_t *sc)
{
    int64_t from, to;
    int rc = store_period(o, st, sc, &from, &to);
    if (rc) return rc;
    if (o->html) return report_html_write(out, st, from, to, sc) < 0 ? output_failed(st) : 0;
    report_t *r = report_compute(st, from, to, o->by);
    if (!r) return exit_for(report_store_status(st));
    if (sc) {
        size_t n;
        report_compare_row_t *rows = report_compare(r, sc, &n);
        if (n == 0) log_warn("the scenario publishes no figures ([published] is empty)", NULL);
        rc = report_fmt_compare(out, scenario_name(sc), r, rows, n, o->format, o->bom);
        free(rows);
    } else {
        rc = report_fmt_figures(out, r, o->format, o->bom);
    }
    report_destroy(&r);
    return rc < 0 ? output_failed(st) : 0;
}

static int open_scenario(const char *name, scenario_t **out)
{
    char err[512];
    *out = scenario_open(name, err, sizeof err);
    if (*out) return 0;
    fprintf(stderr, "hotline-report: cannot load scenario '%s': %s\n", name, err);
    /* Missing is EX_NOINPUT; present but invalid is EX_DATAERR. */
    size_t n = strlen(name);
    bool is_path = strchr(name, '/') || (n > 4 && strcmp(name + n - 4, ".scn") == 0);
    char path[4096];
    if (!is_path) snprintf(path, sizeof path, "%s/scenarios/%s.scn", hotline_datadir(), name);
    return access(is_path ? name : path, R_OK) < 0 ? EX_NOINPUT : EX_DATAERR;
}

static int run(const options_t *o)
{
    report_status_t status;
    scenario_t *sc = NULL;
    int rc = 0;
    if (o->compare && (rc = open_scenario(o->compare, &sc)) != 0) return rc;
    /* Figures of several centres are their sums; a check, a backup and the
     * outcomes take one centre at a time. */
    bool merge = o->mode == MODE_FIGURES || o->mode == MODE_LATE || o->mode == MODE_RANK;
    report_store_t *st = report_store_open_centres(o->db, o->centres, merge, o->by == REPORT_BY_CENTRE, &status);
    if (!st) {
        fprintf(stderr, "hotline-report: cannot use store '%s' (see the log line above)\n", db_display(o->db));
        scenario_destroy(&sc);
        return exit_for(status);
    }
    if (o->mode == MODE_OUTCOMES && report_store_centres(st, NULL) > 1) {
        fprintf(stderr, "hotline-report: --outcomes lists one centre's tickets (ids are each centre's own): "
                        "choose one with --centre CODE\n");
        report_store_destroy(&st);
        scenario_destroy(&sc);
        return EX_USAGE;
    }
    if (o->mode == MODE_BACKUP) {
        rc = report_store_backup(st, o->backup) == 0 ? 0 : EX_CANTCREAT;
        if (rc == 0) fprintf(stderr, "hotline-report: backup of %s written to %s\n", o->db, o->backup);
        report_store_destroy(&st);
        scenario_destroy(&sc);
        return rc;
    }
    output_t file = {stdout, NULL};
    if (o->output) rc = report_output_open(&file, o->output);
    if (rc == 0) {
        if (o->mode == MODE_CHECK) rc = run_check(file.f, st);
        else if (o->mode == MODE_OUTCOMES) rc = report_fmt_outcomes(file.f, st, o->bom) < 0 ? output_failed(st) : 0;
        else if (o->mode == MODE_LATE) rc = run_late(o, file.f, st);
        else if (o->mode == MODE_RANK) rc = run_rank(o, file.f, st);
        else rc = run_figures(o, file.f, st, sc);
        if (o->output) rc = report_output_close(&file, o->output, rc);
    }
    report_store_destroy(&st);
    scenario_destroy(&sc);
    return rc;
}

int main(int argc, char **argv)
{
    options_t o = {.by = REPORT_BY_NONE, .format = FMT_TABLE, .mode = MODE_FIGURES};
    log_init("hotline-report", LOG_WARN);
    int rc = parse_args(argc, argv, &o);
    if (rc < 0) return 0;   /* --help */
    if (rc > 0) return rc;
    return run(&o);
}
