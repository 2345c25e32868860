/* socket.c: POSIX sockets over lwIP's raw API: TCP and UDP on IPv4, blocking and not. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "lwip/ip4_addr.h"
#include "lwip/mem.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "runtime.h"
#include "tcpip.h"

/*
 * A socket is an lwIP protocol control block plus what POSIX keeps that
 * lwIP does not: received data not yet read, connections not yet accepted,
 * a pending error, shutdown state and options.  lwIP calls back into it
 * only from inside tcpip_wait or a socket call, so a callback never runs
 * while another part of this file is half-way through a change.  lwIP may
 * free a TCP pcb itself (reset, timeout): its error callback then clears
 * s->tcp and the socket lives on, reporting the error, until closed.
 *
 * Blocking calls loop: try, and if the answer is "not yet", let the stack
 * run (tcpip_wait) until the deadline (SO_RCVTIMEO / SO_SNDTIMEO, or none;
 * a non-blocking call gets one round of progress), then try again.
 */

#define NSEC_PER_SEC 1000000000ULL
#define SOCK_DGRAMS 128     /* datagrams queued per UDP socket */
#define SOCK_BACKLOG_MAX 255 /* lwIP keeps the backlog in a u8_t */
#define UDP_PAYLOAD_MAX (0xffff - 20 - 8)
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67

enum sock_state {
    SS_NEW,        /* TCP: created or bound */
    SS_LISTEN,
    SS_CONNECTING,
    SS_CONNECTED,  /* TCP: established (or closing); UDP: any */
    SS_CLOSED,     /* TCP: the connection is over (reset, failed, done) */
};

struct dgram {
    struct pbuf *p;
    ip_addr_t from;
    u16_t port;
};

struct sock {
    int type;        /* SOCK_STREAM or SOCK_DGRAM */
    int state;
    struct tcp_pcb *tcp;
    struct udp_pcb *udp;
    int err;         /* pending errno, for SO_ERROR and the next call */
    uint32_t gen;    /* bumped on every change of readiness */
    int rd_shut, wr_shut, eof;
    int linger0;     /* SO_LINGER {1, 0}: close resets */
    uint64_t rcvtimeo, sndtimeo; /* ns; 0 means none */

    /* TCP data received and not yet read: a list of pbufs (tot_len, a
       u16_t, cannot count it), with how much of the first is consumed. */
    struct pbuf *rx, *rx_tail;
    size_t rx_off, rx_bytes;

    /* Listening: accepted connections, oldest first. */
    struct sock **pend;
    int npend, backlog;

    /* UDP: a ring of datagrams. */
    struct dgram *dq;
    int dq_head, dq_len;

    /* The peer, kept once connected: the pcb may be gone when asked. */
    ip_addr_t peer;
    u16_t peer_port;
};

static const struct fd_ops sock_ops;

static struct sock *sock_get(long fd, int *flags, long *err)
{
    struct sock *s = fd_obj(fd, &sock_ops, flags);

    if (s == NULL)
        *err = fd_kind(fd) == NULL ? -EBADF : -ENOTSOCK;
    return s;
}

/* lwIP's error codes as errno values. */
static long sock_errno(err_t e)
{
    switch (e) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return -ENOBUFS;
    case ERR_TIMEOUT:
        return -ETIMEDOUT;
    case ERR_RTE:
        return -ENETUNREACH;
    case ERR_INPROGRESS:
        return -EINPROGRESS;
    case ERR_VAL:
        return -EINVAL;
    case ERR_WOULDBLOCK:
        return -EAGAIN;
    case ERR_USE:
        return -EADDRINUSE;
    case ERR_ALREADY:
        return -EALREADY;
    case ERR_ISCONN:
        return -EISCONN;
    case ERR_CONN:
        return -ENOTCONN;
    case ERR_IF:
        return -ENETDOWN;
    case ERR_ABRT:
        return -ECONNABORTED;
    case ERR_RST:
        return -ECONNRESET;
    case ERR_CLSD:
        return -ENOTCONN;
    default:
        return -EIO;
    }
}

static uint64_t sock_deadline(int nonblock, uint64_t timeout)
{
    uint64_t now = clock_monotonic();

    if (nonblock)
        return 0;
    return timeout == 0 || timeout > UINT64_MAX - now ? UINT64_MAX
                                                      : now + timeout;
}

/*
 * Run `try` until it stops saying -EAGAIN or the deadline passes (then one
 * last try after a round of progress).
 */
static long sock_until(long (*try)(struct sock *, void *), struct sock *s,
                       void *ctx, uint64_t deadline)
{
    for (int last = 0;;) {
        long r = try(s, ctx);
        if (r != -EAGAIN || last)
            return r;
        last = clock_monotonic() >= deadline;
        tcpip_wait(last ? 0 : deadline);
    }
}

/* ---- addresses ---- */

/* A sockaddr_in from guest memory; -errno if it is not one. */
static long sock_addr_in(const void *sa, socklen_t len, ip_addr_t *ip,
                         u16_t *port)
{
    struct sockaddr_in in;

    if (len < sizeof in)
        return -EINVAL;
    if (!mem_check(sa, sizeof in))
        return -EFAULT;
    memcpy(&in, sa, sizeof in);
    if (in.sin_family != AF_INET)
        return -EAFNOSUPPORT;
    ip_addr_set_ip4_u32(ip, in.sin_addr.s_addr);
    *port = lwip_ntohs(in.sin_port);
    return 0;
}

