/* Non-blocking calls (isoiec23465_async.h) and thread safety, against the reference card
 * in-process (emu:<default profile>). Callbacks and helper threads never assert (Criterion's
 * asserts belong to the test's thread): they record, and the test checks what they recorded.
 * Every test ends with px_async_shutdown, which joins the workers, so nothing outlives it. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "isoiec23465.h"
#include "isoiec23465_async.h"
#include "px_async.h"
#include "px_error.h"
#include "px_handle.h"
#include "px_transport.h"

static char spec[1024];
static isoIec23465_SecurityDevice *dev;
static isoIec23465_RootApplication *root;

/* ---- completion bookkeeping -------------------------------------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int completed;  /* callbacks run (record_cb) */
static int next_order; /* order in which record_cb ran */

/* What one callback saw. */
typedef struct result {
    int done; /* under mu */
    isoIec23465_Status status;
    isoIec23465_ErrorDetails details;
    pthread_t thread;
    int order;
} result;

static void record_cb(isoIec23465_Status status, const isoIec23465_ErrorDetails *details,
                      void *user)
{
    result *r = user;
    pthread_mutex_lock(&mu);
    r->status = status;
    r->details = *details;
    r->thread = pthread_self();
    r->order = next_order++;
    r->done = 1;
    completed++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits until `n` record_cb callbacks have run in total (bounded by the test's alarm). */
static void wait_completed(int n)
{
    pthread_mutex_lock(&mu);
    while (completed < n)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static int completed_now(void)
{
    pthread_mutex_lock(&mu);
    int n = completed;
    pthread_mutex_unlock(&mu);
    return n;
}

/* A gate: a callback that holds its worker until the test opens it, so that the jobs queued
 * behind it are known to be still queued. */
typedef struct gate {
    int entered, open;
    pthread_t thread;
    isoIec23465_Status status;
    isoIec23465_Status disconnect_status; /* gate_then_disconnect_cb */
} gate;

static void gate_cb(isoIec23465_Status status, const isoIec23465_ErrorDetails *details, void *user)
{
    (void)details;
    gate *g = user;
    pthread_mutex_lock(&mu);
    g->status = status;
    g->thread = pthread_self();
    g->entered = 1;
    pthread_cond_broadcast(&cv);
    while (!g->open)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

/* Like gate_cb, then disconnects the device from inside the callback. */
static void gate_then_disconnect_cb(isoIec23465_Status status,
                                    const isoIec23465_ErrorDetails *details, void *user)
{
    gate_cb(status, details, user);
    isoIec23465_Status st = isoIec23465_disconnectSecurityDevice(dev);
    pthread_mutex_lock(&mu);
    ((gate *)user)->disconnect_status = st;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void gate_wait_entered(gate *g)
{
    pthread_mutex_lock(&mu);
    while (!g->entered)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static void gate_open(gate *g)
{
    pthread_mutex_lock(&mu);
    g->open = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* ---- fixtures ----------------------------------------------------------------------------- */

static isoIec23465_SecurityDevice *connect_one(void)
{
    isoIec23465_SecurityDevice *d = NULL;
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &d);
    isoIec23465_ErrorDetails det;
    isoIec23465_getLastError(&det);
    cr_assert_eq(st, isoIec23465_Success, "connect %s: %s: %s", spec,
                 isoIec23465_statusToString(st), det.message);
    return d;
}

static void setup(void)
{
    alarm(120); /* valgrind is slow; a deadlock still ends the test */
    snprintf(spec, sizeof spec, "emu:%s", PX_TEST_PROFILE);
    completed = 0;
    next_order = 0;
    dev = connect_one();
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
}

static void teardown(void)
{
    if (dev)
        (void)isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    root = NULL;
    px_async_shutdown(); /* joins every worker */
}

static isoIec23465_Object *find_on(isoIec23465_RootApplication *r, const char *label)
{
    isoIec23465_Object *o = NULL;
    isoIec23465_Status st = isoIec23465_SecurityDeviceApplication_findObject(r, label, &o);
    cr_assert_eq(st, isoIec23465_Success, "findObject %s: %s", label,
                 isoIec23465_statusToString(st));
    return o;
}

static isoIec23465_Object *find(const char *label)
{
    return find_on(root, label);
}

/* Content of the reference card's public containers. */
static int public_256_ok(const uint8_t *b, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)(off + i))
            return 0;
    return 1;
}

static int public_4096_ok(const uint8_t *b, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)(7 * (off + i)))
            return 0;
    return 1;
}

/* ---- basic behaviour ----------------------------------------------------------------------- */

Test(async, get_data_returns_before_completion_and_matches_sync, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-4096");
    /* Hold the device's worker in a callback: the next job cannot have run when
     * getData_async returns. */
    gate g = {0};
    size_t size = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize_async(dc, &size, gate_cb, &g),
                 isoIec23465_Success);
    gate_wait_entered(&g);
    cr_assert_eq(g.status, isoIec23465_Success);
    cr_assert_eq(size, 4096);
    cr_assert(!pthread_equal(g.thread, pthread_self()), "callback on a proxy thread");

    static uint8_t async_buf[4096], sync_buf[4096];
    memset(async_buf, 0xEE, sizeof async_buf);
    size_t async_len = sizeof async_buf;
    result r = {0};
    cr_assert_eq(isoIec23465_DataContainer_getData_async(dc, async_buf, &async_len, record_cb, &r),
                 isoIec23465_Success);
    cr_assert_eq(isoIec23465_getLastError(NULL), isoIec23465_Success);
    cr_assert_eq(completed_now(), 0, "returned before the job ran");
    cr_assert_eq(async_buf[1], 0xEE, "buffer untouched before completion");
    cr_assert_eq(async_len, sizeof async_buf);

    gate_open(&g);
    wait_completed(1);
    cr_assert_eq(r.status, isoIec23465_Success, "%s", r.details.message);
    cr_assert_eq(r.details.status, isoIec23465_Success);
    cr_assert_eq(r.details.origin, isoIec23465_OriginNone);
    cr_assert(pthread_equal(r.thread, g.thread), "same device, same worker");
    cr_assert_eq(async_len, 4096);

    size_t sync_len = sizeof sync_buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, sync_buf, &sync_len), isoIec23465_Success);
    cr_assert_eq(sync_len, async_len);
    cr_assert_arr_eq(async_buf, sync_buf, sync_len);
    cr_assert(public_4096_ok(async_buf, 0, async_len));
}

