/* Fault injection through the emulator's control socket (docs/sdemu.md, "Control socket"):
 * a card removed in the middle of a call, a delayed answer, an unexpected status word. Each
 * must surface as the right exception. These tests need the emulator behind pcscd (`sdemu run`
 * sets SDEMU_CONTROL and SDEMU_READER, as tools/conformance does); against another target they
 * are reported as skipped with that reason. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sdc_case.h"
#include "sdc_control.h"

/* Sends one control command that must succeed. */
#define sdc_control(...)                                                                           \
    do {                                                                                           \
        char sdc_r_[256];                                                                          \
        cr_assert(sdc_control_reply(sdc_r_, sizeof sdc_r_, __VA_ARGS__), "control: %s", sdc_r_);   \
    } while (0)

/* The emulator behind pcscd, or skip (the suite's .init has connected already). */
static void sdc_need_control(void)
{
    if (!sdc_control_available())
        cr_skip_test("needs the emulator behind pcscd (run under `sdemu run`, as "
                     "tools/conformance does): its control socket injects the fault");
}

/* After each test: no fault left pending, the card inserted and answering again (pcscd sees a
 * dropped or re-inserted card only at its next poll), before the suite's .fini disconnects. */
static void sdc_faults_fini(void)
{
    if (!sdc_control_available())
        return;
    char r[256];
    sdc_control("fault clear");
    if (sdc_control_reply(r, sizeof r, "status") && strstr(r, "card=removed"))
        sdc_control("insert");
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (now = start; now.tv_sec - start.tv_sec < 5; clock_gettime(CLOCK_MONOTONIC, &now)) {
        isoIec23465_SecurityDevice *d = NULL;
        isoIec23465_RootApplication *root = NULL;
        isoIec23465_Object *o = NULL;
        bool ok = isoIec23465_connectSecurityDeviceBySpec(sdc_spec(), &d) == isoIec23465_Success &&
                  isoIec23465_SecurityDevice_getRootApplication(d, &root) == isoIec23465_Success &&
                  isoIec23465_SecurityDeviceApplication_findObject(root, "public-256", &o) ==
                      isoIec23465_Success;
        size_t size = 0;
        ok = ok && isoIec23465_DataContainer_getSize(o, &size) == isoIec23465_Success;
        isoIec23465_disconnectSecurityDevice(d);
        if (ok)
            return;
        usleep(100 * 1000);
    }
    cr_assert_fail("the card does not answer again within 5 s of the fault");
}

static isoIec23465_DataContainer *sdc_public(void)
{
    return sdc_find("public-256");
}

/* The answer to a command never comes: the vpcd connection is lost in the middle of the
 * exchange (the card is pulled out while it works). */
Test(L1_DataContainer, getData_fault_card_removed_mid_call, .fini = sdc_faults_fini)
{
    sdc_need_control();
    isoIec23465_DataContainer *dc = sdc_public();
    sdc_control("fault drop");
    uint8_t buf[256];
    size_t len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len),
                      isoIec23465_CommunicationError, "answer lost in the middle of the call");
}

/* The card is gone before the call: the call says so, and a new connection works again once
 * the card is back. */
Test(L1_DataContainer, getData_fault_card_removed_before_call, .fini = sdc_faults_fini)
{
    sdc_need_control();
    isoIec23465_DataContainer *dc = sdc_public();
    sdc_control("remove");
    uint8_t buf[256];
    size_t len = sizeof buf;
    isoIec23465_Status st = isoIec23465_DataContainer_getData(dc, buf, &len);
    cr_assert(st == isoIec23465_CommunicationError || st == isoIec23465_IllegalState,
              "getData on a removed card: expected CommunicationError or IllegalState, got %s "
              "(%s)",
              sdc_api_status_name(st), sdc_why());
    sdc_control("insert");
    sdc_disconnect();
    /* pcscd polls readers every 400 ms: wait (bounded) until the card is seen again */
    isoIec23465_Status c = isoIec23465_SecurityDeviceNotFound;
    for (int i = 0; i < 50 && c != isoIec23465_Success; i++) {
        c = isoIec23465_connectSecurityDeviceBySpec(sdc_spec(), &sdc_dev);
        if (c != isoIec23465_Success)
            usleep(100 * 1000);
    }
    sdc_assert_status(c, isoIec23465_Success, "reconnect after the card came back");
    sdc_assert_status(isoIec23465_SecurityDevice_getRootApplication(sdc_dev, &sdc_root),
                      isoIec23465_Success);
    len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(sdc_public(), buf, &len),
                      isoIec23465_Success, "after reconnecting");
}

/* A slow answer within the proxy's deadline is just slow. */
Test(L1_DataContainer, getData_fault_delayed_answer, .fini = sdc_faults_fini)
{
    sdc_need_control();
    isoIec23465_DataContainer *dc = sdc_public();
    sdc_control("fault delay 300 1");
    uint8_t buf[256];
    size_t len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success,
                      "one answer delayed by 300 ms");
    sdc_assert_size(len, 256);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq(buf[i], (uint8_t)i, "byte %zu after a delayed answer", i);
}

