/* Handle registry and class checks. The registry is a plain array under one lock: a stale
 * pointer is looked up, never dereferenced. */
#include "px_handle.h"

#include <stdlib.h>
#include <string.h>

#include "px_error.h"

#define PX_MAGIC 0x32333436u /* "2346" */

static pthread_mutex_t px_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static isoIec23465_Handle **px_reg;
static size_t px_reg_n, px_reg_cap;

static isoIec23465_ObjectType px_base_of(isoIec23465_ObjectType t)
{
    switch (t) {
    case isoIec23465_TypeSecurityDeviceApplication:
    case isoIec23465_TypeSensitiveContainer:
    case isoIec23465_TypeAuthenticator:
    case isoIec23465_TypeKey:
        return isoIec23465_TypeObject;
    case isoIec23465_TypeRootApplication:
        return isoIec23465_TypeSecurityDeviceApplication;
    case isoIec23465_TypeDataContainer:
        return isoIec23465_TypeSensitiveContainer;
    case isoIec23465_TypeCertificateContainer:
        return isoIec23465_TypeDataContainer;
    case isoIec23465_TypePassword:
        return isoIec23465_TypeAuthenticator;
    case isoIec23465_TypeAsymmetricKey:
    case isoIec23465_TypeSecretKey:
        return isoIec23465_TypeKey;
    case isoIec23465_TypePublicKey:
    case isoIec23465_TypePrivateKey:
        return isoIec23465_TypeAsymmetricKey;
    default:
        return (isoIec23465_ObjectType)0;
    }
}

static bool px_reg_has(const isoIec23465_Handle *h);

/* px_handle_channels with the registry locked; `depth` bounds the walk (handle trees are
 * shallow: device, root, application, object). */
static void px_channels_locked(const isoIec23465_Handle *h, uint8_t *out, size_t cap, size_t *n,
                               int depth)
{
    if (h->channel && (!h->parent || h->parent->channel != h->channel) && *n < cap &&
        px_type_is_a(h->type, isoIec23465_TypeSecurityDeviceApplication))
        out[(*n)++] = h->channel;
    if (depth >= 8)
        return;
    for (size_t i = 0; i < px_reg_n; i++)
        if (px_reg[i]->parent == h)
            px_channels_locked(px_reg[i], out, cap, n, depth + 1);
}

size_t px_handle_channels(const isoIec23465_Handle *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    if (!h)
        return 0;
    pthread_mutex_lock(&px_reg_lock);
    if (px_reg_has(h))
        px_channels_locked(h, out, cap, &n, 0);
    pthread_mutex_unlock(&px_reg_lock);
    return n;
}

bool px_type_is_a(isoIec23465_ObjectType type, isoIec23465_ObjectType base)
{
    for (int depth = 0; type && depth < 8; depth++) {
        if (type == base)
            return true;
        type = px_base_of(type);
    }
    return false;
}

static const char *px_type_name(isoIec23465_ObjectType t)
{
    switch (t) {
    case isoIec23465_TypeSecurityDeviceList:
        return "SecurityDeviceList";
    case isoIec23465_TypeSecurityDeviceEntry:
        return "SecurityDeviceEntry";
    case isoIec23465_TypeSecurityDevice:
        return "SecurityDevice";
    case isoIec23465_TypeObject:
        return "Object";
    case isoIec23465_TypeSecurityDeviceApplication:
        return "SecurityDeviceApplication";
    case isoIec23465_TypeRootApplication:
        return "RootApplication";
    case isoIec23465_TypeSensitiveContainer:
        return "SensitiveContainer";
    case isoIec23465_TypeDataContainer:
        return "DataContainer";
    case isoIec23465_TypeCertificateContainer:
        return "CertificateContainer";
    case isoIec23465_TypeAuthenticator:
        return "Authenticator";
    case isoIec23465_TypePassword:
        return "Password";
    case isoIec23465_TypeKey:
        return "Key";
    case isoIec23465_TypeAsymmetricKey:
        return "AsymmetricKey";
    case isoIec23465_TypePublicKey:
        return "PublicKey";
    case isoIec23465_TypePrivateKey:
        return "PrivateKey";
    case isoIec23465_TypeSecretKey:
        return "SecretKey";
    }
    return "?";
}

static bool px_reg_has(const isoIec23465_Handle *h)
{
    for (size_t i = 0; i < px_reg_n; i++)
        if (px_reg[i] == h)
            return true;
    return false;
}

isoIec23465_Handle *px_handle_new(isoIec23465_ObjectType type, isoIec23465_Handle *parent,
                                  px_conn *conn)
{
    isoIec23465_Handle *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->magic = PX_MAGIC;
    h->type = type;
    h->parent = parent;
    h->conn = conn;
    h->app = -1;
    if (parent)
        h->channel = parent->channel;
    pthread_mutex_lock(&px_reg_lock);
    if (px_reg_n == px_reg_cap) {
        size_t cap = px_reg_cap ? px_reg_cap * 2 : 64;
        /* The registry is an array of handle pointers. */
        isoIec23465_Handle **grown = realloc(px_reg, cap * sizeof(isoIec23465_Handle *));
        if (!grown) {
            pthread_mutex_unlock(&px_reg_lock);
            free(h);
            return NULL;
        }
        px_reg = grown;
        px_reg_cap = cap;
    }
    px_reg[px_reg_n++] = h;
    if (conn)
        conn->refs++;
    pthread_mutex_unlock(&px_reg_lock);
    return h;
}

