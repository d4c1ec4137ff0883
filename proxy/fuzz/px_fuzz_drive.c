/* The call sequence of the 'proxy' fuzz target (px_fuzz_drive.h). Every call's status is
 * checked against the API's promises (a known status, the same one getLastError reports), so
 * the fuzzer finds wrong statuses as well as crashes. */
#include "px_fuzz_drive.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isoiec23465_async.h"

/* Objects of one device: the object table holds at most 128, the labels below fewer. */
#define FD_MAX_OBJECTS 160
#define FD_MAX_APPS 40

/* Output buffers, static: the target runs one input at a time and the sizes are large. */
static uint8_t fd_buf[65536];
static uint8_t fd_out[1024];
static uint8_t fd_out2[1024];

/* Aborts (a finding for the fuzzer) when a status breaks the API's rules: unknown value, or
 * not the one isoIec23465_getLastError reports for the same call. */
static isoIec23465_Status fd_check(isoIec23465_Status st, const char *call)
{
    isoIec23465_ErrorDetails d;
    isoIec23465_Status last = isoIec23465_getLastError(&d);
    if ((unsigned)st > isoIec23465_BufferTooSmall || last != st || d.status != st) {
        fprintf(stderr, "%s: status %d, getLastError %d/%d\n", call, (int)st, (int)last,
                (int)d.status);
        abort();
    }
    return st;
}
#define FD(call) fd_check((call), #call)

/* The reference card's values of its passwords (vectors/profiles/default.yaml); other labels
 * get the user PIN's value. */
static const char *fd_pin_value(const char *label)
{
    static const struct {
        const char *label, *value;
    } pins[] = {{"user", "123456"}, {"puk", "12345678"}, {"so", "87654321"}, {"app", "4321"}};
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++)
        if (strcmp(label, pins[i].label) == 0)
            return pins[i].value;
    return "123456";
}

/* The labels of the reference card's device description (vectors/devices/sdtest-reference.yaml),
 * passwords first. */
static const char *const fd_labels[] = {
    "user",
    "puk",
    "so",
    "app",
    "public-256",
    "app-hello",
    "public-4096",
    "private-4096",
    "records",
    "ef-dir",
    "app-secret",
    "RSA signature certificate",
    "EC P-256 certificate",
    "RSA signature key",
    "RSA decryption key",
    "EC P-256 key",
    "AES-128 key",
    "Generated key",
};

/* The sdtest application's AID, and the ones the administrative calls create. */
static const uint8_t fd_sdtest_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                        0x44, 0x54, 0x45, 0x53, 0x54, 0x01};
static const uint8_t fd_new_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x46, 0x55, 0x5A, 0x5A, 0x01};

/* The generator of P-256 as an uncompressed point: a valid ECDH peer. */
static const uint8_t fd_p256_g[65] = {
    0x04, 0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5,
    0x63, 0xA4, 0x40, 0xF2, 0x77, 0x03, 0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4,
    0xA1, 0x39, 0x45, 0xD8, 0x98, 0xC2, 0x96, 0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A,
    0x7F, 0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16, 0x2B, 0xCE, 0x33,
    0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51, 0xF5};

/* DigestInfo prefix of SHA-256 (PKCS#1 v1.5 with HashNone takes the whole DigestInfo). */
static const uint8_t fd_sha256_prefix[19] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                             0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                             0x01, 0x05, 0x00, 0x04, 0x20};

/* The calls every object answers without APDU. */
static void fd_object(isoIec23465_Object *o)
{
    isoIec23465_ObjectType type;
    char label[64];
    size_t len = sizeof label;
    FD(isoIec23465_Object_getType(o, &type));
    FD(isoIec23465_Object_getLabel(o, label, &len));
    len = 1;
    FD(isoIec23465_Object_getLabel(o, label, &len)); /* too small unless "" */
    len = sizeof fd_out;
    FD(isoIec23465_Object_getIdentifier(o, fd_out, &len));
    len = 0;
    if (FD(isoIec23465_Object_getAttributes(o, NULL, &len)) == isoIec23465_Success) {
        size_t cap = sizeof fd_out;
        FD(isoIec23465_Object_getAttributes(o, fd_out, &cap));
    }
}

