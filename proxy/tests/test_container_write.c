/* DataContainer setData / erase / record functions and CertificateContainer functions against
 * the reference card (emu:<default profile>), a fresh card per test. A spy transport wrapped
 * around the connection records every command APDU, so that "refused before any APDU" and the
 * chunking of long writes are checked on the wire. Some tests run a variant of the reference
 * profile (an access rule added) or a test device description (a writable certificate file). */
#include <criterion/criterion.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isoiec23465.h"
#include "px_handle.h"

#define TEST_SECONDS 60

/* ---- the spy transport -------------------------------------------------------------------- */

#define SPY_MAX 1024

typedef struct spy_cmd {
    uint8_t ins, p1, p2;
    size_t lc; /* data bytes (short or extended form) */
} spy_cmd;

typedef struct spy {
    px_transport inner;
    size_t n;
    spy_cmd cmds[SPY_MAX];
    /* when refuse_sw is set: commands with INS refuse_ins (and P2 refuse_p2 unless it is -1) are
     * answered with refuse_sw by the spy, as a device lacking them would */
    uint8_t refuse_ins;
    int refuse_p2;
    uint16_t refuse_sw;
} spy;

static spy *the_spy;

/* Splits the encoded command into header and Lc (no Le-only cases are confused with Lc: a case 2
 * command has exactly 5 or 7 bytes and Lc 0 here). */
static void spy_note(spy *s, const uint8_t *cmd, size_t len)
{
    if (s->n >= SPY_MAX || len < 4)
        return;
    spy_cmd *c = &s->cmds[s->n++];
    c->ins = cmd[1];
    c->p1 = cmd[2];
    c->p2 = cmd[3];
    c->lc = 0;
    if (len > 5 && cmd[4] != 0)
        c->lc = cmd[4];
    else if (len > 7 && cmd[4] == 0)
        c->lc = (size_t)cmd[5] << 8 | cmd[6];
}

static isoIec23465_Status spy_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                                       size_t cap, size_t *resp_len)
{
    spy *s = ctx;
    spy_note(s, cmd, cmd_len);
    if (s->refuse_sw && cmd_len >= 4 && cmd[1] == s->refuse_ins &&
        (s->refuse_p2 < 0 || cmd[3] == s->refuse_p2) && cap >= 2) {
        resp[0] = (uint8_t)(s->refuse_sw >> 8);
        resp[1] = (uint8_t)s->refuse_sw;
        *resp_len = 2;
        return isoIec23465_Success;
    }
    return s->inner.ops->transmit(s->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
}

static isoIec23465_Status spy_reset(void *ctx)
{
    spy *s = ctx;
    return s->inner.ops->reset(s->inner.ctx);
}

static isoIec23465_Status spy_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    spy *s = ctx;
    return s->inner.ops->atr(s->inner.ctx, atr, cap, len);
}

static void spy_close(void *ctx)
{
    spy *s = ctx;
    s->inner.ops->close(s->inner.ctx);
    free(s);
    if (the_spy == s)
        the_spy = NULL;
}

/* The emu: transport has no transaction; begin/end stay NULL. */
static const px_transport_ops spy_ops = {
    .transmit = spy_transmit, .reset = spy_reset, .atr = spy_atr, .close = spy_close};

static void spy_install(isoIec23465_SecurityDevice *d)
{
    px_conn *c = d->conn;
    cr_assert_null(c->tr.ops->begin, "the spy expects a transport without transactions");
    spy *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    s->inner = c->tr;
    c->tr.ops = &spy_ops;
    c->tr.ctx = s;
    the_spy = s;
}

static void spy_clear(void)
{
    the_spy->n = 0;
}

static void spy_refuse(uint8_t ins, int p2, uint16_t sw)
{
    the_spy->refuse_ins = ins;
    the_spy->refuse_p2 = p2;
    the_spy->refuse_sw = sw;
}

/* Number of recorded commands with instruction `ins` (0: all). */
static size_t spy_count(uint8_t ins)
{
    size_t n = 0;
    for (size_t i = 0; i < the_spy->n; i++)
        n += ins == 0 || the_spy->cmds[i].ins == ins;
    return n;
}

/* ---- devices, objects and files ----------------------------------------------------------- */

static isoIec23465_SecurityDevice *dev;
static isoIec23465_RootApplication *root;
static char tmpdir[256];

static void connect_profile(const char *profile)
{
    char spec[1200];
    snprintf(spec, sizeof spec, "emu:%s", profile);
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "connect %s: %s: %s", spec,
                 isoIec23465_statusToString(st), d.message);
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    spy_install(dev);
}

static void setup(void)
{
    alarm(TEST_SECONDS);
    connect_profile(PX_TEST_PROFILE);
}

static void setup_bare(void)
{
    alarm(TEST_SECONDS);
}

static void teardown(void)
{
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    root = NULL;
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        cr_assert_eq(system(cmd), 0);
        tmpdir[0] = '\0';
    }
}

static isoIec23465_Object *find(const char *label)
{
    isoIec23465_Object *o = NULL;
    isoIec23465_Status st = isoIec23465_SecurityDeviceApplication_findObject(root, label, &o);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "findObject %s: %s: %s", label,
                 isoIec23465_statusToString(st), d.message);
    return o;
}

