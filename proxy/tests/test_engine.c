/* The APDU engine and the status table, through a scripted fake device: 61xx, 6Cxx, 6282 and
 * malformed answers; command chaining and logical channels, through the fake device and the
 * emulated card (emu:, with profile variants that change its transport). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec_bytes.h"
#include "px_apdu.h"
#include "px_atr.h"
#include "px_handle.h"
#include "px_status.h"
#include "px_transport.h"

typedef struct script {
    uint8_t b[70000];
    size_t n;
} script;

/* Appends one frame given as hex. */
static void frame(script *s, const char *hex)
{
    uint8_t tmp[4096];
    size_t len = 0, pos = 0;
    cr_assert(codec_hex_decode(hex, strlen(hex), tmp, sizeof tmp, &len, &pos), "hex at %zu", pos);
    cr_assert(s->n + 2 + len <= sizeof s->b);
    s->b[s->n++] = (uint8_t)(len >> 8);
    s->b[s->n++] = (uint8_t)len;
    memcpy(s->b + s->n, tmp, len);
    s->n += len;
}

/* Appends a frame of `n` pattern bytes (byte i = first + i) followed by sw. */
static void frame_data(script *s, size_t n, unsigned first, unsigned sw)
{
    cr_assert(s->n + 4 + n <= sizeof s->b);
    s->b[s->n++] = (uint8_t)((n + 2) >> 8);
    s->b[s->n++] = (uint8_t)(n + 2);
    for (size_t i = 0; i < n; i++)
        s->b[s->n++] = (uint8_t)(first + i);
    s->b[s->n++] = (uint8_t)(sw >> 8);
    s->b[s->n++] = (uint8_t)sw;
}

static px_transport tr;
static isoIec23465_SecurityDevice *dev;
static isoIec23465_DataContainer *dc;

/* ATR without capabilities (short Le 256), SELECT AID 9000 so the sdtest description matches,
 * then the caller's frames; finds "public-256". */
static void start(script *s)
{
    cr_assert_eq(px_transport_fake_open(s->b, s->n, &tr), isoIec23465_Success);
    px_devinfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.identifier, sizeof info.identifier, "fake:");
    cr_assert_eq(px_connect_transport(&tr, &info, &dev), isoIec23465_Success);
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, "public-256", &dc),
                 isoIec23465_Success);
}

/* Commands connect sends to a fake device: the SELECT probe and discovery's two SELECTs. */
#define CONNECT_CMDS 3

/* Answers of a card without ISO/IEC 7816-15 data to connect's discovery: no EF.DIR, no
 * PKCS#15 application. */
static void no_p15(script *s)
{
    /* (CONNECT_CMDS counts them with the description's SELECT probe) */
    frame(s, "6A 82");
    frame(s, "6A 82");
}

static void head(script *s)
{
    s->n = 0;
    frame(s, "3B 00");
    frame(s, "90 00");
    no_p15(s);
}

static void stop(void)
{
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
}

/* Commands counted below: SELECT AID (description match), SELECT, READ BINARY, then retries. */
static size_t last_command(uint8_t *buf, size_t cap)
{
    return px_transport_fake_last(&dev->conn->tr, buf, cap);
}

static script S;

Test(engine, get_response_after_61xx, .fini = stop)
{
    head(&S);
    frame(&S, "62 04 80 02 01 00 90 00");
    frame_data(&S, 100, 0, 0x619C);
    frame_data(&S, 156, 100, 0x9000);
    start(&S);
    uint8_t buf[256];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success);
    cr_assert_eq(len, 256);
    for (size_t i = 0; i < 256; i++)
        cr_assert_eq(buf[i], (uint8_t)i);
    uint8_t cmd[16];
    size_t n = last_command(cmd, sizeof cmd);
    const uint8_t get_response[] = {0x00, 0xC0, 0x00, 0x00, 0x9C};
    cr_assert_eq(n, sizeof get_response);
    cr_assert_arr_eq(cmd, get_response, n);
}

Test(engine, resend_after_6cxx, .fini = stop)
{
    head(&S);
    frame(&S, "62 04 80 02 00 10 90 00");
    frame(&S, "6C 08");
    frame_data(&S, 8, 0, 0x9000);
    frame_data(&S, 8, 8, 0x9000);
    start(&S);
    uint8_t buf[16];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getDataRange(dc, 0, 16, buf, &len), isoIec23465_Success);
    for (size_t i = 0; i < 16; i++)
        cr_assert_eq(buf[i], (uint8_t)i);
    uint8_t cmd[16];
    size_t n = last_command(cmd, sizeof cmd);
    const uint8_t second_read[] = {0x00, 0xB0, 0x00, 0x08, 0x08};
    cr_assert_eq(n, sizeof second_read);
    cr_assert_arr_eq(cmd, second_read, n);
}

Test(engine, end_of_file_6282_when_size_unknown, .fini = stop)
{
    head(&S);
    frame(&S, "62 03 82 01 01 90 00"); /* FCP without a size */
    frame_data(&S, 10, 0, 0x6282);
    start(&S);
    size_t size = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize(dc, &size), isoIec23465_Success);
    cr_assert_eq(size, 10);
}

Test(engine, read_until_6b00_when_size_unknown, .fini = stop)
{
    head(&S);
    frame(&S, "90 00"); /* no FCP at all */
    frame_data(&S, 256, 0, 0x9000);
    frame(&S, "6B 00");
    start(&S);
    uint8_t buf[300];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success);
    cr_assert_eq(len, 256);
}

Test(engine, p2_04_refused_falls_back_to_0c, .fini = stop)
{
    head(&S);
    frame(&S, "6A 86");
    frame(&S, "90 00");
    frame_data(&S, 5, 0, 0x6282);
    start(&S);
    size_t size = 0;
    cr_assert_eq(isoIec23465_DataContainer_getSize(dc, &size), isoIec23465_Success);
    cr_assert_eq(size, 5);
}

Test(engine, one_byte_response_is_communication_error, .fini = stop)
{
    head(&S);
    frame(&S, "90");
    start(&S);
    size_t size;
    cr_assert_eq(isoIec23465_DataContainer_getSize(dc, &size), isoIec23465_CommunicationError);
}

Test(engine, script_exhausted_is_communication_error, .fini = stop)
{
    head(&S);
    start(&S);
    size_t size;
    cr_assert_eq(isoIec23465_DataContainer_getSize(dc, &size), isoIec23465_CommunicationError);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.origin, isoIec23465_OriginTransport);
}

Test(engine, endless_6cxx_is_bounded, .fini = stop)
{
    head(&S);
    frame(&S, "62 04 80 02 00 10 90 00");
    for (int i = 0; i < 3; i++)
        frame(&S, "6C 08");
    start(&S);
    uint8_t buf[16];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_SecurityDeviceError);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert(d.hasStatusWord);
    cr_assert_eq(d.statusWord, 0x6C08);
    cr_assert_eq(px_transport_fake_count(&dev->conn->tr), CONNECT_CMDS + 1 + 1 + PX_MAX_WRONG_LE);
}

