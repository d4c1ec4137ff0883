/* Device description loader: the reference file loads; mistakes are refused with a reason. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "px_desc.h"

static const char *devices_dir(void)
{
    return px_desc_dir();
}

Test(desc, reference_description_loads)
{
    char err[512] = "";
    char path[1024];
    snprintf(path, sizeof path, "%s/sdtest-reference.yaml", devices_dir());
    px_desc *d = px_desc_load_file(path, err, sizeof err);
    cr_assert_not_null(d, "%s", err);
    cr_assert_str_eq(d->name, "sdtest reference card");
    cr_assert_eq(d->n_apps, 1);
    cr_assert_geq(d->n_objs, 3);
    cr_assert_eq(d->match_aid_len, 12);
    const uint8_t atr[] = {0x3B, 0x85};
    const uint8_t other[] = {0x3F, 0x85};
    cr_assert(px_desc_match_atr(d, atr, sizeof atr));
    cr_assert_not(px_desc_match_atr(d, other, sizeof other));
    px_desc_free(d);
}

static void refused(const char *yaml, const char *why)
{
    char err[512] = "";
    px_desc *d = px_desc_load_buffer(yaml, strlen(yaml), "t.yaml", err, sizeof err);
    cr_assert_null(d, "accepted: %s", yaml);
    cr_assert(strstr(err, why), "message '%s' lacks '%s'", err, why);
}

#define HEAD "name: x\nmatch: {atr: \"3B\"}\n"

Test(desc, mistakes_are_refused)
{
    refused("name: x\n", "'match' is required");
    refused(HEAD "colour: red\n", "unknown key 'colour'");
    refused("name: x\nmatch: {atr: \"3G\"}\n", "bad hex");
    refused("name: x\nmatch: {}\n", "give atr and/or aid");
    refused("name: x\nmatch: {atr: \"3B 00\", atr_mask: \"FF\"}\n", "as long as atr");
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"0101\"}\n",
            "starts with 3F00");
    refused(HEAD "objects:\n - {class: Thing, label: a, identifier: \"01\", path: \"3F00\"}\n",
            "class must be");
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"3F000101\", application: nope}\n",
            "no application");
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"3F000101\"}\n - {class: DataContainer, label: a, identifier: \"02\", path: "
                 "\"3F000102\"}\n",
            "used twice");
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"3F00010\"}\n",
            "bad hex");
    refused(HEAD "transport: {max_response: 70000}\n", "expected a number");
    refused(HEAD "applications:\n - {label: a, aid: \"A000\"}\n", "5 to 16 bytes");
    refused("[1, 2]\n", "expected a mapping");
    refused(": : :\n", "");
}

Test(desc, directory_loads_sorted_and_missing_directory_is_empty)
{
    char err[512] = "";
    px_desc **all = NULL;
    size_t n = 99;
    cr_assert(px_desc_load_dir(devices_dir(), &all, &n, err, sizeof err), "%s", err);
    cr_assert_geq(n, 1);
    cr_assert_not_null(all);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(strcmp(all[i - 1]->file, all[i]->file), 0);
    px_desc_free_all(all, n);
    cr_assert(px_desc_load_dir("/nonexistent/sdtest-devices", &all, &n, err, sizeof err));
    cr_assert_eq(n, 0);
    cr_assert_null(all);
}

/* ---- the object classes of 7816-15, access, algorithms ---- */

static px_desc *loads(const char *yaml)
{
    static char err[512];
    err[0] = '\0';
    px_desc *d = px_desc_load_buffer(yaml, strlen(yaml), "t.yaml", err, sizeof err);
    cr_assert_not_null(d, "refused: %s\n%s", err, yaml);
    return d;
}

static int index_of(const px_desc *d, isoIec23465_ObjectType t, const char *label)
{
    for (size_t i = 0; i < d->n_objs; i++)
        if (d->objs[i].type == t && strcmp(d->objs[i].label, label) == 0)
            return (int)i;
    cr_assert_fail("no '%s'", label);
    return -1;
}

#define ALGS                                                                                       \
    "algorithms:\n"                                                                                \
    " - {mechanism: rsa-pkcs1, hash: none, reference: 0x10, usage: [sign, verify]}\n"              \
    " - {mechanism: rsa-pkcs1, hash: sha256, reference: 0x13}\n"                                   \
    " - {mechanism: rsa-pkcs1, reference: 0x30, usage: [encrypt, decrypt]}\n"                      \
    " - {mechanism: ecdsa, reference: 0x40}\n"                                                     \
    " - {mechanism: ecdh, reference: 0x48, usage: derive}\n"                                       \
    " - {mechanism: aes-cbc, reference: 0x81}\n"

