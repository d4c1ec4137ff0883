/* "pcsc:" backend. pcsc-lite calls that reach a card (SCardConnect, SCardTransmit,
 * SCardBeginTransaction, SCardReconnect) can block forever behind vpcd, so every PC/SC call of a
 * connection runs on one long-lived worker thread of that connection (created at connect,
 * joined at close) and the caller waits for it with a deadline (SDPROXY_TIMEOUT_MS, read at
 * connect, default 20000). After a timeout the connection is marked broken: later calls fail at
 * once, and close leaves the worker to finish the stuck call, release the PC/SC handles and free
 * the connection (the last of caller and worker to let go frees it).
 *
 * Hand-off: the caller copies the command into the connection's buffer, posts the job and waits
 * awake (a sched_yield loop, SDPROXY_PCSC_SPIN_US, default 1000 us) before it sleeps on a
 * condition variable until the deadline; after each job the worker waits awake a tenth as long
 * for the next one (the next APDU of a call follows within microseconds). Waking a sleeping
 * thread costs some 5 us per direction on a busy 2-CPU machine; SDPROXY_PCSC_SPIN_US=0 trades
 * that latency for less CPU.
 *
 * Transactions: begin only records that the API call wants one; the worker takes it
 * (SCardBeginTransaction) together with the call's first APDU, and end hands SCardEndTransaction
 * to the worker without waiting for it. The worker keeps the transaction SDPROXY_PCSC_LINGER_US
 * (default 1000 us; 0: none) after a call for the next call to reuse: pcscd's lock and unlock
 * cost more than the proxy itself (other clients still never run inside one of our API calls;
 * they may wait after one). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "px_error.h"
#include "px_transport.h"

typedef enum { PX_JOB_CONNECT, PX_JOB_TRANSMIT, PX_JOB_RESET } px_job;

/* How long a caller waits awake for its job (the worker for the next job: a tenth of it)
 * before it sleeps on the condition variable. Waking a sleeping thread costs 5 to 30 us on a
 * busy 2-CPU virtual machine, against 1 to 2 us awake (tools/bench --proxy); 1 ms covers the
 * emulated card's slowest command (an RSA-2048 signature), and a card slower than that pays
 * the wake-up on a command of more than 1 ms. */
#define PX_PCSC_SPIN_US 1000

/* A response buffer larger than this is given back after its call (like the engine's). */
#define PX_PCSC_KEEP 1026

typedef struct px_pcsc {
    pthread_mutex_t mu;
    pthread_cond_t to_worker; /* a job posted, a call ended, or quit */
    pthread_cond_t to_caller; /* a job finished, or the worker let go */
    pthread_t thread;
    /* Jobs are numbered: the worker runs one while finished != posted. Both change under mu;
     * they are atomic so that either side may spin on them without it. */
    atomic_uint posted, finished;
    /* Guarded by mu. */
    int refs;                      /* caller and worker: the last to let go frees */
    bool end_pending;              /* an API call ended and its transaction is still held */
    long long ended_at, posted_at; /* CLOCK_MONOTONIC ns: that call's end; the last post */
    bool worker_idle;              /* the worker sleeps on to_worker: signal it */
    bool quit;                     /* close: end, disconnect, release, exit */
    bool exited;                   /* the worker has let go */
    /* Caller only. */
    bool broken;  /* a wait ran out: no more PC/SC calls from this connection */
    bool want_tx; /* between begin and end */
    long timeout_ms, linger_us, spin_us, worker_spin_us;
    /* The job: written by the caller before posting, by the worker until it finishes. */
    px_job job;
    bool job_tx; /* take the transaction before the command */
    LONG rv;
    const char *rv_what; /* the SCard function rv comes from */
    uint8_t *cmd, *resp;
    size_t cmd_cap, cmd_len, resp_cap;
    DWORD resp_len;
    /* Worker only (and the caller after the connect or reset job). */
    bool have_ctx, have_card, in_tx;
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto;
    uint8_t atr[PX_ATR_MAX];
    size_t atr_len;
    char reader[256];
} px_pcsc;

