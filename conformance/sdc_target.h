/* The device under test and what the conformance tests expect of it. */
#ifndef SDC_TARGET_H
#define SDC_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdc_api.h"
#include "sdc_card.h"

/* The device spec given with --device ("pcsc:<reader>" or "emu:<profile>"). Criterion runs
 * each test in a fresh process image, so main hands it over in the environment variable
 * SDCONFORM_DEVICE and tests read it through sdc_spec(). */
#define SDC_DEVICE_ENV "SDCONFORM_DEVICE"
const char *sdc_spec(void);

/* The expectations: the built-in reference card or the --card description (sdc_card.h). */
#define sdc_containers (sdc_card_get()->containers)
#define sdc_n_containers (sdc_card_get()->n_containers)
#define sdc_app_aid (sdc_card_get()->app_aid)
#define sdc_app_aid_len (sdc_card_get()->app_aid_len)
#define sdc_app_label (sdc_card_get()->app_label)
#define sdc_app_container (sdc_card_get()->app_container) /* a container in that application */

/* Skips the running test, with the reason, unless a card description was given (--card). */
void sdc_need_card(const char *what);

/* Skips the running test, with the reason, unless --allow-destructive was given. */
void sdc_need_destructive(const char *what);

/* Skips the running test unless the expectations name an application. */
void sdc_need_application(void);

/* Out-parameters start as a value no check accepts, so a proxy that answers Success without
 * writing them fails the check instead of leaving it to read indeterminate memory. */
#define SDC_NO_TYPE ((isoIec23465_ObjectType)0)

/* Whether the device under test is this project's emulator: an emu: spec, or the reader
 * `sdemu run` made (SDEMU_READER). Tests that spend a PIN's last try run only there. */
bool sdc_target_is_emulator(void);

/* Per-test fixture state. */
extern isoIec23465_SecurityDevice *sdc_dev;
extern isoIec23465_RootApplication *sdc_root;

/* Criterion .init / .fini: connect to the device and get its root application (asserts). */
void sdc_connect(void);
void sdc_disconnect(void);

/* findObject on the root that must succeed. */
isoIec23465_Object *sdc_find(const char *label);

/* The last error's message, for assertion texts. */
const char *sdc_why(void);

/* Asserts that `call` (an API call) returns the status `want`; optional printf-style note.
 * The assertion text has a fixed shape the report parses:
 *   "<function>: expected <Status>, got <Status>[ (last error: <text>)][ -- <note>]"
 * and, with full statistics on, passing checks are recorded too (the statuses seen). */
#define sdc_assert_status(...)                                                                     \
    SDC_PICK_(__VA_ARGS__, SDC_AS_N_, SDC_AS_N_, SDC_AS_N_, SDC_AS_N_, SDC_AS_N_, SDC_AS_N_,       \
              SDC_AS_N_, SDC_AS_2_, SDC_NONE_)                                                     \
    (__VA_ARGS__)
/* Picks the 10th argument: SDC_AS_2_ for (call, want), SDC_AS_N_ with a note (up to 7 more). */
#define SDC_PICK_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, ...) a10
#define SDC_AS_2_(call, want) sdc_assert_status_(call, want, "%s", "")
#define SDC_AS_N_(call, want, ...) sdc_assert_status_(call, want, __VA_ARGS__)
#define sdc_assert_status_(call, want, ...)                                                        \
    do {                                                                                           \
        isoIec23465_Status sdc_got_ = (call);                                                      \
        char sdc_msg_[768];                                                                        \
        sdc_status_text(sdc_msg_, sizeof sdc_msg_, sdc_got_, (want), __VA_ARGS__);                 \
        cr_assert(sdc_got_ == (want), "%s", sdc_msg_);                                             \
    } while (0)

/* Asserts that a size or count equals `want`; same message shape with numbers
 *   "<last function called>: expected <want>, got <got>[ -- <note>]". */
#define sdc_assert_size(...)                                                                       \
    SDC_PICK_(__VA_ARGS__, SDC_AZ_N_, SDC_AZ_N_, SDC_AZ_N_, SDC_AZ_N_, SDC_AZ_N_, SDC_AZ_N_,       \
              SDC_AZ_N_, SDC_AZ_2_, SDC_NONE_)                                                     \
    (__VA_ARGS__)
#define SDC_AZ_2_(got, want) sdc_assert_size_(got, want, "%s", "")
#define SDC_AZ_N_(got, want, ...) sdc_assert_size_(got, want, __VA_ARGS__)
#define sdc_assert_size_(got, want, ...)                                                           \
    do {                                                                                           \
        size_t sdc_g_ = (size_t)(got), sdc_w_ = (size_t)(want);                                    \
        char sdc_msg_[512];                                                                        \
        sdc_size_text(sdc_msg_, sizeof sdc_msg_, sdc_g_, sdc_w_, __VA_ARGS__);                     \
        cr_assert(sdc_g_ == sdc_w_, "%s", sdc_msg_);                                               \
    } while (0)

/* Formats the text of sdc_assert_size into buf. */
void sdc_size_text(char *buf, size_t size, size_t got, size_t want, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Formats the text of sdc_assert_status into buf. */
void sdc_status_text(char *buf, size_t size, isoIec23465_Status got, isoIec23465_Status want,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
