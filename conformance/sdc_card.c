/* Card descriptions (--card) and the built-in expectations for the reference card. */
#include "sdc_card.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

/* ---- Loader ------------------------------------------------------------------------------- */

typedef struct sdc_ld {
    const char *name;
    char *err;
    size_t cap;
} sdc_ld;

__attribute__((format(printf, 3, 4))) static void sdc_note(sdc_ld *ld, struct fy_node *at,
                                                           const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *path = at ? fy_node_get_path(at) : NULL;
    snprintf(ld->err, ld->cap, "%s: %s: %s", ld->name, path ? path : "/", msg);
    free(path);
}

/* Writes the message and evaluates to false. */
#define sdc_fail(ld, at, ...) (sdc_note((ld), (at), __VA_ARGS__), false)

static const char *sdc_scalar(struct fy_node *n, size_t *len)
{
    if (!n || !fy_node_is_scalar(n))
        return NULL;
    return fy_node_get_scalar(n, len);
}

/* A text scalar into dst (NUL-terminated, shorter than cap). */
static bool sdc_text(sdc_ld *ld, struct fy_node *n, char *dst, size_t cap)
{
    size_t len;
    const char *s = sdc_scalar(n, &len);
    if (!s || len >= cap || memchr(s, '\0', len))
        return sdc_fail(ld, n, "expected a text of at most %zu bytes", cap - 1);
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* A non-negative decimal integer up to max. */
static bool sdc_number(sdc_ld *ld, struct fy_node *n, size_t max, size_t *out)
{
    char t[24];
    if (!sdc_text(ld, n, t, sizeof t))
        return false;
    char *end = NULL;
    unsigned long long v = strtoull(t, &end, 10);
    if (!t[0] || *end || t[0] == '-' || v > max)
        return sdc_fail(ld, n, "expected a number from 0 to %zu", max);
    *out = (size_t)v;
    return true;
}

/* Hex bytes, separated by blanks or not, into a fresh buffer. */
static bool sdc_hex(sdc_ld *ld, struct fy_node *n, uint8_t **out, size_t *out_len)
{
    size_t len;
    const char *s = sdc_scalar(n, &len);
    if (!s)
        return sdc_fail(ld, n, "expected hex bytes");
    uint8_t *b = malloc(len / 2 + 1);
    if (!b)
        return sdc_fail(ld, n, "out of memory");
    size_t k = 0;
    int hi = -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == ':' || c == '\t')
            continue;
        if (!isxdigit(c)) {
            free(b);
            return sdc_fail(ld, n, "'%c' is not a hex digit", c);
        }
        int v = isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);
        if (hi < 0) {
            hi = v;
        } else {
            b[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        free(b);
        return sdc_fail(ld, n, "odd number of hex digits");
    }
    *out = b;
    *out_len = k;
    return true;
}

/* Refuses keys of mapping n that are not in the NULL-terminated list. */
static bool sdc_known_keys(sdc_ld *ld, struct fy_node *n, const char *const *keys)
{
    if (!n || !fy_node_is_mapping(n))
        return sdc_fail(ld, n, "expected a mapping");
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
        size_t len;
        const char *k = sdc_scalar(fy_node_pair_key(p), &len);
        bool ok = false;
        for (size_t i = 0; k && keys[i]; i++)
            ok = ok || (strlen(keys[i]) == len && memcmp(keys[i], k, len) == 0);
        if (!ok)
            return sdc_fail(ld, n, "unknown key '%.*s'", k ? (int)len : 1, k ? k : "?");
    }
    return true;
}

static struct fy_node *sdc_key(struct fy_node *n, const char *key)
{
    return fy_node_mapping_lookup_by_string(n, key, FY_NT);
}

