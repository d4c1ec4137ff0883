/* sdshell: an interactive shell for the ISO/IEC TS 23465-2 API (libsdproxy) and for raw APDUs.
 * With a terminal it reads lines with GNU readline (history, tab completion of command names)
 * when built with it; with a script (-f FILE) or a stdin that is not a terminal it runs the
 * commands one by one, echoing each. Status words are printed with their meaning. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef SDSHELL_HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

#include "codec_apdu.h"
#include "isoiec23465.h"
#include "px_handle.h"
#include "px_transport.h"

#define LINE_MAX_LEN 8192
#define ARGS_MAX 64
/* Largest content getdata shows. */
#define DATA_MAX 65536

typedef struct shell {
    isoIec23465_SecurityDevice *dev;
    isoIec23465_RootApplication *root;
    isoIec23465_SecurityDeviceApplication *app; /* NULL: the root application */
    char spec[512];
    uint8_t *resp; /* PX_RESPONSE_MAX bytes */
} shell;

typedef struct command {
    const char *name;
    const char *args;
    const char *help;
    int (*run)(shell *sh, int argc, char **argv);
} command;

/* Defined after the commands (help lists them); the count includes the NULL end. */
#define N_COMMANDS 15
static const command commands[N_COMMANDS];

static void print_hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%02X", i == 0 ? "" : (i % 16 == 0 ? "\n  " : " "), b[i]);
}

/* Parses hex bytes from argv[0..argc) (blanks between bytes optional: "00A4" "00 A4"). Returns
 * the byte count, or -1. */