Test(async, order_of_100_jobs_on_one_device_is_kept, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    enum { N = 100 };
    static result r[N];
    static uint8_t byte[N];
    static size_t len[N];
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        len[i] = 1;
        byte[i] = 0xEE;
        cr_assert_eq(isoIec23465_DataContainer_getDataRange_async(dc, (size_t)i, 1, &byte[i],
                                                                  &len[i], record_cb, &r[i]),
                     isoIec23465_Success);
    }
    wait_completed(N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(r[i].status, isoIec23465_Success, "job %d: %s", i, r[i].details.message);
        cr_assert_eq(r[i].order, i, "job %d ran as number %d", i, r[i].order);
        cr_assert_eq(byte[i], (uint8_t)i, "job %d read %02X", i, byte[i]);
        cr_assert_eq(len[i], 1);
        cr_assert(!pthread_equal(r[i].thread, pthread_self()), "on a proxy thread");
    }
}

Test(async, errors_arrive_with_their_details, .init = setup, .fini = teardown)
{
    /* A local failure. */
    isoIec23465_Object *o = NULL;
    result nf = {0};
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject_async(root, "no-such-thing", &o,
                                                                        record_cb, &nf),
                 isoIec23465_Success);
    /* A device's status word: no application with this AID (SELECT answers 6A82). */
    static const uint8_t no_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0xFF, 0xFF};
    isoIec23465_SecurityDeviceApplication *app = NULL;
    result sw = {0};
    cr_assert_eq(isoIec23465_RootApplication_openApplication_async(root, no_aid, sizeof no_aid,
                                                                   &app, record_cb, &sw),
                 isoIec23465_Success);
    /* A buffer too small, with the size needed. */
    isoIec23465_DataContainer *pub = find("public-256");
    static uint8_t buf[256];
    size_t len = sizeof buf;
    uint8_t small[10];
    size_t small_len = sizeof small;
    result bts = {0};
    cr_assert_eq(isoIec23465_DataContainer_getData_async(pub, small, &small_len, record_cb, &bts),
                 isoIec23465_Success);
    /* F's own argument checks arrive through the callback too. */
    result nul = {0};
    cr_assert_eq(isoIec23465_DataContainer_getData_async(NULL, buf, &len, record_cb, &nul),
                 isoIec23465_Success);
    wait_completed(4);

    cr_assert_eq(nf.status, isoIec23465_ObjectNotFound);
    cr_assert_eq(nf.details.status, isoIec23465_ObjectNotFound);
    cr_assert_eq(nf.details.origin, isoIec23465_OriginLocal);
    cr_assert(strstr(nf.details.message, "no-such-thing"), "message: %s", nf.details.message);
    cr_assert_null(o, "out-parameter untouched on failure");

    cr_assert_eq(sw.status, isoIec23465_ObjectNotFound, "%s",
                 isoIec23465_statusToString(sw.status));
    cr_assert_eq(sw.details.origin, isoIec23465_OriginDevice);
    cr_assert(sw.details.hasStatusWord);
    cr_assert_eq(sw.details.statusWord, 0x6A82);
    cr_assert_null(app);

    cr_assert_eq(bts.status, isoIec23465_BufferTooSmall);
    cr_assert_eq(bts.details.requiredLength, 256);
    cr_assert_eq(small_len, sizeof small, "length untouched on failure");

    cr_assert_eq(nul.status, isoIec23465_IllegalArgument);
    cr_assert_eq(nul.details.status, isoIec23465_IllegalArgument);

    /* The caller's thread keeps its own details: the failures above happened elsewhere. */
    cr_assert_eq(isoIec23465_getLastError(NULL), isoIec23465_Success);
}