/* An integer 0..max from the environment, else `dflt`. */
static long px_pcsc_env(const char *name, long dflt, long max)
{
    const char *s = getenv(name);
    if (s && *s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (*end == '\0' && v >= 0 && v <= max)
            return v;
    }
    return dflt;
}

static long long px_pcsc_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* CLOCK_MONOTONIC (the condition variables' clock) `us` microseconds from now. */
static struct timespec px_pcsc_after_us(long long us)
{
    long long ns = px_pcsc_now_ns() + us * 1000LL;
    struct timespec t = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
    return t;
}

/* SDPROXY_TIMEOUT_MS: the deadline of every wait on pcscd or the card (unset or 0: 20000). */
static long px_pcsc_timeout_ms(void)
{
    long ms = px_pcsc_env("SDPROXY_TIMEOUT_MS", 20000, 3600000);
    return ms ? ms : 20000;
}

/* A condition variable on CLOCK_MONOTONIC, the clock of px_pcsc_after_us. */
static void px_pcsc_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* Starts fn(arg) on a thread that takes none of the application's signals (it inherits the
 * mask blocked around pthread_create), detached when `detached`. Returns pthread_create's
 * result. */
static int px_pcsc_thread_start(pthread_t *t, bool detached, void *(*fn)(void *), void *arg)
{
    pthread_attr_t ta;
    pthread_attr_init(&ta);
    if (detached)
        pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(t, &ta, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&ta);
    return rc;
}

/* Yields the CPU in a loop for up to `us` microseconds until *v == want (true) or the time is
 * up (false). */
static bool px_pcsc_spin(atomic_uint *v, unsigned want, long us)
{
    if (us <= 0)
        return false;
    long long until = px_pcsc_now_ns() + us * 1000LL;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(v, memory_order_acquire) == want)
            return true;
        if ((i & 31) == 0 && px_pcsc_now_ns() >= until)
            return false;
        sched_yield(); /* not a pause loop: under a hypervisor that costs more */
    }
}

/* SCardBeginTransaction; when another client reset the card, takes the new session and tries
 * once more. */
static LONG px_pcsc_lock_card(px_pcsc *p)
{
    LONG rv = SCardBeginTransaction(p->card);
    if (rv == SCARD_W_RESET_CARD) {
        DWORD proto;
        rv = SCardReconnect(p->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                            SCARD_LEAVE_CARD, &proto);
        if (rv == SCARD_S_SUCCESS) {
            p->proto = proto;
            rv = SCardBeginTransaction(p->card);
        }
    }
    return rv;
}

/* Reads the ATR into p->atr (connect and reset). */
static LONG px_pcsc_read_atr(px_pcsc *p)
{
    uint8_t buf[MAX_ATR_SIZE];
    DWORD atr_len = sizeof buf, state, proto;
    char name[256];
    DWORD name_len = sizeof name;
    LONG rv = SCardStatus(p->card, name, &name_len, &state, &proto, buf, &atr_len);
    if (rv != SCARD_S_SUCCESS)
        return rv;
    if (atr_len > sizeof p->atr)
        atr_len = 0; /* refused by px_pcsc_atr */
    memcpy(p->atr, buf, atr_len);
    p->atr_len = atr_len;
    return SCARD_S_SUCCESS;
}