Test(engine, endless_61xx_is_bounded, .fini = stop)
{
    head(&S);
    frame(&S, "62 04 80 02 01 00 90 00");
    for (int i = 0; i < PX_MAX_GET_RESPONSE + 5; i++)
        frame(&S, "00 61 01");
    start(&S);
    uint8_t buf[256];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_SecurityDeviceError);
    cr_assert_eq(px_transport_fake_count(&dev->conn->tr),
                 CONNECT_CMDS + 1 + 1 + PX_MAX_GET_RESPONSE);
}

Test(engine, more_data_than_asked_is_refused, .fini = stop)
{
    head(&S);
    frame(&S, "62 04 80 02 00 04 90 00");
    frame_data(&S, 8, 0, 0x9000);
    start(&S);
    uint8_t buf[16];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_SecurityDeviceError);
    cr_assert_eq(len, sizeof buf);
}

Test(engine, no_data_with_9000_is_refused, .fini = stop)
{
    head(&S);
    frame(&S, "62 04 80 02 00 04 90 00");
    frame(&S, "90 00");
    start(&S);
    uint8_t buf[16];
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_SecurityDeviceError);
}

Test(engine, card_error_keeps_the_sw, .fini = stop)
{
    head(&S);
    frame(&S, "69 82");
    start(&S);
    size_t size;
    cr_assert_eq(isoIec23465_DataContainer_getSize(dc, &size),
                 isoIec23465_SecurityStatusNotSatisfied);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.origin, isoIec23465_OriginDevice);
    cr_assert_eq(d.statusWord, 0x6982);
}

Test(engine, unknown_card_has_no_objects)
{
    S.n = 0;
    frame(&S, "3B 00");
    frame(&S, "6A 82"); /* the sdtest AID is not there */
    no_p15(&S);
    cr_assert_eq(px_transport_fake_open(S.b, S.n, &tr), isoIec23465_Success);
    px_devinfo info;
    memset(&info, 0, sizeof info);
    cr_assert_eq(px_connect_transport(&tr, &info, &dev), isoIec23465_Success);
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    isoIec23465_Object *o = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, "public-256", &o),
                 isoIec23465_ObjectNotFound);
    stop();
}

/* Regression: a SELECT probe that gets no status word used to be taken for "not this card", so
 * connect succeeded without the description and every findObject answered ObjectNotFound. */
static void connect_fails_on_probe(const char *answer)
{
    S.n = 0;
    frame(&S, "3B 00");
    if (answer)
        frame(&S, answer);
    cr_assert_eq(px_transport_fake_open(S.b, S.n, &tr), isoIec23465_Success);
    px_devinfo info;
    memset(&info, 0, sizeof info);
    dev = NULL;
    cr_assert_eq(px_connect_transport(&tr, &info, &dev), isoIec23465_CommunicationError);
    cr_assert_null(dev);
    isoIec23465_ErrorDetails e;
    cr_assert_eq(isoIec23465_getLastError(&e), isoIec23465_CommunicationError);
    cr_assert_eq(e.origin, isoIec23465_OriginTransport);
}

Test(connect, probe_without_answer_fails)
{
    connect_fails_on_probe(NULL); /* the script ends: the link is gone */
}

Test(connect, probe_with_malformed_answer_fails)
{
    connect_fails_on_probe("90"); /* one byte: not a response APDU */
}

Test(status, table_maps_every_sw_of_api_md)
{
    static const struct {
        uint16_t sw;
        isoIec23465_Status st;
    } cases[] = {
        {0x9000, isoIec23465_Success},
        {0x6D00, isoIec23465_FunctionNotImplemented},
        {0x6A81, isoIec23465_FunctionNotImplemented},
        {0x6E00, isoIec23465_FunctionNotImplemented},
        {0x6A82, isoIec23465_ObjectNotFound},
        {0x6A83, isoIec23465_ObjectNotFound},
        {0x6A88, isoIec23465_ObjectNotFound},
        {0x6982, isoIec23465_SecurityStatusNotSatisfied},
        {0x63C0, isoIec23465_AuthenticationFailed},
        {0x63C3, isoIec23465_AuthenticationFailed},
        {0x6983, isoIec23465_AuthenticationMethodBlocked},
        {0x6984, isoIec23465_ReferenceDataNotUsable},
        {0x6985, isoIec23465_ConditionsOfUseNotSatisfied},
        {0x6A84, isoIec23465_NotEnoughMemory},
        {0x6A89, isoIec23465_ObjectAlreadyExists},
        {0x6A8A, isoIec23465_ObjectAlreadyExists},
        {0x6F00, isoIec23465_SecurityDeviceError},
        {0x6700, isoIec23465_SecurityDeviceError},
        {0x6B00, isoIec23465_SecurityDeviceError},
        {0x6300, isoIec23465_SecurityDeviceError},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int tries = 99;
        cr_assert_eq(px_status_from_sw(cases[i].sw, &tries), cases[i].st, "SW %04X", cases[i].sw);
        if ((cases[i].sw & 0xFFF0) == 0x63C0)
            cr_assert_eq(tries, cases[i].sw & 0x0F);
        else
            cr_assert_eq(tries, -1);
    }
}

Test(atr, reference_card_capabilities)
{
    const uint8_t atr[] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xB4, 0x41, 0xDB, 0xD9};
    px_atr_info a;
    cr_assert(px_atr_parse(atr, sizeof atr, &a));
    cr_assert_eq(a.hist_len, 5);
    cr_assert_eq(a.extended_length, 1);
    cr_assert_eq(a.chaining, 1); /* the reference card chains (ATR byte DB) */
    cr_assert_eq(a.logical_channels, 4);
    /* every prefix is malformed (TCK and historical bytes missing) */
    for (size_t n = 0; n < sizeof atr - 1; n++)
        cr_assert_not(px_atr_parse(atr, n, &a), "prefix %zu", n);
    const uint8_t bad_ts[] = {0x3C, 0x00};
    cr_assert_not(px_atr_parse(bad_ts, sizeof bad_ts, &a));
}

Test(fcp, sizes)
{
    size_t s = 0;
    const uint8_t fcp80[] = {0x62, 0x07, 0x82, 0x01, 0x01, 0x80, 0x02, 0x10, 0x00};
    cr_assert(px_apdu_fcp_size(fcp80, sizeof fcp80, &s));
    cr_assert_eq(s, 4096);
    const uint8_t fcp81[] = {0x6F, 0x04, 0x81, 0x02, 0x00, 0x20};
    cr_assert(px_apdu_fcp_size(fcp81, sizeof fcp81, &s));
    cr_assert_eq(s, 32);
    for (size_t n = 0; n < sizeof fcp80; n++)
        cr_assert_not(px_apdu_fcp_size(fcp80, n, &s), "prefix %zu", n);
    const uint8_t wrong_tag[] = {0x63, 0x04, 0x80, 0x02, 0x00, 0x20};
    cr_assert_not(px_apdu_fcp_size(wrong_tag, sizeof wrong_tag, &s));
    const uint8_t long_len[] = {0x62, 0x84, 0x00, 0x00, 0x00, 0x04};
    cr_assert_not(px_apdu_fcp_size(long_len, sizeof long_len, &s));
}

/* ---- Command chaining, logical channels (engine level) ---- */

/* A recording decorator around any transport: keeps every command for the test to look at. */
#define REC_MAX 64
typedef struct rec {
    px_transport inner;
    uint8_t cmd[REC_MAX][1100];
    size_t len[REC_MAX];
    size_t n;
} rec;

