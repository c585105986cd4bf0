/* cert: CURVE key pairs in the ZeroMQ certificate text format (as czmq's
 * zcert writes them, and pyzmq's zmq.auth.load_certificate reads them):
 * NAME.key holds the public key, NAME.key_secret both keys (mode 0600). */
#ifndef HOTLINE_CERT_H
#define HOTLINE_CERT_H
#include <stddef.h>

#define CERT_Z85_LEN 40

/* Generates a key pair and writes DIR/NAME.key and DIR/NAME.key_secret.
 * Refuses to overwrite existing files. 0 or -1 with err. */
int cert_generate(const char *dir, const char *name, char *err, size_t errlen);
/* Reads the public key (and, from a secret file, the secret key) as Z85 into
 * 41-byte buffers; secret may be NULL. 0 or -1 with err naming the file. */
int cert_load(const char *path, char *public_z85, char *secret_z85, char *err, size_t errlen);

/* The keys a client or worker needs: the broker's public key (from its
 * NAME.key) and its own pair (from its NAME.key_secret). */
typedef struct {
    char server[CERT_Z85_LEN + 1], public_key[CERT_Z85_LEN + 1], secret_key[CERT_Z85_LEN + 1];
} cert_client_t;
int cert_client_load(const char *server_key_file, const char *own_secret_file, cert_client_t *out, char *err, size_t errlen);

#endif
