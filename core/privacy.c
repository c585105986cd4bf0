/* privacy: SipHash-2-4 (Aumasson & Bernstein) and the phone mask. */
#include "privacy.h"
#include <stdio.h>
#include <string.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                       \
    do {                                                               \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);      \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                         \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                         \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);      \
    } while (0)

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

uint64_t privacy_siphash(const uint8_t key[16], const void *data, size_t len)
{
    const uint8_t *in = data;
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t end = len - (len % 8);
    for (size_t i = 0; i < end; i += 8) {
        uint64_t m = le64(in + i);
        v3 ^= m; SIPROUND; SIPROUND; v0 ^= m;
    }
    uint64_t b = ((uint64_t)len) << 56;
    for (size_t i = 0; i < len % 8; i++) b |= ((uint64_t)in[end + i]) << (8 * i);
    v3 ^= b; SIPROUND; SIPROUND; v0 ^= b;
    v2 ^= 0xff;
    SIPROUND; SIPROUND; SIPROUND; SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* Digits only, so "138-0013-8000" and "13800138000" hash and mask alike. */
static size_t digits(const char *number, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = number; *p && n + 1 < len; p++)
        if (*p >= '0' && *p <= '9') out[n++] = *p;
    out[n] = '\0';
    return n;
}

void privacy_mask(const char *number, char *mask, size_t len)
{
    char d[40];
    size_t n = digits(number, d, sizeof d);
    if (n <= 7) {
        snprintf(mask, len, "%.*s", (int)n, "****************************************");
        return;
    }
    snprintf(mask, len, "%.3s****%s", d, d + n - 4);
}

void privacy_hash_hex(const uint8_t key[16], const char *number, char *hex, size_t len)
{
    char d[40];
    size_t n = digits(number, d, sizeof d);
    snprintf(hex, len, "%016llx", (unsigned long long)privacy_siphash(key, d, n));
}
