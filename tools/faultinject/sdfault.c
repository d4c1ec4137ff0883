/* libsdfault: counts the wrapped calls of the armed window and fails the chosen one.
 * The wrapper list is sdfault_calls.h; the build links every target with --wrap for each. */
#include "sdfault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <PCSC/winscard.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

enum sdfault_kind { SDFAULT_ALLOC, SDFAULT_OPENSSL, SDFAULT_PCSC, SDFAULT_KINDS };

/* Atomics: pcsc-lite and the tests may call wrapped functions from several threads. */
static atomic_bool armed;
static atomic_bool configured;
static atomic_bool fired;
static atomic_ulong calls;
static atomic_ulong per_kind[SDFAULT_KINDS];
static unsigned long fail_at;
static bool fail_at_set; /* sdfault_set_fail_at() wins over the environment */
static bool trace;
static const char *report_path;

static void sdfault_report(void)
{
    if (!report_path)
        return;
    /* open/dprintf: no stdio buffers, so nothing is left for the leak checker. */
    int fd = open(report_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    dprintf(fd, "calls=%lu fired=%d alloc=%lu openssl=%lu pcsc=%lu\n", atomic_load(&calls),
            atomic_load(&fired) ? 1 : 0, atomic_load(&per_kind[SDFAULT_ALLOC]),
            atomic_load(&per_kind[SDFAULT_OPENSSL]), atomic_load(&per_kind[SDFAULT_PCSC]));
    close(fd);
}

/* Reads the environment once. Not thread-safe against a concurrent first arm; arming is done
 * by the (single-threaded) harness before the code under test starts threads. */
static void sdfault_configure(void)
{
    if (atomic_load(&configured))
        return;
    const char *at = getenv("SDFAULT_FAIL_AT");
    if (!fail_at_set && at && *at) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(at, &end, 10);
        if (errno == 0 && *end == '\0')
            fail_at = n;
        else
            fprintf(stderr, "sdfault: ignoring SDFAULT_FAIL_AT=%s (not a number)\n", at);
    }
    const char *tr = getenv("SDFAULT_TRACE");
    trace = tr && *tr && strcmp(tr, "0") != 0;
    report_path = getenv("SDFAULT_REPORT");
    if (report_path && *report_path)
        atexit(sdfault_report);
    else
        report_path = NULL;
    atomic_store(&configured, true);
}

void sdfault_arm(void)
{
    sdfault_configure();
    atomic_store(&armed, true);
}

void sdfault_disarm(void)
{
    atomic_store(&armed, false);
}

void sdfault_set_fail_at(unsigned long n)
{
    fail_at = n;
    fail_at_set = true;
}

unsigned long sdfault_count(void)
{
    return atomic_load(&calls);
}

bool sdfault_fired(void)
{
    return atomic_load(&fired);
}

/* Counts one call; true when this call is the one to fail. */
static bool sdfault_hit(const char *name, enum sdfault_kind kind)
{
    if (!atomic_load(&armed))
        return false;
    unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    atomic_fetch_add(&per_kind[kind], 1);
    bool fail = fail_at != 0 && n == fail_at;
    if (trace)
        fprintf(stderr, "sdfault: #%lu %s%s\n", n, name, fail ? " <- fails" : "");
    if (!fail)
        return false;
    atomic_store(&fired, true);
    if (kind == SDFAULT_ALLOC)
        errno = ENOMEM;
    return true;
}

/* Each wrapper is declared with the type of the real function, so a wrong parameter list in
 * sdfault_calls.h is a compile error, not a silent ABI mismatch. */
#define SDFAULT_CALL(kind, ret, name, params, args, failure)                                       \
    __typeof__(name) __real_##name;                                                                \
    __typeof__(name) __wrap_##name;                                                                \
    ret __wrap_##name params                                                                       \
    {                                                                                              \
        if (sdfault_hit(#name, SDFAULT_##kind))                                                    \
            return failure;                                                                        \
        return __real_##name args;                                                                 \
    }
#include "sdfault_calls.h"
#undef SDFAULT_CALL
