/* ctl_ticket: hotline-ctl ticket, list and act — what a dispatcher, a unit's
 * clerk or a visit agent does with tickets. Times are printed in CST; working
 * time counts working days only, as the deadlines do. */
#include "ctl.h"
#include "calendar.h"
#include "ticket.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define LIST_ALL_MAX 1000000   /* --all stops after this many tickets */

/* --- JSON out of MessagePack (for --format json) --- */

static void json_str(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch == '\n') fputs("\\n", stdout);
        else if (ch == '\t') fputs("\\t", stdout);
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}

static void json(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: fputs("null", stdout); break;
    case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", stdout); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: printf("%llu", (unsigned long long)o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: printf("%lld", (long long)o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32: case MSGPACK_OBJECT_FLOAT64: printf("%g", o->via.f64); break;
    case MSGPACK_OBJECT_STR: json_str(o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_ARRAY:
        putchar('[');
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i) putchar(',');
            json(&o->via.array.ptr[i]);
        }
        putchar(']');
        break;
    case MSGPACK_OBJECT_MAP:
        putchar('{');
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i) putchar(',');
            const msgpack_object *k = &o->via.map.ptr[i].key;
            if (k->type == MSGPACK_OBJECT_STR) json_str(k->via.str.ptr, k->via.str.size);
            else fputs("\"?\"", stdout);
            putchar(':');
            json(&o->via.map.ptr[i].val);
        }
        putchar('}');
        break;
    default: fputs("null", stdout); break;
    }
}

/* "3 working days 5 h left" / "2 working days 1 h late" */
static const char *work_span(int64_t s, char *buf, size_t len)
{
    int64_t a = s < 0 ? -s : s;
    snprintf(buf, len, "%lld working day%s %lld h %s", (long long)(a / 86400), a / 86400 == 1 ? "" : "s",
             (long long)(a % 86400 / 3600), s < 0 ? "late" : "left");
    return buf;
}

/* --- ticket ID --- */

static void print_timeline(const msgpack_object *evs)
{
    printf("\ntimeline (CST)\n%-16s  %-11s %-11s %5s  %-20s %-14s %s\n", "time", "event", "state", "round", "unit", "actor",
           "detail");
    for (uint32_t i = 0; evs && evs->type == MSGPACK_OBJECT_ARRAY && i < evs->via.array.size; i++) {
        const msgpack_object *e = &evs->via.array.ptr[i];
        char t[24], kind[24], st[24], unit[TICKET_CODE_MAX], actor[80], detail[2400];
        printf("%-16s  %-11s %-11s %5lld  %-20s %-14s %s\n", ctl_time(ctl_int(e, "at"), t, sizeof t),
               ctl_str(e, "kind", kind, sizeof kind, "-"), ctl_str(e, "state", st, sizeof st, "-"),
               (long long)ctl_int(e, "round"), ctl_str(e, "unit", unit, sizeof unit, "-"),
               ctl_str(e, "actor", actor, sizeof actor, "-"), ctl_str(e, "detail", detail, sizeof detail, ""));
    }
}

static void print_ticket(const msgpack_object *r)
{
    char id[80], centre[TICKET_CENTRE_MAX + 1], st[24], disp[48], type[16], unit[TICKET_CODE_MAX], street[24], wait[TICKET_CODE_MAX], t1[24], t2[24], t3[24], span[80];
    static char text[4200];
    printf("ticket    %s   %s%s   centre %s\n", ctl_str(r, "id", id, sizeof id, "?"), ctl_str(r, "type", type, sizeof type, "?"),
           ctl_bool(r, "urgent") ? "  URGENT" : "", ctl_str(r, "centre", centre, sizeof centre, "-"));
    printf("state     %s %s", ctl_str(r, "state", st, sizeof st, "?"), ctl_str(r, "state_display", disp, sizeof disp, ""));
    if (strcmp(ctl_str(r, "waiting_for", wait, sizeof wait, ""), "") != 0) printf("   (waiting for people at %s)", wait);
    printf("\nunit      %s   street %s   round %lld%s\n", ctl_str(r, "unit", unit, sizeof unit, "-"),
           ctl_str(r, "street", street, sizeof street, "-"), (long long)ctl_int(r, "round"),
           ctl_bool(r, "extended") ? "   extended" : "");
    printf("received  %s\n", ctl_time(ctl_int(r, "received_at"), t1, sizeof t1));
    printf("sign by   %s   signed %s\n", ctl_time(ctl_int(r, "sign_due"), t1, sizeof t1),
           ctl_time(ctl_int(r, "signed_at"), t2, sizeof t2));
    printf("close by  %s   closed %s\n", ctl_time(ctl_int(r, "close_due"), t1, sizeof t1),
           ctl_time(ctl_int(r, "closed_at"), t3, sizeof t3));
    int64_t deadline = ctl_int(r, "deadline");
    const msgpack_object *left = wire_get(r, "work_left_s");
    if (deadline && left && left->type != MSGPACK_OBJECT_NIL)
        printf("next      %s: %s%s\n", ctl_time(deadline, t1, sizeof t1), work_span(ctl_int(r, "work_left_s"), span, sizeof span),
               ctl_bool(r, "overdue") ? "  OVERDUE" : "");
    else printf("next      no deadline\n");
    if (ctl_int(r, "rating")) printf("rating    %lld\n", (long long)ctl_int(r, "rating"));
    printf("text      %s\n", ctl_str(r, "text", text, sizeof text, "-"));
    print_timeline(wire_get(r, "events"));
}

