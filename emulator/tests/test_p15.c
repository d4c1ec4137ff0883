/* The card describes itself (ISO/IEC 7816-15): EF.DIR, EF.OD, TokenInfo and every DF read
 * through SELECT / READ BINARY and decoded with codec_p15, compared with the card's real
 * objects. */
#include "card_test_util.h"

#include "codec_p15.h"

TestSuite(p15, .init = card_setup, .fini = card_teardown);

static uint8_t file[65536];
static size_t file_len;

/* Reads the whole transparent EF at `path` (hex, from the MF, without 3F00) into file[]. */
static void read_path(emu_card *c, const char *path_hex)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "00 A4 08 0C %02zX %s", (strlen(path_hex) + 1) / 3, path_hex);
    cr_assert_eq(send_to(c, cmd), 0x9000, "SELECT %s", path_hex);
    file_len = 0;
    for (;;) {
        snprintf(cmd, sizeof cmd, "00 B0 %02zX %02zX 00", file_len >> 8, file_len & 0xFF);
        uint16_t sw = send_to(c, cmd);
        cr_assert(sw == 0x9000 || sw == 0x6282 || sw == 0x6B00, "READ BINARY %04X", sw);
        if (sw == 0x6B00)
            break;
        memcpy(file + file_len, resp, resp_len - 2);
        file_len += resp_len - 2;
        if (sw == 0x6282 || resp_len - 2 < 256)
            break;
    }
}

static bool bytes_are(codec_p15_bytes b, const void *want, size_t n)
{
    return b.len == n && memcmp(b.data, want, n) == 0;
}

static bool text_is(codec_p15_bytes b, const char *want)
{
    return bytes_are(b, want, strlen(want));
}

/* The path EF.OD gives for a DF of `type`, as hex after 3F00 ("50 15 44 01"); false if none. */
static bool od_path(emu_card *c, uint8_t type, char *out, size_t cap)
{
    read_path(c, "50 15 50 31");
    codec_reader r;
    codec_reader_init(&r, file, file_len);
    while (!codec_p15_at_end(&r)) {
        codec_p15_od_entry e;
        cr_assert(codec_p15_read_od_entry(&r, &e));
        if (e.type != type)
            continue;
        cr_assert_geq(e.path.path.len, 4);
        cr_assert_eq(e.path.path.data[0], 0x3F);
        cr_assert_eq(e.path.path.data[1], 0x00);
        codec_hex_encode(e.path.path.data + 2, e.path.path.len - 2, out, cap);
        return true;
    }
    return false;
}

Test(p15, ef_dir_keeps_the_profile_entry_and_adds_pkcs15)
{
    read_path(card, "2F 00");
    codec_reader r;
    codec_reader_init(&r, file, file_len);
    codec_p15_app a;
    cr_assert(codec_p15_read_app(&r, &a));
    static const uint8_t sdtest[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                     0x44, 0x54, 0x45, 0x53, 0x54, 0x01};
    cr_assert(bytes_are(a.aid, sdtest, sizeof sdtest));
    cr_assert(codec_p15_read_app(&r, &a));
    cr_assert(bytes_are(a.aid, codec_p15_aid, sizeof codec_p15_aid));
    cr_assert(text_is(a.label, "sdtest reference card"));
    cr_assert(bytes_are(a.path, "\x3F\x00\x50\x15", 4));
    cr_assert_eq(codec_reader_remaining(&r), 0);
    /* the DF is selectable by the AID EF.DIR names */
    expect_sw("00 A4 04 0C 0C A0 00 00 00 63 50 4B 43 53 2D 31 35", 0x9000);
}

Test(p15, tokeninfo_tells_serial_label_manufacturer)
{
    read_path(card, "50 15 50 32");
    codec_reader r;
    codec_reader_init(&r, file, file_len);
    codec_p15_tokeninfo t;
    cr_assert(codec_p15_read_tokeninfo(&r, &t));
    cr_assert_eq(t.version, 0);
    cr_assert(text_is(t.serial, "SDT0000001"));
    cr_assert(text_is(t.manufacturer, "sdemu"));
    cr_assert(text_is(t.label, "sdtest reference card"));
    cr_assert_eq(t.flags, CODEC_P15_TOKEN_PRN_GENERATION);
    cr_assert_eq(codec_reader_remaining(&r), 0);
}

