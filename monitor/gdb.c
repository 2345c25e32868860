/* gdb.c: --gdb: a gdb remote stub for the guest, on loopback or a Unix socket. */
#include "gdb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "debug.h"
#include "gdb_regs.h"
#include "signals.h"
#include "vm.h"

#define TF (1ULL << 8)
#define RF (1ULL << 16)
#define INT3 0xcc

/* ---- the connection ---- */

static int listen_on(const char *spec, char *where, size_t wlen, char why[WHY_MAX])
{
    int s;
    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        const char *path = spec + 5;
        if (path[0] == '\0' || strlen(path) >= sizeof(a.sun_path))
            return why_fail(why, "--gdb=%s: need unix:PATH, PATH at most %zu bytes",
                            spec, sizeof(a.sun_path) - 1);
        memcpy(a.sun_path, path, strlen(path));
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        /* bind never replaces an existing file. */
        if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
            return why_fail(why, "--gdb=%s: %s", spec, strerror(errno));
        snprintf(where, wlen, "%s", path);
        return s;
    }
    char *end;
    unsigned long port = strtoul(spec, &end, 10);
    if (spec[0] < '0' || spec[0] > '9' || *end != '\0' || port > 65535)
        return why_fail(why, "--gdb=%s: need a port (0 for any free one) or unix:PATH",
                        spec);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    socklen_t alen = sizeof(a);
    s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &alen) < 0)
        return why_fail(why, "--gdb=%s: %s", spec, strerror(errno));
    snprintf(where, wlen, "127.0.0.1:%u", ntohs(a.sin_port));
    return s;
}

