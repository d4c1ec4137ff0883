/* Level 1, device functions: getSecurityDeviceList, connectSecurityDevice (by entry and by
 * spec), disconnectSecurityDevice, SecurityDevice_getRootApplication. */
#include <criterion/criterion.h>
#include <string.h>

#include "sdc_target.h"

TestSuite(L1_Device, .description = "L1.Device: device list, connect, disconnect");

static isoIec23465_SecurityDeviceList *sdc_list(void)
{
    isoIec23465_SecurityDeviceList *list = NULL;
    isoIec23465_Status st = isoIec23465_getSecurityDeviceList(sdc_spec(), &list);
    cr_assert_eq(st, isoIec23465_Success, "getSecurityDeviceList(%s): %s", sdc_spec(), sdc_why());
    return list;
}

Test(L1_Device, getSecurityDeviceList_lists_the_device)
{
    isoIec23465_SecurityDeviceList *list = sdc_list();
    size_t n = 0;
    sdc_assert_status(isoIec23465_SecurityDeviceList_getCount(list, &n), isoIec23465_Success);
    sdc_assert_size(n, 1, "one entry for one spec");
    isoIec23465_SecurityDeviceEntry *e = NULL;
    sdc_assert_status(isoIec23465_SecurityDeviceList_getEntry(list, 0, &e), isoIec23465_Success);
    uint8_t atr[40] = {0};
    size_t len = sizeof atr;
    sdc_assert_status(isoIec23465_SecurityDeviceEntry_getAtr(e, atr, &len), isoIec23465_Success);
    cr_assert(len >= 2 && (atr[0] == 0x3B || atr[0] == 0x3F), "ATR must start 3B or 3F");
    char text[4200] = "";
    len = sizeof text;
    sdc_assert_status(
        isoIec23465_SecurityDeviceEntry_getAttribute(e, isoIec23465_AttrIdentifier, text, &len),
        isoIec23465_Success);
    sdc_assert_size(len, strlen(text) + 1);
    len = sizeof text;
    sdc_assert_status(
        isoIec23465_SecurityDeviceEntry_getAttribute(e, isoIec23465_AttrApiVersion, text, &len),
        isoIec23465_Success);
    cr_assert_str_eq(text, ISOIEC23465_API_VERSION);
    isoIec23465_Presence p = isoIec23465_PresenceAbsent;
    sdc_assert_status(isoIec23465_SecurityDeviceEntry_getPresence(e, &p), isoIec23465_Success);
    cr_assert_neq(p, isoIec23465_PresenceAbsent);
    isoIec23465_SecurityDeviceList_release(list);
}

Test(L1_Device, getSecurityDeviceList_refuses_bad_arguments)
{
    isoIec23465_SecurityDeviceList *list = NULL;
    sdc_assert_status(isoIec23465_getSecurityDeviceList("nosuchscheme:x", &list),
                      isoIec23465_IllegalArgument);
    cr_assert_null(list);
    sdc_assert_status(isoIec23465_getSecurityDeviceList(sdc_spec(), NULL),
                      isoIec23465_IllegalArgument);
    list = sdc_list();
    isoIec23465_SecurityDeviceEntry *e = NULL;
    sdc_assert_status(isoIec23465_SecurityDeviceList_getEntry(list, 99, &e),
                      isoIec23465_IllegalArgument);
    cr_assert_null(e);
    isoIec23465_SecurityDeviceList_release(list);
    isoIec23465_SecurityDeviceList_release(NULL);
}

