/* Slot pool tests: records come zeroed, the pool runs dry at its cap and
 * says so, and returned records are reused before new pages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "slot_pool.h"

START_TEST(test_taken_records_are_zeroed_and_distinct)
{
    struct slot_pool *p = slot_pool_create(4, 20);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(p->slot_len, 20);
    uint32_t a = slot_pool_take(p);
    uint32_t b = slot_pool_take(p);
    ck_assert_uint_ne(a, b);
    memset(slot_pool_at(p, a), 0xff, 20);
    const unsigned char *rb = slot_pool_at(p, b);
    for (int i = 0; i < 20; i++)
        ck_assert_uint_eq(rb[i], 0);
    ck_assert_uint_eq(p->used_count, 2);
    slot_pool_destroy(p);
}
END_TEST

START_TEST(test_pool_runs_dry_at_its_cap_and_counts_each_refusal)
{
    struct slot_pool *p = slot_pool_create(3, 8);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_ne(slot_pool_take(p), SLOT_NONE);
    ck_assert_uint_eq(slot_pool_take(p), SLOT_NONE);
    ck_assert_uint_eq(slot_pool_take(p), SLOT_NONE);
    ck_assert_uint_eq(p->exhausted_count, 2);
    ck_assert_uint_eq(p->used_count, 3);
    slot_pool_destroy(p);
}
END_TEST

START_TEST(test_returned_record_is_reused_zeroed_before_new_ones)
{
    struct slot_pool *p = slot_pool_create(3, 16);
    uint32_t a = slot_pool_take(p);
    uint32_t b = slot_pool_take(p);
    memset(slot_pool_at(p, a), 0xab, 16);
    slot_pool_put(p, a);
    ck_assert_uint_eq(p->used_count, 1);
    uint32_t again = slot_pool_take(p);
    ck_assert_uint_eq(again, a);
    const unsigned char *r = slot_pool_at(p, again);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(r[i], 0);
    ck_assert_uint_eq(p->high_water, 2); /* the third record still untouched */
    (void)b;
    slot_pool_destroy(p);
}
END_TEST

START_TEST(test_exhausted_pool_recovers_when_a_record_returns)
{
    struct slot_pool *p = slot_pool_create(1, 8);
    uint32_t a = slot_pool_take(p);
    ck_assert_uint_eq(slot_pool_take(p), SLOT_NONE);
    slot_pool_put(p, a);
    ck_assert_uint_eq(slot_pool_take(p), a);
    ck_assert_uint_eq(p->exhausted_count, 1);
    slot_pool_destroy(p);
}
END_TEST

START_TEST(test_create_rejects_empty_pools_and_destroy_accepts_null)
{
    ck_assert_ptr_null(slot_pool_create(0, 8));
    ck_assert_ptr_null(slot_pool_create(4, 0));
    ck_assert_ptr_null(slot_pool_create(SLOT_NONE, 8));
    slot_pool_destroy(NULL);
}
END_TEST

static Suite *slot_pool_suite(void)
{
    Suite *s = suite_create("slot_pool");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_taken_records_are_zeroed_and_distinct);
    tcase_add_test(tc, test_pool_runs_dry_at_its_cap_and_counts_each_refusal);
    tcase_add_test(tc, test_returned_record_is_reused_zeroed_before_new_ones);
    tcase_add_test(tc, test_exhausted_pool_recovers_when_a_record_returns);
    tcase_add_test(tc, test_create_rejects_empty_pools_and_destroy_accepts_null);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(slot_pool_suite());
}
