/* DataContainer writing and record methods, CertificateContainer methods.
 *
 * Every function SELECTs the container's file with the same APDUs as px_apdu_select_obj, but
 * keeps the file control parameters: the data size (tag 80/81) bounds writes before anything is
 * written, and the file descriptor (tag 82) tells the file structure (transparent or record), so
 * that a transparent function on a record file, or the reverse, is refused before the command is
 * sent. When the device gives no FCP, the command is sent and the device decides. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_bytes.h"
#include "codec_tlv.h"
#include "px_apdu.h"
#include "px_error.h"
#include "px_handle.h"

/* Largest Lc of one UPDATE BINARY / UPDATE RECORD: short form 255; extended form: one vpcd /
 * PC/SC frame holds 65535 bytes, i.e. 4 header bytes + 3 Lc bytes + 65528 data bytes. */
#define PX_CW_SHORT_LC 255
#define PX_CW_EXT_LC 65528
/* Record numbers READ/UPDATE RECORD can address (00 is "current record", FF is reserved). */
#define PX_CW_MAX_RECORD 254
/* Le of READ RECORD: records of the reference card's kind are at most 255 bytes; a longer one
 * comes back through 6Cxx / 61xx handled by the engine. */
#define PX_CW_RECORD_LE 256
/* Status of a call that does not fit the container's file structure (a record function on a
 * transparent file, or a transparent function on a record file). */
#define PX_CW_WRONG_STRUCTURE isoIec23465_FunctionNotImplemented

/* What one SELECT told about the container's file. */
typedef struct px_cw_file {
    size_t size;         /* data size (FCP 80, else 81), PX_SIZE_UNKNOWN when not given */
    bool known;          /* the FCP gave a file descriptor (82) */
    bool records;        /* record structure (linear fixed / variable, cyclic) */
    bool fixed;          /* linear fixed or cyclic: every record has record_size bytes */
    size_t record_size;  /* maximum record size, 0 when not given */
    size_t record_count; /* number of records, PX_SIZE_UNKNOWN when not given */
} px_cw_file;

/* ---- entering and leaving a call ---------------------------------------------------------- */

/* Clears the last error, validates `h` as class `cls` (or a subclass), locks its device, checks
 * that it has a card reference and that the caller's arguments are `ok` (else IllegalArgument
 * saying `why`, before any APDU), and opens the transaction. */
static isoIec23465_Status px_cw_enter(const isoIec23465_Handle *h, isoIec23465_ObjectType cls,
                                      bool ok, const char *why, px_conn **c)
{
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(h, cls, c);
    if (st != isoIec23465_Success)
        return st;
    if (!h->obj || !(*c)->desc)
        st = px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                          "container has no card reference");
    else if (!ok)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "%s", why);
    else
        st = px_apdu_begin(*c);
    if (st != isoIec23465_Success)
        px_handle_leave(*c);
    return st;
}

static void px_cw_leave(px_conn *c)
{
    px_apdu_end(c);
    px_handle_leave(c);
}

/* ---- SELECT keeping the FCP --------------------------------------------------------------- */

/* Reads the file descriptor (82) of an FCP/FCI template into *f. Layout (7816-4 clause 7.4.5,
 * as OpenSC reads it): descriptor byte, data coding byte, maximum record size (1 byte when the
 * value has 3 bytes, else 2), number of records (1 byte when 5, 2 when 6). */
static void px_cw_parse_fcp(const uint8_t *fcp, size_t len, px_cw_file *f)
{
    if (!px_apdu_fcp_size(fcp, len, &f->size))
        f->size = PX_SIZE_UNKNOWN;
    codec_reader r;
    uint32_t tag;
    size_t l;
    const uint8_t *body;
    codec_reader_init(&r, fcp, len);
    if (!codec_ber_read_tlv(&r, &tag, &body, &l) || (tag != 0x62 && tag != 0x6F))
        return;
    codec_reader in;
    codec_reader_init(&in, body, l);
    while (codec_reader_remaining(&in) > 0) {
        const uint8_t *v;
        if (!codec_ber_read_tlv(&in, &tag, &v, &l))
            return;
        if (tag != 0x82 || l < 1)
            continue;
        unsigned structure = v[0] & 0x07;
        if ((v[0] & 0x38) == 0x38 || structure == 0)
            return; /* a DF, or no structure information */
        f->known = true;
        f->records = structure != 1;
        f->fixed = structure == 2 || structure == 3 || structure == 6 || structure == 7;
        if (l == 3)
            f->record_size = v[2];
        else if (l >= 4)
            f->record_size = (size_t)v[2] << 8 | v[3];
        if (l == 5)
            f->record_count = v[4];
        else if (l >= 6)
            f->record_count = (size_t)v[4] << 8 | v[5];
        return;
    }
}

