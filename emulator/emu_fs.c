/* The file tree: copying and freeing. */
#include "emu_fs.h"

#include <stdlib.h>
#include <string.h>

#include "codec_bytes.h"

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
    for (uint16_t i = 0; i < fs->do_count; i++)
        free(fs->dos[i].value);
    free(fs->dos);
    fs->dos = NULL;
    fs->do_count = 0;
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

static bool copy_dos(emu_fs *dst, const emu_fs *src)
{
    if (src->do_count == 0)
        return true;
    dst->dos = calloc(src->do_count, sizeof *dst->dos);
    if (!dst->dos)
        return false;
    bool ok = true;
    for (uint16_t i = 0; i < src->do_count; i++) {
        const emu_dobj *s = &src->dos[i];
        dst->dos[i] = *s;
        dst->dos[i].value = malloc(s->cap ? s->cap : 1);
        if (!dst->dos[i].value)
            ok = false;
        else if (s->len)
            memcpy(dst->dos[i].value, s->value, s->len);
        dst->do_count = (uint16_t)(i + 1);
    }
    return ok;
}

bool emu_fs_copy(emu_fs *dst, const emu_fs *src)
{
    dst->files = NULL;
    dst->count = 0;
    dst->dos = NULL;
    dst->do_count = 0;
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
        d->record_len = dup_bytes(s->record_len, s->record_max, &ok);
        d->label = s->label ? dup_bytes(s->label, strlen(s->label) + 1, &ok) : NULL;
    }
    dst->files = files;
    dst->count = src->count;
    if (!copy_dos(dst, src))
        ok = false;
    if (!ok)
        emu_fs_clear(dst);
    return ok;
}

uint16_t emu_fs_child_by_fid(const emu_fs *fs, uint16_t df, uint16_t fid)
{
    const emu_file *files = fs->files;
    for (uint16_t c = files[df].first_child; c != EMU_NONE; c = files[c].next_sibling)
        if (files[c].has_fid && files[c].fid == fid)
            return c;
    return EMU_NONE;
}

uint16_t emu_fs_child_by_sfi(const emu_fs *fs, uint16_t df, uint8_t sfi)
{
    const emu_file *files = fs->files;
    for (uint16_t c = files[df].first_child; c != EMU_NONE; c = files[c].next_sibling)
        if (files[c].type == EMU_FILE_EF && files[c].sfi == sfi)
            return c;
    return EMU_NONE;
}

uint16_t emu_fs_find_path(const emu_fs *fs, uint16_t df, const uint8_t *path, size_t len)
{
    codec_reader r;
    codec_reader_init(&r, path, len);
    uint16_t at = df, fid;
    while (codec_read_u16be(&r, &fid)) {
        if (fs->files[at].type != EMU_FILE_DF)
            return EMU_NONE;
        at = emu_fs_child_by_fid(fs, at, fid);
        if (at == EMU_NONE)
            return EMU_NONE;
    }
    return at;
}

uint8_t emu_fs_effective_lcs(const emu_fs *fs, uint16_t idx)
{
    uint8_t worst = EMU_LCS_ACTIVATED;
    /* the tree is at most EMU_MAX_DEPTH + 2 levels deep */
    for (uint16_t at = idx; at != EMU_NONE; at = fs->files[at].parent) {
        uint8_t l = fs->files[at].lcs;
        if (l >= EMU_LCS_TERMINATED)
            return EMU_LCS_TERMINATED;
        if (l == EMU_LCS_DEACTIVATED || l == 0x06)
            worst = EMU_LCS_DEACTIVATED;
    }
    return worst;
}

uint16_t emu_fs_lcs_check(const emu_fs *fs, uint16_t idx)
{
    switch (emu_fs_effective_lcs(fs, idx)) {
    case EMU_LCS_TERMINATED:
        return 0x6A81;
    case EMU_LCS_DEACTIVATED:
        return 0x6985;
    default:
        return 0;
    }
}

bool emu_fs_is_below(const emu_fs *fs, uint16_t idx, uint16_t anc)
{
    for (uint16_t at = idx; at != EMU_NONE; at = fs->files[at].parent)
        if (at == anc)
            return true;
    return false;
}

emu_dobj *emu_fs_find_do(const emu_fs *fs, uint32_t tag)
{
    for (uint16_t i = 0; i < fs->do_count; i++)
        if (fs->dos[i].tag == tag)
            return &fs->dos[i];
    return NULL;
}
