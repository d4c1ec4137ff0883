/* The profile loader: YAML (libfyaml) to a validated, bounded file tree. Every refusal names the
 * file, line and column of the node at fault. */
#include "emu_profile.h"

#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec_bytes.h"
#include "emu_fs.h"
#include "emu_state.h"
#include "emu_card_internal.h"
#include "emu_key.h"
#include "emu_p15.h"
#include "emu_pin.h"
#include "emu_transport.h"

/* A profile larger than this is not a card: refusing it bounds memory before parsing. */
#define EMU_PROFILE_MAX_INPUT (64u * 1024 * 1024)

struct emu_profile {
    uint8_t atr[EMU_MAX_ATR];
    size_t atr_len;
    char *label;
    char *serial;
    emu_fs fs;
    emu_transport tp;
    emu_pin_table pins;
    emu_key_table keys;
    bool pkcs15; /* publish the 7816-15 application (emu_p15.c) */
    /* The state fingerprint of a card fresh from this profile: the same for every card, and
     * costly (it encodes every key), so the first card computes it and the others copy it. */
    struct fingerprint_cache {
        atomic_flag claimed;
        atomic_bool valid;
        uint8_t id[EMU_STATE_FINGERPRINT_LEN];
    } * fingerprint;
};

typedef struct loader {
    emu_error *err;
    const char *name;
    const char *base_dir;
    emu_profile *p;
    size_t total_data;
    /* data objects' `access`: resolved once the PINs are known (the files come later) */
    struct fy_node *do_access[EMU_MAX_DATA_OBJECTS];
    struct fy_node *do_access_key[EMU_MAX_DATA_OBJECTS];
} loader;

/* One key a mapping may hold; `value` is filled while reading the mapping. */
typedef struct field {
    const char *key;
    struct fy_node *key_node;
    struct fy_node *value;
} field;

#define NO_OFFSET SIZE_MAX

/* ---- error reporting ---- */

static void set_error(emu_error *err, const char *file, int line, int column, const char *fmt,
                      va_list ap) __attribute__((format(printf, 5, 0)));
static void set_error(emu_error *err, const char *file, int line, int column, const char *fmt,
                      va_list ap)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "<profile>");
    err->line = line;
    err->column = column;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

static void error_at(emu_error *err, const char *file, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void error_at(emu_error *err, const char *file, int line, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(err, file, line, column, fmt, ap);
    va_end(ap);
}

/* The first scalar token under a node: 0.7 has no start mark for collections, and a mapping's
 * first key is where a reader looks for it anyway. */
static struct fy_token *first_token(struct fy_node *n)
{
    for (int guard = 0; n && guard < 256; guard++) {
        void *it = NULL;
        switch (fy_node_get_type(n)) {
        case FYNT_SCALAR:
            return fy_node_get_scalar_token(n);
        case FYNT_MAPPING: {
            struct fy_node_pair *pair = fy_node_mapping_iterate(n, &it);
            n = pair ? fy_node_pair_key(pair) : NULL;
            break;
        }
        case FYNT_SEQUENCE:
            n = fy_node_sequence_iterate(n, &it);
            break;
        default:
            return NULL;
        }
    }
    return NULL;
}

/* Refuses the profile at node `n`; `inner` is an offset inside a scalar's text (NO_OFFSET for
 * the scalar's start), used only when the text maps 1:1 onto one line of the source. */
static void fail_at(loader *L, struct fy_node *n, size_t inner, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Always false, visibly so to the static analyzer (which does not follow variadic calls). */
#define fail(...) (fail_at(__VA_ARGS__), false)
static void fail_at(loader *L, struct fy_node *n, size_t inner, const char *fmt, ...)
{
    int line = 0, column = 0;
    struct fy_token *t = first_token(n);
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    if (m) {
        line = m->line + 1;
        column = m->column + 1;
        const struct fy_mark *e = fy_token_end_mark(t);
        size_t tlen = 0;
        const char *text = fy_node_get_type(n) == FYNT_SCALAR ? fy_node_get_scalar(n, &tlen) : NULL;
        if (inner != NO_OFFSET && text && e && e->line == m->line && e->input_pos >= m->input_pos &&
            e->input_pos - m->input_pos == tlen && inner <= tlen)
            column += (int)inner;
    }
    va_list ap;
    va_start(ap, fmt);
    set_error(L->err, L->name, line, column, fmt, ap);
    va_end(ap);
}

/* ---- scalars ---- */

static bool scalar(loader *L, struct fy_node *n, const char *what, const char **s, size_t *len)
{
    *s = NULL;
    *len = 0;
    if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) == FYNS_ALIAS)
        return fail(L, n, NO_OFFSET, "%s must be a scalar", what);
    *s = fy_node_get_scalar(n, len);
    if (!*s)
        return fail(L, n, NO_OFFSET, "%s must be a scalar", what);
    return true;
}

static bool is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_hex_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':';
}

/* Decodes a hex scalar into out[0..cap). Points at the offending character on failure. */
static bool hex(loader *L, struct fy_node *n, const char *what, uint8_t *out, size_t cap,
                size_t *out_len)
{
    const char *s;
    size_t len, pos = 0;
    if (!scalar(L, n, what, &s, &len))
        return false;
    if (codec_hex_decode(s, len, out, cap, out_len, &pos))
        return true;
    for (size_t i = 0; i < len; i++) {
        if (!is_hex_digit(s[i]) && !is_hex_separator(s[i])) {
            unsigned char c = (unsigned char)s[i];
            if (c >= 0x20 && c < 0x7f)
                return fail(L, n, i, "%s: invalid character '%c' in hex string", what, c);
            return fail(L, n, i, "%s: invalid byte 0x%02X in hex string", what, c);
        }
    }
    size_t digits = 0;
    for (size_t i = 0; i < len; i++)
        digits += is_hex_digit(s[i]);
    if (digits / 2 > cap)
        return fail(L, n, pos < len ? pos : NO_OFFSET, "%s: too long (at most %zu bytes)", what,
                    cap);
    return fail(L, n, pos < len ? pos : NO_OFFSET,
                "%s: incomplete byte (hex digits must come in pairs)", what);
}

static bool uint_value(loader *L, struct fy_node *n, const char *what, unsigned long min,
                       unsigned long max, unsigned long *out)
{
    const char *s;
    size_t len;
    if (!scalar(L, n, what, &s, &len))
        return false;
    unsigned long v = 0;
    size_t i = 0;
    unsigned base = 10;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    bool ok = i < len && len - i <= 8;
    for (; ok && i < len; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            ok = false, d = 0;
        v = v * base + d;
    }
    if (!ok || v < min || v > max)
        return fail(L, n, NO_OFFSET, "%s must be an integer from %lu to %lu", what, min, max);
    *out = v;
    return true;
}

static bool text_value(loader *L, struct fy_node *n, const char *what, char **out)
{
    const char *s;
    size_t len;
    if (!scalar(L, n, what, &s, &len))
        return false;
    if (len > EMU_MAX_TEXT)
        return fail(L, n, NO_OFFSET, "%s: too long (at most %d bytes)", what, EMU_MAX_TEXT);
    if (memchr(s, '\0', len))
        return fail(L, n, NO_OFFSET, "%s: contains a NUL character", what);
    char *t = malloc(len + 1);
    if (!t)
        return fail(L, n, NO_OFFSET, "out of memory");
    memcpy(t, s, len);
    t[len] = '\0';
    *out = t;
    return true;
}

static bool fid_value(loader *L, struct fy_node *n, uint16_t *out)
{
    uint8_t b[2];
    size_t len;
    if (!hex(L, n, "fid", b, sizeof b, &len))
        return false;
    if (len != 2)
        return fail(L, n, NO_OFFSET, "fid must be 2 bytes (4 hex digits)");
    *out = (uint16_t)(b[0] << 8 | b[1]);
    return true;
}

/* ---- mappings ---- */

static bool keyword(struct fy_node *n, const char *word)
{
    size_t len;
    const char *s = fy_node_get_type(n) == FYNT_SCALAR ? fy_node_get_scalar(n, &len) : NULL;
    return s && fy_node_get_style(n) != FYNS_ALIAS && len == strlen(word) &&
           memcmp(s, word, len) == 0;
}

/* Reads a mapping into `fields`, refusing any key not listed. `where` locates an error when the
 * node is not a mapping at all (or is NULL). */
static bool read_map(loader *L, struct fy_node *map, struct fy_node *where, const char *what,
                     field *fields, size_t nfields)
{
    if (!map || fy_node_get_type(map) != FYNT_MAPPING)
        return fail(L, map ? map : where, NO_OFFSET, "%s must be a mapping", what);
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(pair);
        size_t i = 0;
        while (i < nfields && !(k && keyword(k, fields[i].key)))
            i++;
        if (i == nfields) {
            const char *s = NULL;
            size_t len = 0;
            if (k && fy_node_get_type(k) == FYNT_SCALAR)
                s = fy_node_get_scalar(k, &len);
            char list[256] = "";
            size_t used = 0;
            for (size_t j = 0; j < nfields && used < sizeof list; j++) {
                int w =
                    snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", fields[j].key);
                used += w > 0 ? (size_t)w : 0;
            }
            return fail(L, k ? k : map, NO_OFFSET, "unknown key '%.*s' in %s (expected: %s)",
                        s ? (int)(len > 64 ? 64 : len) : 0, s ? s : "", what, list);
        }
        fields[i].key_node = k;
        fields[i].value = fy_node_pair_value(pair);
        if (!fields[i].value)
            return fail(L, k, NO_OFFSET, "key '%s' has no value", fields[i].key);
    }
    return true;
}

static struct fy_node *get(field *fields, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i].key, key) == 0)
            return fields[i].value;
    return NULL;
}

static struct fy_node *get_key(field *fields, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i].key, key) == 0)
            return fields[i].key_node;
    return NULL;
}

#define NFIELDS(a) (sizeof(a) / sizeof(a)[0])
#define GET(key) get(f, NFIELDS(f), key)
#define GET_KEY(key) get_key(f, NFIELDS(f), key)

/* ---- ATR ---- */