/* Selects the file of description object `o` as px_apdu_select_obj does and fills *f from its
 * FCP. */
static isoIec23465_Status px_cw_select(px_conn *c, const px_desc_obj *o, px_cw_file *f)
{
    memset(f, 0, sizeof *f);
    f->size = PX_SIZE_UNKNOWN;
    f->record_count = PX_SIZE_UNKNOWN;
    if (o->path_len < 2 || o->path_len % 2)
        return px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                            "container has no usable path");
    const uint8_t *fcp;
    size_t len;
    isoIec23465_Status st = px_apdu_select_obj_fcp(c, o, &fcp, &len);
    if (st == isoIec23465_Success)
        px_cw_parse_fcp(fcp, len, f);
    return st;
}

/* Refuses a call whose kind (`want_records`) does not fit the file the FCP described. */
static isoIec23465_Status px_cw_check_structure(const px_cw_file *f, bool want_records,
                                                const char *fn)
{
    if (!f->known || f->records == want_records)
        return isoIec23465_Success;
    return px_error_set(PX_CW_WRONG_STRUCTURE, isoIec23465_OriginLocal,
                        "%s: the container is a %s file", fn,
                        f->records ? "record" : "transparent");
}

/* ---- binary writes ------------------------------------------------------------------------ */

/* Largest data field of one command on this connection. */
static size_t px_cw_max_lc(const px_conn *c)
{
    size_t most = px_apdu_max_lc(c); /* the device's own limit (EF.ATR) */
    return !c->ext ? PX_CW_SHORT_LC : most < PX_CW_EXT_LC ? most : PX_CW_EXT_LC;
}

/* UPDATE BINARY (00 D6 offset) of data[0..len) at `offset`, in chunks of px_cw_max_lc bytes.
 * The caller has checked that every chunk starts at or below 32767. */
static isoIec23465_Status px_cw_update_binary(px_conn *c, size_t offset, const uint8_t *data,
                                              size_t len)
{
    size_t max = px_cw_max_lc(c);
    for (size_t done = 0; done < len;) {
        size_t off = offset + done;
        size_t n = len - done < max ? len - done : max;
        codec_capdu cmd = {.cla = 0x00,
                           .ins = 0xD6,
                           .p1 = (uint8_t)(off >> 8),
                           .p2 = (uint8_t)off,
                           .data = data + done,
                           .lc = n};
        const uint8_t *d;
        size_t dl;
        uint16_t sw;
        isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &dl, &sw);
        if (st != isoIec23465_Success)
            return st;
        if (sw != 0x9000)
            return px_error_set_sw(sw, "UPDATE BINARY");
        done += n;
    }
    return isoIec23465_Success;
}

/* Checks [offset, offset + len) against the file size (IllegalArgument) and the offsets UPDATE
 * BINARY D6 can address (FunctionNotImplemented), before anything is written. */