/* Authenticator and Password calls, in an order that leaves the reference card's password
 * verified (with its value) and its counter full. */
static void fd_password(isoIec23465_Password *pw, unsigned sel)
{
    char label[256];
    size_t llen = sizeof label;
    if (FD(isoIec23465_Object_getLabel(pw, label, &llen)) != isoIec23465_Success)
        label[0] = '\0';
    const uint8_t *v = (const uint8_t *)fd_pin_value(label);
    size_t vlen = strlen((const char *)v);
    const uint8_t *puk = (const uint8_t *)"12345678";
    isoIec23465_AuthenticatorStatus status;
    int tries;
    size_t mn, mx;
    FD(isoIec23465_Authenticator_getStatus(pw, &status));
    FD(isoIec23465_Authenticator_getRemainingTries(pw, &tries));
    FD(isoIec23465_Authenticator_getMaxTries(pw, &tries));
    FD(isoIec23465_Password_getLengthRange(pw, &mn, &mx));
    FD(isoIec23465_Password_verify(pw, (const uint8_t *)"99999999", vlen)); /* wrong: 63Cx */
    FD(isoIec23465_Authenticator_getRemainingTries(pw, &tries));
    FD(isoIec23465_Password_verify(pw, v, vlen));
    FD(isoIec23465_Authenticator_getStatus(pw, &status));
    FD(isoIec23465_Authenticator_resetStatus(pw));
    FD(isoIec23465_Password_verify(pw, v, vlen));
    if (!(sel & PX_FUZZ_READ_ONLY)) {
        FD(isoIec23465_Password_change(pw, v, vlen, v, vlen));
        FD(isoIec23465_Password_unblock(pw, puk, 8, v, vlen));
        FD(isoIec23465_Password_unblock(pw, puk, 8, NULL, 0));
        FD(isoIec23465_Password_disableRequirement(pw, v, vlen));
        FD(isoIec23465_Authenticator_getStatus(pw, &status));
        FD(isoIec23465_Password_enableRequirement(pw, v, vlen));
        FD(isoIec23465_Password_enableRequirement(pw, NULL, 0));
        FD(isoIec23465_Password_verify(pw, v, vlen));
    }
}

/* SensitiveContainer calls: each operation's condition and guard. */
static void fd_sensitive(isoIec23465_SensitiveContainer *c)
{
    for (int op = isoIec23465_OperationRead; op <= isoIec23465_OperationDelete + 1; op++) {
        isoIec23465_AccessCondition cond;
        isoIec23465_Authenticator *a = NULL;
        FD(isoIec23465_SensitiveContainer_getAccessConditions(c, (isoIec23465_Operation)op, &cond));
        if (FD(isoIec23465_SensitiveContainer_getProtectingAuthenticator(
                c, (isoIec23465_Operation)op, &a)) == isoIec23465_Success)
            isoIec23465_Object_release(a);
    }
}

/* DataContainer calls: reads, records, then writes of what was read (the content stays). */
static void fd_data(isoIec23465_DataContainer *dc, unsigned sel)
{
    size_t size = 0, len = 0, count = 0;
    FD(isoIec23465_DataContainer_getSize(dc, &size));
    FD(isoIec23465_DataContainer_getData(dc, NULL, &len));
    len = sizeof fd_buf;
    isoIec23465_Status read = FD(isoIec23465_DataContainer_getData(dc, fd_buf, &len));
    size_t got = read == isoIec23465_Success ? len : 0;
    len = 8;
    FD(isoIec23465_DataContainer_getData(dc, fd_out, &len)); /* too small for most */
    len = sizeof fd_out;
    FD(isoIec23465_DataContainer_getDataRange(dc, 3, 40, fd_out, &len));
    len = 0;
    FD(isoIec23465_DataContainer_getDataRange(dc, 0, 1, NULL, &len));
    FD(isoIec23465_DataContainer_getRecordCount(dc, &count));
    len = sizeof fd_out;
    isoIec23465_Status rec = FD(isoIec23465_DataContainer_getRecord(dc, 1, fd_out, &len));
    size_t rlen = rec == isoIec23465_Success ? len : 0;
    len = 0;
    FD(isoIec23465_DataContainer_getRecord(dc, 2, NULL, &len));
    if (sel & PX_FUZZ_READ_ONLY)
        return;
    if (got)
        FD(isoIec23465_DataContainer_setData(dc, 0, fd_buf, got < 300 ? got : 300));
    if (rlen) {
        FD(isoIec23465_DataContainer_setRecord(dc, 1, fd_out, rlen));
        FD(isoIec23465_DataContainer_appendRecord(dc, fd_out, rlen));
    }
    FD(isoIec23465_DataContainer_erase(dc));
}

