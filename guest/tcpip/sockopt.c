/* sockopt.c: socket names and options. */
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

/* ---- names and options ---- */

long sys_getsockname(const long a[6])
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

long sys_getpeername(const long a[6])
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
static u8_t *sockopt_options(struct sock *s)
{
    return s->type == SOCK_DGRAM ? &s->udp->so_options
           : s->tcp != NULL      ? &s->tcp->so_options
                                 : NULL;
}

static long sockopt_timeo(uint64_t *t, const void *val, socklen_t len)
{
    struct timeval tv;

    if (len < sizeof tv)
        return -EINVAL;
    memcpy(&tv, val, sizeof tv);
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return -EDOM;
    if (tv.tv_sec < 0)
        *t = 0;
    else if ((uint64_t)tv.tv_sec > (UINT64_MAX - NSEC_PER_SEC) / NSEC_PER_SEC)
        *t = 0; /* longer than the universe: no timeout at all */
    else
        *t = (uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * 1000;
    return 0;
}

long sys_setsockopt(const long a[6])
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
    u8_t *so = sockopt_options(s);
    struct tcp_pcb *t = s->type == SOCK_STREAM && s->state != SS_LISTEN
                            ? s->tcp
                            : NULL;

    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_RCVTIMEO:
        case SO_RCVTIMEO_NEW:
            return sockopt_timeo(&s->rcvtimeo, val, len);
        case SO_SNDTIMEO:
        case SO_SNDTIMEO_NEW:
            return sockopt_timeo(&s->sndtimeo, val, len);
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
            s->nodelay = v != 0;
            if (t == NULL)
                return 0; /* a listener passes it on; else nothing to delay */
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

union sockopt_val {
    int i;
    struct timeval tv;
    struct linger l;
};

/* An option's value and size, or -errno for one that is not known. */
static long sockopt_get(struct sock *s, long level, long name,
                        union sockopt_val *out, socklen_t *len)
{
    int *v = &out->i;
    struct timeval *tv = &out->tv;
    u8_t *so = sockopt_options(s);
    struct tcp_pcb *t = s->type == SOCK_STREAM && s->state != SS_LISTEN
                            ? s->tcp
                            : NULL;
    uint64_t timeo;

    *len = sizeof(int);
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
            *len = sizeof *tv;
            return 0;
        case SO_LINGER:
            out->l = (struct linger){ .l_onoff = s->linger0, .l_linger = 0 };
            *len = sizeof out->l;
            return 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
        switch (name) {
        case TCP_NODELAY:
            *v = s->nodelay;
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

long sys_getsockopt(const long a[6])
{
    long r;
    struct sock *s = sock_get(a[0], NULL, &r);
    void *val = (void *)a[3];
    socklen_t *lenp = (socklen_t *)a[4];
    union sockopt_val v = { 0 };
    socklen_t len;

    if (s == NULL)
        return r;
    if (!mem_check(lenp, sizeof *lenp))
        return -EFAULT;
    if ((int)*lenp < 0)
        return -EINVAL;
    if ((r = sockopt_get(s, a[1], a[2], &v, &len)) < 0)
        return r;
    if (*lenp < len)
        len = *lenp;
    if (!mem_check(val, len))
        return -EFAULT;
    memcpy(val, &v, len);
    *lenp = len;
    return 0;
}

