/* sdc_cases: conformance cases as data.
 *
 * Each YAML file under vectors/conformance/ (format in docs/conformance.md, "Cases as data")
 * holds one suite: its name (L<level>_<Class>), default variables, and cases made of steps. A
 * step calls one API function with named arguments and states the expected status and value, or
 * runs a semantic check with OpenSSL (a signature verified against the exported public key, a
 * ciphertext made for the card's key, ...). Values a step produces are saved under a name and
 * reused by later steps.
 *
 * sdc_cases_register, called by main before the run, adds one Criterion test per case (and a
 * second one, "<case>_async", that makes every call through the non-blocking form). Each test
 * process loads its case again from the file and interprets it. */
#ifndef SDC_CASES_H
#define SDC_CASES_H

#include <stdbool.h>
#include <stddef.h>

struct criterion_test_set;

/* The directory of the case files, handed to the test processes (the --card file's `values`
 * override the cases' variables: SDC_CARD_ENV in sdc_card.h). */
#define SDC_CASES_ENV "SDCONFORM_CASES"

/* The compiled-in case directory (the source tree's vectors/conformance). */
const char *sdc_cases_default_dir(void);

/* Registers every case of every *.yaml file in `dir` (sorted by name) into `set` (Criterion's
 * --filter applies to them as to the other tests). Returns the number of tests registered, or
 * -1 with a message "file: where: why" in `err`. */
int sdc_cases_register(struct criterion_test_set *set, const char *dir, char *err, size_t errLen);

#endif
