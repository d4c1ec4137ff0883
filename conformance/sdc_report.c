/* Console progress and the report files: summary.txt, report.json, report.html. */
#include "sdc_report.h"

#include "sdc_trace.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/stats.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef SDC_VERSION
#define SDC_VERSION "unknown"
#endif

sdc_report_config sdc_report;

static bool sdc_files_ok = true;
static size_t sdc_done;
static struct timespec sdc_t0;
static char sdc_started[32];

#define SDC_N_STATUS 16 /* isoIec23465_Success .. BufferTooSmall */

/* ---- Identification ---------------------------------------------------------------------- */

static const char *const sdc_attr_names[SDC_N_ATTRS + 1] = {"",
                                                            "Identifier",
                                                            "Name",
                                                            "DeviceType",
                                                            "Interface",
                                                            "Presence",
                                                            "Atr",
                                                            "Manufacturer",
                                                            "Product",
                                                            "SerialNumber",
                                                            "OsVersion",
                                                            "ApiLevels",
                                                            "ExtendedLength",
                                                            "Chaining",
                                                            "LogicalChannels",
                                                            "MaxCommandSize",
                                                            "MaxResponseSize",
                                                            "ApiVersion"};

const char *sdc_report_attr_name(int attr)
{
    return attr >= 1 && attr <= SDC_N_ATTRS ? sdc_attr_names[attr] : "";
}

void sdc_report_identify(const char *spec, sdc_ident *id)
{
    memset(id, 0, sizeof *id);
    isoIec23465_SecurityDevice *dev = NULL;
    isoIec23465_RootApplication *root = NULL;
    isoIec23465_ErrorDetails d;
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    if (st == isoIec23465_Success)
        st = isoIec23465_SecurityDevice_getRootApplication(dev, &root);
    if (st != isoIec23465_Success) {
        isoIec23465_getLastError(&d);
        snprintf(id->error, sizeof id->error, "%s: %s (%s)", sdc_api_last(),
                 sdc_api_status_name(st), d.message);
        if (dev)
            (void)isoIec23465_disconnectSecurityDevice(dev);
        return;
    }
    for (int a = 1; a <= SDC_N_ATTRS; a++) {
        size_t len = sizeof id->attr[a];
        st = isoIec23465_RootApplication_getSecurityDeviceAttribute(
            root, (isoIec23465_DeviceAttribute)a, id->attr[a], &len);
        if (st != isoIec23465_Success)
            snprintf(id->attr[a], sizeof id->attr[a], "(%s)", sdc_api_status_name(st));
    }
    (void)isoIec23465_disconnectSecurityDevice(dev);
}

/* ---- Results read back from Criterion's statistics --------------------------------------- */

/* One check of sdc_assert_status or sdc_assert_size, parsed from its message. */
typedef struct sdc_check {
    int fn;         /* enum sdc_api_fn or -1 */
    char want[48];  /* expected status name or number */
    char got[48];   /* actual status name or number */
    int got_status; /* the actual status, or -1 when it is not one */
    bool found;     /* the message had the shape "<fn>: expected <x>, got <y>..." */
} sdc_check;

static int sdc_status_by_name(const char *s)
{
    for (int i = 0; i < SDC_N_STATUS; i++)
        if (strcmp(s, sdc_api_status_name((isoIec23465_Status)i)) == 0)
            return i;
    return -1;
}

static bool sdc_token(char *dst, size_t size, const char *src, size_t n)
{
    if (n == 0 || n >= size)
        return false;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return true;
}

static sdc_check sdc_parse(const char *msg)
{
    sdc_check c = {.fn = -1, .got_status = -1};
    if (!msg)
        return c;
    const char *e = strstr(msg, ": expected ");
    char fn[128];
    if (!e || !sdc_token(fn, sizeof fn, msg, (size_t)(e - msg)))
        return c;
    const char *w = e + strlen(": expected ");
    const char *g = strstr(w, ", got ");
    if (!g || !sdc_token(c.want, sizeof c.want, w, (size_t)(g - w)))
        return c;
    const char *a = g + strlen(", got ");
    if (!sdc_token(c.got, sizeof c.got, a, strcspn(a, " ")))
        return c;
    c.fn = sdc_api_find(fn);
    c.got_status = sdc_status_by_name(c.got);
    c.found = true;
    return c;
}

/* "L1_DataContainer" -> level 1, class "DataContainer". */
static int sdc_suite_level(const char *suite)
{
    if (suite[0] == 'L' && suite[1] >= '1' && suite[1] <= '3' && suite[2] == '_')
        return suite[1] - '0';
    return 0;
}