/* content: {step: N[, start: M]} | {text: "..."} | {hex: "..."}; the result has `size` bytes. */
static bool sdc_content(sdc_ld *ld, struct fy_node *n, size_t size, const uint8_t **out)
{
    static const char *const keys[] = {"step", "start", "text", "hex", NULL};
    if (!sdc_known_keys(ld, n, keys))
        return false;
    struct fy_node *step = sdc_key(n, "step"), *text = sdc_key(n, "text"), *hex = sdc_key(n, "hex");
    if (!!step + !!text + !!hex != 1)
        return sdc_fail(ld, n, "give exactly one of step, text, hex");
    uint8_t *b = NULL;
    size_t len = 0;
    if (step) {
        size_t st, start = 0;
        if (!sdc_number(ld, step, 255, &st) ||
            (sdc_key(n, "start") && !sdc_number(ld, sdc_key(n, "start"), 255, &start)))
            return false;
        b = malloc(size ? size : 1);
        if (!b)
            return sdc_fail(ld, n, "out of memory");
        for (size_t i = 0; i < size; i++)
            b[i] = (uint8_t)(start + st * i);
        len = size;
    } else if (text) {
        const char *s = sdc_scalar(text, &len);
        if (!s)
            return sdc_fail(ld, text, "expected a text");
        b = malloc(len ? len : 1);
        if (!b)
            return sdc_fail(ld, n, "out of memory");
        memcpy(b, s, len);
    } else if (!sdc_hex(ld, hex, &b, &len)) {
        return false;
    }
    if (len != size) {
        free(b);
        return sdc_fail(ld, n, "content has %zu bytes, size says %zu", len, size);
    }
    *out = b;
    return true;
}

static bool sdc_containers(sdc_ld *ld, struct fy_node *seq, sdc_card *c)
{
    static const char *const keys[] = {"label", "id", "size", "content", NULL};
    if (!seq || !fy_node_is_sequence(seq))
        return sdc_fail(ld, seq, "containers: expected a list of at least one container");
    void *it = NULL;
    struct fy_node *n;
    while ((n = fy_node_sequence_iterate(seq, &it)) != NULL) {
        if (c->n_containers == SDC_CARD_MAX_CONTAINERS)
            return sdc_fail(ld, n, "more than %d containers", SDC_CARD_MAX_CONTAINERS);
        sdc_container *e = &c->containers[c->n_containers];
        uint8_t *id = NULL;
        size_t id_len = 0;
        if (!sdc_known_keys(ld, n, keys) ||
            !sdc_text(ld, sdc_key(n, "label"), e->label, sizeof e->label) ||
            !sdc_number(ld, sdc_key(n, "size"), 1u << 20, &e->size) ||
            !sdc_hex(ld, sdc_key(n, "id"), &id, &id_len))
            return false;
        bool two = id_len == 2;
        if (two)
            memcpy(e->id, id, 2);
        free(id);
        if (!two)
            return sdc_fail(ld, sdc_key(n, "id"), "expected a 2-byte file identifier");
        if (!sdc_content(ld, sdc_key(n, "content"), e->size, &e->data))
            return false;
        c->n_containers++;
    }
    if (c->n_containers == 0)
        return sdc_fail(ld, seq, "containers: expected at least one container");
    return true;
}

static bool sdc_application(sdc_ld *ld, struct fy_node *n, sdc_card *c)
{
    static const char *const keys[] = {"aid", "label", "container", NULL};
    uint8_t *aid = NULL;
    size_t len = 0;
    if (!sdc_known_keys(ld, n, keys) || !sdc_hex(ld, sdc_key(n, "aid"), &aid, &len))
        return false;
    bool ok = len >= 5 && len <= 16;
    if (ok)
        memcpy(c->app_aid, aid, len);
    free(aid);
    if (!ok)
        return sdc_fail(ld, sdc_key(n, "aid"), "an AID has 5 to 16 bytes");
    c->app_aid_len = len;
    return sdc_text(ld, sdc_key(n, "label"), c->app_label, sizeof c->app_label) &&
           sdc_text(ld, sdc_key(n, "container"), c->app_container, sizeof c->app_container);
}

