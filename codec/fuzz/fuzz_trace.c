/* Trace parser: whatever parses must format back to text that parses to the same entries. */
#include "codec_trace.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (n > *cap - *len) {
        size_t nc = (*cap + n) * 2;
        char *b = realloc(*buf, nc);
        if (!b)
            abort();
        *buf = b;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    codec_trace_error err;
    codec_trace *t = codec_trace_parse((const char *)data, size, &err);
    if (!t) {
        if (err.reason[0] == '\0')
            abort();
        return 0;
    }
    size_t cap = 256, len = 0;
    char *text = malloc(cap);
    char *line = malloc(CODEC_TRACE_ENTRY_TEXT_MAX);
    if (!text || !line)
        abort();
    size_t alen;
    const uint8_t *atr = codec_trace_atr(t, &alen);
    char head[CODEC_TRACE_HEADER_TEXT_MAX];
    size_t hn = codec_trace_format_header(atr, alen, head, sizeof head);
    if (hn >= sizeof head)
        abort();
    append(&text, &len, &cap, head, hn);
    for (size_t i = 0; i < codec_trace_count(t); i++) {
        const codec_trace_entry *e = codec_trace_get(t, i);
        size_t n =
            codec_trace_format_entry(e, CODEC_TRACE_KEEP_SECRETS, line, CODEC_TRACE_ENTRY_TEXT_MAX);
        if (n >= CODEC_TRACE_ENTRY_TEXT_MAX)
            abort();
        append(&text, &len, &cap, line, n);
        if (!codec_trace_match_command(e, e->cmd, e->cmd_len, NULL))
            abort();
    }
    codec_trace *u = codec_trace_parse(text, len, &err);
    if (!u || codec_trace_count(u) != codec_trace_count(t))
        abort();
    for (size_t i = 0; i < codec_trace_count(t); i++) {
        const codec_trace_entry *a = codec_trace_get(t, i), *b = codec_trace_get(u, i);
        if (a->time_us != b->time_us || a->duration_us != b->duration_us ||
            a->channel != b->channel || a->cmd_len != b->cmd_len || a->resp_len != b->resp_len ||
            memcmp(a->cmd, b->cmd, a->cmd_len) != 0 ||
            memcmp(a->cmd_kind, b->cmd_kind, a->cmd_len) != 0 ||
            memcmp(a->resp, b->resp, a->resp_len) != 0 ||
            memcmp(a->resp_kind, b->resp_kind, a->resp_len) != 0)
            abort();
    }
    size_t blen;
    const uint8_t *batr = codec_trace_atr(u, &blen);
    if (blen != alen || (alen && memcmp(atr, batr, alen) != 0))
        abort();
    codec_trace_free(u);
    codec_trace_free(t);
    free(text);
    free(line);
    return 0;
}
