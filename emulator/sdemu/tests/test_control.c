/* The control protocol in-process: parser, executor against the reference card, the faults on
 * the vpcd operations, ATR variants, and the control socket's creation rules. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu_card.h"
#include "emu_control.h"
#include "emu_profile.h"
#include "emu_serve.h"
#include "emu_variant.h"

static emu_card *card;
static emu_control ctl;
static char reply[EMU_CONTROL_REPLY_MAX];

static void setup(void)
{
    emu_error err;
    emu_profile *p = emu_profile_load(SDEMU_DEFAULT_PROFILE, &err);
    cr_assert_not_null(p, "%s", err.message);
    card = emu_card_new(p);
    cr_assert_not_null(card);
    emu_control_init(&ctl, card, emu_profile_serial(p), NULL, NULL);
    emu_profile_free(p);
}

static void teardown(void)
{
    emu_card_free(card);
}

static int line(const char *text)
{
    return emu_control_line(&ctl, text, strlen(text), reply, sizeof reply);
}

static emu_control_cmd parse_ok(const char *text)
{
    emu_control_cmd cmd;
    char err[256];
    cr_assert_eq(emu_control_parse(text, strlen(text), &cmd, err, sizeof err), 0, "%s: %s", text,
                 err);
    return cmd;
}

static void parse_bad(const char *text)
{
    emu_control_cmd cmd;
    char err[256] = "";
    cr_assert_eq(emu_control_parse(text, strlen(text), &cmd, err, sizeof err), -1, "%s", text);
    cr_assert_neq(err[0], '\0');
}

Test(control_parse, bare_commands)
{
    cr_assert_eq(parse_ok("remove").op, EMU_CONTROL_REMOVE);
    cr_assert_eq(parse_ok("insert").op, EMU_CONTROL_INSERT);
    cr_assert_eq(parse_ok("reset").op, EMU_CONTROL_RESET);
    cr_assert_eq(parse_ok("  status \r").op, EMU_CONTROL_STATUS);
    cr_assert_eq(parse_ok("help").op, EMU_CONTROL_HELP);
    parse_bad("remove now");
    parse_bad("");
    parse_bad("   ");
    parse_bad("frobnicate");
}

Test(control_parse, pin_commands)
{
    emu_control_cmd c = parse_ok("pin-tries 81 5000");
    cr_assert_eq(c.op, EMU_CONTROL_PIN_TRIES);
    cr_assert_eq(c.ref, 0x81);
    cr_assert_str_eq(c.arg, "5000");
    c = parse_ok("set-pin-tries 01 2");
    cr_assert_eq(c.ref, 0x01);
    cr_assert_eq(c.value, 2);
    cr_assert_str_eq(c.arg, "");
    parse_bad("pin-tries");
    parse_bad("pin-tries 1");
    parse_bad("pin-tries 01 500");  /* DF path: whole FIDs */
    parse_bad("pin-tries 01 50G0"); /* not hex */
    parse_bad("set-pin-tries 01 256");
    parse_bad("set-pin-tries 01 -1");
    parse_bad("set-pin-tries 01");
}

Test(control_parse, faults)
{
    emu_control_cmd c = parse_ok("fault delay 250 3");
    cr_assert_eq(c.op, EMU_CONTROL_FAULT_DELAY);
    cr_assert_eq(c.value, 250);
    cr_assert_eq(c.count, 3);
    c = parse_ok("fault sw 6a82");
    cr_assert_eq(c.op, EMU_CONTROL_FAULT_SW);
    cr_assert_eq(c.sw, 0x6A82);
    cr_assert_eq(c.count, 1);
    cr_assert_eq(parse_ok("fault drop").op, EMU_CONTROL_FAULT_DROP);
    cr_assert_eq(parse_ok("fault power-cut").op, EMU_CONTROL_FAULT_POWER_CUT);
    cr_assert_eq(parse_ok("fault clear").op, EMU_CONTROL_FAULT_CLEAR);
    parse_bad("fault");
    parse_bad("fault delay");
    parse_bad("fault delay 60001");
    parse_bad("fault delay 10 0");
    parse_bad("fault sw 6A8");
    parse_bad("fault sw 6A820");
    parse_bad("fault drop 2");
    parse_bad("fault melt");
}