static isoIec23465_Status rec_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                                       size_t cap, size_t *resp_len)
{
    rec *r = ctx;
    if (r->n < REC_MAX) {
        size_t k = cmd_len < sizeof r->cmd[0] ? cmd_len : sizeof r->cmd[0];
        memcpy(r->cmd[r->n], cmd, k);
        r->len[r->n] = cmd_len;
    }
    r->n++;
    return r->inner.ops->transmit(r->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
}

static isoIec23465_Status rec_reset(void *ctx)
{
    rec *r = ctx;
    return r->inner.ops->reset(r->inner.ctx);
}

static isoIec23465_Status rec_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    rec *r = ctx;
    return r->inner.ops->atr(r->inner.ctx, atr, cap, len);
}

static void rec_close(void *ctx)
{
    rec *r = ctx;
    r->inner.ops->close(r->inner.ctx);
}

static const px_transport_ops rec_ops = {
    .transmit = rec_transmit, .reset = rec_reset, .atr = rec_atr, .close = rec_close};

static rec R;

/* Connects through the recorder around R.inner (opened by the caller); R keeps the commands
 * connect sent. */
static isoIec23465_Status connect_rec_status(void)
{
    R.n = 0;
    px_transport t = {.ops = &rec_ops, .ctx = &R};
    px_devinfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.identifier, sizeof info.identifier, "rec:");
    return px_connect_transport(&t, &info, &dev);
}

/* The same, asserting success; R records from the first command after connect. */
static void connect_rec(void)
{
    isoIec23465_Status st = connect_rec_status();
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "connect: %s", d.message);
    R.n = 0; /* the test looks at what it sends itself */
}

/* A fake device answering the ATR `atr` and 9000 to the description's SELECT probe, then the
 * frames the caller added to S after head_atr(). */
static void head_atr(const char *atr)
{
    S.n = 0;
    frame(&S, atr);
    frame(&S, "90 00");
    no_p15(&S);
}

static void connect_fake(void)
{
    cr_assert_eq(px_transport_fake_open(S.b, S.n, &R.inner), isoIec23465_Success);
    connect_rec();
}

/* The reference ATR (extended length, chaining, 4 channels) and two variants: chaining without
 * extended length, and neither (card capabilities third byte and TCK changed). */
#define ATR_EXT_CHAIN "3B 85 80 01 80 73 B4 41 DB D9"
#define ATR_CHAIN_ONLY "3B 85 80 01 80 73 B4 41 9B 99"
#define ATR_NEITHER "3B 85 80 01 80 73 B4 41 1B 19"

static px_conn *lock_dev(void)
{
    px_conn *c = NULL;
    cr_assert_eq(px_handle_enter(dev, 0, &c), isoIec23465_Success);
    return c;
}

static uint8_t long_data[1000];

static void fill_long_data(void)
{
    for (size_t i = 0; i < sizeof long_data; i++)
        long_data[i] = (uint8_t)(i * 7 + 3);
}

/* PUT DATA-like case 4 command with `lc` bytes of long_data. */
static codec_capdu long_command(size_t lc)
{
    fill_long_data();
    codec_capdu cmd = {
        .cla = 0x00, .ins = 0xDB, .p1 = 0x3F, .p2 = 0xFF, .data = long_data, .lc = lc, .ne = 256};
    return cmd;
}

Test(chaining, long_command_goes_in_255_byte_pieces, .fini = stop)
{
    head_atr(ATR_CHAIN_ONLY);
    frame(&S, "90 00");
    frame(&S, "90 00");
    frame(&S, "AB CD 90 00");
    connect_fake();
    px_conn *c = lock_dev();
    cr_assert_not(c->ext);
    cr_assert(px_apdu_can_chain(c));
    codec_capdu cmd = long_command(600);
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    cr_assert_eq(px_apdu_exchange(c, &cmd, &d, &n, &sw), isoIec23465_Success);
    px_handle_leave(c);
    cr_assert_eq(sw, 0x9000);
    cr_assert_eq(n, 2);
    cr_assert_eq(d[0], 0xAB);
    cr_assert_eq(R.n, 3, "three pieces");
    for (int k = 0; k <= 1; k++) {
        const uint8_t *p = R.cmd[k];
        cr_assert_eq(R.len[k], 5 + 255, "piece %d: no Le", k);
        const uint8_t hdr[] = {0x10, 0xDB, 0x3F, 0xFF, 0xFF};
        cr_assert_arr_eq(p, hdr, sizeof hdr, "piece %d header", k);
        cr_assert_arr_eq(p + 5, long_data + (size_t)k * 255, 255, "piece %d data", k);
    }
    const uint8_t *last = R.cmd[2];
    cr_assert_eq(R.len[2], 5 + 90 + 1);
    const uint8_t hdr[] = {0x00, 0xDB, 0x3F, 0xFF, 90};
    cr_assert_arr_eq(last, hdr, sizeof hdr);
    cr_assert_arr_eq(last + 5, long_data + 510, 90);
    cr_assert_eq(last[5 + 90], 0x00, "Le 256");
}

Test(chaining, refused_piece_is_the_answer, .fini = stop)
{
    head_atr(ATR_CHAIN_ONLY);
    frame(&S, "90 00");
    frame(&S, "6A 80");
    connect_fake();
    px_conn *c = lock_dev();
    codec_capdu cmd = long_command(800);
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    cr_assert_eq(px_apdu_exchange(c, &cmd, &d, &n, &sw), isoIec23465_Success);
    px_handle_leave(c);
    cr_assert_eq(sw, 0x6A80);
    cr_assert_eq(n, 0);
    cr_assert_eq(R.n, 2, "no piece after the refusal");
}

Test(chaining, extended_length_sends_one_apdu, .fini = stop)
{
    head_atr(ATR_EXT_CHAIN);
    frame(&S, "90 00");
    connect_fake();
    px_conn *c = lock_dev();
    cr_assert(c->ext);
    codec_capdu cmd = long_command(600);
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    cr_assert_eq(px_apdu_exchange(c, &cmd, &d, &n, &sw), isoIec23465_Success);
    px_handle_leave(c);
    cr_assert_eq(sw, 0x9000);
    cr_assert_eq(R.n, 1);
    const uint8_t hdr[] = {0x00, 0xDB, 0x3F, 0xFF, 0x00, 0x02, 0x58};
    cr_assert_eq(R.len[0], sizeof hdr + 600 + 2);
    cr_assert_arr_eq(R.cmd[0], hdr, sizeof hdr);
    cr_assert_arr_eq(R.cmd[0] + sizeof hdr, long_data, 600);
    cr_assert_eq(R.cmd[0][sizeof hdr + 600], 0x01, "extended Le 0100");
    cr_assert_eq(R.cmd[0][sizeof hdr + 601], 0x00);
}

