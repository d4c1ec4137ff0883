/* Several threads on one connection: the standard's objects are shared by the application's
 * threads, so a proxy must serialise calls on a device and keep each call's APDUs together. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sdc_target.h"

#define SDC_THREADS 4
#define SDC_ROUNDS 25

typedef struct sdc_worker {
    isoIec23465_DataContainer *dc[2]; /* two files: a SELECT between them matters */
    const sdc_container *c[2];        /* their expected content */
    int bad;                          /* calls that failed or read wrong bytes */
    char why[256];
} sdc_worker;

static void *sdc_worker_run(void *arg)
{
    sdc_worker *w = arg;
    static _Thread_local uint8_t buf[8192];
    for (int i = 0; i < SDC_ROUNDS; i++) {
        const sdc_container *c = w->c[i & 1];
        size_t len = sizeof buf;
        isoIec23465_Status st = isoIec23465_DataContainer_getData(w->dc[i & 1], buf, &len);
        bool ok = st == isoIec23465_Success && len == c->size && memcmp(buf, c->data, len) == 0;
        if (!ok && w->bad++ == 0)
            snprintf(w->why, sizeof w->why, "round %d, %s: %s, %zu bytes (%s)", i, c->label,
                     sdc_api_status_name(st), len, sdc_why());
    }
    return NULL;
}

/* In the suite of the function it exercises (its .init connects). */
Test(L1_DataContainer, getData_from_several_threads)
{
    /* the first two containers the target is expected to hold (one when it has only one) */
    const sdc_card *card = sdc_card_get();
    cr_assert(card->n_containers >= 1, "no container to read");
    const sdc_container *c0 = &card->containers[0];
    const sdc_container *c1 = &card->containers[card->n_containers > 1 ? 1 : 0];
    cr_assert(c0->size <= 8192 && c1->size <= 8192, "containers larger than the test buffer");
    sdc_worker w[SDC_THREADS];
    pthread_t t[SDC_THREADS];
    for (int i = 0; i < SDC_THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].dc[0] = sdc_find(c0->label);
        w[i].dc[1] = sdc_find(c1->label);
        w[i].c[0] = c0;
        w[i].c[1] = c1;
        cr_assert_eq(pthread_create(&t[i], NULL, sdc_worker_run, &w[i]), 0);
    }
    for (int i = 0; i < SDC_THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < SDC_THREADS; i++)
        cr_assert_eq(w[i].bad, 0, "thread %d: %d of %d getData calls wrong; first: %s", i, w[i].bad,
                     SDC_ROUNDS, w[i].why);
}
