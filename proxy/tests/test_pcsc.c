/* The pcsc: backend's deadline (SDPROXY_TIMEOUT_MS), its worker thread and its transactions,
 * through a private pcscd and the emulated reference card: run under `sdemu run` (meson test
 * proxy-pcsc-deadline), whose control socket ($SDEMU_CONTROL) makes the card answer late, and
 * which restarts its pcscd on SIGUSR1 ($SDEMU_RUN_PID) to show the recovery. One test at a
 * time (-j1): the faults act on the one card. Each test bounds itself with alarm(). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "isoiec23465.h"
#include "px_transport.h"

static const uint8_t select_mf[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static const char *reader(void)
{
    const char *r = getenv("SDEMU_READER");
    cr_assert(r && *r, "SDEMU_READER not set: run under `sdemu run`");
    return r;
}

static const char *why(void)
{
    static isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    return d.message;
}

/* Sends one line to the emulator's control socket; asserts the answer starts with "ok". */
static void control(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void control(const char *fmt, ...)
{
    const char *path = getenv("SDEMU_CONTROL");
    cr_assert(path && *path, "SDEMU_CONTROL not set: run under `sdemu run`");
    char line[256], reply[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    cr_assert(n > 0 && (size_t)n < sizeof line - 1);
    line[n++] = '\n';
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    cr_assert(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    cr_assert(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "control socket %s", path);
    cr_assert(write(fd, line, (size_t)n) == n);
    size_t got = 0;
    while (got + 1 < sizeof reply) {
        ssize_t r = read(fd, reply + got, 1);
        if (r <= 0 || reply[got] == '\n')
            break;
        got++;
    }
    reply[got] = '\0';
    close(fd);
    cr_assert(strncmp(reply, "ok", 2) == 0, "control '%.*s': %s", n - 1, line, reply);
}

/* Threads of this process (/proc/self/task). */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    cr_assert(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Waits (bounded) until the thread count is back to `want`. */
static bool threads_back_to(int want, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        if (thread_count() == want)
            return true;
        usleep(10 * 1000);
    }
    return thread_count() == want;
}

static void limit(void)
{
    alarm(60);
}

static void cleanup(void)
{
    if (getenv("SDEMU_CONTROL"))
        control("fault clear");
    unsetenv("SDPROXY_TIMEOUT_MS");
    alarm(0);
}

/* getData on public-256 through `dev`: the status, and the bytes checked on success. */
static isoIec23465_Status read_public(isoIec23465_SecurityDevice *dev)
{
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    isoIec23465_Object *o;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, "public-256", &o),
                 isoIec23465_Success);
    uint8_t buf[256];
    size_t len = sizeof buf;
    isoIec23465_Status st = isoIec23465_DataContainer_getData(o, buf, &len);
    if (st == isoIec23465_Success) {
        cr_assert_eq(len, 256);
        for (size_t i = 0; i < len; i++)
            cr_assert_eq(buf[i], (uint8_t)i, "byte %zu", i);
    }
    return st;
}

static isoIec23465_SecurityDevice *connect_card(void)
{
    char spec[300];
    snprintf(spec, sizeof spec, "pcsc:%s", reader());
    isoIec23465_SecurityDevice *dev = NULL;
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    cr_assert_eq(st, isoIec23465_Success, "connect %s: %s: %s", spec,
                 isoIec23465_statusToString(st), why());
    return dev;
}

/* The card answers 2000 ms late, the deadline is 400 ms: the call gives up at the deadline
 * with CommunicationError, the connection then fails at once, disconnecting does not wait for
 * the card, and after the late answer a new connection works and the stuck worker is gone. */
Test(deadline, stuck_transmit_fails_at_the_deadline, .init = limit, .fini = cleanup)
{
    int threads0 = thread_count();
    setenv("SDPROXY_TIMEOUT_MS", "400", 1); /* read when the connection is made */
    isoIec23465_SecurityDevice *dev = connect_card();
    cr_assert_eq(read_public(dev), isoIec23465_Success, "before the fault: %s", why());
    cr_assert_eq(thread_count(), threads0 + 1, "one worker thread per connection");

    control("fault delay 2000 1");
    double t0 = now_ms();
    cr_assert_eq(read_public(dev), isoIec23465_CommunicationError, "stuck command: %s", why());
    double waited = now_ms() - t0;
    cr_assert(waited >= 380 && waited < 1000,
              "the call waited %.0f ms: it should give up at the 400 ms deadline", waited);
    cr_assert(strstr(why(), "400 ms"), "the message names the deadline: %s", why());

    t0 = now_ms();
    cr_assert_eq(read_public(dev), isoIec23465_CommunicationError, "after the timeout: %s", why());
    cr_assert(now_ms() - t0 < 200, "a broken connection answers at once, not after %.0f ms",
              now_ms() - t0);
    cr_assert(strstr(why(), "broken"), "the message says why: %s", why());

    t0 = now_ms();
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    cr_assert(now_ms() - t0 < 200, "disconnect waited %.0f ms for a stuck card", now_ms() - t0);

    /* The late answer comes about 2000 ms after the command; the detached worker then lets
     * go of its PC/SC handles and exits. */
    cr_assert(threads_back_to(threads0, 4000),
              "the stuck worker did not exit: %d threads, %d "
              "before",
              thread_count(), threads0);
    dev = connect_card();
    cr_assert_eq(read_public(dev), isoIec23465_Success, "after the late answer: %s", why());
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    cr_assert(threads_back_to(threads0, 1000), "worker joined at disconnect");
}

/* A card that answers within the deadline is waited for: 300 ms late, deadline 2000 ms. */
Test(deadline, late_answer_within_the_deadline_is_taken, .init = limit, .fini = cleanup)
{
    setenv("SDPROXY_TIMEOUT_MS", "2000", 1);
    isoIec23465_SecurityDevice *dev = connect_card();
    control("fault delay 300 1");
    double t0 = now_ms();
    cr_assert_eq(read_public(dev), isoIec23465_Success, "300 ms late: %s", why());
    cr_assert(now_ms() - t0 >= 290, "the fault was applied (%.0f ms)", now_ms() - t0);
    cr_assert_eq(read_public(dev), isoIec23465_Success, "next call: %s", why());
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
}

/* Connections come and go without leaving threads behind. */
Test(deadline, connect_disconnect_leaves_no_thread, .init = limit, .fini = cleanup)
{
    int threads0 = thread_count();
    for (int i = 0; i < 20; i++) {
        isoIec23465_SecurityDevice *dev = connect_card();
        cr_assert_eq(read_public(dev), isoIec23465_Success, "round %d: %s", i, why());
        cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    }
    cr_assert(threads_back_to(threads0, 1000), "threads after 20 connections: %d, before %d",
              thread_count(), threads0);
}

typedef struct stuck_arg {
    px_transport *tr;
    isoIec23465_Status st;
} stuck_arg;

static void *transmit_in_thread(void *arg)
{
    stuck_arg *a = arg;
    uint8_t resp[258];
    size_t len = 0;
    a->st = a->tr->ops->transmit(a->tr->ctx, select_mf, sizeof select_mf, resp, sizeof resp, &len);
    return NULL;
}

/* Reset (SCardReconnect) works, keeps the ATR, and the card answers after it. */
Test(deadline, reset_through_the_worker, .init = limit, .fini = cleanup)
{
    setenv("SDPROXY_TIMEOUT_MS", "2000", 1);
    px_transport tr;
    cr_assert_eq(px_transport_pcsc_open(reader(), &tr), isoIec23465_Success, "%s", why());
    uint8_t atr0[PX_ATR_MAX], atr1[PX_ATR_MAX], resp[258];
    size_t n0, n1, len = 0;
    cr_assert_eq(tr.ops->atr(tr.ctx, atr0, sizeof atr0, &n0), isoIec23465_Success);
    cr_assert_eq(tr.ops->reset(tr.ctx), isoIec23465_Success, "reset: %s", why());
    cr_assert_eq(tr.ops->atr(tr.ctx, atr1, sizeof atr1, &n1), isoIec23465_Success);
    cr_assert(n0 == n1 && memcmp(atr0, atr1, n0) == 0, "the same card after a reset");
    cr_assert_eq(tr.ops->transmit(tr.ctx, select_mf, sizeof select_mf, resp, sizeof resp, &len),
                 isoIec23465_Success, "%s", why());
    cr_assert(len == 2 && resp[0] == 0x90 && resp[1] == 0x00, "SELECT MF after the reset");
    tr.ops->close(tr.ctx);
}

/* A reset that pcscd cannot carry out (another connection's command is stuck in the reader)
 * gives up at the deadline too, and leaves that connection broken. */
Test(deadline, stuck_reset_fails_at_the_deadline, .init = limit, .fini = cleanup)
{
    px_transport busy, tr;
    setenv("SDPROXY_TIMEOUT_MS", "5000", 1);
    cr_assert_eq(px_transport_pcsc_open(reader(), &busy), isoIec23465_Success, "%s", why());
    setenv("SDPROXY_TIMEOUT_MS", "300", 1);
    cr_assert_eq(px_transport_pcsc_open(reader(), &tr), isoIec23465_Success, "%s", why());
    control("fault delay 1500 1");
    stuck_arg a = {.tr = &busy};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, transmit_in_thread, &a), 0);
    usleep(200 * 1000); /* the other command is in the card */
    double t0 = now_ms();
    isoIec23465_Status st = tr.ops->reset(tr.ctx);
    double waited = now_ms() - t0;
    cr_assert_eq(st, isoIec23465_CommunicationError, "reset behind a stuck reader: %s", why());
    cr_assert(waited >= 280 && waited < 900, "the reset waited %.0f ms, deadline 300 ms", waited);
    uint8_t atr[PX_ATR_MAX];
    size_t n;
    cr_assert_eq(tr.ops->atr(tr.ctx, atr, sizeof atr, &n), isoIec23465_CommunicationError,
                 "the connection is broken after the timeout");
    pthread_join(th, NULL);
    cr_assert_eq(a.st, isoIec23465_Success, "the other connection got its late answer: %s", why());
    tr.ops->close(tr.ctx);
    busy.ops->close(busy.ctx);
}

