/* Trace format: parse, refuse with line numbers, format, mask, match with wildcards. */
#include "codec_trace.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static codec_trace *parse_str(const char *s, codec_trace_error *err)
{
    /* An exact-size heap copy without NUL, so ASan sees an over-read. */
    size_t n = strlen(s);
    char *p = malloc(n ? n : 1);
    cr_assert_not_null(p);
    memcpy(p, s, n);
    codec_trace *t = codec_trace_parse(p, n, err);
    free(p);
    return t;
}

static const char sample[] = "# sdtrace 1\n"
                             "# atr: 3B 02 14 50\n"
                             "# recorded by a test\n"
                             "\n"
                             "@0.000120 ch0 0.412ms\n"
                             "> 00 A4 04 00 02 3F 00 00\n"
                             "< 6F 00 90 00\n"
                             "@1.5 ch1 2ms   # get challenge\n"
                             "> 01 84 00 00 04\n"
                             "< ?? ?? ?? ?? 90 00\n"
                             "@2.000001 ch0 0.001ms\n"
                             "> 00 20 00 81 04 ** ** ** **\n"
                             "< 63 C2\n";

Test(trace, parses_entries_atr_and_kinds)
{
    codec_trace_error err;
    codec_trace *t = parse_str(sample, &err);
    cr_assert_not_null(t, "%zu: %s", err.line, err.reason);
    cr_assert_eq(codec_trace_count(t), 3);
    size_t al;
    const uint8_t *atr = codec_trace_atr(t, &al);
    cr_assert_eq(al, 4);
    cr_assert_eq(atr[0], 0x3B);
    cr_assert_eq(atr[3], 0x50);

    const codec_trace_entry *e = codec_trace_get(t, 0);
    cr_assert_eq(e->line, 5);
    cr_assert_eq(e->time_us, 120);
    cr_assert_eq(e->duration_us, 412);
    cr_assert_eq(e->cmd_len, 8);
    cr_assert_eq(e->resp_len, 4);
    cr_assert_eq(e->resp[0], 0x6F);

    e = codec_trace_get(t, 1);
    cr_assert_eq(e->line, 8);
    cr_assert_eq(e->time_us, 1500000);
    cr_assert_eq(e->duration_us, 2000);
    cr_assert_eq(e->channel, 1);
    cr_assert_eq(e->resp_kind[0], CODEC_TRACE_WILD);
    cr_assert_eq(e->resp_kind[4], CODEC_TRACE_BYTE);

    e = codec_trace_get(t, 2);
    cr_assert_eq(e->duration_us, 1);
    cr_assert_eq(e->cmd_kind[5], CODEC_TRACE_SECRET);
    cr_assert_eq(e->cmd_kind[4], CODEC_TRACE_BYTE);
    cr_assert_null(codec_trace_get(t, 3));
    codec_trace_free(t);
}

struct bad_case {
    const char *text;
    size_t line;
    const char *reason_part;
};

static const struct bad_case bad_cases[] = {
    {"", 1, "empty"},
    {"hello\n", 1, "first line"},
    {"# sdtrace 2\n", 1, "version"},
    {"# sdtrace 1\n> 00 A4 00 00\n", 2, "entry line"},
    {"# sdtrace 1\n@0 ch0 0ms\n< 90 00\n", 3, "command line"},
    {"# sdtrace 1\n@0 ch0 0ms\n> 00 A4\n@1 ch0 0ms\n", 4, "response line"},
    {"# sdtrace 1\n@0 ch0 0ms\n> 0G\n< 90 00\n", 3, "not a hex byte"},
    {"# sdtrace 1\n@0 ch0 0ms\n> 0\n< 90 00\n", 3, "odd"},
    {"# sdtrace 1\n@0 ch0 0ms\n> 00 B0\n< 90\n", 4, "SW1 SW2"},
    {"# sdtrace 1\n@0 ch0 0ms\n>\n< 90 00\n", 3, "empty"},
    {"# sdtrace 1\n@0 ch0 0ms\n> 00 B0\n", 3, "ends inside"},
    {"# sdtrace 1\n@x ch0 0ms\n", 2, "seconds"},
    {"# sdtrace 1\n@0 ch20 0ms\n", 2, "ch0..ch19"},
    {"# sdtrace 1\n@0 ch0 0\n", 2, "duration"},
    {"# sdtrace 1\n@0 ch0 0ms x\n", 2, "after the duration"},
    {"# sdtrace 1\n@0.1234567 ch0 0ms\n", 2, "seconds"},
    {"# sdtrace 1\n# atr: ?? 00\n", 2, "wildcards"},
    {"# sdtrace 1\n# atr: 3B 00\n# atr: 3B 00\n", 3, "once"},
};

