/* SecurityDeviceApplication listing and administration (listObjects, getLifeCycleState,
 * createDataContainer, deleteObject), RootApplication listApplications, getRandom (GET
 * CHALLENGE), createApplication and deleteApplication, and Object_getAttributes.
 *
 * The object table (conn->desc) is the connection's: handles of objects point into its objs[]
 * array (and application handles index its apps[]), so entries are never moved or reused: a
 * deleted object or application keeps its entry, with `deleted` set. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_tlv.h"
#include "px_apdu.h"
#include "px_error.h"
#include "px_handle.h"

/* Largest label kept in a handle (isoIec23465_Handle.label, NUL included). */
#define PX_APP_LABEL_MAX 255
/* GET CHALLENGE asks for at most this many bytes per command (short Le). */
#define PX_CHALLENGE_CHUNK 256
/* Smallest chunk tried when the device refuses the length (6700): many cards give 8 bytes. */
#define PX_CHALLENGE_MIN_CHUNK 8
/* Largest getRandom request: one extended Le worth. */
#define PX_RANDOM_MAX 65536
/* SELECT by DF name "next occurrence" rounds when a partial match selects another DF. */
#define PX_APP_MAX_OCCURRENCES 8

static const uint8_t px_mf_fid[2] = {0x3F, 0x00};

/* Clears the last error, validates `h` as class `cls` and locks its device; when the caller's
 * arguments are not `ok`, unlocks again and fails with IllegalArgument saying `why`. */
static isoIec23465_Status px_app_enter(const isoIec23465_Handle *h, isoIec23465_ObjectType cls,
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

/* What deleteObject / deleteApplication need of their second handle, copied while that
 * handle's device was locked (the call then locks the device once, through the first one). */
typedef struct px_peer {
    px_conn *conn;
    isoIec23465_ObjectType type;
    const px_desc_obj *obj;
    int app;
    uint8_t aid[PX_AID_MAX];
    size_t aid_len;
} px_peer;

/* Validates `h` as class `cls` (IllegalArgument / IllegalState as px_handle_enter) and copies
 * what the caller needs. Does not clear the last error. */
static isoIec23465_Status px_peer_get(const isoIec23465_Handle *h, isoIec23465_ObjectType cls,
                                      px_peer *p)
{
    px_conn *c;
    isoIec23465_Status st = px_handle_enter(h, cls, &c);
    if (st != isoIec23465_Success)
        return st;
    p->conn = c;
    p->type = h->type;
    p->obj = h->obj;
    p->app = h->app;
    memcpy(p->aid, h->aid, h->aid_len);
    p->aid_len = h->aid_len;
    px_handle_leave(c);
    return isoIec23465_Success;
}

/* Whether table object `o` is in the scope of `app` (the root sees everything); the same rule
 * as findObject (px_object.c). */
static bool px_app_in_scope(const isoIec23465_Handle *app, const px_desc_obj *o)
{
    return app->type == isoIec23465_TypeRootApplication || (app->app >= 0 && o->app == app->app);
}

/* Creates the handle of table object `i` under `app` (as findObject does). */
static isoIec23465_Status px_app_make_obj(isoIec23465_Handle *app, px_conn *c, size_t i,
                                          isoIec23465_Object **out)
{
    const px_desc_obj *o = &c->desc->objs[i];
    isoIec23465_Handle *h = px_handle_new(o->type, app, c);
    if (!h)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    snprintf(h->label, sizeof h->label, "%s", o->label ? o->label : "");
    memcpy(h->id, o->id, o->id_len);
    h->id_len = o->id_len;
    h->app = o->app;
    h->obj = o;
    *out = h;
    return isoIec23465_Success;
}

/* Creates the handle of table application `i` under `root` (as openApplication does). */
static isoIec23465_Status px_app_make_app(isoIec23465_Handle *root, px_conn *c, size_t i,
                                          isoIec23465_SecurityDeviceApplication **out)
{
    const px_desc_app *a = &c->desc->apps[i];
    isoIec23465_Handle *h = px_handle_new(isoIec23465_TypeSecurityDeviceApplication, root, c);
    if (!h)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    memcpy(h->aid, a->aid, a->aid_len);
    h->aid_len = a->aid_len;
    memcpy(h->id, a->aid, a->aid_len);
    h->id_len = a->aid_len;
    h->app = (int)i;
    snprintf(h->label, sizeof h->label, "%s", a->label ? a->label : "");
    *out = h;
    return isoIec23465_Success;
}

/* Whether `type` names a class of the object table (not a device, list or application). */
static bool px_app_table_class(isoIec23465_ObjectType type)
{
    return px_type_is_a(type, isoIec23465_TypeObject) &&
           !px_type_is_a(type, isoIec23465_TypeSecurityDeviceApplication);
}

/* ---- APDU helpers -------------------------------------------------------------------------- */

/* Finds the top-level data object `want` inside an FCP (62) or FCI (6F) template. */
static bool px_fcp_find(const uint8_t *fcp, size_t len, uint32_t want, const uint8_t **v,
                        size_t *vl)
{
    codec_reader r, in;
    uint32_t tag;
    const uint8_t *body;
    size_t l;
    codec_reader_init(&r, fcp, len);
    if (!codec_ber_read_tlv(&r, &tag, &body, &l) || (tag != 0x62 && tag != 0x6F))
        return false;
    codec_reader_init(&in, body, l);
    while (codec_reader_remaining(&in) > 0) {
        const uint8_t *val;
        size_t vlen;
        if (!codec_ber_read_tlv(&in, &tag, &val, &vlen))
            return false;
        if (tag == want) {
            *v = val;
            *vl = vlen;
            return true;
        }
    }
    return false;
}

/* SELECT without response data (P2 0C); 9000 only. */
static isoIec23465_Status px_app_select(px_conn *c, uint8_t p1, const uint8_t *ref, size_t n)
{
    codec_capdu cmd = {.cla = 0x00, .ins = 0xA4, .p1 = p1, .p2 = 0x0C, .data = ref, .lc = n};
    const uint8_t *d;
    size_t dl;
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &dl, &sw);
    if (st == isoIec23465_Success && sw != 0x9000)
        st = px_error_set_sw(sw, "SELECT");
    return st;
}

