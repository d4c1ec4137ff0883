/* Placeholder: the tests of px_key land with the module. */
#include <criterion/criterion.h>
