/* The case interpreter: registers the cases of the YAML files as Criterion tests, and in each
 * test process loads its case and runs the steps (see sdc_cases.h for the picture and
 * docs/conformance.md for the format). */
#include "sdc_case.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_apdu.h"
#include "codec_trace.h"
#include "sdc_cases.h"
#include "sdc_control.h"
#include "sdc_trace.h"

#ifndef SDC_CASES_DIR
#define SDC_CASES_DIR "vectors/conformance"
#endif

#define SDC_MAX_FILES 64
#define SDC_MAX_CASES 1024

sdc_ctx sdc_case;
/* Cleanup steps run after a failure too: their own failures are warnings (the case failed or
 * passed already), and the next cleanup step still runs. */
static bool sdc_in_cleanup;
static jmp_buf sdc_cleanup_jump;
static struct fy_document *sdc_doc;      /* the case file of this process */
static struct fy_document *sdc_card_doc; /* the --card file, NULL when none */
static struct fy_node *sdc_case_node;

const char *sdc_cases_default_dir(void)
{
    return SDC_CASES_DIR;
}

/* ---- messages ---------------------------------------------------------------------------- */

int sdc_node_line(struct fy_node *n)
{
    /* libfyaml 0.7 gives marks of tokens only: a mapping's first key stands for it */
    if (n && fy_node_is_mapping(n)) {
        void *it = NULL;
        struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
        n = p ? fy_node_pair_key(p) : NULL;
    }
    struct fy_token *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    return m ? m->line + 1 : 0;
}

void sdc_case_fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = sdc_node_line(sdc_case.step);
    if (sdc_in_cleanup) {
        cr_log_warn("cleanup: %s -- %s:%d", msg, sdc_case.file ? sdc_case.file : "?", line);
        longjmp(sdc_cleanup_jump, 1);
    }
    /* "<what> -- <file>:<line> step <n>": a message that starts with "<Function>: expected X,
     * got Y" is parsed by the report like the C suites' assertions */
    cr_assert_fail("%s -- %s:%d step %zu", msg, sdc_case.file ? sdc_case.file : "?", line,
                   sdc_case.step_no);
    abort(); /* not reached: a failed assertion ends the test */
}

/* ---- values and variables ---------------------------------------------------------------- */

void sdc_val_free(sdc_val *v)
{
    free(v->b);
    memset(v, 0, sizeof *v);
}

const sdc_val *sdc_var_get(const char *name)
{
    for (size_t i = 0; i < sdc_case.n_vars; i++)
        if (strcmp(sdc_case.vars[i].name, name) == 0) {
            /* a case about something the card does not have does not apply to it */
            if (sdc_case.vars[i].absent && sdc_in_cleanup)
                longjmp(sdc_cleanup_jump, 1);
            if (sdc_case.vars[i].absent)
                cr_skip_test("the card description (--card) gives no value for '%s': the case "
                             "does not apply to this card",
                             name);
            return &sdc_case.vars[i].v;
        }
    return NULL;
}

void sdc_var_set(const char *name, const sdc_val *v)
{
    sdc_var *slot = NULL;
    for (size_t i = 0; i < sdc_case.n_vars && !slot; i++)
        if (strcmp(sdc_case.vars[i].name, name) == 0)
            slot = &sdc_case.vars[i];
    if (!slot) {
        if (sdc_case.n_vars == SDC_MAX_VARS)
            sdc_case_fail("more than %d variables", SDC_MAX_VARS);
        if (strlen(name) >= sizeof slot->name)
            sdc_case_fail("variable name '%s' too long", name);
        slot = &sdc_case.vars[sdc_case.n_vars++];
        snprintf(slot->name, sizeof slot->name, "%s", name);
    }
    sdc_val copy = *v;
    if (v->kind == SDC_BYTES) {
        copy.b = malloc(v->n ? v->n : 1);
        cr_assert_not_null(copy.b);
        if (v->n)
            memcpy(copy.b, v->b, v->n);
    }
    sdc_val_free(&slot->v);
    slot->v = copy;
}

/* Marks the card facts of mapping `m` absent (a --card description replaces them). */
static void sdc_vars_absent(struct fy_node *m)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while (m && fy_node_is_mapping(m) && (p = fy_node_mapping_iterate(m, &it)) != NULL) {
        const char *k = fy_node_get_scalar0(fy_node_pair_key(p));
        if (!k)
            continue;
        sdc_val none = {.kind = SDC_NONE};
        sdc_var_set(k, &none);
        for (size_t i = 0; i < sdc_case.n_vars; i++)
            if (strcmp(sdc_case.vars[i].name, k) == 0)
                sdc_case.vars[i].absent = true;
    }
}

/* Sets text variables from the mapping `m` (the file's vars, the card's values); an empty card
 * value says the card lacks the thing (absent). */