/* Checks the ATR's structure (7816-3 clause 8): interface bytes, historical bytes, TCK. */
static const char *atr_problem(const uint8_t *a, size_t n)
{
    if (n < 2)
        return "too short (TS and T0 at least)";
    if (a[0] != 0x3B && a[0] != 0x3F)
        return "TS must be 3B or 3F";
    size_t k = a[1] & 0x0F, i = 2;
    unsigned y = a[1] >> 4;
    bool tck = false;
    for (;;) {
        size_t cnt = (size_t)(y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1);
        if (cnt > n - i)
            return "interface bytes truncated";
        i += cnt;
        if (!(y & 8))
            break;
        if (i >= n)
            return "TD byte missing";
        uint8_t td = a[i++];
        if ((td & 0x0F) != 0)
            tck = true;
        y = td >> 4;
    }
    if (k > n - i)
        return "historical bytes truncated";
    i += k;
    if (tck) {
        if (i >= n)
            return "TCK missing (a protocol other than T=0 is indicated)";
        uint8_t x = 0;
        for (size_t j = 1; j <= i; j++)
            x ^= a[j];
        if (x != 0)
            return "TCK does not match (XOR of T0..TCK must be 00)";
        i++;
    }
    if (i != n)
        return "extra bytes after the ATR";
    return NULL;
}

/* Where the historical bytes are in a structurally valid ATR (atr_problem() said NULL). */
static void atr_historical(const uint8_t *a, size_t n, size_t *off, size_t *k)
{
    size_t i = 2;
    unsigned y = a[1] >> 4;
    *k = a[1] & 0x0F;
    for (;;) {
        i += (size_t)(y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1);
        if (!(y & 8) || i >= n)
            break;
        y = a[i++] >> 4;
    }
    *off = i;
}

/* The historical bytes must tell the truth about the transport (7816-4 clause 12.1.1.9, card
 * capabilities, compact-TLV tag 7, third software function byte): b8 (command chaining) set
 * exactly when the profile has chaining, b7 (extended Lc / Le) exactly when it has extended_length;
 * logical channels as many as `channels`: b5-b4 (assignment) 00 means one, otherwise b3-b1 + 1, 7
 * meaning eight or more. Only compact-TLV historical bytes (category 00 or 80) carry the object; an
 * object shorter than 3 bytes claims neither. Refuses the profile at `n` (the atr). */
static bool check_atr_capabilities(loader *L, struct fy_node *n)
{
    const uint8_t *a = L->p->atr;
    const emu_transport *tp = &L->p->tp;
    size_t off, k;
    atr_historical(a, L->p->atr_len, &off, &k);
    if (k == 0 || (a[off] != 0x00 && a[off] != 0x80))
        return true;
    /* category 00: three status indicator bytes close the historical bytes */
    if (a[off] == 0x00 && k < 4)
        return fail(L, n, NO_OFFSET,
                    "atr: historical bytes of category 00 end with 3 status indicator bytes");
    codec_reader r;
    codec_reader_init(&r, a + off + 1, a[off] == 0x00 ? k - 4 : k - 1);
    uint8_t tl;
    while (codec_read_u8(&r, &tl)) {
        const uint8_t *v;
        if (!codec_read_bytes(&r, tl & 0x0F, &v))
            return fail(L, n, NO_OFFSET, "atr: historical bytes: compact-TLV object truncated");
        if ((tl >> 4) != 0x7)
            continue;
        uint8_t third = (tl & 0x0F) >= 3 ? v[2] : 0;
        bool ext = (third & 0x40) != 0;
        bool chain = (third & 0x80) != 0;
        if (chain != tp->chaining)
            return fail(L, n, NO_OFFSET,
                        "atr: card capabilities (7%X) %s command chaining but transport has "
                        "chaining: %s",
                        tl & 0x0F, chain ? "advertise" : "do not advertise",
                        tp->chaining ? "true" : "false");
        unsigned count = (third & 0x18) ? (third & 0x07) + 1u : 1u;
        if (ext != tp->extended)
            return fail(L, n, NO_OFFSET,
                        "atr: card capabilities (7%X) %s extended Lc/Le but transport has "
                        "extended_length: %s",
                        tl & 0x0F, ext ? "advertise" : "do not advertise",
                        tp->extended ? "true" : "false");
        if (count < 8 ? count != tp->channels : tp->channels < 8)
            return fail(L, n, NO_OFFSET,
                        "atr: card capabilities (7%X) advertise %u%s logical channel%s but "
                        "transport has channels: %u",
                        tl & 0x0F, count, count == 8 ? " or more" : "", count == 1 ? "" : "s",
                        (unsigned)tp->channels);
    }
    return true;
}

/* ---- file tree ---- */

static bool add_total(loader *L, struct fy_node *n, size_t size)
{
    if (size > EMU_MAX_TOTAL_DATA - L->total_data)
        return fail(L, n, NO_OFFSET, "total file content exceeds %u bytes", EMU_MAX_TOTAL_DATA);
    L->total_data += size;
    return true;
}

static bool read_file_value(loader *L, struct fy_node *n, const char *what, uint8_t **out,
                            size_t *out_len)
{
    char *rel = NULL;
    if (!text_value(L, n, what, &rel) || !rel)
        return false;
    if (!L->base_dir) {
        free(rel);
        return fail(L, n, NO_OFFSET, "%s needs a profile loaded from a file", what);
    }
    char path[4096];
    int w = rel[0] == '/' ? snprintf(path, sizeof path, "%s", rel)
                          : snprintf(path, sizeof path, "%s/%s", L->base_dir, rel);
    if (w < 0 || (size_t)w >= sizeof path) {
        free(rel);
        return fail(L, n, NO_OFFSET, "%s: path too long", what);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    int e = 0;
    if (fd < 0 || fstat(fd, &st) != 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_size > EMU_MAX_FILE_SIZE)
        why = "larger than 65535 bytes";
    uint8_t *buf = NULL;
    size_t got = 0;
    if (fd >= 0 && !e && !why) {
        buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
        if (!buf)
            why = "out of memory";
        while (buf && got < (size_t)st.st_size) {
            ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                e = r < 0 ? errno : 0;
                why = r == 0 ? "file shrank while reading" : NULL;
                break;
            }
            got += (size_t)r;
        }
    }
    if (fd >= 0)
        close(fd);
    if (e || why) {
        free(buf);
        fail_at(L, n, NO_OFFSET, "cannot read %s '%s': %s", what, rel, why ? why : strerror(e));
        free(rel);
        return false;
    }
    free(rel);
    *out = buf;
    *out_len = got;
    return true;
}

/* Content of a transparent EF from data / data_file / data_pattern / size. */
static bool parse_transparent(loader *L, emu_file *file, field *f, size_t nf)
{
    struct fy_node *data = get(f, nf, "data"), *data_file = get(f, nf, "data_file"),
                   *pattern = get(f, nf, "data_pattern"), *size_n = get(f, nf, "size"),
                   *data_text = get(f, nf, "data_text");
    static const char *const record_keys[] = {"records", "record_size", "max_records"};
    for (size_t i = 0; i < NFIELDS(record_keys); i++)
        if (get(f, nf, record_keys[i]))
            return fail(L, get_key(f, nf, record_keys[i]), NO_OFFSET,
                        "'%s' is for record EFs, not transparent ones", record_keys[i]);
    int sources = (data != NULL) + (data_file != NULL) + (pattern != NULL) + (data_text != NULL);
    if (sources > 1) {
        struct fy_node *second = data_text ? get_key(f, nf, "data_text")
                                 : pattern ? get_key(f, nf, "data_pattern")
                                           : get_key(f, nf, "data_file");
        return fail(L, second, NO_OFFSET,
                    "give only one of data, data_text, data_file, data_pattern");
    }
    unsigned long size = 0, start = 0, step = 1;
    bool has_size = size_n != NULL;
    if (has_size && !uint_value(L, size_n, "size", 0, EMU_MAX_FILE_SIZE, &size))
        return false;
    uint8_t *content = NULL;
    size_t clen = 0;
    if (data) {
        size_t slen = 0;
        const char *s;
        if (!scalar(L, data, "data", &s, &slen))
            return false;
        size_t bound = slen / 2 + 1 < EMU_MAX_FILE_SIZE ? slen / 2 + 1 : EMU_MAX_FILE_SIZE;
        content = malloc(bound);
        if (!content)
            return fail(L, data, NO_OFFSET, "out of memory");
        if (!hex(L, data, "data", content, bound, &clen)) {
            free(content);
            return false;
        }
    } else if (data_text) {
        const char *s;
        if (!scalar(L, data_text, "data_text", &s, &clen))
            return false;
        if (clen > EMU_MAX_FILE_SIZE)
            return fail(L, data_text, NO_OFFSET, "data_text: longer than 65535 bytes");
        content = malloc(clen ? clen : 1);
        if (!content)
            return fail(L, data_text, NO_OFFSET, "out of memory");
        memcpy(content, s, clen);
    } else if (data_file) {
        if (!read_file_value(L, data_file, "data_file", &content, &clen))
            return false;
    } else if (pattern) {
        field pf[] = {{"start", NULL, NULL}, {"step", NULL, NULL}};
        if (!read_map(L, pattern, get_key(f, nf, "data_pattern"), "data_pattern", pf, NFIELDS(pf)))
            return false;
        if (pf[0].value && !uint_value(L, pf[0].value, "start", 0, 255, &start))
            return false;
        if (pf[1].value && !uint_value(L, pf[1].value, "step", 0, 255, &step))
            return false;
        if (!has_size)
            return fail(L, get_key(f, nf, "data_pattern"), NO_OFFSET, "data_pattern needs 'size'");
    }
    if (has_size && clen > size) {
        free(content);
        return fail(L, size_n, NO_OFFSET, "size %lu is smaller than the data (%zu bytes)", size,
                    clen);
    }
    size_t total = has_size ? size : clen;
    if (!add_total(L, get_key(f, nf, "fid"), total)) {
        free(content);
        return false;
    }
    if (total > 0) {
        uint8_t *buf = calloc(1, total);
        if (!buf) {
            free(content);
            return fail(L, size_n, NO_OFFSET, "out of memory");
        }
        if (clen)
            memcpy(buf, content, clen);
        if (pattern)
            for (size_t i = 0; i < total; i++)
                buf[i] = (uint8_t)((start + step * i) & 0xFF);
        file->data = buf;
    }
    free(content);
    file->size = total;
    return true;
}