/* Verifies the user PIN ("123456") through the API: Password_verify of the discovered "user". */
static void verify_user(void)
{
    isoIec23465_Password *user = find("user");
    isoIec23465_Status st =
        isoIec23465_Password_verify(user, (const uint8_t *)"123456", strlen("123456"));
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "Password_verify user: %s: %s",
                 isoIec23465_statusToString(st), d.message);
}

static void expect(isoIec23465_Status got, isoIec23465_Status want, const char *what)
{
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(got, want, "%s: %s (%s), expected %s", what, isoIec23465_statusToString(got),
                 d.message, isoIec23465_statusToString(want));
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert(n > 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

/* vectors/<rel>, found from the profile path vectors/profiles/default.yaml. */
static void vector_path(const char *rel, char *out, size_t cap)
{
    char base[1024];
    snprintf(base, sizeof base, "%s", PX_TEST_PROFILE);
    for (int i = 0; i < 2; i++) {
        char *slash = strrchr(base, '/');
        cr_assert_not_null(slash);
        *slash = '\0';
    }
    snprintf(out, cap, "%s/%s", base, rel);
}

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test-cw-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "create %s", path);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* Connects a copy of the reference profile in which the `access:` line of the EF `fid` (the
 * first one after `fid: "<fid>"`) is replaced by `lines` (whole lines, indented as the EF's keys),
 * so that a test states the rule it relies on whatever the reference profile says. */
static void connect_with_access(const char *fid, const char *lines)
{
    size_t n;
    char *text = (char *)slurp(PX_TEST_PROFILE, &n);
    char key[32];
    snprintf(key, sizeof key, "fid: \"%s\"", fid);
    char *ef = strstr(text, key);
    cr_assert_not_null(ef, "the reference profile has no EF %s", fid);
    char *next_fid = strstr(ef + strlen(key), "fid: ");
    char *at = strstr(ef, "\n      access: ");
    cr_assert(at && (!next_fid || at < next_fid), "EF %s has no access line", fid);
    at++; /* the line itself */
    char *end = strchr(at, '\n');
    cr_assert_not_null(end);
    end++;
    make_tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/variant.yaml", tmpdir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, (size_t)(at - text), f), (size_t)(at - text));
    cr_assert_eq(fputs(lines, f) >= 0, 1);
    size_t rest = n - (size_t)(end - text);
    cr_assert_eq(fwrite(end, 1, rest, f), rest);
    cr_assert_eq(fclose(f), 0);
    free(text);
    connect_profile(path);
}

/* A test device description for the reference card that also calls EF 0104 (4096 bytes,
 * update: user) "writable certificate" and EF 0101 (256 bytes) "small certificate". */
static void connect_cert_description(void)
{
    static const char yaml[] = "name: sdtest with writable certificates\n"
                               "match:\n"
                               "  atr: \"3B\"\n"
                               "  aid: \"A0 00 00 09 99 53 44 54 45 53 54 01\"\n"
                               "objects:\n"
                               "  - class: CertificateContainer\n"
                               "    label: writable certificate\n"
                               "    identifier: \"01 04\"\n"
                               "    path: \"3F00 0104\"\n"
                               "  - class: CertificateContainer\n"
                               "    label: small certificate\n"
                               "    identifier: \"01 01\"\n"
                               "    path: \"3F00 0101\"\n";
    make_tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/test-certs.yaml", tmpdir);
    write_file(path, yaml, sizeof yaml - 1);
    cr_assert_eq(setenv("SDPROXY_DEVICES", tmpdir, 1), 0);
    connect_profile(PX_TEST_PROFILE);
}

static uint8_t *read_all(isoIec23465_DataContainer *dc, size_t *len)
{
    static uint8_t buf[8192];
    *len = sizeof buf;
    expect(isoIec23465_DataContainer_getData(dc, buf, len), isoIec23465_Success, "getData");
    return buf;
}

/* byte i of public-4096 (and private-4096): (7 * i) mod 256 */
static uint8_t pattern7(size_t i)
{
    return (uint8_t)(7 * i);
}

/* ---- setData ------------------------------------------------------------------------------ */

TestSuite(set_data, .init = setup, .fini = teardown);

Test(set_data, round_trip_after_user_pin)
{
    isoIec23465_DataContainer *dc = find("public-256");
    verify_user();
    uint8_t data[40];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(0xA0 ^ i);
    spy_clear();
    expect(isoIec23465_DataContainer_setData(dc, 100, data, sizeof data), isoIec23465_Success,
           "setData");
    cr_assert_eq(spy_count(0xD6), 1, "one UPDATE BINARY, got %zu", spy_count(0xD6));
    cr_assert_eq(the_spy->cmds[the_spy->n - 1].p1 << 8 | the_spy->cmds[the_spy->n - 1].p2, 100);
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    cr_assert_eq(len, 256);
    for (size_t i = 0; i < 256; i++) {
        uint8_t want = i >= 100 && i < 140 ? data[i - 100] : (uint8_t)i;
        cr_assert_eq(all[i], want, "byte %zu: %02X, expected %02X", i, all[i], want);
    }
}

Test(set_data, whole_file_up_to_the_last_byte)
{
    isoIec23465_DataContainer *dc = find("public-256");
    verify_user();
    uint8_t data[256];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(255 - i);
    expect(isoIec23465_DataContainer_setData(dc, 0, data, sizeof data), isoIec23465_Success,
           "setData 0+256");
    expect(isoIec23465_DataContainer_setData(dc, 255, (const uint8_t *)"\x42", 1),
           isoIec23465_Success, "setData 255+1");
    data[255] = 0x42;
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    cr_assert_eq(len, 256);
    cr_assert_arr_eq(all, data, 256);
}

Test(set_data, without_pin_the_card_refuses)
{
    isoIec23465_DataContainer *dc = find("public-256");
    uint8_t data[4] = {1, 2, 3, 4};
    expect(isoIec23465_DataContainer_setData(dc, 0, data, sizeof data),
           isoIec23465_SecurityStatusNotSatisfied, "setData without PIN");
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert(d.hasStatusWord);
    cr_assert_eq(d.statusWord, 0x6982);
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    cr_assert_eq(all[0], 0);
    cr_assert_eq(all[3], 3, "content unchanged");
}

Test(set_data, beyond_the_end_is_refused_before_any_write)
{
    isoIec23465_DataContainer *dc = find("public-256");
    verify_user();
    uint8_t data[16] = {0};
    static const struct {
        size_t offset, len;
    } bad[] = {{250, 7}, {256, 1}, {257, 1}, {0, 257}, {SIZE_MAX, 2}, {1, SIZE_MAX}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spy_clear();
        /* the length is not read beyond what the range check allows */
        expect(isoIec23465_DataContainer_setData(dc, bad[i].offset, data, bad[i].len),
               isoIec23465_IllegalArgument, "setData beyond the end");
        cr_assert_eq(spy_count(0xD6), 0, "case %zu: UPDATE BINARY sent", i);
        cr_assert_eq(spy_count(0), spy_count(0xA4), "case %zu: only SELECT may be sent", i);
    }
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    for (size_t i = 0; i < 256; i++)
        cr_assert_eq(all[i], (uint8_t)i);
}

Test(set_data, large_write_with_extended_length_is_one_command)
{
    isoIec23465_DataContainer *dc = find("public-4096");
    cr_assert(dev->conn->ext, "the reference card offers extended length");
    verify_user();
    static uint8_t data[4000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + 5);
    spy_clear();
    expect(isoIec23465_DataContainer_setData(dc, 50, data, sizeof data), isoIec23465_Success,
           "setData 50+4000");
    cr_assert_eq(spy_count(0xD6), 1);
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    cr_assert_eq(len, 4096);
    for (size_t i = 0; i < 4096; i++) {
        uint8_t want = i >= 50 && i < 4050 ? data[i - 50] : pattern7(i);
        cr_assert_eq(all[i], want, "byte %zu", i);
    }
}

Test(set_data, large_write_in_short_chunks_crosses_boundaries)
{
    isoIec23465_DataContainer *dc = find("public-4096");
    dev->conn->ext = false; /* as on a device without extended length */
    verify_user();
    static uint8_t data[4000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 29 + 1);
    spy_clear();
    expect(isoIec23465_DataContainer_setData(dc, 77, data, sizeof data), isoIec23465_Success,
           "setData 77+4000");
    /* 15 chunks of 255 and one of 175, at consecutive offsets */
    cr_assert_eq(spy_count(0xD6), 16, "got %zu UPDATE BINARY", spy_count(0xD6));
    size_t next = 77, total = 0;
    for (size_t i = 0; i < the_spy->n; i++) {
        const spy_cmd *c = &the_spy->cmds[i];
        if (c->ins != 0xD6)
            continue;
        cr_assert_eq((size_t)(c->p1 << 8 | c->p2), next, "chunk offset");
        cr_assert(c->lc >= 1 && c->lc <= 255, "short Lc %zu", c->lc);
        next += c->lc;
        total += c->lc;
    }
    cr_assert_eq(total, sizeof data);
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    cr_assert_eq(len, 4096);
    for (size_t i = 0; i < 4096; i++) {
        uint8_t want = i >= 77 && i < 4077 ? data[i - 77] : pattern7(i);
        cr_assert_eq(all[i], want, "byte %zu", i);
    }
}

Test(set_data, on_a_record_file_is_refused)
{
    isoIec23465_DataContainer *dc = find("records");
    verify_user();
    uint8_t data[16] = {0};
    spy_clear();
    expect(isoIec23465_DataContainer_setData(dc, 0, data, sizeof data),
           isoIec23465_FunctionNotImplemented, "setData on a record file");
    cr_assert_eq(spy_count(0xD6), 0);
}

/* ---- erase -------------------------------------------------------------------------------- */

TestSuite(erase, .init = setup_bare, .fini = teardown);

Test(erase, refused_where_the_card_allows_no_erase)
{
    connect_with_access("0101", "      access: {read: always, update: user, delete: so}\n");
    isoIec23465_DataContainer *dc = find("public-256");
    verify_user(); /* no erase rule: never */
    spy_clear();
    expect(isoIec23465_DataContainer_erase(dc), isoIec23465_SecurityStatusNotSatisfied, "erase");
    cr_assert_eq(spy_count(0x0E), 1, "ERASE BINARY sent");
    cr_assert_eq(spy_count(0xD6), 0, "no fall-back to UPDATE BINARY past an access rule");
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    cr_assert_eq(all[200], 200);
}

Test(erase, erase_binary_zeroes_the_content)
{
    connect_with_access("0101",
                        "      access: {read: always, update: user, erase: user, delete: so}\n");
    isoIec23465_DataContainer *dc = find("public-256");
    expect(isoIec23465_DataContainer_erase(dc), isoIec23465_SecurityStatusNotSatisfied,
           "erase without PIN");
    verify_user();
    spy_clear();
    expect(isoIec23465_DataContainer_erase(dc), isoIec23465_Success, "erase");
    cr_assert_eq(spy_count(0x0E), 1);
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    cr_assert_eq(len, 256);
    for (size_t i = 0; i < 256; i++)
        cr_assert_eq(all[i], 0, "byte %zu", i);
}

Test(erase, without_erase_binary_zeros_are_written)
{
    connect_profile(PX_TEST_PROFILE);
    isoIec23465_DataContainer *dc = find("public-4096");
    verify_user();
    spy_refuse(0x0E, -1, 0x6D00); /* a device without ERASE BINARY */
    spy_clear();
    expect(isoIec23465_DataContainer_erase(dc), isoIec23465_Success, "erase");
    cr_assert_eq(spy_count(0x0E), 1, "ERASE BINARY tried first");
    cr_assert_geq(spy_count(0xD6), 1, "then UPDATE BINARY");
    spy_refuse(0, 0, 0);
    size_t len;
    const uint8_t *all = read_all(dc, &len);
    cr_assert_eq(len, 4096);
    for (size_t i = 0; i < 4096; i++)
        cr_assert_eq(all[i], 0, "byte %zu", i);
}

/* ---- records ------------------------------------------------------------------------------ */

TestSuite(records, .init = setup, .fini = teardown);

static void expect_record(isoIec23465_DataContainer *dc, unsigned n, uint8_t fill)
{
    uint8_t buf[64];
    size_t len = sizeof buf;
    expect(isoIec23465_DataContainer_getRecord(dc, n, buf, &len), isoIec23465_Success, "getRecord");
    cr_assert_eq(len, 16, "record %u has %zu bytes", n, len);
    for (size_t i = 0; i < 16; i++)
        cr_assert_eq(buf[i], fill, "record %u byte %zu", n, i);
}

Test(records, read_each_record)
{
    isoIec23465_DataContainer *dc = find("records");
    for (unsigned n = 1; n <= 5; n++)
        expect_record(dc, n, (uint8_t)n);
}

Test(records, buffer_conventions)
{
    isoIec23465_DataContainer *dc = find("records");
    size_t len = 0;
    expect(isoIec23465_DataContainer_getRecord(dc, 2, NULL, &len), isoIec23465_Success,
           "size query");
    cr_assert_eq(len, 16);
    uint8_t small[15];
    len = sizeof small;
    memset(small, 0xEE, sizeof small);
    expect(isoIec23465_DataContainer_getRecord(dc, 2, small, &len), isoIec23465_BufferTooSmall,
           "small buffer");
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, 16);
    cr_assert_eq(len, sizeof small, "len untouched");
    cr_assert_eq(small[0], 0xEE, "nothing written");
}

Test(records, record_beyond_the_last_is_not_found)
{
    isoIec23465_DataContainer *dc = find("records");
    uint8_t buf[32];
    size_t len = sizeof buf;
    expect(isoIec23465_DataContainer_getRecord(dc, 6, buf, &len), isoIec23465_ObjectNotFound,
           "record 6");
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.statusWord, 0x6A83);
    cr_assert_eq(len, sizeof buf);
}

