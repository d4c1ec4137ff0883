/* Device description loader (libfyaml) and the merge with what ISO/IEC 7816-15 discovery found.
 * Strict: unknown keys, bad hex, bad enumerations, unknown labels and out-of-range values refuse
 * the file with "file:line: where: why", so a typo cannot silently hide an object. */
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

/* The line (1-based) where node `n` starts: its own token for a scalar, else its first key or
 * item; 0 when unknown. */
static int px_line(struct fy_node *n)
{
    for (int depth = 0; n && depth < 8; depth++) {
        if (fy_node_is_scalar(n)) {
            struct fy_token *t = fy_node_get_scalar_token(n);
            const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
            return m ? m->line + 1 : 0;
        }
        void *it = NULL;
        if (fy_node_is_mapping(n)) {
            struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
            n = p ? fy_node_pair_key(p) : NULL;
        } else {
            n = fy_node_sequence_iterate(n, &it);
        }
    }
    return 0;
}

/* Writes "file:line: where: why" into the loader's message. */
__attribute__((format(printf, 3, 4))) static void px_note(px_ld *ld, struct fy_node *at,
                                                          const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *path = at ? fy_node_get_path(at) : NULL;
    int line = px_line(at);
    if (line > 0)
        snprintf(ld->err, ld->errcap, "%s:%d: %s: %s", ld->name, line, path ? path : "/", msg);
    else
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
    {"Password", isoIec23465_TypePassword},
    {"PrivateKey", isoIec23465_TypePrivateKey},
    {"PublicKey", isoIec23465_TypePublicKey},
    {"SecretKey", isoIec23465_TypeSecretKey},
};

/* A name -> value table for enumerated keys. */
typedef struct px_enum {
    const char *name;
    int value;
} px_enum;

#define PX_N(t) (sizeof(t) / sizeof((t)[0]))

static const px_enum px_structures[] = {
    {"transparent", PX_STRUCT_TRANSPARENT},
    {"linear_fixed", PX_STRUCT_LINEAR_FIXED},
    {"linear_variable", PX_STRUCT_LINEAR_VARIABLE},
    {"cyclic", PX_STRUCT_CYCLIC},
};

static const px_enum px_encodings[] = {
    {"ascii", PX_PIN_ASCII},
    {"bcd", PX_PIN_BCD},
    {"format2", PX_PIN_FORMAT2},
};

static const px_enum px_key_types[] = {
    {"rsa", isoIec23465_KeyRsa},
    {"ec", isoIec23465_KeyEc},
    {"aes", isoIec23465_KeyAes},
};

static const px_enum px_usages[] = {
    {"sign", ISOIEC23465_USAGE_SIGN},       {"verify", ISOIEC23465_USAGE_VERIFY},
    {"encrypt", ISOIEC23465_USAGE_ENCRYPT}, {"decrypt", ISOIEC23465_USAGE_DECRYPT},
    {"derive", ISOIEC23465_USAGE_DERIVE},   {"authenticate", ISOIEC23465_USAGE_AUTHENTICATE},
};

static const px_enum px_mechanisms[] = {
    {"rsa-pkcs1", isoIec23465_MechRsaPkcs1V15},
    {"rsa-pss", isoIec23465_MechRsaPss},
    {"rsa-oaep", isoIec23465_MechRsaOaep},
    {"ecdsa", isoIec23465_MechEcdsa},
    {"ecdh", isoIec23465_MechEcdh},
    {"aes-cbc", isoIec23465_MechAesCbc},
    {"aes-ecb", isoIec23465_MechAesEcb},
    {"aes-cmac", isoIec23465_MechAesCmac},
};

static const px_enum px_hashes[] = {
    {"none", isoIec23465_HashNone},
    {"sha256", isoIec23465_HashSha256},
    {"sha384", isoIec23465_HashSha384},
    {"sha512", isoIec23465_HashSha512},
};

/* Access operations, in isoIec23465_Operation order. */
static const char *const px_ops[PX_OPS] = {"read", "update", "erase", "use", "delete"};

/* Looks the scalar `n` up in `t`; false with "expected one of ..." otherwise. */
static bool px_get_enum(px_ld *ld, struct fy_node *n, const px_enum *t, size_t count,
                        const char *what, int *out)
{
    size_t len;
    const char *s = px_scalar(n, &len);
    for (size_t i = 0; s && i < count; i++)
        if (strlen(t[i].name) == len && memcmp(t[i].name, s, len) == 0) {
            *out = t[i].value;
            return true;
        }
    char list[256] = "";
    for (size_t i = 0; i < count; i++) {
        size_t at = strlen(list);
        snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", t[i].name);
    }
    return px_fail(ld, n, "%s must be one of: %s", what, list);
}

