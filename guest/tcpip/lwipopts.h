/* lwipopts.h: lwIP's configuration for the uhvt guest: IPv4 TCP and UDP over one NIC, raw API, no OS. */
#ifndef UHVT_LWIPOPTS_H
#define UHVT_LWIPOPTS_H

/*
 * One thread and no interrupts: the stack runs only inside system calls
 * that wait (stack.c), so there is nothing to lock and no sys_arch beyond
 * sys_now().  lwIP's own socket and netconn layers need threads; socket.c
 * implements the POSIX calls over the raw API instead.
 */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
/* --ipv4=dhcp; the offered address is checked with ARP before use. */
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_STATS 0
#define LWIP_DEBUG 0

/*
 * Memory: one heap holds every pbuf (frames are read straight into PBUF_RAM
 * buffers sized for the NIC, see netif.c) and every control block (no
 * fixed pools: memp_init would touch all of them at boot).  stack.c takes
 * it from guest memory at start; untouched pages cost nothing.  16 MiB
 * holds full windows, both ways, on 128 connections (256 one way); past
 * that netif.c drops frames rather than stall, and senders retransmit.
 */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define MEM_SIZE (16 * 1024 * 1024)
extern void *tcpip_heap;
#define LWIP_RAM_HEAP_POINTER tcpip_heap
#define PBUF_POOL_SIZE 0
#define ARP_TABLE_SIZE 32
#define ARP_QUEUEING 1

/*
 * TCP: 64 KiB windows each way (no scaling), what a host link's round trip
 * of tens of microseconds needs, small enough for many connections in the
 * heap; SACK-less as lwIP 2.1 is.  lwIP caps the MSS at TCP_MSS whatever
 * the MTU, so segments are Ethernet-sized even on jumbo-frame taps.
 */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 0
#define TCP_WND 65535
#define TCP_SND_BUF 65535
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* Writable (poll) once half the send buffer is free. */
#define TCP_SNDLOWAT (TCP_SND_BUF / 2)
#define TCP_QUEUE_OOSEQ 1
/* TIME-WAIT lasts 2 MSL: a minute, as on Linux (lwIP's default is two). */
#define TCP_MSL 30000UL
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_CALLBACK_API 1
#define LWIP_TCP_TIMESTAMPS 0
#define TCP_CALCULATE_EFF_SEND_MSS 1
#define LWIP_TCP_MAX_SACK_NUM 0

/*
 * Unpredictable initial sequence numbers and first ephemeral port (off-path
 * attackers must not guess either); from the runtime's ChaCha20.
 */
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
    tcpip_random()

#define LWIP_CHECKSUM_ON_COPY 1
#define LWIP_NETIF_TX_SINGLE_PBUF 1
#define SO_REUSE 1
#define LWIP_SO_RCVBUF 0

#endif
