/* Helpers for the key tests (test_pso.c, test_keys.c, test_kat.c): commands built from bytes,
 * OpenSSL checks against the reference card's certificates. */
#ifndef KEY_UTIL_H
#define KEY_UTIL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "card_test_util.h"

/* Sends header + data (Lc chosen short or extended) + Le to card `c`; returns the SW. */
static inline uint16_t send_apdu(emu_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                                 const uint8_t *data, size_t lc, size_t le)
{
    uint8_t *cmd = malloc(4 + 3 + lc + 3);
    cr_assert_not_null(cmd);
    size_t n = 0;
    bool ext = lc > 255 || le > 256;
    cmd[n++] = cla;
    cmd[n++] = ins;
    cmd[n++] = p1;
    cmd[n++] = p2;
    if (lc) {
        if (ext) {
            cmd[n++] = 0;
            cmd[n++] = (uint8_t)(lc >> 8);
        }
        cmd[n++] = (uint8_t)lc;
        memcpy(cmd + n, data, lc);
        n += lc;
    }
    if (le) {
        if (ext) {
            if (!lc)
                cmd[n++] = 0;
            cmd[n++] = (uint8_t)(le >> 8);
        }
        cmd[n++] = (uint8_t)le;
    }
    uint16_t sw = send_raw(c, cmd, n);
    free(cmd);
    return sw;
}

static inline size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t len, pos;
    cr_assert(codec_hex_decode(hex, strlen(hex), out, cap, &len, &pos), "bad hex %s", hex);
    return len;
}

/* The public key of a certificate file under vectors/certs/. */
static inline EVP_PKEY *cert_key(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/certs/%s", SDEMU_VECTORS, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    X509 *x = d2i_X509_fp(f, NULL);
    fclose(f);
    cr_assert_not_null(x);
    EVP_PKEY *k = X509_get_pubkey(x);
    X509_free(x);
    cr_assert_not_null(k);
    return k;
}

#endif