static void sdc_vars_from(struct fy_node *m, bool card_values)
{
    if (!m || !fy_node_is_mapping(m))
        return;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(m, &it)) != NULL) {
        const char *k = fy_node_get_scalar0(fy_node_pair_key(p));
        struct fy_node *vn = fy_node_pair_value(p);
        size_t len = 0;
        const char *s = vn && fy_node_is_scalar(vn) ? fy_node_get_scalar(vn, &len) : NULL;
        if (!k || !s)
            continue;
        sdc_val v = {.kind = SDC_BYTES, .b = (uint8_t *)s, .n = len};
        sdc_var_set(k, &v);
        for (size_t i = 0; i < sdc_case.n_vars; i++)
            if (strcmp(sdc_case.vars[i].name, k) == 0)
                sdc_case.vars[i].absent = card_values && len == 0;
    }
}

/* ---- arguments --------------------------------------------------------------------------- */

static struct fy_node *sdc_arg_node(const char *key)
{
    return sdc_case.step ? fy_node_mapping_lookup_by_string(sdc_case.step, key, FY_NT) : NULL;
}

bool sdc_arg_has(const char *key)
{
    return sdc_arg_node(key) != NULL;
}

const char *sdc_arg_text(const char *key)
{
    struct fy_node *n = sdc_arg_node(key);
    if (!n)
        return NULL;
    if (!fy_node_is_scalar(n))
        sdc_case_fail("'%s' must be a scalar", key);
    return fy_node_get_scalar0(n);
}

/* Replaces each ${name} in `s` by the variable's bytes (text). Returns a malloc'ed string. */
static char *sdc_subst(const char *s)
{
    size_t cap = strlen(s) + 1, len = 0;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    while (*s) {
        const char *open = strstr(s, "${");
        const char *close = open ? strchr(open, '}') : NULL;
        size_t lit = open && close ? (size_t)(open - s) : strlen(s);
        const uint8_t *add = NULL;
        size_t add_n = 0;
        if (open && close) {
            char name[64];
            size_t nl = (size_t)(close - open - 2);
            if (nl >= sizeof name)
                sdc_case_fail("variable name too long in '%s'", s);
            memcpy(name, open + 2, nl);
            name[nl] = '\0';
            const sdc_val *v = sdc_var_get(name);
            if (!v || v->kind != SDC_BYTES)
                sdc_case_fail("unknown text variable ${%s}", name);
            add = v->b;
            add_n = v->n;
        }
        if (len + lit + add_n + 1 > cap) {
            cap = len + lit + add_n + 1;
            out = realloc(out, cap);
            cr_assert_not_null(out);
        }
        memcpy(out + len, s, lit);
        len += lit;
        if (add_n)
            memcpy(out + len, add, add_n);
        len += add_n;
        s = open && close ? close + 1 : s + lit;
    }
    out[len] = '\0';
    return out;
}

static int sdc_hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Evaluates a byte expression (see docs/conformance.md): $var, hex:, text:, sha256:/sha384:/
 * sha512: <expression>, zeros:N, counter:N, random:N, or text with ${var}. */
static void sdc_eval(const char *expr, sdc_val *v)
{
    memset(v, 0, sizeof *v);
    v->kind = SDC_BYTES;
    if (expr[0] == '$' && expr[1] != '{') {
        const sdc_val *var = sdc_var_get(expr + 1);
        if (!var)
            sdc_case_fail("unknown variable %s", expr);
        if (var->kind != SDC_BYTES)
            sdc_case_fail("variable %s holds no bytes", expr);
        v->b = malloc(var->n ? var->n : 1);
        cr_assert_not_null(v->b);
        if (var->n)
            memcpy(v->b, var->b, var->n);
        v->n = var->n;
        return;
    }
    static const struct {
        const char *prefix;
        const char *digest;
    } hashes[] = {{"sha256:", "SHA256"}, {"sha384:", "SHA384"}, {"sha512:", "SHA512"}};
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
        size_t pl = strlen(hashes[i].prefix);
        if (strncmp(expr, hashes[i].prefix, pl) == 0) {
            sdc_val in;
            sdc_eval(expr + pl, &in);
            v->b = malloc(EVP_MAX_MD_SIZE);
            cr_assert_not_null(v->b);
            unsigned n = 0;
            cr_assert(EVP_Digest(in.b, in.n, v->b, &n, EVP_get_digestbyname(hashes[i].digest),
                                 NULL) == 1);
            v->n = n;
            sdc_val_free(&in);
            return;
        }
    }
    char *s = sdc_subst(expr);
    if (strncmp(s, "hex:", 4) == 0) {
        v->b = malloc(strlen(s) / 2 + 1);
        cr_assert_not_null(v->b);
        int hi = -1;
        for (const char *p = s + 4; *p; p++) {
            if (*p == ' ' || *p == ':' || *p == '\n')
                continue;
            int d = sdc_hexval(*p);
            if (d < 0)
                sdc_case_fail("bad hex digit '%c' in '%s'", *p, expr);
            if (hi < 0) {
                hi = d;
            } else {
                v->b[v->n++] = (uint8_t)(hi << 4 | d);
                hi = -1;
            }
        }
        if (hi >= 0)
            sdc_case_fail("odd number of hex digits in '%s'", expr);
    } else if (strncmp(s, "zeros:", 6) == 0 || strncmp(s, "counter:", 8) == 0 ||
               strncmp(s, "random:", 7) == 0) {
        const char *num = strchr(s, ':') + 1;
        char *end;
        unsigned long n = strtoul(num, &end, 0);
        if (*end || n > SDC_MAX_BYTES)
            sdc_case_fail("bad length in '%s'", expr);
        v->b = calloc(1, n ? n : 1);
        cr_assert_not_null(v->b);
        v->n = n;
        if (s[0] == 'c')
            for (size_t i = 0; i < n; i++)
                v->b[i] = (uint8_t)i;
        else if (s[0] == 'r')
            cr_assert(RAND_bytes(v->b, (int)n) == 1 || n == 0);
    } else {
        const char *t = strncmp(s, "text:", 5) == 0 ? s + 5 : s;
        v->n = strlen(t);
        v->b = malloc(v->n + 1);
        cr_assert_not_null(v->b);
        memcpy(v->b, t, v->n + 1);
    }
    free(s);
}