#define FULL                                                                                       \
    HEAD "applications:\n - {label: app, aid: \"A0 00 00 00 01\", path: \"3F00 5000\"}\n" ALGS     \
         "objects:\n"                                                                              \
         " - {class: Password, label: pin, reference: 0x01, encoding: ascii, min_length: 4,\n"     \
         "    max_length: 8, pad_to: 8, pad_byte: 0xFF, max_tries: 3, unblocked_by: puk}\n"        \
         " - {class: Password, label: puk, reference: 2, encoding: format2, max_tries: 10}\n"      \
         " - {class: Password, label: local, application: app, reference: 0x81, encoding: bcd}\n"  \
         " - {class: PrivateKey, label: k, reference: 0x01, key_type: rsa, bits: 2048,\n"          \
         "    usage: [sign, decrypt], access: {use: pin}, certificate: c, public_key: k}\n"        \
         " - {class: PublicKey, label: k, reference: 0x01, key_type: rsa, bits: 2048,\n"           \
         "    usage: [verify], path: \"3F00 5015 4501\"}\n"                                        \
         " - {class: PrivateKey, label: e, reference: 3, key_type: ec, bits: 256, usage: sign,\n"  \
         "    algorithms: [0x40]}\n"                                                               \
         " - {class: SecretKey, label: s, reference: 4, key_type: aes, bits: 128}\n"               \
         " - {class: CertificateContainer, label: c, identifier: \"45\", path: \"3F00 4301\"}\n"   \
         " - {class: DataContainer, label: d, identifier: \"01 03\", path: \"3F00 0103\",\n"       \
         "    structure: linear_fixed, access: {read: always, update: pin, erase: never,\n"        \
         "    delete: puk}}\n"                                                                     \
         " - {class: DataContainer, label: l, identifier: \"50 02\", path: \"5002\",\n"            \
         "    application: app, access: {read: local}}\n"