/* The worker's part of one job; its results go to p->rv, p->rv_what and the buffers. */
static void px_pcsc_run(px_pcsc *p)
{
    LONG rv = SCARD_S_SUCCESS;
    p->rv_what = "";
    switch (p->job) {
    case PX_JOB_CONNECT:
        p->rv_what = "SCardEstablishContext";
        rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
        p->have_ctx = rv == SCARD_S_SUCCESS;
        if (rv == SCARD_S_SUCCESS) {
            p->rv_what = "SCardConnect";
            rv = SCardConnect(p->ctx, p->reader, SCARD_SHARE_SHARED,
                              SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &p->proto);
            p->have_card = rv == SCARD_S_SUCCESS;
        }
        if (rv == SCARD_S_SUCCESS) {
            p->rv_what = "SCardStatus";
            rv = px_pcsc_read_atr(p);
        }
        break;
    case PX_JOB_RESET:
        p->rv_what = "SCardReconnect";
        rv = SCardReconnect(p->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                            SCARD_RESET_CARD, &p->proto);
        if (rv == SCARD_S_SUCCESS) {
            p->rv_what = "SCardStatus";
            rv = px_pcsc_read_atr(p);
        }
        break;
    case PX_JOB_TRANSMIT:
        if (p->job_tx && !p->in_tx) {
            p->rv_what = "SCardBeginTransaction";
            rv = px_pcsc_lock_card(p);
            p->in_tx = rv == SCARD_S_SUCCESS;
        }
        if (rv == SCARD_S_SUCCESS) {
            const SCARD_IO_REQUEST *pci =
                p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
            p->rv_what = "SCardTransmit";
            p->resp_len = (DWORD)p->resp_cap;
            rv =
                SCardTransmit(p->card, pci, p->cmd, (DWORD)p->cmd_len, NULL, p->resp, &p->resp_len);
        }
        explicit_bzero(p->cmd, p->cmd_len); /* a VERIFY carries a PIN */
        break;
    }
    p->rv = rv;
}

static void px_pcsc_free(px_pcsc *p)
{
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->to_worker);
    pthread_cond_destroy(&p->to_caller);
    free(p->cmd);
    free(p->resp);
    free(p);
}

/* The connection's worker: runs each posted job, ends the transaction after a call (at once,
 * or after the linger), and on quit lets go of the PC/SC handles and of p. */
static void *px_pcsc_worker(void *arg)
{
    px_pcsc *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        unsigned done = atomic_load_explicit(&p->finished, memory_order_relaxed);
        if (atomic_load_explicit(&p->posted, memory_order_acquire) != done) {
            /* The previous call's transaction serves this job only when the job belongs to a
             * call that came within the linger; otherwise it ends first. */
            bool end_first = p->in_tx && p->end_pending &&
                             !(p->job_tx && p->linger_us > 0 &&
                               p->posted_at - p->ended_at <= p->linger_us * 1000LL);
            p->end_pending = false;
            pthread_mutex_unlock(&p->mu);
            if (end_first) {
                SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
                p->in_tx = false;
            }
            px_pcsc_run(p);
            pthread_mutex_lock(&p->mu);
            atomic_store_explicit(&p->finished, done + 1, memory_order_release);
            pthread_cond_signal(&p->to_caller);
            if (p->worker_spin_us > 0) {
                /* The next APDU of the call usually follows at once: wait for it awake. */
                pthread_mutex_unlock(&p->mu);
                px_pcsc_spin(&p->posted, done + 2, p->worker_spin_us);
                pthread_mutex_lock(&p->mu);
            }
            continue;
        }
        if (p->quit)
            break;
        if (p->end_pending && p->in_tx) {
            long long left = p->ended_at + p->linger_us * 1000LL - px_pcsc_now_ns();
            if (left > 0) { /* kept for a call that may follow */
                struct timespec until = px_pcsc_after_us(left / 1000 + 1);
                p->worker_idle = true;
                pthread_cond_timedwait(&p->to_worker, &p->mu, &until);
                p->worker_idle = false;
                continue;
            }
            p->end_pending = false;
            pthread_mutex_unlock(&p->mu);
            SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
            pthread_mutex_lock(&p->mu);
            p->in_tx = false;
            continue;
        }
        p->end_pending = false;
        p->worker_idle = true;
        pthread_cond_wait(&p->to_worker, &p->mu);
        p->worker_idle = false;
    }
    pthread_mutex_unlock(&p->mu);
    if (p->in_tx)
        SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
    if (p->have_card)
        SCardDisconnect(p->card, SCARD_LEAVE_CARD);
    if (p->have_ctx)
        SCardReleaseContext(p->ctx);
    pthread_mutex_lock(&p->mu);
    p->exited = true;
    int left = --p->refs;
    pthread_cond_signal(&p->to_caller);
    pthread_mutex_unlock(&p->mu);
    if (left == 0)
        px_pcsc_free(p);
    return NULL;
}

