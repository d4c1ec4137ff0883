/* APDU traces: the "sdtrace 1" text format (docs/trace.md). Parsing is line based and bounded:
 * the text size, the entry count and every byte string have a fixed limit. */
#include "codec_trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_apdu.h"
#include "codec_bytes.h"

/* An entry and the block its bytes and kinds live in (the entry's pointers are const). */
typedef struct codec_trace_slot {
    codec_trace_entry e;
    uint8_t *block;
} codec_trace_slot;

struct codec_trace {
    codec_trace_slot *entries;
    size_t count;
    size_t cap;
    uint8_t atr[CODEC_TRACE_ATR_MAX];
    size_t atr_len;
};

static bool fail(codec_trace_error *err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(codec_trace_error *err, size_t line, const char *fmt, ...)
{
    if (err) {
        err->line = line;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->reason, sizeof err->reason, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Parses "00 A4 ?? **" (pairs may also be adjacent or separated by ':') from s[0..n) into
 * out/kind[0..cap). */
static bool parse_bytes(const char *s, size_t n, uint8_t *out, uint8_t *kind, size_t cap,
                        size_t *out_len, size_t line, const char *what, codec_trace_error *err)
{
    size_t len = 0;
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == ':') {
            i++;
            continue;
        }
        if (1 >= n - i)
            return fail(err, line, "%s: odd hex digit at column %zu", what, i + 3);
        char d = s[i + 1];
        uint8_t v = 0, k;
        size_t got = 0;
        if (c == '?' && d == '?')
            k = CODEC_TRACE_WILD;
        else if (c == '*' && d == '*')
            k = CODEC_TRACE_SECRET;
        else if (codec_hex_decode(s + i, 2, &v, 1, &got, NULL) && got == 1)
            k = CODEC_TRACE_BYTE; /* c is no separator: both must be hex digits */
        else
            return fail(err, line, "%s: '%c%c' at column %zu is not a hex byte, ?? or **", what, c,
                        d, i + 3);
        if (len >= cap)
            return fail(err, line, "%s: more than %zu bytes", what, cap);
        out[len] = v;
        kind[len] = k;
        len++;
        i += 2;
    }
    *out_len = len;
    return true;
}

/* Reads an unsigned decimal with an optional fraction of at most `frac_digits` digits, scaled
 * by 10^frac_digits. Advances *i. */
static bool parse_fixed(const char *s, size_t n, size_t *i, unsigned frac_digits, uint64_t *out)
{
    size_t p = *i;
    uint64_t v = 0;
    size_t digits = 0;
    while (p < n && s[p] >= '0' && s[p] <= '9') {
        if (++digits > 12)
            return false;
        v = v * 10 + (uint64_t)(s[p] - '0');
        p++;
    }
    if (digits == 0)
        return false;
    unsigned f = 0;
    if (p < n && s[p] == '.') {
        p++;
        while (p < n && s[p] >= '0' && s[p] <= '9') {
            if (++f > frac_digits)
                return false;
            v = v * 10 + (uint64_t)(s[p] - '0');
            p++;
        }
        if (f == 0)
            return false;
    }
    for (; f < frac_digits; f++)
        v *= 10;
    *i = p;
    *out = v;
    return true;
}

static size_t skip_blank(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* "@<s>[.<us>] ch<N> <ms>[.<us/1000>]ms" */
static bool parse_at(const char *s, size_t n, size_t line, codec_trace_entry *e,
                     codec_trace_error *err)
{
    size_t i = 1;
    uint64_t t, d, ch;
    if (!parse_fixed(s, n, &i, 6, &t))
        return fail(err, line, "expected '@<seconds> ch<N> <duration>ms'");
    size_t j = skip_blank(s, n, i);
    if (j == i || 2 > n - j || s[j] != 'c' || s[j + 1] != 'h')
        return fail(err, line, "expected ' ch<N>' after the time");
    i = j + 2;
    if (!parse_fixed(s, n, &i, 0, &ch) || ch > 19)
        return fail(err, line, "channel must be ch0..ch19");
    j = skip_blank(s, n, i);
    if (j == i)
        return fail(err, line, "expected ' <duration>ms' after the channel");
    i = j;
    if (!parse_fixed(s, n, &i, 3, &d) || 2 > n - i || s[i] != 'm' || s[i + 1] != 's')
        return fail(err, line, "expected ' <duration>ms' after the channel");
    i = skip_blank(s, n, i + 2);
    if (i != n)
        return fail(err, line, "unexpected text after the duration");
    e->time_us = t;
    e->duration_us = d;
    e->channel = (unsigned)ch;
    e->line = line;
    return true;
}

static bool push_entry(codec_trace *t, const codec_trace_slot *e, size_t line,
                       codec_trace_error *err)
{
    if (t->count >= CODEC_TRACE_MAX_ENTRIES)
        return fail(err, line, "more than %u entries", CODEC_TRACE_MAX_ENTRIES);
    if (t->count == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        if (nc > CODEC_TRACE_MAX_ENTRIES)
            nc = CODEC_TRACE_MAX_ENTRIES;
        codec_trace_slot *ne = realloc(t->entries, nc * sizeof *ne);
        if (!ne)
            return fail(err, 0, "out of memory");
        t->entries = ne;
        t->cap = nc;
    }
    t->entries[t->count++] = *e;
    return true;
}

/* Copies the command and the response (bytes and kinds) of the entry being parsed into one
 * exact-size block: command bytes, command kinds, response bytes, response kinds. */
static bool store_entry(codec_trace_slot *cur, const uint8_t *cmd, size_t cl, const uint8_t *resp,
                        size_t rl)
{
    uint8_t *m = malloc(2 * (cl + rl));
    if (!m)
        return false;
    memcpy(m, cmd, 2 * cl);
    memcpy(m + 2 * cl, resp, 2 * rl);
    cur->block = m;
    cur->e.cmd = m;
    cur->e.cmd_kind = m + cl;
    cur->e.cmd_len = cl;
    cur->e.resp = m + 2 * cl;
    cur->e.resp_kind = m + 2 * cl + rl;
    cur->e.resp_len = rl;
    return true;
}

/* Parses the bytes of a '>' or '<' line (after its mark) into buf: bytes at buf[0..cap), kinds
 * at buf[cap..2 cap); refuses fewer than `min` bytes. */
static bool parse_side(const char *s, size_t n, uint8_t *buf, size_t cap, size_t min, size_t line,
                       const char *what, size_t *len, codec_trace_error *err)
{
    if (!parse_bytes(s, n, buf, buf + cap, cap, len, line, what, err))
        return false;
    if (*len < min)
        return fail(err, line, "%s: %s", what, min == 1 ? "empty" : "at least SW1 SW2 expected");
    /* Kinds right after the bytes, as store_entry expects. */
    memmove(buf + *len, buf + cap, *len);
    return true;
}

codec_trace *codec_trace_parse(const char *text, size_t len, codec_trace_error *err)
{
    if (err) {
        err->line = 0;
        err->reason[0] = '\0';
    }
    if (len > CODEC_TRACE_MAX_TEXT) {
        fail(err, 1, "trace larger than %u bytes", CODEC_TRACE_MAX_TEXT);
        return NULL;
    }
    codec_trace *t = calloc(1, sizeof *t);
    /* Scratch for the bytes and kinds of the command being parsed and of its response; the ATR
     * line uses the response part. */
    uint8_t *scratch = malloc(2 * (size_t)(CODEC_TRACE_CMD_MAX + CODEC_TRACE_RESP_MAX));
    if (!t || !scratch) {
        free(t);
        free(scratch);
        fail(err, 0, "out of memory");
        return NULL;
    }
    uint8_t *cb = scratch, *rb = scratch + 2 * (size_t)CODEC_TRACE_CMD_MAX;
    uint8_t *sb = rb, *sk = rb + CODEC_TRACE_RESP_MAX;
    size_t cmd_len = 0;

    enum { WANT_AT, WANT_CMD, WANT_RESP } state = WANT_AT;
    codec_trace_slot cur;
    memset(&cur, 0, sizeof cur);
    size_t line = 0, off = 0;
    bool ok = true, seen_atr = false;
    while (ok && off < len) {
        line++;
        size_t end = off;
        while (end < len && text[end] != '\n')
            end++;
        const char *s = text + off;
        size_t n = end - off;
        off = end < len ? end + 1 : end;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (memchr(s, '\0', n)) {
            ok = fail(err, line, "NUL byte in the text");
            break;
        }
        if (line == 1) {
            static const char magic[] = "# sdtrace ";
            size_t ml = sizeof magic - 1;
            if (n < ml || memcmp(s, magic, ml) != 0) {
                ok = fail(err, line, "not a trace: the first line must be '# sdtrace 1'");
                break;
            }
            size_t i = ml;
            uint64_t v;
            if (!parse_fixed(s, n, &i, 0, &v) || skip_blank(s, n, i) != n) {
                ok = fail(err, line, "malformed version in '# sdtrace <version>'");
                break;
            }
            if (v != CODEC_TRACE_VERSION) {
                ok = fail(err, line, "unsupported trace version %llu (this reader knows %d)",
                          (unsigned long long)v, CODEC_TRACE_VERSION);
                break;
            }
            continue;
        }
        size_t i = skip_blank(s, n, 0);
        if (i == n)
            continue;
        if (s[i] == '#') {
            static const char atrk[] = "# atr:";
            size_t al = sizeof atrk - 1;
            if (i == 0 && n >= al && memcmp(s, atrk, al) == 0) {
                if (seen_atr || t->count > 0 || state != WANT_AT) {
                    ok = fail(err, line, "'# atr:' must appear once, before the first entry");
                    break;
                }
                size_t bl;
                if (!parse_bytes(s + al, n - al, sb, sk, CODEC_TRACE_ATR_MAX, &bl, line, "atr",
                                 err)) {
                    ok = false;
                    break;
                }
                if (bl < 2) {
                    ok = fail(err, line, "atr: at least 2 bytes expected");
                    break;
                }
                if (memchr(sk, CODEC_TRACE_WILD, bl) || memchr(sk, CODEC_TRACE_SECRET, bl)) {
                    ok = fail(err, line, "atr: wildcards are not allowed in the ATR");
                    break;
                }
                memcpy(t->atr, sb, bl);
                t->atr_len = bl;
                seen_atr = true;
            }
            continue;
        }
        /* The rest of a line after '#' is a comment. */
        const char *hash = memchr(s + i, '#', n - i);
        if (hash)
            n = (size_t)(hash - s);
        char c = s[i];
        const char *body = s + i;
        size_t bn = n - i;
        switch (state) {
        case WANT_AT:
            if (c != '@') {
                ok = fail(err, line, "expected an entry line '@<seconds> ch<N> <duration>ms'");
                break;
            }
            memset(&cur, 0, sizeof cur);
            ok = parse_at(body, bn, line, &cur.e, err);
            state = WANT_CMD;
            break;
        case WANT_CMD:
            if (c != '>') {
                ok = fail(err, line, "expected the command line '> <hex>'");
                break;
            }
            ok = parse_side(body + 1, bn - 1, cb, CODEC_TRACE_CMD_MAX, 1, line, "command", &cmd_len,
                            err);
            state = WANT_RESP;
            break;
        case WANT_RESP: {
            if (c != '<') {
                ok = fail(err, line, "expected the response line '< <hex>'");
                break;
            }
            size_t rl;
            ok = parse_side(body + 1, bn - 1, rb, CODEC_TRACE_RESP_MAX, 2, line, "response", &rl,
                            err);
            if (ok && !store_entry(&cur, cb, cmd_len, rb, rl))
                ok = fail(err, 0, "out of memory");
            if (ok)
                ok = push_entry(t, &cur, line, err);
            if (ok)
                memset(&cur, 0, sizeof cur);
            state = WANT_AT;
            break;
        }
        }
    }
    if (ok && line == 0)
        ok = fail(err, 1, "not a trace: empty");
    if (ok && state != WANT_AT)
        ok = fail(err, line, "trace ends inside an entry (missing %s line)",
                  state == WANT_CMD ? "'>'" : "'<'");
    free(scratch);
    if (!ok) {
        free(cur.block);
        codec_trace_free(t);
        return NULL;
    }
    return t;
}

codec_trace *codec_trace_read(codec_trace_read_fn read, void *ctx, codec_trace_error *err)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            if (cap >= CODEC_TRACE_MAX_TEXT) {
                free(buf);
                fail(err, 1, "trace larger than %u bytes", CODEC_TRACE_MAX_TEXT);
                return NULL;
            }
            size_t nc = cap * 2 > CODEC_TRACE_MAX_TEXT ? CODEC_TRACE_MAX_TEXT : cap * 2;
            char *nb = realloc(buf, nc);
            if (!nb)
                break;
            buf = nb;
            cap = nc;
        }
        size_t n = read(ctx, buf + len, cap - len);
        if (n == 0) {
            codec_trace *t = codec_trace_parse(buf, len, err);
            free(buf);
            return t;
        }
        len += n > cap - len ? cap - len : n;
    }
    free(buf);
    fail(err, 0, "out of memory");
    return NULL;
}