Test(control_parse, refuses_controls_long_lines_and_many_words)
{
    parse_bad("status\x01");
    parse_bad("snapshot a\x7f");
    parse_bad("a b c d e f");
    char *big = malloc(EMU_CONTROL_LINE_MAX + 1);
    memset(big, 'a', EMU_CONTROL_LINE_MAX + 1);
    emu_control_cmd cmd;
    char err[64];
    cr_assert_eq(emu_control_parse(big, EMU_CONTROL_LINE_MAX + 1, &cmd, err, sizeof err), -1);
    /* snapshot FILE: the argument must fit */
    memcpy(big, "snapshot ", 9);
    cr_assert_eq(emu_control_parse(big, EMU_CONTROL_LINE_MAX, &cmd, err, sizeof err), -1);
    free(big);
}

Test(control_parse, every_prefix_in_exact_buffer)
{
    const char *valid[] = {"fault sw 6A82 12", "set-pin-tries 81 2 5000", "snapshot /tmp/x"};
    for (size_t v = 0; v < 3; v++) {
        size_t n = strlen(valid[v]);
        for (size_t k = 0; k <= n; k++) {
            char *buf = malloc(k ? k : 1);
            memcpy(buf, valid[v], k);
            emu_control_cmd cmd;
            char err[128];
            (void)emu_control_parse(buf, k, &cmd, err, sizeof err);
            free(buf);
        }
    }
}

static size_t send_apdu(const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap)
{
    return emu_control_vpcd_ops.transmit(&ctl, apdu, len, resp, cap);
}

static const uint8_t select_0101[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01};
static const uint8_t verify_wrong[] = {0x00, 0x20, 0x00, 0x01, 0x08, '9', '9',
                                       '9',  '9',  '9',  '9',  0xFF, 0xFF};

Test(control_exec, pin_tries_follow_wrong_verify, .init = setup, .fini = teardown)
{
    cr_assert_eq(line("pin-tries 01"), 0, "%s", reply);
    cr_assert_str_eq(reply, "ok 3");
    uint8_t resp[16];
    cr_assert_eq(send_apdu(verify_wrong, sizeof verify_wrong, resp, sizeof resp), 2);
    cr_assert_eq(resp[0], 0x63);
    cr_assert_eq(resp[1], 0xC2);
    cr_assert_eq(line("pin-tries 01"), 0);
    cr_assert_str_eq(reply, "ok 2");
    cr_assert_eq(line("set-pin-tries 01 3"), 0, "%s", reply);
    cr_assert_eq(line("pin-tries 01"), 0);
    cr_assert_str_eq(reply, "ok 3");
    cr_assert_eq(line("set-pin-tries 01 9"), -1); /* above the limit */
    cr_assert_eq(strncmp(reply, "error ", 6), 0, "%s", reply);
    cr_assert_eq(line("pin-tries 7F"), -1);
}

Test(control_exec, fault_sw_answers_without_executing, .init = setup, .fini = teardown)
{
    cr_assert_eq(line("fault sw 6A82 2"), 0, "%s", reply);
    uint8_t resp[16];
    for (int i = 0; i < 2; i++) {
        /* a wrong VERIFY that would cost a try if it ran */
        cr_assert_eq(send_apdu(verify_wrong, sizeof verify_wrong, resp, sizeof resp), 2);
        cr_assert_eq(resp[0] << 8 | resp[1], 0x6A82);
    }
    cr_assert_eq(line("pin-tries 01"), 0);
    cr_assert_str_eq(reply, "ok 3");
    cr_assert_eq(send_apdu(select_0101, sizeof select_0101, resp, sizeof resp), 2);
    cr_assert_eq(resp[0] << 8 | resp[1], 0x9000);
}