/* Records of a linear or cyclic EF. */
static bool parse_records(loader *L, emu_file *file, field *f, size_t nf)
{
    static const char *const transparent_keys[] = {"data", "data_text", "data_file", "data_pattern",
                                                   "size"};
    /* (max_records is refused for transparent EFs in parse_transparent) */
    for (size_t i = 0; i < NFIELDS(transparent_keys); i++)
        if (get(f, nf, transparent_keys[i]))
            return fail(L, get_key(f, nf, transparent_keys[i]), NO_OFFSET,
                        "'%s' is for transparent EFs; record EFs take 'records'",
                        transparent_keys[i]);
    struct fy_node *recs = get(f, nf, "records"), *rs_n = get(f, nf, "record_size"),
                   *max_n = get(f, nf, "max_records");
    unsigned long rs = 0, max_records = 0;
    if (rs_n && !uint_value(L, rs_n, "record_size", 1, EMU_MAX_RECORD_SIZE, &rs))
        return false;
    if (max_n && !uint_value(L, max_n, "max_records", 1, EMU_MAX_RECORDS, &max_records))
        return false;
    size_t count = 0;
    if (recs) {
        if (fy_node_get_type(recs) != FYNT_SEQUENCE)
            return fail(L, recs, NO_OFFSET, "records must be a sequence of hex strings");
        count = (size_t)fy_node_sequence_item_count(recs);
        if (count > EMU_MAX_RECORDS)
            return fail(L, recs, NO_OFFSET, "too many records (at most %d)", EMU_MAX_RECORDS);
    }
    bool fixed = file->structure != EMU_EF_LINEAR_VARIABLE;
    uint8_t rec[EMU_MAX_RECORD_SIZE];
    uint8_t *lens = count ? calloc(count, 1) : NULL;
    uint8_t *buf = count ? malloc(count * EMU_MAX_RECORD_SIZE) : NULL;
    if (count && (!lens || !buf)) {
        free(lens);
        free(buf);
        return fail(L, recs, NO_OFFSET, "out of memory");
    }
    size_t used = 0, largest = 0, i = 0;
    void *it = NULL;
    struct fy_node *item;
    while (recs && (item = fy_node_sequence_iterate(recs, &it)) != NULL) {
        size_t len;
        bool ok = hex(L, item, "record", rec, sizeof rec, &len);
        if (ok && len == 0)
            ok = fail(L, item, NO_OFFSET, "a record holds at least one byte");
        if (ok && rs && len > rs)
            ok = fail(L, item, NO_OFFSET, "record longer than record_size %lu", rs);
        if (ok && fixed && !rs && i > 0 && len != lens[0])
            ok = fail(L, item, NO_OFFSET,
                      "records of a fixed-size EF differ in length (give record_size to pad)");
        if (!ok) {
            free(lens);
            free(buf);
            return false;
        }
        size_t stored = fixed && rs ? rs : len;
        memcpy(buf + used, rec, len);
        memset(buf + used + len, 0, stored - len);
        lens[i++] = (uint8_t)stored;
        used += stored;
        if (stored > largest)
            largest = stored;
    }
    if (fixed && !rs && count == 0) {
        free(lens);
        free(buf);
        return fail(L, get_key(f, nf, "structure"), NO_OFFSET,
                    "a fixed-size record EF without records needs record_size");
    }
    /* The card keeps record i at i * record_size, with room for max_records records. */
    size_t slot = rs ? rs : largest;
    if (max_n && max_records < count) {
        free(lens);
        free(buf);
        return fail(L, max_n, NO_OFFSET, "max_records %lu is less than the %zu records",
                    max_records, count);
    }
    size_t room = max_n ? max_records : count;
    if (slot == 0 && room > 0) {
        free(lens);
        free(buf);
        return fail(L, max_n, NO_OFFSET, "max_records needs record_size");
    }
    if (!add_total(L, recs ? recs : max_n, room * slot)) {
        free(lens);
        free(buf);
        return false;
    }
    uint8_t *slots = room ? calloc(room, slot) : NULL;
    uint8_t *slot_lens = room ? calloc(room, 1) : NULL;
    if (room && (!slots || !slot_lens)) {
        free(slots);
        free(slot_lens);
        free(lens);
        free(buf);
        return fail(L, recs, NO_OFFSET, "out of memory");
    }
    for (size_t r = 0, off = 0; r < count; off += lens[r], r++) {
        memcpy(slots + r * slot, buf + off, lens[r]);
        slot_lens[r] = lens[r];
    }
    free(lens);
    free(buf);
    file->data = slots;
    file->size = room * slot;
    file->record_len = slot_lens;
    file->record_count = (uint16_t)count;
    file->record_max = (uint16_t)room;
    file->record_size = (uint8_t)slot;
    return true;
}

/* ---- security: PIN objects and access rules (docs/profile.md, "Security") ---- */

static bool bool_value(loader *L, struct fy_node *n, const char *what, bool *out);

/* The PIN a token of an access expression names, as seen from DF `df`: a reference written
 * 0xNN, or a PIN's name. Returns the PIN index or EMU_PIN_NO_INDEX. */
static int pin_token(loader *L, uint16_t df, const char *tok, size_t len)
{
    const emu_pin_table *t = &L->p->pins;
    if (len == 4 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X') && is_hex_digit(tok[2]) &&
        is_hex_digit(tok[3])) {
        uint8_t b;
        size_t bl, pos;
        if (!codec_hex_decode(tok + 2, 2, &b, 1, &bl, &pos))
            return EMU_PIN_NO_INDEX;
        return emu_pin_find(t, &L->p->fs, df, b);
    }
    for (uint16_t d = df; d != EMU_NONE; d = L->p->fs.files[d].parent)
        for (uint16_t i = 0; i < t->count; i++)
            if (t->pins[i].owner == d && strlen(t->pins[i].name) == len &&
                memcmp(t->pins[i].name, tok, len) == 0)
                return i;
    return EMU_PIN_NO_INDEX;
}

/* An access expression: `always`, `never`, or PINs joined by `and` (binds first) and `or`,
 * e.g. "user or so", "user and 0x81". */
static bool rule_value(loader *L, struct fy_node *n, uint16_t df, emu_rule *out)
{
    const char *s;
    size_t len;
    if (!scalar(L, n, "access rule", &s, &len))
        return false;
    emu_rule r;
    memset(&r, 0, sizeof r);
    if (len == 6 && memcmp(s, "always", 6) == 0) {
        *out = r;
        return true;
    }
    r.kind = EMU_RULE_NEVER;
    if (len == 5 && memcmp(s, "never", 5) == 0) {
        *out = r;
        return true;
    }
    r.kind = EMU_RULE_PINS;
    r.n_terms = 1;
    bool want_pin = true;
    for (size_t i = 0; i < len;) {
        if (s[i] == ' ') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && s[i] != ' ')
            i++;
        const char *tok = s + start;
        size_t tl = i - start;
        if (want_pin) {
            int idx = pin_token(L, df, tok, tl);
            if (idx == EMU_PIN_NO_INDEX)
                return fail(L, n, start, "access rule: '%.*s' is not a PIN visible here",
                            (int)(tl > 32 ? 32 : tl), tok);
            uint8_t t = (uint8_t)(r.n_terms - 1);
            if (r.terms[t].n >= EMU_RULE_MAX_PINS)
                return fail(L, n, start, "access rule: at most %d PINs joined by 'and'",
                            EMU_RULE_MAX_PINS);
            r.terms[t].pin_ref[r.terms[t].n++] = L->p->pins.pins[idx].ref;
            want_pin = false;
        } else if (tl == 3 && memcmp(tok, "and", 3) == 0) {
            want_pin = true;
        } else if (tl == 2 && memcmp(tok, "or", 2) == 0) {
            if (r.n_terms >= EMU_RULE_MAX_TERMS)
                return fail(L, n, start, "access rule: at most %d alternatives joined by 'or'",
                            EMU_RULE_MAX_TERMS);
            r.n_terms++;
            want_pin = true;
        } else {
            return fail(L, n, start, "access rule: expected 'and' or 'or'");
        }
    }
    if (want_pin)
        return fail(L, n, NO_OFFSET,
                    "access rule must be always, never, or PINs joined by 'and' / 'or'");
    *out = r;
    return true;
}

static const char *const op_names[EMU_OP_COUNT] = {[EMU_OP_READ] = "read",
                                                   [EMU_OP_UPDATE] = "update",
                                                   [EMU_OP_WRITE] = "write",
                                                   [EMU_OP_ERASE] = "erase",
                                                   [EMU_OP_APPEND] = "append",
                                                   [EMU_OP_DELETE] = "delete",
                                                   [EMU_OP_CREATE] = "create",
                                                   [EMU_OP_ACTIVATE] = "activate",
                                                   [EMU_OP_DEACTIVATE] = "deactivate",
                                                   [EMU_OP_TERMINATE] = "terminate"};

/* Without `access`: read always, everything else never. */
static void default_access(emu_file *file)
{
    for (int op = 0; op < EMU_OP_COUNT; op++) {
        memset(&file->access[op], 0, sizeof file->access[op]);
        file->access[op].kind = op == EMU_OP_READ ? EMU_RULE_ALWAYS : EMU_RULE_NEVER;
    }
}

static bool parse_access(loader *L, struct fy_node *map, struct fy_node *where, uint16_t idx)
{
    field f[EMU_OP_COUNT];
    for (int op = 0; op < EMU_OP_COUNT; op++)
        f[op] = (field){op_names[op], NULL, NULL};
    if (!read_map(L, map, where, "access", f, NFIELDS(f)))
        return false;
    emu_file *file = &L->p->fs.files[idx];
    uint16_t df = file->type == EMU_FILE_DF ? idx : file->parent;
    for (int op = 0; op < EMU_OP_COUNT; op++)
        if (f[op].value && !rule_value(L, f[op].value, df, &file->access[op]))
            return false;
    /* The FCP carries the rules; they must fit it. */
    uint8_t tmp[160];
    codec_writer w;
    codec_writer_init(&w, tmp, sizeof tmp);
    if (!emu_access_write_fcp(&w, file))
        return fail(L, map, NO_OFFSET, "access rules too long to encode in the FCP");
    return true;
}

