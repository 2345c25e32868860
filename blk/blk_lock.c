/* blk_lock.c: a disk image's lock: take it, and name who holds it when it is taken. */
#include "blk_lock.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * An OFD lock (not a classic POSIX one) belongs to the open file description,
 * so it conflicts even with another fd of this same process: the same image
 * given for two disks of one guest is refused as well.
 */
int blk_lock_take(int fd, bool read_only)
{
    struct flock fl = {
        .l_type = read_only ? F_RDLCK : F_WRLCK,
        .l_whence = SEEK_SET,
        .l_start = 0,
        .l_len = 0, /* to the end, however the file grows */
    };
    return fcntl(fd, F_OFD_SETLK, &fl);
}

/* Whether /proc/PID/fdinfo/FD lists a lock (the file's, by that fd). */
static bool fd_has_lock(const char *pid, const char *fd)
{
    char path[2 * NAME_MAX + 32], line[256];
    snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return false;
    bool found = false;
    while (!found && fgets(line, sizeof(line), f) != NULL)
        found = strncmp(line, "lock:", 5) == 0;
    fclose(f);
    return found;
}

/* Whether process `pid` has the file (dev, ino) open with a lock on it. */
static bool pid_holds(const char *pid, dev_t dev, ino_t ino)
{
    char path[NAME_MAX + 32];
    snprintf(path, sizeof(path), "/proc/%s/fd", pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return false; /* gone, or not this user's to inspect */
    bool found = false;
    struct dirent *e;
    struct stat st;
    while (!found && (e = readdir(d)) != NULL)
        found = isdigit((unsigned char)e->d_name[0]) &&
                fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_dev == dev &&
                st.st_ino == ino && fd_has_lock(pid, e->d_name);
    closedir(d);
    return found;
}

static void read_comm(pid_t pid, char comm[16])
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    comm[0] = '\0';
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    if (fgets(comm, 16, f) != NULL)
        comm[strcspn(comm, "\n")] = '\0';
    fclose(f);
}

pid_t blk_lock_holder(int fd, bool read_only, char comm[16])
{
    comm[0] = '\0';
    struct flock fl = {.l_type = read_only ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
        return 0;
    pid_t pid = fl.l_pid > 0 ? fl.l_pid : 0;
    struct stat st;
    if (pid == 0 && fstat(fd, &st) == 0) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d != NULL && pid == 0 && (e = readdir(d)) != NULL)
            if (isdigit((unsigned char)e->d_name[0]) &&
                pid_holds(e->d_name, st.st_dev, st.st_ino))
                pid = (pid_t)atoi(e->d_name);
        if (d != NULL)
            closedir(d);
    }
    if (pid > 0)
        read_comm(pid, comm);
    return pid;
}