size_t codec_trace_error_format(const codec_trace_error *err, const char *name, char *out,
                                size_t cap)
{
    int n = err->line ? snprintf(out, cap, "%s:%zu: %s", name, err->line, err->reason)
                      : snprintf(out, cap, "%s: %s", name, err->reason);
    return n > 0 ? (size_t)n : 0;
}

void codec_trace_free(codec_trace *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++)
        free(t->entries[i].block);
    free(t->entries);
    free(t);
}

size_t codec_trace_count(const codec_trace *t)
{
    return t ? t->count : 0;
}

const codec_trace_entry *codec_trace_get(const codec_trace *t, size_t i)
{
    return t && i < t->count ? &t->entries[i].e : NULL;
}

const uint8_t *codec_trace_atr(const codec_trace *t, size_t *len)
{
    if (!t || t->atr_len == 0) {
        *len = 0;
        return NULL;
    }
    *len = t->atr_len;
    return t->atr;
}

unsigned codec_trace_channel(uint8_t cla)
{
    if (cla & 0x80)
        return 0;
    if (cla & 0x40)
        return 4u + (cla & 0x0Fu);
    return cla & 0x03u;
}

/* The commands whose data carries a PIN or PUK: VERIFY, CHANGE REFERENCE DATA, RESET RETRY
 * COUNTER, ENABLE / DISABLE VERIFICATION REQUIREMENT, and the odd-INS VERIFY (21). */
