/* px_app against the reference card (emu:<default profile>), a fresh card per test: listing
 * objects and applications, life-cycle states, GET CHALLENGE, creating and deleting data
 * containers and applications, object attributes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isoiec23465.h"
#include "px_apdu.h"
#include "px_handle.h"

static const uint8_t sdtest_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                     0x44, 0x54, 0x45, 0x53, 0x54, 0x01};
static const uint8_t p15_aid[] = {0xA0, 0x00, 0x00, 0x00, 0x63, 0x50,
                                  0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35};
/* AIDs the tests create: not on the reference card */
static const uint8_t new_aid[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x54, 0x45, 0x53, 0x54};
static const uint8_t fid_new[] = {0x02, 0x01};

static isoIec23465_SecurityDevice *dev;
static isoIec23465_RootApplication *root;

static void setup(void)
{
    alarm(60); /* a hung card fails the test instead of the run */
    char spec[1024];
    snprintf(spec, sizeof spec, "emu:%s", PX_TEST_PROFILE);
    isoIec23465_Status st = isoIec23465_connectSecurityDeviceBySpec(spec, &dev);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "connect %s: %s: %s", spec,
                 isoIec23465_statusToString(st), d.message);
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
}

static void teardown(void)
{
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    root = NULL;
    alarm(0);
}

TestSuite(app, .init = setup, .fini = teardown);

/* Asserts `st` is `want`, printing the last error otherwise. */
#define EXPECT(st, want)                                                                           \
    do {                                                                                           \
        isoIec23465_Status st_ = (st);                                                             \
        isoIec23465_ErrorDetails d_;                                                               \
        isoIec23465_getLastError(&d_);                                                             \
        cr_assert_eq(st_, (want), "%s: got %s (%s), want %s", #st,                                 \
                     isoIec23465_statusToString(st_), d_.message,                                  \
                     isoIec23465_statusToString(want));                                            \
    } while (0)

/* Sends one raw APDU to the device of `h` and returns its status word. */
static uint16_t raw(isoIec23465_Handle *h, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
                    size_t lc)
{
    px_conn *c;
    cr_assert_eq(px_handle_enter(h, 0, &c), isoIec23465_Success);
    cr_assert_eq(px_apdu_begin(c), isoIec23465_Success);
    codec_capdu cmd = {.cla = 0x00, .ins = ins, .p1 = p1, .p2 = p2, .data = data, .lc = lc};
    const uint8_t *d;
    size_t n;
    uint16_t sw = 0;
    isoIec23465_Status st = px_apdu_exchange(c, &cmd, &d, &n, &sw);
    px_apdu_end(c);
    px_handle_leave(c);
    cr_assert_eq(st, isoIec23465_Success, "raw APDU INS %02X", ins);
    return sw;
}

/* VERIFY of the global "so" PIN (reference 03, ASCII, 8 characters: no padding needed). */
static void verify_so(void)
{
    static const uint8_t so[] = "87654321";
    cr_assert_eq(raw(root, 0x20, 0x00, 0x03, so, 8), 0x9000, "VERIFY so");
}

static isoIec23465_Object *find_in(isoIec23465_SecurityDeviceApplication *app, const char *label)
{
    isoIec23465_Object *o = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_findObject(app, label, &o), isoIec23465_Success);
    return o;
}

static isoIec23465_SecurityDeviceApplication *open_app(const uint8_t *aid, size_t len)
{
    isoIec23465_SecurityDeviceApplication *a = NULL;
    EXPECT(isoIec23465_RootApplication_openApplication(root, aid, len, &a), isoIec23465_Success);
    return a;
}

static isoIec23465_Status last_origin_local(void)
{
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.origin, isoIec23465_OriginLocal, "expected a local failure: %s", d.message);
    return d.status;
}

/* ---- listObjects ------------------------------------------------------------------------- */

/* The objects the reference card shows after discovery (/tmp/team.md), by most derived class. */
static const struct {
    isoIec23465_ObjectType type;
    const char *label;
    bool in_app; /* inside "sdtest app" */
} ref_objects[] = {
    {isoIec23465_TypePassword, "user", false},
    {isoIec23465_TypePassword, "puk", false},
    {isoIec23465_TypePassword, "so", false},
    {isoIec23465_TypePassword, "app", true},
    {isoIec23465_TypePrivateKey, "RSA signature key", false},
    {isoIec23465_TypePrivateKey, "RSA decryption key", false},
    {isoIec23465_TypePrivateKey, "EC P-256 key", false},
    {isoIec23465_TypePrivateKey, "Generated key", false},
    {isoIec23465_TypePublicKey, "RSA signature key", false},
    {isoIec23465_TypePublicKey, "RSA decryption key", false},
    {isoIec23465_TypePublicKey, "EC P-256 key", false},
    {isoIec23465_TypeSecretKey, "AES-128 key", false},
    {isoIec23465_TypeCertificateContainer, "RSA signature certificate", false},
    {isoIec23465_TypeCertificateContainer, "EC P-256 certificate", false},
    {isoIec23465_TypeDataContainer, "public-256", false},
    {isoIec23465_TypeDataContainer, "private-4096", false},
    {isoIec23465_TypeDataContainer, "records", false},
    {isoIec23465_TypeDataContainer, "public-4096", false},
    {isoIec23465_TypeDataContainer, "ef-dir", false},
    {isoIec23465_TypeDataContainer, "app-hello", true},
    {isoIec23465_TypeDataContainer, "app-secret", true},
};
#define N_REF (sizeof ref_objects / sizeof ref_objects[0])

