/* sdconform: runs the conformance suites against one device through libsdproxy or, with
 * --proxy, through any library exporting the isoIec23465_* functions.
 * Usage: sdconform [--device pcsc:<reader>|emu:<profile>|vicc] [--proxy LIB] [--report DIR]
 *                  [--card FILE] [--allow-destructive] [--expect-serial S] [Criterion options]
 * Exit status 0 when every test that ran passed, 1 when any failed, 2 on a usage error or when
 * the report could not be written, 3 when the device is not the expected one
 * (--expect-serial). */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/options.h>
#include <criterion/output.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdc_card.h"
#include "sdc_cases.h"
#include "sdc_control.h"
#include "sdc_report.h"
#include "sdc_target.h"
#include "sdc_trace.h"
#include "sdc_vicc.h"

/* Exit status for a device that is not the one the user expected (--expect-serial). */
#define SDC_EXIT_WRONG_DEVICE 3

static char sdc_device_spec[4096];
static char sdc_report_dir[4096];
static char sdc_proxy_path[4096];
static char sdc_card_path[4096];
static char sdc_expect_serial[256];
static char sdc_trace_dir[4200];
static char sdc_device_shown[4400];

static void sdc_usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--device SPEC] [--proxy LIB] [--report DIR] [--card FILE]\n"
            "          [--allow-destructive] [--expect-serial S] [CRITERION OPTIONS]\n"
            "Runs the ISO/IEC TS 23465-2 conformance tests against one security device\n"
            "through a proxy library.\n\n"
            "  --device SPEC        pcsc:<reader name>, emu:<profile path>, or vicc\n"
            "                       (vsmartcard's Python card in a private pcscd);\n"
            "                       default: pcsc:$SDEMU_READER when SDEMU_READER is set\n"
            "  --proxy LIB          load LIB (a shared library exporting isoIec23465_*) with\n"
            "                       dlopen and test it; default: libsdproxy, linked in\n"
            "  --report DIR         write DIR/junit.xml, summary.txt, report.json, report.html\n"
            "                       and DIR/traces/ (APDU traces of failed tests)\n"
            "  --card FILE          card description (YAML): the objects to use and the PIN\n"
            "                       values; tests that need one are skipped without it\n"
            "  --allow-destructive  run the tests that change the card or spend PIN tries\n"
            "                       (never the last try); skipped otherwise\n"
            "  --expect-serial S    refuse (exit 3) a device whose serial number is not S\n"
            "  --help               this text; Criterion's own options (--filter, --verbose,\n"
            "                       --list ...) are passed on, see --criterion-help\n\n"
            "Suites are named L<level>_<Class> (L1_DataContainer means level 1, class\n"
            "DataContainer). Exit status: 0 every test that ran passed, 1 a test failed,\n"
            "2 usage error or report not written, 3 not the expected device.\n",
            prog);
}

/* The options sdconform takes with a value, and where each goes. */
static char *sdc_option_slot(const char *opt, size_t *cap)
{
    static const struct {
        const char *name;
        char *dst;
        size_t cap;
    } slots[] = {
        {"--device", sdc_device_spec, sizeof sdc_device_spec},
        {"--report", sdc_report_dir, sizeof sdc_report_dir},
        {"--proxy", sdc_proxy_path, sizeof sdc_proxy_path},
        {"--card", sdc_card_path, sizeof sdc_card_path},
        {"--expect-serial", sdc_expect_serial, sizeof sdc_expect_serial},
    };
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        if (strcmp(opt, slots[i].name) == 0) {
            *cap = slots[i].cap;
            return slots[i].dst;
        }
    }
    return NULL;
}