static long parse_hex(int argc, char **argv, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (int a = 0; a < argc; a++) {
        for (const char *p = argv[a]; *p; p++) {
            int v;
            if (*p >= '0' && *p <= '9')
                v = *p - '0';
            else if (*p >= 'a' && *p <= 'f')
                v = *p - 'a' + 10;
            else if (*p >= 'A' && *p <= 'F')
                v = *p - 'A' + 10;
            else if (*p == ':')
                continue;
            else
                return -1;
            if (hi < 0) {
                hi = v;
                continue;
            }
            if (n == cap)
                return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
        if (hi >= 0)
            return -1; /* a byte split across words */
    }
    return (long)n;
}

/* Prints the last API error with its status word meaning; returns 1. */
static int api_failed(const char *call)
{
    isoIec23465_ErrorDetails d;
    isoIec23465_Status st = isoIec23465_getLastError(&d);
    printf("error: %s: %s", call, isoIec23465_statusToString(st));
    if (d.hasStatusWord)
        printf(", SW %04X (%s)", d.statusWord, codec_sw_describe(d.statusWord));
    if (d.remainingTries >= 0 && st == isoIec23465_AuthenticationFailed)
        printf(", %d tries left", d.remainingTries);
    if (d.message[0])
        printf(": %s", d.message);
    printf("\n");
    return 1;
}

static bool need_device(shell *sh)
{
    if (sh->dev)
        return true;
    printf("error: not connected (connect SPEC first)\n");
    return false;
}

static isoIec23465_SecurityDeviceApplication *current_app(shell *sh)
{
    return sh->app ? sh->app : sh->root;
}

/* ---- commands ---- */

static int cmd_help(shell *sh, int argc, char **argv)
{
    (void)sh;
    (void)argc;
    (void)argv;
    for (const command *c = commands; c->name; c++)
        printf("  %-11s %-18s %s\n", c->name, c->args, c->help);
    return 0;
}

static int cmd_devices(shell *sh, int argc, char **argv)
{
    (void)sh;
    isoIec23465_SecurityDeviceList *list = NULL;
    if (isoIec23465_getSecurityDeviceList(argc > 1 ? argv[1] : "pcsc", &list) !=
        isoIec23465_Success)
        return api_failed("getSecurityDeviceList");
    size_t count = 0;
    isoIec23465_SecurityDeviceList_getCount(list, &count);
    for (size_t i = 0; i < count; i++) {
        isoIec23465_SecurityDeviceEntry *e = NULL;
        char name[512];
        size_t len = sizeof name;
        uint8_t atr[PX_ATR_MAX];
        size_t atr_len = sizeof atr;
        if (isoIec23465_SecurityDeviceList_getEntry(list, i, &e) != isoIec23465_Success ||
            isoIec23465_SecurityDeviceEntry_getAttribute(e, isoIec23465_AttrIdentifier, name,
                                                         &len) != isoIec23465_Success ||
            isoIec23465_SecurityDeviceEntry_getAtr(e, atr, &atr_len) != isoIec23465_Success) {
            isoIec23465_SecurityDeviceList_release(list);
            return api_failed("SecurityDeviceEntry");
        }
        printf("%zu: %s  ATR ", i, name);
        print_hex(atr, atr_len);
        printf("\n");
    }
    printf("%zu device%s\n", count, count == 1 ? "" : "s");
    isoIec23465_SecurityDeviceList_release(list);
    return 0;
}

static void disconnect(shell *sh)
{
    if (sh->dev)
        isoIec23465_disconnectSecurityDevice(sh->dev);
    sh->dev = sh->root = sh->app = NULL;
}

static int cmd_connect(shell *sh, int argc, char **argv)
{
    if (argc != 2) {
        printf("usage: connect pcsc:<reader>|emu:<profile>\n");
        return 1;
    }
    disconnect(sh);
    if (isoIec23465_connectSecurityDeviceBySpec(argv[1], &sh->dev) != isoIec23465_Success) {
        sh->dev = NULL;
        return api_failed("connectSecurityDeviceBySpec");
    }
    if (isoIec23465_SecurityDevice_getRootApplication(sh->dev, &sh->root) != isoIec23465_Success) {
        int rc = api_failed("getRootApplication");
        disconnect(sh);
        return rc;
    }
    snprintf(sh->spec, sizeof sh->spec, "%s", argv[1]);
    printf("connected to %s\n", argv[1]);
    return 0;
}

static int cmd_disconnect(shell *sh, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (!need_device(sh))
        return 1;
    disconnect(sh);
    printf("disconnected\n");
    return 0;
}

static int cmd_atr(shell *sh, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (!need_device(sh))
        return 1;
    char text[256];
    size_t len = sizeof text;
    if (isoIec23465_RootApplication_getSecurityDeviceAttribute(sh->root, isoIec23465_AttrAtr, text,
                                                               &len) != isoIec23465_Success)
        return api_failed("getSecurityDeviceAttribute");
    printf("ATR %s\n", text);
    return 0;
}

static int cmd_open(shell *sh, int argc, char **argv)
{
    if (!need_device(sh))
        return 1;
    uint8_t aid[16];
    long n = parse_hex(argc - 1, argv + 1, aid, sizeof aid);
    if (argc < 2 || n < 5) {
        printf("usage: open AID (5..16 bytes in hex)\n");
        return 1;
    }
    isoIec23465_SecurityDeviceApplication *app = NULL;
    if (isoIec23465_RootApplication_openApplication(sh->root, aid, (size_t)n, &app) !=
        isoIec23465_Success)
        return api_failed("openApplication");
    if (sh->app)
        isoIec23465_SecurityDeviceApplication_close(sh->app);
    sh->app = app;
    char label[256];
    size_t len = sizeof label;
    if (isoIec23465_Object_getLabel(app, label, &len) != isoIec23465_Success)
        label[0] = '\0';
    printf("opened application '%s'\n", label);
    return 0;
}

static int cmd_close(shell *sh, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (!sh->app) {
        printf("error: no application open (the root application is current)\n");
        return 1;
    }
    isoIec23465_SecurityDeviceApplication_close(sh->app);
    sh->app = NULL;
    printf("closed; the root application is current\n");
    return 0;
}

static const char *type_name(isoIec23465_ObjectType t)
{
    switch (t) {
    case isoIec23465_TypeDataContainer:
        return "DataContainer";
    case isoIec23465_TypeCertificateContainer:
        return "CertificateContainer";
    case isoIec23465_TypeSecurityDeviceApplication:
        return "SecurityDeviceApplication";
    case isoIec23465_TypeRootApplication:
        return "RootApplication";
    default:
        return "Object";
    }
}

/* Finds argv[1] (a label, the rest of the line) in the current application. */
static isoIec23465_Object *find_label(shell *sh, const char *label)
{
    isoIec23465_Object *obj = NULL;
    if (isoIec23465_SecurityDeviceApplication_findObject(current_app(sh), label, &obj) !=
        isoIec23465_Success) {
        api_failed("findObject");
        return NULL;
    }
    return obj;
}

static int cmd_find(shell *sh, int argc, char **argv)
{
    if (!need_device(sh))
        return 1;
    if (argc != 2) {
        printf("usage: find LABEL\n");
        return 1;
    }
    isoIec23465_Object *obj = find_label(sh, argv[1]);
    if (!obj)
        return 1;
    isoIec23465_ObjectType t = 0;
    uint8_t id[32];
    size_t id_len = sizeof id;
    isoIec23465_Object_getType(obj, &t);
    printf("'%s': %s", argv[1], type_name(t));
    if (isoIec23465_Object_getIdentifier(obj, id, &id_len) == isoIec23465_Success) {
        printf(", identifier ");
        print_hex(id, id_len);
    }
    printf("\n");
    isoIec23465_Object_release(obj);
    return 0;
}

static int cmd_getdata(shell *sh, int argc, char **argv)
{
    if (!need_device(sh))
        return 1;
    if (argc != 2) {
        printf("usage: getdata LABEL\n");
        return 1;
    }
    isoIec23465_Object *obj = find_label(sh, argv[1]);
    if (!obj)
        return 1;
    size_t len = DATA_MAX;
    isoIec23465_Status st = isoIec23465_DataContainer_getData(obj, sh->resp, &len);
    int rc = 0;
    if (st != isoIec23465_Success) {
        rc = api_failed("getData");
    } else {
        printf("%zu bytes:\n  ", len);
        print_hex(sh->resp, len);
        printf("\n");
    }
    isoIec23465_Object_release(obj);
    return rc;
}

static int cmd_verify(shell *sh, int argc, char **argv)
{
    if (!need_device(sh))
        return 1;
    if (argc != 3) {
        printf("usage: verify LABEL PIN\n");
        return 1;
    }
    isoIec23465_Object *obj = find_label(sh, argv[1]);
    if (!obj)
        return 1;
    isoIec23465_Status st =
        isoIec23465_Password_verify(obj, (const uint8_t *)argv[2], strlen(argv[2]));
    int rc = st == isoIec23465_Success ? (printf("verified\n"), 0) : api_failed("verify");
    isoIec23465_Object_release(obj);
    return rc;
}

static int cmd_apdu(shell *sh, int argc, char **argv)
{
    if (!need_device(sh))
        return 1;
    static uint8_t cmd[CODEC_CAPDU_MAX];
    long n = parse_hex(argc - 1, argv + 1, cmd, sizeof cmd);
    codec_capdu capdu;
    if (argc < 2 || n < 4) {
        printf("usage: apdu HEX... (e.g. apdu 00 A4 00 0C 02 3F 00)\n");
        return 1;
    }
    codec_apdu_error e = codec_capdu_decode(cmd, (size_t)n, &capdu);
    if (e != CODEC_APDU_OK) {
        printf("error: not a command APDU: %s\n", e == CODEC_APDU_TOO_SHORT ? "fewer than 4 bytes"
                                                  : e == CODEC_APDU_BAD_LENGTH
                                                      ? "the length fields do not match the bytes"
                                                      : "Lc is zero");
        return 1;
    }
    px_conn *conn = NULL;
    if (px_handle_enter(sh->dev, isoIec23465_TypeSecurityDevice, &conn) != isoIec23465_Success)
        return api_failed("apdu");
    size_t resp_len = 0;
    isoIec23465_Status st =
        conn->tr.ops->transmit(conn->tr.ctx, cmd, (size_t)n, sh->resp, PX_RESPONSE_MAX, &resp_len);
    px_handle_leave(conn);
    if (st != isoIec23465_Success)
        return api_failed("transmit");
    if (resp_len < 2) {
        printf("error: response of %zu bytes (no status word)\n", resp_len);
        return 1;
    }
    uint16_t sw = (uint16_t)(sh->resp[resp_len - 2] << 8 | sh->resp[resp_len - 1]);
    if (resp_len > 2) {
        printf("  ");
        print_hex(sh->resp, resp_len - 2);
        printf("\n");
    }
    printf("SW %04X: %s\n", sw, codec_sw_describe(sw));
    return 0;
}

static int cmd_echo(shell *sh, int argc, char **argv)
{
    (void)sh;
    for (int i = 1; i < argc; i++)
        printf("%s%s", i > 1 ? " " : "", argv[i]);
    printf("\n");
    return 0;
}

static int cmd_quit(shell *sh, int argc, char **argv)
{
    (void)sh;
    (void)argc;
    (void)argv;
    return -1;
}

static const command commands[N_COMMANDS] = {
    {"help", "", "this list", cmd_help},
    {"devices", "[SPEC]", "list devices (default spec \"pcsc\")", cmd_devices},
    {"connect", "SPEC", "connect pcsc:<reader> or emu:<profile>", cmd_connect},
    {"disconnect", "", "disconnect the device", cmd_disconnect},
    {"atr", "", "the device's ATR", cmd_atr},
    {"open", "AID", "open an application (SELECT by AID)", cmd_open},
    {"close", "", "close it: the root application is current again", cmd_close},
    {"find", "LABEL", "find an object by label in the current application", cmd_find},
    {"getdata", "LABEL", "read a data container", cmd_getdata},
    {"verify", "LABEL PIN", "verify a password object", cmd_verify},
    {"apdu", "HEX...", "send a raw command APDU, print data and SW", cmd_apdu},
    {"echo", "TEXT", "print TEXT (for scripts)", cmd_echo},
    {"quit", "", "leave (also: exit, end of input)", cmd_quit},
    {"exit", "", "leave", cmd_quit},
    {NULL, NULL, NULL, NULL},
};

/* Splits a line into words: blanks separate, "double quotes" group (for labels with blanks),
 * '#' starts a comment. Returns the word count, or -1 on an unterminated quote. */
static int split(char *line, char **argv)
{
    int argc = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0' || *p == '#')
            return argc;
        if (argc == ARGS_MAX)
            return argc;
        if (*p == '"') {
            argv[argc++] = ++p;
            char *q = strchr(p, '"');
            if (!q)
                return -1;
            *q = '\0';
            p = q + 1;
            continue;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            p++;
        if (*p)
            *p++ = '\0';
    }
}

/* Runs one line: 0 ok (or empty), 1 failed, -1 quit. */
static int run_line(shell *sh, char *line)
{
    char *argv[ARGS_MAX + 1];
    int argc = split(line, argv);
    if (argc < 0) {
        printf("error: unterminated quote\n");
        return 1;
    }
    if (argc == 0)
        return 0;
    argv[argc] = NULL;
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, argv[0]) == 0)
            return c->run(sh, argc, argv);
    printf("error: unknown command '%s' (try help)\n", argv[0]);
    return 1;
}

