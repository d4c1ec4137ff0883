/* bench-proxy: where the time of each API call goes, through pcscd against the reference card
 * (issue #5: the proxy's own overhead per call at most 5 % of the call). Run it under `sdemu run`
 * (tools/bench --proxy does):
 *
 *   sdemu run --profile vectors/profiles/default.yaml -- build/tools/bench-proxy [-n ROUNDS]
 *
 * Each round calls every benchmarked function once, in a fixed interleaved order, so that a
 * noisy machine slows all of them alike. The program records time intervals:
 *   - every SCardTransmit, SCardBeginTransaction, SCardEndTransaction (it defines them, times
 *     them and forwards to pcsc-lite's through dlsym(RTLD_NEXT); they run on the pcsc: backend's
 *     worker thread);
 *   - every stay of the calling thread inside the connection's px_transport (a timing decorator
 *     around transmit, begin, end);
 *   - every API call.
 * and splits each call (per round, then medians over the rounds) into:
 *   Transmit   time inside SCardTransmit;
 *   Begin/End  time inside SCardBegin/EndTransaction (the End of a call runs after the call has
 *              returned, on the worker, so it is counted in the call during which it runs);
 *   proxy      the calling thread outside the transport: API checks, object table, engine;
 *   hand-off   the calling thread inside the transport while no SCard* call runs: copies,
 *              posting the job to the worker, waking up;
 * and reports the overhead two ways:
 *   (a) all of the call that is not SCardTransmit (wall - Transmit), including pcscd's
 *       transaction calls;
 *   (b) the proxy's own time: proxy + hand-off (wall minus the SCard* time the caller waited
 *       for), i.e. not counting PC/SC library calls.
 * and a verdict for each against 5 %. It links the proxy's static core (to reach the transport),
 * built like libsdproxy.so. */
#include <dlfcn.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <winscard.h>

#include "isoiec23465.h"
#include "px_handle.h"
#include "px_transport.h"

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---- time intervals: each list has one writer, in time order, never overlapping ---- */

typedef struct ival {
    long long a, b;
} ival;

typedef struct ivals {
    ival *v;
    size_t cap;
    atomic_size_t n;
} ivals;

static ivals sc_tx, sc_lock; /* SCardTransmit; SCardBegin/EndTransaction (worker thread) */
static ivals in_tr;          /* the calling thread inside the transport (main thread) */

static void ivals_add(ivals *l, long long a, long long b)
{
    size_t i = atomic_load_explicit(&l->n, memory_order_relaxed);
    if (i >= l->cap)
        return;
    l->v[i].a = a;
    l->v[i].b = b;
    atomic_store_explicit(&l->n, i + 1, memory_order_release);
}