/* CertificateContainer calls: the certificate, its key, and storing it again. */
static void fd_certificate(isoIec23465_CertificateContainer *cc, unsigned sel)
{
    size_t len = 0;
    FD(isoIec23465_CertificateContainer_getCertificate(cc, NULL, &len));
    len = sizeof fd_buf;
    isoIec23465_Status st = FD(isoIec23465_CertificateContainer_getCertificate(cc, fd_buf, &len));
    isoIec23465_PrivateKey *key = NULL;
    if (FD(isoIec23465_CertificateContainer_getAssociatedKey(cc, &key)) == isoIec23465_Success) {
        isoIec23465_KeyType type;
        FD(isoIec23465_Key_getKeyType(key, &type));
        isoIec23465_Object_release(key);
    }
    if (!(sel & PX_FUZZ_READ_ONLY) && st == isoIec23465_Success)
        FD(isoIec23465_CertificateContainer_setCertificate(cc, fd_buf, len));
}

/* Key calls without APDU. Returns the key size in bytes (0 when unknown). */
static size_t fd_key_common(isoIec23465_Key *key, isoIec23465_KeyType *type)
{
    size_t bits = 0, n = 0;
    unsigned usage;
    isoIec23465_Mechanism mechs[16];
    *type = (isoIec23465_KeyType)0;
    FD(isoIec23465_Key_getKeyType(key, type));
    if (FD(isoIec23465_Key_getKeySize(key, &bits)) != isoIec23465_Success)
        bits = 0;
    FD(isoIec23465_Key_getUsage(key, &usage));
    FD(isoIec23465_Key_getSupportedMechanisms(key, NULL, &n));
    n = 1;
    FD(isoIec23465_Key_getSupportedMechanisms(key, mechs, &n));
    n = sizeof mechs / sizeof mechs[0];
    FD(isoIec23465_Key_getSupportedMechanisms(key, mechs, &n));
    return (bits + 7) / 8;
}

/* PublicKey calls: export, verify of `sig` (a signature by its private key, or garbage),
 * encrypt into fd_out2 (its length in *ct_len, 0 when it failed). */
static void fd_public(isoIec23465_PublicKey *pub, const uint8_t *hash, const uint8_t *sig,
                      size_t sig_len, isoIec23465_Mechanism sig_mech, size_t *ct_len)
{
    size_t len = 0;
    int valid;
    FD(isoIec23465_PublicKey_export(pub, NULL, &len));
    len = sizeof fd_buf;
    FD(isoIec23465_PublicKey_export(pub, fd_buf, &len));
    FD(isoIec23465_PublicKey_verify(pub, sig_mech, isoIec23465_HashSha256, hash, 32, sig, sig_len,
                                    &valid));
    FD(isoIec23465_PublicKey_verify(pub, isoIec23465_MechRsaPss, isoIec23465_HashSha256, hash, 32,
                                    sig, sig_len, &valid));
    len = 0;
    FD(isoIec23465_PublicKey_encrypt(pub, isoIec23465_MechRsaOaep, isoIec23465_HashSha256, hash, 32,
                                     NULL, &len));
    len = sizeof fd_out2;
    *ct_len = 0;
    if (FD(isoIec23465_PublicKey_encrypt(pub, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashNone,
                                         hash, 32, fd_out2, &len)) == isoIec23465_Success)
        *ct_len = len;
}