typedef struct other_client {
    px_transport tr;
    volatile int stop;
    int selected, refused;
} other_client;

/* Another PC/SC client without transactions: selects private-4096 (EF 0102) again and again,
 * which would move the card's current file under a call that is not protected. */
static void *select_other_file(void *arg)
{
    static const uint8_t select_0102[] = {0x00, 0xA4, 0x08, 0x0C, 0x02, 0x01, 0x02};
    other_client *o = arg;
    while (!o->stop) {
        uint8_t resp[258];
        size_t len = 0;
        if (o->tr.ops->transmit(o->tr.ctx, select_0102, sizeof select_0102, resp, sizeof resp,
                                &len) == isoIec23465_Success &&
            len == 2 && resp[0] == 0x90)
            o->selected++;
        else
            o->refused++;
    }
    return NULL;
}

/* getData is SELECT then READ BINARY: another client's SELECT between the two would make it
 * read the wrong file. The call's transaction keeps it out (strict, and with a linger). */
static void no_interleaving(const char *linger)
{
    setenv("SDPROXY_TIMEOUT_MS", "5000", 1);
    other_client o = {.stop = 0};
    cr_assert_eq(px_transport_pcsc_open(reader(), &o.tr), isoIec23465_Success, "%s", why());
    if (linger)
        setenv("SDPROXY_PCSC_LINGER_US", linger, 1);
    isoIec23465_SecurityDevice *dev = connect_card();
    unsetenv("SDPROXY_PCSC_LINGER_US");
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, select_other_file, &o), 0);
    int wrong = 0;
    isoIec23465_Status first = isoIec23465_Success;
    for (int i = 0; i < 150; i++) {
        isoIec23465_Status st = read_public(dev); /* asserts the bytes when it succeeds */
        if (st != isoIec23465_Success) {
            wrong++;
            first = first == isoIec23465_Success ? st : first;
        }
        usleep(2000); /* room for the other client between calls */
    }
    o.stop = 1;
    pthread_join(th, NULL);
    cr_assert_eq(wrong, 0, "%d of 150 calls failed (first: %s): another client ran inside them",
                 wrong, isoIec23465_statusToString(first));
    cr_assert(o.selected > 0, "the other client never got the card (%d refused)", o.refused);
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    o.tr.ops->close(o.tr.ctx);
}