/* An answer later than the proxy's deadline is a communication error, not a hang. */
Test(L1_DataContainer, getData_fault_answer_after_the_deadline, .fini = sdc_faults_fini)
{
    sdc_need_control();
    /* the deadline is read when a connection is made: connect again with a short one */
    sdc_disconnect();
    setenv("SDPROXY_TIMEOUT_MS", "400", 1);
    sdc_connect();
    isoIec23465_DataContainer *dc = sdc_public();
    sdc_control("fault delay 1500 1");
    uint8_t buf[256];
    size_t len = sizeof buf;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len),
                      isoIec23465_CommunicationError, "answer 1500 ms late, deadline 400 ms");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    cr_assert(ms < 1400, "the call waited %.0f ms: it should give up at the deadline", ms);
    /* The broken connection still holds its PC/SC transaction: end it, then let the late
     * answer pass before the card is used again (with the normal deadline). */
    sdc_disconnect();
    unsetenv("SDPROXY_TIMEOUT_MS");
    usleep(1300 * 1000);
    sdc_connect();
}

/* A status word the call does not expect reaches the caller raw, as SecurityDeviceError. */
Test(L1_DataContainer, getData_fault_unexpected_status_word, .fini = sdc_faults_fini)
{
    sdc_need_control();
    isoIec23465_DataContainer *dc = sdc_public();
    sdc_control("fault sw 6F00 1");
    uint8_t buf[256];
    size_t len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len),
                      isoIec23465_SecurityDeviceError, "the card answered 6F00");
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert(d.hasStatusWord && d.statusWord == 0x6F00,
              "the details keep the raw status word: hasStatusWord %d, statusWord %04X",
              d.hasStatusWord, d.statusWord);
    len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success,
                      "the next call, without a fault");
}

/* A status word with a meaning maps to its exception even where the card should not give it. */
Test(L1_DataContainer, getData_fault_mapped_status_word, .fini = sdc_faults_fini)
{
    sdc_need_control();
    isoIec23465_DataContainer *dc = sdc_public();
    sdc_control("fault sw 6982 1");
    uint8_t buf[256];
    size_t len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len),
                      isoIec23465_SecurityStatusNotSatisfied, "the card answered 6982");
}

/* pcscd restarted under a connected proxy (`sdemu run` restarts its private pcscd on SIGUSR1,
 * its PID in SDEMU_RUN_PID): calls on the old connection answer CommunicationError (no hang, no
 * other exception), and a new connection works once the card has reached the new pcscd. */
Test(L1_Device, connectSecurityDeviceBySpec_fault_pcscd_restarted, .init = sdc_connect,
     .fini = sdc_faults_fini)
{
    sdc_need_control();
    const char *run = getenv("SDEMU_RUN_PID");
    char *end = NULL;
    long pid = run ? strtol(run, &end, 10) : 0;
    if (!run || end == run || *end || pid <= 1)
        cr_skip_test("needs `sdemu run` (SDEMU_RUN_PID), which restarts its pcscd on SIGUSR1");
    isoIec23465_DataContainer *dc = sdc_public();
    uint8_t buf[256];
    size_t len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success,
                      "before the restart");
    cr_assert(kill((pid_t)pid, SIGUSR1) == 0, "SIGUSR1 to sdemu run (pid %ld)", pid);
    /* pcscd takes a moment to go: calls may still succeed until then. */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    isoIec23465_Status st = isoIec23465_Success;
    for (now = start; st == isoIec23465_Success && now.tv_sec - start.tv_sec < 15;
         clock_gettime(CLOCK_MONOTONIC, &now)) {
        len = sizeof buf;
        st = isoIec23465_DataContainer_getData(dc, buf, &len);
        if (st == isoIec23465_Success)
            usleep(20 * 1000);
    }
    sdc_assert_status(st, isoIec23465_CommunicationError, "a call once pcscd is gone");
    len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len),
                      isoIec23465_CommunicationError, "the next call on the old connection");
    sdc_disconnect();
    /* The card reaches the new pcscd by itself; pcscd then sees it at its next poll. */
    isoIec23465_Status c = isoIec23465_SecurityDeviceNotFound;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (now = start; c != isoIec23465_Success && now.tv_sec - start.tv_sec < 20;
         clock_gettime(CLOCK_MONOTONIC, &now)) {
        c = isoIec23465_connectSecurityDeviceBySpec(sdc_spec(), &sdc_dev);
        cr_assert(c == isoIec23465_Success || c == isoIec23465_CommunicationError ||
                      c == isoIec23465_SecurityDeviceNotFound,
                  "connect while pcscd restarts: expected CommunicationError or "
                  "SecurityDeviceNotFound until it works, got %s (%s)",
                  sdc_api_status_name(c), sdc_why());
        if (c != isoIec23465_Success)
            usleep(100 * 1000);
    }
    sdc_assert_status(c, isoIec23465_Success, "a new connection after the restart");
    sdc_assert_status(isoIec23465_SecurityDevice_getRootApplication(sdc_dev, &sdc_root),
                      isoIec23465_Success);
    len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(sdc_public(), buf, &len),
                      isoIec23465_Success, "on the new connection");
    sdc_assert_size(len, 256);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq(buf[i], (uint8_t)i, "byte %zu after the restart", i);
    sdc_disconnect();
}