Test(async, null_callback_is_illegal_argument_and_queues_nothing, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    uint8_t buf[256];
    size_t len = sizeof buf;
    memset(buf, 0xEE, sizeof buf);
    cr_assert_eq(isoIec23465_DataContainer_getData_async(dc, buf, &len, NULL, NULL),
                 isoIec23465_IllegalArgument);
    isoIec23465_ErrorDetails d;
    cr_assert_eq(isoIec23465_getLastError(&d), isoIec23465_IllegalArgument);
    cr_assert_eq(d.origin, isoIec23465_OriginLocal);
    cr_assert(strstr(d.message, "callback"), "message: %s", d.message);
    cr_assert_eq(isoIec23465_getSecurityDeviceList_async(spec, NULL, NULL, NULL),
                 isoIec23465_IllegalArgument);
    /* Nothing ran: a job queued behind it finds the buffer as it was. */
    result r = {0};
    size_t size = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize_async(dc, &size, record_cb, &r),
                 isoIec23465_Success);
    wait_completed(1);
    cr_assert_eq(r.status, isoIec23465_Success);
    cr_assert_eq(size, 256);
    cr_assert_eq(buf[0], 0xEE);
    cr_assert_eq(len, sizeof buf);
}

Test(async, device_functions_run_on_the_shared_worker, .init = setup, .fini = teardown)
{
    /* The list's callback holds the shared worker: the list calls queued meanwhile run after
     * it on the same thread. */
    isoIec23465_SecurityDeviceList *list = NULL;
    gate g = {0};
    cr_assert_eq(isoIec23465_getSecurityDeviceList_async(spec, &list, gate_cb, &g),
                 isoIec23465_Success);
    gate_wait_entered(&g);
    cr_assert_eq(g.status, isoIec23465_Success);
    cr_assert_not_null(list);
    size_t n = 0;
    isoIec23465_SecurityDeviceEntry *entry = NULL;
    result cr = {0}, er = {0};
    cr_assert_eq(isoIec23465_SecurityDeviceList_getCount_async(list, &n, record_cb, &cr),
                 isoIec23465_Success);
    cr_assert_eq(isoIec23465_SecurityDeviceList_getEntry_async(list, 0, &entry, record_cb, &er),
                 isoIec23465_Success);
    gate_open(&g);
    wait_completed(2);
    cr_assert_eq(cr.status, isoIec23465_Success);
    cr_assert_eq(n, 1);
    cr_assert_eq(er.status, isoIec23465_Success);
    cr_assert(pthread_equal(cr.thread, g.thread) && pthread_equal(er.thread, g.thread),
              "one shared worker");

    isoIec23465_SecurityDevice *d2 = NULL;
    result con = {0};
    cr_assert_eq(isoIec23465_connectSecurityDevice_async(entry, &d2, record_cb, &con),
                 isoIec23465_Success);
    wait_completed(3);
    cr_assert_eq(con.status, isoIec23465_Success, "%s", con.details.message);
    isoIec23465_RootApplication *r2 = NULL;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(d2, &r2), isoIec23465_Success);
    isoIec23465_DataContainer *dc = find_on(r2, "public-256");
    uint8_t buf[256];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success);
    cr_assert(public_256_ok(buf, 0, len));

    /* With the shared worker held again, the connected device's calls still run: it has its
     * own worker. */
    gate g2 = {0};
    cr_assert_eq(isoIec23465_SecurityDeviceList_getCount_async(list, &n, gate_cb, &g2),
                 isoIec23465_Success);
    gate_wait_entered(&g2);
    result dis = {0};
    cr_assert_eq(isoIec23465_disconnectSecurityDevice_async(d2, record_cb, &dis),
                 isoIec23465_Success);
    wait_completed(4);
    cr_assert_eq(dis.status, isoIec23465_Success);
    cr_assert(!pthread_equal(dis.thread, g2.thread));
    gate_open(&g2);
    px_async_shutdown(); /* the gate's callback has returned once this does */
    isoIec23465_SecurityDeviceList_release(list);
}

