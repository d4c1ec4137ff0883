/* The control protocol: line parser, executor, and the fault-injecting vpcd operations. */
#include "emu_control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec_bytes.h"
#include "emu_vpcd_card.h"
#include "emu_say.h"

#define MAX_TOKENS 5
/* A snapshot larger than this is not a state file of ours. */
#define SNAPSHOT_MAX (256u * 1024u * 1024u)

typedef struct token {
    const uint8_t *p;
    size_t len;
} token;

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Splits the line into at most MAX_TOKENS blank-separated tokens of printable ASCII. */
static int tokenize(const char *line, size_t len, token *tok, size_t *n_tok, char *err, size_t cap)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    codec_reader r;
    codec_reader_init(&r, (const uint8_t *)line, len);
    *n_tok = 0;
    for (;;) {
        uint8_t c;
        /* skip blanks */
        while (codec_reader_remaining(&r) > 0 && is_blank(r.data[r.off]))
            (void)codec_read_u8(&r, &c);
        if (codec_reader_remaining(&r) == 0)
            return 0;
        size_t start = r.off;
        while (codec_reader_remaining(&r) > 0 && !is_blank(r.data[r.off])) {
            (void)codec_read_u8(&r, &c);
            if (c < 0x21 || c > 0x7E) {
                emu_say(err, cap, "byte 0x%02X at column %zu is not printable ASCII", c, r.off);
                return -1;
            }
        }
        if (*n_tok == MAX_TOKENS) {
            emu_say(err, cap, "too many arguments");
            return -1;
        }
        tok[*n_tok].p = r.data + start;
        tok[*n_tok].len = r.off - start;
        (*n_tok)++;
    }
}

static bool tok_is(const token *t, const char *word)
{
    size_t n = strlen(word);
    return t->len == n && memcmp(t->p, word, n) == 0;
}

