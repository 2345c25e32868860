/* file_tree.c: test guest: what the runtime's tree holds at boot — /, /tmp, /dev, /proc, the working directory — and the errors of crossing or removing its mounts, printed for suite-files.sh to check by pattern. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static void list(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;

    printf("%s:", path);
    if (d == NULL) {
        puts(" (cannot open)");
        return;
    }
    while ((e = readdir(d)) != NULL)
        printf(" %s", e->d_name);
    putchar('\n');
    closedir(d);
}

static void fs(const char *path)
{
    struct statfs sf;
    struct stat st;

    if (statfs(path, &sf) != 0 || stat(path, &st) != 0) {
        printf("%s: cannot stat\n", path);
        return;
    }
    printf("%s: type %lx mode %o\n", path, (unsigned long)sf.f_type,
           (unsigned)st.st_mode & 07777);
}

/* "what: 0" or "what: -1 strerror". */
static void show(const char *what, int r)
{
    printf("%s: %d%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

int main(void)
{
    char cwd[256];

    printf("cwd %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
    list("/");
    list("/dev");
    fs("/");
    fs("/tmp");
    fs("/dev");
    fs("/proc");
    FILE *f = fopen("/proc/mounts", "r");
    char line[256];
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        printf("mount %s", line);

    /* Mounts: crossing is EXDEV, a mount point cannot go (EBUSY). */
    close(open("/x", O_CREAT | O_WRONLY, 0644));
    show("rename / to /tmp", rename("/x", "/tmp/x"));
    show("link / to /tmp", link("/x", "/tmp/x"));
    show("rename within /", rename("/x", "/y"));
    show("rmdir /tmp", rmdir("/tmp"));
    show("rename /tmp", rename("/tmp", "/t2"));
    show("rename onto /tmp", rename("/y", "/tmp"));
    show("unlink /dev/null", unlink("/dev/null"));
    show("create in /dev", open("/dev/new", O_CREAT | O_WRONLY, 0644));
    show("mkdir in /proc", mkdir("/proc/new", 0755));
    char buf[64] = "";
    show("readlink /proc/self", (int)readlink("/proc/self", buf, sizeof buf - 1));
    printf("/proc/self -> %s\n", buf);
    show("chdir /tmp", chdir("/tmp"));
    show("chdir ..", chdir(".."));
    printf("cwd after .. %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");

    /* musl's consumers of /etc. */
    struct addrinfo hints = { .ai_family = AF_INET }, *ai = NULL;
    int gai = getaddrinfo("localhost", NULL, &hints, &ai);
    char addr[INET_ADDRSTRLEN] = "";
    if (gai == 0)
        inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
                  addr, sizeof addr);
    printf("localhost: %s\n", gai == 0 ? addr : gai_strerror(gai));
    struct passwd *pw = getpwuid(0);
    struct group *gr = getgrgid(0);
    printf("uid 0: %s, gid 0: %s\n", pw ? pw->pw_name : "?", gr ? gr->gr_name : "?");
    return 0;
}
