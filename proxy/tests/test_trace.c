/* Record and replay: a session through emu: with SDPROXY_TRACE set, replayed through replay:,
 * gives the same results; a changed command byte is reported with its trace line; a changed
 * response byte changes the results, and the re-recorded replay differs from the original
 * exactly at that entry. Secrets are masked in the recording. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_trace.h"
#include "isoiec23465.h"
#include "px_transport.h"

#define SESSION_MAX 16384

/* A conformance-like read-only session; every status and every byte read goes into out. */
static isoIec23465_Status run_session(const char *spec, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = '\0';
    isoIec23465_SecurityDevice *dev = NULL;
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    off += (size_t)snprintf(out + off, cap - off, "connect=%d\n", st);
    if (st != isoIec23465_Success)
        return st;
    isoIec23465_RootApplication *root = NULL;
    st = isoIec23465_SecurityDevice_getRootApplication(dev, &root);
    off += (size_t)snprintf(out + off, cap - off, "root=%d\n", st);
    static const char *const labels[] = {"public-256", "app-hello", "public-4096", "no-such"};
    for (size_t i = 0; st == isoIec23465_Success && i < 4; i++) {
        isoIec23465_Object *o = NULL;
        isoIec23465_Status fs =
            isoIec23465_SecurityDeviceApplication_findObject(root, labels[i], &o);
        off += (size_t)snprintf(out + off, cap - off, "find %s=%d\n", labels[i], fs);
        if (fs != isoIec23465_Success)
            continue;
        static uint8_t buf[4096];
        size_t len = sizeof buf;
        fs = isoIec23465_DataContainer_getData(o, buf, &len);
        off += (size_t)snprintf(out + off, cap - off, "data=%d len=%zu sum=", fs, len);
        unsigned long sum = 0;
        for (size_t j = 0; fs == isoIec23465_Success && j < len; j++)
            sum = sum * 31 + buf[j];
        off += (size_t)snprintf(out + off, cap - off, "%lu\n", sum);
        if (fs != isoIec23465_Success) {
            isoIec23465_ErrorDetails d;
            isoIec23465_getLastError(&d);
            off += (size_t)snprintf(out + off, cap - off, "error=%s\n", d.message);
            st = fs;
        }
    }
    isoIec23465_disconnectSecurityDevice(dev);
    return st;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "open %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    char *copy = malloc(n + 1);
    cr_assert_not_null(copy);
    memcpy(copy, buf, n + 1);
    return copy;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static char dir[64];
static char rec[128], spec_emu[1024], spec_replay[256];

/* Records the session through emu: into rec and checks it passes. */
static void record(char *result)
{
    snprintf(dir, sizeof dir, "/tmp/px-trace-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(rec, sizeof rec, "%s/session.trace", dir);
    snprintf(spec_emu, sizeof spec_emu, "emu:%s", PX_TEST_PROFILE);
    snprintf(spec_replay, sizeof spec_replay, "replay:%s", rec);
    setenv("SDPROXY_TRACE", rec, 1);
    cr_assert_eq(run_session(spec_emu, result, SESSION_MAX), isoIec23465_Success, "%s", result);
    unsetenv("SDPROXY_TRACE");
}

static codec_trace *load(const char *path)
{
    size_t len;
    char *text = slurp(path, &len);
    codec_trace_error err;
    codec_trace *t = codec_trace_parse(text, len, &err);
    free(text);
    cr_assert_not_null(t, "%s:%zu: %s", path, err.line, err.reason);
    return t;
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (dir[0] && system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
}

Test(trace, record_then_replay_gives_identical_results, .fini = cleanup)
{
    static char a[SESSION_MAX], b[SESSION_MAX];
    record(a);
    codec_trace *t = load(rec);
    cr_assert_gt(codec_trace_count(t), 5);
    size_t al;
    cr_assert_not_null(codec_trace_atr(t, &al));
    codec_trace_free(t);
    isoIec23465_Status st = run_session(spec_replay, b, sizeof b);
    cr_assert_eq(st, isoIec23465_Success, "%s", b);
    cr_assert_str_eq(a, b);
}

/* Replaces the byte `nth` of the `which` line ('>' or '<') of entry `entry` (0-based) and
 * returns the line number of that entry's '@' line. */
static size_t edit_trace(const char *path, size_t entry, char which, size_t nth)
{
    size_t len;
    char *text = slurp(path, &len);
    size_t line = 1, at_line = 0, seen = 0;
    bool done = false;
    for (char *p = text; *p && !done; p++) {
        if (p == text || p[-1] == '\n') {
            if (*p == '@')
                seen++, at_line = line;
            if (*p == which && seen == entry + 1) {
                char *h = p + 2 + 3 * nth;
                cr_assert(h[0] && h[1]);
                h[0] = h[0] == '0' ? '1' : '0'; /* a different high nibble */
                done = true;
            }
        }
        if (*p == '\n')
            line++;
    }
    cr_assert(done);
    spit(path, text);
    free(text);
    return at_line;
}

Test(trace, changed_command_byte_is_reported_with_its_line, .fini = cleanup)
{
    static char a[SESSION_MAX], b[SESSION_MAX];
    record(a);
    codec_trace *t = load(rec);
    size_t n = codec_trace_count(t);
    codec_trace_free(t);
    size_t victim = n - 2;
    size_t line = edit_trace(rec, victim, '>', 3); /* P2 of the command */
    isoIec23465_Status st = run_session(spec_replay, b, sizeof b);
    cr_assert_neq(st, isoIec23465_Success, "%s", b);
    isoIec23465_ErrorDetails d;
    /* The last failing call is recorded in the session text as error= or as its status. */
    char want[64];
    snprintf(want, sizeof want, "session.trace:%zu: entry %zu departs at byte 3", line, victim + 1);
    (void)d;
    cr_assert_not_null(strstr(b, want), "want '%s' in:\n%s", want, b);
    cr_assert_not_null(strstr(b, "trace > "), "%s", b);
    cr_assert_not_null(strstr(b, "; got > "), "%s", b);
}

Test(trace, changed_response_byte_is_found_at_that_exchange, .fini = cleanup)
{
    static char a[SESSION_MAX], b[SESSION_MAX];
    record(a);
    codec_trace *orig = load(rec);
    /* The response carrying public-256 data: the first READ BINARY answering 256+2 bytes that
     * start 00 01 02 (byte i = i; 7816-15 discovery reads other files at connect). */
    size_t victim = SIZE_MAX;
    for (size_t i = 0; i < codec_trace_count(orig) && victim == SIZE_MAX; i++) {
        const codec_trace_entry *e = codec_trace_get(orig, i);
        if (e->cmd[1] == 0xB0 && e->resp_len > 100 && e->resp[0] == 0x00 && e->resp[1] == 0x01 &&
            e->resp[2] == 0x02)
            victim = i;
    }
    cr_assert_neq(victim, SIZE_MAX);
    size_t line = edit_trace(rec, victim, '<', 10);

    char rerec[128];
    snprintf(rerec, sizeof rerec, "%s/replayed.trace", dir);
    setenv("SDPROXY_TRACE", rerec, 1);
    isoIec23465_Status st = run_session(spec_replay, b, sizeof b);
    unsetenv("SDPROXY_TRACE");
    cr_assert_eq(st, isoIec23465_Success, "%s", b);
    cr_assert_str_neq(a, b, "the changed byte must change the results");

    /* The replayed session, recorded, departs from the original at exactly that entry. */
    codec_trace *again = load(rerec);
    cr_assert_eq(codec_trace_count(again), codec_trace_count(orig));
    size_t first = SIZE_MAX;
    for (size_t i = 0; i < codec_trace_count(orig) && first == SIZE_MAX; i++) {
        const codec_trace_entry *x = codec_trace_get(orig, i), *y = codec_trace_get(again, i);
        if (!codec_trace_bytes_match(x->resp, x->resp_kind, x->resp_len, y->resp, y->resp_kind,
                                     y->resp_len, NULL))
            first = i;
    }
    cr_assert_eq(first, victim);
    cr_assert_eq(codec_trace_get(orig, victim)->line, line);
    codec_trace_free(again);
    codec_trace_free(orig);
}

Test(trace, recording_masks_verify_data, .fini = cleanup)
{
    snprintf(dir, sizeof dir, "/tmp/px-trace-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(rec, sizeof rec, "%s/verify.trace", dir);
    px_transport t;
    cr_assert_eq(px_transport_emu_open(PX_TEST_PROFILE, &t), isoIec23465_Success);
    cr_assert_eq(px_transport_record_wrap(&t, rec, false), isoIec23465_Success);
    static const uint8_t verify[] = {0x00, 0x20, 0x00, 0x81, 0x08, '1', '2',
                                     '3',  '4',  '5',  '6',  0xFF, 0xFF};
    uint8_t resp[258];
    size_t rl;
    cr_assert_eq(t.ops->transmit(t.ctx, verify, sizeof verify, resp, sizeof resp, &rl),
                 isoIec23465_Success);
    t.ops->close(t.ctx);
    size_t len;
    char *text = slurp(rec, &len);
    cr_assert_not_null(strstr(text, "> 00 20 00 81 08 ** ** ** ** ** ** ** **\n"), "%s", text);
    cr_assert_null(strstr(text, "31 32 33"), "%s", text);
    free(text);

    /* Kept only when asked. */
    cr_assert_eq(px_transport_emu_open(PX_TEST_PROFILE, &t), isoIec23465_Success);
    cr_assert_eq(px_transport_record_wrap(&t, rec, true), isoIec23465_Success);
    cr_assert_eq(t.ops->transmit(t.ctx, verify, sizeof verify, resp, sizeof resp, &rl),
                 isoIec23465_Success);
    t.ops->close(t.ctx);
    text = slurp(rec, &len);
    cr_assert_not_null(strstr(text, "31 32 33 34 35 36 FF FF"), "%s", text);
    free(text);
}

Test(trace, malformed_trace_is_refused_with_file_and_line, .fini = cleanup)
{
    snprintf(dir, sizeof dir, "/tmp/px-trace-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(rec, sizeof rec, "%s/bad.trace", dir);
    spit(rec, "# sdtrace 1\n@0 ch0 0ms\n> 00 A4 0X\n< 90 00\n");
    char spec[256];
    snprintf(spec, sizeof spec, "replay:%s", rec);
    isoIec23465_SecurityDevice *dev = NULL;
    cr_assert_eq(isoIec23465_connectSecurityDeviceBySpec(spec, &dev),
                 isoIec23465_SecurityDeviceNotFound);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    char want[160];
    snprintf(want, sizeof want, "%s:3: command:", rec);
    cr_assert_not_null(strstr(d.message, want), "%s", d.message);

    /* And in the device list. */
    isoIec23465_SecurityDeviceList *list = NULL;
    cr_assert_eq(isoIec23465_getSecurityDeviceList(spec, &list),
                 isoIec23465_SecurityDeviceNotFound);
}