Test(records, record_number_out_of_range_is_refused_before_any_apdu)
{
    isoIec23465_DataContainer *dc = find("records");
    verify_user();
    uint8_t buf[16] = {0};
    size_t len = sizeof buf;
    static const unsigned bad[] = {0, 255, 256, 100000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spy_clear();
        expect(isoIec23465_DataContainer_getRecord(dc, bad[i], buf, &len),
               isoIec23465_IllegalArgument, "getRecord");
        expect(isoIec23465_DataContainer_setRecord(dc, bad[i], buf, sizeof buf),
               isoIec23465_IllegalArgument, "setRecord");
        cr_assert_eq(spy_count(0), 0, "record %u: %zu APDUs sent", bad[i], spy_count(0));
    }
}

Test(records, count)
{
    isoIec23465_DataContainer *dc = find("records");
    size_t n = 0;
    spy_clear();
    expect(isoIec23465_DataContainer_getRecordCount(dc, &n), isoIec23465_Success, "getRecordCount");
    cr_assert_eq(n, 5);
    cr_assert_eq(spy_count(0xB2), 0, "the FCP gives the count");
}

Test(records, count_by_reading_when_the_device_gives_no_fcp)
{
    isoIec23465_DataContainer *dc = find("records");
    spy_refuse(0xA4, 0x04, 0x6A86); /* SELECT with FCP refused: the proxy selects with P2 0C */
    size_t n = 0;
    spy_clear();
    expect(isoIec23465_DataContainer_getRecordCount(dc, &n), isoIec23465_Success, "getRecordCount");
    cr_assert_eq(n, 5);
    cr_assert_eq(spy_count(0xB2), 6, "records 1..5 and the 6A83 of record 6");
    expect_record(dc, 5, 5);
}