static const isoIec23465_ObjectType object_classes[] = {
    isoIec23465_TypeObject,        isoIec23465_TypeSensitiveContainer,
    isoIec23465_TypeDataContainer, isoIec23465_TypeCertificateContainer,
    isoIec23465_TypeAuthenticator, isoIec23465_TypePassword,
    isoIec23465_TypeKey,           isoIec23465_TypeAsymmetricKey,
    isoIec23465_TypePublicKey,     isoIec23465_TypePrivateKey,
    isoIec23465_TypeSecretKey,
};

/* Lists `cls` in `app` and checks the result is exactly the reference objects of that class
 * (derived classes included) in that scope: count, classes and labels. */
static void check_listing(isoIec23465_SecurityDeviceApplication *app, bool app_scope,
                          isoIec23465_ObjectType cls)
{
    size_t want = 0;
    bool seen[N_REF] = {false};
    for (size_t i = 0; i < N_REF; i++)
        if (px_type_is_a(ref_objects[i].type, cls) && (!app_scope || ref_objects[i].in_app))
            want++;
    size_t n = 0;
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(app, cls, NULL, &n),
           isoIec23465_Success);
    cr_assert_eq(n, want, "class %d%s: size query gives %zu, the card holds %zu", (int)cls,
                 app_scope ? " in sdtest app" : "", n, want);
    isoIec23465_Object *objs[64];
    n = sizeof objs / sizeof objs[0];
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(app, cls, objs, &n),
           isoIec23465_Success);
    cr_assert_eq(n, want);
    for (size_t k = 0; k < n; k++) {
        isoIec23465_ObjectType t;
        EXPECT(isoIec23465_Object_getType(objs[k], &t), isoIec23465_Success);
        cr_assert(px_type_is_a(t, cls), "listed class %d for requested %d", (int)t, (int)cls);
        char label[256];
        size_t len = sizeof label;
        EXPECT(isoIec23465_Object_getLabel(objs[k], label, &len), isoIec23465_Success);
        size_t i = 0;
        while (i < N_REF &&
               (seen[i] || ref_objects[i].type != t || strcmp(ref_objects[i].label, label) != 0 ||
                (app_scope && !ref_objects[i].in_app)))
            i++;
        cr_assert_lt(i, N_REF, "unexpected object '%s' (class %d) listed for class %d", label,
                     (int)t, (int)cls);
        seen[i] = true;
        isoIec23465_Object_release(objs[k]);
    }
}

Test(app, list_objects_per_class_equals_the_profile)
{
    for (size_t i = 0; i < sizeof object_classes / sizeof object_classes[0]; i++)
        check_listing(root, false, object_classes[i]);
}

Test(app, list_objects_of_an_application_is_its_own_objects)
{
    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    for (size_t i = 0; i < sizeof object_classes / sizeof object_classes[0]; i++)
        check_listing(app, true, object_classes[i]);
}

Test(app, list_objects_buffer_rules)
{
    size_t all = 0;
    EXPECT(
        isoIec23465_SecurityDeviceApplication_listObjects(root, isoIec23465_TypeObject, NULL, &all),
        isoIec23465_Success);
    cr_assert_gt(all, 2);
    isoIec23465_Object *objs[2] = {NULL, NULL};
    size_t n = 2;
    EXPECT(
        isoIec23465_SecurityDeviceApplication_listObjects(root, isoIec23465_TypeObject, objs, &n),
        isoIec23465_BufferTooSmall);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, all);
    cr_assert_eq(n, 2, "count untouched on failure");
    cr_assert_null(objs[0], "no handle made on failure");
    /* a listed handle works like a found one */
    isoIec23465_Object *dcs[16];
    n = 16;
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(root, isoIec23465_TypeDataContainer,
                                                             dcs, &n),
           isoIec23465_Success);
    bool read = false;
    for (size_t i = 0; i < n; i++) {
        char label[64];
        size_t len = sizeof label;
        EXPECT(isoIec23465_Object_getLabel(dcs[i], label, &len), isoIec23465_Success);
        if (strcmp(label, "public-256") == 0) {
            uint8_t buf[256];
            size_t bl = sizeof buf;
            EXPECT(isoIec23465_DataContainer_getData(dcs[i], buf, &bl), isoIec23465_Success);
            cr_assert_eq(bl, 256);
            cr_assert_eq(buf[200], 200);
            read = true;
        }
    }
    cr_assert(read, "public-256 listed");
    /* handles are the application's: releasing it releases them */
    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    n = 16;
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(app, isoIec23465_TypeObject, dcs, &n),
           isoIec23465_Success);
    cr_assert_gt(n, 0);
    EXPECT(isoIec23465_SecurityDeviceApplication_close(app), isoIec23465_Success);
    isoIec23465_ObjectType t;
    EXPECT(isoIec23465_Object_getType(dcs[0], &t), isoIec23465_IllegalState);
}

Test(app, list_objects_bad_arguments)
{
    isoIec23465_Object *objs[4];
    size_t n = 4;
    EXPECT(
        isoIec23465_SecurityDeviceApplication_listObjects(root, isoIec23465_TypeObject, objs, NULL),
        isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(
               root, isoIec23465_TypeSecurityDeviceApplication, objs, &n),
           isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(root, isoIec23465_TypeSecurityDevice,
                                                             objs, &n),
           isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(root, (isoIec23465_ObjectType)99, objs,
                                                             &n),
           isoIec23465_IllegalArgument);
    EXPECT(
        isoIec23465_SecurityDeviceApplication_listObjects(NULL, isoIec23465_TypeObject, objs, &n),
        isoIec23465_IllegalArgument);
    cr_assert_eq(n, 4);
    /* wrong class of handle, stale handle */
    isoIec23465_Object *dc = find_in(root, "public-256");
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(dc, isoIec23465_TypeObject, objs, &n),
           isoIec23465_IllegalArgument);
    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    isoIec23465_Object_release(app);
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(app, isoIec23465_TypeObject, objs, &n),
           isoIec23465_IllegalState);
}

