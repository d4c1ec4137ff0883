/* PIN safety on physical cards (see sdc_guard.h). */
#include "sdc_guard.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdc_card.h"
#include "sdc_target.h"

static __typeof__(isoIec23465_Password_verify) *sdc_real_verify;
static __typeof__(isoIec23465_Password_change) *sdc_real_change;
static __typeof__(isoIec23465_Password_enableRequirement) *sdc_real_enable;
static __typeof__(isoIec23465_Password_disableRequirement) *sdc_real_disable;
static __typeof__(isoIec23465_Authenticator_getRemainingTries) *sdc_real_tries;
static __typeof__(isoIec23465_Object_getLabel) *sdc_real_label;

bool sdc_guard_physical(void)
{
    const char *spec = sdc_spec();
    const char *reader = getenv("SDEMU_READER");
    if (strncmp(spec, "emu:", 4) == 0)
        return false;
    return !(reader && *reader && strncmp(spec, "pcsc:", 5) == 0 && strcmp(spec + 5, reader) == 0);
}

void sdc_guard_password(isoIec23465_Password *pw, const char *what)
{
    if (!criterion_current_test || !sdc_guard_physical())
        return;
    if (!sdc_card_described())
        cr_skip_test("%s presents a PIN value: on a physical card the values come from the card "
                     "description (--card)",
                     what);
    char label[128] = "?";
    size_t len = sizeof label;
    if (!sdc_real_label || sdc_real_label(pw, label, &len) != isoIec23465_Success)
        snprintf(label, sizeof label, "?");
    int left = -1;
    isoIec23465_Status st =
        sdc_real_tries ? sdc_real_tries(pw, &left) : isoIec23465_FunctionNotImplemented;
    if (st != isoIec23465_Success)
        cr_skip_test("%s on '%s': the retry counter cannot be read (%s), so sdconform does not "
                     "present a value that might spend the last try",
                     what, label, sdc_api_status_name(st));
    if (left <= 1)
        cr_skip_test("%s on '%s': %d tr%s left; sdconform never spends the last try of a PIN or "
                     "PUK (reset the counter, then run again)",
                     what, label, left, left == 1 ? "y" : "ies");
}

static isoIec23465_Status sdc_guarded_verify(isoIec23465_Password *pw, const uint8_t *v, size_t n)
{
    sdc_guard_password(pw, "Password_verify");
    return sdc_real_verify(pw, v, n);
}

static isoIec23465_Status sdc_guarded_change(isoIec23465_Password *pw, const uint8_t *o, size_t on,
                                             const uint8_t *v, size_t n)
{
    sdc_guard_password(pw, "Password_change");
    return sdc_real_change(pw, o, on, v, n);
}

static isoIec23465_Status sdc_guarded_enable(isoIec23465_Password *pw, const uint8_t *v, size_t n)
{
    sdc_guard_password(pw, "Password_enableRequirement");
    return sdc_real_enable(pw, v, n);
}

static isoIec23465_Status sdc_guarded_disable(isoIec23465_Password *pw, const uint8_t *v, size_t n)
{
    sdc_guard_password(pw, "Password_disableRequirement");
    return sdc_real_disable(pw, v, n);
}

void sdc_guard_hook(sdc_api_table *t)
{
    sdc_real_tries = t->Authenticator_getRemainingTries;
    sdc_real_label = t->Object_getLabel;
    if (t->Password_verify) {
        sdc_real_verify = t->Password_verify;
        t->Password_verify = sdc_guarded_verify;
    }
    if (t->Password_change) {
        sdc_real_change = t->Password_change;
        t->Password_change = sdc_guarded_change;
    }
    if (t->Password_enableRequirement) {
        sdc_real_enable = t->Password_enableRequirement;
        t->Password_enableRequirement = sdc_guarded_enable;
    }
    if (t->Password_disableRequirement) {
        sdc_real_disable = t->Password_disableRequirement;
        t->Password_disableRequirement = sdc_guarded_disable;
    }
}
