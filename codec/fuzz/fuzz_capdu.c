/* Command APDU decoder: whatever it accepts must re-encode to the same bytes and decode to the
 * same fields. */
#include "codec_apdu.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_fields(const codec_capdu *a, const codec_capdu *b)
{
    if (a->cla != b->cla || a->ins != b->ins || a->p1 != b->p1 || a->p2 != b->p2 ||
        a->apdu_case != b->apdu_case || a->lc != b->lc || a->ne != b->ne)
        return false;
    if ((a->data == NULL) != (b->data == NULL))
        return false;
    if (a->lc == 0)
        return true;
    return a->data && b->data && memcmp(a->data, b->data, a->lc) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t enc[CODEC_CAPDU_MAX];
    codec_capdu first, second;

    if (codec_capdu_decode(data, size, &first) != CODEC_APDU_OK)
        return 0;
    if (first.lc > 0 && (first.data < data || first.lc > size - (size_t)(first.data - data)))
        abort(); /* data must point inside the input */
    size_t n = codec_capdu_encode(&first, codec_capdu_is_extended(&first), enc, sizeof enc);
    if (n == 0)
        abort();
    if (codec_capdu_decode(enc, n, &second) != CODEC_APDU_OK)
        abort();
    if (!same_fields(&first, &second))
        abort();
    /* The decoder accepts only canonical encodings, so the bytes come back unchanged. */
    if (n != size || memcmp(enc, data, n) != 0)
        abort();
    return 0;
}
