/* Non-blocking forms of the API functions (clause 6.2.5): each F_async queues a job that runs F
 * on a proxy thread and then calls the caller's callback.
 *
 * One queue per connection, keyed by the px_conn pointer, with its own lock and one worker
 * thread: the jobs of one device run in submission order, and devices do not wait for each
 * other. The queue holds a reference on its connection, so the key cannot be freed and reused
 * while the queue exists. Handles that belong to no connection (device lists and entries), the
 * device functions without a handle (getSecurityDeviceList, connect...) and stale handles go to
 * one shared queue (key NULL); F reports the stale handle itself (IllegalState).
 *
 * A worker ends after PX_ASYNC_IDLE_MS without work, or when its device is closed
 * (px_async_device_closed) once its queue is empty; ended workers are joined by the next
 * submission, by px_async_device_closed or by px_async_shutdown. The map lock is held only to
 * find, add or unlink queues, never while a job or a callback runs.
 *
 * Lock order: px_async_map_lock, then a queue's lock. The connection's own lock (conn->lock)
 * is taken only by F itself, and briefly by the submitter (px_handle_enter), never while a
 * queue or the map lock is held.
 *
 * The F_async functions are generated from include/isoiec23465.h by tools/gen-async.py into the
 * section at the end of this file; the code above that section is written by hand. */
#include "px_async.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "isoiec23465_async.h"
#include "px_error.h"

/* One queued call. The generated code embeds it first in a struct with F's arguments. */
typedef struct px_async_job px_async_job;
typedef isoIec23465_Status (*px_async_run_fn)(px_async_job *job);
struct px_async_job {
    px_async_job *next;
    px_async_run_fn run; /* calls F with the stored arguments */
    isoIec23465_Callback callback;
    void *user;
};

/* The queue and worker of one connection (conn NULL: the shared queue). */
typedef struct px_async_queue {
    struct px_async_queue *next; /* in px_async_map */
    px_conn *conn;               /* key; one reference held while the queue exists */
    pthread_mutex_t lock;        /* guards head, tail, stop, ended */
    pthread_cond_t wake;         /* a job was queued, or stop was set */
    px_async_job *head, *tail;
    pthread_t thread;
    bool stop;  /* the device was closed: end once the queue is empty */
    bool ended; /* the worker left its loop and takes no more jobs: join it */
} px_async_queue;

static pthread_mutex_t px_async_map_lock = PTHREAD_MUTEX_INITIALIZER;
static px_async_queue *px_async_map;

/* The queue whose worker runs on this thread (NULL on other threads): such a thread must not
 * join workers, since a worker could be waiting for it. */
static _Thread_local px_async_queue *px_async_self;

/* Runs one job: F, then the callback with F's status and this thread's details of F. The job
 * is freed before the callback runs, so a callback that never returns leaks nothing. */
static void px_async_run(px_async_job *job)
{
    isoIec23465_Callback callback = job->callback;
    void *user = job->user;
    px_error_clear();
    isoIec23465_Status st = job->run(job);
    free(job);
    isoIec23465_ErrorDetails details;
    isoIec23465_getLastError(&details);
    details.status = st; /* F's return value is what counts */
    callback(st, &details, user);
}

static void px_async_deadline(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* The worker: runs the queue's jobs in order; ends when the queue is empty and the device was
 * closed, or after PX_ASYNC_IDLE_MS without work. */
static void *px_async_worker(void *arg)
{
    px_async_queue *q = arg;
    px_async_self = q;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        if (!q->head && !q->stop) {
            struct timespec until;
            px_async_deadline(&until, PX_ASYNC_IDLE_MS);
            int rc = 0;
            while (!q->head && !q->stop && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&q->wake, &q->lock, &until);
        }
        px_async_job *job = q->head;
        if (!job)
            break;
        q->head = job->next;
        if (!q->head)
            q->tail = NULL;
        pthread_mutex_unlock(&q->lock);
        px_async_run(job);
        pthread_mutex_lock(&q->lock);
    }
    q->ended = true; /* under q->lock with an empty queue: no job is left behind */
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* Frees a queue whose worker was joined (or never started), dropping its reference. */
static void px_async_queue_free(px_async_queue *q)
{
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    px_conn_unref(q->conn);
    free(q);
}

/* Unlinks the queues whose worker ended onto *zombies (map lock held). */
static void px_async_unlink_ended_locked(px_async_queue **zombies)
{
    for (px_async_queue **p = &px_async_map; *p;) {
        px_async_queue *q = *p;
        pthread_mutex_lock(&q->lock);
        bool ended = q->ended;
        pthread_mutex_unlock(&q->lock);
        if (ended) {
            *p = q->next;
            q->next = *zombies;
            *zombies = q;
        } else {
            p = &q->next;
        }
    }
}

/* Joins and frees unlinked queues (no lock held; their workers have ended or are ending). */
static void px_async_reap(px_async_queue *zombies)
{
    while (zombies) {
        px_async_queue *q = zombies;
        zombies = q->next;
        pthread_join(q->thread, NULL);
        px_async_queue_free(q);
    }
}

/* A new queue for `conn` (taking over the caller's reference) with its worker started, linked
 * into the map (map lock held). NULL when memory or a thread is lacking. */
static px_async_queue *px_async_queue_new_locked(px_conn *conn)
{
    px_async_queue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&q->lock, NULL);
    if (pthread_create(&q->thread, NULL, px_async_worker, q) != 0) {
        pthread_cond_destroy(&q->wake);
        pthread_mutex_destroy(&q->lock);
        free(q);
        return NULL;
    }
    q->conn = conn;
    q->next = px_async_map;
    px_async_map = q;
    return q;
}

/* Allocates a job of `size` bytes (a struct starting with px_async_job) for F_async. Starts the
 * API call: clears the details; on failure records IllegalArgument (no callback) or
 * NotEnoughMemory and returns NULL. */
static void *px_async_job_new(size_t size, px_async_run_fn run, isoIec23465_Callback callback,
                              void *user)
{
    px_error_clear();
    if (!callback) {
        px_error_record(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL callback");
        return NULL;
    }
    px_async_job *job = calloc(1, size);
    if (!job) {
        px_error_record(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
        return NULL;
    }
    job->run = run;
    job->callback = callback;
    job->user = user;
    return job;
}

/* Queues `job` behind the other jobs of the device `h` belongs to (the shared queue when h is
 * NULL, stale, or bound to no device) and wakes that device's worker, starting it when needed.
 * Takes the job over. Returns Success, or NotEnoughMemory (job freed, details recorded). */
static isoIec23465_Status px_async_submit(px_async_job *job, const isoIec23465_Handle *h)
{
    px_conn *conn = NULL;
    if (h) {
        /* Validates h without dereferencing a stale pointer and takes a reference on its
         * connection; the device lock it also takes is given back at once, keeping the
         * reference (waits at most for the device's call in progress). */
        if (px_handle_enter(h, (isoIec23465_ObjectType)0, &conn) == isoIec23465_Success && conn)
            pthread_mutex_unlock(&conn->lock);
        else
            conn = NULL; /* F will report it from the shared queue */
        px_error_clear();
    }
    px_async_queue *zombies = NULL;
    bool queued = false, spare_ref = true;
    pthread_mutex_lock(&px_async_map_lock);
    px_async_unlink_ended_locked(&zombies);
    while (!queued) {
        px_async_queue **p = &px_async_map;
        while (*p && (*p)->conn != conn)
            p = &(*p)->next;
        px_async_queue *q = *p;
        if (!q) {
            q = px_async_queue_new_locked(conn);
            if (!q)
                break;
            spare_ref = false; /* the new queue holds it */
        }
        pthread_mutex_lock(&q->lock);
        if (q->ended) {
            /* Its worker idled out since the sweep above: retire it and start another. */
            pthread_mutex_unlock(&q->lock);
            *p = q->next;
            q->next = zombies;
            zombies = q;
            continue;
        }
        job->next = NULL;
        if (q->tail)
            q->tail->next = job;
        else
            q->head = job;
        q->tail = job;
        queued = true;
        pthread_cond_signal(&q->wake);
        pthread_mutex_unlock(&q->lock);
    }
    pthread_mutex_unlock(&px_async_map_lock);
    px_async_reap(zombies);
    if (spare_ref)
        px_conn_unref(conn);
    if (queued)
        return isoIec23465_Success;
    free(job);
    return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                        "cannot queue the call: no memory or thread for a worker");
}

void px_async_device_closed(px_conn *conn)
{
    if (!conn)
        return;
    px_async_queue *zombies = NULL;
    pthread_mutex_lock(&px_async_map_lock);
    for (px_async_queue **p = &px_async_map; *p;) {
        px_async_queue *q = *p;
        if (q->conn != conn) {
            p = &q->next;
            continue;
        }
        pthread_mutex_lock(&q->lock);
        q->stop = true;
        pthread_cond_signal(&q->wake);
        pthread_mutex_unlock(&q->lock);
        if (px_async_self) {
            p = &q->next; /* a worker may be waiting for us: joined later, once ended */
        } else {
            *p = q->next;
            q->next = zombies;
            zombies = q;
        }
    }
    pthread_mutex_unlock(&px_async_map_lock);
    px_async_reap(zombies); /* waits for the queued jobs and their callbacks */
}

void px_async_shutdown(void)
{
    px_async_queue *zombies = NULL;
    pthread_mutex_lock(&px_async_map_lock);
    for (px_async_queue **p = &px_async_map; *p;) {
        px_async_queue *q = *p;
        pthread_mutex_lock(&q->lock);
        q->stop = true;
        pthread_cond_signal(&q->wake);
        pthread_mutex_unlock(&q->lock);
        if (px_async_self) {
            p = &q->next;
        } else {
            *p = q->next;
            q->next = zombies;
            zombies = q;
        }
    }
    pthread_mutex_unlock(&px_async_map_lock);
    px_async_reap(zombies);
}

/* BEGIN GENERATED by tools/gen-async.py from include/isoiec23465.h: do not edit below. */
// clang-format off
typedef struct px_job_getSecurityDeviceList {
    px_async_job job;
    const char *spec;
    isoIec23465_SecurityDeviceList **list;
} px_job_getSecurityDeviceList;

static isoIec23465_Status px_run_getSecurityDeviceList(px_async_job *job)
{
    px_job_getSecurityDeviceList *args = (void *)job;
    return isoIec23465_getSecurityDeviceList(args->spec, args->list);
}

isoIec23465_Status isoIec23465_getSecurityDeviceList_async(
    const char *spec, isoIec23465_SecurityDeviceList **list, isoIec23465_Callback callback,
    void *user)
{
    px_job_getSecurityDeviceList *args = px_async_job_new(
        sizeof *args, px_run_getSecurityDeviceList, callback, user);
    if (!args)
        return px_error_last();
    args->spec = spec;
    args->list = list;
    return px_async_submit(&args->job, NULL);
}

typedef struct px_job_SecurityDeviceList_getCount {
    px_async_job job;
    const isoIec23465_SecurityDeviceList *list;
    size_t *count;
} px_job_SecurityDeviceList_getCount;

static isoIec23465_Status px_run_SecurityDeviceList_getCount(px_async_job *job)
{
    px_job_SecurityDeviceList_getCount *args = (void *)job;
    return isoIec23465_SecurityDeviceList_getCount(args->list, args->count);
}

isoIec23465_Status isoIec23465_SecurityDeviceList_getCount_async(
    const isoIec23465_SecurityDeviceList *list, size_t *count, isoIec23465_Callback callback,
    void *user)
{
    px_job_SecurityDeviceList_getCount *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceList_getCount, callback, user);
    if (!args)
        return px_error_last();
    args->list = list;
    args->count = count;
    return px_async_submit(&args->job, list);
}

