/* blk_lock.h: a disk image's lock: take it, and name who holds it when it is taken. */
#ifndef BLK_LOCK_H
#define BLK_LOCK_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Lock the whole of open file `fd` with an open-file-description (OFD)
 * lock: shared when `read_only`, else exclusive; never waits.  Returns 0, or
 * -1 with errno (EAGAIN or EACCES: someone holds a conflicting lock).
 *
 * The lock lives as long as the open file description.  The kernel drops it
 * when the last reference goes: at once when that is an fd closed by exit,
 * but asynchronously, some milliseconds after the process has gone, when it
 * is a file registered with an io_uring.  So the locked description must
 * never be given to a ring (see blk_file_reopen).
 */
int blk_lock_take(int fd, bool read_only);

/*
 * The process holding a lock on the file of `fd` that conflicts with a
 * `read_only` (shared) or exclusive one: its PID, 0 if none is found.  A
 * classic POSIX lock names its PID (F_OFD_GETLK); an OFD lock does not (the
 * kernel reports -1), so then every /proc/PID/fd of the processes this user
 * may inspect is searched for that file with a "lock:" line in its fdinfo.
 * `comm` gets the holder's command name ("" if unknown).
 */
pid_t blk_lock_holder(int fd, bool read_only, char comm[16]);

#endif