/* ---- several threads, several devices ------------------------------------------------------- */

enum { HAMMER_THREADS = 8, HAMMER_ROUNDS = 40, HAMMER_BATCH = 4 };

static atomic_int hammer_bad;  /* wrong results seen by the hammer threads */
static atomic_int hammer_good; /* correct results */

/* One hammer thread's async bookkeeping (its own lock: threads do not share counters). */
typedef struct hammer_slot {
    pthread_mutex_t m;
    pthread_cond_t c;
    int done;
    int bad;
} hammer_slot;

typedef struct hammer_job {
    hammer_slot *slot;
    size_t off, want;
    uint8_t buf[96];
    size_t len;
} hammer_job;

static void hammer_cb(isoIec23465_Status status, const isoIec23465_ErrorDetails *details,
                      void *user)
{
    (void)details;
    hammer_job *j = user;
    int ok =
        status == isoIec23465_Success && j->len == j->want && public_256_ok(j->buf, j->off, j->len);
    pthread_mutex_lock(&j->slot->m);
    j->slot->bad += !ok;
    j->slot->done++;
    pthread_cond_signal(&j->slot->c);
    pthread_mutex_unlock(&j->slot->m);
}

static void *hammer(void *arg)
{
    unsigned t = (unsigned)(size_t)arg;
    hammer_slot slot = {.m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER};
    hammer_job jobs[HAMMER_BATCH];
    isoIec23465_DataContainer *p256 = NULL, *p4096 = NULL;
    /* Each thread finds its own handles: handles are created concurrently too. */
    if (isoIec23465_SecurityDeviceApplication_findObject(root, "public-256", &p256) ||
        isoIec23465_SecurityDeviceApplication_findObject(root, "public-4096", &p4096)) {
        atomic_fetch_add(&hammer_bad, 1);
        return NULL;
    }
    int expected = 0;
    for (unsigned round = 0; round < HAMMER_ROUNDS; round++) {
        for (unsigned k = 0; k < HAMMER_BATCH; k++) {
            hammer_job *j = &jobs[k];
            j->slot = &slot;
            j->off = (t * 37 + round * 11 + k * 5) % 160;
            j->want = 96;
            j->len = sizeof j->buf;
            if (isoIec23465_DataContainer_getDataRange_async(p256, j->off, j->want, j->buf, &j->len,
                                                             hammer_cb, j))
                atomic_fetch_add(&hammer_bad, 1);
            else
                expected++;
        }
        /* Synchronous calls on the same connection while the jobs are queued. */
        uint8_t buf[256];
        size_t len = sizeof buf;
        if (isoIec23465_DataContainer_getData(p256, buf, &len) == isoIec23465_Success &&
            len == 256 && public_256_ok(buf, 0, len))
            atomic_fetch_add(&hammer_good, 1);
        else
            atomic_fetch_add(&hammer_bad, 1);
        size_t off = (t * 512 + round * 97) % 3800;
        len = 200;
        if (isoIec23465_DataContainer_getDataRange(p4096, off, 200, buf, &len) ==
                isoIec23465_Success &&
            len == 200 && public_4096_ok(buf, off, len))
            atomic_fetch_add(&hammer_good, 1);
        else
            atomic_fetch_add(&hammer_bad, 1);
        char label[32];
        len = sizeof label;
        if (isoIec23465_Object_getLabel(p4096, label, &len) == isoIec23465_Success &&
            strcmp(label, "public-4096") == 0)
            atomic_fetch_add(&hammer_good, 1);
        else
            atomic_fetch_add(&hammer_bad, 1);
        /* The job buffers are reused next round: wait for this round's callbacks. */
        pthread_mutex_lock(&slot.m);
        while (slot.done < expected)
            pthread_cond_wait(&slot.c, &slot.m);
        pthread_mutex_unlock(&slot.m);
    }
    atomic_fetch_add(&hammer_bad, slot.bad);
    atomic_fetch_add(&hammer_good, slot.done - slot.bad);
    isoIec23465_Object_release(p256);
    isoIec23465_Object_release(p4096);
    return NULL;
}

Test(threads, eight_threads_hammer_one_connection, .init = setup, .fini = teardown)
{
    atomic_store(&hammer_bad, 0);
    atomic_store(&hammer_good, 0);
    pthread_t th[HAMMER_THREADS];
    for (size_t t = 0; t < HAMMER_THREADS; t++)
        cr_assert_eq(pthread_create(&th[t], NULL, hammer, (void *)t), 0);
    for (size_t t = 0; t < HAMMER_THREADS; t++)
        pthread_join(th[t], NULL);
    cr_assert_eq(atomic_load(&hammer_bad), 0, "%d wrong results", atomic_load(&hammer_bad));
    cr_assert_eq(atomic_load(&hammer_good), HAMMER_THREADS * HAMMER_ROUNDS * (HAMMER_BATCH + 3));
}

