/* sdtrace: work with APDU traces (docs/trace.md).
 *   sdtrace show FILE      print a trace with the meaning of each status word
 *   sdtrace diff A B       align two traces entry by entry and print where they differ
 * Subcommands live in one table (sdtrace_commands) so that more can be added beside these. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_apdu.h"
#include "codec_trace.h"
#include "sdtrace_capture.h"

/* Exit codes: 0 same / done, 1 traces differ, 2 usage or input error. */
enum { SDTRACE_OK = 0, SDTRACE_DIFFER = 1, SDTRACE_ERROR = 2 };

static size_t sdtrace_fread(void *ctx, char *buf, size_t n)
{
    return fread(buf, 1, n, ctx);
}

/* Reads and parses a trace file; prints "FILE:LINE: reason" and returns NULL when malformed. */
static codec_trace *sdtrace_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sdtrace: %s: cannot open\n", path);
        return NULL;
    }
    codec_trace_error err;
    codec_trace *t = codec_trace_read(sdtrace_fread, f, &err);
    fclose(f);
    if (!t) {
        char msg[1024];
        codec_trace_error_format(&err, path, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
    }
    return t;
}

/* Prints bytes with their kinds; long strings are printed whole (a trace is for reading). */
static void sdtrace_print_bytes(FILE *out, const char *prefix, const uint8_t *b,
                                const uint8_t *kind, size_t len)
{
    size_t need = codec_trace_format_bytes(b, kind, len, NULL, 0) + 1;
    char *s = malloc(need);
    if (!s)
        return;
    codec_trace_format_bytes(b, kind, len, s, need);
    fprintf(out, "%s%s\n", prefix, s);
    free(s);
}

static int sdtrace_show(int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: sdtrace show FILE\n");
        return SDTRACE_ERROR;
    }
    codec_trace *t = sdtrace_load(argv[0]);
    if (!t)
        return SDTRACE_ERROR;
    size_t al;
    const uint8_t *atr = codec_trace_atr(t, &al);
    if (atr)
        sdtrace_print_bytes(stdout, "ATR  ", atr, NULL, al);
    for (size_t i = 0; i < codec_trace_count(t); i++) {
        const codec_trace_entry *e = codec_trace_get(t, i);
        printf("#%zu  line %zu  @%llu.%06llus  ch%u  %llu.%03llums\n", i + 1, e->line,
               (unsigned long long)(e->time_us / 1000000u),
               (unsigned long long)(e->time_us % 1000000u), e->channel,
               (unsigned long long)(e->duration_us / 1000u),
               (unsigned long long)(e->duration_us % 1000u));
        sdtrace_print_bytes(stdout, "  > ", e->cmd, e->cmd_kind, e->cmd_len);
        sdtrace_print_bytes(stdout, "  < ", e->resp, e->resp_kind, e->resp_len);
        size_t n = e->resp_len;
        if (e->resp_kind[n - 2] == CODEC_TRACE_BYTE && e->resp_kind[n - 1] == CODEC_TRACE_BYTE) {
            uint16_t sw = (uint16_t)(e->resp[n - 2] << 8 | e->resp[n - 1]);
            printf("    SW %04X: %s\n", sw, codec_sw_describe(sw));
        } else
            printf("    SW (wildcard)\n");
    }
    codec_trace_free(t);
    return SDTRACE_OK;
}

/* Prints one side of a difference. */
static void sdtrace_side(const char *name, const codec_trace_entry *e, char dir)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "  %s %c ", name, dir);
    if (dir == '>')
        sdtrace_print_bytes(stdout, prefix, e->cmd, e->cmd_kind, e->cmd_len);
    else
        sdtrace_print_bytes(stdout, prefix, e->resp, e->resp_kind, e->resp_len);
}

static int sdtrace_diff(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sdtrace diff A B\n");
        return SDTRACE_ERROR;
    }
    codec_trace *a = sdtrace_load(argv[0]);
    codec_trace *b = a ? sdtrace_load(argv[1]) : NULL;
    if (!a || !b) {
        codec_trace_free(a);
        return SDTRACE_ERROR;
    }
    size_t na = codec_trace_count(a), nb = codec_trace_count(b);
    size_t n = na < nb ? na : nb, diffs = 0;
    for (size_t i = 0; i < n; i++) {
        const codec_trace_entry *x = codec_trace_get(a, i), *y = codec_trace_get(b, i);
        size_t at;
        if (!codec_trace_bytes_match(x->cmd, x->cmd_kind, x->cmd_len, y->cmd, y->cmd_kind,
                                     y->cmd_len, &at)) {
            printf("entry %zu (%s:%zu, %s:%zu): command differs at byte %zu\n", i + 1, argv[0],
                   x->line, argv[1], y->line, at);
            sdtrace_side("A", x, '>');
            sdtrace_side("B", y, '>');
            diffs++;
            continue;
        }
        if (!codec_trace_bytes_match(x->resp, x->resp_kind, x->resp_len, y->resp, y->resp_kind,
                                     y->resp_len, &at)) {
            printf("entry %zu (%s:%zu, %s:%zu): response differs at byte %zu\n", i + 1, argv[0],
                   x->line, argv[1], y->line, at);
            sdtrace_side("A", x, '>');
            sdtrace_side("A", x, '<');
            sdtrace_side("B", y, '<');
            diffs++;
        }
    }
    if (na != nb) {
        const char *more = na > nb ? argv[0] : argv[1];
        const codec_trace_entry *e = codec_trace_get(na > nb ? a : b, n);
        printf("%s has %zu more entries, from entry %zu (%s:%zu)\n", more,
               na > nb ? na - nb : nb - na, n + 1, more, e->line);
        diffs++;
    }
    if (diffs)
        printf("%zu difference%s\n", diffs, diffs == 1 ? "" : "s");
    codec_trace_free(a);
    codec_trace_free(b);
    return diffs ? SDTRACE_DIFFER : SDTRACE_OK;
}

typedef struct sdtrace_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv after the subcommand name */
    const char *usage;
} sdtrace_command;

static const sdtrace_command sdtrace_commands[] = {
    {"show", sdtrace_show, "show FILE      print a trace with status word meanings"},
    {"diff", sdtrace_diff,
     "diff A B       compare two traces entry by entry (wildcards honoured, times ignored);\n"
     "                 exit 0 when equal, 1 when they differ, 2 on error"},
    {"capture", sdtrace_capture,
     "capture pcsc:<reader> -o card.yaml   write an sdemu profile of what the card lets us read"},
};

static void sdtrace_usage(FILE *out)
{
    fprintf(out, "usage: sdtrace COMMAND ARGS...\n\ncommands:\n");
    for (size_t i = 0; i < sizeof sdtrace_commands / sizeof sdtrace_commands[0]; i++)
        fprintf(out, "  %s\n", sdtrace_commands[i].usage);
    fprintf(out, "\nThe trace format is described in docs/trace.md.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        sdtrace_usage(stderr);
        return SDTRACE_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        sdtrace_usage(stdout);
        return SDTRACE_OK;
    }
    for (size_t i = 0; i < sizeof sdtrace_commands / sizeof sdtrace_commands[0]; i++)
        if (strcmp(argv[1], sdtrace_commands[i].name) == 0)
            return sdtrace_commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "sdtrace: unknown command '%s'\n", argv[1]);
    sdtrace_usage(stderr);
    return SDTRACE_ERROR;
}
