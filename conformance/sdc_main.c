/* sdconform: runs the conformance suites against one device through libsdproxy or, with
 * --proxy, through any library exporting the isoIec23465_* functions.
 * Usage: sdconform [--device pcsc:<reader>|emu:<profile>] [--proxy LIB] [--report DIR]
 *                  [Criterion options]
 * Exit status 0 when every test that ran passed, 1 when any failed, 2 on a usage error or when
 * the report could not be written. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/options.h>
#include <criterion/output.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sdc_report.h"
#include "sdc_target.h"

static char sdc_device_spec[4096];
static char sdc_report_dir[4096];
static char sdc_proxy_path[4096];

static void sdc_usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--device SPEC] [--proxy LIB] [--report DIR] [CRITERION OPTIONS]\n"
            "Runs the ISO/IEC TS 23465-2 conformance tests against one security device\n"
            "through a proxy library.\n\n"
            "  --device SPEC  pcsc:<reader name> or emu:<profile path>;\n"
            "                 default: pcsc:$SDEMU_READER when SDEMU_READER is set\n"
            "  --proxy LIB    load LIB (a shared library exporting isoIec23465_*) with dlopen\n"
            "                 and test it; default: libsdproxy, linked into sdconform\n"
            "  --report DIR   write DIR/junit.xml, summary.txt, report.json and report.html\n"
            "                 (DIR is created if missing)\n"
            "  --help         this text; Criterion's own options (--filter, --verbose, -j,\n"
            "                 --list ...) are passed on, see --criterion-help\n\n"
            "Suites are named L<level>_<Class> (L1_DataContainer means level 1, class\n"
            "DataContainer). Exit status: 0 all passed, 1 a test failed, 2 usage error or\n"
            "report not written.\n",
            prog);
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
        } else if (strcmp(argv[i], "--device") == 0 || strcmp(argv[i], "--report") == 0 ||
                   strcmp(argv[i], "--proxy") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sdconform: %s needs a value\n", argv[i]);
                free(rest);
                return 2;
            }
            char *dst = argv[i][2] == 'd'   ? sdc_device_spec
                        : argv[i][2] == 'p' ? sdc_proxy_path
                                            : sdc_report_dir;
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
    char err[512];
    if (!sdc_api_load(sdc_proxy_path, err, sizeof err)) {
        fprintf(stderr, "sdconform: --proxy %s: %s\n", sdc_proxy_path, err);
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
        /* Passing assertions too: the report lists the statuses each function returned. */
        criterion_options.full_stats = true;
        sdc_report.device = sdc_device_spec;
        sdc_report.dir = sdc_report_dir;
        sdc_report.proxy = sdc_proxy_path;
        sdc_report.total = tests->tests;
        if (sdc_proxy_path[0]) {
            size_t missing = 0;
            for (int f = 0; f < SDC_FN_COUNT; f++)
                missing += !sdc_api_has((enum sdc_api_fn)f);
            printf("proxy %s: %zu of %d API functions not exported\n", sdc_proxy_path, missing,
                   (int)SDC_FN_COUNT);
        }
        sdc_report_identify(sdc_device_spec, &sdc_report.ident);
        if (sdc_report.ident.error[0])
            printf("device %s: attributes not read: %s\n", sdc_device_spec, sdc_report.ident.error);
        else
            printf("device %s: %s, ATR %s\n", sdc_device_spec,
                   sdc_report.ident.attr[isoIec23465_AttrName],
                   sdc_report.ident.attr[isoIec23465_AttrAtr]);
        fflush(stdout);
        ok = criterion_run_all_tests(tests);
        if (!sdc_report_ok()) {
            criterion_finalize(tests);
            free(rest);
            return 2;
        }
    }
    criterion_finalize(tests);
    free(rest);
    return ok ? 0 : 1;
}
