/* Level 1, classes Authenticator and Password, against the passwords a card description names
 * (--card): without one these tests are skipped, since the suite cannot know a card's PINs.
 *
 * PIN safety: a test that may spend a try reads the retry counter first and is skipped when
 * only one try is left (sdconform never spends the last try of a PIN or PUK), and a test that
 * spends a try on purpose (a wrong value) runs only with --allow-destructive. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sdc_target.h"

TestSuite(L1_Authenticator, .init = sdc_connect, .fini = sdc_disconnect,
          .description = "L1.Authenticator: getRemainingTries, getMaxTries, getStatus, "
                         "resetStatus");
TestSuite(L1_Password, .init = sdc_connect, .fini = sdc_disconnect,
          .description = "L1.Password: verify, getLengthRange");

/* The first password of the description, or a skip. */
static const sdc_password *sdc_first_password(void)
{
    sdc_need_card("a password");
    const sdc_card *c = sdc_card_get();
    if (c->n_passwords == 0)
        cr_skip_test("the card description names no password");
    return &c->passwords[0];
}

/* The retry counter of `pw`, which must be readable. */
static int sdc_tries_left(isoIec23465_Authenticator *a, const sdc_password *pw)
{
    int tries = -1;
    sdc_assert_status(isoIec23465_Authenticator_getRemainingTries(a, &tries), isoIec23465_Success,
                      "%s: the suite reads the counter before presenting a value", pw->label);
    return tries;
}

/* Skips the test unless `pw` has more than `spend` tries left: the last try is never spent. */
static void sdc_keep_last_try(isoIec23465_Authenticator *a, const sdc_password *pw, int spend)
{
    int left = sdc_tries_left(a, pw);
    if (left <= spend)
        cr_skip_test("'%s' has %d tr%s left: sdconform never spends the last try of a PIN or "
                     "PUK (reset the counter, then run again)",
                     pw->label, left, left == 1 ? "y" : "ies");
}

/* A value of the same length that differs from `pw`'s in its last character. */
static void sdc_wrong_value(const sdc_password *pw, char *buf, size_t size)
{
    snprintf(buf, size, "%s", pw->value);
    size_t n = strlen(buf);
    if (n == 0)
        return;
    char *c = &buf[n - 1];
    if (*c >= '0' && *c <= '9')
        *c = (char)('0' + (*c - '0' + 1) % 10);
    else
        *c = *c == 'x' ? 'y' : 'x';
}

Test(L1_Authenticator, getMaxTries_of_described_passwords)
{
    sdc_first_password();
    const sdc_card *c = sdc_card_get();
    for (size_t i = 0; i < c->n_passwords; i++) {
        const sdc_password *pw = &c->passwords[i];
        int max = -1;
        sdc_assert_status(isoIec23465_Authenticator_getMaxTries(sdc_find(pw->label), &max),
                          isoIec23465_Success, "%s", pw->label);
        if (pw->max_tries)
            sdc_assert_size(max, pw->max_tries, "retry limit of %s", pw->label);
        else
            cr_assert(max > 0, "%s: retry limit %d", pw->label, max);
    }
}

Test(L1_Authenticator, getRemainingTries_of_described_passwords)
{
    sdc_first_password();
    const sdc_card *c = sdc_card_get();
    for (size_t i = 0; i < c->n_passwords; i++) {
        const sdc_password *pw = &c->passwords[i];
        isoIec23465_Authenticator *a = sdc_find(pw->label);
        int left = sdc_tries_left(a, pw);
        int max = pw->max_tries ? pw->max_tries : 255;
        cr_assert(left >= 0 && left <= max, "%s: %d tries left, limit %d", pw->label, left, max);
    }
}

Test(L1_Authenticator, getRemainingTries_refuses_bad_arguments_described)
{
    const sdc_password *pw = sdc_first_password();
    int tries = -7;
    sdc_assert_status(isoIec23465_Authenticator_getRemainingTries(sdc_find(pw->label), NULL),
                      isoIec23465_IllegalArgument);
    sdc_assert_status(isoIec23465_Authenticator_getRemainingTries(sdc_root, &tries),
                      isoIec23465_IllegalArgument, "the root is not an Authenticator");
    sdc_assert_status(
        isoIec23465_Authenticator_getRemainingTries(sdc_find(sdc_containers[0].label), &tries),
        isoIec23465_IllegalArgument, "a data container is not an Authenticator");
    cr_assert_eq(tries, -7, "out-parameter untouched");
}

Test(L1_Authenticator, getStatus_follows_described_verify)
{
    const sdc_password *pw = sdc_first_password();
    isoIec23465_Authenticator *a = sdc_find(pw->label);
    /* A correct value spends nothing, but a wrong description would: keep the last try. */
    sdc_keep_last_try(a, pw, 1);
    isoIec23465_AuthenticatorStatus st = (isoIec23465_AuthenticatorStatus)0;
    sdc_assert_status(isoIec23465_Authenticator_getStatus(a, &st), isoIec23465_Success);
    cr_assert_eq(st, isoIec23465_AuthNotVerified, "%s before verify: status %d", pw->label, st);
    sdc_assert_status(isoIec23465_Password_verify(a, (const uint8_t *)pw->value, strlen(pw->value)),
                      isoIec23465_Success, "%s with the description's value", pw->label);
    sdc_assert_status(isoIec23465_Authenticator_getStatus(a, &st), isoIec23465_Success);
    cr_assert_eq(st, isoIec23465_AuthVerified, "%s after verify: status %d", pw->label, st);
    sdc_assert_status(isoIec23465_Authenticator_resetStatus(a), isoIec23465_Success);
    sdc_assert_status(isoIec23465_Authenticator_getStatus(a, &st), isoIec23465_Success);
    cr_assert_eq(st, isoIec23465_AuthNotVerified, "%s after resetStatus: status %d", pw->label, st);
}