/* Unregisters h and its descendants, appending them to the list *tail points into (children
 * first). The list runs through the handles themselves: releasing must not need memory, or a
 * failed allocation would leave unregistered handles that nothing frees. */
static void px_collect_locked(isoIec23465_Handle *h, isoIec23465_Handle ***tail)
{
    for (size_t i = 0; i < px_reg_n;) {
        if (px_reg[i]->parent == h) {
            px_collect_locked(px_reg[i], tail);
            i = 0; /* the array changed */
        } else {
            i++;
        }
    }
    for (size_t i = 0; i < px_reg_n; i++) {
        if (px_reg[i] == h) {
            px_reg[i] = px_reg[--px_reg_n];
            break;
        }
    }
    h->next_victim = NULL;
    **tail = h;
    *tail = &h->next_victim;
}

void px_handle_free(isoIec23465_Handle *h)
{
    if (!h)
        return;
    isoIec23465_Handle *victims = NULL, **tail = &victims;
    pthread_mutex_lock(&px_reg_lock);
    if (px_reg_has(h))
        px_collect_locked(h, &tail);
    pthread_mutex_unlock(&px_reg_lock);
    while (victims) {
        isoIec23465_Handle *v = victims;
        victims = v->next_victim;
        if (v->parent && v->parent->root == v)
            v->parent->root = NULL; /* children go first: the parent is still alive */
        free(v->entries);
        px_conn_unref(v->conn);
        memset(v, 0, sizeof *v);
        free(v);
    }
}

isoIec23465_Status px_handle_enter(const isoIec23465_Handle *h, isoIec23465_ObjectType base,
                                   px_conn **conn)
{
    if (!h)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL %s handle",
                            px_type_name(base));
    pthread_mutex_lock(&px_reg_lock);
    if (!px_reg_has(h)) {
        pthread_mutex_unlock(&px_reg_lock);
        return px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                            "handle released or its device disconnected");
    }
    if (base && !px_type_is_a(h->type, base)) {
        isoIec23465_ObjectType t = h->type;
        pthread_mutex_unlock(&px_reg_lock);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "%s handle given where %s is expected", px_type_name(t),
                            px_type_name(base));
    }
    px_conn *c = h->conn;
    if (c)
        c->refs++;
    pthread_mutex_unlock(&px_reg_lock);
    if (c) {
        pthread_mutex_lock(&c->lock);
        if (!c->open) {
            px_handle_leave(c);
            return px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                                "device disconnected");
        }
        c->channel = h->channel;
    }
    *conn = c;
    return isoIec23465_Success;
}

void px_handle_leave(px_conn *conn)
{
    if (!conn)
        return;
    px_conn_trim(conn);
    pthread_mutex_unlock(&conn->lock);
    px_conn_unref(conn);
}

/* Responses may hold secrets (decrypted data): the buffer is wiped before its memory goes back,
 * which is why it grows by copy rather than realloc. */
static void px_conn_free_rbuf(px_conn *conn)
{
    if (conn->rbuf)
        explicit_bzero(conn->rbuf, conn->rcap);
    free(conn->rbuf);
    conn->rbuf = NULL;
    conn->rcap = 0;
}

px_conn *px_conn_new(const px_transport *tr)
{
    /* No buffers yet: the first exchange allocates what it needs (px_conn_reserve). */
    px_conn *c = calloc(1, sizeof *c);
    if (!c) {
        tr->ops->close(tr->ctx);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->refs = 1;
    c->open = true;
    c->tr = *tr;
    c->max_le = 256;
    return c;
}

void px_conn_unref(px_conn *conn)
{
    if (!conn)
        return;
    pthread_mutex_lock(&px_reg_lock);
    int left = --conn->refs;
    pthread_mutex_unlock(&px_reg_lock);
    if (left)
        return;
    if (conn->tr.ops)
        conn->tr.ops->close(conn->tr.ctx);
    px_desc_free(conn->desc);
    pthread_mutex_destroy(&conn->lock);
    px_conn_free_rbuf(conn);
    free(conn);
}

bool px_conn_reserve(px_conn *conn, size_t cap)
{
    if (cap <= conn->rcap)
        return true;
    uint8_t *grown = malloc(cap);
    if (!grown)
        return false;
    size_t keep = conn->rcap;
    if (keep)
        memcpy(grown, conn->rbuf, keep);
    px_conn_free_rbuf(conn);
    conn->rbuf = grown;
    conn->rcap = cap;
    return true;
}

void px_conn_trim(px_conn *conn)
{
    if (conn->rcap > PX_RBUF_KEEP)
        px_conn_free_rbuf(conn);
}

isoIec23465_Status px_out_text(const char *text, char *buf, size_t *len)
{
    size_t need = strlen(text) + 1;
    if (!buf) {
        *len = need;
        return isoIec23465_Success;
    }
    if (*len < need)
        return px_error_buffer(need);
    memcpy(buf, text, need);
    *len = need;
    return isoIec23465_Success;
}

isoIec23465_Status px_out_bytes(const uint8_t *data, size_t n, uint8_t *buf, size_t *len)
{
    if (!buf) {
        *len = n;
        return isoIec23465_Success;
    }
    if (*len < n)
        return px_error_buffer(n);
    if (n)
        memcpy(buf, data, n);
    *len = n;
    return isoIec23465_Success;
}
