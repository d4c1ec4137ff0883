/* The state file: atomic, durable replacement of the whole card state on every change. */
#include "emu_statefile.h"
#include "emu_say.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct emu_statefile {
    emu_card *card;
    char *path;
    bool cut_next; /* simulated power cut during the next write */
};

/* Writes a message and yields -1, so that `return fail(...)` visibly fails. */
#define fail(err, cap, ...) (emu_say((err), (cap), __VA_ARGS__), -1)

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Flushes the directory holding `path`, so that the rename itself is durable. */
static int sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The write; with `cut`, stops half-way through the temporary file and ends the process. */
static int write_durable(const char *path, const uint8_t *buf, size_t len, bool cut, char *err,
                         size_t cap)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp)
        return fail(err, cap, "%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        emu_say(err, cap, "%s: %s", tmp, strerror(e));
        free(tmp);
        return -1;
    }
    if (cut) {
        /* a power cut in the middle of the write: part of the new state reaches the temporary
         * file, the rename never happens */
        (void)write_all(fd, buf, len / 2);
        (void)fsync(fd);
        _exit(EMU_STATEFILE_POWER_CUT_EXIT);
    }
    if (write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        emu_say(err, cap, "%s: %s", tmp, strerror(e));
        free(tmp);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        emu_say(err, cap, "%s: %s", path, strerror(e));
        free(tmp);
        return -1;
    }
    free(tmp);
    if (sync_dir(path) != 0) {
        int e = errno;
        return fail(err, cap, "%s: flushing the directory: %s", path, strerror(e));
    }
    return 0;
}

int emu_statefile_write(const char *path, const uint8_t *buf, size_t len, char *err, size_t cap)
{
    return write_durable(path, buf, len, false, err, cap);
}

int emu_statefile_read(const char *path, uint8_t **buf, size_t *len, char *err, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return 1;
        return fail(err, cap, "%s: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)EMU_STATEFILE_MAX) {
        close(fd);
        return fail(err, cap, "%s: not a regular file of at most %u bytes", path,
                    EMU_STATEFILE_MAX);
    }
    size_t want = (size_t)st.st_size;
    uint8_t *data = malloc(want ? want : 1);
    if (!data) {
        close(fd);
        return fail(err, cap, "%s: out of memory", path);
    }
    size_t got = 0;
    while (got < want) {
        ssize_t n = read(fd, data + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != want) {
        explicit_bzero(data, want);
        free(data);
        return fail(err, cap, "%s: short read", path);
    }
    *buf = data;
    *len = got;
    return 0;
}

static int save_now(emu_statefile *sf, char *err, size_t cap)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (emu_card_state_save(sf->card, &buf, &len) != 0)
        return fail(err, cap, "%s: out of memory", sf->path);
    bool cut = sf->cut_next;
    sf->cut_next = false;
    int rc = write_durable(sf->path, buf, len, cut, err, cap);
    explicit_bzero(buf, len); /* PIN values */
    free(buf);
    return rc;
}

/* The persistence hook: the whole state is on disk before the card answers. */
static bool persist(emu_card *card, void *ctx)
{
    (void)card;
    emu_statefile *sf = ctx;
    char err[600];
    if (save_now(sf, err, sizeof err) != 0) {
        fprintf(stderr, "sdemu: state not saved (the card answers 6581): %s\n", err);
        return false;
    }
    return true;
}

emu_statefile *emu_statefile_open(emu_card *card, const char *path, char *err, size_t cap)
{
    emu_statefile *sf = calloc(1, sizeof *sf);
    if (!sf || !(sf->path = strdup(path))) {
        free(sf);
        emu_say(err, cap, "%s: out of memory", path);
        return NULL;
    }
    sf->card = card;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = emu_statefile_read(path, &buf, &len, err, cap);
    if (rc == 0) {
        emu_error e;
        memset(&e, 0, sizeof e);
        rc = emu_card_state_load(card, buf, len, &e);
        explicit_bzero(buf, len);
        free(buf);
        if (rc != 0)
            emu_say(err, cap, "%s: refused: %s", path, e.message);
    } else if (rc == 1) {
        rc = save_now(sf, err, cap); /* a new card: its state as the profile makes it */
    }
    if (rc != 0) {
        emu_statefile_close(sf);
        return NULL;
    }
    emu_card_set_persist(card, persist, sf);
    return sf;
}

void emu_statefile_close(emu_statefile *sf)
{
    if (!sf)
        return;
    emu_card_set_persist(sf->card, NULL, NULL);
    free(sf->path);
    free(sf);
}

int emu_statefile_save(emu_statefile *sf, char *err, size_t cap)
{
    return save_now(sf, err, cap);
}

void emu_statefile_fail_next_write(emu_statefile *sf)
{
    sf->cut_next = true;
}

int emu_statefile_power_cut(void *ctx, char *msg, size_t cap)
{
    emu_statefile_fail_next_write(ctx);
    if (msg && cap)
        snprintf(msg, cap, "the next durable write is cut");
    return 0;
}