/* ---- listApplications -------------------------------------------------------------------- */

/* Lists the applications; *n receives the count. Checks each handle's AID is `aids[i]` for some
 * i and returns a bit set of which ones were seen. */
static unsigned list_apps(const uint8_t *const *aids, const size_t *lens, size_t n_aids,
                          const char *const *labels, size_t *n)
{
    isoIec23465_SecurityDeviceApplication *apps[16];
    *n = sizeof apps / sizeof apps[0];
    EXPECT(isoIec23465_RootApplication_listApplications(root, apps, n), isoIec23465_Success);
    unsigned seen = 0;
    for (size_t k = 0; k < *n; k++) {
        uint8_t aid[16];
        size_t len = sizeof aid;
        EXPECT(isoIec23465_SecurityDeviceApplication_getAid(apps[k], aid, &len),
               isoIec23465_Success);
        size_t i = 0;
        while (i < n_aids && (lens[i] != len || memcmp(aids[i], aid, len) != 0))
            i++;
        cr_assert_lt(i, n_aids, "unexpected application listed (AID of %zu bytes)", len);
        cr_assert_eq(seen & (1u << i), 0, "application listed twice");
        seen |= 1u << i;
        if (labels[i]) {
            char label[256];
            size_t ll = sizeof label;
            EXPECT(isoIec23465_Object_getLabel(apps[k], label, &ll), isoIec23465_Success);
            cr_assert_str_eq(label, labels[i]);
        }
        isoIec23465_ObjectType t;
        EXPECT(isoIec23465_Object_getType(apps[k], &t), isoIec23465_Success);
        cr_assert_eq(t, isoIec23465_TypeSecurityDeviceApplication);
        isoIec23465_Object_release(apps[k]);
    }
    return seen;
}

Test(app, list_applications_gives_the_card_applications)
{
    const uint8_t *aids[] = {sdtest_aid, p15_aid};
    const size_t lens[] = {sizeof sdtest_aid, sizeof p15_aid};
    const char *labels[] = {"sdtest app", NULL};
    size_t n;
    unsigned seen = list_apps(aids, lens, 2, labels, &n);
    cr_assert_eq(seen, 3u, "sdtest app and the PKCS#15 application (EF.DIR) listed: %x", seen);
    size_t q = 0;
    EXPECT(isoIec23465_RootApplication_listApplications(root, NULL, &q), isoIec23465_Success);
    cr_assert_eq(q, n);
    isoIec23465_SecurityDeviceApplication *one[1] = {NULL};
    q = 1;
    EXPECT(isoIec23465_RootApplication_listApplications(root, one, &q), isoIec23465_BufferTooSmall);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, n);
    cr_assert_null(one[0]);
    /* a listed application finds its objects */
    isoIec23465_SecurityDeviceApplication *apps[4];
    q = 4;
    EXPECT(isoIec23465_RootApplication_listApplications(root, apps, &q), isoIec23465_Success);
    for (size_t k = 0; k < q; k++) {
        uint8_t aid[16];
        size_t len = sizeof aid;
        EXPECT(isoIec23465_SecurityDeviceApplication_getAid(apps[k], aid, &len),
               isoIec23465_Success);
        if (len == sizeof sdtest_aid && memcmp(aid, sdtest_aid, len) == 0) {
            isoIec23465_Object *o = find_in(apps[k], "app-hello");
            cr_assert_not_null(o);
        }
    }
}

Test(app, list_applications_bad_arguments)
{
    isoIec23465_SecurityDeviceApplication *apps[4];
    EXPECT(isoIec23465_RootApplication_listApplications(root, apps, NULL),
           isoIec23465_IllegalArgument);
    size_t n = 4;
    EXPECT(isoIec23465_RootApplication_listApplications(NULL, apps, &n),
           isoIec23465_IllegalArgument);
    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    EXPECT(isoIec23465_RootApplication_listApplications(app, apps, &n),
           isoIec23465_IllegalArgument);
    cr_assert_eq(n, 4);
    isoIec23465_disconnectSecurityDevice(dev);
    EXPECT(isoIec23465_RootApplication_listApplications(root, apps, &n), isoIec23465_IllegalState);
    dev = NULL;
}

/* ---- getRandom --------------------------------------------------------------------------- */

Test(app, get_random_gives_fresh_bytes_of_the_right_length)
{
    uint8_t a[40], b[40];
    memset(a, 0xEE, sizeof a);
    memset(b, 0xEE, sizeof b);
    EXPECT(isoIec23465_RootApplication_getRandom(root, a, 32), isoIec23465_Success);
    EXPECT(isoIec23465_RootApplication_getRandom(root, b, 32), isoIec23465_Success);
    cr_assert_neq(memcmp(a, b, 32), 0, "two challenges are equal");
    for (size_t i = 32; i < sizeof a; i++)
        cr_assert_eq(a[i], 0xEE, "byte %zu past the requested length was written", i);
    uint8_t one = 0;
    EXPECT(isoIec23465_RootApplication_getRandom(root, &one, 1), isoIec23465_Success);
}

