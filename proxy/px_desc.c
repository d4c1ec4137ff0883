/* Device description loader (libfyaml). Strict: unknown keys, bad hex and out-of-range values
 * refuse the file, so a typo cannot silently hide an object. */
#include "px_desc.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "codec_bytes.h"

#ifndef PX_DEVICES_DIR
#define PX_DEVICES_DIR "/usr/local/share/sdtest/devices"
#endif

typedef struct px_ld {
    const char *name;
    char *err;
    size_t errcap;
    bool oom; /* the failure was an allocation, not the file */
} px_ld;

__attribute__((format(printf, 3, 4))) static void px_note(px_ld *ld, struct fy_node *at,
                                                          const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *path = at ? fy_node_get_path(at) : NULL;
    snprintf(ld->err, ld->errcap, "%s: %s: %s", ld->name, path ? path : "/", msg);
    free(path);
}

/* Writes the message and evaluates to false. A macro so that the analyzers see the false (they
 * do not look into variadic functions). */
#define px_fail(ld, at, ...) (px_note((ld), (at), __VA_ARGS__), false)

static const char *px_scalar(struct fy_node *n, size_t *len)
{
    if (!n || !fy_node_is_scalar(n))
        return NULL;
    return fy_node_get_scalar(n, len);
}

static bool px_get_string(px_ld *ld, struct fy_node *n, char **out)
{
    size_t len;
    const char *s = px_scalar(n, &len);
    if (!s || len > 255 || memchr(s, '\0', len))
        return px_fail(ld, n, "expected a text of at most 255 bytes");
    char *c = malloc(len + 1);
    if (!c) {
        ld->oom = true;
        return px_fail(ld, n, "out of memory");
    }
    memcpy(c, s, len);
    c[len] = '\0';
    free(*out);
    *out = c;
    return true;
}

static bool px_get_hex(px_ld *ld, struct fy_node *n, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t len, err_pos = 0;
    const char *s = px_scalar(n, &len);
    if (!s)
        return px_fail(ld, n, "expected hex bytes");
    if (!codec_hex_decode(s, len, out, cap, out_len, &err_pos) || *out_len == 0)
        return px_fail(ld, n, "bad hex (at character %zu) or more than %zu bytes", err_pos, cap);
    return true;
}

static bool px_get_bool(px_ld *ld, struct fy_node *n, int *out)
{
    size_t len;
    const char *s = px_scalar(n, &len);
    if (s && len == 4 && memcmp(s, "true", 4) == 0)
        *out = 1;
    else if (s && len == 5 && memcmp(s, "false", 5) == 0)
        *out = 0;
    else
        return px_fail(ld, n, "expected true or false");
    return true;
}

static bool px_get_size(px_ld *ld, struct fy_node *n, size_t max, size_t *out)
{
    size_t len;
    const char *s = px_scalar(n, &len);
    char buf[24];
    if (!s || len == 0 || len >= sizeof buf)
        return px_fail(ld, n, "expected a number");
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    if (*end || buf[0] == '-' || v > max)
        return px_fail(ld, n, "expected a number from 0 to %zu", max);
    *out = (size_t)v;
    return true;
}

/* Checks that every key of mapping `n` is one of `keys` (NULL-terminated). */
static bool px_check_keys(px_ld *ld, struct fy_node *n, const char *const *keys)
{
    if (!n || !fy_node_is_mapping(n))
        return px_fail(ld, n, "expected a mapping");
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
        size_t len;
        const char *k = px_scalar(fy_node_pair_key(p), &len);
        bool ok = false;
        for (size_t i = 0; k && keys[i]; i++)
            if (strlen(keys[i]) == len && memcmp(keys[i], k, len) == 0)
                ok = true;
        if (!ok)
            return px_fail(ld, fy_node_pair_key(p), "unknown key '%.*s'", k ? (int)len : 1,
                           k ? k : "?");
    }
    return true;
}

static struct fy_node *px_key(struct fy_node *map, const char *key)
{
    return fy_node_mapping_lookup_by_string(map, key, FY_NT);
}

