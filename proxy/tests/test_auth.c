/* Authenticator, Password and SensitiveContainer against the reference card
 * (vectors/profiles/default.yaml) in-process: one fresh emu: card per test, so PIN counters and
 * security status never leak from one test to the next.
 *
 * Every command the proxy sends passes through a small decorator installed on the connection's
 * transport: it counts the APDUs, keeps the last command (to check the bytes sent, and that a
 * refused argument sent nothing) and can answer chosen commands itself (a status word, or a
 * transport failure) to reach the error paths a well-behaved card never takes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isoiec23465.h"
#include "px_desc.h"
#include "px_handle.h"
#include "px_transport.h"

static const uint8_t sdtest_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                     0x44, 0x54, 0x45, 0x53, 0x54, 0x01};

#define S(text) (const uint8_t *)(text), strlen(text)

/* ---- the counting decorator ---------------------------------------------------------------- */

typedef struct counter {
    px_transport inner;
    size_t count;
    uint8_t last[300];
    size_t last_len;
    /* an override: commands with this INS (and P1, unless -1) get `sw`, or a transport
     * failure with `fail`, without reaching the card */
    int ins, p1;
    uint16_t sw;
    bool fail;
} counter;

static isoIec23465_Status counter_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                           uint8_t *resp, size_t cap, size_t *resp_len)
{
    counter *k = ctx;
    k->count++;
    k->last_len = cmd_len < sizeof k->last ? cmd_len : sizeof k->last;
    memcpy(k->last, cmd, k->last_len);
    if (k->ins >= 0 && cmd_len >= 4 && cmd[1] == k->ins && (k->p1 < 0 || cmd[2] == k->p1)) {
        if (k->fail)
            return isoIec23465_CommunicationError;
        resp[0] = (uint8_t)(k->sw >> 8);
        resp[1] = (uint8_t)k->sw;
        *resp_len = 2;
        return isoIec23465_Success;
    }
    return k->inner.ops->transmit(k->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
}

static isoIec23465_Status counter_reset(void *ctx)
{
    counter *k = ctx;
    return k->inner.ops->reset(k->inner.ctx);
}

static isoIec23465_Status counter_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    counter *k = ctx;
    return k->inner.ops->atr(k->inner.ctx, atr, cap, len);
}

static isoIec23465_Status counter_begin(void *ctx)
{
    counter *k = ctx;
    return k->inner.ops->begin ? k->inner.ops->begin(k->inner.ctx) : isoIec23465_Success;
}

static void counter_end(void *ctx)
{
    counter *k = ctx;
    if (k->inner.ops->end)
        k->inner.ops->end(k->inner.ctx);
}

static void counter_close(void *ctx)
{
    counter *k = ctx;
    k->inner.ops->close(k->inner.ctx);
    free(k);
}

static const px_transport_ops counter_ops = {
    .transmit = counter_transmit,
    .reset = counter_reset,
    .atr = counter_atr,
    .begin = counter_begin,
    .end = counter_end,
    .close = counter_close,
};

/* ---- fixture ------------------------------------------------------------------------------- */

static isoIec23465_SecurityDevice *dev;
static isoIec23465_RootApplication *root;
static counter *apdus;
static char *derived_profile; /* a temporary profile file to remove at teardown */

static void connect_profile(const char *path)
{
    alarm(60);
    char spec[1100];
    snprintf(spec, sizeof spec, "emu:%s", path);
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "connect %s: %s: %s", spec,
                 isoIec23465_statusToString(st), d.message);
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    /* Wrap the connection's transport (nothing else uses it between calls). */
    apdus = calloc(1, sizeof *apdus);
    cr_assert_not_null(apdus);
    apdus->inner = dev->conn->tr;
    apdus->ins = -1;
    dev->conn->tr.ops = &counter_ops;
    dev->conn->tr.ctx = apdus;
}

static void setup(void)
{
    connect_profile(PX_TEST_PROFILE);
}

static void teardown(void)
{
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    root = NULL;
    apdus = NULL;
    if (derived_profile) {
        unlink(derived_profile);
        free(derived_profile);
        derived_profile = NULL;
    }
    alarm(0);
}

/* A copy of the reference profile with one text replaced, loaded as a fresh card. */
static void setup_derived(const char *from, const char *to)
{
    alarm(60);
    FILE *in = fopen(PX_TEST_PROFILE, "rb");
    cr_assert_not_null(in);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = 0;
    char *at = strstr(text, from);
    cr_assert_not_null(at, "'%s' not in the profile", from);
    char tmpl[] = "/tmp/test-auth-XXXXXX.yaml";
    int fd = mkstemps(tmpl, 5);
    cr_assert_geq(fd, 0);
    FILE *out = fdopen(fd, "wb");
    cr_assert_not_null(out);
    fwrite(text, 1, (size_t)(at - text), out);
    fputs(to, out);
    fputs(at + strlen(from), out);
    fclose(out);
    derived_profile = strdup(tmpl);
    connect_profile(derived_profile);
}

