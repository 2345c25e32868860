/* httpd.c: a small static-content HTTP/1.1 server on an epoll loop, for Linux and for uhvt alike. */
/*
 *   cc -std=c11 -D_GNU_SOURCE -O2 -o httpd httpd.c && ./httpd --port=8080
 *   uhvt-cc --net=net0 --tcpip -o httpd.hvt httpd.c
 *   uhvt --net=tap0 httpd.hvt --ipv4=10.0.0.2/24
 *
 * Options: --port=N (default 80), --max-conns=N (default 256),
 * --idle-timeout=SECS (default 15).
 *
 * Routes (GET and HEAD; any other method on them is 405):
 *   /           a small HTML page
 *   /health     "ok"
 *   /stats      JSON: requests served, uptime and connection counters
 *   /bytes/N    N bytes (at most 16 MiB) of a fixed pseudo-random sequence
 *               (see bytes_fill), so a client can check a large body
 * Connections stay open between requests in HTTP/1.1 unless the client
 * says "Connection: close", and in HTTP/1.0 only if it asks for
 * keep-alive; pipelined requests are answered in order.
 *
 * Everything a client sends is hostile.  Each connection has two fixed
 * buffers (a request header section must fit in IN_MAX bytes, or the
 * answer is 431), a body it may send is discarded up to BODY_MAX bytes
 * (413 beyond), and a connection that makes no progress for the idle
 * timeout, or takes longer than that to send one request's headers, is
 * closed.  At the connection limit, the connection idle the longest is
 * closed to make room; if every one is busy, the newcomer gets 503.
 * Malformed requests get 400 and the connection is closed, since nothing
 * after a framing error can be trusted.
 *
 * Only plain POSIX and Linux socket calls (socket, bind, listen, accept4,
 * read, write, shutdown, close, setsockopt, fcntl, epoll): the same source
 * builds natively and as a unikernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* Built by uhvt-cc, whose runtime has the snapshot ready point. */
#if defined(__has_include)
#if __has_include(<uhvt.h>)
#include <uhvt.h>
#define UHVT_SNAPSHOTS 1
#endif
#endif

#define IN_MAX 8192             /* request line and headers */
#define OUT_MAX 16384           /* response bytes not yet sent */
#define SMALL_MAX 2048          /* headers plus a small body, built at once */
#define HEADERS_MAX 64          /* header fields in one request */
#define BODY_MAX (64 * 1024)    /* request body we are willing to discard */
#define BYTES_MAX (16u << 20)   /* largest /bytes/N */
#define LINGER_MS 2000          /* draining input after our last response */
#define MAX_EVENTS 64
#define SWEEP_MS 250            /* how often stalled connections are looked for */

/* Why a connection stops taking requests. */
enum conn_state {
    CONN_OPEN,    /* reading and answering requests */
    CONN_LAST,    /* the response being sent is the last one */
    CONN_DRAIN,   /* all sent, write side shut: read to EOF, then close */
};

struct conn {
    int fd;             /* -1 once closed, until freed after the event batch */
    int slot;           /* index in conns */
    struct conn *next;  /* on the list of closed ones */
    enum conn_state state;
    bool rd_eof;        /* the client shut its write side */
    uint32_t events;    /* what epoll watches for now */
    int64_t last_ms;    /* last progress either way */
    int64_t req_ms;     /* when the current request's first byte arrived */
    size_t in_len;
    size_t scan;        /* input already seen to hold no whole request line or header */
    size_t skip;        /* request body bytes still to discard */
    size_t out_off, out_len;
    uint64_t gen_left;  /* /bytes body still to generate */
    uint64_t gen_pos;   /* and already generated */
    uint32_t gen_state;
    char in[IN_MAX];
    char out[OUT_MAX];
};

/* One request, as parsed from the header section. */
struct request {
    char method[16];
    const char *path;   /* points into the connection's input */
    size_t path_len;    /* without the query */
    int minor;          /* HTTP/1.minor */
    bool keep_alive;
    bool has_length;
    uint64_t length;
};

static struct {
    int port;
    int max_conns;
    int idle_ms;
} opt = { 80, 256, 15000 };