/* A number, decimal or 0x-prefixed hex, from 0 to max. */
static bool px_get_num(px_ld *ld, struct fy_node *n, unsigned long max, unsigned long *out)
{
    size_t len;
    const char *s = px_scalar(n, &len);
    char buf[24];
    if (!s || len == 0 || len >= sizeof buf)
        return px_fail(ld, n, "expected a number");
    memcpy(buf, s, len);
    buf[len] = '\0';
    bool hex = len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
    const char *digits = hex ? buf + 2 : buf;
    if (strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789") != strlen(digits) || !*digits)
        return px_fail(ld, n, "expected a number (decimal or 0x hex)");
    errno = 0;
    unsigned long v = strtoul(digits, NULL, hex ? 16 : 10);
    if (errno || v > max)
        return px_fail(ld, n, "expected a number from 0 to %lu", max);
    *out = v;
    return true;
}

/* A usage list such as [sign, verify] into ISOIEC23465_USAGE_* bits (a single name is taken
 * as a list of one). */
static bool px_get_usage(px_ld *ld, struct fy_node *n, unsigned *out)
{
    *out = 0;
    if (n && fy_node_is_scalar(n)) {
        int v;
        if (!px_get_enum(ld, n, px_usages, PX_N(px_usages), "a usage", &v))
            return false;
        *out = (unsigned)v;
        return true;
    }
    if (!n || !fy_node_is_sequence(n))
        return px_fail(ld, n, "expected a usage list such as [sign, verify]");
    void *it = NULL;
    struct fy_node *u;
    while ((u = fy_node_sequence_iterate(n, &it)) != NULL) {
        int v;
        if (!px_get_enum(ld, u, px_usages, PX_N(px_usages), "a usage", &v))
            return false;
        *out |= (unsigned)v;
    }
    if (!*out)
        return px_fail(ld, n, "an empty usage list");
    return true;
}

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

/* A path of 2-byte file identifiers into out/len (at most PX_DESC_MAX_PATH bytes). */
static bool px_get_path(px_ld *ld, struct fy_node *n, uint8_t *out, size_t *len)
{
    if (!px_get_hex(ld, n, out, PX_DESC_MAX_PATH, len))
        return false;
    if (*len % 2)
        return px_fail(ld, n, "a path is a sequence of 2-byte file identifiers");
    return true;
}

static bool px_parse_apps(px_ld *ld, px_desc *d, struct fy_node *seq)
{
    static const char *const keys[] = {"label", "aid", "path", NULL};
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
        for (size_t i = 0; i + 1 < d->n_apps; i++)
            if (strcmp(d->apps[i].label, app->label) == 0)
                return px_fail(ld, a, "application label '%s' used twice", app->label);
        struct fy_node *pn = px_key(a, "path");
        if (pn) {
            if (!px_get_path(ld, pn, app->path, &app->path_len))
                return false;
            if (app->path_len < 4 || app->path[0] != 0x3F || app->path[1] != 0x00)
                return px_fail(ld, pn, "an application's path starts with 3F00 and names its DF");
        }
    }
    return true;
}

/* The device's algorithm references: a list of {mechanism, hash, reference, usage}. */
static bool px_parse_algs(px_ld *ld, px_desc *d, struct fy_node *seq)
{
    static const char *const keys[] = {"mechanism", "hash", "reference", "usage", NULL};
    if (!fy_node_is_sequence(seq))
        return px_fail(ld, seq, "expected a list of {mechanism, hash, reference, usage}");
    void *it = NULL;
    struct fy_node *a;
    while ((a = fy_node_sequence_iterate(seq, &it)) != NULL) {
        if (d->n_algs == PX_DESC_MAX_DEVICE_ALGS)
            return px_fail(ld, a, "more than %d algorithms", PX_DESC_MAX_DEVICE_ALGS);
        px_desc_alg *alg = &d->algs[d->n_algs];
        memset(alg, 0, sizeof *alg);
        int mech, hash = isoIec23465_HashNone;
        unsigned long ref;
        struct fy_node *n;
        unsigned usage = 0;
        if (!px_check_keys(ld, a, keys))
            return false;
        if (!px_key(a, "mechanism") || !px_key(a, "reference"))
            return px_fail(ld, a, "an algorithm needs mechanism and reference");
        if (!px_get_enum(ld, px_key(a, "mechanism"), px_mechanisms, PX_N(px_mechanisms),
                         "mechanism", &mech) ||
            ((n = px_key(a, "hash")) &&
             !px_get_enum(ld, n, px_hashes, PX_N(px_hashes), "hash", &hash)) ||
            !px_get_num(ld, px_key(a, "reference"), 0xFF, &ref) ||
            ((n = px_key(a, "usage")) && !px_get_usage(ld, n, &usage)))
            return false;
        alg->mechanism = (uint8_t)mech;
        alg->hash = (uint8_t)hash;
        alg->ref = (uint8_t)ref;
        alg->usage = (uint8_t)usage;
        for (size_t i = 0; i < d->n_algs; i++) {
            const px_desc_alg *o = &d->algs[i];
            if (o->mechanism == alg->mechanism && o->hash == alg->hash &&
                (!o->usage || !alg->usage || (o->usage & alg->usage)))
                return px_fail(ld, a,
                               "this mechanism and hash already have reference 0x%02X for the "
                               "same usage (tell them apart with usage)",
                               o->ref);
        }
        d->n_algs++;
    }
    return true;
}

