/* "pcsc:" backend. pcsc-lite calls that reach a card (SCardConnect, SCardTransmit) can block
 * forever behind vpcd, so each runs in a short-lived helper thread and the caller waits with a
 * deadline (SDPROXY_TIMEOUT_MS, default 20000). After a timeout the connection is marked
 * broken: later calls fail at once and close does not touch the stuck PC/SC handles. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "px_error.h"
#include "px_transport.h"

typedef enum { PX_JOB_CONNECT, PX_JOB_TRANSMIT, PX_JOB_BEGIN } px_job_kind;

/* Shared by the caller and the helper thread; the last one to drop its reference frees it. */
typedef struct px_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    int done;
    px_job_kind kind;
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto;
    char reader[256];
    uint8_t *cmd;
    size_t cmd_len;
    uint8_t *resp;
    DWORD resp_len;
    LONG rv;
} px_job;

typedef struct px_pcsc {
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto;
    int broken;
    char reader[256];
} px_pcsc;

static long px_pcsc_timeout_ms(void)
{
    const char *s = getenv("SDPROXY_TIMEOUT_MS");
    if (s && *s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (*end == '\0' && v > 0 && v <= 3600000)
            return v;
    }
    return 20000;
}

static void px_job_unref(px_job *j)
{
    pthread_mutex_lock(&j->mu);
    int left = --j->refs;
    pthread_mutex_unlock(&j->mu);
    if (left)
        return;
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j->cmd);
    free(j->resp);
    free(j);
}

static void *px_job_run(void *arg)
{
    px_job *j = arg;
    LONG rv;
    if (j->kind == PX_JOB_BEGIN) {
        rv = SCardBeginTransaction(j->card);
        if (rv == SCARD_W_RESET_CARD) {
            /* Another client reset the card: take the new session, then lock again. */
            DWORD proto;
            rv = SCardReconnect(j->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                SCARD_LEAVE_CARD, &proto);
            if (rv == SCARD_S_SUCCESS) {
                j->proto = proto;
                rv = SCardBeginTransaction(j->card);
            }
        }
    } else if (j->kind == PX_JOB_CONNECT) {
        rv = SCardConnect(j->ctx, j->reader, SCARD_SHARE_SHARED,
                          SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &j->card, &j->proto);
    } else {
        const SCARD_IO_REQUEST *pci = j->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        j->resp_len = PX_RESPONSE_MAX;
        rv = SCardTransmit(j->card, pci, j->cmd, (DWORD)j->cmd_len, NULL, j->resp, &j->resp_len);
    }
    pthread_mutex_lock(&j->mu);
    j->rv = rv;
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    px_job_unref(j);
    return NULL;
}

/* Runs a job with the deadline. Returns 0 when it finished (j->rv holds the result), -1 on
 * timeout or when no thread could be started. The caller still owns one reference. */
static int px_job_wait(px_job *j)
{
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    j->refs = 2;
    if (pthread_create(&th, &attr, px_job_run, j) != 0) {
        pthread_attr_destroy(&attr);
        j->refs = 1;
        return -1;
    }
    pthread_attr_destroy(&attr);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ms = px_pcsc_timeout_ms();
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    pthread_mutex_lock(&j->mu);
    while (!j->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&j->cv, &j->mu, &until);
    int done = j->done;
    pthread_mutex_unlock(&j->mu);
    return done ? 0 : -1;
}

static px_job *px_job_new(px_job_kind kind)
{
    px_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    j->kind = kind;
    j->refs = 1;
    return j;
}

static isoIec23465_Status px_pcsc_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                           uint8_t *resp, size_t cap, size_t *resp_len)
{
    px_pcsc *p = ctx;
    if (p->broken)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: connection broken by an earlier timeout");
    px_job *j = px_job_new(PX_JOB_TRANSMIT);
    if (j) {
        j->cmd = malloc(cmd_len ? cmd_len : 1);
        j->resp = malloc(PX_RESPONSE_MAX);
    }
    if (!j || !j->cmd || !j->resp) {
        if (j)
            px_job_unref(j);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    memcpy(j->cmd, cmd, cmd_len);
    j->cmd_len = cmd_len;
    j->card = p->card;
    j->proto = p->proto;
    if (px_job_wait(j) != 0) {
        p->broken = 1;
        px_job_unref(j);
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: no answer from %s within %ld ms", p->reader,
                            px_pcsc_timeout_ms());
    }
    isoIec23465_Status st = isoIec23465_Success;
    if (j->rv != SCARD_S_SUCCESS)
        st = px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                          "pcsc: SCardTransmit: %s", pcsc_stringify_error(j->rv));
    else if (j->resp_len > cap)
        st = px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                          "pcsc: response of %lu bytes too long", (unsigned long)j->resp_len);
    else {
        memcpy(resp, j->resp, j->resp_len);
        *resp_len = j->resp_len;
    }
    px_job_unref(j);
    return st;
}

