/* sdtrace capture: SELECT-walks a card through PC/SC and writes a profile sdemu can load.
 *
 * Strategy (bounded: at most CAP_MAX_FILES files, CAP_MAX_DEPTH levels):
 * - SELECT the MF by path with FCP (00 A4 08 04, then 00 A4 00 04 02 3F00 as fallback).
 * - Children of each DF are found by SELECT by path (from the MF, so the result never depends on
 *   the current DF) of candidate FIDs: the common ranges 0000-01FF, 1000-10FF, 2F00-2FFF,
 *   4000-40FF, 5000-50FF, 6000-60FF, C000-C0FF, D000-D0FF, E000-E0FF (3F00, 3FFF, FFFF
 *   excluded), plus the DFs of the applications listed in EF.DIR (SELECT by AID; the FCP gives
 *   their FID). A FID outside these ranges is not found.
 * - Transparent EFs: READ BINARY in 256-byte steps up to the FCP size; record EFs: READ RECORD
 *   1..254 until 6A83. A file that answers 6982/6985 keeps its size with zero content and
 *   `read: never` (listed as a substitution).
 * - PINs: an empty VERIFY (00 20 00 ref, never spends a try) for references 01..1F in the MF and
 *   81..9F in each DF; 63Cx gives the tries left, 6983 blocked. PIN values cannot be read: a
 *   placeholder value is written (listed).
 * - Keys: from the 7816-15 description (EF.DIR entry with the PKCS#15 AID, EF.OD 5031, AODF,
 *   PrKDF, PuKDF, SKDF, CDF, DODF; files it names outside the scanned ranges are selected and
 *   read too). Private and secret keys become fresh keys (`generate: true`) of the same type, size,
 *   reference, label, iD, usage and use rule (the AODF PIN the authId names); PuKDF keys without
 *   a private half keep the public key read from the card; certificates stay files and are not
 *   attached to fresh keys. Every substitution is listed.
 * - Not captured (listed in the file): access rules other than "readable or not", data objects,
 *   keys the description does not list, key algorithm lists, transport details beyond the ATR. */
#include "sdtrace_capture.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_apdu.h"
#include "codec_bytes.h"
#include "codec_p15.h"
#include "codec_tlv.h"
#include "px_transport.h"

#define CAP_MAX_FILES 512
#define CAP_MAX_DEPTH 4
#define CAP_MAX_CONTENT 65535
#define CAP_MAX_RECORDS 254
#define CAP_MAX_NOTES 256

typedef struct cap_file {
    uint16_t fid;
    int parent; /* index, -1 for the MF */
    int depth;
    bool df;
    uint8_t fdb; /* file descriptor byte */
    uint8_t aid[16];
    size_t aid_len;
    size_t size;
    uint8_t record_size;
    uint8_t sfi; /* 0: none */
    bool unreadable;
    bool probed;   /* pin_tries is valid */
    uint8_t *data; /* transparent content or records (record_count * rec_len, lengths below) */
    size_t data_len;
    unsigned records;
    uint16_t rec_len[CAP_MAX_RECORDS];
    int pin_tries[32]; /* per reference 01..1F (MF) / 81..9F (DF); -1 none, -2 blocked */
} cap_file;

typedef struct capture {
    px_transport tr;
    uint8_t resp[PX_RESPONSE_MAX];
    size_t resp_len;
    cap_file files[CAP_MAX_FILES];
    int n_files;
    char notes[CAP_MAX_NOTES][160];
    int n_notes;
    unsigned long apdus;
    struct cap_p15 *p15; /* the 7816-15 keys to write (NULL: none) */
} capture;

__attribute__((format(printf, 2, 3))) static void note(capture *c, const char *fmt, ...)
{
    if (c->n_notes < CAP_MAX_NOTES) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->notes[c->n_notes], sizeof c->notes[0], fmt, ap);
        va_end(ap);
        c->n_notes++;
    }
}

/* Sends cmd; returns the SW (0 on a transport failure). */
static uint16_t xmit(capture *c, const uint8_t *cmd, size_t len)
{
    c->resp_len = 0;
    c->apdus++;
    if (c->tr.ops->transmit(c->tr.ctx, cmd, len, c->resp, sizeof c->resp, &c->resp_len) !=
            isoIec23465_Success ||
        c->resp_len < 2)
        return 0;
    c->resp_len -= 2;
    return (uint16_t)(c->resp[c->resp_len] << 8 | c->resp[c->resp_len + 1]);
}

/* Parses an FCP template (62) into f. */
static void parse_fcp(const uint8_t *b, size_t n, cap_file *f)
{
    codec_reader r, in;
    codec_reader_init(&r, b, n);
    uint32_t tag;
    const uint8_t *v;
    size_t len;
    if (!codec_ber_read_tlv(&r, &tag, &v, &len) || (tag != 0x62 && tag != 0x6F))
        return;
    codec_reader_init(&in, v, len);
    while (codec_ber_read_tlv(&in, &tag, &v, &len)) {
        if (tag == 0x82 && len >= 1) {
            f->fdb = v[0];
            f->df = (v[0] & 0x38) == 0x38;
            /* ISO 7816-4 FCP 82: FDB, data coding byte, then the maximum record size on one
             * byte (length 3) or two (length 4 to 6). Records are read with short APDUs, so
             * sizes beyond 255 are capped. */
            unsigned rs = len == 3 ? v[2] : len >= 4 ? (unsigned)(v[2] << 8 | v[3]) : 0;
            f->record_size = (uint8_t)(rs > 255 ? 255 : rs);
        } else if (tag == 0x83 && len == 2) {
            f->fid = (uint16_t)(v[0] << 8 | v[1]);
        } else if ((tag == 0x80 && len >= 1 && len <= 3) || (tag == 0x81 && f->size == 0)) {
            size_t s = 0;
            for (size_t i = 0; i < len && i < 3; i++)
                s = s << 8 | v[i];
            if (tag == 0x80)
                f->size = s;
        } else if (tag == 0x84 && len >= 1 && len <= sizeof f->aid) {
            memcpy(f->aid, v, len);
            f->aid_len = len;
        } else if (tag == 0x88 && len == 1) {
            f->sfi = v[0] >> 3;
        }
    }
}