static bool sdc_passwords(sdc_ld *ld, struct fy_node *seq, sdc_card *c)
{
    static const char *const keys[] = {"label",      "value",     "min_length",
                                       "max_length", "max_tries", NULL};
    if (!fy_node_is_sequence(seq))
        return sdc_fail(ld, seq, "passwords: expected a list");
    void *it = NULL;
    struct fy_node *n;
    while ((n = fy_node_sequence_iterate(seq, &it)) != NULL) {
        if (c->n_passwords == SDC_CARD_MAX_PASSWORDS)
            return sdc_fail(ld, n, "more than %d passwords", SDC_CARD_MAX_PASSWORDS);
        sdc_password *p = &c->passwords[c->n_passwords];
        size_t tries = 0;
        if (!sdc_known_keys(ld, n, keys) ||
            !sdc_text(ld, sdc_key(n, "label"), p->label, sizeof p->label) ||
            !sdc_text(ld, sdc_key(n, "value"), p->value, sizeof p->value) ||
            !sdc_number(ld, sdc_key(n, "min_length"), SDC_CARD_SECRET, &p->min_length) ||
            !sdc_number(ld, sdc_key(n, "max_length"), SDC_CARD_SECRET, &p->max_length) ||
            (sdc_key(n, "max_tries") && !sdc_number(ld, sdc_key(n, "max_tries"), 255, &tries)))
            return false;
        size_t vl = strlen(p->value);
        if (p->min_length > p->max_length || vl < p->min_length || vl > p->max_length)
            return sdc_fail(ld, n, "value length %zu outside min_length..max_length", vl);
        p->max_tries = (int)tries;
        c->n_passwords++;
    }
    return true;
}

static bool sdc_writables(sdc_ld *ld, struct fy_node *seq, sdc_card *c)
{
    static const char *const keys[] = {"label", "password", NULL};
    if (!fy_node_is_sequence(seq))
        return sdc_fail(ld, seq, "writable: expected a list");
    void *it = NULL;
    struct fy_node *n;
    while ((n = fy_node_sequence_iterate(seq, &it)) != NULL) {
        if (c->n_writable == SDC_CARD_MAX_WRITABLE)
            return sdc_fail(ld, n, "more than %d writable containers", SDC_CARD_MAX_WRITABLE);
        sdc_writable *w = &c->writable[c->n_writable];
        if (!sdc_known_keys(ld, n, keys) ||
            !sdc_text(ld, sdc_key(n, "label"), w->label, sizeof w->label) ||
            (sdc_key(n, "password") &&
             !sdc_text(ld, sdc_key(n, "password"), w->password, sizeof w->password)))
            return false;
        bool found = false;
        for (size_t i = 0; i < c->n_containers; i++)
            found = found || strcmp(c->containers[i].label, w->label) == 0;
        if (!found)
            return sdc_fail(ld, n, "'%s' is not one of the containers", w->label);
        found = !w->password[0];
        for (size_t i = 0; i < c->n_passwords; i++)
            found = found || strcmp(c->passwords[i].label, w->password) == 0;
        if (!found)
            return sdc_fail(ld, n, "password '%s' is not one of the passwords", w->password);
        c->n_writable++;
    }
    return true;
}