Test(p15, aodf_lists_every_pin_with_reference_encoding_lengths_padding)
{
    char path[64];
    cr_assert(od_path(card, CODEC_P15_AODF, path, sizeof path));
    read_path(card, path);
    codec_reader r;
    codec_reader_init(&r, file, file_len);
    struct {
        const char *label;
        uint8_t ref, type, min, max, stored;
        uint32_t flags_set;
        bool has_path;
    } want[] = {
        {"user", 0x01, CODEC_P15_PIN_UTF8, 4, 8, 8, CODEC_P15_PIN_CASE_SENSITIVE, false},
        {"puk", 0x02, CODEC_P15_PIN_UTF8, 8, 8, 8, CODEC_P15_PIN_UNBLOCKING_PIN, false},
        {"so", 0x03, CODEC_P15_PIN_UTF8, 8, 8, 8, CODEC_P15_PIN_SO_PIN, false},
        {"app", 0x81, CODEC_P15_PIN_BCD, 4, 16, 8, CODEC_P15_PIN_LOCAL, true},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        codec_p15_pin p;
        cr_assert(codec_p15_read_pin(&r, &p), "PIN %zu", i);
        cr_assert(text_is(p.obj.label, want[i].label), "label of PIN %zu", i);
        cr_assert(bytes_are(p.auth_id, &want[i].ref, 1));
        cr_assert_eq(p.reference, want[i].ref);
        cr_assert_eq(p.type, want[i].type);
        cr_assert_eq(p.min_len, want[i].min);
        cr_assert(p.has_max_len);
        cr_assert_eq(p.max_len, want[i].max);
        cr_assert_eq(p.stored_len, want[i].stored);
        cr_assert(p.has_pad_char);
        cr_assert_eq(p.pad_char, 0xFF);
        uint32_t always = CODEC_P15_PIN_INITIALIZED | CODEC_P15_PIN_NEEDS_PADDING;
        cr_assert_eq(p.flags & (always | want[i].flags_set), always | want[i].flags_set,
                     "flags of %s: %X", want[i].label, p.flags);
        cr_assert_eq(p.has_path, want[i].has_path);
        if (p.has_path)
            cr_assert(bytes_are(p.path.path, "\x3F\x00\x50\x00", 4));
    }
    /* the user PIN is neither a PUK nor an SO PIN */
    cr_assert(codec_p15_at_end(&r));
}

Test(p15, aodf_reference_verifies_on_the_card)
{
    /* what the AODF says is what VERIFY accepts: reference 81 in 3F00/5000, BCD padded FF */
    expect_sw("00 A4 08 0C 02 50 00", 0x9000);
    expect_sw("00 20 00 81 08 " APP_PIN, 0x9000);
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
}

Test(p15, dodf_describes_the_application_files)
{
    char path[64];
    cr_assert(od_path(card, CODEC_P15_DODF, path, sizeof path));
    read_path(card, path);
    codec_reader r;
    codec_reader_init(&r, file, file_len);
    codec_p15_data d;
    cr_assert(codec_p15_read_data(&r, &d));
    cr_assert(text_is(d.obj.label, "sdtest app/5001"));
    cr_assert(text_is(d.app_name, "sdtest app"));
    cr_assert_eq(d.obj.auth_id.len, 0);
    cr_assert(bytes_are(d.path.path, "\x3F\x00\x50\x00\x50\x01", 6));
    cr_assert(codec_p15_read_data(&r, &d));
    cr_assert(text_is(d.obj.label, "sdtest app/5002"));
    cr_assert(bytes_are(d.obj.auth_id, "\x81", 1));
    cr_assert_eq(d.obj.flags & CODEC_P15_OBJ_PRIVATE, CODEC_P15_OBJ_PRIVATE);
    cr_assert(codec_p15_at_end(&r));
}

Test(p15, published_files_are_read_always_update_never)
{
    expect_sw("00 A4 08 0C 04 50 15 50 31", 0x9000);
    expect_sw("00 B0 00 00 01", 0x9000);
    expect_sw("00 20 00 03 08 " SO_PIN, 0x9000); /* not even the SO PIN may change them */
    expect_sw("00 D6 00 00 01 00", 0x6982);
    expect_sw("00 A4 08 0C 04 50 15 50 32", 0x9000);
    expect_sw("00 E4 00 00", 0x6982);
}

Test(p15, switch_off_publishes_nothing)
{
    emu_card_free(card);
    card = card_from_yaml("atr: \"3B 02 14 50\"\n"
                          "files: {pins: [{ref: 1, value: \"1234\", tries: 3}]}\n");
    expect_sw("00 A4 00 0C 02 50 15", 0x6A82);
    expect_sw("00 A4 00 0C 02 2F 00", 0x6A82);
}

Test(p15, profile_without_ef_dir_gets_one)
{
    emu_card_free(card);
    card = card_from_yaml("atr: \"3B 02 14 50\"\npkcs15: true\n"
                          "files: {pins: [{ref: 1, value: \"1234\", tries: 3}]}\n");
    read_path(card, "2F 00");
    codec_reader r;
    codec_reader_init(&r, file, file_len);
    codec_p15_app a;
    cr_assert(codec_p15_read_app(&r, &a));
    cr_assert(text_is(a.label, "PKCS#15"));
    cr_assert_eq(codec_reader_remaining(&r), 0);
    /* EF.DIR by SFI 30 */
    expect_sw("00 B0 9E 00 01", 0x9000);
    cr_assert_eq(resp[0], 0x61);
}

