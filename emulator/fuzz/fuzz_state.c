/* Fuzz target 'state': the input is a state file for a fresh card made from the reference
 * profile. It is loaded twice: as it is, and with the profile fingerprint and the trailing
 * SHA-256 made to fit (so mutations reach the parser behind the checksum). An accepted state
 * must save back to the same bytes, and the card must then serve commands. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_card.h"
#include "emu_profile.h"
#include "fuzz_reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FP_OFF 13 /* magic (8), section id (1), length (4) */
#define FP_LEN 32
#define SUM_LEN 32

/* Commands that walk the loaded tree: selections, reads, records, PINs, file management. */
static const char *const commands[] = {
    "\x00\xA4\x00\x00\x00",
    "\x00\xA4\x00\x04\x02\x01\x01",
    "\x00\xB0\x00\x00\x00",
    "\x00\xA4\x00\x04\x02\x01\x03",
    "\x00\xB2\x01\x04\x00",
    "\x00\xB2\x01\x05\x00",
    "\x00\xA4\x00\x04\x02\x50\x00",
    "\x00\xA4\x00\x04\x02\x50\x01",
    "\x00\xB0\x00\x00\x00",
    "\x00\x20\x00\x81\x00",
    "\x00\x20\x00\x01\x00",
    "\x00\xCA\x5F\x20\x00",
    "\x00\xA4\x08\x04\x04\x50\x00\x50\x01",
};
static const size_t command_len[] = {5, 7, 5, 7, 5, 5, 7, 7, 5, 5, 5, 5, 9};

static void exercise(emu_card *card, const uint8_t *state, size_t len)
{
    emu_error err;
    if (emu_card_state_load(card, state, len, &err) != 0) {
        if (err.message[0] == '\0')
            abort(); /* a refusal always says why */
        return;
    }
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (emu_card_state_save(card, &again, &again_len) != 0)
        return;
    if (again_len != len || memcmp(again, state, len) != 0)
        abort(); /* the encoding is canonical: what loads saves back unchanged */
    free(again);
    static uint8_t resp[EMU_RESPONSE_MAX];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        size_t n = emu_card_transmit(card, (const uint8_t *)commands[i], command_len[i], resp,
                                     sizeof resp);
        if (n < 2)
            abort();
    }
    /* every file of the loaded tree, by FID from the MF and as the current DF's children */
    for (unsigned hi = 0; hi < 0x60; hi += 0x10) {
        for (unsigned lo = 0; lo < 8; lo++) {
            uint8_t sel[7] = {0x00, 0xA4, 0x00, 0x04, 0x02, (uint8_t)hi, (uint8_t)lo};
            emu_card_transmit(card, sel, sizeof sel, resp, sizeof resp);
            uint8_t read[5] = {0x00, 0xB0, 0x00, 0x00, 0x00};
            emu_card_transmit(card, read, sizeof read, resp, sizeof resp);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emu_card *card = emu_card_new(fuzz_reference_profile());
    if (!card)
        return 0;
    uint8_t *fresh = NULL;
    size_t fresh_len = 0;
    /* An exact-size copy, so AddressSanitizer sees any read past the state. */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy && emu_card_state_save(card, &fresh, &fresh_len) == 0) {
        if (size)
            memcpy(copy, data, size);
        exercise(card, copy, size);
        if (size >= FP_OFF + FP_LEN + SUM_LEN) {
            memcpy(copy + FP_OFF, fresh + FP_OFF, FP_LEN);
            unsigned int n;
            if (EVP_Digest(copy, size - SUM_LEN, copy + size - SUM_LEN, &n, EVP_sha256(), NULL) ==
                1)
                exercise(card, copy, size);
        }
    }
    free(fresh);
    free(copy);
    emu_card_free(card);
    return 0;
}