/* SELECT by path from the MF of file index `parent`'s path + fid (parent -1: the MF itself).
 * Returns the SW. */
static uint16_t select_path(capture *c, int parent, uint16_t fid)
{
    uint16_t chain[CAP_MAX_DEPTH + 2];
    int n = 0;
    for (int i = parent; i > 0 && n < CAP_MAX_DEPTH; i = c->files[i].parent)
        chain[n++] = c->files[i].fid;
    uint8_t cmd[5 + 2 * (CAP_MAX_DEPTH + 2) + 1] = {0x00, 0xA4, 0x08, 0x04, 0};
    size_t len = 5;
    for (int i = n - 1; i >= 0; i--) {
        cmd[len++] = (uint8_t)(chain[i] >> 8);
        cmd[len++] = (uint8_t)chain[i];
    }
    if (parent >= 0) {
        cmd[len++] = (uint8_t)(fid >> 8);
        cmd[len++] = (uint8_t)fid;
    }
    if (len == 5) { /* the MF */
        static const uint8_t mf[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00, 0x00};
        return xmit(c, mf, sizeof mf);
    }
    cmd[4] = (uint8_t)(len - 5);
    cmd[len++] = 0x00;
    return xmit(c, cmd, len);
}

/* Whether `sw` refuses a read (security status or conditions of use not satisfied); if so marks
 * the file unreadable and notes it, naming the command and what the profile holds instead. */
static bool refused(capture *c, cap_file *f, const char *where, uint16_t sw, const char *cmd,
                    const char *written)
{
    if (sw != 0x6982 && sw != 0x6985)
        return false;
    f->unreadable = true;
    note(c, "%s: %s refused (SW %04X): %s, read: never", where, cmd, sw, written);
    return true;
}

static void read_content(capture *c, cap_file *f, const char *where)
{
    if (f->df)
        return;
    bool records = (f->fdb & 0x07) != 0x01 && (f->fdb & 0x07) != 0;
    if (!records) {
        size_t size = f->size > CAP_MAX_CONTENT ? CAP_MAX_CONTENT : f->size;
        f->data = calloc(1, size ? size : 1);
        if (!f->data)
            return;
        for (size_t off = 0; off < size;) {
            size_t want = size - off > 256 ? 256 : size - off;
            uint8_t cmd[5] = {0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off,
                              (uint8_t)(want == 256 ? 0 : want)};
            uint16_t sw = xmit(c, cmd, sizeof cmd);
            if (refused(c, f, where, sw, "READ BINARY", "content unknown, zeros written"))
                break;
            if ((sw != 0x9000 && sw != 0x6282) || c->resp_len == 0)
                break;
            size_t got = c->resp_len > want ? want : c->resp_len;
            memcpy(f->data + off, c->resp, got);
            off += got;
            f->data_len = off;
            if (sw == 0x6282)
                break;
        }
        f->data_len = size;
        return;
    }
    f->data = malloc(CAP_MAX_RECORDS * 255);
    if (!f->data)
        return;
    for (unsigned n = 1; n <= CAP_MAX_RECORDS; n++) {
        uint8_t cmd[5] = {0x00, 0xB2, (uint8_t)n, 0x04, 0x00};
        uint16_t sw = xmit(c, cmd, sizeof cmd);
        if (refused(c, f, where, sw, "READ RECORD", "records unknown, none written"))
            break;
        /* 6282: the record is shorter than Le 256 asked for. */
        if ((sw != 0x9000 && sw != 0x6282) || c->resp_len > 255)
            break;
        memcpy(f->data + f->data_len, c->resp, c->resp_len);
        f->rec_len[f->records++] = (uint16_t)c->resp_len;
        f->data_len += c->resp_len;
    }
}

static void path_text(capture *c, int idx, char *out, size_t cap)
{
    uint16_t chain[CAP_MAX_DEPTH + 2];
    int n = 0;
    for (int i = idx; i >= 0 && n < CAP_MAX_DEPTH + 2; i = c->files[i].parent)
        chain[n++] = i == 0 ? 0x3F00 : c->files[i].fid;
    size_t used = 0;
    out[0] = '\0';
    for (int i = n - 1; i >= 0 && used + 6 < cap; i--)
        used += (size_t)snprintf(out + used, cap - used, "%s%04X", i == n - 1 ? "" : "/", chain[i]);
}

static void probe_pins(capture *c, int idx)
{
    cap_file *f = &c->files[idx];
    uint8_t base = idx == 0 ? 0x00 : 0x80;
    for (int i = 0; i < 32; i++) {
        f->pin_tries[i] = -1;
        if (i == 0)
            continue; /* references 00 and 80 are not PINs */
        uint8_t cmd[4] = {0x00, 0x20, 0x00, (uint8_t)(base + i)};
        uint16_t sw = xmit(c, cmd, sizeof cmd);
        if ((sw & 0xFFF0) == 0x63C0)
            f->pin_tries[i] = sw & 0x0F;
        else if (sw == 0x6983)
            f->pin_tries[i] = -2;
    }
    f->probed = true;
}

static bool known_fid(capture *c, int parent, uint16_t fid)
{
    for (int i = 1; i < c->n_files; i++)
        if (c->files[i].parent == parent && c->files[i].fid == fid)
            return true;
    return false;
}

/* Tries one FID under DF `parent`; adds it when it exists. */
static void try_fid(capture *c, int parent, uint16_t fid)
{
    if (fid == 0x3F00 || fid == 0x3FFF || fid == 0xFFFF || c->n_files >= CAP_MAX_FILES ||
        known_fid(c, parent, fid))
        return;
    if (parent > 0 && c->files[parent].fid == fid)
        return;
    uint16_t sw = select_path(c, parent, fid);
    if (sw != 0x9000)
        return;
    cap_file *f = &c->files[c->n_files];
    memset(f, 0, sizeof *f);
    f->parent = parent;
    f->depth = c->files[parent].depth + 1;
    parse_fcp(c->resp, c->resp_len, f);
    f->fid = fid;
    c->n_files++;
}

