/* test_devices.c: devices_attach refuses a mismatch between the command line and the manifest. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "devices.h"

static struct vm vm;
static struct options o;

/* The image declares `n` devices of `type`, named net0, net1, ... */
static void declare(uint32_t type, unsigned n)
{
    memset(&vm, 0, sizeof(vm));
    vm.img.manifest.entries = n;
    for (unsigned i = 0; i < n; i++) {
        vm.img.manifest.e[i].type = type;
        snprintf(vm.img.manifest.e[i].name, UHVT_NAME_MAX, "net%u", i);
    }
}

/* Parse "uhvt ARGS... app.hvt" into o. */
static void parse(char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(options_parse(argc, argv, &o, why), OPTIONS_RUN, "%s", why);
}
#define PARSE(...) parse((char *[]){"uhvt", __VA_ARGS__, NULL})

/* devices_attach's reason: it must refuse. */
static const char *refusal(void)
{
    static char why[WHY_MAX];
    cr_assert_eq(devices_attach(&vm, &o, why), -1);
    return why;
}

Test(devices, none_declared_none_given)
{
    declare(UHVT_DEV_NET, 0);
    PARSE("app.hvt");
    char why[WHY_MAX];
    cr_assert_eq(devices_attach(&vm, &o, why), 0, "%s", why);
}

Test(devices, declared_but_unattached)
{
    declare(UHVT_DEV_NET, 1);
    PARSE("app.hvt");
    cr_assert_str_eq(refusal(),
                     "app.hvt declares NIC 'net0' but no --net:net0=... attaches it");
}

Test(devices, option_for_an_undeclared_name)
{
    declare(UHVT_DEV_NET, 1);
    PARSE("--net:eth9=tap0", "app.hvt");
    cr_assert_str_eq(refusal(), "--net:eth9: app.hvt declares no NIC named 'eth9'");
}

Test(devices, shorthand_needs_exactly_one)
{
    declare(UHVT_DEV_NET, 2);
    PARSE("--net=tap0", "app.hvt");
    cr_assert_str_eq(refusal(), "--net without :NAME needs an application "
                                "declaring exactly one NIC; app.hvt declares 2");
}

Test(devices, unknown_type)
{
    declare(99, 1);
    PARSE("app.hvt");
    cr_assert_str_eq(refusal(), "app.hvt declares device 'net0' of a type this "
                                "monitor does not support");
}
