/* tcpip_threads.c: test guest: threads blocked in connect, send and recv on lwIP sockets let the others run — four concurrent HTTP clients of a Linux peer beside a worker that sleeps and counts. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * usage: tcpip_threads HOST HTTP_PORT
 * Prints "tcpip_threads: N of 4 requests answered; the worker ran M times".
 */
#define CLIENTS 4

static struct sockaddr_in peer;
static volatile int stop;
static int worker_runs;

static void *worker(void *arg)
{
    (void)arg;
    while (!stop) {
        worker_runs++;
        usleep(2000);
    }
    return NULL;
}

/* GET a 1 MiB body; whether all of it came. */
static void *client(void *arg)
{
    static const char req[] = "GET /bytes/1048576 HTTP/1.0\r\nHost: t\r\n\r\n";
    char buf[16384];
    long n, total = 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);

    (void)arg;
    if (s < 0 || connect(s, (struct sockaddr *)&peer, sizeof peer) != 0 ||
        send(s, req, sizeof req - 1, 0) != (long)sizeof req - 1)
        return (void *)0L;
    while ((n = recv(s, buf, sizeof buf, 0)) > 0)
        total += n;
    close(s);
    return (void *)(long)(total > 1048576); /* headers and the body */
}

int main(int argc, char **argv)
{
    pthread_t w, c[CLIENTS];
    long ok = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3)
        return 2;
    peer.sin_family = AF_INET;
    peer.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &peer.sin_addr);
    pthread_create(&w, NULL, worker, NULL);
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&c[i], NULL, client, NULL);
    for (int i = 0; i < CLIENTS; i++) {
        void *r;
        pthread_join(c[i], &r);
        ok += (long)r;
    }
    stop = 1;
    pthread_join(w, NULL);
    printf("tcpip_threads: %ld of %d requests answered; the worker ran %d times\n",
           ok, CLIENTS, worker_runs);
    return ok == CLIENTS ? 0 : 1;
}