Test(records, without_fcp_the_device_decides_the_structure)
{
    isoIec23465_DataContainer *dc = find("public-256");
    spy_refuse(0xA4, 0x04, 0x6A86);
    uint8_t buf[16];
    size_t len = sizeof buf;
    spy_clear();
    expect(isoIec23465_DataContainer_getRecord(dc, 1, buf, &len), isoIec23465_SecurityDeviceError,
           "getRecord on a transparent file without FCP");
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.statusWord, 0x6981);
    cr_assert_eq(spy_count(0xB2), 1);
}

Test(records, update_after_user_pin)
{
    isoIec23465_DataContainer *dc = find("records");
    uint8_t rec[16];
    memset(rec, 0x33, sizeof rec);
    expect(isoIec23465_DataContainer_setRecord(dc, 3, rec, sizeof rec),
           isoIec23465_SecurityStatusNotSatisfied, "setRecord without PIN");
    expect_record(dc, 3, 3);
    verify_user();
    spy_clear();
    expect(isoIec23465_DataContainer_setRecord(dc, 3, rec, sizeof rec), isoIec23465_Success,
           "setRecord");
    cr_assert_eq(spy_count(0xDC), 1);
    expect_record(dc, 3, 0x33);
    expect_record(dc, 2, 2);
    expect_record(dc, 4, 4);
}

