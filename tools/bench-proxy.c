/* bench-proxy: the proxy's own time per API call (issue #5: at most 5 % of the call), through
 * pcscd against the reference card. Run it under `sdemu run` (tools/bench --proxy does):
 *
 *   sdemu run --profile vectors/profiles/default.yaml -- build/tools/bench-proxy [-n ROUNDS]
 *
 * Each round calls every benchmarked function once, in a fixed interleaved order, so a noisy
 * machine slows all of them alike. Each call's wall time is split three ways:
 *   - SCardTransmit: this program defines SCardTransmit, SCardBeginTransaction and
 *     SCardEndTransaction, times them and forwards to pcsc-lite's (dlsym(RTLD_NEXT));
 *   - the transport: a timing decorator around the connection's px_transport (transmit, begin,
 *     end), which includes the pcsc: backend's own work around SCard* (its helper thread per
 *     call, the copies);
 *   - the proxy: everything else (API checks, object table, engine, status mapping).
 * Columns: APDUs per call, mean and median wall time, mean time in SCardTransmit, mean time in
 * the transport (transmit + begin + end), the proxy's overhead (wall - transport) and its share,
 * and the share of wall time outside SCardTransmit (proxy + backend + transaction locks). It links
 * the proxy's static core (to reach the transport) built like libsdproxy.so. */
#include <dlfcn.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "isoiec23465.h"
#include "px_handle.h"
#include "px_transport.h"

/* ---- SCard* timing (the wrappers preempt pcsc-lite's symbols) ---- */

static atomic_llong tx_ns, tx_count, lock_ns;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The next definition of `name` after this program (pcsc-lite's); exits when missing. */
static void *real_fn(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "bench-proxy: %s not found: %s\n", name, dlerror());
        exit(2);
    }
    return f;
}

typedef LONG (*transmit_fn)(SCARDHANDLE, const SCARD_IO_REQUEST *, LPCBYTE, DWORD,
                            SCARD_IO_REQUEST *, LPBYTE, LPDWORD);
typedef LONG (*begin_fn)(SCARDHANDLE);
typedef LONG (*end_fn)(SCARDHANDLE, DWORD);

LONG SCardTransmit(SCARDHANDLE hCard, const SCARD_IO_REQUEST *pioSendPci, LPCBYTE pbSendBuffer,
                   DWORD cbSendLength, SCARD_IO_REQUEST *pioRecvPci, LPBYTE pbRecvBuffer,
                   LPDWORD pcbRecvLength)
{
    static transmit_fn real;
    if (!real) {
        void *f = real_fn("SCardTransmit");
        memcpy(&real, &f, sizeof f);
    }
    long long t0 = now_ns();
    LONG rv = real(hCard, pioSendPci, pbSendBuffer, cbSendLength, pioRecvPci, pbRecvBuffer,
                   pcbRecvLength);
    atomic_fetch_add(&tx_ns, now_ns() - t0);
    atomic_fetch_add(&tx_count, 1);
    return rv;
}

LONG SCardBeginTransaction(SCARDHANDLE hCard)
{
    static begin_fn real;
    if (!real) {
        void *f = real_fn("SCardBeginTransaction");
        memcpy(&real, &f, sizeof f);
    }
    long long t0 = now_ns();
    LONG rv = real(hCard);
    atomic_fetch_add(&lock_ns, now_ns() - t0);
    return rv;
}

LONG SCardEndTransaction(SCARDHANDLE hCard, DWORD dwDisposition)
{
    static end_fn real;
    if (!real) {
        void *f = real_fn("SCardEndTransaction");
        memcpy(&real, &f, sizeof f);
    }
    long long t0 = now_ns();
    LONG rv = real(hCard, dwDisposition);
    atomic_fetch_add(&lock_ns, now_ns() - t0);
    return rv;
}

/* ---- px_transport timing decorator ---- */

static long long tr_ns; /* calls on one device are serialised by the proxy */

typedef struct timed_tr {
    px_transport inner;
} timed_tr;

static isoIec23465_Status timed_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                         uint8_t *resp, size_t cap, size_t *resp_len)
{
    timed_tr *t = ctx;
    long long t0 = now_ns();
    isoIec23465_Status st = t->inner.ops->transmit(t->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
    tr_ns += now_ns() - t0;
    return st;
}

static isoIec23465_Status timed_reset(void *ctx)
{
    timed_tr *t = ctx;
    return t->inner.ops->reset(t->inner.ctx);
}

static isoIec23465_Status timed_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    timed_tr *t = ctx;
    return t->inner.ops->atr(t->inner.ctx, atr, cap, len);
}

