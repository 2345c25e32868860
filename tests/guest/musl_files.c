/* musl_files.c: musl's own readers of files on the root image: getaddrinfo (/etc/hosts), getpwuid/getgrgid (/etc/passwd, /etc/group), time zones (/usr/share/zoneinfo). */
#include <arpa/inet.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Prints "resolve NAME: ADDR..." (IPv4 and IPv6, in musl's order) or
 * "resolve NAME: error MESSAGE". */
static void musl_files_resolve(const char *name)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
    char buf[INET6_ADDRSTRLEN];
    int e = getaddrinfo(name, NULL, &hints, &res);

    printf("resolve %s:", name);
    if (e != 0) {
        printf(" error %s\n", gai_strerror(e));
        return;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        const void *a = ai->ai_family == AF_INET
            ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
            : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        printf(" %s", inet_ntop(ai->ai_family, a, buf, sizeof buf));
    }
    putchar('\n');
    freeaddrinfo(res);
}

/* The user and group of ID, from /etc/passwd and /etc/group. */
static void musl_files_user(unsigned id)
{
    struct passwd *pw = getpwuid(id);
    struct group *gr = getgrgid(id);

    if (!pw)
        printf("user %u: none\n", id);
    else
        printf("user %u: %s %s %s\n", id, pw->pw_name, pw->pw_dir, pw->pw_shell);
    printf("group %u: %s\n", id, gr ? gr->gr_name : "none");
}

/* T in the zone TZ names, as date(1) prints it with +'%F %T %Z'. */
static void musl_files_time(time_t t)
{
    char buf[64];

    strftime(buf, sizeof buf, "%F %T %Z", localtime(&t));
    printf("time %lld: %s\n", (long long)t, buf);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        musl_files_resolve(argv[i]);
    musl_files_user(1000);
    musl_files_user(4242);
    tzset();
    musl_files_time(1704110400); /* 2024-01-01 12:00 UTC */
    musl_files_time(1719835200); /* 2024-07-01 12:00 UTC */
    return 0;
}