/* Which key types a mechanism works with. */
static isoIec23465_KeyType px_mech_key_type(isoIec23465_Mechanism m)
{
    switch (m) {
    case isoIec23465_MechRsaPkcs1V15:
    case isoIec23465_MechRsaPss:
    case isoIec23465_MechRsaOaep:
        return isoIec23465_KeyRsa;
    case isoIec23465_MechEcdsa:
    case isoIec23465_MechEcdh:
        return isoIec23465_KeyEc;
    default:
        return isoIec23465_KeyAes;
    }
}

static bool px_is_key(isoIec23465_ObjectType t)
{
    return t == isoIec23465_TypePrivateKey || t == isoIec23465_TypePublicKey ||
           t == isoIec23465_TypeSecretKey;
}

static const char *px_class_name(isoIec23465_ObjectType t)
{
    for (size_t i = 0; i < PX_N(px_classes); i++)
        if (px_classes[i].type == t)
            return px_classes[i].name;
    return "?";
}

/* The keys an object of class `t` may have. */
static const char *const *px_obj_keys(isoIec23465_ObjectType t)
{
    static const char *const container[] = {"class",       "label",  "identifier", "path",
                                            "application", "access", "structure",  NULL};
    static const char *const cert[] = {"class",       "label",  "identifier", "path",
                                       "application", "access", NULL};
    static const char *const password[] = {"class",        "label",     "identifier", "path",
                                           "application",  "reference", "encoding",   "min_length",
                                           "max_length",   "pad_to",    "pad_byte",   "max_tries",
                                           "unblocked_by", NULL};
    static const char *const private_key[] = {
        "class",    "label", "identifier", "path",       "application", "access",     "reference",
        "key_type", "bits",  "usage",      "algorithms", "certificate", "public_key", NULL};
    static const char *const key[] = {"class",       "label",  "identifier", "path",
                                      "application", "access", "reference",  "key_type",
                                      "bits",        "usage",  "algorithms", NULL};
    switch (t) {
    case isoIec23465_TypeDataContainer:
        return container;
    case isoIec23465_TypeCertificateContainer:
        return cert;
    case isoIec23465_TypePassword:
        return password;
    case isoIec23465_TypePrivateKey:
        return private_key;
    default:
        return key;
    }
}

/* The index of the object of class `t` labelled by scalar `n` (-1: none). */
static int px_find_label(const px_desc *d, isoIec23465_ObjectType t, struct fy_node *n)
{
    size_t len;
    const char *s = px_scalar(n, &len);
    for (size_t i = 0; s && i < d->n_objs; i++)
        if (d->objs[i].type == t && strlen(d->objs[i].label) == len &&
            memcmp(d->objs[i].label, s, len) == 0)
            return (int)i;
    return -1;
}

/* Password fields. */
static bool px_parse_password(px_ld *ld, px_desc_obj *obj, struct fy_node *o)
{
    struct fy_node *n;
    unsigned long v;
    int e;
    if ((n = px_key(o, "reference"))) {
        if (!px_get_num(ld, n, 0xFF, &v))
            return false;
        obj->pin_ref = (uint8_t)v;
        obj->given |= PX_GIVEN_PIN_REF;
    }
    if ((n = px_key(o, "encoding"))) {
        if (!px_get_enum(ld, n, px_encodings, PX_N(px_encodings), "encoding", &e))
            return false;
        obj->pin_encoding = (px_pin_encoding)e;
        obj->given |= PX_GIVEN_PIN_ENCODING;
    }
    struct {
        const char *key;
        unsigned long min, max;
        uint32_t bit;
        size_t *out;
    } sizes[] = {
        {"min_length", 0, 255, PX_GIVEN_PIN_MIN, &obj->pin_min},
        {"max_length", 1, 255, PX_GIVEN_PIN_MAX, &obj->pin_max},
        {"pad_to", 1, 255, PX_GIVEN_PIN_STORED, &obj->pin_stored},
    };
    for (size_t i = 0; i < PX_N(sizes); i++) {
        if (!(n = px_key(o, sizes[i].key)))
            continue;
        if (!px_get_num(ld, n, sizes[i].max, &v))
            return false;
        if (v < sizes[i].min)
            return px_fail(ld, n, "%s must be at least %lu", sizes[i].key, sizes[i].min);
        *sizes[i].out = v;
        obj->given |= sizes[i].bit;
    }
    if ((n = px_key(o, "pad_byte"))) {
        if (!px_get_num(ld, n, 0xFF, &v))
            return false;
        obj->pin_pad = (uint8_t)v;
        obj->given |= PX_GIVEN_PIN_PAD;
    }
    if ((n = px_key(o, "max_tries"))) {
        if (!px_get_num(ld, n, 255, &v))
            return false;
        if (v < 1)
            return px_fail(ld, n, "max_tries must be at least 1");
        obj->pin_max_tries = (int)v;
    }
    if ((obj->given & PX_GIVEN_PIN_MIN) && (obj->given & PX_GIVEN_PIN_MAX) &&
        obj->pin_min > obj->pin_max)
        return px_fail(ld, o, "min_length is larger than max_length");
    if ((obj->given & PX_GIVEN_PIN_PAD) && !(obj->given & PX_GIVEN_PIN_STORED))
        return px_fail(ld, o, "pad_byte needs pad_to");
    if ((obj->given & PX_GIVEN_PIN_STORED) && !(obj->given & PX_GIVEN_PIN_PAD))
        obj->pin_pad = 0xFF; /* the usual padding; given with pad_to */
    if (obj->given & PX_GIVEN_PIN_STORED)
        obj->given |= PX_GIVEN_PIN_PAD;
    return true;
}

