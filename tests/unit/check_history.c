/* History tests: the repetition rules of zeek-states.md. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "history.h"

static char buf[HISTORY_CAP + 1];

static const char *str(const struct history *h, const struct history_more *more)
{
    history_str(h, more, buf);
    return buf;
}

/* A once-per-direction letter, as the tracker records one. */
static bool check(struct history *h, unsigned mask, char letter, bool is_orig)
{
    if (history_seen(h, mask, is_orig))
        return true;
    history_add(h, NULL, letter, is_orig);
    return false;
}

START_TEST(test_once_letters_are_recorded_once_per_direction)
{
    struct history h;
    history_init(&h);
    ck_assert(!check(&h, HIST_ACK, 'A', true));
    ck_assert(check(&h, HIST_ACK, 'A', true));
    ck_assert(!check(&h, HIST_ACK, 'A', false));
    ck_assert(check(&h, HIST_ACK, 'A', false));
    ck_assert_str_eq(str(&h, NULL), "Aa");
}
END_TEST

START_TEST(test_seen_bits_of_every_kind_are_kept_apart)
{
    static const unsigned masks[] = {HIST_SYN, HIST_ACK,     HIST_DATA,      HIST_FIN,
                                     HIST_RST, HIST_FIN_RST, HIST_MULTI_FLAG};
    struct history h;
    history_init(&h);
    for (int side = 1; side >= 0; side--)
        for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
            ck_assert(!history_seen(&h, masks[i], side));
            ck_assert(history_seen(&h, masks[i], side));
        }
    ck_assert_uint_eq(history_len(&h), 0); /* seen bits are no letters */
}
END_TEST

START_TEST(test_responder_letters_are_lower_case)
{
    struct history h;
    history_init(&h);
    check(&h, HIST_SYN, 'H', false);
    check(&h, HIST_DATA, 'd', true);
    ck_assert_str_eq(str(&h, NULL), "hD");
}
END_TEST

START_TEST(test_scaled_letters_repeat_at_powers_of_ten)
{
    int steps = 0;
    for (uint32_t n = 1; n <= 1000; n++)
        steps += history_is_scale_step(n);
    ck_assert_int_eq(steps, 4); /* 1, 10, 100, 1000 */
    ck_assert(history_is_scale_step(1000000000));
    ck_assert(!history_is_scale_step(UINT32_MAX));
    ck_assert(!history_is_scale_step(0));
}
END_TEST

START_TEST(test_flip_appends_caret_and_keeps_seen_bits_with_the_role)
{
    struct history h;
    history_init(&h);
    check(&h, HIST_SYN, 'H', true);
    history_flip(&h, NULL);
    /* The new originator has not sent a SYN, but the role's bit is set. */
    ck_assert(check(&h, HIST_SYN, 'S', true));
    ck_assert_str_eq(str(&h, NULL), "H^");
}
END_TEST

START_TEST(test_every_letter_survives_packing)
{
    static const char letters[] = "shadfrcgtwiq";
    struct history h;
    struct history_more more;
    char out[HISTORY_CAP + 1];
    history_init(&h);
    memset(&more, 0, sizeof(more));
    for (int i = 0; letters[i] != '\0'; i++)
        history_add(&h, &more, letters[i], true);
    history_flip(&h, &more);
    for (int i = 0; letters[i] != '\0' && history_len(&h) < HISTORY_CAP; i++)
        history_add(&h, &more, letters[i], false);
    history_str(&h, &more, out);
    ck_assert_str_eq(out, "SHADFRCGTWIQ^shadfrcgtw");
    ck_assert_int_eq(history_letter(&h, &more, 12), '^');
}
END_TEST

START_TEST(test_letters_past_the_inline_ones_need_more_room)
{
    struct history h;
    struct history_more more;
    history_init(&h);
    memset(&more, 0, sizeof(more));
    for (int i = 0; i < HISTORY_INLINE; i++) {
        ck_assert(!history_needs_more(&h));
        history_add(&h, NULL, 'T', i % 2);
    }
    ck_assert(history_needs_more(&h));
    history_add(&h, NULL, 'F', true); /* no room given: dropped, not misplaced */
    ck_assert_uint_eq(history_len(&h), HISTORY_INLINE);
    ck_assert_str_eq(str(&h, NULL), "tTtTtTtTt");
    history_add(&h, &more, 'F', true);
    history_flip(&h, &more);
    ck_assert_uint_eq(history_len(&h), HISTORY_INLINE + 2);
    ck_assert_str_eq(str(&h, &more), "tTtTtTtTtF^");
    /* The seen bits share the inline bytes: untouched by the letters. */
    ck_assert(!history_seen(&h, HIST_FIN, true));
    ck_assert_str_eq(str(&h, &more), "tTtTtTtTtF^");
}
END_TEST

START_TEST(test_history_stops_at_capacity)
{
    struct history h;
    struct history_more more;
    history_init(&h);
    memset(&more, 0, sizeof(more));
    for (int i = 0; i < 3 * HISTORY_CAP; i++)
        history_add(&h, &more, 'T', i % 2);
    ck_assert_uint_eq(history_len(&h), HISTORY_CAP);
    ck_assert(!history_needs_more(&h));
    ck_assert_uint_eq(strlen(str(&h, &more)), HISTORY_CAP);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("history");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_once_letters_are_recorded_once_per_direction);
    tcase_add_test(tc, test_seen_bits_of_every_kind_are_kept_apart);
    tcase_add_test(tc, test_responder_letters_are_lower_case);
    tcase_add_test(tc, test_scaled_letters_repeat_at_powers_of_ten);
    tcase_add_test(tc, test_flip_appends_caret_and_keeps_seen_bits_with_the_role);
    tcase_add_test(tc, test_history_stops_at_capacity);
    tcase_add_test(tc, test_every_letter_survives_packing);
    tcase_add_test(tc, test_letters_past_the_inline_ones_need_more_room);
    suite_add_tcase(s, tc);
    return check_main_run(s);
}