int ctl_ticket(ctl_t *c)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 1);
    wire_kv_str(&e, "id", c->args[0]);
    const msgpack_object *root;
    int rc = ctl_call(c, "ticket.status", &e, &root);
    wire_enc_free(&e);
    if (rc) return rc;
    char err[300];
    if (wire_get(root, "error")) {
        fprintf(stderr, "hotline-ctl: %s: %s\n", c->args[0], ctl_str(root, "error", err, sizeof err, "?"));
        return EX_DATAERR;
    }
    if (c->format == CTL_JSON) { json(root); putchar('\n'); }
    else print_ticket(root);
    return 0;
}

/* --- list --- */

static void list_header(ctl_format_t f)
{
    if (f == CTL_CSV) puts("id,state,type,urgent,unit,street,received_at,deadline,overdue,flag");
    else if (f == CTL_TABLE)
        printf("%-20s %-11s %-9s %-20s %-10s %-16s  %-16s  %s\n", "id", "state", "type", "unit", "street", "received (CST)",
               "deadline (CST)", "flag");
}

/* The flag column: red and yellow in colour on a terminal, words otherwise. */
static const char *flag_label(const char *flag, bool overdue)
{
    bool tty = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    if (strcmp(flag, "red") == 0)
        return overdue ? (tty ? "\033[1;31mRED\033[0m overdue (督办)" : "RED overdue (督办)")
                       : (tty ? "\033[1;31mRED\033[0m (通报)" : "RED (通报)");
    if (strcmp(flag, "yellow") == 0) return tty ? "\033[1;33mYELLOW\033[0m due soon (催办)" : "YELLOW due soon (催办)";
    return "";
}

static void list_row(ctl_format_t f, const msgpack_object *t, bool first)
{
    char id[80], st[24], type[16], unit[TICKET_CODE_MAX], street[24], t1[24], t2[24], flag[16];
    ctl_str(t, "id", id, sizeof id, "?");
    ctl_str(t, "flag", flag, sizeof flag, "");
    ctl_str(t, "state", st, sizeof st, "?");
    ctl_str(t, "type", type, sizeof type, "?");
    ctl_str(t, "unit", unit, sizeof unit, "");
    ctl_str(t, "street", street, sizeof street, "");
    if (f == CTL_JSON) { fputs(first ? "" : ",\n", stdout); json(t); return; }
    if (f == CTL_CSV) {
        printf("%s,%s,%s,%d,%s,%s,%lld,%lld,%d,%s\n", id, st, type, ctl_bool(t, "urgent"), unit, street,
               (long long)ctl_int(t, "received_at"), (long long)ctl_int(t, "deadline"), ctl_bool(t, "overdue"), flag);
        return;
    }
    printf("%-20s %-11s %-9s %-20s %-10s %-16s  %-16s  %s\n", id, st, type, unit[0] ? unit : "-", street[0] ? street : "-",
           ctl_time(ctl_int(t, "received_at"), t1, sizeof t1), ctl_time(ctl_int(t, "deadline"), t2, sizeof t2),
           flag_label(flag, ctl_bool(t, "overdue")));
}

static void encode_list(const ctl_t *c, const char *after, wire_enc_t *e)
{
    const char *keys[] = {"state", "unit", "street", "type", "text", "after"};
    const char *vals[] = {c->state, c->unit, c->street, c->type, c->text, after};
    uint32_t n = 1 + (c->overdue ? 1 : 0) + (c->due_within_h ? 1 : 0);
    for (int i = 0; i < 6; i++) n += vals[i] != NULL;
    wire_map(e, n);
    wire_kv_int(e, "limit", c->limit);
    for (int i = 0; i < 6; i++)
        if (vals[i]) wire_kv_str(e, keys[i], vals[i]);
    if (c->overdue) wire_kv_bool(e, "overdue", true);
    if (c->due_within_h) wire_kv_int(e, "due_within_h", c->due_within_h);
}

