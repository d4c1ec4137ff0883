/* Device description loader: the reference file loads; mistakes are refused with a reason. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "px_desc.h"

static const char *devices_dir(void)
{
    return px_desc_dir();
}

Test(desc, reference_description_loads)
{
    char err[512] = "";
    char path[1024];
    snprintf(path, sizeof path, "%s/sdtest-reference.yaml", devices_dir());
    px_desc *d = px_desc_load_file(path, err, sizeof err);
    cr_assert_not_null(d, "%s", err);
    cr_assert_str_eq(d->name, "sdtest reference card");
    cr_assert_eq(d->n_apps, 1);
    cr_assert_geq(d->n_objs, 3);
    cr_assert_eq(d->match_aid_len, 12);
    const uint8_t atr[] = {0x3B, 0x85};
    const uint8_t other[] = {0x3F, 0x85};
    cr_assert(px_desc_match_atr(d, atr, sizeof atr));
    cr_assert_not(px_desc_match_atr(d, other, sizeof other));
    px_desc_free(d);
}

static void refused(const char *yaml, const char *why)
{
    char err[512] = "";
    px_desc *d = px_desc_load_buffer(yaml, strlen(yaml), "t.yaml", err, sizeof err);
    cr_assert_null(d, "accepted: %s", yaml);
    cr_assert(strstr(err, why), "message '%s' lacks '%s'", err, why);
}

#define HEAD "name: x\nmatch: {atr: \"3B\"}\n"

Test(desc, mistakes_are_refused)
{
    refused("name: x\n", "'match' is required");
    refused(HEAD "colour: red\n", "unknown key 'colour'");
    refused("name: x\nmatch: {atr: \"3G\"}\n", "bad hex");
    refused("name: x\nmatch: {}\n", "give atr and/or aid");
    refused("name: x\nmatch: {atr: \"3B 00\", atr_mask: \"FF\"}\n", "as long as atr");
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"0101\"}\n",
            "starts with 3F00");
    refused(HEAD "objects:\n - {class: Thing, label: a, identifier: \"01\", path: \"3F00\"}\n",
            "class must be");
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"3F000101\", application: nope}\n",
            "no application");
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"3F000101\"}\n - {class: DataContainer, label: a, identifier: \"02\", path: "
                 "\"3F000102\"}\n",
            "used twice");
    refused(HEAD "objects:\n - {class: DataContainer, label: a, identifier: \"01\", path: "
                 "\"3F00010\"}\n",
            "bad hex");
    refused(HEAD "transport: {max_response: 70000}\n", "expected a number");
    refused(HEAD "applications:\n - {label: a, aid: \"A000\"}\n", "5 to 16 bytes");
    refused("[1, 2]\n", "expected a mapping");
    refused(": : :\n", "");
}

Test(desc, directory_loads_sorted_and_missing_directory_is_empty)
{
    char err[512] = "";
    px_desc **all = NULL;
    size_t n = 99;
    cr_assert(px_desc_load_dir(devices_dir(), &all, &n, err, sizeof err), "%s", err);
    cr_assert_geq(n, 1);
    cr_assert_not_null(all);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(strcmp(all[i - 1]->file, all[i]->file), 0);
    px_desc_free_all(all, n);
    cr_assert(px_desc_load_dir("/nonexistent/sdtest-devices", &all, &n, err, sizeof err));
    cr_assert_eq(n, 0);
    cr_assert_null(all);
}
