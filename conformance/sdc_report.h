/* sdc_report: progress on the console and the report files of a run (junit.xml is Criterion's;
 * summary.txt, report.json and report.html are written here from Criterion's statistics).
 *
 * Criterion runs each test in a child process; the report hooks (POST_TEST, POST_ALL) run in
 * the parent, which sees each test's result, duration and assertion messages. The messages of
 * sdc_assert_status have a fixed shape (sdc_target.h) from which the function called and the
 * expected and actual statuses are read back. */
#ifndef SDC_REPORT_H
#define SDC_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "sdc_api.h"

/* What the report says about the device, read in the parent before the tests run. */
#define SDC_N_ATTRS 17
typedef struct sdc_ident {
    char attr[SDC_N_ATTRS + 1][160]; /* by isoIec23465_DeviceAttribute; "" when not read */
    char error[300];                 /* why the attributes could not be read, or "" */
} sdc_ident;

/* The run's settings, filled by main before criterion_run_all_tests. */
typedef struct sdc_report_config {
    const char *device;        /* --device spec (with a note for --device vicc) */
    const char *dir;           /* --report DIR, or "" for console only */
    const char *trace_dir;     /* DIR/traces, or "" when not tracing */
    const char *proxy;         /* --proxy path, or "" for the linked libsdproxy */
    const char *card;          /* name of the --card description, or "" */
    const char *card_path;     /* --card path, or "" */
    bool destructive;          /* --allow-destructive */
    const char *expect_serial; /* --expect-serial value, or "" */
    size_t total;              /* number of tests selected, for the progress line */
    sdc_ident ident;
} sdc_report_config;

extern sdc_report_config sdc_report;

/* Reads the device attributes through the proxy (connect, root application, disconnect). */
void sdc_report_identify(const char *spec, sdc_ident *id);

/* The attribute's name as in docs/api.md ("Atr", "ApiLevels", ...); index 1..SDC_N_ATTRS. */
const char *sdc_report_attr_name(int attr);

/* Whether the report files could all be written (valid after the run). */
bool sdc_report_ok(void);

#endif
