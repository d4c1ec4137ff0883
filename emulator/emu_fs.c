/* The file tree: copying and freeing. */
#include "emu_fs.h"

#include <stdlib.h>
#include <string.h>

static void file_free_content(emu_file *f)
{
    free(f->data);
    free(f->record_len);
    free(f->label);
    f->data = NULL;
    f->record_len = NULL;
    f->label = NULL;
}

void emu_fs_clear(emu_fs *fs)
{
    if (!fs->files)
        return;
    for (uint16_t i = 0; i < fs->count; i++)
        file_free_content(&fs->files[i]);
    free(fs->files);
    fs->files = NULL;
    fs->count = 0;
}

static void *dup_bytes(const void *src, size_t n, bool *ok)
{
    if (!src || n == 0)
        return NULL;
    void *p = malloc(n);
    if (!p) {
        *ok = false;
        return NULL;
    }
    memcpy(p, src, n);
    return p;
}

bool emu_fs_copy(emu_fs *dst, const emu_fs *src)
{
    dst->files = NULL;
    dst->count = 0;
    if (src->count == 0)
        return true;
    emu_file *files = calloc(src->count, sizeof *files);
    if (!files)
        return false;
    bool ok = true;
    for (uint16_t i = 0; i < src->count; i++) {
        const emu_file *s = &src->files[i];
        emu_file *d = &files[i];
        *d = *s;
        d->data = dup_bytes(s->data, s->size, &ok);
        d->record_len = dup_bytes(s->record_len, s->record_count, &ok);
        d->label = s->label ? dup_bytes(s->label, strlen(s->label) + 1, &ok) : NULL;
    }
    dst->files = files;
    dst->count = src->count;
    if (!ok)
        emu_fs_clear(dst);
    return ok;
}