Test(transaction, other_client_never_runs_inside_a_call, .init = limit, .fini = cleanup)
{
    no_interleaving(NULL);
}

Test(transaction, other_client_never_runs_inside_a_call_with_linger, .init = limit, .fini = cleanup)
{
    no_interleaving("1000");
}

/* ---- recovery after a pcscd restart ------------------------------------------------------ */

/* The user PIN of the reference card (vectors/profiles/default.yaml). */
#define USER_PIN "123456"
#define RESTART_GONE_MS 15000 /* bound for the old handles to notice the restart */
#define RESTART_BACK_MS 20000 /* bound for a new connection to succeed */

static isoIec23465_Object *find_object(isoIec23465_SecurityDevice *dev, const char *label)
{
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    isoIec23465_Object *o = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, label, &o),
                 isoIec23465_Success, "findObject %s: %s", label, why());
    return o;
}

/* getData on an already found public-256: the status; on success its 256 bytes go to out. */
static isoIec23465_Status get_public(isoIec23465_Object *o, uint8_t *out)
{
    size_t len = 256;
    isoIec23465_Status st = isoIec23465_DataContainer_getData(o, out, &len);
    if (st == isoIec23465_Success)
        cr_assert_eq(len, 256);
    return st;
}

static int remaining_tries(isoIec23465_Password *pin)
{
    int tries = -1;
    cr_assert_eq(isoIec23465_Authenticator_getRemainingTries(pin, &tries), isoIec23465_Success,
                 "getRemainingTries: %s", why());
    return tries;
}