typedef struct px_job_SecurityDeviceList_getEntry {
    px_async_job job;
    isoIec23465_SecurityDeviceList *list;
    size_t index;
    isoIec23465_SecurityDeviceEntry **entry;
} px_job_SecurityDeviceList_getEntry;

static isoIec23465_Status px_run_SecurityDeviceList_getEntry(px_async_job *job)
{
    px_job_SecurityDeviceList_getEntry *args = (void *)job;
    return isoIec23465_SecurityDeviceList_getEntry(args->list, args->index, args->entry);
}

isoIec23465_Status isoIec23465_SecurityDeviceList_getEntry_async(
    isoIec23465_SecurityDeviceList *list, size_t index, isoIec23465_SecurityDeviceEntry **entry,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceList_getEntry *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceList_getEntry, callback, user);
    if (!args)
        return px_error_last();
    args->list = list;
    args->index = index;
    args->entry = entry;
    return px_async_submit(&args->job, list);
}

typedef struct px_job_SecurityDeviceEntry_getAttribute {
    px_async_job job;
    const isoIec23465_SecurityDeviceEntry *entry;
    isoIec23465_DeviceAttribute attribute;
    char *buf;
    size_t *len;
} px_job_SecurityDeviceEntry_getAttribute;

static isoIec23465_Status px_run_SecurityDeviceEntry_getAttribute(px_async_job *job)
{
    px_job_SecurityDeviceEntry_getAttribute *args = (void *)job;
    return isoIec23465_SecurityDeviceEntry_getAttribute(
        args->entry, args->attribute, args->buf, args->len);
}

isoIec23465_Status isoIec23465_SecurityDeviceEntry_getAttribute_async(
    const isoIec23465_SecurityDeviceEntry *entry, isoIec23465_DeviceAttribute attribute, char *buf,
    size_t *len, isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceEntry_getAttribute *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceEntry_getAttribute, callback, user);
    if (!args)
        return px_error_last();
    args->entry = entry;
    args->attribute = attribute;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, entry);
}

typedef struct px_job_SecurityDeviceEntry_getAtr {
    px_async_job job;
    const isoIec23465_SecurityDeviceEntry *entry;
    uint8_t *buf;
    size_t *len;
} px_job_SecurityDeviceEntry_getAtr;

static isoIec23465_Status px_run_SecurityDeviceEntry_getAtr(px_async_job *job)
{
    px_job_SecurityDeviceEntry_getAtr *args = (void *)job;
    return isoIec23465_SecurityDeviceEntry_getAtr(args->entry, args->buf, args->len);
}

isoIec23465_Status isoIec23465_SecurityDeviceEntry_getAtr_async(
    const isoIec23465_SecurityDeviceEntry *entry, uint8_t *buf, size_t *len,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceEntry_getAtr *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceEntry_getAtr, callback, user);
    if (!args)
        return px_error_last();
    args->entry = entry;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, entry);
}

typedef struct px_job_SecurityDeviceEntry_getDeviceType {
    px_async_job job;
    const isoIec23465_SecurityDeviceEntry *entry;
    isoIec23465_DeviceType *type;
} px_job_SecurityDeviceEntry_getDeviceType;

static isoIec23465_Status px_run_SecurityDeviceEntry_getDeviceType(px_async_job *job)
{
    px_job_SecurityDeviceEntry_getDeviceType *args = (void *)job;
    return isoIec23465_SecurityDeviceEntry_getDeviceType(args->entry, args->type);
}

isoIec23465_Status isoIec23465_SecurityDeviceEntry_getDeviceType_async(
    const isoIec23465_SecurityDeviceEntry *entry, isoIec23465_DeviceType *type,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceEntry_getDeviceType *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceEntry_getDeviceType, callback, user);
    if (!args)
        return px_error_last();
    args->entry = entry;
    args->type = type;
    return px_async_submit(&args->job, entry);
}

typedef struct px_job_SecurityDeviceEntry_getInterface {
    px_async_job job;
    const isoIec23465_SecurityDeviceEntry *entry;
    isoIec23465_Interface *iface;
} px_job_SecurityDeviceEntry_getInterface;

static isoIec23465_Status px_run_SecurityDeviceEntry_getInterface(px_async_job *job)
{
    px_job_SecurityDeviceEntry_getInterface *args = (void *)job;
    return isoIec23465_SecurityDeviceEntry_getInterface(args->entry, args->iface);
}

isoIec23465_Status isoIec23465_SecurityDeviceEntry_getInterface_async(
    const isoIec23465_SecurityDeviceEntry *entry, isoIec23465_Interface *iface,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceEntry_getInterface *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceEntry_getInterface, callback, user);
    if (!args)
        return px_error_last();
    args->entry = entry;
    args->iface = iface;
    return px_async_submit(&args->job, entry);
}

typedef struct px_job_SecurityDeviceEntry_getPresence {
    px_async_job job;
    const isoIec23465_SecurityDeviceEntry *entry;
    isoIec23465_Presence *presence;
} px_job_SecurityDeviceEntry_getPresence;

static isoIec23465_Status px_run_SecurityDeviceEntry_getPresence(px_async_job *job)
{
    px_job_SecurityDeviceEntry_getPresence *args = (void *)job;
    return isoIec23465_SecurityDeviceEntry_getPresence(args->entry, args->presence);
}

isoIec23465_Status isoIec23465_SecurityDeviceEntry_getPresence_async(
    const isoIec23465_SecurityDeviceEntry *entry, isoIec23465_Presence *presence,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceEntry_getPresence *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceEntry_getPresence, callback, user);
    if (!args)
        return px_error_last();
    args->entry = entry;
    args->presence = presence;
    return px_async_submit(&args->job, entry);
}

typedef struct px_job_connectSecurityDevice {
    px_async_job job;
    const isoIec23465_SecurityDeviceEntry *entry;
    isoIec23465_SecurityDevice **device;
} px_job_connectSecurityDevice;

static isoIec23465_Status px_run_connectSecurityDevice(px_async_job *job)
{
    px_job_connectSecurityDevice *args = (void *)job;
    return isoIec23465_connectSecurityDevice(args->entry, args->device);
}

isoIec23465_Status isoIec23465_connectSecurityDevice_async(
    const isoIec23465_SecurityDeviceEntry *entry, isoIec23465_SecurityDevice **device,
    isoIec23465_Callback callback, void *user)
{
    px_job_connectSecurityDevice *args = px_async_job_new(
        sizeof *args, px_run_connectSecurityDevice, callback, user);
    if (!args)
        return px_error_last();
    args->entry = entry;
    args->device = device;
    return px_async_submit(&args->job, entry);
}

typedef struct px_job_connectSecurityDeviceBySpec {
    px_async_job job;
    const char *spec;
    isoIec23465_SecurityDevice **device;
} px_job_connectSecurityDeviceBySpec;

static isoIec23465_Status px_run_connectSecurityDeviceBySpec(px_async_job *job)
{
    px_job_connectSecurityDeviceBySpec *args = (void *)job;
    return isoIec23465_connectSecurityDeviceBySpec(args->spec, args->device);
}

isoIec23465_Status isoIec23465_connectSecurityDeviceBySpec_async(
    const char *spec, isoIec23465_SecurityDevice **device, isoIec23465_Callback callback,
    void *user)
{
    px_job_connectSecurityDeviceBySpec *args = px_async_job_new(
        sizeof *args, px_run_connectSecurityDeviceBySpec, callback, user);
    if (!args)
        return px_error_last();
    args->spec = spec;
    args->device = device;
    return px_async_submit(&args->job, NULL);
}