/* Posts the job set up in p and waits for it until the deadline. Returns false when the time
 * ran out: the connection is then broken (the worker still owns the job). */
static bool px_pcsc_call(px_pcsc *p, px_job job)
{
    p->job = job;
    long long now = px_pcsc_now_ns();
    struct timespec until = px_pcsc_after_us((long long)p->timeout_ms * 1000LL);
    pthread_mutex_lock(&p->mu);
    p->posted_at = now;
    unsigned want = atomic_load_explicit(&p->posted, memory_order_relaxed) + 1;
    atomic_store_explicit(&p->posted, want, memory_order_release);
    if (p->worker_idle)
        pthread_cond_signal(&p->to_worker);
    pthread_mutex_unlock(&p->mu);
    if (px_pcsc_spin(&p->finished, want, p->spin_us))
        return true;
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    while (atomic_load_explicit(&p->finished, memory_order_acquire) != want && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&p->to_caller, &p->mu, &until);
    bool ok = atomic_load_explicit(&p->finished, memory_order_acquire) == want;
    pthread_mutex_unlock(&p->mu);
    if (!ok)
        p->broken = true;
    return ok;
}

static isoIec23465_Status px_pcsc_broken(const px_pcsc *p)
{
    return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                        "pcsc: %s: connection broken by an earlier timeout", p->reader);
}

static isoIec23465_Status px_pcsc_timed_out(const px_pcsc *p, const char *what)
{
    return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                        "pcsc: %s: no answer to %s within %ld ms", p->reader, what, p->timeout_ms);
}

/* Grows *buf to at least `need` bytes (contents not kept). */
static bool px_pcsc_reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    uint8_t *n = malloc(need);
    if (!n)
        return false;
    free(*buf); /* wiped after its last use */
    *buf = n;
    *cap = need;
    return true;
}

static isoIec23465_Status px_pcsc_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                           uint8_t *resp, size_t cap, size_t *resp_len)
{
    px_pcsc *p = ctx;
    if (p->broken)
        return px_pcsc_broken(p);
    if (cap > PX_RESPONSE_MAX)
        cap = PX_RESPONSE_MAX;
    if (!px_pcsc_reserve(&p->cmd, &p->cmd_cap, cmd_len ? cmd_len : 1) ||
        !px_pcsc_reserve(&p->resp, &p->resp_cap, cap < 2 ? 2 : cap))
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    memcpy(p->cmd, cmd, cmd_len);
    p->cmd_len = cmd_len;
    p->job_tx = p->want_tx;
    if (!px_pcsc_call(p, PX_JOB_TRANSMIT))
        return px_pcsc_timed_out(p, "a command");
    isoIec23465_Status st = isoIec23465_Success;
    if (p->rv == SCARD_E_INSUFFICIENT_BUFFER || (p->rv == SCARD_S_SUCCESS && p->resp_len > cap))
        st = px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                          "pcsc: response longer than %zu bytes", cap);
    else if (p->rv != SCARD_S_SUCCESS)
        st = px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                          "pcsc: %s: %s", p->rv_what, pcsc_stringify_error(p->rv));
    else {
        memcpy(resp, p->resp, p->resp_len);
        *resp_len = p->resp_len;
        explicit_bzero(p->resp, p->resp_len); /* decrypted data, keys read out */
    }
    if (p->resp_cap > PX_PCSC_KEEP) {
        free(p->resp);
        p->resp = NULL;
        p->resp_cap = 0;
    }
    return st;
}

/* Takes nothing yet: the worker locks the card with the call's first command, so that a call
 * without APDUs costs no transaction and one that has them saves a hand-off. */
