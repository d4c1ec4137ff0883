/* The card's internal state and the conventions every command handler follows. Internal to
 * libsdemu: handlers live in one module per command group (emu_card.c dispatches). */
#ifndef EMU_CARD_INTERNAL_H
#define EMU_CARD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_apdu.h"
#include "codec_bytes.h"
#include "emu_card.h"
#include "emu_fs.h"
#include "emu_key.h"
#include "emu_pin.h"
#include "emu_se.h"
#include "emu_security.h"
#include "emu_state.h"
#include "emu_transport.h"

#define SW_OK 0x9000
#define SW_END_OF_FILE 0x6282
#define SW_VERIFY_FAILED 0x63C0 /* | tries left */
#define SW_MEMORY_FAILURE 0x6581
#define SW_SECURITY_NOT_SATISFIED 0x6982
#define SW_AUTH_BLOCKED 0x6983
#define SW_CONDITIONS_NOT_SATISFIED 0x6985
#define SW_WRONG_DATA 0x6A80
#define SW_REF_NOT_USABLE 0x6984
#define SW_VERIFICATION_FAILED 0x6300
#define SW_REF_NOT_FOUND 0x6A88
#define SW_NO_DIAGNOSIS 0x6F00
#define SW_WRONG_LENGTH 0x6700
#define SW_CHANNEL_NOT_SUPPORTED 0x6881
#define SW_SM_NOT_SUPPORTED 0x6882
#define SW_CHAINING_NOT_SUPPORTED 0x6884
#define SW_INCOMPATIBLE_FILE 0x6981
#define SW_NO_CURRENT_EF 0x6986
#define SW_NOT_FOUND 0x6A82
#define SW_WRONG_P1P2 0x6A86
#define SW_NC_INCONSISTENT 0x6A87
#define SW_WRONG_OFFSET 0x6B00
#define SW_WRONG_LE 0x6C00
#define SW_INS_NOT_SUPPORTED 0x6D00
#define SW_CLA_NOT_SUPPORTED 0x6E00

#define SW_WARN_DEACTIVATED 0x6283
#define SW_WARN_TERMINATED 0x6285
#define SW_LAST_OF_CHAIN_EXPECTED 0x6883
#define SW_FUNC_NOT_SUPPORTED 0x6A81
#define SW_RECORD_NOT_FOUND 0x6A83
#define SW_NO_MEMORY 0x6A84
#define SW_FILE_EXISTS 0x6A89
#define SW_DF_NAME_EXISTS 0x6A8A
#define SW_BYTES_AVAILABLE 0x6100

#define EMU_MAX_CHANNELS 20 /* 7816-4: channels 0..19 in CLA */

/* One logical channel's volatile state (file system part). */
typedef struct emu_channel {
    bool open;
    uint16_t cur_df; /* always a DF */
    uint16_t cur_ef; /* EMU_NONE when no EF is current */
    uint8_t cur_rec; /* current record number in cur_ef; 0 = none */
} emu_channel;

/* Transport state; the buffers are allocated once with the card. */
typedef struct emu_tstate {
    uint8_t *pending; /* T=0: response data waiting for GET RESPONSE */
    size_t pending_len, pending_off;
    uint16_t pending_sw;
    uint8_t *chain; /* command chaining: the data of the chain so far */
    size_t chain_len;
    bool chain_active;
    uint8_t chain_hdr[4]; /* CLA (without b5), INS, P1, P2 of the chain */
} emu_tstate;