Test(records, update_with_the_wrong_length_is_refused_before_the_command)
{
    isoIec23465_DataContainer *dc = find("records");
    verify_user();
    uint8_t rec[17] = {0};
    spy_clear();
    expect(isoIec23465_DataContainer_setRecord(dc, 1, rec, 15), isoIec23465_IllegalArgument,
           "15 bytes into a 16-byte record");
    expect(isoIec23465_DataContainer_setRecord(dc, 1, rec, 17), isoIec23465_IllegalArgument,
           "17 bytes");
    expect(isoIec23465_DataContainer_appendRecord(dc, rec, 3), isoIec23465_IllegalArgument,
           "append 3 bytes");
    cr_assert_eq(spy_count(0xDC) + spy_count(0xE2), 0);
    expect_record(dc, 1, 1);
}

Test(records, record_functions_on_a_transparent_file_are_refused)
{
    isoIec23465_DataContainer *dc = find("public-256");
    verify_user();
    uint8_t buf[16] = {0};
    size_t len = sizeof buf, n = 0;
    spy_clear();
    expect(isoIec23465_DataContainer_getRecord(dc, 1, buf, &len),
           isoIec23465_FunctionNotImplemented, "getRecord");
    expect(isoIec23465_DataContainer_setRecord(dc, 1, buf, sizeof buf),
           isoIec23465_FunctionNotImplemented, "setRecord");
    expect(isoIec23465_DataContainer_appendRecord(dc, buf, sizeof buf),
           isoIec23465_FunctionNotImplemented, "appendRecord");
    expect(isoIec23465_DataContainer_getRecordCount(dc, &n), isoIec23465_FunctionNotImplemented,
           "getRecordCount");
    cr_assert_eq(spy_count(0), spy_count(0xA4), "only SELECT sent");
}

TestSuite(records_variant, .init = setup_bare, .fini = teardown);

Test(records_variant, append_refused_without_an_append_rule)
{
    connect_with_access("0103", "      access: {read: always, update: user, delete: so}\n");
    isoIec23465_DataContainer *dc = find("records");
    verify_user(); /* no append rule: never */
    uint8_t rec[16];
    memset(rec, 0x66, sizeof rec);
    expect(isoIec23465_DataContainer_appendRecord(dc, rec, sizeof rec),
           isoIec23465_SecurityStatusNotSatisfied, "appendRecord");
    size_t n = 0;
    expect(isoIec23465_DataContainer_getRecordCount(dc, &n), isoIec23465_Success, "count");
    cr_assert_eq(n, 5);
}

Test(records_variant, append_then_count_then_full)
{
    connect_with_access("0103", "      max_records: 6\n"
                                "      access: {read: always, update: user, append: user}\n");
    isoIec23465_DataContainer *dc = find("records");
    uint8_t rec[16];
    memset(rec, 0x06, sizeof rec);
    expect(isoIec23465_DataContainer_appendRecord(dc, rec, sizeof rec),
           isoIec23465_SecurityStatusNotSatisfied, "appendRecord without PIN");
    verify_user();
    spy_clear();
    expect(isoIec23465_DataContainer_appendRecord(dc, rec, sizeof rec), isoIec23465_Success,
           "appendRecord");
    cr_assert_eq(spy_count(0xE2), 1);
    size_t n = 0;
    expect(isoIec23465_DataContainer_getRecordCount(dc, &n), isoIec23465_Success, "count");
    cr_assert_eq(n, 6);
    expect_record(dc, 6, 6);
    expect_record(dc, 5, 5);
    expect(isoIec23465_DataContainer_appendRecord(dc, rec, sizeof rec), isoIec23465_NotEnoughMemory,
           "append into a full file");
}

/* ---- certificates ------------------------------------------------------------------------- */

TestSuite(certificates, .init = setup, .fini = teardown);