/* ---- input ---- */

#ifdef SDSHELL_HAVE_READLINE
static char *complete_command(const char *text, int state)
{
    static size_t idx, len;
    if (state == 0) {
        idx = 0;
        len = strlen(text);
    }
    while (commands[idx].name) {
        const char *name = commands[idx++].name;
        if (strncmp(name, text, len) == 0)
            return strdup(name);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1; /* no file names */
    return start == 0 ? rl_completion_matches(text, complete_command) : NULL;
}

static int interactive(shell *sh)
{
    rl_attempted_completion_function = complete;
    char hist[1024] = "";
    const char *home = getenv("HOME");
    if (home)
        snprintf(hist, sizeof hist, "%s/.sdshell_history", home);
    if (hist[0])
        read_history(hist);
    int rc = 0;
    for (;;) {
        char *line = readline("sdshell> ");
        if (!line)
            break;
        if (line[0])
            add_history(line);
        int r = run_line(sh, line);
        free(line);
        fflush(stdout);
        if (r < 0)
            break;
        rc |= r;
    }
    if (hist[0])
        write_history(hist);
    return rc;
}
#else
static int interactive(shell *sh);
#endif

/* Runs every line of `in`, echoing each; returns 1 if any failed. */
static int script(shell *sh, FILE *in, bool prompt)
{
    static char line[LINE_MAX_LEN];
    int rc = 0;
    for (;;) {
        if (prompt) {
            printf("sdshell> ");
            fflush(stdout);
        }
        if (!fgets(line, sizeof line, in))
            break;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            printf("error: line longer than %d bytes\n", LINE_MAX_LEN - 2);
            return 1;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!prompt) {
            const char *p = line + strspn(line, " \t");
            if (*p && *p != '#')
                printf("> %s\n", p);
        }
        int r = run_line(sh, line);
        fflush(stdout);
        if (r < 0)
            break;
        rc |= r;
    }
    return rc;
}

