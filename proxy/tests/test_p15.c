/* ISO/IEC 7816-15 discovery (px_p15.c) and its merge with the device description: the
 * reference card's objects with their fields, the application split, a card without 7816-15,
 * and malformed 7816-15 files from a scripted card (fake transport): each gives a clean
 * connect with fewer objects and a note, or a clear error; never a crash. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec_bytes.h"
#include "codec_p15.h"
#include "isoiec23465.h"
#include "px_desc.h"
#include "px_handle.h"
#include "px_p15.h"
#include "px_transport.h"

static const uint8_t sdtest_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                     0x44, 0x54, 0x45, 0x53, 0x54, 0x01};

static isoIec23465_SecurityDevice *dev;

static void stop(void)
{
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
}

static const char *last_message(void)
{
    static isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    return d.message;
}

/* ---- a transport that counts the commands of the card behind it ---- */

typedef struct counter {
    px_transport inner;
    size_t n;
    uint8_t ins[128];
} counter;

static isoIec23465_Status cnt_transmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp,
                                       size_t cap, size_t *rlen)
{
    counter *k = ctx;
    if (k->n < sizeof k->ins && len > 1)
        k->ins[k->n] = cmd[1];
    k->n++;
    return k->inner.ops->transmit(k->inner.ctx, cmd, len, resp, cap, rlen);
}

static isoIec23465_Status cnt_reset(void *ctx)
{
    counter *k = ctx;
    return k->inner.ops->reset(k->inner.ctx);
}

static isoIec23465_Status cnt_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    counter *k = ctx;
    return k->inner.ops->atr(k->inner.ctx, atr, cap, len);
}

static void cnt_close(void *ctx)
{
    counter *k = ctx;
    k->inner.ops->close(k->inner.ctx);
}

static const px_transport_ops cnt_ops = {
    .transmit = cnt_transmit, .reset = cnt_reset, .atr = cnt_atr, .close = cnt_close};

static counter K;

/* Connects to the in-process card of `profile` through the counter. */
static void connect_emu(const char *profile)
{
    memset(&K, 0, sizeof K);
    isoIec23465_Status st = px_transport_emu_open(profile, &K.inner);
    cr_assert_eq(st, isoIec23465_Success, "emu: %s", last_message());
    px_transport t = {.ops = &cnt_ops, .ctx = &K};
    px_devinfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.identifier, sizeof info.identifier, "emu:%s", profile);
    st = px_connect_transport(&t, &info, &dev);
    cr_assert_eq(st, isoIec23465_Success, "connect: %s", last_message());
}

static const px_desc *table(void)
{
    cr_assert_not_null(dev->conn->desc);
    return dev->conn->desc;
}

/* The index of the object of class `t` labelled `label` (fails the test when absent). */
static int idx(isoIec23465_ObjectType t, const char *label)
{
    const px_desc *d = table();
    for (size_t i = 0; i < d->n_objs; i++)
        if (d->objs[i].type == t && strcmp(d->objs[i].label, label) == 0)
            return (int)i;
    cr_assert_fail("no %d '%s' in the table", (int)t, label);
    return -1;
}

static const px_desc_obj *obj(isoIec23465_ObjectType t, const char *label)
{
    return &table()->objs[idx(t, label)];
}

static int app_idx(const char *label)
{
    const px_desc *d = table();
    for (size_t i = 0; i < d->n_apps; i++)
        if (strcmp(d->apps[i].label, label) == 0)
            return (int)i;
    cr_assert_fail("no application '%s'", label);
    return -1;
}

/* The reference of (mechanism, hash) in a key's algs[], -1 when absent. */
static int alg_ref(const px_desc_obj *o, isoIec23465_Mechanism m, isoIec23465_Hash h)
{
    for (size_t i = 0; i < o->n_algs; i++)
        if (o->algs[i].mechanism == m && o->algs[i].hash == h)
            return o->algs[i].ref;
    return -1;
}

static bool has_ref(const px_desc_obj *o, uint8_t ref)
{
    for (size_t i = 0; i < o->n_algs; i++)
        if (o->algs[i].ref == ref)
            return true;
    return false;
}

#define OP(x) (isoIec23465_Operation##x - 1)

static void path_is(const px_desc_obj *o, const char *hex)
{
    uint8_t want[PX_DESC_MAX_PATH];
    size_t n = 0, pos = 0;
    cr_assert(codec_hex_decode(hex, strlen(hex), want, sizeof want, &n, &pos));
    cr_assert_eq(o->path_len, n, "'%s': path of %zu bytes, want %s", o->label, o->path_len, hex);
    cr_assert_arr_eq(o->path, want, n, "'%s': path differs from %s", o->label, hex);
}

/* ---- the reference card ---- */

Test(reference, passwords_from_the_aodf_with_the_descriptions_tries, .fini = stop)
{
    connect_emu(PX_TEST_PROFILE);
    const px_desc_obj *user = obj(isoIec23465_TypePassword, "user");
    const px_desc_obj *puk = obj(isoIec23465_TypePassword, "puk");
    const px_desc_obj *so = obj(isoIec23465_TypePassword, "so");
    const px_desc_obj *app = obj(isoIec23465_TypePassword, "app");
    cr_assert(user->discovered && puk->discovered && so->discovered && app->discovered);
    cr_assert_eq(user->pin_ref, 0x01);
    cr_assert_eq(user->pin_encoding, PX_PIN_ASCII);
    cr_assert_eq(user->pin_min, 4);
    cr_assert_eq(user->pin_max, 8);
    cr_assert_eq(user->pin_stored, 8);
    cr_assert_eq(user->pin_pad, 0xFF);
    cr_assert_eq(user->pin_max_tries, 3);
    cr_assert_eq(user->pin_unblock, idx(isoIec23465_TypePassword, "puk"));
    cr_assert(user->pin_flags & CODEC_P15_PIN_NEEDS_PADDING);
    cr_assert_eq(user->app, -1);
    cr_assert_eq(puk->pin_ref, 0x02);
    cr_assert_eq(puk->pin_min, 8);
    cr_assert_eq(puk->pin_max_tries, 5);
    cr_assert(puk->pin_flags & CODEC_P15_PIN_UNBLOCKING_PIN);
    cr_assert_eq(puk->pin_unblock, -1);
    cr_assert_eq(so->pin_ref, 0x03);
    cr_assert_eq(so->pin_max, 8);
    cr_assert_eq(so->pin_max_tries, 3);
    cr_assert_eq(app->pin_ref, 0x81);
    cr_assert_eq(app->pin_encoding, PX_PIN_BCD);
    cr_assert_eq(app->pin_stored, 8);
    cr_assert_eq(app->pin_pad, 0xFF);
    cr_assert_eq(app->pin_max_tries, 3);
    cr_assert_eq(app->app, app_idx("sdtest app"), "the DF-specific PIN is the application's");
    cr_assert_eq(app->path_len, 0, "the application's own DF");
}