/* Key fields; the key-level `algorithms` are references of the device's table. */
static bool px_parse_key(px_ld *ld, const px_desc *d, px_desc_obj *obj, struct fy_node *o)
{
    struct fy_node *n;
    unsigned long v;
    int e;
    if ((n = px_key(o, "reference"))) {
        if (!px_get_num(ld, n, 0xFF, &v))
            return false;
        obj->key_ref = (uint8_t)v;
        obj->given |= PX_GIVEN_KEY_REF;
    }
    if ((n = px_key(o, "key_type"))) {
        if (!px_get_enum(ld, n, px_key_types, PX_N(px_key_types), "key_type", &e))
            return false;
        obj->key_type = (isoIec23465_KeyType)e;
        if ((obj->type == isoIec23465_TypeSecretKey) != (obj->key_type == isoIec23465_KeyAes))
            return px_fail(ld, n, "a SecretKey is aes, a PrivateKey or PublicKey rsa or ec");
    }
    if ((n = px_key(o, "bits"))) {
        if (!px_get_num(ld, n, 16384, &v))
            return false;
        if (v < 64)
            return px_fail(ld, n, "bits must be from 64 to 16384");
        obj->key_bits = v;
    }
    if ((n = px_key(o, "usage"))) {
        if (!px_get_usage(ld, n, &obj->usage))
            return false;
        obj->given |= PX_GIVEN_USAGE;
    }
    if ((n = px_key(o, "algorithms"))) {
        if (!fy_node_is_sequence(n))
            return px_fail(ld, n, "expected a list of references of the device's algorithms");
        void *it = NULL;
        struct fy_node *r;
        while ((r = fy_node_sequence_iterate(n, &it)) != NULL) {
            if (!px_get_num(ld, r, 0xFF, &v))
                return false;
            const px_desc_alg *alg = NULL;
            for (size_t i = 0; i < d->n_algs && !alg; i++)
                if (d->algs[i].ref == v)
                    alg = &d->algs[i];
            if (!alg)
                return px_fail(ld, r, "reference 0x%02lX is not in the device's algorithms", v);
            if (obj->key_type &&
                px_mech_key_type((isoIec23465_Mechanism)alg->mechanism) != obj->key_type)
                return px_fail(ld, r, "reference 0x%02lX is for another key type", v);
            /* Every table entry with this reference (one reference may serve several hashes). */
            for (size_t i = 0; i < d->n_algs; i++) {
                if (d->algs[i].ref != v)
                    continue;
                if (obj->n_algs == PX_MAX_ALGS)
                    return px_fail(ld, r, "more than %d algorithms for one key", PX_MAX_ALGS);
                obj->algs[obj->n_algs++] = d->algs[i];
            }
        }
        obj->given |= PX_GIVEN_ALGS;
    }
    if ((obj->type == isoIec23465_TypePrivateKey || obj->type == isoIec23465_TypeSecretKey) &&
        !(obj->given & PX_GIVEN_KEY_REF))
        return px_fail(ld, o, "a %s needs its reference", px_class_name(obj->type));
    return true;
}