static const uint16_t ranges[][2] = {
    {0x0000, 0x01FF}, {0x1000, 0x10FF}, {0x2F00, 0x2FFF}, {0x4000, 0x40FF}, {0x5000, 0x50FF},
    {0x6000, 0x60FF}, {0xC000, 0xC0FF}, {0xD000, 0xD0FF}, {0xE000, 0xE0FF},
};

static void scan_df(capture *c, int idx)
{
    if (c->files[idx].depth >= CAP_MAX_DEPTH)
        return;
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
        for (uint32_t fid = ranges[r][0]; fid <= ranges[r][1]; fid++)
            try_fid(c, idx, (uint16_t)fid);
}

/* The AIDs listed in EF.DIR (tag 61 / 4F): their DFs, found by SELECT by AID. */
static void dir_apps(capture *c)
{
    for (int i = 1; i < c->n_files; i++) {
        cap_file *d = &c->files[i];
        if (d->parent != 0 || d->fid != 0x2F00 || !d->data)
            continue;
        codec_reader r;
        codec_reader_init(&r, d->data, d->data_len);
        uint32_t tag;
        const uint8_t *v;
        size_t len;
        while (codec_ber_read_tlv(&r, &tag, &v, &len)) {
            if (tag != 0x61)
                continue;
            codec_reader in;
            codec_reader_init(&in, v, len);
            uint32_t t2;
            const uint8_t *aid;
            size_t alen;
            while (codec_ber_read_tlv(&in, &t2, &aid, &alen)) {
                if (t2 != 0x4F || alen < 5 || alen > 16)
                    continue;
                uint8_t cmd[5 + 16 + 1] = {0x00, 0xA4, 0x04, 0x04, (uint8_t)alen};
                memcpy(cmd + 5, aid, alen);
                if (xmit(c, cmd, 5 + alen + 1) != 0x9000)
                    continue;
                cap_file tmp;
                memset(&tmp, 0, sizeof tmp);
                parse_fcp(c->resp, c->resp_len, &tmp);
                if (tmp.fid && tmp.df)
                    try_fid(c, 0, tmp.fid); /* under the MF; deeper DFs are not followed */
            }
        }
    }
}

static void put_hex(FILE *o, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%s%02X", i ? " " : "", b[i]);
}

static void write_pins(capture *c, FILE *o, int idx, int indent)
{
    cap_file *f = &c->files[idx];
    uint8_t base = idx == 0 ? 0x00 : 0x80;
    bool any = false;
    if (!f->df || !f->probed)
        return;
    for (int i = 0; i < 32; i++) {
        if (f->pin_tries[i] == -1)
            continue;
        char where[64];
        path_text(c, idx, where, sizeof where);
        if (!any)
            fprintf(o, "%*spins:\n", indent, "");
        any = true;
        int tries = f->pin_tries[i] == -2 ? 0 : f->pin_tries[i];
        /* tries 0 (blocked) cannot be a limit: limit 3, and the note says it was blocked. */
        fprintf(o,
                "%*s  - {name: pin%02X, ref: 0x%02X, value: \"0000\", encoding: ascii, pad_to: 8, "
                "tries: %d}\n",
                indent, "", (unsigned)(base + i), (unsigned)(base + i), tries ? tries : 3);
        note(c, "%s: PIN value unknown, placeholder \"0000\" (ASCII, padded with FF to 8)", where);
        if (f->pin_tries[i] == -2)
            note(c, "%s: PIN was blocked on the card; captured with 3 tries", where);
    }
}

/* ---- keys from the 7816-15 description ----
 * Private and secret key values cannot be read: every such key becomes a fresh key of the same
 * type, size, reference, label, iD and usage (`generate: true`), which is listed. The captured
 * certificates stay plain files and are not attached to the fresh keys (the loader checks that
 * a certificate's public key is the key's). */

#define CAP_MAX_KEYS 32

enum { CAP_RSA, CAP_EC, CAP_AES };

typedef struct cap_key {
    int kind;  /* CAP_RSA, CAP_EC, CAP_AES */
    int owner; /* file index of the DF the key belongs to */
    uint8_t ref;
    unsigned bits; /* RSA / AES size; EC field size */
    char label[64];
    uint8_t id[20];
    size_t id_len;
    unsigned usage; /* enum cap_usage */
    char use[8];    /* PIN name of the use rule, "" = always */
    bool generate;
    const uint8_t *pub; /* public-only keys: the DER read from the card */
    size_t pub_len;
} cap_key;

enum cap_usage {
    CAP_U_SIGN = 1u << 0,
    CAP_U_VERIFY = 1u << 1,
    CAP_U_DECRYPT = 1u << 2,
    CAP_U_ENCRYPT = 1u << 3,
    CAP_U_DERIVE = 1u << 4,
    CAP_U_INT_AUTH = 1u << 5,
    CAP_U_EXT_AUTH = 1u << 6,
    CAP_U_MAC = 1u << 7,
};

static const char *const cap_usage_names[] = {"sign",   "verify",        "decrypt",       "encrypt",
                                              "derive", "internal_auth", "external_auth", "mac"};

typedef struct cap_p15 {
    int df;   /* the PKCS#15 DF */
    int pins; /* AODF entries read */
    struct {
        uint8_t auth_id[16];
        size_t auth_id_len;
        uint8_t ref;
        int df; /* where a DF-specific PIN lives (-1: not found) */
    } pin[32];
    cap_key keys[CAP_MAX_KEYS];
    int n_keys;
} cap_p15;

/* The captured file a 7816-15 path names: absolute from 3F00, else relative to DF `base`.
 * A file not found by the scan is selected and read now. Returns -1 when it does not exist. */