static const char *sdc_suite_class(const char *suite)
{
    return sdc_suite_level(suite) ? suite + 3 : suite;
}

/* The function a test exercises, from the naming rule <function>_<what>: the class of the
 * suite first (L1_Object/getType_... -> Object_getType), then a device function
 * (connectSecurityDevice_...), then a SecurityDevice method. -1 when none matches. */
static int sdc_test_function(const char *suite, const char *test)
{
    char head[96], name[200];
    size_t n = strcspn(test, "_");
    if (n >= sizeof head)
        return -1;
    memcpy(head, test, n);
    head[n] = '\0';
    snprintf(name, sizeof name, "%s_%s", sdc_suite_class(suite), head);
    int fn = sdc_api_find(name);
    if (fn < 0)
        fn = sdc_api_find(head);
    if (fn < 0) {
        snprintf(name, sizeof name, "SecurityDevice_%s", head);
        fn = sdc_api_find(name);
    }
    return fn;
}

/* Criterion marks a test whose .init or .fini failed an assertion as crashed with signal 0;
 * that is a failure with a message, not a crash. */
static bool sdc_setup_failed(const struct criterion_test_stats *ts)
{
    return ts->crashed && ts->signal == 0 && ts->failed_asserts > 0;
}

static const char *sdc_result(const struct criterion_test_stats *ts)
{
    if (sdc_setup_failed(ts))
        return "fail";
    if (ts->crashed)
        return "crash";
    if (ts->timed_out)
        return "timeout";
    if (ts->test_status == CR_STATUS_SKIPPED)
        return "skip";
    if (ts->test_status == CR_STATUS_FAILED)
        return "fail";
    return "pass";
}

static bool sdc_failed(const struct criterion_test_stats *ts)
{
    const char *r = sdc_result(ts);
    return strcmp(r, "pass") != 0 && strcmp(r, "skip") != 0;
}

static const struct criterion_assert_stats *sdc_first_failure(const struct criterion_test_stats *ts)
{
    for (const struct criterion_assert_stats *a = ts->asserts; a; a = a->next)
        if (!a->passed)
            return a;
    return NULL;
}

/* Why a test failed, in one line. */
static void sdc_reason(const struct criterion_test_stats *ts, char *buf, size_t size)
{
    const struct criterion_assert_stats *a = sdc_first_failure(ts);
    if (sdc_setup_failed(ts) && a)
        snprintf(buf, size, "in setup or teardown: %s", a->message ? a->message : "");
    else if (ts->crashed)
        snprintf(buf, size, "crashed (signal %d)", ts->signal);
    else if (ts->timed_out)
        snprintf(buf, size, "timed out");
    else if (a)
        snprintf(buf, size, "%s", a->message ? a->message : "");
    else if (ts->test_status == CR_STATUS_SKIPPED || ts->test_status == CR_STATUS_FAILED)
        snprintf(buf, size, "%s", ts->message ? ts->message : "");
    else
        buf[0] = '\0';
}

/* Per-function and per-level totals. */
typedef struct sdc_fn_stats {
    unsigned tests, passed, failed, skipped;
    unsigned seen; /* bit per status returned in a check of this function */
} sdc_fn_stats;

typedef struct sdc_level_stats {
    unsigned tests, passed, failed, skipped;
    unsigned functions, covered; /* functions of the level, and how many have a test */
} sdc_level_stats;

typedef struct sdc_totals {
    sdc_fn_stats fn[SDC_FN_COUNT];
    sdc_level_stats level[4];
    unsigned other_tests, other_failed; /* tests of suites without a level */
} sdc_totals;

static void sdc_collect(const struct criterion_global_stats *st, sdc_totals *t)
{
    memset(t, 0, sizeof *t);
    for (const struct criterion_suite_stats *ss = st->suites; ss; ss = ss->next) {
        for (const struct criterion_test_stats *ts = ss->tests; ts; ts = ts->next) {
            int lvl = sdc_suite_level(ts->test->category);
            int fn = sdc_test_function(ts->test->category, ts->test->name);
            bool skip = ts->test_status == CR_STATUS_SKIPPED && !ts->crashed;
            bool fail = sdc_failed(ts);
            if (lvl) {
                sdc_level_stats *l = &t->level[lvl];
                l->tests++;
                l->skipped += skip;
                l->failed += fail;
                l->passed += !skip && !fail;
            } else {
                t->other_tests++;
                t->other_failed += fail;
            }
            if (fn >= 0) {
                sdc_fn_stats *f = &t->fn[fn];
                f->tests++;
                f->skipped += skip;
                f->failed += fail;
                f->passed += !skip && !fail;
            }
            for (const struct criterion_assert_stats *a = ts->asserts; a; a = a->next) {
                sdc_check c = sdc_parse(a->message);
                if (c.found && c.fn >= 0 && c.got_status >= 0)
                    t->fn[c.fn].seen |= 1u << c.got_status;
            }
        }
    }
    for (int i = 0; i < SDC_FN_COUNT; i++) {
        int lvl = sdc_api_level((enum sdc_api_fn)i);
        if (i == SDC_FN_getLastError || i == SDC_FN_statusToString)
            continue; /* used by every test, not tested as such */
        t->level[lvl].functions++;
        t->level[lvl].covered += t->fn[i].tests > 0;
    }
}