void sdc_arg_bytes(const char *key, sdc_val *v, bool *is_null)
{
    const char *s = sdc_arg_text(key);
    *is_null = false;
    if (!s)
        sdc_case_fail("missing argument '%s'", key);
    if (strcmp(s, "null") == 0) {
        memset(v, 0, sizeof *v);
        v->kind = SDC_BYTES;
        *is_null = true;
    } else {
        sdc_eval(s, v);
    }
    /* <key>_len overrides the length passed (an argument test), never beyond the bytes held
     * unless the pointer is NULL. */
    char lk[80];
    snprintf(lk, sizeof lk, "%s_len", key);
    if (sdc_arg_has(lk)) {
        long long n = sdc_arg_int(lk, 0);
        if (n < 0 || (!*is_null && (size_t)n > v->n))
            sdc_case_fail("%s beyond the %zu bytes of %s", lk, v->n, key);
        v->n = (size_t)n;
    }
}

char *sdc_arg_string(const char *key)
{
    bool is_null;
    sdc_val v;
    sdc_arg_bytes(key, &v, &is_null);
    if (is_null)
        return NULL;
    char *s = malloc(v.n + 1);
    cr_assert_not_null(s);
    memcpy(s, v.b, v.n);
    s[v.n] = '\0';
    sdc_val_free(&v);
    return s;
}

long long sdc_arg_int(const char *key, long long dflt)
{
    const char *s = sdc_arg_text(key);
    if (!s)
        return dflt;
    if (s[0] == '$' && s[1] != '{') {
        const sdc_val *var = sdc_var_get(s + 1);
        if (!var || var->kind != SDC_INT)
            sdc_case_fail("%s is not an integer variable", s);
        return var->i;
    }
    char *t = sdc_subst(s), *end;
    long long n = strtoll(t, &end, 0);
    bool bad = *t == '\0' || *end != '\0';
    free(t);
    if (bad)
        sdc_case_fail("'%s' must be an integer, not '%s'", key, s);
    return n;
}

int sdc_arg_enum(const char *key, const sdc_enum *table, int dflt)
{
    const char *s = sdc_arg_text(key);
    if (!s)
        return dflt;
    for (size_t i = 0; table[i].name; i++)
        if (strcmp(table[i].name, s) == 0)
            return table[i].value;
    char *end;
    long n = strtol(s, &end, 0);
    if (*s && !*end)
        return (int)n;
    sdc_case_fail("'%s': unknown value '%s'", key, s);
}

isoIec23465_Handle *sdc_arg_handle(const char *key, isoIec23465_Handle *dflt)
{
    const char *s = sdc_arg_text(key);
    if (!s)
        return dflt;
    if (strcmp(s, "null") == 0)
        return NULL;
    if (strcmp(s, "root") == 0)
        return sdc_root;
    if (strcmp(s, "device") == 0)
        return sdc_dev;
    if (s[0] == '$' && s[1] != '{') {
        const sdc_val *var = sdc_var_get(s + 1);
        if (!var || var->kind != SDC_HANDLE)
            sdc_case_fail("%s is not a handle variable", s);
        return var->h;
    }
    char *label = sdc_subst(s);
    isoIec23465_Object *o = NULL;
    isoIec23465_Status st = isoIec23465_SecurityDeviceApplication_findObject(sdc_root, label, &o);
    if (st != isoIec23465_Success)
        sdc_case_fail("findObject \"%s\" for '%s': %s (%s)", label, key, sdc_api_status_name(st),
                      sdc_why());
    free(label);
    return o;
}

/* ---- enumerations ------------------------------------------------------------------------ */

#define E(prefix, n)                                                                               \
    {                                                                                              \
#n, prefix##n                                                                              \
    }
const sdc_enum sdc_enum_status[] = {E(isoIec23465_, Success),
                                    E(isoIec23465_, FunctionNotImplemented),
                                    E(isoIec23465_, IllegalArgument),
                                    E(isoIec23465_, IllegalState),
                                    E(isoIec23465_, SecurityDeviceNotFound),
                                    E(isoIec23465_, ObjectNotFound),
                                    E(isoIec23465_, SecurityStatusNotSatisfied),
                                    E(isoIec23465_, AuthenticationFailed),
                                    E(isoIec23465_, AuthenticationMethodBlocked),
                                    E(isoIec23465_, ReferenceDataNotUsable),
                                    E(isoIec23465_, ConditionsOfUseNotSatisfied),
                                    E(isoIec23465_, NotEnoughMemory),
                                    E(isoIec23465_, ObjectAlreadyExists),
                                    E(isoIec23465_, CommunicationError),
                                    E(isoIec23465_, SecurityDeviceError),
                                    E(isoIec23465_, BufferTooSmall),
                                    {NULL, 0}};
