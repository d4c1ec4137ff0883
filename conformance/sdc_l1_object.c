/* Level 1, classes Object, SecurityDeviceApplication and RootApplication. */
#include <criterion/criterion.h>
#include <string.h>

#include "sdc_target.h"

TestSuite(L1_Object, .init = sdc_connect, .fini = sdc_disconnect,
          .description = "L1.Object: getType, getLabel, getIdentifier, release");
TestSuite(L1_SecurityDeviceApplication, .init = sdc_connect, .fini = sdc_disconnect,
          .description = "L1.SecurityDeviceApplication: findObject, getAid, close");
TestSuite(L1_RootApplication, .init = sdc_connect, .fini = sdc_disconnect,
          .description = "L1.RootApplication: device attributes, openApplication");

/* openApplication of the target's application that must succeed. */
static isoIec23465_SecurityDeviceApplication *sdc_open_app(void)
{
    sdc_need_application();
    isoIec23465_SecurityDeviceApplication *app = NULL;
    sdc_assert_status(
        isoIec23465_RootApplication_openApplication(sdc_root, sdc_app_aid, sdc_app_aid_len, &app),
        isoIec23465_Success, "%s", sdc_why());
    return app;
}

Test(L1_Object, getType_of_each_container)
{
    for (size_t i = 0; i < sdc_n_containers; i++) {
        isoIec23465_ObjectType t = SDC_NO_TYPE;
        sdc_assert_status(isoIec23465_Object_getType(sdc_find(sdc_containers[i].label), &t),
                          isoIec23465_Success);
        cr_assert_eq(t, isoIec23465_TypeDataContainer, "%s", sdc_containers[i].label);
    }
}

Test(L1_Object, getType_refuses_null)
{
    isoIec23465_ObjectType t = (isoIec23465_ObjectType)0;
    sdc_assert_status(isoIec23465_Object_getType(NULL, &t), isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_Object_getType(sdc_root, NULL), isoIec23465_IllegalArgument);
    cr_assert_eq(t, 0, "out-parameter untouched");
}

Test(L1_Object, getLabel_returns_the_label)
{
    for (size_t i = 0; i < sdc_n_containers; i++) {
        isoIec23465_Object *o = sdc_find(sdc_containers[i].label);
        size_t len = 0;
        sdc_assert_status(isoIec23465_Object_getLabel(o, NULL, &len), isoIec23465_Success);
        sdc_assert_size(len, strlen(sdc_containers[i].label) + 1, "size query counts the NUL");
        char label[128] = "";
        len = sizeof label;
        sdc_assert_status(isoIec23465_Object_getLabel(o, label, &len), isoIec23465_Success);
        cr_assert_str_eq(label, sdc_containers[i].label);
    }
}

Test(L1_Object, getLabel_small_buffer)
{
    char label[3] = "xx";
    size_t len = sizeof label;
    sdc_assert_status(isoIec23465_Object_getLabel(sdc_find(sdc_containers[0].label), label, &len),
                      isoIec23465_BufferTooSmall);
    sdc_assert_size(len, sizeof label);
    cr_assert_str_eq(label, "xx", "buffer untouched");
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    sdc_assert_size(d.requiredLength, strlen(sdc_containers[0].label) + 1);
    sdc_assert_status(isoIec23465_Object_getLabel(sdc_dev, label, &len),
                      isoIec23465_IllegalArgument, "a device is not an Object");
}

Test(L1_Object, getIdentifier_returns_the_fid)
{
    for (size_t i = 0; i < sdc_n_containers; i++) {
        uint8_t id[16];
        size_t len = sizeof id;
        sdc_assert_status(
            isoIec23465_Object_getIdentifier(sdc_find(sdc_containers[i].label), id, &len),
            isoIec23465_Success);
        sdc_assert_size(len, 2);
        cr_assert_arr_eq(id, sdc_containers[i].id, 2, "%s", sdc_containers[i].label);
    }
}

Test(L1_Object, getIdentifier_refuses_null_len)
{
    uint8_t id[16];
    sdc_assert_status(isoIec23465_Object_getIdentifier(sdc_root, id, NULL),
                      isoIec23465_IllegalArgument);
}

Test(L1_Object, release_makes_the_handle_stale)
{
    isoIec23465_Object *o = sdc_find(sdc_containers[0].label);
    isoIec23465_Object_release(o);
    isoIec23465_ObjectType t = SDC_NO_TYPE;
    sdc_assert_status(isoIec23465_Object_getType(o, &t), isoIec23465_IllegalState,
                      "after Object_release the handle must be stale; it still answers, so the "
                      "proxy keeps the object (a leaked handle)");
}

Test(L1_Object, release_accepts_null_and_stale_handles)
{
    isoIec23465_Object_release(NULL);
    isoIec23465_Object *o = sdc_find(sdc_containers[0].label);
    isoIec23465_Object_release(o);
    isoIec23465_Object_release(o);
    cr_assert_eq(isoIec23465_getLastError(NULL), isoIec23465_Success,
                 "release leaves the last error alone");
}

Test(L1_SecurityDeviceApplication, findObject_by_label)
{
    for (size_t i = 0; i < sdc_n_containers; i++)
        cr_assert_not_null(sdc_find(sdc_containers[i].label));
}