Test(reference, keys_from_the_prkdf_pukdf_skdf, .fini = stop)
{
    connect_emu(PX_TEST_PROFILE);
    int user = idx(isoIec23465_TypePassword, "user");
    const px_desc_obj *sig = obj(isoIec23465_TypePrivateKey, "RSA signature key");
    cr_assert(sig->discovered);
    cr_assert_eq(sig->key_ref, 0x01);
    cr_assert_eq(sig->key_type, isoIec23465_KeyRsa);
    cr_assert_eq(sig->key_bits, 2048);
    cr_assert(sig->usage & ISOIEC23465_USAGE_SIGN);
    cr_assert_not(sig->usage & ISOIEC23465_USAGE_DECRYPT);
    cr_assert_eq(sig->auth[OP(Use)], user);
    cr_assert_eq(sig->pair, idx(isoIec23465_TypePublicKey, "RSA signature key"));
    cr_assert_eq(sig->cert, idx(isoIec23465_TypeCertificateContainer, "RSA signature certificate"));
    cr_assert_eq(alg_ref(sig, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashNone), 0x10);
    cr_assert_eq(alg_ref(sig, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashSha256), 0x13);
    cr_assert_eq(alg_ref(sig, isoIec23465_MechRsaPss, isoIec23465_HashSha256), 0x23);
    cr_assert_not(has_ref(sig, 0x24), "the card's key 01 does not take PSS-SHA384");
    cr_assert_not(has_ref(sig, 0x30), "not an encryption reference");

    const px_desc_obj *dec = obj(isoIec23465_TypePrivateKey, "RSA decryption key");
    cr_assert_eq(dec->key_ref, 0x02);
    cr_assert(dec->usage & ISOIEC23465_USAGE_DECRYPT);
    cr_assert_eq(alg_ref(dec, isoIec23465_MechRsaPkcs1V15, isoIec23465_HashNone), 0x30);
    cr_assert_eq(alg_ref(dec, isoIec23465_MechRsaOaep, isoIec23465_HashSha256), 0x33);
    cr_assert_eq(dec->cert, -1);

    const px_desc_obj *ec = obj(isoIec23465_TypePrivateKey, "EC P-256 key");
    cr_assert_eq(ec->key_ref, 0x03);
    cr_assert_eq(ec->key_type, isoIec23465_KeyEc);
    cr_assert_eq(ec->key_bits, 256);
    cr_assert_eq(ec->usage & (ISOIEC23465_USAGE_SIGN | ISOIEC23465_USAGE_DERIVE),
                 ISOIEC23465_USAGE_SIGN | ISOIEC23465_USAGE_DERIVE);
    cr_assert_eq(alg_ref(ec, isoIec23465_MechEcdsa, isoIec23465_HashNone), 0x40);
    cr_assert_eq(alg_ref(ec, isoIec23465_MechEcdh, isoIec23465_HashNone), 0x48);
    cr_assert_not(has_ref(ec, 0x41), "plain r || s only");
    cr_assert_eq(ec->cert, idx(isoIec23465_TypeCertificateContainer, "EC P-256 certificate"));

    /* public keys: same labels, after their private keys, linked back */
    const char *const pairs[] = {"RSA signature key", "RSA decryption key", "EC P-256 key"};
    for (size_t i = 0; i < 3; i++) {
        int pr = idx(isoIec23465_TypePrivateKey, pairs[i]);
        int pu = idx(isoIec23465_TypePublicKey, pairs[i]);
        cr_assert_lt(pr, pu, "the private key comes first for findObject");
        cr_assert_eq(table()->objs[pu].pair, pr);
        cr_assert_eq(table()->objs[pu].auth[OP(Read)], PX_AUTH_ALWAYS);
        cr_assert_eq(table()->objs[pu].path_len, 6, "the EF holding the public key");
    }
    const px_desc_obj *aes = obj(isoIec23465_TypeSecretKey, "AES-128 key");
    cr_assert(aes->discovered);
    cr_assert_eq(aes->key_ref, 0x04);
    cr_assert_eq(aes->key_type, isoIec23465_KeyAes);
    cr_assert_eq(aes->key_bits, 128);
    cr_assert_eq(aes->auth[OP(Use)], user);
    cr_assert_eq(alg_ref(aes, isoIec23465_MechAesEcb, isoIec23465_HashNone), 0x80);
    cr_assert_eq(alg_ref(aes, isoIec23465_MechAesCbc, isoIec23465_HashNone), 0x81);
    cr_assert_eq(alg_ref(aes, isoIec23465_MechAesCmac, isoIec23465_HashNone), 0x82);

    /* the empty slot comes from the description only */
    const px_desc_obj *gen = obj(isoIec23465_TypePrivateKey, "Generated key");
    cr_assert_not(gen->discovered);
    cr_assert_eq(gen->key_ref, 0x05);
    cr_assert_eq(gen->key_type, isoIec23465_KeyEc);
    cr_assert_eq(gen->key_bits, 256);
    cr_assert(gen->usage & ISOIEC23465_USAGE_SIGN);
    cr_assert_eq(gen->auth[OP(Use)], user);
    cr_assert_eq(alg_ref(gen, isoIec23465_MechEcdsa, isoIec23465_HashNone), 0x40);
}