static bool secret_ins(uint8_t ins)
{
    return ins == 0x20 || ins == 0x21 || ins == 0x24 || ins == 0x2C || ins == 0x26 || ins == 0x28;
}

size_t codec_trace_mask(const uint8_t *cmd, size_t len, uint8_t *kind)
{
    if (len)
        memset(kind, CODEC_TRACE_BYTE, len);
    if (len < 4)
        return 0;
    uint8_t ins = cmd[1];
    if (!secret_ins(ins))
        return 0;
    codec_capdu a;
    size_t from = 4, n = len - 4;
    if (codec_capdu_decode(cmd, len, &a) == CODEC_APDU_OK) {
        if (a.lc == 0)
            return 0;
        from = (size_t)(a.data - cmd);
        n = a.lc;
    }
    memset(kind + from, CODEC_TRACE_SECRET, n);
    return n;
}

/* Appends formatted text to out[0..cap), counting what the full text needs in *need. */
static void put(char *out, size_t cap, size_t *need, const char *s, size_t n)
{
    if (*need < cap) {
        size_t room = cap - 1 - *need;
        memcpy(out + *need, s, n < room ? n : room);
    }
    *need += n;
    if (cap)
        out[*need < cap ? *need : cap - 1] = '\0';
}

size_t codec_trace_format_bytes(const uint8_t *b, const uint8_t *kind, size_t len, char *out,
                                size_t cap)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t need = 0;
    if (cap)
        out[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        char p[3] = {' ', 0, 0};
        uint8_t k = kind ? kind[i] : CODEC_TRACE_BYTE;
        if (k == CODEC_TRACE_WILD)
            p[1] = p[2] = '?';
        else if (k == CODEC_TRACE_SECRET)
            p[1] = p[2] = '*';
        else {
            p[1] = hx[b[i] >> 4];
            p[2] = hx[b[i] & 15];
        }
        put(out, cap, &need, i ? p : p + 1, i ? 3 : 2);
    }
    return need;
}