Test(trace, refuses_malformed_with_line_and_reason)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        size_t n = strlen(c->text);
        codec_trace_error err;
        codec_trace *t = codec_trace_parse(c->text, n, &err);
        cr_assert_null(t, "case %zu accepted", i);
        cr_assert_eq(err.line, c->line, "case %zu: line %zu (%s)", i, err.line, err.reason);
        cr_assert_not_null(strstr(err.reason, c->reason_part), "case %zu: reason '%s'", i,
                           err.reason);
    }
}

Test(trace, refuses_nul_byte)
{
    static const char text[] = "# sdtrace 1\n@0 ch0 0ms\n> 00 B0\0\n< 90 00\n";
    codec_trace_error err;
    cr_assert_null(codec_trace_parse(text, sizeof text - 1, &err));
    cr_assert_eq(err.line, 3);
    cr_assert_not_null(strstr(err.reason, "NUL"));
}

Test(trace, refuses_too_long_command)
{
    size_t n = CODEC_TRACE_CMD_MAX + 1;
    size_t cap = 64 + 3 * n;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    size_t off = (size_t)sprintf(s, "# sdtrace 1\n@0 ch0 0ms\n>");
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(s + off, " 00");
    off += (size_t)sprintf(s + off, "\n< 90 00\n");
    codec_trace_error err;
    cr_assert_null(codec_trace_parse(s, off, &err));
    cr_assert_eq(err.line, 3);
    cr_assert_not_null(strstr(err.reason, "more than"));
    free(s);
}

Test(trace, format_masks_secrets_by_default)
{
    static const uint8_t cmd[] = {0x00, 0x20, 0x00, 0x81, 0x04, 0x31, 0x32, 0x33, 0x34};
    static const uint8_t resp[] = {0x90, 0x00};
    codec_trace_entry e = {.time_us = 1234567,
                           .duration_us = 2500,
                           .cmd = cmd,
                           .cmd_len = sizeof cmd,
                           .resp = resp,
                           .resp_len = 2};
    char out[256];
    size_t n = codec_trace_format_entry(&e, 0, out, sizeof out);
    cr_assert_str_eq(out, "@1.234567 ch0 2.500ms\n> 00 20 00 81 04 ** ** ** **\n< 90 00\n");
    cr_assert_eq(n, strlen(out));
    n = codec_trace_format_entry(&e, CODEC_TRACE_KEEP_SECRETS, out, sizeof out);
    cr_assert_str_eq(out, "@1.234567 ch0 2.500ms\n> 00 20 00 81 04 31 32 33 34\n< 90 00\n");

    /* Truncated output still reports the full length and stays NUL-terminated. */
    char small[10];
    size_t full = codec_trace_format_entry(&e, 0, small, sizeof small);
    cr_assert_eq(full, n);
    cr_assert_eq(strlen(small), sizeof small - 1);
}