static int resolve_path(capture *c, int base, const codec_p15_bytes *p)
{
    if (p->len < 2 || p->len % 2 || p->len > 2 * (CAP_MAX_DEPTH + 1))
        return -1;
    size_t i = 0;
    int cur = base;
    if (p->data[0] == 0x3F && p->data[1] == 0x00) {
        cur = 0;
        i = 2;
    }
    for (; i < p->len; i += 2) {
        uint16_t fid = (uint16_t)(p->data[i] << 8 | p->data[i + 1]);
        int next = -1;
        for (int k = 1; k < c->n_files && next < 0; k++)
            if (c->files[k].parent == cur && c->files[k].fid == fid)
                next = k;
        if (next < 0 && c->files[cur].df && c->files[cur].depth < CAP_MAX_DEPTH) {
            /* a file the 7816-15 description names outside the scanned FID ranges */
            int before = c->n_files;
            try_fid(c, cur, fid);
            if (c->n_files > before) {
                next = before;
                char where[64];
                path_text(c, next, where, sizeof where);
                if (!c->files[next].df && select_path(c, cur, fid) == 0x9000)
                    read_content(c, &c->files[next], where);
            }
        }
        if (next < 0)
            return -1;
        cur = next;
    }
    return cur;
}

/* The readable content of the file a path names (its index / length range applied). */
static bool path_content(capture *c, int base, const codec_p15_path *p, codec_reader *out)
{
    int idx = resolve_path(c, base, &p->path);
    if (idx < 0 || c->files[idx].df || c->files[idx].unreadable || !c->files[idx].data)
        return false;
    const cap_file *f = &c->files[idx];
    size_t off = 0, len = f->data_len;
    if (p->has_range) {
        if (p->index > len || p->length > len - p->index)
            return false;
        off = p->index;
        len = p->length;
    }
    codec_reader_init(out, f->data + off, len);
    return true;
}

/* The PKCS#15 DF: the EF.DIR entry with the PKCS#15 AID, else a DF named with that AID. */
static int find_p15_df(capture *c)
{
    for (int i = 1; i < c->n_files; i++) {
        cap_file *d = &c->files[i];
        if (d->parent != 0 || d->fid != 0x2F00 || !d->data || d->unreadable)
            continue;
        codec_reader r;
        codec_reader_init(&r, d->data, d->data_len);
        codec_p15_app app;
        while (!codec_p15_at_end(&r)) {
            if (!codec_p15_read_app(&r, &app)) {
                if (!codec_p15_skip(&r))
                    break;
                continue;
            }
            if (app.aid.len == sizeof codec_p15_aid &&
                memcmp(app.aid.data, codec_p15_aid, sizeof codec_p15_aid) == 0 && app.path.len) {
                int idx = resolve_path(c, 0, &app.path);
                if (idx >= 0 && c->files[idx].df)
                    return idx;
            }
        }
    }
    for (int i = 1; i < c->n_files; i++)
        if (c->files[i].df && c->files[i].aid_len == sizeof codec_p15_aid &&
            memcmp(c->files[i].aid, codec_p15_aid, sizeof codec_p15_aid) == 0)
            return i;
    return -1;
}

/* Whether DF `anc` is `idx` or one of its parents (where the loader looks PIN names up). */
static bool is_ancestor(capture *c, int anc, int idx)
{
    for (int i = idx; i >= 0; i = c->files[i].parent)
        if (i == anc)
            return true;
    return false;
}

/* The use rule of a key owned by DF `owner` guarded by auth object `auth`: the captured PIN's
 * name, "" for always (no authId, or a PIN the capture cannot name: noted). */
static void use_rule(capture *c, cap_p15 *p, const codec_p15_bytes *auth, int owner,
                     const char *what, char out[8])
{
    out[0] = '\0';
    if (!auth->len)
        return;
    for (int i = 0; i < p->pins; i++) {
        if (p->pin[i].auth_id_len != auth->len ||
            memcmp(p->pin[i].auth_id, auth->data, auth->len) != 0)
            continue;
        uint8_t ref = p->pin[i].ref;
        int df = p->pin[i].df;
        if (df >= 0 && c->files[df].probed && c->files[df].pin_tries[ref & 0x1F] != -1 &&
            is_ancestor(c, df, owner)) {
            snprintf(out, 8, "pin%02X", ref);
            return;
        }
        note(c,
             "%s: its PIN (reference %02X) was not captured where the key can name it; "
             "use: always",
             what, ref);
        return;
    }
    note(c, "%s: authId not in the AODF; use: always", what);
}

static void read_aodf(capture *c, cap_p15 *p, codec_reader *r)
{
    codec_p15_pin pin;
    while (!codec_p15_at_end(r) && p->pins < 32) {
        if (!codec_p15_read_pin(r, &pin)) {
            if (!codec_p15_skip(r))
                return;
            continue;
        }
        if (pin.auth_id.len > sizeof p->pin[0].auth_id || pin.reference > 0xFF)
            continue;
        memcpy(p->pin[p->pins].auth_id, pin.auth_id.data, pin.auth_id.len);
        p->pin[p->pins].auth_id_len = pin.auth_id.len;
        p->pin[p->pins].ref = (uint8_t)pin.reference;
        int df = 0;
        if (pin.reference & 0x80)
            df = pin.has_path ? resolve_path(c, p->df, &pin.path.path) : p->df;
        if (df >= 0 && !c->files[df].df)
            df = c->files[df].parent;
        p->pin[p->pins].df = df;
        p->pins++;
    }
}

/* Where a key with reference `ref` and value path `path` lives: the MF for global references,
 * else the DF the path names (the PKCS#15 DF without a path). -1: not captured. */
static int key_owner(capture *c, cap_p15 *p, uint8_t ref, const codec_p15_path *path)
{
    if (!(ref & 0x80))
        return 0;
    int idx = path->path.len ? resolve_path(c, p->df, &path->path) : p->df;
    if (idx >= 0 && !c->files[idx].df)
        idx = c->files[idx].parent;
    return idx;
}

static cap_key *find_key(cap_p15 *p, int owner, uint8_t ref)
{
    for (int i = 0; i < p->n_keys; i++)
        if (p->keys[i].owner == owner && p->keys[i].ref == ref)
            return &p->keys[i];
    return NULL;
}