static bool px_parse_obj(px_ld *ld, px_desc *d, px_desc_obj *obj, struct fy_node *o)
{
    size_t len;
    if (!o || !fy_node_is_mapping(o))
        return px_fail(ld, o, "expected a mapping");
    struct fy_node *cn = px_key(o, "class");
    const char *cls = px_scalar(cn, &len);
    for (size_t i = 0; cls && i < PX_N(px_classes); i++)
        if (strlen(px_classes[i].name) == len && memcmp(px_classes[i].name, cls, len) == 0)
            obj->type = px_classes[i].type;
    if (!obj->type)
        return px_fail(ld, cn ? cn : o,
                       "class must be DataContainer, CertificateContainer, Password, PrivateKey, "
                       "PublicKey or SecretKey");
    if (!px_check_keys(ld, o, px_obj_keys(obj->type)))
        return false;
    bool container = obj->type == isoIec23465_TypeDataContainer ||
                     obj->type == isoIec23465_TypeCertificateContainer;
    struct fy_node *n;
    if (!px_get_string(ld, px_key(o, "label"), &obj->label))
        return false;
    if (strlen(obj->label) == 0)
        return px_fail(ld, o, "an empty label");
    if ((n = px_key(o, "identifier")) || container) {
        if (!px_get_hex(ld, n, obj->id, sizeof obj->id, &obj->id_len))
            return false;
        obj->given |= PX_GIVEN_ID;
    }
    if ((n = px_key(o, "path")) || container) {
        if (!px_get_path(ld, n, obj->path, &obj->path_len))
            return false;
        obj->given |= PX_GIVEN_PATH;
    }
    for (size_t i = 0; i + 1 < d->n_objs; i++)
        if (d->objs[i].type == obj->type && strcmp(d->objs[i].label, obj->label) == 0)
            return px_fail(ld, o, "label '%s' used twice for a %s", obj->label,
                           px_class_name(obj->type));
    struct fy_node *an = px_key(o, "application");
    if (an) {
        const char *al = px_scalar(an, &len);
        for (size_t i = 0; al && i < d->n_apps; i++)
            if (strlen(d->apps[i].label) == len && memcmp(d->apps[i].label, al, len) == 0)
                obj->app = (int)i;
        if (obj->app < 0)
            return px_fail(ld, an, "no application with this label (list it first)");
        obj->given |= PX_GIVEN_PATH;
    } else if ((obj->given & PX_GIVEN_PATH) &&
               (obj->path_len < 2 || obj->path[0] != 0x3F || obj->path[1] != 0x00)) {
        return px_fail(ld, o, "a path outside an application starts with 3F00");
    }
    if ((n = px_key(o, "structure"))) {
        int e;
        if (!px_get_enum(ld, n, px_structures, PX_N(px_structures), "structure", &e))
            return false;
        obj->structure = (px_structure)e;
        obj->given |= PX_GIVEN_STRUCTURE;
    }
    if (obj->type == isoIec23465_TypePassword) {
        if (!px_parse_password(ld, obj, o))
            return false;
        if (!(obj->given & PX_GIVEN_PIN_REF))
            return px_fail(ld, o, "a Password needs its reference");
    } else if (px_is_key(obj->type) && !px_parse_key(ld, d, obj, o)) {
        return false;
    }
    /* Default identifier of passwords and keys: the reference. */
    if (!(obj->given & PX_GIVEN_ID)) {
        obj->id[0] = obj->type == isoIec23465_TypePassword ? obj->pin_ref : obj->key_ref;
        obj->id_len = 1;
    }
    return true;
}

/* The labels objects name (access, unblocked_by, certificate, public_key), once every object is
 * known. */
static bool px_resolve_obj(px_ld *ld, px_desc *d, size_t i, struct fy_node *o)
{
    px_desc_obj *obj = &d->objs[i];
    struct fy_node *n;
    if ((n = px_key(o, "access"))) {
        static const char *const keys[] = {"read", "update", "erase", "use", "delete", NULL};
        if (!px_check_keys(ld, n, keys))
            return false;
        for (size_t op = 0; op < PX_OPS; op++) {
            struct fy_node *v = px_key(n, px_ops[op]);
            if (!v)
                continue;
            size_t len;
            const char *s = px_scalar(v, &len);
            if (s && len == 6 && memcmp(s, "always", 6) == 0)
                obj->auth[op] = PX_AUTH_ALWAYS;
            else if (s && len == 5 && memcmp(s, "never", 5) == 0)
                obj->auth[op] = PX_AUTH_NEVER;
            else if ((obj->auth[op] = px_find_label(d, isoIec23465_TypePassword, v)) < 0)
                return px_fail(ld, v, "expected always, never or the label of a Password");
        }
    }
    if ((n = px_key(o, "unblocked_by"))) {
        size_t len;
        const char *s = px_scalar(n, &len);
        if (s && len == 4 && memcmp(s, "none", 4) == 0)
            obj->pin_unblock = -1;
        else if ((obj->pin_unblock = px_find_label(d, isoIec23465_TypePassword, n)) < 0 ||
                 (size_t)obj->pin_unblock == i)
            return px_fail(ld, n, "expected none or the label of another Password");
        obj->given |= PX_GIVEN_PIN_UNBLOCK;
    }
    if ((n = px_key(o, "certificate"))) {
        int k = px_find_label(d, isoIec23465_TypeCertificateContainer, n);
        if (k < 0)
            return px_fail(ld, n, "no CertificateContainer with this label");
        if (d->objs[k].cert >= 0 && (size_t)d->objs[k].cert != i)
            return px_fail(ld, n, "this certificate already belongs to another key");
        obj->cert = k;
        d->objs[k].cert = (int)i;
    }
    if ((n = px_key(o, "public_key"))) {
        int k = px_find_label(d, isoIec23465_TypePublicKey, n);
        if (k < 0)
            return px_fail(ld, n, "no PublicKey with this label");
        if (d->objs[k].pair >= 0 && (size_t)d->objs[k].pair != i)
            return px_fail(ld, n, "this public key already belongs to another key");
        obj->pair = k;
        d->objs[k].pair = (int)i;
    }
    return true;
}

