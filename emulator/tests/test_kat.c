/* Known-answer vectors from vectors/crypto/ (AES, AES-CMAC, RSA / ECDSA verification) run
 * through the card: each vector's key becomes an inline key of a small profile. */
#include <libfyaml.h>

#include "key_util.h"

static struct fy_document *vectors(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/crypto/%s", SDEMU_VECTORS, name);
    struct fy_document *d = fy_document_build_from_file(NULL, path);
    cr_assert_not_null(d, "%s", path);
    return d;
}

static const char *field(struct fy_node *t, const char *key)
{
    struct fy_node *n = fy_node_mapping_lookup_by_string(t, key, FY_NT);
    if (!n)
        return NULL;
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    static char buf[4][4096];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%.*s", (int)len, s);
    return b;
}

static emu_card *aes_card(const char *key)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "atr: \"3B 80 80 01 01\"\nfiles:\n  keys:\n"
             "    - {ref: 0x01, type: aes, key: \"%s\", usage: [encrypt, decrypt, mac]}\n",
             key);
    return card_from_yaml(yaml);
}

Test(kat, aes_ecb_cbc)
{
    struct fy_document *d = vectors("aes.yaml");
    struct fy_node *tests = fy_node_by_path(fy_document_root(d), "/tests", FY_NT, 0);
    void *it = NULL;
    struct fy_node *t;
    int n = 0;
    while ((t = fy_node_sequence_iterate(tests, &it)) != NULL) {
        emu_card *c = aes_card(field(t, "key"));
        uint8_t iv[16], pt[64], ct[64], mse[32] = {0x80, 1, 0, 0x83, 1, 1};
        size_t ivl = unhex(field(t, "iv"), iv, sizeof iv), ptl = unhex(field(t, "pt"), pt, 64),
               ctl = unhex(field(t, "ct"), ct, 64);
        bool cbc = strcmp(field(t, "mode"), "cbc") == 0;
        mse[2] = cbc ? 0x81 : 0x80;
        size_t ml = 6;
        if (ivl) {
            mse[ml++] = 0x87;
            mse[ml++] = 16;
            memcpy(mse + ml, iv, 16);
            ml += 16;
        }
        cr_assert_eq(send_apdu(c, 0x00, 0x22, 0xC1, 0xB8, mse, ml, 0), 0x9000);
        cr_assert_eq(send_apdu(c, 0x00, 0x2A, 0x86, 0x80, pt, ptl, 256), 0x9000);
        cr_expect(data_len() == ctl + 1 && memcmp(resp + 1, ct, ctl) == 0, "vector %s: encipher",
                  field(t, "id"));
        uint8_t in[65] = {0};
        memcpy(in + 1, ct, ctl);
        cr_assert_eq(send_apdu(c, 0x00, 0x2A, 0x80, 0x86, in, ctl + 1, 256), 0x9000);
        cr_expect(data_len() == ptl && memcmp(resp, pt, ptl) == 0, "vector %s: decipher",
                  field(t, "id"));
        emu_card_free(c);
        n++;
    }
    cr_expect_geq(n, 4);
    fy_document_destroy(d);
}

