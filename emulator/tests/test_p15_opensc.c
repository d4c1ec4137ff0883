/* OpenSC, a client nobody here wrote, reads the reference card's 7816-15 application through
 * `sdemu run` and a private pcscd: pkcs15-tool --dump lists the PINs, keys and certificates
 * with their labels and references, and --read-certificate returns each certificate byte for
 * byte. Paths come from meson (SDEMU_EXE, SDEMU_PKCS15_TOOL, SDEMU_CERTS). */
#include <criterion/criterion.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX 65536

static char out[OUT_MAX];
static char conf[] = "/tmp/sdemu-p15-opensc-XXXXXX";

/* A variable meson test sets (the test fails when it is missing). */
static const char *need_env(const char *name)
{
    const char *v = getenv(name);
    cr_assert_not_null(v, "%s unset: run through meson test", name);
    return v;
}

/* Runs `sdemu run -- /bin/sh -c script` with OpenSC's generic driver enabled; stdout in out[]. */
static int run_script(const char *script)
{
    char full[2048];
    snprintf(full, sizeof full, "OPENSC_CONF=%s; export OPENSC_CONF; %s", conf, script);
    const char *exe = need_env("SDEMU_EXE");
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(exe, "sdemu", "run", "--", "/bin/sh", "-c", full, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t k;
    while (n < OUT_MAX - 1 && (k = read(fds[0], out + n, OUT_MAX - 1 - n)) > 0)
        n += (size_t)k;
    out[n] = '\0';
    close(fds[0]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void setup(void)
{
    alarm(120); /* vpcd has no I/O timeout */
    const char *tool = getenv("SDEMU_PKCS15_TOOL");
    if (!tool || !*tool)
        cr_skip_test("pkcs15-tool not installed");
    need_env("SDEMU_EXE");
    int fd = mkstemp(conf);
    cr_assert_geq(fd, 0);
    const char text[] = "app default { enable_default_driver = true; }\n";
    cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
}

static void teardown(void)
{
    unlink(conf);
}

TestSuite(p15_opensc, .init = setup, .fini = teardown);

/* The block of the dump that starts with `head`, up to the next empty line. */
static const char *block(const char *head, char *buf, size_t cap)
{
    const char *p = strstr(out, head);
    cr_assert_not_null(p, "'%s' not in the dump:\n%s", head, out);
    const char *e = strstr(p, "\n\n");
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static void has(const char *blk, const char *want)
{
    cr_assert_not_null(strstr(blk, want), "'%s' not in:\n%s", want, blk);
}

Test(p15_opensc, dump_lists_pins_keys_certificates)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --dump", need_env("SDEMU_PKCS15_TOOL"));
    cr_assert_eq(run_script(cmd), 0, "%s", out);
    char b[4096];
    has(block("PKCS#15 Card [sdtest reference card]", b, sizeof b), "Manufacturer ID: sdemu");
    has(b, "Serial number  : 53445430303030303031"); /* "SDT0000001" */
    has(block("PIN [user]", b, sizeof b), "Reference      : 1 (0x01)");
    has(b, "Pad char       : 0xFF");
    has(b, "min_len:4, max_len:8, stored_len:8");
    has(block("PIN [puk]", b, sizeof b), "unblockingPin");
    has(b, "Reference      : 2 (0x02)");
    has(block("PIN [so]", b, sizeof b), "soPin");
    has(b, "Reference      : 3 (0x03)");
    has(block("PIN [app]", b, sizeof b), "Reference      : 129 (0x81)");
    has(b, "Type           : bcd");
    has(b, "Path           : 3f005000");
    has(block("Private RSA Key [RSA signature key]", b, sizeof b), "Key ref        : 1 (0x01)");
    has(b, "ModLength      : 2048");
    has(b, "Auth ID        : 01");
    has(block("Private RSA Key [RSA decryption key]", b, sizeof b), "decrypt");
    has(block("Private EC Key [EC P-256 key]", b, sizeof b), "FieldLength    : 256");
    has(block("Public RSA Key [RSA signature key]", b, sizeof b), "verify");
    has(block("Public EC Key [EC P-256 key]", b, sizeof b), "Path           : 3f0050154503");
    has(block("Secret Generic Key [AES-128 key]", b, sizeof b), "Key ref        : 4 (0x04)");
    has(block("X.509 Certificate [RSA signature certificate]", b, sizeof b), "3f0050154301");
    has(block("X.509 Certificate [EC P-256 certificate]", b, sizeof b), "3f0050154302");
}

/* DER of the first certificate in a PEM text. */
static int pem_to_der(const char *pem, uint8_t **der)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    cr_assert_not_null(x, "no certificate in:\n%s", pem);
    *der = NULL;
    int n = i2d_X509(x, der);
    X509_free(x);
    return n;
}

static void read_back(const char *file, const char *id)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", need_env("SDEMU_CERTS"), file);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static uint8_t want[8192];
    size_t wn = fread(want, 1, sizeof want, f);
    fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --read-certificate %s", need_env("SDEMU_PKCS15_TOOL"), id);
    cr_assert_eq(run_script(cmd), 0, "%s", out);
    uint8_t *der;
    int n = pem_to_der(out, &der);
    cr_assert_eq((size_t)n, wn, "%s: %d bytes, the file has %zu", file, n, wn);
    cr_assert_arr_eq(der, want, wn);
    OPENSSL_free(der);
}

Test(p15_opensc, read_certificate_returns_each_certificate_byte_for_byte)
{
    /* the iDs are SHA-1 of the public keys (the dump above lists them) */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --list-certificates", need_env("SDEMU_PKCS15_TOOL"));
    cr_assert_eq(run_script(cmd), 0, "%s", out);
    char ids[2][64];
    const char *p = out;
    for (int i = 0; i < 2; i++) {
        p = strstr(p, "\tID             : ");
        cr_assert_not_null(p, "%s", out);
        p += strlen("\tID             : ");
        cr_assert_eq(sscanf(p, "%63s", ids[i]), 1);
    }
    read_back("rsa2048-sign.der", ids[0]);
    read_back("ec-p256.der", ids[1]);
}
