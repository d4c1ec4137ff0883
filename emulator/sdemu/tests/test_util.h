/* Helpers for the integration tests that drive `sdemu` as a program: run a command with its
 * output captured, read paths meson sets, bound a test with alarm(). */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#define TEST_OUT_MAX 65536

typedef struct test_result {
    int status; /* exit status, or 128 + signal */
    char out[TEST_OUT_MAX];
    char err[TEST_OUT_MAX];
} test_result;

/* The value of an environment variable meson sets; fails the test when it is missing. */
const char *test_env_path(const char *name);

/* Runs argv (argv[0] a path) to completion with stdout and stderr captured. */
void test_run(char *const argv[], test_result *r);

/* Bounds the test: vpcd has no I/O timeout (SIGALRM ends a hung test). Criterion's .timeout
 * is not used: its watchdog leaks state LeakSanitizer reports. */
void test_arm_watchdog(void);

/* Writes a copy of the reference profile with the line starting with `key` replaced by
 * `replacement` (a whole line, newline included) into a new temporary file; its path goes to
 * path[0..64). */
void test_profile_variant(char *path, const char *key, const char *replacement);

#endif