static isoIec23465_Status px_pcsc_begin(void *ctx)
{
    px_pcsc *p = ctx;
    if (p->broken)
        return px_pcsc_broken(p);
    p->want_tx = true;
    return isoIec23465_Success;
}

/* Hands SCardEndTransaction to the worker without waiting for it. */
static void px_pcsc_end(void *ctx)
{
    px_pcsc *p = ctx;
    p->want_tx = false;
    if (p->broken)
        return;
    long long now = p->linger_us > 0 ? px_pcsc_now_ns() : 0;
    pthread_mutex_lock(&p->mu);
    p->end_pending = true;
    p->ended_at = now;
    if (p->worker_idle)
        pthread_cond_signal(&p->to_worker);
    pthread_mutex_unlock(&p->mu);
}

/* SCardReconnect with SCARD_RESET_CARD, within the deadline; reads the new ATR. */
static isoIec23465_Status px_pcsc_reset(void *ctx)
{
    px_pcsc *p = ctx;
    if (p->broken)
        return px_pcsc_broken(p);
    p->job_tx = false;
    if (!px_pcsc_call(p, PX_JOB_RESET))
        return px_pcsc_timed_out(p, "a reset");
    if (p->rv != SCARD_S_SUCCESS)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: %s: %s", p->rv_what, pcsc_stringify_error(p->rv));
    return isoIec23465_Success;
}

/* The ATR read at connect (or at the last reset): no PC/SC call. */
static isoIec23465_Status px_pcsc_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    px_pcsc *p = ctx;
    if (p->broken)
        return px_pcsc_broken(p);
    if (p->atr_len == 0 || p->atr_len > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: unusable ATR length %zu", p->atr_len);
    memcpy(atr, p->atr, p->atr_len);
    *len = p->atr_len;
    return isoIec23465_Success;
}

/* Tells the worker to let go. A healthy worker ends the transaction, disconnects and releases
 * the context, and is joined (within the deadline); a stuck one is detached and frees p itself
 * when its PC/SC call returns. Never blocks longer than the deadline. */
static void px_pcsc_close(void *ctx)
{
    px_pcsc *p = ctx;
    if (!p)
        return;
    pthread_t th = p->thread;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_signal(&p->to_worker);
    if (!p->broken) {
        struct timespec until = px_pcsc_after_us((long long)p->timeout_ms * 1000LL);
        int rc = 0;
        while (!p->exited && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&p->to_caller, &p->mu, &until);
    }
    if (p->exited) {
        pthread_mutex_unlock(&p->mu);
        pthread_join(th, NULL);
        px_pcsc_free(p);
        return;
    }
    --p->refs; /* the worker still holds its reference: it frees p */
    pthread_mutex_unlock(&p->mu);
    pthread_detach(th);
}

static const px_transport_ops px_pcsc_ops = {
    .transmit = px_pcsc_transmit,
    .reset = px_pcsc_reset,
    .atr = px_pcsc_atr,
    .begin = px_pcsc_begin,
    .end = px_pcsc_end,
    .close = px_pcsc_close,
};

static isoIec23465_Status px_pcsc_connect_error(LONG rv, const char *reader)
{
    switch (rv) {
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_NO_SERVICE:
        return px_error_set(isoIec23465_SecurityDeviceNotFound, isoIec23465_OriginTransport,
                            "pcsc: %s: %s", reader, pcsc_stringify_error(rv));
    default:
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: %s: %s", reader, pcsc_stringify_error(rv));
    }
}