static isoIec23465_Object *find_in(isoIec23465_SecurityDeviceApplication *app, const char *label)
{
    isoIec23465_Object *o = NULL;
    isoIec23465_Status st = isoIec23465_SecurityDeviceApplication_findObject(app, label, &o);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "findObject %s: %s: %s", label,
                 isoIec23465_statusToString(st), d.message);
    return o;
}

static isoIec23465_Object *find(const char *label)
{
    return find_in(root, label);
}

/* Asserts the last call failed with `st` and returns its details. */
static isoIec23465_ErrorDetails expect(isoIec23465_Status got, isoIec23465_Status want)
{
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(got, want, "got %s (%s), want %s", isoIec23465_statusToString(got), d.message,
                 isoIec23465_statusToString(want));
    return d;
}

static void ok(isoIec23465_Status got)
{
    expect(got, isoIec23465_Success);
}

static isoIec23465_AuthenticatorStatus status_of(isoIec23465_Authenticator *a)
{
    isoIec23465_AuthenticatorStatus s = 0;
    ok(isoIec23465_Authenticator_getStatus(a, &s));
    return s;
}

static int tries_of(isoIec23465_Authenticator *a)
{
    int t = -9;
    ok(isoIec23465_Authenticator_getRemainingTries(a, &t));
    return t;
}

/* The last command sent equals `want`. */
static void last_is(const uint8_t *want, size_t n)
{
    cr_assert_eq(apdus->last_len, n, "last command has %zu bytes, want %zu", apdus->last_len, n);
    cr_assert_arr_eq(apdus->last, want, n);
}

/* From now on the decorator answers commands with `ins` (and `p1`, unless -1) with `sw` in the
 * card's place; ins -1 ends that. */
static void answer(int ins, int p1, uint16_t sw)
{
    apdus->ins = ins;
    apdus->p1 = p1;
    apdus->sw = sw;
    apdus->fail = false;
}

/* Reading the user-guarded container: Success or the status it failed with. */
static isoIec23465_Status read_private(void)
{
    static uint8_t buf[4096];
    size_t len = sizeof buf;
    return isoIec23465_DataContainer_getData(find("private-4096"), buf, &len);
}

/* ---- verify, getStatus, getRemainingTries ------------------------------------------------ */

Test(verify, right_pin_verifies_with_padded_ascii, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
    ok(isoIec23465_Password_verify(user, S("123456")));
    const uint8_t apdu[] = {0x00, 0x20, 0x00, 0x01, 0x08, '1', '2', '3', '4', '5', '6', 0xFF, 0xFF};
    last_is(apdu, sizeof apdu);
    cr_assert_eq(status_of(user), isoIec23465_AuthVerified);
    cr_assert_eq(tries_of(user), 3);
    ok(read_private());
}

Test(verify, wrong_pin_counts_down_then_blocks, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    isoIec23465_ErrorDetails d =
        expect(isoIec23465_Password_verify(user, S("000000")), isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 2);
    cr_assert(d.hasStatusWord && d.statusWord == 0x63C2);
    cr_assert_eq(d.origin, isoIec23465_OriginDevice);
    cr_assert_null(strstr(d.message, "000000"), "the value is in the message: %s", d.message);
    d = expect(isoIec23465_Password_verify(user, S("000000")), isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 1);
    cr_assert_eq(tries_of(user), 1);
    cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
    d = expect(isoIec23465_Password_verify(user, S("000000")), isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 0);
    /* blocked: even the right value is refused */
    d = expect(isoIec23465_Password_verify(user, S("123456")),
               isoIec23465_AuthenticationMethodBlocked);
    cr_assert_eq(d.statusWord, 0x6983);
    cr_assert_eq(status_of(user), isoIec23465_AuthBlocked);
    cr_assert_eq(tries_of(user), 0);
    expect(read_private(), isoIec23465_SecurityStatusNotSatisfied);
}

Test(verify, right_pin_restores_the_counter, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    expect(isoIec23465_Password_verify(user, S("9999")), isoIec23465_AuthenticationFailed);
    cr_assert_eq(tries_of(user), 2);
    ok(isoIec23465_Password_verify(user, S("123456")));
    cr_assert_eq(tries_of(user), 3);
}

Test(verify, lengths_and_empty_values_send_nothing, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    isoIec23465_Password *app = find("app");
    size_t before = apdus->count;
    expect(isoIec23465_Password_verify(user, S("123")), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_verify(user, S("123456789")), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_verify(user, (const uint8_t *)"", 0), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_verify(user, NULL, 6), isoIec23465_IllegalArgument);
    /* the padding byte inside an ASCII value would read as its end */
    const uint8_t with_pad[] = {'1', '2', 0xFF, '4'};
    expect(isoIec23465_Password_verify(user, with_pad, sizeof with_pad),
           isoIec23465_IllegalArgument);
    /* BCD takes digits only */
    expect(isoIec23465_Password_verify(app, S("12a4")), isoIec23465_IllegalArgument);
    cr_assert_eq(apdus->count, before, "%zu APDUs sent for refused arguments",
                 apdus->count - before);
    cr_assert_eq(tries_of(user), 3);
}