Test(chaining, neither_is_function_not_implemented, .fini = stop)
{
    head_atr(ATR_NEITHER);
    connect_fake();
    px_conn *c = lock_dev();
    cr_assert_not(c->ext);
    cr_assert_not(px_apdu_can_chain(c));
    codec_capdu cmd = long_command(256);
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    cr_assert_eq(px_apdu_exchange(c, &cmd, &d, &n, &sw), isoIec23465_FunctionNotImplemented);
    px_handle_leave(c);
    isoIec23465_ErrorDetails e;
    isoIec23465_getLastError(&e);
    cr_assert(strstr(e.message, "chaining"), "%s", e.message);
    cr_assert_eq(R.n, 0, "no APDU sent");
    /* 255 bytes still go as one short APDU */
    c = lock_dev();
    cmd = long_command(255);
    cr_assert_eq(px_apdu_exchange(c, &cmd, &d, &n, &sw), isoIec23465_CommunicationError);
    px_handle_leave(c);
    cr_assert_eq(R.n, 1);
    cr_assert_eq(R.len[0], 5 + 255 + 1);
}

Test(chaining, short_device_asks_at_most_256_bytes, .fini = stop)
{
    head_atr("3B 00");
    frame(&S, "90 00");
    connect_fake();
    px_conn *c = lock_dev();
    codec_capdu cmd = {.cla = 0x00, .ins = 0xB0, .ne = 4096};
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    cr_assert_eq(px_apdu_exchange(c, &cmd, &d, &n, &sw), isoIec23465_Success);
    px_handle_leave(c);
    const uint8_t want[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
    cr_assert_eq(R.len[0], sizeof want);
    cr_assert_arr_eq(R.cmd[0], want, sizeof want);
}

Test(channels, class_byte_coding)
{
    static const struct {
        uint8_t cla, ch;
        bool chained;
        uint8_t want;
    } cases[] = {
        {0x00, 0, false, 0x00}, {0x00, 3, false, 0x03}, {0x00, 1, true, 0x11},
        {0x0C, 2, false, 0x0E}, {0x13, 0, false, 0x00}, {0x00, 4, false, 0x40},
        {0x00, 19, true, 0x5F}, {0x0C, 5, false, 0x61}, {0x61, 1, false, 0x09},
        {0x80, 1, false, 0x81}, {0x80, 4, false, 0xC0}, {0xFF, 2, false, 0xFF},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(px_apdu_cla(cases[i].cla, cases[i].ch, cases[i].chained), cases[i].want,
                     "CLA %02X channel %u chained %d", cases[i].cla, cases[i].ch, cases[i].chained);
}

Test(channels, get_response_stays_on_the_channel, .fini = stop)
{
    head_atr(ATR_EXT_CHAIN);
    frame(&S, "61 02");
    frame(&S, "AA BB 90 00");
    connect_fake();
    px_conn *c = lock_dev();
    uint8_t prev = px_apdu_use_channel(c, 2);
    cr_assert_eq(prev, 0);
    codec_capdu cmd = {.cla = 0x00, .ins = 0xCA, .p1 = 0x5F, .p2 = 0x20, .ne = 256};
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    cr_assert_eq(px_apdu_exchange(c, &cmd, &d, &n, &sw), isoIec23465_Success);
    cr_assert_eq(px_apdu_use_channel(c, prev), 2);
    px_handle_leave(c);
    cr_assert_eq(n, 2);
    cr_assert_eq(R.cmd[0][0], 0x02);
    const uint8_t gr[] = {0x02, 0xC0, 0x00, 0x00, 0x02};
    cr_assert_eq(R.len[1], sizeof gr);
    cr_assert_arr_eq(R.cmd[1], gr, sizeof gr);
}

Test(channels, one_channel_device_opens_apps_on_the_basic_channel, .fini = stop)
{
    head_atr("3B 00");
    frame(&S, "90 00");
    connect_fake();
    px_conn *c = lock_dev();
    cr_assert_eq(c->info.logical_channels, 1);
    uint8_t ch = 9;
    const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53, 0x44, 0x54, 0x45, 0x53, 0x54, 0x01};
    cr_assert_eq(px_apdu_open_app(c, aid, sizeof aid, &ch), isoIec23465_Success);
    uint8_t other;
    cr_assert_eq(px_apdu_channel_open(c, &other), isoIec23465_FunctionNotImplemented);
    px_handle_leave(c);
    cr_assert_eq(ch, 0);
    cr_assert_eq(R.n, 1, "only the SELECT, no MANAGE CHANNEL");
    cr_assert_eq(R.cmd[0][0], 0x00);
    cr_assert_eq(R.cmd[0][1], 0xA4);
}

Test(channels, refused_channel_falls_back_to_the_basic_one, .fini = stop)
{
    head_atr(ATR_EXT_CHAIN);
    frame(&S, "6A 81"); /* MANAGE CHANNEL: all channels in use */
    frame(&S, "90 00"); /* SELECT on the basic channel */
    connect_fake();
    px_conn *c = lock_dev();
    uint8_t ch = 9;
    const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99};
    cr_assert_eq(px_apdu_open_app(c, aid, sizeof aid, &ch), isoIec23465_Success);
    px_handle_leave(c);
    cr_assert_eq(ch, 0);
    const uint8_t open[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    cr_assert_eq(R.len[0], sizeof open);
    cr_assert_arr_eq(R.cmd[0], open, sizeof open);
    cr_assert_eq(R.cmd[1][0], 0x00);
    cr_assert_eq(R.cmd[1][1], 0xA4);
}

Test(channels, failed_select_closes_the_channel_again, .fini = stop)
{
    head_atr(ATR_EXT_CHAIN);
    frame(&S, "02 90 00"); /* MANAGE CHANNEL: channel 2 */
    frame(&S, "6A 82");    /* SELECT: no such application */
    frame(&S, "90 00");    /* MANAGE CHANNEL close */
    connect_fake();
    px_conn *c = lock_dev();
    uint8_t ch = 9;
    const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99};
    cr_assert_eq(px_apdu_open_app(c, aid, sizeof aid, &ch), isoIec23465_ObjectNotFound);
    px_handle_leave(c);
    isoIec23465_ErrorDetails e;
    isoIec23465_getLastError(&e);
    cr_assert_eq(e.statusWord, 0x6A82, "the SELECT's error is kept");
    cr_assert_eq(ch, 9, "untouched on failure");
    cr_assert_eq(R.cmd[1][0], 0x02, "SELECT on the new channel");
    const uint8_t close[] = {0x00, 0x70, 0x80, 0x02};
    cr_assert_eq(R.len[2], sizeof close);
    cr_assert_arr_eq(R.cmd[2], close, sizeof close);
}

Test(channels, bad_channel_number_is_refused_and_closed, .fini = stop)
{
    head_atr(ATR_EXT_CHAIN); /* 4 channels: 0..3 */
    frame(&S, "05 90 00");
    frame(&S, "90 00");
    connect_fake();
    px_conn *c = lock_dev();
    uint8_t ch = 9;
    cr_assert_eq(px_apdu_channel_open(c, &ch), isoIec23465_SecurityDeviceError);
    cr_assert_eq(px_apdu_channel_close(c, 0), isoIec23465_IllegalArgument);
    px_handle_leave(c);
    cr_assert_eq(ch, 9);
    const uint8_t close[] = {0x00, 0x70, 0x80, 0x05};
    cr_assert_eq(R.n, 2);
    cr_assert_arr_eq(R.cmd[1], close, sizeof close);
}

