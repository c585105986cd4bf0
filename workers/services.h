/* services: the worker's handler table. Each service decodes one request body
 * and leaves exactly one reply body in out. "unit.*" is one handler for every
 * responsible unit. */
#ifndef HOTLINE_SERVICES_H
#define HOTLINE_SERVICES_H
#include <msgpack.h>
#include <stddef.h>
#include "model.h"
#include "stage.h"
#include "wire.h"

typedef void (*service_fn)(model_t *m, const msgpack_object *root, wire_enc_t *out);

/* The handler for a service name, or NULL if this worker cannot serve it. */
service_fn services_find(const char *name);
/* Every service --all-services registers (classify, dispatch, visit, centre, units). */
const char *const *services_all(size_t *n);

void echo_service(model_t *m, const msgpack_object *root, wire_enc_t *out);
void classify_service(model_t *m, const msgpack_object *root, wire_enc_t *out);
void dispatch_service(model_t *m, const msgpack_object *root, wire_enc_t *out);
void unit_service(model_t *m, const msgpack_object *root, wire_enc_t *out);
void visit_service(model_t *m, const msgpack_object *root, wire_enc_t *out);
void centre_service(model_t *m, const msgpack_object *root, wire_enc_t *out);

#endif