typedef struct px_job_disconnectSecurityDevice {
    px_async_job job;
    isoIec23465_SecurityDevice *device;
} px_job_disconnectSecurityDevice;

static isoIec23465_Status px_run_disconnectSecurityDevice(px_async_job *job)
{
    px_job_disconnectSecurityDevice *args = (void *)job;
    return isoIec23465_disconnectSecurityDevice(args->device);
}

isoIec23465_Status isoIec23465_disconnectSecurityDevice_async(
    isoIec23465_SecurityDevice *device, isoIec23465_Callback callback, void *user)
{
    px_job_disconnectSecurityDevice *args = px_async_job_new(
        sizeof *args, px_run_disconnectSecurityDevice, callback, user);
    if (!args)
        return px_error_last();
    args->device = device;
    return px_async_submit(&args->job, device);
}

typedef struct px_job_SecurityDevice_getRootApplication {
    px_async_job job;
    isoIec23465_SecurityDevice *device;
    isoIec23465_RootApplication **root;
} px_job_SecurityDevice_getRootApplication;

static isoIec23465_Status px_run_SecurityDevice_getRootApplication(px_async_job *job)
{
    px_job_SecurityDevice_getRootApplication *args = (void *)job;
    return isoIec23465_SecurityDevice_getRootApplication(args->device, args->root);
}

isoIec23465_Status isoIec23465_SecurityDevice_getRootApplication_async(
    isoIec23465_SecurityDevice *device, isoIec23465_RootApplication **root,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDevice_getRootApplication *args = px_async_job_new(
        sizeof *args, px_run_SecurityDevice_getRootApplication, callback, user);
    if (!args)
        return px_error_last();
    args->device = device;
    args->root = root;
    return px_async_submit(&args->job, device);
}

typedef struct px_job_Object_getType {
    px_async_job job;
    const isoIec23465_Object *object;
    isoIec23465_ObjectType *type;
} px_job_Object_getType;

static isoIec23465_Status px_run_Object_getType(px_async_job *job)
{
    px_job_Object_getType *args = (void *)job;
    return isoIec23465_Object_getType(args->object, args->type);
}

isoIec23465_Status isoIec23465_Object_getType_async(
    const isoIec23465_Object *object, isoIec23465_ObjectType *type, isoIec23465_Callback callback,
    void *user)
{
    px_job_Object_getType *args = px_async_job_new(
        sizeof *args, px_run_Object_getType, callback, user);
    if (!args)
        return px_error_last();
    args->object = object;
    args->type = type;
    return px_async_submit(&args->job, object);
}

typedef struct px_job_Object_getLabel {
    px_async_job job;
    const isoIec23465_Object *object;
    char *buf;
    size_t *len;
} px_job_Object_getLabel;

static isoIec23465_Status px_run_Object_getLabel(px_async_job *job)
{
    px_job_Object_getLabel *args = (void *)job;
    return isoIec23465_Object_getLabel(args->object, args->buf, args->len);
}

isoIec23465_Status isoIec23465_Object_getLabel_async(
    const isoIec23465_Object *object, char *buf, size_t *len, isoIec23465_Callback callback,
    void *user)
{
    px_job_Object_getLabel *args = px_async_job_new(
        sizeof *args, px_run_Object_getLabel, callback, user);
    if (!args)
        return px_error_last();
    args->object = object;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, object);
}

typedef struct px_job_Object_getIdentifier {
    px_async_job job;
    const isoIec23465_Object *object;
    uint8_t *buf;
    size_t *len;
} px_job_Object_getIdentifier;

static isoIec23465_Status px_run_Object_getIdentifier(px_async_job *job)
{
    px_job_Object_getIdentifier *args = (void *)job;
    return isoIec23465_Object_getIdentifier(args->object, args->buf, args->len);
}

isoIec23465_Status isoIec23465_Object_getIdentifier_async(
    const isoIec23465_Object *object, uint8_t *buf, size_t *len, isoIec23465_Callback callback,
    void *user)
{
    px_job_Object_getIdentifier *args = px_async_job_new(
        sizeof *args, px_run_Object_getIdentifier, callback, user);
    if (!args)
        return px_error_last();
    args->object = object;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, object);
}

typedef struct px_job_Object_getAttributes {
    px_async_job job;
    const isoIec23465_Object *object;
    uint8_t *buf;
    size_t *len;
} px_job_Object_getAttributes;

static isoIec23465_Status px_run_Object_getAttributes(px_async_job *job)
{
    px_job_Object_getAttributes *args = (void *)job;
    return isoIec23465_Object_getAttributes(args->object, args->buf, args->len);
}

isoIec23465_Status isoIec23465_Object_getAttributes_async(
    const isoIec23465_Object *object, uint8_t *buf, size_t *len, isoIec23465_Callback callback,
    void *user)
{
    px_job_Object_getAttributes *args = px_async_job_new(
        sizeof *args, px_run_Object_getAttributes, callback, user);
    if (!args)
        return px_error_last();
    args->object = object;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, object);
}

typedef struct px_job_SecurityDeviceApplication_getAid {
    px_async_job job;
    const isoIec23465_SecurityDeviceApplication *app;
    uint8_t *buf;
    size_t *len;
} px_job_SecurityDeviceApplication_getAid;

static isoIec23465_Status px_run_SecurityDeviceApplication_getAid(px_async_job *job)
{
    px_job_SecurityDeviceApplication_getAid *args = (void *)job;
    return isoIec23465_SecurityDeviceApplication_getAid(args->app, args->buf, args->len);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_getAid_async(
    const isoIec23465_SecurityDeviceApplication *app, uint8_t *buf, size_t *len,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceApplication_getAid *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceApplication_getAid, callback, user);
    if (!args)
        return px_error_last();
    args->app = app;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, app);
}

typedef struct px_job_SecurityDeviceApplication_findObject {
    px_async_job job;
    isoIec23465_SecurityDeviceApplication *app;
    const char *label;
    isoIec23465_Object **object;
} px_job_SecurityDeviceApplication_findObject;

static isoIec23465_Status px_run_SecurityDeviceApplication_findObject(px_async_job *job)
{
    px_job_SecurityDeviceApplication_findObject *args = (void *)job;
    return isoIec23465_SecurityDeviceApplication_findObject(args->app, args->label, args->object);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_findObject_async(
    isoIec23465_SecurityDeviceApplication *app, const char *label, isoIec23465_Object **object,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceApplication_findObject *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceApplication_findObject, callback, user);
    if (!args)
        return px_error_last();
    args->app = app;
    args->label = label;
    args->object = object;
    return px_async_submit(&args->job, app);
}

typedef struct px_job_SecurityDeviceApplication_findObjectByIdentifier {
    px_async_job job;
    isoIec23465_SecurityDeviceApplication *app;
    const uint8_t *identifier;
    size_t identifierLen;
    isoIec23465_Object **object;
} px_job_SecurityDeviceApplication_findObjectByIdentifier;

static isoIec23465_Status px_run_SecurityDeviceApplication_findObjectByIdentifier(px_async_job *job)
{
    px_job_SecurityDeviceApplication_findObjectByIdentifier *args = (void *)job;
    return isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(
        args->app, args->identifier, args->identifierLen, args->object);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_findObjectByIdentifier_async(
    isoIec23465_SecurityDeviceApplication *app, const uint8_t *identifier, size_t identifierLen,
    isoIec23465_Object **object, isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceApplication_findObjectByIdentifier *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceApplication_findObjectByIdentifier, callback, user);
    if (!args)
        return px_error_last();
    args->app = app;
    args->identifier = identifier;
    args->identifierLen = identifierLen;
    args->object = object;
    return px_async_submit(&args->job, app);
}

typedef struct px_job_SecurityDeviceApplication_listObjects {
    px_async_job job;
    isoIec23465_SecurityDeviceApplication *app;
    isoIec23465_ObjectType type;
    isoIec23465_Object **objects;
    size_t *count;
} px_job_SecurityDeviceApplication_listObjects;

static isoIec23465_Status px_run_SecurityDeviceApplication_listObjects(px_async_job *job)
{
    px_job_SecurityDeviceApplication_listObjects *args = (void *)job;
    return isoIec23465_SecurityDeviceApplication_listObjects(
        args->app, args->type, args->objects, args->count);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_listObjects_async(
    isoIec23465_SecurityDeviceApplication *app, isoIec23465_ObjectType type,
    isoIec23465_Object **objects, size_t *count, isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceApplication_listObjects *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceApplication_listObjects, callback, user);
    if (!args)
        return px_error_last();
    args->app = app;
    args->type = type;
    args->objects = objects;
    args->count = count;
    return px_async_submit(&args->job, app);
}

typedef struct px_job_SecurityDeviceApplication_getLifeCycleState {
    px_async_job job;
    isoIec23465_SecurityDeviceApplication *app;
    isoIec23465_LifeCycleState *state;
} px_job_SecurityDeviceApplication_getLifeCycleState;

static isoIec23465_Status px_run_SecurityDeviceApplication_getLifeCycleState(px_async_job *job)
{
    px_job_SecurityDeviceApplication_getLifeCycleState *args = (void *)job;
    return isoIec23465_SecurityDeviceApplication_getLifeCycleState(args->app, args->state);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_getLifeCycleState_async(
    isoIec23465_SecurityDeviceApplication *app, isoIec23465_LifeCycleState *state,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceApplication_getLifeCycleState *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceApplication_getLifeCycleState, callback, user);
    if (!args)
        return px_error_last();
    args->app = app;
    args->state = state;
    return px_async_submit(&args->job, app);
}

typedef struct px_job_SecurityDeviceApplication_close {
    px_async_job job;
    isoIec23465_SecurityDeviceApplication *app;
} px_job_SecurityDeviceApplication_close;

