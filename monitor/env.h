/* env.h: the guest's environment: uhvt's defaults, then --env in order. */
#ifndef ENV_H
#define ENV_H

#include "options.h"
#include "why.h"

/*
 * The guest's environment as "KEY=VALUE" strings: HOME=/ and
 * PATH=/bin:/usr/bin, then each --env (KEY=VALUE, or KEY for the host's
 * value, left out when the host has none), a later KEY replacing an
 * earlier one.  Returns 0 with *out (NULL-terminated, never freed: it lives
 * as long as the guest) and *count, or -1 with a reason in `why`.
 */
int env_build(const struct options *o, char ***out, int *count, char why[WHY_MAX]);

#endif
