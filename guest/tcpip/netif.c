/* netif.c: the lwIP interface over a uhvt NIC: frames straight between lwIP's buffers and the monitor. */
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
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
        if (nif->input(p, nif) != ERR_OK)
            pbuf_free(p);
        fed++;
    }
    return fed;
}