static isoIec23465_Status timed_begin(void *ctx)
{
    timed_tr *t = ctx;
    long long t0 = now_ns();
    isoIec23465_Status st = t->inner.ops->begin(t->inner.ctx);
    tr_ns += now_ns() - t0;
    return st;
}

static void timed_end(void *ctx)
{
    timed_tr *t = ctx;
    long long t0 = now_ns();
    t->inner.ops->end(t->inner.ctx);
    tr_ns += now_ns() - t0;
}

static void timed_close(void *ctx)
{
    timed_tr *t = ctx;
    t->inner.ops->close(t->inner.ctx);
}

static px_transport_ops timed_ops = {
    .transmit = timed_transmit, .reset = timed_reset, .atr = timed_atr, .close = timed_close};

/* ---- the calls ---- */

typedef struct bench_ctx {
    isoIec23465_RootApplication *root;
    isoIec23465_DataContainer *pub256, *pub4096;
    isoIec23465_Password *user;
    isoIec23465_PrivateKey *ec_key, *rsa_key;
    isoIec23465_SecretKey *aes_key;
} bench_ctx;

static isoIec23465_Status call_find_object(bench_ctx *b)
{
    isoIec23465_Object *o;
    isoIec23465_Status st =
        isoIec23465_SecurityDeviceApplication_findObject(b->root, "public-256", &o);
    if (st == isoIec23465_Success)
        isoIec23465_Object_release(o);
    return st;
}

static isoIec23465_Status call_get_size(bench_ctx *b)
{
    size_t n;
    return isoIec23465_DataContainer_getSize(b->pub256, &n);
}

static isoIec23465_Status call_get_data_256(bench_ctx *b)
{
    uint8_t buf[256];
    size_t n = sizeof buf;
    return isoIec23465_DataContainer_getData(b->pub256, buf, &n);
}

static isoIec23465_Status call_get_data_4096(bench_ctx *b)
{
    static uint8_t buf[4096];
    size_t n = sizeof buf;
    return isoIec23465_DataContainer_getData(b->pub4096, buf, &n);
}

static isoIec23465_Status call_get_status(bench_ctx *b)
{
    isoIec23465_AuthenticatorStatus s;
    return isoIec23465_Authenticator_getStatus(b->user, &s);
}

static isoIec23465_Status call_verify(bench_ctx *b)
{
    static const uint8_t pin[] = "123456";
    return isoIec23465_Password_verify(b->user, pin, sizeof pin - 1);
}

static isoIec23465_Status call_get_random(bench_ctx *b)
{
    uint8_t buf[32];
    return isoIec23465_RootApplication_getRandom(b->root, buf, sizeof buf);
}

static const uint8_t hash32[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static isoIec23465_Status call_sign_ec(bench_ctx *b)
{
    uint8_t sig[600];
    size_t n = sizeof sig;
    return isoIec23465_PrivateKey_sign(b->ec_key, isoIec23465_MechEcdsa, isoIec23465_HashSha256,
                                       hash32, sizeof hash32, sig, &n);
}

static isoIec23465_Status call_sign_rsa(bench_ctx *b)
{
    uint8_t sig[600];
    size_t n = sizeof sig;
    return isoIec23465_PrivateKey_sign(b->rsa_key, isoIec23465_MechRsaPkcs1V15,
                                       isoIec23465_HashSha256, hash32, sizeof hash32, sig, &n);
}

static isoIec23465_Status call_aes_encrypt(bench_ctx *b)
{
    uint8_t out[32];
    size_t n = sizeof out;
    return isoIec23465_SecretKey_encrypt(b->aes_key, isoIec23465_MechAesEcb, NULL, 0, hash32,
                                         sizeof hash32, out, &n);
}

typedef struct bench_call {
    const char *name;
    isoIec23465_Status (*fn)(bench_ctx *b);
    /* per round */
    double *wall_us, *tx_us, *tr_us;
    long long apdus, lock_ns_sum, tr_ns_sum;
    size_t ok;
    isoIec23465_Status failed; /* first failure, reported once */
    char why[600];
} bench_call;

static bench_call calls[] = {
    {.name = "findObject", .fn = call_find_object},
    {.name = "DataContainer_getSize", .fn = call_get_size},
    {.name = "DataContainer_getData 256", .fn = call_get_data_256},
    {.name = "DataContainer_getData 4096", .fn = call_get_data_4096},
    {.name = "Authenticator_getStatus", .fn = call_get_status},
    {.name = "Password_verify", .fn = call_verify},
    {.name = "RootApplication_getRandom 32", .fn = call_get_random},
    {.name = "PrivateKey_sign ECDSA P-256", .fn = call_sign_ec},
    {.name = "PrivateKey_sign RSA-2048 v1.5", .fn = call_sign_rsa},
    {.name = "SecretKey_encrypt AES-128 ECB", .fn = call_aes_encrypt},
};
#define N_CALLS (sizeof calls / sizeof calls[0])

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Finds `label` (NULL when it is not there: the calls on it then fail and are reported). */
static isoIec23465_Object *find(isoIec23465_RootApplication *root, const char *label)
{
    isoIec23465_Object *o = NULL;
    if (isoIec23465_SecurityDeviceApplication_findObject(root, label, &o) != isoIec23465_Success)
        fprintf(stderr, "bench-proxy: no object '%s' on the device\n", label);
    return o;
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: bench-proxy [-n ROUNDS] [-w WARMUP] [DEVICE-SPEC]\n"
                 "Times API calls through the proxy and the time spent in SCardTransmit.\n"
                 "DEVICE-SPEC defaults to pcsc:$SDEMU_READER (run under `sdemu run`).\n"
                 "  -n ROUNDS  measured rounds, each calling every function once (default 500)\n"
                 "  -w WARMUP  rounds before measuring (default 20)\n");
}