static void id_text(const codec_p15_bytes *id, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < id->len && used + 3 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%02X", id->data[i]);
}

/* Fills the fields every kind shares; false (noted) when the key cannot be placed. */
static bool key_common(capture *c, cap_p15 *p, const codec_p15_keyobj *e, const char *df_name,
                       cap_key *k)
{
    char id[48];
    id_text(&e->key.id, id, sizeof id);
    memset(k, 0, sizeof *k);
    if (!e->key.has_key_ref || e->key.key_ref > 0x9F || (e->key.key_ref & 0x60) ||
        !(e->key.key_ref & 0x1F)) {
        note(c, "%s key iD %s: no key reference an sdemu key can have; not captured", df_name, id);
        return false;
    }
    k->ref = (uint8_t)e->key.key_ref;
    k->owner = key_owner(c, p, k->ref, &e->path);
    if (k->owner < 0) {
        note(c, "%s key %02X: its DF was not captured; not captured", df_name, k->ref);
        return false;
    }
    if (find_key(p, k->owner, k->ref)) {
        note(c, "%s key %02X: reference already used by another key of the DF; not captured",
             df_name, k->ref);
        return false;
    }
    size_t ll = e->obj.label.len < sizeof k->label - 1 ? e->obj.label.len : sizeof k->label - 1;
    for (size_t i = 0; i < ll; i++) /* a YAML double-quoted scalar: printable ASCII only */
        k->label[i] = e->obj.label.data[i] >= 0x20 && e->obj.label.data[i] < 0x7F &&
                              e->obj.label.data[i] != '"' && e->obj.label.data[i] != '\\'
                          ? (char)e->obj.label.data[i]
                          : '_';
    if (e->key.id.len && e->key.id.len <= sizeof k->id) {
        memcpy(k->id, e->key.id.data, e->key.id.len);
        k->id_len = e->key.id.len;
    }
    return true;
}

static bool contains(const uint8_t *b, size_t n, const uint8_t *pat, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(b + i, pat, m) == 0)
            return true;
    return false;
}

/* The EC curve of a field size, or of the curve OID inside a SubjectPublicKeyInfo. */
static unsigned ec_bits(unsigned field, const uint8_t *spki, size_t n)
{
    static const uint8_t p256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07},
                         p384[] = {0x2B, 0x81, 0x04, 0x00, 0x22},
                         p521[] = {0x2B, 0x81, 0x04, 0x00, 0x23};
    if (field == 256 || field == 384 || field == 521)
        return field;
    if (spki && contains(spki, n, p256, sizeof p256))
        return 256;
    if (spki && contains(spki, n, p384, sizeof p384))
        return 384;
    if (spki && contains(spki, n, p521, sizeof p521))
        return 521;
    return 0;
}

static void read_prkdf(capture *c, cap_p15 *p, codec_reader *r)
{
    codec_p15_keyobj e;
    while (!codec_p15_at_end(r) && p->n_keys < CAP_MAX_KEYS) {
        if (!codec_p15_read_prkey(r, &e)) {
            if (!codec_p15_skip(r))
                return;
            note(c, "PrKDF: an entry of a key type other than RSA / EC; not captured");
            continue;
        }
        cap_key *k = &p->keys[p->n_keys];
        if (!key_common(c, p, &e, "PrKDF", k))
            continue;
        char what[96];
        snprintf(what, sizeof what, "key %02X \"%s\"", k->ref, k->label);
        k->kind = e.type == CODEC_P15_KEY_RSA ? CAP_RSA : CAP_EC;
        k->generate = true;
        uint32_t u = e.key.usage;
        if (u &
            (CODEC_P15_USAGE_SIGN | CODEC_P15_USAGE_SIGN_RECOVER | CODEC_P15_USAGE_NON_REPUDIATION))
            k->usage |= CAP_U_SIGN | CAP_U_INT_AUTH;
        if (k->kind == CAP_RSA && (u & (CODEC_P15_USAGE_DECRYPT | CODEC_P15_USAGE_UNWRAP)))
            k->usage |= CAP_U_DECRYPT;
        if (k->kind == CAP_EC && (u & CODEC_P15_USAGE_DERIVE))
            k->usage |= CAP_U_DERIVE;
        if (!k->usage) {
            note(c, "%s: no usage sdemu has for this key type; not captured", what);
            continue;
        }
        if (k->kind == CAP_RSA) {
            k->bits = e.bits;
            if (k->bits != 2048 && k->bits != 3072 && k->bits != 4096) {
                note(c, "%s: RSA-%u is not an sdemu size; RSA-2048 instead", what, e.bits);
                k->bits = 2048;
            }
        } else {
            k->bits = ec_bits(e.bits, NULL, 0); /* the PuKDF's SPKI may name the curve later */
        }
        use_rule(c, p, &e.obj.auth_id, k->owner, what, k->use);
        p->n_keys++;
    }
}

