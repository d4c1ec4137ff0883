/* APDU engine. Commands are built as codec_capdu and encoded by codec; responses are split
 * with codec_rapdu_decode. Everything the card controls is bounded: rounds, lengths. */
#include "px_apdu.h"

#include <stdlib.h>
#include <string.h>

#include "codec_bytes.h"
#include "codec_tlv.h"
#include "px_error.h"

isoIec23465_Status px_apdu_begin(px_conn *c)
{
    if (!c->tr.ops->begin)
        return isoIec23465_Success;
    isoIec23465_Status st = c->tr.ops->begin(c->tr.ctx);
    c->in_transaction = st == isoIec23465_Success;
    return st;
}

void px_apdu_end(px_conn *c)
{
    if (c->in_transaction && c->tr.ops->end)
        c->tr.ops->end(c->tr.ctx);
    c->in_transaction = false;
    px_conn_trim(c);
}

uint8_t px_apdu_cla(uint8_t cla, uint8_t channel, bool chained)
{
    if (cla == 0xFF)
        return cla;            /* invalid class: left for the card to refuse */
    uint8_t prop = cla & 0x80; /* proprietary classes keep b8 and follow the same layout */
    uint8_t chain = chained ? 0x10 : 0x00;
    /* Secure messaging indication in the first (b4-b3) or further (b6) layout. */
    uint8_t sm = (cla & 0x40) ? ((cla & 0x20) ? 0x08 : 0x00) : (cla & 0x0C);
    if (channel <= 3)
        return (uint8_t)(prop | sm | chain | channel);
    /* Further interindustry layout: b7 set, b6 secure messaging, b4-b1 channel - 4. */
    return (uint8_t)(prop | 0x40 | (sm ? 0x20 : 0x00) | chain | ((channel - 4) & 0x0F));
}

/* Largest short command APDU: header, Lc, 255 data bytes, Le. */
#define PX_SHORT_CAPDU_MAX (4 + 1 + 255 + 1)

/* Encodes and transmits one command (CLA as given); the response frame lands at c->rbuf + at,
 * with room for Ne (at least 256) data bytes and SW1 SW2. */
static isoIec23465_Status px_send(px_conn *c, const codec_capdu *cmd, size_t at, codec_rapdu *r)
{
    uint8_t small[PX_SHORT_CAPDU_MAX];
    uint8_t *enc = small;
    size_t cap = sizeof small;
    if (cmd->lc > 65535 || cmd->ne > 65536)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "command cannot be encoded (Nc %zu, Ne %zu)", cmd->lc, cmd->ne);
    if (cmd->lc > 255 || cmd->ne > 256) {
        /* Extended: encoded into a buffer of this call only, so no 64 KB stays allocated. */
        cap = 4 + 3 + cmd->lc + 2;
        if (!(enc = malloc(cap)))
            return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal,
                                "out of memory");
    }
    size_t n = codec_capdu_encode(cmd, false, enc, cap);
    if (n == 0) {
        if (enc != small)
            free(enc);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "command cannot be encoded (Nc %zu, Ne %zu)", cmd->lc, cmd->ne);
    }
    size_t room = (cmd->ne > 256 ? cmd->ne : 256) + 2;
    if (!px_conn_reserve(c, at + room)) {
        if (enc != small)
            free(enc);
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    }
    size_t rlen = 0;
    isoIec23465_Status st = c->tr.ops->transmit(c->tr.ctx, enc, n, c->rbuf + at, room, &rlen);
    explicit_bzero(enc, n); /* commands carry PINs and keys */
    if (enc != small)
        free(enc);
    if (st != isoIec23465_Success)
        return st;
    if (rlen > room || !codec_rapdu_decode(c->rbuf + at, rlen, r))
        return px_error_set(isoIec23465_CommunicationError, isoIec23465_OriginTransport,
                            "response of %zu bytes is not a response APDU", rlen);
    return isoIec23465_Success;
}

bool px_apdu_can_chain(const px_conn *c)
{
    return c->info.chaining == 1;
}

size_t px_apdu_max_lc(const px_conn *c)
{
    if (!c->ext)
        return 255;
    if (c->info.max_command >= 4 + 3 + 2 && c->info.max_command - (4 + 3 + 2) < 65535)
        return c->info.max_command - (4 + 3 + 2);
    return 65535;
}

/* Sends all but the last 255-byte piece of a long command with CLA b5 set (ISO/IEC 7816-4
 * 5.3.3). Each piece must get 9000; any other answer ends the chain and is the command's
 * answer (*stop set, *r holding it at rbuf[0]). *sent is the number of data bytes sent. */