/* Selects the DF of an application (the MF for the root: 00 A4 00 04 3F00; an application:
 * 00 A4 04 04 AID, then "next occurrence" while the FCP's DF name (84) shows that a partial
 * match picked a longer AID). *sw receives the SELECT status: 9000, 6283 (deactivated) or 6285
 * (terminated); any other is an error. *fcp / *fcp_len receive the template (in conn->abuf;
 * length 0 when the card refused to return one, 6A86 / 6A81, and the SELECT was repeated with
 * P2 0C). */
static isoIec23465_Status px_app_select_df(px_conn *c, const uint8_t *aid, size_t aid_len,
                                           uint16_t *sw, const uint8_t **fcp, size_t *fcp_len)
{
    bool root = aid_len == 0;
    codec_capdu cmd = {.cla = 0x00,
                       .ins = 0xA4,
                       .p1 = root ? 0x00 : 0x04,
                       .p2 = 0x04,
                       .data = root ? px_mf_fid : aid,
                       .lc = root ? sizeof px_mf_fid : aid_len,
                       .ne = 256};
    for (int round = 0; round < PX_APP_MAX_OCCURRENCES; round++) {
        const uint8_t *d;
        size_t dl;
        isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &dl, sw);
        if (st != isoIec23465_Success)
            return st;
        if (round == 0 && (*sw == 0x6A86 || *sw == 0x6A81)) {
            cmd.p2 = 0x0C;
            cmd.ne = 0;
            st = px_apdu_exchange(c, &cmd, &d, &dl, sw);
            if (st != isoIec23465_Success)
                return st;
            dl = 0;
        }
        if (*sw != 0x9000 && *sw != 0x6283 && *sw != 0x6285)
            return px_error_set_sw(*sw, root ? "SELECT of the MF" : "SELECT by AID");
        const uint8_t *name;
        size_t name_len;
        if (root || dl == 0 || !px_fcp_find(d, dl, 0x84, &name, &name_len) ||
            (name_len == aid_len && memcmp(name, aid, aid_len) == 0)) {
            *fcp = d;
            *fcp_len = dl;
            return isoIec23465_Success;
        }
        cmd.p2 = 0x06; /* FCP, next occurrence */
    }
    return px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginDevice,
                        "SELECT by AID finds only applications with longer AIDs");
}