/* The encodings the reference card does not use, checked on the bytes sent (the decorator
 * answers 9000 in the card's place): the password entry is changed as another device's
 * description would give it. */
Test(verify, format2_and_unpadded_bcd_encodings, .init = setup, .fini = teardown)
{
    isoIec23465_Password *app = find("app");
    px_desc_obj *e = (px_desc_obj *)app->obj;
    answer(0x20, 0x00, 0x9000);
    e->pin_encoding = PX_PIN_FORMAT2;
    e->pin_stored = 0;
    e->pin_max = 0; /* format 2 carries 4..12 digits */
    ok(isoIec23465_Password_verify(app, S("12345")));
    const uint8_t f2[] = {0x00, 0x20, 0x00, 0x81, 0x08, 0x25, 0x12,
                          0x34, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF};
    last_is(f2, sizeof f2);
    size_t lo = 0, hi = 0;
    ok(isoIec23465_Password_getLengthRange(app, &lo, &hi));
    cr_assert(lo == 4 && hi == 12, "%zu..%zu", lo, hi);
    size_t before = apdus->count;
    expect(isoIec23465_Password_verify(app, S("1234567890123")), isoIec23465_IllegalArgument);
    cr_assert_eq(apdus->count, before);
    e->pin_encoding = PX_PIN_BCD;
    e->pin_max = 8;
    ok(isoIec23465_Password_verify(app, S("12345")));
    const uint8_t bcd[] = {0x00, 0x20, 0x00, 0x81, 0x03, 0x12, 0x34, 0x5F};
    last_is(bcd, sizeof bcd);
}

Test(status, query_spends_no_try_and_never_authenticates, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    expect(isoIec23465_Password_verify(user, S("000000")), isoIec23465_AuthenticationFailed);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
    const uint8_t query[] = {0x00, 0x20, 0x00, 0x01};
    last_is(query, sizeof query);
    cr_assert_eq(tries_of(user), 2);
    expect(read_private(), isoIec23465_SecurityStatusNotSatisfied);

    ok(isoIec23465_Password_verify(user, S("123456")));
    for (int i = 0; i < 3; i++)
        cr_assert_eq(status_of(user), isoIec23465_AuthVerified);
    cr_assert_eq(tries_of(user), 3);
    ok(read_private());
}

Test(status, null_and_wrong_class_arguments, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    isoIec23465_DataContainer *dc = find("public-256");
    size_t before = apdus->count;
    expect(isoIec23465_Authenticator_getStatus(user, NULL), isoIec23465_IllegalArgument);
    expect(isoIec23465_Authenticator_getRemainingTries(user, NULL), isoIec23465_IllegalArgument);
    expect(isoIec23465_Authenticator_getMaxTries(user, NULL), isoIec23465_IllegalArgument);
    isoIec23465_AuthenticatorStatus s;
    expect(isoIec23465_Authenticator_getStatus(NULL, &s), isoIec23465_IllegalArgument);
    expect(isoIec23465_Authenticator_getStatus(dc, &s), isoIec23465_IllegalArgument);
    expect(isoIec23465_Authenticator_resetStatus(dc), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_verify(dc, S("123456")), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_verify(root, S("123456")), isoIec23465_IllegalArgument);
    cr_assert_eq(apdus->count, before);
}

/* Status words a conforming card answers only in other states, and a broken link. */
Test(status, other_answers_map_to_errors, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    isoIec23465_AuthenticatorStatus s;
    int t;
    apdus->ins = 0x20;
    apdus->p1 = 0x00;
    apdus->sw = 0x63C0; /* no tries left, said as a counter */
    cr_assert_eq(status_of(user), isoIec23465_AuthBlocked);
    cr_assert_eq(tries_of(user), 0);
    apdus->sw = 0x6300; /* a wrong secret without a counter */
    cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
    expect(isoIec23465_Authenticator_getRemainingTries(user, &t), isoIec23465_ObjectNotFound);
    isoIec23465_ErrorDetails d =
        expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, -1);
    apdus->sw = 0x6A88;
    expect(isoIec23465_Authenticator_getStatus(user, &s), isoIec23465_ObjectNotFound);
    expect(isoIec23465_Authenticator_getRemainingTries(user, &t), isoIec23465_ObjectNotFound);
    expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_ObjectNotFound);
    apdus->sw = 0x6F00;
    d = expect(isoIec23465_Authenticator_getStatus(user, &s), isoIec23465_SecurityDeviceError);
    cr_assert_eq(d.statusWord, 0x6F00);
    expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_SecurityDeviceError);
    apdus->p1 = -1; /* every VERIFY, log out (P1 FF) included */
    apdus->fail = true;
    expect(isoIec23465_Authenticator_getStatus(user, &s), isoIec23465_CommunicationError);
    expect(isoIec23465_Authenticator_getRemainingTries(user, &t), isoIec23465_CommunicationError);
    expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_CommunicationError);
    expect(isoIec23465_Authenticator_resetStatus(user), isoIec23465_CommunicationError);
}