/* PrivateKey calls: signatures with each mechanism, the public key, decryption of what it
 * encrypted, ECDH with the curve's generator, internal authentication; then a new key pair. */
static void fd_private(isoIec23465_PrivateKey *key, size_t key_bytes, isoIec23465_KeyType type,
                       unsigned sel)
{
    uint8_t hash[32], info[sizeof fd_sha256_prefix + 32];
    for (size_t i = 0; i < sizeof hash; i++)
        hash[i] = (uint8_t)(0xA5 ^ i);
    memcpy(info, fd_sha256_prefix, sizeof fd_sha256_prefix);
    memcpy(info + sizeof fd_sha256_prefix, hash, sizeof hash);
    isoIec23465_Mechanism sig_mech =
        type == isoIec23465_KeyEc ? isoIec23465_MechEcdsa : isoIec23465_MechRsaPkcs1V15;
    size_t len = 0, sig_len = 0;
    FD(isoIec23465_PrivateKey_sign(key, sig_mech, isoIec23465_HashSha256, hash, 32, NULL, &len));
    len = sizeof fd_out;
    if (FD(isoIec23465_PrivateKey_sign(key, sig_mech, isoIec23465_HashSha256, hash, 32, fd_out,
                                       &len)) == isoIec23465_Success)
        sig_len = len;
    len = sizeof fd_buf;
    FD(isoIec23465_PrivateKey_sign(key, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashNone, info,
                                   sizeof info, fd_buf, &len));
    len = sizeof fd_buf;
    FD(isoIec23465_PrivateKey_sign(key, isoIec23465_MechRsaPss, isoIec23465_HashSha256, hash, 32,
                                   fd_buf, &len));
    len = sizeof fd_buf;
    FD(isoIec23465_PrivateKey_sign(key, isoIec23465_MechEcdsa, isoIec23465_HashNone, hash, 20,
                                   fd_buf, &len));
    len = 4;
    FD(isoIec23465_PrivateKey_sign(key, sig_mech, isoIec23465_HashSha256, hash, 32, fd_buf, &len));
    if (!sig_len) /* a signature of the right length, for verify */
        sig_len = key_bytes && key_bytes * 2 <= sizeof fd_out ? key_bytes : 64;

    isoIec23465_PublicKey *pub = NULL;
    size_t ct_len = 0;
    if (FD(isoIec23465_AsymmetricKey_getPublicKey(key, &pub)) == isoIec23465_Success) {
        fd_public(pub, hash, fd_out, sig_len, sig_mech, &ct_len);
        isoIec23465_Object_release(pub);
    }
    if (!ct_len) { /* a cryptogram of the modulus length, for decrypt */
        ct_len = key_bytes && key_bytes <= sizeof fd_out2 ? key_bytes : 256;
        memset(fd_out2, 0x5A, ct_len);
    }
    len = 0;
    FD(isoIec23465_PrivateKey_decrypt(key, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashNone,
                                      fd_out2, ct_len, NULL, &len));
    len = sizeof fd_buf;
    FD(isoIec23465_PrivateKey_decrypt(key, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashNone,
                                      fd_out2, ct_len, fd_buf, &len));
    len = sizeof fd_buf;
    FD(isoIec23465_PrivateKey_decrypt(key, isoIec23465_MechRsaOaep, isoIec23465_HashSha256, fd_out2,
                                      ct_len, fd_buf, &len));
    len = sizeof fd_buf;
    FD(isoIec23465_PrivateKey_deriveSharedSecret(key, fd_p256_g, sizeof fd_p256_g, fd_buf, &len));
    len = 8;
    FD(isoIec23465_PrivateKey_deriveSharedSecret(key, fd_p256_g, sizeof fd_p256_g, fd_buf, &len));
    len = sizeof fd_buf;
    FD(isoIec23465_PrivateKey_internalAuthenticate(key, hash, 20, fd_buf, &len));
    if (sel & PX_FUZZ_READ_ONLY)
        return;
    pub = NULL;
    if (FD(isoIec23465_AsymmetricKey_generateKeyPair(key, &pub)) == isoIec23465_Success) {
        len = sizeof fd_buf;
        FD(isoIec23465_PublicKey_export(pub, fd_buf, &len));
        isoIec23465_Object_release(pub);
    }
}

