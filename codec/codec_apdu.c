/* ISO/IEC 7816-4 command and response APDUs (clause 5.1): decode once, encode canonically. */
#include "codec_apdu.h"

#include "codec_bytes.h"

#include <stddef.h>
#include <stdint.h>

/* The body after the 4-byte header. Clause 5.1 tells the cases apart by the body length alone:
 * 0: case 1; 1: 2S; first byte B1 != 0 and 1 + B1 (+1) bytes: 3S (4S); B1 == 0 and 3 bytes: 2E;
 * B1 == 0, Lc = B2B3 != 0 and 3 + Lc (+2) bytes: 3E (4E). Anything else is a length error. */
static codec_apdu_error decode_body(codec_reader *r, codec_capdu *a)
{
    size_t body = codec_reader_remaining(r);
    uint8_t b1;
    uint16_t v;

    a->data = NULL;
    a->lc = 0;
    a->ne = 0;
    if (body == 0) {
        a->apdu_case = CODEC_CASE_1;
        return CODEC_APDU_OK;
    }
    if (!codec_read_u8(r, &b1))
        return CODEC_APDU_BAD_LENGTH;
    if (body == 1) {
        a->apdu_case = CODEC_CASE_2S;
        a->ne = b1 ? b1 : 256;
        return CODEC_APDU_OK;
    }
    if (b1 != 0) {
        a->lc = b1;
        if (!codec_read_bytes(r, a->lc, &a->data))
            return CODEC_APDU_BAD_LENGTH;
        if (codec_reader_remaining(r) == 0) {
            a->apdu_case = CODEC_CASE_3S;
            return CODEC_APDU_OK;
        }
        if (!codec_read_u8(r, &b1) || codec_reader_remaining(r) != 0)
            return CODEC_APDU_BAD_LENGTH;
        a->apdu_case = CODEC_CASE_4S;
        a->ne = b1 ? b1 : 256;
        return CODEC_APDU_OK;
    }
    /* B1 == 0 with two bytes of body can only be a short Lc of zero followed by Le. */
    if (body == 2)
        return CODEC_APDU_ZERO_LC;
    if (!codec_read_u16be(r, &v))
        return CODEC_APDU_BAD_LENGTH;
    if (body == 3) {
        a->apdu_case = CODEC_CASE_2E;
        a->ne = v ? v : 65536;
        return CODEC_APDU_OK;
    }
    if (v == 0)
        return CODEC_APDU_ZERO_LC;
    a->lc = v;
    if (!codec_read_bytes(r, a->lc, &a->data))
        return CODEC_APDU_BAD_LENGTH;
    if (codec_reader_remaining(r) == 0) {
        a->apdu_case = CODEC_CASE_3E;
        return CODEC_APDU_OK;
    }
    if (!codec_read_u16be(r, &v) || codec_reader_remaining(r) != 0)
        return CODEC_APDU_BAD_LENGTH;
    a->apdu_case = CODEC_CASE_4E;
    a->ne = v ? v : 65536;
    return CODEC_APDU_OK;
}

codec_apdu_error codec_capdu_decode(const uint8_t *raw, size_t len, codec_capdu *out)
{
    codec_reader r;
    codec_capdu a;

    codec_reader_init(&r, raw, len);
    if (!codec_read_u8(&r, &a.cla) || !codec_read_u8(&r, &a.ins) || !codec_read_u8(&r, &a.p1) ||
        !codec_read_u8(&r, &a.p2))
        return CODEC_APDU_TOO_SHORT;
    codec_apdu_error err = decode_body(&r, &a);
    if (err != CODEC_APDU_OK)
        return err;
    *out = a;
    return CODEC_APDU_OK;
}

bool codec_capdu_is_extended(const codec_capdu *apdu)
{
    return apdu->apdu_case == CODEC_CASE_2E || apdu->apdu_case == CODEC_CASE_3E ||
           apdu->apdu_case == CODEC_CASE_4E;
}

size_t codec_capdu_encode(const codec_capdu *apdu, bool force_extended, uint8_t *out, size_t cap)
{
    if (apdu->lc > 65535 || apdu->ne > 65536 || (apdu->lc > 0 && !apdu->data))
        return 0;
    bool ext = force_extended || apdu->lc > 255 || apdu->ne > 256;
    codec_writer w;

    codec_writer_init(&w, out, cap);
    codec_write_u8(&w, apdu->cla);
    codec_write_u8(&w, apdu->ins);
    codec_write_u8(&w, apdu->p1);
    codec_write_u8(&w, apdu->p2);
    if (ext) {
        /* One 00 marks the extended form, whether Lc, Le or both follow; case 1 has none. */
        if (apdu->lc > 0 || apdu->ne > 0)
            codec_write_u8(&w, 0);
        if (apdu->lc > 0) {
            codec_write_u16be(&w, (uint16_t)apdu->lc);
            codec_write_bytes(&w, apdu->data, apdu->lc);
        }
        if (apdu->ne > 0)
            codec_write_u16be(&w, (uint16_t)(apdu->ne == 65536 ? 0 : apdu->ne));
    } else {
        if (apdu->lc > 0) {
            codec_write_u8(&w, (uint8_t)apdu->lc);
            codec_write_bytes(&w, apdu->data, apdu->lc);
        }
        if (apdu->ne > 0)
            codec_write_u8(&w, (uint8_t)(apdu->ne == 256 ? 0 : apdu->ne));
    }
    return w.overflow ? 0 : w.len;
}