Test(channels, eight_or_more_channels_accept_high_numbers, .fini = stop)
{
    head_atr("3B 85 80 01 80 73 B4 41 DF DD"); /* b3-b1 = 111: eight or more channels */
    frame(&S, "0C 90 00");
    connect_fake();
    px_conn *c = lock_dev();
    cr_assert_eq(c->info.logical_channels, 8);
    uint8_t ch = 0;
    cr_assert_eq(px_apdu_channel_open(c, &ch), isoIec23465_Success);
    px_handle_leave(c);
    cr_assert_eq(ch, 12);
}

Test(channels, handles_carry_their_channel, .fini = stop)
{
    head(&S);
    start(&S); /* dc = public-256 under the root application */
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    cr_assert_eq(dc->channel, 0);
    root->channel = 3; /* as openApplication does for an application on channel 3 */
    isoIec23465_Object *o;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, "ef-dir", &o),
                 isoIec23465_Success);
    cr_assert_eq(o->channel, 3, "inherited from the application");
    px_conn *c = NULL;
    cr_assert_eq(px_handle_enter(o, 0, &c), isoIec23465_Success);
    cr_assert_eq(c->channel, 3, "the call runs on the object's channel");
    px_handle_leave(c);
    cr_assert_eq(px_handle_enter(dc, 0, &c), isoIec23465_Success);
    cr_assert_eq(c->channel, 0);
    px_handle_leave(c);
    root->channel = 0;
}

/* ---- The same against the emulated card (emu:, libsdemu loaded on demand) ---- */

static const uint8_t sdtest_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                     0x44, 0x54, 0x45, 0x53, 0x54, 0x01};
static const char hello[] = "Hello from the sdtest application";

/* Writes a copy of the reference profile with another ATR and transport line and, when
 * `mf_file` is not NULL, that YAML text inserted as the MF's first child; returns its path
 * (static buffer). */