static struct {
    int64_t start_ms;
    uint64_t requests, accepted, rejected, evicted, timeouts, bad, bytes_sent;
} stats;

static struct conn **conns; /* opt.max_conns slots, NULL when free */
static int nconns;
static int epfd, lfd;
static int64_t accept_paused_until;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- The /bytes sequence ---- */

/*
 * xorshift32 from the seed 0x2545f491, each state emitted as four bytes,
 * least significant first: byte i of every /bytes/N body is the same, so
 * a client can regenerate it, and /bytes/N is a prefix of /bytes/M.
 */
#define BYTES_SEED 0x2545f491u

static void bytes_fill(struct conn *c, char *dst, size_t n)
{
    for (size_t i = 0; i < n; i++, c->gen_pos++) {
        dst[i] = (char)(c->gen_state >> (8 * (c->gen_pos % 4)));
        if (c->gen_pos % 4 == 3) {
            uint32_t x = c->gen_state;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            c->gen_state = x;
        }
    }
    c->gen_left -= n;
}

/* ---- Parsing: pure functions over the bytes received ---- */

static bool is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* A field value or target byte: visible ASCII, obs-text, space or tab. */
static bool is_vchar(unsigned char ch) { return ch == ' ' || ch == '\t' || (ch > 0x20 && ch != 0x7f); }

/* Does the comma-separated token list [v, v+n) hold tok (case-insensitively)? */
static bool has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        if (i - s == tl && strncasecmp(v + s, tok, tl) == 0)
            return true;
    }
    return false;
}

/* The end of the line starting at p (its LF), or NULL; a CR may only come right before the LF. */
static const char *line_end(const char *p, const char *end, bool *bad)
{
    for (const char *q = p; q < end; q++) {
        if (*q == '\n')
            return q;
        if (*q == '\r' && q + 1 < end && q[1] != '\n')
            *bad = true;
    }
    return NULL;
}

/* The length of [p, e) less a trailing CR. */
static size_t trim_cr(const char *p, const char *e) { return (size_t)(e - p) - (e > p && e[-1] == '\r'); }

/*
 * parse_request_line: "METHOD SP TARGET SP HTTP/1.x".  Returns 0 or the
 * status to answer with (400, 505).  An absolute-form target
 * (http://host/path) is reduced to its path, as RFC 9112 asks servers to.
 */
static int parse_request_line(const char *p, size_t n, struct request *rq)
{
    size_t i = 0, m = 0;
    while (i < n && is_tchar((unsigned char)p[i])) {
        if (m + 1 >= sizeof rq->method)
            return 400;
        rq->method[m++] = p[i++];
    }
    rq->method[m] = '\0';
    if (m == 0 || i >= n || p[i++] != ' ')
        return 400;
    const char *t = p + i;
    while (i < n && p[i] != ' ') {
        if (!is_vchar((unsigned char)p[i]) || p[i] == '\t')
            return 400;
        i++;
    }
    size_t tlen = (size_t)(p + i - t);
    if (i >= n || p[i++] != ' ' || n - i != 8 || memcmp(p + i, "HTTP/", 5) != 0 ||
        p[i + 5] < '0' || p[i + 5] > '9' || p[i + 6] != '.' || p[i + 7] < '0' || p[i + 7] > '9')
        return 400;
    if (p[i + 5] != '1')
        return 505;
    rq->minor = p[i + 7] - '0';
    if (tlen > 7 && strncasecmp(t, "http://", 7) == 0) {
        const char *slash = memchr(t + 7, '/', tlen - 7);
        if (slash == NULL) {
            t = "/";
            tlen = 1;
        } else {
            tlen -= (size_t)(slash - t);
            t = slash;
        }
    }
    if (tlen == 0 || t[0] != '/')
        return 400;
    const char *q = memchr(t, '?', tlen);
    rq->path = t;
    rq->path_len = q != NULL ? (size_t)(q - t) : tlen;
    return 0;
}

/* parse_length: a Content-Length value, all digits and not absurd; false if not. */
static bool parse_length(const char *v, size_t n, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0 || n > 15)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return true;
}

