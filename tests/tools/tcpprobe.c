/* tcpprobe.c: a test client for the TCP/IP examples: the requests curl and ab cannot make. */
/*
 * usage: tcpprobe MODE HOST PORT [ARGS]
 *   refused HOST PORT            a connect must be refused (RST): ECONNREFUSED
 *   keepalive HOST PORT N PATH   N sequential GETs on one connection, each 200
 *   pipeline HOST PORT N PATH    N GETs in one write, N responses 200 in order
 *   bytes HOST PORT N            GET /bytes/N; the body must be httpd's sequence
 *   raw HOST PORT PIECE...       send the pieces (C escapes: \r \n \t \\ \xHH;
 *                                "*K*TEXT" is TEXT K times); print "raw: " the
 *                                first status line and how the connection ended
 *                                (closed, reset, still open after 3 s of quiet),
 *                                then every status line that came back
 *   hold HOST PORT N SECS        hold N stalled connections (silent, half a
 *                                request line, half the headers, half a body),
 *                                check a fresh GET /health still gets 200, then
 *                                that the server closes all N within SECS (0: skip)
 *   vanish HOST PORT N           N clients ask for 16 MiB and reset (SO_LINGER
 *                                0) before or while it arrives; then GET /health
 *   udp HOST PORT N              N datagrams of varied sizes, each echoed intact
 * Prints one line saying what it saw; exits 0 when that is what was expected,
 * 1 when not, 2 on a usage error.  Every wait is bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define IO_TIMEOUT_MS 10000
#define BODY_LIMIT (32u << 20)

static struct sockaddr_in target;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tcpprobe: ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: tcpprobe refused|keepalive|pipeline|bytes|raw|hold|vanish|udp "
                    "HOST PORT [ARGS] (see tcpprobe.c)\n");
    exit(2);
}

static long num(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        usage();
    return v;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Connections ---- */

