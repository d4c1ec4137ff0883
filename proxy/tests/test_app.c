/* Placeholder: the tests of px_app land with the module. */
#include <criterion/criterion.h>