size_t codec_trace_format_header(const uint8_t *atr, size_t atr_len, char *out, size_t cap)
{
    size_t need = 0;
    if (cap)
        out[0] = '\0';
    static const char h[] = "# sdtrace 1\n";
    put(out, cap, &need, h, sizeof h - 1);
    if (atr_len) {
        char hex[3 * CODEC_TRACE_ATR_MAX + 1];
        size_t n = atr_len > CODEC_TRACE_ATR_MAX ? CODEC_TRACE_ATR_MAX : atr_len;
        size_t hl = codec_trace_format_bytes(atr, NULL, n, hex, sizeof hex);
        put(out, cap, &need, "# atr: ", 7);
        put(out, cap, &need, hex, hl);
        put(out, cap, &need, "\n", 1);
    }
    return need;
}

/* Writes bytes with kinds into the text directly (no intermediate buffer). */
static void put_bytes(char *out, size_t cap, size_t *need, const uint8_t *b, const uint8_t *kind,
                      const uint8_t *mask, size_t len)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        uint8_t k = kind ? kind[i] : CODEC_TRACE_BYTE;
        if (k == CODEC_TRACE_BYTE && mask && mask[i] == CODEC_TRACE_SECRET)
            k = CODEC_TRACE_SECRET;
        char p[3] = {' ', '?', '?'};
        if (k == CODEC_TRACE_SECRET)
            p[1] = p[2] = '*';
        else if (k == CODEC_TRACE_BYTE) {
            p[1] = hx[b[i] >> 4];
            p[2] = hx[b[i] & 15];
        }
        put(out, cap, need, p, 3);
    }
}

