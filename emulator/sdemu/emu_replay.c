/* The replay card: see emu_replay.h. */
#include "emu_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_trace.h"

#define EMU_REPLAY_REPORT_MAX 1024
/* Bytes of each version shown in a report, around the first difference. */
#define EMU_REPLAY_SHOW 40

struct emu_replay {
    codec_trace *trace;
    const char *name;
    char path[512];
    size_t next;
    bool departed;
    char report[EMU_REPLAY_REPORT_MAX];
};

static const uint8_t emu_replay_minimal_atr[] = {0x3B, 0x00};

static size_t emu_replay_fread(void *ctx, char *buf, size_t n)
{
    return fread(buf, 1, n, ctx);
}

emu_replay *emu_replay_open(const char *path, const char *name, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "%s: cannot open", path);
        return NULL;
    }
    codec_trace_error e;
    codec_trace *t = codec_trace_read(emu_replay_fread, f, &e);
    fclose(f);
    if (!t) {
        codec_trace_error_format(&e, path, err, cap);
        return NULL;
    }
    emu_replay *r = calloc(1, sizeof *r);
    if (!r) {
        codec_trace_free(t);
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    r->trace = t;
    r->name = name;
    snprintf(r->path, sizeof r->path, "%s", path);
    return r;
}

void emu_replay_close(emu_replay *r)
{
    if (!r)
        return;
    codec_trace_free(r->trace);
    free(r);
}

const char *emu_replay_departure(const emu_replay *r)
{
    return r->report;
}

size_t emu_replay_answered(const emu_replay *r)
{
    return r->next;
}

/* "..", up to EMU_REPLAY_SHOW bytes from a little before `at`, "..". */
static void emu_replay_excerpt(const uint8_t *b, const uint8_t *kind, size_t len, size_t at,
                               char *out, size_t cap)
{
    size_t from = at > 8 ? at - 8 : 0;
    size_t n = len - from > EMU_REPLAY_SHOW ? EMU_REPLAY_SHOW : len - from;
    char hex[3 * EMU_REPLAY_SHOW + 1];
    codec_trace_format_bytes(b + from, kind ? kind + from : NULL, n, hex, sizeof hex);
    snprintf(out, cap, "%s%s%s", from ? ".. " : "", hex, from + n < len ? " .." : "");
}

static void emu_replay_depart(emu_replay *r, const uint8_t *cmd, size_t cmd_len)
{
    const codec_trace_entry *e = codec_trace_get(r->trace, r->next);
    char got[3 * EMU_REPLAY_SHOW + 8];
    r->departed = true;
    if (!e) {
        emu_replay_excerpt(cmd, NULL, cmd_len, 0, got, sizeof got);
        snprintf(r->report, sizeof r->report,
                 "%s: command after the last entry (%zu)\n  trace > (none)\n  got   > %s", r->path,
                 codec_trace_count(r->trace), got);
    } else {
        size_t at = 0;
        codec_trace_match_command(e, cmd, cmd_len, &at);
        char want[3 * EMU_REPLAY_SHOW + 8];
        emu_replay_excerpt(e->cmd, e->cmd_kind, e->cmd_len, at, want, sizeof want);
        emu_replay_excerpt(cmd, NULL, cmd_len, at, got, sizeof got);
        snprintf(r->report, sizeof r->report,
                 "%s:%zu: entry %zu departs at byte %zu\n  trace > %s\n  got   > %s", r->path,
                 e->line, r->next + 1, at, want, got);
    }
    fprintf(stderr, "sdemu: %s: replay: %s\n", r->name, r->report);
}

static size_t emu_replay_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                                  size_t cap)
{
    emu_replay *r = ctx;
    if (!r->departed) {
        const codec_trace_entry *e = codec_trace_get(r->trace, r->next);
        if (e && codec_trace_match_command(e, cmd, cmd_len, NULL) && e->resp_len <= cap) {
            memcpy(resp, e->resp, e->resp_len); /* ?? and ** bytes are stored as 00 */
            r->next++;
            return e->resp_len;
        }
        emu_replay_depart(r, cmd, cmd_len);
    }
    resp[0] = 0x6F;
    resp[1] = 0x00;
    return 2;
}

static void emu_replay_nothing(void *ctx)
{
    (void)ctx; /* power and reset are not exchanges: the trace goes on */
}

static const uint8_t *emu_replay_atr(void *ctx, size_t *len)
{
    emu_replay *r = ctx;
    const uint8_t *a = codec_trace_atr(r->trace, len);
    if (!a) {
        *len = sizeof emu_replay_minimal_atr;
        a = emu_replay_minimal_atr;
    }
    return a;
}

const emu_vpcd_ops emu_replay_vpcd_ops = {
    .power_on = emu_replay_nothing,
    .power_off = emu_replay_nothing,
    .reset = emu_replay_nothing,
    .atr = emu_replay_atr,
    .transmit = emu_replay_transmit,
};

int emu_replay_finish(const emu_replay *r, emu_vpcd_end end)
{
    fprintf(stderr, "sdemu: %s: replay: %zu of %zu entries answered%s\n", r->name, r->next,
            codec_trace_count(r->trace), r->departed ? ", departed (see above)" : "");
    return end == EMU_VPCD_END_EOF && !r->departed ? 0 : 1;
}
