/* test_env.c: --env and --grace parsed and refused at option time; the guest's environment built from them. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "options.h"

static enum options_result parse(int argc, char **argv, struct options *o, char *why)
{
    return options_parse(argc, argv, o, why);
}

Test(env, defaults_then_given_in_order)
{
    char *argv[] = {"uhvt", "--env=A=1", "--env", "HOME=/srv", "--env=A=2=3",
                    "app.hvt", NULL};
    struct options o;
    char why[OPTIONS_WHY_MAX], wwhy[WHY_MAX];
    cr_assert_eq(parse(6, argv, &o, why), OPTIONS_RUN, "%s", why);
    cr_assert_eq(o.grace, OPTIONS_GRACE_DEFAULT);
    char **env;
    int n;
    cr_assert_eq(env_build(&o, &env, &n, wwhy), 0, "%s", wwhy);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(env[0], "HOME=/srv");
    cr_assert_str_eq(env[1], "PATH=/bin:/usr/bin");
    cr_assert_str_eq(env[2], "A=2=3");
    cr_assert_null(env[3]);
    free(env);
}

Test(env, key_alone_takes_the_hosts_value_or_nothing)
{
    char *argv[] = {"uhvt", "--env=UHVT_UNIT_SET", "--env=UHVT_UNIT_UNSET", "app.hvt", NULL};
    struct options o;
    char why[OPTIONS_WHY_MAX], wwhy[WHY_MAX];
    setenv("UHVT_UNIT_SET", "from host", 1);
    unsetenv("UHVT_UNIT_UNSET");
    cr_assert_eq(parse(4, argv, &o, why), OPTIONS_RUN, "%s", why);
    char **env;
    int n;
    cr_assert_eq(env_build(&o, &env, &n, wwhy), 0, "%s", wwhy);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(env[2], "UHVT_UNIT_SET=from host");
    free(env[2]);
    free(env);
}

Test(env, refused_at_option_time)
{
    static char big[OPTIONS_ENV_LEN + 16];
    memset(big, 'x', sizeof(big) - 1);
    memcpy(big, "--env=K=", 8);
    const char *bad[][2] = {
        {"--env==v", "--env==v: need KEY=VALUE or KEY"},
        {"--env=1A=v", "--env=1A=v: need KEY=VALUE or KEY"},
        {"--env=A-B=v", "--env=A-B=v: need KEY=VALUE or KEY"},
        {big, "--env=K...: longer than 8192 bytes"},
        {"--grace=x", "--grace=x: need whole seconds, 0 to 3600"},
        {"--grace=3601", "--grace=3601: need whole seconds, 0 to 3600"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[] = {"uhvt", (char *)bad[i][0], "app.hvt", NULL};
        struct options o;
        char why[OPTIONS_WHY_MAX];
        cr_assert_eq(parse(3, argv, &o, why), OPTIONS_ERROR, "%s accepted", bad[i][0]);
        cr_assert(strncmp(why, bad[i][1], strlen(bad[i][1])) == 0, "%s: %s", bad[i][0], why);
    }
}

Test(env, too_many_refused)
{
    static char *argv[OPTIONS_ENV_MAX + 3];
    argv[0] = "uhvt";
    for (unsigned i = 1; i <= OPTIONS_ENV_MAX + 1; i++)
        argv[i] = "--env=A=1";
    argv[OPTIONS_ENV_MAX + 2] = "app.hvt";
    struct options o;
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(parse(OPTIONS_ENV_MAX + 3, argv, &o, why), OPTIONS_ERROR);
    cr_assert_str_eq(why, "more than 256 --env options");
}

Test(env, grace_zero_accepted)
{
    char *argv[] = {"uhvt", "--grace=0", "app.hvt", NULL};
    struct options o;
    char why[OPTIONS_WHY_MAX];
    cr_assert_eq(parse(3, argv, &o, why), OPTIONS_RUN, "%s", why);
    cr_assert_eq(o.grace, 0);
}

/* A restore's environment: only what --env gives, packed after the arguments, counted. */
Test(env, restore_packs_only_the_given_entries)
{
    char *argv[] = {"uhvt", "--env=A=1", "--env=UHVT_UNIT_SET", "--env=UHVT_UNIT_UNSET",
                    "--env=A=2", "app.hvt", NULL};
    struct options o;
    char why[OPTIONS_WHY_MAX], wwhy[WHY_MAX];
    setenv("UHVT_UNIT_SET", "host", 1);
    unsetenv("UHVT_UNIT_UNSET");
    cr_assert_eq(parse(6, argv, &o, why), OPTIONS_RUN, "%s", why);
    char buf[64];
    memcpy(buf, "arg", 4);
    uint32_t used = 4, count = 99;
    cr_assert_eq(env_pack(&o, buf, sizeof(buf), &used, &count, wwhy), 0, "%s", wwhy);
    static const char want[] = "arg\0A=1\0UHVT_UNIT_SET=host\0A=2";
    cr_assert_eq(used, sizeof(want));
    cr_assert_eq(memcmp(buf, want, sizeof(want)), 0);
    cr_assert_eq(count, 3);
}

Test(env, restore_without_env_packs_nothing)
{
    char *argv[] = {"uhvt", "app.hvt", NULL};
    struct options o;
    char why[OPTIONS_WHY_MAX], wwhy[WHY_MAX];
    cr_assert_eq(parse(2, argv, &o, why), OPTIONS_RUN, "%s", why);
    uint32_t used = 0, count = 99;
    cr_assert_eq(env_pack(&o, NULL, 0, &used, &count, wwhy), 0, "%s", wwhy);
    cr_assert_eq(used, 0);
    cr_assert_eq(count, 0);
}

/* An entry that does not fit is refused, never dropped; the exact fit is not. */
Test(env, restore_refuses_what_does_not_fit)
{
    char *argv[] = {"uhvt", "--env=KEY=VALUE", "app.hvt", NULL};
    struct options o;
    char why[OPTIONS_WHY_MAX], wwhy[WHY_MAX];
    cr_assert_eq(parse(3, argv, &o, why), OPTIONS_RUN, "%s", why);
    char buf[11];
    uint32_t used = 1, count;
    cr_assert_eq(env_pack(&o, buf, sizeof(buf), &used, &count, wwhy), 0, "%s", wwhy);
    cr_assert_eq(used, 11);
    used = 2;
    cr_assert_eq(env_pack(&o, buf, sizeof(buf), &used, &count, wwhy), -1);
    cr_assert(strstr(wwhy, "--env=KEY=VALUE: the restored guest has room for 11 bytes"),
              "%s", wwhy);
    cr_assert_eq(count, 0);
}
