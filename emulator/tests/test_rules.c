/* Access rules beyond files: per data object (GET / PUT DATA), per PIN object and operation
 * (CHANGE, RESET, ENABLE, DISABLE), security attributes in CREATE FILE (AB and 8C, round trip
 * through SELECT), the ATR's card capabilities checked against the transport, and the new
 * rules surviving a state save / load. */
#include "emu_card_internal.h"
#include "card_test_util.h"

TestSuite(rules, .init = card_setup, .fini = card_teardown);

/* Counts the bytes of a hex string. */
static size_t hex_len(const char *hex)
{
    uint8_t tmp[CODEC_CAPDU_MAX];
    size_t len, pos;
    cr_assert(codec_hex_decode(hex, strlen(hex), tmp, sizeof tmp, &len, &pos), "bad hex: %s", hex);
    return len;
}

/* "head Lc data" for a short case-3 command; `head` is CLA INS P1 P2. */
static const char *with_data(const char *head, const char *data)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s %02zX %s", head, hex_len(data), data);
    return buf;
}

/* CREATE FILE with FCP template 62 holding `inner`. */
static const char *create(const char *inner)
{
    static char fcp[2048];
    snprintf(fcp, sizeof fcp, "62 %02zX %s", hex_len(inner), inner);
    return with_data("00 E0 00 00", fcp);
}

/* SELECT by FID (P2 04) on `c` and compare the FCP's AB value with `hex`. */
static void expect_ab_on(emu_card *c, const char *fid, const char *hex)
{
    uint8_t want[255];
    size_t want_len, pos;
    cr_assert(codec_hex_decode(hex, strlen(hex), want, sizeof want, &want_len, &pos));
    char sel[32];
    snprintf(sel, sizeof sel, "00 A4 00 04 02 %s 00", fid);
    expect_on(c, sel, 0x9000);
    size_t len = 0;
    const uint8_t *ab = fcp_tag(0xAB, &len);
    cr_assert_not_null(ab, "%s: no AB in the FCP", fid);
    char got[800];
    codec_hex_encode(ab, len, got, sizeof got);
    cr_expect(len == want_len && memcmp(ab, want, len) == 0, "%s: AB %s, expected %s", fid, got,
              hex);
}

/* ---- data objects ---- */

static const char *const do_yaml =
    "atr: 3B 00\n"
    "data_objects:\n"
    "  - {tag: '5F20', value: '41', access: {read: always, update: so}}\n"
    "  - {tag: 'DF01', value: '42', access: {read: user}}\n"
    "  - {tag: 'DF02', value: '43'}\n"
    "  - {tag: 'DF03', value: '44', access: {update: user or so}}\n"
    "files:\n"
    "  pins:\n"
    "    - {name: user, ref: 0x01, value: '1111', tries: 3}\n"
    "    - {name: so, ref: 0x03, value: '3333', tries: 3}\n"
    "  access: {read: always, update: never}\n"
    "  children:\n"
    "    - fid: '5000'\n"
    "      type: df\n"
    "      aid: 'A0 00 00 00 01'\n"
    "      access: {read: never, update: never}\n";

#define DO_USER "00 20 00 01 04 31 31 31 31"
#define DO_SO "00 20 00 03 04 33 33 33 33"

Test(rules, data_object_update_rule_replaces_the_dfs)
{
    emu_card *c = card_from_yaml(do_yaml);
    /* the MF's update is never; 5F20's own rule is the SO PIN */
    expect_on(c, "00 DA 5F 20 01 99", 0x6982);
    expect_on(c, "00 DA DF 02 01 99", 0x6982); /* no own rule: the MF's */
    expect_on(c, DO_USER, 0x9000);
    expect_on(c, "00 DA 5F 20 01 99", 0x6982);
    expect_on(c, DO_SO, 0x9000);
    expect_on(c, "00 DA 5F 20 01 99", 0x9000);
    expect_on(c, "00 CA 5F 20 00", 0x9000);
    cr_expect_eq(resp[0], 0x99);
    expect_on(c, "00 DA DF 02 01 99", 0x6982); /* still the MF's never */
    emu_card_free(c);
}