static void read_pukdf(capture *c, cap_p15 *p, codec_reader *r)
{
    codec_p15_keyobj e;
    while (!codec_p15_at_end(r)) {
        if (!codec_p15_read_pubkey(r, &e)) {
            if (!codec_p15_skip(r))
                return;
            continue;
        }
        codec_reader v;
        bool have = path_content(c, p->df, &e.path, &v);
        /* The public half of a captured private key: same reference (or the same iD). */
        cap_key *k = NULL;
        for (int i = 0; i < p->n_keys && !k; i++)
            if (!p->keys[i].pub && ((e.key.has_key_ref && p->keys[i].ref == e.key.key_ref) ||
                                    (e.key.id.len && e.key.id.len == p->keys[i].id_len &&
                                     memcmp(e.key.id.data, p->keys[i].id, e.key.id.len) == 0)))
                k = &p->keys[i];
        if (k && k->generate) {
            if (e.key.usage & (CODEC_P15_USAGE_VERIFY | CODEC_P15_USAGE_VERIFY_RECOVER))
                k->usage |= CAP_U_VERIFY;
            if (k->kind == CAP_RSA &&
                (e.key.usage & (CODEC_P15_USAGE_ENCRYPT | CODEC_P15_USAGE_WRAP)))
                k->usage |= CAP_U_ENCRYPT;
            if (k->kind == CAP_EC && !k->bits && have)
                k->bits = ec_bits(0, v.data + v.off, v.len - v.off);
            continue;
        }
        if (p->n_keys >= CAP_MAX_KEYS)
            continue;
        k = &p->keys[p->n_keys];
        if (!key_common(c, p, &e, "PuKDF", k))
            continue;
        if (!have) {
            note(c, "PuKDF key %02X: its public key EF was not read; not captured", k->ref);
            continue;
        }
        k->kind = e.type == CODEC_P15_KEY_RSA ? CAP_RSA : CAP_EC;
        if (e.key.usage & (CODEC_P15_USAGE_VERIFY | CODEC_P15_USAGE_VERIFY_RECOVER))
            k->usage |= CAP_U_VERIFY;
        if (k->kind == CAP_RSA && (e.key.usage & (CODEC_P15_USAGE_ENCRYPT | CODEC_P15_USAGE_WRAP)))
            k->usage |= CAP_U_ENCRYPT;
        if (!k->usage)
            k->usage = CAP_U_VERIFY;
        k->pub = v.data + v.off;
        k->pub_len = v.len - v.off;
        char what[96];
        snprintf(what, sizeof what, "public key %02X \"%s\"", k->ref, k->label);
        use_rule(c, p, &e.obj.auth_id, k->owner, what, k->use);
        p->n_keys++;
    }
}

static void read_skdf(capture *c, cap_p15 *p, codec_reader *r)
{
    codec_p15_keyobj e;
    while (!codec_p15_at_end(r) && p->n_keys < CAP_MAX_KEYS) {
        if (!codec_p15_read_skey(r, &e)) {
            if (!codec_p15_skip(r))
                return;
            note(c, "SKDF: an entry other than a generic secret key; not captured");
            continue;
        }
        cap_key *k = &p->keys[p->n_keys];
        if (!key_common(c, p, &e, "SKDF", k))
            continue;
        char what[96];
        snprintf(what, sizeof what, "secret key %02X \"%s\"", k->ref, k->label);
        k->kind = CAP_AES;
        k->generate = true;
        k->bits = e.bits;
        if (k->bits != 128 && k->bits != 256) {
            note(c, "%s: key length %u is not an AES size of sdemu; AES-128", what, e.bits);
            k->bits = 128;
        }
        uint32_t u = e.key.usage;
        if (u & CODEC_P15_USAGE_ENCRYPT)
            k->usage |= CAP_U_ENCRYPT;
        if (u & CODEC_P15_USAGE_DECRYPT)
            k->usage |= CAP_U_DECRYPT;
        if (u & CODEC_P15_USAGE_SIGN)
            k->usage |= CAP_U_MAC | CAP_U_INT_AUTH;
        if (u & CODEC_P15_USAGE_VERIFY)
            k->usage |= CAP_U_MAC | CAP_U_EXT_AUTH;
        if (!k->usage) {
            note(c, "%s: no usage sdemu has for an AES key; not captured", what);
            continue;
        }
        use_rule(c, p, &e.obj.auth_id, k->owner, what, k->use);
        p->n_keys++;
    }
}

static void read_cdf(capture *c, cap_p15 *p, codec_reader *r)
{
    codec_p15_cert e;
    while (!codec_p15_at_end(r)) {
        if (!codec_p15_read_cert(r, &e)) {
            if (!codec_p15_skip(r))
                return;
            continue;
        }
        char id[48], where[64] = "not captured";
        id_text(&e.id, id, sizeof id);
        int idx = resolve_path(c, p->df, &e.path.path);
        if (idx >= 0)
            path_text(c, idx, where, sizeof where);
        char key[40] = "";
        for (int i = 0; i < p->n_keys; i++)
            if (p->keys[i].generate && p->keys[i].id_len == e.id.len &&
                memcmp(p->keys[i].id, e.id.data, e.id.len) == 0)
                snprintf(key, sizeof key, " (its key %02X is a fresh key)", p->keys[i].ref);
        note(c, "certificate iD %s (%s): kept as a file, not attached to a key%s", id, where, key);
    }
}

/* Reads the 7816-15 description (EF.OD 5031 of the PKCS#15 DF and the DFs it lists). */
static void capture_p15(capture *c, cap_p15 *p)
{
    p->df = find_p15_df(c);
    if (p->df < 0)
        return;
    static const uint8_t od_fid[] = {0x50, 0x31};
    codec_p15_path od_path = {.path = {od_fid, sizeof od_fid}};
    codec_reader od;
    if (!path_content(c, p->df, &od_path, &od)) {
        note(c, "7816-15: EF.OD (5031) not read; keys not captured");
        p->df = -1;
        return;
    }
    /* AODF first (the keys name its PINs), then PrKDF, PuKDF, SKDF, CDF; the DODF is kept as
     * a file (reading it through path_content captures it). */
    static const uint8_t order[] = {CODEC_P15_AODF,          CODEC_P15_PRKDF,      CODEC_P15_PUKDF,
                                    CODEC_P15_PUKDF_TRUSTED, CODEC_P15_SKDF,       CODEC_P15_CDF,
                                    CODEC_P15_CDF_TRUSTED,   CODEC_P15_CDF_USEFUL, CODEC_P15_DODF};
    for (size_t o = 0; o < sizeof order; o++) {
        codec_reader r = od;
        codec_p15_od_entry e;
        while (!codec_p15_at_end(&r)) {
            if (!codec_p15_read_od_entry(&r, &e)) {
                if (!codec_p15_skip(&r))
                    break;
                continue;
            }
            codec_reader df;
            if (e.type != order[o])
                continue;
            if (!path_content(c, p->df, &e.path, &df)) {
                note(c, "7816-15: EF.OD entry [%u] names a file not read; skipped", e.type);
                continue;
            }
            switch (e.type) {
            case CODEC_P15_AODF:
                read_aodf(c, p, &df);
                break;
            case CODEC_P15_PRKDF:
                read_prkdf(c, p, &df);
                break;
            case CODEC_P15_PUKDF:
            case CODEC_P15_PUKDF_TRUSTED:
                read_pukdf(c, p, &df);
                break;
            case CODEC_P15_SKDF:
                read_skdf(c, p, &df);
                break;
            case CODEC_P15_DODF:
                break; /* its data objects are files the scan captures */
            default:
                read_cdf(c, p, &df);
                break;
            }
        }
    }
    for (int i = 0; i < p->n_keys; i++) {
        cap_key *k = &p->keys[i];
        if (k->kind == CAP_EC && !k->bits && k->generate) {
            note(c, "key %02X \"%s\": EC curve not described; P-256", k->ref, k->label);
            k->bits = 256;
        }
        if (k->generate)
            note(c,
                 "key %02X \"%s\": %s cannot be read; a fresh %s-%u key (generate: true), same "
                 "reference, label, iD, usage and use rule",
                 k->ref, k->label, k->kind == CAP_AES ? "a secret key" : "a private key",
                 k->kind == CAP_RSA  ? "RSA"
                 : k->kind == CAP_EC ? "EC P"
                                     : "AES",
                 k->bits);
    }
    if (p->n_keys)
        note(c, "7816-15: the captured description files (PuKDF public key EFs, certificates) "
                "describe the card's keys, not the fresh ones");
}

