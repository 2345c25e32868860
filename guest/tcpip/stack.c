/* stack.c: lwIP's life in the guest: configuration from boot arguments, bring-up, and the network loop. */
#include <errno.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/mem.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include "hypercall.h"
#include "runtime.h"
#include "tcpip.h"
#include "uhvt.h"

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL
/* How long exit waits for queued data to be acknowledged. */
#define STACK_LINGER (5 * NSEC_PER_SEC)
/* How long boot waits for a DHCP lease before giving up. */
#define STACK_DHCP_WAIT (30 * NSEC_PER_SEC)

/*
 * There are no interrupts, and threads switch only where a call waits,
 * never inside lwIP (thread.c): lwIP runs only here, when a system call
 * waits (tcpip_wait) or a socket call acts, so nothing is ever re-entered
 * and nothing needs a lock.
 */

/* lwIP's heap (lwipopts.h: LWIP_RAM_HEAP_POINTER), taken at start. */
void *tcpip_heap;

static struct {
    int have_addr, have_gw, dhcp;
    ip4_addr_t addr, mask, gw;
    int up;
} cfg;

static struct netif nif;

uint32_t tcpip_random(void)
{
    uint32_t v;

    rng_fill(&v, sizeof v);
    return v;
}

_Noreturn void tcpip_assert_fail(const char *msg, const char *file, int line)
{
    (void)file;
    (void)line;
    hypercall_abort(msg);
}

u32_t sys_now(void)
{
    return (u32_t)(clock_monotonic() / NSEC_PER_MSEC);
}

/* "A.B.C.D" exactly, into *ip; 0 if it is not one. */
static int stack_parse_ip(const char *s, size_t len, ip4_addr_t *ip)
{
    uint32_t v = 0;
    size_t i = 0;

    for (int part = 0; part < 4; part++) {
        uint32_t octet = 0;
        size_t start = i;

        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            octet = octet * 10 + (uint32_t)(s[i++] - '0');
        if (i == start || octet > 255 || (i - start > 1 && s[start] == '0'))
            return 0;
        v = v << 8 | octet;
        if (part < 3 && (i >= len || s[i++] != '.'))
            return 0;
    }
    if (i != len)
        return 0;
    ip4_addr_set_u32(ip, lwip_htonl(v));
    return 1;
}

/* Append `label` and `ip` in dotted form at p (room permitting); the length. */
static size_t stack_fmt(char *p, const char *end, const char *label,
                        const ip4_addr_t *ip)
{
    char buf[48];
    size_t n = 0;
    uint32_t v = lwip_ntohl(ip4_addr_get_u32(ip));

    while (*label != '\0' && n < 24)
        buf[n++] = *label++;
    for (int part = 3; part >= 0; part--) {
        unsigned octet = (v >> (8 * part)) & 0xff;
        if (octet >= 100)
            buf[n++] = (char)('0' + octet / 100);
        if (octet >= 10)
            buf[n++] = (char)('0' + octet / 10 % 10);
        buf[n++] = (char)('0' + octet % 10);
        if (part > 0)
            buf[n++] = '.';
    }
    if (n > (size_t)(end - p - 1))
        n = (size_t)(end - p - 1);
    memcpy(p, buf, n);
    return n;
}

static _Noreturn void stack_bad_arg(const char *why)
{
    hypercall_abort(why);
}

/*
 * --ipv4=ADDR/PREFIX or --ipv4=dhcp, and --ipv4-gateway=ADDR; anything
 * else is main's.
 */
