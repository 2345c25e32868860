/* file_libc.c: test guest, also built for Linux: the C library's file functions over the runtime's calls — stdio on files, realpath, nftw, glob, scandir, fdopendir, seekdir, remove, mkdtemp. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe.h"

static char dir[] = "/tmp/file_libc.XXXXXX";
static char buf[PATH_MAX];

/* A path with the scratch directory's name replaced by DIR. */
static const char *rel(const char *p)
{
    static char out[PATH_MAX + 8];
    size_t dl = strlen(dir);

    if (strncmp(p, dir, dl) == 0)
        snprintf(out, sizeof out, "DIR%s", p + dl);
    else
        snprintf(out, sizeof out, "%s", p);
    return out;
}

/* nftw's visits, sorted when shown: the order is the filesystem's. */
static char walked_lines[16][128];
static int walked;

static int walk(const char *path, const struct stat *st, int type,
                struct FTW *f)
{
    const char *t = type == FTW_F ? "F" : type == FTW_DP ? "DP" :
                    type == FTW_SL ? "SL" : type == FTW_D ? "D" : "other";

    (void)st;
    if (walked < 16)
        snprintf(walked_lines[walked], sizeof walked_lines[0],
                 "nftw %s %s level %d", rel(path), t, f->level);
    walked++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int rm(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st, (void)type, (void)f;
    return remove(path);
}

static int cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(void)
{
    probe_start();
    if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
        printf("no scratch directory: %s\n", probe_errno(errno));
        return 1;
    }
    NOTE("in %s", dir);

    puts("== stdio on files");
    FILE *f = fopen("notes.txt", "w+");
    CALL(f != NULL);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d\n", i);
    CALL(ftell(f));
    CALL(fseek(f, 7 * 10, SEEK_SET));
    CALL(fgets(buf, sizeof buf, f) != NULL);
    printf("got %s", buf);
    CALL(fseek(f, -9, SEEK_END));
    CALL(fgets(buf, sizeof buf, f) != NULL);
    printf("got %s", buf);
    CALL(fflush(f));
    CALL(ftruncate(fileno(f), 14));
    rewind(f);
    while (fgets(buf, sizeof buf, f) != NULL)
        printf("after truncate: %s", buf);
    CALL(fclose(f));
    f = fopen("notes.txt", "a");
    CALL(fputs("appended\n", f) >= 0);
    CALL(fclose(f));
    f = fopen("notes.txt", "r");
    while (fgets(buf, sizeof buf, f) != NULL)
        printf("after append: %s", buf);
    CALL(fclose(f));
    CALL(fopen("missing/notes.txt", "r") == NULL);
    CALL(fopen("notes.txt/x", "w") == NULL);
    CALL(freopen("notes.txt", "r", stdin) != NULL);
    CALL(getchar());

    puts("== a tree");
    CALL(mkdir("t", 0755));
    CALL(mkdir("t/a", 0755));
    CALL(mkdir("t/a/b", 0755));
    CALL(close(open("t/a/b/leaf", O_CREAT | O_WRONLY, 0644)));
    CALL(close(open("t/x.c", O_CREAT | O_WRONLY, 0644)));
    CALL(close(open("t/y.c", O_CREAT | O_WRONLY, 0644)));
    CALL(symlink("a/b", "t/link"));

    puts("== realpath");
    CALL(realpath("t/link/../../x.c", buf) != NULL);
    printf("realpath %s\n", rel(buf));
    CALL(realpath("t/./a//b/", buf) != NULL);
    printf("realpath %s\n", rel(buf));
    CALL(realpath("t/nothing", buf) == NULL);
    CALL(realpath("t/x.c/", buf) == NULL);

    puts("== nftw");
    CALL(nftw("t", walk, 8, FTW_PHYS | FTW_DEPTH) == 0 && walked == 7);
    qsort(walked_lines, 7, sizeof walked_lines[0], cmp_str);
    for (int i = 0; i < 7; i++)
        puts(walked_lines[i]);

    puts("== glob");
    glob_t g;
    CALL(glob("t/*.c", 0, NULL, &g));
    for (size_t i = 0; i < g.gl_pathc; i++)
        printf("glob %s\n", g.gl_pathv[i]);
    globfree(&g);
    CALL(glob("t/*/b/*", 0, NULL, &g));
    for (size_t i = 0; i < g.gl_pathc; i++)
        printf("glob %s\n", g.gl_pathv[i]);
    globfree(&g);
    CALL(glob("t/*.h", 0, NULL, &g) == GLOB_NOMATCH);

    puts("== scandir, fdopendir, seekdir");
    struct dirent **list;
    int n = scandir("t", &list, NULL, cmp);
    CALL(n);
    for (int i = 0; i < n; i++) {
        printf("scandir %s\n", list[i]->d_name);
        free(list[i]);
    }
    free(list);
    int fd = open("t", O_RDONLY | O_DIRECTORY);
    DIR *d = fdopendir(fd);
    CALL(d != NULL);
    CALL(dirfd(d) == fd);
    long pos = 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (++count == 3)
            pos = telldir(d);
    }
    seekdir(d, pos);
    int rest = 0;
    while (readdir(d) != NULL)
        rest++;
    printf("entries %d, after the third %d\n", count, rest);
    rewinddir(d);
    rest = 0;
    while (readdir(d) != NULL)
        rest++;
    printf("after rewinddir %d\n", rest);
    CALL(fstatat(dirfd(d), "x.c", &(struct stat){ 0 }, 0));
    CALL(closedir(d));

    puts("== remove");
    CALL(remove("t/x.c"));
    CALL(remove("t/a"));
    CALL(remove("t/a/b/leaf"));
    CALL(remove("t/a/b"));
    CALL(nftw("t", rm, 8, FTW_PHYS | FTW_DEPTH));
    CALL(access("t", F_OK));
    CALL(remove("notes.txt"));
    CALL(chdir("/"));
    CALL(rmdir(dir));
    puts("done");
    return 0;
}
