/* DataContainer methods: SELECT the container's file, READ BINARY its content. */
#include <stdlib.h>
#include <string.h>

#include "px_apdu.h"
#include "px_error.h"
#include "px_handle.h"

/* Largest content read when the device does not report a size: B0 offsets end at 32767. */
#define PX_READ_ALL_MAX (PX_READ_BINARY_MAX_OFFSET + 1)

static void px_dc_leave(px_conn *c);

/* Clears the last error, validates a container handle, locks its device and opens the
 * transaction; then checks the output pointer `out` (named `what` in the message). */
static isoIec23465_Status px_dc_enter(const isoIec23465_Handle *dc, const void *out,
                                      const char *what, px_conn **c)
{
    px_error_clear();
    isoIec23465_Status st = px_handle_enter(dc, isoIec23465_TypeDataContainer, c);
    if (st != isoIec23465_Success)
        return st;
    if (!dc->obj || !(*c)->desc)
        st = px_error_set(isoIec23465_IllegalState, isoIec23465_OriginLocal,
                          "container has no card reference");
    else
        st = px_apdu_begin(*c);
    if (st != isoIec23465_Success) {
        px_handle_leave(*c);
        return st;
    }
    if (!out) {
        px_dc_leave(*c);
        return px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal, "NULL %s", what);
    }
    return isoIec23465_Success;
}

static void px_dc_leave(px_conn *c)
{
    px_apdu_end(c);
    px_handle_leave(c);
}

/* Selects the container and learns its size, reading the content when the FCP does not say.
 * When the content had to be read, *content (malloc'ed) holds it. */
static isoIec23465_Status px_dc_size(px_conn *c, const isoIec23465_Handle *dc, size_t *size,
                                     uint8_t **content)
{
    *content = NULL;
    isoIec23465_Status st = px_apdu_select_obj(c, dc->obj, size);
    if (st != isoIec23465_Success || *size != PX_SIZE_UNKNOWN)
        return st;
    uint8_t *buf = malloc(PX_READ_ALL_MAX);
    if (!buf)
        return px_error_set(isoIec23465_NotEnoughMemory, isoIec23465_OriginLocal, "out of memory");
    size_t got = 0;
    st = px_apdu_read_binary(c, 0, PX_READ_ALL_MAX, true, buf, &got);
    if (st != isoIec23465_Success) {
        free(buf);
        return st;
    }
    *size = got;
    *content = buf;
    return isoIec23465_Success;
}

/* Reads [offset, offset+length) into buf after the size is known. */
static isoIec23465_Status px_dc_read(px_conn *c, size_t size, const uint8_t *content, size_t offset,
                                     size_t length, uint8_t *buf)
{
    if (content) {
        memcpy(buf, content + offset, length);
        return isoIec23465_Success;
    }
    size_t got = 0;
    isoIec23465_Status st = px_apdu_read_binary(c, offset, length, false, buf, &got);
    if (st == isoIec23465_Success && got != length)
        st =
            px_error_set(isoIec23465_SecurityDeviceError, isoIec23465_OriginDevice,
                         "content ended at %zu bytes, the device reported %zu", offset + got, size);
    return st;
}

isoIec23465_Status isoIec23465_DataContainer_getSize(isoIec23465_DataContainer *container,
                                                     size_t *size)
{
    px_conn *c;
    isoIec23465_Status st = px_dc_enter(container, size, "size", &c);
    if (st != isoIec23465_Success)
        return st;
    uint8_t *content;
    size_t s;
    st = px_dc_size(c, container, &s, &content);
    free(content);
    if (st == isoIec23465_Success)
        *size = s;
    px_dc_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_DataContainer_getData(isoIec23465_DataContainer *container,
                                                     uint8_t *buf, size_t *len)
{
    px_conn *c;
    isoIec23465_Status st = px_dc_enter(container, len, "len", &c);
    if (st != isoIec23465_Success)
        return st;
    uint8_t *content;
    size_t size;
    st = px_dc_size(c, container, &size, &content);
    if (st == isoIec23465_Success && buf)
        st = *len < size ? px_error_buffer(size) : px_dc_read(c, size, content, 0, size, buf);
    if (st == isoIec23465_Success)
        *len = size; /* the size alone when buf is NULL */
    free(content);
    px_dc_leave(c);
    return st;
}

isoIec23465_Status isoIec23465_DataContainer_getDataRange(isoIec23465_DataContainer *container,
                                                          size_t offset, size_t length,
                                                          uint8_t *buf, size_t *len)
{
    px_conn *c;
    isoIec23465_Status st = px_dc_enter(container, len, "len", &c);
    if (st != isoIec23465_Success)
        return st;
    if (buf && *len < length) {
        px_dc_leave(c);
        return px_error_buffer(length);
    }
    uint8_t *content;
    size_t size;
    st = px_dc_size(c, container, &size, &content);
    if (st == isoIec23465_Success && (offset > size || length > size - offset))
        st = px_error_set(isoIec23465_IllegalArgument, isoIec23465_OriginLocal,
                          "range %zu+%zu lies outside the %zu-byte content", offset, length, size);
    if (st == isoIec23465_Success && buf)
        st = px_dc_read(c, size, content, offset, length, buf);
    if (st == isoIec23465_Success)
        *len = length; /* the length alone when buf is NULL */
    free(content);
    px_dc_leave(c);
    return st;
}
