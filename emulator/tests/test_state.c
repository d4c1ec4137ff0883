/* The card's non-volatile state: save / load round trip, refusal of truncated, extended,
 * corrupted, malformed and foreign states (card unchanged), the persistence hook's order, and
 * the PIN counter accessors. */
#include "card_test_util.h"

#include <openssl/evp.h>

TestSuite(state, .init = card_setup, .fini = card_teardown);

#define NEW_PIN "39 38 37 36 FF FF FF FF"

static uint8_t *save(const emu_card *c, size_t *len)
{
    uint8_t *buf = NULL;
    cr_assert_eq(emu_card_state_save(c, &buf, len), 0);
    cr_assert_not_null(buf);
    return buf;
}

/* Loads a state from an exact-size heap copy of buf[0..len) (so ASan sees over-reads). */
static int load(emu_card *c, const uint8_t *buf, size_t len, emu_error *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    if (len)
        memcpy(copy, buf, len);
    int rc = emu_card_state_load(c, copy, len, err);
    free(copy);
    return rc;
}

static void assert_state_is(const emu_card *c, const uint8_t *want, size_t want_len)
{
    size_t len;
    uint8_t *got = save(c, &len);
    cr_assert_eq(len, want_len, "state length %zu, expected %zu", len, want_len);
    cr_assert(memcmp(got, want, len) == 0, "the card's state changed");
    free(got);
}

/* Recomputes the trailing SHA-256, so that a deliberately malformed body reaches the parser. */
static void reseal(uint8_t *buf, size_t len)
{
    unsigned int n;
    cr_assert(EVP_Digest(buf, len - 32, buf + len - 32, &n, EVP_sha256(), NULL) == 1);
}

static void refused_with(emu_card *c, const uint8_t *buf, size_t len, const char *part)
{
    emu_error err;
    cr_assert_eq(load(c, buf, len, &err), -1, "state accepted, expected '%s'", part);
    char msg[1200];
    emu_error_format(&err, msg, sizeof msg);
    cr_expect(strstr(msg, part) != NULL, "message '%s' does not mention '%s'", msg, part);
}

/* Changes everything the state carries: contents, records, a created and a deleted file, a
 * data object, PIN counters and a PIN value. */
static void change_everything(emu_card *c)
{
    expect_on(c, "00 20 00 01 08 " USER_PIN, 0x9000);
    expect_on(c, "00 A4 00 0C 02 01 01", 0x9000);
    expect_on(c, "00 D6 00 00 06 31 32 33 34 35 36", 0x9000);
    expect_on(c, "00 A4 00 0C 02 01 03", 0x9000);
    expect_on(c, "00 DC 02 04 10 AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA", 0x9000);
    expect_on(c, "00 A4 00 0C 02 3F 00", 0x9000);
    expect_on(c, "00 20 00 03 08 " SO_PIN, 0x9000);
    /* CREATE FILE: EF 0105, transparent, 8 bytes */
    expect_on(c, "00 E0 00 00 0D 62 0B 82 01 01 83 02 01 05 80 02 00 08", 0x9000);
    /* DELETE FILE: the application DF 5000 (and its local PIN) */
    expect_on(c, "00 A4 00 0C 02 3F 00", 0x9000);
    expect_on(c, "00 E4 00 00 02 50 00", 0x9000);
    /* a wrong PUK costs a try; the user PIN gets a new value */
    expect_on(c, "00 2C 01 01 08 " WRONG_PUK, 0x63C4);
    expect_on(c, "00 24 00 01 10 " USER_PIN " " NEW_PIN, 0x9000);
}

