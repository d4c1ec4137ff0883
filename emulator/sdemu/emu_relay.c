/* The relay card: vpcd link on one side, an upstream PC/SC card on the other, a trace between.
 */
#include "emu_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

#include "codec_trace.h"
#include "emu_say.h"

/* Longest reader name accepted in a spec (pcsc-lite's own limit is 128 + a few). */
#define READER_MAX 255
/* Largest upstream response: 65536 data bytes + SW1 SW2. */
#define RESP_MAX (65536 + 2)

typedef enum job_op { JOB_NONE = 0, JOB_CONNECT, JOB_TRANSMIT, JOB_RESET } job_op;

/* Fields ordered by alignment (largest first) so that the struct has no padding holes. */
struct emu_relay {
    emu_relay_config cfg;

    /* worker */
    pthread_t worker;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a job was posted (or quit) */
    pthread_cond_t done; /* the job finished */
    long rv;             /* result of the last job (SCARD_S_SUCCESS or an error) */
    const char *rv_call;
    const uint8_t *cmd;
    size_t cmd_len;
    uint8_t *resp;

    /* upstream (worker only) */
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    size_t atr_len;

    /* trace */
    struct timespec start;
    char *text; /* CODEC_TRACE_ENTRY_TEXT_MAX bytes */
    unsigned long count;
    int trace_fd;

    DWORD resp_len;
    DWORD protocol;
    job_op op; /* JOB_NONE when idle */
    bool worker_started;
    bool quit;
    bool finished;
    bool stuck; /* a job overran its deadline: the worker is blocked in pcsc-lite */
    bool have_ctx;
    bool have_card;
    bool powered;

    uint8_t atr[CODEC_TRACE_ATR_MAX];
    char reader[READER_MAX + 1];
    char name[64];
    char failure[256];
};

static uint64_t elapsed_us(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t us =
        (int64_t)(now.tv_sec - since->tv_sec) * 1000000 + (now.tv_nsec - since->tv_nsec) / 1000;
    return us > 0 ? (uint64_t)us : 0;
}

const char *emu_relay_parse_spec(const char *spec)
{
    if (!spec || strncmp(spec, "pcsc:", 5) != 0)
        return NULL;
    const char *reader = spec + 5;
    size_t n = strlen(reader);
    if (n == 0 || n > READER_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)reader[i] < 0x20 || reader[i] == 0x7F)
            return NULL;
    return reader;
}

/* ---- the worker: every SCard call happens here ---- */

static long upstream_atr(emu_relay *r)
{
    char name[READER_MAX + 1];
    DWORD name_len = sizeof name, state = 0, proto = 0;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atr_len = sizeof atr;
    long rv = SCardStatus(r->card, name, &name_len, &state, &proto, atr, &atr_len);
    if (rv != SCARD_S_SUCCESS)
        return rv;
    if (atr_len == 0 || atr_len > sizeof r->atr)
        return SCARD_E_INVALID_ATR;
    memcpy(r->atr, atr, atr_len);
    r->atr_len = atr_len;
    return SCARD_S_SUCCESS;
}

static void run_job(emu_relay *r)
{
    switch (r->op) {
    case JOB_CONNECT:
        r->rv_call = "SCardEstablishContext";
        r->rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &r->ctx);
        if (r->rv != SCARD_S_SUCCESS)
            return;
        r->have_ctx = true;
        r->rv_call = "SCardConnect";
        r->rv = SCardConnect(r->ctx, r->reader, SCARD_SHARE_SHARED,
                             SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &r->card, &r->protocol);
        if (r->rv != SCARD_S_SUCCESS)
            return;
        r->have_card = true;
        r->rv_call = "SCardStatus";
        r->rv = upstream_atr(r);
        return;
    case JOB_TRANSMIT: {
        const SCARD_IO_REQUEST *pci =
            r->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        r->resp_len = RESP_MAX;
        r->rv_call = "SCardTransmit";
        r->rv = SCardTransmit(r->card, pci, r->cmd, (DWORD)r->cmd_len, NULL, r->resp, &r->resp_len);
        return;
    }
    case JOB_RESET:
        r->rv_call = "SCardReconnect";
        r->rv = SCardReconnect(r->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                               SCARD_RESET_CARD, &r->protocol);
        if (r->rv != SCARD_S_SUCCESS)
            return;
        r->rv_call = "SCardStatus";
        r->rv = upstream_atr(r);
        return;
    case JOB_NONE:
        return;
    }
}