Test(rules, data_object_read_rule_and_the_other_operation)
{
    emu_card *c = card_from_yaml(do_yaml);
    expect_on(c, "00 CA DF 01 00", 0x6982);
    expect_on(c, "00 CA DF 02 00", 0x9000); /* the MF's read: always */
    /* DF01 gives only read: its update follows the current DF (never) */
    expect_on(c, DO_USER, 0x9000);
    expect_on(c, "00 CA DF 01 00", 0x9000);
    cr_expect_eq(resp[0], 0x42);
    expect_on(c, "00 DA DF 01 01 99", 0x6982);
    /* DF03 gives only update */
    expect_on(c, "00 DA DF 03 01 98", 0x9000);
    expect_on(c, "00 CA DF 03 00", 0x9000);
    cr_expect_eq(resp[0], 0x98);
    emu_card_free(c);
}

Test(rules, data_object_rule_holds_in_any_df)
{
    emu_card *c = card_from_yaml(do_yaml);
    expect_on(c, "00 A4 04 0C 05 A0 00 00 00 01", 0x9000);
    /* the application's read is never, 5F20 says always */
    expect_on(c, "00 CA 5F 20 00", 0x9000);
    expect_on(c, "00 CA DF 02 00", 0x6982);
    emu_card_free(c);
}

Test(rules, data_object_rules_in_tag_lists)
{
    emu_card *c = card_from_yaml(do_yaml);
    expect_on(c, "00 CB 3F FF 04 5C 02 5F 20 00", 0x9000);
    expect_on(c, "00 CB 3F FF 06 5C 04 5F 20 DF 01 00", 0x6982);
    /* DB: one refused object leaves every object unchanged */
    expect_on(c, DO_USER, 0x9000);
    expect_on(c, "00 DB 3F FF 08 DF 03 01 77 5F 20 01 77", 0x6982);
    expect_on(c, "00 CA DF 03 00", 0x9000);
    cr_expect_eq(resp[0], 0x44);
    expect_on(c, DO_SO, 0x9000);
    expect_on(c, "00 DB 3F FF 08 DF 03 01 77 5F 20 01 77", 0x9000);
    expect_on(c, "00 CB 3F FF 06 5C 04 5F 20 DF 03 00", 0x9000);
    static const uint8_t want[] = {0x5F, 0x20, 0x01, 0x77, 0xDF, 0x03, 0x01, 0x77};
    cr_assert_eq(data_len(), sizeof want);
    cr_expect_arr_eq(resp, want, sizeof want);
    emu_card_free(c);
}

Test(rules, profile_refuses_bad_data_object_rules)
{
    refused("atr: 3B 00\n"
            "data_objects: [{tag: '5F20', access: {write: always}}]\n"
            "files: {}\n",
            "unknown key 'write'");
    refused("atr: 3B 00\n"
            "data_objects: [{tag: '5F20', access: {read: nobody}}]\n"
            "files: {}\n",
            "not a PIN");
    /* PINs are seen from the MF: a DF's local PIN is not visible */
    refused("atr: 3B 00\n"
            "data_objects: [{tag: '5F20', access: {read: l}}]\n"
            "files:\n"
            "  children:\n"
            "    - {fid: '5000', type: df, pins: [{name: l, ref: 0x81, value: '1111', tries: "
            "3}]}\n",
            "inline:2:");
}

/* ---- PIN objects ---- */

static const char *const pin_yaml =
    "atr: 3B 00\n"
    "files:\n"
    "  pins:\n"
    "    - {name: user, ref: 0x01, value: '1111', tries: 3, reset_by: puk, unblock: so,\n"
    "       disable_allowed: true,\n"
    "       access: {change: so, reset: so, enable: never, disable: so}}\n"
    "    - {name: puk, ref: 0x02, value: '2222', tries: 3}\n"
    "    - {name: so, ref: 0x03, value: '3333', tries: 3}\n"
    "    - {name: fixed, ref: 0x04, value: '4444', tries: 3, access: {change: never}}\n"
    "    - {name: plain, ref: 0x05, value: '5555', tries: 3, disable_allowed: true}\n";

#define P_USER "31 31 31 31"
#define P_SO "00 20 00 03 04 33 33 33 33"

