/* The APDU engine and the status table, through a scripted fake device: 61xx, 6Cxx, 6282 and
 * malformed answers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

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

static void head(script *s)
{
    s->n = 0;
    frame(s, "3B 00");
    frame(s, "90 00");
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
    cr_assert_eq(px_transport_fake_count(&dev->conn->tr), 1 + 1 + 1 + PX_MAX_WRONG_LE);
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
    cr_assert_eq(px_transport_fake_count(&dev->conn->tr), 1 + 1 + 1 + PX_MAX_GET_RESPONSE);
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
