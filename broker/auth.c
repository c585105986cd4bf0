/* auth: ZAP handler over the allow-list directory, and the role rules. */
#include "auth.h"
#include "cert.h"
#include "dict.h"
#include "log.h"
#include "units.h"
#include "xmalloc.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

typedef struct {
    char key[41];             /* Z85 public key: the dict key */
    auth_who_t who;
} entry_t;

struct auth {
    void *zap;
    char *dir;
    dict_t *allow;            /* Z85 public key → entry_t */
    entry_t **entries;        /* owned; the dict borrows */
    size_t n_entries, cap;
    time_t loaded_at;
    auth_stats_t st;
};

static const char *const ROLE_NAMES[] = {[ROLE_NONE] = "none", [ROLE_CLIENT] = "client", [ROLE_WORKER] = "worker",
                                         [ROLE_UNIT] = "unit", [ROLE_CENTRE] = "centre", [ROLE_ADMIN] = "admin"};

const char *auth_role_name(auth_role_t r) { return r <= ROLE_ADMIN ? ROLE_NAMES[r] : "none"; }

static void drop_table(auth_t *a)
{
    dict_destroy(&a->allow);
    for (size_t i = 0; i < a->n_entries; i++) free(a->entries[i]);
    free(a->entries);
    a->entries = NULL;
    a->n_entries = a->cap = 0;
}

/* A key listed under several roles keeps the strongest one (the enum order). */
static void add_key(auth_t *a, const char *file, const char *fname, auth_role_t role, const char *unit)
{
    char pub[41], err[256];
    if (cert_load(file, pub, NULL, err, sizeof err) != 0) { log_warn("allow-list file ignored", "err=\"%s\"", err); return; }
    entry_t *old = dict_get(a->allow, pub);
    if (old && old->who.role >= role) return;
    entry_t *e = old;
    if (!e) {
        if (a->n_entries == a->cap) a->entries = xrealloc(a->entries, (a->cap = a->cap ? 2 * a->cap : 16) * sizeof *a->entries);
        e = a->entries[a->n_entries++] = xcalloc(1, sizeof *e);
        memcpy(e->key, pub, sizeof e->key);
        dict_put(a->allow, e->key, e);
    }
    e->who.role = role;
    snprintf(e->who.name, sizeof e->who.name, "%.*s", (int)(strlen(fname) - 4), fname);
    snprintf(e->who.unit, sizeof e->who.unit, "%s", unit ? unit : "");
}

static void load_dir(auth_t *a, const char *path, auth_role_t role, const char *unit)
{
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".key") != 0) continue;
        char file[4400];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        add_key(a, file, e->d_name, role, unit);
    }
    closedir(d);
}

/* DIR/unit/CODE/: CODE is a unit's code ("chengguan", "street.jinxia") or its
 * full service name ("unit.chengguan"). */
static void load_units(auth_t *a)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/unit", a->dir);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char unit[300], sub[4400];
        if (strncmp(e->d_name, "unit.", 5) == 0) snprintf(unit, sizeof unit, "%s", e->d_name);
        else snprintf(unit, sizeof unit, "unit.%s", e->d_name);
        if (!units_is_unit(unit)) {
            log_warn("allow-list: not a unit code, ignored", "dir=%s/%s", path, e->d_name);
            continue;
        }
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        load_dir(a, sub, ROLE_UNIT, unit);
    }
    closedir(d);
}

static void reload(auth_t *a)
{
    drop_table(a);
    a->allow = dict_new();
    for (auth_role_t r = ROLE_CLIENT; r <= ROLE_ADMIN; r++) {
        if (r == ROLE_UNIT) { load_units(a); continue; }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", a->dir, ROLE_NAMES[r]);
        load_dir(a, path, r, NULL);
    }
    a->loaded_at = time(NULL);
}

void auth_refresh(auth_t *self)
{
    if (time(NULL) != self->loaded_at) reload(self);
}

auth_t *auth_new(void *zctx, const char *allow_dir, char *err, size_t errlen)
{
    DIR *d = opendir(allow_dir);
    if (!d) { snprintf(err, errlen, "cannot open the allow-list directory %s", allow_dir); return NULL; }
    closedir(d);
    auth_t *a = xcalloc(1, sizeof *a);
    a->dir = xstrdup(allow_dir);
    a->zap = zmq_socket(zctx, ZMQ_REP);
    if (zmq_bind(a->zap, ZAP_ENDPOINT) != 0) {
        snprintf(err, errlen, "cannot bind the ZAP handler: %s", zmq_strerror(zmq_errno()));
        zmq_close(a->zap);
        free(a->dir);
        free(a);
        return NULL;
    }
    reload(a);
    log_info("allow-list loaded", "dir=%s keys=%zu", allow_dir, a->n_entries);
    return a;
}