#ifndef SDSHELL_HAVE_READLINE
static int interactive(shell *sh)
{
    return script(sh, stdin, true);
}
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: sdshell [-d SPEC] [-f SCRIPT]\n"
            "An interactive shell for the ISO/IEC TS 23465-2 API and raw APDUs.\n"
            "Reads commands from the terminal (history, tab completion), from SCRIPT, or from\n"
            "stdin when it is not a terminal; a script's commands are echoed as \"> CMD\".\n"
            "Exit status: 0 when every command succeeded, 1 otherwise, 2 for bad usage.\n\n"
            "  -d, --device SPEC  connect first (pcsc:<reader> or emu:<profile>)\n"
            "  -f, --file SCRIPT  run the commands in SCRIPT, then exit\n"
            "  -h, --help         this text\n\n"
            "Commands:\n");
    for (const command *c = commands; c->name; c++)
        fprintf(out, "  %-11s %-10s %s\n", c->name, c->args, c->help);
    fprintf(out, "\nWords are separated by blanks; \"double quotes\" keep blanks (labels); '#'\n"
                 "starts a comment. Status words are printed with their meaning, e.g.\n"
                 "\"SW 6A82: file or application not found\".\n");
}

int main(int argc, char **argv)
{
    const char *file = NULL, *device = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) && i + 1 < argc) {
            file = argv[++i];
        } else if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--device") == 0) &&
                   i + 1 < argc) {
            device = argv[++i];
        } else {
            fprintf(stderr, "sdshell: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    static shell sh;
    sh.resp = malloc(PX_RESPONSE_MAX);
    if (!sh.resp) {
        fprintf(stderr, "sdshell: out of memory\n");
        return 1;
    }
    int rc = 0;
    if (device) {
        char line[600];
        snprintf(line, sizeof line, "connect \"%s\"", device);
        rc = run_line(&sh, line);
    }
    if (file) {
        FILE *in = fopen(file, "r");
        if (!in) {
            fprintf(stderr, "sdshell: %s: %s\n", file, strerror(errno));
            free(sh.resp);
            return 2;
        }
        rc |= script(&sh, in, false);
        fclose(in);
    } else if (isatty(STDIN_FILENO)) {
        rc |= interactive(&sh);
    } else {
        rc |= script(&sh, stdin, false);
    }
    disconnect(&sh);
    free(sh.resp);
    return rc ? 1 : 0;
}