static bool parse_pin(loader *L, struct fy_node *map, struct fy_node *where, uint16_t df,
                      struct fy_node **reset_by)
{
    field f[] = {
        {"name", NULL, NULL},       {"ref", NULL, NULL},        {"value", NULL, NULL},
        {"encoding", NULL, NULL},   {"pad_to", NULL, NULL},     {"pad_byte", NULL, NULL},
        {"min_length", NULL, NULL}, {"max_length", NULL, NULL}, {"tries", NULL, NULL},
        {"reset_by", NULL, NULL},   {"enabled", NULL, NULL},    {"disable_allowed", NULL, NULL},
        {"unblock", NULL, NULL},    {"access", NULL, NULL}};
    if (!read_map(L, map, where, "pin", f, NFIELDS(f)))
        return false;
    emu_pin_table *t = &L->p->pins;
    if (t->count >= EMU_MAX_PINS)
        return fail(L, map, NO_OFFSET, "too many PINs (at most %d)", EMU_MAX_PINS);
    emu_pin *pin = &t->pins[t->count];
    memset(pin, 0, sizeof *pin);
    pin->owner = df;
    pin->reset_by = EMU_PIN_NO_INDEX;
    pin->enabled = true;
    pin->pad_byte = 0xFF;
    pin->unblock.kind = EMU_RULE_NEVER;
    static const char *const required[] = {"ref", "value", "tries"};
    for (size_t i = 0; i < NFIELDS(required); i++)
        if (!GET(required[i]))
            return fail(L, map, NO_OFFSET, "missing key '%s' in pin", required[i]);
    unsigned long v;
    if (!uint_value(L, GET("ref"), "ref", 0x01, 0x9F, &v) || (v & 0x60) || (v & 0x1F) == 0)
        return fail(L, GET("ref"), NO_OFFSET,
                    "ref must be 0x01..0x1F (global) or 0x81..0x9F (DF-specific)");
    pin->ref = (uint8_t)v;
    if (!(pin->ref & 0x80) && df != 0)
        return fail(L, GET("ref"), NO_OFFSET, "a global reference (b8 = 0) belongs to the MF");
    for (uint16_t i = 0; i < t->count; i++)
        if (t->pins[i].owner == df && t->pins[i].ref == pin->ref)
            return fail(L, GET("ref"), NO_OFFSET, "duplicate PIN reference in this DF");
    if (GET("name")) {
        const char *s;
        size_t len;
        if (!scalar(L, GET("name"), "name", &s, &len))
            return false;
        bool ok = len >= 1 && len <= EMU_PIN_NAME_MAX && !(s[0] >= '0' && s[0] <= '9');
        for (size_t i = 0; ok && i < len; i++)
            ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                 (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-';
        if (!ok || (len == 3 && memcmp(s, "and", 3) == 0) || (len == 2 && memcmp(s, "or", 2) == 0))
            return fail(L, GET("name"), NO_OFFSET,
                        "name: 1..%d letters, digits, '_' or '-', starting with a letter",
                        EMU_PIN_NAME_MAX);
        for (uint16_t i = 0; i < t->count; i++)
            if (strlen(t->pins[i].name) == len && memcmp(t->pins[i].name, s, len) == 0)
                return fail(L, GET("name"), NO_OFFSET, "duplicate PIN name on this card");
        memcpy(pin->name, s, len);
    }
    pin->encoding = EMU_PIN_ASCII;
    if (GET("encoding")) {
        if (keyword(GET("encoding"), "ascii"))
            pin->encoding = EMU_PIN_ASCII;
        else if (keyword(GET("encoding"), "bcd"))
            pin->encoding = EMU_PIN_BCD;
        else if (keyword(GET("encoding"), "format2"))
            pin->encoding = EMU_PIN_FORMAT2;
        else
            return fail(L, GET("encoding"), NO_OFFSET, "encoding must be ascii, bcd or format2");
    }
    if (GET("pad_to")) {
        if (pin->encoding == EMU_PIN_FORMAT2)
            return fail(L, GET("pad_to"), NO_OFFSET, "a format 2 PIN block is always 8 bytes");
        if (!uint_value(L, GET("pad_to"), "pad_to", 1, EMU_PIN_MAX_BLOCK, &v))
            return false;
        pin->pad_to = (uint8_t)v;
    }
    if (GET("pad_byte")) {
        if (!uint_value(L, GET("pad_byte"), "pad_byte", 0, 255, &v))
            return false;
        pin->pad_byte = (uint8_t)v;
        /* BCD digits end at the first nibble above 9: padding must not look like digits */
        if (pin->encoding == EMU_PIN_BCD && (pin->pad_byte >> 4) <= 9)
            return fail(L, GET("pad_byte"), NO_OFFSET,
                        "pad_byte of a BCD PIN must start with a nibble A..F (e.g. 0xFF)");
    }
    /* the most characters the encoding can carry */
    unsigned long cap = pin->encoding == EMU_PIN_FORMAT2 ? 12
                        : !pin->pad_to                   ? EMU_PIN_MAX_LEN
                        : pin->encoding == EMU_PIN_BCD   ? 2ul * pin->pad_to
                                                         : pin->pad_to;
    if (cap > EMU_PIN_MAX_LEN)
        cap = EMU_PIN_MAX_LEN;
    unsigned long lo = pin->encoding == EMU_PIN_FORMAT2 ? 4 : 1, min = 4 > lo ? 4 : lo, max = cap;
    if (min > cap)
        min = cap;
    if (GET("min_length") && !uint_value(L, GET("min_length"), "min_length", lo, cap, &min))
        return false;
    if (GET("max_length") && !uint_value(L, GET("max_length"), "max_length", min, cap, &max))
        return false;
    pin->min_len = (uint8_t)min;
    pin->max_len = (uint8_t)max;
    if (!uint_value(L, GET("tries"), "tries", 1, EMU_PIN_MAX_TRIES, &v))
        return false;
    pin->max_tries = pin->tries_left = (uint8_t)v;
    const char *s;
    size_t len;
    if (!scalar(L, GET("value"), "value", &s, &len))
        return false;
    const char *why =
        len > EMU_PIN_MAX_LEN ? "too long" : emu_pin_value_problem(pin, (const uint8_t *)s, len);
    if (why)
        return fail(L, GET("value"), NO_OFFSET, "value: %s", why);
    memcpy(pin->value, s, len);
    pin->value_len = (uint8_t)len;
    if (GET("enabled") && !bool_value(L, GET("enabled"), "enabled", &pin->enabled))
        return false;
    if (GET("disable_allowed") &&
        !bool_value(L, GET("disable_allowed"), "disable_allowed", &pin->disable_allowed))
        return false;
    t->count++;
    /* unblock and reset_by may name PINs listed later: resolved once the list is read */
    *reset_by = GET("reset_by");
    if (GET("unblock"))
        reset_by[1] = GET("unblock");
    if (GET("access")) {
        reset_by[2] = GET("access");
        reset_by[3] = GET_KEY("access");
    }
    return true;
}

/* A PIN's own `access`: {change, reset, enable, disable}, each an access expression (default
 * always); see emu_pin_op. */
static bool parse_pin_access(loader *L, struct fy_node *map, struct fy_node *where, uint16_t df,
                             emu_pin *pin)
{
    field f[EMU_PIN_OP_COUNT] = {{"change", NULL, NULL},
                                 {"reset", NULL, NULL},
                                 {"enable", NULL, NULL},
                                 {"disable", NULL, NULL}};
    if (!read_map(L, map, where, "pin access", f, NFIELDS(f)))
        return false;
    for (int op = 0; op < EMU_PIN_OP_COUNT; op++)
        if (f[op].value && !rule_value(L, f[op].value, df, &pin->access[op]))
            return false;
    return true;
}

/* The data objects' `access`: {read, update}, resolved from the MF (data objects belong to the
 * card, not to a DF). */
static bool parse_do_access(loader *L)
{
    emu_fs *fs = &L->p->fs;
    for (uint16_t i = 0; i < fs->do_count; i++) {
        if (!L->do_access[i])
            continue;
        field f[] = {{"read", NULL, NULL}, {"update", NULL, NULL}};
        if (!read_map(L, L->do_access[i], L->do_access_key[i], "data object access", f, NFIELDS(f)))
            return false;
        for (unsigned k = 0; k < 2; k++) {
            unsigned slot = k == 0 ? EMU_DO_READ : EMU_DO_UPDATE;
            if (!f[k].value)
                continue;
            if (!rule_value(L, f[k].value, 0, &fs->dos[i].access[slot]))
                return false;
            fs->dos[i].access_set |= (uint8_t)(1u << slot);
        }
    }
    return true;
}

/* The `pins` of a DF. */
static bool parse_pins(loader *L, struct fy_node *seq, uint16_t df)
{
    if (fy_node_get_type(seq) != FYNT_SEQUENCE)
        return fail(L, seq, NO_OFFSET, "pins must be a sequence of PIN objects");
    uint16_t first = L->p->pins.count;
    struct fy_node *later[EMU_MAX_PINS][4];
    memset(later, 0, sizeof later);
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
        uint16_t idx = L->p->pins.count;
        if (idx >= EMU_MAX_PINS)
            return fail(L, item, NO_OFFSET, "too many PINs (at most %d)", EMU_MAX_PINS);
        if (!parse_pin(L, item, seq, df, later[idx]))
            return false;
    }
    for (uint16_t i = first; i < L->p->pins.count; i++) {
        emu_pin *pin = &L->p->pins.pins[i];
        struct fy_node *rb = later[i][0];
        if (rb) {
            const char *s;
            size_t len;
            if (!scalar(L, rb, "reset_by", &s, &len))
                return false;
            int idx = pin_token(L, df, s, len);
            if (idx == EMU_PIN_NO_INDEX || idx == i)
                return fail(L, rb, NO_OFFSET, "reset_by: not another PIN visible here");
            pin->reset_by = (int16_t)idx;
        }
        if (later[i][1] && !rule_value(L, later[i][1], df, &pin->unblock))
            return false;
        if (later[i][2] && !parse_pin_access(L, later[i][2], later[i][3], df, pin))
            return false;
    }
    return true;
}

static bool parse_file(loader *L, struct fy_node *map, struct fy_node *where, uint16_t parent,
                       uint8_t depth);
static bool parse_keys(loader *L, struct fy_node *seq, uint16_t df);
static bool lcs_value(loader *L, struct fy_node *n, uint8_t *out);