Test(reference, certificates_and_data_containers, .fini = stop)
{
    connect_emu(PX_TEST_PROFILE);
    int user = idx(isoIec23465_TypePassword, "user");
    int so = idx(isoIec23465_TypePassword, "so");
    const px_desc_obj *rc = obj(isoIec23465_TypeCertificateContainer, "RSA signature certificate");
    cr_assert(rc->discovered);
    cr_assert_eq(rc->cert, idx(isoIec23465_TypePrivateKey, "RSA signature key"));
    cr_assert_eq(rc->auth[OP(Read)], PX_AUTH_ALWAYS);
    cr_assert_eq(rc->app, -1);
    cr_assert(rc->path_len == 6 && rc->path[2] == 0x50 && rc->path[3] == 0x15, "in DF 5015");
    cr_assert_eq(obj(isoIec23465_TypeCertificateContainer, "EC P-256 certificate")->cert,
                 idx(isoIec23465_TypePrivateKey, "EC P-256 key"));

    const px_desc_obj *p256 = obj(isoIec23465_TypeDataContainer, "public-256");
    path_is(p256, "3F00 0101");
    cr_assert_eq(p256->auth[OP(Read)], PX_AUTH_ALWAYS);
    cr_assert_eq(p256->auth[OP(Update)], user);
    cr_assert_eq(p256->auth[OP(Delete)], so);
    const px_desc_obj *priv = obj(isoIec23465_TypeDataContainer, "private-4096");
    path_is(priv, "3F00 0102");
    cr_assert_eq(priv->auth[OP(Read)], user);
    const px_desc_obj *rec = obj(isoIec23465_TypeDataContainer, "records");
    path_is(rec, "3F00 0103");
    cr_assert_eq(rec->structure, PX_STRUCT_LINEAR_FIXED);
    path_is(obj(isoIec23465_TypeDataContainer, "public-4096"), "3F00 0104");
    path_is(obj(isoIec23465_TypeDataContainer, "ef-dir"), "3F00 2F00");

    /* the application's files: discovered in the DODF, named by the description (same path) */
    int app = app_idx("sdtest app");
    const px_desc_obj *hello = obj(isoIec23465_TypeDataContainer, "app-hello");
    const px_desc_obj *secret = obj(isoIec23465_TypeDataContainer, "app-secret");
    cr_assert(hello->discovered && secret->discovered, "merged with the DODF entries");
    cr_assert_eq(hello->app, app);
    path_is(hello, "5001");
    cr_assert_eq(secret->app, app);
    path_is(secret, "5002");
    cr_assert_eq(secret->auth[OP(Read)], idx(isoIec23465_TypePassword, "app"));
    /* no DODF entry stays under its 7816-15 label: the description named both */
    for (size_t i = 0; i < table()->n_objs; i++)
        cr_assert_null(strstr(table()->objs[i].label, "sdtest app/"), "%s", table()->objs[i].label);
}

Test(reference, exactly_the_listed_objects, .fini = stop)
{
    connect_emu(PX_TEST_PROFILE);
    /* 4 passwords, 4 private keys, 3 public keys, 1 secret key, 2 certificates, 7 data */
    size_t count[32] = {0};
    for (size_t i = 0; i < table()->n_objs; i++)
        count[table()->objs[i].type]++;
    cr_assert_eq(count[isoIec23465_TypePassword], 4);
    cr_assert_eq(count[isoIec23465_TypePrivateKey], 4);
    cr_assert_eq(count[isoIec23465_TypePublicKey], 3);
    cr_assert_eq(count[isoIec23465_TypeSecretKey], 1);
    cr_assert_eq(count[isoIec23465_TypeCertificateContainer], 2);
    cr_assert_eq(count[isoIec23465_TypeDataContainer], 7);
    cr_assert_eq(table()->n_objs, 21);
    cr_assert_str_empty(table()->p15_note, "%s", table()->p15_note);
    cr_assert(table()->p15_found);
}

Test(reference, applications_split_through_the_api, .fini = stop)
{
    connect_emu(PX_TEST_PROFILE);
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    isoIec23465_SecurityDeviceApplication *app = NULL;
    cr_assert_eq(
        isoIec23465_RootApplication_openApplication(root, sdtest_aid, sizeof sdtest_aid, &app),
        isoIec23465_Success, "%s", last_message());
    isoIec23465_Object *o = NULL;
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(app, "app-secret", &o),
                 isoIec23465_Success);
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(app, "app", &o),
                 isoIec23465_Success, "the application's PIN");
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(app, "public-256", &o),
                 isoIec23465_ObjectNotFound, "an MF file is not the application's");
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(app, "RSA signature key", &o),
                 isoIec23465_ObjectNotFound);
    /* the root sees all; a key label finds the private key */
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, "RSA signature key", &o),
                 isoIec23465_Success);
    isoIec23465_ObjectType t;
    cr_assert_eq(isoIec23465_Object_getType(o, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_TypePrivateKey);
    /* the discovered certificate is readable where 7816-15 says */
    cr_assert_eq(isoIec23465_SecurityDeviceApplication_findObject(root, "EC P-256 certificate", &o),
                 isoIec23465_Success);
    uint8_t der[2048];
    size_t len = sizeof der;
    cr_assert_eq(isoIec23465_DataContainer_getData(o, der, &len), isoIec23465_Success, "%s",
                 last_message());
    cr_assert(len > 100 && der[0] == 0x30, "an X.509 certificate (%zu bytes)", len);
}