static bool px_parse_objs(px_ld *ld, px_desc *d, struct fy_node *seq)
{
    if (!fy_node_is_sequence(seq))
        return px_fail(ld, seq, "expected a list");
    void *it = NULL;
    struct fy_node *o;
    while ((o = fy_node_sequence_iterate(seq, &it)) != NULL) {
        if (d->n_objs == PX_DESC_MAX_OBJECTS)
            return px_fail(ld, o, "more than %d objects", PX_DESC_MAX_OBJECTS);
        px_desc_obj *obj = &d->objs[d->n_objs++];
        px_desc_obj_init(obj);
        if (!px_parse_obj(ld, d, obj, o))
            return false;
    }
    it = NULL;
    for (size_t i = 0; (o = fy_node_sequence_iterate(seq, &it)) != NULL; i++)
        if (!px_resolve_obj(ld, d, i, o))
            return false;
    return true;
}

static bool px_parse(px_ld *ld, px_desc *d, struct fy_node *root)
{
    static const char *const keys[] = {"name",         "manufacturer", "product",   "os_version",
                                       "device_type",  "match",        "transport", "api_levels",
                                       "applications", "algorithms",   "objects",   NULL};
    if (!px_check_keys(ld, root, keys))
        return false;
    struct fy_node *n;
    if (!px_get_string(ld, px_key(root, "name"), &d->name))
        return false;
    if ((n = px_key(root, "manufacturer")) && !px_get_string(ld, n, &d->manufacturer))
        return false;
    if ((n = px_key(root, "product")) && !px_get_string(ld, n, &d->product))
        return false;
    if ((n = px_key(root, "os_version")) && !px_get_string(ld, n, &d->os_version))
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
    if ((n = px_key(root, "algorithms")) && !px_parse_algs(ld, d, n))
        return false;
    if ((n = px_key(root, "objects")) && !px_parse_objs(ld, d, n))
        return false;
    px_desc_assign_algs(d);
    return true;
}

/* Parses the file `src` (from_file) or the text src[0..len) and builds a description; *oom tells an
 * allocation failure from a bad file. libfyaml's diagnostics are collected, not printed: the first
 * one becomes the message ("file:line:column: what"). */
static px_desc *px_desc_build(const char *src, size_t len, bool from_file, const char *name,
                              char *err, size_t errcap, bool *oom)
{
    px_ld ld = {name, err, errcap, false};
    *oom = false;
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (diag)
        fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET, .diag = diag};
    struct fy_document *fyd = from_file ? fy_document_build_from_file(&cfg, src)
                                        : fy_document_build_from_string(&cfg, src, len);
    if (!fyd) {
        void *it = NULL;
        struct fy_diag_error *e = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
        if (e && e->msg)
            snprintf(err, errcap, "%s:%d:%d: not valid YAML: %s", name, e->line + 1, e->column + 1,
                     e->msg);
        else
            snprintf(err, errcap, "%s: not valid YAML", name);
        fy_diag_destroy(diag);
        return NULL;
    }
    px_desc *d = calloc(1, sizeof *d);
    if (d) {
        d->extended_length = -1;
        d->file = strdup(name);
    }
    if (!d || !d->file) {
        fy_document_destroy(fyd);
        fy_diag_destroy(diag);
        px_desc_free(d);
        snprintf(err, errcap, "%s: out of memory", name);
        *oom = true;
        return NULL;
    }
    bool ok = px_parse(&ld, d, fy_document_root(fyd));
    fy_document_destroy(fyd);
    fy_diag_destroy(diag);
    if (!ok) {
        px_desc_free(d);
        *oom = ld.oom;
        return NULL;
    }
    return d;
}

static px_desc *px_desc_load_path(const char *path, char *err, size_t errcap, bool *oom)
{
    return px_desc_build(path, 0, true, path, err, errcap, oom);
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
    return px_desc_build(yaml, len, false, name, err, errcap, &oom);
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
    free(d->os_version);
    free(d->serial);
    free(d->token_manufacturer);
    free(d->token_label);
    free(d);
}

px_desc *px_desc_new_empty(void)
{
    px_desc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->extended_length = -1;
    snprintf(d->api_levels, sizeof d->api_levels, "1");
    return d;
}

void px_desc_assign_algs(px_desc *d)
{
    for (size_t i = 0; i < d->n_objs; i++) {
        px_desc_obj *o = &d->objs[i];
        if (!px_is_key(o->type) || (o->given & PX_GIVEN_ALGS))
            continue;
        o->n_algs = 0;
        for (size_t k = 0; k < d->n_algs && o->n_algs < PX_MAX_ALGS; k++) {
            const px_desc_alg *a = &d->algs[k];
            isoIec23465_KeyType kt = px_mech_key_type((isoIec23465_Mechanism)a->mechanism);
            if (o->key_type && kt != o->key_type)
                continue;
            if (!o->key_type && kt == isoIec23465_KeyAes) {
                if (o->type != isoIec23465_TypeSecretKey)
                    continue;
            } else if (!o->key_type && o->type == isoIec23465_TypeSecretKey) {
                continue;
            }
            if (a->usage && o->usage && !(a->usage & o->usage))
                continue;
            o->algs[o->n_algs++] = *a;
        }
    }
}