/* Store a sockaddr_in, truncated to *lenp as Linux does; *lenp gets its size. */
static long sock_addr_out(void *sa, socklen_t *lenp, const ip_addr_t *ip,
                          u16_t port)
{
    struct sockaddr_in in = {
        .sin_family = AF_INET,
        .sin_port = lwip_htons(port),
        .sin_addr.s_addr = ip == NULL ? 0 : ip_addr_get_ip4_u32(ip),
    };
    socklen_t len;

    if (sa == NULL)
        return 0;
    if (!mem_check(lenp, sizeof *lenp))
        return -EFAULT;
    len = *lenp;
    if ((int)len < 0)
        return -EINVAL;
    if (len > sizeof in)
        len = sizeof in;
    if (!mem_check(sa, len))
        return -EFAULT;
    memcpy(sa, &in, len);
    *lenp = sizeof in;
    return 0;
}

/* Whether `ip` may be bound: any, or this host's address. */
static int sock_local(const ip_addr_t *ip)
{
    return ip_addr_isany(ip) ||
           ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(netif_default));
}

/* ---- lwIP's callbacks ---- */

static err_t sock_tcp_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
                           err_t err)
{
    struct sock *s = arg;

    (void)err;
    s->gen++;
    if (p == NULL) {
        s->eof = 1;
        return ERR_OK;
    }
    if (s->rd_shut) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    s->rx_bytes += p->tot_len;
    if (s->rx == NULL)
        s->rx = p;
    else
        s->rx_tail->next = p; /* our list takes the chain's reference */
    while (p->next != NULL)
        p = p->next;
    s->rx_tail = p;
    return ERR_OK;
}

static err_t sock_tcp_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct sock *s = arg;

    (void)pcb;
    (void)len;
    s->gen++;
    return ERR_OK;
}

/* The pcb is already freed when this runs. */
static void sock_tcp_err(void *arg, err_t err)
{
    struct sock *s = arg;

    s->tcp = NULL;
    s->gen++;
    if (err == ERR_CLSD) {
        /* Both sides closed after our SHUT_WR: an orderly end. */
        s->eof = 1;
    } else if (s->state == SS_CONNECTING) {
        s->err = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
    } else {
        s->err = err == ERR_RST ? ECONNRESET : err == ERR_ABRT ? ETIMEDOUT
                                                               : ECONNABORTED;
    }
    s->state = SS_CLOSED;
}

static err_t sock_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct sock *s = arg;

    (void)err;
    s->state = SS_CONNECTED;
    s->peer = pcb->remote_ip;
    s->peer_port = pcb->remote_port;
    s->gen++;
    return ERR_OK;
}

static void sock_tcp_attach(struct sock *s)
{
    tcp_arg(s->tcp, s);
    tcp_recv(s->tcp, sock_tcp_recv);
    tcp_sent(s->tcp, sock_tcp_sent);
    tcp_err(s->tcp, sock_tcp_err);
}

static void sock_tcp_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL); /* lwIP's default: discard, close on FIN */
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

static struct sock *sock_alloc(int type)
{
    struct sock *s = mem_calloc(1, sizeof *s);

    if (s != NULL)
        s->type = type;
    return s;
}

static err_t sock_tcp_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct sock *l = arg, *c;

    /* A full backlog or no memory: lwIP resets the connection. */
    if (err != ERR_OK || pcb == NULL || l->npend >= l->backlog ||
        (c = sock_alloc(SOCK_STREAM)) == NULL)
        return ERR_MEM;
    c->tcp = pcb;
    c->state = SS_CONNECTED;
    c->peer = pcb->remote_ip;
    c->peer_port = pcb->remote_port;
    sock_tcp_attach(c);
    l->pend[l->npend++] = c;
    l->gen++;
    return ERR_OK;
}

static void sock_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
                          const ip_addr_t *from, u16_t port)
{
    struct sock *s = arg;

    (void)pcb;
    /* A full queue drops, as a full socket buffer does. */
    if (s->dq_len == SOCK_DGRAMS || s->rd_shut) {
        pbuf_free(p);
        return;
    }
    s->dq[(s->dq_head + s->dq_len++) % SOCK_DGRAMS] =
        (struct dgram){ .p = p, .from = *from, .port = port };
    s->gen++;
}

/* ---- creating and closing ---- */

static void sock_rx_free(struct sock *s)
{
    while (s->rx != NULL) {
        struct pbuf *next = s->rx->next;
        s->rx->next = NULL;
        pbuf_free(s->rx);
        s->rx = next;
    }
    s->rx_tail = NULL;
    s->rx_off = s->rx_bytes = 0;
}

