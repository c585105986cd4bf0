/* ticket: code tables and the validation of ticket.submit. */
#include "ticket.h"
#include "xmalloc.h"
#include "errmsg.h"
#include "units.h"
#include "wire.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(TICKET_BAD_RATING == 2, "TICKET_BAD_RATING_SQL must match TICKET_BAD_RATING");

static const char *const TYPES[TT__COUNT] = {"consult", "help", "complaint", "report", "suggest", "praise"};

const char *ticket_type_name(int type) { return type >= 0 && type < TT__COUNT ? TYPES[type] : "?"; }

int ticket_type_parse(const char *name, size_t len)
{
    for (int i = 0; i < TT__COUNT; i++)
        if (strlen(TYPES[i]) == len && memcmp(TYPES[i], name, len) == 0) return i;
    return -1;
}

const char *ticket_category_name(int c) { return c >= 0 && c < UNITS_N_CATEGORIES ? UNITS_CATEGORIES[c].code : NULL; }
const char *ticket_street_name(int s) { return s >= 0 && s < UNITS_N_STREETS ? UNITS_STREETS[s].code : NULL; }

const char *ticket_unit_name(int u)
{
    size_t n;
    const char *const *all = units_all(&n);
    return u >= 0 && (size_t)u < n ? all[u] : NULL;
}

int ticket_category_index(const char *code)
{
    for (int i = 0; code && i < UNITS_N_CATEGORIES; i++)
        if (strcmp(UNITS_CATEGORIES[i].code, code) == 0) return i;
    return -1;
}

int ticket_unit_index(const char *service)
{
    size_t n;
    const char *const *all = units_all(&n);
    for (size_t i = 0; service && i < n; i++)
        if (strcmp(all[i], service) == 0) return (int)i;
    return -1;
}

int ticket_street_index(const char *code)
{
    for (int i = 0; code && i < UNITS_N_STREETS; i++)
        if (strcmp(UNITS_STREETS[i].code, code) == 0) return i;
    return -1;
}

static int read_id(const msgpack_object *map, ticket_t *t, char *err, size_t errlen)
{
    const char *s;
    size_t n;
    int r = wire_get_str(map, "id", &s, &n, err, errlen);
    if (r > 0) return errmsg_set(err, errlen, "%s", "field 'id' is required");
    if (r < 0) return -1;
    if (n == 0 || n > TICKET_ID_MAX) return errmsg_set(err, errlen, "%s", "field 'id' must be 1 to 64 bytes");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return errmsg_set(err, errlen, "%s", "field 'id' holds a control character");
    memcpy(t->id, s, n);
    t->id[n] = '\0';
    return 0;
}

static int read_core(const msgpack_object *map, ticket_t *t, char *err, size_t errlen)
{
    int64_t at;
    int r = wire_get_int(map, "received_at", &at, err, errlen);
    if (r > 0) return errmsg_set(err, errlen, "%s", "field 'received_at' is required");
    if (r < 0) return -1;
    if (at < 946684800 || at > 4102444800) return errmsg_set(err, errlen, "%s", "field 'received_at' must be Unix seconds between 2000 and 2100");
    t->received_at = t->last_at = at;
    const char *s;
    size_t n;
    r = wire_get_str(map, "type", &s, &n, err, errlen);
    if (r > 0) return errmsg_set(err, errlen, "%s", "field 'type' is required");
    if (r < 0) return -1;
    int ty = ticket_type_parse(s, n);
    if (ty < 0) return errmsg_set(err, errlen, "%s", "field 'type' must be one of consult, help, complaint, report, suggest, praise");
    t->type = (uint8_t)ty;
    bool urgent = false;
    r = wire_get_bool(map, "urgent", &urgent, err, errlen);
    if (r < 0) return -1;
    t->urgent = urgent;
    return 0;
}

static int read_text(const msgpack_object *map, ticket_intake_t *in, char *err, size_t errlen)
{
    int r = wire_get_str(map, "text", &in->text, &in->text_len, err, errlen);
    if (r > 0) return errmsg_set(err, errlen, "%s", "field 'text' is required");
    if (r < 0) return -1;
    if (in->text_len == 0) return errmsg_set(err, errlen, "%s", "field 'text' is empty");
    if (in->text_len > TICKET_TEXT_MAX) return errmsg_set(err, errlen, "%s", "field 'text' is longer than 4096 bytes");
    if (memchr(in->text, '\0', in->text_len)) return errmsg_set(err, errlen, "%s", "field 'text' holds a NUL byte");
    return 0;
}

static int read_optional(const msgpack_object *map, ticket_t *t, ticket_intake_t *in, char *err, size_t errlen)
{
    char street[32];
    int r = wire_copy_str(map, "street", street, sizeof street, err, errlen);
    if (r < 0) return -1;
    t->street = TICKET_NONE;
    if (r == 0) {
        int s = ticket_street_index(street);
        if (s < 0) return errmsg_set(err, errlen, "%s", "field 'street' is not a known street code (see schemas/wire.md)");
        t->street = (uint8_t)s;
    }
    if (wire_copy_str(map, "channel", in->channel, sizeof in->channel, err, errlen) < 0) return -1;
    r = wire_copy_str(map, "caller", in->caller, sizeof in->caller, err, errlen);
    if (r < 0) return -1;
    for (const char *p = in->caller; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == ' '))
            return errmsg_set(err, errlen, "%s", "field 'caller' must hold only digits, '+', '-' or spaces");
    r = wire_copy_str(map, "centre", in->centre, sizeof in->centre, err, errlen);
    if (r < 0) return -1;
    if (r == 0 && !ticket_centre_valid(in->centre))
        return errmsg_set(err, errlen, "%s", "field 'centre' must be " TICKET_CENTRE_RULE);
    return 0;
}

bool ticket_centre_valid(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    return n >= 1 && n <= TICKET_CENTRE_MAX && strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int ticket_from_wire(const msgpack_object *map, ticket_t *t, ticket_intake_t *in, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    memset(in, 0, sizeof *in);
    t->state = ST_RECEIVED;
    t->category = t->unit = t->alt_unit = t->street = TICKET_NONE;
    t->on_time = -1;
    if (map->type != MSGPACK_OBJECT_MAP) return errmsg_set(err, errlen, "%s", "a ticket must be a map");
    if (read_id(map, t, err, errlen)) return -1;
    if (read_core(map, t, err, errlen)) return -1;
    if (read_text(map, in, err, errlen)) return -1;
    if (t->type == TT_PRAISE && t->urgent) return errmsg_set(err, errlen, "%s", "a praise call cannot be urgent");
    return read_optional(map, t, in, err, errlen);
}

ticket_ext_t *ticket_ext(ticket_t *t)
{
    if (t->ext) return t->ext;
    t->ext = xcalloc(1, sizeof *t->ext);
    memset(t->ext->returned_by, TICKET_NONE, sizeof t->ext->returned_by);
    t->ext->solved = t->ext->attitude = -1;
    return t->ext;
}

void ticket_ext_free(ticket_t *t)
{
    free(t->ext);
    t->ext = NULL;
}