/* strdup that tolerates NULL and records a failure in *oom. */
static char *px_dup(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        *oom = true;
    return c;
}

/* An index of the source table through `map`; negative values (PX_AUTH_*, -1) pass through,
 * an index that did not make it into the new table becomes `missing`. */
static int px_remap(int v, const int *map, int missing)
{
    return v >= 0 ? (map[v] >= 0 ? map[v] : missing) : v;
}

/* Whether description object `o` names the same thing as discovered object `f`. */
static bool px_same(const px_desc_obj *f, const px_desc_obj *o)
{
    if (f->type != o->type)
        return false;
    if (strcmp(f->label, o->label) == 0)
        return true;
    if ((o->given & PX_GIVEN_PATH) && o->path_len && f->app == o->app &&
        f->path_len == o->path_len && memcmp(f->path, o->path, o->path_len) == 0 &&
        !px_is_key(o->type) && o->type != isoIec23465_TypePassword)
        return true;
    if (o->type == isoIec23465_TypePassword && (o->given & PX_GIVEN_PIN_REF) &&
        f->pin_ref == o->pin_ref && f->app == o->app)
        return true;
    if ((o->type == isoIec23465_TypePrivateKey || o->type == isoIec23465_TypeSecretKey) &&
        (o->given & PX_GIVEN_KEY_REF) && f->key_ref == o->key_ref)
        return true;
    return false;
}

/* Applies what description object `o` gives onto `t` (indexes through `map`). */
static void px_override(px_desc_obj *t, const px_desc_obj *o, const int *map)
{
    uint32_t g = o->given;
    if (g & PX_GIVEN_ID) {
        memcpy(t->id, o->id, sizeof t->id);
        t->id_len = o->id_len;
    }
    if (g & PX_GIVEN_PATH) {
        memcpy(t->path, o->path, sizeof t->path);
        t->path_len = o->path_len;
        t->app = o->app;
    }
    for (size_t op = 0; op < PX_OPS; op++)
        if (o->auth[op] != PX_AUTH_UNKNOWN)
            t->auth[op] = px_remap(o->auth[op], map, PX_AUTH_UNKNOWN);
    if (g & PX_GIVEN_STRUCTURE)
        t->structure = o->structure;
    if (g & PX_GIVEN_PIN_REF)
        t->pin_ref = o->pin_ref;
    if (g & PX_GIVEN_PIN_ENCODING)
        t->pin_encoding = o->pin_encoding;
    if (g & PX_GIVEN_PIN_MIN)
        t->pin_min = o->pin_min;
    if (g & PX_GIVEN_PIN_MAX)
        t->pin_max = o->pin_max;
    if (g & PX_GIVEN_PIN_STORED)
        t->pin_stored = o->pin_stored;
    if (g & PX_GIVEN_PIN_PAD)
        t->pin_pad = o->pin_pad;
    if (o->pin_max_tries >= 0)
        t->pin_max_tries = o->pin_max_tries;
    if (g & PX_GIVEN_PIN_UNBLOCK)
        t->pin_unblock = px_remap(o->pin_unblock, map, -1);
    if (g & PX_GIVEN_KEY_REF)
        t->key_ref = o->key_ref;
    if (o->key_type)
        t->key_type = o->key_type;
    if (o->key_bits)
        t->key_bits = o->key_bits;
    if (g & PX_GIVEN_USAGE)
        t->usage = o->usage;
    if (g & PX_GIVEN_ALGS) {
        memcpy(t->algs, o->algs, sizeof t->algs);
        t->n_algs = o->n_algs;
    }
    t->given |= g;
}

