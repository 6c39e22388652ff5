/* History tests: the repetition rules of zeek-states.md. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "history.h"

static char buf[HISTORY_CAP + 1];

static const char *str(const struct history *h)
{
    history_str(h, buf);
    return buf;
}

START_TEST(test_once_letters_are_recorded_once_per_direction)
{
    struct history h;
    history_init(&h);
    ck_assert(!history_check(&h, HIST_ACK, 'A', true));
    ck_assert(history_check(&h, HIST_ACK, 'A', true));
    ck_assert(!history_check(&h, HIST_ACK, 'A', false));
    ck_assert(history_check(&h, HIST_ACK, 'A', false));
    ck_assert_str_eq(str(&h), "Aa");
}
END_TEST

START_TEST(test_responder_letters_are_lower_case)
{
    struct history h;
    history_init(&h);
    history_check(&h, HIST_SYN, 'H', false);
    history_check(&h, HIST_DATA, 'd', true);
    ck_assert_str_eq(str(&h), "hD");
}
END_TEST

START_TEST(test_scaled_letters_repeat_at_powers_of_ten)
{
    struct history h;
    history_init(&h);
    int added = 0;
    for (uint32_t n = 1; n <= 1000; n++)
        added += history_scaled(&h, 'T', true, n);
    ck_assert_int_eq(added, 4); /* 1, 10, 100, 1000 */
    ck_assert_str_eq(str(&h), "TTTT");
}
END_TEST

START_TEST(test_flip_appends_caret_and_keeps_seen_bits_with_the_role)
{
    struct history h;
    history_init(&h);
    history_check(&h, HIST_SYN, 'H', true);
    history_flip(&h);
    /* The new originator has not sent a SYN, but the role's bit is set. */
    ck_assert(history_check(&h, HIST_SYN, 'S', true));
    ck_assert_str_eq(str(&h), "H^");
}
END_TEST

START_TEST(test_every_letter_survives_packing)
{
    static const char letters[] = "shadfrcgtwiq";
    struct history h;
    char out[HISTORY_CAP + 1];
    history_init(&h);
    for (int i = 0; letters[i] != '\0'; i++)
        history_add(&h, letters[i], true);
    history_flip(&h);
    for (int i = 0; letters[i] != '\0' && h.len < HISTORY_CAP; i++)
        history_add(&h, letters[i], false);
    history_str(&h, out);
    ck_assert_str_eq(out, "SHADFRCGTWIQ^shadfrcgtw");
    ck_assert_int_eq(history_letter(&h, 12), '^');
}
END_TEST

START_TEST(test_history_stops_at_capacity)
{
    struct history h;
    history_init(&h);
    for (int i = 0; i < 3 * HISTORY_CAP; i++)
        history_add(&h, 'T', i % 2);
    ck_assert_uint_eq(h.len, HISTORY_CAP);
    ck_assert_uint_eq(strlen(str(&h)), HISTORY_CAP);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("history");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_once_letters_are_recorded_once_per_direction);
    tcase_add_test(tc, test_responder_letters_are_lower_case);
    tcase_add_test(tc, test_scaled_letters_repeat_at_powers_of_ten);
    tcase_add_test(tc, test_flip_appends_caret_and_keeps_seen_bits_with_the_role);
    tcase_add_test(tc, test_history_stops_at_capacity);
    tcase_add_test(tc, test_every_letter_survives_packing);
    suite_add_tcase(s, tc);
    return check_main_run(s);
}
