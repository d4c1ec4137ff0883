/* The proof of issue 7 with the real programs: a conformance case recorded against the
 * reference card replays identically through the proxy's replay: transport, one changed response
 * byte makes it fail and `sdtrace diff` names that exchange; a card captured through PC/SC
 * behaves like the reference card except where the capture declared a gap; malformed traces and
 * profiles are refused with file:line and a reason. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_tlv.h"
#include "codec_trace.h"
#include "test_util.h"

/* A read-only case that reads a whole EF (SELECT with FCP, READ BINARY). */
#define PROOF_CASE "L1_DataContainer/getData_whole"

static char dir[64];
static test_result r;

static void setup(void)
{
    test_arm_watchdog();
    snprintf(dir, sizeof dir, "/tmp/sdtrace-proof-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    setenv("DIR", dir, 1);
    setenv("PROFILE", SDEMU_DEFAULT_PROFILE, 1);
    setenv("CASE", PROOF_CASE, 1);
    /* Criterion's worker marker: sdconform (a Criterion program) must not inherit it. */
    unsetenv("BXFI_MAP");
    test_env_path("SDCONFORM");
    test_env_path("SDTRACE_EXE");
    test_env_path("SDEMU_EXE");
}

static void teardown(void)
{
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    test_run(argv, &r);
}

/* Runs a shell script (the paths above are in its environment). */
static void sh(const char *script)
{
    char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
    test_run(argv, &r);
}

static void expect_status(int status)
{
    cr_assert_eq(r.status, status, "status %d (expected %d)\nstdout:\n%s\nstderr:\n%s", r.status,
                 status, r.out, r.err);
}

static size_t read_fread(void *ctx, char *buf, size_t n)
{
    return fread(buf, 1, n, ctx);
}

static codec_trace *load(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    codec_trace_error err;
    codec_trace *t = codec_trace_read(read_fread, f, &err);
    fclose(f);
    cr_assert_not_null(t, "%s:%zu: %s", path, err.line, err.reason);
    return t;
}

/* Writes trace t to dir/name with response byte `at` of entry `which` changed. */
static void write_changed(const codec_trace *t, size_t which, size_t at, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    static char text[CODEC_TRACE_ENTRY_TEXT_MAX];
    size_t al;
    const uint8_t *atr = codec_trace_atr(t, &al);
    codec_trace_format_header(atr, al, text, sizeof text);
    fputs(text, f);
    static uint8_t resp[CODEC_TRACE_RESP_MAX];
    for (size_t i = 0; i < codec_trace_count(t); i++) {
        codec_trace_entry e = *codec_trace_get(t, i);
        if (i == which) {
            memcpy(resp, e.resp, e.resp_len);
            resp[at] ^= 0xFF;
            e.resp = resp;
        }
        codec_trace_format_entry(&e, CODEC_TRACE_KEEP_SECRETS, text, sizeof text);
        fputs(text, f);
    }
    cr_assert_eq(fclose(f), 0);
}

TestSuite(trace_proof, .init = setup, .fini = teardown);

Test(trace_proof, conformance_case_round_trip_and_one_changed_byte_is_named)
{
    /* Record the case against the reference card (in-process emu:). */
    sh("SDPROXY_TRACE=\"$DIR/rec.trace\" \"$SDCONFORM\" --device \"emu:$PROFILE\" "
       "--filter \"$CASE\" -j1");
    expect_status(0);
    cr_assert_not_null(strstr(r.out, "1 passed, 0 failed"), "%s", r.out);

    /* Replay it: the case passes, and the exchanges recorded during the replay are the same. */
    sh("SDPROXY_TRACE=\"$DIR/again.trace\" \"$SDCONFORM\" --device \"replay:$DIR/rec.trace\" "
       "--filter \"$CASE\" -j1");
    expect_status(0);
    cr_assert_not_null(strstr(r.out, "1 passed, 0 failed"), "%s", r.out);
    sh("cd \"$DIR\" && \"$SDTRACE_EXE\" diff rec.trace again.trace");
    expect_status(0);

    /* Change the first data byte of the last READ BINARY response: the case's own read (the
     * ones before it are the 7816-15 discovery at connect). */
    codec_trace *t = load("rec.trace");
    size_t which = codec_trace_count(t);
    for (size_t i = 0; i < codec_trace_count(t); i++) {
        const codec_trace_entry *e = codec_trace_get(t, i);
        if (e->cmd_len >= 4 && e->cmd[1] == 0xB0 && e->resp_len > 2)
            which = i;
    }
    cr_assert_lt(which, codec_trace_count(t), "no READ BINARY with data in the trace");
    size_t line = codec_trace_get(t, which)->line;
    write_changed(t, which, 0, "bad.trace");
    codec_trace_free(t);

    sh("SDPROXY_TRACE=\"$DIR/replayed.trace\" \"$SDCONFORM\" --device \"replay:$DIR/bad.trace\" "
       "--filter \"$CASE\" -j1");
    cr_assert_neq(r.status, 0, "the case passed on a changed response\n%s", r.out);
    cr_assert_not_null(strstr(r.out, "0 passed, 1 failed"), "%s\n%s", r.out, r.err);

    /* The first difference sdtrace reports is that exchange, at byte 0 of its response. */
    sh("cd \"$DIR\" && \"$SDTRACE_EXE\" diff rec.trace replayed.trace");
    expect_status(1);
    char want[128];
    snprintf(want, sizeof want,
             "entry %zu (rec.trace:%zu, replayed.trace:%zu): response differs "
             "at byte 0\n",
             which + 1, line, line);
    cr_assert_eq(strncmp(r.out, want, strlen(want)), 0, "expected first:\n%s\ngot:\n%s", want,
                 r.out);
}

/* The FCP (62 L ...) of a SELECT response without its security attributes (tag AB), which
 * the capture declares it does not copy. Returns false when resp is not an FCP. */
static bool fcp_without_ab(const uint8_t *resp, size_t len, uint8_t *out, size_t *out_len)
{
    codec_reader rd;
    codec_reader_init(&rd, resp, len - 2);
    uint32_t tag;
    const uint8_t *v;
    size_t vl;
    if (!codec_ber_read_tlv(&rd, &tag, &v, &vl) || tag != 0x62)
        return false;
    codec_reader in;
    codec_reader_init(&in, v, vl);
    *out_len = 0;
    while (codec_ber_read_tlv(&in, &tag, &v, &vl)) {
        if (tag == 0xAB)
            continue;
        out[(*out_len)++] = (uint8_t)tag;
        out[(*out_len)++] = (uint8_t)vl;
        memcpy(out + *out_len, v, vl);
        *out_len += vl;
    }
    return true;
}

/* The text of key `ref` in a captured profile (up to the next list item or mapping key at a
 * smaller indent), copied into out; false when the profile has no such key. */
static bool key_block(const char *yaml, unsigned ref, char *out, size_t cap)
{
    char head[32];
    snprintf(head, sizeof head, "- ref: 0x%02X\n", ref);
    const char *b = strstr(yaml, head);
    if (!b)
        return false;
    const char *e = strstr(b + 1, "- ref: 0x");
    const char *ch = strstr(b, "children:");
    if (!e || (ch && ch < e))
        e = ch ? ch : b + strlen(b);
    size_t n = (size_t)(e - b) < cap - 1 ? (size_t)(e - b) : cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
    return true;
}

Test(trace_proof, captured_card_differs_only_where_the_capture_declared_pcscd)
{
    /* Capture the reference card through PC/SC, check the profile. */
    sh("\"$SDEMU_EXE\" run --profile \"$PROFILE\" -- /bin/sh -c "
       "'\"$SDTRACE_EXE\" capture \"pcsc:$SDEMU_READER\" -o \"$DIR/card.yaml\"'");
    expect_status(0);
    sh("\"$SDEMU_EXE\" check \"$DIR/card.yaml\" && cat \"$DIR/card.yaml\"");
    expect_status(0);
    cr_assert_not_null(strstr(r.out, "not captured: access rules"), "%s", r.out);

    /* Keys from the 7816-15 description: the reference card's keys 01..04, each a fresh key of
     * the same type, size, label and use rule, listed as a substitution; no certificate is
     * attached to a fresh key (the certificate EFs stay files, listed too). */
    static const struct {
        unsigned ref;
        const char *type, *size, *label, *usage;
    } want[] = {
        {0x01, "type: rsa", "size: 2048", "RSA signature key", "[sign, verify, internal_auth]"},
        {0x02, "type: rsa", "size: 2048", "RSA decryption key", "[decrypt, encrypt]"},
        {0x03, "type: ec", "curve: p256", "EC P-256 key", "[sign, verify, derive, internal_auth]"},
        {0x04, "type: aes", "size: 128", "AES-128 key",
         "[decrypt, encrypt, internal_auth, external_auth, mac]"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char block[1024], label[96], comment[160];
        cr_assert(key_block(r.out, want[i].ref, block, sizeof block), "no key %02X in\n%s",
                  want[i].ref, r.out);
        snprintf(label, sizeof label, "label: \"%s\"", want[i].label);
        cr_assert_not_null(strstr(block, want[i].type), "key %02X:\n%s", want[i].ref, block);
        cr_assert_not_null(strstr(block, want[i].size), "key %02X:\n%s", want[i].ref, block);
        cr_assert_not_null(strstr(block, label), "key %02X:\n%s", want[i].ref, block);
        cr_assert_not_null(strstr(block, want[i].usage), "key %02X:\n%s", want[i].ref, block);
        cr_assert_not_null(strstr(block, "access: {use: pin01}"), "key %02X:\n%s", want[i].ref,
                           block);
        cr_assert_not_null(strstr(block, "generate: true"), "key %02X:\n%s", want[i].ref, block);
        cr_assert_null(strstr(block, "certificate"), "key %02X:\n%s", want[i].ref, block);
        snprintf(comment, sizeof comment, "#   - key %02X \"%s\": a %s key cannot be read; a fresh",
                 want[i].ref, want[i].label, want[i].ref == 0x04 ? "secret" : "private");
        cr_assert_not_null(strstr(r.out, comment), "no substitution comment '%s'", comment);
    }
    cr_assert_not_null(strstr(r.out, "(3F00/5015/4301): kept as a file, not attached to a key "
                                     "(its key 01 is a fresh key)"),
                       "%s", r.out);
    cr_assert_not_null(strstr(r.out, "(3F00/5015/4302): kept as a file, not attached to a key "
                                     "(its key 03 is a fresh key)"),
                       "%s", r.out);
    cr_assert_null(strstr(r.out, "- ref: 0x05"), "the empty slot 05 has no private key to list");

    /* The same read-only case against a card of each profile, through PC/SC, recorded by a
     * relay card in front of it (the relay's trace holds every exchange of every connection;
     * SDPROXY_TRACE would hold the last connection only). */
    setenv("INNER", "\"$SDCONFORM\" --device \"pcsc:$SDEMU_READER\" --filter \"$CASE\" -j1", 1);
    static const char run_case[] =
        "\"$SDEMU_EXE\" run --profile \"%s\" -- /bin/sh -c '\"$SDEMU_EXE\" run --relay "
        "\"pcsc:$SDEMU_READER\" --trace \"$DIR/%s\" -- /bin/sh -c \"$INNER\"'";
    char script[512];
    snprintf(script, sizeof script, run_case, "$PROFILE", "ref.trace");
    sh(script);
    expect_status(0);
    snprintf(script, sizeof script, run_case, "$DIR/card.yaml", "cap.trace");
    sh(script);
    expect_status(0);
    /* The recording replays through PC/SC (sdemu run --replay): the case passes again. */
    sh("\"$SDEMU_EXE\" run --replay \"$DIR/ref.trace\" -- /bin/sh -c \"$INNER\"");
    expect_status(0);
    cr_assert_not_null(strstr(r.out, "1 passed, 0 failed"), "%s", r.out);

    codec_trace *a = load("ref.trace"), *b = load("cap.trace");
    cr_assert_eq(codec_trace_count(a), codec_trace_count(b));
    size_t reads = 0;
    for (size_t i = 0; i < codec_trace_count(a); i++) {
        const codec_trace_entry *x = codec_trace_get(a, i), *y = codec_trace_get(b, i);
        cr_assert(codec_trace_bytes_match(x->cmd, x->cmd_kind, x->cmd_len, y->cmd, y->cmd_kind,
                                          y->cmd_len, NULL),
                  "entry %zu: commands differ", i + 1);
        if (x->cmd[1] == 0xB0)
            reads++;
        if (codec_trace_bytes_match(x->resp, x->resp_kind, x->resp_len, y->resp, y->resp_kind,
                                    y->resp_len, NULL))
            continue;
        /* Declared: access rules are not captured. Only a SELECT's FCP may differ, only there. */
        cr_assert_eq(x->cmd[1], 0xA4, "entry %zu (ref.trace:%zu): undeclared difference", i + 1,
                     x->line);
        static uint8_t fx[CODEC_TRACE_RESP_MAX], fy[CODEC_TRACE_RESP_MAX];
        size_t nx, ny;
        cr_assert(fcp_without_ab(x->resp, x->resp_len, fx, &nx) &&
                      fcp_without_ab(y->resp, y->resp_len, fy, &ny),
                  "entry %zu: not an FCP", i + 1);
        cr_assert(nx == ny && memcmp(fx, fy, nx) == 0,
                  "entry %zu (ref.trace:%zu): FCP differs beyond the access rules", i + 1, x->line);
    }
    cr_assert_gt(reads, 0, "no READ BINARY compared");
    codec_trace_free(a);
    codec_trace_free(b);
}

Test(trace_proof, malformed_trace_and_profile_are_refused_with_file_and_line)
{
    sh("cd \"$DIR\" && printf '# sdtrace 1\\n@0 ch0 1ms\\n> 00 G0\\n< 90 00\\n' >bad.trace && "
       "\"$SDTRACE_EXE\" show bad.trace");
    expect_status(2);
    static const char reason[] = "bad.trace:3: command: 'G0' at column 7 is not a hex byte";
    cr_assert_not_null(strstr(r.err, reason), "%s", r.err);
    sh("cd \"$DIR\" && \"$SDEMU_EXE\" serve --replay bad.trace --vpcd 127.0.0.1:1");
    expect_status(1);
    cr_assert_not_null(strstr(r.err, reason), "%s", r.err);
    sh("cd \"$DIR\" && \"$SDEMU_EXE\" run --replay bad.trace -- true");
    expect_status(125);
    cr_assert_not_null(strstr(r.err, reason), "%s", r.err);
    sh("cd \"$DIR\" && \"$SDCONFORM\" --device replay:bad.trace --filter \"$CASE\" -j1");
    cr_assert_neq(r.status, 0);
    cr_assert(strstr(r.out, reason) || strstr(r.err, reason), "%s\n%s", r.out, r.err);

    /* A profile with an unknown key on line 11. */
    sh("cd \"$DIR\" && sed 's/^serial:.*/bogus_key: 1/' \"$PROFILE\" >bad.yaml && "
       "\"$SDEMU_EXE\" check bad.yaml");
    cr_assert_neq(r.status, 0);
    cr_assert_not_null(strstr(r.err, "bad.yaml:11:1: unknown key 'bogus_key'"), "%s", r.err);
}