Test(L1_Password, getLengthRange_of_described_passwords)
{
    sdc_first_password();
    const sdc_card *c = sdc_card_get();
    for (size_t i = 0; i < c->n_passwords; i++) {
        const sdc_password *pw = &c->passwords[i];
        size_t lo = 0, hi = 0;
        sdc_assert_status(isoIec23465_Password_getLengthRange(sdc_find(pw->label), &lo, &hi),
                          isoIec23465_Success, "%s", pw->label);
        sdc_assert_size(lo, pw->min_length, "minimum length of %s", pw->label);
        sdc_assert_size(hi, pw->max_length, "maximum length of %s", pw->label);
    }
}

Test(L1_Password, getLengthRange_refuses_bad_arguments)
{
    const sdc_password *pw = sdc_first_password();
    size_t lo = 77, hi = 77;
    sdc_assert_status(isoIec23465_Password_getLengthRange(sdc_find(pw->label), NULL, &hi),
                      isoIec23465_IllegalArgument);
    sdc_assert_status(
        isoIec23465_Password_getLengthRange(sdc_find(sdc_containers[0].label), &lo, &hi),
        isoIec23465_IllegalArgument, "a data container is not a Password");
    cr_assert(lo == 77 && hi == 77, "out-parameters untouched");
}

Test(L1_Password, verify_described_value)
{
    const sdc_password *pw = sdc_first_password();
    isoIec23465_Password *p = sdc_find(pw->label);
    /* No counter check of its own: on a physical card the suite's guard (sdc_guard.h) reads the
     * counter inside Password_verify and skips the test when one try is left. */
    int before = sdc_tries_left(p, pw);
    sdc_assert_status(isoIec23465_Password_verify(p, (const uint8_t *)pw->value, strlen(pw->value)),
                      isoIec23465_Success, "%s with the description's value", pw->label);
    int after = sdc_tries_left(p, pw);
    cr_assert(after >= before, "%s: a correct value spent a try (%d, then %d)", pw->label, before,
              after);
}

Test(L1_Password, verify_wrong_value_then_restore)
{
    const sdc_password *pw = sdc_first_password();
    sdc_need_destructive("a wrong value spends a try");
    isoIec23465_Password *p = sdc_find(pw->label);
    sdc_keep_last_try(p, pw, 1);
    int before = sdc_tries_left(p, pw);
    char wrong[SDC_CARD_SECRET];
    sdc_wrong_value(pw, wrong, sizeof wrong);
    sdc_assert_status(isoIec23465_Password_verify(p, (const uint8_t *)wrong, strlen(wrong)),
                      isoIec23465_AuthenticationFailed, "%s with a wrong value", pw->label);
    isoIec23465_ErrorDetails d;
    isoIec23465_getLastError(&d);
    sdc_assert_size(d.remainingTries, before - 1, "remainingTries in the error details of %s",
                    pw->label);
    sdc_assert_size(sdc_tries_left(p, pw), before - 1, "%s after one wrong value", pw->label);
    /* Gives the try back: a correct value resets the counter. */
    sdc_assert_status(isoIec23465_Password_verify(p, (const uint8_t *)pw->value, strlen(pw->value)),
                      isoIec23465_Success, "%s: restoring the counter", pw->label);
    int after = sdc_tries_left(p, pw);
    cr_assert(after >= before, "%s: counter %d after a correct value, %d before", pw->label, after,
              before);
}

Test(L1_Password, verify_refuses_described_bad_lengths)
{
    const sdc_password *pw = sdc_first_password();
    /* A proxy that sent these to the card would spend tries: only with --allow-destructive. */
    sdc_need_destructive("a faulty proxy would spend tries");
    isoIec23465_Password *p = sdc_find(pw->label);
    sdc_keep_last_try(p, pw, 2);
    int before = sdc_tries_left(p, pw);
    char longer[SDC_CARD_SECRET * 2 + 2];
    memset(longer, '1', pw->max_length + 1);
    sdc_assert_status(isoIec23465_Password_verify(p, (const uint8_t *)longer, pw->max_length + 1),
                      isoIec23465_IllegalArgument, "%s: one character over the maximum", pw->label);
    if (pw->min_length > 0)
        sdc_assert_status(
            isoIec23465_Password_verify(p, (const uint8_t *)pw->value, pw->min_length - 1),
            isoIec23465_IllegalArgument, "%s: one character under the minimum", pw->label);
    sdc_assert_status(isoIec23465_Password_verify(p, NULL, 4), isoIec23465_IllegalArgument);
    sdc_assert_size(sdc_tries_left(p, pw), before, "%s: refused values must not reach the card",
                    pw->label);
}
