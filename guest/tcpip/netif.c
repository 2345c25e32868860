/* netif.c: the lwIP interface over a uhvt NIC: frames straight between lwIP's buffers and the monitor. */
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/tcp.h"
#include "netif/ethernet.h"

#include "runtime.h"
#include "tcpip.h"
#include "uhvt.h"

#define ETH_HDR 14
/* Frames taken per round, so a flood cannot keep the stack from its timers. */
#define NETIF_BUDGET 256
/* Frames per hypercall, each way. */
#define NETIF_BATCH 32

/*
 * Frames cross in batches, one hypercall for up to NETIF_BATCH of them.
 * Received frames land directly in the pbufs lwIP keeps: rx[] holds
 * buffers of the largest frame, trimmed once filled.  A frame to send is
 * copied into the next slot of tx (lwIP must keep its pbuf: it will not
 * retransmit a segment a driver still holds, and may rewrite it) until
 * netif_uhvt_flush, which the stack calls before lwIP's timers run, before
 * it waits and when a socket call returns, so nothing lingers.
 */
static struct {
    int handle;
    u16_t frame_max;
    struct pbuf *rx[NETIF_BATCH];
    uint8_t *tx; /* NETIF_BATCH slots of frame_max bytes */
    struct uhvt_net_frame txf[NETIF_BATCH];
    unsigned ntx;
} nic = { .handle = -1 };

int netif_uhvt_find(void)
{
    return device_first(UHVT_DEV_NET);
}

void netif_uhvt_flush(void)
{
    if (nic.ntx == 0)
        return;
    /* A refused frame is lost, as on a wire; TCP sends it again. */
    (void)uhvt_net_writev(nic.handle, nic.txf, nic.ntx);
    nic.ntx = 0;
}

static err_t netif_uhvt_output(struct netif *nif, struct pbuf *p)
{
    (void)nif;
    if (p->tot_len > nic.frame_max)
        return ERR_IF;
    if (nic.ntx == NETIF_BATCH)
        netif_uhvt_flush();
    uint8_t *slot = nic.tx + (size_t)nic.ntx * nic.frame_max;
    pbuf_copy_partial(p, slot, p->tot_len, 0);
    nic.txf[nic.ntx++] = (struct uhvt_net_frame){ .data = (uintptr_t)slot,
                                                  .len = p->tot_len };
    return ERR_OK;
}

err_t netif_uhvt_init(struct netif *nif)
{
    int handle = *(const int *)nif->state;
    uint32_t mtu;

    if (uhvt_net_info(handle, nif->hwaddr, &mtu) != 0 || mtu < 576)
        return ERR_IF;
    /* A pbuf holds at most 64 KiB: beyond that the stack's MTU is lower
       than the tap's, and longer frames are dropped. */
    nic.frame_max = mtu > 0xffff - ETH_HDR ? 0xffff : (u16_t)(mtu + ETH_HDR);
    if ((nic.tx = mem_alloc((size_t)NETIF_BATCH * nic.frame_max)) == NULL)
        return ERR_MEM;
    nic.handle = handle;
    nif->state = NULL;
    nif->name[0] = 'u';
    nif->name[1] = 'h';
    nif->mtu = (u16_t)(nic.frame_max - ETH_HDR);
    nif->hwaddr_len = ETH_HWADDR_LEN;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
                 NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    nif->output = etharp_output;
    nif->linkoutput = netif_uhvt_output;
    return ERR_OK;
}

/*
 * A SYN for a connection lwIP still holds in TIME-WAIT.  lwIP answers it
 * with an ACK, the client resets and retries, and a busy server's clients
 * (Linux picks ephemeral ports at random) stall for the whole 2 MSL.  Like
 * Linux and RFC 1122 4.2.2.13, take a SYN whose sequence number is beyond
 * the old connection's as a new connection: end the TIME-WAIT before lwIP
 * sees the frame, so the SYN reaches the listener.
 */
static void netif_timewait_recycle(const struct pbuf *p)
{
    const u8_t *f = p->payload;
    u32_t src, dst, seq;

    if (p->len < ETH_HDR + IP_HLEN + TCP_HLEN || f[12] != 0x08 || f[13] != 0)
        return;
    const u8_t *ip = f + ETH_HDR;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    if (ip[0] >> 4 != 4 || ihl < IP_HLEN || ip[9] != IP_PROTO_TCP ||
        p->len < ETH_HDR + ihl + TCP_HLEN || (ip[6] & 0x3f) != 0 || ip[7] != 0)
        return; /* not TCP over IPv4, or a fragment */
    const u8_t *t = ip + ihl;
    if ((t[13] & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return;
    u16_t sport = (u16_t)(t[0] << 8 | t[1]), dport = (u16_t)(t[2] << 8 | t[3]);
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    memcpy(&seq, t + 4, 4);
    seq = lwip_htonl(seq);
    for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb != NULL; pcb = pcb->next) {
        if (pcb->remote_port == sport && pcb->local_port == dport &&
            ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)) == src &&
            ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)) == dst) {
            if (TCP_SEQ_GT(seq, pcb->rcv_nxt))
                tcp_abort(pcb); /* in TIME-WAIT: freed, nothing sent */
            return;
        }
    }
}

/*
 * Out of memory for even one receive buffer: drop what the host has queued,
 * as a NIC with no free descriptors does, so that the queue keeps moving
 * (waiting on it would return at once, and spin) and TCP's senders learn
 * of the loss.  The send slots serve as the scratch, once flushed.
 */
static int netif_uhvt_drop(void)
{
    int dropped = 0;

    netif_uhvt_flush();
    while (dropped < NETIF_BUDGET) {
        long r = uhvt_net_read(nic.handle, nic.tx, nic.frame_max);
        if (r < 0 && r != -UHVT_EINVAL)
            break;
        dropped++;
    }
    return dropped;
}

int netif_uhvt_input(struct netif *nif)
{
    int fed = 0;

    while (fed < NETIF_BUDGET) {
        struct uhvt_net_frame f[NETIF_BATCH];
        unsigned n = 0, used = 0;

        for (; n < NETIF_BATCH; n++) {
            if (nic.rx[n] == NULL &&
                (nic.rx[n] = pbuf_alloc(PBUF_RAW, nic.frame_max, PBUF_RAM)) ==
                    NULL)
                break; /* out of memory: frames wait in the host's queue */
            f[n] = (struct uhvt_net_frame){
                .data = (uintptr_t)nic.rx[n]->payload, .len = nic.frame_max };
        }
        if (n == 0) {
            fed += netif_uhvt_drop();
            break;
        }
        if (uhvt_net_readv(nic.handle, f, n) < 0)
            break;
        for (unsigned i = 0; i < n; i++) {
            if (f[i].ret == UHVT_EAGAIN)
                continue;
            used++;
            if (f[i].ret != UHVT_OK)
                continue; /* oversized, dropped by the monitor */
            struct pbuf *p = nic.rx[i];
            nic.rx[i] = NULL;
            pbuf_realloc(p, (u16_t)f[i].len);
            netif_timewait_recycle(p);
            if (nif->input(p, nif) != ERR_OK)
                pbuf_free(p);
            fed++;
        }
        /* Move the unused buffers to the front for the next batch. */
        for (unsigned i = 0, j = 0; i < NETIF_BATCH; i++) {
            struct pbuf *p = nic.rx[i];
            nic.rx[i] = NULL;
            if (p != NULL)
                nic.rx[j++] = p;
        }
        if (used < n)
            break; /* the host's queue is empty */
    }
    return fed;
}
