/* Fuzz target 'vpcd': a byte stream as vpcd would send it, split into frames by the link's
 * frame parser and handled against a real card, as emu_vpcd_serve does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu_card.h"
#include "emu_profile.h"
#include "emu_vpcd.h"
#include "emu_vpcd_card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small card with the reference card's shape; built in, so the target needs no file. */
static const char profile_yaml[] = "atr: \"3B 85 80 01 80 73 B4 41 5B 59\"\n"
                                   "transport: {channels: 4}\n"
                                   "files:\n"
                                   "  fid: 3F00\n"
                                   "  children:\n"
                                   "    - fid: \"0101\"\n"
                                   "      type: ef\n"
                                   "      structure: transparent\n"
                                   "      sfi: 1\n"
                                   "      size: 256\n"
                                   "      data_pattern: {start: 0, step: 1}\n"
                                   "    - fid: \"5000\"\n"
                                   "      type: df\n"
                                   "      aid: \"A0 00 00 09 99 53 44 54 45 53 54 01\"\n"
                                   "      children:\n"
                                   "        - fid: \"5001\"\n"
                                   "          type: ef\n"
                                   "          structure: transparent\n"
                                   "          data_text: \"Hello\"\n";

static emu_profile *profile;
static uint8_t *out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!profile) {
        emu_error err;
        profile =
            emu_profile_load_buffer(profile_yaml, sizeof profile_yaml - 1, "fuzz-vpcd", NULL, &err);
        out = malloc(EMU_VPCD_FRAME_MAX);
        if (!profile || !out)
            abort();
    }
    emu_card *card = emu_card_new(profile);
    if (!card)
        abort();
    /* An input starting with FF picks the payload limit with its second byte, so the refusal of
     * long frames is reached too; real vpcd traffic never starts with FF (a 65280+ byte frame
     * first). */
    size_t max_payload = EMU_VPCD_PAYLOAD_MAX;
    if (size >= 2 && data[0] == 0xFF) {
        max_payload = (size_t)data[1] * 257 + 1;
        if (max_payload > EMU_VPCD_PAYLOAD_MAX)
            max_payload = EMU_VPCD_PAYLOAD_MAX;
        data += 2;
        size -= 2;
    }
    size_t off = 0;
    for (;;) {
        const uint8_t *payload;
        size_t payload_len, frame_len, out_len = 0;
        emu_vpcd_frame_status st = emu_vpcd_next_frame(data + off, size - off, max_payload,
                                                       &payload, &payload_len, &frame_len);
        if (st != EMU_VPCD_FRAME_OK)
            break;
        if (frame_len > size - off || payload_len > max_payload)
            abort();
        emu_vpcd_action act = emu_vpcd_handle(&emu_vpcd_card_ops, card, payload, payload_len, out,
                                              EMU_VPCD_FRAME_MAX, &out_len);
        if (act == EMU_VPCD_BAD_CONTROL)
            break;
        if (act == EMU_VPCD_REPLY && (out_len < 2 || out_len > EMU_VPCD_FRAME_MAX ||
                                      (size_t)(out[0] << 8 | out[1]) != out_len - 2))
            abort();
        off += frame_len;
    }
    emu_card_free(card);
    return 0;
}
