/* sockio.c: data through sockets: send and receive, blocking and not, and readiness for poll. */
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
#include "sock.h"
#include "tcpip.h"

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
static long sockio_tcp_push(struct sock *s, struct io *io)
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
        if (e == ERR_MEM) {
            /* The heap is short.  An ACK for data in flight frees some
               (the sent callback makes the socket writable again); with
               nothing in flight nothing will. */
            if (s->tcp->unacked == NULL && s->tcp->unsent == NULL)
                return -ENOBUFS;
            s->wr_nomem = 1;
            return 0;
        }
        if (e != ERR_OK)
            return sock_errno(e);
        io->off += n;
        io->done += n;
    }
    return 0;
}

/* Queue and send what fits; -EAGAIN until all of io is queued. */
static long sockio_tcp_send_try(struct sock *s, void *ctx)
{
    struct io *io = ctx;
    long r = sockio_tcp_push(s, io);

    if (s->tcp != NULL)
        tcp_output(s->tcp);
    if (r < 0)
        return io->done > 0 ? (long)io->done : r;
    return io->done == io->total ? (long)io->done : -EAGAIN;
}

static long sockio_tcp_send(struct sock *s, struct io *io, int nonblock)
{
    long r = sock_until(sockio_tcp_send_try, s, io,
                        sock_deadline(nonblock, s->sndtimeo));
    /* Cut short by its timeout, a send returns what it queued. */
    return r == -EAGAIN && io->done > 0 ? (long)io->done : r;
}

static long sockio_udp_send(struct sock *s, struct io *io)
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
    const ip_addr_t *to = io->addr != NULL ? io->addr : &s->udp->remote_ip;
    e = io->addr != NULL ? udp_sendto(s->udp, p, io->addr, *io->port)
                         : udp_send(s->udp, p);
    pbuf_free(p);
    /*
     * Until the next hop's MAC is known lwIP keeps only a few datagrams:
     * give a program that only sends a round of the stack to take in the
     * ARP reply, as the kernel would behind its back.
     */
    if (e == ERR_OK && !tcpip_resolved(ip_2_ip4(to)))
        tcpip_wait(0);
    return e == ERR_OK ? (long)io->total : sock_errno(e);
}

static long sockio_send(struct sock *s, struct io *io, int nonblock)
{
    if (io->flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR))
        return -EOPNOTSUPP;
    nonblock |= (io->flags & MSG_DONTWAIT) != 0;
    if (s->type == SOCK_DGRAM)
        return sockio_udp_send(s, io);
    /* As on Linux, a TCP socket ignores a destination address. */
    if (s->state == SS_NEW || s->state == SS_LISTEN)
        return -ENOTCONN;
    /* Writing to a closed connection is EPIPE, with SIGPIPE unless
       MSG_NOSIGNAL, as on Linux. */
    long r = sockio_tcp_send(s, io, nonblock);
    if (r == -EPIPE && !(io->flags & MSG_NOSIGNAL))
        signal_pipe();
    return r;
}

/* ---- receiving ---- */

/* Copy up to what io wants from the received TCP data; consume unless PEEK. */
static size_t sockio_tcp_copy(struct sock *s, struct io *io)
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

static long sockio_tcp_recv_try(struct sock *s, void *ctx)
{
    struct io *io = ctx;

    if (s->rx_bytes > 0) {
        sockio_tcp_copy(s, io);
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

static long sockio_udp_recv_try(struct sock *s, void *ctx)
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

static long sockio_recv(struct sock *s, struct io *io, int nonblock)
{
    if (io->flags &
        ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_TRUNC | MSG_NOSIGNAL |
          MSG_CMSG_CLOEXEC))
        return -EOPNOTSUPP;
    nonblock |= (io->flags & MSG_DONTWAIT) != 0;
    uint64_t deadline = sock_deadline(nonblock, s->rcvtimeo);
    if (s->type == SOCK_DGRAM)
        return sock_until(sockio_udp_recv_try, s, io, deadline);
    if (s->state == SS_LISTEN)
        return -ENOTCONN;
    long r = sock_until(sockio_tcp_recv_try, s, io, deadline);
    /* A MSG_WAITALL read cut short by its timeout returns what it has. */
    return r == -EAGAIN && io->done > 0 ? (long)io->done : r;
}

/* ---- the descriptor ops ---- */

/*
 * Every way into this file ends by sending what lwIP queued (netif.c
 * batches frames), so no frame waits for the application's next call.
 */
static long sockio_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    struct io io = { .iov = iov, .n = n };

    io.total = (size_t)fd_iov_check(iov, n); /* checked by fd.c */
    long r = sockio_recv(obj, &io, flags & O_NONBLOCK);
    netif_uhvt_flush(); /* window updates */
    return r;
}

static long sockio_writev(void *obj, const struct iovec *iov, int n, int flags)
{
    struct io io = { .iov = iov, .n = n };

    io.total = (size_t)fd_iov_check(iov, n);
    long r = sockio_send(obj, &io, flags & O_NONBLOCK);
    netif_uhvt_flush();
    return r;
}

static unsigned sockio_poll(void *obj, uint32_t *gen)
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
        (!s->wr_nomem && tcp_sndbuf(s->tcp) >= TCP_SNDLOWAT &&
         tcp_sndqueuelen(s->tcp) < TCP_SNDQUEUELOWAT))
        r |= POLLOUT | POLLWRNORM;
    return r;
}

static long sockio_ioctl(void *obj, unsigned long req, void *arg)
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

const struct fd_ops sock_ops = {
    .mode = S_IFSOCK | 0777,
    .access = O_RDWR,
    .readv = sockio_readv,
    .writev = sockio_writev,
    .poll = sockio_poll,
    .ioctl = sockio_ioctl,
    .close = sock_close,
};

/* ---- the data calls ---- */

long sys_sendto(const long a[6])
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
    return sockio_send(s, &io, flags & O_NONBLOCK);
}

long sys_recvfrom(const long a[6])
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
    r = sockio_recv(s, &io, flags & O_NONBLOCK);
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
static long sockio_msg(const struct msghdr *m, struct msghdr *out)
{
    long r;

    if (!mem_check(m, sizeof *m))
        return -EFAULT;
    *out = *m;
    r = fd_iov_check(out->msg_iov, out->msg_iovlen);
    return r;
}

long sys_sendmsg(const long a[6])
{
    long r;
    int flags;
    struct sock *s = sock_get(a[0], &flags, &r);
    struct msghdr m;
    ip_addr_t ip;
    u16_t port;

    if (s == NULL)
        return r;
    if ((r = sockio_msg((const struct msghdr *)a[1], &m)) < 0)
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
    return sockio_send(s, &io, flags & O_NONBLOCK);
}

long sys_recvmsg(const long a[6])
{
    long r;
    int flags;
    struct sock *s = sock_get(a[0], &flags, &r);
    struct msghdr *um = (struct msghdr *)a[1], m;
    ip_addr_t ip = { 0 };
    u16_t port = 0;

    if (s == NULL)
        return r;
    if ((r = sockio_msg(um, &m)) < 0)
        return r;
    struct io io = { .iov = m.msg_iov, .n = (int)m.msg_iovlen,
                     .total = (size_t)r, .flags = (int)a[2] };
    if (m.msg_name != NULL && s->type == SOCK_DGRAM) {
        io.addr = &ip;
        io.port = &port;
    }
    r = sockio_recv(s, &io, flags & O_NONBLOCK);
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

long sys_shutdown(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);
    long how = a[1];

    if (s == NULL)
        return r;
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return -EINVAL;
    if (s->type == SOCK_STREAM && s->state != SS_CONNECTED)
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