Test(state, round_trip_preserves_contents_files_records_and_pins)
{
    change_everything(card);
    size_t len;
    uint8_t *buf = save(card, &len);
    emu_card *other = card_reference();
    emu_error err;
    cr_assert_eq(load(other, buf, len, &err), 0, "%s", err.message);
    assert_state_is(other, buf, len); /* canonical: the same bytes again */
    /* and the card behaves accordingly */
    expect_on(other, "00 A4 00 0C 02 01 01", 0x9000);
    cr_assert_eq(send_to(other, "00 B0 00 00 08"), 0x9000);
    cr_assert(memcmp(resp, "123456\x06\x07", 8) == 0);
    expect_on(other, "00 A4 00 0C 02 01 03", 0x9000);
    cr_assert_eq(send_to(other, "00 B2 02 04 10"), 0x9000);
    cr_assert_eq(data_len(), 16);
    cr_assert_eq(resp[0], 0xAA);
    cr_assert_eq(send_to(other, "00 B2 03 04 10"), 0x9000);
    cr_assert_eq(resp[0], 0x03);
    expect_on(other, "00 A4 00 0C 02 3F 00", 0x9000);
    expect_on(other, "00 A4 00 0C 02 01 05", 0x9000);
    cr_assert_eq(send_to(other, "00 B0 00 00 08"), 0x9000);
    cr_assert_eq(data_len(), 8);
    cr_assert(memcmp(resp, "\0\0\0\0\0\0\0\0", 8) == 0);
    expect_on(other, "00 A4 00 0C 02 3F 00", 0x9000);
    expect_on(other, "00 A4 00 0C 02 50 00", 0x6A82);
    expect_on(other, SELECT_APP, 0x6A82);
    unsigned tries = 99;
    cr_assert_eq(emu_card_pin_tries(other, 0x02, NULL, &tries), 0);
    cr_assert_eq(tries, 4);
    expect_on(other, "00 20 00 01 08 " USER_PIN, 0x63C2);
    expect_on(other, "00 20 00 01 08 " NEW_PIN, 0x9000);
    emu_card_free(other);
    free(buf);
}

Test(state, round_trip_preserves_data_objects)
{
    (void)refused; /* sec_util.h's profile helper, not needed here */
    static const char yaml[] = "atr: \"3B 00\"\n"
                               "data_objects:\n"
                               "  - {tag: \"5F20\", value: \"41 42\", max_size: 8}\n"
                               "  - {tag: \"DF01\", value: \"00\"}\n"
                               "files: {access: {update: always}}\n";
    emu_card *a = card_from_yaml(yaml);
    expect_on(a, "00 DA DF 01 03 77 88 99", 0x9000);
    expect_on(a, "00 DA 5F 20 00", 0x9000);
    size_t len;
    uint8_t *buf = save(a, &len);
    emu_card *b = card_from_yaml(yaml);
    cr_assert_eq(load(b, buf, len, NULL), 0);
    cr_assert_eq(send_to(b, "00 CA DF 01 00"), 0x9000);
    cr_assert_eq(data_len(), 3);
    cr_assert(memcmp(resp, "\x77\x88\x99", 3) == 0);
    uint16_t sw = send_to(b, "00 CA 5F 20 00");
    cr_assert(sw == 0x9000 || sw == 0x6A88, "SW %04X", sw);
    cr_assert_eq(data_len(), 0);
    /* room for PUT DATA survives too: 8 bytes fit, 9 do not */
    expect_on(b, "00 DA 5F 20 08 01 02 03 04 05 06 07 08", 0x9000);
    expect_on(b, "00 DA 5F 20 09 01 02 03 04 05 06 07 08 09", 0x6A84);
    emu_card_free(a);
    emu_card_free(b);
    free(buf);
}

Test(state, load_powers_the_card_off_and_clears_the_security_status)
{
    size_t len;
    uint8_t *buf = save(card, &len);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x9000);
    cr_assert_eq(load(card, buf, len, NULL), 0);
    expect_sw("00 A4 00 0C 02 01 02", 0x9000);
    expect_sw("00 B0 00 00 01", 0x6982);
    free(buf);
}

Test(state, every_prefix_is_refused_and_the_card_unchanged)
{
    change_everything(card);
    size_t len;
    uint8_t *buf = save(card, &len);
    emu_card *other = card_reference();
    size_t flen;
    uint8_t *fresh = save(other, &flen);
    emu_error err;
    for (size_t n = 0; n < len; n++) {
        cr_assert_eq(load(other, buf, n, &err), -1, "prefix of %zu bytes accepted", n);
        cr_assert_neq(err.message[0], '\0');
    }
    assert_state_is(other, fresh, flen);
    free(fresh);
    emu_card_free(other);
    free(buf);
}