/* Ends a TCP connection: a reset when `reset`, else an orderly close. */
static void sock_tcp_end(struct sock *s, int reset)
{
    struct tcp_pcb *pcb = s->tcp;

    s->tcp = NULL;
    if (pcb == NULL)
        return;
    sock_tcp_detach(pcb);
    if (reset || tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

static void sock_free(struct sock *s)
{
    if (s->state == SS_LISTEN) {
        for (int i = 0; i < s->npend; i++) {
            sock_tcp_end(s->pend[i], 1);
            sock_rx_free(s->pend[i]);
            mem_free(s->pend[i]);
        }
        mem_free(s->pend);
        if (s->tcp != NULL) {
            tcp_arg(s->tcp, NULL);
            tcp_accept(s->tcp, NULL);
            tcp_close(s->tcp); /* never fails for a listener */
        }
    } else if (s->type == SOCK_STREAM) {
        /* Unread data makes close a reset, as on Linux: the peer learns
           that what it sent was never read. */
        sock_tcp_end(s, s->linger0 || s->rx_bytes > 0);
    } else {
        if (s->udp != NULL)
            udp_remove(s->udp);
        for (; s->dq_len > 0; s->dq_len--) {
            pbuf_free(s->dq[s->dq_head].p);
            s->dq_head = (s->dq_head + 1) % SOCK_DGRAMS;
        }
        mem_free(s->dq);
    }
    sock_rx_free(s);
    mem_free(s);
}

static void sock_close(void *obj)
{
    sock_free(obj);
    netif_uhvt_flush(); /* the FIN or reset */
}

static long sys_socket(const long a[6])
{
    int flags = (int)(a[1] & (SOCK_NONBLOCK | SOCK_CLOEXEC));
    int type = (int)(a[1] & ~(SOCK_NONBLOCK | SOCK_CLOEXEC));
    long proto = a[2];
    struct sock *s;

    if (a[0] != AF_INET)
        return -EAFNOSUPPORT;
    if (type != SOCK_STREAM && type != SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    if (proto != 0 && proto != (type == SOCK_STREAM ? IPPROTO_TCP
                                                    : IPPROTO_UDP))
        return -EPROTONOSUPPORT;
    if (!tcpip_up())
        return -ENETDOWN;
    if ((s = sock_alloc(type)) == NULL)
        return -ENOBUFS;
    if (type == SOCK_STREAM) {
        s->tcp = tcp_new_ip_type(IPADDR_TYPE_V4);
        if (s->tcp != NULL)
            sock_tcp_attach(s);
    } else {
        s->state = SS_CONNECTED;
        s->dq = mem_calloc(SOCK_DGRAMS, sizeof *s->dq);
        s->udp = s->dq == NULL ? NULL : udp_new_ip_type(IPADDR_TYPE_V4);
        if (s->udp != NULL)
            udp_recv(s->udp, sock_udp_recv, s);
    }
    if (s->tcp == NULL && s->udp == NULL) {
        mem_free(s->dq);
        mem_free(s);
        return -ENOBUFS;
    }
    int fd = fd_alloc(&sock_ops, s, flags);
    if (fd < 0)
        sock_free(s);
    return fd;
}

/* ---- addresses and connections ---- */

static long sys_bind(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);
    ip_addr_t ip;
    u16_t port;

    if (s == NULL)
        return r;
    if ((r = sock_addr_in((const void *)a[1], (socklen_t)a[2], &ip, &port)))
        return r;
    if (!sock_local(&ip))
        return -EADDRNOTAVAIL;
    if (s->type == SOCK_DGRAM)
        return s->udp->local_port != 0 ? -EINVAL
                                       : sock_errno(udp_bind(s->udp, &ip, port));
    if (s->state != SS_NEW || s->tcp == NULL || s->tcp->local_port != 0)
        return -EINVAL;
    return sock_errno(tcp_bind(s->tcp, &ip, port));
}

static long sys_listen(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);
    int backlog = a[1] < 1 ? 1 : a[1] > SOCK_BACKLOG_MAX ? SOCK_BACKLOG_MAX
                                                          : (int)a[1];
    err_t e = ERR_OK;

    if (s == NULL)
        return r;
    if (s->type != SOCK_STREAM)
        return -EOPNOTSUPP;
    if (s->state == SS_LISTEN) {
        /* As on Linux, listening again changes the backlog; queued
           connections beyond a smaller one stay until accepted. */
        if (backlog > s->backlog) {
            struct sock **p = mem_calloc((mem_size_t)backlog, sizeof *p);
            if (p == NULL)
                return -ENOBUFS;
            memcpy(p, s->pend, (size_t)s->npend * sizeof *p);
            mem_free(s->pend);
            s->pend = p;
        }
        s->backlog = backlog;
        return 0;
    }
    if (s->state != SS_NEW || s->tcp == NULL)
        return -EINVAL;
    if (s->tcp->local_port == 0 &&
        (r = sock_errno(tcp_bind(s->tcp, IP_ADDR_ANY, 0))) < 0)
        return r;
    if ((s->pend = mem_calloc((mem_size_t)backlog, sizeof *s->pend)) == NULL)
        return -ENOBUFS;
    struct tcp_pcb *l = tcp_listen_with_backlog_and_err(s->tcp, (u8_t)backlog,
                                                        &e);
    if (l == NULL) {
        mem_free(s->pend);
        s->pend = NULL;
        return e == ERR_OK ? -ENOBUFS : sock_errno(e);
    }
    /* The old pcb is freed; the listener keeps its port and our arg. */
    s->tcp = l;
    s->backlog = backlog;
    s->state = SS_LISTEN;
    tcp_accept(l, sock_tcp_accept);
    return 0;
}

struct accept_ctx {
    void *addr;
    socklen_t *lenp;
    int flags;
};

static long sock_accept_try(struct sock *s, void *ctx)
{
    struct accept_ctx *c = ctx;

    if (s->npend == 0)
        return -EAGAIN;
    struct sock *n = s->pend[0];
    int fd = fd_alloc(&sock_ops, n, c->flags);
    if (fd < 0)
        return fd; /* stays queued */
    s->npend--;
    memmove(&s->pend[0], &s->pend[1], (size_t)s->npend * sizeof s->pend[0]);
    /* Checked before, so this cannot fail. */
    (void)sock_addr_out(c->addr, c->lenp, &n->peer, n->peer_port);
    return fd;
}

static long sys_accept4(const long a[6])
{
    long r;
    int flags;
    struct sock *s = sock_get(a[0], &flags, &r);
    struct accept_ctx c = { (void *)a[1], (socklen_t *)a[2], (int)a[3] };

    if (s == NULL)
        return r;
    if (c.flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC) || s->state != SS_LISTEN)
        return -EINVAL;
    /* Check the address buffer first so a fault loses no connection. */
    if (c.addr != NULL) {
        if (!mem_check(c.lenp, sizeof *c.lenp))
            return -EFAULT;
        if ((int)*c.lenp < 0)
            return -EINVAL;
        if (!mem_check(c.addr, *c.lenp))
            return -EFAULT;
    }
    return sock_until(sock_accept_try, s, &c,
                      sock_deadline(flags & O_NONBLOCK, s->rcvtimeo));
}

static long sys_accept(const long a[6])
{
    const long b[6] = { a[0], a[1], a[2], 0 };

    return sys_accept4(b);
}

