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
/* The largest frame uhvt carries: MTU 9000 and the header. */
#define NETIF_FRAME_MAX (9000 + ETH_HDR)

static struct {
    int handle;
    u16_t frame_max;
    struct pbuf *spare; /* a receive buffer the last round did not fill */
} nic = { .handle = -1 };

/* For the rare frame lwIP hands over in pieces. */
static uint8_t netif_tx_buf[NETIF_FRAME_MAX];

int netif_uhvt_find(void)
{
    return device_first(UHVT_DEV_NET);
}

static err_t netif_uhvt_output(struct netif *nif, struct pbuf *p)
{
    const void *frame = p->payload;

    (void)nif;
    if (p->tot_len > nic.frame_max)
        return ERR_IF;
    if (p->next != NULL) {
        pbuf_copy_partial(p, netif_tx_buf, p->tot_len, 0);
        frame = netif_tx_buf;
    }
    /* A refused frame is lost, as on a wire; TCP will send it again. */
    return uhvt_net_write(nic.handle, frame, p->tot_len) < 0 ? ERR_IF : ERR_OK;
}

err_t netif_uhvt_init(struct netif *nif)
{
    int handle = *(const int *)nif->state;
    uint32_t mtu;

    if (uhvt_net_info(handle, nif->hwaddr, &mtu) != 0 || mtu < 576 ||
        mtu + ETH_HDR > NETIF_FRAME_MAX)
        return ERR_IF;
    nic.handle = handle;
    nic.frame_max = (u16_t)(mtu + ETH_HDR);
    nif->state = NULL;
    nif->name[0] = 'u';
    nif->name[1] = 'h';
    nif->mtu = (u16_t)mtu;
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
 * Each frame is read by the monitor directly into the buffer lwIP keeps,
 * sized for the largest frame and trimmed to the one that came.
 */
int netif_uhvt_input(struct netif *nif)
{
    int fed = 0;

    for (int round = 0; round < NETIF_BUDGET; round++) {
        struct pbuf *p = nic.spare;

        nic.spare = NULL;
        if (p == NULL)
            p = pbuf_alloc(PBUF_RAW, nic.frame_max, PBUF_RAM);
        if (p == NULL)
            break; /* out of memory: the frames wait in the host's queue */
        long r = uhvt_net_read(nic.handle, p->payload, nic.frame_max);
        if (r < 0) {
            nic.spare = p;
            if (r == -UHVT_EINVAL)
                continue; /* an oversized frame, dropped by the monitor */
            break;        /* nothing waiting */
        }
        pbuf_realloc(p, (u16_t)r);
        netif_timewait_recycle(p);
        if (nif->input(p, nif) != ERR_OK)
            pbuf_free(p);
        fed++;
    }
    return fed;
}