const char *codec_apdu_case_name(codec_apdu_case c)
{
    switch (c) {
    case CODEC_CASE_1:
        return "1";
    case CODEC_CASE_2S:
        return "2S";
    case CODEC_CASE_3S:
        return "3S";
    case CODEC_CASE_4S:
        return "4S";
    case CODEC_CASE_2E:
        return "2E";
    case CODEC_CASE_3E:
        return "3E";
    case CODEC_CASE_4E:
        return "4E";
    }
    return "?";
}

bool codec_rapdu_decode(const uint8_t *raw, size_t len, codec_rapdu *out)
{
    if (!raw || len < 2)
        return false;
    out->data = raw;
    out->len = len - 2;
    out->sw = (uint16_t)((unsigned)raw[len - 2] << 8 | raw[len - 1]);
    return true;
}

/* Exact status words of ISO/IEC 7816-4 clause 5.6, section 4 of notes/iso7816.md. */
static const struct {
    uint16_t sw;
    const char *text;
} sw_table[] = {
    {0x9000, "normal processing"},
    {0x6200, "warning: no information, memory unchanged"},
    {0x6281, "warning: part of returned data may be corrupted"},
    {0x6282, "warning: end of file or record reached before reading Ne bytes"},
    {0x6283, "warning: selected file deactivated"},
    {0x6284, "warning: file control information not formatted per 7816-4"},
    {0x6285, "warning: selected file in termination state"},
    {0x6286, "warning: no input data available from a sensor"},
    {0x6300, "warning: memory changed, no information (verification failed)"},
    {0x6381, "warning: file filled up by the last write"},
    {0x6400, "execution error: memory unchanged"},
    {0x6401, "execution error: immediate response required by the card"},
    {0x6500, "execution error: memory changed"},
    {0x6581, "execution error: memory failure"},
    {0x6600, "security-related issue"},
    {0x6700, "wrong length"},
    {0x6800, "functions in CLA not supported"},
    {0x6881, "logical channel not supported"},
    {0x6882, "secure messaging not supported"},
    {0x6883, "last command of the chain expected"},
    {0x6884, "command chaining not supported"},
    {0x6900, "command not allowed"},
    {0x6981, "command incompatible with file structure"},
    {0x6982, "security status not satisfied"},
    {0x6983, "authentication method blocked"},
    {0x6984, "reference data not usable"},
    {0x6985, "conditions of use not satisfied"},
    {0x6986, "command not allowed (no current EF)"},
    {0x6987, "expected secure messaging data objects missing"},
    {0x6988, "incorrect secure messaging data objects"},
    {0x6A00, "wrong parameters P1-P2"},
    {0x6A80, "incorrect parameters in the command data field"},
    {0x6A81, "function not supported"},
    {0x6A82, "file or application not found"},
    {0x6A83, "record not found"},
    {0x6A84, "not enough memory space in the file"},
    {0x6A85, "Nc inconsistent with TLV structure"},
    {0x6A86, "incorrect parameters P1-P2"},
    {0x6A87, "Nc inconsistent with parameters P1-P2"},
    {0x6A88, "referenced data or reference data not found"},
    {0x6A89, "file already exists"},
    {0x6A8A, "DF name already exists"},
    {0x6B00, "wrong parameters P1-P2 (offset outside the EF)"},
    {0x6D00, "instruction code not supported or invalid"},
    {0x6E00, "class not supported"},
    {0x6F00, "no precise diagnosis"},
};

const char *codec_sw_describe(uint16_t sw)
{
    for (size_t i = 0; i < sizeof sw_table / sizeof sw_table[0]; i++)
        if (sw_table[i].sw == sw)
            return sw_table[i].text;
    /* Status words whose low byte carries a number. */
    switch (sw >> 8) {
    case 0x61:
        return "more response data available (GET RESPONSE with Le = SW2)";
    case 0x6C:
        return "wrong Le field (SW2 = exact length available)";
    case 0x63:
        if ((sw & 0xF0) == 0xC0)
            return "warning: counter in SW2 low nibble (wrong secret, tries left)";
        return "warning: memory changed";
    case 0x62:
        return "warning: memory unchanged";
    case 0x64:
        return "execution error: memory unchanged";
    case 0x65:
        return "execution error: memory changed";
    case 0x66:
        return "security-related issue";
    case 0x67:
        return "wrong length (proprietary)";
    case 0x68:
        return "functions in CLA not supported";
    case 0x69:
        return "command not allowed";
    case 0x6A:
        return "wrong parameters P1-P2";
    case 0x6B:
        return "wrong parameters P1-P2 (proprietary)";
    case 0x6D:
        return "instruction code not supported (proprietary)";
    case 0x6E:
        return "class not supported (proprietary)";
    case 0x6F:
        return "no precise diagnosis (proprietary)";
    default:
        break;
    }
    if ((sw >> 12) == 0x9)
        return "proprietary status";
    return "invalid or unknown status word";
}
