/*
 * The one main() every unit test needs: run a suite, exit non-zero if any
 * test failed. Include once, from the test file that defines the suite.
 */
#ifndef TV_CHECK_MAIN_H
#define TV_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int check_main_run(Suite *suite)
{
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