Test(reference, device_attributes_from_tokeninfo_and_description, .fini = stop)
{
    connect_emu(PX_TEST_PROFILE);
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    char text[128];
    size_t len = sizeof text;
    cr_assert_eq(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                     root, isoIec23465_AttrSerialNumber, text, &len),
                 isoIec23465_Success);
    cr_assert_str_eq(text, "SDT0000001");
    len = sizeof text;
    cr_assert_eq(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                     root, isoIec23465_AttrApiLevels, text, &len),
                 isoIec23465_Success);
    cr_assert_str_eq(text, "1,2,3");
    len = sizeof text;
    cr_assert_eq(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                     root, isoIec23465_AttrManufacturer, text, &len),
                 isoIec23465_Success);
    cr_assert_str_eq(text, "sdtest project", "the description's word wins over TokenInfo's");
    cr_assert_str_eq(table()->token_manufacturer, "sdemu");
}

/* The commands discovery takes on the reference card: SELECT + READ BINARY for EF.DIR, EF.OD,
 * TokenInfo and each of the 6 DFs EF.OD lists; plus the description's SELECT probe. */
Test(reference, discovery_commands_are_counted_and_bounded, .fini = stop)
{
    connect_emu(PX_TEST_PROFILE);
    unsigned n = table()->p15_apdus;
    cr_assert_eq(K.n, (size_t)n + 1, "all of connect: the probe and discovery");
    cr_assert_eq(n, 2u * (3 + 6), "SELECT + READ of EF.DIR, EF.OD, TokenInfo and 6 DFs");
    cr_assert_leq(n, PX_P15_MAX_APDUS);
    for (size_t i = 1; i < K.n; i += 2) {
        cr_assert_eq(K.ins[i], 0xA4, "command %zu is a SELECT", i);
        cr_assert_eq(K.ins[i + 1], 0xB0, "command %zu is a READ BINARY", i + 1);
    }
    fprintf(stderr, "discovery on the reference card: %u commands\n", n);
}

/* ---- cards and hosts without 7816-15 or description ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/px-p15-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

/* A copy of the reference profile with `pkcs15: true` replaced by `line`. */
static const char *profile_with(const char *line)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/card.yaml", tmpdir);
    FILE *in = fopen(PX_TEST_PROFILE, "r"), *out = fopen(path, "w");
    cr_assert(in && out);
    char buf[4096];
    bool replaced = false;
    while (fgets(buf, sizeof buf, in)) {
        if (strncmp(buf, "pkcs15: true", 12) == 0) {
            fprintf(out, "%s\n", line);
            replaced = true;
        } else {
            fputs(buf, out);
        }
    }
    fclose(in);
    fclose(out);
    cr_assert(replaced, "the reference profile has no 'pkcs15: true' line");
    return path;
}

static char saved_devices[1024];

static void cleanup(void)
{
    stop();
    char p[160];
    snprintf(p, sizeof p, "%s/card.yaml", tmpdir);
    unlink(p);
    snprintf(p, sizeof p, "%s/devices", tmpdir);
    rmdir(p);
    rmdir(tmpdir);
    if (saved_devices[0])
        setenv("SDPROXY_DEVICES", saved_devices, 1);
}

Test(plain, card_without_7816_15_keeps_the_description, .fini = cleanup)
{
    make_tmpdir();
    connect_emu(profile_with("pkcs15: false"));
    const px_desc *d = table();
    cr_assert_not(d->p15_found);
    cr_assert_str_empty(d->p15_note, "no 7816-15 is not a problem: %s", d->p15_note);
    cr_assert_null(d->serial);
    /* EF.DIR (SELECT, READ) lists only the sdtest app; then SELECT of the PKCS#15 AID fails */
    cr_assert_eq(d->p15_apdus, 3);
    for (size_t i = 0; i < d->n_objs; i++)
        cr_assert_not(d->objs[i].discovered, "%s", d->objs[i].label);
    /* the description alone gives PINs, keys and files */
    const px_desc_obj *user = obj(isoIec23465_TypePassword, "user");
    cr_assert_eq(user->pin_ref, 0x01);
    cr_assert_eq(user->pin_stored, 8);
    cr_assert_eq(user->pin_unblock, idx(isoIec23465_TypePassword, "puk"));
    cr_assert_eq(obj(isoIec23465_TypePrivateKey, "RSA signature key")->key_ref, 0x01);
    cr_assert_eq(obj(isoIec23465_TypePrivateKey, "RSA signature key")->pair,
                 idx(isoIec23465_TypePublicKey, "RSA signature key"));
    cr_assert_eq(obj(isoIec23465_TypeDataContainer, "app-secret")->app, app_idx("sdtest app"));
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    char text[64];
    size_t len = sizeof text;
    cr_assert_eq(isoIec23465_RootApplication_getSecurityDeviceAttribute(
                     root, isoIec23465_AttrSerialNumber, text, &len),
                 isoIec23465_ObjectNotFound);
}

/* No description at all: discovery alone builds the table, named after TokenInfo. */
Test(plain, discovery_without_a_description, .fini = cleanup)
{
    make_tmpdir();
    snprintf(saved_devices, sizeof saved_devices, "%s", getenv("SDPROXY_DEVICES"));
    char devs[128];
    snprintf(devs, sizeof devs, "%s/devices", tmpdir);
    cr_assert_eq(mkdir(devs, 0700), 0);
    setenv("SDPROXY_DEVICES", devs, 1);
    connect_emu(PX_TEST_PROFILE);
    const px_desc *d = table();
    cr_assert_str_eq(d->name, "sdtest reference card", "TokenInfo's label");
    cr_assert_str_eq(d->manufacturer, "sdemu", "TokenInfo's manufacturerID");
    cr_assert_str_eq(d->serial, "SDT0000001");
    cr_assert_eq(d->p15_apdus, K.n, "no description probe");
    /* EF.DIR names the sdtest app; the DODF's applicationName places its DF */
    int app = app_idx("sdtest app");
    cr_assert(d->apps[app].discovered);
    const px_desc_obj *secret = obj(isoIec23465_TypeDataContainer, "sdtest app/5002");
    cr_assert_eq(secret->app, app);
    cr_assert_eq(secret->auth[OP(Read)], idx(isoIec23465_TypePassword, "app"));
    cr_assert_eq(obj(isoIec23465_TypePassword, "app")->app, app);
    cr_assert_eq(obj(isoIec23465_TypePassword, "user")->pin_max_tries, -1, "not in 7816-15 v1");
    cr_assert_eq(obj(isoIec23465_TypePrivateKey, "RSA signature key")->n_algs, 0,
                 "no algorithm table without a description");
}