/* Selects the DF that holds table object `o` (its file's parent): the MF, a path from the MF,
 * the application's DF, or a path inside it. */
static isoIec23465_Status px_app_select_parent(px_conn *c, const px_desc_obj *o)
{
    const uint8_t *p = o->path;
    size_t n = o->path_len - 2; /* without the file's own FID */
    if (o->app >= 0) {
        const px_desc_app *a = &c->desc->apps[o->app];
        if (a->deleted)
            return px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                                "the object's application was deleted");
        isoIec23465_Status st = px_apdu_select_aid(c, a->aid, a->aid_len);
        if (st != isoIec23465_Success || n == 0)
            return st;
        return px_app_select(c, 0x09, p, n);
    }
    if (n >= 2 && p[0] == 0x3F && p[1] == 0x00) {
        p += 2;
        n -= 2;
    }
    if (n == 0)
        return px_app_select(c, 0x00, px_mf_fid, sizeof px_mf_fid);
    return px_app_select(c, 0x08, p, n);
}

/* A command without response data that must answer 9000. */
static isoIec23465_Status px_app_command(px_conn *c, uint8_t ins, uint8_t p1, const uint8_t *data,
                                         size_t lc, const char *what)
{
    codec_capdu cmd = {.cla = 0x00, .ins = ins, .p1 = p1, .p2 = 0x00, .data = data, .lc = lc};
    const uint8_t *d;
    size_t dl;
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &dl, &sw);
    if (st == isoIec23465_Success && sw != 0x9000)
        st = px_error_set_sw(sw, what);
    return st;
}

/* The object table of the connection, made empty when no description matched and discovery
 * found nothing; NULL (NotEnoughMemory recorded) when that fails. */