Test(app, get_random_beyond_one_challenge)
{
    /* 1000 bytes: 4 GET CHALLENGE (256, 256, 256, 232); 65536: the largest request */
    size_t sizes[] = {257, 1000, 65536};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t len = sizes[s];
        uint8_t *buf = malloc(len + 16);
        cr_assert_not_null(buf);
        memset(buf, 0, len + 16);
        EXPECT(isoIec23465_RootApplication_getRandom(root, buf, len), isoIec23465_Success);
        for (size_t i = len; i < len + 16; i++)
            cr_assert_eq(buf[i], 0, "byte past the end written");
        /* every 256-byte chunk came from its own challenge: none is all zero, no two equal */
        for (size_t off = 0; off < len; off += 256) {
            size_t n = len - off < 256 ? len - off : 256;
            size_t zeros = 0;
            for (size_t i = 0; i < n; i++)
                zeros += buf[off + i] == 0;
            cr_assert_lt(zeros, n / 2 + 1, "chunk at %zu looks unfilled", off);
            if (off >= 256 && n == 256)
                cr_assert_neq(memcmp(buf + off, buf + off - 256, 256), 0);
        }
        free(buf);
    }
}

Test(app, get_random_bad_arguments)
{
    uint8_t buf[8];
    EXPECT(isoIec23465_RootApplication_getRandom(root, buf, 0), isoIec23465_IllegalArgument);
    last_origin_local();
    EXPECT(isoIec23465_RootApplication_getRandom(root, NULL, 8), isoIec23465_IllegalArgument);
    uint8_t *big = malloc(65537);
    cr_assert_not_null(big);
    EXPECT(isoIec23465_RootApplication_getRandom(root, big, 65537), isoIec23465_IllegalArgument);
    free(big);
    EXPECT(isoIec23465_RootApplication_getRandom(NULL, buf, 8), isoIec23465_IllegalArgument);
    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    EXPECT(isoIec23465_RootApplication_getRandom(app, buf, 8), isoIec23465_IllegalArgument);
    isoIec23465_disconnectSecurityDevice(dev);
    dev = NULL;
    EXPECT(isoIec23465_RootApplication_getRandom(root, buf, 8), isoIec23465_IllegalState);
}

/* ---- getLifeCycleState ------------------------------------------------------------------- */

Test(app, life_cycle_of_the_reference_applications)
{
    isoIec23465_LifeCycleState s = 0;
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(root, &s), isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleOperationalActivated);
    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    s = 0;
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &s), isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleOperationalActivated);
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, NULL),
           isoIec23465_IllegalArgument);
    isoIec23465_Object *dc = find_in(root, "public-256");
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(dc, &s),
           isoIec23465_IllegalArgument);
}

/* Creates (raw CREATE FILE, "so" verified) a DF named aid[0..len) with life cycle byte `lcs`
 * whose activate / deactivate / terminate rule is the "so" PIN. */
static void create_df_raw(const uint8_t *aid, size_t len, uint8_t lcs)
{
    uint8_t fcp[64] = {
        0x62, 0, 0x82, 0x01, 0x38, 0x8A, 0x01, lcs,
        /* AB { 80 01 38 (activate, deactivate, terminate) A4 { 83 01 03, 95 01 08 } } */
        0xAB, 0x0B, 0x80, 0x01, 0x38, 0xA4, 0x06, 0x83, 0x01, 0x03, 0x95, 0x01, 0x08, 0x84,
        (uint8_t)len};
    size_t n = 23;
    memcpy(fcp + n, aid, len);
    n += len;
    fcp[1] = (uint8_t)(n - 2);
    cr_assert_eq(raw(root, 0xA4, 0x00, 0x0C, (const uint8_t[]){0x3F, 0x00}, 2), 0x9000);
    cr_assert_eq(raw(root, 0xE0, 0x00, 0x00, fcp, n), 0x9000, "raw CREATE FILE of a DF");
}

Test(app, life_cycle_states_from_the_fcp_and_the_select_status)
{
    verify_so();
    static const uint8_t aid_creation[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x4C, 0x01};
    static const uint8_t aid_init[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x4C, 0x03};
    static const uint8_t aid_active[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x4C, 0x05};
    create_df_raw(aid_creation, sizeof aid_creation, 0x01);
    create_df_raw(aid_init, sizeof aid_init, 0x03);
    create_df_raw(aid_active, sizeof aid_active, 0x05);
    isoIec23465_LifeCycleState s = 0;
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(
               open_app(aid_creation, sizeof aid_creation), &s),
           isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleCreation);
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(
               open_app(aid_init, sizeof aid_init), &s),
           isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleInitialisation);
    /* open while active, then DEACTIVATE FILE / TERMINATE DF by DF name */
    isoIec23465_SecurityDeviceApplication *app = open_app(aid_active, sizeof aid_active);
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &s), isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleOperationalActivated);
    cr_assert_eq(raw(root, 0x04, 0x04, 0x00, aid_active, sizeof aid_active), 0x9000);
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &s), isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleOperationalDeactivated);
    cr_assert_eq(raw(root, 0x44, 0x04, 0x00, aid_active, sizeof aid_active), 0x9000);
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &s), isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleOperationalActivated);
    cr_assert_eq(raw(root, 0xE6, 0x04, 0x00, aid_active, sizeof aid_active), 0x9000);
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &s), isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleTerminated);
}

Test(app, life_cycle_checks_the_full_aid)
{
    /* A DF whose AID is a prefix of sdtest app's: SELECT by that AID matches sdtest app first
     * (partial DF name); the proxy must go on to the DF it means. */
    verify_so();
    static const uint8_t prefix[] = {0xA0, 0x00, 0x00, 0x09, 0x99, 0x53,
                                     0x44, 0x54, 0x45, 0x53, 0x54};
    create_df_raw(prefix, sizeof prefix, 0x03);
    /* a handle for the prefix AID: openApplication selects sdtest app (9000) and names it so */
    isoIec23465_SecurityDeviceApplication *p = open_app(prefix, sizeof prefix);
    isoIec23465_LifeCycleState s = 0;
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(p, &s), isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleInitialisation, "state of the prefix DF, not sdtest's");
}

