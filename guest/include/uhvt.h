/* uhvt.h: uhvt-specific calls for applications (beyond the C library). */
#ifndef UHVT_H
#define UHVT_H

#include <stdint.h>

#include "uhvt_abi.h"

/*
 * Nanoseconds since the guest booted, from the TSC.  Never decreases; the
 * same clock as CLOCK_MONOTONIC.
 */
uint64_t uhvt_clock_monotonic(void);

/*
 * Wait until a declared device has input or the monotonic clock reaches
 * `deadline_ns` (a deadline in the past just checks).  On return *ready
 * (if not NULL) has bit N set when manifest entry N has input; 0 means the
 * deadline passed.  Returns 0, or -(enum uhvt_ret) if the monitor refused
 * the request.  May return before the deadline with *ready == 0.
 */
int uhvt_poll(uint64_t deadline_ns, uint64_t *ready);

/*
 * The boot information the monitor passed (a copy made at boot, so it stays
 * valid for the guest's whole life).
 */
const struct uhvt_boot_info *uhvt_boot_info(void);

/*
 * The handle (manifest index) of the device declared at build time with
 * uhvt-cc --net=NAME or --block=NAME, matching `name` and `type` (enum
 * uhvt_dev_type; UHVT_DEV_NONE matches any type), or -1 if none is.
 */
int uhvt_device_find(const char *name, int type);

#endif