const sdc_enum sdc_enum_type[] = {E(isoIec23465_Type, SecurityDeviceList),
                                  E(isoIec23465_Type, SecurityDeviceEntry),
                                  E(isoIec23465_Type, SecurityDevice),
                                  E(isoIec23465_Type, Object),
                                  E(isoIec23465_Type, SecurityDeviceApplication),
                                  E(isoIec23465_Type, RootApplication),
                                  E(isoIec23465_Type, SensitiveContainer),
                                  E(isoIec23465_Type, DataContainer),
                                  E(isoIec23465_Type, CertificateContainer),
                                  E(isoIec23465_Type, Authenticator),
                                  E(isoIec23465_Type, Password),
                                  E(isoIec23465_Type, Key),
                                  E(isoIec23465_Type, AsymmetricKey),
                                  E(isoIec23465_Type, PublicKey),
                                  E(isoIec23465_Type, PrivateKey),
                                  E(isoIec23465_Type, SecretKey),
                                  {NULL, 0}};
const sdc_enum sdc_enum_mechanism[] = {
    E(isoIec23465_Mech, RsaPkcs1V15), E(isoIec23465_Mech, RsaPss),  E(isoIec23465_Mech, RsaOaep),
    E(isoIec23465_Mech, Ecdsa),       E(isoIec23465_Mech, Ecdh),    E(isoIec23465_Mech, AesCbc),
    E(isoIec23465_Mech, AesEcb),      E(isoIec23465_Mech, AesCmac), {NULL, 0}};
const sdc_enum sdc_enum_hash[] = {E(isoIec23465_Hash, None),
                                  E(isoIec23465_Hash, Sha256),
                                  E(isoIec23465_Hash, Sha384),
                                  E(isoIec23465_Hash, Sha512),
                                  {NULL, 0}};
const sdc_enum sdc_enum_operation[] = {
    E(isoIec23465_Operation, Read),   E(isoIec23465_Operation, Update),
    E(isoIec23465_Operation, Erase),  E(isoIec23465_Operation, Use),
    E(isoIec23465_Operation, Delete), {NULL, 0}};
const sdc_enum sdc_enum_access[] = {E(isoIec23465_Access, Always),
                                    E(isoIec23465_Access, Never),
                                    E(isoIec23465_Access, Authenticator),
                                    E(isoIec23465_Access, SecureMessaging),
                                    {NULL, 0}};
const sdc_enum sdc_enum_auth_status[] = {E(isoIec23465_Auth, NotVerified),
                                         E(isoIec23465_Auth, Verified),
                                         E(isoIec23465_Auth, Blocked),
                                         E(isoIec23465_Auth, NotRequired),
                                         {NULL, 0}};
const sdc_enum sdc_enum_key_type[] = {
    E(isoIec23465_Key, Rsa), E(isoIec23465_Key, Ec), E(isoIec23465_Key, Aes), {NULL, 0}};
const sdc_enum sdc_enum_attribute[] = {
    E(isoIec23465_Attr, Identifier),     E(isoIec23465_Attr, Name),
    E(isoIec23465_Attr, DeviceType),     E(isoIec23465_Attr, Interface),
    E(isoIec23465_Attr, Presence),       E(isoIec23465_Attr, Atr),
    E(isoIec23465_Attr, Manufacturer),   E(isoIec23465_Attr, Product),
    E(isoIec23465_Attr, SerialNumber),   E(isoIec23465_Attr, OsVersion),
    E(isoIec23465_Attr, ApiLevels),      E(isoIec23465_Attr, ExtendedLength),
    E(isoIec23465_Attr, Chaining),       E(isoIec23465_Attr, LogicalChannels),
    E(isoIec23465_Attr, MaxCommandSize), E(isoIec23465_Attr, MaxResponseSize),
    E(isoIec23465_Attr, ApiVersion),     {NULL, 0}};
const sdc_enum sdc_enum_device_type[] = {E(isoIec23465_Device, SmartCard),
                                         E(isoIec23465_Device, EmbeddedSecureElement),
                                         E(isoIec23465_Device, Uicc),
                                         E(isoIec23465_Device, SecureSd),
                                         E(isoIec23465_Device, UsbToken),
                                         E(isoIec23465_Device, Virtual),
                                         {NULL, 0}};
const sdc_enum sdc_enum_interface[] = {E(isoIec23465_Interface, Contact),
                                       E(isoIec23465_Interface, Contactless),
                                       E(isoIec23465_Interface, Embedded),
                                       E(isoIec23465_Interface, Virtual),
                                       {NULL, 0}};
