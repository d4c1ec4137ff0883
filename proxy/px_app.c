/* SecurityDeviceApplication listing and administration, RootApplication listing and GET CHALLENGE, Object attributes.
 * Work in progress: functions still answering FunctionNotImplemented use PX_NOT_IMPLEMENTED. */
#include "px_error.h"
#include "px_handle.h"
#include "px_unimpl.h"

isoIec23465_Status isoIec23465_Object_getAttributes(const isoIec23465_Object *object, uint8_t *buf,
                                                    size_t *len)
{
    (void)buf;
    (void)len;
    PX_NOT_IMPLEMENTED(object, isoIec23465_TypeObject);
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_listObjects(isoIec23465_SecurityDeviceApplication *app,
                                                  isoIec23465_ObjectType type,
                                                  isoIec23465_Object **objects, size_t *count)
{
    (void)type;
    (void)objects;
    (void)count;
    PX_NOT_IMPLEMENTED(app, isoIec23465_TypeSecurityDeviceApplication);
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_getLifeCycleState(isoIec23465_SecurityDeviceApplication *app,
                                                        isoIec23465_LifeCycleState *state)
{
    (void)state;
    PX_NOT_IMPLEMENTED(app, isoIec23465_TypeSecurityDeviceApplication);
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_createDataContainer(
    isoIec23465_SecurityDeviceApplication *app, const char *label, const uint8_t *identifier,
    size_t identifierLen, size_t size, isoIec23465_DataContainer **container)
{
    (void)label;
    (void)identifier;
    (void)identifierLen;
    (void)size;
    (void)container;
    PX_NOT_IMPLEMENTED(app, isoIec23465_TypeSecurityDeviceApplication);
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_deleteObject(isoIec23465_SecurityDeviceApplication *app,
                                                   isoIec23465_Object *object)
{
    (void)object;
    PX_NOT_IMPLEMENTED(app, isoIec23465_TypeSecurityDeviceApplication);
}

isoIec23465_Status isoIec23465_RootApplication_listApplications(
    isoIec23465_RootApplication *root, isoIec23465_SecurityDeviceApplication **apps, size_t *count)
{
    (void)apps;
    (void)count;
    PX_NOT_IMPLEMENTED(root, isoIec23465_TypeRootApplication);
}

isoIec23465_Status isoIec23465_RootApplication_getRandom(isoIec23465_RootApplication *root,
                                                         uint8_t *buf, size_t len)
{
    (void)buf;
    (void)len;
    PX_NOT_IMPLEMENTED(root, isoIec23465_TypeRootApplication);
}

isoIec23465_Status
isoIec23465_RootApplication_createApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                              size_t aidLen, const char *label,
                                              isoIec23465_SecurityDeviceApplication **app)
{
    (void)aid;
    (void)aidLen;
    (void)label;
    (void)app;
    PX_NOT_IMPLEMENTED(root, isoIec23465_TypeRootApplication);
}

isoIec23465_Status
isoIec23465_RootApplication_deleteApplication(isoIec23465_RootApplication *root,
                                              isoIec23465_SecurityDeviceApplication *app)
{
    (void)app;
    PX_NOT_IMPLEMENTED(root, isoIec23465_TypeRootApplication);
}