Test(threads, two_devices_run_in_parallel, .init = setup, .fini = teardown)
{
    isoIec23465_SecurityDevice *dev2 = connect_one();
    isoIec23465_RootApplication *root2 = NULL;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev2, &root2), isoIec23465_Success);
    isoIec23465_DataContainer *a = find("public-256");
    isoIec23465_DataContainer *b = find_on(root2, "public-4096");

    /* Device A's worker is held in a callback; device B must not wait for it. */
    gate g = {0};
    size_t size = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize_async(a, &size, gate_cb, &g),
                 isoIec23465_Success);
    gate_wait_entered(&g);
    enum { N = 20 };
    static result ra[N], rb[N];
    static uint8_t bufa[N][64], bufb[N][64];
    static size_t lena[N], lenb[N];
    memset(ra, 0, sizeof ra);
    memset(rb, 0, sizeof rb);
    for (int i = 0; i < N; i++) {
        lena[i] = lenb[i] = 64;
        cr_assert_eq(isoIec23465_DataContainer_getDataRange_async(a, (size_t)i, 64, bufa[i],
                                                                  &lena[i], record_cb, &ra[i]),
                     isoIec23465_Success);
        cr_assert_eq(isoIec23465_DataContainer_getDataRange_async(b, (size_t)i * 100, 64, bufb[i],
                                                                  &lenb[i], record_cb, &rb[i]),
                     isoIec23465_Success);
    }
    wait_completed(N); /* all of B's, while A is held */
    for (int i = 0; i < N; i++) {
        cr_assert(rb[i].done, "device B's job %d waited for device A", i);
        cr_assert(!ra[i].done, "device A's job %d ran while its worker was held", i);
        cr_assert_eq(rb[i].status, isoIec23465_Success, "%s", rb[i].details.message);
        cr_assert(public_4096_ok(bufb[i], (size_t)i * 100, 64));
        cr_assert(!pthread_equal(rb[i].thread, g.thread), "each device has its own worker");
    }
    gate_open(&g);
    wait_completed(2 * N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(ra[i].status, isoIec23465_Success);
        cr_assert(public_256_ok(bufa[i], (size_t)i, 64));
        cr_assert(pthread_equal(ra[i].thread, g.thread));
    }
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev2), isoIec23465_Success);
}

/* ---- disconnect and stale handles ----------------------------------------------------------- */

static void *disconnect_thread(void *arg)
{
    *(isoIec23465_Status *)arg = isoIec23465_disconnectSecurityDevice(dev);
    return NULL;
}

Test(disconnect, queued_jobs_complete_with_illegal_state, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    gate g = {0};
    size_t size = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize_async(dc, &size, gate_cb, &g),
                 isoIec23465_Success);
    gate_wait_entered(&g);
    enum { N = 20 };
    static result r[N];
    static uint8_t buf[N][256];
    static size_t len[N];
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        len[i] = sizeof buf[i];
        memset(buf[i], 0xEE, sizeof buf[i]);
        cr_assert_eq(isoIec23465_DataContainer_getData_async(dc, buf[i], &len[i], record_cb, &r[i]),
                     isoIec23465_Success);
    }
    /* Disconnect from another thread while the jobs are queued (disconnect may wait for the
     * device's jobs: the gate opens once the device is seen closed). */
    isoIec23465_Status dst = isoIec23465_FunctionNotImplemented;
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, disconnect_thread, &dst), 0);
    isoIec23465_ObjectType type;
    while (isoIec23465_Object_getType(root, &type) == isoIec23465_Success)
        usleep(1000);
    cr_assert_eq(isoIec23465_getLastError(NULL), isoIec23465_IllegalState);
    gate_open(&g);
    wait_completed(N);
    pthread_join(th, NULL);
    dev = NULL;
    cr_assert_eq(dst, isoIec23465_Success);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(r[i].status, isoIec23465_IllegalState, "job %d: %s", i,
                     isoIec23465_statusToString(r[i].status));
        cr_assert_eq(r[i].details.origin, isoIec23465_OriginLocal);
        cr_assert_eq(len[i], sizeof buf[i], "nothing written");
        cr_assert_eq(buf[i][0], 0xEE);
    }
}