/* Refusals a card's own rules give (the reference card's PINs have none), answered by the
 * decorator: each maps to its exception and nothing else is sent. */
Test(status, refusals_by_the_cards_rules, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    int t;
    answer(0x20, 0x00, 0x6984);
    expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_ReferenceDataNotUsable);
    answer(0x20, 0x00, 0x6F00);
    expect(isoIec23465_Authenticator_getRemainingTries(user, &t), isoIec23465_SecurityDeviceError);
    answer(0x20, 0xFF, 0x6A88);
    expect(isoIec23465_Authenticator_resetStatus(user), isoIec23465_ObjectNotFound);
    answer(0x24, -1, 0x6982);
    expect(isoIec23465_Password_change(user, S("123456"), S("4321")),
           isoIec23465_SecurityStatusNotSatisfied);
    answer(0x24, -1, 0x6985);
    expect(isoIec23465_Password_change(user, S("123456"), S("4321")),
           isoIec23465_ConditionsOfUseNotSatisfied);
    answer(0x2C, -1, 0x6985);
    expect(isoIec23465_Password_unblock(user, S("12345678"), NULL, 0),
           isoIec23465_ConditionsOfUseNotSatisfied);
    answer(0x2C, -1, 0x6982);
    expect(isoIec23465_Password_unblock(user, S("12345678"), S("654321")),
           isoIec23465_SecurityStatusNotSatisfied);
    answer(0x28, -1, 0x6983);
    expect(isoIec23465_Password_enableRequirement(user, S("123456")),
           isoIec23465_AuthenticationMethodBlocked);
    answer(0x26, -1, 0x6982);
    expect(isoIec23465_Password_disableRequirement(user, NULL, 0),
           isoIec23465_SecurityStatusNotSatisfied);
    /* none of these reached the card: the user PIN is untouched */
    answer(-1, -1, 0);
    cr_assert_eq(tries_of(user), 3);
    cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
}

Test(status, broken_link_on_every_command, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    answer(-1, -1, 0);
    apdus->fail = true;
    apdus->ins = 0x24;
    expect(isoIec23465_Password_change(user, S("123456"), S("4321")),
           isoIec23465_CommunicationError);
    apdus->ins = 0x2C;
    expect(isoIec23465_Password_unblock(user, S("12345678"), NULL, 0),
           isoIec23465_CommunicationError);
    apdus->ins = 0x28;
    expect(isoIec23465_Password_enableRequirement(user, S("123456")),
           isoIec23465_CommunicationError);
    apdus->ins = 0x26;
    expect(isoIec23465_Password_disableRequirement(user, S("123456")),
           isoIec23465_CommunicationError);
}

/* ---- getMaxTries, getLengthRange ------------------------------------------------------- */

Test(limits, max_tries_from_the_object_table, .init = setup, .fini = teardown)
{
    const struct {
        const char *label;
        int tries;
    } want[] = {{"user", 3}, {"puk", 5}, {"so", 3}, {"app", 3}};
    size_t before = apdus->count;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int t = -9;
        ok(isoIec23465_Authenticator_getMaxTries(find(want[i].label), &t));
        cr_assert_eq(t, want[i].tries, "%s: %d", want[i].label, t);
    }
    cr_assert_eq(apdus->count, before, "getMaxTries sends nothing");
}

Test(limits, unknown_limits_are_object_not_found, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    /* what a description that says nothing gives: no retry limit, no length bounds */
    px_desc_obj *e = (px_desc_obj *)user->obj;
    e->pin_max_tries = -1;
    int t = -9;
    expect(isoIec23465_Authenticator_getMaxTries(user, &t), isoIec23465_ObjectNotFound);
    cr_assert_eq(t, -9, "out-parameter written on failure");
    ok(isoIec23465_Password_verify(user, S("123456")));
    /* verified: the card says 9000, not the counter, and the limit is unknown */
    expect(isoIec23465_Authenticator_getRemainingTries(user, &t), isoIec23465_ObjectNotFound);
    e->pin_max = 0;
    e->pin_stored = 0;
    size_t lo = 99, hi = 99;
    expect(isoIec23465_Password_getLengthRange(user, &lo, &hi), isoIec23465_ObjectNotFound);
    cr_assert(lo == 99 && hi == 99);
    expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_IllegalArgument);
}

Test(limits, length_ranges, .init = setup, .fini = teardown)
{
    const struct {
        const char *label;
        size_t lo, hi;
    } want[] = {{"user", 4, 8}, {"puk", 8, 8}, {"so", 8, 8}, {"app", 4, 16}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t lo = 0, hi = 0;
        ok(isoIec23465_Password_getLengthRange(find(want[i].label), &lo, &hi));
        cr_assert(lo == want[i].lo && hi == want[i].hi, "%s: %zu..%zu", want[i].label, lo, hi);
    }
    size_t lo;
    expect(isoIec23465_Password_getLengthRange(find("user"), &lo, NULL),
           isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_getLengthRange(find("public-256"), &lo, &lo),
           isoIec23465_IllegalArgument);
}