static void expect_certificate(const char *label, const char *der_file)
{
    char path[1100];
    vector_path(der_file, path, sizeof path);
    size_t want_len;
    uint8_t *want = slurp(path, &want_len);
    isoIec23465_CertificateContainer *cc = find(label);
    size_t len = 0;
    expect(isoIec23465_CertificateContainer_getCertificate(cc, NULL, &len), isoIec23465_Success,
           "size query");
    cr_assert_eq(len, want_len, "%s: size %zu, file %zu", label, len, want_len);
    uint8_t *buf = malloc(len + 16);
    cr_assert_not_null(buf);
    size_t cap = len - 1;
    expect(isoIec23465_CertificateContainer_getCertificate(cc, buf, &cap),
           isoIec23465_BufferTooSmall, "one byte short");
    cap = len + 16;
    spy_clear();
    expect(isoIec23465_CertificateContainer_getCertificate(cc, buf, &cap), isoIec23465_Success,
           "getCertificate");
    /* SELECT, the 5-byte header, the rest in one READ BINARY (extended Le): nothing more */
    cr_assert_eq(spy_count(0xA4), 1);
    cr_assert_eq(spy_count(0xB0), 2, "%zu READ BINARY", spy_count(0xB0));
    cr_assert_eq(spy_count(0), 3);
    cr_assert_eq(cap, want_len);
    cr_assert_arr_eq(buf, want, want_len, "%s differs from %s", label, der_file);
    const unsigned char *p = buf;
    X509 *x = d2i_X509(NULL, &p, (long)cap);
    cr_assert_not_null(x, "%s does not parse", label);
    cr_assert_eq((size_t)(p - buf), cap, "the certificate is exactly the DER");
    X509_free(x);
    free(buf);
    free(want);
}

Test(certificates, rsa_certificate_equals_the_vector)
{
    expect_certificate("RSA signature certificate", "certs/rsa2048-sign.der");
}

Test(certificates, ec_certificate_equals_the_vector)
{
    expect_certificate("EC P-256 certificate", "certs/ec-p256.der");
}

Test(certificates, get_data_works_on_a_certificate_container)
{
    char path[1100];
    vector_path("certs/ec-p256.der", path, sizeof path);
    size_t want_len;
    uint8_t *want = slurp(path, &want_len);
    isoIec23465_CertificateContainer *cc = find("EC P-256 certificate");
    size_t len;
    const uint8_t *all = read_all(cc, &len);
    cr_assert_geq(len, want_len);
    cr_assert_arr_eq(all, want, want_len);
    free(want);
}