static void restart_limit(void)
{
    alarm(90); /* the two deadlines below, the restart itself and the calls around them */
}

/* `sdemu run` restarts pcscd (SIGUSR1): calls on the old connection then fail with
 * CommunicationError, and go on failing that way (never a crash or another exception); a new
 * connection succeeds once pcscd and the card are back (meanwhile only CommunicationError or
 * SecurityDeviceNotFound), reads the same bytes, and finds the card's persistent state kept: the
 * try a wrong VERIFY spent before the restart is still spent. The test restores the counter
 * with the right PIN and leaves the card reachable for the next tests. */
Test(pcsc, recovers_after_pcscd_restart, .init = restart_limit, .fini = cleanup)
{
    const char *run_pid = getenv("SDEMU_RUN_PID");
    cr_assert(run_pid && atol(run_pid) > 1, "SDEMU_RUN_PID not set: run under `sdemu run`");
    setenv("SDPROXY_TIMEOUT_MS", "5000", 1); /* no call may hang on a vanished pcscd */
    isoIec23465_SecurityDevice *old_dev = connect_card();
    isoIec23465_Object *old_data = find_object(old_dev, "public-256");
    isoIec23465_Password *old_pin = find_object(old_dev, "user");
    uint8_t before[256], after[256];
    cr_assert_eq(get_public(old_data, before), isoIec23465_Success, "before: %s", why());
    for (size_t i = 0; i < sizeof before; i++)
        cr_assert_eq(before[i], (uint8_t)i, "byte %zu", i);
    int tries0 = remaining_tries(old_pin);
    cr_assert_geq(tries0, 2, "the user PIN has %d tries left: an earlier test spent them", tries0);
    cr_assert_eq(isoIec23465_Password_verify(old_pin, (const uint8_t *)"000000", 6),
                 isoIec23465_AuthenticationFailed, "a wrong PIN: %s", why());
    cr_assert_eq(remaining_tries(old_pin), tries0 - 1);

    cr_assert_eq(kill((pid_t)atol(run_pid), SIGUSR1), 0, "SIGUSR1 to sdemu run");

    /* pcscd takes a moment to stop: calls succeed until it is gone. */
    double deadline = now_ms() + RESTART_GONE_MS;
    isoIec23465_Status st;
    int ok_calls = 0;
    while ((st = get_public(old_data, after)) == isoIec23465_Success) {
        ok_calls++;
        cr_assert(now_ms() < deadline, "the old connection still works %d ms after the restart",
                  RESTART_GONE_MS);
        usleep(20 * 1000);
    }
    cr_assert_eq(st, isoIec23465_CommunicationError, "first failure after %d good calls: %s: %s",
                 ok_calls, isoIec23465_statusToString(st), why());
    cr_assert_eq(get_public(old_data, after), isoIec23465_CommunicationError, "again: %s", why());
    int tries = -1;
    st = isoIec23465_Authenticator_getRemainingTries(old_pin, &tries);
    cr_assert_eq(st, isoIec23465_CommunicationError, "another call on the old connection: %s: %s",
                 isoIec23465_statusToString(st), why());

    /* A new connection opens a new PC/SC context: it works once pcscd and the card are back. */
    char spec[300];
    snprintf(spec, sizeof spec, "pcsc:%s", reader());
    isoIec23465_SecurityDevice *dev = NULL;
    deadline = now_ms() + RESTART_BACK_MS;
    int refused = 0;
    while ((st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev)) != isoIec23465_Success) {
        cr_assert(st == isoIec23465_CommunicationError || st == isoIec23465_SecurityDeviceNotFound,
                  "connecting while pcscd restarts: %s: %s", isoIec23465_statusToString(st), why());
        refused++;
        cr_assert(now_ms() < deadline, "no connection %d ms after the restart (%d tries): %s",
                  RESTART_BACK_MS, refused, why());
        usleep(100 * 1000);
    }
    cr_log_info("restart: %d calls succeeded before the old connection failed, %d connection "
                "attempts failed before one succeeded",
                ok_calls, refused);
    memset(after, 0, sizeof after);
    cr_assert_eq(get_public(find_object(dev, "public-256"), after), isoIec23465_Success,
                 "after the restart: %s", why());
    cr_assert_arr_eq(after, before, sizeof before, "the same bytes after the restart");
    isoIec23465_Password *pin = find_object(dev, "user");
    cr_assert_eq(remaining_tries(pin), tries0 - 1, "the spent try survived the restart");
    cr_assert_eq(isoIec23465_Password_verify(pin, (const uint8_t *)USER_PIN, strlen(USER_PIN)),
                 isoIec23465_Success, "the right PIN: %s", why());
    int max = -1;
    cr_assert_eq(isoIec23465_Authenticator_getMaxTries(pin, &max), isoIec23465_Success);
    cr_assert_eq(remaining_tries(pin), max, "the right PIN restores the counter");

    cr_assert_eq(isoIec23465_disconnectSecurityDevice(old_dev), isoIec23465_Success,
                 "disconnecting the old connection: %s", why());
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success,
                 "disconnecting the new connection: %s", why());
}

