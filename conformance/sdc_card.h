/* What the conformance tests expect of the device: the built-in expectations for the sdtest
 * reference card, or a card description file given with --card (format: docs/conformance.md,
 * "Card descriptions"; example: vectors/conformance/cards/reference-card.yaml).
 *
 * A description tells the suite which objects to use (data containers with their content, an
 * application, passwords with their values, containers it may write) so that the same tests run
 * against a physical card whose content the suite cannot know. */
#ifndef SDC_CARD_H
#define SDC_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDC_CARD_MAX_CONTAINERS 16
#define SDC_CARD_MAX_PASSWORDS 8
#define SDC_CARD_MAX_WRITABLE 8
#define SDC_CARD_TEXT 128
#define SDC_CARD_SECRET 64

/* The environment variables through which main hands the options to the test processes
 * (the same names as the case interpreter's, sdc_cases.h: one --card file serves both). */
#ifndef SDC_CARD_ENV
#define SDC_CARD_ENV "SDCONFORM_CARD" /* path of the --card description */
#endif
#ifndef SDC_DESTRUCTIVE_ENV
#define SDC_DESTRUCTIVE_ENV "SDCONFORM_ALLOW_DESTRUCTIVE" /* "1" with --allow-destructive */
#endif

/* One data container the target must hold, with its expected content. */
typedef struct sdc_container {
    char label[SDC_CARD_TEXT];
    uint8_t id[2];
    size_t size;
    const uint8_t *data; /* size bytes */
} sdc_container;

/* A password (PIN, PUK) the suite may present, with its value. */
typedef struct sdc_password {
    char label[SDC_CARD_TEXT];
    char value[SDC_CARD_SECRET]; /* the correct value, as the holder types it */
    size_t min_length, max_length;
    int max_tries; /* the retry limit; 0 when the description does not say */
} sdc_password;

/* A container the suite may write (with --allow-destructive), restoring it afterwards. */
typedef struct sdc_writable {
    char label[SDC_CARD_TEXT];
    char password[SDC_CARD_TEXT]; /* label of the password that grants the update, or "" */
} sdc_writable;

typedef struct sdc_card {
    char name[SDC_CARD_TEXT];
    char serial[SDC_CARD_TEXT]; /* informational ("" when not given); see --expect-serial */
    bool described;             /* true: read from a --card file; false: built in */
    sdc_container containers[SDC_CARD_MAX_CONTAINERS];
    size_t n_containers;
    uint8_t app_aid[16];
    size_t app_aid_len; /* 0: the description names no application */
    char app_label[SDC_CARD_TEXT];
    char app_container[SDC_CARD_TEXT]; /* label of a container inside the application */
    sdc_password passwords[SDC_CARD_MAX_PASSWORDS];
    size_t n_passwords;
    sdc_writable writable[SDC_CARD_MAX_WRITABLE];
    size_t n_writable;
} sdc_card;

/* Reads and checks a card description. Returns true, or false with "file: where: reason" in
 * err[0..cap). Unknown keys, bad hex and inconsistent sizes refuse the file. The card's
 * buffers are allocated and live as long as the process. */
bool sdc_card_load(const char *path, sdc_card *card, char *err, size_t cap);

/* The expectations of this process: the description named by SDC_CARD_ENV (loaded on first
 * use; a description that fails to load ends the process with a message, which main has
 * checked before any test runs), or the built-in reference card. Never NULL. */
const sdc_card *sdc_card_get(void);

/* Whether a card description was given (--card). */
bool sdc_card_described(void);

/* Whether tests that change the card or spend PIN tries may run (--allow-destructive). */
bool sdc_destructive_allowed(void);

/* The password of that label in the expectations, or NULL. */
const sdc_password *sdc_card_password(const char *label);

#endif
