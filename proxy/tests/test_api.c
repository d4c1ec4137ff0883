/* The public API against the reference card: in-process (emu:<default profile>), or, built with
 * PX_TEST_PCSC, through pcscd (pcsc:$SDEMU_READER, run under `sdemu run`). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isoiec23465.h"

static const uint8_t ref_atr[] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xB4, 0x41, 0xDB, 0xD9};
static const uint8_t sdtest_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                     0x44, 0x54, 0x45, 0x53, 0x54, 0x01};
static const char hello[] = "Hello from the sdtest application";

static char spec[1024];
static isoIec23465_SecurityDevice *dev;
static isoIec23465_RootApplication *root;

static void device_spec(void)
{
#ifdef PX_TEST_PCSC
    const char *r = getenv("SDEMU_READER");
    cr_assert(r && *r, "SDEMU_READER not set: run under `sdemu run`");
    snprintf(spec, sizeof spec, "pcsc:%s", r);
#else
    snprintf(spec, sizeof spec, "emu:%s", PX_TEST_PROFILE);
#endif
}

static void setup(void)
{
    device_spec();
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "connect %s: %s: %s", spec,
                 isoIec23465_statusToString(st), d.message);
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
}

static void teardown(void)
{
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    root = NULL;
}

static isoIec23465_Object *find(const char *label)
{
    isoIec23465_Object *o = NULL;
    isoIec23465_Status st = isoIec23465_SecurityDeviceApplication_findObject(root, label, &o);
    cr_assert_eq(st, isoIec23465_Success, "findObject %s: %s", label,
                 isoIec23465_statusToString(st));
    return o;
}

Test(device, list_contains_the_device_with_its_atr)
{
    device_spec();
    isoIec23465_SecurityDeviceList *list = NULL;
    cr_assert_eq(isoIec23465_getSecurityDeviceList(spec, &list), isoIec23465_Success);
    size_t n = 0;
    cr_assert_eq(isoIec23465_SecurityDeviceList_getCount(list, &n), isoIec23465_Success);
    cr_assert_eq(n, 1);
    isoIec23465_SecurityDeviceEntry *e = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceList_getEntry(list, 0, &e), isoIec23465_Success);
    uint8_t atr[40];
    size_t atr_len = sizeof atr;
    cr_assert_eq(isoIec23465_SecurityDeviceEntry_getAtr(e, atr, &atr_len), isoIec23465_Success);
    cr_assert_eq(atr_len, sizeof ref_atr);
    cr_assert_arr_eq(atr, ref_atr, sizeof ref_atr);
    char text[1100];
    size_t len = sizeof text;
    cr_assert_eq(
        isoIec23465_SecurityDeviceEntry_getAttribute(e, isoIec23465_AttrIdentifier, text, &len),
        isoIec23465_Success);
    cr_assert_eq(strncmp(text, spec, 4), 0, "identifier %s", text);
    len = sizeof text;
    cr_assert_eq(isoIec23465_SecurityDeviceEntry_getAttribute(e, isoIec23465_AttrAtr, text, &len),
                 isoIec23465_Success);
    cr_assert_str_eq(text, "3B 85 80 01 80 73 B4 41 DB D9");
    cr_assert_eq(len, strlen(text) + 1);
    len = sizeof text;
    cr_assert_eq(
        isoIec23465_SecurityDeviceEntry_getAttribute(e, isoIec23465_AttrExtendedLength, text, &len),
        isoIec23465_Success);
    cr_assert_str_eq(text, "yes");
    isoIec23465_Presence p;
    cr_assert_eq(isoIec23465_SecurityDeviceEntry_getPresence(e, &p), isoIec23465_Success);
    cr_assert_neq(p, isoIec23465_PresenceAbsent);
    isoIec23465_DeviceType t;
    cr_assert_eq(isoIec23465_SecurityDeviceEntry_getDeviceType(e, &t), isoIec23465_Success);
#ifndef PX_TEST_PCSC
    cr_assert_eq(t, isoIec23465_DeviceVirtual);
#endif
    /* connect by entry */
    isoIec23465_SecurityDevice *d2 = NULL;
    cr_assert_eq(isoIec23465_connectSecurityDevice(e, &d2), isoIec23465_Success);
    isoIec23465_SecurityDeviceList_release(list);
    isoIec23465_RootApplication *r2;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(d2, &r2), isoIec23465_Success);
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(d2), isoIec23465_Success);
}