static bool parse_children(loader *L, struct fy_node *seq, uint16_t self, uint8_t depth)
{
    if (fy_node_get_type(seq) != FYNT_SEQUENCE)
        return fail(L, seq, NO_OFFSET, "children must be a sequence of files");
    void *it = NULL;
    struct fy_node *item;
    uint16_t last = EMU_NONE;
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
        uint16_t idx = L->p->fs.count;
        if (!parse_file(L, item, seq, self, depth))
            return false;
        emu_file *files = L->p->fs.files;
        if (last == EMU_NONE)
            files[self].first_child = idx;
        else
            files[last].next_sibling = idx;
        last = idx;
    }
    return true;
}

static const char *structure_name(emu_ef_structure s)
{
    switch (s) {
    case EMU_EF_TRANSPARENT:
        return "transparent";
    case EMU_EF_LINEAR_FIXED:
        return "linear_fixed";
    case EMU_EF_LINEAR_VARIABLE:
        return "linear_variable";
    case EMU_EF_CYCLIC:
        return "cyclic";
    }
    return "?";
}

/* Checks a new node against its earlier siblings (FID, SFI) and every DF (AID). */
static bool check_unique(loader *L, uint16_t idx, field *f, size_t nf)
{
    const emu_file *files = L->p->fs.files, *me = &files[idx];
    if (me->parent == EMU_NONE)
        return true;
    for (uint16_t s = files[me->parent].first_child; s != EMU_NONE; s = files[s].next_sibling) {
        if (me->has_fid && files[s].has_fid && files[s].fid == me->fid)
            return fail(L, get(f, nf, "fid"), NO_OFFSET, "duplicate fid %04X in this DF", me->fid);
        if (me->sfi && files[s].sfi == me->sfi)
            return fail(L, get(f, nf, "sfi"), NO_OFFSET, "duplicate sfi %u in this DF", me->sfi);
    }
    if (me->aid_len)
        for (uint16_t i = 0; i < idx; i++)
            if (files[i].aid_len == me->aid_len && memcmp(files[i].aid, me->aid, me->aid_len) == 0)
                return fail(L, get(f, nf, "aid"), NO_OFFSET, "duplicate aid on this card");
    return true;
}

static bool parse_file(loader *L, struct fy_node *map, struct fy_node *where, uint16_t parent,
                       uint8_t depth)
{
    field f[] = {
        {"fid", NULL, NULL},          {"type", NULL, NULL},        {"structure", NULL, NULL},
        {"sfi", NULL, NULL},          {"aid", NULL, NULL},         {"label", NULL, NULL},
        {"children", NULL, NULL},     {"data", NULL, NULL},        {"data_file", NULL, NULL},
        {"data_pattern", NULL, NULL}, {"data_text", NULL, NULL},   {"size", NULL, NULL},
        {"records", NULL, NULL},      {"record_size", NULL, NULL}, {"max_records", NULL, NULL},
        {"life_cycle", NULL, NULL},   {"pins", NULL, NULL},        {"access", NULL, NULL},
        {"keys", NULL, NULL}};
    bool is_mf = parent == EMU_NONE;
    if (!read_map(L, map, where, is_mf ? "files (the MF)" : "file", f, NFIELDS(f)))
        return false;
    if (!is_mf && fy_node_mapping_item_count(map) == 0)
        return fail(L, where, NO_OFFSET, "empty file entry");
    if (L->p->fs.count >= EMU_MAX_FILES)
        return fail(L, map, NO_OFFSET, "too many files (at most %d)", EMU_MAX_FILES);
    uint16_t idx = L->p->fs.count++;
    emu_file *file = &L->p->fs.files[idx];
    memset(file, 0, sizeof *file);
    default_access(file);
    file->parent = parent;
    file->first_child = EMU_NONE;
    file->next_sibling = EMU_NONE;
    file->depth = depth;
    file->lcs = EMU_LCS_ACTIVATED;
    if (GET("life_cycle") && !lcs_value(L, GET("life_cycle"), &file->lcs))
        return false;

    emu_file_type type = EMU_FILE_DF;
    if (GET("type")) {
        if (keyword(GET("type"), "df"))
            type = EMU_FILE_DF;
        else if (keyword(GET("type"), "ef"))
            type = EMU_FILE_EF;
        else
            return fail(L, GET("type"), NO_OFFSET, "type must be 'df' or 'ef'");
    } else if (!is_mf) {
        return fail(L, map, NO_OFFSET, "missing key 'type' (df or ef)");
    }
    if (is_mf && type != EMU_FILE_DF)
        return fail(L, GET("type"), NO_OFFSET, "the MF is a df");
    file->type = type;

    if (GET("fid")) {
        if (!fid_value(L, GET("fid"), &file->fid))
            return false;
        file->has_fid = true;
        if (is_mf && file->fid != 0x3F00)
            return fail(L, GET("fid"), NO_OFFSET, "the MF's fid is 3F00");
        if (!is_mf && (file->fid == 0x3F00 || file->fid == 0x3FFF || file->fid == 0xFFFF))
            return fail(L, GET("fid"), NO_OFFSET, "fid %04X is reserved", file->fid);
        if (!is_mf && L->p->fs.files[parent].has_fid && L->p->fs.files[parent].fid == file->fid)
            return fail(L, GET("fid"), NO_OFFSET, "fid %04X equals its parent DF's fid", file->fid);
    } else if (is_mf) {
        file->fid = 0x3F00;
        file->has_fid = true;
    } else if (type == EMU_FILE_EF || !GET("aid")) {
        return fail(L, map, NO_OFFSET, "missing key 'fid'%s",
                    type == EMU_FILE_DF ? " (a df needs fid or aid)" : "");
    }

    if (type == EMU_FILE_DF) {
        static const char *const ef_keys[] = {"structure",   "sfi",          "data", "data_text",
                                              "data_file",   "data_pattern", "size", "records",
                                              "record_size", "max_records"};
        for (size_t i = 0; i < NFIELDS(ef_keys); i++)
            if (GET(ef_keys[i]))
                return fail(L, GET_KEY(ef_keys[i]), NO_OFFSET, "key '%s' is for EFs, not DFs",
                            ef_keys[i]);
        if (depth > EMU_MAX_DEPTH)
            return fail(L, map, NO_OFFSET, "DFs nested deeper than %d levels below the MF",
                        EMU_MAX_DEPTH);
        if (GET("aid")) {
            size_t len;
            if (!hex(L, GET("aid"), "aid", file->aid, sizeof file->aid, &len))
                return false;
            if (len < 1)
                return fail(L, GET("aid"), NO_OFFSET, "aid must be 1 to 16 bytes");
            file->aid_len = (uint8_t)len;
        }
        if (GET("label") && !text_value(L, GET("label"), "label", &file->label))
            return false;
        if (!check_unique(L, idx, f, NFIELDS(f)))
            return false;
        if (GET("pins") && !parse_pins(L, GET("pins"), idx))
            return false;
        if (GET("access") && !parse_access(L, GET("access"), GET_KEY("access"), idx))
            return false;
        if (GET("keys") && !parse_keys(L, GET("keys"), idx))
            return false;
        if (GET("children"))
            return parse_children(L, GET("children"), idx, (uint8_t)(depth + 1));
        return true;
    }

    static const char *const df_keys[] = {"aid", "label", "children"};
    for (size_t i = 0; i < NFIELDS(df_keys); i++)
        if (GET(df_keys[i]))
            return fail(L, GET_KEY(df_keys[i]), NO_OFFSET, "key '%s' is for DFs, not EFs",
                        df_keys[i]);
    file->structure = EMU_EF_TRANSPARENT;
    if (GET("structure")) {
        static const emu_ef_structure all[] = {EMU_EF_TRANSPARENT, EMU_EF_LINEAR_FIXED,
                                               EMU_EF_LINEAR_VARIABLE, EMU_EF_CYCLIC};
        size_t i = 0;
        while (i < NFIELDS(all) && !keyword(GET("structure"), structure_name(all[i])))
            i++;
        if (i == NFIELDS(all))
            return fail(L, GET("structure"), NO_OFFSET,
                        "structure must be transparent, linear_fixed, linear_variable or cyclic");
        file->structure = all[i];
    }
    if (GET("sfi")) {
        unsigned long sfi;
        if (!uint_value(L, GET("sfi"), "sfi", 1, 30, &sfi))
            return false;
        file->sfi = (uint8_t)sfi;
    }
    if (!check_unique(L, idx, f, NFIELDS(f)))
        return false;
    if (GET("pins"))
        return fail(L, GET_KEY("pins"), NO_OFFSET, "key 'pins' is for DFs, not EFs");
    if (GET("keys"))
        return fail(L, GET_KEY("keys"), NO_OFFSET, "key 'keys' is for DFs, not EFs");
    if (GET("access") && !parse_access(L, GET("access"), GET_KEY("access"), idx))
        return false;
    if (file->structure == EMU_EF_TRANSPARENT)
        return parse_transparent(L, file, f, NFIELDS(f));
    return parse_records(L, file, f, NFIELDS(f));
}

/* life_cycle: the file's state after personalisation (7816-4 table 13). */
static bool lcs_value(loader *L, struct fy_node *n, uint8_t *out)
{
    static const struct {
        const char *name;
        uint8_t lcs;
    } all[] = {{"creation", EMU_LCS_CREATION},
               {"initialisation", EMU_LCS_INITIALISATION},
               {"activated", EMU_LCS_ACTIVATED},
               {"deactivated", EMU_LCS_DEACTIVATED},
               {"terminated", EMU_LCS_TERMINATED}};
    for (size_t i = 0; i < NFIELDS(all); i++)
        if (keyword(n, all[i].name)) {
            *out = all[i].lcs;
            return true;
        }
    return fail(L, n, NO_OFFSET,
                "life_cycle must be creation, initialisation, activated, deactivated or "
                "terminated");
}

static bool bool_value(loader *L, struct fy_node *n, const char *what, bool *out)
{
    if (keyword(n, "true") || keyword(n, "yes") || keyword(n, "on")) {
        *out = true;
        return true;
    }
    if (keyword(n, "false") || keyword(n, "no") || keyword(n, "off")) {
        *out = false;
        return true;
    }
    return fail(L, n, NO_OFFSET, "%s must be true or false", what);
}

void emu_transport_defaults(emu_transport *tp)
{
    tp->t0 = false;
    tp->extended = true;
    tp->chaining = false;
    tp->channels = 1;
    tp->max_command = 65535;
    tp->max_response = 65536;
}