/* ---- resetStatus ----------------------------------------------------------------------- */

Test(reset, log_out_closes_the_protected_container, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    ok(isoIec23465_Password_verify(user, S("123456")));
    ok(read_private());
    ok(isoIec23465_Authenticator_resetStatus(user));
    const uint8_t logout[] = {0x00, 0x20, 0xFF, 0x01};
    last_is(logout, sizeof logout);
    cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
    expect(read_private(), isoIec23465_SecurityStatusNotSatisfied);
    cr_assert_eq(tries_of(user), 3, "log out costs no try");
}

Test(reset, card_without_log_out, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    ok(isoIec23465_Password_verify(user, S("123456")));
    apdus->ins = 0x20;
    apdus->p1 = 0xFF;
    apdus->sw = 0x6A86; /* a card of 7816-4 before 2013 */
    expect(isoIec23465_Authenticator_resetStatus(user), isoIec23465_FunctionNotImplemented);
    apdus->sw = 0x6F00;
    expect(isoIec23465_Authenticator_resetStatus(user), isoIec23465_SecurityDeviceError);
}

/* ---- change ---------------------------------------------------------------------------- */

Test(change, then_verify_the_new_value, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    ok(isoIec23465_Password_change(user, S("123456"), S("4321")));
    const uint8_t apdu[] = {0x00, 0x24, 0x00, 0x01, 0x10, '1', '2',  '3',  '4',  '5', '6',
                            0xFF, 0xFF, '4',  '3',  '2',  '1', 0xFF, 0xFF, 0xFF, 0xFF};
    last_is(apdu, sizeof apdu);
    ok(isoIec23465_Authenticator_resetStatus(user));
    ok(isoIec23465_Password_verify(user, S("4321")));
    isoIec23465_ErrorDetails d =
        expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 2);
}

Test(change, wrong_current_value_and_bad_arguments, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    isoIec23465_ErrorDetails d = expect(isoIec23465_Password_change(user, S("000000"), S("4321")),
                                        isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 2);
    size_t before = apdus->count;
    expect(isoIec23465_Password_change(user, S("123456"), S("432")), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_change(user, S("123"), S("4321")), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_change(user, S("123456"), NULL, 0), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_change(user, NULL, 0, S("4321")), isoIec23465_IllegalArgument);
    cr_assert_eq(apdus->count, before);
    for (int i = 0; i < 2; i++)
        expect(isoIec23465_Password_change(user, S("000000"), S("4321")),
               isoIec23465_AuthenticationFailed);
    expect(isoIec23465_Password_change(user, S("123456"), S("4321")),
           isoIec23465_AuthenticationMethodBlocked);
}

Test(change, app_pin_in_bcd, .init = setup, .fini = teardown)
{
    isoIec23465_Password *app = find("app");
    ok(isoIec23465_Password_change(app, S("4321"), S("98765")));
    const uint8_t apdu[] = {0x00, 0x24, 0x00, 0x81, 0x10, 0x43, 0x21, 0xFF, 0xFF, 0xFF, 0xFF,
                            0xFF, 0xFF, 0x98, 0x76, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    last_is(apdu, sizeof apdu);
    ok(isoIec23465_Authenticator_resetStatus(app));
    expect(isoIec23465_Password_verify(app, S("4321")), isoIec23465_AuthenticationFailed);
    ok(isoIec23465_Password_verify(app, S("98765")));
}

/* ---- unblock --------------------------------------------------------------------------- */

static void block_user(isoIec23465_Password *user)
{
    for (int i = 0; i < 3; i++)
        expect(isoIec23465_Password_verify(user, S("000000")), isoIec23465_AuthenticationFailed);
    cr_assert_eq(status_of(user), isoIec23465_AuthBlocked);
}

Test(unblock, with_the_puk_and_a_new_value, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    block_user(user);
    ok(isoIec23465_Password_unblock(user, S("12345678"), S("654321")));
    const uint8_t apdu[] = {0x00, 0x2C, 0x00, 0x01, 0x10, '1', '2', '3', '4',  '5', '6',
                            '7',  '8',  '6',  '5',  '4',  '3', '2', '1', 0xFF, 0xFF};
    last_is(apdu, sizeof apdu);
    int max = 0;
    ok(isoIec23465_Authenticator_getMaxTries(user, &max));
    cr_assert_eq(tries_of(user), max);
    expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_AuthenticationFailed);
    ok(isoIec23465_Password_verify(user, S("654321")));
    ok(read_private());
}

Test(unblock, with_the_puk_only_keeps_the_value, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    block_user(user);
    ok(isoIec23465_Password_unblock(user, S("12345678"), NULL, 0));
    const uint8_t apdu[] = {0x00, 0x2C, 0x01, 0x01, 0x08, '1', '2', '3', '4', '5', '6', '7', '8'};
    last_is(apdu, sizeof apdu);
    cr_assert_eq(tries_of(user), 3);
    ok(isoIec23465_Password_verify(user, S("123456")));
}