static isoIec23465_Status px_send_chain(px_conn *c, const codec_capdu *cmd, size_t *sent,
                                        codec_rapdu *r, bool *stop)
{
    /* Pieces of 255 bytes, fewer when the device's largest command (EF.ATR) asks for it. */
    size_t max = px_apdu_max_lc(c), each = max < PX_CHAIN_PIECE ? max : PX_CHAIN_PIECE;
    *sent = 0;
    *stop = false;
    while (cmd->lc - *sent > each) {
        codec_capdu piece = {.cla = px_apdu_cla(cmd->cla, c->channel, true),
                             .ins = cmd->ins,
                             .p1 = cmd->p1,
                             .p2 = cmd->p2,
                             .data = cmd->data + *sent,
                             .lc = each};
        isoIec23465_Status st = px_send(c, &piece, 0, r);
        if (st != isoIec23465_Success)
            return st;
        *sent += each;
        if (r->sw != 0x9000) {
            *stop = true;
            return isoIec23465_Success;
        }
    }
    return isoIec23465_Success;
}

isoIec23465_Status px_apdu_exchange(px_conn *c, const codec_capdu *cmd, const uint8_t **data,
                                    size_t *len, uint16_t *sw)
{
    codec_capdu cur = *cmd;
    cur.cla = px_apdu_cla(cmd->cla, c->channel, false);
    if (!c->ext && cur.ne > 256)
        cur.ne = 256; /* a short-length device sends the rest through 61xx */
    bool chained = false;
    if (cmd->lc > px_apdu_max_lc(c)) {
        if (!px_apdu_can_chain(c) && !c->ext)
            return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                                "command of %zu data bytes needs extended length or command "
                                "chaining, and the device offers neither",
                                cmd->lc);
        if (!px_apdu_can_chain(c))
            return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                                "command of %zu data bytes is longer than the device's largest "
                                "command APDU (%zu bytes, EF.ATR) and it does not chain",
                                cmd->lc, c->info.max_command);
        size_t sent;
        bool stop;
        codec_rapdu r;
        isoIec23465_Status st = px_send_chain(c, cmd, &sent, &r, &stop);
        if (st != isoIec23465_Success)
            return st;
        if (stop) {
            *data = c->rbuf;
            *len = r.len;
            *sw = r.sw;
            return isoIec23465_Success;
        }
        cur.data = cmd->data + sent;
        cur.lc = cmd->lc - sent;
        chained = true;
    }
    size_t total = 0;
    unsigned wrong_le = 0, get_resp = 0;
    for (;;) {
        codec_rapdu r;
        isoIec23465_Status st = px_send(c, &cur, total, &r);
        if (st != isoIec23465_Success)
            return st;
        if (r.len > (PX_RESPONSE_MAX - 2) - total)
            return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                                "response data longer than 65536 bytes");
        uint8_t sw1 = (uint8_t)(r.sw >> 8), sw2 = (uint8_t)r.sw;
        if (sw1 == 0x6C && total == 0 && r.len == 0 && wrong_le < PX_MAX_WRONG_LE &&
            cur.ins != 0xC0 && !chained) {
            /* Wrong Le: the same command again, Le = exact length (00 means 256). A chained
             * command is not re-sent: its earlier pieces are gone. */
            wrong_le++;
            cur.ne = sw2 ? sw2 : 256;
            continue;
        }
        /* The data already sits at rbuf + total (px_send received it there). */
        total += r.len;
        if (sw1 == 0x61 && get_resp < PX_MAX_GET_RESPONSE) {
            get_resp++;
            codec_capdu gr = {.cla = px_apdu_cla(0x00, c->channel, false),
                              .ins = 0xC0,
                              .p1 = 0,
                              .p2 = 0,
                              .ne = sw2 ? sw2 : 256};
            cur = gr;
            continue;
        }
        *data = c->rbuf;
        *len = total;
        *sw = r.sw;
        return isoIec23465_Success;
    }
}

uint8_t px_apdu_use_channel(px_conn *c, uint8_t channel)
{
    uint8_t prev = c->channel;
    c->channel = channel;
    return prev;
}

isoIec23465_Status px_apdu_channel_open(px_conn *c, uint8_t *channel)
{
    if (c->info.logical_channels <= 1)
        return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                            "the device offers no logical channel besides the basic one");
    codec_capdu cmd = {.cla = 0x00, .ins = 0x70, .p1 = 0x00, .p2 = 0x00, .ne = 1};
    uint8_t prev = px_apdu_use_channel(c, 0); /* opened from the basic channel */
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &n, &sw);
    px_apdu_use_channel(c, prev);
    if (st != isoIec23465_Success)
        return st;
    if (sw != 0x9000)
        return px_error_set_sw(sw, "MANAGE CHANNEL open");
    /* The ATR counts channels up to 8, which means "8 or more" (ISO/IEC 7816-4 8.1.1.2.7). */
    if (n != 1 || d[0] == 0 || d[0] > PX_MAX_CHANNEL ||
        (c->info.logical_channels < 8 && d[0] >= c->info.logical_channels)) {
        uint8_t bad = n == 1 ? d[0] : 0;
        if (n == 1 && bad != 0 && bad <= PX_MAX_CHANNEL)
            (void)px_apdu_channel_close(c, bad); /* best effort: do not leak the channel */
        return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                            "MANAGE CHANNEL open answered %zu bytes (channel %u)", n, bad);
    }
    *channel = d[0];
    return isoIec23465_Success;
}