Test(L1_Device, connectSecurityDevice_by_entry)
{
    isoIec23465_SecurityDeviceList *list = sdc_list();
    isoIec23465_SecurityDeviceEntry *e = NULL;
    sdc_assert_status(isoIec23465_SecurityDeviceList_getEntry(list, 0, &e), isoIec23465_Success);
    isoIec23465_SecurityDevice *dev = NULL;
    sdc_assert_status(isoIec23465_connectSecurityDevice(e, &dev), isoIec23465_Success, "%s",
                      sdc_why());
    isoIec23465_ObjectType t = SDC_NO_TYPE;
    sdc_assert_status(isoIec23465_Object_getType(dev, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_TypeSecurityDevice);
    sdc_assert_status(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    isoIec23465_SecurityDeviceList_release(list);
}

Test(L1_Device, connectSecurityDevice_refuses_bad_arguments)
{
    isoIec23465_SecurityDevice *dev = NULL;
    sdc_assert_status(isoIec23465_connectSecurityDevice(NULL, &dev), isoIec23465_IllegalArgument);
    isoIec23465_SecurityDeviceList *list = sdc_list();
    sdc_assert_status(isoIec23465_connectSecurityDevice(list, &dev), isoIec23465_IllegalArgument,
                      "a list is not an entry");
    isoIec23465_SecurityDeviceEntry *e = NULL;
    sdc_assert_status(isoIec23465_SecurityDeviceList_getEntry(list, 0, &e), isoIec23465_Success);
    sdc_assert_status(isoIec23465_connectSecurityDevice(e, NULL), isoIec23465_IllegalArgument);
    isoIec23465_SecurityDeviceList_release(list);
    sdc_assert_status(isoIec23465_connectSecurityDevice(e, &dev), isoIec23465_IllegalState,
                      "entry of a released list");
    cr_assert_null(dev);
}

Test(L1_Device, connectSecurityDeviceBySpec_connects)
{
    isoIec23465_SecurityDevice *dev = NULL;
    sdc_assert_status(isoIec23465_connectSecurityDeviceBySpec(sdc_spec(), &dev),
                      isoIec23465_Success, "%s", sdc_why());
    sdc_assert_status(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
}

Test(L1_Device, connectSecurityDeviceBySpec_missing_device)
{
    isoIec23465_SecurityDevice *dev = NULL;
    sdc_assert_status(
        isoIec23465_connectSecurityDeviceBySpec("emu:/nonexistent/profile.yaml", &dev),
        isoIec23465_SecurityDeviceNotFound);
    sdc_assert_status(isoIec23465_connectSecurityDeviceBySpec("pcsc:No Such Reader 99 99", &dev),
                      isoIec23465_SecurityDeviceNotFound, "%s", sdc_why());
    sdc_assert_status(isoIec23465_connectSecurityDeviceBySpec("garbage", &dev),
                      isoIec23465_IllegalArgument);
    cr_assert_null(dev);
}

Test(L1_Device, disconnectSecurityDevice_makes_handles_stale)
{
    sdc_connect();
    isoIec23465_Object *o = sdc_find(sdc_containers[0].label);
    isoIec23465_SecurityDevice *dev = sdc_dev;
    sdc_assert_status(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    sdc_dev = NULL;
    char label[64] = "";
    size_t len = sizeof label;
    sdc_assert_status(isoIec23465_Object_getLabel(o, label, &len), isoIec23465_IllegalState,
                      "an object of a disconnected device must be stale; it still answers, so "
                      "the proxy keeps the connection (a leaked handle)");
    sdc_assert_status(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_IllegalState,
                      "a disconnected device handle must be stale (leaked handle)");
}

Test(L1_Device, disconnectSecurityDevice_refuses_wrong_class, .init = sdc_connect,
     .fini = sdc_disconnect)
{
    sdc_assert_status(isoIec23465_disconnectSecurityDevice(NULL), isoIec23465_Success);
    sdc_assert_status(isoIec23465_disconnectSecurityDevice(sdc_root), isoIec23465_IllegalArgument);
}

Test(L1_Device, getRootApplication_is_stable, .init = sdc_connect, .fini = sdc_disconnect)
{
    isoIec23465_RootApplication *r = NULL;
    sdc_assert_status(isoIec23465_SecurityDevice_getRootApplication(sdc_dev, &r),
                      isoIec23465_Success);
    cr_assert_eq(r, sdc_root);
    isoIec23465_ObjectType t = SDC_NO_TYPE;
    sdc_assert_status(isoIec23465_Object_getType(r, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_TypeRootApplication);
}

Test(L1_Device, getRootApplication_refuses_bad_arguments, .init = sdc_connect,
     .fini = sdc_disconnect)
{
    isoIec23465_RootApplication *r = NULL;
    sdc_assert_status(isoIec23465_SecurityDevice_getRootApplication(sdc_dev, NULL),
                      isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_SecurityDevice_getRootApplication(sdc_root, &r),
                      isoIec23465_IllegalArgument);
    cr_assert_null(r);
}
