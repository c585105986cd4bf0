/* wire: the MessagePack body codec (schemas/wire.md).
 * Every body from the network goes through wire_decode(), which first walks the
 * raw bytes with hard bounds (nesting depth, container counts no larger than
 * the bytes left, string lengths, UTF-8, no ext types, exactly one object) and
 * only then lets msgpack-c build objects. Each failure says exactly what and
 * where. Encoding wraps msgpack-c's packer over a reusable buffer. */
#ifndef HOTLINE_WIRE_H
#define HOTLINE_WIRE_H
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_VERSION 1
#define WIRE_MAX_DEPTH 8
#define WIRE_MAX_STR (1u << 20)      /* any one string or bin, bytes */
#define WIRE_MAX_BODY (64u << 20)    /* one body, bytes (also ZMQ_MAXMSGSIZE) */

/* Checks raw bytes; 0 if well formed, else -1 with a message in err. */
int wire_check(const void *buf, size_t len, char *err, size_t errlen);

/* A decoded body. Reuse one across messages: its zone is cleared, not freed. */
typedef struct wire_msg wire_msg_t;
wire_msg_t *wire_msg_new(void);
void wire_msg_destroy(wire_msg_t **p);
/* Checks then decodes buf. The root object stays valid until the next decode.
 * Returns NULL with a message in err when the bytes are rejected. */
const msgpack_object *wire_decode(wire_msg_t *self, const void *buf, size_t len, char *err, size_t errlen);

/* Field access on a map object. Each returns 0 when found with the right type,
 * 1 when absent (or nil), -1 on a wrong type (message in err naming the key). */
const msgpack_object *wire_get(const msgpack_object *map, const char *key);
int wire_get_str(const msgpack_object *map, const char *key, const char **s, size_t *n, char *err, size_t errlen);
int wire_get_int(const msgpack_object *map, const char *key, int64_t *v, char *err, size_t errlen);
int wire_get_bool(const msgpack_object *map, const char *key, bool *v, char *err, size_t errlen);
/* Copies a string field into buf (NUL-terminated); -1 if longer than len-1. */
int wire_copy_str(const msgpack_object *map, const char *key, char *buf, size_t len, char *err, size_t errlen);
/* True if o is a str equal to s. */
bool wire_str_eq(const msgpack_object *o, const char *s);

/* Encoder over a growable buffer; wire_enc_reset() keeps the allocation. */
typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} wire_enc_t;
void wire_enc_init(wire_enc_t *e);
void wire_enc_reset(wire_enc_t *e);
void wire_enc_free(wire_enc_t *e);
void wire_str(wire_enc_t *e, const char *s);
void wire_strn(wire_enc_t *e, const char *s, size_t n);
void wire_int(wire_enc_t *e, int64_t v);
void wire_kv_str(wire_enc_t *e, const char *k, const char *v); /* v NULL packs nil */
void wire_kv_int(wire_enc_t *e, const char *k, int64_t v);
void wire_kv_bool(wire_enc_t *e, const char *k, bool v);
#define wire_map(e, n) msgpack_pack_map(&(e)->pk, (n))
#define wire_array(e, n) msgpack_pack_array(&(e)->pk, (n))
#define wire_nil(e) msgpack_pack_nil(&(e)->pk)
#define wire_bool(e, b) ((b) ? msgpack_pack_true(&(e)->pk) : msgpack_pack_false(&(e)->pk))

/* UTF-8 validation of n bytes (rejects overlongs, surrogates, > U+10FFFF). */
bool wire_utf8_valid(const char *s, size_t n);

#endif