isoIec23465_Status px_apdu_channel_close(px_conn *c, uint8_t channel)
{
    if (channel == 0 || channel > PX_MAX_CHANNEL)
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                            "channel %u cannot be closed", channel);
    codec_capdu cmd = {.cla = 0x00, .ins = 0x70, .p1 = 0x80, .p2 = channel};
    uint8_t prev = px_apdu_use_channel(c, 0);
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &n, &sw);
    px_apdu_use_channel(c, prev);
    if (st != isoIec23465_Success)
        return st;
    if (sw != 0x9000)
        return px_error_set_sw(sw, "MANAGE CHANNEL close");
    return isoIec23465_Success;
}

isoIec23465_Status px_apdu_open_app(px_conn *c, const uint8_t *aid, size_t aid_len,
                                    uint8_t *channel)
{
    uint8_t ch = 0;
    if (c->info.logical_channels > 1) {
        isoIec23465_ErrorDetails saved;
        isoIec23465_getLastError(&saved);
        isoIec23465_Status st = px_apdu_channel_open(c, &ch);
        if (st == isoIec23465_CommunicationError || st == isoIec23465_NotEnoughMemory)
            return st;
        if (st != isoIec23465_Success) {
            ch = 0; /* refused (all in use, not offered after all): share the basic channel */
            px_error_restore(&saved);
        }
    }
    uint8_t prev = px_apdu_use_channel(c, ch);
    isoIec23465_Status st = px_apdu_select_aid(c, aid, aid_len);
    px_apdu_use_channel(c, prev);
    if (st != isoIec23465_Success) {
        if (ch) {
            isoIec23465_ErrorDetails saved;
            isoIec23465_getLastError(&saved);
            (void)px_apdu_channel_close(c, ch);
            px_error_restore(&saved); /* the caller wants the SELECT's error */
        }
        return st;
    }
    *channel = ch;
    return isoIec23465_Success;
}

void px_apdu_release_channels(px_conn *c, const isoIec23465_Handle *h)
{
    uint8_t ch[PX_MAX_CHANNEL];
    size_t n = px_handle_channels(h, ch, sizeof ch);
    if (n == 0)
        return;
    isoIec23465_ErrorDetails saved;
    isoIec23465_getLastError(&saved);
    bool began = !c->in_transaction && px_apdu_begin(c) == isoIec23465_Success;
    for (size_t i = 0; i < n; i++)
        (void)px_apdu_channel_close(c, ch[i]);
    if (began)
        px_apdu_end(c);
    px_error_restore(&saved);
}

/* Exchanges and maps a non-9000 SW to its status (6282 and friends are the caller's). */
static isoIec23465_Status px_exchange_ok(px_conn *c, const codec_capdu *cmd, const char *what,
                                         const uint8_t **data, size_t *len)
{
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, cmd, data, len, &sw);
    if (st != isoIec23465_Success)
        return st;
    if (sw != 0x9000)
        return px_error_set_sw(sw, what);
    return isoIec23465_Success;
}

isoIec23465_Status px_apdu_select_aid(px_conn *c, const uint8_t *aid, size_t aid_len)
{
    codec_capdu cmd = {
        .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = aid, .lc = aid_len};
    const uint8_t *d;
    size_t n;
    return px_exchange_ok(c, &cmd, "SELECT by AID", &d, &n);
}

isoIec23465_Status px_apdu_probe_aid(px_conn *c, const uint8_t *aid, size_t aid_len, bool *found)
{
    codec_capdu cmd = {
        .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = aid, .lc = aid_len};
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &n, &sw);
    if (st == isoIec23465_Success)
        *found = sw == 0x9000;
    return st;
}