Test(desc, every_class_and_key_is_read)
{
    px_desc *d = loads(FULL);
    cr_assert_eq(d->n_objs, 10);
    cr_assert_eq(d->n_algs, 6);
    cr_assert_eq(d->apps[0].path_len, 4);
    int pin = index_of(d, isoIec23465_TypePassword, "pin");
    int puk = index_of(d, isoIec23465_TypePassword, "puk");
    const px_desc_obj *p = &d->objs[pin];
    cr_assert_eq(p->pin_ref, 1);
    cr_assert_eq(p->pin_encoding, PX_PIN_ASCII);
    cr_assert_eq(p->pin_min, 4);
    cr_assert_eq(p->pin_max, 8);
    cr_assert_eq(p->pin_stored, 8);
    cr_assert_eq(p->pin_pad, 0xFF);
    cr_assert_eq(p->pin_max_tries, 3);
    cr_assert_eq(p->pin_unblock, puk);
    cr_assert_eq(p->id_len, 1, "identifier defaults to the reference");
    cr_assert_eq(p->id[0], 1);
    cr_assert_eq(d->objs[puk].pin_encoding, PX_PIN_FORMAT2);
    const px_desc_obj *l = &d->objs[index_of(d, isoIec23465_TypePassword, "local")];
    cr_assert_eq(l->pin_encoding, PX_PIN_BCD);
    cr_assert_eq(l->app, 0);

    int k = index_of(d, isoIec23465_TypePrivateKey, "k");
    int kp = index_of(d, isoIec23465_TypePublicKey, "k");
    int c = index_of(d, isoIec23465_TypeCertificateContainer, "c");
    const px_desc_obj *key = &d->objs[k];
    cr_assert_eq(key->key_ref, 1);
    cr_assert_eq(key->key_type, isoIec23465_KeyRsa);
    cr_assert_eq(key->key_bits, 2048);
    cr_assert_eq(key->usage, ISOIEC23465_USAGE_SIGN | ISOIEC23465_USAGE_DECRYPT);
    cr_assert_eq(key->auth[isoIec23465_OperationUse - 1], pin);
    cr_assert_eq(key->auth[isoIec23465_OperationRead - 1], PX_AUTH_UNKNOWN);
    cr_assert_eq(key->pair, kp);
    cr_assert_eq(d->objs[kp].pair, k);
    cr_assert_eq(key->cert, c);
    cr_assert_eq(d->objs[c].cert, k);
    /* a sign + decrypt RSA key takes every RSA entry; both rsa-pkcs1 none, told apart by usage */
    cr_assert_eq(key->n_algs, 3);
    cr_assert_eq(key->algs[0].ref, 0x10);
    cr_assert_eq(key->algs[0].usage, ISOIEC23465_USAGE_SIGN | ISOIEC23465_USAGE_VERIFY);
    cr_assert_eq(key->algs[2].ref, 0x30);
    /* the verify-only public key: not the encryption entry */
    cr_assert_eq(d->objs[kp].n_algs, 2);
    /* an explicit list; a sign-only EC key does not get ecdh by default but got only 0x40 */
    const px_desc_obj *e = &d->objs[index_of(d, isoIec23465_TypePrivateKey, "e")];
    cr_assert_eq(e->n_algs, 1);
    cr_assert_eq(e->algs[0].mechanism, isoIec23465_MechEcdsa);
    cr_assert(e->given & PX_GIVEN_ALGS);
    const px_desc_obj *s = &d->objs[index_of(d, isoIec23465_TypeSecretKey, "s")];
    cr_assert_eq(s->n_algs, 1);
    cr_assert_eq(s->algs[0].ref, 0x81);

    const px_desc_obj *dc = &d->objs[index_of(d, isoIec23465_TypeDataContainer, "d")];
    cr_assert_eq(dc->structure, PX_STRUCT_LINEAR_FIXED);
    cr_assert_eq(dc->auth[0], PX_AUTH_ALWAYS);
    cr_assert_eq(dc->auth[1], pin);
    cr_assert_eq(dc->auth[2], PX_AUTH_NEVER);
    cr_assert_eq(dc->auth[3], PX_AUTH_UNKNOWN);
    cr_assert_eq(dc->auth[4], puk);
    const px_desc_obj *lc = &d->objs[index_of(d, isoIec23465_TypeDataContainer, "l")];
    cr_assert_eq(lc->auth[0], index_of(d, isoIec23465_TypePassword, "local"));
    px_desc_free(d);
}

/* The reference description: the objects and algorithms the team relies on. */
Test(desc, reference_description_has_the_reference_objects)
{
    char err[512] = "";
    char path[1024];
    snprintf(path, sizeof path, "%s/sdtest-reference.yaml", devices_dir());
    px_desc *d = px_desc_load_file(path, err, sizeof err);
    cr_assert_not_null(d, "%s", err);
    cr_assert_str_eq(d->api_levels, "1,2,3");
    cr_assert_geq(d->n_algs, 14);
    int user = index_of(d, isoIec23465_TypePassword, "user");
    cr_assert_eq(d->objs[user].pin_max_tries, 3);
    cr_assert_eq(d->objs[index_of(d, isoIec23465_TypePassword, "puk")].pin_max_tries, 5);
    cr_assert_eq(d->objs[index_of(d, isoIec23465_TypePassword, "so")].pin_max_tries, 3);
    cr_assert_eq(d->objs[index_of(d, isoIec23465_TypePassword, "app")].pin_max_tries, 3);
    const px_desc_obj *g = &d->objs[index_of(d, isoIec23465_TypePrivateKey, "Generated key")];
    cr_assert_eq(g->key_ref, 5);
    cr_assert_eq(g->key_type, isoIec23465_KeyEc);
    cr_assert_eq(g->auth[isoIec23465_OperationUse - 1], user);
    const px_desc_obj *r = &d->objs[index_of(d, isoIec23465_TypeDataContainer, "records")];
    cr_assert_eq(r->structure, PX_STRUCT_LINEAR_FIXED);
    const px_desc_obj *p = &d->objs[index_of(d, isoIec23465_TypeDataContainer, "private-4096")];
    cr_assert_eq(p->auth[isoIec23465_OperationRead - 1], user);
    const px_desc_obj *a = &d->objs[index_of(d, isoIec23465_TypeDataContainer, "app-secret")];
    cr_assert_eq(a->auth[isoIec23465_OperationRead - 1],
                 index_of(d, isoIec23465_TypePassword, "app"));
    cr_assert_eq(a->app, 0);
    px_desc_free(d);
}

