/* The control socket, faults, card commands, several cards and OpenSC, all through a private
 * pcscd started by `sdemu run`. The PC/SC side of each scenario is tests/ctl_check.c. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static test_result r;

/* `sdemu run [extra...] -- ctl_check SCENARIO`; asserts it passed. */
static void scenario(const char *name, const char *opt1, const char *opt2, const char *opt3,
                     const char *opt4)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)test_env_path("SDEMU_EXE");
    argv[n++] = "run";
    const char *opts[] = {opt1, opt2, opt3, opt4};
    for (int i = 0; i < 4 && opts[i]; i++)
        argv[n++] = (char *)opts[i];
    argv[n++] = "--";
    argv[n++] = (char *)test_env_path("SDEMU_CTL_CHECK");
    argv[n++] = (char *)name;
    argv[n] = NULL;
    test_run(argv, &r);
    char want[64];
    snprintf(want, sizeof want, "%s ok\n", name);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    cr_assert_not_null(strstr(r.out, want), "%s", r.out);
}

Test(control_pcsc, remove_and_insert_seen_by_client, .init = test_arm_watchdog)
{
    scenario("remove-insert", NULL, NULL, NULL, NULL);
    cr_assert_not_null(strstr(r.out, "reader state EMPTY\n"), "%s", r.out);
    cr_assert_not_null(strstr(strstr(r.out, "reader state EMPTY\n"), "reader state PRESENT\n"),
                       "%s", r.out);
}

Test(control_pcsc, fault_sw_seen_by_transmit, .init = test_arm_watchdog)
{
    scenario("fault-sw", NULL, NULL, NULL, NULL);
    cr_assert_not_null(strstr(r.out, "INS A4 -> 6A82"), "%s", r.out);
}

Test(control_pcsc, fault_drop_errors_then_card_comes_back, .init = test_arm_watchdog)
{
    scenario("fault-drop", NULL, NULL, NULL, NULL);
    cr_assert_not_null(strstr(r.out, "card back after drop"), "%s", r.out);
}

Test(control_pcsc, snapshot_restore_round_trip, .init = test_arm_watchdog)
{
    scenario("snapshot", NULL, NULL, NULL, NULL);
    cr_assert_not_null(strstr(r.out, "ctl restore"), "%s", r.out);
}

Test(control_pcsc, pin_tries_after_wrong_verify, .init = test_arm_watchdog)
{
    scenario("pin-tries", NULL, NULL, NULL, NULL);
    cr_assert_not_null(strstr(r.out, "INS 20 -> 63C2"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "ctl pin-tries 01 -> ok 2"), "%s", r.out);
}

Test(control_pcsc, card_commands_through_pcscd, .init = test_arm_watchdog)
{
    scenario("commands", NULL, NULL, NULL, NULL);
    cr_assert_not_null(strstr(r.out, "INS 20 -> 63C3 (0 data bytes)"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "INS B0 -> 9000 (4096 data bytes)"), "%s", r.out);
}

Test(control_pcsc, t0_card_answers_61xx_to_the_client, .init = test_arm_watchdog)
{
    char profile[64];
    /* T=0 only: no TD1 in the ATR, so no TCK either. */
    test_profile_variant(profile, "transport:",
                         "transport: {protocol: t0, extended_length: false, chaining: false, "
                         "channels: 1}\n");
    char atr_profile[64];
    FILE *in = fopen(profile, "r");
    cr_assert_not_null(in);
    strcpy(atr_profile, "/tmp/sdemu-t0-XXXXXX.yaml");
    int fd = mkstemps(atr_profile, 5);
    FILE *out = fdopen(fd, "w");
    char line[1024];
    while (fgets(line, sizeof line, in))
        fputs(strncmp(line, "atr:", 4) == 0 ? "atr: \"3B 02 14 50\"\n" : line, out);
    fclose(in);
    fclose(out);
    unlink(profile);
    scenario("t0", "--profile", atr_profile, NULL, NULL);
    unlink(atr_profile);
    cr_assert_not_null(strstr(r.out, "SELECT -> 61"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "INS B0 -> 6C10"), "%s", r.out);
}