Test(device, size_query_and_small_buffer)
{
    device_spec();
    isoIec23465_SecurityDeviceList *list = NULL;
    cr_assert_eq(isoIec23465_getSecurityDeviceList(spec, &list), isoIec23465_Success);
    isoIec23465_SecurityDeviceEntry *e = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceList_getEntry(list, 0, &e), isoIec23465_Success);
    size_t len = 0;
    cr_assert_eq(isoIec23465_SecurityDeviceEntry_getAtr(e, NULL, &len), isoIec23465_Success);
    cr_assert_eq(len, sizeof ref_atr);
    uint8_t small[4];
    len = sizeof small;
    cr_assert_eq(isoIec23465_SecurityDeviceEntry_getAtr(e, small, &len),
                 isoIec23465_BufferTooSmall);
    cr_assert_eq(len, sizeof small, "length untouched on failure");
    isoIec23465_ErrorDetails d;
    cr_assert_eq(isoIec23465_getLastError(&d), isoIec23465_BufferTooSmall);
    cr_assert_eq(d.requiredLength, sizeof ref_atr);
    /* An entry (not connected) has no description: the OS version is not known. */
    char text[64];
    len = sizeof text;
    cr_assert_eq(
        isoIec23465_SecurityDeviceEntry_getAttribute(e, isoIec23465_AttrOsVersion, text, &len),
        isoIec23465_ObjectNotFound);
    isoIec23465_SecurityDeviceEntry *none = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceList_getEntry(list, 1, &none),
                 isoIec23465_IllegalArgument);
    cr_assert_null(none);
    isoIec23465_SecurityDeviceList_release(list);
}

Test(device, bad_specs_and_null_arguments)
{
    isoIec23465_SecurityDeviceList *list = NULL;
    isoIec23465_SecurityDevice *d = NULL;
    cr_assert_eq(isoIec23465_getSecurityDeviceList("bogus:x", &list), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_getSecurityDeviceList("pcsc", NULL), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_getSecurityDeviceList("emu:/nonexistent/profile.yaml", &list),
                 isoIec23465_SecurityDeviceNotFound);
    cr_assert_null(list);
    cr_assert_eq(isoIec23465_connectSecurityDeviceBySpec(NULL, &d), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_connectSecurityDeviceBySpec("emu:/nonexistent.yaml", &d),
                 isoIec23465_SecurityDeviceNotFound);
    cr_assert_eq(isoIec23465_connectSecurityDevice(NULL, &d), isoIec23465_IllegalArgument);
    cr_assert_null(d);
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(NULL), isoIec23465_Success);
    isoIec23465_SecurityDeviceList_release(NULL);
    isoIec23465_Object_release(NULL);
}

Test(object, root_attributes, .init = setup, .fini = teardown)
{
    isoIec23465_ObjectType t;
    cr_assert_eq(isoIec23465_Object_getType(root, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_TypeRootApplication);
    char label[64];
    size_t len = sizeof label;
    cr_assert_eq(isoIec23465_Object_getLabel(root, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, "sdtest reference card");
    uint8_t id[16];
    len = sizeof id;
    cr_assert_eq(isoIec23465_Object_getIdentifier(root, id, &len), isoIec23465_Success);
    cr_assert_eq(len, 2);
    cr_assert(id[0] == 0x3F && id[1] == 0x00);
    isoIec23465_RootApplication *again;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &again), isoIec23465_Success);
    cr_assert_eq(again, root);
    char text[64];
    len = sizeof text;
    cr_assert_eq(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                     root, isoIec23465_AttrManufacturer, text, &len),
                 isoIec23465_Success);
    cr_assert_str_eq(text, "sdtest project");
    len = sizeof text;
    cr_assert_eq(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                     root, isoIec23465_AttrSerialNumber, text, &len),
                 isoIec23465_Success);
    cr_assert_str_eq(text, "SDT0000001", "the serial number from TokenInfo (7816-15)");
    len = sizeof text;
    cr_assert_eq(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                     root, isoIec23465_AttrOsVersion, text, &len),
                 isoIec23465_Success);
    cr_assert_str_eq(text, "sdemu 0.1.0", "the description's os_version");
}

Test(object, find_and_describe, .init = setup, .fini = teardown)
{
    isoIec23465_Object *o = find("public-256");
    isoIec23465_ObjectType t;
    cr_assert_eq(isoIec23465_Object_getType(o, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_TypeDataContainer);
    char label[64];
    size_t len = sizeof label;
    cr_assert_eq(isoIec23465_Object_getLabel(o, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, "public-256");
    uint8_t id[16];
    len = sizeof id;
    cr_assert_eq(isoIec23465_Object_getIdentifier(o, id, &len), isoIec23465_Success);
    cr_assert_eq(len, 2);
    cr_assert(id[0] == 0x01 && id[1] == 0x01);
    isoIec23465_Object *by_id = NULL;
    const uint8_t fid[] = {0x01, 0x04};
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(root, fid, 2, &by_id),
                 isoIec23465_Success);
    len = sizeof label;
    cr_assert_eq(isoIec23465_Object_getLabel(by_id, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, "public-4096");
    isoIec23465_Object_release(o);
    isoIec23465_Object_release(by_id);
}

Test(object, unknown_label_is_object_not_found, .init = setup, .fini = teardown)
{
    isoIec23465_Object *o = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, "no-such-thing", &o),
                 isoIec23465_ObjectNotFound);
    cr_assert_null(o, "out-parameter untouched on failure");
    isoIec23465_ErrorDetails d;
    cr_assert_eq(isoIec23465_getLastError(&d), isoIec23465_ObjectNotFound);
    cr_assert_eq(d.origin, isoIec23465_OriginLocal);
    cr_assert(strstr(d.message, "no-such-thing"));
}

