/* The case interpreter's internals, shared by its modules: values, variables, argument
 * evaluation (sdc_case.c), the API call adapters (sdc_calls.c) and the OpenSSL checks
 * (sdc_checks.c). */
#ifndef SDC_CASE_H
#define SDC_CASE_H

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdc_target.h"

#define SDC_MAX_VARS 96
#define SDC_MAX_BYTES 65536 /* largest byte value a case may hold */
#define SDC_MAX_DEVICES 8   /* devices a case connects itself */

typedef enum sdc_kind {
    SDC_NONE = 0,
    SDC_BYTES, /* also text: text values hold their characters, no NUL */
    SDC_INT,
    SDC_HANDLE,
} sdc_kind;

/* A value: bytes (malloc'ed), an integer, or a handle (owned by the device). */
typedef struct sdc_val {
    sdc_kind kind;
    uint8_t *b;
    size_t n;
    long long i;
    isoIec23465_Handle *h;
} sdc_val;

typedef struct sdc_var {
    char name[64];
    sdc_val v;
    bool absent; /* a fact of the card under test that its --card description does not give */
} sdc_var;

/* One case being run. */
typedef struct sdc_ctx {
    const char *file;  /* case file path */
    const char *suite; /* suite name */
    const char *name;  /* case name without "_async" */
    struct fy_node *step;
    size_t step_no; /* 1-based, for messages */
    bool async;     /* every call through the non-blocking form */
    sdc_var vars[SDC_MAX_VARS];
    size_t n_vars;
    isoIec23465_SecurityDevice *devices[SDC_MAX_DEVICES]; /* connected by steps */
    size_t n_devices;
    isoIec23465_SecurityDeviceList *lists[SDC_MAX_DEVICES]; /* listed by steps */
    size_t n_lists;
} sdc_ctx;

/* The line of a node in its file (1-based; 0 when unknown). */
int sdc_node_line(struct fy_node *n);

/* The case being run in this test process. */
extern sdc_ctx sdc_case;

/* Fails the test: "<file>:<line>: step <n>: <message>". */
_Noreturn void sdc_case_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The scalar text of `key` in the current step, NULL when absent. */
const char *sdc_arg_text(const char *key);

/* Whether the current step has `key`. */
bool sdc_arg_has(const char *key);

/* Evaluates `key` of the current step as bytes into *v (kind SDC_BYTES); *is_null when the value
 * is the word null (pass a NULL pointer). Missing and not `optional`: the case fails. */
void sdc_arg_bytes(const char *key, sdc_val *v, bool *is_null);

/* As sdc_arg_bytes, for text arguments: a NUL-terminated copy (free it); NULL for null. */
char *sdc_arg_string(const char *key);

/* Evaluates `key` as an integer; `dflt` when absent. */
long long sdc_arg_int(const char *key, long long dflt);

/* Evaluates `key` as a value of enumeration `table` (names, or a number for out-of-range
 * tests); `dflt` when absent. */
typedef struct sdc_enum {
    const char *name;
    int value;
} sdc_enum;
int sdc_arg_enum(const char *key, const sdc_enum *table, int dflt);

/* Evaluates `key` as a handle: "$var", "root", "device", "null", or a label found with
 * findObject on the root (the case fails when not found). Absent: `dflt`. */
isoIec23465_Handle *sdc_arg_handle(const char *key, isoIec23465_Handle *dflt);

/* The value of variable `name` (NULL when unknown). */
const sdc_val *sdc_var_get(const char *name);

/* Saves a copy of `v` under `name` (replacing an older value). */
void sdc_var_set(const char *name, const sdc_val *v);

/* Frees a value's bytes. */
void sdc_val_free(sdc_val *v);

/* Enumerations the cases name. */
extern const sdc_enum sdc_enum_status[];
extern const sdc_enum sdc_enum_type[];
extern const sdc_enum sdc_enum_mechanism[];
extern const sdc_enum sdc_enum_hash[];
extern const sdc_enum sdc_enum_operation[];
extern const sdc_enum sdc_enum_access[];
extern const sdc_enum sdc_enum_auth_status[];
extern const sdc_enum sdc_enum_key_type[];
extern const sdc_enum sdc_enum_attribute[];
extern const sdc_enum sdc_enum_device_type[];
extern const sdc_enum sdc_enum_interface[];
extern const sdc_enum sdc_enum_presence[];
extern const sdc_enum sdc_enum_lifecycle[];

/* The result of one API call: its status and its main output. */
typedef struct sdc_out {
    sdc_val v;
    const sdc_enum *enums; /* integer outputs named by this table (for messages and `equals`) */
    sdc_val extra;         /* a second output (getLengthRange: max), saved as <save>_2 */
} sdc_out;

/* Runs API function `name` for the current step. Returns false when no adapter has that name. */
bool sdc_call(const char *name, isoIec23465_Status *status, sdc_out *out);

/* Runs check `name` (sdc_checks.c) for the current step; it fails the case itself. Returns false
 * when there is no such check. */
bool sdc_check(const char *name);

#endif
