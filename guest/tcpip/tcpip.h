/* tcpip.h: declarations shared by the TCP/IP stack's files (internal). */
#ifndef GUEST_TCPIP_H
#define GUEST_TCPIP_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

/* lwIP's heap and the two struct mem headers around it (mem.c). */
#define TCPIP_HEAP_SIZE (MEM_SIZE + 4096)

/* stack.c */
int tcpip_up(void);
/* Whether the MAC of the next hop towards `dst` is known. */
int tcpip_resolved(const ip4_addr_t *dst);

/* netif.c: the image's first NIC as an lwIP interface. */
int netif_uhvt_find(void);
err_t netif_uhvt_init(struct netif *nif);
/* Feed waiting frames to lwIP; the number fed. */
int netif_uhvt_input(struct netif *nif);
/* Send the frames lwIP has queued. */
void netif_uhvt_flush(void);

/* socket.c: close every socket descriptor, as a process's exit does. */
void sock_close_all(void);

#endif