/* SecretKey calls: ECB and CBC both ways, CMAC computed and checked. */
static void fd_secret(isoIec23465_SecretKey *key)
{
    uint8_t in[32], iv[16], mac[16];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)i;
    memset(iv, 0x11, sizeof iv);
    size_t len = sizeof fd_out, mac_len = sizeof mac;
    int valid;
    if (FD(isoIec23465_SecretKey_encrypt(key, isoIec23465_MechAesEcb, NULL, 0, in, sizeof in,
                                         fd_out, &len)) != isoIec23465_Success)
        memcpy(fd_out, in, len = sizeof in);
    size_t n = sizeof fd_out2;
    FD(isoIec23465_SecretKey_decrypt(key, isoIec23465_MechAesEcb, NULL, 0, fd_out, len, fd_out2,
                                     &n));
    len = sizeof fd_out;
    if (FD(isoIec23465_SecretKey_encrypt(key, isoIec23465_MechAesCbc, iv, sizeof iv, in, sizeof in,
                                         fd_out, &len)) != isoIec23465_Success)
        memcpy(fd_out, in, len = sizeof in);
    n = sizeof fd_out2;
    FD(isoIec23465_SecretKey_decrypt(key, isoIec23465_MechAesCbc, iv, sizeof iv, fd_out, len,
                                     fd_out2, &n));
    n = 8;
    FD(isoIec23465_SecretKey_encrypt(key, isoIec23465_MechAesEcb, NULL, 0, in, sizeof in, fd_out2,
                                     &n));
    if (FD(isoIec23465_SecretKey_computeMac(key, isoIec23465_MechAesCmac, in, sizeof in, mac,
                                            &mac_len)) != isoIec23465_Success)
        memset(mac, 0, mac_len = sizeof mac);
    FD(isoIec23465_SecretKey_verifyMac(key, isoIec23465_MechAesCmac, in, sizeof in, mac, mac_len,
                                       &valid));
    FD(isoIec23465_SecretKey_verifyMac(key, isoIec23465_MechAesCmac, in, sizeof in, mac, 8,
                                       &valid));
    FD(isoIec23465_SecretKey_generate(key));
}

static bool fd_is_key(isoIec23465_ObjectType t)
{
    return t == isoIec23465_TypeKey || t == isoIec23465_TypeAsymmetricKey ||
           t == isoIec23465_TypePublicKey || t == isoIec23465_TypePrivateKey ||
           t == isoIec23465_TypeSecretKey;
}

/* The calls of one object's class; `pass` 0 passwords, 1 containers, 2 keys. */
static void fd_by_class(isoIec23465_Object *o, int pass, unsigned sel)
{
    isoIec23465_ObjectType t;
    if (FD(isoIec23465_Object_getType(o, &t)) != isoIec23465_Success)
        return;
    bool pw = t == isoIec23465_TypePassword || t == isoIec23465_TypeAuthenticator;
    bool container = t == isoIec23465_TypeDataContainer ||
                     t == isoIec23465_TypeCertificateContainer ||
                     t == isoIec23465_TypeSensitiveContainer;
    if (pass == 0 && pw && !(sel & PX_FUZZ_SKIP_PASSWORDS)) {
        fd_object(o);
        fd_password(o, sel);
    } else if (pass == 1 && container && !(sel & PX_FUZZ_SKIP_CONTAINERS)) {
        fd_object(o);
        fd_sensitive(o);
        if (t == isoIec23465_TypeCertificateContainer)
            fd_certificate(o, sel);
        fd_data(o, sel);
    } else if (pass == 2 && fd_is_key(t) && !(sel & PX_FUZZ_SKIP_KEYS)) {
        fd_object(o);
        isoIec23465_KeyType type;
        size_t bytes = fd_key_common(o, &type);
        if (t == isoIec23465_TypePrivateKey)
            fd_private(o, bytes, type, sel);
        else if (t == isoIec23465_TypePublicKey) {
            uint8_t hash[32] = {0};
            size_t ct_len;
            memset(fd_out, 0x33, sizeof fd_out);
            fd_public(o, hash, fd_out, bytes && bytes <= sizeof fd_out ? bytes : 64,
                      type == isoIec23465_KeyEc ? isoIec23465_MechEcdsa
                                                : isoIec23465_MechRsaPkcs1V15,
                      &ct_len);
        } else if (t == isoIec23465_TypeSecretKey)
            fd_secret(o);
    }
}