px_desc *px_desc_merge(const px_desc *found, const px_desc *desc)
{
    px_desc *m = px_desc_new_empty();
    if (!m)
        return NULL;
    bool oom = false;
    if (desc) {
        m->file = px_dup(desc->file, &oom);
        m->name = px_dup(desc->name, &oom);
        m->manufacturer = px_dup(desc->manufacturer, &oom);
        m->product = px_dup(desc->product, &oom);
        m->os_version = px_dup(desc->os_version, &oom);
        memcpy(m->atr, desc->atr, sizeof m->atr);
        memcpy(m->atr_mask, desc->atr_mask, sizeof m->atr_mask);
        m->atr_len = desc->atr_len;
        memcpy(m->match_aid, desc->match_aid, sizeof m->match_aid);
        m->match_aid_len = desc->match_aid_len;
        m->device_type = desc->device_type;
        m->extended_length = desc->extended_length;
        m->max_response = desc->max_response;
        memcpy(m->api_levels, desc->api_levels, sizeof m->api_levels);
        memcpy(m->algs, desc->algs, sizeof m->algs);
        m->n_algs = desc->n_algs;
    } else {
        m->name = px_dup(found->token_label ? found->token_label : "", &oom);
    }
    if (!m->manufacturer)
        m->manufacturer = px_dup(found->token_manufacturer, &oom);
    m->serial = px_dup(found->serial, &oom);
    m->token_manufacturer = px_dup(found->token_manufacturer, &oom);
    m->token_label = px_dup(found->token_label, &oom);
    m->p15_found = found->p15_found;
    m->p15_apdus = found->p15_apdus;
    memcpy(m->p15_note, found->p15_note, sizeof m->p15_note);

    /* Applications: the description's, then those only discovery knows (by AID). */
    int amap[PX_DESC_MAX_APPS];
    for (size_t i = 0; desc && i < desc->n_apps; i++) {
        m->apps[i] = desc->apps[i];
        m->apps[i].label = px_dup(desc->apps[i].label, &oom);
        m->n_apps++;
    }
    for (size_t i = 0; i < found->n_apps; i++) {
        const px_desc_app *a = &found->apps[i];
        amap[i] = -1;
        for (size_t k = 0; k < m->n_apps && amap[i] < 0; k++)
            if (m->apps[k].aid_len == a->aid_len && memcmp(m->apps[k].aid, a->aid, a->aid_len) == 0)
                amap[i] = (int)k;
        if (amap[i] < 0 && m->n_apps < PX_DESC_MAX_APPS) {
            amap[i] = (int)m->n_apps;
            m->apps[m->n_apps] = *a;
            m->apps[m->n_apps].label = px_dup(a->label, &oom);
            m->n_apps++;
        } else if (amap[i] >= 0 && m->apps[amap[i]].path_len == 0 && a->path_len) {
            memcpy(m->apps[amap[i]].path, a->path, sizeof a->path);
            m->apps[amap[i]].path_len = a->path_len;
        }
    }

    /* Discovered objects (those of an application that found no place are dropped). */
    int fmap[PX_DESC_MAX_OBJECTS];
    size_t nf = 0;
    for (size_t i = 0; i < found->n_objs; i++) {
        const px_desc_obj *o = &found->objs[i];
        bool placed = o->app < 0 || amap[o->app] >= 0;
        fmap[i] = placed ? (int)nf++ : -1;
    }
    for (size_t i = 0; i < found->n_objs; i++) {
        if (fmap[i] < 0)
            continue;
        px_desc_obj *t = &m->objs[fmap[i]];
        *t = found->objs[i];
        t->label = px_dup(found->objs[i].label, &oom);
        t->app = t->app >= 0 ? amap[t->app] : -1;
        for (size_t op = 0; op < PX_OPS; op++)
            t->auth[op] = px_remap(t->auth[op], fmap, PX_AUTH_UNKNOWN);
        t->pin_unblock = px_remap(t->pin_unblock, fmap, -1);
        t->pair = px_remap(t->pair, fmap, -1);
        t->cert = px_remap(t->cert, fmap, -1);
    }
    m->n_objs = nf;
    if (oom) { /* the comparisons below read every label */
        px_desc_free(m);
        return NULL;
    }

    /* Description objects: override their discovered twin, or come after. */
    int dmap[PX_DESC_MAX_OBJECTS];
    bool taken[PX_DESC_MAX_OBJECTS] = {false};
    size_t nd = desc ? desc->n_objs : 0;
    for (size_t j = 0; j < nd; j++) {
        dmap[j] = -1;
        for (size_t k = 0; k < nf && dmap[j] < 0; k++)
            if (!taken[k] && px_same(&m->objs[k], &desc->objs[j])) {
                dmap[j] = (int)k;
                taken[k] = true;
            }
        if (dmap[j] < 0 && m->n_objs < PX_DESC_MAX_OBJECTS) {
            dmap[j] = (int)m->n_objs++;
            px_desc_obj_init(&m->objs[dmap[j]]);
        }
    }
    for (size_t j = 0; j < nd; j++) {
        if (dmap[j] < 0)
            continue;
        const px_desc_obj *o = &desc->objs[j];
        px_desc_obj *t = &m->objs[dmap[j]];
        if ((size_t)dmap[j] >= nf) {
            *t = *o;
            t->label = NULL;
            for (size_t op = 0; op < PX_OPS; op++)
                t->auth[op] = px_remap(o->auth[op], dmap, PX_AUTH_UNKNOWN);
            t->pin_unblock = px_remap(o->pin_unblock, dmap, -1);
            t->pair = t->cert = -1;
        } else {
            px_override(t, o, dmap);
        }
        free(t->label);
        t->label = px_dup(o->label, &oom);
        /* Links the description gives win, both ways. */
        if (o->pair >= 0 && dmap[o->pair] >= 0) {
            t->pair = dmap[o->pair];
            m->objs[t->pair].pair = dmap[j];
        }
        if (o->cert >= 0 && dmap[o->cert] >= 0) {
            t->cert = dmap[o->cert];
            m->objs[t->cert].cert = dmap[j];
        }
    }
    if (oom) {
        px_desc_free(m);
        return NULL;
    }
    px_desc_assign_algs(m);
    return m;
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