static long sock_connect_try(struct sock *s, void *ctx)
{
    (void)ctx;
    if (s->state == SS_CONNECTING)
        return -EAGAIN;
    if (s->state == SS_CONNECTED)
        return 0;
    long r = s->err ? -s->err : -ECONNREFUSED;
    s->err = 0;
    return r;
}

static long sys_connect(const long a[6])
{
    long r;
    int flags;
    struct sock *s = sock_get(a[0], &flags, &r);
    ip_addr_t ip;
    u16_t port;

    if (s == NULL)
        return r;
    if (s->type == SOCK_DGRAM) {
        sa_family_t family;
        if ((socklen_t)a[2] >= sizeof family &&
            mem_check((const void *)a[1], sizeof family)) {
            memcpy(&family, (const void *)a[1], sizeof family);
            if (family == AF_UNSPEC) {
                udp_disconnect(s->udp);
                return 0;
            }
        }
        if ((r = sock_addr_in((const void *)a[1], (socklen_t)a[2], &ip,
                              &port)))
            return r;
        return sock_errno(udp_connect(s->udp, &ip, port));
    }
    switch (s->state) {
    case SS_CONNECTED:
        return -EISCONN;
    case SS_LISTEN:
        return -EINVAL;
    case SS_CONNECTING:
        if (flags & O_NONBLOCK)
            return -EALREADY;
        break;
    case SS_CLOSED:
        return sock_connect_try(s, NULL);
    default:
        if ((r = sock_addr_in((const void *)a[1], (socklen_t)a[2], &ip,
                              &port)))
            return r;
        if (s->tcp == NULL)
            return -EINVAL;
        if ((r = sock_errno(tcp_connect(s->tcp, &ip, port,
                                        sock_tcp_connected))) < 0)
            return r;
        s->state = SS_CONNECTING;
        if (flags & O_NONBLOCK)
            return -EINPROGRESS;
    }
    r = sock_until(sock_connect_try, s, NULL,
                   sock_deadline(0, s->sndtimeo));
    return r == -EAGAIN ? -EINPROGRESS : r;
}

/* ---- sending ---- */

struct io {
    const struct iovec *iov;
    int n;
    size_t total, done;
    int idx;      /* the iovec being worked on */
    size_t off;   /* and how far into it */
    int flags;    /* MSG_* */
    int msg_flags; /* out, for recvmsg */
    ip_addr_t *addr; /* UDP: destination or source, if any */
    u16_t *port;
};

/* Queue what fits of the rest of io; 0 when something was queued or there
   was no room, -errno when the connection cannot take data. */
static long sock_tcp_push(struct sock *s, struct io *io)
{
    while (io->done < io->total) {
        if (s->err) {
            long r = -s->err;
            s->err = 0;
            return r;
        }
        if (s->wr_shut || s->tcp == NULL || s->state == SS_CLOSED)
            return -EPIPE;
        if (s->state != SS_CONNECTED)
            return 0; /* still connecting */
        const struct iovec *v = &io->iov[io->idx];
        if (io->off == v->iov_len) {
            io->idx++;
            io->off = 0;
            continue;
        }
        size_t room = tcp_sndbuf(s->tcp), n = v->iov_len - io->off;
        if (room == 0 || tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN)
            return 0;
        if (n > room)
            n = room;
        int more = io->done + n < io->total || (io->flags & MSG_MORE);
        err_t e = tcp_write(s->tcp, (const char *)v->iov_base + io->off,
                            (u16_t)n,
                            TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE
                                                        : 0));
        if (e == ERR_MEM)
            return 0;
        if (e != ERR_OK)
            return sock_errno(e);
        io->off += n;
        io->done += n;
    }
    return 0;
}

static long sock_tcp_send(struct sock *s, struct io *io, int nonblock)
{
    uint64_t deadline = sock_deadline(nonblock, s->sndtimeo);

    for (int last = 0;;) {
        long r = sock_tcp_push(s, io);
        if (s->tcp != NULL)
            tcp_output(s->tcp);
        if (r < 0)
            return io->done > 0 ? (long)io->done : r;
        if (io->done == io->total || last)
            break;
        last = clock_monotonic() >= deadline;
        tcpip_wait(last ? 0 : deadline);
    }
    return io->done > 0 || io->total == 0 ? (long)io->done : -EAGAIN;
}

static long sock_udp_send(struct sock *s, struct io *io)
{
    struct pbuf *p;
    err_t e;

    if (s->wr_shut)
        return -EPIPE;
    if (io->addr == NULL && ip_addr_isany(&s->udp->remote_ip) &&
        s->udp->remote_port == 0)
        return -EDESTADDRREQ;
    if (io->total > UDP_PAYLOAD_MAX)
        return -EMSGSIZE;
    p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)io->total, PBUF_RAM);
    if (p == NULL)
        return -ENOBUFS;
    for (int i = 0, off = 0; i < io->n; off += (int)io->iov[i].iov_len, i++)
        memcpy((char *)p->payload + off, io->iov[i].iov_base,
               io->iov[i].iov_len);
    e = io->addr != NULL ? udp_sendto(s->udp, p, io->addr, *io->port)
                         : udp_send(s->udp, p);
    pbuf_free(p);
    return e == ERR_OK ? (long)io->total : sock_errno(e);
}

static long sock_send(struct sock *s, struct io *io, int nonblock)
{
    if (io->flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR))
        return -EOPNOTSUPP;
    nonblock |= (io->flags & MSG_DONTWAIT) != 0;
    if (s->type == SOCK_DGRAM)
        return sock_udp_send(s, io);
    if (io->addr != NULL)
        return s->state == SS_CONNECTED ? -EISCONN : -EOPNOTSUPP;
    if (s->state == SS_NEW || s->state == SS_LISTEN)
        return -ENOTCONN;
    /* Writing to a closed connection is EPIPE; SIGPIPE is never raised,
       as if the application ignored it (most servers do). */
    return sock_tcp_send(s, io, nonblock);
}

/* ---- receiving ---- */