/*
 * parse_header: one "Name: value" field into rq.  Returns 0 or a status.
 * Folded lines, a space before the colon and conflicting framing are 400:
 * they are how request smuggling starts.
 */
static int parse_header(const char *p, size_t n, struct request *rq, int *hosts)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    if (i == 0 || i >= n || p[i] != ':')
        return 400;
    size_t nlen = i++;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    size_t e = n;
    while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t'))
        e--;
    for (size_t k = i; k < e; k++)
        if (!is_vchar((unsigned char)p[k]))
            return 400;
    const char *v = p + i;
    size_t vlen = e - i;

    if (nlen == 4 && strncasecmp(p, "host", 4) == 0) {
        (*hosts)++;
    } else if (nlen == 14 && strncasecmp(p, "content-length", 14) == 0) {
        uint64_t len;
        if (!parse_length(v, vlen, &len) || (rq->has_length && len != rq->length))
            return 400;
        rq->has_length = true;
        rq->length = len;
    } else if (nlen == 17 && strncasecmp(p, "transfer-encoding", 17) == 0) {
        return 501; /* no request bodies here worth decoding chunks for */
    } else if (nlen == 10 && strncasecmp(p, "connection", 10) == 0) {
        if (has_token(v, vlen, "close"))
            rq->keep_alive = false;
        else if (has_token(v, vlen, "keep-alive"))
            rq->keep_alive = true;
    }
    return 0;
}

/*
 * parse_request: look for one whole request header section in [buf,
 * buf+len).  Returns its length (the body, if any, follows), 0 if more
 * bytes are needed, or minus the status to answer with.  A pure function
 * of its input, so it can be tested and fuzzed on its own.
 */
static long parse_request(const char *buf, size_t len, size_t cap, struct request *rq)
{
    const char *p = buf, *end = buf + len;
    bool bad = false;

    memset(rq, 0, sizeof *rq);
    /* RFC 9112 2.2: ignore an empty line or two before the request line. */
    while (p < end && (*p == '\r' || *p == '\n'))
        if (++p - buf > 8)
            return -400;
    /* Garbage is refused as soon as it shows, not when the buffer fills. */
    for (const char *q = p; q < end && *q != '\n'; q++)
        if ((unsigned char)*q < 0x20 && *q != '\r' && *q != '\t')
            return -400;
    const char *le = line_end(p, end, &bad);
    if (bad)
        return -400;
    if (le == NULL)
        return len >= cap ? -414 : 0;
    int st = parse_request_line(p, trim_cr(p, le), rq);
    if (st != 0)
        return -st;
    rq->keep_alive = rq->minor >= 1; /* HTTP/1.0 closes unless asked not to */

    int fields = 0, hosts = 0;
    for (p = le + 1;; p = le + 1) {
        le = line_end(p, end, &bad);
        if (bad)
            return -400;
        if (le == NULL)
            return len >= cap ? -431 : 0;
        size_t n = trim_cr(p, le);
        if (n == 0)
            break;
        if (*p == ' ' || *p == '\t')
            return -400; /* obsolete line folding */
        if (++fields > HEADERS_MAX)
            return -431;
        if ((st = parse_header(p, n, rq, &hosts)) != 0)
            return -st;
    }
    if (hosts > 1 || (rq->minor >= 1 && hosts == 0))
        return -400; /* RFC 9112 3.2 */
    return (long)(le + 1 - buf);
}

/* ---- Responses ---- */

static const char page[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>httpd</title></head>\n"
    "<body><h1>Hello from httpd</h1>\n"
    "<p>A small HTTP/1.1 server on plain POSIX sockets.</p>\n"
    "<ul><li><a href=\"/health\">/health</a></li>\n"
    "<li><a href=\"/stats\">/stats</a></li>\n"
    "<li><a href=\"/bytes/1024\">/bytes/1024</a></li></ul>\n"
    "</body></html>\n";

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

/* Append to the output buffer; the caller made sure SMALL_MAX bytes are free. */
static void out_printf(struct conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->out + c->out_len, OUT_MAX - c->out_len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < OUT_MAX - c->out_len)
        c->out_len += (size_t)n;
}

