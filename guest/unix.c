/* unix.c: socketpair(AF_UNIX): connected local sockets over two of pipe.c's buffers, and the socket calls on them. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "runtime.h"
#include "thread.h"

/*
 * A pair is two buffers, one each way: side i reads buf[i] and writes
 * buf[!i], with the pipe's semantics underneath (blocking, O_NONBLOCK, a
 * reader sees end of file once no writer is left, a writer gets EPIPE once
 * no reader is).  shutdown and close only change who counts as a reader
 * or writer of each buffer (unix_sync), as Linux's unix_shutdown marks
 * both sockets.  SOCK_DGRAM and SOCK_SEQPACKET use the pipe's packet mode:
 * each send is one message, a receive takes at most one, and the rest of
 * a message longer than the buffer given is dropped; a message is at most
 * a page (EMSGSIZE above, where Linux allows about 200 KiB).  No
 * descriptors or credentials pass (SCM_RIGHTS: EOPNOTSUPP), and the
 * buffer is the pipe's 64 KiB, not Linux's socket buffer.
 */

#define UNIX_MSG_MAX 4096
#define UNIX_SHUT_RD 1
#define UNIX_SHUT_WR 2

struct unix_pair;
struct unix_sock {
    struct unix_pair *pair;
    int side, open, shut;
};

struct unix_pair {
    int type;
    struct pipe *buf[2]; /* buf[i]: the data on its way to side i */
    struct unix_sock end[2];
};

static const struct fd_ops unix_ops;

/* Readers and writers of each buffer, from both sides' state. */
static void unix_sync(struct unix_pair *u)
{
    for (int i = 0; i < 2; i++) {
        const struct unix_sock *me = &u->end[i], *peer = &u->end[!i];
        int reader = me->open && !(me->shut & UNIX_SHUT_RD);
        int writer = reader && peer->open && !(peer->shut & UNIX_SHUT_WR);
        pipe_set_ends(u->buf[i], reader, writer);
    }
}

static int unix_packets(const struct unix_sock *s)
{
    return s->pair->type != SOCK_STREAM;
}

static long unix_readv(void *obj, const struct iovec *iov, int n, int flags)
{
    struct unix_sock *s = obj;
    struct pipe *rx = s->pair->buf[s->side];

    if ((s->shut & UNIX_SHUT_RD) && pipe_empty(rx))
        return 0;
    return pipe_readv(rx, iov, n, flags & O_NONBLOCK);
}

static long unix_writev(void *obj, const struct iovec *iov, int n, int flags)
{
    struct unix_sock *s = obj;

    if (s->shut & UNIX_SHUT_WR)
        return -EPIPE;
    if (unix_packets(s) && fd_iov_check(iov, n) > UNIX_MSG_MAX)
        return -EMSGSIZE;
    return pipe_writev(s->pair->buf[!s->side], iov, n,
                       (flags & O_NONBLOCK) | (unix_packets(s) ? O_DIRECT : 0));
}

/* Linux's unix_poll, in the buffers' terms. */
static unsigned unix_poll(void *obj, uint32_t *gen)
{
    struct unix_sock *s = obj;
    uint32_t g1, g2;
    unsigned in = pipe_read_poll(s->pair->buf[s->side], &g1);
    unsigned out = pipe_write_poll(s->pair->buf[!s->side], &g2);
    int rd_shut = (in & POLLHUP) != 0, wr_shut = (out & POLLERR) != 0;
    unsigned r = 0;

    *gen = g1 + g2;
    if (in & POLLIN)
        r |= POLLIN | POLLRDNORM;
    if (rd_shut)
        r |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (rd_shut && wr_shut)
        r |= POLLHUP;
    if (out & POLLOUT)
        r |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return r;
}

/* FIONREAD (SIOCINQ): the bytes waiting to be read. */
static long unix_ioctl(void *obj, unsigned long req, void *arg)
{
    struct unix_sock *s = obj;

    return pipe_ioctl(s->pair->buf[s->side], req, arg);
}

static void unix_close(void *obj)
{
    struct unix_sock *s = obj;
    struct unix_pair *u = s->pair;

    s->open = 0;
    unix_sync(u);
    if (u->end[0].open || u->end[1].open)
        return;
    pipe_free(u->buf[0]);
    pipe_free(u->buf[1]);
    mem_release(u, sizeof *u);
}

static const struct fd_ops unix_ops = {
    .mode = S_IFSOCK | 0777,
    .access = O_RDWR,
    .readv = unix_readv,
    .writev = unix_writev,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
    .close = unix_close,
};