/* Copy up to what io wants from the received TCP data; consume unless PEEK. */
static size_t sock_tcp_copy(struct sock *s, struct io *io)
{
    struct pbuf *p = s->rx;
    size_t poff = s->rx_off, copied = 0;

    while (p != NULL && io->done < io->total) {
        const struct iovec *v = &io->iov[io->idx];
        if (io->off == v->iov_len) {
            io->idx++;
            io->off = 0;
            continue;
        }
        if (poff == p->len) {
            p = p->next;
            poff = 0;
            continue;
        }
        size_t n = p->len - poff;
        if (n > v->iov_len - io->off)
            n = v->iov_len - io->off;
        memcpy((char *)v->iov_base + io->off, (char *)p->payload + poff, n);
        io->off += n;
        io->done += n;
        poff += n;
        copied += n;
    }
    if (io->flags & MSG_PEEK)
        return copied;
    s->rx_off += copied;
    s->rx_bytes -= copied;
    while (s->rx != NULL && s->rx_off >= s->rx->len) {
        struct pbuf *next = s->rx->next;
        s->rx_off -= s->rx->len;
        s->rx->next = NULL;
        pbuf_free(s->rx);
        s->rx = next;
    }
    if (s->rx == NULL)
        s->rx_tail = NULL;
    /* Open the window by what the application took. */
    for (size_t left = copied; s->tcp != NULL && left > 0;) {
        u16_t n = left > 0xffff ? 0xffff : (u16_t)left;
        tcp_recved(s->tcp, n);
        left -= n;
    }
    return copied;
}

static long sock_tcp_recv_try(struct sock *s, void *ctx)
{
    struct io *io = ctx;

    if (s->rx_bytes > 0) {
        sock_tcp_copy(s, io);
        /* MSG_WAITALL waits for the rest unless the stream has ended. */
        if ((io->flags & MSG_WAITALL) && !(io->flags & MSG_PEEK) &&
            io->done < io->total && !s->eof && !s->err && s->tcp != NULL)
            return -EAGAIN;
        return (long)io->done;
    }
    if (io->done > 0 && (s->eof || s->err || s->tcp == NULL))
        return (long)io->done;
    if (s->err) {
        /* Reported once; afterwards the stream reads as ended. */
        long r = -s->err;
        s->err = 0;
        s->eof = 1;
        return r;
    }
    if (s->eof || s->rd_shut || s->state == SS_CLOSED || io->total == 0)
        return 0;
    if (s->state == SS_NEW || s->state == SS_LISTEN)
        return -ENOTCONN;
    return -EAGAIN;
}

static long sock_udp_recv_try(struct sock *s, void *ctx)
{
    struct io *io = ctx;

    if (s->dq_len == 0)
        return s->rd_shut ? 0 : -EAGAIN;
    struct dgram *d = &s->dq[s->dq_head];
    u16_t off = 0;
    for (int i = 0; i < io->n && off < d->p->tot_len; i++) {
        u16_t n = pbuf_copy_partial(d->p, io->iov[i].iov_base,
                                    io->iov[i].iov_len > 0xffff
                                        ? 0xffff
                                        : (u16_t)io->iov[i].iov_len,
                                    off);
        off = (u16_t)(off + n);
    }
    long len = d->p->tot_len;
    if (off < len)
        io->msg_flags |= MSG_TRUNC;
    if (io->addr != NULL) {
        *io->addr = d->from;
        *io->port = d->port;
    }
    if (!(io->flags & MSG_PEEK)) {
        pbuf_free(d->p);
        s->dq_head = (s->dq_head + 1) % SOCK_DGRAMS;
        s->dq_len--;
    }
    return io->flags & MSG_TRUNC ? len : off;
}

static long sock_recv(struct sock *s, struct io *io, int nonblock)
{
    if (io->flags &
        ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_TRUNC | MSG_NOSIGNAL |
          MSG_CMSG_CLOEXEC))
        return -EOPNOTSUPP;
    nonblock |= (io->flags & MSG_DONTWAIT) != 0;
    uint64_t deadline = sock_deadline(nonblock, s->rcvtimeo);
    if (s->type == SOCK_DGRAM)
        return sock_until(sock_udp_recv_try, s, io, deadline);
    if (s->state == SS_LISTEN)
        return -ENOTCONN;
    long r = sock_until(sock_tcp_recv_try, s, io, deadline);
    /* A MSG_WAITALL read cut short by its timeout returns what it has. */
    return r == -EAGAIN && io->done > 0 ? (long)io->done : r;
}

/* ---- the descriptor ops ---- */

/*
 * Every way into this file ends by sending what lwIP queued (netif.c
 * batches frames), so no frame waits for the application's next call.
 */
static long sock_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    struct io io = { .iov = iov, .n = n };

    io.total = (size_t)fd_iov_check(iov, n); /* checked by fd.c */
    long r = sock_recv(obj, &io, flags & O_NONBLOCK);
    netif_uhvt_flush(); /* window updates */
    return r;
}

static long sock_writev(void *obj, const struct iovec *iov, int n, int flags)
{
    struct io io = { .iov = iov, .n = n };

    io.total = (size_t)fd_iov_check(iov, n);
    long r = sock_send(obj, &io, flags & O_NONBLOCK);
    netif_uhvt_flush();
    return r;
}