/*
 * respond: queue a status line, headers and body: body_len bytes from
 * body, or as many of the /bytes sequence when body is NULL (generated as
 * the socket takes them).  head: headers only.  keep: the connection stays
 * open afterwards.  minor: the request's HTTP/1.minor, since a 1.0 client
 * must be told that keep-alive is on.  extra: more header lines, or NULL.
 * Needs SMALL_MAX bytes free in the output (conn_process checks).
 */
static void respond(struct conn *c, int status, const char *type, const char *body,
                    uint64_t body_len, bool head, bool keep, int minor, const char *extra)
{
    out_printf(c, "HTTP/1.1 %d %s\r\nServer: httpd\r\nContent-Type: %s\r\n"
                  "Content-Length: %llu\r\n%s%s\r\n",
               status, reason(status), type, (unsigned long long)body_len,
               !keep ? "Connection: close\r\n" : minor == 0 ? "Connection: keep-alive\r\n" : "",
               extra != NULL ? extra : "");
    if (!head && body != NULL && body_len <= OUT_MAX - c->out_len) {
        memcpy(c->out + c->out_len, body, body_len);
        c->out_len += body_len;
    } else if (!head) {
        c->gen_left = body_len;
        c->gen_pos = 0;
        c->gen_state = BYTES_SEED;
    }
    if (!keep)
        c->state = CONN_LAST;
    stats.requests++;
    if (status >= 400)
        stats.bad++;
}

/* An error answer with a one-line body saying what it is. */
static void respond_error(struct conn *c, int status, bool head, bool keep, int minor,
                          const char *extra)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%d %s\n", status, reason(status));
    respond(c, status, "text/plain", body, (uint64_t)n, head, keep, minor, extra);
}

/* /bytes/N: N as a decimal of at most 8 digits within BYTES_MAX, or -1. */
static long bytes_arg(const char *p, size_t n)
{
    long v = 0;
    if (n == 0 || n > 8)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v <= (long)BYTES_MAX ? v : -1;
}

static bool path_is(const struct request *rq, const char *s)
{
    return rq->path_len == strlen(s) && memcmp(rq->path, s, rq->path_len) == 0;
}

/* route: answer one well-formed request. */
static void route(struct conn *c, const struct request *rq)
{
    bool get = strcmp(rq->method, "GET") == 0, head = strcmp(rq->method, "HEAD") == 0;
    bool keep = rq->keep_alive;
    long nbytes = -1;
    bool known = path_is(rq, "/") || path_is(rq, "/health") || path_is(rq, "/stats");

    if (rq->path_len > 7 && memcmp(rq->path, "/bytes/", 7) == 0) {
        nbytes = bytes_arg(rq->path + 7, rq->path_len - 7);
        known = nbytes >= 0;
    }
    if (!known) {
        respond_error(c, 404, head, keep, rq->minor, NULL);
    } else if (!get && !head) {
        respond_error(c, 405, false, keep, rq->minor, "Allow: GET, HEAD\r\n");
    } else if (path_is(rq, "/")) {
        respond(c, 200, "text/html; charset=utf-8", page, sizeof page - 1, head, keep, rq->minor,
                NULL);
    } else if (path_is(rq, "/health")) {
        respond(c, 200, "text/plain", "ok\n", 3, head, keep, rq->minor, NULL);
    } else if (path_is(rq, "/stats")) {
        char body[512];
        int64_t up = now_ms() - stats.start_ms;
        int n = snprintf(body, sizeof body,
                         "{\"requests\":%llu,\"uptime_s\":%lld.%03lld,\"connections\":%d,"
                         "\"accepted\":%llu,\"rejected\":%llu,\"evicted\":%llu,"
                         "\"timeouts\":%llu,\"errors\":%llu,\"bytes_sent\":%llu}\n",
                         (unsigned long long)stats.requests + 1, (long long)(up / 1000),
                         (long long)(up % 1000), nconns, (unsigned long long)stats.accepted,
                         (unsigned long long)stats.rejected, (unsigned long long)stats.evicted,
                         (unsigned long long)stats.timeouts, (unsigned long long)stats.bad,
                         (unsigned long long)stats.bytes_sent);
        respond(c, 200, "application/json", body, (uint64_t)n, head, keep, rq->minor, NULL);
    } else {
        respond(c, 200, "application/octet-stream", NULL, (uint64_t)nbytes, head, keep,
                rq->minor, NULL);
    }
}