/* Removes the *.trace files a previous run left in the trace directory. */
static void sdc_clean_traces(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 6 && strcmp(e->d_name + n - 6, ".trace") == 0) {
            char path[8200];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

/* Creates DIR and DIR/traces, and hands the trace directory to the test processes. */
static bool sdc_prepare_report_dir(void)
{
    if (mkdir(sdc_report_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sdconform: %s: %s\n", sdc_report_dir, strerror(errno));
        return false;
    }
    snprintf(sdc_trace_dir, sizeof sdc_trace_dir, "%s/traces", sdc_report_dir);
    if (mkdir(sdc_trace_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sdconform: %s: %s\n", sdc_trace_dir, strerror(errno));
        return false;
    }
    sdc_clean_traces(sdc_trace_dir);
    return setenv(SDC_TRACE_ENV, sdc_trace_dir, 1) == 0;
}

/* --expect-serial: the device's AttrSerialNumber must equal the expected serial. */
static bool sdc_serial_matches(void)
{
    const char *got = sdc_report.ident.attr[isoIec23465_AttrSerialNumber];
    if (sdc_report.ident.error[0]) {
        fprintf(stderr,
                "sdconform: --expect-serial %s: refusing the device %s: its serial number "
                "could not be read (%s)\n",
                sdc_expect_serial, sdc_device_spec, sdc_report.ident.error);
        return false;
    }
    if (got[0] == '(') {
        fprintf(stderr,
                "sdconform: --expect-serial %s: refusing the device %s: the proxy does not "
                "give its serial number (attribute SerialNumber: %s)\n",
                sdc_expect_serial, sdc_device_spec, got);
        return false;
    }
    if (strcmp(got, sdc_expect_serial) != 0) {
        fprintf(stderr,
                "sdconform: --expect-serial %s: refusing the device %s: its serial number is "
                "%s; nothing was sent to it beyond reading its attributes\n",
                sdc_expect_serial, sdc_device_spec, got);
        return false;
    }
    printf("device serial number %s, as expected\n", got);
    return true;
}

/* Runs the suites through Criterion; returns the exit status. */
static int sdc_run(int n, char **rest)
{
    char err[512];
    if (!sdc_api_load(sdc_proxy_path, err, sizeof err)) {
        fprintf(stderr, "sdconform: --proxy %s: %s\n", sdc_proxy_path, err);
        return 2;
    }
    struct criterion_test_set *tests = criterion_initialize();
    /* The cases written as data (vectors/conformance/<suite>.yaml), one test each (the lead's
     * part: sdc_case.c). */
    const char *cases = getenv(SDC_CASES_ENV);
    if (!cases || !*cases)
        cases = sdc_cases_default_dir();
    if (sdc_cases_register(tests, cases, err, sizeof err) < 0) {
        fprintf(stderr, "sdconform: %s\n", err);
        criterion_finalize(tests);
        return 2;
    }
    /* One card, one current file: tests must not interleave their APDUs. */
    criterion_options.jobs = 1;
    int rc = 0;
    if (criterion_handle_args(n, rest, true)) {
        if (sdc_report_dir[0]) {
            /* Criterion keeps the pointer until the run ends. */
            static char junit[4200];
            snprintf(junit, sizeof junit, "%s/junit.xml", sdc_report_dir);
            criterion_add_output("xml", junit);
        }
        /* Passing assertions too: the report lists the statuses each function returned. */
        criterion_options.full_stats = true;
        const char *note = getenv(SDC_DEVICE_NOTE_ENV);
        if (note && *note)
            snprintf(sdc_device_shown, sizeof sdc_device_shown, "%s: %s", note, sdc_device_spec);
        else
            snprintf(sdc_device_shown, sizeof sdc_device_shown, "%s", sdc_device_spec);
        sdc_report.device = sdc_device_shown;
        sdc_report.dir = sdc_report_dir;
        sdc_report.trace_dir = sdc_trace_dir;
        sdc_report.proxy = sdc_proxy_path;
        sdc_report.card = sdc_card_described() ? sdc_card_get()->name : "";
        sdc_report.card_path = sdc_card_path;
        sdc_report.destructive = sdc_destructive_allowed();
        sdc_report.expect_serial = sdc_expect_serial;
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
            printf("device %s: %s, ATR %s, serial %s\n", sdc_device_spec,
                   sdc_report.ident.attr[isoIec23465_AttrName],
                   sdc_report.ident.attr[isoIec23465_AttrAtr],
                   sdc_report.ident.attr[isoIec23465_AttrSerialNumber]);
        printf("card description: %s; destructive tests: %s\n",
               sdc_card_described() ? sdc_card_path : "none (tests that need one are skipped)",
               sdc_destructive_allowed() ? "allowed" : "not allowed (skipped)");
        fflush(stdout);
        if (sdc_expect_serial[0] && !sdc_serial_matches()) {
            criterion_finalize(tests);
            return SDC_EXIT_WRONG_DEVICE;
        }
        /* Against the emulator behind pcscd every test starts from the card as it is now,
         * like an in-process card: snapshot once, each test's fixture restores it. */
        char snapshot[64] = "";
        if (sdc_control_available()) {
            char reply[256];
            snprintf(snapshot, sizeof snapshot, "/tmp/sdconform-%ld.snapshot", (long)getpid());
            if (sdc_control_reply(reply, sizeof reply, "snapshot %s", snapshot))
                setenv(SDC_SNAPSHOT_ENV, snapshot, 1);
            else
                printf("emulator snapshot not taken (%s): tests share one card state\n", reply);
        }
        rc = criterion_run_all_tests(tests) ? 0 : 1;
        if (snapshot[0])
            unlink(snapshot);
        if (!sdc_report_ok())
            rc = 2;
    }
    criterion_finalize(tests);
    return rc;
}

int main(int argc, char **argv)
{
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    char **inner = calloc((size_t)argc + 1, sizeof *inner); /* argv without --device, for vicc */
    if (!rest || !inner) {
        free(rest);
        free(inner);
        return 2;
    }
    int n = 0, m = 0, rc = 2;
    bool destructive = false;
    rest[n++] = argv[0];
    inner[m++] = argv[0];
    const char *r = getenv("SDEMU_READER");
    if (r && *r)
        snprintf(sdc_device_spec, sizeof sdc_device_spec, "pcsc:%s", r);
    for (int i = 1; i < argc; i++) {
        size_t cap = 0;
        char *dst = sdc_option_slot(argv[i], &cap);
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            sdc_usage(stdout, argv[0]);
            rc = 0;
            goto out;
        } else if (dst) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sdconform: %s needs a value\n", argv[i]);
                goto out;
            }
            if (strlen(argv[i + 1]) >= cap) {
                fprintf(stderr, "sdconform: %s: value too long\n", argv[i]);
                goto out;
            }
            snprintf(dst, cap, "%s", argv[i + 1]);
            if (dst != sdc_device_spec) {
                inner[m++] = argv[i];
                inner[m++] = argv[i + 1];
            }
            i++;
        } else if (strcmp(argv[i], "--allow-destructive") == 0) {
            destructive = true;
            inner[m++] = argv[i];
        } else if (strcmp(argv[i], "--criterion-help") == 0) {
            rest[n++] = (char *)"--help";
            inner[m++] = argv[i];
        } else {
            rest[n++] = argv[i];
            inner[m++] = argv[i];
        }
    }
    rest[n] = NULL;
    inner[m] = NULL;
    if (!sdc_device_spec[0]) {
        fprintf(stderr, "sdconform: no device: give --device or set SDEMU_READER\n");
        sdc_usage(stderr, argv[0]);
        goto out;
    }
    if (sdc_card_path[0]) {
        static sdc_card check; /* large: not on the stack */
        char err[512];
        if (!sdc_card_load(sdc_card_path, &check, err, sizeof err)) {
            fprintf(stderr, "sdconform: --card %s\n", err);
            goto out;
        }
    }
    if (sdc_report_dir[0] && !sdc_prepare_report_dir())
        goto out;
    if (strcmp(sdc_device_spec, "vicc") == 0) {
        rc = sdc_vicc_run(inner, m, sdc_report_dir);
        goto out;
    }
    /* With a card description the device counts as a physical card, even the emulator behind
     * `sdemu run` standing in for one: PIN safety and the destructive gate apply (sdc_guard.h;
     * the cases' sdc_target_is_emulator reads SDEMU_READER too). */
    if (sdc_card_path[0] && unsetenv("SDEMU_READER") != 0)
        goto out;
    /* The test processes read the options from the environment (sdc_target.h, sdc_card.h). */
    if (setenv(SDC_DEVICE_ENV, sdc_device_spec, 1) != 0 ||
        (sdc_card_path[0] ? setenv(SDC_CARD_ENV, sdc_card_path, 1) : unsetenv(SDC_CARD_ENV)) != 0 ||
        (destructive ? setenv(SDC_DESTRUCTIVE_ENV, "1", 1) : unsetenv(SDC_DESTRUCTIVE_ENV)) != 0)
        goto out;
    rc = sdc_run(n, rest);
out:
    free(rest);
    free(inner);
    return rc;
}