static const char *sdc_level_verdict(const sdc_level_stats *l)
{
    if (l->tests == l->skipped)
        return "not tested";
    return l->failed ? "does not conform" : "conforms";
}

static const char *sdc_fn_verdict(const sdc_fn_stats *f)
{
    if (f->tests == f->skipped)
        return "not tested";
    return f->failed ? "fail" : "pass";
}

/* ---- Console ------------------------------------------------------------------------------ */

static double sdc_elapsed(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - sdc_t0.tv_sec) + (double)(now.tv_nsec - sdc_t0.tv_nsec) / 1e9;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    clock_gettime(CLOCK_MONOTONIC, &sdc_t0);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(sdc_started, sizeof sdc_started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    sdc_done = 0;
}

ReportHook(POST_TEST)(struct criterion_test_stats *ts)
{
    sdc_done++;
    const char *r = sdc_result(ts);
    printf("[%3zu/%zu %6.2f s] %-28s %-52s %-5s %6.1f ms\n", sdc_done, sdc_report.total,
           sdc_elapsed(), ts->test->category, ts->test->name, r, (double)ts->elapsed_time * 1000.0);
    if (strcmp(r, "pass") != 0) {
        char why[1024];
        sdc_reason(ts, why, sizeof why);
        printf("      %s: %s\n", strcmp(r, "skip") == 0 ? "skipped" : "why", why);
    }
    fflush(stdout);
    /* Only the traces of failed tests are kept (and embedded in the report). */
    if (!sdc_failed(ts))
        sdc_trace_discard(sdc_report.trace_dir, ts->test->category, ts->test->name);
}

/* ---- summary.txt --------------------------------------------------------------------------- */

/* One line per level and class (suite), in level order: the table at the end of a run. */
static void sdc_class_table(FILE *out, const struct criterion_global_stats *st)
{
    fprintf(out, "%-5s %-28s %6s %6s %6s %7s\n", "level", "class", "tests", "passed", "failed",
            "skipped");
    for (int l = 0; l <= 3; l++) {
        for (const struct criterion_suite_stats *ss = st->suites; ss; ss = ss->next) {
            if (ss->nb_tests == 0 || sdc_suite_level(ss->suite->name) != l)
                continue;
            unsigned tests = 0, passed = 0, failed = 0, skipped = 0;
            for (const struct criterion_test_stats *ts = ss->tests; ts; ts = ts->next) {
                const char *r = sdc_result(ts);
                tests++;
                skipped += strcmp(r, "skip") == 0;
                passed += strcmp(r, "pass") == 0;
                failed += sdc_failed(ts);
            }
            char lv[8];
            snprintf(lv, sizeof lv, l ? "%d" : "-", l);
            fprintf(out, "%-5s %-28s %6u %6u %6u %7u\n", lv, sdc_suite_class(ss->suite->name),
                    tests, passed, failed, skipped);
        }
    }
}