Test(control_pcsc, two_cards_have_distinct_serial_and_atr, .init = test_arm_watchdog)
{
    scenario("two-cards", "--cards", "2", NULL, NULL);
    cr_assert_not_null(strstr(r.out, "card 1: ok card=inserted serial=SDT0000001-1 "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "card 2: ok card=inserted serial=SDT0000001-2 "), "%s", r.out);
    /* ATR variants 1 and 2: the card issuer's data object 51 KK closes the historical bytes,
     * then the TCK */
    const char *c1 = strstr(r.out, "card 1: "), *c2 = strstr(r.out, "card 2: ");
    cr_assert(c1 && c2, "%s", r.out);
    cr_assert_not_null(strstr(c1, "5101"), "%s", c1);
    cr_assert_not_null(strstr(c2, "5102"), "%s", c2);
    /* and PC/SC sees those ATRs, each card answering in its own reader */
    char *argv[] = {(char *)test_env_path("SDEMU_EXE"),        "run", "--cards", "2", "--",
                    (char *)test_env_path("SDEMU_PCSC_CHECK"), NULL};
    test_run(argv, &r);
    cr_assert_eq(r.status, 0, "status %d\n%s\n%s", r.status, r.out, r.err);
    const char *a1 = strstr(r.out, "sdemu 1 00 00: ATR 3B 87 ");
    const char *a2 = strstr(r.out, "sdemu 2 00 00: ATR 3B 87 ");
    cr_assert(a1 && a2, "%s", r.out);
    cr_assert_not_null(strstr(a1, " 51 01 "), "%s", r.out);
    cr_assert_not_null(strstr(a2, " 51 02 "), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "2 reader(s) checked"), "%s", r.out);
}

Test(control_pcsc, ctl_usage_and_errors, .init = test_arm_watchdog)
{
    char *usage[] = {(char *)test_env_path("SDEMU_EXE"), "ctl", "/tmp/x", NULL};
    test_run(usage, &r);
    cr_assert_eq(r.status, 2);
    char *nosock[] = {(char *)test_env_path("SDEMU_EXE"), "ctl", "/tmp/sdemu-no-such.ctl", "status",
                      NULL};
    test_run(nosock, &r);
    cr_assert_eq(r.status, 1);
    /* an unknown command answers "error ..." with status 1 */
    char *bad[] = {(char *)test_env_path("SDEMU_EXE"),
                   "run",
                   "--",
                   "/bin/sh",
                   "-c",
                   "\"$SDEMU_EXE\" ctl \"$SDEMU_CONTROL\" frobnicate; echo \"status=$?\"",
                   NULL};
    test_run(bad, &r);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "error unknown command"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "status=1"), "%s", r.out);
}

Test(control_pcsc, opensc_explorer_lists_and_reads, .init = test_arm_watchdog)
{
    const char *tool = getenv("SDEMU_OPENSC_EXPLORER");
    if (!tool || !*tool)
        cr_skip_test("opensc-explorer not installed");
    char conf[] = "/tmp/sdemu-opensc-XXXXXX";
    int fd = mkstemp(conf);
    cr_assert_geq(fd, 0);
    const char text[] = "app default { enable_default_driver = true; }\n";
    cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    /* OpenSC's generic driver has no list_files: `ls` answers "Not supported" without asking
     * the card; `find` selects each FID of a range and lists what the card has. */
    char script[512];
    snprintf(script, sizeof script,
             "printf 'ls\nfind 0100 0105\nfind 2F00 2F00\nfind 5000 5000\ncat 0101\ncd 5000\n"
             "cd ..\nquit\n' | OPENSC_CONF=%s %s",
             conf, tool);
    char *argv[] = {(char *)test_env_path("SDEMU_EXE"), "run", "--", "/bin/sh", "-c", script, NULL};
    test_run(argv, &r);
    unlink(conf);
    cr_assert_eq(r.status, 0, "status %d\nstdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    const char *listed[] = {" 0101 \t wEF   256", " 0102 \t wEF  4096", " 0103 \t wEF    80",
                            " 0104 \t wEF  4096", " 2F00 \t wEF",       "[5000]\t  DF"};
    for (int i = 0; i < 6; i++)
        cr_assert_not_null(strstr(r.out, listed[i]), "'%s' not listed:\n%s", listed[i], r.out);
    /* EF 0101 holds byte i = i: the hex dump starts 00 01 02 ... */
    cr_assert_not_null(strstr(r.out, "00 01 02 03 04 05 06 07"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "F8 F9 FA FB FC FD FE FF"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "OpenSC [3F00/5000]>"), "cd 5000 failed:\n%s", r.out);
}