Test(control_exec, fault_drop_once_and_clear, .init = setup, .fini = teardown)
{
    uint8_t resp[16];
    cr_assert_eq(line("fault drop"), 0);
    cr_assert_eq(send_apdu(select_0101, sizeof select_0101, resp, sizeof resp), EMU_VPCD_DROP);
    cr_assert_eq(send_apdu(select_0101, sizeof select_0101, resp, sizeof resp), 2);
    cr_assert_eq(line("fault drop"), 0);
    cr_assert_eq(line("fault sw 6300 5"), 0);
    cr_assert_eq(line("fault clear"), 0);
    cr_assert_eq(send_apdu(select_0101, sizeof select_0101, resp, sizeof resp), 2);
    cr_assert_eq(resp[0] << 8 | resp[1], 0x9000);
}

Test(control_exec, delay_counts_down, .init = setup, .fini = teardown)
{
    uint8_t resp[16];
    cr_assert_eq(line("fault delay 1 2"), 0);
    cr_assert_eq(ctl.delay_count, 2);
    send_apdu(select_0101, sizeof select_0101, resp, sizeof resp);
    send_apdu(select_0101, sizeof select_0101, resp, sizeof resp);
    cr_assert_eq(ctl.delay_count, 0);
    cr_assert_eq(resp[0] << 8 | resp[1], 0x9000);
}

Test(control_exec, snapshot_restore_round_trip, .init = setup, .fini = teardown)
{
    char path[] = "/tmp/sdemu-snap-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "snapshot %s", path);
    cr_assert_eq(line(cmd), 0, "%s", reply);
    uint8_t resp[16];
    send_apdu(verify_wrong, sizeof verify_wrong, resp, sizeof resp);
    send_apdu(verify_wrong, sizeof verify_wrong, resp, sizeof resp);
    cr_assert_eq(line("pin-tries 01"), 0);
    cr_assert_str_eq(reply, "ok 1");
    snprintf(cmd, sizeof cmd, "restore %s", path);
    cr_assert_eq(line(cmd), 0, "%s", reply);
    cr_assert_eq(line("pin-tries 01"), 0);
    cr_assert_str_eq(reply, "ok 3");
    /* a foreign file is refused and the card stays as it is */
    FILE *f = fopen(path, "w");
    fputs("not a state", f);
    fclose(f);
    cr_assert_eq(line(cmd), -1);
    cr_assert_eq(strncmp(reply, "error ", 6), 0, "%s", reply);
    unlink(path);
    cr_assert_eq(line(cmd), -1); /* missing file */
}

Test(control_exec, status_and_unsupported_hooks, .init = setup, .fini = teardown)
{
    cr_assert_eq(line("status"), 0);
    cr_assert_not_null(strstr(reply, "serial=SDT0000001"), "%s", reply);
    size_t len;
    const uint8_t *atr = emu_card_atr(card, &len);
    char want[80] = "atr=";
    for (size_t i = 0; i < len; i++)
        snprintf(want + 4 + 2 * i, 3, "%02X", atr[i]);
    cr_assert_not_null(strstr(reply, want), "%s not in %s", want, reply);
    cr_assert_eq(line("remove"), -1); /* no serve loop */
    cr_assert_eq(line("fault power-cut"), -1);
    cr_assert_not_null(strstr(reply, "--state"), "%s", reply);
    cr_assert_eq(line("help"), 0);
    cr_assert_not_null(strstr(reply, "fault sw XXXX [N]"));
}

/* ---- ATR variants ---- */

static uint8_t tck_of(const uint8_t *atr, size_t len)
{
    uint8_t x = 0;
    for (size_t i = 1; i + 1 < len; i++)
        x ^= atr[i];
    return x;
}