static const char *profile_variant_with(const char *atr, const char *transport, const char *mf_file)
{
    static char path[256];
    FILE *in = fopen(PX_TEST_PROFILE, "r");
    cr_assert_not_null(in);
    snprintf(path, sizeof path, "/tmp/px-engine-%d.yaml", (int)getpid());
    FILE *out = fopen(path, "w");
    cr_assert_not_null(out);
    char line[4096];
    int replaced = 0;
    while (fgets(line, sizeof line, in)) {
        if (strncmp(line, "atr:", 4) == 0) {
            fprintf(out, "atr: \"%s\"\n", atr);
            replaced++;
        } else if (strncmp(line, "transport:", 10) == 0) {
            fprintf(out, "transport: %s\n", transport);
            replaced++;
        } else if (mf_file && strcmp(line, "  children:\n") == 0) {
            fputs(line, out);
            fputs(mf_file, out);
            replaced++;
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    fclose(out);
    cr_assert_eq(replaced, mf_file ? 3 : 2,
                 "the profile's atr:, transport: (and MF children) lines");
    return path;
}

static const char *profile_variant(const char *atr, const char *transport)
{
    return profile_variant_with(atr, transport, NULL);
}

static void connect_emu(const char *profile)
{
    isoIec23465_Status st = px_transport_emu_open(profile, &R.inner);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "emu: %s", d.message);
    connect_rec();
}

static void stop_emu(void)
{
    stop();
    char path[256];
    snprintf(path, sizeof path, "/tmp/px-engine-%d.yaml", (int)getpid());
    unlink(path);
}

/* Sends a command given in hex on the connection's current channel; returns the SW, data in
 * out (when not NULL). */
static uint16_t apdu(px_conn *c, const char *hex, uint8_t *out, size_t *out_len)
{
    uint8_t raw[600];
    size_t len = 0, pos = 0;
    cr_assert(codec_hex_decode(hex, strlen(hex), raw, sizeof raw, &len, &pos));
    codec_capdu cmd;
    cr_assert_eq(codec_capdu_decode(raw, len, &cmd), CODEC_APDU_OK, "%s", hex);
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    cr_assert_eq(px_apdu_exchange(c, &cmd, &d, &n, &sw), isoIec23465_Success, "%s", hex);
    if (out) {
        memcpy(out, d, n);
        *out_len = n;
    }
    return sw;
}

Test(channels_emu, two_applications_keep_their_selections, .fini = stop_emu)
{
    connect_emu(PX_TEST_PROFILE);
    px_conn *c = lock_dev();
    cr_assert_eq(c->info.logical_channels, 4);
    uint8_t app_ch = 0, mf_ch = 0;
    cr_assert_eq(px_apdu_open_app(c, sdtest_aid, sizeof sdtest_aid, &app_ch), isoIec23465_Success);
    cr_assert_eq(app_ch, 1);
    cr_assert_eq(px_apdu_channel_open(c, &mf_ch), isoIec23465_Success);
    cr_assert_eq(mf_ch, 2);
    /* channel 1: EF 5001 of the sdtest application; channel 2: the MF's EF 0104; channel 0:
     * EF 0101. Each selection stays where it was made. */
    px_apdu_use_channel(c, app_ch);
    cr_assert_eq(apdu(c, "00 A4 02 0C 02 50 01", NULL, NULL), 0x9000);
    px_apdu_use_channel(c, mf_ch);
    cr_assert_eq(apdu(c, "00 A4 00 0C 02 3F 00", NULL, NULL), 0x9000);
    cr_assert_eq(apdu(c, "00 A4 02 0C 02 01 04", NULL, NULL), 0x9000);
    px_apdu_use_channel(c, 0);
    cr_assert_eq(apdu(c, "00 A4 08 0C 02 01 01", NULL, NULL), 0x9000);

    uint8_t buf[300];
    size_t n = 0;
    px_apdu_use_channel(c, app_ch);
    cr_assert_eq(apdu(c, "00 B0 00 00 21", buf, &n), 0x9000); /* 33 bytes */
    cr_assert_eq(n, strlen(hello));
    cr_assert_arr_eq(buf, hello, n);
    px_apdu_use_channel(c, mf_ch);
    cr_assert_eq(apdu(c, "00 B0 00 00 10", buf, &n), 0x9000);
    for (size_t i = 0; i < 16; i++)
        cr_assert_eq(buf[i], (uint8_t)(7 * i));
    px_apdu_use_channel(c, 0);
    cr_assert_eq(apdu(c, "00 B0 00 00 10", buf, &n), 0x9000);
    for (size_t i = 0; i < 16; i++)
        cr_assert_eq(buf[i], (uint8_t)i);

    cr_assert_eq(px_apdu_channel_close(c, app_ch), isoIec23465_Success);
    cr_assert_eq(px_apdu_channel_close(c, mf_ch), isoIec23465_Success);
    px_apdu_use_channel(c, app_ch);
    uint16_t sw = apdu(c, "00 B0 00 00 10", buf, &n);
    px_apdu_use_channel(c, 0);
    px_handle_leave(c);
    cr_assert_neq(sw, 0x9000, "a closed channel answers an error");
    /* what went over the wire: MANAGE CHANNEL from the basic channel, CLA with the channel */
    const uint8_t open[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    cr_assert_arr_eq(R.cmd[0], open, sizeof open);
    cr_assert_eq(R.cmd[1][0], 0x01, "SELECT AID on channel 1");
}

Test(channels_emu, releasing_an_application_closes_its_channel, .fini = stop_emu)
{
    connect_emu(PX_TEST_PROFILE);
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    px_conn *c = lock_dev();
    uint8_t ch = 0;
    cr_assert_eq(px_apdu_open_app(c, sdtest_aid, sizeof sdtest_aid, &ch), isoIec23465_Success);
    cr_assert_eq(ch, 1);
    /* what openApplication does with it: an application handle on that channel */
    isoIec23465_Handle *app = px_handle_new(isoIec23465_TypeSecurityDeviceApplication, root, c);
    cr_assert_not_null(app);
    app->channel = ch;
    isoIec23465_Handle *obj = px_handle_new(isoIec23465_TypeDataContainer, app, c);
    cr_assert_not_null(obj);
    cr_assert_eq(obj->channel, ch, "objects inherit the channel");
    uint8_t owned[4];
    cr_assert_eq(px_handle_channels(root, owned, sizeof owned), 1, "one owner: the application");
    cr_assert_eq(owned[0], ch);
    cr_assert_eq(px_handle_channels(obj, owned, sizeof owned), 0);
    R.n = 0;
    px_apdu_release_channels(c, root);
    px_handle_free(app);
    const uint8_t close[] = {0x00, 0x70, 0x80, 0x01};
    cr_assert_eq(R.n, 1);
    cr_assert_arr_eq(R.cmd[0], close, sizeof close);
    px_apdu_use_channel(c, ch);
    uint16_t sw = apdu(c, "00 B0 00 00 10", NULL, NULL);
    px_apdu_use_channel(c, 0);
    cr_assert_eq(sw, 0x6881, "channel 1 is closed (SW %04X)", sw);
    uint8_t again = 0;
    cr_assert_eq(px_apdu_channel_open(c, &again), isoIec23465_Success);
    cr_assert_eq(again, 1, "free for the next application");
    px_handle_leave(c);
}

Test(channels_emu, the_card_has_four_channels, .fini = stop_emu)
{
    connect_emu(PX_TEST_PROFILE);
    px_conn *c = lock_dev();
    uint8_t ch[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(px_apdu_channel_open(c, &ch[i]), isoIec23465_Success);
        cr_assert_eq(ch[i], i + 1);
    }
    uint8_t more = 0;
    isoIec23465_Status st = px_apdu_channel_open(c, &more);
    cr_assert_neq(st, isoIec23465_Success, "a fifth channel");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(px_apdu_channel_close(c, ch[i]), isoIec23465_Success);
    cr_assert_eq(px_apdu_channel_open(c, &more), isoIec23465_Success, "free again");
    px_handle_leave(c);
}

#define VERIFY_USER "00 20 00 01 08 31 32 33 34 35 36 FF FF"

/* VERIFY user, SELECT EF 0101, UPDATE BINARY of 256 bytes (255 - i), then READ BINARY back;
 * returns the status of the UPDATE's exchange. */
static isoIec23465_Status update_256(uint16_t *sw_update)
{
    px_conn *c = lock_dev();
    cr_assert_eq(apdu(c, VERIFY_USER, NULL, NULL), 0x9000);
    cr_assert_eq(apdu(c, "00 A4 08 0C 02 01 01", NULL, NULL), 0x9000);
    uint8_t data[256];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(255 - i);
    codec_capdu upd = {.cla = 0x00, .ins = 0xD6, .data = data, .lc = sizeof data};
    const uint8_t *d;
    size_t n;
    isoIec23465_Status st = px_apdu_exchange(c, &upd, &d, &n, sw_update);
    if (st == isoIec23465_Success && *sw_update == 0x9000) {
        uint8_t back[256];
        size_t got = 0;
        cr_assert_eq(px_apdu_read_binary(c, 0, sizeof back, false, back, &got),
                     isoIec23465_Success);
        cr_assert_eq(got, sizeof back);
        cr_assert_arr_eq(back, data, sizeof back, "the card holds what was written");
    }
    px_handle_leave(c);
    return st;
}

/* The reference card told to the proxy as short-length (a description copy with
 * transport.extended_length false, in a private SDPROXY_DEVICES): the card chains (ATR), so a
 * 256-byte UPDATE goes in two pieces and the card joins them. */
static char devs_dir[128];

static void short_description(void)
{
    snprintf(devs_dir, sizeof devs_dir, "/tmp/px-engine-devs-%d", (int)getpid());
    cr_assert(mkdir(devs_dir, 0700) == 0 || errno == EEXIST);
    char src[1100], dst[256];
    snprintf(src, sizeof src, "%s/sdtest-reference.yaml", getenv("SDPROXY_DEVICES"));
    snprintf(dst, sizeof dst, "%s/sdtest-short.yaml", devs_dir);
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    cr_assert(in && out, "%s", src);
    char line[4096];
    while (fgets(line, sizeof line, in))
        fputs(line, out);
    fputs("\ntransport:\n  extended_length: false\n", out);
    fclose(in);
    fclose(out);
    setenv("SDPROXY_DEVICES", devs_dir, 1);
}

static void stop_short(void)
{
    stop();
    char dst[256];
    snprintf(dst, sizeof dst, "%s/sdtest-short.yaml", devs_dir);
    unlink(dst);
    rmdir(devs_dir);
}

Test(chaining_emu, short_length_connection_chains_to_the_card, .fini = stop_short)
{
    short_description();
    connect_emu(PX_TEST_PROFILE);
    cr_assert_not(dev->conn->ext, "the description says short length");
    cr_assert(px_apdu_can_chain(dev->conn));
    uint16_t sw = 0;
    cr_assert_eq(update_256(&sw), isoIec23465_Success);
    cr_assert_eq(sw, 0x9000, "UPDATE answered %04X", sw);
    /* VERIFY, SELECT, then the UPDATE in two pieces */
    size_t k = 2;
    cr_assert_eq(R.len[k], 5 + 255);
    cr_assert_eq(R.cmd[k][0], 0x10, "first piece chained");
    cr_assert_eq(R.cmd[k][4], 0xFF);
    cr_assert_eq(R.cmd[k + 1][0], 0x00, "last piece");
    cr_assert_eq(R.cmd[k + 1][4], 0x01);
    cr_assert_eq(R.len[k + 1], 6);
}

/* A card whose profile has extended_length: false, chaining: true: the proxy reads both from
 * the ATR and chains; the card takes the first piece as part of a chain (9000). (The emulator
 * limits a whole chain to max_command, at most 255 without extended length, so it refuses the
 * 256-byte total: docs/profile.md, transport.) */
Test(chaining_emu, short_length_card_receives_a_chain, .fini = stop_emu)
{
    connect_emu(profile_variant(
        ATR_CHAIN_ONLY, "{protocol: t1, extended_length: false, chaining: true, channels: 4}"));
    cr_assert_not(dev->conn->ext, "from the ATR");
    cr_assert(px_apdu_can_chain(dev->conn));
    px_conn *c = lock_dev();
    uint8_t data[300];
    memset(data, 0x5A, sizeof data);
    codec_capdu upd = {.cla = 0x00, .ins = 0xD6, .data = data, .lc = sizeof data};
    cr_assert_eq(apdu(c, VERIFY_USER, NULL, NULL), 0x9000);
    cr_assert_eq(apdu(c, "00 A4 08 0C 02 01 04", NULL, NULL), 0x9000);
    const uint8_t *d;
    size_t n;
    uint16_t sw;
    cr_assert_eq(px_apdu_exchange(c, &upd, &d, &n, &sw), isoIec23465_Success);
    px_handle_leave(c);
    cr_assert_eq(R.n, 2 + 2, "VERIFY, SELECT, two pieces");
    cr_assert_eq(R.len[2], 5 + 255);
    cr_assert_eq(R.cmd[2][0], 0x10);
    cr_assert_eq(R.len[3], 5 + 45);
    cr_assert_eq(R.cmd[3][0], 0x00);
}

Test(chaining_emu, extended_length_card_gets_one_update, .fini = stop_emu)
{
    connect_emu(PX_TEST_PROFILE);
    cr_assert(dev->conn->ext);
    uint16_t sw = 0;
    cr_assert_eq(update_256(&sw), isoIec23465_Success);
    cr_assert_eq(sw, 0x9000);
    size_t k = 2;
    cr_assert_eq(R.len[k], 7 + 256);
    cr_assert_eq(R.cmd[k][4], 0x00, "extended Lc");
    cr_assert_eq(R.cmd[k][5], 0x01);
    cr_assert_eq(R.cmd[k][6], 0x00);
}

Test(chaining_emu, card_with_neither_is_refused, .fini = stop_emu)
{
    connect_emu(profile_variant(
        ATR_NEITHER, "{protocol: t1, extended_length: false, chaining: false, channels: 4}"));
    uint16_t sw = 0;
    cr_assert_eq(update_256(&sw), isoIec23465_FunctionNotImplemented);
    cr_assert_eq(R.n, 2, "the UPDATE never left");
}

Test(emu_loading, unloadable_library_is_a_clear_error)
{
    setenv("SDPROXY_SDEMU_LIB", "/nonexistent/libsdemu.so", 1);
    px_transport t;
    cr_assert_eq(px_transport_emu_open(PX_TEST_PROFILE, &t), isoIec23465_FunctionNotImplemented);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert(strstr(d.message, "libsdemu") && strstr(d.message, "SDPROXY_SDEMU_LIB"), "%s",
              d.message);
    isoIec23465_SecurityDevice *x = NULL;
    char spec[1100];
    snprintf(spec, sizeof spec, "emu:%s", PX_TEST_PROFILE);
    cr_assert_eq(isoIec23465_connectSecurityDeviceBySpec(spec, &x),
                 isoIec23465_FunctionNotImplemented);
    cr_assert_null(x);
}

/* ---- EF.ATR/INFO (ISO/IEC 7816-4): read at connect when the historical bytes announce it ---- */

/* Historical bytes 80 31 98: card service data with b5 (EF.ATR holds BER-TLV) and b4-b2 100
 * (READ BINARY); no card capabilities, so everything comes from the file. */
#define ATR_EFATR "3B 03 80 31 98"
/* Card capabilities B4 41 DB (chaining, extended Lc/Le, 4 channels); extended length
 * information: commands of at most 1024 bytes, responses of at most 2050 (Ne 2048). */
#define EFATR_CONTENT "47 03 B4 41 DB 7F 66 08 02 02 04 00 02 02 08 02"
#define SELECT_EFATR "00 A4 08 0C 02 2F 01"

static void assert_command(size_t k, const char *hex)
{
    uint8_t want[64];
    size_t len = 0, pos = 0;
    cr_assert(codec_hex_decode(hex, strlen(hex), want, sizeof want, &len, &pos));
    cr_assert(k < R.n, "command %zu was not sent (%zu sent)", k, R.n);
    cr_assert_eq(R.len[k], len, "command %zu: %zu bytes, expected %s", k, R.len[k], hex);
    cr_assert_arr_eq(R.cmd[k], want, len, "command %zu is not %s", k, hex);
}

/* The connected device's attribute as text. */
static const char *device_attr(isoIec23465_DeviceAttribute a)
{
    static char buf[128];
    isoIec23465_RootApplication *r;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &r), isoIec23465_Success);
    size_t len = sizeof buf;
    cr_assert_eq(isoIec23465_RootApplication_getSecurityDeviceAttribute(r, a, buf, &len),
                 isoIec23465_Success, "attribute %d", (int)a);
    return buf;
}