static isoIec23465_Status px_cw_check_range(const px_conn *c, const px_cw_file *f, size_t offset,
                                            size_t len)
{
    if (f->size != PX_SIZE_UNKNOWN && (offset > f->size || len > f->size - offset))
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "range %zu+%zu lies outside the %zu-byte content", offset, len,
                            f->size);
    size_t max = px_cw_max_lc(c);
    size_t last_start = offset + (len - 1) / max * max;
    if (offset > PX_READ_BINARY_MAX_OFFSET || last_start > PX_READ_BINARY_MAX_OFFSET ||
        len - 1 > SIZE_MAX - offset)
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "UPDATE BINARY beyond offset 32767 is not supported yet");
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_DataContainer_setData(isoIec23465_DataContainer *container,
                                                     size_t offset, const uint8_t *data, size_t len)
{
    px_conn *c;
    isoIec23465_Status st = px_cw_enter(container, isoIec23465_TypeDataContainer,
                                        data != NULL && len > 0, "NULL or empty data", &c);
    if (st != isoIec23465_Success)
        return st;
    px_cw_file f;
    st = px_cw_select(c, container->obj, &f);
    if (st == isoIec23465_Success)
        st = px_cw_check_structure(&f, false, "setData");
    if (st == isoIec23465_Success)
        st = px_cw_check_range(c, &f, offset, len);
    if (st == isoIec23465_Success)
        st = px_cw_update_binary(c, offset, data, len);
    px_cw_leave(c);
    return st;
}

/* Zeros over [0, size) with UPDATE BINARY: erase for devices without ERASE BINARY. */
static isoIec23465_Status px_cw_zero_fill(px_conn *c, const px_cw_file *f)
{
    if (f->size == PX_SIZE_UNKNOWN)
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "the device has no ERASE BINARY and does not report the file size");
    if (f->size == 0)
        return isoIec23465_Success;
    isoIec23465_Status st = px_cw_check_range(c, f, 0, f->size);
    if (st != isoIec23465_Success)
        return st;
    uint8_t *zeros = calloc(1, f->size);
    if (!zeros)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    st = px_cw_update_binary(c, 0, zeros, f->size);
    free(zeros);
    return st;
}

isoIec23465_Status isoIec23465_DataContainer_erase(isoIec23465_DataContainer *container)
{
    px_conn *c;
    isoIec23465_Status st = px_cw_enter(container, isoIec23465_TypeDataContainer, true, "", &c);
    if (st != isoIec23465_Success)
        return st;
    px_cw_file f;
    st = px_cw_select(c, container->obj, &f);
    if (st == isoIec23465_Success) {
        /* ERASE BINARY from offset 0 to the end (no data); ERASE RECORD(S) from record 1 to the
         * last (P2 05) on a record file. */
        codec_capdu cmd = {.cla = 0x00, .ins = 0x0E, .p1 = 0x00, .p2 = 0x00};
        if (f.records) {
            cmd.ins = 0x0C;
            cmd.p1 = 0x01;
            cmd.p2 = 0x05;
        }
        const uint8_t *d;
        size_t dl;
        uint16_t sw;
        st = px_apdu_exchange(c, &cmd, &d, &dl, &sw);
        if (st == isoIec23465_Success) {
            if (!f.records && (sw == 0x6D00 || sw == 0x6A81))
                st = px_cw_zero_fill(c, &f); /* no ERASE BINARY on this device */
            else if (f.records && sw == 0x6A83)
                st = isoIec23465_Success; /* no record to erase */
            else if (sw != 0x9000)
                st = px_error_set_sw(sw, f.records ? "ERASE RECORD(S)" : "ERASE BINARY");
        }
    }
    px_cw_leave(c);
    return st;
}

/* ---- records ------------------------------------------------------------------------------ */

static bool px_cw_record_ok(unsigned n)
{
    return n >= 1 && n <= PX_CW_MAX_RECORD;
}

/* Checks a record's new content against the file's record size (fixed: exactly; variable: at
 * most) and the command size. IllegalArgument before the command is sent. */
static isoIec23465_Status px_cw_check_record_len(const px_conn *c, const px_cw_file *f, size_t len)
{
    if (f->record_size && f->fixed && len != f->record_size)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "a record of this file has exactly %zu bytes, not %zu", f->record_size,
                            len);
    if (f->record_size && len > f->record_size)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "a record of this file has at most %zu bytes, not %zu", f->record_size,
                            len);
    if (len > px_cw_max_lc(c))
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "a record of %zu bytes does not fit one command", len);
    return isoIec23465_Success;
}

/* READ RECORD n (00 B2 n 04, Le 256). On success *data / *len are the record (in conn->abuf).
 * 6282 (record shorter than Le) is success. */