/* Neither 7816-15 nor a description: no table, and connect works. */
Test(plain, nothing_known_gives_no_table, .fini = cleanup)
{
    make_tmpdir();
    snprintf(saved_devices, sizeof saved_devices, "%s", getenv("SDPROXY_DEVICES"));
    char devs[128];
    snprintf(devs, sizeof devs, "%s/devices", tmpdir);
    cr_assert_eq(mkdir(devs, 0700), 0);
    setenv("SDPROXY_DEVICES", devs, 1);
    connect_emu(profile_with("pkcs15: false"));
    cr_assert_null(dev->conn->desc);
}

/* ---- a scripted card: malformed 7816-15 ---- */

typedef struct script {
    uint8_t b[65536];
    size_t n;
} script;

static script S;

static void frame_bytes(const uint8_t *data, size_t len, uint16_t sw)
{
    cr_assert(S.n + 4 + len <= sizeof S.b);
    S.b[S.n++] = (uint8_t)((len + 2) >> 8);
    S.b[S.n++] = (uint8_t)(len + 2);
    if (len)
        memcpy(S.b + S.n, data, len);
    S.n += len;
    S.b[S.n++] = (uint8_t)(sw >> 8);
    S.b[S.n++] = (uint8_t)sw;
}

static void frame_sw(uint16_t sw)
{
    frame_bytes(NULL, 0, sw);
}

/* The files of a small PKCS#15 card, DER from the codec the emulator uses. */
typedef struct card {
    uint8_t dir[256], od[256], ti[256], aodf[512], prkdf[512], cdf[512];
    size_t dir_n, od_n, ti_n, aodf_n, prkdf_n, cdf_n;
} card;

static const uint8_t key_id[] = {0x45, 0x45};

static size_t put(uint8_t *out, size_t cap, bool (*fn)(codec_writer *, const void *), const void *v)
{
    codec_writer w;
    codec_writer_init(&w, out, cap);
    cr_assert(fn(&w, v));
    return w.len;
}

static bool w_app(codec_writer *w, const void *v)
{
    return codec_p15_write_app(w, v);
}
static bool w_ti(codec_writer *w, const void *v)
{
    return codec_p15_write_tokeninfo(w, v);
}
static bool w_pin(codec_writer *w, const void *v)
{
    return codec_p15_write_pin(w, v);
}
static bool w_prkey(codec_writer *w, const void *v)
{
    return codec_p15_write_prkey(w, v);
}
static bool w_cert(codec_writer *w, const void *v)
{
    return codec_p15_write_cert(w, v);
}

static void make_card(card *k)
{
    memset(k, 0, sizeof *k);
    static const uint8_t df[] = {0x3F, 0x00, 0x50, 0x15};
    codec_p15_app app = {
        {codec_p15_aid, sizeof codec_p15_aid}, {(const uint8_t *)"P15", 3}, {df, sizeof df}};
    k->dir_n = put(k->dir, sizeof k->dir, w_app, &app);
    static const uint8_t p_aodf[] = {0x3F, 0x00, 0x50, 0x15, 0x44, 0x01},
                         p_prkdf[] = {0x3F, 0x00, 0x50, 0x15, 0x44, 0x02},
                         p_cdf[] = {0x44, 0x05}; /* relative to the PKCS#15 DF */
    codec_writer w;
    codec_writer_init(&w, k->od, sizeof k->od);
    codec_p15_od_entry e = {CODEC_P15_PRKDF, {{p_prkdf, sizeof p_prkdf}, false, 0, 0}};
    cr_assert(codec_p15_write_od_entry(&w, &e));
    e = (codec_p15_od_entry){CODEC_P15_CDF, {{p_cdf, sizeof p_cdf}, false, 0, 0}};
    cr_assert(codec_p15_write_od_entry(&w, &e));
    e = (codec_p15_od_entry){CODEC_P15_AODF, {{p_aodf, sizeof p_aodf}, false, 0, 0}};
    cr_assert(codec_p15_write_od_entry(&w, &e));
    k->od_n = w.len;
    codec_p15_tokeninfo ti = {0,
                              {(const uint8_t *)"\x01\x02\xFE", 3},
                              {(const uint8_t *)"maker", 5},
                              {(const uint8_t *)"tiny", 4},
                              0};
    k->ti_n = put(k->ti, sizeof k->ti, w_ti, &ti);
    /* AODF: "pin" (ref 01, unblocked by "puk"), "puk" (ref 02, unblockingPin) */
    codec_writer_init(&w, k->aodf, sizeof k->aodf);
    static const uint8_t id1[] = {0x01}, id2[] = {0x02};
    codec_p15_pin pin;
    memset(&pin, 0, sizeof pin);
    pin.obj.label = (codec_p15_bytes){(const uint8_t *)"pin", 3};
    pin.auth_id = (codec_p15_bytes){id1, 1};
    pin.flags = CODEC_P15_PIN_INITIALIZED | CODEC_P15_PIN_NEEDS_PADDING;
    pin.type = CODEC_P15_PIN_ASCII_NUMERIC;
    pin.min_len = 4;
    pin.stored_len = 8;
    pin.has_max_len = true;
    pin.max_len = 8;
    pin.reference = 1;
    pin.has_pad_char = true;
    pin.pad_char = 0xFF;
    cr_assert(codec_p15_write_pin(&w, &pin));
    pin.obj.label = (codec_p15_bytes){(const uint8_t *)"puk", 3};
    pin.auth_id = (codec_p15_bytes){id2, 1};
    pin.flags |= CODEC_P15_PIN_UNBLOCKING_PIN;
    pin.reference = 2;
    cr_assert(codec_p15_write_pin(&w, &pin));
    k->aodf_n = w.len;
    (void)w_pin;
    /* PrKDF: one RSA key guarded by "pin" */
    static const uint8_t mf[] = {0x3F, 0x00};
    codec_p15_keyobj key;
    memset(&key, 0, sizeof key);
    key.type = CODEC_P15_KEY_RSA;
    key.obj.label = (codec_p15_bytes){(const uint8_t *)"sign", 4};
    key.obj.auth_id = (codec_p15_bytes){id1, 1};
    key.obj.flags = CODEC_P15_OBJ_PRIVATE;
    key.key.id = (codec_p15_bytes){key_id, sizeof key_id};
    key.key.usage = CODEC_P15_USAGE_SIGN | CODEC_P15_USAGE_NON_REPUDIATION;
    key.key.has_key_ref = true;
    key.key.key_ref = 7;
    key.path.path = (codec_p15_bytes){mf, sizeof mf};
    key.bits = 3072;
    k->prkdf_n = put(k->prkdf, sizeof k->prkdf, w_prkey, &key);
    /* CDF: its certificate */
    static const uint8_t cpath[] = {0x43, 0x01};
    codec_p15_cert c = {{{(const uint8_t *)"sign cert", 9}, 0, {NULL, 0}},
                        {key_id, sizeof key_id},
                        false,
                        {{cpath, sizeof cpath}, false, 0, 0}};
    k->cdf_n = put(k->cdf, sizeof k->cdf, w_cert, &c);
}

