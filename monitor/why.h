/* why.h: the setup steps' one error convention: 0, or -1 with the reason in a buffer. */
#ifndef WHY_H
#define WHY_H

/*
 * Every step of main's setup (kvm.c, cpu_x86_64.c, devices.c, boot.c,
 * signals.c, sandbox.c, ...) returns 0, or -1 with a one-line reason in
 * `why` that names what failed and, where it can, what to do about it
 * (strerror's text where a system call failed).  Nothing below main exits:
 * main prints the reason once, "uhvt: <why>", and exits with
 * UHVT_EXIT_SETUP.  Room for a PATH_MAX path and the words around it.
 */
#define WHY_MAX 4608

/* Write the reason into `why` (cut to WHY_MAX bytes) and return -1. */
int why_fail(char why[WHY_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