/* transport: {protocol, extended_length, max_command, max_response, chaining, channels} */
static bool parse_transport(loader *L, struct fy_node *map, struct fy_node *where)
{
    field f[] = {{"protocol", NULL, NULL},    {"extended_length", NULL, NULL},
                 {"max_command", NULL, NULL}, {"max_response", NULL, NULL},
                 {"chaining", NULL, NULL},    {"channels", NULL, NULL}};
    emu_transport *tp = &L->p->tp;
    if (!read_map(L, map, where, "transport", f, NFIELDS(f)))
        return false;
    if (GET("protocol")) {
        if (keyword(GET("protocol"), "t0"))
            tp->t0 = true;
        else if (keyword(GET("protocol"), "t1"))
            tp->t0 = false;
        else
            return fail(L, GET("protocol"), NO_OFFSET, "protocol must be t0 or t1");
    }
    if (GET("extended_length") &&
        !bool_value(L, GET("extended_length"), "extended_length", &tp->extended))
        return false;
    if (GET("chaining") && !bool_value(L, GET("chaining"), "chaining", &tp->chaining))
        return false;
    unsigned long v;
    if (GET("channels")) {
        if (!uint_value(L, GET("channels"), "channels", 1, 20, &v))
            return false;
        tp->channels = (uint8_t)v;
    }
    /* a chain carries more than one short command: its whole Nc may exceed 255 */
    unsigned long max_c = tp->extended || tp->chaining ? 65535 : 255;
    unsigned long max_r = tp->extended ? 65536 : 256;
    tp->max_command = max_c;
    tp->max_response = max_r;
    if (GET("max_command")) {
        if (!uint_value(L, GET("max_command"), "max_command", 1, max_c, &v))
            return false;
        tp->max_command = v;
    }
    if (GET("max_response")) {
        if (!uint_value(L, GET("max_response"), "max_response", 1, max_r, &v))
            return false;
        tp->max_response = v;
    }
    return true;
}

/* data_objects: [{tag: "5F20", value: "...", max_size: n}] */
static bool parse_data_objects(loader *L, struct fy_node *seq)
{
    if (fy_node_get_type(seq) != FYNT_SEQUENCE)
        return fail(L, seq, NO_OFFSET, "data_objects must be a sequence");
    int n = fy_node_sequence_item_count(seq);
    if (n > EMU_MAX_DATA_OBJECTS)
        return fail(L, seq, NO_OFFSET, "too many data objects (at most %d)", EMU_MAX_DATA_OBJECTS);
    if (n <= 0)
        return true;
    emu_fs *fs = &L->p->fs;
    fs->dos = calloc((size_t)n, sizeof *fs->dos);
    if (!fs->dos)
        return fail(L, seq, NO_OFFSET, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
        field f[] = {{"tag", NULL, NULL},
                     {"value", NULL, NULL},
                     {"max_size", NULL, NULL},
                     {"access", NULL, NULL}};
        if (!read_map(L, item, seq, "data object", f, NFIELDS(f)))
            return false;
        if (!GET("tag"))
            return fail(L, item, NO_OFFSET, "missing key 'tag'");
        uint8_t t[3];
        size_t tl;
        if (!hex(L, GET("tag"), "tag", t, sizeof t, &tl))
            return false;
        /* a BER-TLV tag: 1 byte (low bits not 1F), or 1F-form with its subsequent bytes */
        bool ok = tl >= 1 && ((t[0] & 0x1F) != 0x1F ? tl == 1
                                                    : tl >= 2 && (t[tl - 1] & 0x80) == 0 &&
                                                          (tl == 2 || (t[1] & 0x80)));
        if (!ok || t[0] == 0x00 || t[0] == 0xFF)
            return fail(L, GET("tag"), NO_OFFSET, "tag must be a valid BER-TLV tag of 1..3 bytes");
        uint32_t tag = 0;
        for (size_t i = 0; i < tl; i++)
            tag = tag << 8 | t[i];
        if (emu_fs_find_do(fs, tag))
            return fail(L, GET("tag"), NO_OFFSET, "duplicate data object tag");
        emu_dobj *d = &fs->dos[fs->do_count];
        d->tag = tag;
        uint8_t *val = malloc(EMU_MAX_DO_SIZE);
        if (!val)
            return fail(L, item, NO_OFFSET, "out of memory");
        size_t vl = 0;
        if (GET("value") && !hex(L, GET("value"), "value", val, EMU_MAX_DO_SIZE, &vl)) {
            free(val);
            return false;
        }
        unsigned long cap = vl > 255 ? vl : 255;
        if (GET("max_size") &&
            !uint_value(L, GET("max_size"), "max_size", vl ? vl : 1, EMU_MAX_DO_SIZE, &cap)) {
            free(val);
            return false;
        }
        if (!add_total(L, item, cap)) {
            free(val);
            return false;
        }
        d->value = val;
        d->len = (uint16_t)vl;
        d->cap = (uint16_t)cap;
        L->do_access[fs->do_count] = GET("access");
        L->do_access_key[fs->do_count] = GET_KEY("access");
        fs->do_count++;
    }
    return true;
}

/* ---- keys (docs/profile.md, "Keys") ---- */

/* Key material from bytes: PEM (private key, else public key) or DER (likewise). */
static EVP_PKEY *pkey_from_bytes(const uint8_t *b, size_t len, bool *public_only)
{
    EVP_PKEY *pkey = NULL;
    *public_only = false;
    if (len > INT32_MAX)
        return NULL;
    if (len >= 10 && memcmp(b, "-----BEGIN", 10) == 0) {
        BIO *bio = BIO_new_mem_buf(b, (int)len);
        if (bio)
            pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!pkey && (bio = BIO_new_mem_buf(b, (int)len)) != NULL) {
            pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
            *public_only = pkey != NULL;
            BIO_free(bio);
        }
    } else {
        const unsigned char *p = b;
        pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
        if (pkey && p != b + len) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
        if (!pkey) {
            p = b;
            pkey = d2i_PUBKEY(NULL, &p, (long)len);
            if (pkey && p != b + len) {
                EVP_PKEY_free(pkey);
                pkey = NULL;
            }
            *public_only = pkey != NULL;
        }
    }
    ERR_clear_error();
    return pkey;
}

/* A certificate file (DER or PEM) into k->cert as DER; its public key must be the key's. */
static bool parse_certificate(loader *L, struct fy_node *n, emu_key *k)
{
    uint8_t *b = NULL;
    size_t len = 0;
    const char *text;
    size_t tlen;
    if (!scalar(L, n, "certificate", &text, &tlen))
        return false;
    if (tlen >= 27 && memcmp(text, "-----BEGIN CERTIFICATE-----", 27) == 0) {
        /* inline PEM: the profile stays self-contained when copied elsewhere */
        if (tlen > 4 * EMU_KEY_MAX_CERT || !(b = malloc(tlen)))
            return fail(L, n, NO_OFFSET, "certificate: too long");
        memcpy(b, text, tlen);
        len = tlen;
    } else if (!read_file_value(L, n, "certificate", &b, &len)) {
        return false;
    }
    X509 *x = NULL;
    if (len >= 10 && memcmp(b, "-----BEGIN", 10) == 0) {
        BIO *bio = BIO_new_mem_buf(b, (int)len);
        if (bio)
            x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
    } else {
        const unsigned char *p = b;
        x = d2i_X509(NULL, &p, (long)len);
        if (x && p != b + len) {
            X509_free(x);
            x = NULL;
        }
    }
    free(b);
    ERR_clear_error();
    if (!x)
        return fail(L, n, NO_OFFSET, "certificate: not an X.509 certificate (DER or PEM)");
    int dl = i2d_X509(x, NULL);
    bool same = k->pkey && EVP_PKEY_eq(X509_get0_pubkey(x), k->pkey) == 1;
    if (dl <= 0 || dl > EMU_KEY_MAX_CERT) {
        X509_free(x);
        return fail(L, n, NO_OFFSET, "certificate: larger than %d bytes", EMU_KEY_MAX_CERT);
    }
    if (!same) {
        X509_free(x);
        return fail(L, n, NO_OFFSET, "certificate: its public key is not this key's");
    }
    k->cert = malloc((size_t)dl);
    unsigned char *p = k->cert;
    if (!k->cert || i2d_X509(x, &p) != dl) {
        X509_free(x);
        return fail(L, n, NO_OFFSET, "out of memory");
    }
    X509_free(x);
    k->cert_len = (uint16_t)dl;
    return true;
}

static const struct {
    const char *name;
    uint32_t bit;
    uint8_t types; /* 1 << emu_key_type allowed */
} key_usages[] = {
    {"sign", EMU_KEY_SIGN, 1u << EMU_KEY_RSA | 1u << EMU_KEY_EC},
    {"verify", EMU_KEY_VERIFY, 1u << EMU_KEY_RSA | 1u << EMU_KEY_EC},
    {"decrypt", EMU_KEY_DECRYPT, 1u << EMU_KEY_RSA | 1u << EMU_KEY_AES},
    {"encrypt", EMU_KEY_ENCRYPT, 1u << EMU_KEY_RSA | 1u << EMU_KEY_AES},
    {"derive", EMU_KEY_DERIVE, 1u << EMU_KEY_EC},
    {"internal_auth", EMU_KEY_INT_AUTH, 1u << EMU_KEY_RSA | 1u << EMU_KEY_EC | 1u << EMU_KEY_AES},
    {"external_auth", EMU_KEY_EXT_AUTH, 1u << EMU_KEY_AES},
    {"mac", EMU_KEY_MAC, 1u << EMU_KEY_AES},
    {"generate", EMU_KEY_GENERATE, 1u << EMU_KEY_RSA | 1u << EMU_KEY_EC},
};

static bool parse_usage(loader *L, struct fy_node *seq, emu_key *k)
{
    if (fy_node_get_type(seq) != FYNT_SEQUENCE)
        return fail(L, seq, NO_OFFSET, "usage must be a list");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
        size_t i = 0;
        while (i < NFIELDS(key_usages) && !keyword(item, key_usages[i].name))
            i++;
        if (i == NFIELDS(key_usages))
            return fail(L, item, NO_OFFSET,
                        "usage: one of sign, verify, decrypt, encrypt, derive, internal_auth, "
                        "external_auth, mac, generate");
        if (!(key_usages[i].types & (1u << k->type)))
            return fail(L, item, NO_OFFSET, "usage '%s' does not fit a key of this type",
                        key_usages[i].name);
        k->usage |= key_usages[i].bit;
    }
    return true;
}

