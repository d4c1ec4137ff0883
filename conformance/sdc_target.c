/* Fixtures and the reference card's expected content. */
#include "sdc_target.h"

#include "sdc_control.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *sdc_spec(void)
{
    const char *s = getenv(SDC_DEVICE_ENV);
    return s ? s : "";
}
isoIec23465_SecurityDevice *sdc_dev;
isoIec23465_RootApplication *sdc_root;

void sdc_need_card(const char *what)
{
    if (!sdc_card_described())
        cr_skip_test("needs a card description (--card) naming %s", what);
}

void sdc_need_destructive(const char *what)
{
    if (!sdc_destructive_allowed())
        cr_skip_test("%s: changes the card or spends PIN tries; runs only with "
                     "--allow-destructive",
                     what);
}

void sdc_need_application(void)
{
    if (sdc_app_aid_len == 0)
        cr_skip_test("the card description names no application");
}

const char *sdc_why(void)
{
    static _Thread_local isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    return d.message;
}

void sdc_connect(void)
{
    /* the emulator behind pcscd: back to the card of the run's start (sdc_control.h) */
    const char *snapshot = sdc_control_snapshot();
    if (snapshot && sdc_control_available()) {
        char reply[256];
        cr_assert(sdc_control_reply(reply, sizeof reply, "restore %s", snapshot),
                  "fixture: restore the emulator's card: %s", reply);
    }
    sdc_assert_status(isoIec23465_connectSecurityDeviceBySpec(sdc_spec(), &sdc_dev),
                      isoIec23465_Success, "fixture: connect %s", sdc_spec());
    sdc_assert_status(isoIec23465_SecurityDevice_getRootApplication(sdc_dev, &sdc_root),
                      isoIec23465_Success, "fixture");
}

void sdc_disconnect(void)
{
    isoIec23465_disconnectSecurityDevice(sdc_dev);
    sdc_dev = NULL;
    sdc_root = NULL;
}

isoIec23465_Object *sdc_find(const char *label)
{
    isoIec23465_Object *o = NULL;
    sdc_assert_status(isoIec23465_SecurityDeviceApplication_findObject(sdc_root, label, &o),
                      isoIec23465_Success, "helper: find \"%s\"", label);
    return o;
}

void sdc_status_text(char *buf, size_t size, isoIec23465_Status got, isoIec23465_Status want,
                     const char *fmt, ...)
{
    char note[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
    const char *fn = sdc_api_last();
    int n = snprintf(buf, size, "%s: expected %s, got %s", *fn ? fn : "?",
                     sdc_api_status_name(want), sdc_api_status_name(got));
    if (n < 0 || (size_t)n >= size)
        return;
    if (got != want && got != isoIec23465_Success) {
        isoIec23465_ErrorDetails d;
        isoIec23465_getLastError(&d);
        if (d.message[0]) {
            int m = snprintf(buf + n, size - (size_t)n, " (last error: %s)", d.message);
            if (m < 0 || (size_t)m >= size - (size_t)n)
                return;
            n += m;
        }
    }
    if (note[0])
        snprintf(buf + n, size - (size_t)n, " -- %s", note);
}

void sdc_size_text(char *buf, size_t size, size_t got, size_t want, const char *fmt, ...)
{
    char note[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
    const char *fn = sdc_api_last();
    snprintf(buf, size, "%s: expected %zu, got %zu%s%s", *fn ? fn : "?", want, got,
             note[0] ? " -- " : "", note);
}
