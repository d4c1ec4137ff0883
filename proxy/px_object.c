/* Object, SecurityDeviceApplication and RootApplication methods. The object table comes from
 * the matched device description. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "px_apdu.h"
#include "px_error.h"
#include "px_handle.h"

/* Clears the last error, validates `h` as class `cls` and locks its device; when the caller's
 * arguments are not `ok`, unlocks again and fails with IllegalArgument saying `why`. */
static isoIec23465_Status px_obj_enter(const isoIec23465_Handle *h, isoIec23465_ObjectType cls,
                                       bool ok, const char *why, px_conn **c)
{
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(h, cls, c);
    if (st != isoIec23465_Success)
        return st;
    if (!ok) {
        px_handle_leave(*c);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "%s", why);
    }
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_Object_getType(const isoIec23465_Object *object,
                                              isoIec23465_ObjectType *type)
{
    px_conn *c;
    isoIec23465_Status st =
        px_obj_enter(object, (isoIec23465_ObjectType)0, type != NULL, "NULL type", &c);
    if (st != isoIec23465_Success)
        return st;
    *type = object->type;
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Object_getLabel(const isoIec23465_Object *object, char *buf,
                                               size_t *len)
{
    px_conn *c;
    isoIec23465_Status st =
        px_obj_enter(object, isoIec23465_TypeObject, len != NULL, "NULL len", &c);
    if (st != isoIec23465_Success)
        return st;
    st = px_out_text(object->label, buf, len);
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Object_getIdentifier(const isoIec23465_Object *object, uint8_t *buf,
                                                    size_t *len)
{
    px_conn *c;
    isoIec23465_Status st =
        px_obj_enter(object, isoIec23465_TypeObject, len != NULL, "NULL len", &c);
    if (st != isoIec23465_Success)
        return st;
    st = px_out_bytes(object->id, object->id_len, buf, len);
    px_handle_leave(c);
    return st;
}

void isoIec23465_Object_release(isoIec23465_Object *object)
{
    px_conn *c;
    isoIec23465_ErrorDetails saved;
    isoIec23465_getLastError(&saved);
    if (object && px_handle_enter(object, isoIec23465_TypeObject, &c) == isoIec23465_Success) {
        px_apdu_release_channels(c, object); /* an application's logical channel, if any */
        px_handle_free(object);
        px_handle_leave(c);
    }
    px_error_restore(&saved);
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_getAid(const isoIec23465_SecurityDeviceApplication *app,
                                             uint8_t *buf, size_t *len)
{
    px_conn *c;
    isoIec23465_Status st =
        px_obj_enter(app, isoIec23465_TypeSecurityDeviceApplication, len != NULL, "NULL len", &c);
    if (st != isoIec23465_Success)
        return st;
    if (app->aid_len == 0)
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                          "the root application has no AID");
    else
        st = px_out_bytes(app->aid, app->aid_len, buf, len);
    px_handle_leave(c);
    return st;
}

/* Creates the handle of description object `i` under `app`. */
static isoIec23465_Status px_make_obj(isoIec23465_Handle *app, px_conn *c, size_t i,
                                      isoIec23465_Object **out)
{
    const px_desc_obj *o = &c->desc->objs[i];
    isoIec23465_Handle *h = px_handle_new(o->type, app, c);
    if (!h)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    snprintf(h->label, sizeof h->label, "%s", o->label);
    memcpy(h->id, o->id, o->id_len);
    h->id_len = o->id_len;
    h->app = o->app;
    h->obj = o;
    *out = h;
    return isoIec23465_Success;
}

/* Whether description object `o` is in the scope of `app` (the root sees everything). */
static int px_in_scope(const isoIec23465_Handle *app, const px_desc_obj *o)
{
    return app->type == isoIec23465_TypeRootApplication || (app->app >= 0 && o->app == app->app);
}

/* Finds the description object in the scope of `app` labelled `label` or, with `label` NULL,
 * identified by `id`, and creates its handle. ObjectNotFound (with no message set: the caller
 * words it) when none matches. */
static isoIec23465_Status px_find_obj(isoIec23465_Handle *app, px_conn *c, const char *label,
                                      const uint8_t *id, size_t id_len, isoIec23465_Object **out)
{
    for (size_t i = 0; c->desc && i < c->desc->n_objs; i++) {
        const px_desc_obj *o = &c->desc->objs[i];
        if (o->deleted)
            continue;
        bool match = label ? strcmp(o->label, label) == 0
                           : o->id_len == id_len && memcmp(o->id, id, id_len) == 0;
        if (px_in_scope(app, o) && match)
            return px_make_obj(app, c, i, out);
    }
    return isoIec23465_ObjectNotFound;
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_findObject(isoIec23465_SecurityDeviceApplication *app,
                                                 const char *label, isoIec23465_Object **object)
{
    px_conn *c;
    isoIec23465_Status st = px_obj_enter(app, isoIec23465_TypeSecurityDeviceApplication,
                                         label && object, "NULL label or object pointer", &c);
    if (st != isoIec23465_Success)
        return st;
    st = px_find_obj(app, c, label, NULL, 0, object);
    if (st == isoIec23465_ObjectNotFound)
        st = px_error_set(st, isoIec23465_OriginLocal, "no object labelled '%.200s'%s", label,
                          c->desc ? "" : " (no device description matched this device)");
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(
    isoIec23465_SecurityDeviceApplication *app, const uint8_t *identifier, size_t identifierLen,
    isoIec23465_Object **object)
{
    px_conn *c;
    isoIec23465_Status st = px_obj_enter(app, isoIec23465_TypeSecurityDeviceApplication,
                                         identifier && object && identifierLen,
                                         "NULL or empty identifier, or NULL object pointer", &c);
    if (st != isoIec23465_Success)
        return st;
    st = px_find_obj(app, c, NULL, identifier, identifierLen, object);
    if (st == isoIec23465_ObjectNotFound)
        st = px_error_set(st, isoIec23465_OriginLocal, "no object with this identifier");
    px_handle_leave(c);
    return st;
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_close(isoIec23465_SecurityDeviceApplication *app)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(app, isoIec23465_TypeSecurityDeviceApplication, &c);
    if (st != isoIec23465_Success)
        return st;
    px_apdu_release_channels(c, app); /* MANAGE CHANNEL close of its channel */
    px_handle_free(app);
    px_handle_leave(c);
    return isoIec23465_Success;
}

isoIec23465_Status
isoIec23465_RootApplication_openApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                            size_t aidLen,
                                            isoIec23465_SecurityDeviceApplication **app)
{
    px_conn *c;
    isoIec23465_Status st = px_obj_enter(
        root, isoIec23465_TypeRootApplication, aid && app && aidLen >= 5 && aidLen <= PX_AID_MAX,
        "an AID has 5 to 16 bytes; app pointer must not be NULL", &c);
    if (st != isoIec23465_Success)
        return st;
    /* one logical channel per open application where the device offers them */
    uint8_t ch = 0;
    st = px_apdu_begin(c);
    if (st == isoIec23465_Success) {
        st = px_apdu_open_app(c, aid, aidLen, &ch);
        px_apdu_end(c);
    }
    if (st == isoIec23465_Success) {
        isoIec23465_Handle *h = px_handle_new(isoIec23465_TypeSecurityDeviceApplication, root, c);
        if (!h) {
            if (ch != 0 && px_apdu_begin(c) == isoIec23465_Success) {
                (void)px_apdu_channel_close(c, ch);
                px_apdu_end(c);
            }
            st =
                px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
        } else {
            h->channel = ch;
            memcpy(h->aid, aid, aidLen);
            h->aid_len = aidLen;
            memcpy(h->id, aid, aidLen);
            h->id_len = aidLen;
            for (size_t i = 0; c->desc && i < c->desc->n_apps; i++) {
                const px_desc_app *a = &c->desc->apps[i];
                if (a->aid_len == aidLen && memcmp(a->aid, aid, aidLen) == 0) {
                    h->app = (int)i;
                    snprintf(h->label, sizeof h->label, "%s", a->label);
                }
            }
            *app = h;
        }
    }
    px_handle_leave(c);
    return st;
}