Test(rules, pin_change_rule)
{
    emu_card *c = card_from_yaml(pin_yaml);
    /* the current value is right, but the rule (SO) is not met: refused, no try spent */
    expect_on(c, "00 24 00 01 08 " P_USER " 39 39 39 39", 0x6982);
    expect_on(c, "00 20 00 01", 0x63C3);
    expect_on(c, "00 20 00 01 04 " P_USER, 0x9000);
    expect_on(c, "00 24 01 01 04 39 39 39 39", 0x6982); /* verified is not enough either */
    expect_on(c, P_SO, 0x9000);
    expect_on(c, "00 24 00 01 08 " P_USER " 39 39 39 39", 0x9000);
    expect_on(c, "00 20 00 01 04 39 39 39 39", 0x9000);
    expect_on(c, "00 24 01 01 04 38 38 38 38", 0x9000);
    /* change: never */
    expect_on(c, "00 20 00 04 04 34 34 34 34", 0x9000);
    expect_on(c, "00 24 01 04 04 39 39 39 39", 0x6982);
    expect_on(c, "00 24 00 04 08 34 34 34 34 39 39 39 39", 0x6982);
    expect_on(c, "00 20 00 04", 0x9000); /* still verified, counter full */
    /* no access: the fixed semantics */
    expect_on(c, "00 24 00 05 08 35 35 35 35 39 39 39 39", 0x9000);
    emu_card_free(c);
}

Test(rules, pin_reset_rule)
{
    emu_card *c = card_from_yaml(pin_yaml);
    expect_on(c, "00 20 00 01 04 30 30 30 30", 0x63C2);
    /* the PUK is right but the rule (SO) is not met: the PUK's counter is untouched */
    expect_on(c, "00 2C 01 01 04 32 32 32 32", 0x6982);
    expect_on(c, "00 20 00 02", 0x63C3);
    expect_on(c, "00 20 00 01", 0x63C2);
    expect_on(c, P_SO, 0x9000);
    expect_on(c, "00 2C 01 01 04 32 32 32 32", 0x9000);
    expect_on(c, "00 20 00 01", 0x63C3);
    /* P1 03 needs `unblock` (SO) and `reset` (SO): both met */
    expect_on(c, "00 20 00 01 04 30 30 30 30", 0x63C2);
    expect_on(c, "00 2C 03 01", 0x9000);
    expect_on(c, "00 20 00 01", 0x63C3);
    emu_card_free(c);
}

Test(rules, pin_enable_and_disable_rules)
{
    emu_card *c = card_from_yaml(pin_yaml);
    expect_on(c, "00 26 00 01 04 " P_USER, 0x6982); /* disable: so */
    expect_on(c, "00 20 00 01", 0x63C3);            /* no try spent */
    expect_on(c, P_SO, 0x9000);
    expect_on(c, "00 26 00 01 04 " P_USER, 0x9000);
    expect_on(c, "00 20 00 01", 0x9000);            /* not required any more */
    expect_on(c, "00 28 00 01 04 " P_USER, 0x6982); /* enable: never */
    expect_on(c, "00 28 01 01", 0x6982);
    /* no access: the fixed semantics */
    expect_on(c, "00 26 00 05 04 35 35 35 35", 0x9000);
    expect_on(c, "00 28 01 05", 0x9000);
    emu_card_free(c);
}

Test(rules, profile_refuses_bad_pin_rules)
{
    refused("atr: 3B 00\n"
            "files:\n"
            "  pins: [{name: a, ref: 0x01, value: '1111', tries: 3, access: {verify: never}}]\n",
            "unknown key 'verify'");
    refused("atr: 3B 00\n"
            "files:\n"
            "  pins: [{name: a, ref: 0x01, value: '1111', tries: 3, access: {change: zz}}]\n",
            "not a PIN");
    refused("atr: 3B 00\n"
            "files:\n"
            "  pins: [{name: a, ref: 0x01, value: '1111', tries: 3, access: never}]\n",
            "mapping");
    /* a rule may name a PIN listed later */
    emu_card *c = card_from_yaml("atr: 3B 00\n"
                                 "files:\n"
                                 "  pins:\n"
                                 "    - {name: a, ref: 0x01, value: '1111', tries: 3,\n"
                                 "       access: {change: b}}\n"
                                 "    - {name: b, ref: 0x02, value: '2222', tries: 3}\n");
    expect_on(c, "00 24 00 01 08 31 31 31 31 39 39 39 39", 0x6982);
    emu_card_free(c);
}