/* Connect within IO_TIMEOUT_MS; the socket is blocking with I/O timeouts. Sets errno on failure. */
static int tcp_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS)
        goto fail;
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int r = poll(&p, 1, IO_TIMEOUT_MS);
    if (r <= 0) {
        errno = r == 0 ? ETIMEDOUT : errno;
        goto fail;
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        errno = err;
        goto fail;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = { .tv_sec = IO_TIMEOUT_MS / 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

static int must_connect(void)
{
    int fd = tcp_connect();
    if (fd < 0)
        die("connect: %s", strerror(errno));
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("send: %s", w < 0 ? strerror(errno) : "nothing sent");
        p += w;
        n -= (size_t)w;
    }
}

/* Close with an RST instead of a FIN: the client that vanishes. */
static void reset_close(int fd)
{
    struct linger l = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

/* ---- HTTP responses ---- */

struct reader {
    int fd;
    size_t off, len;
    char buf[65536];
};

/* Fill the reader's buffer a little more; false at EOF, dies on an error. */
static bool reader_more(struct reader *r)
{
    if (r->off > 0) {
        memmove(r->buf, r->buf + r->off, r->len - r->off);
        r->len -= r->off;
        r->off = 0;
    }
    if (r->len == sizeof r->buf)
        die("response header section over %zu bytes", sizeof r->buf);
    ssize_t n;
    do
        n = recv(r->fd, r->buf + r->len, sizeof r->buf - r->len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        die("recv: %s", errno == EAGAIN ? "timed out" : strerror(errno));
    r->len += (size_t)n;
    return n > 0;
}

/*
 * read_response: one response; returns its status and, when body is not
 * NULL, a malloc'd copy of its body in *body and its length in *blen.
 * head: the request was HEAD, so there is no body whatever the headers say.
 */
static int read_response(struct reader *r, bool head, char **body, size_t *blen)
{
    char *end;
    for (;;) {
        end = memmem(r->buf + r->off, r->len - r->off, "\r\n\r\n", 4);
        if (end != NULL)
            break;
        if (!reader_more(r))
            die("connection closed before a whole response (%zu bytes)", r->len - r->off);
    }
    const char *h = r->buf + r->off;
    int status;
    if (sscanf(h, "HTTP/1.%*1[01] %3d ", &status) != 1)
        die("not an HTTP response: %.40s", h);
    size_t hlen = (size_t)(end + 4 - h);
    unsigned long long clen = 0;
    for (const char *p = h; p != NULL && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
        p += *p == '\n';
        if (strncasecmp(p, "content-length:", 15) == 0)
            clen = strtoull(p + 15, NULL, 10);
    }
    if (head)
        clen = 0;
    if (clen > BODY_LIMIT)
        die("Content-Length %llu too large", clen);
    r->off += hlen;
    char *b = malloc(clen + 1);
    if (b == NULL)
        die("out of memory");
    size_t got = 0;
    while (got < clen) {
        if (r->off == r->len && !reader_more(r))
            die("connection closed %zu bytes into a %llu-byte body", got, clen);
        size_t n = r->len - r->off < clen - got ? r->len - r->off : clen - got;
        memcpy(b + got, r->buf + r->off, n);
        got += n;
        r->off += n;
    }
    b[got] = '\0';
    if (body != NULL) {
        *body = b;
        *blen = got;
    } else {
        free(b);
    }
    return status;
}

static int request_len(char *dst, size_t cap, const char *path)
{
    return snprintf(dst, cap, "GET %s HTTP/1.1\r\nHost: probe\r\n\r\n", path);
}

/* One GET /health on a fresh connection must get 200: the server still serves. */
static bool still_serving(void)
{
    static struct reader r;
    char req[128];
    int fd = tcp_connect();
    if (fd < 0)
        return false;
    r.fd = fd;
    r.off = r.len = 0;
    send_all(fd, req, (size_t)request_len(req, sizeof req, "/health"));
    int st = read_response(&r, false, NULL, NULL);
    close(fd);
    return st == 200;
}

/* ---- Modes ---- */

static int mode_refused(void)
{
    int fd = tcp_connect();
    if (fd >= 0)
        die("connected: the port is open");
    if (errno != ECONNREFUSED)
        die("connect: %s, not ECONNREFUSED", strerror(errno));
    printf("refused: ECONNREFUSED\n");
    return 0;
}

static int mode_keepalive(long n, const char *path, bool pipelined)
{
    static struct reader r;
    char req[256];
    int len = request_len(req, sizeof req, path);
    r.fd = must_connect();
    int64_t t0 = now_ms();
    if (pipelined) {
        char *all = malloc((size_t)len * (size_t)n);
        if (all == NULL)
            die("out of memory");
        for (long i = 0; i < n; i++)
            memcpy(all + i * len, req, (size_t)len);
        send_all(r.fd, all, (size_t)len * (size_t)n);
        free(all);
    }
    for (long i = 0; i < n; i++) {
        if (!pipelined)
            send_all(r.fd, req, (size_t)len);
        int st = read_response(&r, false, NULL, NULL);
        if (st != 200)
            die("request %ld of %ld: status %d", i + 1, n, st);
    }
    printf("%s: %ld/%ld requests answered 200 on one connection in %lld ms\n",
           pipelined ? "pipeline" : "keepalive", n, n, (long long)(now_ms() - t0));
    close(r.fd);
    return 0;
}

/* The sequence httpd's /bytes/N serves (examples/httpd/httpd.c, bytes_fill). */
static bool bytes_check(const unsigned char *p, size_t n, size_t *bad)
{
    uint32_t x = 0x2545f491u;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != (unsigned char)(x >> (8 * (i % 4)))) {
            *bad = i;
            return false;
        }
        if (i % 4 == 3) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
        }
    }
    return true;
}

static int mode_bytes(long n)
{
    static struct reader r;
    char req[128], path[64];
    char *body;
    size_t blen, bad;
    snprintf(path, sizeof path, "/bytes/%ld", n);
    r.fd = must_connect();
    send_all(r.fd, req, (size_t)request_len(req, sizeof req, path));
    int st = read_response(&r, false, &body, &blen);
    if (st != 200 || blen != (size_t)n)
        die("status %d, %zu bytes", st, blen);
    if (!bytes_check((unsigned char *)body, blen, &bad))
        die("byte %zu of %zu is wrong", bad, blen);
    printf("bytes: %zu bytes intact\n", blen);
    return 0;
}

/* Decode one piece of raw input into dst (which has room for cap bytes); returns its length. */
static size_t unescape(const char *s, char *dst, size_t cap)
{
    size_t n = 0;
    while (*s != '\0' && n < cap) {
        unsigned v;
        if (s[0] != '\\' || s[1] == '\0') {
            dst[n++] = *s++;
        } else if (s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1) {
            dst[n++] = (char)v;
            s += 4;
        } else {
            switch (s[1]) {
            case 'r': dst[n++] = '\r'; break;
            case 'n': dst[n++] = '\n'; break;
            case 't': dst[n++] = '\t'; break;
            case '0': dst[n++] = '\0'; break;
            default: dst[n++] = s[1]; break;
            }
            s += 2;
        }
    }
    return n;
}