Test(L1_SecurityDeviceApplication, findObject_unknown_label)
{
    isoIec23465_Object *o = NULL;
    sdc_assert_status(
        isoIec23465_SecurityDeviceApplication_findObject(sdc_root, "no such label", &o),
        isoIec23465_ObjectNotFound);
    cr_assert_null(o);
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_findObject(sdc_root, NULL, &o),
                      isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_findObject(
                          sdc_find(sdc_containers[0].label), "x", &o),
                      isoIec23465_IllegalArgument, "a container is not an application");
}

Test(L1_SecurityDeviceApplication, findObjectByIdentifier_finds)
{
    for (size_t i = 0; i < sdc_n_containers; i++) {
        isoIec23465_Object *o = NULL;
        sdc_assert_status(isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(
                              sdc_root, sdc_containers[i].id, 2, &o),
                          isoIec23465_Success);
        char label[128] = "";
        size_t len = sizeof label;
        sdc_assert_status(isoIec23465_Object_getLabel(o, label, &len), isoIec23465_Success);
        cr_assert_str_eq(label, sdc_containers[i].label);
    }
}

Test(L1_SecurityDeviceApplication, findObjectByIdentifier_unknown)
{
    const uint8_t id[] = {0x7E, 0x7E};
    isoIec23465_Object *o = NULL;
    sdc_assert_status(
        isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(sdc_root, id, 2, &o),
        isoIec23465_ObjectNotFound);
    sdc_assert_status(
        isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(sdc_root, id, 0, &o),
        isoIec23465_IllegalArgument);
    cr_assert_null(o);
}

Test(L1_SecurityDeviceApplication, getAid_of_an_application)
{
    isoIec23465_SecurityDeviceApplication *app = sdc_open_app();
    uint8_t aid[16] = {0};
    size_t len = sizeof aid;
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_getAid(app, aid, &len),
                      isoIec23465_Success);
    sdc_assert_size(len, sdc_app_aid_len);
    cr_assert_arr_eq(aid, sdc_app_aid, len);
}

Test(L1_SecurityDeviceApplication, getAid_of_the_root)
{
    uint8_t aid[16] = {0};
    size_t len = sizeof aid;
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_getAid(sdc_root, aid, &len),
                      isoIec23465_ObjectNotFound);
}

Test(L1_SecurityDeviceApplication, close_releases_the_application_and_its_objects)
{
    isoIec23465_SecurityDeviceApplication *app = sdc_open_app();
    isoIec23465_Object *o = NULL;
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_findObject(app, sdc_app_container, &o),
                      isoIec23465_Success);
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_close(app), isoIec23465_Success);
    isoIec23465_ObjectType t = SDC_NO_TYPE;
    sdc_assert_status(isoIec23465_Object_getType(o, &t), isoIec23465_IllegalState);
}

Test(L1_SecurityDeviceApplication, close_refuses_wrong_class_and_stale)
{
    isoIec23465_Object *o = sdc_find(sdc_containers[0].label);
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_close(o), isoIec23465_IllegalArgument);
    isoIec23465_SecurityDeviceApplication *app = sdc_open_app();
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_close(app), isoIec23465_Success);
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_close(app), isoIec23465_IllegalState);
}

Test(L1_RootApplication, getSecurityDeviceAttribute_known)
{
    char text[512] = "";
    size_t len = sizeof text;
    sdc_assert_status(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                          sdc_root, isoIec23465_AttrAtr, text, &len),
                      isoIec23465_Success);
    cr_assert(strncmp(text, "3B", 2) == 0 || strncmp(text, "3F", 2) == 0, "ATR %s", text);
    len = sizeof text;
    sdc_assert_status(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                          sdc_root, isoIec23465_AttrApiLevels, text, &len),
                      isoIec23465_Success);
    cr_assert(strchr(text, '1'), "level 1 claimed: %s", text);
}

Test(L1_RootApplication, getSecurityDeviceAttribute_unknown)
{
    char text[64] = "";
    size_t len = sizeof text;
    sdc_assert_status(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                          sdc_root, (isoIec23465_DeviceAttribute)999, text, &len),
                      isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                          sdc_dev, isoIec23465_AttrAtr, text, &len),
                      isoIec23465_IllegalArgument, "a device is not a RootApplication");
}

Test(L1_RootApplication, openApplication_by_aid)
{
    isoIec23465_SecurityDeviceApplication *app = sdc_open_app();
    char label[64] = "";
    size_t len = sizeof label;
    sdc_assert_status(isoIec23465_Object_getLabel(app, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, sdc_app_label);
    isoIec23465_ObjectType t = SDC_NO_TYPE;
    sdc_assert_status(isoIec23465_Object_getType(app, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_TypeSecurityDeviceApplication);
}

Test(L1_RootApplication, openApplication_missing_aid)
{
    const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0xEE, 0xEE};
    isoIec23465_SecurityDeviceApplication *app = NULL;
    sdc_assert_status(isoIec23465_RootApplication_openApplication(sdc_root, aid, sizeof aid, &app),
                      isoIec23465_ObjectNotFound);
    cr_assert_null(app);
    sdc_assert_status(isoIec23465_RootApplication_openApplication(sdc_root, aid, 3, &app),
                      isoIec23465_IllegalArgument, "an AID has at least 5 bytes");
}