/* ---- createDataContainer / deleteObject -------------------------------------------------- */

static size_t count_of(isoIec23465_SecurityDeviceApplication *app, isoIec23465_ObjectType t)
{
    size_t n = 0;
    EXPECT(isoIec23465_SecurityDeviceApplication_listObjects(app, t, NULL, &n),
           isoIec23465_Success);
    return n;
}

Test(app, create_find_read_delete_a_data_container)
{
    size_t before = count_of(root, isoIec23465_TypeDataContainer);
    verify_so();
    isoIec23465_DataContainer *dc = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(root, "new-data", fid_new, 2,
                                                                     300, &dc),
           isoIec23465_Success);
    cr_assert_not_null(dc);
    isoIec23465_ObjectType t;
    EXPECT(isoIec23465_Object_getType(dc, &t), isoIec23465_Success);
    cr_assert_eq(t, isoIec23465_TypeDataContainer);
    cr_assert_eq(count_of(root, isoIec23465_TypeDataContainer), before + 1);
    /* found by label and by identifier; the content is the card's (300 zero bytes) */
    isoIec23465_Object *found = find_in(root, "new-data");
    isoIec23465_Object *by_id = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(root, fid_new, 2, &by_id),
           isoIec23465_Success);
    size_t size = 0;
    EXPECT(isoIec23465_DataContainer_getSize(found, &size), isoIec23465_Success);
    cr_assert_eq(size, 300);
    uint8_t buf[512];
    size_t len = sizeof buf;
    memset(buf, 0xAA, sizeof buf);
    EXPECT(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success);
    cr_assert_eq(len, 300);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq(buf[i], 0);
    /* on the card: SELECT by path from the MF answers 9000 */
    cr_assert_eq(raw(root, 0xA4, 0x08, 0x0C, fid_new, 2), 0x9000);
    /* not in sdtest app's scope */
    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    isoIec23465_Object *none = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_findObject(app, "new-data", &none),
           isoIec23465_ObjectNotFound);
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(app, dc),
           isoIec23465_IllegalArgument);

    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, found), isoIec23465_Success);
    cr_assert_eq(raw(root, 0xA4, 0x08, 0x0C, fid_new, 2), 0x6A82, "the file is gone");
    cr_assert_eq(count_of(root, isoIec23465_TypeDataContainer), before);
    EXPECT(isoIec23465_SecurityDeviceApplication_findObject(root, "new-data", &none),
           isoIec23465_ObjectNotFound);
    EXPECT(isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(root, fid_new, 2, &none),
           isoIec23465_ObjectNotFound);
    /* the other handles of it stay handles; the device says the file is gone */
    len = sizeof buf;
    EXPECT(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_ObjectNotFound);
    /* deleting again: ObjectNotFound, without an APDU */
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, dc),
           isoIec23465_ObjectNotFound);
    last_origin_local();
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, by_id),
           isoIec23465_ObjectNotFound);
    /* the label and the identifier can be used again */
    isoIec23465_DataContainer *again = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(root, "new-data", fid_new, 2,
                                                                     16, &again),
           isoIec23465_Success);
    EXPECT(isoIec23465_DataContainer_getSize(find_in(root, "new-data"), &size),
           isoIec23465_Success);
    cr_assert_eq(size, 16);
}

Test(app, create_without_the_so_pin_is_refused)
{
    size_t before = count_of(root, isoIec23465_TypeObject);
    isoIec23465_DataContainer *dc = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(root, "new-data", fid_new, 2,
                                                                     64, &dc),
           isoIec23465_SecurityStatusNotSatisfied);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert(d.hasStatusWord);
    cr_assert_eq(d.statusWord, 0x6982);
    cr_assert_null(dc);
    cr_assert_eq(count_of(root, isoIec23465_TypeObject), before);
    isoIec23465_Object *none = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_findObject(root, "new-data", &none),
           isoIec23465_ObjectNotFound);
    /* nor may a file be deleted without it */
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, find_in(root, "public-256")),
           isoIec23465_SecurityStatusNotSatisfied);
    EXPECT(isoIec23465_DataContainer_getSize(find_in(root, "public-256"), &(size_t){0}),
           isoIec23465_Success);
}

Test(app, create_twice_is_object_already_exists)
{
    verify_so();
    isoIec23465_DataContainer *dc = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(root, "new-data", fid_new, 2,
                                                                     64, &dc),
           isoIec23465_Success);
    size_t after = count_of(root, isoIec23465_TypeObject);
    isoIec23465_DataContainer *dup = NULL;
    /* the same file identifier: the card answers 6A89 */
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(root, "other-label", fid_new,
                                                                     2, 64, &dup),
           isoIec23465_ObjectAlreadyExists);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.statusWord, 0x6A89);
    /* the same label: refused by the proxy */
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(
               root, "new-data", (const uint8_t[]){0x02, 0x02}, 2, 64, &dup),
           isoIec23465_ObjectAlreadyExists);
    last_origin_local();
    /* a label of the profile too; an existing file of the profile */
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(
               root, "public-256", (const uint8_t[]){0x02, 0x02}, 2, 64, &dup),
           isoIec23465_ObjectAlreadyExists);
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(
               root, "fresh", (const uint8_t[]){0x01, 0x01}, 2, 64, &dup),
           isoIec23465_ObjectAlreadyExists);
    cr_assert_null(dup);
    cr_assert_eq(count_of(root, isoIec23465_TypeObject), after);
}