const sdc_enum sdc_enum_presence[] = {E(isoIec23465_Presence, Absent),
                                      E(isoIec23465_Presence, Present),
                                      E(isoIec23465_Presence, InUse),
                                      E(isoIec23465_Presence, Exclusive),
                                      {NULL, 0}};
const sdc_enum sdc_enum_lifecycle[] = {E(isoIec23465_LifeCycle, Creation),
                                       E(isoIec23465_LifeCycle, Initialisation),
                                       E(isoIec23465_LifeCycle, OperationalActivated),
                                       E(isoIec23465_LifeCycle, OperationalDeactivated),
                                       E(isoIec23465_LifeCycle, Terminated),
                                       {NULL, 0}};
#undef E

static const char *sdc_enum_name(const sdc_enum *t, long long v)
{
    for (size_t i = 0; t && t[i].name; i++)
        if (t[i].value == v)
            return t[i].name;
    return "?";
}

/* ---- steps ------------------------------------------------------------------------------- */

/* Compares the output with `equals` (bytes expression, integer, or enumeration name). */
static void sdc_step_equals(const char *fn, const sdc_out *out)
{
    const char *want = sdc_arg_text("equals");
    if (!want)
        return;
    if (out->v.kind == SDC_INT) {
        long long w = 0;
        bool named = false;
        for (size_t i = 0; out->enums && out->enums[i].name; i++)
            if (strcmp(out->enums[i].name, want) == 0) {
                w = out->enums[i].value;
                named = true;
            }
        if (!named)
            w = sdc_arg_int("equals", 0);
        if (out->v.i != w && named)
            sdc_case_fail("%s: expected %s, got %s (%lld)", fn, want,
                          sdc_enum_name(out->enums, out->v.i), out->v.i);
        if (out->v.i != w)
            sdc_case_fail("%s: expected %lld, got %lld", fn, w, out->v.i);
        return;
    }
    if (out->v.kind != SDC_BYTES)
        sdc_case_fail("%s: 'equals' needs a byte, text or integer output", fn);
    sdc_val w;
    bool is_null;
    sdc_arg_bytes("equals", &w, &is_null);
    size_t i = 0;
    while (i < w.n && i < out->v.n && w.b[i] == out->v.b[i])
        i++;
    if (w.n != out->v.n || i != w.n)
        sdc_case_fail("%s: expected %s (%zu bytes), got other bytes (%zu; first difference at byte "
                      "%zu)",
                      fn, want, w.n, out->v.n, i);
    sdc_val_free(&w);
}

static void sdc_step_call(const char *fn)
{
    isoIec23465_Status want = (isoIec23465_Status)sdc_arg_enum("expect", sdc_enum_status, 0);
    isoIec23465_Status got;
    sdc_out out;
    memset(&out, 0, sizeof out);
    if (!sdc_call(fn, &got, &out))
        sdc_case_fail("unknown call '%s'", fn);
    char note[128];
    snprintf(note, sizeof note, "%s:%d step %zu", sdc_case.file, sdc_node_line(sdc_case.step),
             sdc_case.step_no);
    if (sdc_in_cleanup && got != want) {
        char msg[768];
        sdc_status_text(msg, sizeof msg, got, want, "%s", note);
        sdc_case_fail("%s", msg); /* a warning in cleanup */
    }
    sdc_assert_status(got, want, "%s", note);
    if (sdc_arg_has("status_word")) {
        isoIec23465_ErrorDetails d;
        isoIec23465_getLastError(&d);
        long long w = sdc_arg_int("status_word", 0);
        if (!d.hasStatusWord || d.statusWord != w)
            sdc_case_fail("%s: expected status word %04llX in the error details, got %s%04X", fn, w,
                          d.hasStatusWord ? "" : "none, ", d.statusWord);
    }
    if (sdc_arg_has("tries")) {
        isoIec23465_ErrorDetails d;
        isoIec23465_getLastError(&d);
        long long t = sdc_arg_int("tries", 0);
        if (d.remainingTries != t)
            sdc_case_fail("%s: expected remainingTries %lld in the error details, got %d", fn, t,
                          d.remainingTries);
    }
    if (got == isoIec23465_Success) {
        if (sdc_arg_has("length")) {
            long long n = sdc_arg_int("length", 0);
            if (out.v.kind != SDC_BYTES || (long long)out.v.n != n)
                sdc_case_fail("%s: expected %lld bytes, got %zu", fn, n, out.v.n);
        }
        sdc_step_equals(fn, &out);
        const char *save = sdc_arg_text("save");
        if (save) {
            if (out.v.kind == SDC_NONE)
                sdc_case_fail("%s has no output to save", fn);
            sdc_var_set(save, &out.v);
            if (out.extra.kind != SDC_NONE) {
                char k[80];
                snprintf(k, sizeof k, "%s_2", save);
                sdc_var_set(k, &out.extra);
            }
        }
    }
    sdc_val_free(&out.v);
    sdc_val_free(&out.extra);
}