int main(int argc, char **argv)
{
    long rounds = 500, warmup = 20;
    int opt;
    while ((opt = getopt(argc, argv, "n:w:h")) != -1) {
        switch (opt) {
        case 'n':
            rounds = strtol(optarg, NULL, 10);
            break;
        case 'w':
            warmup = strtol(optarg, NULL, 10);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (rounds < 1 || warmup < 0) {
        usage(stderr);
        return 2;
    }
    char spec[1024];
    if (optind < argc) {
        snprintf(spec, sizeof spec, "%s", argv[optind]);
    } else {
        const char *r = getenv("SDEMU_READER");
        if (!r || !*r) {
            fprintf(stderr, "bench-proxy: SDEMU_READER not set: run under `sdemu run`, or give a "
                            "device spec\n");
            return 2;
        }
        snprintf(spec, sizeof spec, "pcsc:%s", r);
    }

    isoIec23465_SecurityDevice *dev;
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    if (st != isoIec23465_Success) {
        isoIec23465_ErrorDetails d;
        isoIec23465_getLastError(&d);
        fprintf(stderr, "bench-proxy: connect %s: %s: %s\n", spec, isoIec23465_statusToString(st),
                d.message);
        return 1;
    }
    /* Time the connection's transport from here on (no call is running). */
    static timed_tr timed;
    timed.inner = dev->conn->tr;
    if (timed.inner.ops->begin) {
        timed_ops.begin = timed_begin;
        timed_ops.end = timed_end;
    }
    dev->conn->tr.ops = &timed_ops;
    dev->conn->tr.ctx = &timed;

    bench_ctx b;
    memset(&b, 0, sizeof b);
    if (isoIec23465_SecurityDevice_getRootApplication(dev, &b.root) != isoIec23465_Success) {
        fprintf(stderr, "bench-proxy: no root application\n");
        return 1;
    }
    b.pub256 = find(b.root, "public-256");
    b.pub4096 = find(b.root, "public-4096");
    b.user = find(b.root, "user");
    b.ec_key = find(b.root, "EC P-256 key");
    b.rsa_key = find(b.root, "RSA signature key");
    b.aes_key = find(b.root, "AES-128 key");
    /* Logged in once, so that the key operations run (verify is also timed each round). */
    if (b.user)
        (void)call_verify(&b);

    for (size_t i = 0; i < N_CALLS; i++) {
        calls[i].wall_us = calloc((size_t)rounds, sizeof(double));
        calls[i].tx_us = calloc((size_t)rounds, sizeof(double));
        calls[i].tr_us = calloc((size_t)rounds, sizeof(double));
        if (!calls[i].wall_us || !calls[i].tx_us || !calls[i].tr_us) {
            fprintf(stderr, "bench-proxy: out of memory\n");
            return 1;
        }
    }
    for (long r = -warmup; r < rounds; r++) {
        for (size_t i = 0; i < N_CALLS; i++) {
            bench_call *c = &calls[i];
            if (c->failed)
                continue;
            long long tx0 = atomic_load(&tx_ns), n0 = atomic_load(&tx_count),
                      l0 = atomic_load(&lock_ns), p0 = tr_ns;
            long long t0 = now_ns();
            st = c->fn(&b);
            long long wall = now_ns() - t0;
            if (st != isoIec23465_Success) {
                isoIec23465_ErrorDetails d;
                isoIec23465_getLastError(&d);
                c->failed = st;
                snprintf(c->why, sizeof c->why, "%s: %s", isoIec23465_statusToString(st),
                         d.message);
                continue;
            }
            if (r < 0)
                continue;
            c->wall_us[c->ok] = (double)wall / 1000.0;
            c->tx_us[c->ok] = (double)(atomic_load(&tx_ns) - tx0) / 1000.0;
            c->apdus += atomic_load(&tx_count) - n0;
            c->lock_ns_sum += atomic_load(&lock_ns) - l0;
            c->tr_ns_sum += tr_ns - p0;
            c->tr_us[c->ok] = (double)(tr_ns - p0) / 1000.0;
            c->ok++;
        }
    }

    printf("bench-proxy: %s, %ld rounds (+%ld warm-up), calls interleaved\n", spec, rounds, warmup);
    printf("%-30s %5s %9s %9s %8s %8s %9s %8s %7s %7s\n", "call", "APDUs", "mean us", "median us",
           "SCardTx", "locks", "transport", "proxy us", "proxy%", "!SCTx%");
    double all_wall = 0, all_tx = 0, all_tr = 0;
    for (size_t i = 0; i < N_CALLS; i++) {
        bench_call *c = &calls[i];
        if (c->ok == 0) {
            printf("%-30s  not measured: %s\n", c->name, c->failed ? c->why : "no rounds");
            continue;
        }
        double wall = 0, tx = 0;
        for (size_t k = 0; k < c->ok; k++) {
            wall += c->wall_us[k];
            tx += c->tx_us[k];
        }
        double tr = (double)c->tr_ns_sum / 1000.0, lock = (double)c->lock_ns_sum / 1000.0;
        double n = (double)c->ok;
        double mean = wall / n, proxy = (wall - tr) / n;
        double apdus = (double)c->apdus / n;
        /* per-round shares first: median() sorts its array */
        for (size_t k = 0; k < c->ok; k++) {
            double w = c->wall_us[k];
            double proxy_k = w - c->tr_us[k], out_k = w - c->tx_us[k];
            c->tr_us[k] = w > 0 ? 100.0 * proxy_k / w : 0;
            c->tx_us[k] = w > 0 ? 100.0 * out_k / w : 0;
        }
        double med_proxy = median(c->tr_us, c->ok), med_out = median(c->tx_us, c->ok);
        double med = median(c->wall_us, c->ok);
        if (apdus > 0) {
            all_wall += wall;
            all_tx += tx;
            all_tr += tr;
            printf("%-30s %5.1f %9.1f %9.1f %8.1f %8.1f %9.1f %8.1f %6.1f%% %6.1f%%  (median "
                   "%.1f%% %.1f%%)\n",
                   c->name, apdus, mean, med, tx / n, lock / n, tr / n, proxy, 100.0 * proxy / mean,
                   100.0 * (wall - tx) / wall, med_proxy, med_out);
        } else {
            printf("%-30s %5.1f %9.1f %9.1f %8s %8s %9s %8.1f %7s %7s\n", c->name, apdus, mean, med,
                   "-", "-", "-", proxy, "local", "local");
        }
        if (c->failed)
            printf("%-30s  (later failed: %s)\n", "", c->why);
    }
    if (all_wall > 0)
        printf("%-30s %5s %9s %9s %8s %8s %9s %8s %6.1f%% %6.1f%%\n", "all calls with APDUs", "",
               "", "", "", "", "", "", 100.0 * (all_wall - all_tr) / all_wall,
               100.0 * (all_wall - all_tx) / all_wall);
    printf("SCardTx: mean us in SCardTransmit; locks: in SCardBegin/EndTransaction; transport: in "
           "the\npx_transport (transmit, begin, end: SCard* plus the pcsc: backend's own work); "
           "proxy: wall -\ntransport; !SCTx%%: share of wall time outside SCardTransmit (proxy, "
           "backend, locks);\n(median ...): the medians of the per-round shares.\n");
    for (size_t i = 0; i < N_CALLS; i++) {
        free(calls[i].wall_us);
        free(calls[i].tx_us);
        free(calls[i].tr_us);
    }
    isoIec23465_disconnectSecurityDevice(dev);
    return 0;
}