static isoIec23465_Status px_pcsc_begin(void *ctx)
{
    px_pcsc *p = ctx;
    if (p->broken)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: connection broken by an earlier timeout");
    px_job *j = px_job_new(PX_JOB_BEGIN);
    if (!j)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    j->card = p->card;
    j->proto = p->proto;
    if (px_job_wait(j) != 0) {
        p->broken = 1;
        px_job_unref(j);
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: %s stayed locked by another client for %ld ms", p->reader,
                            px_pcsc_timeout_ms());
    }
    LONG rv = j->rv;
    p->proto = j->proto;
    px_job_unref(j);
    if (rv != SCARD_S_SUCCESS)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: SCardBeginTransaction: %s", pcsc_stringify_error(rv));
    return isoIec23465_Success;
}

static void px_pcsc_end(void *ctx)
{
    px_pcsc *p = ctx;
    if (!p->broken)
        SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
}

static isoIec23465_Status px_pcsc_reset(void *ctx)
{
    px_pcsc *p = ctx;
    if (p->broken)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: connection broken");
    DWORD proto;
    LONG rv = SCardReconnect(p->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                             SCARD_RESET_CARD, &proto);
    if (rv != SCARD_S_SUCCESS)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: SCardReconnect: %s", pcsc_stringify_error(rv));
    p->proto = proto;
    return isoIec23465_Success;
}

static isoIec23465_Status px_pcsc_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    px_pcsc *p = ctx;
    uint8_t buf[MAX_ATR_SIZE];
    DWORD atr_len = sizeof buf, state, proto;
    char name[256];
    DWORD name_len = sizeof name;
    LONG rv = p->broken ? SCARD_E_NOT_TRANSACTED
                        : SCardStatus(p->card, name, &name_len, &state, &proto, buf, &atr_len);
    if (rv != SCARD_S_SUCCESS)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: SCardStatus: %s", pcsc_stringify_error(rv));
    if (atr_len == 0 || atr_len > cap)
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: unusable ATR length %lu", (unsigned long)atr_len);
    memcpy(atr, buf, atr_len);
    *len = atr_len;
    return isoIec23465_Success;
}

static void px_pcsc_close(void *ctx)
{
    px_pcsc *p = ctx;
    if (!p)
        return;
    /* A stuck helper thread holds the context; touching it would block us too. */
    if (!p->broken) {
        SCardDisconnect(p->card, SCARD_LEAVE_CARD);
        SCardReleaseContext(p->ctx);
    }
    free(p);
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
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
    if (rv != SCARD_S_SUCCESS) {
        free(p);
        return px_pcsc_connect_error(rv, reader);
    }
    px_job *j = px_job_new(PX_JOB_CONNECT);
    if (!j) {
        SCardReleaseContext(p->ctx);
        free(p);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    j->ctx = p->ctx;
    snprintf(j->reader, sizeof j->reader, "%s", reader);
    if (px_job_wait(j) != 0) {
        px_job_unref(j);
        free(p); /* the context stays with the stuck thread */
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "pcsc: %s: no answer to connect within %ld ms", reader,
                            px_pcsc_timeout_ms());
    }
    rv = j->rv;
    p->card = j->card;
    p->proto = j->proto;
    px_job_unref(j);
    if (rv != SCARD_S_SUCCESS) {
        SCardReleaseContext(p->ctx);
        free(p);
        return px_pcsc_connect_error(rv, reader);
    }
    out->ops = &px_pcsc_ops;
    out->ctx = p;
    return isoIec23465_Success;
}

isoIec23465_Status px_transport_pcsc_list(const char *only, px_pcsc_reader **out, size_t *count)
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