static int mode_raw(int argc, char **argv)
{
    size_t cap = 4u << 20, len = 0;
    char *buf = malloc(cap), piece[4096];
    if (buf == NULL)
        die("out of memory");
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        long times = 1;
        if (s[0] == '*' && strchr(s + 1, '*') != NULL) {
            times = strtol(s + 1, NULL, 10);
            s = strchr(s + 1, '*') + 1;
        }
        size_t n = unescape(s, piece, sizeof piece);
        for (long k = 0; k < times && len + n <= cap; k++, len += n)
            memcpy(buf + len, piece, n);
    }
    int fd = must_connect();
    /* The server may answer and close before it has read everything: keep going regardless. */
    size_t sent = 0;
    while (sent < len) {
        ssize_t w = send(fd, buf + sent, len - sent, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        sent += (size_t)w;
    }
    /* Collect what comes back until the server closes, or 3 s of quiet. */
    size_t got = 0;
    const char *how = "still open after 3 s";
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 3000) <= 0)
            break;
        ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
        if (n == 0) {
            how = "closed by the server";
            break;
        }
        if (n < 0) {
            how = errno == ECONNRESET ? "reset by the server" : strerror(errno);
            break;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    /* One line for the first response, then each status line that came back. */
    char *eol = strstr(buf, "\r\n");
    int first = eol != NULL && strncmp(buf, "HTTP/1.", 7) == 0 ? (int)(eol - buf) : 0;
    printf("raw: %.*s%s, then %s (sent %zu of %zu bytes, got %zu)\n", first, buf,
           first > 0 ? "" : "no response", how, sent, len, got);
    for (char *p = buf; (p = strstr(p, "HTTP/1.")) != NULL; p++) {
        if (p > buf && p[-1] != '\n')
            continue; /* not a status line: in a body */
        eol = strchr(p, '\r');
        printf("%.*s\n", eol != NULL ? (int)(eol - p) : 40, p);
    }
    close(fd);
    return got > 0 ? 0 : 1;
}

/* Wait until every fd has seen EOF or a reset, within ms; returns how many did. */
static long wait_closed(int *fds, long n, int64_t ms)
{
    int64_t deadline = now_ms() + ms;
    long closed = 0;
    struct pollfd *p = calloc((size_t)n, sizeof *p);
    if (p == NULL)
        die("out of memory");
    for (long i = 0; i < n; i++)
        p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
    while (closed < n && now_ms() < deadline) {
        if (poll(p, (nfds_t)n, (int)(deadline - now_ms())) <= 0)
            break;
        for (long i = 0; i < n; i++) {
            if (p[i].fd < 0 || p[i].revents == 0)
                continue;
            char sink[4096];
            ssize_t r = recv(p[i].fd, sink, sizeof sink, MSG_DONTWAIT);
            if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
                p[i].fd = -1; /* EOF or a reset */
                closed++;
            }
        }
    }
    free(p);
    return closed;
}

static int mode_hold(long n, long secs)
{
    static const char *stalls[] = {
        "",                                                   /* connect, say nothing */
        "GET /heal",                                          /* half a request line */
        "GET /health HTTP/1.1\r\nHost: probe\r\nX-Slow: ",    /* half the headers */
        "POST /health HTTP/1.1\r\nHost: probe\r\nContent-Length: 100\r\n\r\nhalf", /* half a body */
    };
    int *fds = malloc((size_t)n * sizeof *fds);
    if (fds == NULL)
        die("out of memory");
    for (long i = 0; i < n; i++) {
        fds[i] = must_connect();
        /* At its connection limit the server may close one at once: no error here. */
        const char *s = stalls[i % 4];
        ssize_t w = send(fds[i], s, strlen(s), MSG_NOSIGNAL);
        (void)w;
    }
    if (!still_serving())
        die("with %ld stalled connections held, GET /health did not get 200", n);
    if (secs == 0) {
        printf("hold: %ld stalled connections held, the server still serves\n", n);
        return 0;
    }
    int64_t t0 = now_ms();
    long closed = wait_closed(fds, n, secs * 1000);
    if (closed < n)
        die("%ld of %ld stalled connections still open after %ld s", n - closed, n, secs);
    printf("hold: %ld stalled connections held, the server still serves, and closed them all "
           "within %lld ms\n", n, (long long)(now_ms() - t0));
    return 0;
}