/* How to damage one file of the scripted card. */
typedef enum damage {
    INTACT,
    TRUNCATED, /* the last third cut off */
    GARBAGE,   /* every byte replaced */
    OVERSIZED, /* the FCP says 40000 bytes */
    TOO_MUCH,  /* READ BINARY answers more than Le (the transport refuses it) */
    REFUSED,   /* READ BINARY answers 6982 */
} damage;

enum { F_DIR, F_OD, F_TI, F_AODF, F_PRKDF, F_CDF, F_COUNT };

/* One file: SELECT answer and READ BINARY answer, damaged when `victim`. */
static void file_frames(const uint8_t *data, size_t n, bool victim, damage how)
{
    uint8_t buf[1024];
    memcpy(buf, data, n);
    if (victim && how == OVERSIZED) {
        static const uint8_t fcp[] = {0x62, 0x04, 0x80, 0x02, 0x9C, 0x40};
        frame_bytes(fcp, sizeof fcp, 0x9000);
        return; /* nothing is read */
    }
    frame_sw(0x9000); /* SELECT: no FCP, size unknown */
    if (!victim || how == INTACT) {
        frame_bytes(buf, n, 0x9000);
    } else if (how == TRUNCATED) {
        frame_bytes(buf, n - n / 3, 0x9000); /* into the last entry */
    } else if (how == GARBAGE) {
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)(0xA5 ^ (i * 37));
        frame_bytes(buf, n, 0x9000);
    } else if (how == TOO_MUCH) {
        static uint8_t big[300];
        memset(big, 0x30, sizeof big);
        frame_bytes(big, sizeof big, 0x9000);
    } else if (how == REFUSED) {
        frame_sw(0x6982);
    }
}

/* ATR (short length), the description probe (not the sdtest card), then the files in the
 * order discovery reads them (EF.DIR, EF.OD, TokenInfo, AODF, PrKDF, CDF). */
static void script_card(int victim, damage how)
{
    card k;
    make_card(&k);
    S.n = 0;
    static const uint8_t atr[] = {0x3B, 0x00};
    S.b[S.n++] = 0;
    S.b[S.n++] = sizeof atr;
    memcpy(S.b + S.n, atr, sizeof atr);
    S.n += sizeof atr;
    frame_sw(0x6A82); /* SELECT of the sdtest AID: another card */
    const uint8_t *data[F_COUNT] = {k.dir, k.od, k.ti, k.aodf, k.prkdf, k.cdf};
    size_t len[F_COUNT] = {k.dir_n, k.od_n, k.ti_n, k.aodf_n, k.prkdf_n, k.cdf_n};
    for (int f = 0; f < F_COUNT; f++)
        file_frames(data[f], len[f], f == victim, how);
}

static isoIec23465_Status connect_script(void)
{
    px_transport tr;
    cr_assert_eq(px_transport_fake_open(S.b, S.n, &tr), isoIec23465_Success);
    px_devinfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.identifier, sizeof info.identifier, "fake:");
    dev = NULL;
    return px_connect_transport(&tr, &info, &dev);
}

