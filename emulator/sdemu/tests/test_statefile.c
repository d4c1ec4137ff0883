/* The state file module in-process: durable write and read back, creation from the profile,
 * loading, refusal of a corrupted file, the hook writing before the answer, and the simulated
 * power cut (in a forked child). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec_bytes.h"
#include "emu_card.h"
#include "emu_profile.h"
#include "emu_statefile.h"

static char dir[] = "/tmp/sdemu-statefile-XXXXXX";
static char path[128], tmp_path[136];

static void setup(void)
{
    memcpy(dir + sizeof dir - 7, "XXXXXX", 6);
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/card.state", dir);
    snprintf(tmp_path, sizeof tmp_path, "%s.tmp", path);
}

static void teardown(void)
{
    unlink(path);
    unlink(tmp_path);
    rmdir(dir);
}

TestSuite(statefile, .init = setup, .fini = teardown);

static emu_card *fresh_card(void)
{
    emu_error err;
    emu_profile *p = emu_profile_load(SDEMU_DEFAULT_PROFILE, &err);
    cr_assert_not_null(p);
    emu_card *c = emu_card_new(p);
    emu_profile_free(p);
    cr_assert_not_null(c);
    return c;
}

static uint16_t send(emu_card *c, const char *hex, uint8_t *resp, size_t *rlen)
{
    uint8_t cmd[300];
    size_t len, pos;
    cr_assert(codec_hex_decode(hex, strlen(hex), cmd, sizeof cmd, &len, &pos));
    *rlen = emu_card_transmit(c, cmd, len, resp, 300);
    return (uint16_t)(resp[*rlen - 2] << 8 | resp[*rlen - 1]);
}

/* Byte 0 of EF 0101 as the state file at `path` holds it. */
static uint8_t ef0101_byte0_on_disk(void)
{
    uint8_t *buf;
    size_t len;
    char err[256];
    cr_assert_eq(emu_statefile_read(path, &buf, &len, err, sizeof err), 0, "%s", err);
    emu_card *c = fresh_card();
    emu_error e;
    cr_assert_eq(emu_card_state_load(c, buf, len, &e), 0, "%s", e.message);
    free(buf);
    uint8_t resp[300];
    size_t rlen;
    cr_assert_eq(send(c, "00 A4 00 0C 02 01 01", resp, &rlen), 0x9000);
    cr_assert_eq(send(c, "00 B0 00 00 01", resp, &rlen), 0x9000);
    emu_card_free(c);
    return resp[0];
}

Test(statefile, write_then_read_back)
{
    char err[256];
    const uint8_t data[] = {1, 2, 3, 4, 5};
    cr_assert_eq(emu_statefile_write(path, data, sizeof data, err, sizeof err), 0, "%s", err);
    uint8_t *buf;
    size_t len;
    cr_assert_eq(emu_statefile_read(path, &buf, &len, err, sizeof err), 0);
    cr_assert_eq(len, sizeof data);
    cr_assert(memcmp(buf, data, len) == 0);
    free(buf);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    cr_assert_neq(stat(tmp_path, &st), 0); /* renamed away */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none", dir);
    cr_assert_eq(emu_statefile_read(missing, &buf, &len, err, sizeof err), 1);
    snprintf(missing, sizeof missing, "%s/no/such/dir/file", dir);
    cr_assert_eq(emu_statefile_write(missing, data, sizeof data, err, sizeof err), -1);
    cr_assert_neq(err[0], '\0');
}