/* Linux's checks, in its order; both descriptors or neither. */
long unix_socketpair(const long a[6])
{
    int domain = (int)a[0], type = (int)a[1] & 0xf, flags = (int)a[1] & ~0xf;
    int *sv = (int *)a[3];

    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (domain < 0 || domain >= AF_MAX)
        return -EAFNOSUPPORT;
    if (type >= SOCK_PACKET + 1) /* SOCK_MAX */
        return -EINVAL;
    if (domain != AF_UNIX)
        return domain == AF_INET || domain == AF_INET6 ? -EOPNOTSUPP
                                                       : -EAFNOSUPPORT;
    if ((int)a[2] != 0 && (int)a[2] != AF_UNIX)
        return -EPROTONOSUPPORT;
    if (type == SOCK_RAW)
        type = SOCK_DGRAM; /* as Linux's unix_create */
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    struct unix_pair *u = mem_alloc(sizeof *u);
    if (u == NULL)
        return -ENOMEM;
    u->type = type;
    u->buf[0] = pipe_new();
    u->buf[1] = pipe_new();
    if (u->buf[0] == NULL || u->buf[1] == NULL) {
        if (u->buf[0] != NULL)
            pipe_free(u->buf[0]);
        if (u->buf[1] != NULL)
            pipe_free(u->buf[1]);
        mem_release(u, sizeof *u);
        return -ENOMEM;
    }
    int fl = (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0) |
             (flags & SOCK_CLOEXEC ? O_CLOEXEC : 0);
    int fd0 = -1, fd1 = -1;
    for (int i = 0; i < 2; i++)
        u->end[i] = (struct unix_sock){ .pair = u, .side = i, .open = 1 };
    if ((fd0 = fd_alloc(&unix_ops, &u->end[0], fl)) < 0 ||
        (fd1 = fd_alloc(&unix_ops, &u->end[1], fl)) < 0) {
        u->end[1].open = 0;
        if (fd0 >= 0)
            (void)sys_close((const long[6]){ fd0 });
        else
            unix_close(&u->end[0]);
        return fd0 < 0 ? fd0 : fd1;
    }
    if (!mem_check(sv, 2 * sizeof *sv)) {
        (void)sys_close((const long[6]){ fd0 });
        (void)sys_close((const long[6]){ fd1 });
        return -EFAULT;
    }
    sv[0] = fd0;
    sv[1] = fd1;
    return 0;
}

/* ---- the socket calls on a pair's descriptors ---- */

/* fd's socket pair end, or NULL: the call is then the network stack's. */
static struct unix_sock *unix_get(long fd, int *flags)
{
    return fd_obj(fd, &unix_ops, flags);
}

/* An unnamed AF_UNIX address, as Linux reports a socketpair's. */
static long unix_name(struct sockaddr *sa, socklen_t *len)
{
    if (sa == NULL || len == NULL)
        return 0;
    if (!mem_check(len, sizeof *len))
        return -EFAULT;
    if ((int)*len < 0)
        return -EINVAL;
    sa_family_t fam = AF_UNIX;
    size_t n = *len < sizeof fam ? *len : sizeof fam;
    if (n > 0 && !mem_check(sa, n))
        return -EFAULT;
    for (size_t i = 0; i < n; i++)
        ((char *)sa)[i] = ((const char *)&fam)[i];
    *len = sizeof fam;
    return 0;
}

/* MSG_DONTWAIT makes one call non-blocking; what else Linux offers is
 * not: MSG_PEEK, MSG_OOB, MSG_WAITALL... are EOPNOTSUPP here. */
static long unix_io(struct unix_sock *s, struct iovec *iov, int n, int flags,
                    int msg, int out)
{
    int allowed = MSG_DONTWAIT | MSG_NOSIGNAL | (out ? MSG_EOR | MSG_MORE : 0);

    if (msg & ~allowed)
        return -EOPNOTSUPP;
    if (msg & MSG_DONTWAIT)
        flags |= O_NONBLOCK;
    long r = fd_iov_check(iov, n);
    if (r < 0)
        return r;
    return out ? unix_writev(s, iov, n, flags) : unix_readv(s, iov, n, flags);
}

long unix_sendto(const long a[6])
{
    int flags;
    struct unix_sock *s = unix_get(a[0], &flags);

    if (s == NULL)
        return fd_held(SYS_sendto, a, tcpip_syscall);
    if (a[4] != 0 && a[5] != 0)
        return -EISCONN;
    struct iovec v = { (void *)a[1], (size_t)a[2] };
    return unix_io(s, &v, 1, flags, (int)a[3], 1);
}

long unix_recvfrom(const long a[6])
{
    int flags;
    struct unix_sock *s = unix_get(a[0], &flags);

    if (s == NULL)
        return fd_held(SYS_recvfrom, a, tcpip_syscall);
    struct iovec v = { (void *)a[1], (size_t)a[2] };
    long r = unix_io(s, &v, 1, flags, (int)a[3], 0);
    if (r >= 0) {
        long e = unix_name((struct sockaddr *)a[4], (socklen_t *)a[5]);
        if (e < 0)
            return e;
    }
    return r;
}