Test(app, create_bad_arguments)
{
    isoIec23465_DataContainer *dc = NULL;
    char long_label[300];
    memset(long_label, 'x', sizeof long_label - 1);
    long_label[sizeof long_label - 1] = '\0';
    const struct {
        const char *label;
        const uint8_t *id;
        size_t id_len;
        size_t size;
        isoIec23465_DataContainer **out;
    } bad[] = {
        {NULL, fid_new, 2, 64, &dc},
        {"", fid_new, 2, 64, &dc},
        {long_label, fid_new, 2, 64, &dc},
        {"x", NULL, 2, 64, &dc},
        {"x", fid_new, 1, 64, &dc},
        {"x", (const uint8_t[]){0x02, 0x01, 0x00}, 3, 64, &dc},
        {"x", (const uint8_t[]){0x3F, 0x00}, 2, 64, &dc},
        {"x", (const uint8_t[]){0x3F, 0xFF}, 2, 64, &dc},
        {"x", (const uint8_t[]){0xFF, 0xFF}, 2, 64, &dc},
        {"x", fid_new, 2, 0, &dc},
        {"x", fid_new, 2, 65536, &dc},
        {"x", fid_new, 2, 64, NULL},
    };
    verify_so();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(
                   root, bad[i].label, bad[i].id, bad[i].id_len, bad[i].size, bad[i].out),
               isoIec23465_IllegalArgument);
        last_origin_local();
    }
    cr_assert_null(dc);
    EXPECT(
        isoIec23465_SecurityDeviceApplication_createDataContainer(NULL, "x", fid_new, 2, 64, &dc),
        isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(find_in(root, "public-256"),
                                                                     "x", fid_new, 2, 64, &dc),
           isoIec23465_IllegalArgument);
    /* nothing reached the card */
    cr_assert_eq(raw(root, 0xA4, 0x08, 0x0C, fid_new, 2), 0x6A82);
    /* the largest size */
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(root, "x", fid_new, 2, 65535,
                                                                     &dc),
           isoIec23465_Success);
    size_t size = 0;
    EXPECT(isoIec23465_DataContainer_getSize(dc, &size), isoIec23465_Success);
    cr_assert_eq(size, 65535);
}

Test(app, delete_object_bad_arguments)
{
    verify_so();
    isoIec23465_Object *pin = find_in(root, "so");
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, pin),
           isoIec23465_FunctionNotImplemented);
    isoIec23465_Object *key = find_in(root, "AES-128 key");
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, key),
           isoIec23465_FunctionNotImplemented);
    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, app),
           isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, root),
           isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, NULL),
           isoIec23465_IllegalArgument);
    isoIec23465_Object *dc = find_in(root, "public-256");
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(NULL, dc),
           isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(dc, dc), isoIec23465_IllegalArgument);
    /* stale object handle */
    isoIec23465_Object_release(dc);
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, dc), isoIec23465_IllegalState);
    /* an object of another device */
    char spec[1024];
    snprintf(spec, sizeof spec, "emu:%s", PX_TEST_PROFILE);
    isoIec23465_SecurityDevice *dev2 = NULL;
    EXPECT(isoIec23465_connectSecurityDeviceBySpec(spec, &dev2), isoIec23465_Success);
    isoIec23465_RootApplication *root2 = NULL;
    EXPECT(isoIec23465_SecurityDevice_getRootApplication(dev2, &root2), isoIec23465_Success);
    isoIec23465_Object *other = find_in(root2, "public-256");
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, other),
           isoIec23465_IllegalArgument);
    isoIec23465_disconnectSecurityDevice(dev2);
    /* every refusal above left the file alone */
    cr_assert_eq(raw(root, 0xA4, 0x08, 0x0C, (const uint8_t[]){0x01, 0x01}, 2), 0x9000);
}

Test(app, delete_a_profile_file_with_the_so_pin)
{
    verify_so();
    isoIec23465_Object *dc = find_in(root, "public-4096");
    EXPECT(isoIec23465_SecurityDeviceApplication_deleteObject(root, dc), isoIec23465_Success);
    cr_assert_eq(raw(root, 0xA4, 0x08, 0x0C, (const uint8_t[]){0x01, 0x04}, 2), 0x6A82);
    cr_assert_eq(raw(root, 0xA4, 0x08, 0x0C, (const uint8_t[]){0x01, 0x01}, 2), 0x9000,
                 "only that file");
}

/* ---- createApplication / deleteApplication ----------------------------------------------- */