int ctl_list(ctl_t *c)
{
    char after[640] = "", err[300];
    size_t shown = 0;
    if (c->after) snprintf(after, sizeof after, "%s", c->after);
    list_header(c->format);
    if (c->format == CTL_JSON) fputs("[", stdout);
    for (;;) {
        wire_enc_t e;
        wire_enc_init(&e);
        encode_list(c, after[0] ? after : NULL, &e);
        const msgpack_object *root;
        int rc = ctl_call(c, "ticket.list", &e, &root);
        wire_enc_free(&e);
        if (rc) return rc;
        if (wire_get(root, "error")) {
            fprintf(stderr, "hotline-ctl: %s\n", ctl_str(root, "error", err, sizeof err, "?"));
            return EX_DATAERR;
        }
        const msgpack_object *ts = wire_get(root, "tickets");
        for (uint32_t i = 0; ts && ts->type == MSGPACK_OBJECT_ARRAY && i < ts->via.array.size; i++)
            list_row(c->format, &ts->via.array.ptr[i], shown++ == 0);
        if (ctl_int(root, "not_yet_searchable"))
            fprintf(stderr, "hotline-ctl: %lld newer tickets are not searchable yet (the index is catching up)\n",
                    (long long)ctl_int(root, "not_yet_searchable"));
        ctl_str(root, "next", after, sizeof after, "");
        if (!after[0] || !c->all || ctl_stop || shown >= LIST_ALL_MAX) break;
    }
    if (c->format == CTL_JSON) fputs("]\n", stdout);
    if (c->format == CTL_TABLE) printf("%zu ticket%s\n", shown, shown == 1 ? "" : "s");
    if (after[0]) fprintf(stderr, "hotline-ctl: more: add --after %s (or --all for every page)\n", after);
    return 0;
}

/* --- act ID ACTION --- */

/* An option given for another action is a mistake worth saying. */
static int check_act_options(const ctl_t *c, const char *action)
{
    static const struct { const char *opt, *actions; } USES[] = {
        {"--reason", " return extend suspend "}, {"--note", " return approve reject "}, {"--days", " extend "},
        {"--result", " close rectify "}, {"--level", " rate "}, {"--unreachable", " rate "},
        {"--solved", " rate "}, {"--attitude", " rate "}, {"--unit", " assign report "},
    };
    bool given[] = {c->reason != NULL, c->note != NULL, c->days != 0, c->result != NULL, c->level != 0, c->unreachable,
                    c->solved != NULL, c->attitude != 0, c->unit != NULL};
    char word[40];
    snprintf(word, sizeof word, " %s ", action);
    for (size_t i = 0; i < sizeof USES / sizeof *USES; i++)
        if (given[i] && !strstr(USES[i].actions, word)) {
            fprintf(stderr, "hotline-ctl: %s does not apply to '%s' (it goes with:%s)\n", USES[i].opt, action, USES[i].actions);
            return EX_USAGE;
        }
    return 0;
}

static void encode_act(const ctl_t *c, wire_enc_t *e)
{
    const char *keys[] = {"as", "reason", "note", "result", "unit"};
    const char *vals[] = {c->as, c->reason, c->note, c->result, c->unit};
    uint32_t n = 2 + (c->days != 0) + (c->level != 0) + c->unreachable + (c->solved != NULL) + (c->attitude != 0);
    for (int i = 0; i < 5; i++) n += vals[i] != NULL;
    wire_map(e, n);
    wire_kv_str(e, "id", c->args[0]);
    wire_kv_str(e, "action", c->args[1]);
    for (int i = 0; i < 5; i++)
        if (vals[i]) wire_kv_str(e, keys[i], vals[i]);
    if (c->solved) wire_kv_bool(e, "solved", strcmp(c->solved, "yes") == 0);
    if (c->attitude) wire_kv_int(e, "attitude", c->attitude);
    if (c->days) wire_kv_int(e, "days", c->days);
    if (c->level) wire_kv_int(e, "level", c->level);
    if (c->unreachable) wire_kv_bool(e, "unreachable", true);
}

int ctl_act(ctl_t *c)
{
    int rc = check_act_options(c, c->args[1]);
    if (rc) return rc;
    wire_enc_t e;
    wire_enc_init(&e);
    encode_act(c, &e);
    const msgpack_object *root;
    rc = ctl_call(c, "ticket.act", &e, &root);
    wire_enc_free(&e);
    if (rc) return rc;
    char st[24], err[600], code[24], t[24];
    if (!wire_str_eq(wire_get(root, "status"), "ok")) {
        fprintf(stderr, "hotline-ctl: refused: %s\n", ctl_str(root, "error", err, sizeof err, "no reason given"));
        ctl_str(root, "code", code, sizeof code, "");
        return strcmp(code, "forbidden") == 0 ? EX_NOPERM : EX_DATAERR;
    }
    if (c->format == CTL_JSON) { json(root); putchar('\n'); return 0; }
    printf("%s: %s done; now %s", c->args[0], c->args[1], ctl_str(root, "state", st, sizeof st, "?"));
    if (ctl_int(root, "deadline")) printf(", next deadline %s CST", ctl_time(ctl_int(root, "deadline"), t, sizeof t));
    putchar('\n');
    return 0;
}