static long unix_msg(const long a[6], int out)
{
    int flags;
    struct unix_sock *s = unix_get(a[0], &flags);
    struct msghdr *m = (struct msghdr *)a[1];

    if (s == NULL)
        return fd_held(out ? SYS_sendmsg : SYS_recvmsg, a, tcpip_syscall);
    if (!mem_check(m, sizeof *m))
        return -EFAULT;
    if (out && m->msg_controllen != 0)
        return -EOPNOTSUPP;
    if (out && m->msg_namelen != 0)
        return -EISCONN;
    if (m->msg_iovlen > INT32_MAX)
        return -EMSGSIZE;
    long r = unix_io(s, m->msg_iov, (int)m->msg_iovlen, flags, (int)a[2], out);
    if (r >= 0 && !out) {
        m->msg_flags = 0;
        m->msg_controllen = 0;
        if (m->msg_name != NULL) {
            socklen_t len = m->msg_namelen;
            long e = unix_name(m->msg_name, &len);
            if (e < 0)
                return e;
            m->msg_namelen = len;
        }
    }
    return r;
}

long unix_sendmsg(const long a[6])
{
    return unix_msg(a, 1);
}

long unix_recvmsg(const long a[6])
{
    return unix_msg(a, 0);
}

long unix_shutdown(const long a[6])
{
    struct unix_sock *s = unix_get(a[0], NULL);
    int how = (int)a[1];

    if (s == NULL)
        return fd_held(SYS_shutdown, a, tcpip_syscall);
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    /* SHUT_RD 0 -> 1, SHUT_WR 1 -> 2, SHUT_RDWR 2 -> 3. */
    s->shut |= how + 1;
    unix_sync(s->pair);
    return 0;
}

long unix_getsockname(const long a[6])
{
    if (unix_get(a[0], NULL) == NULL)
        return fd_held(SYS_getsockname, a, tcpip_syscall);
    return unix_name((struct sockaddr *)a[1], (socklen_t *)a[2]);
}

long unix_getpeername(const long a[6])
{
    if (unix_get(a[0], NULL) == NULL)
        return fd_held(SYS_getpeername, a, tcpip_syscall);
    return unix_name((struct sockaddr *)a[1], (socklen_t *)a[2]);
}

/* SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR and SO_ACCEPTCONN answer;
 * the rest is ENOPROTOOPT. */
long unix_getsockopt(const long a[6])
{
    struct unix_sock *s = unix_get(a[0], NULL);
    int *val = (int *)a[3];
    socklen_t *len = (socklen_t *)a[4];
    int v;

    if (s == NULL)
        return fd_held(SYS_getsockopt, a, tcpip_syscall);
    if (a[1] != SOL_SOCKET)
        return -EOPNOTSUPP;
    switch (a[2]) {
    case SO_TYPE: v = s->pair->type; break;
    case SO_DOMAIN: v = AF_UNIX; break;
    case SO_PROTOCOL: v = 0; break;
    case SO_ERROR: v = 0; break;
    case SO_ACCEPTCONN: v = 0; break;
    default: return -ENOPROTOOPT;
    }
    if (!mem_check(len, sizeof *len))
        return -EFAULT;
    if ((int)*len < 0)
        return -EINVAL;
    size_t n = *len < sizeof v ? *len : sizeof v;
    if (n > 0 && !mem_check(val, n))
        return -EFAULT;
    for (size_t i = 0; i < n; i++)
        ((char *)val)[i] = ((const char *)&v)[i];
    *len = (socklen_t)n;
    return 0;
}

/*
 * accept on a pair's socket: Linux's unix_accept says EOPNOTSUPP for a
 * datagram socket and EINVAL for one not listening; the stack's sockets
 * wait holding their description.
 */
static long unix_accept_call(unsigned long nr, const long a[6])
{
    struct unix_sock *s = unix_get(a[0], NULL);

    if (s == NULL)
        return fd_held(nr, a, tcpip_syscall);
    return s->pair->type == SOCK_DGRAM ? -EOPNOTSUPP : -EINVAL;
}

long unix_accept(const long a[6])
{
    return unix_accept_call(SYS_accept, a);
}

long unix_accept4(const long a[6])
{
    return unix_accept_call(SYS_accept4, a);
}

/* connect may wait too (TCP's handshake). */
long unix_connect(const long a[6])
{
    return fd_held(SYS_connect, a, tcpip_syscall);
}

/* Buffer sizes are accepted and change nothing; the rest is ENOPROTOOPT. */
long unix_setsockopt(const long a[6])
{
    if (unix_get(a[0], NULL) == NULL)
        return fd_held(SYS_setsockopt, a, tcpip_syscall);
    if (a[1] == SOL_SOCKET && (a[2] == SO_SNDBUF || a[2] == SO_RCVBUF))
        return (socklen_t)a[4] < sizeof(int) ? -EINVAL : 0;
    return a[1] == SOL_SOCKET ? -ENOPROTOOPT : -EOPNOTSUPP;
}