static px_desc *px_app_table(px_conn *c)
{
    if (!c->desc)
        c->desc = px_desc_new_empty();
    if (!c->desc)
        px_error_record(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    return c->desc;
}

/* Whether a live object of the table is labelled `label`. */
static bool px_app_label_used(const px_desc *d, const char *label)
{
    for (size_t i = 0; d && i < d->n_objs; i++)
        if (!d->objs[i].deleted && d->objs[i].label && strcmp(d->objs[i].label, label) == 0)
            return true;
    return false;
}

/* Marks table object `o` deleted. Its label and identifier are emptied too, so that lookups
 * which do not test `deleted` cannot match it either; the entry and its path stay for the
 * handles that still point at it (the card then answers "not found"). */
static void px_app_forget_obj(px_desc_obj *o)
{
    o->deleted = true;
    if (o->label)
        o->label[0] = '\0';
    o->id_len = 0;
}

/* ---- Object -------------------------------------------------------------------------------- */

/* Appends a DER INTEGER (non-negative) with a context-specific primitive tag. */
static void px_der_uint(codec_writer *w, uint8_t tag, unsigned long v)
{
    uint8_t b[sizeof v + 1];
    size_t n = 0;
    do {
        b[sizeof b - 1 - n++] = (uint8_t)v;
        v >>= 8;
    } while (v);
    if (b[sizeof b - n] & 0x80)
        b[sizeof b - 1 - n++] = 0x00;
    codec_write_u8(w, tag);
    codec_ber_write_length(w, n);
    codec_write_bytes(w, b + sizeof b - n, n);
}

/* Appends a context-specific primitive TLV. */
static void px_der_bytes(codec_writer *w, uint8_t tag, const void *v, size_t n)
{
    codec_write_u8(w, tag);
    codec_ber_write_length(w, n);
    codec_write_bytes(w, v, n);
}

/* Encodes the ObjectAttributes of handle `h` (docs/api.md, "Object attributes") into w. */
static void px_attr_encode(codec_writer *w, const isoIec23465_Handle *h, const px_conn *c)
{
    uint8_t body[1024];
    codec_writer b;
    codec_writer_init(&b, body, sizeof body);
    px_der_uint(&b, 0x80, (unsigned long)h->type);
    px_der_bytes(&b, 0x81, h->label, strlen(h->label));
    if (h->id_len)
        px_der_bytes(&b, 0x82, h->id, h->id_len);
    const px_desc_obj *o = h->obj;
    if (h->aid_len) {
        px_der_bytes(&b, 0x83, h->aid, h->aid_len);
    } else if (o && o->app >= 0 && c->desc && (size_t)o->app < c->desc->n_apps &&
               c->desc->apps[o->app].aid_len && !c->desc->apps[o->app].deleted) {
        px_der_bytes(&b, 0x83, c->desc->apps[o->app].aid, c->desc->apps[o->app].aid_len);
    }
    if (o && o->path_len)
        px_der_bytes(&b, 0x84, o->path, o->path_len);
    if (o && h->type == isoIec23465_TypePassword)
        px_der_uint(&b, 0x85, o->pin_ref);
    else if (o && px_type_is_a(h->type, isoIec23465_TypeKey))
        px_der_uint(&b, 0x85, o->key_ref);
    codec_write_u8(w, 0x30);
    codec_ber_write_length(w, b.len);
    codec_write_bytes(w, body, b.len);
    if (b.overflow)
        w->overflow = true;
}

isoIec23465_Status isoIec23465_Object_getAttributes(const isoIec23465_Object *object, uint8_t *buf,
                                                    size_t *len)
{
    px_conn *c;
    isoIec23465_Status st =
        px_app_enter(object, isoIec23465_TypeObject, len != NULL, "NULL len", &c);
    if (st != isoIec23465_Success)
        return st;
    uint8_t der[1100];
    codec_writer w;
    codec_writer_init(&w, der, sizeof der);
    px_attr_encode(&w, object, c);
    if (w.overflow)
        st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginLocal,
                          "attributes do not fit the encoder's buffer");
    else
        st = px_out_bytes(der, w.len, buf, len);
    px_handle_leave(c);
    return st;
}

/* ---- SecurityDeviceApplication ------------------------------------------------------------- */

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_listObjects(isoIec23465_SecurityDeviceApplication *app,
                                                  isoIec23465_ObjectType type,
                                                  isoIec23465_Object **objects, size_t *count)
{
    px_conn *c;
    isoIec23465_Status st = px_app_enter(app, isoIec23465_TypeSecurityDeviceApplication,
                                         count != NULL, "NULL count", &c);
    if (st != isoIec23465_Success)
        return st;
    if (!px_app_table_class(type)) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "class %d is not a class of objects inside an application%s", (int)type,
                            px_type_is_a(type, isoIec23465_TypeSecurityDeviceApplication)
                                ? " (applications: RootApplication_listApplications)"
                                : "");
    }
    size_t n = 0;
    for (size_t i = 0; c->desc && i < c->desc->n_objs; i++) {
        const px_desc_obj *o = &c->desc->objs[i];
        if (!o->deleted && px_type_is_a(o->type, type) && px_app_in_scope(app, o))
            n++;
    }
    if (objects && *count < n)
        st = px_error_buffer(n);
    for (size_t i = 0, k = 0; objects && st == isoIec23465_Success && k < n; i++) {
        const px_desc_obj *o = &c->desc->objs[i];
        if (o->deleted || !px_type_is_a(o->type, type) || !px_app_in_scope(app, o))
            continue;
        st = px_app_make_obj(app, c, i, &objects[k]);
        if (st == isoIec23465_Success)
            k++;
        else
            while (k > 0) /* all or nothing */
                px_handle_free(objects[--k]);
    }
    if (st == isoIec23465_Success)
        *count = n;
    px_handle_leave(c);
    return st;
}