static void write_keys(capture *c, const cap_p15 *p, FILE *o, int idx, int indent)
{
    bool any = false;
    (void)c;
    for (int i = 0; i < p->n_keys; i++) {
        const cap_key *k = &p->keys[i];
        if (k->owner != idx)
            continue;
        if (!any)
            fprintf(o, "%*skeys:\n", indent, "");
        any = true;
        static const char *const types[] = {"rsa", "ec", "aes"};
        fprintf(o, "%*s  - ref: 0x%02X\n", indent, "", k->ref);
        fprintf(o, "%*s    type: %s\n", indent, "", types[k->kind]);
        if (k->generate && k->kind == CAP_EC)
            fprintf(o, "%*s    curve: p%u\n", indent, "", k->bits);
        else if (k->generate)
            fprintf(o, "%*s    size: %u\n", indent, "", k->bits);
        if (k->label[0])
            fprintf(o, "%*s    label: \"%s\"\n", indent, "", k->label);
        if (k->id_len) {
            fprintf(o, "%*s    id: \"", indent, "");
            put_hex(o, k->id, k->id_len);
            fprintf(o, "\"\n");
        }
        fprintf(o, "%*s    usage: [", indent, "");
        bool first = true;
        for (unsigned b = 0; b < sizeof cap_usage_names / sizeof cap_usage_names[0]; b++)
            if (k->usage & 1u << b) {
                fprintf(o, "%s%s", first ? "" : ", ", cap_usage_names[b]);
                first = false;
            }
        fprintf(o, "]\n");
        fprintf(o, "%*s    access: {use: %s}\n", indent, "", k->use[0] ? k->use : "always");
        if (k->generate) {
            fprintf(o, "%*s    generate: true  # substitution: a fresh key\n", indent, "");
        } else {
            fprintf(o, "%*s    key: \"", indent, "");
            for (size_t b = 0; b < k->pub_len; b++)
                fprintf(o, "%02X", k->pub[b]);
            fprintf(o, "\"\n");
        }
    }
}

static void write_file(capture *c, FILE *o, int idx, int indent)
{
    cap_file *f = &c->files[idx];
    char where[64];
    path_text(c, idx, where, sizeof where);
    if (idx > 0) {
        fprintf(o, "%*s- fid: \"%04X\"\n", indent, "", f->fid);
        indent += 2;
        fprintf(o, "%*stype: %s\n", indent, "", f->df ? "df" : "ef");
    } else {
        fprintf(o, "%*sfid: 3F00\n", indent, "");
    }
    if (f->df && f->aid_len) {
        fprintf(o, "%*said: \"", indent, "");
        put_hex(o, f->aid, f->aid_len);
        fprintf(o, "\"\n");
    }
    if (!f->df) {
        unsigned kind = f->fdb & 0x07;
        const char *s = kind == 2 || kind == 3   ? "linear_fixed"
                        : kind == 4 || kind == 5 ? "linear_variable"
                        : kind == 6 || kind == 7 ? "cyclic"
                                                 : "transparent";
        fprintf(o, "%*sstructure: %s\n", indent, "", s);
        if (f->sfi)
            fprintf(o, "%*ssfi: %u\n", indent, "", f->sfi);
        if (kind <= 1) {
            fprintf(o, "%*ssize: %zu\n", indent, "", f->data_len);
            if (f->data_len && !f->unreadable) {
                fprintf(o, "%*sdata: \"", indent, "");
                put_hex(o, f->data, f->data_len);
                fprintf(o, "\"\n");
            }
        } else {
            unsigned rs = f->record_size;
            for (unsigned r = 0; r < f->records; r++)
                if (f->rec_len[r] > rs)
                    rs = f->rec_len[r];
            if (kind != 4 && kind != 5)
                fprintf(o, "%*srecord_size: %u\n", indent, "", rs ? rs : 1);
            if (f->records) {
                fprintf(o, "%*srecords:\n", indent, "");
                size_t off = 0;
                for (unsigned r = 0; r < f->records; r++) {
                    fprintf(o, "%*s  - \"", indent, "");
                    put_hex(o, f->data + off, f->rec_len[r]);
                    fprintf(o, "\"\n");
                    off += f->rec_len[r];
                }
            }
        }
        if (f->unreadable)
            fprintf(o, "%*saccess: {read: never}\n", indent, "");
    }
    write_pins(c, o, idx, indent);
    if (c->p15)
        write_keys(c, c->p15, o, idx, indent);
    bool first = true;
    for (int i = 1; i < c->n_files; i++) {
        if (c->files[i].parent != idx)
            continue;
        if (first)
            fprintf(o, "%*schildren:\n", indent, "");
        first = false;
        write_file(c, o, i, indent + 2);
    }
}

