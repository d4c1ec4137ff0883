/* Footprint (issue #5): the heap the proxy holds for one connected reference card, with its
 * objects discovered, must stay within PX_HEAP_BUDGET bytes. The emulated card runs in this
 * process (emu:), so its own allocations are metered separately and left out. */
#include <criterion/criterion.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "isoiec23465.h"
#include "px_handle.h"
#include "px_transport.h"

#define PX_HEAP_BUDGET (64 * 1024)

/* Bytes handed out by malloc, from the arenas and as separate mappings. */
static long heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return (long)(m.uordblks + m.hblkhd);
}

/* A decorator that charges what the heap grows while the card answers to the card. */
typedef struct meter {
    px_transport inner;
    long card_bytes;
} meter;

static isoIec23465_Status meter_transmit(void *ctx, const uint8_t *cmd, size_t cmd_len,
                                         uint8_t *resp, size_t cap, size_t *resp_len)
{
    meter *m = ctx;
    long before = heap_in_use();
    isoIec23465_Status st = m->inner.ops->transmit(m->inner.ctx, cmd, cmd_len, resp, cap, resp_len);
    m->card_bytes += heap_in_use() - before;
    return st;
}

static isoIec23465_Status meter_reset(void *ctx)
{
    meter *m = ctx;
    return m->inner.ops->reset(m->inner.ctx);
}

static isoIec23465_Status meter_atr(void *ctx, uint8_t *atr, size_t cap, size_t *len)
{
    meter *m = ctx;
    return m->inner.ops->atr(m->inner.ctx, atr, cap, len);
}

static void meter_close(void *ctx)
{
    meter *m = ctx;
    m->inner.ops->close(m->inner.ctx);
}

static const px_transport_ops meter_ops = {
    .transmit = meter_transmit, .reset = meter_reset, .atr = meter_atr, .close = meter_close};

/* Labels of the reference card looked up after connecting (each makes a handle). */
static const char *const labels[] = {"public-256", "public-4096", "ef-dir", "app-hello", "user"};

Test(footprint, heap_of_one_connected_reference_card)
{
    /* mallinfo2 must see this allocator (it does not under valgrind, which replaces malloc). */
    long probe0 = heap_in_use();
    void *volatile probe = malloc(4096); /* volatile: the pair must not be optimised away */
    long probe1 = heap_in_use();
    free(probe);
    if (probe1 - probe0 < 4096)
        cr_skip_test("mallinfo2 does not see the allocator in use (valgrind?): cannot measure");

    static meter m;
    isoIec23465_Status st = px_transport_emu_open(PX_TEST_PROFILE, &m.inner);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "emu: %s", d.message);
    px_transport t = {.ops = &meter_ops, .ctx = &m};
    px_devinfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.identifier, sizeof info.identifier, "emu:%s", PX_TEST_PROFILE);

    long base = heap_in_use(); /* the card exists already: not counted */
    isoIec23465_SecurityDevice *dev = NULL;
    st = px_connect_transport(&t, &info, &dev);
    isoIec23465_getLastError(&d);
    cr_assert_eq(st, isoIec23465_Success, "connect: %s", d.message);
    long after_connect = heap_in_use() - base - m.card_bytes;
    isoIec23465_RootApplication *root;
    cr_assert_eq(isoIec23465_SecurityDevice_getRootApplication(dev, &root), isoIec23465_Success);
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        isoIec23465_Object *o;
        st = isoIec23465_SecurityDeviceApplication_findObject(root, labels[i], &o);
        cr_assert_eq(st, isoIec23465_Success, "findObject %s", labels[i]);
    }
    long proxy = heap_in_use() - base - m.card_bytes;
    cr_log_info("proxy heap: %ld bytes after connect, %ld with root and %zu object handles "
                "(card: %ld bytes while answering)",
                after_connect, proxy, sizeof labels / sizeof labels[0], m.card_bytes);
    fprintf(stderr, "footprint: proxy heap %ld bytes after connect, %ld with handles\n",
            after_connect, proxy);
    size_t n_objs = dev->conn->desc ? dev->conn->desc->n_objs : 0;
    cr_expect_leq(proxy, PX_HEAP_BUDGET,
                  "the proxy holds %ld bytes for one connected device (budget %d); px_conn %zu, "
                  "px_desc %zu (%zu objects of %zu bytes in use), handle %zu bytes",
                  proxy, PX_HEAP_BUDGET, sizeof(px_conn), sizeof(px_desc), n_objs,
                  sizeof(px_desc_obj), sizeof(isoIec23465_Handle));
    isoIec23465_disconnectSecurityDevice(dev);
}