Test(scripted, intact_card_is_read_whole, .fini = stop)
{
    script_card(-1, INTACT);
    cr_assert_eq(connect_script(), isoIec23465_Success, "%s", last_message());
    const px_desc *d = table();
    cr_assert_str_empty(d->p15_note, "%s", d->p15_note);
    cr_assert_eq(d->n_objs, 4);
    cr_assert_str_eq(d->serial, "0102FE", "a serial that is not text, in hex");
    cr_assert_str_eq(d->name, "tiny");
    const px_desc_obj *pin = obj(isoIec23465_TypePassword, "pin");
    cr_assert_eq(pin->pin_unblock, idx(isoIec23465_TypePassword, "puk"));
    cr_assert_eq(pin->pin_encoding, PX_PIN_ASCII);
    const px_desc_obj *key = obj(isoIec23465_TypePrivateKey, "sign");
    cr_assert_eq(key->key_ref, 7);
    cr_assert_eq(key->key_bits, 3072);
    cr_assert_eq(key->usage, ISOIEC23465_USAGE_SIGN);
    cr_assert_eq(key->auth[OP(Use)], idx(isoIec23465_TypePassword, "pin"));
    cr_assert_eq(key->id_len, sizeof key_id);
    const px_desc_obj *cert = obj(isoIec23465_TypeCertificateContainer, "sign cert");
    path_is(cert, "3F00 5015 4301");
    cr_assert_eq(cert->cert, idx(isoIec23465_TypePrivateKey, "sign"));
    cr_assert_eq(key->cert, idx(isoIec23465_TypeCertificateContainer, "sign cert"));
    /* 1 probe + 2 per file */
    cr_assert_eq(px_transport_fake_count(&dev->conn->tr), 1 + 2 * F_COUNT);
    cr_assert_eq(d->p15_apdus, 2 * F_COUNT);
}

/* Connects the damaged card: success, a note naming the problem, fewer objects. */
static void damaged(int victim, damage how, size_t max_objs, const char *note_has)
{
    script_card(victim, how);
    isoIec23465_Status st = connect_script();
    cr_assert_eq(st, isoIec23465_Success, "file %d damage %d: %s", victim, how, last_message());
    const px_desc *d = dev->conn->desc;
    size_t n = d ? d->n_objs : 0;
    cr_assert_leq(n, max_objs, "file %d damage %d: %zu objects", victim, how, n);
    if (note_has) {
        cr_assert_not_null(d);
        cr_assert_not_null(strstr(d->p15_note, note_has), "file %d damage %d: note '%s' lacks '%s'",
                           victim, how, d->p15_note, note_has);
    }
    stop();
}

Test(scripted, truncated_files)
{
    damaged(F_AODF, TRUNCATED, 3, "AODF");
    damaged(F_PRKDF, TRUNCATED, 3, "PrKDF");
    damaged(F_CDF, TRUNCATED, 3, "CDF");
    damaged(F_OD, TRUNCATED, 3, "EF.OD");
    damaged(F_TI, TRUNCATED, 4, "TokenInfo");
}

Test(scripted, garbage_files)
{
    damaged(F_AODF, GARBAGE, 3, "AODF");
    damaged(F_PRKDF, GARBAGE, 3, "PrKDF");
    damaged(F_CDF, GARBAGE, 3, "CDF");
    damaged(F_TI, GARBAGE, 4, "TokenInfo");
}

Test(scripted, oversized_and_overlong_files)
{
    damaged(F_AODF, OVERSIZED, 2, "more than");
    damaged(F_CDF, REFUSED, 3, "6982");
}

/* More bytes than Le: the transport refuses the frame (it is not a response to this command),
 * so connect fails with that clear error rather than trusting the card. */
Test(scripted, answer_longer_than_le_is_a_transport_error)
{
    script_card(F_PRKDF, TOO_MUCH);
    dev = NULL;
    cr_assert_eq(connect_script(), isoIec23465_CommunicationError);
    cr_assert_null(dev);
    cr_assert_not_null(strstr(last_message(), "exceeds"), "%s", last_message());
}

/* EF.DIR unreadable or garbage: the PKCS#15 application is then found by its AID. */
Test(scripted, damaged_ef_dir_falls_back_to_the_aid, .fini = stop)
{
    card k;
    make_card(&k);
    S.n = 0;
    static const uint8_t atr[] = {0x3B, 0x00};
    S.b[S.n++] = 0;
    S.b[S.n++] = sizeof atr;
    memcpy(S.b + S.n, atr, sizeof atr);
    S.n += sizeof atr;
    frame_sw(0x6A82);                  /* description probe */
    frame_sw(0x9000);                  /* SELECT EF.DIR */
    frame_bytes(k.aodf, 7, 0x9000);    /* EF.DIR: not application templates */
    frame_sw(0x9000);                  /* SELECT by the PKCS#15 AID */
    frame_sw(0x9000);                  /* SELECT 5031 (relative, P1 02) */
    frame_bytes(k.od, k.od_n, 0x9000); /* EF.OD */
    frame_sw(0x6A82);                  /* no TokenInfo */
    frame_sw(0x9000);                  /* AODF by absolute path */
    frame_bytes(k.aodf, k.aodf_n, 0x9000);
    frame_sw(0x6A82); /* no PrKDF */
    frame_sw(0x9000); /* re-SELECT of the PKCS#15 AID for the relative CDF */
    frame_sw(0x9000); /* CDF 4405 */
    frame_bytes(k.cdf, k.cdf_n, 0x9000);
    cr_assert_eq(connect_script(), isoIec23465_Success, "%s", last_message());
    const px_desc *d = table();
    cr_assert(d->p15_found);
    cr_assert_not_null(strstr(d->p15_note, "EF.DIR"), "%s", d->p15_note);
    cr_assert_eq(d->n_objs, 3, "two PINs and the certificate");
    const px_desc_obj *cert = obj(isoIec23465_TypeCertificateContainer, "sign cert");
    cr_assert_eq(cert->app, app_idx("PKCS#15"), "a relative path: inside the application");
    path_is(cert, "4301");
    cr_assert_eq(cert->cert, -1, "its key is missing");
    cr_assert_eq(px_transport_fake_count(&dev->conn->tr), 13);
}