Test(app, create_open_list_delete_an_application)
{
    verify_so();
    isoIec23465_SecurityDeviceApplication *app = NULL;
    EXPECT(isoIec23465_RootApplication_createApplication(root, new_aid, sizeof new_aid, "new app",
                                                         &app),
           isoIec23465_Success);
    char label[64];
    size_t len = sizeof label;
    EXPECT(isoIec23465_Object_getLabel(app, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, "new app");
    uint8_t aid[16];
    len = sizeof aid;
    EXPECT(isoIec23465_SecurityDeviceApplication_getAid(app, aid, &len), isoIec23465_Success);
    cr_assert_eq(len, sizeof new_aid);
    cr_assert_arr_eq(aid, new_aid, len);
    isoIec23465_LifeCycleState s = 0;
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &s), isoIec23465_Success);
    cr_assert_eq(s, isoIec23465_LifeCycleOperationalActivated);
    /* listed with its label; opened by AID it has the same label */
    const uint8_t *aids[] = {sdtest_aid, p15_aid, new_aid};
    const size_t lens[] = {sizeof sdtest_aid, sizeof p15_aid, sizeof new_aid};
    const char *labels[] = {"sdtest app", NULL, "new app"};
    size_t n;
    cr_assert(list_apps(aids, lens, 3, labels, &n) & 4u, "the new application is listed");
    isoIec23465_SecurityDeviceApplication *opened = open_app(new_aid, sizeof new_aid);
    len = sizeof label;
    EXPECT(isoIec23465_Object_getLabel(opened, label, &len), isoIec23465_Success);
    cr_assert_str_eq(label, "new app");
    /* a container inside it: path inside the application */
    isoIec23465_DataContainer *dc = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(app, "in-app", fid_new, 2, 20,
                                                                     &dc),
           isoIec23465_Success);
    cr_assert_eq(count_of(app, isoIec23465_TypeObject), 1);
    isoIec23465_Object *in_app = find_in(opened, "in-app");
    size_t size = 0;
    EXPECT(isoIec23465_DataContainer_getSize(in_app, &size), isoIec23465_Success);
    cr_assert_eq(size, 20);
    cr_assert_eq(raw(root, 0xA4, 0x08, 0x0C, fid_new, 2), 0x6A82, "not in the MF");
    /* the application goes, and its objects with it */
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, app), isoIec23465_Success);
    cr_assert_eq(raw(root, 0xA4, 0x04, 0x0C, new_aid, sizeof new_aid), 0x6A82);
    isoIec23465_SecurityDeviceApplication *gone = NULL;
    EXPECT(isoIec23465_RootApplication_openApplication(root, new_aid, sizeof new_aid, &gone),
           isoIec23465_ObjectNotFound);
    cr_assert_eq(list_apps(aids, lens, 3, labels, &n) & 4u, 0, "deleted application listed");
    isoIec23465_Object *none = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_findObject(root, "in-app", &none),
           isoIec23465_ObjectNotFound);
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(app, &s),
           isoIec23465_ObjectNotFound);
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(opened, "later", fid_new, 2,
                                                                     20, &dc),
           isoIec23465_IllegalState);
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, opened), isoIec23465_ObjectNotFound);
    /* the AID can be used again */
    EXPECT(
        isoIec23465_RootApplication_createApplication(root, new_aid, sizeof new_aid, "again", &app),
        isoIec23465_Success);
    cr_assert_eq(count_of(app, isoIec23465_TypeObject), 0);
}

Test(app, create_application_refusals)
{
    isoIec23465_SecurityDeviceApplication *app = NULL;
    EXPECT(isoIec23465_RootApplication_createApplication(root, new_aid, sizeof new_aid, "new app",
                                                         &app),
           isoIec23465_SecurityStatusNotSatisfied);
    cr_assert_null(app);
    verify_so();
    EXPECT(isoIec23465_RootApplication_createApplication(root, sdtest_aid, sizeof sdtest_aid, "dup",
                                                         &app),
           isoIec23465_ObjectAlreadyExists);
    EXPECT(isoIec23465_RootApplication_createApplication(root, new_aid, 4, "short", &app),
           isoIec23465_IllegalArgument);
    uint8_t long_aid[17] = {0xA0};
    EXPECT(isoIec23465_RootApplication_createApplication(root, long_aid, 17, "long", &app),
           isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_RootApplication_createApplication(root, NULL, 9, "x", &app),
           isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_RootApplication_createApplication(root, new_aid, sizeof new_aid, NULL, &app),
           isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_RootApplication_createApplication(root, new_aid, sizeof new_aid, "x", NULL),
           isoIec23465_IllegalArgument);
    isoIec23465_SecurityDeviceApplication *sd = open_app(sdtest_aid, sizeof sdtest_aid);
    EXPECT(isoIec23465_RootApplication_createApplication(sd, new_aid, sizeof new_aid, "x", &app),
           isoIec23465_IllegalArgument);
    cr_assert_null(app);
    cr_assert_eq(raw(root, 0xA4, 0x04, 0x0C, new_aid, sizeof new_aid), 0x6A82);
    /* creating in the reference application is never allowed (its DF has no create rule) */
    isoIec23465_DataContainer *dc = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_createDataContainer(sd, "x", fid_new, 2, 8, &dc),
           isoIec23465_SecurityStatusNotSatisfied);
}

Test(app, delete_application_refusals_and_the_reference_app)
{
    isoIec23465_SecurityDeviceApplication *sd = open_app(sdtest_aid, sizeof sdtest_aid);
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, sd),
           isoIec23465_SecurityStatusNotSatisfied);
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, root), isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, NULL), isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_RootApplication_deleteApplication(NULL, sd), isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_RootApplication_deleteApplication(sd, sd), isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, find_in(root, "public-256")),
           isoIec23465_IllegalArgument);
    cr_assert_eq(count_of(sd, isoIec23465_TypeObject), 3);
    verify_so();
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, sd), isoIec23465_Success);
    cr_assert_eq(count_of(sd, isoIec23465_TypeObject), 0);
    isoIec23465_Object *none = NULL;
    EXPECT(isoIec23465_SecurityDeviceApplication_findObject(root, "app-hello", &none),
           isoIec23465_ObjectNotFound);
    cr_assert_eq(raw(root, 0xA4, 0x08, 0x0C, (const uint8_t[]){0x50, 0x00}, 2), 0x6A82);
    /* the MF's files stay */
    EXPECT(isoIec23465_DataContainer_getSize(find_in(root, "public-256"), &(size_t){0}),
           isoIec23465_Success);
    isoIec23465_Object_release(sd);
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, sd), isoIec23465_IllegalState);
}

