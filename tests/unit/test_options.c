/* test_options.c: option parsing: sizes, limits, the image and the guest's argv. */
#include <criterion/criterion.h>
#include <string.h>

#include "mem.h"
#include "options.h"

static enum options_result parse(struct options *o, char *why, int argc,
                                 char **argv)
{
    return options_parse(argc, argv, o, why);
}

/* Parse a NULL-terminated argv that lives in the caller's scope. */
static enum options_result parse_argv(struct options *o, char *why, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return parse(o, why, argc, argv);
}
#define PARSE(o, why, ...) parse_argv(o, why, (char *[]){"uhvt", __VA_ARGS__, NULL})

Test(options, sizes)
{
    uint64_t v;
    cr_assert_eq(options_parse_size("0", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(options_parse_size("4096", &v), 0);
    cr_assert_eq(v, 4096);
    cr_assert_eq(options_parse_size("64K", &v), 0);
    cr_assert_eq(v, 64 << 10);
    cr_assert_eq(options_parse_size("256m", &v), 0);
    cr_assert_eq(v, 256ULL << 20);
    cr_assert_eq(options_parse_size("4G", &v), 0);
    cr_assert_eq(v, 4ULL << 30);
    cr_assert_eq(options_parse_size("", &v), -1);
    cr_assert_eq(options_parse_size("M", &v), -1);
    cr_assert_eq(options_parse_size("-1", &v), -1);
    cr_assert_eq(options_parse_size(" 1", &v), -1);
    cr_assert_eq(options_parse_size("1T", &v), -1);
    cr_assert_eq(options_parse_size("1MB", &v), -1);
    cr_assert_eq(options_parse_size("17179869184G", &v), -1);
    cr_assert_eq(options_parse_size("99999999999999999999999", &v), -1);
}

Test(options, image_and_guest_args)
{
    struct options o;
    char why[OPTIONS_WHY_MAX];
    char *argv[] = {"uhvt", "--mem=64M", "-q", "app.hvt", "a", "--mem=1G", NULL};
    cr_assert_eq(parse_argv(&o, why, argv), OPTIONS_RUN);
    cr_assert_eq(o.mem_size, 64ULL << 20);
    cr_assert(o.quiet);
    cr_assert_str_eq(o.image, "app.hvt");
    cr_assert_eq(o.guest_argc, 3);
    cr_assert_str_eq(o.guest_argv[0], "app.hvt");
    cr_assert_str_eq(o.guest_argv[2], "--mem=1G"); /* the guest's, not ours */
}

Test(options, defaults_and_rounding)
{
    struct options o;
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(PARSE(&o, why, "app.hvt"), OPTIONS_RUN);
    cr_assert_eq(o.mem_size, MEM_DEFAULT);
    cr_assert_eq(o.timeout, 0);
    cr_assert_eq(PARSE(&o, why, "-m", "5M", "app.hvt"), OPTIONS_RUN);
    cr_assert_eq(o.mem_size, 6ULL << 20);
    /* A bare number is MiB, as solo5-hvt and urunc spell it. */
    cr_assert_eq(PARSE(&o, why, "--mem=512", "app.hvt"), OPTIONS_RUN);
    cr_assert_eq(o.mem_size, 512ULL << 20);
    cr_assert_eq(PARSE(&o, why, "-m", "5", "app.hvt"), OPTIONS_RUN);
    cr_assert_eq(o.mem_size, 6ULL << 20);
    cr_assert_eq(PARSE(&o, why, "--mem=4096", "app.hvt"), OPTIONS_RUN);
    cr_assert_eq(o.mem_size, 4ULL << 30);
    cr_assert_eq(PARSE(&o, why, "--mem=4097", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "--mem=3", "app.hvt"), OPTIONS_ERROR);
    cr_assert(strstr(why, "bare number is MiB") != NULL, "%s", why);
    cr_assert_eq(PARSE(&o, why, "--mem=18446744073709551615", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "--timeout", "30", "--", "app.hvt"), OPTIONS_RUN);
    cr_assert_eq(o.timeout, 30);
}

Test(options, errors)
{
    struct options o;
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(PARSE(&o, why, "--mem=1M", "app.hvt"), OPTIONS_ERROR);
    cr_assert(strstr(why, "--mem") != NULL);
    cr_assert_eq(PARSE(&o, why, "--mem=5G", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "--mem=lots", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "--timeout=0", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "--bogus", "app.hvt"), OPTIONS_ERROR);
    cr_assert(strstr(why, "--bogus") != NULL);
    cr_assert_eq(PARSE(&o, why, "--mem"), OPTIONS_ERROR);
    cr_assert_eq(parse(&o, why, 1, (char *[]){"uhvt", NULL}), OPTIONS_ERROR);
    cr_assert(strstr(why, "image") != NULL);
    cr_assert_eq(PARSE(&o, why, "--boot-trace=1", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "--boot-trace", "app.hvt"), OPTIONS_RUN);
    cr_assert(o.boot_trace);
    cr_assert_eq(PARSE(&o, why, "-qB", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "--kvm-stats", "app.hvt"), OPTIONS_RUN);
    cr_assert(o.kvm_stats && !o.boot_trace);
    cr_assert_eq(PARSE(&o, why, "--kvm-stats=yes", "app.hvt"), OPTIONS_ERROR);
    /* The long-only options' internal letters spell nothing. */
    cr_assert_eq(PARSE(&o, why, "-\x01", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "-q\x02", "app.hvt"), OPTIONS_ERROR);
    cr_assert_eq(PARSE(&o, why, "--help"), OPTIONS_HELP);
    cr_assert_eq(PARSE(&o, why, "-V"), OPTIONS_VERSION);
}

Test(options, snapshot_modifiers_need_snapshot)
{
    struct options o;
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(PARSE(&o, why, "--snapshot-idle", "a.hvt"), OPTIONS_ERROR);
    cr_assert(strstr(why, "--snapshot-idle needs --snapshot=FILE") != NULL, "%s", why);
    cr_assert_eq(PARSE(&o, why, "--snapshot-continue", "a.hvt"), OPTIONS_ERROR);
    cr_assert(strstr(why, "--snapshot-continue needs") != NULL, "%s", why);
    cr_assert_eq(PARSE(&o, why, "--snapshot=s", "--snapshot-idle", "a.hvt"), OPTIONS_RUN, "%s", why);
    cr_assert(o.snapshot_idle);
    cr_assert(!o.snapshot_continue);
}