int tcpip_arg(const char *arg)
{
    static const char addr_opt[] = "--ipv4=", gw_opt[] = "--ipv4-gateway=";

    if (strcmp(arg, "--ipv4=dhcp") == 0) {
        cfg.dhcp = 1;
        return 1;
    }
    if (strncmp(arg, addr_opt, sizeof addr_opt - 1) == 0) {
        const char *v = arg + sizeof addr_opt - 1;
        const char *slash = strchr(v, '/');
        unsigned prefix = 0;

        if (slash == NULL || slash[1] == '\0' ||
            !stack_parse_ip(v, (size_t)(slash - v), &cfg.addr))
            stack_bad_arg("uhvt: --ipv4=ADDR/PREFIX: bad address");
        for (const char *p = slash + 1; *p != '\0'; p++) {
            if (*p < '0' || *p > '9' || prefix > 3)
                stack_bad_arg("uhvt: --ipv4=ADDR/PREFIX: bad prefix");
            prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix < 1 || prefix > 32)
            stack_bad_arg("uhvt: --ipv4=ADDR/PREFIX: prefix not in 1..32");
        ip4_addr_set_u32(&cfg.mask,
                         lwip_htonl(prefix == 32 ? 0xffffffffu
                                                 : ~(0xffffffffu >> prefix)));
        cfg.have_addr = 1;
        return 1;
    }
    if (strncmp(arg, gw_opt, sizeof gw_opt - 1) == 0) {
        const char *v = arg + sizeof gw_opt - 1;

        if (!stack_parse_ip(v, strlen(v), &cfg.gw))
            stack_bad_arg("uhvt: --ipv4-gateway=ADDR: bad address");
        cfg.have_gw = 1;
        return 1;
    }
    return 0;
}

/* Run the stack until DHCP has leased an address, or give up. */
static void stack_dhcp(void)
{
    uint64_t deadline = clock_monotonic() + STACK_DHCP_WAIT;

    if (dhcp_start(&nif) != ERR_OK)
        hypercall_abort("uhvt: --ipv4=dhcp: cannot start DHCP");
    while (!dhcp_supplied_address(&nif)) {
        if (clock_monotonic() >= deadline)
            hypercall_abort("uhvt: --ipv4=dhcp: no lease within 30 s");
        tcpip_wait(deadline);
    }
    /* The operator needs to know where the unikernel is. */
    char line[96];
    char *p = line, *end = line + sizeof line;
    p += stack_fmt(p, end, "uhvt: DHCP lease ", netif_ip4_addr(&nif));
    p += stack_fmt(p, end, " netmask ", netif_ip4_netmask(&nif));
    p += stack_fmt(p, end, " gateway ", netif_ip4_gw(&nif));
    *p++ = '\n';
    console_write(line, (size_t)(p - line));
}

/*
 * Before main: the stack drives the image's first NIC, with the address
 * the arguments gave or DHCP leased.  Without --ipv4 the stack stays down and every
 * socket call says the network is unreachable or unconfigured.
 */
void tcpip_start(void)
{
    int nic = netif_uhvt_find();

    if (cfg.have_gw && !cfg.have_addr)
        hypercall_abort("uhvt: --ipv4-gateway needs --ipv4=ADDR/PREFIX");
    if (cfg.dhcp && cfg.have_addr)
        hypercall_abort("uhvt: --ipv4=dhcp and --ipv4=ADDR/PREFIX together");
    if (!cfg.have_addr && !cfg.dhcp)
        return;
    if (nic < 0)
        hypercall_abort("uhvt: --ipv4 given, but the image declares no NIC");
    tcpip_heap = mem_alloc(TCPIP_HEAP_SIZE);
    if (tcpip_heap == NULL)
        hypercall_abort("uhvt: not enough guest memory for the TCP/IP stack "
                        "(give uhvt a larger --mem)");
    lwip_init();
    if (netif_add(&nif, &cfg.addr, &cfg.mask, &cfg.gw, &nic, netif_uhvt_init,
                  netif_input) == NULL)
        hypercall_abort("uhvt: the NIC for the TCP/IP stack is not attached");
    netif_set_default(&nif);
    netif_set_up(&nif);
    netif_set_link_up(&nif);
    cfg.up = 1;
    if (cfg.dhcp) {
        stack_dhcp();
        return;
    }
    /* Announce the address so peers' stale ARP entries are replaced now. */
    etharp_gratuitous(&nif);
    netif_uhvt_flush();
}

