/* privacy: caller phone numbers are never stored. The store keeps a keyed
 * hash (SipHash-2-4 under a per-store secret, for "same caller" queries) and
 * a mask for people (138****1234). */
#ifndef HOTLINE_PRIVACY_H
#define HOTLINE_PRIVACY_H
#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of data under a 16-byte key. */
uint64_t privacy_siphash(const uint8_t key[16], const void *data, size_t len);
/* Writes the masked form of number into mask (>= 24 bytes): the first 3 and
 * last 4 digits kept, the rest '*'; numbers of 7 digits or fewer are fully masked. */
void privacy_mask(const char *number, char *mask, size_t len);
/* Writes 16 hex digits of the keyed hash of the number's digits into hex (>= 17 bytes). */
void privacy_hash_hex(const uint8_t key[16], const char *number, char *hex, size_t len);

#endif