Test(state, one_byte_longer_is_refused)
{
    size_t len;
    uint8_t *buf = save(card, &len);
    uint8_t *longer = malloc(len + 1);
    cr_assert_not_null(longer);
    memcpy(longer, buf, len);
    for (unsigned extra = 0; extra < 256; extra += 51) {
        longer[len] = (uint8_t)extra;
        refused_with(card, longer, len + 1, "checksum");
    }
    /* also when the checksum is made to fit: the parser sees the stray byte */
    memcpy(longer, buf, len - 32);
    longer[len - 32] = 0;
    reseal(longer, len + 1);
    refused_with(card, longer, len + 1, "stray");
    assert_state_is(card, buf, len);
    free(longer);
    free(buf);
}

Test(state, every_bit_flip_is_refused)
{
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C2);
    size_t len;
    uint8_t *buf = save(card, &len);
    emu_card *other = card_reference();
    size_t flen;
    uint8_t *fresh = save(other, &flen);
    for (size_t i = 0; i < len; i++) {
        uint8_t bit = (uint8_t)(1u << (i % 8));
        buf[i] ^= bit;
        emu_error err;
        cr_assert_eq(load(other, buf, len, &err), -1, "flip in byte %zu accepted", i);
        buf[i] ^= bit;
    }
    assert_state_is(other, fresh, flen);
    cr_assert_eq(load(other, buf, len, NULL), 0); /* the original still loads */
    free(fresh);
    emu_card_free(other);
    free(buf);
}

Test(state, corruption_is_reported_as_torn_or_corrupted)
{
    size_t len;
    uint8_t *buf = save(card, &len);
    buf[len / 2] ^= 0x10;
    refused_with(card, buf, len, "torn or corrupted");
    buf[0] = 'X';
    refused_with(card, buf, len, "SDEMUST1");
    free(buf);
}

Test(state, a_state_of_another_profile_is_refused)
{
    emu_card *foreign = card_from_yaml("atr: \"3B 80 80 01 01\"\n"
                                       "files:\n"
                                       "  children:\n"
                                       "    - {fid: \"0101\", type: ef, structure: transparent,\n"
                                       "       data: \"00 01 02\"}\n");
    size_t len, mine_len;
    uint8_t *buf = save(foreign, &len);
    uint8_t *mine = save(card, &mine_len);
    refused_with(card, buf, len, "another profile");
    assert_state_is(card, mine, mine_len);
    /* the same profile again: accepted */
    emu_card *same = card_from_yaml("atr: \"3B 80 80 01 01\"\n"
                                    "files:\n"
                                    "  children:\n"
                                    "    - {fid: \"0101\", type: ef, structure: transparent,\n"
                                    "       data: \"00 01 02\"}\n");
    cr_assert_eq(load(same, buf, len, NULL), 0);
    emu_card_free(same);
    /* the same tree with another ATR, or other contents: another profile */
    emu_card *other_atr = card_from_yaml("atr: \"3B 00\"\n"
                                         "files:\n"
                                         "  children:\n"
                                         "    - {fid: \"0101\", type: ef, structure: transparent,\n"
                                         "       data: \"00 01 02\"}\n");
    refused_with(other_atr, buf, len, "another profile");
    emu_card_free(other_atr);
    emu_card *changed = card_from_yaml("atr: \"3B 80 80 01 01\"\n"
                                       "files:\n"
                                       "  children:\n"
                                       "    - {fid: \"0101\", type: ef, structure: transparent,\n"
                                       "       data: \"00 01 03\"}\n");
    refused_with(changed, buf, len, "another profile");
    emu_card_free(changed);
    emu_card_free(foreign);
    free(mine);
    free(buf);
}

/* Offsets into a state of the reference card: magic (8), profile section (1 + 4 + 32), then
 * the files section header (1 + 4) and the file count (2). */