static isoIec23465_Status px_cw_read_record(px_conn *c, unsigned n, const uint8_t **data,
                                            size_t *len, uint16_t *sw)
{
    codec_capdu cmd = {
        .cla = 0x00, .ins = 0xB2, .p1 = (uint8_t)n, .p2 = 0x04, .ne = PX_CW_RECORD_LE};
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, data, len, sw);
    if (st == isoIec23465_Success && *sw == 0x6282)
        *sw = 0x9000;
    return st;
}

isoIec23465_Status isoIec23465_DataContainer_getRecord(isoIec23465_DataContainer *container,
                                                       unsigned recordNumber, uint8_t *buf,
                                                       size_t *len)
{
    px_conn *c;
    isoIec23465_Status st = px_cw_enter(container, isoIec23465_TypeDataContainer,
                                        len != NULL && px_cw_record_ok(recordNumber),
                                        "NULL len, or record number not in 1..254", &c);
    if (st != isoIec23465_Success)
        return st;
    px_cw_file f;
    st = px_cw_select(c, container->obj, &f);
    if (st == isoIec23465_Success)
        st = px_cw_check_structure(&f, true, "getRecord");
    if (st == isoIec23465_Success) {
        const uint8_t *d;
        size_t n;
        uint16_t sw;
        st = px_cw_read_record(c, recordNumber, &d, &n, &sw);
        if (st == isoIec23465_Success && sw != 0x9000)
            st = px_error_set_sw(sw, "READ RECORD");
        if (st == isoIec23465_Success)
            st = px_out_bytes(d, n, buf, len);
    }
    px_cw_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_DataContainer_setRecord(isoIec23465_DataContainer *container,
                                                       unsigned recordNumber, const uint8_t *data,
                                                       size_t len)
{
    px_conn *c;
    isoIec23465_Status st = px_cw_enter(container, isoIec23465_TypeDataContainer,
                                        data != NULL && len > 0 && px_cw_record_ok(recordNumber),
                                        "NULL or empty data, or record number not in 1..254", &c);
    if (st != isoIec23465_Success)
        return st;
    px_cw_file f;
    st = px_cw_select(c, container->obj, &f);
    if (st == isoIec23465_Success)
        st = px_cw_check_structure(&f, true, "setRecord");
    if (st == isoIec23465_Success)
        st = px_cw_check_record_len(c, &f, len);
    if (st == isoIec23465_Success) {
        codec_capdu cmd = {.cla = 0x00,
                           .ins = 0xDC,
                           .p1 = (uint8_t)recordNumber,
                           .p2 = 0x04,
                           .data = data,
                           .lc = len};
        const uint8_t *d;
        size_t dl;
        uint16_t sw;
        st = px_apdu_exchange(c, &cmd, &d, &dl, &sw);
        if (st == isoIec23465_Success && sw != 0x9000)
            st = px_error_set_sw(sw, "UPDATE RECORD");
    }
    px_cw_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_DataContainer_appendRecord(isoIec23465_DataContainer *container,
                                                          const uint8_t *data, size_t len)
{
    px_conn *c;
    isoIec23465_Status st = px_cw_enter(container, isoIec23465_TypeDataContainer,
                                        data != NULL && len > 0, "NULL or empty data", &c);
    if (st != isoIec23465_Success)
        return st;
    px_cw_file f;
    st = px_cw_select(c, container->obj, &f);
    if (st == isoIec23465_Success)
        st = px_cw_check_structure(&f, true, "appendRecord");
    if (st == isoIec23465_Success)
        st = px_cw_check_record_len(c, &f, len);
    if (st == isoIec23465_Success) {
        codec_capdu cmd = {
            .cla = 0x00, .ins = 0xE2, .p1 = 0x00, .p2 = 0x00, .data = data, .lc = len};
        const uint8_t *d;
        size_t dl;
        uint16_t sw;
        st = px_apdu_exchange(c, &cmd, &d, &dl, &sw);
        if (st == isoIec23465_Success && sw != 0x9000)
            st = px_error_set_sw(sw, "APPEND RECORD");
    }
    px_cw_leave(c);
    return st;
}

/* Counts records by reading 1, 2, ... until the device answers 6A83 (record not found). */
static isoIec23465_Status px_cw_count_by_reading(px_conn *c, size_t *count)
{
    for (unsigned n = 1; n <= PX_CW_MAX_RECORD; n++) {
        const uint8_t *d;
        size_t dl;
        uint16_t sw;
        isoIec23465_Status st = px_cw_read_record(c, n, &d, &dl, &sw);
        if (st != isoIec23465_Success)
            return st;
        if (sw == 0x6A83) {
            *count = n - 1;
            return isoIec23465_Success;
        }
        if (sw != 0x9000)
            return px_error_set_sw(sw, "READ RECORD");
    }
    *count = PX_CW_MAX_RECORD;
    return isoIec23465_Success;
}

isoIec23465_Status isoIec23465_DataContainer_getRecordCount(isoIec23465_DataContainer *container,
                                                            size_t *count)
{
    px_conn *c;
    isoIec23465_Status st =
        px_cw_enter(container, isoIec23465_TypeDataContainer, count != NULL, "NULL count", &c);
    if (st != isoIec23465_Success)
        return st;
    px_cw_file f;
    st = px_cw_select(c, container->obj, &f);
    if (st == isoIec23465_Success)
        st = px_cw_check_structure(&f, true, "getRecordCount");
    size_t n = f.record_count;
    if (st == isoIec23465_Success && n == PX_SIZE_UNKNOWN)
        st = px_cw_count_by_reading(c, &n);
    if (st == isoIec23465_Success)
        *count = n;
    px_cw_leave(c);
    return st;
}

/* ---- certificates ------------------------------------------------------------------------- */

/* The length of the DER SEQUENCE at p[0..n): tag 30 and a definite length (short form, or 81 /
 * 82 / 83 followed by the length). With `strict`, the length must be in its shortest form (DER).
 * *total receives header + content length, which may exceed n (the caller checks). False when p
 * does not start like a SEQUENCE. */
static bool px_cw_der_sequence(const uint8_t *p, size_t n, bool strict, size_t *total)
{
    if (n < 2 || p[0] != 0x30)
        return false;
    size_t hdr = 2, len = p[1];
    if (p[1] & 0x80) {
        size_t k = p[1] & 0x7F;
        if (k < 1 || k > 3 || n < 2 + k)
            return false;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | p[2 + i];
        hdr = 2 + k;
        if (strict && (len < 0x80 || p[2] == 0))
            return false; /* not the shortest form */
    }
    *total = hdr + len;
    return true;
}

isoIec23465_Status
isoIec23465_CertificateContainer_getCertificate(isoIec23465_CertificateContainer *container,
                                                uint8_t *buf, size_t *len)
{
    px_conn *c;
    isoIec23465_Status st =
        px_cw_enter(container, isoIec23465_TypeCertificateContainer, len != NULL, "NULL len", &c);
    if (st != isoIec23465_Success)
        return st;
    px_cw_file f;
    uint8_t *cert = NULL;
    size_t total = 0;
    st = px_cw_select(c, container->obj, &f);
    if (st == isoIec23465_Success)
        st = px_cw_check_structure(&f, false, "getCertificate");
    if (st == isoIec23465_Success && f.size != PX_SIZE_UNKNOWN && f.size < 2)
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginDevice,
                          "the certificate file is empty");
    if (st == isoIec23465_Success) {
        /* The header first (at most 5 bytes: 30 83 xx xx xx), then exactly the rest. */
        uint8_t head[5];
        size_t want = f.size != PX_SIZE_UNKNOWN && f.size < sizeof head ? f.size : sizeof head;
        size_t got = 0;
        st = px_apdu_read_binary(c, 0, want, true, head, &got);
        if (st == isoIec23465_Success && got >= 1 && (head[0] == 0x00 || head[0] == 0xFF))
            st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginDevice,
                              "the certificate file holds no certificate (erased)");
        else if (st == isoIec23465_Success && !px_cw_der_sequence(head, got, false, &total))
            st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                              "the certificate file does not start with a DER SEQUENCE");
        else if (st == isoIec23465_Success && f.size != PX_SIZE_UNKNOWN && total > f.size)
            st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                              "the certificate (%zu bytes) is longer than its file (%zu)", total,
                              f.size);
        else if (st == isoIec23465_Success && buf && *len < total)
            st = px_error_buffer(total);
        if (st == isoIec23465_Success && buf) {
            cert = malloc(total);
            if (!cert)
                st = px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                                  "out of memory");
        }
        if (st == isoIec23465_Success && buf) {
            size_t have = got < total ? got : total;
            memcpy(cert, head, have);
            size_t rest = 0;
            if (have < total)
                st = px_apdu_read_binary(c, have, total - have, false, cert + have, &rest);
            if (st == isoIec23465_Success && have + rest != total)
                st = px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                                  "the certificate file ended after %zu of %zu bytes", have + rest,
                                  total);
        }
    }
    if (st == isoIec23465_Success) {
        if (buf)
            memcpy(buf, cert, total);
        *len = total;
    }
    free(cert);
    px_cw_leave(c);
    return st;
}