isoIec23465_Status px_transport_pcsc_open(const char *reader, px_transport *out)
{
    if (strlen(reader) >= sizeof((px_pcsc *)0)->reader)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "pcsc: reader name too long");
    px_pcsc *p = calloc(1, sizeof *p);
    if (!p)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    snprintf(p->reader, sizeof p->reader, "%s", reader);
    p->timeout_ms = px_pcsc_timeout_ms();
    p->linger_us = px_pcsc_env("SDPROXY_PCSC_LINGER_US", 1000, 1000000);
    p->spin_us = px_pcsc_env("SDPROXY_PCSC_SPIN_US", PX_PCSC_SPIN_US, 1000000);
    p->worker_spin_us = p->spin_us / 10;
    pthread_mutex_init(&p->mu, NULL);
    px_pcsc_cond_init(&p->to_worker);
    px_pcsc_cond_init(&p->to_caller);
    p->refs = 2;
    int rc = px_pcsc_thread_start(&p->thread, false, px_pcsc_worker, p);
    if (rc != 0) {
        px_pcsc_free(p);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                            "pcsc: no thread for %s", reader);
    }
    p->job_tx = false;
    if (!px_pcsc_call(p, PX_JOB_CONNECT)) {
        long ms = p->timeout_ms;
        px_pcsc_close(p); /* the worker frees p once its call returns */
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: %s: no answer to connect within %ld ms", reader, ms);
    }
    LONG rv = p->rv;
    const char *what = p->rv_what;
    if (rv != SCARD_S_SUCCESS) {
        px_pcsc_close(p);
        if (strcmp(what, "SCardStatus") == 0)
            return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                                "pcsc: %s: SCardStatus: %s", reader, pcsc_stringify_error(rv));
        return px_pcsc_connect_error(rv, reader);
    }
    out->ops = &px_pcsc_ops;
    out->ctx = p;
    return isoIec23465_Success;
}

/* The listing itself, on the thread of px_transport_pcsc_list. */
static isoIec23465_Status px_pcsc_list_now(const char *only, px_pcsc_reader **out, size_t *count)
{
    SCARDCONTEXT ctx;
    *out = NULL;
    *count = 0;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv == SCARD_E_NO_SERVICE)
        return isoIec23465_Success;
    if (rv != SCARD_S_SUCCESS)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: SCardEstablishContext: %s", pcsc_stringify_error(rv));
    DWORD len = 0;
    rv = SCardListReaders(ctx, NULL, NULL, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE || rv == SCARD_E_NO_SERVICE) {
        SCardReleaseContext(ctx);
        return isoIec23465_Success;
    }
    char *names = rv == SCARD_S_SUCCESS && len > 0 && len <= 65536 ? malloc(len) : NULL;
    if (names)
        rv = SCardListReaders(ctx, NULL, names, &len);
    if (!names || rv != SCARD_S_SUCCESS || len == 0 || names[len - 1] != '\0') {
        free(names);
        SCardReleaseContext(ctx);
        if (rv == SCARD_E_NO_READERS_AVAILABLE)
            return isoIec23465_Success;
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: SCardListReaders: %s", pcsc_stringify_error(rv));
    }
    /* Multi-string: names separated by NUL, ended by an empty name. */
    size_t n = 0;
    for (size_t off = 0; off < len && names[off]; off += strlen(names + off) + 1)
        n++;
    SCARD_READERSTATE *st = n ? calloc(n, sizeof *st) : NULL;
    px_pcsc_reader *list = n ? calloc(n, sizeof *list) : NULL;
    if (n && (!st || !list)) {
        free(st);
        free(list);
        free(names);
        SCardReleaseContext(ctx);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    size_t i = 0;
    for (size_t off = 0; off < len && names[off]; off += strlen(names + off) + 1) {
        st[i].szReader = names + off;
        st[i].dwCurrentState = SCARD_STATE_UNAWARE;
        i++;
    }
    if (n)
        rv = SCardGetStatusChange(ctx, 0, st, (DWORD)n);
    size_t kept = 0;
    if (n && rv == SCARD_S_SUCCESS) {
        for (i = 0; i < n; i++) {
            DWORD s = st[i].dwEventState;
            if (!(s & SCARD_STATE_PRESENT) || (s & SCARD_STATE_MUTE))
                continue;
            if (only && strcmp(only, st[i].szReader) != 0)
                continue;
            if (strlen(st[i].szReader) >= sizeof list[kept].name || st[i].cbAtr == 0 ||
                st[i].cbAtr > PX_ATR_MAX)
                continue;
            px_pcsc_reader *r = &list[kept++];
            snprintf(r->name, sizeof r->name, "%s", st[i].szReader);
            memcpy(r->atr, st[i].rgbAtr, st[i].cbAtr);
            r->atr_len = st[i].cbAtr;
            r->presence = (s & SCARD_STATE_EXCLUSIVE) ? isoIec23465_PresenceExclusive
                          : (s & SCARD_STATE_INUSE)   ? isoIec23465_PresenceInUse
                                                      : isoIec23465_PresencePresent;
        }
    }
    free(st);
    free(names);
    SCardReleaseContext(ctx);
    if (n && rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
        free(list);
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: SCardGetStatusChange: %s", pcsc_stringify_error(rv));
    }
    if (kept == 0) {
        free(list);
        list = NULL;
    }
    *out = list;
    *count = kept;
    return isoIec23465_Success;
}