Test(disconnect, callback_may_disconnect_its_own_device, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    gate g = {0};
    g.disconnect_status = isoIec23465_FunctionNotImplemented;
    size_t size = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize_async(dc, &size, gate_then_disconnect_cb, &g),
                 isoIec23465_Success);
    gate_wait_entered(&g);
    enum { N = 10 };
    static result r[N];
    static uint8_t buf[N][256];
    static size_t len[N];
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        len[i] = sizeof buf[i];
        cr_assert_eq(isoIec23465_DataContainer_getData_async(dc, buf[i], &len[i], record_cb, &r[i]),
                     isoIec23465_Success);
    }
    gate_open(&g);
    wait_completed(N);
    dev = NULL; /* disconnected by the callback */
    cr_assert_eq(g.disconnect_status, isoIec23465_Success);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(r[i].status, isoIec23465_IllegalState, "job %d", i);
        cr_assert(pthread_equal(r[i].thread, g.thread), "the same worker went on");
    }
}

Test(disconnect, disconnect_async_is_ordered_with_the_other_jobs, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    gate g = {0};
    size_t size = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize_async(dc, &size, gate_cb, &g),
                 isoIec23465_Success);
    gate_wait_entered(&g);
    enum { N = 5 };
    static result before[N], after[N], dis;
    static uint8_t buf[2 * N][256];
    static size_t len[2 * N];
    memset(before, 0, sizeof before);
    memset(after, 0, sizeof after);
    memset(&dis, 0, sizeof dis);
    for (int i = 0; i < N; i++) {
        len[i] = sizeof buf[i];
        cr_assert_eq(
            isoIec23465_DataContainer_getData_async(dc, buf[i], &len[i], record_cb, &before[i]),
            isoIec23465_Success);
    }
    cr_assert_eq(isoIec23465_disconnectSecurityDevice_async(dev, record_cb, &dis),
                 isoIec23465_Success);
    for (int i = N; i < 2 * N; i++) {
        len[i] = sizeof buf[i];
        cr_assert_eq(
            isoIec23465_DataContainer_getData_async(dc, buf[i], &len[i], record_cb, &after[i - N]),
            isoIec23465_Success);
    }
    gate_open(&g);
    wait_completed(2 * N + 1);
    dev = NULL;
    for (int i = 0; i < N; i++) {
        cr_assert_eq(before[i].status, isoIec23465_Success);
        cr_assert_eq(before[i].order, i);
        cr_assert(public_256_ok(buf[i], 0, 256));
        cr_assert_eq(after[i].status, isoIec23465_IllegalState);
        cr_assert_eq(after[i].order, N + 1 + i);
    }
    cr_assert_eq(dis.status, isoIec23465_Success);
    cr_assert_eq(dis.order, N);
}

Test(disconnect, closing_hook_drains_the_queue_and_joins_the_worker, .init = setup,
     .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-4096");
    px_conn *conn = dev->conn;
    enum { N = 30 };
    static result r[N];
    static uint8_t buf[N][4096];
    static size_t len[N];
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        len[i] = sizeof buf[i];
        cr_assert_eq(isoIec23465_DataContainer_getData_async(dc, buf[i], &len[i], record_cb, &r[i]),
                     isoIec23465_Success);
    }
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    dev = NULL;
    /* What isoIec23465_disconnectSecurityDevice calls once its device is closed: on return
     * every queued job has run and its callback returned. */
    px_async_device_closed(conn);
    cr_assert_eq(completed_now(), N);
    int ran = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        if (r[i].status == isoIec23465_Success && public_4096_ok(buf[i], 0, len[i])) {
            cr_assert_eq(refused, 0, "job %d ran after one was refused", i);
            ran++;
        } else {
            cr_assert_eq(r[i].status, isoIec23465_IllegalState, "job %d: %s", i,
                         isoIec23465_statusToString(r[i].status));
            refused++;
        }
    }
    cr_assert_eq(ran + refused, N);
}

/* Threads calling on handles of a device another thread disconnects. */
typedef struct stale_arg {
    isoIec23465_DataContainer *dc;
    atomic_int *disconnected;
    int ok_before, illegal_after, wrong;
    result async_r[64];
    uint8_t async_buf[64][256];
    size_t async_len[64];
    int queued;
} stale_arg;