/* A fake device with `atr` whose EF.ATR answers `select_sw` to SELECT and, after 9000,
 * `content` (hex, with its SW) to READ BINARY; then the description probe and no 7816-15 data. */
static void connect_efatr(const char *atr, const char *select_sw, const char *content)
{
    S.n = 0;
    frame(&S, atr);
    frame(&S, select_sw);
    if (content)
        frame(&S, content);
    frame(&S, "90 00");
    no_p15(&S);
    cr_assert_eq(px_transport_fake_open(S.b, S.n, &R.inner), isoIec23465_Success);
    isoIec23465_Status st = connect_rec_status();
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "connect: %s", d.message);
}

Test(efatr, announced_file_gives_capabilities_and_limits, .fini = stop)
{
    connect_efatr(ATR_EFATR, "90 00", EFATR_CONTENT " 90 00");
    assert_command(0, SELECT_EFATR);
    assert_command(1, "00 B0 00 00 00");
    cr_assert_eq(R.n, 2 + CONNECT_CMDS, "EF.ATR's two commands, then the usual three");
    cr_assert(dev->conn->info.efatr);
    cr_assert_str_eq(device_attr(isoIec23465_AttrExtendedLength), "yes");
    cr_assert_str_eq(device_attr(isoIec23465_AttrChaining), "yes");
    cr_assert_str_eq(device_attr(isoIec23465_AttrLogicalChannels), "4");
    cr_assert_str_eq(device_attr(isoIec23465_AttrMaxCommandSize), "1024");
    cr_assert_str_eq(device_attr(isoIec23465_AttrMaxResponseSize), "2048");
}

Test(efatr, limits_shape_the_commands, .fini = stop)
{
    S.n = 0;
    frame(&S, ATR_EFATR);
    frame(&S, "90 00");
    frame(&S, EFATR_CONTENT " 90 00");
    frame(&S, "90 00");
    no_p15(&S);
    frame_data(&S, 2048, 0, 0x9000); /* READ BINARY of 3000 bytes: 2048 ... */
    frame_data(&S, 952, 0, 0x9000);  /* ... and the rest */
    frame(&S, "90 00");              /* 1000 data bytes: one extended command */
    for (int i = 0; i < 8; i++)      /* 2000 data bytes: 7 pieces of 255 and one of 215 */
        frame(&S, "90 00");
    cr_assert_eq(px_transport_fake_open(S.b, S.n, &R.inner), isoIec23465_Success);
    connect_rec();
    /* Everything under the lock first, the assertions after: a failed assertion must not leave
     * the device locked for .fini. */
    static uint8_t out[3000], data[2000];
    size_t got = 0, n, n_after_read, n_after_one;
    const uint8_t *d;
    uint16_t sw = 0;
    codec_capdu upd = {.cla = 0x00, .ins = 0xD6, .data = data, .lc = 1000};
    px_conn *c = lock_dev();
    size_t max_lc = px_apdu_max_lc(c);
    isoIec23465_Status read = px_apdu_read_binary(c, 0, sizeof out, false, out, &got);
    n_after_read = R.n;
    isoIec23465_Status one = px_apdu_exchange(c, &upd, &d, &n, &sw);
    n_after_one = R.n;
    upd.lc = sizeof data;
    isoIec23465_Status chained = px_apdu_exchange(c, &upd, &d, &n, &sw);
    px_handle_leave(c);
    cr_assert_eq(max_lc, 1024 - 9);
    cr_assert_eq(read, isoIec23465_Success);
    cr_assert_eq(got, sizeof out);
    cr_assert_eq(n_after_read, 2);
    assert_command(0, "00 B0 00 00 00 08 00");
    assert_command(1, "00 B0 08 00 00 03 B8");
    cr_assert_eq(one, isoIec23465_Success);
    cr_assert_eq(n_after_one, 3);
    cr_assert_eq(R.len[2], 7 + 1000, "extended Lc, within the 1024 bytes");
    cr_assert_eq(chained, isoIec23465_Success);
    cr_assert_eq(sw, 0x9000);
    cr_assert_eq(R.n, 3 + 8);
    for (size_t k = 3; k < 3 + 7; k++) {
        cr_assert_eq(R.cmd[k][0], 0x10, "piece %zu chained", k - 3);
        cr_assert_eq(R.len[k], 5 + 255);
    }
    cr_assert_eq(R.cmd[10][0], 0x00);
    cr_assert_eq(R.len[10], 5 + 2000 - 7 * 255);
}