/* A listing on a thread of its own: SCardEstablishContext waits for pcscd's answer without a
 * deadline, so a pcscd that accepts connections but never answers (stopped, deadlocked) would
 * hang the caller. The last of caller and thread to let go frees it. */
typedef struct px_pcsc_listing {
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    int refs;
    bool done;
    char *only; /* NULL: every reader */
    px_pcsc_reader *list;
    size_t count;
    isoIec23465_Status st;
    isoIec23465_ErrorDetails err; /* the thread's error details, for the caller */
} px_pcsc_listing;

static void px_pcsc_listing_unref(px_pcsc_listing *l)
{
    pthread_mutex_lock(&l->mu);
    bool last = --l->refs == 0;
    pthread_mutex_unlock(&l->mu);
    if (!last)
        return;
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->done_cv);
    free(l->list);
    free(l->only);
    free(l);
}

static void *px_pcsc_list_thread(void *arg)
{
    px_pcsc_listing *l = arg;
    px_pcsc_reader *list = NULL;
    size_t n = 0;
    isoIec23465_Status st = px_pcsc_list_now(l->only, &list, &n);
    pthread_mutex_lock(&l->mu);
    l->list = list;
    l->count = n;
    l->st = st;
    isoIec23465_getLastError(&l->err);
    l->done = true;
    pthread_cond_signal(&l->done_cv);
    pthread_mutex_unlock(&l->mu);
    px_pcsc_listing_unref(l);
    return NULL;
}

isoIec23465_Status px_transport_pcsc_list(const char *only, px_pcsc_reader **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    long ms = px_pcsc_timeout_ms();
    px_pcsc_listing *l = calloc(1, sizeof *l);
    if (!l || (only && !(l->only = strdup(only)))) {
        free(l);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    pthread_mutex_init(&l->mu, NULL);
    px_pcsc_cond_init(&l->done_cv);
    l->refs = 2;
    pthread_t thread;
    int rc = px_pcsc_thread_start(&thread, true, px_pcsc_list_thread, l);
    if (rc != 0) {
        l->refs = 1;
        px_pcsc_listing_unref(l);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                            "pcsc: no thread to list the readers");
    }
    struct timespec until = px_pcsc_after_us(ms * 1000LL);
    pthread_mutex_lock(&l->mu);
    rc = 0;
    while (!l->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&l->done_cv, &l->mu, &until);
    bool done = l->done;
    px_pcsc_reader *list = l->list;
    size_t n = l->count;
    isoIec23465_Status st = l->st;
    isoIec23465_ErrorDetails err = l->err;
    l->list = NULL; /* the caller's now */
    pthread_mutex_unlock(&l->mu);
    px_pcsc_listing_unref(l);
    if (!done)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: no answer from pcscd within %ld ms while listing readers", ms);
    if (st != isoIec23465_Success)
        return px_error_set(st, err.origin, "%s", err.message);
    *out = list;
    *count = n;
    return isoIec23465_Success;
}
