/* The fault-injection scenarios: adding one is one entry in walk_scenarios[] at the end. */
#include "walk.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_card.h"
#include "emu_profile.h"

#ifdef SDFAULT_HAVE_PROXY
#include "isoiec23465.h"
#endif

/* EF 0101 of the reference profile: 256 bytes, byte i = i. */
#define REF_EF_SIZE 256
static const uint8_t ref_ef_fid[] = {0x01, 0x01};

static int ref_ef_matches(const uint8_t *data, size_t len)
{
    if (len != REF_EF_SIZE)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (data[i] != (uint8_t)i)
            return 0;
    return 1;
}

/* ---- emu-read: libsdemu alone ---------------------------------------------------------- */

typedef struct emu_read_state {
    emu_card *card;
} emu_read_state;

static uint16_t emu_send(emu_card *card, const uint8_t *cmd, size_t len, uint8_t *resp, size_t cap,
                         size_t *data_len)
{
    size_t n = emu_card_transmit(card, cmd, len, resp, cap);
    *data_len = n - 2;
    return (uint16_t)(resp[n - 2] << 8 | resp[n - 1]);
}

/* SELECT EF 0101 by FID, READ BINARY all of it, then SELECT the application by AID. */
static int emu_read_commands(emu_card *card)
{
    static const uint8_t select_ef[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x01, 0x01};
    static const uint8_t read_all[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
    static const uint8_t select_app[] = {0x00, 0xA4, 0x04, 0x0C, 0x0C, 0xA0, 0x00, 0x00, 0x09,
                                         0x99, 0x53, 0x44, 0x54, 0x45, 0x53, 0x54, 0x01};
    static uint8_t resp[EMU_RESPONSE_MAX];
    size_t n;
    if (emu_send(card, select_ef, sizeof select_ef, resp, sizeof resp, &n) != 0x9000)
        return WALK_FAILED;
    if (emu_send(card, read_all, sizeof read_all, resp, sizeof resp, &n) != 0x9000)
        return WALK_FAILED;
    if (!ref_ef_matches(resp, n)) {
        fprintf(stderr, "emu-read: READ BINARY answered 9000 with wrong data\n");
        return WALK_WRONG;
    }
    if (emu_send(card, select_app, sizeof select_app, resp, sizeof resp, &n) != 0x9000)
        return WALK_FAILED;
    return WALK_OK;
}

static int emu_read_run(void **state)
{
    emu_read_state *st = calloc(1, sizeof *st);
    if (!st)
        return WALK_FAILED;
    *state = st;
    emu_error err;
    memset(&err, 0, sizeof err);
    emu_profile *profile = emu_profile_load(SDEMU_DEFAULT_PROFILE, &err);
    if (!profile) {
        if (err.message[0] == '\0') {
            fprintf(stderr, "emu-read: profile refused without a message\n");
            return WALK_WRONG;
        }
        return WALK_FAILED;
    }
    st->card = emu_card_new(profile);
    emu_profile_free(profile);
    if (!st->card)
        return WALK_FAILED;
    emu_card_power_on(st->card);
    return emu_read_commands(st->card);
}

/* A card that exists must still answer correctly after a reset. */
static int emu_read_check(void *state)
{
    emu_read_state *st = state;
    if (!st || !st->card)
        return WALK_OK;
    emu_card_reset(st->card);
    return emu_read_commands(st->card);
}

static void emu_read_release(void *state)
{
    emu_read_state *st = state;
    if (!st)
        return;
    emu_card_free(st->card);
    free(st);
}

/* ---- emu-verify-sign: the user PIN, then an ECDSA signature (OpenSSL inside the card) --- */

/* VERIFY the user PIN, MSE SET DST (EC P-256 key 03, ecdsa 40), PSO COMPUTE DIGITAL SIGNATURE
 * over a SHA-256-sized hash: the signature is r || s, 64 bytes. */
static int emu_sign_commands(emu_card *card)
{
    static const uint8_t verify[] = {0x00, 0x20, 0x00, 0x01, 0x08, 0x31, 0x32,
                                     0x33, 0x34, 0x35, 0x36, 0xFF, 0xFF};
    static const uint8_t mse_dst[] = {0x00, 0x22, 0x41, 0xB6, 0x06, 0x80,
                                      0x01, 0x40, 0x84, 0x01, 0x03};
    uint8_t pso[5 + 32 + 1] = {0x00, 0x2A, 0x9E, 0x9A, 0x20};
    for (size_t i = 0; i < 32; i++)
        pso[5 + i] = (uint8_t)(0xA0 + i);
    pso[sizeof pso - 1] = 0x00; /* Le */
    static uint8_t resp[EMU_RESPONSE_MAX];
    size_t n;
    if (emu_send(card, verify, sizeof verify, resp, sizeof resp, &n) != 0x9000)
        return WALK_FAILED;
    if (emu_send(card, mse_dst, sizeof mse_dst, resp, sizeof resp, &n) != 0x9000)
        return WALK_FAILED;
    uint16_t sw = emu_send(card, pso, sizeof pso, resp, sizeof resp, &n);
    if (sw != 0x9000)
        return WALK_FAILED;
    if (n != 64) {
        fprintf(stderr, "emu-verify-sign: signature of %zu bytes answered 9000\n", n);
        return WALK_WRONG;
    }
    return WALK_OK;
}

static int emu_sign_run(void **state)
{
    int rc = emu_read_run(state); /* profile, card, power on, a first SELECT / READ */
    if (rc != WALK_OK)
        return rc;
    return emu_sign_commands(((emu_read_state *)*state)->card);
}

/* After a failure the card must still verify and sign after a reset (nothing half-changed:
 * a PIN counter left decremented would show here as 63Cx after three walks). */
static int emu_sign_check(void *state)
{
    emu_read_state *st = state;
    if (!st || !st->card)
        return WALK_OK;
    emu_card_reset(st->card);
    int rc = emu_sign_commands(st->card);
    unsigned tries = 0;
    if (rc == WALK_OK && (emu_card_pin_tries(st->card, 0x01, NULL, &tries) != 0 || tries != 3)) {
        fprintf(stderr, "emu-verify-sign: user PIN has %u tries left after a good VERIFY\n", tries);
        return WALK_WRONG;
    }
    return rc;
}

/* ---- proxy-emu-getdata / proxy-pcsc-getdata: libsdproxy -------------------------------- */

#ifdef SDFAULT_HAVE_PROXY
typedef struct proxy_state {
    isoIec23465_SecurityDevice *device;
} proxy_state;

/* A failed call must leave the same status in its error details. */
static int proxy_failed(const char *step, isoIec23465_Status st)
{
    isoIec23465_ErrorDetails d;
    isoIec23465_Status last = isoIec23465_getLastError(&d);
    if (last != st || d.status != st) {
        fprintf(stderr, "%s: returned %s but the error details say %s\n", step,
                isoIec23465_statusToString(st), isoIec23465_statusToString(d.status));
        return WALK_WRONG;
    }
    fprintf(stderr, "%s: %s (%s)\n", step, isoIec23465_statusToString(st), d.message);
    return WALK_FAILED;
}

/* Root application -> the data container 0101 -> getData (size query, then the data). */
static int proxy_read_container(isoIec23465_SecurityDevice *device)
{
    isoIec23465_RootApplication *root = NULL;
    isoIec23465_Status st = isoIec23465_SecurityDevice_getRootApplication(device, &root);
    if (st != isoIec23465_Success)
        return proxy_failed("getRootApplication", st);
    isoIec23465_Object *obj = NULL;
    st = isoIec23465_SecurityDeviceApplication_findObjectByIdentifier(root, ref_ef_fid,
                                                                      sizeof ref_ef_fid, &obj);
    if (st != isoIec23465_Success)
        return proxy_failed("findObjectByIdentifier", st);
    size_t len = 0;
    st = isoIec23465_DataContainer_getData(obj, NULL, &len);
    if (st != isoIec23465_Success)
        return proxy_failed("getData (size)", st);
    if (len != REF_EF_SIZE) {
        fprintf(stderr, "getData: size query answered %zu, expected %d\n", len, REF_EF_SIZE);
        return WALK_WRONG;
    }
    uint8_t buf[REF_EF_SIZE];
    len = sizeof buf;
    st = isoIec23465_DataContainer_getData(obj, buf, &len);
    if (st != isoIec23465_Success)
        return proxy_failed("getData", st);
    if (!ref_ef_matches(buf, len)) {
        fprintf(stderr, "getData: success with wrong data\n");
        return WALK_WRONG;
    }
    return WALK_OK;
}

static int proxy_emu_run(void **state)
{
    proxy_state *ps = calloc(1, sizeof *ps);
    if (!ps)
        return WALK_FAILED;
    *state = ps;
    isoIec23465_Status st =
        isoIec23465_connectSecurityDeviceBySpec("emu:" SDEMU_DEFAULT_PROFILE, &ps->device);
    if (st != isoIec23465_Success)
        return proxy_failed("connectSecurityDeviceBySpec", st);
    return proxy_read_container(ps->device);
}

/* A device that connected must still read correctly, through the same handles. */
static int proxy_check(void *state)
{
    proxy_state *ps = state;
    if (!ps || !ps->device)
        return WALK_OK;
    return proxy_read_container(ps->device);
}

static void proxy_release(void *state)
{
    proxy_state *ps = state;
    if (!ps)
        return;
    if (ps->device)
        (void)isoIec23465_disconnectSecurityDevice(ps->device);
    free(ps);
}

/* PC/SC only through a private pcscd (sdemu run sets PCSCLITE_CSOCK_NAME): never the system's. */
static const char *proxy_pcsc_unavailable(void)
{
    const char *sock = getenv("PCSCLITE_CSOCK_NAME");
    return sock && *sock ? NULL : "no private pcscd (run the walker under `sdemu run --`)";
}

static int proxy_pcsc_run(void **state)
{
    proxy_state *ps = calloc(1, sizeof *ps);
    if (!ps)
        return WALK_FAILED;
    *state = ps;
    isoIec23465_SecurityDeviceList *list = NULL;
    isoIec23465_Status st = isoIec23465_getSecurityDeviceList("pcsc", &list);
    if (st != isoIec23465_Success)
        return proxy_failed("getSecurityDeviceList", st);
    size_t count = 0;
    isoIec23465_SecurityDeviceEntry *entry = NULL;
    st = isoIec23465_SecurityDeviceList_getCount(list, &count);
    if (st == isoIec23465_Success && count == 0) {
        /* A failed PC/SC call may look like "no reader": a clean failure, not a success. */
        fprintf(stderr, "getSecurityDeviceList: no device\n");
        isoIec23465_SecurityDeviceList_release(list);
        return WALK_FAILED;
    }
    if (st == isoIec23465_Success)
        st = isoIec23465_SecurityDeviceList_getEntry(list, 0, &entry);
    if (st == isoIec23465_Success)
        st = isoIec23465_connectSecurityDevice(entry, &ps->device);
    /* Judge the error before the release, which is an API call of its own. */
    int r = st == isoIec23465_Success ? WALK_OK : proxy_failed("connectSecurityDevice", st);
    isoIec23465_SecurityDeviceList_release(list);
    if (r != WALK_OK)
        return r;
    return proxy_read_container(ps->device);
}
#endif

/* ---- the table --------------------------------------------------------------------------- */

const walk_scenario walk_scenarios[] = {
    {"emu-read", "libsdemu: load the default profile, new card, power on, SELECT + READ BINARY",
     NULL, emu_read_run, emu_read_check, emu_read_release},
    {"emu-verify-sign", "libsdemu: VERIFY the user PIN, MSE SET DST, PSO COMPUTE DIGITAL SIGNATURE",
     NULL, emu_sign_run, emu_sign_check, emu_read_release},
#ifdef SDFAULT_HAVE_PROXY
    {"proxy-emu-getdata", "libsdproxy: connect emu:<default profile>, find 0101, getData", NULL,
     proxy_emu_run, proxy_check, proxy_release},
    {"proxy-pcsc-getdata", "libsdproxy over PC/SC: list, connect the first card, getData",
     proxy_pcsc_unavailable, proxy_pcsc_run, proxy_check, proxy_release},
#endif
};

const size_t walk_scenario_count = sizeof walk_scenarios / sizeof walk_scenarios[0];