/* The life-cycle state from the SELECT status and the FCP's life cycle status byte (tag 8A,
 * ISO/IEC 7816-4 table 13). The status word decides when it says more than the byte (a
 * deactivated or terminated parent), and when the byte is absent, 00 or proprietary. */
static isoIec23465_LifeCycleState px_lcs_of(uint16_t sw, const uint8_t *fcp, size_t len)
{
    if (sw == 0x6285)
        return isoIec23465_LifeCycleTerminated;
    const uint8_t *v;
    size_t vl;
    uint8_t lcs = 0;
    if (px_fcp_find(fcp, len, 0x8A, &v, &vl) && vl == 1)
        lcs = v[0];
    if (lcs >= 0x0C && lcs <= 0x0F)
        return isoIec23465_LifeCycleTerminated;
    if (sw == 0x6283 || lcs == 0x04 || lcs == 0x06)
        return isoIec23465_LifeCycleOperationalDeactivated;
    if (lcs == 0x01)
        return isoIec23465_LifeCycleCreation;
    if (lcs == 0x03)
        return isoIec23465_LifeCycleInitialisation;
    return isoIec23465_LifeCycleOperationalActivated; /* 05, 07, or selected with 9000 */
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_getLifeCycleState(isoIec23465_SecurityDeviceApplication *app,
                                                        isoIec23465_LifeCycleState *state)
{
    px_conn *c;
    isoIec23465_Status st = px_app_enter(app, isoIec23465_TypeSecurityDeviceApplication,
                                         state != NULL, "NULL state", &c);
    if (st != isoIec23465_Success)
        return st;
    bool root = app->type == isoIec23465_TypeRootApplication;
    if (!root && app->aid_len == 0) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                            "the application has no AID");
    }
    st = px_apdu_begin(c);
    if (st == isoIec23465_Success) {
        uint16_t sw;
        const uint8_t *fcp;
        size_t fcp_len;
        st = px_app_select_df(c, root ? NULL : app->aid, root ? 0 : app->aid_len, &sw, &fcp,
                              &fcp_len);
        if (st == isoIec23465_Success)
            *state = px_lcs_of(sw, fcp, fcp_len);
        px_apdu_end(c);
    }
    px_handle_leave(c);
    return st;
}

/* CREATE FILE data for a transparent EF: 62 { 82 01 01, 83 02 FID, 80 02 size }. */
static size_t px_fcp_ef(uint8_t out[13], const uint8_t fid[2], size_t size)
{
    const uint8_t fcp[] = {0x62,         0x0B,   0x82,   0x01, 0x01, 0x83,
                           0x02,         fid[0], fid[1], 0x80, 0x02, (uint8_t)(size >> 8),
                           (uint8_t)size};
    memcpy(out, fcp, sizeof fcp);
    return sizeof fcp;
}