Test(p15, profile_using_5015_is_refused)
{
    refused("atr: \"3B 02 14 50\"\npkcs15: true\n"
            "files: {children: [{fid: \"5015\", type: df}]}\n",
            "5015");
    refused("atr: \"3B 02 14 50\"\npkcs15: true\n"
            "files: {children: [{fid: \"5000\", type: df, aid: \"A0 00 00 00 63 50 4B 43 53 2D 31 "
            "35\"}]}\n",
            "AID");
}

/* Keys from the profile: RSA and EC generated at start, an AES key inline, guarded by the PIN. */
static const char keys_yaml[] =
    "atr: \"3B 02 14 50\"\npkcs15: true\nlabel: keys\nserial: \"42\"\n"
    "files:\n"
    "  pins: [{name: user, ref: 1, value: \"1234\", tries: 3}]\n"
    "  keys:\n"
    "    - {ref: 0x01, label: sign, type: rsa, size: 2048, generate: true, usage: [sign],\n"
    "       access: {use: user}}\n"
    "    - {ref: 0x02, label: ecc, type: ec, curve: p256, generate: true, usage: [sign, derive],\n"
    "       access: {use: user}}\n"
    "    - {ref: 0x03, label: aes, type: aes, key: \"00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D "
    "0E 0F\",\n"
    "       usage: [encrypt, decrypt, mac], access: {use: user}}\n";

Test(p15, keys_appear_in_prkdf_pukdf_skdf)
{
    emu_card_free(card);
    card = card_from_yaml(keys_yaml);
    char path[64];
    /* PrKDF: RSA then EC, with modulus / field size, reference, the PIN's authId */
    cr_assert(od_path(card, CODEC_P15_PRKDF, path, sizeof path));
    read_path(card, path);
    codec_reader r;
    codec_reader_init(&r, file, file_len);
    codec_p15_keyobj k;
    cr_assert(codec_p15_read_prkey(&r, &k));
    cr_assert_eq(k.type, CODEC_P15_KEY_RSA);
    cr_assert(text_is(k.obj.label, "sign"));
    cr_assert(bytes_are(k.obj.auth_id, "\x01", 1));
    cr_assert_eq(k.key.key_ref, 0x01);
    cr_assert_eq(k.key.usage, CODEC_P15_USAGE_SIGN);
    cr_assert_eq(k.bits, 2048);
    cr_assert_eq(k.key.id.len, 20, "SHA-1 iD");
    uint8_t rsa_id[20];
    memcpy(rsa_id, k.key.id.data, 20);
    cr_assert(codec_p15_read_prkey(&r, &k));
    cr_assert_eq(k.type, CODEC_P15_KEY_EC);
    cr_assert_eq(k.bits, 256);
    cr_assert_eq(k.key.usage, CODEC_P15_USAGE_SIGN | CODEC_P15_USAGE_DERIVE);
    cr_assert(codec_p15_at_end(&r));
    /* PuKDF: the same iDs; each path holds a public key the card's own key matches */
    cr_assert(od_path(card, CODEC_P15_PUKDF, path, sizeof path));
    read_path(card, path);
    static uint8_t pukdf[4096];
    size_t pukdf_len = file_len;
    memcpy(pukdf, file, file_len);
    codec_reader_init(&r, pukdf, pukdf_len);
    cr_assert(codec_p15_read_pubkey(&r, &k));
    cr_assert_eq(k.type, CODEC_P15_KEY_RSA);
    cr_assert(bytes_are(k.key.id, rsa_id, 20));
    cr_assert_eq(k.obj.auth_id.len, 0);
    char hex[64];
    codec_hex_encode(k.path.path.data + 2, k.path.path.len - 2, hex, sizeof hex);
    read_path(card, hex);
    cr_assert_eq(file[0], 0x30, "RSAPublicKey");
    cr_assert_gt(file_len, 256);
    cr_assert(codec_p15_read_pubkey(&r, &k));
    cr_assert_eq(k.type, CODEC_P15_KEY_EC);
    /* SKDF */
    cr_assert(od_path(card, CODEC_P15_SKDF, path, sizeof path));
    read_path(card, path);
    codec_reader_init(&r, file, file_len);
    cr_assert(codec_p15_read_skey(&r, &k));
    cr_assert_eq(k.type, CODEC_P15_KEY_SECRET);
    cr_assert(text_is(k.obj.label, "aes"));
    cr_assert_eq(k.bits, 128);
    cr_assert_eq(k.key.key_ref, 0x03);
    cr_assert_eq(k.key.usage, CODEC_P15_USAGE_ENCRYPT | CODEC_P15_USAGE_DECRYPT |
                                  CODEC_P15_USAGE_SIGN | CODEC_P15_USAGE_VERIFY);
    cr_assert(codec_p15_at_end(&r));
    /* no certificates on this card: no CDF */
    cr_assert_not(od_path(card, CODEC_P15_CDF, path, sizeof path));
}