/* Root calls: attributes, lists, life cycle, random, the applications. */
static void fd_root(isoIec23465_RootApplication *root)
{
    char text[512];
    for (int a = isoIec23465_AttrIdentifier; a <= isoIec23465_AttrApiVersion + 1; a++) {
        size_t len = sizeof text;
        FD(isoIec23465_RootApplication_getSecurityDeviceAttribute(
            root, (isoIec23465_DeviceAttribute)a, text, &len));
    }
    fd_object(root);
    static const isoIec23465_ObjectType types[] = {
        isoIec23465_TypeKey, isoIec23465_TypeDataContainer, isoIec23465_TypePassword,
        isoIec23465_TypeRootApplication};
    isoIec23465_Object *objs[2];
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t n = 0;
        FD(isoIec23465_SecurityDeviceApplication_listObjects(root, types[i], NULL, &n));
        n = sizeof objs / sizeof objs[0];
        if (FD(isoIec23465_SecurityDeviceApplication_listObjects(root, types[i], objs, &n)) ==
            isoIec23465_Success)
            for (size_t k = 0; k < n; k++)
                isoIec23465_Object_release(objs[k]);
    }
    isoIec23465_LifeCycleState state;
    FD(isoIec23465_SecurityDeviceApplication_getLifeCycleState(root, &state));
    FD(isoIec23465_RootApplication_getRandom(root, fd_buf, 32));
    FD(isoIec23465_RootApplication_getRandom(root, fd_buf, 300));

    isoIec23465_SecurityDeviceApplication *apps[FD_MAX_APPS];
    size_t n = 0;
    FD(isoIec23465_RootApplication_listApplications(root, NULL, &n));
    n = FD_MAX_APPS;
    if (FD(isoIec23465_RootApplication_listApplications(root, apps, &n)) != isoIec23465_Success)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = sizeof fd_out, count = 0;
        fd_object(apps[i]);
        FD(isoIec23465_SecurityDeviceApplication_getAid(apps[i], fd_out, &len));
        FD(isoIec23465_SecurityDeviceApplication_getLifeCycleState(apps[i], &state));
        FD(isoIec23465_SecurityDeviceApplication_listObjects(apps[i], isoIec23465_TypeObject, NULL,
                                                             &count));
        FD(isoIec23465_SecurityDeviceApplication_close(apps[i]));
    }
    isoIec23465_SecurityDeviceApplication *app = NULL;
    if (FD(isoIec23465_RootApplication_openApplication(root, fd_sdtest_aid, sizeof fd_sdtest_aid,
                                                       &app)) == isoIec23465_Success) {
        static const uint8_t fid[2] = {0x50, 0x01};
        isoIec23465_DataContainer *dc = NULL;
        FD(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &state));
        if (FD(isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(
                app, fid, sizeof fid, &dc)) == isoIec23465_Success) {
            size_t len = sizeof fd_buf;
            FD(isoIec23465_DataContainer_getData(dc, fd_buf, &len));
        }
        FD(isoIec23465_SecurityDeviceApplication_close(app));
    }
}