static void *stale_thread(void *arg)
{
    stale_arg *s = arg;
    int after = 0;
    for (int i = 0; after < 20; i++) {
        int was_disconnected = atomic_load(s->disconnected);
        uint8_t buf[256];
        size_t len = sizeof buf;
        isoIec23465_Status st = isoIec23465_DataContainer_getData(s->dc, buf, &len);
        if (st == isoIec23465_Success && !was_disconnected && public_256_ok(buf, 0, len))
            s->ok_before++;
        else if (st == isoIec23465_IllegalState)
            s->illegal_after += was_disconnected;
        else if (st != isoIec23465_Success || was_disconnected)
            s->wrong++;
        if (s->queued < 64 && i % 3 == 0) {
            int q = s->queued;
            s->async_len[q] = sizeof s->async_buf[q];
            if (isoIec23465_DataContainer_getData_async(s->dc, s->async_buf[q], &s->async_len[q],
                                                        record_cb, &s->async_r[q]))
                s->wrong++;
            else
                s->queued++;
        }
        if (was_disconnected)
            after++;
    }
    return NULL;
}

Test(disconnect, stale_handles_from_other_threads_answer_illegal_state, .init = setup,
     .fini = teardown)
{
    enum { T = 4 };
    static stale_arg s[T];
    atomic_int disconnected = 0;
    pthread_t th[T];
    memset(s, 0, sizeof s);
    for (int t = 0; t < T; t++) {
        s[t].dc = find("public-256");
        s[t].disconnected = &disconnected;
        cr_assert_eq(pthread_create(&th[t], NULL, stale_thread, &s[t]), 0);
    }
    /* Let them work with the device for a while first. */
    while (completed_now() < 8)
        usleep(1000);
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    dev = NULL;
    atomic_store(&disconnected, 1);
    int queued = 0;
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        queued += s[t].queued;
    }
    wait_completed(queued);
    for (int t = 0; t < T; t++) {
        cr_assert_eq(s[t].wrong, 0, "thread %d: %d wrong answers", t, s[t].wrong);
        cr_assert_eq(s[t].illegal_after, 20, "thread %d: after disconnect", t);
        for (int q = 0; q < s[t].queued; q++) {
            result *r = &s[t].async_r[q];
            cr_assert(r->status == isoIec23465_IllegalState ||
                          (r->status == isoIec23465_Success &&
                           public_256_ok(s[t].async_buf[q], 0, s[t].async_len[q])),
                      "thread %d job %d: %s", t, q, isoIec23465_statusToString(r->status));
        }
    }
}

/* ---- card removal --------------------------------------------------------------------------- */

/* A transport around the in-process card that behaves as a removed card once `removed` is set:
 * every exchange fails as PC/SC does then. */
typedef struct removable {
    px_transport inner;
    atomic_int removed;
} removable;

static isoIec23465_Status removable_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                             uint8_t *resp, size_t cap, size_t *resp_len)
{
    removable *r = ctx;
    if (atomic_load(&r->removed))
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "card removed");
    return r->inner.ops->transmit(r->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
}

static isoIec23465_Status removable_reset(void *ctx)
{
    removable *r = ctx;
    if (atomic_load(&r->removed))
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "card removed");
    return r->inner.ops->reset(r->inner.ctx);
}

static isoIec23465_Status removable_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    removable *r = ctx;
    return r->inner.ops->atr(r->inner.ctx, atr, cap, len);
}

static isoIec23465_Status removable_begin(void *ctx)
{
    removable *r = ctx;
    return r->inner.ops->begin ? r->inner.ops->begin(r->inner.ctx) : isoIec23465_Success;
}

static void removable_end(void *ctx)
{
    removable *r = ctx;
    if (r->inner.ops->end)
        r->inner.ops->end(r->inner.ctx);
}

static void removable_close(void *ctx)
{
    removable *r = ctx;
    r->inner.ops->close(r->inner.ctx);
    free(r);
}

static const px_transport_ops removable_ops = {
    .transmit = removable_transmit,
    .reset = removable_reset,
    .atr = removable_atr,
    .begin = removable_begin,
    .end = removable_end,
    .close = removable_close,
};

typedef struct removal_arg {
    isoIec23465_DataContainer *dc;
    atomic_int *phase; /* 0 present, 1 removed, 2 disconnecting, 3 disconnected */
    int wrong, comm_errors, illegal;
    isoIec23465_Status first_wrong; /* status of the first wrong answer */
    int first_wrong_phase[2];       /* phase before and after that call */
    char first_wrong_message[256];
    result async_r[32];
    uint8_t async_buf[32][256];
    size_t async_len[32];
    int async_phase[32]; /* phase when queued */
    int queued;
} removal_arg;

