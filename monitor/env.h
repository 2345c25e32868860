/* env.h: the guest's environment: uhvt's defaults, then --env in order. */
#ifndef ENV_H
#define ENV_H

#include <stdint.h>

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

/*
 * A restore's environment (UHVT_HC_SNAPSHOT's answer): each --env as
 * "KEY=VALUE" with its NUL, in the order given (KEY alone: the host's
 * value, left out when the host has none), packed into `buf` from
 * `*used` up to `room` bytes; *used moves past them and *count is how many.
 * No defaults: the runtime sets only these, so every other variable keeps
 * its value from the snapshot (docs/snapshots.md).  Returns 0, or -1 with
 * a reason in `why` when they do not fit: a variable silently missing
 * would be worse than a refused restore.
 */
int env_pack(const struct options *o, char *buf, uint32_t room, uint32_t *used,
             uint32_t *count, char why[WHY_MAX]);

#endif