/* Runs one step (sdc_case.step and step_no set by the caller). */
static void sdc_run_one(struct fy_node *s)
{
    if (!fy_node_is_mapping(s))
        sdc_case_fail("a step is a mapping with 'call' or 'check'");
    const char *call = sdc_arg_text("call");
    const char *check = sdc_arg_text("check");
    if (call && !check)
        sdc_step_call(call);
    else if (check && !call) {
        if (!sdc_check(check))
            sdc_case_fail("unknown check '%s'", check);
    } else {
        sdc_case_fail("a step has exactly one of 'call' and 'check'");
    }
}

static void sdc_run_steps(struct fy_node *steps)
{
    if (!steps)
        return;
    if (!fy_node_is_sequence(steps))
        sdc_case_fail("steps must be a list");
    void *it = NULL;
    struct fy_node *s;
    sdc_case.step_no = 0;
    while ((s = fy_node_sequence_iterate(steps, &it)) != NULL) {
        sdc_case.step = s;
        sdc_case.step_no++;
        sdc_run_one(s);
    }
    sdc_case.step = NULL;
}

/* ---- loading ----------------------------------------------------------------------------- */

static struct fy_document *sdc_load(const char *path)
{
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET};
    return fy_document_build_from_file(&cfg, path);
}

static const char *sdc_str(struct fy_node *map, const char *key)
{
    struct fy_node *n = map ? fy_node_mapping_lookup_by_string(map, key, FY_NT) : NULL;
    return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
}

static bool sdc_flag(struct fy_node *map, const char *key)
{
    const char *s = sdc_str(map, key);
    return s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0);
}

/* The case file holding suite `suite`: scans the directory. */
static char *sdc_find_file(const char *dir, const char *suite, struct fy_document **doc)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    struct dirent *e;
    char *found = NULL;
    while (!found && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct fy_document *fyd = sdc_load(path);
        const char *s = fyd ? sdc_str(fy_document_root(fyd), "suite") : NULL;
        if (s && strcmp(s, suite) == 0) {
            found = strdup(path);
            *doc = fyd;
        } else if (fyd) {
            fy_document_destroy(fyd);
        }
    }
    closedir(d);
    return found;
}

/* Every command APDU the proxy sent during this test (the traces SDPROXY_TRACE wrote, when the
 * run keeps traces: sdc_trace.h) must be a well-formed ISO/IEC 7816-4 command, decoded by the
 * same decoder the emulator uses at its door. */
static void sdc_check_apdus(void)
{
    const char *dir = getenv(SDC_TRACE_ENV);
    if (!dir || !*dir)
        return;
    for (unsigned k = 1; k < 64; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.%s.%u.trace", dir, criterion_current_test->category,
                 criterion_current_test->name, k);
        FILE *f = fopen(path, "r");
        if (!f)
            break;
        char *text = NULL;
        size_t cap = 0, len = 0;
        for (;;) {
            if (len + 4096 > cap) {
                cap = cap ? 2 * cap : 65536;
                char *t = realloc(text, cap);
                cr_assert_not_null(t);
                text = t;
            }
            size_t n = fread(text + len, 1, cap - len, f);
            len += n;
            if (n == 0)
                break;
        }
        fclose(f);
        codec_trace_error err;
        codec_trace *t = codec_trace_parse(text, len, &err);
        free(text);
        if (!t)
            cr_assert_fail("%s:%zu: the proxy's trace is unreadable: %s", path, err.line,
                           err.reason);
        for (size_t i = 0; i < codec_trace_count(t); i++) {
            const codec_trace_entry *e = codec_trace_get(t, i);
            codec_capdu c;
            codec_apdu_error ae = codec_capdu_decode(e->cmd, e->cmd_len, &c);
            size_t line = e->line;
            bool bad_cla = e->cmd[0] == 0xFF;
            if (ae != CODEC_APDU_OK || bad_cla) {
                codec_trace_free(t);
                cr_assert_fail("%s:%zu: the proxy sent a malformed command APDU (%s)", path, line,
                               bad_cla ? "CLA FF is invalid" : "length fields do not fit the data");
            }
        }
        codec_trace_free(t);
    }
}

/* Disconnects what the case connected, runs its cleanup steps, disconnects the fixture. */
static void sdc_case_fini(void)
{
    if (sdc_case_node && sdc_doc) {
        struct fy_node *cleanup = fy_node_mapping_lookup_by_string(sdc_case_node, "cleanup", FY_NT);
        if (cleanup && sdc_root && fy_node_is_sequence(cleanup)) {
            sdc_case.async = false; /* cleanup is plain */
            sdc_in_cleanup = true;
            void *it = NULL;
            struct fy_node *step;
            volatile size_t no = 0;
            while ((step = fy_node_sequence_iterate(cleanup, &it)) != NULL) {
                sdc_case.step = step;
                sdc_case.step_no = ++no;
                if (setjmp(sdc_cleanup_jump) == 0)
                    sdc_run_one(step);
            }
            sdc_in_cleanup = false;
        }
    }
    for (size_t i = 0; i < sdc_case.n_devices; i++)
        isoIec23465_disconnectSecurityDevice(sdc_case.devices[i]);
    sdc_case.n_devices = 0;
    for (size_t i = 0; i < sdc_case.n_lists; i++)
        isoIec23465_SecurityDeviceList_release(sdc_case.lists[i]);
    sdc_case.n_lists = 0;
    sdc_disconnect();
    sdc_check_apdus();
}