Test(kat, aes_cmac)
{
    struct fy_document *d = vectors("cmac.yaml");
    struct fy_node *tests = fy_node_by_path(fy_document_root(d), "/tests", FY_NT, 0);
    void *it = NULL;
    struct fy_node *t;
    while ((t = fy_node_sequence_iterate(tests, &it)) != NULL) {
        emu_card *c = aes_card(field(t, "key"));
        uint8_t msg[64], mac[16], v[2 + 64 + 2 + 16];
        size_t ml = unhex(field(t, "msg"), msg, 64);
        unhex(field(t, "mac"), mac, 16);
        expect_on(c, "00 22 C1 B4 06 80 01 82 83 01 01", 0x9000);
        uint16_t sw = send_apdu(c, 0x00, 0x2A, 0x8E, 0x80, msg, ml, 256);
        if (ml == 0) /* PSO with no data: the empty message goes through VERIFY only */
            cr_expect_eq(sw, 0x6700);
        else
            cr_expect(sw == 0x9000 && data_len() == 16 && memcmp(resp, mac, 16) == 0, "vector %s",
                      field(t, "id"));
        v[0] = 0x80;
        v[1] = (uint8_t)ml;
        memcpy(v + 2, msg, ml);
        v[2 + ml] = 0x8E;
        v[3 + ml] = 16;
        memcpy(v + 4 + ml, mac, 16);
        cr_expect_eq(send_apdu(c, 0x00, 0x2A, 0x00, 0xA2, v, ml + 20, 0), 0x9000, "vector %s",
                     field(t, "id"));
        v[4 + ml] ^= 1;
        cr_expect_eq(send_apdu(c, 0x00, 0x2A, 0x00, 0xA2, v, ml + 20, 0), 0x6300);
        emu_card_free(c);
    }
    fy_document_destroy(d);
}

Test(kat, signature_verification)
{
    struct fy_document *d = vectors("signatures.yaml");
    struct fy_node *tests = fy_node_by_path(fy_document_root(d), "/tests", FY_NT, 0);
    void *it = NULL;
    struct fy_node *t;
    int n = 0;
    while ((t = fy_node_sequence_iterate(tests, &it)) != NULL) {
        char yaml[4096];
        snprintf(yaml, sizeof yaml,
                 "atr: \"3B 80 80 01 01\"\nfiles:\n  keys:\n"
                 "    - {ref: 0x01, type: %s, key: \"%s\", usage: [verify], algorithms: [%s]}\n",
                 field(t, "type"), field(t, "key"), field(t, "algorithm"));
        emu_card *c = card_from_yaml(yaml);
        uint8_t h[64], sig[600], tpl[700];
        size_t hl = unhex(field(t, "hash"), h, 64), sl = unhex(field(t, "sig"), sig, 600), l = 0;
        expect_on(c, "00 22 81 B6 03 83 01 01", 0x9000);
        tpl[l++] = 0x90;
        tpl[l++] = (uint8_t)hl;
        memcpy(tpl + l, h, hl);
        l += hl;
        tpl[l++] = 0x9E;
        if (sl > 255) {
            tpl[l++] = 0x82;
            tpl[l++] = (uint8_t)(sl >> 8);
        } else if (sl > 127) {
            tpl[l++] = 0x81;
        }
        tpl[l++] = (uint8_t)sl;
        memcpy(tpl + l, sig, sl);
        l += sl;
        bool valid = strcmp(field(t, "result"), "valid") == 0;
        cr_expect_eq(send_apdu(c, 0x00, 0x2A, 0x00, 0xA8, tpl, l, 0), valid ? 0x9000 : 0x6300,
                     "vector %s", field(t, "id"));
        emu_card_free(c);
        n++;
    }
    cr_expect_geq(n, 4);
    fy_document_destroy(d);
}

/* RSA PKCS#1 v1.5 is deterministic: the reference card signs vector 3's hash with its key and
 * must give exactly the vector's signature. */
Test(kat, rsa_pkcs1_signature_known_answer_from_the_reference_card)
{
    struct fy_document *d = vectors("signatures.yaml");
    struct fy_node *t = fy_node_by_path(fy_document_root(d), "/tests/2", FY_NT, 0);
    cr_assert_not_null(t);
    uint8_t h[32], sig[256];
    unhex(field(t, "hash"), h, 32);
    cr_assert_eq(unhex(field(t, "sig"), sig, 256), 256);
    card_setup();
    expect_sw("00 20 00 01 08 " USER_PIN, 0x9000);
    expect_sw("00 22 41 B6 06 80 01 13 84 01 01", 0x9000);
    cr_assert_eq(send_apdu(card, 0x00, 0x2A, 0x9E, 0x9A, h, 32, 256), 0x9000);
    cr_expect(data_len() == 256 && memcmp(resp, sig, 256) == 0);
    card_teardown();
    fy_document_destroy(d);
}