Test(object, null_arguments, .init = setup, .fini = teardown)
{
    isoIec23465_Object *o = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, NULL, &o),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, "public-256", NULL),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(NULL, "public-256", &o),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_Object_getType(NULL, NULL), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_Object_getLabel(root, NULL, NULL), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(NULL, NULL),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_DataContainer_getData(NULL, NULL, NULL), isoIec23465_IllegalArgument);
    isoIec23465_DataContainer *dc = find("public-256");
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, NULL, NULL), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_DataContainer_getSize(dc, NULL), isoIec23465_IllegalArgument);
}

Test(object, wrong_handle_class_is_illegal_argument, .init = setup, .fini = teardown)
{
    size_t n;
    uint8_t buf[8];
    size_t len = sizeof buf;
    /* a RootApplication is not a DataContainer, a device is not an Object */
    cr_assert_eq(isoIec23465_DataContainer_getData(root, buf, &len), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_DataContainer_getSize(root, &n), isoIec23465_IllegalArgument);
    char label[8];
    len = sizeof label;
    cr_assert_eq(isoIec23465_Object_getLabel(dev, label, &len), isoIec23465_IllegalArgument);
    isoIec23465_Object *o = find("public-256");
    isoIec23465_Object *x = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(o, "public-256", &x),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(root), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_SecurityDeviceList_getCount(dev, &n), isoIec23465_IllegalArgument);
}

static void check_public_256(const uint8_t *b, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(b[i], (uint8_t)(off + i), "byte %zu", off + i);
}

static void check_public_4096(const uint8_t *b, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(b[i], (uint8_t)(7 * (off + i)), "byte %zu", off + i);
}

Test(data, get_data_whole, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    size_t len = 0;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, NULL, &len), isoIec23465_Success);
    cr_assert_eq(len, 256);
    uint8_t buf[256];
    len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success);
    cr_assert_eq(len, 256);
    check_public_256(buf, 0, 256);

    dc = find("public-4096");
    static uint8_t big[4096];
    len = sizeof big;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, big, &len), isoIec23465_Success);
    cr_assert_eq(len, 4096);
    check_public_4096(big, 0, 4096);

    dc = find("app-hello");
    char text[64];
    len = sizeof text;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, (uint8_t *)text, &len), isoIec23465_Success);
    cr_assert_eq(len, strlen(hello));
    cr_assert_eq(memcmp(text, hello, len), 0);
}

Test(data, get_data_small_buffer, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    uint8_t buf[100];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_BufferTooSmall);
    cr_assert_eq(len, sizeof buf);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, 256);
}

Test(data, get_data_range, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-4096");
    static const size_t cases[][2] = {{0, 1},   {1000, 300}, {255, 2},  {4095, 1},
                                      {100, 0}, {0, 4096},   {4096, 0}, {3000, 1096}};
    static uint8_t buf[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = sizeof buf;
        cr_assert_eq(
            isoIec23465_DataContainer_getDataRange(dc, cases[i][0], cases[i][1], buf, &len),
            isoIec23465_Success, "range %zu+%zu", cases[i][0], cases[i][1]);
        cr_assert_eq(len, cases[i][1]);
        check_public_4096(buf, cases[i][0], len);
    }
    dc = find("public-256");
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getDataRange(dc, 10, 20, buf, &len),
                 isoIec23465_Success);
    check_public_256(buf, 10, 20);
}

Test(data, range_past_end_is_illegal_argument, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    uint8_t buf[300];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getDataRange(dc, 257, 1, buf, &len),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_DataContainer_getDataRange(dc, 200, 57, buf, &len),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_DataContainer_getDataRange(dc, (size_t)-1, 2, buf, &len),
                 isoIec23465_IllegalArgument);
    cr_assert_eq(len, sizeof buf);
}

Test(data, get_size, .init = setup, .fini = teardown)
{
    size_t n = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize(find("public-256"), &n), isoIec23465_Success);
    cr_assert_eq(n, 256);
    cr_assert_eq(isoIec23465_DataContainer_getSize(find("public-4096"), &n), isoIec23465_Success);
    cr_assert_eq(n, 4096);
    cr_assert_eq(isoIec23465_DataContainer_getSize(find("app-hello"), &n), isoIec23465_Success);
    cr_assert_eq(n, strlen(hello));
}