isoIec23465_Status isoIec23465_SecurityDeviceApplication_createDataContainer(
    isoIec23465_SecurityDeviceApplication *app, const char *label, const uint8_t *identifier,
    size_t identifierLen, size_t size, isoIec23465_DataContainer **container)
{
    px_conn *c;
    bool ok = label && *label && strlen(label) <= PX_APP_LABEL_MAX && identifier &&
              identifierLen == 2 && size >= 1 && size <= 0xFFFF && container;
    uint16_t fid = ok ? (uint16_t)(identifier[0] << 8 | identifier[1]) : 0;
    ok = ok && fid != 0x3F00 && fid != 0x3FFF && fid != 0xFFFF;
    isoIec23465_Status st = px_app_enter(
        app, isoIec23465_TypeSecurityDeviceApplication, ok,
        "label (1..255 bytes), a 2-byte file identifier (not 3F00, 3FFF, FFFF), a size of "
        "1..65535 and a container pointer are needed",
        &c);
    if (st != isoIec23465_Success)
        return st;
    bool root = app->type == isoIec23465_TypeRootApplication;
    px_desc *d = px_app_table(c);
    char *copy = NULL;
    if (!d) {
        st = isoIec23465_NotEnoughMemory;
    } else if (!root &&
               (app->app < 0 || (size_t)app->app >= d->n_apps || d->apps[app->app].deleted)) {
        st = px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                          "the application is not in the object table (deleted, or unknown)");
    } else if (px_app_label_used(d, label)) {
        st = px_error_set(isoIec23465_ObjectAlreadyExists, isoIec23465_OriginLocal,
                          "an object labelled '%.200s' exists", label);
    } else if (d->n_objs >= PX_DESC_MAX_OBJECTS) {
        st = px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                          "the object table is full (%d objects)", PX_DESC_MAX_OBJECTS);
    } else if (!(copy = strdup(label))) {
        st = px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    if (st == isoIec23465_Success)
        st = px_apdu_begin(c);
    if (st == isoIec23465_Success) {
        if (root)
            st = px_app_select(c, 0x00, px_mf_fid, sizeof px_mf_fid);
        else
            st = px_apdu_select_aid(c, app->aid, app->aid_len);
        uint8_t fcp[13];
        size_t n = px_fcp_ef(fcp, identifier, size);
        if (st == isoIec23465_Success)
            st = px_app_command(c, 0xE0, 0x00, fcp, n, "CREATE FILE");
        px_apdu_end(c);
    }
    if (st == isoIec23465_Success) {
        px_desc_obj *o = &d->objs[d->n_objs];
        px_desc_obj_init(o);
        o->type = isoIec23465_TypeDataContainer;
        o->label = copy;
        copy = NULL;
        memcpy(o->id, identifier, 2);
        o->id_len = 2;
        o->structure = PX_STRUCT_TRANSPARENT;
        if (root) {
            const uint8_t path[4] = {0x3F, 0x00, identifier[0], identifier[1]};
            memcpy(o->path, path, sizeof path);
            o->path_len = sizeof path;
        } else {
            o->app = app->app;
            memcpy(o->path, identifier, 2);
            o->path_len = 2;
        }
        d->n_objs++;
        st = px_app_make_obj(app, c, d->n_objs - 1, container);
    }
    free(copy);
    px_handle_leave(c);
    return st;
}

isoIec23465_Status
isoIec23465_SecurityDeviceApplication_deleteObject(isoIec23465_SecurityDeviceApplication *app,
                                                   isoIec23465_Object *object)
{
    px_conn *c;
    px_peer peer;
    /* the application first: its problems are reported before the object's */
    isoIec23465_Status st =
        px_app_enter(app, isoIec23465_TypeSecurityDeviceApplication, true, "", &c);
    if (st != isoIec23465_Success)
        return st;
    px_handle_leave(c);
    st = px_peer_get(object, isoIec23465_TypeObject, &peer);
    if (st != isoIec23465_Success)
        return st;
    st = px_app_enter(app, isoIec23465_TypeSecurityDeviceApplication, true, "", &c);
    if (st != isoIec23465_Success)
        return st;
    px_desc_obj *o = NULL;
    if (peer.conn != c) {
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "the object belongs to another device");
    } else if (px_type_is_a(peer.type, isoIec23465_TypeSecurityDeviceApplication)) {
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "applications are deleted with RootApplication_deleteApplication");
    } else if (!px_type_is_a(peer.type, isoIec23465_TypeDataContainer)) {
        st = px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                          "only data and certificate containers (files) can be deleted");
    } else if (!peer.obj || !c->desc || peer.obj < c->desc->objs ||
               peer.obj >= c->desc->objs + c->desc->n_objs || peer.obj->path_len < 2) {
        st = px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                          "the object has no file on the device");
    } else if (peer.obj->deleted) {
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                          "the object was deleted");
    } else if (!px_app_in_scope(app, peer.obj)) {
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "the object belongs to another application");
    } else {
        o = &c->desc->objs[peer.obj - c->desc->objs]; /* the table is ours to change */
        st = px_apdu_begin(c);
    }
    if (st == isoIec23465_Success) {
        st = px_app_select_parent(c, o);
        if (st == isoIec23465_Success)
            st = px_app_command(c, 0xE4, 0x00, o->path + o->path_len - 2, 2, "DELETE FILE");
        px_apdu_end(c);
    }
    if (st == isoIec23465_Success)
        px_app_forget_obj(o);
    px_handle_leave(c);
    return st;
}