/* ---- Connections ---- */

static struct conn *dead; /* closed during this event batch; freed after it */

static bool conn_busy(const struct conn *c) { return c->in_len > 0 || c->skip > 0; }
static bool conn_pending(const struct conn *c) { return c->out_len > 0 || c->gen_left > 0; }

/*
 * conn_close: close the socket now, free the memory after the event batch,
 * since a later event in the same batch may still name this connection.
 */
static void conn_close(struct conn *c)
{
    if (c->fd < 0)
        return;
    conns[c->slot] = NULL;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->next = dead;
    dead = c;
    nconns--;
}

static void conn_free_dead(void)
{
    while (dead != NULL) {
        struct conn *c = dead;
        dead = c->next;
        free(c);
    }
}

/*
 * conn_next_request: parse the next request in the input, or return 0
 * without parsing when nothing that could complete or break a line has
 * arrived since the last try: a client dribbling a byte at a time must
 * not make us rescan the whole buffer for each byte.
 */
static long conn_next_request(struct conn *c, struct request *rq)
{
    if (c->in_len < IN_MAX && c->scan <= c->in_len) {
        bool news = false;
        for (size_t i = c->scan; i < c->in_len && !news; i++)
            news = (unsigned char)c->in[i] < 0x20 && c->in[i] != '\r' && c->in[i] != '\t';
        if (!news && c->scan > 0)
            return 0;
    }
    long n = parse_request(c->in, c->in_len, IN_MAX, rq);
    c->scan = n == 0 ? c->in_len : 0;
    return n;
}

/*
 * conn_process: answer every whole request in the input, as long as the
 * output has room for another response.  Pipelined requests are answered
 * in order; a response being generated holds back the next one.
 */
static void conn_process(struct conn *c)
{
    for (;;) {
        if (c->gen_left > 0) {
            size_t room = OUT_MAX - c->out_len;
            size_t n = c->gen_left < room ? (size_t)c->gen_left : room;
            bytes_fill(c, c->out + c->out_len, n);
            c->out_len += n;
            if (c->gen_left > 0)
                return;
        }
        if (c->skip > 0) {
            size_t n = c->skip < c->in_len ? c->skip : c->in_len;
            memmove(c->in, c->in + n, c->in_len - n);
            c->in_len -= n;
            c->skip -= n;
            if (c->skip > 0)
                return;
        }
        if (c->state != CONN_OPEN || c->in_len == 0 || OUT_MAX - c->out_len < SMALL_MAX)
            return;

        struct request rq;
        long n = conn_next_request(c, &rq);
        if (n == 0) {
            if (c->rd_eof)
                c->state = CONN_LAST; /* a partial request will never complete */
            return;
        }
        if (n < 0) {
            respond_error(c, (int)-n, false, false, 1, NULL);
            return;
        }
        if (rq.has_length && rq.length > BODY_MAX) {
            respond_error(c, 413, false, false, rq.minor, NULL);
            return;
        }
        route(c, &rq); /* before the input moves: rq points into it */
        memmove(c->in, c->in + n, c->in_len - (size_t)n);
        c->in_len -= (size_t)n;
        c->skip = rq.has_length ? (size_t)rq.length : 0;
        c->req_ms = now_ms(); /* the next pipelined request's clock starts */
    }
}

/*
 * conn_flush: write what is queued, refilling the buffer from the body
 * being generated or the next pipelined request as it drains.  False if
 * the connection is gone.
 */
static bool conn_flush(struct conn *c)
{
    for (;;) {
        if (c->out_off == c->out_len) {
            c->out_off = c->out_len = 0;
            conn_process(c);
            if (c->out_len == 0)
                return true;
        }
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return false;
        c->out_off += (size_t)n;
        stats.bytes_sent += (uint64_t)n;
        c->last_ms = now_ms();
    }
    /* The socket is full: make room so the next write can be a large one. */
    memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
    c->out_len -= c->out_off;
    c->out_off = 0;
    conn_process(c);
    return true;
}