static int mode_vanish(long n)
{
    char req[128];
    int len = request_len(req, sizeof req, "/bytes/16777216");
    for (long i = 0; i < n; i++) {
        int fd = must_connect();
        send_all(fd, req, (size_t)len);
        if (i % 2 == 1) {
            /* Read a little of the answer first, so the reset lands mid-response. */
            char sink[65536];
            size_t got = 0;
            while (got < 256 * 1024) {
                ssize_t r = recv(fd, sink, sizeof sink, 0);
                if (r <= 0)
                    die("client %ld: the response ended after %zu bytes", i, got);
                got += (size_t)r;
            }
        }
        reset_close(fd);
    }
    if (!still_serving())
        die("after %ld clients vanished, GET /health did not get 200", n);
    printf("vanish: %ld clients reset mid-response, the server still serves\n", n);
    return 0;
}

/* Fill p with datagram i's payload of len bytes. */
static void udp_payload(unsigned char *p, long i, size_t len)
{
    for (size_t k = 0; k < len; k++)
        p[k] = (unsigned char)(i * 31 + (long)k * 7);
}

static int mode_udp(long n)
{
    static const size_t sizes[] = { 1, 7, 64, 512, 1000, 1400, 1472 };
    const size_t nsizes = sizeof sizes / sizeof sizes[0];
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&target, sizeof target) < 0)
        die("udp socket: %s", strerror(errno));
    unsigned char out[1472], prev[1472], in[2048];
    size_t prev_len = 0;
    long retries = 0;
    for (long i = 0; i < n; i++) {
        size_t len = sizes[i % nsizes];
        udp_payload(out, i, len);
        bool echoed = false;
        /* A datagram may be lost (the first may wait on ARP): three tries. */
        for (int attempt = 0; attempt < 3 && !echoed; attempt++) {
            retries += attempt > 0;
            if (send(fd, out, len, 0) != (ssize_t)len)
                die("send: %s", strerror(errno));
            int64_t deadline = now_ms() + 1000;
            while (!echoed && now_ms() < deadline) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, (int)(deadline - now_ms())) <= 0)
                    break;
                ssize_t r = recv(fd, in, sizeof in, 0);
                if (r < 0 && errno == ECONNREFUSED)
                    die("datagram %ld: port unreachable", i);
                if (r < 0)
                    continue;
                echoed = (size_t)r == len && memcmp(in, out, len) == 0;
                /* The late echo of a retried earlier datagram is no error; anything else is. */
                bool late = (size_t)r == prev_len && memcmp(in, prev, prev_len) == 0;
                if (!echoed && !late)
                    die("datagram %ld: %zd bytes came back that were not sent", i, r);
            }
        }
        if (!echoed)
            die("datagram %ld (%zu bytes): no echo in 3 tries", i, len);
        memcpy(prev, out, len);
        prev_len = len;
    }
    printf("udp: %ld/%ld datagrams echoed intact (%ld retries)\n", n, n, retries);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 4)
        usage();
    const char *mode = argv[1];
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)num(argv[3], 1, 65535));
    if (inet_pton(AF_INET, argv[2], &target.sin_addr) != 1)
        usage();
    argc -= 4;
    argv += 4;
    if (strcmp(mode, "refused") == 0 && argc == 0)
        return mode_refused();
    if (strcmp(mode, "keepalive") == 0 && argc == 2)
        return mode_keepalive(num(argv[0], 1, 1000000), argv[1], false);
    if (strcmp(mode, "pipeline") == 0 && argc == 2)
        return mode_keepalive(num(argv[0], 1, 100000), argv[1], true);
    if (strcmp(mode, "bytes") == 0 && argc == 1)
        return mode_bytes(num(argv[0], 0, 16 << 20));
    if (strcmp(mode, "raw") == 0 && argc >= 1)
        return mode_raw(argc, argv);
    if (strcmp(mode, "hold") == 0 && argc == 2)
        return mode_hold(num(argv[0], 1, 10000), num(argv[1], 0, 3600));
    if (strcmp(mode, "vanish") == 0 && argc == 1)
        return mode_vanish(num(argv[0], 1, 10000));
    if (strcmp(mode, "udp") == 0 && argc == 1)
        return mode_udp(num(argv[0], 1, 1000000));
    usage();
}