static void *worker_main(void *arg)
{
    emu_relay *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->op == JOB_NONE && !r->quit)
            pthread_cond_wait(&r->wake, &r->lock);
        if (r->op == JOB_NONE)
            break; /* quit */
        pthread_mutex_unlock(&r->lock);
        run_job(r); /* the caller does not touch the job's fields until `finished` */
        pthread_mutex_lock(&r->lock);
        r->op = JOB_NONE;
        r->finished = true;
        pthread_cond_signal(&r->done);
    }
    if (r->have_card)
        SCardDisconnect(r->card, SCARD_LEAVE_CARD);
    if (r->have_ctx)
        SCardReleaseContext(r->ctx);
    r->have_card = r->have_ctx = false;
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* Posts a job and waits for it at most the configured timeout. Returns 0 when it finished with
 * success; -1 with r->failure set otherwise (then the relay is finished). */
static int run(emu_relay *r, job_op op)
{
    if (r->failure[0])
        return -1;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += r->cfg.timeout_ms / 1000;
    deadline.tv_nsec += (long)(r->cfg.timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->lock);
    r->op = op;
    r->finished = false;
    pthread_cond_signal(&r->wake);
    int rc = 0;
    while (!r->finished && rc == 0)
        rc = pthread_cond_timedwait(&r->done, &r->lock, &deadline);
    bool finished = r->finished;
    if (!finished)
        r->stuck = true;
    pthread_mutex_unlock(&r->lock);
    if (!finished) {
        emu_say(r->failure, sizeof r->failure, "upstream reader '%s' did not answer within %d ms",
                r->reader, r->cfg.timeout_ms);
        return -1;
    }
    if (r->rv != SCARD_S_SUCCESS) {
        emu_say(r->failure, sizeof r->failure, "upstream reader '%s': %s: %s", r->reader,
                r->rv_call, pcsc_stringify_error(r->rv));
        return -1;
    }
    return 0;
}

/* ---- trace ---- */

static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes a comment line ("# ...") to the trace; failures end the relay. */
static void trace_note(emu_relay *r, const char *note)
{
    if (r->trace_fd < 0)
        return;
    char line[128];
    int n = snprintf(line, sizeof line, "# %s\n", note);
    if (n > 0 && (size_t)n < sizeof line && write_all(r->trace_fd, line, (size_t)n) != 0 &&
        !r->failure[0])
        emu_say(r->failure, sizeof r->failure, "cannot write the trace %s: %s", r->cfg.trace_path,
                strerror(errno));
}