/* A card that is not fresh for each test (a physical card, a relay, the emulator without a
 * snapshot) keeps the security status an earlier test set: every case starts logged out, so
 * that "needs the password" means what it says. Best effort: a proxy without resetStatus, or a
 * card that refuses it, leaves the case to its own steps. */
static void sdc_log_out(void)
{
    if (strncmp(sdc_spec(), "emu:", 4) == 0 || (sdc_control_snapshot() && sdc_control_available()))
        return; /* a fresh card already */
    isoIec23465_Object *pins[32];
    size_t n = sizeof pins / sizeof pins[0];
    if (isoIec23465_SecurityDeviceApplication_listObjects(sdc_root, isoIec23465_TypePassword, pins,
                                                          &n) != isoIec23465_Success)
        return;
    for (size_t i = 0; i < n; i++) {
        (void)isoIec23465_Authenticator_resetStatus(pins[i]);
        isoIec23465_Object_release(pins[i]);
    }
}

static void sdc_case_main(void)
{
    const char *dir = getenv(SDC_CASES_ENV);
    if (!dir || !*dir)
        dir = sdc_cases_default_dir();
    const char *suite = criterion_current_test->category;
    const char *test = criterion_current_test->name;
    static char name[256];
    snprintf(name, sizeof name, "%s", test);
    size_t nl = strlen(name);
    if (nl > 6 && strcmp(name + nl - 6, "_async") == 0) {
        name[nl - 6] = '\0';
        sdc_case.async = true;
    }
    /* <dir>/<suite>.yaml by convention; otherwise the file that declares the suite */
    char *file = NULL;
    char direct[4096];
    snprintf(direct, sizeof direct, "%s/%s.yaml", dir, suite);
    struct fy_document *d = access(direct, R_OK) == 0 ? sdc_load(direct) : NULL;
    const char *ds = d ? sdc_str(fy_document_root(d), "suite") : NULL;
    if (ds && strcmp(ds, suite) == 0) {
        file = strdup(direct);
        sdc_doc = d;
    } else {
        if (d)
            fy_document_destroy(d);
        file = sdc_find_file(dir, suite, &sdc_doc);
    }
    if (!file)
        cr_assert_fail("no case file for suite %s in %s", suite, dir);
    sdc_case.file = file;
    sdc_case.suite = suite;
    sdc_case.name = name;
    struct fy_node *root = fy_document_root(sdc_doc);
    struct fy_node *cases = fy_node_mapping_lookup_by_string(root, "cases", FY_NT);
    void *it = NULL;
    struct fy_node *c;
    while (cases && (c = fy_node_sequence_iterate(cases, &it)) != NULL) {
        const char *cn = sdc_str(c, "name");
        if (cn && strcmp(cn, name) == 0)
            sdc_case_node = c;
    }
    if (!sdc_case_node)
        cr_assert_fail("%s: no case named %s", file, name);
    /* variables: cases_dir (for files the cases use), the file's defaults, then the --card
     * file's values */
    sdc_val dirv = {.kind = SDC_BYTES, .b = (uint8_t *)dir, .n = strlen(dir)};
    sdc_var_set("cases_dir", &dirv);
    /* `vars` are test data, `card` the reference card's facts: with --card, the card's
     * `values` replace those facts, and a fact it does not give makes the cases using it not
     * apply (skipped with the reason) */
    sdc_vars_from(fy_node_mapping_lookup_by_string(root, "vars", FY_NT), false);
    struct fy_node *facts = fy_node_mapping_lookup_by_string(root, "card", FY_NT);
    const char *card = getenv(SDC_CARD_ENV);
    if (card && *card) {
        sdc_card_doc = sdc_load(card);
        if (!sdc_card_doc)
            cr_assert_fail("--card %s: not a readable YAML file", card);
        sdc_vars_absent(facts);
        sdc_vars_from(
            fy_node_mapping_lookup_by_string(fy_document_root(sdc_card_doc), "values", FY_NT),
            true);
    } else {
        sdc_vars_from(facts, false);
    }
    /* a case that needs values the target did not give is skipped, with the reason */
    struct fy_node *req = fy_node_mapping_lookup_by_string(sdc_case_node, "requires", FY_NT);
    void *rit = NULL;
    struct fy_node *r;
    while (req && fy_node_is_sequence(req) && (r = fy_node_sequence_iterate(req, &rit)) != NULL) {
        const char *v = fy_node_get_scalar0(r);
        const sdc_val *val = v ? sdc_var_get(v) : NULL;
        if (!val || val->kind != SDC_BYTES || val->n == 0)
            cr_skip_test("needs the value '%s' (give it under 'values' in the --card file)",
                         v ? v : "?");
    }
    if (sdc_flag(sdc_case_node, "needs_replay") && sdc_api_path()[0])
        cr_skip_test("uses libsdproxy's replay: devices; a --proxy library need not offer them");
    bool emulator = sdc_target_is_emulator();
    if (sdc_flag(sdc_case_node, "spends_last_try") && !emulator)
        cr_skip_test("spends the last try of a PIN or PUK: run against the emulator only");
    if (sdc_flag(sdc_case_node, "destructive") && !emulator) {
        if (!sdc_destructive_allowed())
            cr_skip_test("changes the card or spends PIN tries: run with --allow-destructive");
    }
    sdc_connect();
    sdc_log_out();
    sdc_run_steps(fy_node_mapping_lookup_by_string(sdc_case_node, "steps", FY_NT));
}