#define OBJ(x) HEAD ALGS "objects:\n - " x "\n"
#define PIN " - {class: Password, label: pin, reference: 1}\n"

Test(desc, new_keys_are_validated_with_file_and_line)
{
    /* where: "t.yaml:<line>:" points at the offending node */
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"3F000101\",\n    structure: heap}\n",
            "t.yaml:5: /objects/0/structure: structure must be one of: transparent");
    refused(OBJ("{class: Password, label: p}"), "a Password needs its reference");
    refused(OBJ("{class: Password, label: p, reference: 1, encoding: ebcdic}"),
            "encoding must be one of: ascii, bcd, format2");
    refused(OBJ("{class: Password, label: p, reference: 0x100}"), "from 0 to 255");
    refused(OBJ("{class: Password, label: p, reference: 0xZZ}"), "expected a number");
    refused(OBJ("{class: Password, label: p, reference: 1, max_tries: 0}"), "at least 1");
    refused(OBJ("{class: Password, label: p, reference: 1, min_length: 9, max_length: 8}"),
            "larger than max_length");
    refused(OBJ("{class: Password, label: p, reference: 1, pad_byte: 0xFF}"), "needs pad_to");
    refused(OBJ("{class: Password, label: p, reference: 1, unblocked_by: nobody}"),
            "the label of another Password");
    refused(OBJ("{class: Password, label: p, reference: 1, unblocked_by: p}"),
            "the label of another Password");
    refused(OBJ("{class: Password, label: p, reference: 1, key_type: rsa}"),
            "unknown key 'key_type'");
    refused(OBJ("{class: DataContainer, label: a, identifier: \"01\", path: \"3F000101\", "
                "reference: 1}"),
            "unknown key 'reference'");
    refused(OBJ("{class: DataContainer, label: a, identifier: \"01\", path: \"3F000101\", "
                "access: {read: nobody}}"),
            "expected always, never or the label of a Password");
    refused(OBJ("{class: DataContainer, label: a, identifier: \"01\", path: \"3F000101\", "
                "access: {write: always}}"),
            "unknown key 'write'");
    refused(OBJ("{class: PrivateKey, label: k, key_type: rsa}"), "needs its reference");
    refused(OBJ("{class: PrivateKey, label: k, reference: 1, key_type: dsa}"),
            "key_type must be one of: rsa, ec, aes");
    refused(OBJ("{class: SecretKey, label: k, reference: 1, key_type: rsa}"), "a SecretKey is aes");
    refused(OBJ("{class: PrivateKey, label: k, reference: 1, bits: 8}"), "bits must be");
    refused(OBJ("{class: PrivateKey, label: k, reference: 1, usage: [sign, fly]}"),
            "a usage must be one of");
    refused(OBJ("{class: PrivateKey, label: k, reference: 1, algorithms: [0x99]}"),
            "not in the device's algorithms");
    refused(OBJ("{class: PrivateKey, label: k, reference: 1, key_type: ec, algorithms: [0x10]}"),
            "for another key type");
    refused(OBJ("{class: PrivateKey, label: k, reference: 1, certificate: nope}"),
            "no CertificateContainer with this label");
    refused(OBJ("{class: PrivateKey, label: k, reference: 1, public_key: nope}"),
            "no PublicKey with this label");
    refused(OBJ("{class: PublicKey, label: k, certificate: c}"), "unknown key 'certificate'");
    refused(OBJ("{class: PrivateKey, label: k, reference: 1}\n - {class: PrivateKey, label: k, "
                "reference: 2}"),
            "used twice");
    refused(HEAD "algorithms:\n - {mechanism: rsa-pkcs2, reference: 1}\n",
            "mechanism must be one of");
    refused(HEAD "algorithms:\n - {mechanism: rsa-pss, hash: md5, reference: 1}\n",
            "hash must be one of: none, sha256");
    refused(HEAD "algorithms:\n - {mechanism: rsa-pss, hash: sha256}\n",
            "needs mechanism and reference");
    refused(HEAD "algorithms:\n - {mechanism: rsa-pkcs1, reference: 0x10}\n - {mechanism: "
                 "rsa-pkcs1, reference: 0x30}\n",
            "tell them apart with usage");
    refused(HEAD "algorithms: {mechanism: ecdsa}\n", "expected a list");
    refused(HEAD "applications:\n - {label: a, aid: \"A000000001\", path: \"5000\"}\n",
            "starts with 3F00");
    /* a Password and a DataContainer may share a label; two passwords may not */
    px_desc_free(loads(OBJ("{class: Password, label: x, reference: 1}\n - {class: DataContainer, "
                           "label: x, identifier: \"01\", path: \"3F000101\"}")));
    refused(OBJ("{class: Password, label: x, reference: 1}"
                "\n" PIN PIN),
            "used twice");
}