static bool parse_algorithms(loader *L, struct fy_node *seq, emu_key *k)
{
    if (fy_node_get_type(seq) != FYNT_SEQUENCE)
        return fail(L, seq, NO_OFFSET, "algorithms must be a list");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL) {
        const char *s;
        size_t len;
        if (!scalar(L, item, "algorithm", &s, &len))
            return false;
        const emu_alg *a = emu_alg_by_name(s, len);
        unsigned long v;
        if (!a && len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            if (!uint_value(L, item, "algorithm", 1, 255, &v))
                return false;
            a = emu_alg_by_ref((uint8_t)v);
        }
        if (!a)
            return fail(L, item, NO_OFFSET, "unknown algorithm (see docs/profile.md, \"Keys\")");
        if (a->key_type != k->type)
            return fail(L, item, NO_OFFSET, "algorithm '%s' does not fit a key of this type",
                        a->name);
        for (uint8_t i = 0; i < k->alg_count; i++)
            if (k->algs[i] == a->ref)
                return fail(L, item, NO_OFFSET, "algorithm '%s' listed twice", a->name);
        if (k->alg_count >= EMU_KEY_MAX_ALGS)
            return fail(L, item, NO_OFFSET, "at most %d algorithms per key", EMU_KEY_MAX_ALGS);
        k->algs[k->alg_count++] = a->ref;
    }
    return true;
}

/* Inline `key`: PEM text, or hex (DER for RSA / EC, the secret for AES). */
static bool parse_key_value(loader *L, struct fy_node *n, bool from_file, emu_key *k)
{
    uint8_t *b = NULL;
    size_t len = 0;
    if (from_file) {
        if (!read_file_value(L, n, "key_file", &b, &len))
            return false;
    } else {
        const char *s;
        size_t slen;
        if (!scalar(L, n, "key", &s, &slen))
            return false;
        if (slen >= 10 && memcmp(s, "-----BEGIN", 10) == 0) {
            b = malloc(slen);
            if (!b)
                return fail(L, n, NO_OFFSET, "out of memory");
            memcpy(b, s, slen);
            len = slen;
        } else {
            size_t cap = slen / 2 + 1;
            b = malloc(cap);
            if (!b)
                return fail(L, n, NO_OFFSET, "out of memory");
            if (!hex(L, n, "key", b, cap, &len)) {
                free(b);
                return false;
            }
        }
    }
    bool ok = true;
    if (k->type == EMU_KEY_AES) {
        if (len != 16 && len != 32)
            ok = fail(L, n, NO_OFFSET, "an AES key is 16 or 32 bytes");
        else if (k->bits && k->bits != len * 8)
            ok = fail(L, n, NO_OFFSET, "the key is AES-%zu, not AES-%u", len * 8, k->bits);
        else {
            memcpy(k->secret, b, len);
            k->secret_len = (uint8_t)len;
            k->bits = (uint16_t)(len * 8);
        }
    } else {
        emu_key d = *k;
        EVP_PKEY *pkey = pkey_from_bytes(b, len, &k->public_only);
        if (!pkey)
            ok = fail(L, n, NO_OFFSET, "not a key in PEM or DER (PKCS#8, PKCS#1, SEC1, SPKI)");
        else if (!emu_key_describe(pkey, &d) || d.type != k->type)
            ok = fail(L, n, NO_OFFSET,
                      "the key is not of the given type, or not RSA 2048/3072/4096 or EC "
                      "P-256/384/521");
        else if ((k->bits && d.bits != k->bits) || (k->curve_nid && d.curve_nid != k->curve_nid))
            ok = fail(L, n, NO_OFFSET, "the key's size or curve differs from size / curve");
        if (ok) {
            k->pkey = pkey;
            k->bits = d.bits;
            k->curve_nid = d.curve_nid;
        } else {
            EVP_PKEY_free(pkey);
        }
    }
    OPENSSL_cleanse(b, len);
    free(b);
    return ok;
}

static bool parse_key(loader *L, struct fy_node *map, struct fy_node *where, uint16_t df)
{
    field f[] = {{"ref", NULL, NULL},         {"label", NULL, NULL},
                 {"id", NULL, NULL},          {"type", NULL, NULL},
                 {"size", NULL, NULL},        {"curve", NULL, NULL},
                 {"key", NULL, NULL},         {"key_file", NULL, NULL},
                 {"generate", NULL, NULL},    {"usage", NULL, NULL},
                 {"algorithms", NULL, NULL},  {"access", NULL, NULL},
                 {"certificate", NULL, NULL}, {"certificate_label", NULL, NULL}};
    if (!read_map(L, map, where, "key", f, NFIELDS(f)))
        return false;
    emu_key_table *t = &L->p->keys;
    if (t->count >= EMU_MAX_KEYS)
        return fail(L, map, NO_OFFSET, "too many keys (at most %d)", EMU_MAX_KEYS);
    emu_key *k = &t->keys[t->count];
    memset(k, 0, sizeof *k);
    k->owner = df;
    k->access[EMU_KEY_OP_GENERATE].kind = EMU_RULE_NEVER;
    static const char *const required[] = {"ref", "type", "usage"};
    for (size_t i = 0; i < NFIELDS(required); i++)
        if (!GET(required[i]))
            return fail(L, map, NO_OFFSET, "missing key '%s' in key", required[i]);
    unsigned long v;
    if (!uint_value(L, GET("ref"), "ref", 0x01, 0x9F, &v) || (v & 0x60) || (v & 0x1F) == 0)
        return fail(L, GET("ref"), NO_OFFSET,
                    "ref must be 0x01..0x1F (global) or 0x81..0x9F (DF-specific)");
    k->ref = (uint8_t)v;
    if (!(k->ref & 0x80) && df != 0)
        return fail(L, GET("ref"), NO_OFFSET, "a global reference (b8 = 0) belongs to the MF");
    for (uint16_t i = 0; i < t->count; i++)
        if (t->keys[i].owner == df && t->keys[i].ref == k->ref)
            return fail(L, GET("ref"), NO_OFFSET, "duplicate key reference in this DF");
    /* count the slot now: from here on emu_profile_free releases what it holds */
    t->count++;
    if (keyword(GET("type"), "rsa"))
        k->type = EMU_KEY_RSA;
    else if (keyword(GET("type"), "ec"))
        k->type = EMU_KEY_EC;
    else if (keyword(GET("type"), "aes"))
        k->type = EMU_KEY_AES;
    else
        return fail(L, GET("type"), NO_OFFSET, "type must be rsa, ec or aes");
    if (GET("size")) {
        if (k->type == EMU_KEY_EC)
            return fail(L, GET_KEY("size"), NO_OFFSET, "an EC key takes 'curve', not 'size'");
        if (!uint_value(L, GET("size"), "size", 128, 4096, &v) ||
            (k->type == EMU_KEY_RSA ? v != 2048 && v != 3072 && v != 4096 : v != 128 && v != 256))
            return fail(L, GET("size"), NO_OFFSET, "size must be %s",
                        k->type == EMU_KEY_RSA ? "2048, 3072 or 4096" : "128 or 256");
        k->bits = (uint16_t)v;
    }
    if (GET("curve")) {
        if (k->type != EMU_KEY_EC)
            return fail(L, GET_KEY("curve"), NO_OFFSET, "'curve' is for EC keys");
        static const struct {
            const char *name;
            int nid;
            uint16_t bits;
        } curves[] = {{"p256", NID_X9_62_prime256v1, 256},
                      {"p384", NID_secp384r1, 384},
                      {"p521", NID_secp521r1, 521}};
        size_t i = 0;
        while (i < NFIELDS(curves) && !keyword(GET("curve"), curves[i].name))
            i++;
        if (i == NFIELDS(curves))
            return fail(L, GET("curve"), NO_OFFSET, "curve must be p256, p384 or p521");
        k->curve_nid = curves[i].nid;
        k->bits = curves[i].bits;
    }
    if (GET("label")) {
        const char *s;
        size_t len;
        if (!scalar(L, GET("label"), "label", &s, &len))
            return false;
        if (len > EMU_KEY_LABEL_MAX || memchr(s, 0, len))
            return fail(L, GET("label"), NO_OFFSET, "label: at most %d bytes, no NUL",
                        EMU_KEY_LABEL_MAX);
        memcpy(k->label, s, len);
    }
    if (GET("id")) {
        size_t len;
        if (!hex(L, GET("id"), "id", k->id, sizeof k->id, &len))
            return false;
        if (len == 0)
            return fail(L, GET("id"), NO_OFFSET, "id: 1..%d bytes", EMU_KEY_ID_MAX);
        k->id_len = (uint8_t)len;
        k->id_given = true;
    }
    int sources = (GET("key") != NULL) + (GET("key_file") != NULL) + (GET("generate") != NULL);
    if (sources > 1)
        return fail(L, map, NO_OFFSET, "give only one of key, key_file, generate");
    if (GET("key") && !parse_key_value(L, GET("key"), false, k))
        return false;
    if (GET("key_file") && !parse_key_value(L, GET("key_file"), true, k))
        return false;
    if (GET("generate")) {
        bool gen;
        if (!bool_value(L, GET("generate"), "generate", &gen))
            return false;
        k->generate_at_start = gen;
    }
    if (emu_key_empty(k)) {
        /* an empty slot or one generated at first start: its size must be known */
        if (k->type == EMU_KEY_RSA && !k->bits)
            k->bits = 2048;
        if (k->type == EMU_KEY_EC && !k->curve_nid) {
            k->curve_nid = NID_X9_62_prime256v1;
            k->bits = 256;
        }
        if (k->type == EMU_KEY_AES && !k->bits)
            k->bits = 128;
    }
    if (!parse_usage(L, GET("usage"), k))
        return false;
    if (k->public_only && (k->usage & ~(uint32_t)(EMU_KEY_VERIFY | EMU_KEY_ENCRYPT)))
        return fail(L, GET("usage"), NO_OFFSET, "a public key can only verify and encrypt");
    if (GET("algorithms")) {
        if (!parse_algorithms(L, GET("algorithms"), k))
            return false;
    } else {
        size_t n;
        const emu_alg *all = emu_alg_table(&n);
        for (size_t i = 0; i < n && k->alg_count < EMU_KEY_MAX_ALGS; i++)
            if (all[i].key_type == k->type)
                k->algs[k->alg_count++] = all[i].ref;
    }
    if (GET("access")) {
        field af[EMU_KEY_OP_COUNT] = {{"use", NULL, NULL}, {"generate", NULL, NULL}};
        if (!read_map(L, GET("access"), GET_KEY("access"), "key access", af, NFIELDS(af)))
            return false;
        for (int op = 0; op < EMU_KEY_OP_COUNT; op++)
            if (af[op].value && !rule_value(L, af[op].value, df, &k->access[op]))
                return false;
    }
    if ((k->usage & EMU_KEY_GENERATE) && k->access[EMU_KEY_OP_GENERATE].kind == EMU_RULE_NEVER)
        return fail(L, GET("usage"), NO_OFFSET,
                    "usage 'generate' needs access: {generate: ...} other than never");
    if (GET("certificate")) {
        if (emu_key_empty(k))
            return fail(L, GET_KEY("certificate"), NO_OFFSET,
                        "a certificate needs the key itself (key or key_file)");
        if (!parse_certificate(L, GET("certificate"), k))
            return false;
    }
    if (GET("certificate_label")) {
        const char *s;
        size_t len;
        if (!GET("certificate"))
            return fail(L, GET_KEY("certificate_label"), NO_OFFSET,
                        "certificate_label needs certificate");
        if (!scalar(L, GET("certificate_label"), "certificate_label", &s, &len))
            return false;
        if (len > EMU_KEY_LABEL_MAX || memchr(s, 0, len))
            return fail(L, GET("certificate_label"), NO_OFFSET,
                        "certificate_label: at most %d bytes, no NUL", EMU_KEY_LABEL_MAX);
        memcpy(k->cert_label, s, len);
    }
    emu_key_derive_id(k);
    return true;
}

