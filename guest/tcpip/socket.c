/* socket.c: POSIX sockets over lwIP's raw API: creating, connecting, accepting, closing; the dispatch. */
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

struct sock *sock_get(long fd, int *flags, long *err)
{
    struct sock *s = fd_obj(fd, &sock_ops, flags);

    if (s == NULL)
        *err = fd_kind(fd) == NULL ? -EBADF : -ENOTSOCK;
    return s;
}

/* lwIP's error codes as errno values. */
long sock_errno(err_t e)
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

uint64_t sock_deadline(int nonblock, uint64_t timeout)
{
    uint64_t now = clock_monotonic();

    if (nonblock)
        return 0;
    return timeout == 0 || timeout > UINT64_MAX - now ? UINT64_MAX
                                                      : now + timeout;
}

struct sock_try {
    long (*try)(struct sock *, void *);
    struct sock *s;
    void *ctx;
};

static long sock_try(void *ctx)
{
    struct sock_try *t = ctx;

    return t->try(t->s, t->ctx);
}

/* poll_until, for a socket call whose `try` says -EAGAIN until it can go on. */
long sock_until(long (*try)(struct sock *, void *), struct sock *s,
                       void *ctx, uint64_t deadline)
{
    struct sock_try t = { try, s, ctx };

    return poll_until(sock_try, &t, -EAGAIN, deadline);
}

/* ---- addresses ---- */

/* A sockaddr_in from guest memory; -errno if it is not one. */
long sock_addr_in(const void *sa, socklen_t len, ip_addr_t *ip,
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
long sock_addr_out(void *sa, socklen_t *lenp, const ip_addr_t *ip,
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

static void sock_tcp_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL); /* lwIP's default: discard, close on FIN */
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

static err_t sock_tcp_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
                           err_t err)
{
    struct sock *s = arg;

    (void)err;
    s->gen++;
    if (p == NULL) {
        s->eof = 1;
        /*
         * Our FIN went first, so the connection now ends in TIME-WAIT (or
         * CLOSING), where lwIP frees it later without a callback: let go
         * of it now.  lwIP still delivers what we sent.
         */
        if (s->wr_shut) {
            sock_tcp_detach(pcb);
            tcp_close(pcb); /* in these states it only stops reception */
            s->tcp = NULL;
        }
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
    s->wr_nomem = 0;
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

    /* No memory (lwIP's backlog keeps the queue from overfilling): lwIP
       resets the connection. */
    if (err != ERR_OK || pcb == NULL || l->npend >= l->pend_cap ||
        (c = sock_alloc(SOCK_STREAM)) == NULL)
        return ERR_MEM;
    c->tcp = pcb;
    c->state = SS_CONNECTED;
    c->peer = pcb->remote_ip;
    c->peer_port = pcb->remote_port;
    /* What Linux copies from the listener to the connections it accepts. */
    c->rcvtimeo = l->rcvtimeo;
    c->sndtimeo = l->sndtimeo;
    c->linger0 = l->linger0;
    c->nodelay = l->nodelay;
    if (c->nodelay)
        tcp_nagle_disable(pcb);
    sock_tcp_attach(c);
    /* Counted in the listener's backlog until accept() takes it, so that
       lwIP ignores new SYNs while the queue is full, as Linux does. */
    tcp_backlog_delayed(pcb);
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

void sock_rx_free(struct sock *s)
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

void sock_close(void *obj)
{
    sock_free(obj);
    netif_uhvt_flush(); /* the FIN or reset */
}

void sock_close_all(void)
{
    for (long fd = 0; fd < FD_MAX; fd++)
        if (fd_kind(fd) == &sock_ops) {
            const long a[6] = { fd };
            (void)sys_close(a);
        }
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
        if (backlog > s->pend_cap) {
            struct sock **p = mem_calloc((mem_size_t)backlog, sizeof *p);
            if (p == NULL)
                return -ENOBUFS;
            memcpy(p, s->pend, (size_t)s->npend * sizeof *p);
            mem_free(s->pend);
            s->pend = p;
            s->pend_cap = backlog;
        }
        s->backlog = backlog;
        ((struct tcp_pcb_listen *)s->tcp)->backlog = (u8_t)backlog;
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
    s->backlog = s->pend_cap = backlog;
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
    if (n->tcp != NULL)
        tcp_backlog_accepted(n->tcp);
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