Test(app, open_application_by_aid, .init = setup, .fini = teardown)
{
    isoIec23465_SecurityDeviceApplication *app = NULL;
    cr_assert_eq(
        isoIec23465_RootApplication_openApplication(root, sdtest_aid, sizeof sdtest_aid, &app),
        isoIec23465_Success);
    char label[64];
    size_t len = sizeof label;
    cr_assert_eq(isoIec23465_Object_getLabel(app, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, "sdtest app");
    uint8_t aid[16];
    len = sizeof aid;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_getAid(app, aid, &len), isoIec23465_Success);
    cr_assert_eq(len, sizeof sdtest_aid);
    isoIec23465_Object *o = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(app, "app-hello", &o),
                 isoIec23465_Success);
    /* the application's scope holds only its own objects */
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(app, "public-256", &o),
                 isoIec23465_ObjectNotFound);
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_close(app), isoIec23465_Success);
    /* o was released with its application */
    cr_assert_eq(isoIec23465_Object_getLabel(o, label, &len), isoIec23465_IllegalState);
    const uint8_t missing[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0xFF};
    cr_assert_eq(isoIec23465_RootApplication_openApplication(root, missing, sizeof missing, &app),
                 isoIec23465_ObjectNotFound);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert(d.hasStatusWord);
    cr_assert_eq(d.statusWord, 0x6A82);
    cr_assert_eq(isoIec23465_RootApplication_openApplication(root, missing, 4, &app),
                 isoIec23465_IllegalArgument);
    len = sizeof aid;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_getAid(root, aid, &len),
                 isoIec23465_ObjectNotFound);
}

Test(lifecycle, handle_after_disconnect_is_illegal_state)
{
    setup();
    isoIec23465_DataContainer *dc = find("public-256");
    isoIec23465_RootApplication *r = root;
    isoIec23465_SecurityDevice *d = dev;
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(dev), isoIec23465_Success);
    dev = NULL;
    uint8_t buf[256];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_IllegalState);
    isoIec23465_Object *o;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(r, "public-256", &o),
                 isoIec23465_IllegalState);
    isoIec23465_RootApplication *r2;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(d, &r2), isoIec23465_IllegalState);
    cr_assert_eq(isoIec23465_disconnectSecurityDevice(d), isoIec23465_IllegalState);
    isoIec23465_Object_release(dc); /* stale: ignored, no crash */
}

Test(lifecycle, release_root_releases_children, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    isoIec23465_Object_release(root);
    size_t n;
    cr_assert_eq(isoIec23465_DataContainer_getSize(dc, &n), isoIec23465_IllegalState);
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    cr_assert_eq(isoIec23465_DataContainer_getSize(find("public-256"), &n), isoIec23465_Success);
}

/* What the device has no command for answers FunctionNotImplemented, checked after the handle:
 * ISO/IEC 7816-8 has no command that generates a secret key. */
Test(lifecycle, function_without_a_device_command, .init = setup, .fini = teardown)
{
    isoIec23465_SecretKey *aes = find("AES-128 key");
    cr_assert_eq(isoIec23465_SecretKey_generate(aes), isoIec23465_FunctionNotImplemented);
    cr_assert_eq(isoIec23465_SecretKey_generate(root), isoIec23465_IllegalArgument);
    cr_assert_eq(isoIec23465_DataContainer_erase(root), isoIec23465_IllegalArgument);
}

Test(status, names)
{
    cr_assert_str_eq(isoIec23465_statusToString(isoIec23465_Success), "Success");
    cr_assert_str_eq(isoIec23465_statusToString(isoIec23465_ObjectNotFound), "ObjectNotFound");
    cr_assert_str_eq(isoIec23465_statusToString((isoIec23465_Status)999), "Unknown");
}

/* Several threads on one device: calls are serialised, each read sees the right bytes. */
static void *reader_thread(void *arg)
{
    isoIec23465_DataContainer *dc = arg;
    static _Thread_local uint8_t buf[4096];
    for (int i = 0; i < 20; i++) {
        size_t len = sizeof buf;
        if (isoIec23465_DataContainer_getData(dc, buf, &len) != isoIec23465_Success || len != 4096)
            return (void *)1;
        for (size_t k = 0; k < len; k++)
            if (buf[k] != (uint8_t)(7 * k))
                return (void *)1;
    }
    return NULL;
}

Test(threads, concurrent_reads_on_one_device, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *a = find("public-4096");
    isoIec23465_DataContainer *b = find("public-4096");
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, reader_thread, i % 2 ? a : b), 0);
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        cr_assert_null(rc, "thread %d read wrong data", i);
    }
}