/* ---- CREATE FILE with security attributes ---- */

/* EF 0101's rules on the reference card, as SELECT writes them. */
#define AB_0101                                                                                    \
    "80 01 01 90 00 80 01 02 A4 06 83 01 01 95 01 08 80 01 3C 97 00 80 01 40 A4 06 83 01 03 95 "   \
    "01 08 84 01 0E 97 00 84 01 E2 97 00"

Test(rules, create_ef_takes_expanded_attributes)
{
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    expect_sw(create("82 01 01 83 02 01 05 80 01 10 AB 2A " AB_0101), 0x9000);
    expect_ab_on(card, "01 05", AB_0101);
    expect_sw("00 B0 00 00 04", 0x9000);
    expect_sw("00 D6 00 00 01 AA", 0x6982);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 D6 00 00 01 AA", 0x9000);
    expect_sw("00 D0 00 00 01 01", 0x6982); /* write: never */
}

Test(rules, create_without_attributes_takes_the_parents)
{
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    expect_sw(create("82 01 01 83 02 01 06 80 01 10"), 0x9000);
    /* the MF: read always, create and delete after the SO PIN, the rest never */
    expect_ab_on(card, "01 06",
                 "80 01 01 90 00 80 01 3E 97 00 80 01 40 A4 06 83 01 03 95 01 08 84 01 0E 97 00 "
                 "84 01 E2 97 00");
}

Test(rules, create_takes_compact_attributes)
{
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    /* AM 03: update (b2) then read (b1); both always. The rest: the MF's. */
    expect_sw(create("82 01 01 83 02 01 07 80 01 10 8C 03 03 00 00"), 0x9000);
    expect_sw("00 20 FF 03", 0x9000); /* log out: nothing verified */
    expect_sw("00 D6 00 00 01 AA", 0x9000);
    expect_ab_on(card, "01 07",
                 "80 01 03 90 00 80 01 3C 97 00 80 01 40 A4 06 83 01 03 95 01 08 84 01 0E 97 00 "
                 "84 01 E2 97 00");
    /* AM 40 (delete) never, via the compact byte FF */
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    expect_sw(create("82 01 01 83 02 01 08 8C 02 40 FF"), 0x9000);
    expect_sw("00 E4 00 00 02 01 08", 0x6982);
}

Test(rules, create_df_round_trip_with_and_or)
{
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    /* delete: user and SO; create: user or the PUK; activate, deactivate, terminate: never */
    const char *ab = "80 01 40 AF 10 A4 06 83 01 01 95 01 08 A4 06 83 01 03 95 01 08 "
                     "80 01 06 A0 10 A4 06 83 01 01 95 01 08 A4 06 83 01 02 95 01 08 "
                     "80 01 38 97 00";
    char inner[512];
    snprintf(inner, sizeof inner, "82 01 38 83 02 60 00 AB %02zX %s", hex_len(ab), ab);
    expect_sw(create(inner), 0x9000);
    expect_ab_on(card, "60 00", ab);
    /* the new DF's create rule: the PUK alone is enough, nothing else is */
    expect_sw("00 20 FF 03", 0x9000);
    expect_sw(create("82 01 01 83 02 60 01"), 0x6982);
    expect_sw("00 20 00 02 08 " PUK, 0x9000);
    expect_sw(create("82 01 01 83 02 60 01"), 0x9000);
    expect_sw("00 A4 00 0C 02 60 00", 0x9000);
    expect_sw("00 E4 00 00 00", 0x6982);
}

