/* fleet_http.c: bench/fleet's prober: non-blocking GET / to every waiting instance, retried on a short interval, a bounded number at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fleet.h"

/* How long an answer may take once the request is written: the guest is up. */
#define ANSWER_NS 2000000000ULL

/*
 * Keep-alive, and the answered connection reset rather than closed (see
 * fleet_http_event): neither side keeps it in TIME_WAIT, where the guest's
 * TCP timer would wake it four times a second for two minutes.
 */
static const char request[] = "GET / HTTP/1.1\r\nHost: fleet\r\n\r\n";

int fleet_http_parse(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    char *end;

    if (!colon || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535)
        return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

void fleet_http_close(struct fleet *f, int i)
{
    struct fleet_inst *in = &f->inst[i];

    if (in->sock < 0)
        return;
    close(in->sock); /* also leaves the epoll set: the only reference */
    in->sock = -1;
    in->sent = 0;
    f->inflight--;
}

/*
 * The patience of attempt k: retry_ns doubled per attempt, at most
 * retry_max_ns.  A SYN that reached no guest (its tap not attached yet) is
 * lost, and Linux would resend it only after a second: a fresh connection
 * soon is cheaper.  One the guest has not read yet waits in its tap, so
 * later attempts wait longer for it.
 */
static uint64_t patience(const struct fleet *f, unsigned k)
{
    uint64_t t = f->retry_ns << (k < 16 ? k : 16);
    return t < f->retry_max_ns ? t : f->retry_max_ns;
}

/* Give up inst[i]'s attempt; the next one starts at once. */
static void retry(struct fleet *f, int i, uint64_t now)
{
    fleet_http_close(f, i);
    f->inst[i].next_try = now;
}

static void attempt(struct fleet *f, int i, uint64_t now)
{
    struct fleet_inst *in = &f->inst[i];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        /* Out of descriptors or buffers: try again a little later. */
        in->next_try = now + f->retry_max_ns;
        return;
    }
    if (connect(fd, (const struct sockaddr *)&in->addr, sizeof in->addr) < 0 &&
        errno != EINPROGRESS) {
        close(fd);
        in->next_try = now + patience(f, in->attempts++);
        return;
    }
    struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = FLEET_EV_SOCK(i) };
    if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        close(fd);
        in->next_try = now + f->retry_max_ns;
        return;
    }
    in->sock = fd;
    in->sent = 0;
    /* One that said it is listening gets the longest patience at once. */
    in->deadline = now + (in->kicked ? f->retry_max_ns : patience(f, in->attempts));
    in->attempts++;
    f->inflight++;
}

void fleet_http_start(struct fleet *f, uint64_t now)
{
    /* From a moving cursor, so the first instances do not take every slot. */
    int from = f->cursor;

    for (int k = 0; k < f->started && f->inflight < f->max_inflight; k++) {
        int i = (from + k) % f->started;
        const struct fleet_inst *in = &f->inst[i];
        if (in->state == FLEET_WAITING && in->sock < 0 && in->next_try <= now &&
            (in->kicked || !f->kick_wait_ns || now >= in->t_exec + f->kick_wait_ns)) {
            attempt(f, i, now);
            f->cursor = (i + 1) % f->started;
        }
    }
}

/* Connected: send the request and wait for the answer. */
static void connected(struct fleet *f, int i, uint64_t now)
{
    struct fleet_inst *in = &f->inst[i];
    int e = 0;
    socklen_t len = sizeof e;

    if (getsockopt(in->sock, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0 ||
        send(in->sock, request, sizeof request - 1, MSG_NOSIGNAL) != sizeof request - 1) {
        /* Refused or unreachable: the guest is not listening yet. */
        in->next_try = now + patience(f, in->attempts);
        fleet_http_close(f, i);
        return;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = FLEET_EV_SOCK(i) };
    if (epoll_ctl(f->epfd, EPOLL_CTL_MOD, in->sock, &ev) < 0) {
        retry(f, i, now);
        return;
    }
    in->sent = 1;
    in->deadline = now + ANSWER_NS;
}

void fleet_http_event(struct fleet *f, int i, uint32_t events, uint64_t now)
{
    struct fleet_inst *in = &f->inst[i];
    char buf[64];

    if (in->sock < 0)
        return;
    if (!in->sent) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            connected(f, i, now);
        return;
    }
    ssize_t n = recv(in->sock, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n >= 12 && memcmp(buf, "HTTP/1.", 7) == 0) {
        struct linger reset = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(in->sock, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        if (memcmp(buf + 8, " 200", 4) == 0) {
            fleet_settle(f, in, FLEET_READY, now);
        } else {
            fleet_settle(f, in, FLEET_FAILED, now);
            snprintf(in->why, sizeof in->why, "fleet: HTTP answer %.12s", buf);
        }
        fleet_http_close(f, i);
        return;
    }
    retry(f, i, now); /* reset, closed or garbled: ask again */
}

uint64_t fleet_http_expire(struct fleet *f, uint64_t now)
{
    uint64_t next = UINT64_MAX;

    for (int i = 0; i < f->started; i++) {
        const struct fleet_inst *in = &f->inst[i];
        if (in->state != FLEET_WAITING)
            continue;
        if (in->sock >= 0 && in->deadline <= now)
            retry(f, i, now);
        if (in->sock >= 0) {
            if (in->deadline < next)
                next = in->deadline;
        } else if (f->inflight < f->max_inflight) {
            uint64_t t = in->next_try;
            if (f->kick_wait_ns && !in->kicked && t < in->t_exec + f->kick_wait_ns)
                t = in->t_exec + f->kick_wait_ns;
            if (t < next)
                next = t;
        }
    }
    return next;
}