static unsigned sock_poll(void *obj, uint32_t *gen)
{
    struct sock *s = obj;
    unsigned r = 0;

    *gen = s->gen;
    if (s->type == SOCK_DGRAM)
        return (s->dq_len > 0 || s->rd_shut ? POLLIN | POLLRDNORM : 0) |
               POLLOUT | POLLWRNORM;
    switch (s->state) {
    case SS_LISTEN:
        return s->npend > 0 ? POLLIN | POLLRDNORM : 0;
    case SS_NEW:
        return POLLOUT | POLLHUP;
    case SS_CONNECTING:
        return 0;
    default:
        break;
    }
    if (s->rx_bytes > 0 || s->eof || s->rd_shut || s->err ||
        s->state == SS_CLOSED)
        r |= POLLIN | POLLRDNORM;
    if (s->eof || s->rd_shut)
        r |= POLLRDHUP;
    if (s->err)
        r |= POLLERR;
    if (s->state == SS_CLOSED || (s->eof && s->wr_shut))
        r |= POLLHUP;
    if (s->tcp == NULL || s->wr_shut ||
        (tcp_sndbuf(s->tcp) >= TCP_SNDLOWAT &&
         tcp_sndqueuelen(s->tcp) < TCP_SNDQUEUELOWAT))
        r |= POLLOUT | POLLWRNORM;
    return r;
}

static long sock_ioctl(void *obj, unsigned long req, void *arg)
{
    struct sock *s = obj;
    int *v = arg;

    if (req != FIONREAD)
        return -ENOTTY;
    if (!mem_check(v, sizeof *v))
        return -EFAULT;
    if (s->type == SOCK_DGRAM)
        *v = s->dq_len > 0 ? s->dq[s->dq_head].p->tot_len : 0;
    else
        *v = s->rx_bytes > INT32_MAX ? INT32_MAX : (int)s->rx_bytes;
    return 0;
}

static const struct fd_ops sock_ops = {
    .mode = S_IFSOCK | 0777,
    .readv = sock_readv,
    .writev = sock_writev,
    .poll = sock_poll,
    .ioctl = sock_ioctl,
    .close = sock_close,
};

/* ---- the data calls ---- */

static long sys_sendto(const long a[6])
{
    long r;
    int flags;
    struct sock *s = sock_get(a[0], &flags, &r);
    struct iovec v = { (void *)a[1], (size_t)a[2] };
    ip_addr_t ip;
    u16_t port;
    struct io io = { .iov = &v, .n = 1, .flags = (int)a[3] };

    if (s == NULL)
        return r;
    if ((r = fd_iov_check(&v, 1)) < 0)
        return r;
    io.total = (size_t)r;
    if (a[4] != 0) {
        if ((r = sock_addr_in((const void *)a[4], (socklen_t)a[5], &ip,
                              &port)))
            return r;
        io.addr = &ip;
        io.port = &port;
    }
    return sock_send(s, &io, flags & O_NONBLOCK);
}

static long sys_recvfrom(const long a[6])
{
    long r;
    int flags;
    struct sock *s = sock_get(a[0], &flags, &r);
    struct iovec v = { (void *)a[1], (size_t)a[2] };
    void *addr = (void *)a[4];
    socklen_t *lenp = (socklen_t *)a[5];
    ip_addr_t ip = { 0 };
    u16_t port = 0;
    struct io io = { .iov = &v, .n = 1, .flags = (int)a[3] };

    if (s == NULL)
        return r;
    if ((r = fd_iov_check(&v, 1)) < 0)
        return r;
    io.total = (size_t)r;
    if (addr != NULL && s->type == SOCK_DGRAM) {
        io.addr = &ip;
        io.port = &port;
    }
    if (addr != NULL && !mem_check(lenp, sizeof *lenp))
        return -EFAULT;
    r = sock_recv(s, &io, flags & O_NONBLOCK);
    if (r >= 0 && addr != NULL) {
        long e = s->type == SOCK_DGRAM
                     ? sock_addr_out(addr, lenp, &ip, port)
                     : sock_addr_out(addr, lenp, &s->peer, s->peer_port);
        if (e < 0)
            return e;
    }
    return r;
}

/* A msghdr copied out of guest memory, its name and vector checked. */
static long sock_msg(const struct msghdr *m, struct msghdr *out)
{
    long r;

    if (!mem_check(m, sizeof *m))
        return -EFAULT;
    *out = *m;
    r = fd_iov_check(out->msg_iov, out->msg_iovlen);
    return r;
}

static long sys_sendmsg(const long a[6])
{
    long r;
    int flags;
    struct sock *s = sock_get(a[0], &flags, &r);
    struct msghdr m;
    ip_addr_t ip;
    u16_t port;

    if (s == NULL)
        return r;
    if ((r = sock_msg((const struct msghdr *)a[1], &m)) < 0)
        return r;
    struct io io = { .iov = m.msg_iov, .n = (int)m.msg_iovlen,
                     .total = (size_t)r, .flags = (int)a[2] };
    if (m.msg_controllen != 0)
        return -EOPNOTSUPP; /* no ancillary data is supported */
    if (m.msg_name != NULL) {
        if ((r = sock_addr_in(m.msg_name, m.msg_namelen, &ip, &port)))
            return r;
        io.addr = &ip;
        io.port = &port;
    }
    return sock_send(s, &io, flags & O_NONBLOCK);
}

static long sys_recvmsg(const long a[6])
{
    long r;
    int flags;
    struct sock *s = sock_get(a[0], &flags, &r);
    struct msghdr *um = (struct msghdr *)a[1], m;
    ip_addr_t ip = { 0 };
    u16_t port = 0;

    if (s == NULL)
        return r;
    if ((r = sock_msg(um, &m)) < 0)
        return r;
    struct io io = { .iov = m.msg_iov, .n = (int)m.msg_iovlen,
                     .total = (size_t)r, .flags = (int)a[2] };
    if (m.msg_name != NULL && s->type == SOCK_DGRAM) {
        io.addr = &ip;
        io.port = &port;
    }
    r = sock_recv(s, &io, flags & O_NONBLOCK);
    if (r < 0)
        return r;
    if (m.msg_name != NULL) {
        long e = s->type == SOCK_DGRAM
                     ? sock_addr_out(m.msg_name, &um->msg_namelen, &ip, port)
                     : sock_addr_out(m.msg_name, &um->msg_namelen, &s->peer,
                                     s->peer_port);
        if (e < 0)
            return e;
    }
    um->msg_controllen = 0;
    um->msg_flags = io.msg_flags;
    return r;
}

