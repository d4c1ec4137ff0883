/* Fuzz target 'control': control-protocol lines (the input split at newlines) parsed and, for
 * commands that touch neither files nor sockets, executed against a fresh card. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_card.h"
#include "emu_control.h"
#include "emu_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char profile_yaml[] = "atr: \"3B 02 14 50\"\n"
                                   "files:\n"
                                   "  fid: 3F00\n"
                                   "  pins:\n"
                                   "    - {name: user, ref: 0x01, value: \"1234\", tries: 3}\n"
                                   "  children:\n"
                                   "    - fid: \"5000\"\n"
                                   "      type: df\n"
                                   "      pins:\n"
                                   "        - {name: app, ref: 0x81, value: \"1111\", tries: 2}\n";

static emu_profile *profile;

static int hook_fail(void *ctx, char *msg, size_t cap)
{
    (void)ctx;
    if (cap)
        msg[0] = '\0';
    return -1;
}

static bool hook_inserted(void *ctx)
{
    (void)ctx;
    return true;
}

static const emu_control_hooks hooks = {hook_fail, hook_fail, hook_inserted, hook_fail, hook_fail};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!profile) {
        emu_error err;
        profile = emu_profile_load_buffer(profile_yaml, sizeof profile_yaml - 1, "fuzz-control",
                                          NULL, &err);
        if (!profile) {
            char msg[1200];
            emu_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "%s\n", msg);
            abort();
        }
    }
    emu_card *card = emu_card_new(profile);
    if (!card)
        abort();
    emu_control ctl;
    emu_control_init(&ctl, card, "fuzz", &hooks, NULL);
    size_t off = 0;
    while (off < size) {
        const uint8_t *nl = memchr(data + off, '\n', size - off);
        size_t len = nl ? (size_t)(nl - (data + off)) : size - off;
        /* An exact-size copy, so ASan sees any read past the line. */
        char *line = malloc(len ? len : 1);
        if (!line)
            abort();
        memcpy(line, data + off, len);
        emu_control_cmd cmd;
        char err[256], reply[EMU_CONTROL_REPLY_MAX];
        if (emu_control_parse(line, len, &cmd, err, sizeof err) == 0) {
            if (cmd.op != EMU_CONTROL_SNAPSHOT && cmd.op != EMU_CONTROL_RESTORE) {
                emu_control_exec(&ctl, &cmd, reply, sizeof reply);
                if (strncmp(reply, "ok", 2) != 0 && strncmp(reply, "error", 5) != 0)
                    abort();
            }
        } else if (strlen(err) >= sizeof err) {
            abort();
        }
        free(line);
        off += len + (nl ? 1 : 0);
    }
    emu_card_free(card);
    return 0;
}