#define OFF_FILES_SECTION (8 + 37)
#define OFF_FILE_COUNT (OFF_FILES_SECTION + 5)

Test(state, malformed_bodies_with_a_good_checksum_are_refused)
{
    size_t len;
    uint8_t *orig = save(card, &len);
    uint8_t *buf = malloc(len);
    cr_assert_not_null(buf);
    struct {
        size_t off;
        uint8_t value;
        const char *part;
    } cases[] = {
        {8, 2, "profile"},                          /* sections out of order */
        {OFF_FILES_SECTION, 3, "files"},            /* wrong section id */
        {OFF_FILES_SECTION + 1, 0xFF, "truncated"}, /* section longer than the file */
        {OFF_FILE_COUNT, 0x7F, "file count"},       /* more files than the limit */
        {OFF_FILE_COUNT + 2, 7, "unknown kind"},    /* MF: bad node kind */
        {OFF_FILE_COUNT + 2, 0, "file"},            /* MF deleted */
        {OFF_FILE_COUNT + 3, 1, "structure"},       /* a DF with an EF structure */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(buf, orig, len);
        buf[cases[i].off] = cases[i].value;
        reseal(buf, len);
        refused_with(card, buf, len, cases[i].part);
        assert_state_is(card, orig, len);
    }
    /* the MF's first child link pointing outside the tree */
    memcpy(buf, orig, len);
    size_t mf_links = OFF_FILE_COUNT + 2 + 1 + 1 + 1 + 2 + 1 + 1 + 0; /* kind..aid_len, no aid */
    buf[mf_links + 2] = 0x7F;                                         /* first_child high byte */
    reseal(buf, len);
    refused_with(card, buf, len, "link");
    assert_state_is(card, orig, len);
    free(buf);
    free(orig);
}

/* ---- the persistence hook ---- */

static unsigned seen[16];
static size_t n_seen;
static bool hook_ok;
static uint8_t *last_state;
static size_t last_len;

static bool hook(emu_card *c, void *ctx)
{
    cr_assert_eq(ctx, &n_seen);
    unsigned tries = 99;
    cr_assert_eq(emu_card_pin_tries(c, 0x01, NULL, &tries), 0);
    if (n_seen < 16)
        seen[n_seen++] = tries;
    free(last_state);
    last_state = NULL;
    cr_assert_eq(emu_card_state_save(c, &last_state, &last_len), 0);
    return hook_ok;
}

Test(state, hook_sees_the_decremented_counter_before_the_comparison)
{
    emu_card_set_persist(card, hook, &n_seen);
    hook_ok = true;
    n_seen = 0;
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    cr_assert_eq(n_seen, 2);
    cr_assert_eq(seen[0], 2); /* durable before the comparison */
    cr_assert_eq(seen[1], 3); /* restored after the match */
    /* a state written at the first call holds the decremented counter */
    n_seen = 0;
    hook_ok = false; /* the write of the decremented counter fails: no comparison */
    expect_sw("00 20 00 01 08 " USER_PIN, 0x6581);
    cr_assert_eq(n_seen, 1);
    emu_card *other = card_reference();
    cr_assert_eq(load(other, last_state, last_len, NULL), 0);
    unsigned tries;
    cr_assert_eq(emu_card_pin_tries(other, 0x01, NULL, &tries), 0);
    cr_assert_eq(tries, 2);
    emu_card_free(other);
    free(last_state);
    last_state = NULL;
}

Test(state, hook_runs_for_file_changes_and_a_failure_answers_6581)
{
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    emu_card_set_persist(card, hook, &n_seen);
    hook_ok = true;
    n_seen = 0;
    expect_sw("00 A4 00 0C 02 01 01", 0x9000);
    expect_sw("00 B0 00 00 01", 0x9000);
    cr_assert_eq(n_seen, 0); /* reading changes nothing */
    expect_sw("00 D6 00 00 01 55", 0x9000);
    cr_assert_eq(n_seen, 1);
    hook_ok = false;
    expect_sw("00 D6 00 00 01 66", 0x6581);
    emu_card_set_persist(card, NULL, NULL);
    expect_sw("00 D6 00 00 01 77", 0x9000);
    cr_assert_eq(n_seen, 2);
    free(last_state);
    last_state = NULL;
}