/* A record EF.DIR (FCP 82 = 02) is read with READ RECORD until 6A83. */
Test(scripted, record_ef_dir, .fini = stop)
{
    card k;
    make_card(&k);
    S.n = 0;
    static const uint8_t atr[] = {0x3B, 0x00};
    S.b[S.n++] = 0;
    S.b[S.n++] = sizeof atr;
    memcpy(S.b + S.n, atr, sizeof atr);
    S.n += sizeof atr;
    frame_sw(0x6A82);
    static const uint8_t fcp[] = {0x62, 0x03, 0x82, 0x01, 0x02};
    frame_bytes(fcp, sizeof fcp, 0x9000);
    frame_bytes(k.dir, k.dir_n, 0x9000); /* record 1 */
    frame_sw(0x6A83);                    /* no record 2 */
    frame_sw(0x9000);                    /* EF.OD */
    frame_bytes(k.od, k.od_n, 0x9000);
    for (int i = 0; i < 4; i++)
        frame_sw(0x6A82); /* TokenInfo, AODF, PrKDF, CDF: absent */
    cr_assert_eq(connect_script(), isoIec23465_Success, "%s", last_message());
    cr_assert(table()->p15_found);
    cr_assert_eq(table()->n_objs, 0);
    int p15 = app_idx("P15");
    cr_assert_eq(table()->apps[p15].path_len, 4, "the path EF.DIR gave");
    cr_assert_eq(px_transport_fake_count(&dev->conn->tr), 1 + 3 + 2 + 4);
}

/* A card that answers 256 bytes to every READ BINARY of a file of unknown size: discovery stops
 * at its bounds (file size, command budget) with a note. */
Test(scripted, endless_file_is_bounded, .fini = stop)
{
    S.n = 0;
    static const uint8_t atr[] = {0x3B, 0x00};
    S.b[S.n++] = 0;
    S.b[S.n++] = sizeof atr;
    memcpy(S.b + S.n, atr, sizeof atr);
    S.n += sizeof atr;
    frame_sw(0x6A82);
    frame_sw(0x9000); /* SELECT EF.DIR */
    static uint8_t chunk[256];
    memset(chunk, 0xFF, sizeof chunk);
    for (int i = 0; i < 2 * PX_P15_MAX_APDUS; i++)
        frame_bytes(chunk, sizeof chunk, 0x9000);
    cr_assert_eq(connect_script(), isoIec23465_Success, "%s", last_message());
    const px_desc *d = dev->conn->desc;
    cr_assert_null(d, "nothing found, nothing described");
    size_t sent = px_transport_fake_count(&dev->conn->tr);
    cr_assert_leq(sent, 1 + PX_P15_MAX_APDUS, "%zu commands", sent);
}

/* The link dies during discovery: connect fails with the transport's error. */
Test(scripted, lost_card_is_a_clear_error)
{
    card k;
    make_card(&k);
    script_card(-1, INTACT);
    S.n -= (size_t)(2 + k.cdf_n + 2) + 4; /* drop the CDF's SELECT and READ answers */
    dev = NULL;
    cr_assert_eq(connect_script(), isoIec23465_CommunicationError);
    cr_assert_null(dev);
    isoIec23465_ErrorDetails e;
    cr_assert_eq(isoIec23465_getLastError(&e), isoIec23465_CommunicationError);
}

/* Every prefix of the intact script and every single-byte change: no crash, and either a
 * clean connect or a transport error. */
Test(scripted, every_cut_and_flip_is_survived)
{
    script_card(-1, INTACT);
    script whole = S;
    for (size_t cut = 0; cut <= whole.n; cut += 3) {
        memcpy(S.b, whole.b, cut);
        S.n = cut;
        px_transport tr;
        if (px_transport_fake_open(S.b, S.n, &tr) != isoIec23465_Success)
            continue;
        px_devinfo info;
        memset(&info, 0, sizeof info);
        dev = NULL;
        isoIec23465_Status st = px_connect_transport(&tr, &info, &dev);
        cr_assert(st == isoIec23465_Success || st == isoIec23465_CommunicationError, "cut %zu: %d",
                  cut, st);
        stop();
    }
    for (size_t at = 4; at < whole.n; at++) {
        S = whole;
        S.b[at] ^= 0x5A;
        px_transport tr;
        if (px_transport_fake_open(S.b, S.n, &tr) != isoIec23465_Success)
            continue;
        px_devinfo info;
        memset(&info, 0, sizeof info);
        dev = NULL;
        isoIec23465_Status st = px_connect_transport(&tr, &info, &dev);
        cr_assert(st == isoIec23465_Success || st == isoIec23465_CommunicationError,
                  "flip at %zu: %d", at, st);
        if (st == isoIec23465_Success && dev->conn->desc && !dev->conn->desc->file)
            cr_assert_leq(dev->conn->desc->n_objs, 4, "only what the card holds");
        stop();
    }
}

/* A record EF.DIR whose SELECT gives no FCP: READ BINARY answers 6981 (not a transparent
 * file), so discovery reads records instead. */
Test(scripted, unannounced_record_ef_dir, .fini = stop)
{
    card k;
    make_card(&k);
    S.n = 0;
    static const uint8_t atr[] = {0x3B, 0x00};
    S.b[S.n++] = 0;
    S.b[S.n++] = sizeof atr;
    memcpy(S.b + S.n, atr, sizeof atr);
    S.n += sizeof atr;
    frame_sw(0x6A82);
    frame_sw(0x9000);                    /* SELECT EF.DIR, no FCP */
    frame_sw(0x6981);                    /* READ BINARY: wrong file structure */
    frame_bytes(k.dir, k.dir_n, 0x9000); /* READ RECORD 1 */
    frame_sw(0x6A83);
    frame_sw(0x9000); /* EF.OD */
    frame_bytes(k.od, k.od_n, 0x9000);
    for (int i = 0; i < 4; i++)
        frame_sw(0x6A82);
    cr_assert_eq(connect_script(), isoIec23465_Success, "%s", last_message());
    cr_assert(table()->p15_found);
    cr_assert_eq(table()->apps[app_idx("P15")].path_len, 4);
    cr_assert_eq(px_transport_fake_count(&dev->conn->tr), 1 + 4 + 2 + 4);
}
