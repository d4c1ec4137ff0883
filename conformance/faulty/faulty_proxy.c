/* A deliberately faulty proxy for testing sdconform itself: a thin wrapper around libsdproxy
 * that maps a card's "not found" (ObjectNotFound) to the generic SecurityDeviceError, as a
 * careless proxy would, reports a wrong PIN (AuthenticationFailed) as that generic error too, so
 * the caller never learns the tries left, reports every container one byte larger than it is,
 * and leaks handles:
 * Object_release keeps the object alive, and disconnectSecurityDevice keeps the connection (and
 * so every handle under it) alive. Everything else comes from libsdproxy unchanged.
 *
 * Built as a shared library linked against libsdproxy: dlsym on this library's handle finds the
 * functions below first and libsdproxy's for the rest; the real ones are reached with
 * dlsym(RTLD_NEXT, ...). sdconform --proxy must fail exactly the tests listed in
 * expected_failures.txt. */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "isoiec23465.h"

/* The functions not wrapped here are found by dlsym among this library's dependencies, so
 * libsdproxy must stay one: this reference keeps the linker's --as-needed from dropping it. */
__attribute__((used)) static const char *(*const faulty_keep)(isoIec23465_Status) =
    isoIec23465_statusToString;

/* Sets the function pointer at `fp` (of `size` bytes) to the next definition of `name` after
 * this library (libsdproxy's), or NULL. dlsym answers an object pointer and C has no conversion
 * from it to a function pointer, so the bits are copied. */
static void faulty_next(const char *name, void *fp, size_t size)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (size == sizeof p)
        memcpy(fp, &p, size);
}

/* Declares `real`: libsdproxy's definition of the function `fn`, or NULL. */
#define FAULTY_REAL(fn)                                                                            \
    __typeof__(fn) *real = NULL;                                                                   \
    faulty_next(#fn, &real, sizeof real)

/* The mistake under test: a specific exception flattened into a generic one. */
static isoIec23465_Status faulty_flatten(isoIec23465_Status st)
{
    return st == isoIec23465_ObjectNotFound ? isoIec23465_SecurityDeviceError : st;
}

/* A wrong PIN reported as a generic device error: the remaining tries are lost. */
isoIec23465_Status isoIec23465_Password_verify(isoIec23465_Password *password, const uint8_t *value,
                                               size_t len)
{
    FAULTY_REAL(isoIec23465_Password_verify);
    if (!real)
        return isoIec23465_FunctionNotImplemented;
    isoIec23465_Status st = real(password, value, len);
    return st == isoIec23465_AuthenticationFailed ? isoIec23465_SecurityDeviceError : st;
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_findObject(isoIec23465_SecurityDeviceApplication *app,
                                                 const char *label, isoIec23465_Object **object)
{
    FAULTY_REAL(isoIec23465_SecurityDeviceApplication_findObject);
    if (!real)
        return isoIec23465_FunctionNotImplemented;
    return faulty_flatten(real(app, label, object));
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(
    isoIec23465_SecurityDeviceApplication *app, const uint8_t *identifier, size_t identifierLen,
    isoIec23465_Object **object)
{
    FAULTY_REAL(isoIec23465_SecurityDeviceApplication_findObjectByIdentifier);
    if (!real)
        return isoIec23465_FunctionNotImplemented;
    return faulty_flatten(real(app, identifier, identifierLen, object));
}

isoIec23465_Status
isoIec23465_RootApplication_openApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                            size_t aidLen,
                                            isoIec23465_SecurityDeviceApplication **app)
{
    FAULTY_REAL(isoIec23465_RootApplication_openApplication);
    if (!real)
        return isoIec23465_FunctionNotImplemented;
    return faulty_flatten(real(root, aid, aidLen, app));
}

/* Off by one: the size of every container is reported one byte too large. */
isoIec23465_Status isoIec23465_DataContainer_getSize(isoIec23465_DataContainer *container,
                                                     size_t *size)
{
    FAULTY_REAL(isoIec23465_DataContainer_getSize);
    if (!real)
        return isoIec23465_FunctionNotImplemented;
    isoIec23465_Status st = real(container, size);
    if (st == isoIec23465_Success)
        *size += 1;
    return st;
}

/* Handles kept alive on purpose. Held here so that they stay reachable (a leak checker run on
 * sdconform reports the proxy's fault through the conformance tests, not as lost memory). */
#define FAULTY_KEPT_MAX 256
static isoIec23465_Handle *faulty_kept[FAULTY_KEPT_MAX];
static size_t faulty_n_kept;

static void faulty_keep_handle(isoIec23465_Handle *h)
{
    if (faulty_n_kept < FAULTY_KEPT_MAX)
        faulty_kept[faulty_n_kept++] = h;
}

/* Leak: the object is never released; the handle keeps answering. */
void isoIec23465_Object_release(isoIec23465_Object *object)
{
    if (object)
        faulty_keep_handle(object);
}

/* Leak: a live device is reported disconnected but its connection stays open. Anything else
 * (NULL, a handle of another class, a stale handle) goes to libsdproxy for the right answer. */
isoIec23465_Status isoIec23465_disconnectSecurityDevice(isoIec23465_SecurityDevice *device)
{
    FAULTY_REAL(isoIec23465_disconnectSecurityDevice);
    __typeof__(isoIec23465_Object_getType) *get_type = NULL;
    faulty_next("isoIec23465_Object_getType", &get_type, sizeof get_type);
    if (!real || !get_type)
        return isoIec23465_FunctionNotImplemented;
    isoIec23465_ObjectType t = (isoIec23465_ObjectType)0;
    if (device && get_type(device, &t) == isoIec23465_Success &&
        t == isoIec23465_TypeSecurityDevice) {
        faulty_keep_handle(device);
        return isoIec23465_Success;
    }
    return real(device);
}