static void *removal_thread(void *arg)
{
    removal_arg *s = arg;
    int after = 0;
    for (int i = 0; after < 20; i++) {
        int phase = atomic_load(s->phase);
        uint8_t buf[256];
        size_t len = sizeof buf;
        isoIec23465_Status st = isoIec23465_DataContainer_getData(s->dc, buf, &len);
        int phase_after = atomic_load(s->phase);
        /* Success only for a call started before the removal; CommunicationError only for
         * one that ended after it and started before the disconnect returned; IllegalState
         * only for one that ended after the disconnect began. */
        if (st == isoIec23465_Success) {
            s->wrong += phase != 0 || !public_256_ok(buf, 0, len);
        } else if (st == isoIec23465_CommunicationError) {
            s->wrong += phase_after == 0 || phase == 3;
            s->comm_errors++;
        } else if (st == isoIec23465_IllegalState) {
            s->wrong += phase_after < 2;
            s->illegal++;
        } else {
            s->wrong++;
        }
        if (s->wrong == 1 && !s->first_wrong_phase[1]) {
            s->first_wrong = st;
            s->first_wrong_phase[0] = phase;
            s->first_wrong_phase[1] = phase_after + 10;
            isoIec23465_ErrorDetails d;
            isoIec23465_getLastError(&d);
            memcpy(s->first_wrong_message, d.message, sizeof d.message);
        }
        if (s->queued < 32 && i % 4 == 0) {
            int q = s->queued;
            s->async_len[q] = sizeof s->async_buf[q];
            s->async_phase[q] = atomic_load(s->phase);
            if (isoIec23465_DataContainer_getData_async(s->dc, s->async_buf[q], &s->async_len[q],
                                                        record_cb, &s->async_r[q]))
                s->wrong++;
            else
                s->queued++;
        }
        if (phase == 3)
            after++;
    }
    return NULL;
}

Test(removal, calls_after_card_removal_fail_cleanly_from_every_thread)
{
    alarm(120);
    completed = 0;
    next_order = 0;
    removable *rm = calloc(1, sizeof *rm);
    cr_assert_not_null(rm);
    cr_assert_eq(px_transport_emu_open(PX_TEST_PROFILE, &rm->inner), isoIec23465_Success);
    px_transport tr = {.ops = &removable_ops, .ctx = rm};
    px_devinfo info = {.type = isoIec23465_DeviceVirtual,
                       .iface = isoIec23465_InterfaceVirtual,
                       .presence = isoIec23465_PresencePresent,
                       .extended_length = -1,
                       .logical_channels = 1};
    snprintf(info.identifier, sizeof info.identifier, "removable:%s", PX_TEST_PROFILE);
    snprintf(info.name, sizeof info.name, "removable in-process card");
    snprintf(info.spec, sizeof info.spec, "emu:%s", PX_TEST_PROFILE);
    cr_assert_eq(px_connect_transport(&tr, &info, &dev), isoIec23465_Success);
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);

    enum { T = 4 };
    static removal_arg s[T];
    atomic_int phase = 0;
    pthread_t th[T];
    memset(s, 0, sizeof s);
    for (int t = 0; t < T; t++) {
        s[t].dc = find("public-256");
        s[t].phase = &phase;
        cr_assert_eq(pthread_create(&th[t], NULL, removal_thread, &s[t]), 0);
    }
    while (completed_now() < 8)
        usleep(1000);
    atomic_store(&rm->removed, 1); /* the card is pulled */
    atomic_store(&phase, 1);
    usleep(20000);
    atomic_store(&phase, 2);
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    dev = NULL;
    atomic_store(&phase, 3);
    int queued = 0;
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        queued += s[t].queued;
    }
    wait_completed(queued);
    px_async_shutdown();
    int comm = 0;
    for (int t = 0; t < T; t++) {
        cr_assert_eq(
            s[t].wrong, 0, "thread %d: %d wrong answers, the first %s (%s) in phase %d..%d", t,
            s[t].wrong, isoIec23465_statusToString(s[t].first_wrong), s[t].first_wrong_message,
            s[t].first_wrong_phase[0], s[t].first_wrong_phase[1] - 10);
        cr_assert_eq(s[t].illegal >= 20, 1, "thread %d: IllegalState after disconnect", t);
        comm += s[t].comm_errors;
        for (int q = 0; q < s[t].queued; q++) {
            result *r = &s[t].async_r[q];
            if (s[t].async_phase[q] > 0)
                cr_assert(r->status == isoIec23465_CommunicationError ||
                              r->status == isoIec23465_IllegalState,
                          "thread %d job %d queued after removal: %s", t, q,
                          isoIec23465_statusToString(r->status));
            else
                cr_assert(r->status == isoIec23465_CommunicationError ||
                              r->status == isoIec23465_IllegalState ||
                              (r->status == isoIec23465_Success &&
                               public_256_ok(s[t].async_buf[q], 0, s[t].async_len[q])),
                          "thread %d job %d: %s", t, q, isoIec23465_statusToString(r->status));
        }
    }
    cr_assert_gt(comm, 0, "some calls ran between removal and disconnect");
}