/* ---- a pcscd that accepts connections but does not answer ---------------------------------- */

/* The pcscd `sdemu run` started: its child named pcscd. */
static pid_t sandbox_pcscd(void)
{
    const char *run_pid = getenv("SDEMU_RUN_PID");
    cr_assert(run_pid && atol(run_pid) > 1, "SDEMU_RUN_PID not set: run under `sdemu run`");
    DIR *d = opendir("/proc");
    cr_assert(d);
    pid_t found = -1;
    for (struct dirent *e; found < 0 && (e = readdir(d));) {
        char path[300], stat[512];
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = '\0';
        /* pid (comm) state ppid ... */
        char *close_paren = strrchr(stat, ')');
        long ppid = 0;
        if (strstr(stat, "(pcscd)") && close_paren &&
            sscanf(close_paren + 1, " %*c %ld", &ppid) == 1 && ppid == atol(run_pid))
            found = (pid_t)atol(e->d_name);
    }
    closedir(d);
    cr_assert(found > 0, "no pcscd child of sdemu run (pid %s)", run_pid);
    return found;
}

static pid_t frozen = -1;

static void thaw(void)
{
    if (frozen > 0)
        kill(frozen, SIGCONT);
    frozen = -1;
    cleanup();
}

/* pcscd stopped (SIGSTOP): it still accepts connections on its socket but answers nothing.
 * Listing and connecting answer CommunicationError at the deadline instead of hanging; once
 * pcscd runs again, both work. */
Test(pcsc, frozen_pcscd_costs_a_deadline_not_a_hang, .init = restart_limit, .fini = thaw)
{
    setenv("SDPROXY_TIMEOUT_MS", "500", 1);
    frozen = sandbox_pcscd();
    cr_assert_eq(kill(frozen, SIGSTOP), 0);
    isoIec23465_SecurityDeviceList *list = NULL;
    double t0 = now_ms();
    isoIec23465_Status st = isoIec23465_getSecurityDeviceList("pcsc", &list);
    double listed = now_ms() - t0;
    isoIec23465_SecurityDevice *dev = NULL;
    char spec[300];
    snprintf(spec, sizeof spec, "pcsc:%s", reader());
    t0 = now_ms();
    isoIec23465_Status c = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    double connected = now_ms() - t0;
    kill(frozen, SIGCONT);
    frozen = -1;
    cr_assert_eq(st, isoIec23465_CommunicationError, "listing a stopped pcscd: %s: %s",
                 isoIec23465_statusToString(st), why());
    cr_assert_null(list);
    cr_assert(listed < 10000, "the listing returned after %.0f ms (deadline 500)", listed);
    cr_assert_eq(c, isoIec23465_CommunicationError, "connecting through a stopped pcscd: %s",
                 isoIec23465_statusToString(c));
    cr_assert_null(dev);
    cr_assert(connected < 10000, "the connect returned after %.0f ms (deadline 500)", connected);
    /* Running again: the next listing and connect work (the calls that waited are answered
     * late and their threads end by themselves). */
    unsetenv("SDPROXY_TIMEOUT_MS");
    cr_assert_eq(isoIec23465_getSecurityDeviceList("pcsc", &list), isoIec23465_Success, "%s",
                 why());
    size_t n = 0;
    cr_assert_eq(isoIec23465_SecurityDeviceList_getCount(list, &n), isoIec23465_Success);
    cr_assert_geq(n, 1, "the card is listed again");
    isoIec23465_SecurityDeviceList_release(list);
    isoIec23465_disconnectSecurityDevice(connect_card());
}
