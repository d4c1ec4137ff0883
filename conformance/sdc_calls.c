/* The API call adapters of the case interpreter: one function per API function, taking its
 * arguments from the step by the header's parameter names ("on" is the object the method is
 * called on) and returning its main output. Every call goes through the sdc_api table (so
 * --proxy libraries are tested the same way) and, in a "_async" case, through the non-blocking
 * form (sdc_async.c). */
#include <stdlib.h>
#include <string.h>

#include "sdc_async.h"
#include "sdc_case.h"
#include "sdc_guard.h"

#define SDC_DEFAULT_CAPACITY 16384

/* Runs Name synchronously, or through its non-blocking form in an "_async" case. */
#define SDC_INVOKE(Name, ...)                                                                      \
    (sdc_case.async ? SDC_ASYNC_CALL(Name, __VA_ARGS__) : isoIec23465_##Name(__VA_ARGS__))

/* ---- output helpers ---------------------------------------------------------------------- */

/* An output buffer as the step asks: `capacity` bytes (default 16384), or NULL with
 * size_query: true. The length variable starts at the capacity. */
typedef struct sdc_buf {
    uint8_t *p;
    size_t len;
} sdc_buf;

static void sdc_buf_init(sdc_buf *b)
{
    bool query = sdc_arg_has("size_query") && strcmp(sdc_arg_text("size_query"), "true") == 0;
    long long cap = sdc_arg_int("capacity", SDC_DEFAULT_CAPACITY);
    if (cap < 0 || cap > SDC_MAX_BYTES)
        sdc_case_fail("capacity out of range");
    b->len = (size_t)cap;
    b->p = query ? NULL : calloc(1, b->len ? b->len : 1);
    if (!query && !b->p)
        sdc_case_fail("out of memory");
}

/* The output of a buffer call: bytes, or the size alone (an integer) after a size query. */
static void sdc_buf_out(sdc_buf *b, isoIec23465_Status st, sdc_out *out)
{
    if (st == isoIec23465_Success) {
        if (b->p) {
            out->v.kind = SDC_BYTES;
            out->v.b = b->p;
            out->v.n = b->len;
            b->p = NULL;
        } else {
            out->v.kind = SDC_INT;
            out->v.i = (long long)b->len;
        }
    }
    free(b->p);
}

/* Text outputs lose their NUL. */
static void sdc_text_out(sdc_buf *b, isoIec23465_Status st, sdc_out *out)
{
    sdc_buf_out(b, st, out);
    if (out->v.kind == SDC_BYTES && out->v.n > 0 && out->v.b[out->v.n - 1] == '\0')
        out->v.n--;
}

static void sdc_int_out(isoIec23465_Status st, long long v, const sdc_enum *names, sdc_out *out)
{
    if (st == isoIec23465_Success) {
        out->v.kind = SDC_INT;
        out->v.i = v;
        out->enums = names;
    }
}

static void sdc_handle_out(isoIec23465_Status st, isoIec23465_Handle *h, sdc_out *out)
{
    if (st == isoIec23465_Success) {
        out->v.kind = SDC_HANDLE;
        out->v.h = h;
    }
}

/* An in-argument of bytes: pointer (NULL for null) and length. */
typedef struct sdc_in {
    sdc_val v;
    bool is_null;
} sdc_in;

static const uint8_t *sdc_in_get(sdc_in *in, const char *key)
{
    sdc_arg_bytes(key, &in->v, &in->is_null);
    return in->is_null ? NULL : in->v.b;
}

/* Whether the step passes NULL for the out-parameter (an argument test). */
static bool sdc_null_out(void)
{
    const char *s = sdc_arg_text("null_out");
    return s && strcmp(s, "true") == 0;
}

#define ON(dflt) sdc_arg_handle("on", (dflt))

/* The PIN-safety guard (sdc_guard.h) wraps the synchronous calls in the API table; the
 * non-blocking ones do not pass through it, so it is called here for them. */
static void sdc_async_guard(isoIec23465_Password *pw, const char *what)
{
    if (sdc_case.async)
        sdc_guard_password(pw, what);
}

/* ---- devices ----------------------------------------------------------------------------- */

static isoIec23465_Status c_getSecurityDeviceList(sdc_out *out)
{
    char *spec = sdc_arg_has("spec") ? sdc_arg_string("spec") : strdup(sdc_spec());
    isoIec23465_SecurityDeviceList *l = NULL;
    isoIec23465_Status st = SDC_INVOKE(getSecurityDeviceList, spec, sdc_null_out() ? NULL : &l);
    free(spec);
    if (st == isoIec23465_Success) {
        if (sdc_case.n_lists == SDC_MAX_DEVICES) {
            isoIec23465_SecurityDeviceList_release(l);
            sdc_case_fail("more than %d device lists made by one case", SDC_MAX_DEVICES);
        }
        sdc_case.lists[sdc_case.n_lists++] = l;
        sdc_handle_out(st, l, out);
    }
    return st;
}

static isoIec23465_Status c_SecurityDeviceList_getCount(sdc_out *out)
{
    size_t n = 0;
    isoIec23465_Status st =
        SDC_INVOKE(SecurityDeviceList_getCount, ON(NULL), sdc_null_out() ? NULL : &n);
    sdc_int_out(st, (long long)n, NULL, out);
    return st;
}

/* A void function: Success stands for "returned". The list is no longer the case's to free. */
static isoIec23465_Status c_SecurityDeviceList_release(sdc_out *out)
{
    (void)out;
    isoIec23465_SecurityDeviceList *l = ON(NULL);
    isoIec23465_SecurityDeviceList_release(l);
    for (size_t i = 0; i < sdc_case.n_lists; i++)
        if (sdc_case.lists[i] == l)
            sdc_case.lists[i] = sdc_case.lists[--sdc_case.n_lists];
    return isoIec23465_Success;
}

static isoIec23465_Status c_SecurityDeviceList_getEntry(sdc_out *out)
{
    isoIec23465_SecurityDeviceEntry *e = NULL;
    isoIec23465_Status st = SDC_INVOKE(SecurityDeviceList_getEntry, ON(NULL),
                                       (size_t)sdc_arg_int("index", 0), sdc_null_out() ? NULL : &e);
    sdc_handle_out(st, e, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceEntry_getAttribute(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(SecurityDeviceEntry_getAttribute, ON(NULL),
                   (isoIec23465_DeviceAttribute)sdc_arg_enum("attribute", sdc_enum_attribute, 0),
                   (char *)b.p, sdc_null_out() ? NULL : &b.len);
    sdc_text_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceEntry_getAtr(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(SecurityDeviceEntry_getAtr, ON(NULL), b.p, sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceEntry_getDeviceType(sdc_out *out)
{
    isoIec23465_DeviceType t = (isoIec23465_DeviceType)0;
    isoIec23465_Status st =
        SDC_INVOKE(SecurityDeviceEntry_getDeviceType, ON(NULL), sdc_null_out() ? NULL : &t);
    sdc_int_out(st, t, sdc_enum_device_type, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceEntry_getInterface(sdc_out *out)
{
    isoIec23465_Interface t = (isoIec23465_Interface)0;
    isoIec23465_Status st =
        SDC_INVOKE(SecurityDeviceEntry_getInterface, ON(NULL), sdc_null_out() ? NULL : &t);
    sdc_int_out(st, t, sdc_enum_interface, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceEntry_getPresence(sdc_out *out)
{
    isoIec23465_Presence t = (isoIec23465_Presence)-1;
    isoIec23465_Status st =
        SDC_INVOKE(SecurityDeviceEntry_getPresence, ON(NULL), sdc_null_out() ? NULL : &t);
    sdc_int_out(st, t, sdc_enum_presence, out);
    return st;
}

/* Devices a step connects are remembered and disconnected when the case ends. */
static void sdc_keep_device(isoIec23465_Status st, isoIec23465_SecurityDevice *d, sdc_out *out)
{
    if (st != isoIec23465_Success)
        return;
    if (sdc_case.n_devices == SDC_MAX_DEVICES)
        sdc_case_fail("more than %d devices connected by one case", SDC_MAX_DEVICES);
    sdc_case.devices[sdc_case.n_devices++] = d;
    sdc_handle_out(st, d, out);
}

static isoIec23465_Status c_connectSecurityDevice(sdc_out *out)
{
    isoIec23465_SecurityDevice *d = NULL;
    isoIec23465_Status st = SDC_INVOKE(connectSecurityDevice, ON(NULL), sdc_null_out() ? NULL : &d);
    sdc_keep_device(st, d, out);
    return st;
}

static isoIec23465_Status c_connectSecurityDeviceBySpec(sdc_out *out)
{
    char *spec = sdc_arg_has("spec") ? sdc_arg_string("spec") : strdup(sdc_spec());
    isoIec23465_SecurityDevice *d = NULL;
    isoIec23465_Status st =
        SDC_INVOKE(connectSecurityDeviceBySpec, spec, sdc_null_out() ? NULL : &d);
    free(spec);
    sdc_keep_device(st, d, out);
    return st;
}

static isoIec23465_Status c_disconnectSecurityDevice(sdc_out *out)
{
    (void)out;
    isoIec23465_SecurityDevice *d = ON(NULL);
    isoIec23465_Status st = SDC_INVOKE(disconnectSecurityDevice, d);
    for (size_t i = 0; st == isoIec23465_Success && i < sdc_case.n_devices; i++)
        if (sdc_case.devices[i] == d)
            sdc_case.devices[i] = sdc_case.devices[--sdc_case.n_devices];
    return st;
}

static isoIec23465_Status c_SecurityDevice_getRootApplication(sdc_out *out)
{
    isoIec23465_RootApplication *r = NULL;
    isoIec23465_Status st =
        SDC_INVOKE(SecurityDevice_getRootApplication, ON(sdc_dev), sdc_null_out() ? NULL : &r);
    sdc_handle_out(st, r, out);
    return st;
}

/* ---- Object ------------------------------------------------------------------------------ */

static isoIec23465_Status c_Object_getType(sdc_out *out)
{
    isoIec23465_ObjectType t = (isoIec23465_ObjectType)0;
    isoIec23465_Status st = SDC_INVOKE(Object_getType, ON(NULL), sdc_null_out() ? NULL : &t);
    sdc_int_out(st, t, sdc_enum_type, out);
    return st;
}

static isoIec23465_Status c_Object_getLabel(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(Object_getLabel, ON(NULL), (char *)b.p, sdc_null_out() ? NULL : &b.len);
    sdc_text_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_Object_getIdentifier(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(Object_getIdentifier, ON(NULL), b.p, sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_Object_getAttributes(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(Object_getAttributes, ON(NULL), b.p, sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_Object_release(sdc_out *out)
{
    (void)out;
    isoIec23465_Object_release(ON(NULL));
    return isoIec23465_Success;
}

/* ---- applications ------------------------------------------------------------------------ */

static isoIec23465_Status c_SecurityDeviceApplication_getAid(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st = SDC_INVOKE(SecurityDeviceApplication_getAid, ON(sdc_root), b.p,
                                       sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceApplication_findObject(sdc_out *out)
{
    char *label = sdc_arg_string("label");
    isoIec23465_Object *o = NULL;
    isoIec23465_Status st = SDC_INVOKE(SecurityDeviceApplication_findObject, ON(sdc_root), label,
                                       sdc_null_out() ? NULL : &o);
    free(label);
    sdc_handle_out(st, o, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceApplication_findObjectByIdentifier(sdc_out *out)
{
    sdc_in id;
    const uint8_t *p = sdc_in_get(&id, "identifier");
    isoIec23465_Object *o = NULL;
    isoIec23465_Status st = SDC_INVOKE(SecurityDeviceApplication_findObjectByIdentifier,
                                       ON(sdc_root), p, id.v.n, sdc_null_out() ? NULL : &o);
    sdc_val_free(&id.v);
    sdc_handle_out(st, o, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceApplication_listObjects(sdc_out *out)
{
    isoIec23465_Object *objs[256];
    size_t n = (size_t)sdc_arg_int("capacity", 256);
    if (n > 256)
        sdc_case_fail("capacity at most 256 objects");
    bool query = sdc_arg_has("size_query");
    isoIec23465_Status st = SDC_INVOKE(
        SecurityDeviceApplication_listObjects, ON(sdc_root),
        (isoIec23465_ObjectType)sdc_arg_enum("type", sdc_enum_type, isoIec23465_TypeObject),
        query ? NULL : objs, sdc_null_out() ? NULL : &n);
    sdc_int_out(st, (long long)n, NULL, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceApplication_getLifeCycleState(sdc_out *out)
{
    isoIec23465_LifeCycleState s = (isoIec23465_LifeCycleState)0;
    isoIec23465_Status st = SDC_INVOKE(SecurityDeviceApplication_getLifeCycleState, ON(sdc_root),
                                       sdc_null_out() ? NULL : &s);
    sdc_int_out(st, s, sdc_enum_lifecycle, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceApplication_close(sdc_out *out)
{
    (void)out;
    return SDC_INVOKE(SecurityDeviceApplication_close, ON(NULL));
}

static isoIec23465_Status c_SecurityDeviceApplication_createDataContainer(sdc_out *out)
{
    char *label = sdc_arg_string("label");
    sdc_in id;
    const uint8_t *p = sdc_in_get(&id, "identifier");
    isoIec23465_DataContainer *dc = NULL;
    isoIec23465_Status st =
        SDC_INVOKE(SecurityDeviceApplication_createDataContainer, ON(sdc_root), label, p, id.v.n,
                   (size_t)sdc_arg_int("size", 0), sdc_null_out() ? NULL : &dc);
    free(label);
    sdc_val_free(&id.v);
    sdc_handle_out(st, dc, out);
    return st;
}

static isoIec23465_Status c_SecurityDeviceApplication_deleteObject(sdc_out *out)
{
    (void)out;
    return SDC_INVOKE(SecurityDeviceApplication_deleteObject, ON(sdc_root),
                      sdc_arg_handle("object", NULL));
}

static isoIec23465_Status c_RootApplication_getSecurityDeviceAttribute(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(RootApplication_getSecurityDeviceAttribute, ON(sdc_root),
                   (isoIec23465_DeviceAttribute)sdc_arg_enum("attribute", sdc_enum_attribute, 0),
                   (char *)b.p, sdc_null_out() ? NULL : &b.len);
    sdc_text_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_RootApplication_openApplication(sdc_out *out)
{
    sdc_in aid;
    const uint8_t *p = sdc_in_get(&aid, "aid");
    isoIec23465_SecurityDeviceApplication *a = NULL;
    isoIec23465_Status st = SDC_INVOKE(RootApplication_openApplication, ON(sdc_root), p, aid.v.n,
                                       sdc_null_out() ? NULL : &a);
    sdc_val_free(&aid.v);
    sdc_handle_out(st, a, out);
    return st;
}

static isoIec23465_Status c_RootApplication_listApplications(sdc_out *out)
{
    isoIec23465_SecurityDeviceApplication *apps[64];
    size_t n = (size_t)sdc_arg_int("capacity", 64);
    if (n > 64)
        sdc_case_fail("capacity at most 64 applications");
    bool query = sdc_arg_has("size_query");
    isoIec23465_Status st = SDC_INVOKE(RootApplication_listApplications, ON(sdc_root),
                                       query ? NULL : apps, sdc_null_out() ? NULL : &n);
    sdc_int_out(st, (long long)n, NULL, out);
    return st;
}

static isoIec23465_Status c_RootApplication_getRandom(sdc_out *out)
{
    long long n = sdc_arg_int("length", 32);
    if (n < 0 || n > SDC_MAX_BYTES)
        sdc_case_fail("length out of range");
    uint8_t *b = sdc_arg_has("null_buffer") ? NULL : calloc(1, n ? (size_t)n : 1);
    isoIec23465_Status st = SDC_INVOKE(RootApplication_getRandom, ON(sdc_root), b, (size_t)n);
    if (st == isoIec23465_Success && b) {
        out->v.kind = SDC_BYTES;
        out->v.b = b;
        out->v.n = (size_t)n;
    } else {
        free(b);
    }
    return st;
}

static isoIec23465_Status c_RootApplication_createApplication(sdc_out *out)
{
    sdc_in aid;
    const uint8_t *p = sdc_in_get(&aid, "aid");
    char *label = sdc_arg_string("label");
    isoIec23465_SecurityDeviceApplication *a = NULL;
    isoIec23465_Status st = SDC_INVOKE(RootApplication_createApplication, ON(sdc_root), p, aid.v.n,
                                       label, sdc_null_out() ? NULL : &a);
    free(label);
    sdc_val_free(&aid.v);
    sdc_handle_out(st, a, out);
    return st;
}

static isoIec23465_Status c_RootApplication_deleteApplication(sdc_out *out)
{
    (void)out;
    return SDC_INVOKE(RootApplication_deleteApplication, ON(sdc_root),
                      sdc_arg_handle("application", NULL));
}

/* ---- SensitiveContainer, DataContainer, CertificateContainer ----------------------------- */

static isoIec23465_Status c_SensitiveContainer_getAccessConditions(sdc_out *out)
{
    isoIec23465_AccessCondition a = (isoIec23465_AccessCondition)0;
    isoIec23465_Status st =
        SDC_INVOKE(SensitiveContainer_getAccessConditions, ON(NULL),
                   (isoIec23465_Operation)sdc_arg_enum("operation", sdc_enum_operation, 0),
                   sdc_null_out() ? NULL : &a);
    sdc_int_out(st, a, sdc_enum_access, out);
    return st;
}

static isoIec23465_Status c_SensitiveContainer_getProtectingAuthenticator(sdc_out *out)
{
    isoIec23465_Authenticator *a = NULL;
    isoIec23465_Status st =
        SDC_INVOKE(SensitiveContainer_getProtectingAuthenticator, ON(NULL),
                   (isoIec23465_Operation)sdc_arg_enum("operation", sdc_enum_operation, 0),
                   sdc_null_out() ? NULL : &a);
    sdc_handle_out(st, a, out);
    return st;
}

static isoIec23465_Status c_DataContainer_getData(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(DataContainer_getData, ON(NULL), b.p, sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_DataContainer_getDataRange(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(DataContainer_getDataRange, ON(NULL), (size_t)sdc_arg_int("offset", 0),
                   (size_t)sdc_arg_int("length", 0), b.p, sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_DataContainer_getSize(sdc_out *out)
{
    size_t n = 0;
    isoIec23465_Status st = SDC_INVOKE(DataContainer_getSize, ON(NULL), sdc_null_out() ? NULL : &n);
    sdc_int_out(st, (long long)n, NULL, out);
    return st;
}

static isoIec23465_Status c_DataContainer_setData(sdc_out *out)
{
    (void)out;
    sdc_in d;
    const uint8_t *p = sdc_in_get(&d, "data");
    isoIec23465_Status st =
        SDC_INVOKE(DataContainer_setData, ON(NULL), (size_t)sdc_arg_int("offset", 0), p, d.v.n);
    sdc_val_free(&d.v);
    return st;
}

static isoIec23465_Status c_DataContainer_erase(sdc_out *out)
{
    (void)out;
    return SDC_INVOKE(DataContainer_erase, ON(NULL));
}

static isoIec23465_Status c_DataContainer_getRecord(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(DataContainer_getRecord, ON(NULL), (unsigned)sdc_arg_int("recordNumber", 1), b.p,
                   sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_DataContainer_setRecord(sdc_out *out)
{
    (void)out;
    sdc_in d;
    const uint8_t *p = sdc_in_get(&d, "data");
    isoIec23465_Status st = SDC_INVOKE(DataContainer_setRecord, ON(NULL),
                                       (unsigned)sdc_arg_int("recordNumber", 1), p, d.v.n);
    sdc_val_free(&d.v);
    return st;
}

static isoIec23465_Status c_DataContainer_appendRecord(sdc_out *out)
{
    (void)out;
    sdc_in d;
    const uint8_t *p = sdc_in_get(&d, "data");
    isoIec23465_Status st = SDC_INVOKE(DataContainer_appendRecord, ON(NULL), p, d.v.n);
    sdc_val_free(&d.v);
    return st;
}

static isoIec23465_Status c_DataContainer_getRecordCount(sdc_out *out)
{
    size_t n = 0;
    isoIec23465_Status st =
        SDC_INVOKE(DataContainer_getRecordCount, ON(NULL), sdc_null_out() ? NULL : &n);
    sdc_int_out(st, (long long)n, NULL, out);
    return st;
}

static isoIec23465_Status c_CertificateContainer_getCertificate(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st = SDC_INVOKE(CertificateContainer_getCertificate, ON(NULL), b.p,
                                       sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_CertificateContainer_setCertificate(sdc_out *out)
{
    (void)out;
    sdc_in d;
    const uint8_t *p = sdc_in_get(&d, "der");
    isoIec23465_Status st = SDC_INVOKE(CertificateContainer_setCertificate, ON(NULL), p, d.v.n);
    sdc_val_free(&d.v);
    return st;
}

static isoIec23465_Status c_CertificateContainer_getAssociatedKey(sdc_out *out)
{
    isoIec23465_PrivateKey *k = NULL;
    isoIec23465_Status st =
        SDC_INVOKE(CertificateContainer_getAssociatedKey, ON(NULL), sdc_null_out() ? NULL : &k);
    sdc_handle_out(st, k, out);
    return st;
}

/* ---- Authenticator, Password ------------------------------------------------------------- */

static isoIec23465_Status c_Authenticator_getStatus(sdc_out *out)
{
    isoIec23465_AuthenticatorStatus s = (isoIec23465_AuthenticatorStatus)0;
    isoIec23465_Status st =
        SDC_INVOKE(Authenticator_getStatus, ON(NULL), sdc_null_out() ? NULL : &s);
    sdc_int_out(st, s, sdc_enum_auth_status, out);
    return st;
}

static isoIec23465_Status c_Authenticator_getRemainingTries(sdc_out *out)
{
    int t = -99;
    isoIec23465_Status st =
        SDC_INVOKE(Authenticator_getRemainingTries, ON(NULL), sdc_null_out() ? NULL : &t);
    sdc_int_out(st, t, NULL, out);
    return st;
}

static isoIec23465_Status c_Authenticator_getMaxTries(sdc_out *out)
{
    int t = -99;
    isoIec23465_Status st =
        SDC_INVOKE(Authenticator_getMaxTries, ON(NULL), sdc_null_out() ? NULL : &t);
    sdc_int_out(st, t, NULL, out);
    return st;
}

static isoIec23465_Status c_Authenticator_resetStatus(sdc_out *out)
{
    (void)out;
    return SDC_INVOKE(Authenticator_resetStatus, ON(NULL));
}

/* Password calls taking one secret: verify, enableRequirement, disableRequirement. */
#define SDC_ONE_SECRET(Name)                                                                       \
    static isoIec23465_Status c_##Name(sdc_out *out)                                               \
    {                                                                                              \
        (void)out;                                                                                 \
        sdc_in v;                                                                                  \
        const uint8_t *p = sdc_in_get(&v, "value");                                                \
        isoIec23465_Password *pw = ON(NULL);                                                       \
        sdc_async_guard(pw, #Name);                                                                \
        isoIec23465_Status st = SDC_INVOKE(Name, pw, p, v.v.n);                                    \
        sdc_val_free(&v.v);                                                                        \
        return st;                                                                                 \
    }
SDC_ONE_SECRET(Password_verify)
SDC_ONE_SECRET(Password_enableRequirement)
SDC_ONE_SECRET(Password_disableRequirement)

static isoIec23465_Status c_Password_change(sdc_out *out)
{
    (void)out;
    sdc_in o, n;
    const uint8_t *po = sdc_in_get(&o, "oldValue");
    const uint8_t *pn = sdc_in_get(&n, "newValue");
    isoIec23465_Password *pw = ON(NULL);
    sdc_async_guard(pw, "Password_change");
    isoIec23465_Status st = SDC_INVOKE(Password_change, pw, po, o.v.n, pn, n.v.n);
    sdc_val_free(&o.v);
    sdc_val_free(&n.v);
    return st;
}

static isoIec23465_Status c_Password_unblock(sdc_out *out)
{
    (void)out;
    sdc_in r, n;
    const uint8_t *pr = sdc_in_get(&r, "resetCode");
    const uint8_t *pn = sdc_in_get(&n, "newValue");
    isoIec23465_Status st = SDC_INVOKE(Password_unblock, ON(NULL), pr, r.v.n, pn, n.v.n);
    sdc_val_free(&r.v);
    sdc_val_free(&n.v);
    return st;
}

static isoIec23465_Status c_Password_getLengthRange(sdc_out *out)
{
    size_t lo = 0, hi = 0;
    isoIec23465_Status st =
        SDC_INVOKE(Password_getLengthRange, ON(NULL), sdc_null_out() ? NULL : &lo, &hi);
    sdc_int_out(st, (long long)lo, NULL, out);
    if (st == isoIec23465_Success) {
        out->extra.kind = SDC_INT;
        out->extra.i = (long long)hi;
    }
    return st;
}

/* ---- keys -------------------------------------------------------------------------------- */

static isoIec23465_Status c_Key_getKeyType(sdc_out *out)
{
    isoIec23465_KeyType t = (isoIec23465_KeyType)0;
    isoIec23465_Status st = SDC_INVOKE(Key_getKeyType, ON(NULL), sdc_null_out() ? NULL : &t);
    sdc_int_out(st, t, sdc_enum_key_type, out);
    return st;
}

static isoIec23465_Status c_Key_getKeySize(sdc_out *out)
{
    size_t bits = 0;
    isoIec23465_Status st = SDC_INVOKE(Key_getKeySize, ON(NULL), sdc_null_out() ? NULL : &bits);
    sdc_int_out(st, (long long)bits, NULL, out);
    return st;
}

static isoIec23465_Status c_Key_getUsage(sdc_out *out)
{
    unsigned u = 0;
    isoIec23465_Status st = SDC_INVOKE(Key_getUsage, ON(NULL), sdc_null_out() ? NULL : &u);
    sdc_int_out(st, u, NULL, out);
    return st;
}

static isoIec23465_Status c_Key_getSupportedMechanisms(sdc_out *out)
{
    isoIec23465_Mechanism m[64] = {0};
    size_t n = (size_t)sdc_arg_int("capacity", 64);
    if (n > 64)
        sdc_case_fail("capacity at most 64 mechanisms");
    bool query = sdc_arg_has("size_query");
    isoIec23465_Status st = SDC_INVOKE(Key_getSupportedMechanisms, ON(NULL), query ? NULL : m,
                                       sdc_null_out() ? NULL : &n);
    if (st == isoIec23465_Success && !query) {
        /* the mechanisms as bytes, one per mechanism, for `equals` and `contains` checks */
        out->v.kind = SDC_BYTES;
        out->v.b = malloc(n ? n : 1);
        if (!out->v.b)
            sdc_case_fail("out of memory");
        for (size_t i = 0; i < n; i++)
            out->v.b[i] = (uint8_t)m[i];
        out->v.n = n;
    } else {
        sdc_int_out(st, (long long)n, NULL, out);
    }
    return st;
}

static isoIec23465_Status c_AsymmetricKey_generateKeyPair(sdc_out *out)
{
    isoIec23465_PublicKey *k = NULL;
    isoIec23465_Status st =
        SDC_INVOKE(AsymmetricKey_generateKeyPair, ON(NULL), sdc_null_out() ? NULL : &k);
    sdc_handle_out(st, k, out);
    return st;
}

static isoIec23465_Status c_AsymmetricKey_getPublicKey(sdc_out *out)
{
    isoIec23465_PublicKey *k = NULL;
    isoIec23465_Status st =
        SDC_INVOKE(AsymmetricKey_getPublicKey, ON(NULL), sdc_null_out() ? NULL : &k);
    sdc_handle_out(st, k, out);
    return st;
}

static isoIec23465_Status c_PublicKey_export(sdc_out *out)
{
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st =
        SDC_INVOKE(PublicKey_export, ON(NULL), b.p, sdc_null_out() ? NULL : &b.len);
    sdc_buf_out(&b, st, out);
    return st;
}

#define MECH() ((isoIec23465_Mechanism)sdc_arg_enum("mechanism", sdc_enum_mechanism, 0))
#define HASH() ((isoIec23465_Hash)sdc_arg_enum("hash", sdc_enum_hash, 0))

static isoIec23465_Status c_PublicKey_verify(sdc_out *out)
{
    sdc_in h, s;
    const uint8_t *ph = sdc_in_get(&h, "hashValue");
    const uint8_t *ps = sdc_in_get(&s, "signature");
    int valid = -1;
    isoIec23465_Status st = SDC_INVOKE(PublicKey_verify, ON(NULL), MECH(), HASH(), ph, h.v.n, ps,
                                       s.v.n, sdc_null_out() ? NULL : &valid);
    sdc_val_free(&h.v);
    sdc_val_free(&s.v);
    sdc_int_out(st, valid, NULL, out);
    return st;
}

/* Calls of the shape (key, mechanism, hash, in, inLen, out, &outLen). */
#define SDC_MECH_IN_OUT(Name)                                                                      \
    static isoIec23465_Status c_##Name(sdc_out *out)                                               \
    {                                                                                              \
        sdc_in in;                                                                                 \
        const uint8_t *p = sdc_in_get(&in, "in");                                                  \
        sdc_buf b;                                                                                 \
        sdc_buf_init(&b);                                                                          \
        isoIec23465_Status st = SDC_INVOKE(Name, ON(NULL), MECH(), HASH(), p, in.v.n, b.p,         \
                                           sdc_null_out() ? NULL : &b.len);                        \
        sdc_val_free(&in.v);                                                                       \
        sdc_buf_out(&b, st, out);                                                                  \
        return st;                                                                                 \
    }
SDC_MECH_IN_OUT(PublicKey_encrypt)
SDC_MECH_IN_OUT(PrivateKey_decrypt)

static isoIec23465_Status c_PrivateKey_sign(sdc_out *out)
{
    sdc_in h;
    const uint8_t *ph = sdc_in_get(&h, "hashValue");
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st = SDC_INVOKE(PrivateKey_sign, ON(NULL), MECH(), HASH(), ph, h.v.n, b.p,
                                       sdc_null_out() ? NULL : &b.len);
    sdc_val_free(&h.v);
    sdc_buf_out(&b, st, out);
    return st;
}

/* Calls of the shape (key, in, inLen, out, &outLen). */
#define SDC_IN_OUT(Name, key)                                                                      \
    static isoIec23465_Status c_##Name(sdc_out *out)                                               \
    {                                                                                              \
        sdc_in in;                                                                                 \
        const uint8_t *p = sdc_in_get(&in, key);                                                   \
        sdc_buf b;                                                                                 \
        sdc_buf_init(&b);                                                                          \
        isoIec23465_Status st =                                                                    \
            SDC_INVOKE(Name, ON(NULL), p, in.v.n, b.p, sdc_null_out() ? NULL : &b.len);            \
        sdc_val_free(&in.v);                                                                       \
        sdc_buf_out(&b, st, out);                                                                  \
        return st;                                                                                 \
    }
SDC_IN_OUT(PrivateKey_deriveSharedSecret, "peerPoint")
SDC_IN_OUT(PrivateKey_internalAuthenticate, "challenge")

/* SecretKey encrypt/decrypt: (key, mechanism, iv, ivLen, in, inLen, out, &outLen). */
#define SDC_CIPHER(Name)                                                                           \
    static isoIec23465_Status c_##Name(sdc_out *out)                                               \
    {                                                                                              \
        sdc_in iv = {0}, in;                                                                       \
        const uint8_t *piv = sdc_arg_has("iv") ? sdc_in_get(&iv, "iv") : NULL;                     \
        const uint8_t *p = sdc_in_get(&in, "in");                                                  \
        sdc_buf b;                                                                                 \
        sdc_buf_init(&b);                                                                          \
        isoIec23465_Status st = SDC_INVOKE(Name, ON(NULL), MECH(), piv, iv.v.n, p, in.v.n, b.p,    \
                                           sdc_null_out() ? NULL : &b.len);                        \
        sdc_val_free(&iv.v);                                                                       \
        sdc_val_free(&in.v);                                                                       \
        sdc_buf_out(&b, st, out);                                                                  \
        return st;                                                                                 \
    }
SDC_CIPHER(SecretKey_encrypt)
SDC_CIPHER(SecretKey_decrypt)

static isoIec23465_Status c_SecretKey_computeMac(sdc_out *out)
{
    sdc_in d;
    const uint8_t *p = sdc_in_get(&d, "data");
    sdc_buf b;
    sdc_buf_init(&b);
    isoIec23465_Status st = SDC_INVOKE(SecretKey_computeMac, ON(NULL), MECH(), p, d.v.n, b.p,
                                       sdc_null_out() ? NULL : &b.len);
    sdc_val_free(&d.v);
    sdc_buf_out(&b, st, out);
    return st;
}

static isoIec23465_Status c_SecretKey_verifyMac(sdc_out *out)
{
    sdc_in d, m;
    const uint8_t *pd = sdc_in_get(&d, "data");
    const uint8_t *pm = sdc_in_get(&m, "mac");
    int valid = -1;
    isoIec23465_Status st = SDC_INVOKE(SecretKey_verifyMac, ON(NULL), MECH(), pd, d.v.n, pm, m.v.n,
                                       sdc_null_out() ? NULL : &valid);
    sdc_val_free(&d.v);
    sdc_val_free(&m.v);
    sdc_int_out(st, valid, NULL, out);
    return st;
}

static isoIec23465_Status c_SecretKey_generate(sdc_out *out)
{
    (void)out;
    return SDC_INVOKE(SecretKey_generate, ON(NULL));
}

/* ---- the table --------------------------------------------------------------------------- */

typedef isoIec23465_Status (*sdc_adapter)(sdc_out *out);

#define A(n)                                                                                       \
    {                                                                                              \
#n, c_##n                                                                                  \
    }
static const struct {
    const char *name;
    sdc_adapter fn;
} sdc_adapters[] = {
    A(getSecurityDeviceList),
    A(SecurityDeviceList_getCount),
    A(SecurityDeviceList_getEntry),
    A(SecurityDeviceList_release),
    A(SecurityDeviceEntry_getAttribute),
    A(SecurityDeviceEntry_getAtr),
    A(SecurityDeviceEntry_getDeviceType),
    A(SecurityDeviceEntry_getInterface),
    A(SecurityDeviceEntry_getPresence),
    A(connectSecurityDevice),
    A(connectSecurityDeviceBySpec),
    A(disconnectSecurityDevice),
    A(SecurityDevice_getRootApplication),
    A(Object_getType),
    A(Object_getLabel),
    A(Object_getIdentifier),
    A(Object_getAttributes),
    A(Object_release),
    A(SecurityDeviceApplication_getAid),
    A(SecurityDeviceApplication_findObject),
    A(SecurityDeviceApplication_findObjectByIdentifier),
    A(SecurityDeviceApplication_listObjects),
    A(SecurityDeviceApplication_getLifeCycleState),
    A(SecurityDeviceApplication_close),
    A(SecurityDeviceApplication_createDataContainer),
    A(SecurityDeviceApplication_deleteObject),
    A(RootApplication_getSecurityDeviceAttribute),
    A(RootApplication_openApplication),
    A(RootApplication_listApplications),
    A(RootApplication_getRandom),
    A(RootApplication_createApplication),
    A(RootApplication_deleteApplication),
    A(SensitiveContainer_getAccessConditions),
    A(SensitiveContainer_getProtectingAuthenticator),
    A(DataContainer_getData),
    A(DataContainer_getDataRange),
    A(DataContainer_getSize),
    A(DataContainer_setData),
    A(DataContainer_erase),
    A(DataContainer_getRecord),
    A(DataContainer_setRecord),
    A(DataContainer_appendRecord),
    A(DataContainer_getRecordCount),
    A(CertificateContainer_getCertificate),
    A(CertificateContainer_setCertificate),
    A(CertificateContainer_getAssociatedKey),
    A(Authenticator_getStatus),
    A(Authenticator_getRemainingTries),
    A(Authenticator_getMaxTries),
    A(Authenticator_resetStatus),
    A(Password_verify),
    A(Password_change),
    A(Password_unblock),
    A(Password_enableRequirement),
    A(Password_disableRequirement),
    A(Password_getLengthRange),
    A(Key_getKeyType),
    A(Key_getKeySize),
    A(Key_getUsage),
    A(Key_getSupportedMechanisms),
    A(AsymmetricKey_generateKeyPair),
    A(AsymmetricKey_getPublicKey),
    A(PublicKey_export),
    A(PublicKey_verify),
    A(PublicKey_encrypt),
    A(PrivateKey_sign),
    A(PrivateKey_decrypt),
    A(PrivateKey_deriveSharedSecret),
    A(PrivateKey_internalAuthenticate),
    A(SecretKey_encrypt),
    A(SecretKey_decrypt),
    A(SecretKey_computeMac),
    A(SecretKey_verifyMac),
    A(SecretKey_generate),
};
#undef A

bool sdc_call(const char *name, isoIec23465_Status *status, sdc_out *out)
{
    for (size_t i = 0; i < sizeof sdc_adapters / sizeof sdc_adapters[0]; i++)
        if (strcmp(sdc_adapters[i].name, name) == 0) {
            *status = sdc_adapters[i].fn(out);
            return true;
        }
    return false;
}