static void sdc_summary(FILE *out, const struct criterion_global_stats *st, const sdc_totals *t)
{
    fprintf(out, "sdconform summary\ndevice: %s\nproxy: %s\n", sdc_report.device,
            sdc_report.proxy[0] ? sdc_report.proxy : "libsdproxy (linked)");
    fprintf(out, "card description: %s\ndestructive tests: %s\n\n",
            sdc_report.card && sdc_report.card[0] ? sdc_report.card : "none",
            sdc_report.destructive ? "allowed" : "not allowed");
    for (const struct criterion_suite_stats *ss = st->suites; ss; ss = ss->next) {
        if (ss->nb_tests == 0)
            continue;
        fprintf(out, "%s: %zu passed, %zu failed (%zu crashed), %zu skipped\n", ss->suite->name,
                ss->tests_passed, ss->tests_failed, ss->tests_crashed, ss->tests_skipped);
        for (const struct criterion_test_stats *ts = ss->tests; ts; ts = ts->next) {
            const char *r = sdc_result(ts);
            const char *verdict = strcmp(r, "crash") == 0  ? "CRASH"
                                  : strcmp(r, "skip") == 0 ? "SKIP"
                                  : strcmp(r, "pass") == 0 ? "PASS"
                                                           : "FAIL";
            char why[1024];
            sdc_reason(ts, why, sizeof why);
            fprintf(out, "  %-5s %s", verdict, ts->test->name);
            if (strcmp(verdict, "PASS") != 0 && why[0])
                fprintf(out, "  -- %s", why);
            fputc('\n', out);
        }
    }
    fputc('\n', out);
    sdc_class_table(out, st);
    fputc('\n', out);
    for (int l = 1; l <= 3; l++)
        fprintf(out, "level %d: %s (%u tests, %u failed, %u skipped; %u of %u functions tested)\n",
                l, sdc_level_verdict(&t->level[l]), t->level[l].tests, t->level[l].failed,
                t->level[l].skipped, t->level[l].covered, t->level[l].functions);
    fprintf(out, "\ntotal: %zu tests, %zu passed, %zu failed (%zu crashed), %zu skipped\n",
            st->nb_tests, st->tests_passed, st->tests_failed, st->tests_crashed, st->tests_skipped);
}

/* ---- report.json --------------------------------------------------------------------------- */

static void sdc_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7F)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void sdc_json_status(FILE *f, int st)
{
    if (st < 0)
        fputs("null", f);
    else
        sdc_json_str(f, sdc_api_status_name((isoIec23465_Status)st));
}

static void sdc_json_opt(FILE *f, const char *s)
{
    if (s)
        sdc_json_str(f, s);
    else
        fputs("null", f);
}

static void sdc_json_seen(FILE *f, unsigned seen)
{
    fputc('[', f);
    const char *sep = "";
    for (int i = 0; i < SDC_N_STATUS; i++) {
        if (seen & (1u << i)) {
            fputs(sep, f);
            sdc_json_status(f, i);
            sep = ", ";
        }
    }
    fputc(']', f);
}

/* Why a test has no embedded trace ("" when it has one). */
static const char *sdc_trace_note(const struct criterion_test_stats *ts, const char *trace)
{
    if (trace)
        return "";
    if (!sdc_report.trace_dir || !sdc_report.trace_dir[0])
        return "no trace available: run with --report to record traces";
    if (!sdc_failed(ts))
        return "not kept: traces are kept for failed tests only";
    return "no trace available: the proxy under test wrote none for this test (libsdproxy "
           "writes one when SDPROXY_TRACE is set; a test that opens no connection has none)";
}

static void sdc_json_test(FILE *f, const struct criterion_test_stats *ts)
{
    const char *suite = ts->test->category;
    int fn = sdc_test_function(suite, ts->test->name);
    char why[1024];
    sdc_reason(ts, why, sizeof why);
    const struct criterion_assert_stats *fa = sdc_first_failure(ts);
    sdc_check fc = sdc_parse(fa ? fa->message : NULL);
    unsigned seen = 0;
    for (const struct criterion_assert_stats *a = ts->asserts; a; a = a->next) {
        sdc_check c = sdc_parse(a->message);
        if (c.found && c.got_status >= 0 && (fn < 0 || c.fn == fn))
            seen |= 1u << c.got_status;
    }
    fputs("    {\"suite\": ", f);
    sdc_json_str(f, suite);
    fputs(", \"name\": ", f);
    sdc_json_str(f, ts->test->name);
    fputs(", \"class\": ", f);
    sdc_json_str(f, sdc_suite_class(suite));
    fprintf(f, ", \"level\": %d, \"function\": ", sdc_suite_level(suite));
    if (fn >= 0)
        sdc_json_str(f, sdc_api_names[fn]);
    else
        fputs("null", f);
    fputs(", \"result\": ", f);
    sdc_json_str(f, sdc_result(ts));
    fprintf(f, ", \"duration_s\": %.6f, \"status_seen\": ", (double)ts->elapsed_time);
    sdc_json_seen(f, seen);
    fputs(", \"failed_call\": ", f);
    if (fc.found && fc.fn >= 0)
        sdc_json_str(f, sdc_api_names[fc.fn]);
    else
        fputs("null", f);
    fputs(", \"expected\": ", f);
    sdc_json_opt(f, fc.found ? fc.want : NULL);
    fputs(", \"actual\": ", f);
    sdc_json_opt(f, fc.found ? fc.got : NULL);
    fputs(", \"message\": ", f);
    sdc_json_str(f, why);
    fputs(", \"location\": ", f);
    if (fa && fa->file) {
        char loc[512];
        snprintf(loc, sizeof loc, "%s:%u", fa->file, fa->line);
        sdc_json_str(f, loc);
    } else {
        fputs("null", f);
    }
    char *trace =
        sdc_failed(ts) ? sdc_trace_read(sdc_report.trace_dir, suite, ts->test->name) : NULL;
    fputs(", \"trace\": ", f);
    sdc_json_opt(f, trace);
    fputs(", \"trace_note\": ", f);
    sdc_json_str(f, sdc_trace_note(ts, trace));
    free(trace);
    fputs("}", f);
}