Test(rules, create_refuses_bad_attributes)
{
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    static const struct {
        const char *sec;
        uint16_t sw;
    } cases[] = {
        {"AB 04 80 01 01", 0x6A80},                         /* truncated */
        {"AB 04 80 01 01 90", 0x6A80},                      /* condition cut */
        {"AB 03 80 01 01", 0x6A80},                         /* no condition */
        {"AB 05 80 01 81 90 00", 0x6A80},                   /* AM b8 set */
        {"AB 05 81 01 01 90 00", 0x6A80},                   /* CLA in the AM DO */
        {"AB 05 80 01 01 B4 00", 0x6A80},                   /* secure messaging */
        {"AB 0A 80 01 01 A4 05 95 01 08 00 00", 0x6A80},    /* CRT without 83 */
        {"AB 09 80 01 01 A4 04 83 02 01 01", 0x6A80},       /* reference of 2 bytes */
        {"AB 09 80 01 01 A4 04 83 01 41 00", 0x6A80},       /* bad reference */
        {"AB 0A 80 01 01 90 00 80 01 03 97 00", 0x6A80},    /* read given twice */
        {"AB 06 80 01 01 9E 01 12", 0x6A80},                /* SC byte, not 00/FF */
        {"AB 07 80 01 01 AF 02 90 00", 0x6A80},             /* AND of non-PINs */
        {"AB 0B 80 01 01 A4 06 83 01 05 95 01 08", 0x6A88}, /* no PIN 05 */
        {"8C 02 03 00", 0x6A80},                            /* one SC byte missing */
        {"8C 03 01 00 00", 0x6A80},                         /* one SC byte too many */
        {"8C 02 01 12", 0x6A80},                            /* SC names an SE */
        {"8C 02 81 00", 0x6A80},                            /* AM b8 set */
        {"8C 00", 0x6A80},                                  /* empty */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char inner[256];
        snprintf(inner, sizeof inner, "82 01 01 83 02 01 09 80 01 10 %s", cases[i].sec);
        uint16_t sw = send_to(card, create(inner));
        cr_expect_eq(sw, cases[i].sw, "%s: SW %04X, expected %04X", cases[i].sec, sw, cases[i].sw);
        expect_sw("00 A4 00 0C 02 01 09", 0x6A82); /* nothing was created */
        expect_sw("00 A4 00 0C 00", 0x9000);
    }
}

/* ---- the ATR's card capabilities ---- */

Test(rules, reference_atr_advertises_write_or)
{
    size_t n = 0;
    const uint8_t *atr = emu_card_atr(card, &n);
    static const uint8_t want[] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xB4, 0x41, 0xDB, 0xD9};
    cr_assert_eq(n, sizeof want);
    cr_assert_arr_eq(atr, want, sizeof want);
    cr_expect_eq(atr[7] & 0x60, 0x40, "data coding byte: write OR");
}

Test(rules, atr_capabilities_match_the_transport)
{
    /* 5B: extended Lc/Le, assignment by card and IFD, 4 channels */
    emu_card *c = card_from_yaml("atr: 3B 85 80 01 80 73 B4 41 5B 59\n"
                                 "transport: {extended_length: true, channels: 4}\n"
                                 "files: {}\n");
    emu_card_free(c);
    refused("atr: 3B 85 80 01 80 73 B4 41 5B 59\n"
            "files: {}\n",
            "inline:1:6: atr: card capabilities (73) advertise 4 logical channels but transport "
            "has channels: 1");
    refused("atr: 3B 85 80 01 80 73 B4 41 5B 59\n"
            "transport: {extended_length: false, channels: 4}\n"
            "files: {}\n",
            "advertise extended Lc/Le but transport has extended_length: false");
    /* 1B: no extended Lc/Le */
    refused("atr: 3B 85 80 01 80 73 B4 41 1B 19\n"
            "transport: {channels: 4}\n"
            "files: {}\n",
            "do not advertise extended Lc/Le but transport has extended_length: true");
    c = card_from_yaml("atr: 3B 85 80 01 80 73 B4 41 1B 19\n"
                       "transport: {extended_length: false, channels: 4}\n"
                       "files: {}\n");
    emu_card_free(c);
    /* DB: command chaining too; the transport must say so */
    c = card_from_yaml("atr: 3B 85 80 01 80 73 B4 41 DB D9\n"
                       "transport: {chaining: true, channels: 4}\n"
                       "files: {}\n");
    emu_card_free(c);
    refused("atr: 3B 85 80 01 80 73 B4 41 DB D9\n"
            "transport: {channels: 4}\n"
            "files: {}\n",
            "advertise command chaining but transport has chaining: false");
    refused("atr: 3B 85 80 01 80 73 B4 41 5B 59\n"
            "transport: {chaining: true, channels: 4}\n"
            "files: {}\n",
            "do not advertise command chaining but transport has chaining: true");
    /* 5F: eight or more channels */
    c = card_from_yaml("atr: 3B 85 80 01 80 73 B4 41 5F 5D\n"
                       "transport: {channels: 20}\n"
                       "files: {}\n");
    emu_card_free(c);
    refused("atr: 3B 85 80 01 80 73 B4 41 5F 5D\n"
            "transport: {channels: 7}\n"
            "files: {}\n",
            "advertise 8 or more logical channels");
    /* 43: count bits without an assignment method = no logical channels */
    refused("atr: 3B 85 80 01 80 73 B4 41 43 41\n"
            "transport: {channels: 4}\n"
            "files: {}\n",
            "advertise 1 logical channel but");
    /* a short capabilities object claims nothing: extended length must be off */
    refused("atr: 3B 84 80 01 80 72 B4 41 02\n"
            "files: {}\n",
            "do not advertise extended Lc/Le");
    /* category 00: the object before the 3 status bytes */
    c = card_from_yaml("atr: 3B 88 80 01 00 73 B4 41 5B 00 90 00 44\n"
                       "transport: {channels: 4}\n"
                       "files: {}\n");
    emu_card_free(c);
    refused("atr: 3B 84 80 01 80 73 B4 41 03\n"
            "files: {}\n",
            "compact-TLV object truncated");
    /* proprietary historical bytes are not read */
    c = card_from_yaml("atr: 3B 02 14 50\nfiles: {}\n");
    emu_card_free(c);
}

