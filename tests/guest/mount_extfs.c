/* mount_extfs.c: test guest: the POSIX file calls on an ext4 disk mounted at /data. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * mount_extfs write   files through stdio and the raw calls: /data/out.txt
 *                     ("record %08d\n" x 100000), a directory, renames,
 *                     an unlinked open file; reads back; "files ok"
 * mount_extfs read    /data/hello.txt and a listing of /data; a create
 *                     gets EROFS; "read-only ok"
 * mount_extfs sync    forever: append a record to /data/log, fsync, print
 *                     "synced N" (the host kills it)
 */

static void die(const char *what)
{
    printf("%s: %s\n", what, strerror(errno));
    exit(1);
}

static int do_write(void)
{
    FILE *f = fopen("/data/out.txt", "w");
    if (f == NULL)
        die("fopen out.txt");
    for (int i = 0; i < 100000; i++)
        fprintf(f, "record %08d\n", i);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0)
        die("close out.txt");
    f = fopen("/data/out.txt", "r");
    char line[32];
    for (int i = 0; i < 100000; i++) {
        char want[32];
        snprintf(want, sizeof(want), "record %08d\n", i);
        if (fgets(line, sizeof(line), f) == NULL || strcmp(line, want) != 0)
            die("read back out.txt");
    }
    fclose(f);
    if (mkdir("/data/dir", 0755) != 0)
        die("mkdir");
    int fd = open("/data/dir/tmp", O_CREAT | O_WRONLY | O_EXCL, 0600);
    if (fd < 0 || write(fd, "moved\n", 6) != 6 || close(fd) != 0)
        die("dir/tmp");
    if (rename("/data/dir/tmp", "/data/moved.txt") != 0)
        die("rename");
    if (rmdir("/data/dir") != 0)
        die("rmdir");
    /* An unlinked open file keeps its data until closed. */
    fd = open("/data/gone", O_CREAT | O_RDWR, 0600);
    if (fd < 0 || write(fd, "still here", 10) != 10 || unlink("/data/gone") != 0)
        die("gone");
    char buf[16] = { 0 };
    if (pread(fd, buf, 10, 0) != 10 || strcmp(buf, "still here") != 0)
        die("read unlinked");
    close(fd);
    if (access("/data/gone", F_OK) == 0 || errno != ENOENT)
        die("gone is gone");
    DIR *d = opendir("/data");
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n++;
    closedir(d);
    printf("files ok (%d entries)\n", n);
    return 0;
}

static int do_read(void)
{
    char buf[16] = { 0 };
    FILE *f = fopen("/data/hello.txt", "r");
    if (f == NULL || fgets(buf, sizeof(buf), f) == NULL || strcmp(buf, "hello\n") != 0)
        die("hello.txt");
    fclose(f);
    if (open("/data/new", O_CREAT | O_WRONLY, 0644) >= 0 || errno != EROFS)
        die("create on a read-only disk");
    printf("read-only ok\n");
    return 0;
}

static int do_sync(void)
{
    int fd = open("/data/log", O_CREAT | O_WRONLY | O_APPEND, 0644);
    if (fd < 0)
        die("open log");
    for (unsigned i = 0;; i++) {
        char r[32];
        int n = snprintf(r, sizeof(r), "record %08u\n", i % 100000000u);
        if (write(fd, r, (size_t)n) != n || fsync(fd) != 0)
            die("append");
        printf("synced %u\n", i);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    if (strcmp(mode, "write") == 0)
        return do_write();
    if (strcmp(mode, "read") == 0)
        return do_read();
    if (strcmp(mode, "sync") == 0)
        return do_sync();
    printf("unknown mode\n");
    return 1;
}
