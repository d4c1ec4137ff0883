/* Fuzz target 'card': the input is a sequence of command APDUs, each prefixed with its length
 * as 2 bytes big-endian, sent to a fresh card made from the reference profile. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu_card.h"
#include "emu_profile.h"
#include "fuzz_reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t resp[EMU_RESPONSE_MAX];
    emu_card *card = emu_card_new(fuzz_reference_profile());
    if (!card)
        return 0;
    size_t off = 0;
    while (2 <= size - off) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        /* An exact-size copy, so AddressSanitizer sees any read past the command. */
        uint8_t *cmd = malloc(len ? len : 1);
        if (!cmd)
            break;
        for (size_t i = 0; i < len; i++)
            cmd[i] = data[off + i];
        off += len;
        size_t n = emu_card_transmit(card, cmd, len, resp, sizeof resp);
        free(cmd);
        if (n < 2 || n > sizeof resp)
            abort();
        uint8_t sw1 = resp[n - 2];
        if (n > 2 && sw1 != 0x90 && sw1 != 0x62)
            abort(); /* error status words carry no data */
    }
    emu_card_free(card);
    return 0;
}
