/* sdconform: runs the conformance suites against one device through libsdproxy.
 * Usage: sdconform [--device pcsc:<reader>|emu:<profile>] [--report DIR] [Criterion options]
 * Exit status 0 when every test passed, 1 when any failed, 2 on a usage error. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/options.h>
#include <criterion/output.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sdc_target.h"

static char sdc_device_spec[4096];
static char sdc_report_dir[4096];

static void sdc_usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--device SPEC] [--report DIR] [CRITERION OPTIONS]\n"
            "Runs the ISO/IEC TS 23465-2 conformance tests against one security device\n"
            "through libsdproxy.\n\n"
            "  --device SPEC  pcsc:<reader name> or emu:<profile path>;\n"
            "                 default: pcsc:$SDEMU_READER when SDEMU_READER is set\n"
            "  --report DIR   write DIR/junit.xml and DIR/summary.txt (created if missing)\n"
            "  --help         this text; Criterion's own options (--filter, --verbose, -j,\n"
            "                 --list ...) are passed on, see --criterion-help\n\n"
            "Suites are named L<level>_<Class> (L1_DataContainer means level 1, class\n"
            "DataContainer). Exit status: 0 all passed, 1 a test failed, 2 usage error.\n",
            prog);
}

/* Writes one line per test and the totals to each of the given streams. */
static void sdc_summary(FILE *out, const struct criterion_global_stats *st)
{
    fprintf(out, "sdconform summary\ndevice: %s\n\n", sdc_device_spec);
    for (const struct criterion_suite_stats *ss = st->suites; ss; ss = ss->next) {
        if (ss->nb_tests == 0)
            continue;
        fprintf(out, "%s: %zu passed, %zu failed (%zu crashed), %zu skipped\n", ss->suite->name,
                ss->tests_passed, ss->tests_failed, ss->tests_crashed, ss->tests_skipped);
        for (const struct criterion_test_stats *ts = ss->tests; ts; ts = ts->next) {
            const char *verdict = ts->crashed                                            ? "CRASH"
                                  : ts->test_status == CR_STATUS_SKIPPED                 ? "SKIP"
                                  : ts->test_status == CR_STATUS_FAILED || ts->timed_out ? "FAIL"
                                                                                         : "PASS";
            fprintf(out, "  %-5s %s", verdict, ts->test->name);
            for (const struct criterion_assert_stats *a = ts->asserts; a; a = a->next) {
                if (!a->passed) {
                    fprintf(out, "  -- %s", a->message ? a->message : "");
                    break;
                }
            }
            fputc('\n', out);
        }
    }
    fprintf(out, "\ntotal: %zu tests, %zu passed, %zu failed (%zu crashed), %zu skipped\n",
            st->nb_tests, st->tests_passed, st->tests_failed, st->tests_crashed, st->tests_skipped);
}

ReportHook(POST_ALL)(struct criterion_global_stats *st)
{
    sdc_summary(stdout, st);
    if (!sdc_report_dir[0])
        return;
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.txt", sdc_report_dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sdconform: %s: %s\n", path, strerror(errno));
        return;
    }
    sdc_summary(f, st);
    fclose(f);
}

int main(int argc, char **argv)
{
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return 2;
    int n = 0;
    rest[n++] = argv[0];
    const char *r = getenv("SDEMU_READER");
    if (r && *r)
        snprintf(sdc_device_spec, sizeof sdc_device_spec, "pcsc:%s", r);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            sdc_usage(stdout, argv[0]);
            free(rest);
            return 0;
        } else if (strcmp(argv[i], "--device") == 0 || strcmp(argv[i], "--report") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sdconform: %s needs a value\n", argv[i]);
                free(rest);
                return 2;
            }
            char *dst = argv[i][2] == 'd' ? sdc_device_spec : sdc_report_dir;
            if (strlen(argv[i + 1]) >= sizeof sdc_device_spec) {
                fprintf(stderr, "sdconform: %s: value too long\n", argv[i]);
                free(rest);
                return 2;
            }
            snprintf(dst, sizeof sdc_device_spec, "%s", argv[i + 1]);
            i++;
        } else if (strcmp(argv[i], "--criterion-help") == 0) {
            rest[n++] = (char *)"--help";
        } else {
            rest[n++] = argv[i];
        }
    }
    rest[n] = NULL;
    if (!sdc_device_spec[0]) {
        fprintf(stderr, "sdconform: no device: give --device or set SDEMU_READER\n");
        sdc_usage(stderr, argv[0]);
        free(rest);
        return 2;
    }
    if (setenv(SDC_DEVICE_ENV, sdc_device_spec, 1) != 0) {
        free(rest);
        return 2;
    }
    struct criterion_test_set *tests = criterion_initialize();
    /* One card, one current file: tests must not interleave their APDUs. */
    criterion_options.jobs = 1;
    int ok = 1;
    if (criterion_handle_args(n, rest, true)) {
        if (sdc_report_dir[0]) {
            if (mkdir(sdc_report_dir, 0755) != 0 && errno != EEXIST) {
                fprintf(stderr, "sdconform: %s: %s\n", sdc_report_dir, strerror(errno));
                criterion_finalize(tests);
                free(rest);
                return 2;
            }
            /* Criterion keeps the pointer until the run ends. */
            static char junit[4200];
            snprintf(junit, sizeof junit, "%s/junit.xml", sdc_report_dir);
            criterion_add_output("xml", junit);
        }
        ok = criterion_run_all_tests(tests);
    }
    criterion_finalize(tests);
    free(rest);
    return ok ? 0 : 1;
}