/* ---- the new rules in the saved state ---- */

/* Saves card `c`, loads the state into a fresh card of the same profile and returns it. */
static emu_card *reload(emu_card *c, const char *yaml)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    cr_assert_eq(emu_card_state_save(c, &buf, &len), 0);
    emu_card *d = card_from_yaml(yaml);
    emu_error err;
    cr_assert_eq(emu_card_state_load(d, buf, len, &err), 0, "load: %s", err.message);
    free(buf);
    emu_card_power_on(d);
    return d;
}

Test(rules, data_object_rules_survive_save_and_load)
{
    emu_card *c = card_from_yaml(do_yaml);
    /* the loaded card keeps the rules even when the in-memory ones are gone */
    emu_card *d = reload(c, do_yaml);
    emu_card_free(c);
    const emu_dobj *dobj = NULL;
    for (uint16_t i = 0; i < d->fs.do_count; i++)
        if (d->fs.dos[i].tag == 0x5F20)
            dobj = &d->fs.dos[i];
    cr_assert_not_null(dobj);
    cr_expect_eq(dobj->access_set, 3);
    cr_expect_eq(dobj->access[EMU_DO_UPDATE].kind, EMU_RULE_PINS);
    expect_on(d, "00 DA 5F 20 01 99", 0x6982);
    expect_on(d, DO_SO, 0x9000);
    expect_on(d, "00 DA 5F 20 01 99", 0x9000);
    expect_on(d, "00 CA DF 01 00", 0x6982);
    emu_card_free(d);
}

Test(rules, pin_rules_survive_save_and_load)
{
    emu_card *c = card_from_yaml(pin_yaml);
    emu_card *d = reload(c, pin_yaml);
    emu_card_free(c);
    expect_on(d, "00 24 00 01 08 " P_USER " 39 39 39 39", 0x6982);
    expect_on(d, "00 26 00 01 04 " P_USER, 0x6982);
    expect_on(d, "00 28 01 01", 0x6982);
    expect_on(d, P_SO, 0x9000);
    expect_on(d, "00 24 00 01 08 " P_USER " 39 39 39 39", 0x9000);
    emu_card_free(d);
}

Test(rules, created_file_rules_survive_save_and_load)
{
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000);
    expect_sw(create("82 01 01 83 02 01 05 80 01 10 AB 2A " AB_0101), 0x9000);
    uint8_t *buf = NULL;
    size_t len = 0;
    cr_assert_eq(emu_card_state_save(card, &buf, &len), 0);
    emu_card_free(card);
    card_setup();
    emu_error err;
    cr_assert_eq(emu_card_state_load(card, buf, len, &err), 0, "load: %s", err.message);
    free(buf);
    emu_card_power_on(card);
    expect_ab_on(card, "01 05", AB_0101);
}