static void sdc_json(FILE *f, const struct criterion_global_stats *st, const sdc_totals *t,
                     double elapsed)
{
    fputs("{\n  \"tool\": \"sdconform\", \"version\": ", f);
    sdc_json_str(f, SDC_VERSION);
    fputs(", \"started\": ", f);
    sdc_json_str(f, sdc_started);
    fprintf(f, ", \"elapsed_s\": %.3f,\n  \"device\": {\"spec\": ", elapsed);
    sdc_json_str(f, sdc_report.device);
    fputs(", \"error\": ", f);
    if (sdc_report.ident.error[0])
        sdc_json_str(f, sdc_report.ident.error);
    else
        fputs("null", f);
    fputs(", \"attributes\": {", f);
    for (int a = 1; a <= SDC_N_ATTRS; a++) {
        fprintf(f, "%s", a > 1 ? ", " : "");
        sdc_json_str(f, sdc_attr_names[a]);
        fputs(": ", f);
        sdc_json_str(f, sdc_report.ident.attr[a]);
    }
    fputs("}},\n  \"proxy\": {\"path\": ", f);
    if (sdc_report.proxy[0])
        sdc_json_str(f, sdc_report.proxy);
    else
        fputs("null", f);
    fputs(", \"api_version\": ", f);
    sdc_json_str(f, sdc_report.ident.attr[isoIec23465_AttrApiVersion]);
    fputs(", \"missing_functions\": [", f);
    const char *sep = "";
    for (int i = 0; i < SDC_FN_COUNT; i++) {
        if (!sdc_api_has((enum sdc_api_fn)i)) {
            fputs(sep, f);
            sdc_json_str(f, sdc_api_names[i]);
            sep = ", ";
        }
    }
    fputs("]},\n  \"run\": {\"card\": ", f);
    sdc_json_opt(f, sdc_report.card && sdc_report.card[0] ? sdc_report.card_path : NULL);
    fputs(", \"card_name\": ", f);
    sdc_json_opt(f, sdc_report.card && sdc_report.card[0] ? sdc_report.card : NULL);
    fprintf(f, ", \"allow_destructive\": %s, \"expect_serial\": ",
            sdc_report.destructive ? "true" : "false");
    sdc_json_opt(f, sdc_report.expect_serial && sdc_report.expect_serial[0]
                        ? sdc_report.expect_serial
                        : NULL);
    fputs(", \"trace_dir\": ", f);
    sdc_json_opt(f, sdc_report.trace_dir && sdc_report.trace_dir[0] ? sdc_report.trace_dir : NULL);
    fputs("},\n  \"levels\": [\n", f);
    for (int l = 1; l <= 3; l++) {
        const sdc_level_stats *s = &t->level[l];
        fprintf(f,
                "    {\"level\": %d, \"verdict\": \"%s\", \"tests\": %u, \"passed\": %u, "
                "\"failed\": %u, \"skipped\": %u, \"functions\": %u, \"functions_tested\": "
                "%u}%s\n",
                l, sdc_level_verdict(s), s->tests, s->passed, s->failed, s->skipped, s->functions,
                s->covered, l < 3 ? "," : "");
    }
    fprintf(f,
            "  ],\n  \"totals\": {\"tests\": %zu, \"passed\": %zu, \"failed\": %zu, \"crashed\": "
            "%zu, \"skipped\": %zu},\n  \"tests\": [\n",
            st->nb_tests, st->tests_passed, st->tests_failed, st->tests_crashed, st->tests_skipped);
    sep = "";
    for (const struct criterion_suite_stats *ss = st->suites; ss; ss = ss->next) {
        for (const struct criterion_test_stats *ts = ss->tests; ts; ts = ts->next) {
            fputs(sep, f);
            sdc_json_test(f, ts);
            sep = ",\n";
        }
    }
    fputs("\n  ],\n  \"functions\": [\n", f);
    sep = "";
    for (int i = 0; i < SDC_FN_COUNT; i++) {
        const sdc_fn_stats *s = &t->fn[i];
        fputs(sep, f);
        fputs("    {\"function\": ", f);
        sdc_json_str(f, sdc_api_names[i]);
        fprintf(f,
                ", \"level\": %d, \"exported\": %s, \"tests\": %u, \"passed\": %u, \"failed\": "
                "%u, \"skipped\": %u, \"result\": \"%s\", \"status_seen\": ",
                sdc_api_level((enum sdc_api_fn)i),
                sdc_api_has((enum sdc_api_fn)i) ? "true" : "false", s->tests, s->passed, s->failed,
                s->skipped, sdc_fn_verdict(s));
        sdc_json_seen(f, s->seen);
        fputs("}", f);
        sep = ",\n";
    }
    fputs("\n  ]\n}\n", f);
}

