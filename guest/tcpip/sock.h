/* sock.h: the socket object and what socket.c, sockio.c and sockopt.c share (internal). */
#ifndef GUEST_TCPIP_SOCK_H
#define GUEST_TCPIP_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "runtime.h"

/*
 * A socket is an lwIP protocol control block plus what POSIX keeps that
 * lwIP does not: received data not yet read, connections not yet accepted,
 * a pending error, shutdown state and options.  lwIP calls back into it
 * only from inside tcpip_wait or a socket call, so a callback never runs
 * while another part of the socket layer is half-way through a change.  lwIP may
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
    int nodelay;     /* TCP_NODELAY, kept for connections a listener accepts */
    int wr_nomem;    /* lwIP had no memory for data: unwritable until an ACK */
    uint64_t rcvtimeo, sndtimeo; /* ns; 0 means none */

    /* TCP data received and not yet read: a list of pbufs (tot_len, a
       u16_t, cannot count it), with how much of the first is consumed. */
    struct pbuf *rx, *rx_tail;
    size_t rx_off, rx_bytes;

    /* Listening: accepted connections, oldest first. */
    struct sock **pend;
    int npend, backlog, pend_cap;

    /* UDP: a ring of datagrams. */
    struct dgram *dq;
    int dq_head, dq_len;

    /* The peer, kept once connected: the pcb may be gone when asked. */
    ip_addr_t peer;
    u16_t peer_port;
};

/* sockio.c: the descriptor ops of a socket. */
extern const struct fd_ops sock_ops;

/* socket.c */
/* fd's socket (and its O_NONBLOCK), or NULL with *err -EBADF or -ENOTSOCK. */
struct sock *sock_get(long fd, int *flags, long *err);
/* An lwIP error as -errno. */
long sock_errno(err_t e);
/* The monotonic deadline of a call: now for a non-blocking one, else now +
   timeout (0: none). */
uint64_t sock_deadline(int nonblock, uint64_t timeout);
/* Run try until it stops saying -EAGAIN or the deadline passes. */
long sock_until(long (*try)(struct sock *, void *), struct sock *s, void *ctx,
                uint64_t deadline);
/* A sockaddr_in from guest memory; -errno if it is not one. */
long sock_addr_in(const void *sa, socklen_t len, ip_addr_t *ip, u16_t *port);
/* Store a sockaddr_in, truncated to *lenp; *lenp gets its full size. */
long sock_addr_out(void *sa, socklen_t *lenp, const ip_addr_t *ip, u16_t port);
/* Free the received TCP data not yet read. */
void sock_rx_free(struct sock *s);
void sock_close(void *obj);

/* sockio.c */
long sys_sendto(const long a[6]);
long sys_recvfrom(const long a[6]);
long sys_sendmsg(const long a[6]);
long sys_recvmsg(const long a[6]);
long sys_shutdown(const long a[6]);

/* sockopt.c */
long sys_getsockname(const long a[6]);
long sys_getpeername(const long a[6]);
long sys_setsockopt(const long a[6]);
long sys_getsockopt(const long a[6]);

#endif
