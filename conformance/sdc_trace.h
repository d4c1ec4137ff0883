/* Per-test APDU traces for the report.
 *
 * In each test process, the connect functions of the API table are wrapped: before every
 * connection the wrapper points SDPROXY_TRACE (read by libsdproxy at connect, docs/trace.md) at
 * a file of its own, <dir>/<suite>.<test>.<k>.trace (k = 1, 2, ... per connection of the test),
 * so that a test opening several connections keeps all of them. After the run the report
 * embeds the traces of the failed tests; the files of tests that passed are removed. A proxy
 * that does not read SDPROXY_TRACE writes nothing: its failures say "no trace available". */
#ifndef SDC_TRACE_H
#define SDC_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "sdc_api.h"

/* The directory of the traces, handed from main to the test processes. Unset: no tracing. */
#define SDC_TRACE_ENV "SDCONFORM_TRACE_DIR"

/* Most bytes of one test's traces embedded in the report; the files keep everything. */
#define SDC_TRACE_EMBED_MAX (64u * 1024u)

/* Replaces the connect functions of `t` with tracing wrappers when SDC_TRACE_ENV is set (called
 * by sdc_api.c once the table is filled). */
void sdc_trace_hook(sdc_api_table *t);

/* The traces one test wrote, concatenated with a "# connection k: FILE" line before each, at
 * most SDC_TRACE_EMBED_MAX bytes (then a truncation note). Returns a malloc'ed text, or NULL
 * when the test wrote no trace (or tracing is off). */
char *sdc_trace_read(const char *dir, const char *suite, const char *test);

/* Removes the trace files of one test. */
void sdc_trace_discard(const char *dir, const char *suite, const char *test);

#endif