static void expect_key(const char *cert_label, const char *key_label)
{
    isoIec23465_CertificateContainer *cc = find(cert_label);
    isoIec23465_PrivateKey *key = NULL;
    expect(isoIec23465_CertificateContainer_getAssociatedKey(cc, &key), isoIec23465_Success,
           "getAssociatedKey");
    cr_assert_not_null(key);
    isoIec23465_ObjectType type = 0;
    cr_assert_eq(isoIec23465_Object_getType(key, &type), isoIec23465_Success);
    cr_assert_eq(type, isoIec23465_TypePrivateKey);
    char label[128];
    size_t len = sizeof label;
    cr_assert_eq(isoIec23465_Object_getLabel(key, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, key_label);
    /* the same object findObject gives */
    isoIec23465_Object *found = find(key_label);
    uint8_t id1[32], id2[32];
    size_t l1 = sizeof id1, l2 = sizeof id2;
    cr_assert_eq(isoIec23465_Object_getIdentifier(key, id1, &l1), isoIec23465_Success);
    cr_assert_eq(isoIec23465_Object_getIdentifier(found, id2, &l2), isoIec23465_Success);
    cr_assert_eq(l1, l2);
    cr_assert_arr_eq(id1, id2, l1);
    isoIec23465_Object_release(key);
    cr_assert_eq(isoIec23465_Object_getType(key, &type), isoIec23465_IllegalState,
                 "released key handle");
}

Test(certificates, associated_key_of_the_rsa_certificate)
{
    expect_key("RSA signature certificate", "RSA signature key");
}

Test(certificates, associated_key_of_the_ec_certificate)
{
    expect_key("EC P-256 certificate", "EC P-256 key");
}

Test(certificates, associated_key_by_identifier_without_a_link)
{
    isoIec23465_CertificateContainer *cc = find("EC P-256 certificate");
    /* drop the table's link: the key is then found by the shared identifier (7816-15 iD) */
    ((px_desc_obj *)cc->obj)->cert = -1;
    isoIec23465_PrivateKey *key = NULL;
    expect(isoIec23465_CertificateContainer_getAssociatedKey(cc, &key), isoIec23465_Success,
           "getAssociatedKey by identifier");
    char label[128];
    size_t len = sizeof label;
    cr_assert_eq(isoIec23465_Object_getLabel(key, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, "EC P-256 key");
    /* and with neither link nor a key of that identifier: ObjectNotFound */
    ((px_desc_obj *)cc->obj)->id[0] ^= 0xFF;
    isoIec23465_PrivateKey *none = NULL;
    expect(isoIec23465_CertificateContainer_getAssociatedKey(cc, &none), isoIec23465_ObjectNotFound,
           "no key");
    cr_assert_null(none);
}

Test(certificates, malformed_der_is_refused_before_any_apdu)
{
    isoIec23465_CertificateContainer *cc = find("RSA signature certificate");
    verify_user();
    static const struct {
        const char *what;
        uint8_t der[8];
        size_t len;
    } bad[] = {
        {"empty", {0}, 0},
        {"one byte", {0x30}, 1},
        {"not a SEQUENCE", {0x31, 0x02, 0x05, 0x00}, 4},
        {"truncated", {0x30, 0x05, 0x05, 0x00}, 4},
        {"trailing byte", {0x30, 0x02, 0x05, 0x00, 0x00}, 5},
        {"two SEQUENCEs", {0x30, 0x00, 0x30, 0x00}, 4},
        {"non-minimal length", {0x30, 0x81, 0x02, 0x05, 0x00}, 5},
        {"indefinite length", {0x30, 0x80, 0x05, 0x00, 0x00, 0x00}, 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spy_clear();
        expect(isoIec23465_CertificateContainer_setCertificate(cc, bad[i].der, bad[i].len),
               isoIec23465_IllegalArgument, bad[i].what);
        cr_assert_eq(spy_count(0), 0, "%s: %zu APDUs sent", bad[i].what, spy_count(0));
    }
    spy_clear();
    expect(isoIec23465_CertificateContainer_setCertificate(cc, NULL, 10),
           isoIec23465_IllegalArgument, "NULL der");
    cr_assert_eq(spy_count(0), 0);
}

Test(certificates, the_cards_certificate_files_follow_the_key)
{
    /* The reference card lets the holder of a key replace its certificate: the certificate
     * file's update rule is the key's use rule (the user PIN; docs/profile.md). */
    char path[1100];
    vector_path("certs/ec-p256.der", path, sizeof path);
    size_t der_len;
    uint8_t *der = slurp(path, &der_len);
    isoIec23465_CertificateContainer *cc = find("RSA signature certificate");
    expect(isoIec23465_CertificateContainer_setCertificate(cc, der, der_len),
           isoIec23465_SecurityStatusNotSatisfied, "setCertificate before the user PIN");
    expect_certificate("RSA signature certificate", "certs/rsa2048-sign.der");
    verify_user();
    expect(isoIec23465_CertificateContainer_setCertificate(cc, der, der_len), isoIec23465_Success,
           "setCertificate after the user PIN");
    free(der);
    expect_certificate("RSA signature certificate", "certs/ec-p256.der");
}

TestSuite(certificates_writable, .init = setup_bare, .fini = teardown);

Test(certificates_writable, set_then_get_round_trip)
{
    connect_cert_description();
    char path[1100];
    size_t ec_len, rsa_len;
    vector_path("certs/ec-p256.der", path, sizeof path);
    uint8_t *ec = slurp(path, &ec_len);
    vector_path("certs/rsa2048-sign.der", path, sizeof path);
    uint8_t *rsa = slurp(path, &rsa_len);
    isoIec23465_CertificateContainer *cc = find("writable certificate");
    expect(isoIec23465_CertificateContainer_setCertificate(cc, rsa, rsa_len),
           isoIec23465_SecurityStatusNotSatisfied, "setCertificate without PIN");
    verify_user();
    const struct {
        const uint8_t *der;
        size_t len;
    } order[] = {{rsa, rsa_len}, {ec, ec_len}};
    for (size_t k = 0; k < 2; k++) {
        expect(isoIec23465_CertificateContainer_setCertificate(cc, order[k].der, order[k].len),
               isoIec23465_Success, "setCertificate");
        /* the file is 4096 bytes; the rest (the old pattern or a longer certificate's tail)
         * must not come back */
        static uint8_t buf[4096];
        size_t len = sizeof buf;
        expect(isoIec23465_CertificateContainer_getCertificate(cc, buf, &len), isoIec23465_Success,
               "getCertificate");
        cr_assert_eq(len, order[k].len);
        cr_assert_arr_eq(buf, order[k].der, len);
    }
    free(ec);
    free(rsa);
}

Test(certificates_writable, larger_than_the_file)
{
    connect_cert_description();
    char path[1100];
    size_t rsa_len;
    vector_path("certs/rsa2048-sign.der", path, sizeof path);
    uint8_t *rsa = slurp(path, &rsa_len);
    cr_assert_gt(rsa_len, 256);
    isoIec23465_CertificateContainer *cc = find("small certificate");
    verify_user();
    spy_clear();
    expect(isoIec23465_CertificateContainer_setCertificate(cc, rsa, rsa_len),
           isoIec23465_NotEnoughMemory, "certificate larger than its 256-byte file");
    cr_assert_eq(spy_count(0xD6), 0);
    free(rsa);
}

Test(certificates_writable, a_file_without_a_certificate)
{
    connect_cert_description();
    /* EF 0101 holds 00 01 02 ...: no SEQUENCE */
    isoIec23465_CertificateContainer *cc = find("small certificate");
    uint8_t buf[300];
    size_t len = sizeof buf;
    expect(isoIec23465_CertificateContainer_getCertificate(cc, buf, &len),
           isoIec23465_ObjectNotFound, "getCertificate of an erased-looking file");
    cr_assert_eq(len, sizeof buf);
}

/* ---- handles and arguments ---------------------------------------------------------------- */

TestSuite(handles, .init = setup, .fini = teardown);

Test(handles, null_arguments)
{
    isoIec23465_DataContainer *dc = find("public-256");
    isoIec23465_DataContainer *rc = find("records");
    isoIec23465_CertificateContainer *cc = find("RSA signature certificate");
    uint8_t b[16] = {0};
    spy_clear();
    expect(isoIec23465_DataContainer_setData(NULL, 0, b, 1), isoIec23465_IllegalArgument,
           "setData NULL container");
    expect(isoIec23465_DataContainer_setData(dc, 0, NULL, 1), isoIec23465_IllegalArgument,
           "setData NULL data");
    expect(isoIec23465_DataContainer_setData(dc, 0, b, 0), isoIec23465_IllegalArgument,
           "setData zero length");
    expect(isoIec23465_DataContainer_erase(NULL), isoIec23465_IllegalArgument, "erase NULL");
    expect(isoIec23465_DataContainer_getRecord(rc, 1, b, NULL), isoIec23465_IllegalArgument,
           "getRecord NULL len");
    expect(isoIec23465_DataContainer_setRecord(rc, 1, NULL, 16), isoIec23465_IllegalArgument,
           "setRecord NULL data");
    expect(isoIec23465_DataContainer_appendRecord(rc, NULL, 16), isoIec23465_IllegalArgument,
           "appendRecord NULL data");
    expect(isoIec23465_DataContainer_appendRecord(rc, b, 0), isoIec23465_IllegalArgument,
           "appendRecord empty");
    expect(isoIec23465_DataContainer_getRecordCount(rc, NULL), isoIec23465_IllegalArgument,
           "getRecordCount NULL");
    expect(isoIec23465_CertificateContainer_getCertificate(cc, b, NULL),
           isoIec23465_IllegalArgument, "getCertificate NULL len");
    expect(isoIec23465_CertificateContainer_getAssociatedKey(cc, NULL), isoIec23465_IllegalArgument,
           "getAssociatedKey NULL");
    expect(isoIec23465_CertificateContainer_getAssociatedKey(NULL, NULL),
           isoIec23465_IllegalArgument, "getAssociatedKey NULL container");
    cr_assert_eq(spy_count(0), 0, "no APDU for bad arguments");
}

Test(handles, wrong_class)
{
    isoIec23465_DataContainer *dc = find("public-256");
    isoIec23465_Object *key = find("RSA signature key");
    uint8_t b[16];
    size_t len = sizeof b;
    isoIec23465_PrivateKey *k = NULL;
    spy_clear();
    expect(isoIec23465_CertificateContainer_getCertificate(dc, b, &len),
           isoIec23465_IllegalArgument, "getCertificate on a DataContainer");
    expect(isoIec23465_CertificateContainer_getAssociatedKey(dc, &k), isoIec23465_IllegalArgument,
           "getAssociatedKey on a DataContainer");
    expect(isoIec23465_DataContainer_setData(key, 0, b, 1), isoIec23465_IllegalArgument,
           "setData on a key");
    expect(isoIec23465_DataContainer_getRecord(root, 1, b, &len), isoIec23465_IllegalArgument,
           "getRecord on the root application");
    cr_assert_eq(spy_count(0), 0);
}

Test(handles, stale_handles)
{
    isoIec23465_DataContainer *dc = find("public-256");
    isoIec23465_DataContainer *rc = find("records");
    isoIec23465_CertificateContainer *cc = find("RSA signature certificate");
    isoIec23465_Object_release(dc);
    isoIec23465_Object_release(rc);
    isoIec23465_Object_release(cc);
    uint8_t b[16] = {0};
    size_t len = sizeof b, n;
    isoIec23465_PrivateKey *k = NULL;
    spy_clear();
    expect(isoIec23465_DataContainer_setData(dc, 0, b, 1), isoIec23465_IllegalState, "setData");
    expect(isoIec23465_DataContainer_erase(dc), isoIec23465_IllegalState, "erase");
    expect(isoIec23465_DataContainer_getRecord(rc, 1, b, &len), isoIec23465_IllegalState,
           "getRecord");
    expect(isoIec23465_DataContainer_setRecord(rc, 1, b, 16), isoIec23465_IllegalState,
           "setRecord");
    expect(isoIec23465_DataContainer_appendRecord(rc, b, 16), isoIec23465_IllegalState,
           "appendRecord");
    expect(isoIec23465_DataContainer_getRecordCount(rc, &n), isoIec23465_IllegalState,
           "getRecordCount");
    expect(isoIec23465_CertificateContainer_getCertificate(cc, b, &len), isoIec23465_IllegalState,
           "getCertificate");
    expect(isoIec23465_CertificateContainer_setCertificate(cc, (const uint8_t *)"\x30\x00", 2),
           isoIec23465_IllegalState, "setCertificate");
    expect(isoIec23465_CertificateContainer_getAssociatedKey(cc, &k), isoIec23465_IllegalState,
           "getAssociatedKey");
    cr_assert_null(k);
    cr_assert_eq(spy_count(0), 0);
}

Test(handles, after_disconnect)
{
    isoIec23465_DataContainer *dc = find("public-256");
    isoIec23465_CertificateContainer *cc = find("EC P-256 certificate");
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    uint8_t b[4] = {0};
    isoIec23465_PrivateKey *k = NULL;
    expect(isoIec23465_DataContainer_setData(dc, 0, b, sizeof b), isoIec23465_IllegalState,
           "setData after disconnect");
    expect(isoIec23465_CertificateContainer_getAssociatedKey(cc, &k), isoIec23465_IllegalState,
           "getAssociatedKey after disconnect");
}