Test(trace, mask_covers_every_pin_command)
{
    uint8_t kind[16];
    static const uint8_t change[] = {0x00, 0x24, 0x00, 0x81, 0x02, 0x31, 0x32, 0x00};
    cr_assert_eq(codec_trace_mask(change, sizeof change, kind), 2);
    cr_assert_eq(kind[4], CODEC_TRACE_BYTE);
    cr_assert_eq(kind[5], CODEC_TRACE_SECRET);
    cr_assert_eq(kind[6], CODEC_TRACE_SECRET);
    cr_assert_eq(kind[7], CODEC_TRACE_BYTE); /* Le */
    static const uint8_t reset[] = {0x80, 0x2C, 0x00, 0x81, 0x01, 0x39};
    cr_assert_eq(codec_trace_mask(reset, sizeof reset, kind), 1);
    /* ENABLE / DISABLE VERIFICATION REQUIREMENT carry the PIN too */
    static const uint8_t disable[] = {0x00, 0x26, 0x00, 0x01, 0x08, 0x31, 0x32,
                                      0x33, 0x34, 0x35, 0x36, 0xFF, 0xFF};
    cr_assert_eq(codec_trace_mask(disable, sizeof disable, kind), 8);
    cr_assert_eq(kind[5], CODEC_TRACE_SECRET);
    static const uint8_t enable[] = {0x00, 0x28, 0x00, 0x01, 0x02, 0x31, 0x32};
    cr_assert_eq(codec_trace_mask(enable, sizeof enable, kind), 2);
    static const uint8_t empty_verify[] = {0x00, 0x20, 0x00, 0x81};
    cr_assert_eq(codec_trace_mask(empty_verify, sizeof empty_verify, kind), 0);
    static const uint8_t read[] = {0x00, 0xB0, 0x00, 0x00, 0x02, 0x31, 0x32};
    cr_assert_eq(codec_trace_mask(read, sizeof read, kind), 0);
    /* A malformed VERIFY: everything after the header is masked. */
    static const uint8_t bad[] = {0x00, 0x20, 0x00, 0x81, 0x05, 0x31, 0x32};
    cr_assert_eq(codec_trace_mask(bad, sizeof bad, kind), 3);
    cr_assert_eq(kind[4], CODEC_TRACE_SECRET);
}

Test(trace, match_honours_wildcards_and_reports_first_diff)
{
    codec_trace_error err;
    codec_trace *t = parse_str("# sdtrace 1\n@0 ch0 0ms\n> 00 88 00 ?? 02 ** **\n< 90 00\n", &err);
    cr_assert_not_null(t, "%s", err.reason);
    const codec_trace_entry *e = codec_trace_get(t, 0);
    static const uint8_t ok[] = {0x00, 0x88, 0x00, 0x7F, 0x02, 0xAA, 0xBB};
    size_t d = 99;
    cr_assert(codec_trace_match_command(e, ok, sizeof ok, &d));
    static const uint8_t wrong[] = {0x00, 0x88, 0x01, 0x7F, 0x02, 0xAA, 0xBB};
    cr_assert_not(codec_trace_match_command(e, wrong, sizeof wrong, &d));
    cr_assert_eq(d, 2);
    cr_assert_not(codec_trace_match_command(e, ok, 5, &d));
    cr_assert_eq(d, 5);
    codec_trace_free(t);
}

Test(trace, channel_of_cla)
{
    cr_assert_eq(codec_trace_channel(0x00), 0);
    cr_assert_eq(codec_trace_channel(0x03), 3);
    cr_assert_eq(codec_trace_channel(0x0C), 0);
    cr_assert_eq(codec_trace_channel(0x40), 4);
    cr_assert_eq(codec_trace_channel(0x6F), 19);
    cr_assert_eq(codec_trace_channel(0x80), 0);
}

Test(trace, header_and_entries_round_trip)
{
    codec_trace_error err;
    codec_trace *t = parse_str(sample, &err);
    cr_assert_not_null(t);
    size_t al;
    const uint8_t *atr = codec_trace_atr(t, &al);
    char buf[4096];
    size_t off = codec_trace_format_header(atr, al, buf, sizeof buf);
    cr_assert_str_eq(buf, "# sdtrace 1\n# atr: 3B 02 14 50\n");
    for (size_t i = 0; i < codec_trace_count(t); i++)
        off += codec_trace_format_entry(codec_trace_get(t, i), 0, buf + off, sizeof buf - off);
    cr_assert_lt(off, sizeof buf);
    codec_trace *u = codec_trace_parse(buf, off, &err);
    cr_assert_not_null(u, "%zu: %s", err.line, err.reason);
    cr_assert_eq(codec_trace_count(u), codec_trace_count(t));
    for (size_t i = 0; i < codec_trace_count(t); i++) {
        const codec_trace_entry *a = codec_trace_get(t, i), *b = codec_trace_get(u, i);
        cr_assert_eq(a->time_us, b->time_us);
        cr_assert_eq(a->duration_us, b->duration_us);
        cr_assert(
            codec_trace_bytes_match(a->cmd, NULL, a->cmd_len, b->cmd, NULL, b->cmd_len, NULL));
        cr_assert_eq(memcmp(a->resp_kind, b->resp_kind, a->resp_len), 0);
    }
    codec_trace_free(u);
    codec_trace_free(t);
}