Test(app, delete_application_deletes_the_one_named)
{
    /* AID new_aid + 01 is longer than new_aid and created first: SELECT new_aid (partial match,
     * first occurrence) would find it; deleting new_aid must leave it alone. */
    verify_so();
    uint8_t longer[sizeof new_aid + 1];
    memcpy(longer, new_aid, sizeof new_aid);
    longer[sizeof new_aid] = 0x01;
    isoIec23465_SecurityDeviceApplication *a_long = NULL, *a_short = NULL;
    EXPECT(
        isoIec23465_RootApplication_createApplication(root, longer, sizeof longer, "long", &a_long),
        isoIec23465_Success);
    EXPECT(isoIec23465_RootApplication_createApplication(root, new_aid, sizeof new_aid, "short",
                                                         &a_short),
           isoIec23465_Success);
    EXPECT(isoIec23465_RootApplication_deleteApplication(root, a_short), isoIec23465_Success);
    cr_assert_eq(raw(root, 0xA4, 0x04, 0x0C, longer, sizeof longer), 0x9000, "longer AID kept");
    isoIec23465_LifeCycleState s;
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(a_long, &s),
           isoIec23465_Success);
    /* new_aid now only matches the longer one partially: no DF with exactly that name */
    EXPECT(isoIec23465_SecurityDeviceApplication_getLifeCycleState(a_short, &s),
           isoIec23465_ObjectNotFound);
}

/* ---- getAttributes ----------------------------------------------------------------------- */

static size_t attributes(isoIec23465_Object *o, uint8_t *buf, size_t cap)
{
    size_t len = cap;
    EXPECT(isoIec23465_Object_getAttributes(o, buf, &len), isoIec23465_Success);
    return len;
}

Test(app, attributes_of_a_data_container)
{
    isoIec23465_Object *dc = find_in(root, "public-256");
    uint8_t buf[256];
    size_t len = attributes(dc, buf, sizeof buf);
    static const uint8_t want[] = {0x30, 0x19, 0x80, 0x01, 0x0E, 0x81, 0x0A, 'p',  'u',
                                   'b',  'l',  'i',  'c',  '-',  '2',  '5',  '6',  0x82,
                                   0x02, 0x01, 0x01, 0x84, 0x04, 0x3F, 0x00, 0x01, 0x01};
    cr_assert_eq(len, sizeof want, "length %zu", len);
    cr_assert_arr_eq(buf, want, sizeof want);
    /* size query, too small a buffer */
    size_t q = 0;
    EXPECT(isoIec23465_Object_getAttributes(dc, NULL, &q), isoIec23465_Success);
    cr_assert_eq(q, sizeof want);
    q = 4;
    EXPECT(isoIec23465_Object_getAttributes(dc, buf, &q), isoIec23465_BufferTooSmall);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(d.requiredLength, sizeof want);
    EXPECT(isoIec23465_Object_getAttributes(dc, buf, NULL), isoIec23465_IllegalArgument);
    EXPECT(isoIec23465_Object_getAttributes(NULL, buf, &q), isoIec23465_IllegalArgument);
    isoIec23465_Object_release(dc);
    q = sizeof buf;
    EXPECT(isoIec23465_Object_getAttributes(dc, buf, &q), isoIec23465_IllegalState);
    EXPECT(isoIec23465_Object_getAttributes(dev, buf, &q), isoIec23465_IllegalArgument);
}

Test(app, attributes_of_applications_and_a_password)
{
    uint8_t buf[256];
    size_t len = attributes(root, buf, sizeof buf);
    /* 30 L 80 01 0C 81 <label> 82 02 3F 00 */
    cr_assert_geq(len, 12);
    cr_assert_eq(buf[0], 0x30);
    cr_assert_eq(buf[1], len - 2);
    cr_assert_arr_eq(buf + 2, ((const uint8_t[]){0x80, 0x01, 0x0C, 0x81}), 4);
    cr_assert_arr_eq(buf + len - 4, ((const uint8_t[]){0x82, 0x02, 0x3F, 0x00}), 4);

    isoIec23465_SecurityDeviceApplication *app = open_app(sdtest_aid, sizeof sdtest_aid);
    len = attributes(app, buf, sizeof buf);
    uint8_t want[64] = {0x30, 0,   0x80, 0x01, 0x0B, 0x81, 10,  's',  'd', 't',
                        'e',  's', 't',  ' ',  'a',  'p',  'p', 0x82, 12};
    size_t n = 19;
    memcpy(want + n, sdtest_aid, 12);
    n += 12;
    want[n++] = 0x83;
    want[n++] = 12;
    memcpy(want + n, sdtest_aid, 12);
    n += 12;
    want[1] = (uint8_t)(n - 2);
    cr_assert_eq(len, n);
    cr_assert_arr_eq(buf, want, n);

    /* the DF-specific PIN "app": its reference 81 as a positive INTEGER (00 81), its AID */
    isoIec23465_Object *pin = find_in(app, "app");
    len = attributes(pin, buf, sizeof buf);
    cr_assert_eq(buf[0], 0x30);
    cr_assert_arr_eq(buf + 2, ((const uint8_t[]){0x80, 0x01, 0x11, 0x81, 0x03, 'a', 'p', 'p'}), 8);
    cr_assert_arr_eq(buf + len - 4, ((const uint8_t[]){0x85, 0x02, 0x00, 0x81}), 4);
    bool has_aid = false;
    for (size_t i = 2; i + 14 <= len; i++)
        if (buf[i] == 0x83 && buf[i + 1] == 12 && memcmp(buf + i + 2, sdtest_aid, 12) == 0)
            has_aid = true;
    cr_assert(has_aid, "the application's AID is among the attributes");
    /* a key: its reference */
    len = attributes(find_in(root, "AES-128 key"), buf, sizeof buf);
    cr_assert_arr_eq(buf + 2, ((const uint8_t[]){0x80, 0x01, 0x16}), 3);
    cr_assert_arr_eq(buf + len - 3, ((const uint8_t[]){0x85, 0x01, 0x04}), 3);
}