void tcpip_restore(const char *args, size_t len)
{
    ip4_addr_t addr = cfg.addr;
    int dhcp = cfg.dhcp;

    cfg.have_gw = 0;
    for (size_t i = 0; i < len; i += strlen(args + i) + 1)
        (void)tcpip_arg(args + i);
    /* Fresh first ephemeral ports; ISNs come from the reseeded generator. */
    tcp_init();
    udp_init();
    if (!cfg.up)
        return;
    if (cfg.dhcp != dhcp)
        hypercall_abort("uhvt: a restore cannot switch --ipv4=dhcp on or off");
    if (!cfg.have_gw && !ip4_addr_cmp(&addr, &cfg.addr))
        ip4_addr_set_zero(&cfg.gw); /* a new address: the old gateway is gone */
    /* Another tap may mean another MAC (net_mac_default) and other peers. */
    if (uhvt_net_info(netif_uhvt_find(), nif.hwaddr, NULL) != 0)
        hypercall_abort("uhvt: the restored NIC is not attached");
    etharp_cleanup_netif(&nif);
    if (!cfg.dhcp)
        netif_set_addr(&nif, &cfg.addr, &cfg.mask, &cfg.gw);
    etharp_gratuitous(&nif);
    netif_uhvt_flush();
}

int tcpip_up(void)
{
    return cfg.up;
}

int tcpip_resolved(const ip4_addr_t *dst)
{
    const ip4_addr_t *hop = dst, *ip;
    struct eth_addr *mac;

    if (ip4_addr_isbroadcast(dst, &nif) || ip4_addr_ismulticast(dst))
        return 1;
    if (!ip4_addr_netcmp(dst, netif_ip4_addr(&nif), netif_ip4_netmask(&nif)))
        hop = netif_ip4_gw(&nif);
    return etharp_find_addr(&nif, hop, &mac, &ip) >= 0;
}

/*
 * At exit, as Linux does when a process ends: every socket still open is
 * closed (a FIN after the data queued, or a reset when received data was
 * never read, and the listeners' unaccepted connections reset: see
 * sock_close), then the data still queued gets a chance to reach its peers
 * (and the FINs theirs) before the guest, and with it the stack, is gone:
 * until every connection has nothing unsent or unacknowledged, for at most
 * STACK_LINGER.
 */
void tcpip_exit(void)
{
    uint64_t deadline = clock_monotonic() + STACK_LINGER;

    if (!cfg.up)
        return;
    sock_close_all();
    netif_uhvt_flush();
    while (clock_monotonic() < deadline) {
        int busy = 0;
        for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next)
            busy |= pcb->unsent != NULL || pcb->unacked != NULL;
        if (!busy)
            return;
        tcpip_wait(deadline);
    }
}

/*
 * Input, then lwIP's timers; what either queued is sent before the next
 * (see netif.c: the timers must find no frame still queued).
 */
static int stack_work(void)
{
    int got = netif_uhvt_input(&nif);

    netif_uhvt_flush();
    sys_check_timeouts();
    netif_uhvt_flush();
    return got;
}

void tcpip_wait(uint64_t deadline_ns)
{
    if (!cfg.up) {
        clock_sleep_until(deadline_ns);
        return;
    }
    int got = stack_work();
    uint64_t now = clock_monotonic();
    if (got > 0 || now >= deadline_ns || snapshot_idle())
        return;

    /* Sleep until input, the deadline or lwIP's next timer. */
    u32_t ms = sys_timeouts_sleeptime();
    uint64_t until = deadline_ns;
    if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE &&
        (uint64_t)ms * NSEC_PER_MSEC < until - now)
        until = now + (uint64_t)ms * NSEC_PER_MSEC;
    uint64_t ready = 0;
    (void)uhvt_poll(until, &ready);
    /* Woken by a timer alone: no frame to read, only lwIP's timers. */
    if (ready != 0) {
        (void)stack_work();
    } else {
        sys_check_timeouts();
        netif_uhvt_flush();
    }
}