/* ---- PIN counters ---- */

Test(state, pin_tries_reads_global_and_df_specific_counters)
{
    unsigned tries = 0;
    cr_assert_eq(emu_card_pin_tries(card, 0x01, NULL, &tries), 0);
    cr_assert_eq(tries, 3);
    cr_assert_eq(emu_card_pin_tries(card, 0x02, NULL, &tries), 0);
    cr_assert_eq(tries, 5);
    cr_assert_eq(emu_card_pin_tries(card, 0x81, "5000", &tries), 0);
    cr_assert_eq(tries, 3);
    cr_assert_eq(emu_card_pin_tries(card, 0x81, "3F00/5000", &tries), 0);
    cr_assert_eq(emu_card_pin_tries(card, 0x81, NULL, &tries), -1); /* not in the MF */
    cr_assert_eq(emu_card_pin_tries(card, 0x81, "5001", &tries), -1);
    cr_assert_eq(emu_card_pin_tries(card, 0x81, "50", &tries), -1);
    cr_assert_eq(emu_card_pin_tries(card, 0x81, "5000/5001", &tries), -1); /* an EF */
    cr_assert_eq(emu_card_pin_tries(card, 0x09, NULL, &tries), -1);
    expect_sw("00 20 00 01 08 " WRONG_PIN, 0x63C2);
    cr_assert_eq(emu_card_pin_tries(card, 0x01, NULL, &tries), 0);
    cr_assert_eq(tries, 2);
}

Test(state, set_pin_tries_changes_the_counter_durably)
{
    emu_card_set_persist(card, hook, &n_seen);
    hook_ok = true;
    n_seen = 0;
    cr_assert_eq(emu_card_set_pin_tries(card, 0x01, NULL, 1), 0);
    cr_assert_eq(n_seen, 1);
    cr_assert_eq(seen[0], 1);
    expect_sw("00 20 00 01", 0x63C1);
    cr_assert_eq(emu_card_set_pin_tries(card, 0x01, NULL, 0), 0);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x6983);
    cr_assert_eq(emu_card_set_pin_tries(card, 0x01, NULL, 4), -1); /* above the limit */
    cr_assert_eq(emu_card_set_pin_tries(card, 0x07, NULL, 1), -1);
    cr_assert_eq(emu_card_set_pin_tries(card, 0x01, NULL, 3), 0);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    /* a failed write leaves the counter as it was */
    hook_ok = false;
    cr_assert_eq(emu_card_set_pin_tries(card, 0x81, "5000", 1), -1);
    unsigned tries;
    cr_assert_eq(emu_card_pin_tries(card, 0x81, "5000", &tries), 0);
    cr_assert_eq(tries, 3);
    emu_card_set_persist(card, NULL, NULL);
    free(last_state);
    last_state = NULL;
}

Test(state, load_is_made_durable_or_refused_with_the_card_unchanged)
{
    change_everything(card);
    size_t len, flen;
    uint8_t *buf = save(card, &len);
    emu_card *other = card_reference();
    uint8_t *fresh = save(other, &flen);
    emu_card_set_persist(other, hook, &n_seen);
    hook_ok = false; /* the new state cannot be written: the old one stays */
    n_seen = 0;
    refused_with(other, buf, len, "durable");
    cr_assert_eq(n_seen, 1);
    emu_card_set_persist(other, NULL, NULL);
    assert_state_is(other, fresh, flen);
    emu_card_set_persist(other, hook, &n_seen);
    hook_ok = true; /* written: the hook saw the loaded state */
    cr_assert_eq(load(other, buf, len, NULL), 0);
    cr_assert_eq(last_len, len);
    cr_assert(memcmp(last_state, buf, len) == 0);
    emu_card_set_persist(other, NULL, NULL);
    emu_card_free(other);
    free(last_state);
    last_state = NULL;
    free(fresh);
    free(buf);
}