static const struct {
    const char *name;
    isoIec23465_ObjectType type;
} px_classes[] = {
    {"DataContainer", isoIec23465_TypeDataContainer},
    {"CertificateContainer", isoIec23465_TypeCertificateContainer},
};

static const struct {
    const char *name;
    isoIec23465_DeviceType type;
} px_devtypes[] = {
    {"smart card", isoIec23465_DeviceSmartCard},
    {"eSE", isoIec23465_DeviceEmbeddedSecureElement},
    {"UICC", isoIec23465_DeviceUicc},
    {"secure SD", isoIec23465_DeviceSecureSd},
    {"USB token", isoIec23465_DeviceUsbToken},
    {"virtual", isoIec23465_DeviceVirtual},
};

static bool px_parse_match(px_ld *ld, px_desc *d, struct fy_node *m)
{
    static const char *const keys[] = {"atr", "atr_mask", "aid", NULL};
    if (!px_check_keys(ld, m, keys))
        return false;
    struct fy_node *n;
    if ((n = px_key(m, "atr")) && !px_get_hex(ld, n, d->atr, sizeof d->atr, &d->atr_len))
        return false;
    memset(d->atr_mask, 0xFF, sizeof d->atr_mask);
    if ((n = px_key(m, "atr_mask"))) {
        size_t ml;
        if (!px_get_hex(ld, n, d->atr_mask, sizeof d->atr_mask, &ml))
            return false;
        if (ml != d->atr_len)
            return px_fail(ld, n, "atr_mask must be as long as atr");
    }
    if ((n = px_key(m, "aid"))) {
        if (!px_get_hex(ld, n, d->match_aid, sizeof d->match_aid, &d->match_aid_len))
            return false;
        if (d->match_aid_len < 5)
            return px_fail(ld, n, "an AID has 5 to 16 bytes");
    }
    if (d->atr_len == 0 && d->match_aid_len == 0)
        return px_fail(ld, m, "give atr and/or aid");
    return true;
}

static bool px_parse_transport(px_ld *ld, px_desc *d, struct fy_node *m)
{
    static const char *const keys[] = {"extended_length", "max_response", NULL};
    if (!px_check_keys(ld, m, keys))
        return false;
    struct fy_node *n;
    if ((n = px_key(m, "extended_length")) && !px_get_bool(ld, n, &d->extended_length))
        return false;
    if ((n = px_key(m, "max_response"))) {
        if (!px_get_size(ld, n, 65536, &d->max_response))
            return false;
        if (d->max_response < 1)
            return px_fail(ld, n, "max_response must be at least 1");
    }
    return true;
}

static bool px_parse_apps(px_ld *ld, px_desc *d, struct fy_node *seq)
{
    static const char *const keys[] = {"label", "aid", NULL};
    if (!fy_node_is_sequence(seq))
        return px_fail(ld, seq, "expected a list");
    void *it = NULL;
    struct fy_node *a;
    while ((a = fy_node_sequence_iterate(seq, &it)) != NULL) {
        if (d->n_apps == PX_DESC_MAX_APPS)
            return px_fail(ld, a, "more than %d applications", PX_DESC_MAX_APPS);
        px_desc_app *app = &d->apps[d->n_apps++];
        if (!px_check_keys(ld, a, keys) || !px_get_string(ld, px_key(a, "label"), &app->label) ||
            !px_get_hex(ld, px_key(a, "aid"), app->aid, sizeof app->aid, &app->aid_len))
            return false;
        if (app->aid_len < 5)
            return px_fail(ld, a, "an AID has 5 to 16 bytes");
    }
    return true;
}