bool sdc_target_is_emulator(void)
{
    const char *spec = sdc_spec();
    const char *reader = getenv("SDEMU_READER");
    return strncmp(spec, "emu:", 4) == 0 ||
           (reader && *reader && strncmp(spec, "pcsc:", 5) == 0 && strcmp(spec + 5, reader) == 0);
}

/* ---- registration ------------------------------------------------------------------------ */

static struct criterion_test sdc_tests[SDC_MAX_CASES];
static struct criterion_test_extra_data sdc_extra[SDC_MAX_CASES];
static size_t sdc_n_tests;

static void sdc_case_jump(void)
{
    criterion_internal_test_setup();
    criterion_internal_test_main(sdc_case_main);
    criterion_internal_test_teardown();
}

static int sdc_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds one test; the strings stay allocated for the whole run. */
static bool sdc_add(struct criterion_test_set *set, const char *suite, const char *name,
                    const char *description, const char *file, char *err, size_t errLen)
{

    if (sdc_n_tests == SDC_MAX_CASES) {
        snprintf(err, errLen, "%s: more than %d cases in all", file, SDC_MAX_CASES);
        return false;
    }
    struct criterion_test_extra_data *x = &sdc_extra[sdc_n_tests];
    x->sentinel_ = 1;
    x->lang_ = CR_LANG_C;
    x->kind_ = CR_TEST_NORMAL;
    /* Criterion matches --filter against "suite/test" in identifier_ */
    size_t il = strlen(suite) + strlen(name) + 2;
    char *ident = malloc(il);
    if (!ident) {
        snprintf(err, errLen, "%s: out of memory", file);
        return false;
    }
    snprintf(ident, il, "%s/%s", suite, name);
    x->identifier_ = ident;
    x->file_ = strdup(file);
    x->line_ = 1;
    x->description = description ? strdup(description) : NULL;
    x->fini = sdc_case_fini;
    struct criterion_test *t = &sdc_tests[sdc_n_tests++];
    t->name = strdup(name);
    t->category = strdup(suite);
    t->test = sdc_case_jump;
    t->data = x;
    criterion_register_test(set, t);
    return true;
}

static int sdc_register_file(struct criterion_test_set *set, const char *path, char *err,
                             size_t errLen)
{
    struct fy_document *fyd = sdc_load(path);
    if (!fyd) {
        snprintf(err, errLen, "%s: not a readable YAML file", path);
        return -1;
    }
    struct fy_node *root = fy_document_root(fyd);
    const char *suite = sdc_str(root, "suite");
    struct fy_node *cases = root ? fy_node_mapping_lookup_by_string(root, "cases", FY_NT) : NULL;
    int n = 0;
    if (!suite || suite[0] != 'L' || suite[1] < '1' || suite[1] > '3' || suite[2] != '_') {
        snprintf(err, errLen, "%s: 'suite' must be L<level>_<Class>", path);
        n = -1;
    } else if (!cases || !fy_node_is_sequence(cases)) {
        snprintf(err, errLen, "%s: 'cases' must be a list", path);
        n = -1;
    }
    void *it = NULL;
    struct fy_node *c;
    while (n >= 0 && (c = fy_node_sequence_iterate(cases, &it)) != NULL) {
        const char *name = sdc_str(c, "name");
        if (!name || !*name || strchr(name, ' ')) {
            snprintf(err, errLen, "%s: case %d: 'name' must be one word", path, n + 1);
            n = -1;
            break;
        }
        const char *desc = sdc_str(c, "description");
        if (!sdc_add(set, suite, name, desc, path, err, errLen)) {
            n = -1;
            break;
        }
        n++;
        if (!sdc_flag(c, "sync_only")) {
            char an[256];
            snprintf(an, sizeof an, "%s_async", name);
            if (!sdc_add(set, suite, an, desc, path, err, errLen)) {
                n = -1;
                break;
            }
            n++;
        }
    }
    fy_document_destroy(fyd);
    return n;
}

int sdc_cases_register(struct criterion_test_set *set, const char *dir, char *err, size_t errLen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errLen, "%s: cannot open the case directory", dir);
        return -1;
    }
    char *files[SDC_MAX_FILES];
    size_t nf = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
            continue;
        if (nf == SDC_MAX_FILES)
            break;
        size_t pl = strlen(dir) + l + 2;
        files[nf] = malloc(pl);
        if (!files[nf])
            break;
        snprintf(files[nf++], pl, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(files, nf, sizeof files[0], sdc_by_name);
    int total = 0;
    for (size_t i = 0; i < nf; i++) {
        int n = total < 0 ? 0 : sdc_register_file(set, files[i], err, errLen);
        total = n < 0 ? -1 : total + n;
        free(files[i]);
    }
    return total;
}