/* Read what has arrived; false if the connection is gone. */
static bool conn_read(struct conn *c)
{
    if (c->state == CONN_DRAIN) {
        char sink[4096];
        ssize_t n = read(c->fd, sink, sizeof sink);
        if (n == 0)
            c->rd_eof = true;
        return n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
    if (c->in_len == IN_MAX)
        return true;
    ssize_t n = read(c->fd, c->in + c->in_len, IN_MAX - c->in_len);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    if (n == 0) {
        c->rd_eof = true;
        return true;
    }
    if (!conn_busy(c))
        c->req_ms = now_ms(); /* a new request starts: its header clock runs */
    c->in_len += (size_t)n;
    c->last_ms = now_ms();
    return true;
}

/*
 * conn_update: after an event, decide what comes next: close, shut the
 * write side and drain, or wait for input and/or output room.
 */
static void conn_update(struct conn *c)
{
    bool pending = conn_pending(c);
    if (!pending && c->state == CONN_OPEN && c->rd_eof)
        c->state = CONN_LAST;
    if (!pending && c->state == CONN_LAST) {
        /*
         * Closing with unread input would send an RST that can destroy
         * the response before the client reads it: shut our side, read
         * until the client closes too (or LINGER_MS passes), then close.
         */
        shutdown(c->fd, SHUT_WR);
        c->state = CONN_DRAIN;
        c->last_ms = now_ms();
    }
    if (c->state == CONN_DRAIN && c->rd_eof) {
        conn_close(c);
        return;
    }
    uint32_t want = 0;
    if (!c->rd_eof && (c->state == CONN_DRAIN || c->in_len < IN_MAX))
        want |= EPOLLIN;
    if (pending)
        want |= EPOLLOUT;
    if (want != c->events) {
        struct epoll_event ev = { .events = want, .data.ptr = c };
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        c->events = want;
    }
}

static void conn_event(struct conn *c, uint32_t ev)
{
    if (c->fd < 0)
        return; /* closed earlier in this batch */
    if ((ev & EPOLLERR) || ((ev & EPOLLIN) && !conn_read(c))) {
        conn_close(c); /* reset: nobody is left to answer */
        return;
    }
    if (ev & EPOLLHUP)
        c->rd_eof = true; /* nothing more will arrive */
    conn_process(c);
    /* After a hang-up, output that does not go at once never will. */
    if (!conn_flush(c) || ((ev & EPOLLHUP) && conn_pending(c))) {
        conn_close(c);
        return;
    }
    conn_update(c);
}

/* The connection idle the longest with no request in progress, to make room. */
static struct conn *conn_victim(void)
{
    struct conn *v = NULL;
    for (int i = 0; i < opt.max_conns; i++) {
        struct conn *c = conns[i];
        if (c != NULL && !conn_busy(c) && !conn_pending(c) && (v == NULL || c->last_ms < v->last_ms))
            v = c;
    }
    return v;
}

static void conn_new(int fd)
{
    if (nconns >= opt.max_conns) {
        struct conn *v = conn_victim();
        if (v == NULL) {
            /* Everyone is mid-request: tell the newcomer, best effort, and let go. */
            static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                       "Content-Length: 0\r\nConnection: close\r\n\r\n";
            ssize_t n = write(fd, busy, sizeof busy - 1);
            (void)n;
            close(fd);
            stats.rejected++;
            return;
        }
        conn_close(v);
        stats.evicted++;
    }
    int slot = 0;
    while (conns[slot] != NULL)
        slot++;
    struct conn *c = calloc(1, sizeof *c);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    if (c == NULL || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        close(fd);
        free(c);
        stats.rejected++;
        return;
    }
    c->fd = fd;
    c->slot = slot;
    c->events = EPOLLIN;
    c->last_ms = c->req_ms = now_ms();
    int one = 1; /* responses go out as soon as they are queued */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns[slot] = c;
    nconns++;
    stats.accepted++;
}

/* Accept every pending connection; on running out of fds, pause instead of spinning. */
static void accept_all(void)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (fd >= 0) {
            conn_new(fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            struct epoll_event ev = { .events = 0, .data.ptr = NULL };
            epoll_ctl(epfd, EPOLL_CTL_MOD, lfd, &ev);
            accept_paused_until = now_ms() + 100;
        }
        return;
    }
}