bool px_apdu_fcp_size(const uint8_t *fcp, size_t len, size_t *size)
{
    codec_reader r;
    uint32_t tag;
    size_t l;
    const uint8_t *body;
    codec_reader_init(&r, fcp, len);
    if (!codec_ber_read_tlv(&r, &tag, &body, &l) || (tag != 0x62 && tag != 0x6F))
        return false;
    codec_reader in;
    codec_reader_init(&in, body, l);
    bool have80 = false, have81 = false;
    size_t s80 = 0, s81 = 0;
    while (codec_reader_remaining(&in) > 0) {
        const uint8_t *v;
        if (!codec_ber_read_tlv(&in, &tag, &v, &l))
            return false;
        if ((tag == 0x80 || tag == 0x81) && l >= 1 && l <= 4) {
            size_t s = 0;
            for (size_t i = 0; i < l; i++)
                s = s << 8 | v[i];
            if (tag == 0x80) {
                have80 = true;
                s80 = s;
            } else {
                have81 = true;
                s81 = s;
            }
        }
    }
    if (!have80 && !have81)
        return false;
    *size = have80 ? s80 : s81;
    return true;
}

/* One SELECT asking for the FCP (P2 04), falling back to no response data (P2 0C) when the card
 * refuses P2 04 with 6A86 or 6A81. *fcp and *fcp_len: the response data (in the engine's
 * buffer, valid until the next exchange; empty after the fallback). */
static isoIec23465_Status px_select_fcp(px_conn *c, uint8_t p1, const uint8_t *ref, size_t n,
                                        const uint8_t **fcp, size_t *fcp_len)
{
    codec_capdu cmd = {
        .cla = 0x00, .ins = 0xA4, .p1 = p1, .p2 = 0x04, .data = ref, .lc = n, .ne = 256};
    uint16_t sw;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, fcp, fcp_len, &sw);
    if (st != isoIec23465_Success)
        return st;
    if (sw == 0x6A86 || sw == 0x6A81) {
        cmd.p2 = 0x0C;
        cmd.ne = 0;
        st = px_apdu_exchange(c, &cmd, fcp, fcp_len, &sw);
        if (st != isoIec23465_Success)
            return st;
        *fcp_len = 0;
    }
    if (sw != 0x9000)
        return px_error_set_sw(sw, "SELECT");
    return isoIec23465_Success;
}

isoIec23465_Status px_apdu_select_obj_fcp(px_conn *c, const px_desc_obj *o, const uint8_t **fcp,
                                          size_t *fcp_len)
{
    if (o->app < 0) {
        /* Path from the MF, without the leading 3F00 (P1 08). */
        if (o->path_len == 2)
            return px_select_fcp(c, 0x00, o->path, 2, fcp, fcp_len);
        return px_select_fcp(c, 0x08, o->path + 2, o->path_len - 2, fcp, fcp_len);
    }
    const px_desc_app *app = &c->desc->apps[o->app];
    isoIec23465_Status st = px_apdu_select_aid(c, app->aid, app->aid_len);
    if (st != isoIec23465_Success)
        return st;
    return px_select_fcp(c, o->path_len == 2 ? 0x02 : 0x09, o->path, o->path_len, fcp, fcp_len);
}

isoIec23465_Status px_apdu_select_obj(px_conn *c, const px_desc_obj *o, size_t *size)
{
    const uint8_t *fcp;
    size_t len;
    isoIec23465_Status st = px_apdu_select_obj_fcp(c, o, &fcp, &len);
    if (st == isoIec23465_Success && !px_apdu_fcp_size(fcp, len, size))
        *size = PX_SIZE_UNKNOWN;
    return st;
}

isoIec23465_Status px_apdu_read_binary(px_conn *c, size_t offset, size_t length, bool to_eof,
                                       uint8_t *out, size_t *got)
{
    size_t done = 0;
    while (done < length) {
        size_t off = offset + done;
        if (off > PX_READ_BINARY_MAX_OFFSET)
            return px_error_set(isoIec23465_FunctionNotImplemented, isoIec23465_OriginLocal,
                                "READ BINARY beyond offset 32767 is not supported yet");
        size_t chunk = length - done < c->max_le ? length - done : c->max_le;
        codec_capdu cmd = {
            .cla = 0x00, .ins = 0xB0, .p1 = (uint8_t)(off >> 8), .p2 = (uint8_t)off, .ne = chunk};
        const uint8_t *d;
        size_t n;
        uint16_t sw;
        isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &n, &sw);
        if (st != isoIec23465_Success)
            return st;
        if (sw == 0x6B00 && to_eof && done > 0)
            break;
        if (sw != 0x9000 && sw != 0x6282)
            return px_error_set_sw(sw, "READ BINARY");
        if (n > chunk)
            return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                                "READ BINARY answered %zu bytes for Le %zu", n, chunk);
        if (n == 0 && sw == 0x9000)
            return px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                                "READ BINARY answered no data at offset %zu", off);
        memcpy(out + done, d, n);
        done += n;
        if (sw == 0x6282 || (to_eof && n < chunk))
            break;
    }
    *got = done;
    return isoIec23465_Success;
}