/* The card. Volatile state (selection, security status) is cleared by power on and reset. */
struct emu_card {
    emu_fs fs;
    uint8_t atr[EMU_MAX_ATR];
    size_t atr_len;
    bool powered;
    /* Logical channels (emu_channel.c): `chan` is the channel of the command being processed;
     * handlers use chan->cur_df / chan->cur_ef (others: emu_card_current_df()). */
    emu_channel ch[EMU_MAX_CHANNELS];
    emu_channel *chan;
    emu_transport tp;  /* the profile's transport personality */
    emu_tstate tstate; /* T=0 pending response, command chaining (emu_transport.c) */
    /* Security (cardsec): PIN objects (non-volatile), the volatile security status, and the
     * persistence hook: called whenever non-volatile state changed and must be durable before
     * the card goes on (PIN counters: before the comparison). NULL = card lives in memory.
     * Returning false means the write failed: the command answers 6581. */
    emu_pin_table pins;
    emu_security sec;
    bool (*persist)(struct emu_card *card, void *ctx);
    void *persist_ctx;
    /* emu_state.c: SHA-256 of the profile as loaded (set by emu_card_new); binds a saved state
     * to its profile. */
    uint8_t profile_id[EMU_STATE_FINGERPRINT_LEN];
    /* Keys (emu_key.c; non-volatile, saved by emu_state.c), the security environments (emu_se.h,
     * volatile) and the last GET CHALLENGE (volatile, single use: EXTERNAL AUTHENTICATE
     * consumes it, any other command leaves it). */
    emu_key_table keys;
    emu_se_state se;
    uint8_t challenge[256];
    uint16_t challenge_len;
};

/* Where a handler writes its response data: resp[0..cap) with cap leaving room for SW1 SW2. */
typedef struct emu_out {
    uint8_t *buf;
    size_t cap;
    size_t len;
} emu_out;

/* ---- file system and transport (emu_channel.c, emu_transport.c, emu_cmd_*.c) ----
 * Handlers: uint16_t handler(emu_card *, const codec_capdu *, emu_out *) returning the SW.
 * Response data is kept with 9000 and with warnings 62xx; any other SW drops it. */

/* The current DF of the channel the command came on (resolves DF-specific references). Per
 * channel: card->chan->cur_df; the channel's application is
 * emu_security_application(card, emu_card_current_df(card)). */
__attribute__((visibility("hidden"))) uint16_t emu_card_current_df(const emu_card *card);

/* Checks the class byte: sets card->chan to the channel in CLA, tells chaining (b5).
 * Returns 0 when accepted, else the SW. */
uint16_t emu_channel_class(emu_card *card, uint8_t cla, bool *chained);
/* Power on / reset: only the basic channel open, the MF current. */
void emu_channel_reset_all(emu_card *card);
/* MANAGE CHANNEL (INS 70). */
uint16_t emu_cmd_manage_channel(emu_card *card, const codec_capdu *a, emu_out *out);

/* Reads the personality and allocates the transport buffers; false on allocation failure. */
bool emu_transport_init(emu_card *card, const emu_profile *profile);
void emu_transport_free(emu_card *card);
/* Power on / reset: drops a pending response and an open chain. */
void emu_transport_reset(emu_card *card);
/* Before dispatch: length limits, chaining, GET RESPONSE. Returns 0 to dispatch *a (possibly
 * rewritten to carry the whole chain), otherwise the SW to answer (out may hold data). */
uint16_t emu_transport_before(emu_card *card, codec_capdu *a, bool chained, emu_out *out);
/* After dispatch: T=0 style (61xx, 6Cxx). Returns the SW to send. */
uint16_t emu_transport_after(emu_card *card, const codec_capdu *a, uint16_t sw, emu_out *out);

/* After a change of files or data objects: makes it durable through card->persist (when set).
 * SW_OK, or 6581 when the write failed. */
uint16_t emu_fs_commit(emu_card *card);

/* Moves the current channel's selection to `target` (DF or EF), telling the security module
 * (emu_security_selected) when the DF changes. */
void emu_select_node(emu_card *card, uint16_t target);

/* SELECT (A4), READ/UPDATE/WRITE/ERASE BINARY (B0/B1, D6/D7, D0/D1, 0E/0F), record commands
 * (B2, DC, D2, E2, 0C, A2), GET/PUT DATA (CA/CB, DA/DB), CREATE/DELETE/ACTIVATE/DEACTIVATE/
 * TERMINATE (E0, E4, 44, 04, E6, E8, FE). */