/* ---- report.html --------------------------------------------------------------------------- */

static void sdc_html_esc(FILE *f, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*p, f);
        }
    }
}

static const char sdc_css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
    "max-width:72em;color:#222;line-height:1.4}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;"
    "border-bottom:1px solid #ccc;padding-bottom:.2em}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:.92em}"
    "th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}td.k{width:14em;color:#555}"
    "code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em}"
    ".pass,.conforms{color:#11671f;font-weight:600}"
    ".fail,.crash,.timeout,.does-not-conform{color:#a4161a;font-weight:600}"
    ".skip,.not-tested{color:#777}"
    ".banner{padding:.8em 1em;border-radius:6px;margin:1em 0;font-size:1.1em}"
    ".banner.ok{background:#e6f4ea;border:1px solid #8cc79b}"
    ".banner.bad{background:#fdecea;border:1px solid #e39a9a}"
    ".failure{border:1px solid #e3b4b4;border-left:5px solid #a4161a;padding:.5em 1em;"
    "margin:.8em 0;border-radius:4px}"
    ".muted{color:#666;font-size:.9em}"
    ".trace pre{background:#f7f7f7;border:1px solid #ddd;padding:.5em;overflow-x:auto;"
    "font-size:.85em;max-height:40em;white-space:pre}"
    ".trace summary{cursor:pointer;color:#444;margin:.3em 0}";

/* A CSS class from a verdict text ("does not conform" -> "does-not-conform"). */
static void sdc_html_class(FILE *f, const char *verdict)
{
    for (const char *p = verdict; *p; p++)
        fputc(*p == ' ' ? '-' : *p, f);
}

static void sdc_html_row(FILE *f, const char *k, const char *v)
{
    fputs("<tr><td class=\"k\">", f);
    sdc_html_esc(f, k);
    fputs("</td><td class=\"mono\">", f);
    sdc_html_esc(f, v);
    fputs("</td></tr>\n", f);
}

static void sdc_html_seen(FILE *f, unsigned seen)
{
    const char *sep = "";
    for (int i = 0; i < SDC_N_STATUS; i++) {
        if (seen & (1u << i)) {
            fprintf(f, "%s%s", sep, sdc_api_status_name((isoIec23465_Status)i));
            sep = ", ";
        }
    }
}