isoIec23465_Status
isoIec23465_CertificateContainer_setCertificate(isoIec23465_CertificateContainer *container,
                                                const uint8_t *der, size_t len)
{
    size_t total = 0;
    bool ok = der != NULL && px_cw_der_sequence(der, len, true, &total) && total == len;
    px_conn *c;
    isoIec23465_Status st = px_cw_enter(container, isoIec23465_TypeCertificateContainer, ok,
                                        "the certificate must be exactly one DER SEQUENCE", &c);
    if (st != isoIec23465_Success)
        return st;
    px_cw_file f;
    st = px_cw_select(c, container->obj, &f);
    if (st == isoIec23465_Success)
        st = px_cw_check_structure(&f, false, "setCertificate");
    if (st == isoIec23465_Success && f.size != PX_SIZE_UNKNOWN && len > f.size)
        st = px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                          "the certificate (%zu bytes) is larger than its file (%zu)", len, f.size);
    if (st == isoIec23465_Success)
        st = px_cw_check_range(c, &f, 0, len);
    if (st == isoIec23465_Success)
        st = px_cw_update_binary(c, 0, der, len);
    px_cw_leave(c);
    return st;
}

/* The objs[] index of the private key a certificate belongs to: its `cert` link, else the
 * private key with the same identifier (ISO/IEC 7816-15 links them by iD); -1 when none. */