static bool px_parse_objs(px_ld *ld, px_desc *d, struct fy_node *seq)
{
    static const char *const keys[] = {"class", "label", "identifier", "path", "application", NULL};
    if (!fy_node_is_sequence(seq))
        return px_fail(ld, seq, "expected a list");
    void *it = NULL;
    struct fy_node *o;
    while ((o = fy_node_sequence_iterate(seq, &it)) != NULL) {
        if (d->n_objs == PX_DESC_MAX_OBJECTS)
            return px_fail(ld, o, "more than %d objects", PX_DESC_MAX_OBJECTS);
        px_desc_obj *obj = &d->objs[d->n_objs++];
        px_desc_obj_init(obj);
        if (!px_check_keys(ld, o, keys))
            return false;
        size_t len;
        const char *cls = px_scalar(px_key(o, "class"), &len);
        for (size_t i = 0; cls && i < sizeof px_classes / sizeof px_classes[0]; i++)
            if (strlen(px_classes[i].name) == len && memcmp(px_classes[i].name, cls, len) == 0)
                obj->type = px_classes[i].type;
        if (!obj->type)
            return px_fail(ld, o, "class must be DataContainer or CertificateContainer");
        if (!px_get_string(ld, px_key(o, "label"), &obj->label) ||
            !px_get_hex(ld, px_key(o, "identifier"), obj->id, sizeof obj->id, &obj->id_len) ||
            !px_get_hex(ld, px_key(o, "path"), obj->path, sizeof obj->path, &obj->path_len))
            return false;
        if (obj->path_len % 2)
            return px_fail(ld, o, "a path is a sequence of 2-byte file identifiers");
        for (size_t i = 0; i + 1 < d->n_objs; i++)
            if (strcmp(d->objs[i].label, obj->label) == 0)
                return px_fail(ld, o, "label '%s' used twice", obj->label);
        struct fy_node *an = px_key(o, "application");
        if (an) {
            const char *al = px_scalar(an, &len);
            for (size_t i = 0; al && i < d->n_apps; i++)
                if (strlen(d->apps[i].label) == len && memcmp(d->apps[i].label, al, len) == 0)
                    obj->app = (int)i;
            if (obj->app < 0)
                return px_fail(ld, an, "no application with this label (list it first)");
        } else if (obj->path_len < 2 || obj->path[0] != 0x3F || obj->path[1] != 0x00) {
            return px_fail(ld, o, "a path outside an application starts with 3F00");
        }
    }
    return true;
}

static bool px_parse(px_ld *ld, px_desc *d, struct fy_node *root)
{
    static const char *const keys[] = {
        "name",      "manufacturer", "product",      "device_type", "match",
        "transport", "api_levels",   "applications", "objects",     NULL};
    if (!px_check_keys(ld, root, keys))
        return false;
    struct fy_node *n;
    if (!px_get_string(ld, px_key(root, "name"), &d->name))
        return false;
    if ((n = px_key(root, "manufacturer")) && !px_get_string(ld, n, &d->manufacturer))
        return false;
    if ((n = px_key(root, "product")) && !px_get_string(ld, n, &d->product))
        return false;
    if ((n = px_key(root, "device_type"))) {
        size_t len;
        const char *s = px_scalar(n, &len);
        for (size_t i = 0; s && i < sizeof px_devtypes / sizeof px_devtypes[0]; i++)
            if (strlen(px_devtypes[i].name) == len && memcmp(px_devtypes[i].name, s, len) == 0)
                d->device_type = (int)px_devtypes[i].type;
        if (!d->device_type)
            return px_fail(ld, n, "unknown device_type");
    }
    if (!(n = px_key(root, "match")))
        return px_fail(ld, root, "'match' is required");
    if (!px_parse_match(ld, d, n))
        return false;
    if ((n = px_key(root, "transport")) && !px_parse_transport(ld, d, n))
        return false;
    snprintf(d->api_levels, sizeof d->api_levels, "1");
    if ((n = px_key(root, "api_levels"))) {
        size_t len;
        const char *s = px_scalar(n, &len);
        if (!s || len == 0 || len >= sizeof d->api_levels || strspn(s, "123,") < len)
            return px_fail(ld, n, "expected levels such as \"1\" or \"1,2\"");
        memcpy(d->api_levels, s, len);
        d->api_levels[len] = '\0';
    }
    if ((n = px_key(root, "applications")) && !px_parse_apps(ld, d, n))
        return false;
    if ((n = px_key(root, "objects")) && !px_parse_objs(ld, d, n))
        return false;
    return true;
}

/* Builds a description from a parsed document (NULL: not YAML) and destroys the document.
 * *oom tells an allocation failure from a bad file. */