/*
 * sweep: close connections that stalled.  Idle: no progress for the idle
 * timeout.  Slow: a request whose headers or body have been arriving for
 * longer than that, however steadily (a byte a second must not hold a
 * slot).  Draining: LINGER_MS after our last response.
 */
static void sweep(void)
{
    int64_t now = now_ms();
    for (int i = 0; i < opt.max_conns; i++) {
        struct conn *c = conns[i];
        if (c == NULL)
            continue;
        if (c->state == CONN_DRAIN) {
            if (now - c->last_ms >= LINGER_MS)
                conn_close(c);
        } else if (now - c->last_ms >= opt.idle_ms ||
                   (conn_busy(c) && !conn_pending(c) && now - c->req_ms >= opt.idle_ms)) {
            stats.timeouts++;
            conn_close(c);
        }
    }
    if (accept_paused_until != 0 && now >= accept_paused_until) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
        epoll_ctl(epfd, EPOLL_CTL_MOD, lfd, &ev);
        accept_paused_until = 0;
    }
}

/* ---- Setup ---- */

static void usage(void)
{
    fprintf(stderr, "usage: httpd [--port=N] [--max-conns=N] [--idle-timeout=SECS]\n");
    exit(2);
}

/* A decimal option value in [lo, hi], or usage. */
static int num_arg(const char *s, int lo, int hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        usage();
    return (int)v;
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--port=", 7) == 0)
            opt.port = num_arg(a + 7, 1, 65535);
        else if (strncmp(a, "--max-conns=", 12) == 0)
            opt.max_conns = num_arg(a + 12, 1, 65536);
        else if (strncmp(a, "--idle-timeout=", 15) == 0)
            opt.idle_ms = num_arg(a + 15, 1, 3600) * 1000;
        else
            usage();
    }
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_ANY) };
    /* Restarting right after a stop must not wait for TIME_WAIT to pass. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 128) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    /* A client that resets mid-response must cost an EPIPE, not the process. */
    struct sigaction sa = { .sa_handler = SIG_IGN };
    sigaction(SIGPIPE, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    conns = calloc((size_t)opt.max_conns, sizeof *conns);
    if (conns == NULL) {
        perror("httpd: calloc");
        return 1;
    }
    if ((lfd = listen_on(opt.port)) < 0) {
        fprintf(stderr, "httpd: port %d: %s\n", opt.port, strerror(errno));
        return 1;
    }
    if ((epfd = epoll_create1(0)) < 0) {
        perror("httpd: epoll_create1");
        return 1;
    }
    struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0) {
        perror("httpd: epoll_ctl");
        return 1;
    }
    stats.start_ms = now_ms();
    printf("httpd: listening on port %d, ready\n", opt.port);
#if UHVT_SNAPSHOTS
    /* The ready point: uhvt --snapshot saves the server here, listening. */
    fflush(stdout);
    if (uhvt_snapshot() == 1)
        printf("httpd: restored, listening on port %d\n", opt.port);
#endif

    struct epoll_event evs[MAX_EVENTS];
    int64_t next_sweep = 0;
    for (;;) {
        int64_t now = now_ms();
        if (now >= next_sweep) {
            sweep();
            conn_free_dead();
            next_sweep = now + SWEEP_MS;
        }
        /*
         * With no connection and accepting, there is nothing to sweep:
         * sleep until one comes, so that an idle server (one of thousands
         * restored from a snapshot) costs no CPU.  A paused accept is
         * resumed by the sweep, so it keeps the deadline.
         */
        int idle = nconns == 0 && accept_paused_until == 0;
        int n = epoll_wait(epfd, evs, MAX_EVENTS, idle ? -1 : (int)(next_sweep - now));
        if (n < 0 && errno != EINTR) {
            perror("httpd: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL)
                accept_all();
            else
                conn_event(evs[i].data.ptr, evs[i].events);
        }
        conn_free_dead();
    }
}