/* The `keys` of a DF (after its `pins`, whose names the access rules may use). */
static bool parse_keys(loader *L, struct fy_node *seq, uint16_t df)
{
    if (fy_node_get_type(seq) != FYNT_SEQUENCE)
        return fail(L, seq, NO_OFFSET, "keys must be a sequence of key objects");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL)
        if (!parse_key(L, item, seq, df))
            return false;
    return true;
}

const emu_transport *emu_profile_transport(const emu_profile *profile)
{
    return &profile->tp;
}

/* ---- document ---- */

static bool parse_root(loader *L, struct fy_node *root)
{
    field f[] = {{"atr", NULL, NULL},   {"label", NULL, NULL},     {"serial", NULL, NULL},
                 {"files", NULL, NULL}, {"transport", NULL, NULL}, {"data_objects", NULL, NULL},
                 {"pkcs15", NULL, NULL}};
    if (!read_map(L, root, NULL, "the profile", f, NFIELDS(f)))
        return false;
    emu_transport_defaults(&L->p->tp);
    if (GET("transport") && !parse_transport(L, GET("transport"), GET_KEY("transport")))
        return false;
    if (GET("data_objects") && !parse_data_objects(L, GET("data_objects")))
        return false;
    if (!GET("atr"))
        return fail(L, root, NO_OFFSET, "missing key 'atr'");
    if (!GET("files"))
        return fail(L, root, NO_OFFSET, "missing key 'files'");
    if (!hex(L, GET("atr"), "atr", L->p->atr, sizeof L->p->atr, &L->p->atr_len))
        return false;
    const char *why = atr_problem(L->p->atr, L->p->atr_len);
    if (why)
        return fail(L, GET("atr"), NO_OFFSET, "atr: %s", why);
    if (GET("label") && !text_value(L, GET("label"), "label", &L->p->label))
        return false;
    if (GET("serial") && !text_value(L, GET("serial"), "serial", &L->p->serial))
        return false;
    if (!parse_file(L, GET("files"), GET_KEY("files"), EMU_NONE, 0) || !parse_do_access(L))
        return false;
    if (GET("pkcs15") && !bool_value(L, GET("pkcs15"), "pkcs15", &L->p->pkcs15))
        return false;
    const char *p15 = L->p->pkcs15 ? emu_p15_problem(&L->p->fs) : NULL;
    if (p15)
        return fail(L, GET("pkcs15"), NO_OFFSET, "pkcs15: %s", p15);
    /* after the files, so that a profile's first structural error is the one reported */
    return check_atr_capabilities(L, GET("atr"));
}

/* Length of the valid UTF-8 sequence at s[0..len), or 0 (RFC 3629: no overlongs, surrogates or
 * code points above U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (n == 0 || n > len)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
}

/* YAML is Unicode text; libfyaml 0.7 loops forever on some invalid UTF-8 (e.g. "%\xff"), so
 * the bytes are checked before it sees them. */
static bool check_text(const char *yaml, size_t len, const char *name, emu_error *err)
{
    const unsigned char *s = (const unsigned char *)yaml;
    int line = 1, column = 1;
    for (size_t i = 0; i < len;) {
        size_t n = s[i] == 0 ? 0 : utf8_char(s + i, len - i);
        if (n == 0) {
            error_at(err, name, line, column, "not valid YAML: %s",
                     s[i] == 0 ? "NUL character" : "invalid UTF-8");
            return false;
        }
        if (s[i] == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        i += n;
    }
    return true;
}

emu_profile *emu_profile_load_buffer(const char *yaml, size_t len, const char *name,
                                     const char *base_dir, emu_error *err)
{
    if (!name)
        name = "<buffer>";
    if (len > EMU_PROFILE_MAX_INPUT) {
        error_at(err, name, 0, 0, "profile larger than %u bytes", EMU_PROFILE_MAX_INPUT);
        return NULL;
    }
    if (!check_text(yaml, len, name, err))
        return NULL;
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = NULL;
    dc.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (!diag) {
        error_at(err, name, 0, 0, "out of memory");
        return NULL;
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg pc = {.search_path = NULL, .flags = FYPCF_QUIET, .diag = diag};
    struct fy_document *doc = fy_document_build_from_string(&pc, yaml, len);
    if (!doc) {
        void *it = NULL;
        struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
        if (e)
            error_at(err, name, e->line, e->column, "not valid YAML: %s", e->msg);
        else
            error_at(err, name, 0, 0, "not a YAML document");
        fy_diag_destroy(diag);
        return NULL;
    }
    emu_profile *p = calloc(1, sizeof *p);
    emu_file *files = calloc(EMU_MAX_FILES, sizeof *files);
    loader L = {.err = err, .name = name, .base_dir = base_dir, .p = p, .total_data = 0};
    if (p)
        p->fingerprint = calloc(1, sizeof *p->fingerprint); /* zero: not claimed, not valid */
    bool ok = p && files && p->fingerprint;
    if (!ok) {
        free(files);
        files = NULL;
        error_at(err, name, 0, 0, "out of memory");
    } else {
        p->fs.files = files;
        struct fy_node *root = fy_document_root(doc);
        if (!root) {
            error_at(err, name, 0, 0, "empty profile");
            ok = false;
        } else {
            ok = parse_root(&L, root);
        }
    }
    fy_document_destroy(doc);
    fy_diag_destroy(diag);
    if (!ok) {
        emu_profile_free(p);
        return NULL;
    }
    /* Give back the unused part of the node table. */
    emu_file *shrunk = realloc(p->fs.files, p->fs.count * sizeof *p->fs.files);
    if (shrunk)
        p->fs.files = shrunk;
    return p;
}

emu_profile *emu_profile_load(const char *path, emu_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        error_at(err, path, 0, 0, "cannot open profile: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > EMU_PROFILE_MAX_INPUT) {
        error_at(err, path, 0, 0, "not a regular file of at most %u bytes", EMU_PROFILE_MAX_INPUT);
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size + 1);
    while (buf && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    int e = errno;
    close(fd);
    if (!buf || got != size) {
        error_at(err, path, 0, 0, "cannot read profile: %s", buf ? strerror(e) : "out of memory");
        free(buf);
        return NULL;
    }
    /* data_file paths are relative to the profile's directory. */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    emu_profile *p = emu_profile_load_buffer(buf, size, path, dir, err);
    free(buf);
    return p;
}

void emu_profile_free(emu_profile *profile)
{
    if (!profile)
        return;
    emu_fs_clear(&profile->fs);
    emu_pin_table_wipe(&profile->pins);
    emu_key_table_clear(&profile->keys);
    free(profile->label);
    free(profile->serial);
    free(profile->fingerprint);
    free(profile);
}

bool emu_profile_cached_fingerprint(const emu_profile *profile, uint8_t *out)
{
    if (!atomic_load_explicit(&profile->fingerprint->valid, memory_order_acquire))
        return false;
    memcpy(out, profile->fingerprint->id, EMU_STATE_FINGERPRINT_LEN);
    return true;
}

void emu_profile_cache_fingerprint(const emu_profile *profile, const uint8_t *id)
{
    struct fingerprint_cache *fp = profile->fingerprint;
    /* one writer, elected by the flag; readers wait for `valid` */
    if (atomic_flag_test_and_set_explicit(&fp->claimed, memory_order_acq_rel))
        return;
    memcpy(fp->id, id, EMU_STATE_FINGERPRINT_LEN);
    atomic_store_explicit(&fp->valid, true, memory_order_release);
}

const uint8_t *emu_profile_atr(const emu_profile *profile, size_t *len)
{
    *len = profile->atr_len;
    return profile->atr;
}

const char *emu_profile_label(const emu_profile *profile)
{
    return profile->label;
}

const char *emu_profile_serial(const emu_profile *profile)
{
    return profile->serial;
}

const emu_fs *emu_profile_fs(const emu_profile *profile)
{
    return &profile->fs;
}

const emu_pin_table *emu_profile_pins(const emu_profile *profile)
{
    return &profile->pins;
}

bool emu_profile_pkcs15(const emu_profile *profile)
{
    return profile->pkcs15;
}

const emu_key_table *emu_profile_keys(const emu_profile *profile)
{
    return &profile->keys;
}

void emu_error_format(const emu_error *err, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    if (err->line > 0)
        snprintf(out, cap, "%s:%d:%d: %s", err->file, err->line, err->column, err->message);
    else
        snprintf(out, cap, "%s: %s", err->file, err->message);
}