static int px_cw_key_of(const px_desc *d, const px_desc_obj *cert)
{
    if (cert->cert >= 0 && (size_t)cert->cert < d->n_objs &&
        d->objs[cert->cert].type == isoIec23465_TypePrivateKey)
        return cert->cert;
    for (size_t i = 0; cert->id_len && i < d->n_objs; i++) {
        const px_desc_obj *o = &d->objs[i];
        if (o->type == isoIec23465_TypePrivateKey && o->id_len == cert->id_len &&
            memcmp(o->id, cert->id, cert->id_len) == 0)
            return (int)i;
    }
    return -1;
}

isoIec23465_Status
isoIec23465_CertificateContainer_getAssociatedKey(isoIec23465_CertificateContainer *container,
                                                  isoIec23465_PrivateKey **key)
{
    px_conn *c;
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(container, isoIec23465_TypeCertificateContainer, &c);
    if (st != isoIec23465_Success)
        return st;
    int i = -1;
    if (!key)
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL key pointer");
    else if (!container->obj || !c->desc)
        st = px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                          "container has no card reference");
    else if ((i = px_cw_key_of(c->desc, container->obj)) < 0)
        st = px_error_set(isoIec23465_ObjectNotFound, isoIec23465_OriginLocal,
                          "no private key belongs to this certificate");
    if (st == isoIec23465_Success) {
        /* Owned like findObject's handles: by the application the certificate was found in. */
        const px_desc_obj *o = &c->desc->objs[i];
        isoIec23465_Handle *parent = container->parent ? container->parent : container;
        isoIec23465_Handle *h = px_handle_new(o->type, parent, c);
        if (!h) {
            st =
                px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
        } else {
            snprintf(h->label, sizeof h->label, "%s", o->label);
            memcpy(h->id, o->id, o->id_len);
            h->id_len = o->id_len;
            h->app = o->app;
            h->obj = o;
            *key = h;
        }
    }
    px_handle_leave(c);
    return st;
}
