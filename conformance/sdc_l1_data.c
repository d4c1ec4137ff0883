/* Level 1, class DataContainer: getData (whole, offset + length) and getSize. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sdc_target.h"

TestSuite(L1_DataContainer, .init = sdc_connect, .fini = sdc_disconnect,
          .description = "L1.DataContainer: getData, getDataRange, getSize");

/* One assertion per range, not per byte: the run records every assertion. */
static void sdc_expect(const sdc_container *c, const uint8_t *b, size_t off, size_t n)
{
    size_t i = 0;
    while (i < n && b[i] == c->data[off + i])
        i++;
    cr_assert_eq(i, n, "%s byte %zu: expected %02X, got %02X", c->label, off + i,
                 i < n ? c->data[off + i] : 0, i < n ? b[i] : 0);
}

Test(L1_DataContainer, getData_whole)
{
    for (size_t i = 0; i < sdc_n_containers; i++) {
        const sdc_container *c = &sdc_containers[i];
        isoIec23465_DataContainer *dc = sdc_find(c->label);
        size_t len = 0;
        sdc_assert_status(isoIec23465_DataContainer_getData(dc, NULL, &len), isoIec23465_Success,
                          "%s", sdc_why());
        sdc_assert_size(len, c->size, "size query of %s", c->label);
        uint8_t *buf = calloc(1, c->size);
        cr_assert_not_null(buf);
        sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success,
                          "%s", sdc_why());
        sdc_assert_size(len, c->size);
        sdc_expect(c, buf, 0, len);
        free(buf);
    }
}

Test(L1_DataContainer, getData_buffer_too_small)
{
    const sdc_container *c = &sdc_containers[0];
    uint8_t buf[16] = {0};
    size_t len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getData(sdc_find(c->label), buf, &len),
                      isoIec23465_BufferTooSmall);
    sdc_assert_size(len, sizeof buf);
    sdc_assert_status(isoIec23465_DataContainer_getData(sdc_root, buf, &len),
                      isoIec23465_IllegalArgument, "the root is not a DataContainer");
}

Test(L1_DataContainer, getDataRange_inside)
{
    for (size_t i = 0; i < sdc_n_containers; i++) {
        const sdc_container *c = &sdc_containers[i];
        isoIec23465_DataContainer *dc = sdc_find(c->label);
        const size_t ranges[][2] = {{0, 1},       {c->size - 1, 1}, {c->size / 3, c->size / 2},
                                    {0, c->size}, {c->size, 0},     {1, c->size - 1}};
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
            uint8_t *buf = calloc(1, c->size + 1);
            size_t len = c->size + 1;
            sdc_assert_status(
                isoIec23465_DataContainer_getDataRange(dc, ranges[r][0], ranges[r][1], buf, &len),
                isoIec23465_Success, "%s %zu+%zu: %s", c->label, ranges[r][0], ranges[r][1],
                sdc_why());
            sdc_assert_size(len, ranges[r][1]);
            sdc_expect(c, buf, ranges[r][0], len);
            free(buf);
        }
    }
}

Test(L1_DataContainer, getDataRange_past_the_end)
{
    const sdc_container *c = &sdc_containers[0];
    isoIec23465_DataContainer *dc = sdc_find(c->label);
    uint8_t buf[8] = {0};
    size_t len = sizeof buf;
    sdc_assert_status(isoIec23465_DataContainer_getDataRange(dc, c->size + 1, 1, buf, &len),
                      isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_DataContainer_getDataRange(dc, c->size - 2, 3, buf, &len),
                      isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_DataContainer_getDataRange(dc, 0, 9, buf, &len),
                      isoIec23465_BufferTooSmall);
    sdc_assert_size(len, sizeof buf);
}

Test(L1_DataContainer, getSize_of_each)
{
    for (size_t i = 0; i < sdc_n_containers; i++) {
        size_t n = 0;
        sdc_assert_status(isoIec23465_DataContainer_getSize(sdc_find(sdc_containers[i].label), &n),
                          isoIec23465_Success, "%s", sdc_why());
        sdc_assert_size(n, sdc_containers[i].size, "%s", sdc_containers[i].label);
    }
}

Test(L1_DataContainer, getSize_refuses_bad_arguments)
{
    size_t n = 7;
    sdc_assert_status(isoIec23465_DataContainer_getSize(sdc_root, &n), isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_DataContainer_getSize(NULL, &n), isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_DataContainer_getSize(sdc_find(sdc_containers[0].label), NULL),
                      isoIec23465_IllegalArgument);
    sdc_assert_size(n, 7, "out-parameter untouched");
}

/* Reads the whole content of `dc` (size bytes) into a fresh buffer. */
static uint8_t *sdc_read_all(isoIec23465_DataContainer *dc, size_t size, const char *label)
{
    uint8_t *buf = calloc(1, size ? size : 1);
    cr_assert_not_null(buf);
    size_t len = size;
    sdc_assert_status(isoIec23465_DataContainer_getData(dc, buf, &len), isoIec23465_Success,
                      "%s: %s", label, sdc_why());
    sdc_assert_size(len, size, "%s", label);
    return buf;
}

Test(L1_DataContainer, setData_described_container_and_restore)
{
    sdc_need_card("a writable container");
    const sdc_card *card = sdc_card_get();
    if (card->n_writable == 0)
        cr_skip_test("the card description names no writable container");
    sdc_need_destructive("writes a container (and restores it)");
    const sdc_writable *w = &card->writable[0];
    const sdc_container *c = NULL;
    for (size_t i = 0; i < sdc_n_containers; i++)
        if (strcmp(sdc_containers[i].label, w->label) == 0)
            c = &sdc_containers[i];
    cr_assert_not_null(c);
    if (w->password[0]) {
        const sdc_password *pw = sdc_card_password(w->password);
        isoIec23465_Password *p = sdc_find(pw->label);
        int left = -1;
        sdc_assert_status(isoIec23465_Authenticator_getRemainingTries(p, &left),
                          isoIec23465_Success, "%s", pw->label);
        if (left <= 1)
            cr_skip_test("'%s' has %d tr%s left: sdconform never spends the last try of a "
                         "PIN or PUK",
                         pw->label, left, left == 1 ? "y" : "ies");
        sdc_assert_status(
            isoIec23465_Password_verify(p, (const uint8_t *)pw->value, strlen(pw->value)),
            isoIec23465_Success, "%s grants the update of %s", pw->label, c->label);
    }
    isoIec23465_DataContainer *dc = sdc_find(c->label);
    uint8_t *orig = sdc_read_all(dc, c->size, c->label);
    uint8_t *changed = malloc(c->size ? c->size : 1);
    cr_assert_not_null(changed);
    for (size_t i = 0; i < c->size; i++)
        changed[i] = (uint8_t)~orig[i];
    sdc_assert_status(isoIec23465_DataContainer_setData(dc, 0, changed, c->size),
                      isoIec23465_Success, "%s: %s", c->label, sdc_why());
    uint8_t *back = sdc_read_all(dc, c->size, c->label);
    bool same = memcmp(back, changed, c->size) == 0;
    free(back);
    /* Restore before judging, so that a failed comparison leaves the card as it was. */
    sdc_assert_status(isoIec23465_DataContainer_setData(dc, 0, orig, c->size), isoIec23465_Success,
                      "%s: restoring the original content: %s", c->label, sdc_why());
    cr_assert(same, "%s: getData after setData does not return the written bytes", c->label);
    back = sdc_read_all(dc, c->size, c->label);
    cr_assert(memcmp(back, orig, c->size) == 0, "%s: original content not restored", c->label);
    free(back);
    free(changed);
    free(orig);
}