/* Cut the full description at every byte: it loads or is refused with a message; never a crash
 * or a partial table. */
Test(desc, truncated_descriptions_are_refused_cleanly)
{
    const char *full = FULL;
    size_t n = strlen(full);
    for (size_t cut = 0; cut < n; cut++) {
        char err[512] = "";
        px_desc *d = px_desc_load_buffer(full, cut, "cut.yaml", err, sizeof err);
        if (d)
            px_desc_free(d);
        else
            cr_assert(strncmp(err, "cut.yaml", 8) == 0, "cut %zu: message '%s'", cut, err);
    }
}

/* More objects, algorithms or text than the bounds allow: refused, with the bound named. */
Test(desc, oversized_descriptions_are_refused)
{
    static char big[1 << 16];
    size_t at = (size_t)snprintf(big, sizeof big, "%sobjects:\n", HEAD);
    for (int i = 0; i <= PX_DESC_MAX_OBJECTS; i++)
        at += (size_t)snprintf(big + at, sizeof big - at,
                               " - {class: Password, label: p%d, reference: %d}\n", i, i % 256);
    refused(big, "more than 128 objects");

    at = (size_t)snprintf(big, sizeof big, "%salgorithms:\n", HEAD);
    static const char *const mechs[] = {"rsa-pkcs1", "rsa-pss", "rsa-oaep", "ecdsa",
                                        "ecdh",      "aes-cbc", "aes-ecb",  "aes-cmac"};
    static const char *const hashes[] = {"none", "sha256", "sha384", "sha512"};
    for (int i = 0; i <= PX_DESC_MAX_DEVICE_ALGS; i++) /* all distinct */
        at += (size_t)snprintf(big + at, sizeof big - at,
                               " - {mechanism: %s, hash: %s, reference: %d, usage: %s}\n",
                               mechs[i % 8], hashes[(i / 8) % 4], i, i < 32 ? "sign" : "verify");
    refused(big, "more than 32 algorithms");

    char label[400];
    memset(label, 'x', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    snprintf(big, sizeof big, "%sobjects:\n - {class: Password, label: %s, reference: 1}\n", HEAD,
             label);
    refused(big, "at most 255 bytes");

    at = (size_t)snprintf(big, sizeof big,
                          "%sobjects:\n - {class: PrivateKey, label: k, "
                          "reference: 1, algorithms: [",
                          HEAD ALGS);
    for (int i = 0; i <= PX_MAX_ALGS; i++)
        at += (size_t)snprintf(big + at, sizeof big - at, "%s0x10", i ? ", " : "");
    snprintf(big + at, sizeof big - at, "]}\n");
    refused(big, "more than 16 algorithms for one key");
}

/* ---- merge with what discovery found ---- */

/* A discovered table: PIN "user" (ref 01), private key "k" (ref 02) guarded by it, a data object
 * "sdtest app/5002" in application A0 00 00 00 01 (DF 3F00 5000), and an application only EF.DIR
 * names. */
static px_desc *found_table(void)
{
    px_desc *f = px_desc_new_empty();
    cr_assert_not_null(f);
    static const uint8_t aid1[] = {0xA0, 0, 0, 0, 1}, aid2[] = {0xA0, 0, 0, 0, 2};
    f->apps[0].label = strdup("p15 name");
    memcpy(f->apps[0].aid, aid1, 5);
    f->apps[0].aid_len = 5;
    f->apps[0].discovered = true;
    f->apps[1].label = strdup("other");
    memcpy(f->apps[1].aid, aid2, 5);
    f->apps[1].aid_len = 5;
    f->apps[1].discovered = true;
    f->n_apps = 2;
    px_desc_obj *o = &f->objs[0];
    px_desc_obj_init(o);
    o->type = isoIec23465_TypePassword;
    o->label = strdup("user");
    o->pin_ref = 1;
    o->pin_min = 4;
    o->pin_max = 8;
    o->discovered = true;
    o = &f->objs[1];
    px_desc_obj_init(o);
    o->type = isoIec23465_TypePrivateKey;
    o->label = strdup("k");
    o->key_ref = 2;
    o->key_type = isoIec23465_KeyRsa;
    o->key_bits = 2048;
    o->usage = ISOIEC23465_USAGE_SIGN;
    o->auth[isoIec23465_OperationUse - 1] = 0;
    o->discovered = true;
    o = &f->objs[2];
    px_desc_obj_init(o);
    o->type = isoIec23465_TypeDataContainer;
    o->label = strdup("sdtest app/5002");
    o->app = 0;
    o->path[0] = 0x50;
    o->path[1] = 0x02;
    o->path_len = 2;
    o->auth[0] = 0;
    o->discovered = true;
    f->n_objs = 3;
    f->serial = strdup("S1");
    f->token_manufacturer = strdup("maker");
    f->p15_found = true;
    f->p15_apdus = 9;
    return f;
}

Test(desc, merge_overrides_adds_and_renumbers)
{
    px_desc *desc = loads(
        HEAD "manufacturer: described\n"
             "applications:\n - {label: app, aid: \"A0 00 00 00 01\"}\n" ALGS "objects:\n"
             " - {class: DataContainer, label: pub, identifier: \"01\", path: \"3F00 0101\",\n"
             "    access: {read: always, update: user}}\n"
             " - {class: Password, label: user, reference: 1, max_tries: 3}\n"
             " - {class: DataContainer, label: secret, identifier: \"50 02\", path: \"5002\",\n"
             "    application: app, structure: transparent}\n"
             " - {class: PrivateKey, label: renamed, reference: 2, algorithms: [0x13]}\n");
    px_desc *found = found_table();
    px_desc *m = px_desc_merge(found, desc);
    cr_assert_not_null(m);
    /* applications: the description's first, then the one only EF.DIR names */
    cr_assert_eq(m->n_apps, 2);
    cr_assert_str_eq(m->apps[0].label, "app");
    cr_assert_str_eq(m->apps[1].label, "other");
    /* discovered objects first, in their order; then what only the description has */
    cr_assert_eq(m->n_objs, 4);
    cr_assert_str_eq(m->objs[0].label, "user");
    cr_assert_eq(m->objs[0].pin_max_tries, 3, "given by the description");
    cr_assert_eq(m->objs[0].pin_max, 8, "kept from discovery");
    cr_assert_str_eq(m->objs[1].label, "renamed", "same class and reference");
    cr_assert_eq(m->objs[1].key_bits, 2048);
    cr_assert_eq(m->objs[1].auth[isoIec23465_OperationUse - 1], 0);
    cr_assert_eq(m->objs[1].n_algs, 1);
    cr_assert_eq(m->objs[1].algs[0].ref, 0x13);
    cr_assert_str_eq(m->objs[2].label, "secret", "same class, application and path");
    cr_assert(m->objs[2].discovered);
    cr_assert_eq(m->objs[2].app, 0);
    cr_assert_eq(m->objs[2].auth[0], 0, "discovery's guard kept");
    cr_assert_str_eq(m->objs[3].label, "pub");
    cr_assert_not(m->objs[3].discovered);
    cr_assert_eq(m->objs[3].auth[1], 0, "description index of 'user' renumbered");
    cr_assert_str_eq(m->manufacturer, "described");
    cr_assert_str_eq(m->serial, "S1");
    cr_assert_eq(m->p15_apdus, 9);
    px_desc_free(m);

    /* no description: the discovered table, named by TokenInfo's manufacturer */
    m = px_desc_merge(found, NULL);
    cr_assert_not_null(m);
    cr_assert_eq(m->n_objs, 3);
    cr_assert_str_eq(m->manufacturer, "maker");
    cr_assert_eq(m->objs[1].n_algs, 0, "no algorithm table");
    px_desc_free(m);
    px_desc_free(found);
    px_desc_free(desc);
}

/* Not YAML at all: libfyaml's own message, with line and column, and nothing on stderr. */
Test(desc, invalid_yaml_names_line_and_column)
{
    refused("name: x\nmatch: {atr: \"3B\"\nobjects: []\n", "t.yaml:4:"); /* the end */
    refused("name: x\nmatch: {atr: \"3B\"\nobjects: []\n", "not valid YAML: ");
    refused("name: x\n  bad: indentation\n", "t.yaml:2:");
}