/* Finds the file P1 + data designate as SELECT does (P1 00/01/02/03/04/08/09; P1 00 without
 * data = the MF; occurrence `occ` 0..3 for P1 04 only). EMU_NONE with *sw set when not found
 * or the parameters are wrong. */
uint16_t emu_select_find(const emu_card *card, uint8_t p1, unsigned occ, const uint8_t *data,
                         size_t lc, uint16_t *sw);
uint16_t emu_cmd_select(emu_card *card, const codec_capdu *a, emu_out *out);
uint16_t emu_cmd_binary(emu_card *card, const codec_capdu *a, emu_out *out);
uint16_t emu_cmd_record(emu_card *card, const codec_capdu *a, emu_out *out);
uint16_t emu_cmd_data(emu_card *card, const codec_capdu *a, emu_out *out);
uint16_t emu_cmd_file(emu_card *card, const codec_capdu *a, emu_out *out);

/* Keys and cryptography (emu_cmd_pso.c, emu_cmd_auth.c, emu_cmd_genkey.c): PERFORM SECURITY
 * OPERATION (2A), INTERNAL / EXTERNAL / GENERAL AUTHENTICATE (88, 82, 86/87), GENERATE
 * ASYMMETRIC KEY PAIR (46/47). */
uint16_t emu_cmd_pso(emu_card *card, const codec_capdu *a, emu_out *out);
uint16_t emu_cmd_internal_auth(emu_card *card, const codec_capdu *a, emu_out *out);
uint16_t emu_cmd_external_auth(emu_card *card, const codec_capdu *a, emu_out *out);
uint16_t emu_cmd_general_auth(emu_card *card, const codec_capdu *a, emu_out *out);
uint16_t emu_cmd_genkey(emu_card *card, const codec_capdu *a, emu_out *out);

/* Access control (emu_access.c): SW_OK when the security status satisfies the file's rule for
 * `op`, else SW_SECURITY_NOT_SATISFIED. Which rule each command checks:
 * READ BINARY/RECORD, SEARCH: the EF's READ; UPDATE BINARY/RECORD: UPDATE; WRITE BINARY/RECORD:
 * WRITE; ERASE BINARY/RECORD: ERASE; APPEND RECORD: APPEND; CREATE FILE: the parent DF's
 * CREATE; DELETE FILE: the file's own DELETE; ACTIVATE/DEACTIVATE FILE, TERMINATE DF/EF: the
 * file's own ACTIVATE/DEACTIVATE/TERMINATE. GET DATA / PUT DATA: the data object's own rule
 * when it has one (emu_dobj.access_set), else the current DF's READ/UPDATE.
 * Check after the target is found and before anything changes. */
uint16_t emu_access_check(const struct emu_card *card, const emu_file *file, emu_op op);

/* Evaluates one rule with DF-specific references resolved from DF `df` upwards. */
uint16_t emu_access_rule_check(const struct emu_card *card, uint16_t df, const emu_rule *rule);

/* Appends the file's access rules to an FCP body as security attributes in expanded format
 * (tag AB, 7816-4 clause 9.3.3); false when the writer overflowed. */
bool emu_access_write_fcp(codec_writer *w, const emu_file *file);

/* Reads security attributes of a CREATE FILE FCP: `tag` 8C (compact) or AB (expanded), value
 * v[0..len), for a file of `type`. Each operation the attributes name gets its rule in
 * rules[op] and its bit (1 << op) in *set; other entries are left alone. False (6A80) when
 * malformed, when one operation gets two different rules, or when a condition is not a PIN
 * rule this card can keep (secure messaging, a compact byte other than 00 / FF). */
bool emu_access_parse_fcp(uint8_t tag, const uint8_t *v, size_t len, emu_file_type type,
                          emu_rule rules[EMU_OP_COUNT], uint16_t *set);

#endif