static void sdc_html(FILE *f, const struct criterion_global_stats *st, const sdc_totals *t,
                     double elapsed)
{
    bool ok = st->tests_failed == 0 && st->tests_crashed == 0;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>sdconform report</title>\n<style>",
          f);
    fputs(sdc_css, f);
    fputs("</style></head><body>\n<h1>ISO/IEC TS 23465-2 conformance report</h1>\n", f);
    fputs("<p class=\"muted\">sdconform ", f);
    sdc_html_esc(f, SDC_VERSION);
    fprintf(f, " &middot; run started %s &middot; %.1f s</p>\n", sdc_started, elapsed);
    fprintf(f,
            "<div class=\"banner %s\">%s: %zu tests, %zu passed, %zu failed (%zu crashed), %zu "
            "skipped</div>\n",
            ok ? "ok" : "bad", ok ? "All applicable tests passed" : "Some tests failed",
            st->nb_tests, st->tests_passed, st->tests_failed, st->tests_crashed, st->tests_skipped);

    fputs("<h2>Security device</h2>\n<table>\n", f);
    sdc_html_row(f, "Device (--device)", sdc_report.device);
    sdc_html_row(f, "Card description (--card)",
                 sdc_report.card && sdc_report.card[0] ? sdc_report.card : "none");
    sdc_html_row(f, "Destructive tests (--allow-destructive)",
                 sdc_report.destructive ? "allowed" : "not allowed: skipped");
    if (sdc_report.expect_serial && sdc_report.expect_serial[0])
        sdc_html_row(f, "Expected serial (--expect-serial)", sdc_report.expect_serial);
    if (sdc_report.ident.error[0])
        sdc_html_row(f, "Attributes", sdc_report.ident.error);
    else
        for (int a = 1; a <= SDC_N_ATTRS; a++)
            if (a != isoIec23465_AttrApiVersion)
                sdc_html_row(f, sdc_attr_names[a], sdc_report.ident.attr[a]);
    fputs("</table>\n<h2>Proxy</h2>\n<table>\n", f);
    sdc_html_row(f, "Library (--proxy)",
                 sdc_report.proxy[0] ? sdc_report.proxy : "libsdproxy, linked into sdconform");
    sdc_html_row(f, "API version (attribute ApiVersion)",
                 sdc_report.ident.attr[isoIec23465_AttrApiVersion]);
    fputs("<tr><td class=\"k\">Functions not exported</td><td class=\"mono\">", f);
    unsigned missing = 0;
    for (int i = 0; i < SDC_FN_COUNT; i++) {
        if (!sdc_api_has((enum sdc_api_fn)i)) {
            fputs(missing++ ? ", " : "", f);
            sdc_html_esc(f, sdc_api_names[i]);
        }
    }
    fputs(missing ? "" : "none", f);
    fputs("</td></tr>\n</table>\n", f);

    fputs("<h2>Verdict per level</h2>\n<table><tr><th>level</th><th>scope</th><th>verdict</th>"
          "<th>tests</th><th>passed</th><th>failed</th><th>skipped</th>"
          "<th>functions tested</th></tr>\n",
          f);
    static const char *const scope[] = {"", "secure credential storage", "cryptography",
                                        "secure application"};
    for (int l = 1; l <= 3; l++) {
        const sdc_level_stats *s = &t->level[l];
        const char *v = sdc_level_verdict(s);
        fprintf(f, "<tr><td>%d</td><td>%s</td><td class=\"", l, scope[l]);
        sdc_html_class(f, v);
        fprintf(f, "\">%s</td><td>%u</td><td>%u</td><td>%u</td><td>%u</td><td>%u of %u</td></tr>\n",
                v, s->tests, s->passed, s->failed, s->skipped, s->covered, s->functions);
    }
    fputs("</table>\n<p class=\"muted\">A level conforms when every test of it that applies "
          "passed. &ldquo;Functions tested&rdquo; counts the API functions of the level that "
          "have at least one test in this version of sdconform.</p>\n",
          f);

    fputs("<h2>Failures</h2>\n", f);
    unsigned nfail = 0;
    for (const struct criterion_suite_stats *ss = st->suites; ss; ss = ss->next) {
        for (const struct criterion_test_stats *ts = ss->tests; ts; ts = ts->next) {
            if (!sdc_failed(ts))
                continue;
            nfail++;
            const struct criterion_assert_stats *fa = sdc_first_failure(ts);
            sdc_check c = sdc_parse(fa ? fa->message : NULL);
            char why[1024];
            sdc_reason(ts, why, sizeof why);
            fputs("<div class=\"failure\"><b>", f);
            sdc_html_esc(f, ts->test->category);
            fputs(" / ", f);
            sdc_html_esc(f, ts->test->name);
            fprintf(f, "</b> <span class=\"%s\">%s</span>\n<table>\n", sdc_result(ts),
                    sdc_result(ts));
            if (c.found) {
                sdc_html_row(f, "Call", c.fn >= 0 ? sdc_api_names[c.fn] : "?");
                sdc_html_row(f, "Expected", c.want);
                sdc_html_row(f, "Actual", c.got);
            }
            sdc_html_row(f, "Message", why);
            if (fa && fa->file) {
                char loc[512];
                snprintf(loc, sizeof loc, "%s:%u", fa->file, fa->line);
                sdc_html_row(f, "Assertion", loc);
            }
            fputs("</table>\n", f);
            char *trace = sdc_trace_read(sdc_report.trace_dir, ts->test->category, ts->test->name);
            if (trace) {
                fputs("<details class=\"trace\" open><summary>APDU trace of this test "
                      "(<code>&gt;</code> command, <code>&lt;</code> response, secrets masked "
                      "as <code>**</code>)</summary><pre>",
                      f);
                sdc_html_esc(f, trace);
                fputs("</pre></details>\n", f);
            } else {
                fputs("<p class=\"muted\">APDU trace: ", f);
                sdc_html_esc(f, sdc_trace_note(ts, NULL));
                fputs("</p>\n", f);
            }
            free(trace);
            fputs("</div>\n", f);
        }
    }
    if (!nfail)
        fputs("<p>None.</p>\n", f);

    fputs("<h2>API functions</h2>\n<table><tr><th>function</th><th>level</th><th>exported</th>"
          "<th>tests</th><th>passed</th><th>failed</th><th>result</th><th>statuses seen</th>"
          "</tr>\n",
          f);
    for (int i = 0; i < SDC_FN_COUNT; i++) {
        const sdc_fn_stats *s = &t->fn[i];
        const char *v = sdc_fn_verdict(s);
        fputs("<tr><td class=\"mono\">", f);
        sdc_html_esc(f, sdc_api_names[i]);
        fprintf(f, "</td><td>%d</td><td>%s</td><td>%u</td><td>%u</td><td>%u</td><td class=\"",
                sdc_api_level((enum sdc_api_fn)i), sdc_api_has((enum sdc_api_fn)i) ? "yes" : "no",
                s->tests, s->passed, s->failed);
        sdc_html_class(f, v);
        fprintf(f, "\">%s</td><td class=\"mono\">", v);
        sdc_html_seen(f, s->seen);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);

    fputs("<h2>All tests</h2>\n<table><tr><th>suite</th><th>test</th><th>function</th>"
          "<th>result</th><th>ms</th><th>why skipped</th></tr>\n",
          f);
    for (const struct criterion_suite_stats *ss = st->suites; ss; ss = ss->next) {
        for (const struct criterion_test_stats *ts = ss->tests; ts; ts = ts->next) {
            int fn = sdc_test_function(ts->test->category, ts->test->name);
            fputs("<tr><td>", f);
            sdc_html_esc(f, ts->test->category);
            fputs("</td><td class=\"mono\">", f);
            sdc_html_esc(f, ts->test->name);
            fputs("</td><td class=\"mono\">", f);
            sdc_html_esc(f, fn >= 0 ? sdc_api_names[fn] : "");
            fprintf(f, "</td><td class=\"%s\">%s</td><td>%.1f</td><td class=\"muted\">",
                    sdc_result(ts), sdc_result(ts), (double)ts->elapsed_time * 1000.0);
            if (strcmp(sdc_result(ts), "skip") == 0) {
                char why[1024];
                sdc_reason(ts, why, sizeof why);
                sdc_html_esc(f, why);
            }
            fputs("</td></tr>\n", f);
        }
    }
    fputs("</table>\n<p class=\"muted\">Statuses are the exceptions of ISO/IEC TS 23465-2 as "
          "named by this project's C binding. Generated by sdconform; how to read it: "
          "docs/conformance.md.</p>\n</body></html>\n",
          f);
}