Test(statefile, created_from_the_profile_then_every_change_is_on_disk_first)
{
    char err[256];
    emu_card *c = fresh_card();
    emu_statefile *sf = emu_statefile_open(c, path, err, sizeof err);
    cr_assert_not_null(sf, "%s", err);
    cr_assert_eq(ef0101_byte0_on_disk(), 0x00); /* created: the profile's content */
    uint8_t resp[300];
    size_t rlen;
    cr_assert_eq(send(c, "00 20 00 01 08 31 32 33 34 35 36 FF FF", resp, &rlen), 0x9000);
    cr_assert_eq(send(c, "00 A4 00 0C 02 01 01", resp, &rlen), 0x9000);
    cr_assert_eq(send(c, "00 D6 00 00 01 5A", resp, &rlen), 0x9000);
    cr_assert_eq(ef0101_byte0_on_disk(), 0x5A);
    emu_statefile_close(sf);
    emu_card_free(c);
    /* a new card on the same file starts where the old one stopped */
    c = fresh_card();
    sf = emu_statefile_open(c, path, err, sizeof err);
    cr_assert_not_null(sf, "%s", err);
    cr_assert_eq(send(c, "00 A4 00 0C 02 01 01", resp, &rlen), 0x9000);
    cr_assert_eq(send(c, "00 B0 00 00 01", resp, &rlen), 0x9000);
    cr_assert_eq(resp[0], 0x5A);
    emu_statefile_close(sf);
    emu_card_free(c);
}

Test(statefile, a_corrupted_file_is_refused_and_left_alone)
{
    char err[256];
    emu_card *c = fresh_card();
    emu_statefile *sf = emu_statefile_open(c, path, err, sizeof err);
    cr_assert_not_null(sf);
    emu_statefile_close(sf);
    uint8_t *buf;
    size_t len;
    cr_assert_eq(emu_statefile_read(path, &buf, &len, err, sizeof err), 0);
    buf[len / 2] ^= 0x01;
    cr_assert_eq(emu_statefile_write(path, buf, len, err, sizeof err), 0);
    cr_assert_null(emu_statefile_open(c, path, err, sizeof err));
    cr_assert(strstr(err, "refused") && strstr(err, "corrupted"), "message: %s", err);
    uint8_t *again;
    size_t again_len;
    cr_assert_eq(emu_statefile_read(path, &again, &again_len, err, sizeof err), 0);
    cr_assert(again_len == len && memcmp(again, buf, len) == 0); /* not overwritten */
    free(again);
    free(buf);
    emu_card_free(c);
}

Test(statefile, power_cut_keeps_the_old_state)
{
    char err[256];
    emu_card *c = fresh_card();
    emu_statefile *sf = emu_statefile_open(c, path, err, sizeof err);
    cr_assert_not_null(sf, "%s", err);
    uint8_t resp[300];
    size_t rlen;
    cr_assert_eq(send(c, "00 20 00 01 08 31 32 33 34 35 36 FF FF", resp, &rlen), 0x9000);
    cr_assert_eq(send(c, "00 A4 00 0C 02 01 01", resp, &rlen), 0x9000);
    cr_assert_eq(send(c, "00 D6 00 00 01 11", resp, &rlen), 0x9000);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        cr_assert_eq(emu_statefile_power_cut(sf, err, sizeof err), 0);
        send(c, "00 D6 00 00 01 22", resp, &rlen); /* the write is cut: never returns */
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == EMU_STATEFILE_POWER_CUT_EXIT);
    cr_assert_eq(ef0101_byte0_on_disk(), 0x11); /* the old state, whole */
    struct stat ts, fs;
    cr_assert_eq(stat(tmp_path, &ts), 0); /* the torn temporary file */
    cr_assert_eq(stat(path, &fs), 0);
    cr_assert_lt(ts.st_size, fs.st_size);
    /* the next start ignores the torn temporary file and the next write replaces it */
    emu_statefile_close(sf);
    emu_card_free(c);
    c = fresh_card();
    sf = emu_statefile_open(c, path, err, sizeof err);
    cr_assert_not_null(sf, "%s", err);
    cr_assert_eq(send(c, "00 20 00 01 08 31 32 33 34 35 36 FF FF", resp, &rlen), 0x9000);
    cr_assert_eq(stat(tmp_path, &ts), -1);
    emu_statefile_close(sf);
    emu_card_free(c);
}
