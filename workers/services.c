/* services: the table of services a worker can serve (tmux cmd_table style). */
#include "services.h"
#include "units.h"
#include "xmalloc.h"
#include <string.h>

static const struct {
    const char *name;   /* exact name, or a prefix ending in '.' followed by '*' */
    service_fn fn;
} TABLE[] = {
    {"echo", echo_service},
    {"classify", classify_service},
    {"dispatch", dispatch_service},
    {"visit", visit_service},
    {"centre", centre_service},
    {"unit.*", unit_service},
};

service_fn services_find(const char *name)
{
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        const char *t = TABLE[i].name;
        size_t n = strlen(t);
        if (t[n - 1] == '*' ? units_is_unit(name) && strncmp(name, t, n - 1) == 0 : strcmp(name, t) == 0) return TABLE[i].fn;
    }
    return NULL;
}

const char *const *services_all(size_t *n)
{
    static const char **all;
    static size_t count;
    if (!all) {
        size_t nu;
        const char *const *units = units_all(&nu);
        all = xcalloc(4 + nu, sizeof *all);
        all[count++] = "classify";
        all[count++] = "dispatch";
        all[count++] = "visit";
        all[count++] = "centre";
        for (size_t i = 0; i < nu; i++) all[count++] = units[i];
    }
    *n = count;
    return all;
}

/* echo: replies with the request body unchanged (tests and health checks). */
void echo_service(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    (void)m;
    wire_enc_reset(out);
    msgpack_pack_object(&out->pk, *root);
}