/* Writes the transport line from the ATR's card capabilities (compact-TLV 73, third byte:
 * chaining, extended Lc/Le, logical channels), which the profile loader checks against it. */
static void write_transport(FILE *o, const uint8_t *atr, size_t n)
{
    bool chaining = false, extended = false;
    unsigned channels = 1;
    size_t i = 1, hist = n > 1 ? atr[1] & 0x0F : 0;
    uint8_t td = n > 1 ? atr[1] : 0;
    while (i < n) { /* skip TA/TB/TC/TD of each level */
        i += (size_t)((td >> 4 & 1) + (td >> 5 & 1) + (td >> 6 & 1));
        if (!(td & 0x80) || i + 1 >= n) {
            i++;
            break;
        }
        i++;
        td = atr[i];
    }
    if (i < n && hist && atr[i] == 0x80) {
        for (size_t k = i + 1; k < n && k < i + hist;) {
            unsigned tag = atr[k] >> 4, len = atr[k] & 0x0F;
            if (tag == 7 && len >= 3 && k + 3 < n) {
                uint8_t b = atr[k + 3];
                chaining = b & 0x80;
                extended = b & 0x40;
                channels = (b & 0x07) == 7 ? 8 : (b & 0x07) + 1u;
            }
            k += 1 + len;
        }
    }
    fprintf(o,
            "# transport from the ATR's card capabilities (protocol not probed: t1)\n"
            "transport: {protocol: t1, extended_length: %s, chaining: %s, channels: %u}\n",
            extended ? "true" : "false", chaining ? "true" : "false", channels);
}

int sdtrace_capture(int argc, char **argv)
{
    const char *spec = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
            out = argv[++i];
        else if (!spec)
            spec = argv[i];
        else {
            fprintf(stderr, "sdtrace capture: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!spec || !out || strncmp(spec, "pcsc:", 5) != 0 || !spec[5]) {
        fprintf(stderr, "usage: sdtrace capture pcsc:<reader> -o card.yaml\n");
        return 2;
    }
    capture *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "sdtrace capture: out of memory\n");
        return 2;
    }
    if (px_transport_pcsc_open(spec + 5, &c->tr) != isoIec23465_Success) {
        fprintf(stderr, "sdtrace capture: cannot connect to '%s'\n", spec + 5);
        free(c);
        return 2;
    }
    uint8_t atr[PX_ATR_MAX];
    size_t atr_len = 0;
    c->tr.ops->atr(c->tr.ctx, atr, sizeof atr, &atr_len);
    int rc = 2;
    if (select_path(c, -1, 0x3F00) != 0x9000) {
        fprintf(stderr, "sdtrace capture: the card has no selectable MF (3F00)\n");
        goto done;
    }
    c->files[0] = (cap_file){.fid = 0x3F00, .parent = -1, .df = true, .fdb = 0x38};
    c->n_files = 1;
    scan_df(c, 0);
    for (int i = 1; i < c->n_files; i++)
        if (!c->files[i].df && select_path(c, c->files[i].parent, c->files[i].fid) == 0x9000) {
            char where[64];
            path_text(c, i, where, sizeof where);
            read_content(c, &c->files[i], where);
        }
    dir_apps(c);
    /* DFs found so far (and their own DFs, up to the depth bound). */
    for (int i = 1; i < c->n_files; i++) {
        if (!c->files[i].df)
            continue;
        int before = c->n_files;
        scan_df(c, i);
        for (int k = before; k < c->n_files; k++)
            if (!c->files[k].df && select_path(c, c->files[k].parent, c->files[k].fid) == 0x9000) {
                char where[64];
                path_text(c, k, where, sizeof where);
                read_content(c, &c->files[k], where);
            }
    }
    for (int i = 0; i < c->n_files; i++)
        if (c->files[i].df) {
            if (i == 0) {
                static const uint8_t mf[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
                xmit(c, mf, sizeof mf);
            } else if (select_path(c, c->files[i].parent, c->files[i].fid) != 0x9000) {
                continue;
            }
            probe_pins(c, i);
        }
    c->p15 = calloc(1, sizeof *c->p15);
    if (c->p15)
        capture_p15(c, c->p15);
    FILE *o = fopen(out, "w");
    if (!o) {
        perror(out);
        goto done;
    }
    fprintf(o, "# Captured by `sdtrace capture %s` (%lu APDUs). sdemu profile, docs/profile.md.\n",
            spec, c->apdus);
    fprintf(o, "atr: \"");
    put_hex(o, atr, atr_len);
    fprintf(o, "\"\nlabel: \"captured card\"\n");
    write_transport(o, atr, atr_len);
    fprintf(o, "files:\n");
    /* Files first into a memory stream so the substitutions they cause can lead the file. */
    char *body = NULL;
    size_t body_len = 0;
    FILE *mem = open_memstream(&body, &body_len);
    if (mem) {
        write_file(c, mem, 0, 2);
        fclose(mem);
    }
    fprintf(o, "# Substitutions and gaps:\n");
    fprintf(o, "#   - not captured: access rules (readable files get the default: read always, "
               "the rest never), data objects, keys the 7816-15 description does not list, "
               "key algorithm lists (every algorithm of the type), life-cycle states\n");
    for (int i = 0; i < c->n_notes; i++)
        fprintf(o, "#   - %s\n", c->notes[i]);
    if (body)
        fwrite(body, 1, body_len, o);
    free(body);
    rc = fclose(o) == 0 ? 0 : 2;
    printf("captured %d files, %d substitutions, %lu APDUs -> %s\n", c->n_files, c->n_notes,
           c->apdus, out);
done:
    free(c->p15);
    for (int i = 0; i < c->n_files; i++)
        free(c->files[i].data);
    c->tr.ops->close(c->tr.ctx);
    free(c);
    return rc;
}
