/* file_tree.c: test guest: what the runtime's tree holds at boot — /, /tmp, /dev and its devices, the working directory — printed for suite-files.sh to check by pattern. */
#include <dirent.h>
#include <stdio.h>
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
    return 0;
}
