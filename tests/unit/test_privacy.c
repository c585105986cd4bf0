/* Unit tests for core/privacy: SipHash-2-4 against the reference vectors of
 * Aumasson & Bernstein (key 00..0f, message 00..len-1), the phone mask, and
 * the keyed hash used in place of the caller's number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "privacy.h"

static uint8_t KEY[16];
static uint8_t MSG[64];

static int setup(void **state)
{
    for (int i = 0; i < 16; i++) KEY[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++) MSG[i] = (uint8_t)i;
    return 0;
}

/* Reference vectors from the SipHash paper / vectors.h (little-endian output bytes
 * read as a uint64). */
static void test_siphash_reference(void **state)
{
    assert_true(privacy_siphash(KEY, MSG, 0) == 0x726fdb47dd0e0e31ULL);
    assert_true(privacy_siphash(KEY, MSG, 15) == 0xa129ca6149be45e5ULL);
    /* more lengths from the same table: one byte, exactly one block, block + 1 */
    assert_true(privacy_siphash(KEY, MSG, 1) == 0x74f839c593dc67fdULL);
    assert_true(privacy_siphash(KEY, MSG, 7) == 0xab0200f58b01d137ULL);
    assert_true(privacy_siphash(KEY, MSG, 8) == 0x93f5f5799a932462ULL);
    assert_true(privacy_siphash(KEY, MSG, 9) == 0x9e0082df0ba9e4b0ULL);
    assert_true(privacy_siphash(KEY, MSG, 63) == 0x958a324ceb064572ULL);
}

static void test_siphash_key_and_data_matter(void **state)
{
    uint8_t k2[16];
    memcpy(k2, KEY, 16);
    k2[15] ^= 1;
    uint64_t a = privacy_siphash(KEY, "13800138000", 11);
    assert_true(a != privacy_siphash(k2, "13800138000", 11));
    assert_true(a != privacy_siphash(KEY, "13800138001", 11));
    assert_true(a == privacy_siphash(KEY, "13800138000", 11));
}

static void test_mask(void **state)
{
    char m[24];
    privacy_mask("13800138000", m, sizeof m);
    assert_string_equal(m, "138****8000");
    privacy_mask("138-0013-8000", m, sizeof m);
    assert_string_equal(m, "138****8000");
    privacy_mask("+86 138 0013 8000", m, sizeof m);      /* country code digits kept as digits */
    assert_string_equal(m, "861****8000");
    privacy_mask("075488881234", m, sizeof m);           /* 12-digit landline */
    assert_string_equal(m, "075****1234");
    privacy_mask("12345678", m, sizeof m);               /* 8 digits: shortest partly shown */
    assert_string_equal(m, "123****5678");
}

static void test_mask_short_numbers(void **state)
{
    char m[24];
    privacy_mask("1234567", m, sizeof m);
    assert_string_equal(m, "*******");
    privacy_mask("12345", m, sizeof m);
    assert_string_equal(m, "*****");
    privacy_mask("110", m, sizeof m);
    assert_string_equal(m, "***");
    privacy_mask("1-2-3", m, sizeof m);
    assert_string_equal(m, "***");
    privacy_mask("", m, sizeof m);
    assert_string_equal(m, "");
    /* the mask never contains any digit of a short number */
    privacy_mask("9876543", m, sizeof m);
    assert_null(strpbrk(m, "0123456789"));
}

static void test_mask_small_buffer(void **state)
{
    char m[6];
    memset(m, 'x', sizeof m);
    privacy_mask("13800138000", m, sizeof m);
    assert_string_equal(m, "138**");
}

static void test_hash_hex(void **state)
{
    char h1[17], h2[17], h3[17];
    privacy_hash_hex(KEY, "13800138000", h1, sizeof h1);
    assert_int_equal(strlen(h1), 16);
    assert_int_equal(strspn(h1, "0123456789abcdef"), 16);
    /* stable, and formatting of the number does not matter (digits only) */
    privacy_hash_hex(KEY, "13800138000", h2, sizeof h2);
    assert_string_equal(h1, h2);
    privacy_hash_hex(KEY, "138-0013-8000", h2, sizeof h2);
    assert_string_equal(h1, h2);
    /* it is the SipHash of the digits, in %016x */
    char want[17];
    uint64_t v = privacy_siphash(KEY, "13800138000", 11);
    for (int i = 15; i >= 0; i--, v >>= 4) want[i] = "0123456789abcdef"[v & 15];
    want[16] = '\0';
    assert_string_equal(h1, want);
    /* a different key gives a different hash; a different number too */
    uint8_t k2[16] = {0};
    privacy_hash_hex(k2, "13800138000", h3, sizeof h3);
    assert_string_not_equal(h1, h3);
    privacy_hash_hex(KEY, "13800138001", h3, sizeof h3);
    assert_string_not_equal(h1, h3);
    /* empty number hashes the empty message: the reference vector */
    privacy_hash_hex(KEY, "", h3, sizeof h3);
    assert_string_equal(h3, "726fdb47dd0e0e31");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_reference),
        cmocka_unit_test(test_siphash_key_and_data_matter),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_mask_short_numbers),
        cmocka_unit_test(test_mask_small_buffer),
        cmocka_unit_test(test_hash_hex),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