static isoIec23465_Status px_run_SecurityDeviceApplication_close(px_async_job *job)
{
    px_job_SecurityDeviceApplication_close *args = (void *)job;
    return isoIec23465_SecurityDeviceApplication_close(args->app);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_close_async(
    isoIec23465_SecurityDeviceApplication *app, isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceApplication_close *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceApplication_close, callback, user);
    if (!args)
        return px_error_last();
    args->app = app;
    return px_async_submit(&args->job, app);
}

typedef struct px_job_SecurityDeviceApplication_createDataContainer {
    px_async_job job;
    isoIec23465_SecurityDeviceApplication *app;
    const char *label;
    const uint8_t *identifier;
    size_t identifierLen;
    size_t size;
    isoIec23465_DataContainer **container;
} px_job_SecurityDeviceApplication_createDataContainer;

static isoIec23465_Status px_run_SecurityDeviceApplication_createDataContainer(px_async_job *job)
{
    px_job_SecurityDeviceApplication_createDataContainer *args = (void *)job;
    return isoIec23465_SecurityDeviceApplication_createDataContainer(
        args->app, args->label, args->identifier, args->identifierLen, args->size, args->container);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_createDataContainer_async(
    isoIec23465_SecurityDeviceApplication *app, const char *label, const uint8_t *identifier,
    size_t identifierLen, size_t size, isoIec23465_DataContainer **container,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceApplication_createDataContainer *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceApplication_createDataContainer, callback, user);
    if (!args)
        return px_error_last();
    args->app = app;
    args->label = label;
    args->identifier = identifier;
    args->identifierLen = identifierLen;
    args->size = size;
    args->container = container;
    return px_async_submit(&args->job, app);
}

typedef struct px_job_SecurityDeviceApplication_deleteObject {
    px_async_job job;
    isoIec23465_SecurityDeviceApplication *app;
    isoIec23465_Object *object;
} px_job_SecurityDeviceApplication_deleteObject;

static isoIec23465_Status px_run_SecurityDeviceApplication_deleteObject(px_async_job *job)
{
    px_job_SecurityDeviceApplication_deleteObject *args = (void *)job;
    return isoIec23465_SecurityDeviceApplication_deleteObject(args->app, args->object);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_deleteObject_async(
    isoIec23465_SecurityDeviceApplication *app, isoIec23465_Object *object,
    isoIec23465_Callback callback, void *user)
{
    px_job_SecurityDeviceApplication_deleteObject *args = px_async_job_new(
        sizeof *args, px_run_SecurityDeviceApplication_deleteObject, callback, user);
    if (!args)
        return px_error_last();
    args->app = app;
    args->object = object;
    return px_async_submit(&args->job, app);
}

typedef struct px_job_RootApplication_getSecurityDeviceAttribute {
    px_async_job job;
    const isoIec23465_RootApplication *root;
    isoIec23465_DeviceAttribute attribute;
    char *buf;
    size_t *len;
} px_job_RootApplication_getSecurityDeviceAttribute;

static isoIec23465_Status px_run_RootApplication_getSecurityDeviceAttribute(px_async_job *job)
{
    px_job_RootApplication_getSecurityDeviceAttribute *args = (void *)job;
    return isoIec23465_RootApplication_getSecurityDeviceAttribute(
        args->root, args->attribute, args->buf, args->len);
}

isoIec23465_Status isoIec23465_RootApplication_getSecurityDeviceAttribute_async(
    const isoIec23465_RootApplication *root, isoIec23465_DeviceAttribute attribute, char *buf,
    size_t *len, isoIec23465_Callback callback, void *user)
{
    px_job_RootApplication_getSecurityDeviceAttribute *args = px_async_job_new(
        sizeof *args, px_run_RootApplication_getSecurityDeviceAttribute, callback, user);
    if (!args)
        return px_error_last();
    args->root = root;
    args->attribute = attribute;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, root);
}

typedef struct px_job_RootApplication_openApplication {
    px_async_job job;
    isoIec23465_RootApplication *root;
    const uint8_t *aid;
    size_t aidLen;
    isoIec23465_SecurityDeviceApplication **app;
} px_job_RootApplication_openApplication;

static isoIec23465_Status px_run_RootApplication_openApplication(px_async_job *job)
{
    px_job_RootApplication_openApplication *args = (void *)job;
    return isoIec23465_RootApplication_openApplication(
        args->root, args->aid, args->aidLen, args->app);
}

isoIec23465_Status isoIec23465_RootApplication_openApplication_async(
    isoIec23465_RootApplication *root, const uint8_t *aid, size_t aidLen,
    isoIec23465_SecurityDeviceApplication **app, isoIec23465_Callback callback, void *user)
{
    px_job_RootApplication_openApplication *args = px_async_job_new(
        sizeof *args, px_run_RootApplication_openApplication, callback, user);
    if (!args)
        return px_error_last();
    args->root = root;
    args->aid = aid;
    args->aidLen = aidLen;
    args->app = app;
    return px_async_submit(&args->job, root);
}

typedef struct px_job_RootApplication_listApplications {
    px_async_job job;
    isoIec23465_RootApplication *root;
    isoIec23465_SecurityDeviceApplication **apps;
    size_t *count;
} px_job_RootApplication_listApplications;

static isoIec23465_Status px_run_RootApplication_listApplications(px_async_job *job)
{
    px_job_RootApplication_listApplications *args = (void *)job;
    return isoIec23465_RootApplication_listApplications(args->root, args->apps, args->count);
}

isoIec23465_Status isoIec23465_RootApplication_listApplications_async(
    isoIec23465_RootApplication *root, isoIec23465_SecurityDeviceApplication **apps, size_t *count,
    isoIec23465_Callback callback, void *user)
{
    px_job_RootApplication_listApplications *args = px_async_job_new(
        sizeof *args, px_run_RootApplication_listApplications, callback, user);
    if (!args)
        return px_error_last();
    args->root = root;
    args->apps = apps;
    args->count = count;
    return px_async_submit(&args->job, root);
}

typedef struct px_job_RootApplication_getRandom {
    px_async_job job;
    isoIec23465_RootApplication *root;
    uint8_t *buf;
    size_t len;
} px_job_RootApplication_getRandom;

static isoIec23465_Status px_run_RootApplication_getRandom(px_async_job *job)
{
    px_job_RootApplication_getRandom *args = (void *)job;
    return isoIec23465_RootApplication_getRandom(args->root, args->buf, args->len);
}

isoIec23465_Status isoIec23465_RootApplication_getRandom_async(
    isoIec23465_RootApplication *root, uint8_t *buf, size_t len, isoIec23465_Callback callback,
    void *user)
{
    px_job_RootApplication_getRandom *args = px_async_job_new(
        sizeof *args, px_run_RootApplication_getRandom, callback, user);
    if (!args)
        return px_error_last();
    args->root = root;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, root);
}

typedef struct px_job_RootApplication_createApplication {
    px_async_job job;
    isoIec23465_RootApplication *root;
    const uint8_t *aid;
    size_t aidLen;
    const char *label;
    isoIec23465_SecurityDeviceApplication **app;
} px_job_RootApplication_createApplication;

static isoIec23465_Status px_run_RootApplication_createApplication(px_async_job *job)
{
    px_job_RootApplication_createApplication *args = (void *)job;
    return isoIec23465_RootApplication_createApplication(
        args->root, args->aid, args->aidLen, args->label, args->app);
}

isoIec23465_Status isoIec23465_RootApplication_createApplication_async(
    isoIec23465_RootApplication *root, const uint8_t *aid, size_t aidLen, const char *label,
    isoIec23465_SecurityDeviceApplication **app, isoIec23465_Callback callback, void *user)
{
    px_job_RootApplication_createApplication *args = px_async_job_new(
        sizeof *args, px_run_RootApplication_createApplication, callback, user);
    if (!args)
        return px_error_last();
    args->root = root;
    args->aid = aid;
    args->aidLen = aidLen;
    args->label = label;
    args->app = app;
    return px_async_submit(&args->job, root);
}

typedef struct px_job_RootApplication_deleteApplication {
    px_async_job job;
    isoIec23465_RootApplication *root;
    isoIec23465_SecurityDeviceApplication *app;
} px_job_RootApplication_deleteApplication;

static isoIec23465_Status px_run_RootApplication_deleteApplication(px_async_job *job)
{
    px_job_RootApplication_deleteApplication *args = (void *)job;
    return isoIec23465_RootApplication_deleteApplication(args->root, args->app);
}

isoIec23465_Status isoIec23465_RootApplication_deleteApplication_async(
    isoIec23465_RootApplication *root, isoIec23465_SecurityDeviceApplication *app,
    isoIec23465_Callback callback, void *user)
{
    px_job_RootApplication_deleteApplication *args = px_async_job_new(
        sizeof *args, px_run_RootApplication_deleteApplication, callback, user);
    if (!args)
        return px_error_last();
    args->root = root;
    args->app = app;
    return px_async_submit(&args->job, root);
}

typedef struct px_job_SensitiveContainer_getAccessConditions {
    px_async_job job;
    const isoIec23465_SensitiveContainer *container;
    isoIec23465_Operation operation;
    isoIec23465_AccessCondition *condition;
} px_job_SensitiveContainer_getAccessConditions;

static isoIec23465_Status px_run_SensitiveContainer_getAccessConditions(px_async_job *job)
{
    px_job_SensitiveContainer_getAccessConditions *args = (void *)job;
    return isoIec23465_SensitiveContainer_getAccessConditions(
        args->container, args->operation, args->condition);
}