/* ---- RootApplication ----------------------------------------------------------------------- */

isoIec23465_Status isoIec23465_RootApplication_listApplications(
    isoIec23465_RootApplication *root, isoIec23465_SecurityDeviceApplication **apps, size_t *count)
{
    px_conn *c;
    isoIec23465_Status st =
        px_app_enter(root, isoIec23465_TypeRootApplication, count != NULL, "NULL count", &c);
    if (st != isoIec23465_Success)
        return st;
    size_t n = 0;
    for (size_t i = 0; c->desc && i < c->desc->n_apps; i++)
        if (!c->desc->apps[i].deleted)
            n++;
    if (apps && *count < n)
        st = px_error_buffer(n);
    for (size_t i = 0, k = 0; apps && st == isoIec23465_Success && k < n; i++) {
        if (c->desc->apps[i].deleted)
            continue;
        st = px_app_make_app(root, c, i, &apps[k]);
        if (st == isoIec23465_Success)
            k++;
        else
            while (k > 0) /* all or nothing */
                px_handle_free(apps[--k]);
    }
    if (st == isoIec23465_Success)
        *count = n;
    px_handle_leave(c);
    return st;
}

/* One GET CHALLENGE (00 84 00 00 Le) of up to `want` bytes into out; *got receives how many
 * came. A refused length (6700) answers with *got 0 and Success, so the caller can ask less. */
static isoIec23465_Status px_challenge(px_conn *c, size_t want, uint8_t *out, size_t *got)
{
    codec_capdu cmd = {.cla = 0x00, .ins = 0x84, .p1 = 0x00, .p2 = 0x00, .ne = want};
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &n, &sw);
    if (st != isoIec23465_Success)
        return st;
    *got = 0;
    if (sw == 0x6700)
        return isoIec23465_Success;
    if (sw != 0x9000)
        return px_error_set_sw(sw, "GET CHALLENGE");
    if (n == 0 || n > want)
        return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                            "GET CHALLENGE answered %zu bytes for Le %zu", n, want);
    memcpy(out, d, n);
    *got = n;
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_RootApplication_getRandom(isoIec23465_RootApplication *root,
                                                         uint8_t *buf, size_t len)
{
    px_conn *c;
    isoIec23465_Status st =
        px_app_enter(root, isoIec23465_TypeRootApplication, buf && len >= 1 && len <= PX_RANDOM_MAX,
                     "a buffer and a length of 1..65536 bytes are needed", &c);
    if (st != isoIec23465_Success)
        return st;
    uint8_t *tmp = malloc(len); /* buf is written only on success */
    if (!tmp) {
        px_handle_leave(c);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    st = px_apdu_begin(c);
    size_t done = 0, chunk = PX_CHALLENGE_CHUNK;
    while (st == isoIec23465_Success && done < len) {
        size_t want = len - done < chunk ? len - done : chunk, got;
        st = px_challenge(c, want, tmp + done, &got);
        if (st != isoIec23465_Success)
            break;
        if (got == 0) {
            if (want <= PX_CHALLENGE_MIN_CHUNK)
                st = px_error_set_sw(0x6700, "GET CHALLENGE");
            chunk = want / 2 > PX_CHALLENGE_MIN_CHUNK ? want / 2 : PX_CHALLENGE_MIN_CHUNK;
        }
        done += got;
    }
    px_apdu_end(c);
    if (st == isoIec23465_Success)
        memcpy(buf, tmp, len);
    free(tmp);
    px_handle_leave(c);
    return st;
}

isoIec23465_Status
isoIec23465_RootApplication_createApplication(isoIec23465_RootApplication *root, const uint8_t *aid,
                                              size_t aidLen, const char *label,
                                              isoIec23465_SecurityDeviceApplication **app)
{
    px_conn *c;
    isoIec23465_Status st =
        px_app_enter(root, isoIec23465_TypeRootApplication,
                     aid && aidLen >= 5 && aidLen <= PX_AID_MAX && label &&
                         strlen(label) <= PX_APP_LABEL_MAX && app,
                     "an AID of 5..16 bytes, a label (at most 255 bytes) and an app pointer are "
                     "needed",
                     &c);
    if (st != isoIec23465_Success)
        return st;
    px_desc *d = px_app_table(c);
    char *copy = NULL;
    if (!d)
        st = isoIec23465_NotEnoughMemory;
    else if (d->n_apps >= PX_DESC_MAX_APPS)
        st = px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                          "the application table is full (%d applications)", PX_DESC_MAX_APPS);
    else if (!(copy = strdup(label)))
        st = px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    if (st == isoIec23465_Success)
        st = px_apdu_begin(c);
    if (st == isoIec23465_Success) {
        /* 62 { 82 01 38 (DF), 84 L AID } */
        uint8_t fcp[2 + 3 + 2 + PX_AID_MAX] = {0x62, (uint8_t)(5 + aidLen), 0x82, 0x01, 0x38,
                                               0x84, (uint8_t)aidLen};
        memcpy(fcp + 7, aid, aidLen);
        st = px_app_select(c, 0x00, px_mf_fid, sizeof px_mf_fid);
        if (st == isoIec23465_Success)
            st = px_app_command(c, 0xE0, 0x00, fcp, 7 + aidLen, "CREATE FILE");
        px_apdu_end(c);
    }
    if (st == isoIec23465_Success) {
        px_desc_app *a = &d->apps[d->n_apps];
        memset(a, 0, sizeof *a);
        a->label = copy;
        copy = NULL;
        memcpy(a->aid, aid, aidLen);
        a->aid_len = aidLen;
        d->n_apps++;
        st = px_app_make_app(root, c, d->n_apps - 1, app);
    }
    free(copy);
    px_handle_leave(c);
    return st;
}