static px_desc *px_desc_build(struct fy_document *fyd, const char *name, char *err, size_t errcap,
                              bool *oom)
{
    px_ld ld = {name, err, errcap, false};
    *oom = false;
    if (!fyd) {
        snprintf(err, errcap, "%s: not valid YAML", name);
        return NULL;
    }
    px_desc *d = calloc(1, sizeof *d);
    if (d) {
        d->extended_length = -1;
        d->file = strdup(name);
    }
    if (!d || !d->file) {
        fy_document_destroy(fyd);
        px_desc_free(d);
        snprintf(err, errcap, "%s: out of memory", name);
        *oom = true;
        return NULL;
    }
    bool ok = px_parse(&ld, d, fy_document_root(fyd));
    fy_document_destroy(fyd);
    if (!ok) {
        px_desc_free(d);
        *oom = ld.oom;
        return NULL;
    }
    return d;
}

static const struct fy_parse_cfg px_cfg = {.flags = FYPCF_QUIET};

static px_desc *px_desc_load_path(const char *path, char *err, size_t errcap, bool *oom)
{
    return px_desc_build(fy_document_build_from_file(&px_cfg, path), path, err, errcap, oom);
}

px_desc *px_desc_load_file(const char *path, char *err, size_t errcap)
{
    bool oom;
    return px_desc_load_path(path, err, errcap, &oom);
}

px_desc *px_desc_load_buffer(const char *yaml, size_t len, const char *name, char *err,
                             size_t errcap)
{
    bool oom;
    return px_desc_build(fy_document_build_from_string(&px_cfg, yaml, len), name, err, errcap,
                         &oom);
}

void px_desc_obj_init(px_desc_obj *o)
{
    memset(o, 0, sizeof *o);
    o->app = -1;
    for (size_t i = 0; i < PX_OPS; i++)
        o->auth[i] = PX_AUTH_UNKNOWN;
    o->pin_max_tries = -1;
    o->pin_unblock = -1;
    o->pair = -1;
    o->cert = -1;
}

void px_desc_free(px_desc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_apps; i++)
        free(d->apps[i].label);
    for (size_t i = 0; i < d->n_objs; i++)
        free(d->objs[i].label);
    free(d->file);
    free(d->name);
    free(d->manufacturer);
    free(d->product);
    free(d);
}

bool px_desc_match_atr(const px_desc *d, const uint8_t *atr, size_t len)
{
    if (d->atr_len == 0)
        return true;
    if (len < d->atr_len)
        return false;
    for (size_t i = 0; i < d->atr_len; i++)
        if ((atr[i] & d->atr_mask[i]) != (d->atr[i] & d->atr_mask[i]))
            return false;
    return true;
}

const char *px_desc_dir(void)
{
    const char *e = getenv("SDPROXY_DEVICES");
    return e && *e ? e : PX_DEVICES_DIR;
}

static int px_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool px_desc_load_dir(const char *dir, px_desc ***out, size_t *count, char *err, size_t errcap)
{
    *out = NULL;
    *count = 0;
    errno = 0;
    DIR *dp = opendir(dir);
    if (!dp)
        return errno != ENOMEM; /* no directory: no descriptions */
    char *names[PX_DESC_MAX_FILES];
    size_t n = 0;
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(dp)) != NULL && n < PX_DESC_MAX_FILES) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
            continue;
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
        else
            ok = false;
    }
    closedir(dp);
    qsort(names, n, sizeof names[0], px_by_name);
    /* An array of description pointers. */
    px_desc **list = ok && n ? calloc(n, sizeof(px_desc *)) : NULL;
    if (n && !list)
        ok = false;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            bool oom;
            px_desc *d = px_desc_load_path(path, err, errcap, &oom);
            if (d)
                list[kept++] = d;
            else if (oom)
                ok = false;
        }
        free(names[i]);
    }
    if (!ok) {
        px_desc_free_all(list, kept);
        snprintf(err, errcap, "%s: out of memory while loading descriptions", dir);
        return false;
    }
    *out = list;
    *count = kept;
    return true;
}

void px_desc_free_all(px_desc **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        px_desc_free(list[i]);
    free(list);
}
