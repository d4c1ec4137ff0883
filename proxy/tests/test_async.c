/* Placeholder: the tests of px_async land with the module. */
#include <criterion/criterion.h>