Test(unblock, wrong_puk_and_blocked_puk, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    isoIec23465_Password *puk = find("puk");
    block_user(user);
    isoIec23465_ErrorDetails d = expect(isoIec23465_Password_unblock(user, S("00000000"), NULL, 0),
                                        isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 4, "the PUK's own counter");
    cr_assert_eq(tries_of(puk), 4);
    cr_assert_eq(status_of(user), isoIec23465_AuthBlocked);
    for (int left = 3; left >= 0; left--) {
        d = expect(isoIec23465_Password_unblock(user, S("00000000"), S("654321")),
                   isoIec23465_AuthenticationFailed);
        cr_assert_eq(d.remainingTries, left);
    }
    expect(isoIec23465_Password_unblock(user, S("12345678"), NULL, 0),
           isoIec23465_AuthenticationMethodBlocked);
    cr_assert_eq(status_of(puk), isoIec23465_AuthBlocked);
}

Test(unblock, bad_arguments_send_nothing, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    size_t before = apdus->count;
    /* the reset code follows the PUK's rules: 8 characters */
    expect(isoIec23465_Password_unblock(user, S("1234567"), NULL, 0), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_unblock(user, NULL, 0, S("654321")), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_unblock(user, S("12345678"), S("65")), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_unblock(user, S("12345678"), NULL, 6), isoIec23465_IllegalArgument);
    /* the SO PIN has no resetting code */
    expect(isoIec23465_Password_unblock(find("so"), S("12345678"), NULL, 0),
           isoIec23465_ObjectNotFound);
    cr_assert_eq(apdus->count, before);
}

/* ---- enable / disable the requirement ------------------------------------------------- */

Test(requirement, reference_card_refuses_disable, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    /* no PIN of the reference card has disable_allowed: the card answers 6985 */
    isoIec23465_ErrorDetails d = expect(isoIec23465_Password_disableRequirement(user, S("123456")),
                                        isoIec23465_ConditionsOfUseNotSatisfied);
    cr_assert_eq(d.statusWord, 0x6985);
    const uint8_t apdu[] = {0x00, 0x26, 0x00, 0x01, 0x08, '1', '2', '3', '4', '5', '6', 0xFF, 0xFF};
    last_is(apdu, sizeof apdu);
    cr_assert_eq(tries_of(user), 3);
    cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
    expect(read_private(), isoIec23465_SecurityStatusNotSatisfied);
}

Test(requirement, enable_with_and_without_the_value, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    /* P1 01 (no value) needs the password verified */
    expect(isoIec23465_Password_enableRequirement(user, NULL, 0),
           isoIec23465_SecurityStatusNotSatisfied);
    const uint8_t p1_01[] = {0x00, 0x28, 0x01, 0x01};
    last_is(p1_01, sizeof p1_01);
    isoIec23465_ErrorDetails d = expect(isoIec23465_Password_enableRequirement(user, S("000000")),
                                        isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 2);
    ok(isoIec23465_Password_enableRequirement(user, S("123456")));
    cr_assert_eq(status_of(user), isoIec23465_AuthVerified);
    ok(isoIec23465_Password_enableRequirement(user, NULL, 0));
    size_t before = apdus->count;
    expect(isoIec23465_Password_enableRequirement(user, S("12")), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_disableRequirement(user, NULL, 3), isoIec23465_IllegalArgument);
    expect(isoIec23465_Password_disableRequirement(user, (const uint8_t *)"", 0),
           isoIec23465_IllegalArgument);
    cr_assert_eq(apdus->count, before);
}

/* A card whose user PIN may be disabled (the reference profile with disable_allowed added, in
 * a temporary copy: the reference profile itself stays as it is). */
Test(requirement, disable_then_enable_on_a_card_that_allows_it, .fini = teardown)
{
    setup_derived("tries: 3, reset_by: puk", "tries: 3, disable_allowed: true, reset_by: puk");
    isoIec23465_Password *user = find("user");
    isoIec23465_ErrorDetails d = expect(isoIec23465_Password_disableRequirement(user, S("000000")),
                                        isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 2);
    cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
    ok(isoIec23465_Password_disableRequirement(user, S("123456")));
    cr_assert_eq(status_of(user), isoIec23465_AuthNotRequired);
    /* logged out, the container stays open: nothing is required */
    ok(isoIec23465_Authenticator_resetStatus(user));
    cr_assert_eq(status_of(user), isoIec23465_AuthNotRequired);
    ok(read_private());
    int t;
    expect(isoIec23465_Authenticator_getRemainingTries(user, &t), isoIec23465_ObjectNotFound);
    ok(isoIec23465_Password_enableRequirement(user, S("123456")));
    cr_assert_eq(status_of(user), isoIec23465_AuthVerified);
    ok(isoIec23465_Authenticator_resetStatus(user));
    cr_assert_eq(status_of(user), isoIec23465_AuthNotVerified);
    expect(read_private(), isoIec23465_SecurityStatusNotSatisfied);
}

