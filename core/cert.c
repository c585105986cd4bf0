/* cert: write and read ZeroMQ certificate files. */
#include "cert.h"
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static int write_file(const char *path, mode_t mode, const char *text, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n && fchmod(fd, mode) == 0 && fsync(fd) == 0;
    if (close(fd) != 0) ok = false;
    if (!ok) snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return ok ? 0 : -1;
}

int cert_generate(const char *dir, const char *name, char *err, size_t errlen)
{
    char pub[41], sec[41], path[4096], text[1024], date[32];
    if (zmq_curve_keypair(pub, sec) != 0) {
        snprintf(err, errlen, "zmq_curve_keypair failed: %s (is libzmq built with CURVE?)", zmq_strerror(errno));
        return -1;
    }
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", gmtime(&now));
    snprintf(text, sizeof text,
             "#   ****  Generated on %s UTC by hotline-keygen  ****\n"
             "#   ZeroMQ CURVE Public Certificate\n"
             "#   Exchange securely, or use a secure mechanism to verify the contents\n"
             "#   of this file after exchange.\n\n"
             "metadata\n    name = \"%s\"\ncurve\n    public-key = \"%s\"\n", date, name, pub);
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    if (write_file(path, 0644, text, err, errlen) != 0) return -1;
    snprintf(text, sizeof text,
             "#   ****  Generated on %s UTC by hotline-keygen  ****\n"
             "#   ZeroMQ CURVE **Secret** Certificate\n"
             "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\n"
             "metadata\n    name = \"%s\"\ncurve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n", date, name, pub, sec);
    snprintf(path, sizeof path, "%s/%s.key_secret", dir, name);
    return write_file(path, 0600, text, err, errlen);
}

/* Finds `key = "VALUE"` on a line; copies a 40-char Z85 value. */
static int value_of(const char *line, const char *key, char *out)
{
    const char *p = strstr(line, key);
    if (!p) return 1;
    p = strchr(p + strlen(key), '=');
    if (!p) return -1;
    p++;
    while (*p == ' ' || *p == '\t' || *p == '"') p++;
    size_t n = strcspn(p, "\" \t\r\n");
    if (n != CERT_Z85_LEN) return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    uint8_t bin[32];
    return zmq_z85_decode(bin, out) ? 0 : -1;
}

int cert_load(const char *path, char *public_z85, char *secret_z85, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno)); return -1; }
    char line[512];
    int have_pub = 0, have_sec = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        int r = value_of(line, "secret-key", secret_z85 ? secret_z85 : (char[41]){0});
        if (r == 0) have_sec = 1;
        else if (r < 0) bad = 1;
        else if ((r = value_of(line, "public-key", public_z85)) == 0) have_pub = 1;
        else if (r < 0) bad = 1;
    }
    fclose(f);
    if (bad || !have_pub || (secret_z85 && !have_sec)) {
        snprintf(err, errlen, "%s is not a ZeroMQ %s certificate with a valid Z85 %s", path,
                 secret_z85 ? "secret" : "public", secret_z85 && have_pub ? "secret-key" : "public-key");
        return -1;
    }
    return 0;
}

int cert_client_load(const char *server_key_file, const char *own_secret_file, cert_client_t *out, char *err, size_t errlen)
{
    if (!server_key_file || !own_secret_file) {
        snprintf(err, errlen, "CURVE needs both --curve-server (the broker's .key) and --curve-key (your .key_secret)");
        return -1;
    }
    if (cert_load(server_key_file, out->server, NULL, err, errlen) != 0) return -1;
    return cert_load(own_secret_file, out->public_key, out->secret_key, err, errlen);
}
