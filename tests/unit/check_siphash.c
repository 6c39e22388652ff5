/*
 * SipHash tests against values nobody here computed: the SipHash-2-4
 * vector printed in the paper (appendix A: key 00..0f, message 00..0e),
 * and SipHash-1-3 as CPython 3.11 and later hash bytes objects, whose key
 * is all zeros under PYTHONHASHSEED=0:
 *   PYTHONHASHSEED=0 python3 -c 'print(hex(hash(bytes(range(13))) % 2**64))'
 */
#include <check.h>
#include <stdint.h>

#include "check_main.h"
#include "siphash.h"

static const uint8_t counting[64] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
};

START_TEST(test_siphash24_gives_the_papers_vector)
{
    struct siphash_key key = siphash_key_from_bytes(counting);
    ck_assert_uint_eq(siphash24(&key, counting, 15), UINT64_C(0xa129ca6149be45e5));
}
END_TEST

START_TEST(test_siphash13_agrees_with_cpython)
{
    static const struct {
        size_t len;
        uint64_t hash;
    } vectors[] = {
        {1, UINT64_C(0x68a914128e01e473)},  {7, UINT64_C(0x2f098ab0c751325a)},
        {8, UINT64_C(0xead411e67ebe2eea)},  {13, UINT64_C(0xa0cf3211850f8e0d)},
        {15, UINT64_C(0xf30eb725bb91c9ea)}, {16, UINT64_C(0x8972188433a5c5b7)},
        {37, UINT64_C(0x422a9751192ff266)},
    };
    static const uint8_t zero[SIPHASH_KEY_LEN] = {0};
    struct siphash_key key = siphash_key_from_bytes(zero);
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        ck_assert_uint_eq(siphash13(&key, counting, vectors[i].len), vectors[i].hash);
}
END_TEST

START_TEST(test_key_bytes_are_read_little_endian)
{
    struct siphash_key key = siphash_key_from_bytes(counting);
    ck_assert_uint_eq(key.k0, UINT64_C(0x0706050403020100));
    ck_assert_uint_eq(key.k1, UINT64_C(0x0f0e0d0c0b0a0908));
}
END_TEST

START_TEST(test_every_key_bit_changes_the_hash)
{
    struct siphash_key key = siphash_key_from_bytes(counting);
    uint64_t base = siphash13(&key, counting, 13);
    for (unsigned bit = 0; bit < 128; bit++) {
        struct siphash_key flipped = key;
        if (bit < 64)
            flipped.k0 ^= UINT64_C(1) << bit;
        else
            flipped.k1 ^= UINT64_C(1) << (bit - 64);
        ck_assert_uint_ne(siphash13(&flipped, counting, 13), base);
    }
}
END_TEST

static Suite *siphash_suite(void)
{
    Suite *s = suite_create("siphash");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_siphash24_gives_the_papers_vector);
    tcase_add_test(tc, test_siphash13_agrees_with_cpython);
    tcase_add_test(tc, test_key_bytes_are_read_little_endian);
    tcase_add_test(tc, test_every_key_bit_changes_the_hash);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(siphash_suite());
}
