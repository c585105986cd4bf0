/* auth: ZAP handler over the allow-list directory, and the role rules. */
#include "auth.h"
#include "cert.h"
#include "dict.h"
#include "log.h"
#include "xmalloc.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

struct auth {
    void *zap;
    char *dir;
    dict_t *allow;          /* Z85 public key → role (stored in the value pointer) */
    char **keys;            /* owned key strings the dict borrows */
    size_t n_keys;
    time_t loaded_at;
    auth_stats_t st;
};

static const char *const ROLE_DIRS[] = {[ROLE_CLIENT] = "client", [ROLE_WORKER] = "worker", [ROLE_ADMIN] = "admin"};

const char *auth_role_name(auth_role_t r)
{
    return r >= ROLE_CLIENT && r <= ROLE_ADMIN ? ROLE_DIRS[r] : "none";
}

static void drop_table(auth_t *a)
{
    dict_destroy(&a->allow);
    for (size_t i = 0; i < a->n_keys; i++) free(a->keys[i]);
    free(a->keys);
    a->keys = NULL;
    a->n_keys = 0;
}

static void load_role(auth_t *a, auth_role_t role, size_t *cap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", a->dir, ROLE_DIRS[role]);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".key") != 0) continue;
        char file[4400], pub[41], err[256];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        if (cert_load(file, pub, NULL, err, sizeof err) != 0) { log_warn("allow-list file ignored", "err=\"%s\"", err); continue; }
        if (a->n_keys == *cap) a->keys = xrealloc(a->keys, (*cap = *cap ? 2 * *cap : 16) * sizeof *a->keys);
        a->keys[a->n_keys] = xstrdup(pub);
        /* a key listed under several roles keeps the strongest one */
        uintptr_t old = (uintptr_t)dict_get(a->allow, pub);
        dict_put(a->allow, a->keys[a->n_keys++], (void *)(uintptr_t)(role > old ? role : old));
    }
    closedir(d);
}

static void reload(auth_t *a)
{
    drop_table(a);
    a->allow = dict_new();
    size_t cap = 0;
    for (auth_role_t r = ROLE_CLIENT; r <= ROLE_ADMIN; r++) load_role(a, r, &cap);
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
    log_info("allow-list loaded", "dir=%s keys=%zu", allow_dir, a->n_keys);
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

auth_role_t auth_role(auth_t *self, const char *user_id)
{
    if (!user_id || !self->allow) return ROLE_NONE;
    return (auth_role_t)(uintptr_t)dict_get(self->allow, user_id);
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
    if (n >= 7 && zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 && zmq_msg_size(&f[6]) == 32) {
        zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
        snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&f[3]), (const char *)zmq_msg_data(&f[3]));
        auth_refresh(a);
        auth_role_t r = auth_role(a, key);
        if (r != ROLE_NONE) { code = "200"; text = auth_role_name(r); }
        else text = "key not in the allow-list";
    }
    if (code[0] == '2') {
        a->st.accepted++;
        log_info("connection admitted", "key=%s role=%s address=%s", key, text, addr);
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

/* What a worker key may call as a client: what a worker needs to work. */
static bool worker_may_call(const char *service)
{
    return strcmp(service, "kb.list") == 0 || strcmp(service, "kb.get") == 0 || strcmp(service, "sim.scenario") == 0 ||
           strcmp(service, "mmi.service") == 0;
}

bool auth_allows(auth_role_t r, const char *service, bool worker_cmd, char *why, size_t whylen)
{
    bool ok;
    if (r == ROLE_ADMIN) ok = true;
    else if (worker_cmd) ok = r == ROLE_WORKER;
    else if (r == ROLE_WORKER) ok = worker_may_call(service);
    else if (r == ROLE_CLIENT) ok = strncmp(service, "broker.", 7) != 0; /* broker.* is for admins */
    else ok = false;
    if (!ok)
        snprintf(why, whylen, "forbidden: a %s key may not %s%s", auth_role_name(r), worker_cmd ? "act as a worker" : "call ",
                 worker_cmd ? "" : service);
    return ok;
}