size_t codec_trace_format_entry(const codec_trace_entry *e, unsigned flags, char *out, size_t cap)
{
    size_t need = 0;
    if (cap)
        out[0] = '\0';
    char head[96];
    int hn = snprintf(head, sizeof head, "@%llu.%06llu ch%u %llu.%03llums\n>",
                      (unsigned long long)(e->time_us / 1000000u),
                      (unsigned long long)(e->time_us % 1000000u), e->channel,
                      (unsigned long long)(e->duration_us / 1000u),
                      (unsigned long long)(e->duration_us % 1000u));
    put(out, cap, &need, head, hn > 0 ? (size_t)hn : 0);
    size_t cl = e->cmd_len > CODEC_TRACE_CMD_MAX ? CODEC_TRACE_CMD_MAX : e->cmd_len;
    uint8_t *mask = NULL;
    if (!(flags & CODEC_TRACE_KEEP_SECRETS) && cl >= 4 && secret_ins(e->cmd[1])) {
        mask = malloc(cl);
        if (!mask) {
            /* Never leak a secret for want of memory: write the command header only. */
            put_bytes(out, cap, &need, e->cmd, e->cmd_kind, NULL, 4);
            put(out, cap, &need, " **", 3);
            cl = 0;
        } else
            codec_trace_mask(e->cmd, cl, mask);
    }
    if (cl)
        put_bytes(out, cap, &need, e->cmd, e->cmd_kind, mask, cl);
    free(mask);
    put(out, cap, &need, "\n<", 2);
    size_t rl = e->resp_len > CODEC_TRACE_RESP_MAX ? CODEC_TRACE_RESP_MAX : e->resp_len;
    put_bytes(out, cap, &need, e->resp, e->resp_kind, NULL, rl);
    put(out, cap, &need, "\n", 1);
    return need;
}

bool codec_trace_bytes_match(const uint8_t *a, const uint8_t *a_kind, size_t a_len,
                             const uint8_t *b, const uint8_t *b_kind, size_t b_len,
                             size_t *first_diff)
{
    size_t n = a_len < b_len ? a_len : b_len;
    for (size_t i = 0; i < n; i++) {
        bool wild =
            (a_kind && a_kind[i] != CODEC_TRACE_BYTE) || (b_kind && b_kind[i] != CODEC_TRACE_BYTE);
        if (!wild && a[i] != b[i]) {
            if (first_diff)
                *first_diff = i;
            return false;
        }
    }
    if (a_len != b_len) {
        if (first_diff)
            *first_diff = n;
        return false;
    }
    return true;
}

bool codec_trace_match_command(const codec_trace_entry *e, const uint8_t *cmd, size_t len,
                               size_t *first_diff)
{
    return codec_trace_bytes_match(e->cmd, e->cmd_kind, e->cmd_len, cmd, NULL, len, first_diff);
}