isoIec23465_Status isoIec23465_SensitiveContainer_getAccessConditions_async(
    const isoIec23465_SensitiveContainer *container, isoIec23465_Operation operation,
    isoIec23465_AccessCondition *condition, isoIec23465_Callback callback, void *user)
{
    px_job_SensitiveContainer_getAccessConditions *args = px_async_job_new(
        sizeof *args, px_run_SensitiveContainer_getAccessConditions, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->operation = operation;
    args->condition = condition;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_SensitiveContainer_getProtectingAuthenticator {
    px_async_job job;
    isoIec23465_SensitiveContainer *container;
    isoIec23465_Operation operation;
    isoIec23465_Authenticator **authenticator;
} px_job_SensitiveContainer_getProtectingAuthenticator;

static isoIec23465_Status px_run_SensitiveContainer_getProtectingAuthenticator(px_async_job *job)
{
    px_job_SensitiveContainer_getProtectingAuthenticator *args = (void *)job;
    return isoIec23465_SensitiveContainer_getProtectingAuthenticator(
        args->container, args->operation, args->authenticator);
}

isoIec23465_Status isoIec23465_SensitiveContainer_getProtectingAuthenticator_async(
    isoIec23465_SensitiveContainer *container, isoIec23465_Operation operation,
    isoIec23465_Authenticator **authenticator, isoIec23465_Callback callback, void *user)
{
    px_job_SensitiveContainer_getProtectingAuthenticator *args = px_async_job_new(
        sizeof *args, px_run_SensitiveContainer_getProtectingAuthenticator, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->operation = operation;
    args->authenticator = authenticator;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_getData {
    px_async_job job;
    isoIec23465_DataContainer *container;
    uint8_t *buf;
    size_t *len;
} px_job_DataContainer_getData;

static isoIec23465_Status px_run_DataContainer_getData(px_async_job *job)
{
    px_job_DataContainer_getData *args = (void *)job;
    return isoIec23465_DataContainer_getData(args->container, args->buf, args->len);
}

isoIec23465_Status isoIec23465_DataContainer_getData_async(
    isoIec23465_DataContainer *container, uint8_t *buf, size_t *len, isoIec23465_Callback callback,
    void *user)
{
    px_job_DataContainer_getData *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_getData, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_getDataRange {
    px_async_job job;
    isoIec23465_DataContainer *container;
    size_t offset;
    size_t length;
    uint8_t *buf;
    size_t *len;
} px_job_DataContainer_getDataRange;

static isoIec23465_Status px_run_DataContainer_getDataRange(px_async_job *job)
{
    px_job_DataContainer_getDataRange *args = (void *)job;
    return isoIec23465_DataContainer_getDataRange(args->container, args->offset, args->length,
                                                  args->buf, args->len);
}

isoIec23465_Status isoIec23465_DataContainer_getDataRange_async(
    isoIec23465_DataContainer *container, size_t offset, size_t length, uint8_t *buf, size_t *len,
    isoIec23465_Callback callback, void *user)
{
    px_job_DataContainer_getDataRange *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_getDataRange, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->offset = offset;
    args->length = length;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_getSize {
    px_async_job job;
    isoIec23465_DataContainer *container;
    size_t *size;
} px_job_DataContainer_getSize;

static isoIec23465_Status px_run_DataContainer_getSize(px_async_job *job)
{
    px_job_DataContainer_getSize *args = (void *)job;
    return isoIec23465_DataContainer_getSize(args->container, args->size);
}

isoIec23465_Status isoIec23465_DataContainer_getSize_async(
    isoIec23465_DataContainer *container, size_t *size, isoIec23465_Callback callback, void *user)
{
    px_job_DataContainer_getSize *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_getSize, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->size = size;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_setData {
    px_async_job job;
    isoIec23465_DataContainer *container;
    size_t offset;
    const uint8_t *data;
    size_t len;
} px_job_DataContainer_setData;

static isoIec23465_Status px_run_DataContainer_setData(px_async_job *job)
{
    px_job_DataContainer_setData *args = (void *)job;
    return isoIec23465_DataContainer_setData(args->container, args->offset, args->data, args->len);
}

isoIec23465_Status isoIec23465_DataContainer_setData_async(
    isoIec23465_DataContainer *container, size_t offset, const uint8_t *data, size_t len,
    isoIec23465_Callback callback, void *user)
{
    px_job_DataContainer_setData *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_setData, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->offset = offset;
    args->data = data;
    args->len = len;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_erase {
    px_async_job job;
    isoIec23465_DataContainer *container;
} px_job_DataContainer_erase;

static isoIec23465_Status px_run_DataContainer_erase(px_async_job *job)
{
    px_job_DataContainer_erase *args = (void *)job;
    return isoIec23465_DataContainer_erase(args->container);
}

isoIec23465_Status isoIec23465_DataContainer_erase_async(
    isoIec23465_DataContainer *container, isoIec23465_Callback callback, void *user)
{
    px_job_DataContainer_erase *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_erase, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_getRecord {
    px_async_job job;
    isoIec23465_DataContainer *container;
    unsigned recordNumber;
    uint8_t *buf;
    size_t *len;
} px_job_DataContainer_getRecord;

static isoIec23465_Status px_run_DataContainer_getRecord(px_async_job *job)
{
    px_job_DataContainer_getRecord *args = (void *)job;
    return isoIec23465_DataContainer_getRecord(args->container, args->recordNumber, args->buf,
                                               args->len);
}

isoIec23465_Status isoIec23465_DataContainer_getRecord_async(
    isoIec23465_DataContainer *container, unsigned recordNumber, uint8_t *buf, size_t *len,
    isoIec23465_Callback callback, void *user)
{
    px_job_DataContainer_getRecord *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_getRecord, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->recordNumber = recordNumber;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_setRecord {
    px_async_job job;
    isoIec23465_DataContainer *container;
    unsigned recordNumber;
    const uint8_t *data;
    size_t len;
} px_job_DataContainer_setRecord;

static isoIec23465_Status px_run_DataContainer_setRecord(px_async_job *job)
{
    px_job_DataContainer_setRecord *args = (void *)job;
    return isoIec23465_DataContainer_setRecord(args->container, args->recordNumber, args->data,
                                               args->len);
}

isoIec23465_Status isoIec23465_DataContainer_setRecord_async(
    isoIec23465_DataContainer *container, unsigned recordNumber, const uint8_t *data, size_t len,
    isoIec23465_Callback callback, void *user)
{
    px_job_DataContainer_setRecord *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_setRecord, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->recordNumber = recordNumber;
    args->data = data;
    args->len = len;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_appendRecord {
    px_async_job job;
    isoIec23465_DataContainer *container;
    const uint8_t *data;
    size_t len;
} px_job_DataContainer_appendRecord;

static isoIec23465_Status px_run_DataContainer_appendRecord(px_async_job *job)
{
    px_job_DataContainer_appendRecord *args = (void *)job;
    return isoIec23465_DataContainer_appendRecord(args->container, args->data, args->len);
}

isoIec23465_Status isoIec23465_DataContainer_appendRecord_async(
    isoIec23465_DataContainer *container, const uint8_t *data, size_t len,
    isoIec23465_Callback callback, void *user)
{
    px_job_DataContainer_appendRecord *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_appendRecord, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->data = data;
    args->len = len;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_DataContainer_getRecordCount {
    px_async_job job;
    isoIec23465_DataContainer *container;
    size_t *count;
} px_job_DataContainer_getRecordCount;

static isoIec23465_Status px_run_DataContainer_getRecordCount(px_async_job *job)
{
    px_job_DataContainer_getRecordCount *args = (void *)job;
    return isoIec23465_DataContainer_getRecordCount(args->container, args->count);
}

isoIec23465_Status isoIec23465_DataContainer_getRecordCount_async(
    isoIec23465_DataContainer *container, size_t *count, isoIec23465_Callback callback, void *user)
{
    px_job_DataContainer_getRecordCount *args = px_async_job_new(
        sizeof *args, px_run_DataContainer_getRecordCount, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->count = count;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_CertificateContainer_getCertificate {
    px_async_job job;
    isoIec23465_CertificateContainer *container;
    uint8_t *buf;
    size_t *len;
} px_job_CertificateContainer_getCertificate;

static isoIec23465_Status px_run_CertificateContainer_getCertificate(px_async_job *job)
{
    px_job_CertificateContainer_getCertificate *args = (void *)job;
    return isoIec23465_CertificateContainer_getCertificate(args->container, args->buf, args->len);
}

isoIec23465_Status isoIec23465_CertificateContainer_getCertificate_async(
    isoIec23465_CertificateContainer *container, uint8_t *buf, size_t *len,
    isoIec23465_Callback callback, void *user)
{
    px_job_CertificateContainer_getCertificate *args = px_async_job_new(
        sizeof *args, px_run_CertificateContainer_getCertificate, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_CertificateContainer_setCertificate {
    px_async_job job;
    isoIec23465_CertificateContainer *container;
    const uint8_t *der;
    size_t len;
} px_job_CertificateContainer_setCertificate;

static isoIec23465_Status px_run_CertificateContainer_setCertificate(px_async_job *job)
{
    px_job_CertificateContainer_setCertificate *args = (void *)job;
    return isoIec23465_CertificateContainer_setCertificate(args->container, args->der, args->len);
}

isoIec23465_Status isoIec23465_CertificateContainer_setCertificate_async(
    isoIec23465_CertificateContainer *container, const uint8_t *der, size_t len,
    isoIec23465_Callback callback, void *user)
{
    px_job_CertificateContainer_setCertificate *args = px_async_job_new(
        sizeof *args, px_run_CertificateContainer_setCertificate, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->der = der;
    args->len = len;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_CertificateContainer_getAssociatedKey {
    px_async_job job;
    isoIec23465_CertificateContainer *container;
    isoIec23465_PrivateKey **key;
} px_job_CertificateContainer_getAssociatedKey;

static isoIec23465_Status px_run_CertificateContainer_getAssociatedKey(px_async_job *job)
{
    px_job_CertificateContainer_getAssociatedKey *args = (void *)job;
    return isoIec23465_CertificateContainer_getAssociatedKey(args->container, args->key);
}

isoIec23465_Status isoIec23465_CertificateContainer_getAssociatedKey_async(
    isoIec23465_CertificateContainer *container, isoIec23465_PrivateKey **key,
    isoIec23465_Callback callback, void *user)
{
    px_job_CertificateContainer_getAssociatedKey *args = px_async_job_new(
        sizeof *args, px_run_CertificateContainer_getAssociatedKey, callback, user);
    if (!args)
        return px_error_last();
    args->container = container;
    args->key = key;
    return px_async_submit(&args->job, container);
}

typedef struct px_job_Authenticator_getStatus {
    px_async_job job;
    isoIec23465_Authenticator *auth;
    isoIec23465_AuthenticatorStatus *status;
} px_job_Authenticator_getStatus;

static isoIec23465_Status px_run_Authenticator_getStatus(px_async_job *job)
{
    px_job_Authenticator_getStatus *args = (void *)job;
    return isoIec23465_Authenticator_getStatus(args->auth, args->status);
}

isoIec23465_Status isoIec23465_Authenticator_getStatus_async(
    isoIec23465_Authenticator *auth, isoIec23465_AuthenticatorStatus *status,
    isoIec23465_Callback callback, void *user)
{
    px_job_Authenticator_getStatus *args = px_async_job_new(
        sizeof *args, px_run_Authenticator_getStatus, callback, user);
    if (!args)
        return px_error_last();
    args->auth = auth;
    args->status = status;
    return px_async_submit(&args->job, auth);
}

typedef struct px_job_Authenticator_getRemainingTries {
    px_async_job job;
    isoIec23465_Authenticator *auth;
    int *tries;
} px_job_Authenticator_getRemainingTries;

static isoIec23465_Status px_run_Authenticator_getRemainingTries(px_async_job *job)
{
    px_job_Authenticator_getRemainingTries *args = (void *)job;
    return isoIec23465_Authenticator_getRemainingTries(args->auth, args->tries);
}

isoIec23465_Status isoIec23465_Authenticator_getRemainingTries_async(
    isoIec23465_Authenticator *auth, int *tries, isoIec23465_Callback callback, void *user)
{
    px_job_Authenticator_getRemainingTries *args = px_async_job_new(
        sizeof *args, px_run_Authenticator_getRemainingTries, callback, user);
    if (!args)
        return px_error_last();
    args->auth = auth;
    args->tries = tries;
    return px_async_submit(&args->job, auth);
}

typedef struct px_job_Authenticator_getMaxTries {
    px_async_job job;
    isoIec23465_Authenticator *auth;
    int *tries;
} px_job_Authenticator_getMaxTries;

static isoIec23465_Status px_run_Authenticator_getMaxTries(px_async_job *job)
{
    px_job_Authenticator_getMaxTries *args = (void *)job;
    return isoIec23465_Authenticator_getMaxTries(args->auth, args->tries);
}

isoIec23465_Status isoIec23465_Authenticator_getMaxTries_async(
    isoIec23465_Authenticator *auth, int *tries, isoIec23465_Callback callback, void *user)
{
    px_job_Authenticator_getMaxTries *args = px_async_job_new(
        sizeof *args, px_run_Authenticator_getMaxTries, callback, user);
    if (!args)
        return px_error_last();
    args->auth = auth;
    args->tries = tries;
    return px_async_submit(&args->job, auth);
}

typedef struct px_job_Authenticator_resetStatus {
    px_async_job job;
    isoIec23465_Authenticator *auth;
} px_job_Authenticator_resetStatus;

static isoIec23465_Status px_run_Authenticator_resetStatus(px_async_job *job)
{
    px_job_Authenticator_resetStatus *args = (void *)job;
    return isoIec23465_Authenticator_resetStatus(args->auth);
}

isoIec23465_Status isoIec23465_Authenticator_resetStatus_async(
    isoIec23465_Authenticator *auth, isoIec23465_Callback callback, void *user)
{
    px_job_Authenticator_resetStatus *args = px_async_job_new(
        sizeof *args, px_run_Authenticator_resetStatus, callback, user);
    if (!args)
        return px_error_last();
    args->auth = auth;
    return px_async_submit(&args->job, auth);
}

typedef struct px_job_Password_verify {
    px_async_job job;
    isoIec23465_Password *password;
    const uint8_t *value;
    size_t len;
} px_job_Password_verify;

static isoIec23465_Status px_run_Password_verify(px_async_job *job)
{
    px_job_Password_verify *args = (void *)job;
    return isoIec23465_Password_verify(args->password, args->value, args->len);
}

isoIec23465_Status isoIec23465_Password_verify_async(
    isoIec23465_Password *password, const uint8_t *value, size_t len, isoIec23465_Callback callback,
    void *user)
{
    px_job_Password_verify *args = px_async_job_new(
        sizeof *args, px_run_Password_verify, callback, user);
    if (!args)
        return px_error_last();
    args->password = password;
    args->value = value;
    args->len = len;
    return px_async_submit(&args->job, password);
}

typedef struct px_job_Password_change {
    px_async_job job;
    isoIec23465_Password *password;
    const uint8_t *oldValue;
    size_t oldLen;
    const uint8_t *newValue;
    size_t newLen;
} px_job_Password_change;

static isoIec23465_Status px_run_Password_change(px_async_job *job)
{
    px_job_Password_change *args = (void *)job;
    return isoIec23465_Password_change(args->password, args->oldValue, args->oldLen, args->newValue,
                                       args->newLen);
}

isoIec23465_Status isoIec23465_Password_change_async(
    isoIec23465_Password *password, const uint8_t *oldValue, size_t oldLen, const uint8_t *newValue,
    size_t newLen, isoIec23465_Callback callback, void *user)
{
    px_job_Password_change *args = px_async_job_new(
        sizeof *args, px_run_Password_change, callback, user);
    if (!args)
        return px_error_last();
    args->password = password;
    args->oldValue = oldValue;
    args->oldLen = oldLen;
    args->newValue = newValue;
    args->newLen = newLen;
    return px_async_submit(&args->job, password);
}

typedef struct px_job_Password_unblock {
    px_async_job job;
    isoIec23465_Password *password;
    const uint8_t *resetCode;
    size_t resetCodeLen;
    const uint8_t *newValue;
    size_t newLen;
} px_job_Password_unblock;

static isoIec23465_Status px_run_Password_unblock(px_async_job *job)
{
    px_job_Password_unblock *args = (void *)job;
    return isoIec23465_Password_unblock(args->password, args->resetCode, args->resetCodeLen,
                                        args->newValue, args->newLen);
}

isoIec23465_Status isoIec23465_Password_unblock_async(
    isoIec23465_Password *password, const uint8_t *resetCode, size_t resetCodeLen,
    const uint8_t *newValue, size_t newLen, isoIec23465_Callback callback, void *user)
{
    px_job_Password_unblock *args = px_async_job_new(
        sizeof *args, px_run_Password_unblock, callback, user);
    if (!args)
        return px_error_last();
    args->password = password;
    args->resetCode = resetCode;
    args->resetCodeLen = resetCodeLen;
    args->newValue = newValue;
    args->newLen = newLen;
    return px_async_submit(&args->job, password);
}

typedef struct px_job_Password_enableRequirement {
    px_async_job job;
    isoIec23465_Password *password;
    const uint8_t *value;
    size_t len;
} px_job_Password_enableRequirement;

static isoIec23465_Status px_run_Password_enableRequirement(px_async_job *job)
{
    px_job_Password_enableRequirement *args = (void *)job;
    return isoIec23465_Password_enableRequirement(args->password, args->value, args->len);
}

isoIec23465_Status isoIec23465_Password_enableRequirement_async(
    isoIec23465_Password *password, const uint8_t *value, size_t len, isoIec23465_Callback callback,
    void *user)
{
    px_job_Password_enableRequirement *args = px_async_job_new(
        sizeof *args, px_run_Password_enableRequirement, callback, user);
    if (!args)
        return px_error_last();
    args->password = password;
    args->value = value;
    args->len = len;
    return px_async_submit(&args->job, password);
}

typedef struct px_job_Password_disableRequirement {
    px_async_job job;
    isoIec23465_Password *password;
    const uint8_t *value;
    size_t len;
} px_job_Password_disableRequirement;

static isoIec23465_Status px_run_Password_disableRequirement(px_async_job *job)
{
    px_job_Password_disableRequirement *args = (void *)job;
    return isoIec23465_Password_disableRequirement(args->password, args->value, args->len);
}

isoIec23465_Status isoIec23465_Password_disableRequirement_async(
    isoIec23465_Password *password, const uint8_t *value, size_t len, isoIec23465_Callback callback,
    void *user)
{
    px_job_Password_disableRequirement *args = px_async_job_new(
        sizeof *args, px_run_Password_disableRequirement, callback, user);
    if (!args)
        return px_error_last();
    args->password = password;
    args->value = value;
    args->len = len;
    return px_async_submit(&args->job, password);
}

typedef struct px_job_Password_getLengthRange {
    px_async_job job;
    isoIec23465_Password *password;
    size_t *minLen;
    size_t *maxLen;
} px_job_Password_getLengthRange;

static isoIec23465_Status px_run_Password_getLengthRange(px_async_job *job)
{
    px_job_Password_getLengthRange *args = (void *)job;
    return isoIec23465_Password_getLengthRange(args->password, args->minLen, args->maxLen);
}

isoIec23465_Status isoIec23465_Password_getLengthRange_async(
    isoIec23465_Password *password, size_t *minLen, size_t *maxLen, isoIec23465_Callback callback,
    void *user)
{
    px_job_Password_getLengthRange *args = px_async_job_new(
        sizeof *args, px_run_Password_getLengthRange, callback, user);
    if (!args)
        return px_error_last();
    args->password = password;
    args->minLen = minLen;
    args->maxLen = maxLen;
    return px_async_submit(&args->job, password);
}

typedef struct px_job_Key_getKeyType {
    px_async_job job;
    isoIec23465_Key *key;
    isoIec23465_KeyType *type;
} px_job_Key_getKeyType;

static isoIec23465_Status px_run_Key_getKeyType(px_async_job *job)
{
    px_job_Key_getKeyType *args = (void *)job;
    return isoIec23465_Key_getKeyType(args->key, args->type);
}

isoIec23465_Status isoIec23465_Key_getKeyType_async(
    isoIec23465_Key *key, isoIec23465_KeyType *type, isoIec23465_Callback callback, void *user)
{
    px_job_Key_getKeyType *args = px_async_job_new(
        sizeof *args, px_run_Key_getKeyType, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->type = type;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_Key_getKeySize {
    px_async_job job;
    isoIec23465_Key *key;
    size_t *bits;
} px_job_Key_getKeySize;

static isoIec23465_Status px_run_Key_getKeySize(px_async_job *job)
{
    px_job_Key_getKeySize *args = (void *)job;
    return isoIec23465_Key_getKeySize(args->key, args->bits);
}

isoIec23465_Status isoIec23465_Key_getKeySize_async(
    isoIec23465_Key *key, size_t *bits, isoIec23465_Callback callback, void *user)
{
    px_job_Key_getKeySize *args = px_async_job_new(
        sizeof *args, px_run_Key_getKeySize, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->bits = bits;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_Key_getUsage {
    px_async_job job;
    isoIec23465_Key *key;
    unsigned *usage;
} px_job_Key_getUsage;

static isoIec23465_Status px_run_Key_getUsage(px_async_job *job)
{
    px_job_Key_getUsage *args = (void *)job;
    return isoIec23465_Key_getUsage(args->key, args->usage);
}

isoIec23465_Status isoIec23465_Key_getUsage_async(isoIec23465_Key *key, unsigned *usage,
                                                  isoIec23465_Callback callback, void *user)
{
    px_job_Key_getUsage *args = px_async_job_new(sizeof *args, px_run_Key_getUsage, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->usage = usage;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_Key_getSupportedMechanisms {
    px_async_job job;
    isoIec23465_Key *key;
    isoIec23465_Mechanism *mechanisms;
    size_t *count;
} px_job_Key_getSupportedMechanisms;

static isoIec23465_Status px_run_Key_getSupportedMechanisms(px_async_job *job)
{
    px_job_Key_getSupportedMechanisms *args = (void *)job;
    return isoIec23465_Key_getSupportedMechanisms(args->key, args->mechanisms, args->count);
}

isoIec23465_Status isoIec23465_Key_getSupportedMechanisms_async(
    isoIec23465_Key *key, isoIec23465_Mechanism *mechanisms, size_t *count,
    isoIec23465_Callback callback, void *user)
{
    px_job_Key_getSupportedMechanisms *args = px_async_job_new(
        sizeof *args, px_run_Key_getSupportedMechanisms, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanisms = mechanisms;
    args->count = count;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_AsymmetricKey_generateKeyPair {
    px_async_job job;
    isoIec23465_AsymmetricKey *key;
    isoIec23465_PublicKey **publicKey;
} px_job_AsymmetricKey_generateKeyPair;

static isoIec23465_Status px_run_AsymmetricKey_generateKeyPair(px_async_job *job)
{
    px_job_AsymmetricKey_generateKeyPair *args = (void *)job;
    return isoIec23465_AsymmetricKey_generateKeyPair(args->key, args->publicKey);
}

isoIec23465_Status isoIec23465_AsymmetricKey_generateKeyPair_async(
    isoIec23465_AsymmetricKey *key, isoIec23465_PublicKey **publicKey,
    isoIec23465_Callback callback, void *user)
{
    px_job_AsymmetricKey_generateKeyPair *args = px_async_job_new(
        sizeof *args, px_run_AsymmetricKey_generateKeyPair, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->publicKey = publicKey;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_AsymmetricKey_getPublicKey {
    px_async_job job;
    isoIec23465_AsymmetricKey *key;
    isoIec23465_PublicKey **publicKey;
} px_job_AsymmetricKey_getPublicKey;

static isoIec23465_Status px_run_AsymmetricKey_getPublicKey(px_async_job *job)
{
    px_job_AsymmetricKey_getPublicKey *args = (void *)job;
    return isoIec23465_AsymmetricKey_getPublicKey(args->key, args->publicKey);
}

isoIec23465_Status isoIec23465_AsymmetricKey_getPublicKey_async(
    isoIec23465_AsymmetricKey *key, isoIec23465_PublicKey **publicKey,
    isoIec23465_Callback callback, void *user)
{
    px_job_AsymmetricKey_getPublicKey *args = px_async_job_new(
        sizeof *args, px_run_AsymmetricKey_getPublicKey, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->publicKey = publicKey;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_PublicKey_export {
    px_async_job job;
    isoIec23465_PublicKey *key;
    uint8_t *buf;
    size_t *len;
} px_job_PublicKey_export;

static isoIec23465_Status px_run_PublicKey_export(px_async_job *job)
{
    px_job_PublicKey_export *args = (void *)job;
    return isoIec23465_PublicKey_export(args->key, args->buf, args->len);
}

isoIec23465_Status isoIec23465_PublicKey_export_async(
    isoIec23465_PublicKey *key, uint8_t *buf, size_t *len, isoIec23465_Callback callback,
    void *user)
{
    px_job_PublicKey_export *args = px_async_job_new(
        sizeof *args, px_run_PublicKey_export, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->buf = buf;
    args->len = len;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_PublicKey_verify {
    px_async_job job;
    isoIec23465_PublicKey *key;
    isoIec23465_Mechanism mechanism;
    isoIec23465_Hash hash;
    const uint8_t *hashValue;
    size_t hashLen;
    const uint8_t *signature;
    size_t signatureLen;
    int *valid;
} px_job_PublicKey_verify;

static isoIec23465_Status px_run_PublicKey_verify(px_async_job *job)
{
    px_job_PublicKey_verify *args = (void *)job;
    return isoIec23465_PublicKey_verify(args->key, args->mechanism, args->hash, args->hashValue,
                                        args->hashLen, args->signature, args->signatureLen,
                                        args->valid);
}

isoIec23465_Status isoIec23465_PublicKey_verify_async(
    isoIec23465_PublicKey *key, isoIec23465_Mechanism mechanism, isoIec23465_Hash hash,
    const uint8_t *hashValue, size_t hashLen, const uint8_t *signature, size_t signatureLen,
    int *valid, isoIec23465_Callback callback, void *user)
{
    px_job_PublicKey_verify *args = px_async_job_new(
        sizeof *args, px_run_PublicKey_verify, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanism = mechanism;
    args->hash = hash;
    args->hashValue = hashValue;
    args->hashLen = hashLen;
    args->signature = signature;
    args->signatureLen = signatureLen;
    args->valid = valid;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_PublicKey_encrypt {
    px_async_job job;
    isoIec23465_PublicKey *key;
    isoIec23465_Mechanism mechanism;
    isoIec23465_Hash hash;
    const uint8_t *in;
    size_t inLen;
    uint8_t *out;
    size_t *outLen;
} px_job_PublicKey_encrypt;

static isoIec23465_Status px_run_PublicKey_encrypt(px_async_job *job)
{
    px_job_PublicKey_encrypt *args = (void *)job;
    return isoIec23465_PublicKey_encrypt(args->key, args->mechanism, args->hash, args->in,
                                         args->inLen, args->out, args->outLen);
}

isoIec23465_Status isoIec23465_PublicKey_encrypt_async(
    isoIec23465_PublicKey *key, isoIec23465_Mechanism mechanism, isoIec23465_Hash hash,
    const uint8_t *in, size_t inLen, uint8_t *out, size_t *outLen, isoIec23465_Callback callback,
    void *user)
{
    px_job_PublicKey_encrypt *args = px_async_job_new(
        sizeof *args, px_run_PublicKey_encrypt, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanism = mechanism;
    args->hash = hash;
    args->in = in;
    args->inLen = inLen;
    args->out = out;
    args->outLen = outLen;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_PrivateKey_sign {
    px_async_job job;
    isoIec23465_PrivateKey *key;
    isoIec23465_Mechanism mechanism;
    isoIec23465_Hash hash;
    const uint8_t *hashValue;
    size_t hashLen;
    uint8_t *signature;
    size_t *signatureLen;
} px_job_PrivateKey_sign;

static isoIec23465_Status px_run_PrivateKey_sign(px_async_job *job)
{
    px_job_PrivateKey_sign *args = (void *)job;
    return isoIec23465_PrivateKey_sign(args->key, args->mechanism, args->hash, args->hashValue,
                                       args->hashLen, args->signature, args->signatureLen);
}

isoIec23465_Status isoIec23465_PrivateKey_sign_async(
    isoIec23465_PrivateKey *key, isoIec23465_Mechanism mechanism, isoIec23465_Hash hash,
    const uint8_t *hashValue, size_t hashLen, uint8_t *signature, size_t *signatureLen,
    isoIec23465_Callback callback, void *user)
{
    px_job_PrivateKey_sign *args = px_async_job_new(
        sizeof *args, px_run_PrivateKey_sign, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanism = mechanism;
    args->hash = hash;
    args->hashValue = hashValue;
    args->hashLen = hashLen;
    args->signature = signature;
    args->signatureLen = signatureLen;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_PrivateKey_decrypt {
    px_async_job job;
    isoIec23465_PrivateKey *key;
    isoIec23465_Mechanism mechanism;
    isoIec23465_Hash hash;
    const uint8_t *in;
    size_t inLen;
    uint8_t *out;
    size_t *outLen;
} px_job_PrivateKey_decrypt;

static isoIec23465_Status px_run_PrivateKey_decrypt(px_async_job *job)
{
    px_job_PrivateKey_decrypt *args = (void *)job;
    return isoIec23465_PrivateKey_decrypt(args->key, args->mechanism, args->hash, args->in,
                                          args->inLen, args->out, args->outLen);
}

isoIec23465_Status isoIec23465_PrivateKey_decrypt_async(
    isoIec23465_PrivateKey *key, isoIec23465_Mechanism mechanism, isoIec23465_Hash hash,
    const uint8_t *in, size_t inLen, uint8_t *out, size_t *outLen, isoIec23465_Callback callback,
    void *user)
{
    px_job_PrivateKey_decrypt *args = px_async_job_new(
        sizeof *args, px_run_PrivateKey_decrypt, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanism = mechanism;
    args->hash = hash;
    args->in = in;
    args->inLen = inLen;
    args->out = out;
    args->outLen = outLen;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_PrivateKey_deriveSharedSecret {
    px_async_job job;
    isoIec23465_PrivateKey *key;
    const uint8_t *peerPoint;
    size_t peerLen;
    uint8_t *out;
    size_t *outLen;
} px_job_PrivateKey_deriveSharedSecret;

static isoIec23465_Status px_run_PrivateKey_deriveSharedSecret(px_async_job *job)
{
    px_job_PrivateKey_deriveSharedSecret *args = (void *)job;
    return isoIec23465_PrivateKey_deriveSharedSecret(
        args->key, args->peerPoint, args->peerLen, args->out, args->outLen);
}

isoIec23465_Status isoIec23465_PrivateKey_deriveSharedSecret_async(
    isoIec23465_PrivateKey *key, const uint8_t *peerPoint, size_t peerLen, uint8_t *out,
    size_t *outLen, isoIec23465_Callback callback, void *user)
{
    px_job_PrivateKey_deriveSharedSecret *args = px_async_job_new(
        sizeof *args, px_run_PrivateKey_deriveSharedSecret, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->peerPoint = peerPoint;
    args->peerLen = peerLen;
    args->out = out;
    args->outLen = outLen;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_PrivateKey_internalAuthenticate {
    px_async_job job;
    isoIec23465_PrivateKey *key;
    const uint8_t *challenge;
    size_t challengeLen;
    uint8_t *out;
    size_t *outLen;
} px_job_PrivateKey_internalAuthenticate;

static isoIec23465_Status px_run_PrivateKey_internalAuthenticate(px_async_job *job)
{
    px_job_PrivateKey_internalAuthenticate *args = (void *)job;
    return isoIec23465_PrivateKey_internalAuthenticate(
        args->key, args->challenge, args->challengeLen, args->out, args->outLen);
}

isoIec23465_Status isoIec23465_PrivateKey_internalAuthenticate_async(
    isoIec23465_PrivateKey *key, const uint8_t *challenge, size_t challengeLen, uint8_t *out,
    size_t *outLen, isoIec23465_Callback callback, void *user)
{
    px_job_PrivateKey_internalAuthenticate *args = px_async_job_new(
        sizeof *args, px_run_PrivateKey_internalAuthenticate, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->challenge = challenge;
    args->challengeLen = challengeLen;
    args->out = out;
    args->outLen = outLen;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_SecretKey_encrypt {
    px_async_job job;
    isoIec23465_SecretKey *key;
    isoIec23465_Mechanism mechanism;
    const uint8_t *iv;
    size_t ivLen;
    const uint8_t *in;
    size_t inLen;
    uint8_t *out;
    size_t *outLen;
} px_job_SecretKey_encrypt;

static isoIec23465_Status px_run_SecretKey_encrypt(px_async_job *job)
{
    px_job_SecretKey_encrypt *args = (void *)job;
    return isoIec23465_SecretKey_encrypt(args->key, args->mechanism, args->iv, args->ivLen,
                                         args->in, args->inLen, args->out, args->outLen);
}

isoIec23465_Status isoIec23465_SecretKey_encrypt_async(
    isoIec23465_SecretKey *key, isoIec23465_Mechanism mechanism, const uint8_t *iv, size_t ivLen,
    const uint8_t *in, size_t inLen, uint8_t *out, size_t *outLen, isoIec23465_Callback callback,
    void *user)
{
    px_job_SecretKey_encrypt *args = px_async_job_new(
        sizeof *args, px_run_SecretKey_encrypt, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanism = mechanism;
    args->iv = iv;
    args->ivLen = ivLen;
    args->in = in;
    args->inLen = inLen;
    args->out = out;
    args->outLen = outLen;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_SecretKey_decrypt {
    px_async_job job;
    isoIec23465_SecretKey *key;
    isoIec23465_Mechanism mechanism;
    const uint8_t *iv;
    size_t ivLen;
    const uint8_t *in;
    size_t inLen;
    uint8_t *out;
    size_t *outLen;
} px_job_SecretKey_decrypt;

static isoIec23465_Status px_run_SecretKey_decrypt(px_async_job *job)
{
    px_job_SecretKey_decrypt *args = (void *)job;
    return isoIec23465_SecretKey_decrypt(args->key, args->mechanism, args->iv, args->ivLen,
                                         args->in, args->inLen, args->out, args->outLen);
}

isoIec23465_Status isoIec23465_SecretKey_decrypt_async(
    isoIec23465_SecretKey *key, isoIec23465_Mechanism mechanism, const uint8_t *iv, size_t ivLen,
    const uint8_t *in, size_t inLen, uint8_t *out, size_t *outLen, isoIec23465_Callback callback,
    void *user)
{
    px_job_SecretKey_decrypt *args = px_async_job_new(
        sizeof *args, px_run_SecretKey_decrypt, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanism = mechanism;
    args->iv = iv;
    args->ivLen = ivLen;
    args->in = in;
    args->inLen = inLen;
    args->out = out;
    args->outLen = outLen;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_SecretKey_computeMac {
    px_async_job job;
    isoIec23465_SecretKey *key;
    isoIec23465_Mechanism mechanism;
    const uint8_t *data;
    size_t len;
    uint8_t *mac;
    size_t *macLen;
} px_job_SecretKey_computeMac;

static isoIec23465_Status px_run_SecretKey_computeMac(px_async_job *job)
{
    px_job_SecretKey_computeMac *args = (void *)job;
    return isoIec23465_SecretKey_computeMac(args->key, args->mechanism, args->data, args->len,
                                            args->mac, args->macLen);
}

isoIec23465_Status isoIec23465_SecretKey_computeMac_async(
    isoIec23465_SecretKey *key, isoIec23465_Mechanism mechanism, const uint8_t *data, size_t len,
    uint8_t *mac, size_t *macLen, isoIec23465_Callback callback, void *user)
{
    px_job_SecretKey_computeMac *args = px_async_job_new(
        sizeof *args, px_run_SecretKey_computeMac, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanism = mechanism;
    args->data = data;
    args->len = len;
    args->mac = mac;
    args->macLen = macLen;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_SecretKey_verifyMac {
    px_async_job job;
    isoIec23465_SecretKey *key;
    isoIec23465_Mechanism mechanism;
    const uint8_t *data;
    size_t len;
    const uint8_t *mac;
    size_t macLen;
    int *valid;
} px_job_SecretKey_verifyMac;

static isoIec23465_Status px_run_SecretKey_verifyMac(px_async_job *job)
{
    px_job_SecretKey_verifyMac *args = (void *)job;
    return isoIec23465_SecretKey_verifyMac(args->key, args->mechanism, args->data, args->len,
                                           args->mac, args->macLen, args->valid);
}

isoIec23465_Status isoIec23465_SecretKey_verifyMac_async(
    isoIec23465_SecretKey *key, isoIec23465_Mechanism mechanism, const uint8_t *data, size_t len,
    const uint8_t *mac, size_t macLen, int *valid, isoIec23465_Callback callback, void *user)
{
    px_job_SecretKey_verifyMac *args = px_async_job_new(
        sizeof *args, px_run_SecretKey_verifyMac, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    args->mechanism = mechanism;
    args->data = data;
    args->len = len;
    args->mac = mac;
    args->macLen = macLen;
    args->valid = valid;
    return px_async_submit(&args->job, key);
}

typedef struct px_job_SecretKey_generate {
    px_async_job job;
    isoIec23465_SecretKey *key;
} px_job_SecretKey_generate;

static isoIec23465_Status px_run_SecretKey_generate(px_async_job *job)
{
    px_job_SecretKey_generate *args = (void *)job;
    return isoIec23465_SecretKey_generate(args->key);
}

isoIec23465_Status isoIec23465_SecretKey_generate_async(
    isoIec23465_SecretKey *key, isoIec23465_Callback callback, void *user)
{
    px_job_SecretKey_generate *args = px_async_job_new(
        sizeof *args, px_run_SecretKey_generate, callback, user);
    if (!args)
        return px_error_last();
    args->key = key;
    return px_async_submit(&args->job, key);
}
// clang-format on
/* END GENERATED */
