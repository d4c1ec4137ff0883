/* Level 1, the error functions every class relies on: getLastError (per thread, details of the
 * last call) and statusToString (the exception names of clause 7). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "sdc_target.h"

TestSuite(L1_Errors, .init = sdc_connect, .fini = sdc_disconnect,
          .description = "L1: getLastError, statusToString");

Test(L1_Errors, getLastError_follows_each_call)
{
    isoIec23465_Object *o = NULL;
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_findObject(sdc_root, "no such", &o),
                      isoIec23465_ObjectNotFound);
    isoIec23465_ErrorDetails d;
    memset(&d, 0xA5, sizeof d);
    cr_assert_eq(isoIec23465_getLastError(&d), isoIec23465_ObjectNotFound,
                 "getLastError returns the last call's status");
    cr_assert_eq(d.status, isoIec23465_ObjectNotFound);
    cr_assert(memchr(d.message, '\0', sizeof d.message) != NULL, "message is NUL-terminated");
    cr_assert(d.message[0] != '\0', "a failure carries a message");
    size_t size = 0;
    sdc_assert_status(isoIec23465_DataContainer_getSize(sdc_find("public-256"), &size),
                      isoIec23465_Success);
    cr_assert_eq(isoIec23465_getLastError(&d), isoIec23465_Success,
                 "a successful call clears the details");
    cr_assert_eq(d.status, isoIec23465_Success);
    cr_assert_eq(isoIec23465_getLastError(NULL), isoIec23465_Success, "NULL details accepted");
}

Test(L1_Errors, getLastError_remaining_tries)
{
    if (!sdc_target_is_emulator())
        cr_skip_test("spends a PIN try: runs against the emulator only");
    isoIec23465_Password *pin = sdc_find("user");
    static const uint8_t wrong[] = "999999";
    sdc_assert_status(isoIec23465_Password_verify(pin, wrong, 6), isoIec23465_AuthenticationFailed);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.remainingTries, 2, "remainingTries after one wrong PIN: %d", d.remainingTries);
    cr_assert(d.hasStatusWord && (d.statusWord & 0xFFF0) == 0x63C0,
              "the raw status word 63Cx is kept: %04X", d.statusWord);
    cr_assert_eq(d.origin, isoIec23465_OriginDevice);
}

static void *sdc_other_thread(void *arg)
{
    isoIec23465_Status *st = arg;
    isoIec23465_Object *o = NULL;
    *st = isoIec23465_SecurityDeviceApplication_findObject(NULL, "x", &o);
    return NULL;
}

Test(L1_Errors, getLastError_is_per_thread)
{
    size_t size = 0;
    sdc_assert_status(isoIec23465_DataContainer_getSize(sdc_find("public-256"), &size),
                      isoIec23465_Success);
    pthread_t t;
    isoIec23465_Status other = isoIec23465_Success;
    cr_assert_eq(pthread_create(&t, NULL, sdc_other_thread, &other), 0);
    pthread_join(t, NULL);
    cr_assert_eq(other, isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_getLastError(NULL), isoIec23465_Success,
                 "another thread's failure does not change this thread's details");
}

Test(L1_Errors, statusToString_names_every_exception)
{
    static const struct {
        isoIec23465_Status st;
        const char *name;
    } names[] = {
        {isoIec23465_Success, "Success"},
        {isoIec23465_FunctionNotImplemented, "FunctionNotImplemented"},
        {isoIec23465_IllegalArgument, "IllegalArgument"},
        {isoIec23465_IllegalState, "IllegalState"},
        {isoIec23465_SecurityDeviceNotFound, "SecurityDeviceNotFound"},
        {isoIec23465_ObjectNotFound, "ObjectNotFound"},
        {isoIec23465_SecurityStatusNotSatisfied, "SecurityStatusNotSatisfied"},
        {isoIec23465_AuthenticationFailed, "AuthenticationFailed"},
        {isoIec23465_AuthenticationMethodBlocked, "AuthenticationMethodBlocked"},
        {isoIec23465_ReferenceDataNotUsable, "ReferenceDataNotUsable"},
        {isoIec23465_ConditionsOfUseNotSatisfied, "ConditionsOfUseNotSatisfied"},
        {isoIec23465_NotEnoughMemory, "NotEnoughMemory"},
        {isoIec23465_ObjectAlreadyExists, "ObjectAlreadyExists"},
        {isoIec23465_CommunicationError, "CommunicationError"},
        {isoIec23465_SecurityDeviceError, "SecurityDeviceError"},
        {isoIec23465_BufferTooSmall, "BufferTooSmall"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *s = isoIec23465_statusToString(names[i].st);
        cr_assert(s && strcmp(s, names[i].name) == 0, "status %d: \"%s\", expected \"%s\"",
                  (int)names[i].st, s ? s : "(null)", names[i].name);
    }
}

Test(L1_Errors, statusToString_unknown_value)
{
    const char *s = isoIec23465_statusToString((isoIec23465_Status)12345);
    cr_assert(s && strcmp(s, "Unknown") == 0, "an unknown status: \"%s\"", s ? s : "(null)");
}