/* ---- the application's own PIN ------------------------------------------------------- */

Test(app_pin, verify_selects_the_application, .init = setup, .fini = teardown)
{
    isoIec23465_SecurityDeviceApplication *app = NULL;
    ok(isoIec23465_RootApplication_openApplication(root, sdtest_aid, sizeof sdtest_aid, &app));
    isoIec23465_Password *pin = find_in(app, "app");
    isoIec23465_DataContainer *secret = find_in(app, "app-secret");
    uint8_t buf[64];
    size_t len = sizeof buf;
    expect(isoIec23465_DataContainer_getData(secret, buf, &len),
           isoIec23465_SecurityStatusNotSatisfied);
    /* the MF is current now: the proxy must select the application before VERIFY */
    size_t size = 0;
    ok(isoIec23465_DataContainer_getSize(find("public-256"), &size));
    cr_assert_eq(status_of(pin), isoIec23465_AuthNotVerified);
    isoIec23465_ErrorDetails d =
        expect(isoIec23465_Password_verify(pin, S("1234")), isoIec23465_AuthenticationFailed);
    cr_assert_eq(d.remainingTries, 2);
    ok(isoIec23465_Password_verify(pin, S("4321")));
    /* sent on the logical channel the application was opened on (the card offers 4) */
    uint8_t apdu[] = {0x01, 0x20, 0x00, 0x81, 0x08, 0x43, 0x21, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    cr_assert_neq(apdus->last[0] & 0x03, 0, "VERIFY on the basic channel, not the application's");
    apdu[0] = apdus->last[0];
    last_is(apdu, sizeof apdu);
    cr_assert_eq(status_of(pin), isoIec23465_AuthVerified);
    cr_assert_eq(tries_of(pin), 3);
    len = sizeof buf;
    ok(isoIec23465_DataContainer_getData(secret, buf, &len));
    cr_assert_eq(len, strlen("local secret"));
    cr_assert_arr_eq(buf, "local secret", len);
    ok(isoIec23465_Authenticator_resetStatus(pin));
    cr_assert_eq(status_of(pin), isoIec23465_AuthNotVerified);
    len = sizeof buf;
    expect(isoIec23465_DataContainer_getData(secret, buf, &len),
           isoIec23465_SecurityStatusNotSatisfied);
}

/* ---- SensitiveContainer --------------------------------------------------------------- */

Test(container, access_conditions, .init = setup, .fini = teardown)
{
    const struct {
        const char *label;
        isoIec23465_Operation op;
        isoIec23465_AccessCondition want;
    } rows[] = {
        {"public-256", isoIec23465_OperationRead, isoIec23465_AccessAlways},
        {"public-256", isoIec23465_OperationUpdate, isoIec23465_AccessAuthenticator},
        {"private-4096", isoIec23465_OperationRead, isoIec23465_AccessAuthenticator},
        {"app-hello", isoIec23465_OperationRead, isoIec23465_AccessAlways},
        {"app-secret", isoIec23465_OperationRead, isoIec23465_AccessAuthenticator},
    };
    size_t before = apdus->count;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        isoIec23465_AccessCondition ac = 0;
        ok(isoIec23465_SensitiveContainer_getAccessConditions(find(rows[i].label), rows[i].op,
                                                              &ac));
        cr_assert_eq(ac, rows[i].want, "%s op %d: %d", rows[i].label, rows[i].op, ac);
    }
    cr_assert_eq(apdus->count, before, "no APDU");
}

Test(container, never_and_unknown_conditions, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    px_desc_obj *e = (px_desc_obj *)dc->obj;
    /* what a description may say: never, or nothing at all */
    e->auth[isoIec23465_OperationErase - 1] = PX_AUTH_NEVER;
    e->auth[isoIec23465_OperationDelete - 1] = PX_AUTH_UNKNOWN;
    isoIec23465_AccessCondition ac = 0;
    ok(isoIec23465_SensitiveContainer_getAccessConditions(dc, isoIec23465_OperationErase, &ac));
    cr_assert_eq(ac, isoIec23465_AccessNever);
    ac = 0;
    expect(isoIec23465_SensitiveContainer_getAccessConditions(dc, isoIec23465_OperationDelete, &ac),
           isoIec23465_ObjectNotFound);
    cr_assert_eq(ac, 0);
    isoIec23465_Authenticator *a = NULL;
    expect(isoIec23465_SensitiveContainer_getProtectingAuthenticator(dc, isoIec23465_OperationErase,
                                                                     &a),
           isoIec23465_ObjectNotFound);
    expect(isoIec23465_SensitiveContainer_getProtectingAuthenticator(
               dc, isoIec23465_OperationDelete, &a),
           isoIec23465_ObjectNotFound);
    expect(isoIec23465_SensitiveContainer_getProtectingAuthenticator(dc, isoIec23465_OperationRead,
                                                                     &a),
           isoIec23465_ObjectNotFound);
    cr_assert_null(a);
}