Test(efatr, not_read_unless_announced, .fini = stop)
{
    /* Card service data 90: BER-TLV in EF.ATR but READ RECORD access (b4-b2 000). */
    head_atr("3B 03 80 31 90");
    connect_fake();
    cr_assert_not(dev->conn->info.efatr);
    /* The reference ATR says nothing of EF.ATR either. */
    stop();
    head_atr(ATR_EXT_CHAIN);
    cr_assert_eq(px_transport_fake_open(S.b, S.n, &R.inner), isoIec23465_Success);
    cr_assert_eq(connect_rec_status(), isoIec23465_Success);
    cr_assert_eq(R.n, CONNECT_CMDS);
    cr_assert_eq(R.cmd[0][2], 0x04, "the first command is the description's SELECT by AID");
}

Test(efatr, missing_file_leaves_the_atr, .fini = stop)
{
    connect_efatr(ATR_EFATR, "6A 82", NULL);
    cr_assert_eq(R.n, 1 + CONNECT_CMDS, "no READ BINARY after 6A82");
    cr_assert_not(dev->conn->info.efatr);
    cr_assert_str_eq(device_attr(isoIec23465_AttrExtendedLength), "no");
    cr_assert_str_eq(device_attr(isoIec23465_AttrMaxCommandSize), "261");
    cr_assert_str_eq(device_attr(isoIec23465_AttrMaxResponseSize), "256");
    cr_assert_str_eq(device_attr(isoIec23465_AttrLogicalChannels), "1");
}

Test(efatr, malformed_file_is_ignored, .fini = stop)
{
    static const char *const bad[] = {
        "47 05 B4 41 DB 90 00",                                  /* truncated */
        "47 03 B4 41 DB 7F 66 04 02 02 00 10 90 00",             /* one limit, and below 261 */
        "7F 66 08 02 02 00 10 02 02 08 02 47 03 B4 41 DB 90 00", /* command limit 16 */
        "47 03 B4 41 DB 12 90 00",                               /* a stray byte, no length */
        "47 03 B4 41 DB 00 00 07 90 00",                         /* junk after the padding */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        connect_efatr(ATR_EFATR, "90 00", bad[i]);
        cr_assert_not(dev->conn->info.efatr, "content %zu", i);
        cr_assert_str_eq(device_attr(isoIec23465_AttrExtendedLength), "no", "content %zu", i);
        cr_assert_eq(dev->conn->max_le, 256);
        stop();
    }
    /* Padding after the objects is not malformed. */
    connect_efatr(ATR_EFATR, "90 00", EFATR_CONTENT " 00 00 FF FF 90 00");
    cr_assert(dev->conn->info.efatr);
}

Test(efatr, historical_bytes_win_where_both_speak, .fini = stop)
{
    /* Third software function byte 7B: no chaining, extended Lc/Le, b6 (extended length
     * information in EF.ATR), 4 channels. The file says chaining and no extended length. */
    connect_efatr("3B 05 80 73 B4 41 7B", "90 00",
                  "47 03 B4 41 9B 7F 66 08 02 02 04 00 02 02 08 02 90 00");
    cr_assert_str_eq(device_attr(isoIec23465_AttrExtendedLength), "yes");
    cr_assert_str_eq(device_attr(isoIec23465_AttrChaining), "no");
    cr_assert_str_eq(device_attr(isoIec23465_AttrMaxCommandSize), "1024");
    cr_assert_eq(dev->conn->max_le, 2048);
}

Test(efatr, broken_link_fails_the_connect)
{
    S.n = 0;
    frame(&S, ATR_EFATR);
    frame(&S, "90 00"); /* then nothing: the READ BINARY gets no answer */
    cr_assert_eq(px_transport_fake_open(S.b, S.n, &R.inner), isoIec23465_Success);
    cr_assert_eq(connect_rec_status(), isoIec23465_CommunicationError);
    cr_assert_eq(R.n, 2);
}

/* The emulated reference card with EF.ATR/INFO added and announced (third software function
 * byte DB -> FB, TCK D9 -> F9): the proxy reads the file from the card and keeps to its limits. */
Test(efatr_emu, emulated_card_file_is_read_and_obeyed, .fini = stop_emu)
{
    connect_emu(
        profile_variant_with("3B 85 80 01 80 73 B4 41 FB F9",
                             "{protocol: t1, extended_length: true, chaining: true, channels: 4}",
                             "    - fid: \"2F01\"\n"
                             "      type: ef\n"
                             "      structure: transparent\n"
                             "      data: \"" EFATR_CONTENT "\"\n"));
    cr_assert(dev->conn->info.efatr);
    cr_assert_str_eq(device_attr(isoIec23465_AttrMaxCommandSize), "1024");
    cr_assert_str_eq(device_attr(isoIec23465_AttrMaxResponseSize), "2048");
    static uint8_t out[4096];
    size_t got = 0, n;
    const uint8_t *d;
    uint16_t sw = 0;
    static const uint8_t fid[] = {0x01, 0x04};
    codec_capdu select = {
        .cla = 0x00, .ins = 0xA4, .p1 = 0x08, .p2 = 0x0C, .data = fid, .lc = sizeof fid};
    px_conn *c = lock_dev(); /* no assertion until the lock is left */
    isoIec23465_Status st = px_apdu_exchange(c, &select, &d, &n, &sw);
    if (st == isoIec23465_Success && sw == 0x9000)
        st = px_apdu_read_binary(c, 0, sizeof out, false, out, &got);
    px_handle_leave(c);
    cr_assert_eq(sw, 0x9000, "SELECT 0104");
    cr_assert_eq(st, isoIec23465_Success);
    cr_assert_eq(got, sizeof out);
    for (size_t i = 0; i < sizeof out; i++)
        cr_assert_eq(out[i], (uint8_t)(7 * i), "byte %zu", i); /* EF 0104's pattern */
    cr_assert_eq(R.n, 1 + 2, "SELECT, then two READ BINARY of 2048");
    assert_command(1, "00 B0 00 00 00 08 00");
    assert_command(2, "00 B0 08 00 00 08 00");
}
