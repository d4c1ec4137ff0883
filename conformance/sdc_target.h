/* The device under test and what the conformance tests expect of it. */
#ifndef SDC_TARGET_H
#define SDC_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "isoiec23465.h"

/* The device spec given with --device ("pcsc:<reader>" or "emu:<profile>"). Criterion runs
 * each test in a fresh process image, so main hands it over in the environment variable
 * SDCONFORM_DEVICE and tests read it through sdc_spec(). */
#define SDC_DEVICE_ENV "SDCONFORM_DEVICE"
const char *sdc_spec(void);

/* One data container the target must hold, with a generator for its expected content. */
typedef struct sdc_container {
    const char *label;
    uint8_t id[2];
    size_t size;
    uint8_t (*byte)(size_t i); /* expected byte at offset i */
} sdc_container;

/* The expectations for the sdtest reference card (vectors/profiles/default.yaml). Later
 * versions read them from conformance vectors per target. */
extern const sdc_container sdc_containers[];
extern const size_t sdc_n_containers;
extern const uint8_t sdc_app_aid[12];
extern const char sdc_app_label[];
extern const char sdc_app_container[]; /* label of a container inside that application */

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

#endif
