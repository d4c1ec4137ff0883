/* Fuzz target 'profile': arbitrary bytes as a YAML profile; every input is either refused with a
 * positioned error or loads into a card that answers a SELECT. Run under libFuzzer with
 * LSAN_OPTIONS=suppressions=emulator/fuzz/lsan-profile.supp: libfyaml 0.7.12 itself leaks on some
 * quoted scalars (see that file). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu_card.h"
#include "emu_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emu_error err;
    memset(&err, 0, sizeof err);
    emu_profile *p = emu_profile_load_buffer((const char *)data, size, "fuzz", NULL, &err);
    if (!p) {
        char msg[1200];
        emu_error_format(&err, msg, sizeof msg);
        if (err.message[0] == '\0')
            abort(); /* a refusal always says why */
        return 0;
    }
    emu_card *card = emu_card_new(p);
    emu_profile_free(p);
    if (!card)
        return 0;
    static const uint8_t select_mf[] = {0x00, 0xA4, 0x00, 0x04, 0x00};
    uint8_t resp[258];
    size_t n = emu_card_transmit(card, select_mf, sizeof select_mf, resp, sizeof resp);
    if (n < 2 || resp[n - 2] != 0x90)
        abort(); /* every loaded profile has an MF */
    emu_card_free(card);
    return 0;
}
