/* Out of memory while connecting (fault-injection build only): every allocation of loading the
 * device descriptions is made to fail in turn. Connect must then fail with NotEnoughMemory, never
 * succeed without the description (regression: the failure was swallowed and every findObject
 * answered ObjectNotFound). LeakSanitizer checks that nothing half-built stays behind. */
#include <criterion/criterion.h>
#include <string.h>

#include "px_desc.h"
#include "px_handle.h"
#include "px_transport.h"
#include "sdfault.h"

/* Fails the n-th call counted from now on (0: none). */
static void fail_from_now(unsigned long n)
{
    sdfault_set_fail_at(n ? sdfault_count() + n : 0);
}

static unsigned long counted_since(unsigned long base)
{
    return sdfault_count() - base;
}

Test(oom, description_directory)
{
    char err[512];
    px_desc **all;
    size_t n;
    fail_from_now(0);
    unsigned long base = sdfault_count();
    sdfault_arm();
    bool ok = px_desc_load_dir(px_desc_dir(), &all, &n, err, sizeof err);
    sdfault_disarm();
    unsigned long points = counted_since(base);
    cr_assert(ok, "%s", err);
    cr_assert_gt(points, 0);
    px_desc_free_all(all, n);
    for (unsigned long at = 1; at <= points; at++) {
        fail_from_now(at);
        sdfault_arm();
        ok = px_desc_load_dir(px_desc_dir(), &all, &n, err, sizeof err);
        sdfault_disarm();
        /* Every allocation there is needed: none may be skipped over. */
        cr_assert_not(ok, "allocation %lu of %lu failed, yet the load succeeded", at, points);
        cr_assert_null(all);
        cr_assert_eq(n, 0);
        cr_assert(strstr(err, "out of memory"), "%s", err);
    }
    fail_from_now(0);
}

/* ATR, then 9000 to the SELECT probe of the reference description, then 6A82 to the two
 * SELECTs of 7816-15 discovery (EF.DIR, the PKCS#15 AID): a card without 7816-15. */
static const uint8_t px_script[] = {0x00, 0x02, 0x3B, 0x00, 0x00, 0x02, 0x90, 0x00,
                                    0x00, 0x02, 0x6A, 0x82, 0x00, 0x02, 0x6A, 0x82};

Test(oom, connect_never_succeeds_without_description)
{
    unsigned long points = 0;
    for (unsigned long at = 0; at == 0 || at <= points; at++) {
        px_transport tr;
        cr_assert_eq(px_transport_fake_open(px_script, sizeof px_script, &tr), isoIec23465_Success);
        px_devinfo info;
        memset(&info, 0, sizeof info);
        isoIec23465_SecurityDevice *dev = NULL;
        fail_from_now(at);
        unsigned long base = sdfault_count();
        sdfault_arm();
        isoIec23465_Status st = px_connect_transport(&tr, &info, &dev);
        sdfault_disarm();
        if (at == 0)
            points = counted_since(base);
        if (st == isoIec23465_Success) {
            cr_assert_not_null(dev->conn->desc,
                               "allocation %lu failed: connected without "
                               "the description",
                               at);
            isoIec23465_disconnectSecurityDevice(dev);
        } else {
            cr_assert_eq(st, isoIec23465_NotEnoughMemory, "allocation %lu: status %d", at, (int)st);
            cr_assert_null(dev);
        }
    }
    cr_assert_gt(points, 0);
    fail_from_now(0);
}