static int trace_entry(emu_relay *r, const codec_trace_entry *e)
{
    if (r->trace_fd < 0)
        return 0;
    unsigned flags = r->cfg.trace_secrets ? CODEC_TRACE_KEEP_SECRETS : 0;
    size_t n = codec_trace_format_entry(e, flags, r->text, CODEC_TRACE_ENTRY_TEXT_MAX);
    /* One write per entry: a relay killed between exchanges leaves whole entries only. */
    if (n >= CODEC_TRACE_ENTRY_TEXT_MAX || write_all(r->trace_fd, r->text, n) != 0) {
        emu_say(r->failure, sizeof r->failure, "cannot write the trace %s: %s", r->cfg.trace_path,
                n >= CODEC_TRACE_ENTRY_TEXT_MAX ? "entry too long" : strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- open / close ---- */

emu_relay *emu_relay_open(const emu_relay_config *cfg, char *err, size_t cap)
{
    if (!cfg->reader || !cfg->reader[0] || strlen(cfg->reader) > READER_MAX) {
        emu_say(err, cap, "bad upstream reader name");
        return NULL;
    }
    emu_relay *r = calloc(1, sizeof *r);
    if (!r) {
        emu_say(err, cap, "out of memory");
        return NULL;
    }
    r->cfg = *cfg;
    if (r->cfg.timeout_ms <= 0)
        r->cfg.timeout_ms = EMU_RELAY_DEFAULT_TIMEOUT_MS;
    snprintf(r->reader, sizeof r->reader, "%s", cfg->reader);
    snprintf(r->name, sizeof r->name, "%s", cfg->name ? cfg->name : "relay");
    r->cfg.name = r->name;
    r->trace_fd = -1;
    r->powered = true;
    r->resp = malloc(RESP_MAX);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->done, &ca);
    pthread_cond_init(&r->wake, NULL);
    pthread_condattr_destroy(&ca);
    if (!r->resp) {
        emu_say(err, cap, "out of memory");
        emu_relay_close(r);
        return NULL;
    }
    /* pcsc-lite reads the variable once, at this process's first SCard call (the worker's). */
    if (cfg->upstream_socket && setenv("PCSCLITE_CSOCK_NAME", cfg->upstream_socket, 1) != 0) {
        emu_say(err, cap, "setenv: %s", strerror(errno));
        emu_relay_close(r);
        return NULL;
    }
    if (pthread_create(&r->worker, NULL, worker_main, r) != 0) {
        emu_say(err, cap, "cannot start the upstream thread");
        emu_relay_close(r);
        return NULL;
    }
    r->worker_started = true;
    if (run(r, JOB_CONNECT) != 0) {
        emu_say(err, cap, "%s", r->failure);
        emu_relay_close(r);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    if (cfg->trace_path) {
        r->text = malloc(CODEC_TRACE_ENTRY_TEXT_MAX);
        r->trace_fd = open(cfg->trace_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (!r->text || r->trace_fd < 0) {
            emu_say(err, cap, "cannot create the trace %s: %s", cfg->trace_path,
                    r->text ? strerror(errno) : "out of memory");
            emu_relay_close(r);
            return NULL;
        }
        char head[CODEC_TRACE_HEADER_TEXT_MAX + 1];
        size_t n = codec_trace_format_header(r->atr, r->atr_len, head, sizeof head);
        if (n >= sizeof head || write_all(r->trace_fd, head, n) != 0) {
            emu_say(err, cap, "cannot write the trace %s: %s", cfg->trace_path, strerror(errno));
            emu_relay_close(r);
            return NULL;
        }
        char note[READER_MAX + 64];
        snprintf(note, sizeof note, "relay of pcsc:%s%s", r->reader,
                 cfg->trace_secrets ? " (secrets kept)" : "");
        trace_note(r, note);
    }
    return r;
}

void emu_relay_close(emu_relay *r)
{
    if (!r)
        return;
    if (r->worker_started) {
        pthread_mutex_lock(&r->lock);
        bool stuck = r->stuck;
        r->quit = true;
        pthread_cond_signal(&r->wake);
        pthread_mutex_unlock(&r->lock);
        if (stuck) {
            /* Blocked in pcsc-lite: leave it (and r) to the process exit. */
            pthread_detach(r->worker);
            if (r->trace_fd >= 0)
                close(r->trace_fd);
            return;
        }
        pthread_join(r->worker, NULL);
    }
    if (r->trace_fd >= 0)
        close(r->trace_fd);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->wake);
    pthread_cond_destroy(&r->done);
    free(r->text);
    free(r->resp);
    free(r);
}

const char *emu_relay_failure(const emu_relay *r)
{
    return r->failure;
}

unsigned long emu_relay_count(const emu_relay *r)
{
    return r->count;
}

/* ---- vpcd ops ---- */

static void relay_power_on(void *ctx)
{
    emu_relay *r = ctx;
    if (r->powered)
        return;
    /* The card was powered off by pcscd (no client for a while): the upstream card starts
     * afresh too, as a physical card would. */
    r->powered = true;
    trace_note(r, "power on (upstream card reset)");
    (void)run(r, JOB_RESET);
}

static void relay_power_off(void *ctx)
{
    emu_relay *r = ctx;
    r->powered = false;
    trace_note(r, "power off");
}

static void relay_reset(void *ctx)
{
    emu_relay *r = ctx;
    r->powered = true;
    trace_note(r, "reset (upstream card reset)");
    (void)run(r, JOB_RESET);
}

static const uint8_t *relay_atr(void *ctx, size_t *len)
{
    emu_relay *r = ctx;
    *len = r->atr_len;
    return r->atr;
}

static size_t relay_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                             size_t cap)
{
    emu_relay *r = ctx;
    if (r->failure[0])
        return EMU_VPCD_DROP;
    uint64_t t0 = elapsed_us(&r->start);
    r->cmd = cmd;
    r->cmd_len = cmd_len;
    if (run(r, JOB_TRANSMIT) != 0)
        return EMU_VPCD_DROP;
    uint64_t t1 = elapsed_us(&r->start);
    size_t n = r->resp_len;
    if (n < 2 || n > cap) {
        emu_say(r->failure, sizeof r->failure,
                "upstream reader '%s' answered %zu bytes (expected 2..%zu)", r->reader, n, cap);
        return EMU_VPCD_DROP;
    }
    memcpy(resp, r->resp, n);
    codec_trace_entry e = {.time_us = t0,
                           .duration_us = t1 - t0,
                           .channel = codec_trace_channel(cmd[0]),
                           .cmd = cmd,
                           .cmd_len = cmd_len,
                           .resp = resp,
                           .resp_len = n};
    r->count++;
    if (trace_entry(r, &e) != 0)
        return EMU_VPCD_DROP;
    return n;
}

const emu_vpcd_ops emu_relay_vpcd_ops = {
    .power_on = relay_power_on,
    .power_off = relay_power_off,
    .reset = relay_reset,
    .atr = relay_atr,
    .transmit = relay_transmit,
};

int emu_relay_finish(const emu_relay *r, emu_vpcd_end end)
{
    if (r->failure[0]) {
        fprintf(stderr, "sdemu: %s: relay ended: %s\n", r->name, r->failure);
        return 1;
    }
    return end == EMU_VPCD_END_EOF ? 0 : 1;
}