bool sdc_card_load(const char *path, sdc_card *card, char *err, size_t cap)
{
    /* `values` belongs to the cases as data (sdc_cases.h): variables they read, not checked
     * here. */
    static const char *const keys[] = {"sdconform-card", "name",        "serial",
                                       "containers",     "application", "passwords",
                                       "writable",       "values",      NULL};
    sdc_ld ld = {.name = path, .err = err, .cap = cap};
    memset(card, 0, sizeof *card);
    FILE *probe = fopen(path, "r"); /* a clear reason before libfyaml's own message */
    if (!probe) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return false;
    }
    fclose(probe);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET};
    struct fy_document *doc = fy_document_build_from_file(&cfg, path);
    if (!doc) {
        snprintf(err, cap, "%s: not readable or not YAML", path);
        return false;
    }
    struct fy_node *root = fy_document_root(doc);
    char version[8] = "";
    bool ok = sdc_known_keys(&ld, root, keys) &&
              sdc_text(&ld, sdc_key(root, "sdconform-card"), version, sizeof version);
    if (ok && strcmp(version, "1") != 0)
        ok = sdc_fail(&ld, sdc_key(root, "sdconform-card"),
                      "unsupported version '%s' (this "
                      "sdconform reads 1)",
                      version);
    ok = ok && sdc_text(&ld, sdc_key(root, "name"), card->name, sizeof card->name);
    if (ok && sdc_key(root, "serial"))
        ok = sdc_text(&ld, sdc_key(root, "serial"), card->serial, sizeof card->serial);
    ok = ok && sdc_containers(&ld, sdc_key(root, "containers"), card);
    if (ok && sdc_key(root, "application"))
        ok = sdc_application(&ld, sdc_key(root, "application"), card);
    if (ok && sdc_key(root, "passwords"))
        ok = sdc_passwords(&ld, sdc_key(root, "passwords"), card);
    if (ok && sdc_key(root, "writable"))
        ok = sdc_writables(&ld, sdc_key(root, "writable"), card);
    fy_document_destroy(doc);
    card->described = ok;
    return ok;
}

/* ---- Built-in expectations: the sdtest reference card (vectors/profiles/default.yaml) ------ */

static uint8_t sdc_ref_public256[256], sdc_ref_public4096[4096];
static const char sdc_ref_hello[] = "Hello from the sdtest application";

static void sdc_builtin(sdc_card *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "sdtest reference card (built in)");
    for (size_t i = 0; i < sizeof sdc_ref_public256; i++)
        sdc_ref_public256[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof sdc_ref_public4096; i++)
        sdc_ref_public4096[i] = (uint8_t)(7 * i);
    const sdc_container cs[] = {
        {"public-256", {0x01, 0x01}, sizeof sdc_ref_public256, sdc_ref_public256},
        {"public-4096", {0x01, 0x04}, sizeof sdc_ref_public4096, sdc_ref_public4096},
        {"app-hello", {0x50, 0x01}, sizeof sdc_ref_hello - 1, (const uint8_t *)sdc_ref_hello},
    };
    memcpy(c->containers, cs, sizeof cs);
    c->n_containers = sizeof cs / sizeof cs[0];
    static const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                  0x44, 0x54, 0x45, 0x53, 0x54, 0x01};
    memcpy(c->app_aid, aid, sizeof aid);
    c->app_aid_len = sizeof aid;
    snprintf(c->app_label, sizeof c->app_label, "sdtest app");
    snprintf(c->app_container, sizeof c->app_container, "app-hello");
    /* No passwords and nothing writable: those tests need a description (--card). */
}

static sdc_card sdc_the_card;
static pthread_once_t sdc_card_once = PTHREAD_ONCE_INIT;

static void sdc_card_init(void)
{
    const char *path = getenv(SDC_CARD_ENV);
    if (!path || !*path) {
        sdc_builtin(&sdc_the_card);
        return;
    }
    char err[512];
    if (!sdc_card_load(path, &sdc_the_card, err, sizeof err)) {
        fprintf(stderr, "sdconform: --card %s\n", err);
        exit(2);
    }
}

const sdc_card *sdc_card_get(void)
{
    pthread_once(&sdc_card_once, sdc_card_init);
    return &sdc_the_card;
}

bool sdc_card_described(void)
{
    return sdc_card_get()->described;
}

bool sdc_destructive_allowed(void)
{
    const char *d = getenv(SDC_DESTRUCTIVE_ENV);
    return d && strcmp(d, "1") == 0;
}

const sdc_password *sdc_card_password(const char *label)
{
    const sdc_card *c = sdc_card_get();
    for (size_t i = 0; i < c->n_passwords; i++)
        if (strcmp(c->passwords[i].label, label) == 0)
            return &c->passwords[i];
    return NULL;
}