/* Nanoseconds of [a, b) covered by the intervals of l. */
static long long ivals_overlap(ivals *l, long long a, long long b)
{
    size_t n = atomic_load_explicit(&l->n, memory_order_acquire);
    size_t lo = 0, hi = n; /* first interval ending after a (ends are increasing) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].b <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    long long sum = 0;
    for (size_t i = lo; i < n && l->v[i].a < b; i++) {
        long long x = l->v[i].a > a ? l->v[i].a : a;
        long long y = l->v[i].b < b ? l->v[i].b : b;
        if (y > x)
            sum += y - x;
    }
    return sum;
}

/* SCard* time (Transmit and Begin/End) while the caller sat in the transport within [a, b). */
static long long waited_on_scard(long long a, long long b)
{
    size_t n = atomic_load_explicit(&in_tr.n, memory_order_acquire);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (in_tr.v[mid].b <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    long long sum = 0;
    for (size_t i = lo; i < n && in_tr.v[i].a < b; i++)
        sum += ivals_overlap(&sc_tx, in_tr.v[i].a, in_tr.v[i].b) +
               ivals_overlap(&sc_lock, in_tr.v[i].a, in_tr.v[i].b);
    return sum;
}

/* ---- SCard* timing (these definitions preempt pcsc-lite's) ---- */

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
    ivals_add(&sc_tx, t0, now_ns());
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
    ivals_add(&sc_lock, t0, now_ns());
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
    ivals_add(&sc_lock, t0, now_ns());
    return rv;
}

/* ---- px_transport timing decorator (calls on one device are serialised by the proxy) ---- */

typedef struct timed_tr {
    px_transport inner;
} timed_tr;

static isoIec23465_Status timed_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                         uint8_t *resp, size_t cap, size_t *resp_len)
{
    timed_tr *t = ctx;
    long long t0 = now_ns();
    isoIec23465_Status st = t->inner.ops->transmit(t->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
    ivals_add(&in_tr, t0, now_ns());
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
    ivals_add(&in_tr, t0, now_ns());
    return st;
}

static void timed_end(void *ctx)
{
    timed_tr *t = ctx;
    long long t0 = now_ns();
    t->inner.ops->end(t->inner.ctx);
    ivals_add(&in_tr, t0, now_ns());
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

/* Per round of one call: its window, then (after the run) its parts in microseconds. */
typedef struct bench_call {
    const char *name;
    isoIec23465_Status (*fn)(bench_ctx *b);
    ival *win;
    size_t ok;
    long long apdus;
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

/* Median of v[0..n) (sorts v). */
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

static void print_load(const char *when)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            snprintf(buf, sizeof buf, "?\n");
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = '\0';
    printf("machine load %s: %s (loadavg 1/5/15 min, running/threads, last pid), %ld CPUs\n", when,
           buf, sysconf(_SC_NPROCESSORS_ONLN));
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: bench-proxy [-n ROUNDS] [-w WARMUP] [DEVICE-SPEC]\n"
                 "Splits the time of API calls through the proxy: SCardTransmit, "
                 "SCardBegin/EndTransaction,\nthe proxy's code and the backend's hand-off; "
                 "verdicts against 5 %%.\n"
                 "DEVICE-SPEC defaults to pcsc:$SDEMU_READER (run under `sdemu run`).\n"
                 "  -n ROUNDS  measured rounds, each calling every function once (default 500)\n"
                 "  -w WARMUP  rounds before measuring (default 20)\n"
                 "  -l US      keep pcscd's transaction US microseconds after a call for the "
                 "next\n             (sets SDPROXY_PCSC_LINGER_US; default: its value, else the "
                 "proxy's 1000)\n");
}

static bool ivals_alloc(ivals *l, size_t cap)
{
    l->v = calloc(cap, sizeof *l->v);
    l->cap = l->v ? cap : 0;
    atomic_store(&l->n, 0);
    return l->v != NULL;
}

int main(int argc, char **argv)
{
    long rounds = 500, warmup = 20;
    int opt;
    while ((opt = getopt(argc, argv, "n:w:l:h")) != -1) {
        switch (opt) {
        case 'l': /* read by the pcsc: backend when it connects */
            setenv("SDPROXY_PCSC_LINGER_US", optarg, 1);
            break;
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
    if (rounds < 1 || rounds > 1000000 || warmup < 0 || warmup > 1000000) {
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
    /* Room for every interval of the run (discovery at connect included). */
    size_t cap = (size_t)(rounds + warmup) * N_CALLS * 8 + 65536;
    if (!ivals_alloc(&sc_tx, cap) || !ivals_alloc(&sc_lock, cap) || !ivals_alloc(&in_tr, cap)) {
        fprintf(stderr, "bench-proxy: out of memory\n");
        return 1;
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
        calls[i].win = calloc((size_t)rounds, sizeof *calls[i].win);
        if (!calls[i].win) {
            fprintf(stderr, "bench-proxy: out of memory\n");
            return 1;
        }
    }
    print_load("before");
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    long long loop0 = now_ns(), n_calls = 0;
    for (long r = -warmup; r < rounds; r++) {
        for (size_t i = 0; i < N_CALLS; i++) {
            bench_call *c = &calls[i];
            if (c->failed)
                continue;
            size_t n0 = atomic_load(&sc_tx.n);
            long long t0 = now_ns();
            st = c->fn(&b);
            long long t1 = now_ns();
            n_calls++;
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
            c->win[c->ok].a = t0;
            c->win[c->ok].b = t1;
            c->apdus += (long long)(atomic_load(&sc_tx.n) - n0);
            c->ok++;
        }
    }
    getrusage(RUSAGE_SELF, &ru1);
    double loop_us = (double)(now_ns() - loop0) / 1e3;
    double cpu_us = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e6 +
                    (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) +
                    (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6 +
                    (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
    print_load("after");
    /* The worker finishes (its last End is recorded) before the intervals are read. */
    isoIec23465_disconnectSecurityDevice(dev);

    printf("bench-proxy: %s, %ld rounds (+%ld warm-up), calls interleaved; SDPROXY_PCSC_LINGER_US="
           "%s, SDPROXY_PCSC_SPIN_US=%s\n",
           spec, rounds, warmup,
           getenv("SDPROXY_PCSC_LINGER_US") ? getenv("SDPROXY_PCSC_LINGER_US") : "(unset: 1000)",
           getenv("SDPROXY_PCSC_SPIN_US") ? getenv("SDPROXY_PCSC_SPIN_US") : "(unset: 1000)");
    printf("this process (proxy, worker, benchmark): %.1f us CPU (user+sys) per API call, "
           "%.0f%% of one CPU\n",
           n_calls ? cpu_us / (double)n_calls : 0.0, loop_us > 0 ? 100.0 * cpu_us / loop_us : 0.0);
    printf("medians over the rounds, microseconds:\n");
    printf("%-30s %5s %8s %8s %9s %7s %8s %7s %7s\n", "call", "APDUs", "wall", "Transmit",
           "Begin/End", "proxy", "hand-off", "(a)%", "(b)%");
    double *v[8];
    for (int k = 0; k < 8; k++) {
        v[k] = calloc((size_t)rounds, sizeof(double));
        if (!v[k]) {
            fprintf(stderr, "bench-proxy: out of memory\n");
            return 1;
        }
    }
    int n_card = 0, a_fail = 0, b_fail = 0, lock_alone = 0;
    double worst_a = 0, worst_b = 0;
    for (size_t i = 0; i < N_CALLS; i++) {
        bench_call *c = &calls[i];
        if (c->ok == 0) {
            printf("%-30s  not measured: %s\n", c->name, c->failed ? c->why : "no rounds");
            continue;
        }
        for (size_t k = 0; k < c->ok; k++) {
            long long a = c->win[k].a, e = c->win[k].b;
            double wall = (double)(e - a) / 1e3;
            double tx = (double)ivals_overlap(&sc_tx, a, e) / 1e3;
            double lk = (double)ivals_overlap(&sc_lock, a, e) / 1e3;
            double tr = (double)ivals_overlap(&in_tr, a, e) / 1e3;
            double waited = (double)waited_on_scard(a, e) / 1e3;
            v[0][k] = wall;
            v[1][k] = tx;
            v[2][k] = lk;
            v[3][k] = wall - tr;   /* proxy code */
            v[4][k] = tr - waited; /* hand-off */
            v[5][k] = wall > 0 ? 100.0 * (wall - tx) / wall : 0;
            v[6][k] = wall > 0 ? 100.0 * (wall - waited) / wall : 0;
            v[7][k] = wall > 0 ? 100.0 * lk / wall : 0;
        }
        double m[8];
        for (int k = 0; k < 8; k++)
            m[k] = median(v[k], c->ok);
        double apdus = (double)c->apdus / (double)c->ok;
        if (apdus == 0) {
            printf("%-30s %5.1f %8.1f %8s %9s %7.1f %8s %7s %7s\n", c->name, apdus, m[0], "-", "-",
                   m[3], "-", "local", "local");
        } else {
            n_card++;
            a_fail += m[5] > 5.0;
            b_fail += m[6] > 5.0;
            lock_alone += m[7] > 5.0;
            worst_a = m[5] > worst_a ? m[5] : worst_a;
            worst_b = m[6] > worst_b ? m[6] : worst_b;
            printf("%-30s %5.1f %8.1f %8.1f %9.1f %7.1f %8.1f %6.1f%% %6.1f%%\n", c->name, apdus,
                   m[0], m[1], m[2], m[3], m[4], m[5], m[6]);
        }
        if (c->failed)
            printf("%-30s  (later failed: %s)\n", "", c->why);
    }
    printf("wall: the call; Transmit, Begin/End: time inside those SCard* calls during the call;\n"
           "proxy: the caller outside the transport; hand-off: the caller inside the transport "
           "while no\nSCard* call ran. (a)%%: (wall - Transmit) / wall; (b)%%: (proxy + hand-off) "
           "/ wall; medians\nof the per-round shares.\n");
    printf("verdict (a) everything but SCardTransmit <= 5%% of the call: %s (%d of %d calls "
           "above, worst %.1f%%)\n",
           a_fail ? "FAIL" : "PASS", a_fail, n_card, worst_a);
    if (lock_alone)
        printf("  SCardBegin/EndTransaction alone take more than 5%% of %d of these calls: (a) "
               "cannot pass\n  while every call takes pcscd's transaction (see "
               "SDPROXY_PCSC_LINGER_US)\n",
               lock_alone);
    printf("verdict (b) the proxy's own code and hand-off <= 5%% of the call: %s (%d of %d calls "
           "above, worst %.1f%%)\n",
           b_fail ? "FAIL" : "PASS", b_fail, n_card, worst_b);
    for (int k = 0; k < 8; k++)
        free(v[k]);
    for (size_t i = 0; i < N_CALLS; i++)
        free(calls[i].win);
    free(sc_tx.v);
    free(sc_lock.v);
    free(in_tr.v);
    return 0;
}