static long sys_shutdown(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);
    long how = a[1];

    if (s == NULL)
        return r;
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return -EINVAL;
    if (s->type == SOCK_STREAM && s->state != SS_CONNECTED &&
        s->state != SS_CONNECTING)
        return -ENOTCONN;
    if (how != SHUT_WR) {
        s->rd_shut = 1;
        size_t unread = s->rx_bytes;
        sock_rx_free(s);
        for (; s->tcp != NULL && unread > 0;) {
            u16_t n = unread > 0xffff ? 0xffff : (u16_t)unread;
            tcp_recved(s->tcp, n);
            unread -= n;
        }
    }
    if (how != SHUT_RD && !s->wr_shut) {
        s->wr_shut = 1;
        /* The FIN follows whatever is queued. */
        if (s->tcp != NULL && (r = sock_errno(tcp_shutdown(s->tcp, 0, 1))) < 0)
            return r;
    }
    s->gen++;
    return 0;
}

/* ---- names and options ---- */

static long sys_getsockname(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);

    if (s == NULL)
        return r;
    if (s->type == SOCK_DGRAM)
        return sock_addr_out((void *)a[1], (socklen_t *)a[2],
                             &s->udp->local_ip, s->udp->local_port);
    if (s->tcp == NULL)
        return sock_addr_out((void *)a[1], (socklen_t *)a[2], NULL, 0);
    return sock_addr_out((void *)a[1], (socklen_t *)a[2], &s->tcp->local_ip,
                         s->tcp->local_port);
}

static long sys_getpeername(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);

    if (s == NULL)
        return r;
    if (s->type == SOCK_DGRAM) {
        if (ip_addr_isany(&s->udp->remote_ip) && s->udp->remote_port == 0)
            return -ENOTCONN;
        return sock_addr_out((void *)a[1], (socklen_t *)a[2],
                             &s->udp->remote_ip, s->udp->remote_port);
    }
    if (s->state != SS_CONNECTED)
        return -ENOTCONN;
    return sock_addr_out((void *)a[1], (socklen_t *)a[2], &s->peer,
                         s->peer_port);
}

/* The pcb's option word, for whichever protocol the socket has. */
static u8_t *sock_so_options(struct sock *s)
{
    return s->type == SOCK_DGRAM ? &s->udp->so_options
           : s->tcp != NULL      ? &s->tcp->so_options
                                 : NULL;
}

static long sock_opt_timeo(uint64_t *t, const void *val, socklen_t len)
{
    struct timeval tv;

    if (len < sizeof tv)
        return -EINVAL;
    memcpy(&tv, val, sizeof tv);
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return -EDOM;
    if (tv.tv_sec < 0)
        *t = 0;
    else
        *t = (uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * 1000;
    return 0;
}

static long sys_setsockopt(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);
    long level = a[1], name = a[2];
    const void *val = (const void *)a[3];
    socklen_t len = (socklen_t)a[4];
    int v = 0;

    if (s == NULL)
        return r;
    if ((int)len < 0)
        return -EINVAL;
    if (!mem_check(val, len))
        return -EFAULT;
    if (len >= sizeof v)
        memcpy(&v, val, sizeof v);
    int is_int = len >= sizeof v;
    u8_t *so = sock_so_options(s);
    struct tcp_pcb *t = s->type == SOCK_STREAM && s->state != SS_LISTEN
                            ? s->tcp
                            : NULL;

    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_RCVTIMEO:
        case SO_RCVTIMEO_NEW:
            return sock_opt_timeo(&s->rcvtimeo, val, len);
        case SO_SNDTIMEO:
        case SO_SNDTIMEO_NEW:
            return sock_opt_timeo(&s->sndtimeo, val, len);
        case SO_LINGER: {
            struct linger l;
            if (len < sizeof l)
                return -EINVAL;
            memcpy(&l, val, sizeof l);
            /* Only the two behaviours that need no waiting in close. */
            if (l.l_onoff && l.l_linger != 0)
                return -ENOPROTOOPT;
            s->linger0 = l.l_onoff != 0;
            return 0;
        }
        case SO_REUSEADDR:
        case SO_KEEPALIVE:
        case SO_BROADCAST: {
            u8_t bit = name == SO_REUSEADDR ? SOF_REUSEADDR
                       : name == SO_KEEPALIVE ? SOF_KEEPALIVE
                                              : SOF_BROADCAST;
            if (!is_int)
                return -EINVAL;
            if (so == NULL)
                return -EINVAL;
            *so = (u8_t)(v ? *so | bit : *so & ~bit);
            return 0;
        }
        case SO_RCVBUF:
        case SO_SNDBUF:
            /* The stack's buffers are fixed (TCP_WND, TCP_SND_BUF);
               Linux, too, adjusts what is asked and getsockopt says what
               was chosen. */
            return is_int ? 0 : -EINVAL;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
        if (!is_int)
            return -EINVAL;
        switch (name) {
        case TCP_NODELAY:
            if (t == NULL)
                return 0; /* nothing left to delay */
            if (v)
                tcp_nagle_disable(t);
            else
                tcp_nagle_enable(t);
            return 0;
        case TCP_KEEPIDLE:
        case TCP_KEEPINTVL:
        case TCP_KEEPCNT:
            if (v < 1 || v > 32767)
                return -EINVAL;
            if (t == NULL)
                return 0;
            if (name == TCP_KEEPIDLE)
                t->keep_idle = (u32_t)v * 1000;
            else if (name == TCP_KEEPINTVL)
                t->keep_intvl = (u32_t)v * 1000;
            else
                t->keep_cnt = (u32_t)v;
            return 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_IP) {
        if (!is_int)
            return -EINVAL;
        if (name == IP_TTL || name == IP_TOS) {
            if (v < 0 || v > 255 || (name == IP_TTL && v == 0))
                return -EINVAL;
            if (s->type == SOCK_DGRAM)
                *(name == IP_TTL ? &s->udp->ttl : &s->udp->tos) = (u8_t)v;
            else if (s->tcp != NULL)
                *(name == IP_TTL ? &s->tcp->ttl : &s->tcp->tos) = (u8_t)v;
            return 0;
        }
        return -ENOPROTOOPT;
    }
    return -ENOPROTOOPT;
}