/* Creating and deleting: a file in the MF, an application with a file of its own. */
static void fd_admin(isoIec23465_RootApplication *root)
{
    static const uint8_t fid[2] = {0x01, 0x99}, app_fid[2] = {0x60, 0x01};
    static const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    isoIec23465_DataContainer *dc = NULL;
    if (FD(isoIec23465_SecurityDeviceApplication_createDataContainer(
            root, "fuzz-file", fid, sizeof fid, 64, &dc)) == isoIec23465_Success) {
        size_t len = sizeof fd_out;
        FD(isoIec23465_DataContainer_setData(dc, 0, data, sizeof data));
        FD(isoIec23465_DataContainer_getData(dc, fd_out, &len));
        FD(isoIec23465_SecurityDeviceApplication_deleteObject(root, dc));
        FD(isoIec23465_SecurityDeviceApplication_deleteObject(root, dc)); /* gone: no APDU */
        isoIec23465_Object_release(dc);
    }
    isoIec23465_SecurityDeviceApplication *app = NULL;
    if (FD(isoIec23465_RootApplication_createApplication(
            root, fd_new_aid, sizeof fd_new_aid, "fuzz app", &app)) == isoIec23465_Success) {
        isoIec23465_LifeCycleState state;
        FD(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &state));
        dc = NULL;
        if (FD(isoIec23465_SecurityDeviceApplication_createDataContainer(
                app, "fuzz-app-file", app_fid, sizeof app_fid, 32, &dc)) == isoIec23465_Success) {
            FD(isoIec23465_DataContainer_setData(dc, 0, data, sizeof data));
            FD(isoIec23465_SecurityDeviceApplication_deleteObject(app, dc));
        }
        FD(isoIec23465_RootApplication_deleteApplication(root, app));
        isoIec23465_Object_release(app);
    }
}

/* One non-blocking call, waited on (bounded: the callback runs exactly once). */
typedef struct fd_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} fd_wait;

static void fd_done(isoIec23465_Status status, const isoIec23465_ErrorDetails *details, void *user)
{
    fd_wait *w = user;
    if ((unsigned)status > isoIec23465_BufferTooSmall || !details || details->status != status)
        abort();
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void fd_async(isoIec23465_RootApplication *root)
{
    fd_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    if (FD(isoIec23465_RootApplication_getRandom_async(root, fd_buf, 16, fd_done, &w)) !=
        isoIec23465_Success)
        return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&w.lock);
    while (!w.done)
        if (pthread_cond_timedwait(&w.cond, &w.lock, &until) != 0 && !w.done) {
            fprintf(stderr, "non-blocking call: no callback after 20 s\n");
            abort();
        }
    pthread_mutex_unlock(&w.lock);
}

void px_fuzz_drive(isoIec23465_SecurityDevice *dev, unsigned sel)
{
    isoIec23465_RootApplication *root = NULL;
    if (FD(isoIec23465_SecurityDevice_getRootApplication(dev, &root)) != isoIec23465_Success)
        return;
    if (!(sel & PX_FUZZ_SKIP_ROOT))
        fd_root(root);

    static isoIec23465_Object *objs[FD_MAX_OBJECTS];
    size_t n = 0;
    if (sel & PX_FUZZ_BY_LABEL) {
        for (size_t i = 0; i < sizeof fd_labels / sizeof fd_labels[0]; i++)
            if (FD(isoIec23465_SecurityDeviceApplication_findObject(
                    root, fd_labels[i], &objs[n])) == isoIec23465_Success)
                n++;
    } else {
        FD(isoIec23465_SecurityDeviceApplication_listObjects(root, isoIec23465_TypeObject, NULL,
                                                             &n));
        if (n > FD_MAX_OBJECTS)
            abort(); /* the table holds at most PX_DESC_MAX_OBJECTS */
        n = FD_MAX_OBJECTS;
        if (FD(isoIec23465_SecurityDeviceApplication_listObjects(root, isoIec23465_TypeObject, objs,
                                                                 &n)) != isoIec23465_Success)
            n = 0;
    }
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < n; i++)
            fd_by_class(objs[i], pass, sel);
    for (size_t i = 0; i < n; i++)
        isoIec23465_Object_release(objs[i]);

    if (!(sel & (PX_FUZZ_SKIP_ADMIN | PX_FUZZ_READ_ONLY)))
        fd_admin(root);
    if (!(sel & PX_FUZZ_SKIP_ASYNC))
        fd_async(root);
}