void auth_destroy(auth_t **p)
{
    if (!p || !*p) return;
    zmq_close((*p)->zap);
    drop_table(*p);
    free((*p)->dir);
    free(*p);
    *p = NULL;
}

void *auth_socket(auth_t *self) { return self->zap; }

auth_who_t auth_who(auth_t *self, const char *user_id)
{
    const entry_t *e = user_id && self && self->allow ? dict_get(self->allow, user_id) : NULL;
    return e ? e->who : (auth_who_t){ROLE_NONE, "", ""};
}

/* ZAP request: version, request id, domain, address, identity, mechanism, credentials... */
static void zap_reply(void *sock, const zmq_msg_t *reqid, const char *code, const char *text, const char *user)
{
    zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(sock, zmq_msg_data((zmq_msg_t *)reqid), zmq_msg_size((zmq_msg_t *)reqid), ZMQ_SNDMORE);
    zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, 0);
}

static void handle_zap(auth_t *a, zmq_msg_t *f, int n)
{
    char key[41] = "", addr[64] = "?";
    const char *code = "400", *text = "no CURVE key";
    auth_who_t who = {0};
    if (n >= 7 && zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 && zmq_msg_size(&f[6]) == 32) {
        zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
        snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&f[3]), (const char *)zmq_msg_data(&f[3]));
        auth_refresh(a);
        who = auth_who(a, key);
        if (who.role != ROLE_NONE) { code = "200"; text = auth_role_name(who.role); }
        else text = "key not in the allow-list";
    }
    if (code[0] == '2') {
        a->st.accepted++;
        log_info("connection admitted", "key=%s name=%s role=%s%s%s address=%s", key, who.name, text,
                 who.unit[0] ? " unit=" : "", who.unit, addr);
    } else {
        a->st.refused++;
        log_warn("connection refused", "key=%s address=%s reason=\"%s\"", key[0] ? key : "-", addr, text);
    }
    zap_reply(a->zap, n > 1 ? &f[1] : &f[0], code, text, code[0] == '2' ? key : "");
}

void auth_on_readable(auth_t *self)
{
    for (;;) {
        zmq_msg_t f[8];
        int n = 0, more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, self->zap, n == 0 ? ZMQ_DONTWAIT : 0) < 0) { zmq_msg_close(&m); if (n == 0) return; break; }
            more = zmq_msg_more(&m);
            if (n < 8) f[n++] = m;
            else zmq_msg_close(&m);
        }
        handle_zap(self, f, n);
        for (int i = 0; i < n; i++) zmq_msg_close(&f[i]);
    }
}

void auth_stats(const auth_t *self, auth_stats_t *out) { *out = self->st; }

static bool one_of(const char *service, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(service, *list) == 0) return true;
    return false;
}

/* What each role may call as a client. */
static const char *const WORKER_CALLS[] = {"kb.list", "kb.get", "sim.scenario", "mmi.service", NULL};
static const char *const UNIT_CALLS[] = {"ticket.act", "ticket.list", "ticket.status", "mmi.service", NULL};

bool auth_allows(auth_role_t r, const char *service, bool worker_cmd, char *why, size_t whylen)
{
    bool ok, act = strcmp(service, "ticket.act") == 0;
    if (worker_cmd) ok = r == ROLE_WORKER || r == ROLE_ADMIN;
    else if (r == ROLE_ADMIN) ok = !act; /* operators run the broker; people of the centre act on tickets */
    else if (r == ROLE_WORKER) ok = one_of(service, WORKER_CALLS);
    else if (r == ROLE_UNIT) ok = one_of(service, UNIT_CALLS);
    else if (r == ROLE_CENTRE) ok = strncmp(service, "broker.", 7) != 0;
    else if (r == ROLE_CLIENT) ok = strncmp(service, "broker.", 7) != 0 && !act;
    else ok = false;
    if (!ok)
        snprintf(why, whylen, "forbidden: a %s key may not %s%s", auth_role_name(r), worker_cmd ? "act as a worker" : "call ",
                 worker_cmd ? "" : service);
    return ok;
}