/* An int option's value, or -errno for one that is not known. */
static long sock_opt_get(struct sock *s, long level, long name, int *v,
                         struct timeval *tv, int *is_tv)
{
    u8_t *so = sock_so_options(s);
    struct tcp_pcb *t = s->type == SOCK_STREAM && s->state != SS_LISTEN
                            ? s->tcp
                            : NULL;
    uint64_t timeo;

    *is_tv = 0;
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_TYPE:
            *v = s->type;
            return 0;
        case SO_DOMAIN:
            *v = AF_INET;
            return 0;
        case SO_PROTOCOL:
            *v = s->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
            return 0;
        case SO_ERROR:
            *v = s->err;
            s->err = 0;
            return 0;
        case SO_ACCEPTCONN:
            *v = s->state == SS_LISTEN;
            return 0;
        case SO_REUSEADDR:
            *v = so != NULL && (*so & SOF_REUSEADDR) != 0;
            return 0;
        case SO_KEEPALIVE:
            *v = so != NULL && (*so & SOF_KEEPALIVE) != 0;
            return 0;
        case SO_BROADCAST:
            *v = so != NULL && (*so & SOF_BROADCAST) != 0;
            return 0;
        case SO_RCVBUF:
            *v = s->type == SOCK_STREAM ? TCP_WND : SOCK_DGRAMS * 2048;
            return 0;
        case SO_SNDBUF:
            *v = s->type == SOCK_STREAM ? TCP_SND_BUF : UDP_PAYLOAD_MAX;
            return 0;
        case SO_RCVTIMEO:
        case SO_RCVTIMEO_NEW:
        case SO_SNDTIMEO:
        case SO_SNDTIMEO_NEW:
            timeo = name == SO_RCVTIMEO || name == SO_RCVTIMEO_NEW
                        ? s->rcvtimeo
                        : s->sndtimeo;
            tv->tv_sec = (time_t)(timeo / NSEC_PER_SEC);
            tv->tv_usec = (suseconds_t)(timeo % NSEC_PER_SEC / 1000);
            *is_tv = 1;
            return 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
        switch (name) {
        case TCP_NODELAY:
            *v = t != NULL && tcp_nagle_disabled(t);
            return 0;
        case TCP_MAXSEG:
            *v = t != NULL ? tcp_mss(t) : TCP_MSS;
            return 0;
        case TCP_KEEPIDLE:
            *v = t != NULL ? (int)(t->keep_idle / 1000) : 0;
            return 0;
        case TCP_KEEPINTVL:
            *v = t != NULL ? (int)(t->keep_intvl / 1000) : 0;
            return 0;
        case TCP_KEEPCNT:
            *v = t != NULL ? (int)t->keep_cnt : 0;
            return 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_IP && (name == IP_TTL || name == IP_TOS)) {
        if (s->type == SOCK_DGRAM)
            *v = name == IP_TTL ? s->udp->ttl : s->udp->tos;
        else
            *v = s->tcp == NULL ? 0 : name == IP_TTL ? s->tcp->ttl : s->tcp->tos;
        return 0;
    }
    return -ENOPROTOOPT;
}

static long sys_getsockopt(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);
    void *val = (void *)a[3];
    socklen_t *lenp = (socklen_t *)a[4];
    int v = 0, is_tv;
    struct timeval tv;

    if (s == NULL)
        return r;
    if (!mem_check(lenp, sizeof *lenp))
        return -EFAULT;
    if ((int)*lenp < 0)
        return -EINVAL;
    if ((r = sock_opt_get(s, a[1], a[2], &v, &tv, &is_tv)) < 0)
        return r;
    const void *src = is_tv ? (const void *)&tv : (const void *)&v;
    socklen_t len = is_tv ? sizeof tv : sizeof v;
    if (*lenp < len)
        len = *lenp;
    if (!mem_check(val, len))
        return -EFAULT;
    memcpy(val, src, len);
    *lenp = len;
    return 0;
}

static long sys_socketpair(const long a[6])
{
    return a[0] == AF_INET ? -EOPNOTSUPP : -EAFNOSUPPORT;
}

static long sock_call(unsigned long nr, const long a[6])
{
    switch (nr) {
    case SYS_socket:
        return sys_socket(a);
    case SYS_bind:
        return sys_bind(a);
    case SYS_listen:
        return sys_listen(a);
    case SYS_accept:
        return sys_accept(a);
    case SYS_accept4:
        return sys_accept4(a);
    case SYS_connect:
        return sys_connect(a);
    case SYS_sendto:
        return sys_sendto(a);
    case SYS_recvfrom:
        return sys_recvfrom(a);
    case SYS_sendmsg:
        return sys_sendmsg(a);
    case SYS_recvmsg:
        return sys_recvmsg(a);
    case SYS_shutdown:
        return sys_shutdown(a);
    case SYS_getsockname:
        return sys_getsockname(a);
    case SYS_getpeername:
        return sys_getpeername(a);
    case SYS_setsockopt:
        return sys_setsockopt(a);
    case SYS_getsockopt:
        return sys_getsockopt(a);
    case SYS_socketpair:
        return sys_socketpair(a);
    default:
        return -ENOSYS;
    }
}

long tcpip_syscall(unsigned long nr, const long a[6])
{
    long r = sock_call(nr, a);

    netif_uhvt_flush();
    return r;
}