isoIec23465_Status
isoIec23465_RootApplication_deleteApplication(isoIec23465_RootApplication *root,
                                              isoIec23465_SecurityDeviceApplication *app)
{
    px_conn *c;
    px_peer peer;
    isoIec23465_Status st = px_app_enter(root, isoIec23465_TypeRootApplication, true, "", &c);
    if (st != isoIec23465_Success)
        return st;
    px_handle_leave(c);
    st = px_peer_get(app, isoIec23465_TypeSecurityDeviceApplication, &peer);
    if (st != isoIec23465_Success)
        return st;
    st = px_app_enter(root, isoIec23465_TypeRootApplication, true, "", &c);
    if (st != isoIec23465_Success)
        return st;
    if (peer.conn != c)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "the application belongs to another device");
    else if (peer.type == isoIec23465_TypeRootApplication)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "the root application (MF) cannot be deleted");
    else if (peer.aid_len == 0)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "the application has no AID");
    else
        st = px_apdu_begin(c);
    if (st == isoIec23465_Success) {
        uint16_t sw;
        const uint8_t *fcp;
        size_t fcp_len;
        /* select (checking the full DF name), then DELETE FILE of the current DF */
        st = px_app_select_df(c, peer.aid, peer.aid_len, &sw, &fcp, &fcp_len);
        if (st == isoIec23465_Success)
            st = px_app_command(c, 0xE4, 0x00, NULL, 0, "DELETE FILE");
        px_apdu_end(c);
    }
    for (size_t i = 0; st == isoIec23465_Success && c->desc && i < c->desc->n_apps; i++) {
        px_desc_app *a = &c->desc->apps[i];
        if (a->deleted || a->aid_len != peer.aid_len || memcmp(a->aid, peer.aid, peer.aid_len) != 0)
            continue;
        for (size_t k = 0; k < c->desc->n_objs; k++)
            if (c->desc->objs[k].app == (int)i)
                px_app_forget_obj(&c->desc->objs[k]);
        a->deleted = true;
    }
    px_handle_leave(c);
    return st;
}