/* ---- Writing --------------------------------------------------------------------------------- */

typedef void (*sdc_writer)(FILE *, const struct criterion_global_stats *, const sdc_totals *,
                           double);

static void sdc_summary_w(FILE *f, const struct criterion_global_stats *st, const sdc_totals *t,
                          double elapsed)
{
    (void)elapsed;
    sdc_summary(f, st, t);
}

static void sdc_write(const char *name, sdc_writer w, const struct criterion_global_stats *st,
                      const sdc_totals *t, double elapsed)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", sdc_report.dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sdconform: %s: %s\n", path, strerror(errno));
        sdc_files_ok = false;
        return;
    }
    w(f, st, t, elapsed);
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "sdconform: %s: write failed\n", path);
        sdc_files_ok = false;
    }
}

ReportHook(POST_ALL)(struct criterion_global_stats *st)
{
    double elapsed = sdc_elapsed();
    static sdc_totals t; /* large: not on the stack */
    sdc_collect(st, &t);
    sdc_summary(stdout, st, &t);
    printf("elapsed: %.2f s\n", elapsed);
    fflush(stdout);
    if (!sdc_report.dir || !sdc_report.dir[0])
        return;
    sdc_write("summary.txt", sdc_summary_w, st, &t, elapsed);
    sdc_write("report.json", sdc_json, st, &t, elapsed);
    sdc_write("report.html", sdc_html, st, &t, elapsed);
}

bool sdc_report_ok(void)
{
    return sdc_files_ok;
}