Test(variant, compact_tlv_atr_gets_issuer_data_and_tck)
{
    const uint8_t atr[] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xB4, 0x01, 0x5B, 0x19};
    const uint8_t want[] = {0x3B, 0x87, 0x80, 0x01, 0x80, 0x73, 0xB4, 0x01, 0x5B, 0x51, 0x02, 0x48};
    uint8_t out[EMU_VARIANT_ATR_MAX];
    size_t len;
    cr_assert_eq(emu_variant_atr(atr, sizeof atr, 2, out, &len), 0);
    cr_assert_eq(len, sizeof want);
    cr_assert_arr_eq(out, want, len);
    cr_assert_eq(tck_of(out, len), out[len - 1]);
}

Test(variant, t0_only_atr_varies_last_byte_without_tck)
{
    const uint8_t atr[] = {0x3B, 0x02, 0x14, 0x50};
    uint8_t out[EMU_VARIANT_ATR_MAX];
    size_t len;
    cr_assert_eq(emu_variant_atr(atr, sizeof atr, 3, out, &len), 0);
    cr_assert_eq(len, 4);
    cr_assert_eq(out[3], 0x53);
}

Test(variant, refuses_malformed)
{
    const uint8_t bad_tck[] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xB4, 0x01, 0x5B, 0x18};
    const uint8_t no_hist[] = {0x3B, 0x00};
    const uint8_t short_ib[] = {0x3B, 0xF5, 0x11};
    uint8_t out[EMU_VARIANT_ATR_MAX];
    size_t len;
    cr_assert_eq(emu_variant_atr(bad_tck, sizeof bad_tck, 1, out, &len), -1);
    cr_assert_eq(emu_variant_atr(no_hist, sizeof no_hist, 1, out, &len), -1);
    cr_assert_eq(emu_variant_atr(short_ib, sizeof short_ib, 1, out, &len), -1);
    cr_assert_eq(emu_variant_atr(no_hist, sizeof no_hist, 0, out, &len), -1);
}

Test(variant, serials)
{
    char s[32];
    cr_assert_eq(emu_variant_serial("SDT0000001", 2, s, sizeof s), 0);
    cr_assert_str_eq(s, "SDT0000001-2");
    cr_assert_eq(emu_variant_serial(NULL, 1, s, sizeof s), 0);
    cr_assert_str_eq(s, "sdemu-1");
    cr_assert_eq(emu_variant_serial("SDT0000001", 2, s, 8), -1);
}

/* ---- the control socket ---- */

Test(control_socket, created_0600_and_refuses_a_regular_file)
{
    char dir[] = "/tmp/sdemu-ctl-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64], err[256];
    snprintf(path, sizeof path, "%s/c.ctl", dir);
    int fd = emu_serve_listen(path, err, sizeof err);
    cr_assert_geq(fd, 0, "%s", err);
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0);
    cr_assert(S_ISSOCK(st.st_mode));
    cr_assert_eq(st.st_mode & 0777, 0600);
    /* live: refused; stale: replaced */
    cr_assert_eq(emu_serve_listen(path, err, sizeof err), -1);
    close(fd);
    fd = emu_serve_listen(path, err, sizeof err);
    cr_assert_geq(fd, 0, "%s", err);
    close(fd);
    unlink(path);
    FILE *f = fopen(path, "w");
    fputs("keep me", f);
    fclose(f);
    cr_assert_eq(emu_serve_listen(path, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "not a socket"), "%s", err);
    cr_assert_eq(lstat(path, &st), 0);
    cr_assert(S_ISREG(st.st_mode));
    unlink(path);
    rmdir(dir);
}

Test(control_socket, request_without_server_fails)
{
    char r[128];
    cr_assert_eq(emu_serve_request("/tmp/sdemu-no-such-socket", "status", r, sizeof r, 1000), -1);
    cr_assert_not_null(strstr(r, "cannot connect"), "%s", r);
}
