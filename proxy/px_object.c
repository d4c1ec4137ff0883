/* Object, SecurityDeviceApplication and RootApplication methods. The object table comes from
 * the matched device description. */
#include <stdio.h>
#include <string.h>

#include "px_apdu.h"
#include "px_error.h"
#include "px_handle.h"

isoIec23465_Status isoIec23465_Object_getType(const isoIec23465_Object *object,
                                              isoIec23465_ObjectType *type)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(object, (isoIec23465_ObjectType)0, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!type)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL type");
    else
        *type = object->type;
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Object_getLabel(const isoIec23465_Object *object, char *buf,
                                               size_t *len)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(object, isoIec23465_TypeObject, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!len)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL len");
    else
        st = px_out_text(object->label, buf, len);
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_Object_getIdentifier(const isoIec23465_Object *object, uint8_t *buf,
                                                    size_t *len)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(object, isoIec23465_TypeObject, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!len)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL len");
    else
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
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(app, isoIec23465_TypeSecurityDeviceApplication, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!len)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL len");
    else if (app->aid_len == 0)
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

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_findObject(isoIec23465_SecurityDeviceApplication *app,
                                                 const char *label, isoIec23465_Object **object)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(app, isoIec23465_TypeSecurityDeviceApplication, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!label || !object) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "NULL label or object pointer");
    }
    st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                      "no object labelled '%.200s'%s", label,
                      c->desc ? "" : " (no device description matched this device)");
    for (size_t i = 0; c->desc && i < c->desc->n_objs; i++) {
        const px_desc_obj *o = &c->desc->objs[i];
        if (px_in_scope(app, o) && strcmp(o->label, label) == 0) {
            px_error_clear();
            st = px_make_obj(app, c, i, object);
            break;
        }
    }
    px_handle_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(
    isoIec23465_SecurityDeviceApplication *app, const uint8_t *identifier, size_t identifierLen,
    isoIec23465_Object **object)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(app, isoIec23465_TypeSecurityDeviceApplication, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!identifier || !object || identifierLen == 0) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "NULL or empty identifier, or NULL object pointer");
    }
    st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                      "no object with this identifier");
    for (size_t i = 0; c->desc && i < c->desc->n_objs; i++) {
        const px_desc_obj *o = &c->desc->objs[i];
        if (px_in_scope(app, o) && o->id_len == identifierLen &&
            memcmp(o->id, identifier, identifierLen) == 0) {
            px_error_clear();
            st = px_make_obj(app, c, i, object);
            break;
        }
    }
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
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(root, isoIec23465_TypeRootApplication, &c);
    if (st != isoIec23465_Success)
        return st;
    if (!aid || !app || aidLen < 5 || aidLen > PX_AID_MAX) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "an AID has 5 to 16 bytes; app pointer must not be NULL");
    }
    st = px_apdu_begin(c);
    if (st == isoIec23465_Success) {
        st = px_apdu_select_aid(c, aid, aidLen);
        px_apdu_end(c);
    }
    if (st == isoIec23465_Success) {
        isoIec23465_Handle *h = px_handle_new(isoIec23465_TypeSecurityDeviceApplication, root, c);
        if (!h) {
            st =
                px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
        } else {
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
