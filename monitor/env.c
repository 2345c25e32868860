/* env.c: the guest's environment: uhvt's defaults, then --env in order. */
#include "env.h"

#include <stdlib.h>
#include <string.h>

/*
 * The defaults are what a program may fairly expect of any process: a home
 * and a search path (nothing is there to run, but libraries read them).  No
 * TERM: the guest's console is not a terminal the guest can drive, unless
 * the user says otherwise with --env=TERM.
 */
static const char *const defaults[] = {"HOME=/", "PATH=/bin:/usr/bin"};

static size_t env_key_len(const char *s)
{
    return strcspn(s, "=");
}

/* Drop an earlier entry for the same KEY: the last one given wins. */
static void env_put(char **env, int *n, char *entry)
{
    size_t k = env_key_len(entry);
    for (int i = 0; i < *n; i++)
        if (env_key_len(env[i]) == k && strncmp(env[i], entry, k) == 0) {
            env[i] = entry;
            return;
        }
    env[(*n)++] = entry;
}

int env_build(const struct options *o, char ***out, int *count, char why[WHY_MAX])
{
    size_t max = sizeof(defaults) / sizeof(defaults[0]) + o->nenv;
    char **env = calloc(max + 1, sizeof(*env));
    int n = 0;
    if (env == NULL)
        return why_fail(why, "no memory for the environment");
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        env_put(env, &n, (char *)defaults[i]);
    for (size_t i = 0; i < o->nenv; i++) {
        const char *e = o->env[i];
        if (strchr(e, '=') != NULL) {
            env_put(env, &n, (char *)e);
            continue;
        }
        /* --env=KEY: the host's value, if it has one (as docker run -e). */
        const char *v = getenv(e);
        if (v == NULL)
            continue;
        size_t len = strlen(e) + 1 + strlen(v);
        if (len > OPTIONS_ENV_LEN)
            return why_fail(why, "--env=%s: the host's value makes it longer "
                                 "than %u bytes", e, OPTIONS_ENV_LEN);
        char *s = malloc(len + 1);
        if (s == NULL)
            return why_fail(why, "no memory for the environment");
        size_t k = strlen(e);
        memcpy(s, e, k);
        s[k] = '=';
        memcpy(s + k + 1, v, strlen(v) + 1);
        env_put(env, &n, s);
    }
    *out = env;
    *count = n;
    return 0;
}

/* Append "ENTRY" or, with a `value`, "ENTRY=VALUE", and its NUL; 0 or -1 when full. */
static int env_append(char *buf, uint32_t room, uint32_t *used, const char *entry,
                      const char *value)
{
    size_t k = strlen(entry), v = value != NULL ? strlen(value) + 1 : 0;
    if (k + v + 1 > room - *used)
        return -1;
    char *p = buf + *used;
    memcpy(p, entry, k);
    if (value != NULL) {
        p[k] = '=';
        memcpy(p + k + 1, value, v - 1);
    }
    p[k + v] = '\0';
    *used += (uint32_t)(k + v + 1);
    return 0;
}

int env_pack(const struct options *o, char *buf, uint32_t room, uint32_t *used,
             uint32_t *count, char why[WHY_MAX])
{
    *count = 0;
    for (size_t i = 0; i < o->nenv; i++) {
        const char *e = o->env[i], *v = NULL;
        if (strchr(e, '=') == NULL) {
            v = getenv(e);
            if (v == NULL)
                continue; /* as at boot: nothing to set */
            if (strlen(e) + 1 + strlen(v) > OPTIONS_ENV_LEN)
                return why_fail(why, "--env=%s: the host's value makes it longer "
                                     "than %u bytes", e, OPTIONS_ENV_LEN);
        }
        if (env_append(buf, room, used, e, v) < 0)
            return why_fail(why, "--env=%.64s: the restored guest has room for "
                                 "%u bytes of arguments and environment, and "
                                 "they need more", e, room);
        (*count)++;
    }
    return 0;
}