Test(container, bad_arguments, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("public-256");
    isoIec23465_AccessCondition ac;
    isoIec23465_Authenticator *a;
    expect(isoIec23465_SensitiveContainer_getAccessConditions(dc, (isoIec23465_Operation)0, &ac),
           isoIec23465_IllegalArgument);
    expect(isoIec23465_SensitiveContainer_getAccessConditions(dc, (isoIec23465_Operation)6, &ac),
           isoIec23465_IllegalArgument);
    expect(isoIec23465_SensitiveContainer_getAccessConditions(dc, isoIec23465_OperationRead, NULL),
           isoIec23465_IllegalArgument);
    expect(isoIec23465_SensitiveContainer_getProtectingAuthenticator(dc, isoIec23465_OperationRead,
                                                                     NULL),
           isoIec23465_IllegalArgument);
    /* a Password is no SensitiveContainer, and neither is a key (Key derives from Object) */
    expect(isoIec23465_SensitiveContainer_getAccessConditions(find("user"),
                                                              isoIec23465_OperationRead, &ac),
           isoIec23465_IllegalArgument);
    expect(isoIec23465_SensitiveContainer_getAccessConditions(find("AES-128 key"),
                                                              isoIec23465_OperationUse, &ac),
           isoIec23465_IllegalArgument);
    expect(isoIec23465_SensitiveContainer_getProtectingAuthenticator(find("RSA signature key"),
                                                                     isoIec23465_OperationUse, &a),
           isoIec23465_IllegalArgument);
    expect(isoIec23465_SensitiveContainer_getAccessConditions(NULL, isoIec23465_OperationRead, &ac),
           isoIec23465_IllegalArgument);
}

Test(container, protecting_authenticator_is_a_usable_password, .init = setup, .fini = teardown)
{
    isoIec23465_DataContainer *dc = find("private-4096");
    isoIec23465_Authenticator *a = NULL;
    ok(isoIec23465_SensitiveContainer_getProtectingAuthenticator(dc, isoIec23465_OperationRead,
                                                                 &a));
    cr_assert_not_null(a);
    isoIec23465_ObjectType type = 0;
    ok(isoIec23465_Object_getType(a, &type));
    cr_assert_eq(type, isoIec23465_TypePassword);
    char label[32];
    size_t len = sizeof label;
    ok(isoIec23465_Object_getLabel(a, label, &len));
    cr_assert_str_eq(label, "user");
    /* owned by the container's application: it outlives the container's handle */
    isoIec23465_Object_release(dc);
    ok(isoIec23465_Password_verify(a, S("123456")));
    ok(read_private());
    isoIec23465_Authenticator *b = NULL;
    ok(isoIec23465_SensitiveContainer_getProtectingAuthenticator(find("app-secret"),
                                                                 isoIec23465_OperationRead, &b));
    len = sizeof label;
    ok(isoIec23465_Object_getLabel(b, label, &len));
    cr_assert_str_eq(label, "app");
    ok(isoIec23465_Password_verify(b, S("4321")));
    /* released with the root application */
    isoIec23465_Object_release(root);
    int t;
    expect(isoIec23465_Authenticator_getMaxTries(a, &t), isoIec23465_IllegalState);
}

/* ---- stale handles ------------------------------------------------------------------- */

Test(lifecycle, handles_after_disconnect_are_illegal_state, .init = setup, .fini = teardown)
{
    isoIec23465_Password *user = find("user");
    isoIec23465_DataContainer *dc = find("private-4096");
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    isoIec23465_AuthenticatorStatus s;
    int t;
    size_t lo, hi;
    isoIec23465_AccessCondition ac;
    isoIec23465_Authenticator *a;
    expect(isoIec23465_Authenticator_getStatus(user, &s), isoIec23465_IllegalState);
    expect(isoIec23465_Authenticator_getRemainingTries(user, &t), isoIec23465_IllegalState);
    expect(isoIec23465_Authenticator_getMaxTries(user, &t), isoIec23465_IllegalState);
    expect(isoIec23465_Authenticator_resetStatus(user), isoIec23465_IllegalState);
    expect(isoIec23465_Password_verify(user, S("123456")), isoIec23465_IllegalState);
    expect(isoIec23465_Password_change(user, S("123456"), S("4321")), isoIec23465_IllegalState);
    expect(isoIec23465_Password_unblock(user, S("12345678"), NULL, 0), isoIec23465_IllegalState);
    expect(isoIec23465_Password_enableRequirement(user, S("123456")), isoIec23465_IllegalState);
    expect(isoIec23465_Password_disableRequirement(user, S("123456")), isoIec23465_IllegalState);
    expect(isoIec23465_Password_getLengthRange(user, &lo, &hi), isoIec23465_IllegalState);
    expect(isoIec23465_SensitiveContainer_getAccessConditions(dc, isoIec23465_OperationRead, &ac),
           isoIec23465_IllegalState);
    expect(isoIec23465_SensitiveContainer_getProtectingAuthenticator(dc, isoIec23465_OperationRead,
                                                                     &a),
           isoIec23465_IllegalState);
}