/* A decimal number 0..max without sign or leading blanks. */
static int tok_uint(const token *t, unsigned max, unsigned *out)
{
    if (t->len == 0 || t->len > 10)
        return -1;
    unsigned long long v = 0;
    for (size_t i = 0; i < t->len; i++) {
        if (t->p[i] < '0' || t->p[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(t->p[i] - '0');
    }
    if (v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Exactly `digits` hex digits. */
static int tok_hex(const token *t, size_t digits, unsigned *out)
{
    if (t->len != digits)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < t->len; i++) {
        int d = codec_hex_digit(t->p[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return 0;
}

static int tok_copy(const token *t, char *out, size_t cap)
{
    if (t->len >= cap)
        return -1;
    memcpy(out, t->p, t->len);
    out[t->len] = '\0';
    return 0;
}

/* A DF path: 4 hex digits per FID, one or more FIDs ("5000", "50005100"). */
static int tok_df(const token *t, char *out, size_t cap)
{
    if (t->len == 0 || t->len % 4 != 0)
        return -1;
    for (size_t i = 0; i < t->len; i++)
        if (codec_hex_digit(t->p[i]) < 0)
            return -1;
    return tok_copy(t, out, cap);
}

/* The optional trailing count N of the fault commands: 1..EMU_CONTROL_COUNT_MAX. */
static int opt_count(const token *tok, size_t n_tok, size_t at, unsigned *count)
{
    *count = 1;
    if (n_tok <= at)
        return 0;
    if (tok_uint(&tok[at], EMU_CONTROL_COUNT_MAX, count) != 0 || *count == 0)
        return -1;
    return 0;
}

static int parse_fault(const token *tok, size_t n, emu_control_cmd *cmd, char *err, size_t cap)
{
    if (n < 2) {
        emu_say(err, cap, "usage: fault delay MS [N] | sw XXXX [N] | drop | power-cut | clear");
        return -1;
    }
    const token *kind = &tok[1];
    if (tok_is(kind, "delay")) {
        cmd->op = EMU_CONTROL_FAULT_DELAY;
        if (n < 3 || n > 4 || tok_uint(&tok[2], EMU_CONTROL_DELAY_MAX_MS, &cmd->value) != 0 ||
            opt_count(tok, n, 3, &cmd->count) != 0) {
            emu_say(err, cap, "usage: fault delay MS [N] (MS 0..%u, N 1..%u)",
                    EMU_CONTROL_DELAY_MAX_MS, EMU_CONTROL_COUNT_MAX);
            return -1;
        }
        return 0;
    }
    if (tok_is(kind, "sw")) {
        unsigned sw;
        cmd->op = EMU_CONTROL_FAULT_SW;
        if (n < 3 || n > 4 || tok_hex(&tok[2], 4, &sw) != 0 ||
            opt_count(tok, n, 3, &cmd->count) != 0) {
            emu_say(err, cap, "usage: fault sw XXXX [N] (4 hex digits, N 1..%u)",
                    EMU_CONTROL_COUNT_MAX);
            return -1;
        }
        cmd->sw = (uint16_t)sw;
        return 0;
    }
    struct {
        const char *word;
        emu_control_op op;
    } simple[] = {{"drop", EMU_CONTROL_FAULT_DROP},
                  {"power-cut", EMU_CONTROL_FAULT_POWER_CUT},
                  {"clear", EMU_CONTROL_FAULT_CLEAR}};
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        if (tok_is(kind, simple[i].word)) {
            if (n != 2) {
                emu_say(err, cap, "usage: fault %s", simple[i].word);
                return -1;
            }
            cmd->op = simple[i].op;
            return 0;
        }
    }
    emu_say(err, cap, "unknown fault (delay, sw, drop, power-cut, clear)");
    return -1;
}

int emu_control_parse(const char *line, size_t len, emu_control_cmd *cmd, char *err, size_t cap)
{
    if (len > EMU_CONTROL_LINE_MAX) {
        emu_say(err, cap, "line longer than %u bytes", EMU_CONTROL_LINE_MAX);
        return -1;
    }
    token tok[MAX_TOKENS];
    size_t n;
    if (tokenize(line, len, tok, &n, err, cap) != 0)
        return -1;
    if (n == 0) {
        emu_say(err, cap, "empty command (try: help)");
        return -1;
    }
    memset(cmd, 0, sizeof *cmd);
    cmd->count = 1;
    struct {
        const char *word;
        emu_control_op op;
    } bare[] = {{"remove", EMU_CONTROL_REMOVE},
                {"insert", EMU_CONTROL_INSERT},
                {"reset", EMU_CONTROL_RESET},
                {"status", EMU_CONTROL_STATUS},
                {"help", EMU_CONTROL_HELP}};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        if (tok_is(&tok[0], bare[i].word)) {
            if (n != 1) {
                emu_say(err, cap, "%s takes no argument", bare[i].word);
                return -1;
            }
            cmd->op = bare[i].op;
            return 0;
        }
    }
    if (tok_is(&tok[0], "snapshot") || tok_is(&tok[0], "restore")) {
        bool snap = tok_is(&tok[0], "snapshot");
        cmd->op = snap ? EMU_CONTROL_SNAPSHOT : EMU_CONTROL_RESTORE;
        if (n != 2 || tok_copy(&tok[1], cmd->arg, sizeof cmd->arg) != 0) {
            emu_say(err, cap, "usage: %s FILE (no blanks, below %u bytes)",
                    snap ? "snapshot" : "restore", EMU_CONTROL_ARG_MAX);
            return -1;
        }
        return 0;
    }
    if (tok_is(&tok[0], "pin-tries")) {
        unsigned ref;
        cmd->op = EMU_CONTROL_PIN_TRIES;
        if (n < 2 || n > 3 || tok_hex(&tok[1], 2, &ref) != 0 ||
            (n == 3 && tok_df(&tok[2], cmd->arg, sizeof cmd->arg) != 0)) {
            emu_say(err, cap, "usage: pin-tries REF [DF] (REF 2 hex digits, DF FIDs in hex)");
            return -1;
        }
        cmd->ref = (uint8_t)ref;
        return 0;
    }
    if (tok_is(&tok[0], "set-pin-tries")) {
        unsigned ref;
        cmd->op = EMU_CONTROL_SET_PIN_TRIES;
        if (n < 3 || n > 4 || tok_hex(&tok[1], 2, &ref) != 0 ||
            tok_uint(&tok[2], 255, &cmd->value) != 0 ||
            (n == 4 && tok_df(&tok[3], cmd->arg, sizeof cmd->arg) != 0)) {
            emu_say(err, cap, "usage: set-pin-tries REF N [DF] (REF 2 hex digits, N 0..255)");
            return -1;
        }
        cmd->ref = (uint8_t)ref;
        return 0;
    }
    if (tok_is(&tok[0], "fault"))
        return parse_fault(tok, n, cmd, err, cap);
    emu_say(err, cap, "unknown command (try: help)");
    return -1;
}

void emu_control_init(emu_control *ctl, emu_card *card, const char *serial,
                      const emu_control_hooks *hooks, void *hooks_ctx)
{
    memset(ctl, 0, sizeof *ctl);
    ctl->card = card;
    size_t len = 0;
    const uint8_t *atr = emu_card_atr(card, &len);
    if (len > sizeof ctl->atr)
        len = sizeof ctl->atr;
    memcpy(ctl->atr, atr, len);
    ctl->atr_len = len;
    if (serial)
        snprintf(ctl->serial, sizeof ctl->serial, "%s", serial);
    ctl->hooks = hooks;
    ctl->hooks_ctx = hooks_ctx;
}

int emu_control_set_atr(emu_control *ctl, const uint8_t *atr, size_t len)
{
    if (len > sizeof ctl->atr)
        return -1;
    memcpy(ctl->atr, atr, len);
    ctl->atr_len = len;
    return 0;
}

/* Writes buf to path atomically: temporary file, fsync, rename. */
static int write_atomic(const char *path, const uint8_t *buf, size_t len, char *msg, size_t cap)
{
    char tmp[EMU_CONTROL_ARG_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        emu_say(msg, cap, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            emu_say(msg, cap, "cannot write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        emu_say(msg, cap, "cannot flush %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        emu_say(msg, cap, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int read_file(const char *path, uint8_t **out, size_t *out_len, char *msg, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        emu_say(msg, cap, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)SNAPSHOT_MAX) {
        emu_say(msg, cap, "%s is not a regular file of at most %u bytes", path, SNAPSHOT_MAX);
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        emu_say(msg, cap, "out of memory");
        close(fd);
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            emu_say(msg, cap, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "short file");
            free(buf);
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    close(fd);
    *out = buf;
    *out_len = len;
    return 0;
}

static const char help_text[] =
    "ok commands: remove | insert | reset | status | help | snapshot FILE | restore FILE | "
    "pin-tries REF [DF] | set-pin-tries REF N [DF] | fault delay MS [N] | fault sw XXXX [N] | "
    "fault drop | fault power-cut | fault clear";

static int do_status(emu_control *ctl, char *reply, size_t cap)
{
    char atr[sizeof ctl->atr * 2 + 1];
    for (size_t i = 0; i < ctl->atr_len; i++)
        snprintf(atr + 2 * i, 3, "%02X", ctl->atr[i]);
    atr[2 * ctl->atr_len] = '\0';
    bool in = ctl->hooks && ctl->hooks->inserted ? ctl->hooks->inserted(ctl->hooks_ctx) : true;
    char sw[8] = "none";
    if (ctl->sw_count)
        snprintf(sw, sizeof sw, "%04X", ctl->fault_sw);
    emu_say(reply, cap,
            "ok card=%s serial=%s atr=%s commands=%lu fault-delay=%ux%u fault-sw=%sx%u "
            "fault-drop=%s",
            in ? "inserted" : "removed", ctl->serial[0] ? ctl->serial : "-", atr, ctl->commands,
            ctl->delay_ms, ctl->delay_count, sw, ctl->sw_count, ctl->drop ? "yes" : "no");
    return 0;
}

static int fail(char *reply, size_t cap, const char *msg)
{
    emu_say(reply, cap, "error %s", msg);
    return -1;
}

int emu_control_exec(emu_control *ctl, const emu_control_cmd *cmd, char *reply, size_t cap)
{
    char msg[EMU_CONTROL_REPLY_MAX - 16];
    msg[0] = '\0';
    const char *df = cmd->arg[0] ? cmd->arg : NULL;
    switch (cmd->op) {
    case EMU_CONTROL_REMOVE:
    case EMU_CONTROL_INSERT: {
        bool rm = cmd->op == EMU_CONTROL_REMOVE;
        int (*fn)(void *, char *, size_t) =
            ctl->hooks ? (rm ? ctl->hooks->remove : ctl->hooks->insert) : NULL;
        if (!fn)
            return fail(reply, cap, "not supported here");
        if (fn(ctl->hooks_ctx, msg, sizeof msg) != 0)
            return fail(reply, cap, msg);
        emu_say(reply, cap, "ok %s", rm ? "removed" : "inserted");
        return 0;
    }
    case EMU_CONTROL_RESET:
        emu_card_reset(ctl->card);
        emu_say(reply, cap, "ok reset");
        return 0;
    case EMU_CONTROL_SNAPSHOT: {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (emu_card_state_save(ctl->card, &buf, &len) != 0)
            return fail(reply, cap, "cannot save the state: out of memory");
        int rc = write_atomic(cmd->arg, buf, len, msg, sizeof msg);
        free(buf);
        if (rc != 0)
            return fail(reply, cap, msg);
        emu_say(reply, cap, "ok snapshot %zu bytes", len);
        return 0;
    }
    case EMU_CONTROL_RESTORE: {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (read_file(cmd->arg, &buf, &len, msg, sizeof msg) != 0)
            return fail(reply, cap, msg);
        emu_error err;
        memset(&err, 0, sizeof err);
        int rc = emu_card_state_load(ctl->card, buf, len, &err);
        free(buf);
        if (rc != 0) {
            emu_say(reply, cap, "error %s: %s", cmd->arg, err.message);
            return -1;
        }
        if (ctl->hooks && ctl->hooks->save_state &&
            ctl->hooks->save_state(ctl->hooks_ctx, msg, sizeof msg) != 0)
            return fail(reply, cap, msg);
        emu_say(reply, cap, "ok restored %zu bytes", len);
        return 0;
    }
    case EMU_CONTROL_PIN_TRIES: {
        unsigned tries;
        if (emu_card_pin_tries(ctl->card, cmd->ref, df, &tries) != 0)
            return fail(reply, cap, "no such PIN");
        emu_say(reply, cap, "ok %u", tries);
        return 0;
    }
    case EMU_CONTROL_SET_PIN_TRIES:
        if (emu_card_set_pin_tries(ctl->card, cmd->ref, df, cmd->value) != 0)
            return fail(reply, cap, "no such PIN, value above its retry limit, or not durable");
        emu_say(reply, cap, "ok %u", cmd->value);
        return 0;
    case EMU_CONTROL_FAULT_DELAY:
        ctl->delay_ms = cmd->value;
        ctl->delay_count = cmd->count;
        emu_say(reply, cap, "ok next %u response(s) delayed by %u ms", cmd->count, cmd->value);
        return 0;
    case EMU_CONTROL_FAULT_SW:
        ctl->fault_sw = cmd->sw;
        ctl->sw_count = cmd->count;
        emu_say(reply, cap, "ok next %u command(s) answered %04X", cmd->count, cmd->sw);
        return 0;
    case EMU_CONTROL_FAULT_DROP:
        ctl->drop = true;
        emu_say(reply, cap, "ok next command drops the connection");
        return 0;
    case EMU_CONTROL_FAULT_POWER_CUT:
        if (!ctl->hooks || !ctl->hooks->power_cut)
            return fail(reply, cap, "power-cut needs a state file (sdemu serve --state FILE)");
        if (ctl->hooks->power_cut(ctl->hooks_ctx, msg, sizeof msg) != 0)
            return fail(reply, cap, msg);
        emu_say(reply, cap, "ok next durable write is cut");
        return 0;
    case EMU_CONTROL_FAULT_CLEAR:
        ctl->delay_ms = ctl->delay_count = ctl->sw_count = 0;
        ctl->fault_sw = 0;
        ctl->drop = false;
        emu_say(reply, cap, "ok faults cleared");
        return 0;
    case EMU_CONTROL_STATUS:
        return do_status(ctl, reply, cap);
    case EMU_CONTROL_HELP:
        emu_say(reply, cap, "%s", help_text);
        return 0;
    }
    return fail(reply, cap, "unknown command");
}

int emu_control_line(emu_control *ctl, const char *line, size_t len, char *reply, size_t cap)
{
    emu_control_cmd cmd;
    char err[256];
    if (emu_control_parse(line, len, &cmd, err, sizeof err) != 0)
        return fail(reply, cap, err);
    return emu_control_exec(ctl, &cmd, reply, cap);
}

/* ---- vpcd operations with faults ---- */

static void ctl_power_on(void *ctx)
{
    emu_vpcd_card_ops.power_on(((emu_control *)ctx)->card);
}

static void ctl_power_off(void *ctx)
{
    emu_vpcd_card_ops.power_off(((emu_control *)ctx)->card);
}

static void ctl_reset(void *ctx)
{
    emu_vpcd_card_ops.reset(((emu_control *)ctx)->card);
}

static const uint8_t *ctl_atr(void *ctx, size_t *len)
{
    emu_control *ctl = ctx;
    *len = ctl->atr_len;
    return ctl->atr;
}

static size_t ctl_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t cap)
{
    emu_control *ctl = ctx;
    ctl->commands++;
    if (ctl->drop) {
        ctl->drop = false;
        return EMU_VPCD_DROP;
    }
    if (ctl->delay_count) {
        ctl->delay_count--;
        /* Blocks the serve loop, control socket included: the card is busy. */
        struct timespec ts = {(time_t)(ctl->delay_ms / 1000),
                              (long)(ctl->delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    if (ctl->sw_count) {
        ctl->sw_count--;
        resp[0] = (uint8_t)(ctl->fault_sw >> 8);
        resp[1] = (uint8_t)ctl->fault_sw;
        return 2;
    }
    return emu_vpcd_card_ops.transmit(ctl->card, cmd, cmd_len, resp, cap);
}

const emu_vpcd_ops emu_control_vpcd_ops = {
    .power_on = ctl_power_on,
    .power_off = ctl_power_off,
    .reset = ctl_reset,
    .atr = ctl_atr,
    .transmit = ctl_transmit,
};