int gdb_setup(struct gdb *g, struct vm *vm, const char *spec, char why[WHY_MAX])
{
    char where[128];
    gdb_packet_init(&g->in);
    int s = listen_on(spec, where, sizeof(where), why);
    if (s < 0)
        return -1;
    vm_report(vm, "waiting for gdb on %s (target remote %s)", where, where);
    do
        g->fd = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    while (g->fd < 0 && errno == EINTR);
    int e = errno;
    close(s);
    if (strncmp(spec, "unix:", 5) == 0)
        unlink(spec + 5); /* ours, made by bind above */
    if (g->fd < 0)
        return why_fail(why, "--gdb: accept: %s", strerror(e));
    int one = 1;
    setsockopt(g->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /*
     * SIGIO when gdb sends: its Ctrl-C must reach a running guest.
     * Non-blocking: a peer that stops reading must not hold uhvt in a
     * write that --timeout and the ending signals (blocked) cannot end.
     */
    if (fcntl(g->fd, F_SETOWN, getpid()) < 0 ||
        fcntl(g->fd, F_SETFL, fcntl(g->fd, F_GETFL) | O_ASYNC | O_NONBLOCK) < 0)
        return why_fail(why, "--gdb: O_ASYNC: %s", strerror(errno));
    g->vm = vm;
    g->attached = true;
    return 0;
}

/*
 * All of it, or gdb is given up (detached).  While gdb reads nothing, wait
 * for room together with the signalfd: an ending signal detaches gdb and
 * stays pending, so the next KVM_RUN returns at once and the run loop ends
 * the guest as without gdb.
 */
static void send_raw(struct gdb *g, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(g->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int sig_fd = g->vm != NULL ? g->vm->sig_fd : -1;
            struct pollfd p[2] = {{.fd = g->fd, .events = POLLOUT},
                                  {.fd = sig_fd, .events = POLLIN}};
            int r = ppoll(p, sig_fd >= 0 ? 2 : 1,
                          g->ending ? &(struct timespec){1, 0} : NULL, NULL);
            if (r < 0 && errno == EINTR)
                continue;
            if (r > 0 && !(p[1].revents & POLLIN))
                continue;
        }
        if (n <= 0) {
            g->attached = false;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

static void reply(struct gdb *g, const char *data)
{
    static char framed[2 * GDB_PACKET_MAX + 8];
    size_t n = gdb_packet_frame(data, strlen(data), framed, sizeof(framed));
    if (n > 0)
        send_raw(g, framed, n);
}

/*
 * The next packet from gdb into g->in.buf: 1; 0 if gdb went away; or an
 * ending signal's number, negated, that arrived meanwhile.
 */
static int next_packet(struct gdb *g, const struct vm *vm)
{
    for (;;) {
        while (g->rpos < g->rlen) {
            switch (gdb_packet_feed(&g->in, g->rbuf[g->rpos++])) {
            case GDB_EV_PACKET:
                if (!g->no_ack)
                    send_raw(g, "+", 1);
                return 1;
            case GDB_EV_BAD:
                send_raw(g, "-", 1);
                break;
            default:
                break; /* a Ctrl-C while stopped changes nothing */
            }
        }
        struct pollfd p[2] = {{.fd = g->fd, .events = POLLIN},
                              {.fd = vm->sig_fd, .events = POLLIN}};
        if (ppoll(p, vm->sig_fd >= 0 ? 2 : 1, NULL, NULL) < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        if (p[1].revents & POLLIN) {
            int sig = signals_take(vm);
            if (sig)
                return -sig;
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t n = read(g->fd, g->rbuf, sizeof(g->rbuf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n <= 0)
            return 0;
        g->rpos = 0;
        g->rlen = (size_t)n;
    }
}

/* ---- breakpoints: int3 written into guest memory through mem_ptr ---- */

static int bp_find(const struct gdb *g, uint64_t addr)
{
    for (size_t i = 0; i < g->nbp; i++)
        if (g->bp[i].addr == addr)
            return (int)i;
    return -1;
}

static const char *bp_insert(struct gdb *g, const struct vm *vm, uint64_t addr)
{
    uint8_t *p = mem_ptr(&vm->mem, addr, 1);
    if (p == NULL)
        return "E14";
    if (bp_find(g, addr) >= 0)
        return "OK";
    if (g->nbp == GDB_BP_MAX)
        return "E12";
    g->bp[g->nbp].addr = addr;
    g->bp[g->nbp++].saved = *p;
    *p = INT3;
    return "OK";
}

static const char *bp_remove(struct gdb *g, const struct vm *vm, uint64_t addr)
{
    int i = bp_find(g, addr);
    uint8_t *p = mem_ptr(&vm->mem, addr, 1);
    if (i < 0 || p == NULL)
        return "E14";
    *p = g->bp[i].saved;
    g->bp[i] = g->bp[--g->nbp];
    return "OK";
}

static void bp_remove_all(struct gdb *g, const struct vm *vm)
{
    while (g->nbp > 0)
        bp_remove(g, vm, g->bp[g->nbp - 1].addr);
}

/* ---- requests ---- */

static void read_memory(const struct vm *vm, const char *args, char *out)
{
    uint64_t addr, len;
    const char *rest;
    if (gdb_packet_addr_len(args, '\0', &addr, &len, &rest) < 0) {
        strcpy(out, "E01");
        return;
    }
    if (len > GDB_PACKET_MAX / 2 - 8)
        len = GDB_PACKET_MAX / 2 - 8;
    const uint8_t *p = mem_ptr(&vm->mem, addr, len);
    if (p == NULL) {
        strcpy(out, "E14");
        return;
    }
    gdb_packet_tohex(p, len, out);
    out[2 * len] = '\0';
}

/* M (hex) or X (binary, already unescaped: `blen` bytes of buf in all). */
static const char *write_memory(const struct vm *vm, const char *args, bool binary,
                                size_t blen, const char *buf)
{
    uint64_t addr, len;
    const char *data;
    if (gdb_packet_addr_len(args, ':', &addr, &len, &data) < 0)
        return "E01";
    uint8_t *p = mem_ptr(&vm->mem, addr, len);
    if (p == NULL)
        return "E14";
    size_t have = blen - (size_t)(data - buf);
    if (binary) {
        if (have != len)
            return "E01";
        memcpy(p, data, len);
        return "OK";
    }
    if (have != 2 * len)
        return "E01";
    return gdb_packet_unhex(data, len, p) < 0 ? "E01" : "OK";
}

/* Set or clear TF for the resume; 's' steps one instruction. */
static void resume(struct gdb *g, const struct vm *vm, bool step)
{
    struct kvm_regs r;
    g->stepping = step;
    if (ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) < 0)
        return;
    r.rflags = step ? r.rflags | TF : r.rflags & ~TF;
    ioctl(vm->kvm.vcpu_fd, KVM_SET_REGS, &r);
}

/* What a stopped guest tells gdb when asked why (and at the stop). */
static void stop_reply(struct gdb *g, int sig)
{
    char s[16];
    snprintf(s, sizeof(s), "S%02x", sig & 0xff);
    reply(g, s);
}

/*
 * One request; returns VM_CONTINUE to keep serving, 0 to resume, or an
 * exit status (128 + SIGKILL when gdb killed the guest).
 */
static int request(struct gdb *g, struct vm *vm, int sig)
{
    static char out[GDB_PACKET_MAX + 1];
    static uint8_t regs[GDB_REGS_ALL];
    const char *c = g->in.buf, *rest;
    uint64_t a, b;
    size_t n, size;
    int off;
    out[0] = '\0';
    switch (c[0]) {
    case '?':
        stop_reply(g, sig);
        return VM_CONTINUE;
    case 'g':
        n = gdb_regs_get(vm, regs);
        if (n == 0) {
            strcpy(out, "E01");
            break;
        }
        gdb_packet_tohex(regs, n, out);
        out[2 * n] = '\0';
        break;
    case 'G':
        strcpy(out, strlen(c + 1) >= 2 * 140 && gdb_packet_unhex(c + 1, 140, regs) == 0 &&
                            gdb_regs_set(vm, regs) == 0 ? "OK" : "E01");
        break;
    case 'p':
        rest = c + 1;
        if (gdb_packet_hex(&rest, &a) < 0 || (off = gdb_regs_slot(a, &size)) < 0 ||
            (size_t)off + size > gdb_regs_get(vm, regs)) {
            strcpy(out, "E01");
            break;
        }
        gdb_packet_tohex(regs + off, size, out);
        out[2 * size] = '\0';
        break;
    case 'P':
        rest = c + 1;
        if (gdb_packet_hex(&rest, &a) < 0 || *rest++ != '=' || a > 17 ||
            (off = gdb_regs_slot(a, &size)) < 0 || gdb_regs_get(vm, regs) == 0 ||
            strlen(rest) != 2 * size || gdb_packet_unhex(rest, size, regs + off) < 0 ||
            gdb_regs_set(vm, regs) < 0)
            strcpy(out, "E01");
        else
            strcpy(out, "OK");
        break;
    case 'm':
        read_memory(vm, c + 1, out);
        break;
    case 'M':
    case 'X':
        strcpy(out, write_memory(vm, c + 1, c[0] == 'X', g->in.len, c));
        break;
    case 'Z':
    case 'z':
        /*
         * Software breakpoints only: "" for the others (the debug
         * registers: docs/debugging.md), so gdb uses int3 for hbreak's
         * place and single-steps software watchpoints.
         */
        if (c[1] != '0' || c[2] != ',' ||
            gdb_packet_addr_len(c + 3, '\0', &a, &b, &rest) < 0)
            break;
        strcpy(out, c[0] == 'Z' ? bp_insert(g, vm, a) : bp_remove(g, vm, a));
        break;
    case 'C':
    case 'S':
        /* With a signal for the guest, which has no signals: it is dropped. */
        rest = c + 1;
        if (gdb_packet_hex(&rest, &a) < 0 || (*rest != '\0' && *rest != ';'))
            break;
        resume(g, vm, c[0] == 'S');
        return 0;
    case 'c':
    case 's':
        rest = c + 1;
        if (*rest != '\0' && gdb_packet_hex(&rest, &a) == 0) {
            struct kvm_regs r;
            if (ioctl(vm->kvm.vcpu_fd, KVM_GET_REGS, &r) == 0) {
                r.rip = a;
                ioctl(vm->kvm.vcpu_fd, KVM_SET_REGS, &r);
            }
        }
        resume(g, vm, c[0] == 's');
        return 0;
    case 'D':
        bp_remove_all(g, vm);
        resume(g, vm, false);
        reply(g, "OK");
        g->attached = false;
        return 0;
    case 'k':
        bp_remove_all(g, vm);
        g->attached = false;
        vm_report(vm, "guest killed by gdb");
        return 128 + SIGKILL;
    case 'Q':
        if (strcmp(c, "QStartNoAckMode") == 0) {
            reply(g, "OK");
            g->no_ack = true;
            return VM_CONTINUE;
        }
        break;
    case 'H':
    case 'T':
        strcpy(out, "OK");
        break;
    case 'q':
        if (strncmp(c, "qSupported", 10) == 0)
            snprintf(out, sizeof(out), "PacketSize=%x;QStartNoAckMode+",
                     GDB_PACKET_MAX);
        else if (strcmp(c, "qAttached") == 0)
            strcpy(out, "1");
        else if (strcmp(c, "qC") == 0)
            strcpy(out, "QC1");
        else if (strcmp(c, "qfThreadInfo") == 0)
            strcpy(out, "m1");
        else if (strcmp(c, "qsThreadInfo") == 0)
            strcpy(out, "l");
        break;
    default:
        break; /* "": not supported, as the protocol says */
    }
    reply(g, out);
    return VM_CONTINUE;
}

/* gdb_stop, with `why` as the stop reply when not NULL. */
static int stop(struct gdb *g, struct vm *vm, int sig, const char *why)
{
    if (!g->attached)
        return VM_CONTINUE;
    g->stepping = false;
    if (why != NULL)
        reply(g, why);
    else if (sig != GDB_STOP_START)
        stop_reply(g, sig);
    if (sig == GDB_STOP_START)
        sig = SIGTRAP;
    for (;;) {
        int got = g->attached ? next_packet(g, vm) : 0;
        if (got == -SIGALRM) {
            vm_report(vm, "guest ran past its --timeout (stopped in gdb)");
            return UHVT_EXIT_TIMEOUT;
        }
        if (got < 0) {
            vm_report(vm, "guest ended by signal %d (SIG%s) while stopped in gdb",
                      -got, sigabbrev_np(-got));
            return 128 - got;
        }
        if (got == 0) {
            /* gdb went away: the guest runs on without it. */
            bp_remove_all(g, vm);
            resume(g, vm, false);
            g->attached = false;
            return VM_CONTINUE;
        }
        int rc = request(g, vm, sig);
        if (rc != VM_CONTINUE)
            return rc == 0 ? VM_CONTINUE : rc;
    }
}

int gdb_stop(struct gdb *g, struct vm *vm, int sig)
{
    return stop(g, vm, sig, NULL);
}

int gdb_fault(struct gdb *g, struct vm *vm, const struct uhvt_hc_fault *f)
{
    if (!g->attached)
        return DEBUG_PASS;
    bool ours = (f->vector == 3 && bp_find(g, f->rip - 1) >= 0) ||
                (f->vector == 1 && g->stepping);
    /* Back to the state the report holds: the handler never ran for gdb. */
    struct kvm_regs r = {
        .rax = f->rax, .rbx = f->rbx, .rcx = f->rcx, .rdx = f->rdx,
        .rsi = f->rsi, .rdi = f->rdi, .rsp = f->rsp, .rbp = f->rbp,
        .r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11,
        .r12 = f->r12, .r13 = f->r13, .r14 = f->r14, .r15 = f->r15,
        .rip = f->vector == 3 && ours ? f->rip - 1 : f->rip,
        .rflags = f->rflags & ~(TF | RF),
    };
    if (ioctl(vm->kvm.vcpu_fd, KVM_SET_REGS, &r) < 0)
        return DEBUG_PASS;
    int sig = f->vector == 1 || f->vector == 3 ? SIGTRAP
              : f->vector == 6                ? SIGILL
              : f->vector == 0                ? SIGFPE
                                              : SIGSEGV;
    int rc = stop(g, vm, sig, NULL);
    if (rc != VM_CONTINUE)
        return rc;
    /* A fault gdb did not cause ends the guest once gdb lets it go on. */
    return ours ? VM_CONTINUE : DEBUG_PASS;
}

int gdb_interrupted(struct gdb *g, struct vm *vm)
{
    if (!g->attached)
        return VM_CONTINUE;
    bool stop = false;
    for (;;) {
        if (g->rpos == g->rlen) {
            ssize_t n = recv(g->fd, g->rbuf, sizeof(g->rbuf), MSG_DONTWAIT);
            if (n <= 0)
                break;
            g->rpos = 0;
            g->rlen = (size_t)n;
        }
        if (gdb_packet_feed(&g->in, g->rbuf[g->rpos++]) == GDB_EV_INTERRUPT)
            stop = true;
    }
    return stop ? gdb_stop(g, vm, SIGINT) : VM_CONTINUE;
}

void gdb_end(struct gdb *g, struct vm *vm, int status)
{
    (void)vm;
    if (!g->attached)
        return;
    char s[16];
    if (status >= 0 && status <= UHVT_EXIT_GUEST_MAX)
        snprintf(s, sizeof(s), "W%02x", status);
    else
        snprintf(s, sizeof(s), "X%02x", status == UHVT_EXIT_ABORT ? SIGABRT
                                        : status == UHVT_EXIT_FAULT ? SIGSEGV
                                        : status > 128 ? (status - 128) & 0xff : SIGKILL);
    g->ending = true;
    reply(g, s);
    g->attached = false;
    /*
     * Let gdb take the news (and ack it) before the connection goes: a
     * reset under it would read as a lost target.  At most a second.
     */
    struct pollfd p = {.fd = g->fd, .events = POLLIN};
    if (ppoll(&p, 1, &(struct timespec){1, 0}, NULL) > 0 && (p.revents & POLLIN))
        (void)!read(g->fd, g->rbuf, sizeof(g->rbuf));
}

int gdb_rules(const struct gdb *g, const struct vm *vm, void *seccomp_ctx)
{
    scmp_filter_ctx ctx = seccomp_ctx;
    int vcpu = vm->kvm.vcpu_fd, rc = 0;
    /* next_packet, gdb_interrupted: gdb's requests, on its connection only. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)g->fd));
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvfrom), 2,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)g->fd),
                                    SCMP_A3(SCMP_CMP_EQ, MSG_DONTWAIT));
    /* reply: the answers. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)g->fd));
    /* regs_set, resume, gdb_fault: gdb's registers and the trap flag. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu),
                                    SCMP_A1(SCMP_CMP_EQ, KVM_SET_REGS));
    /* regs_get: the x87 and SSE registers. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu),
                                    SCMP_A1(SCMP_CMP_EQ, KVM_GET_FPU));
    return rc;
}
