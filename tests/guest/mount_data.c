/* mount_data.c: test guest built with uhvt-cc --mount=/data:disk: lists /data, where the disk's filesystem is mounted before main. */
#include <dirent.h>
#include <stdio.h>

int main(void)
{
    DIR *d = opendir("/data");
    struct dirent *e;

    puts("main runs");
    if (d == NULL) {
        perror("/data");
        return 1;
    }
    while ((e = readdir(d)) != NULL)
        printf("/data/%s\n", e->d_name);
    closedir(d);
    return 0;
}
