/* net.c: Solo5-ABI test guest: answer ARP and ICMP echo on its NIC, so the host's ping proves both ways. */
#include "guest.h"

GUEST_MANIFEST(1, GUEST_MFT_ENTRY_NET("service"));

static uint8_t frame[9216];
static uint8_t ip[4];

/* "A.B.C.D [N]": the guest's IPv4 address, and how many echoes end it. */
static int parse(const char *c, uint64_t *count)
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0;
        if (*c < '0' || *c > '9')
            return -1;
        while (*c >= '0' && *c <= '9')
            v = v * 10 + (unsigned)(*c++ - '0');
        if (v > 255 || *c != (i == 3 ? *c : '.'))
            return -1;
        ip[i] = (uint8_t)v;
        if (i < 3)
            c++;
    }
    *count = 3;
    if (*c == ' ')
        for (*count = 0, c++; *c >= '0' && *c <= '9'; c++)
            *count = *count * 10 + (uint64_t)(*c - '0');
    return 0;
}

static void put_hex(const uint8_t *b, int n, char sep)
{
    static const char hex[] = "0123456789abcdef";
    char s[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        s[0] = hex[b[i] >> 4];
        s[1] = hex[b[i] & 15];
        guest_puts(s);
        if (i + 1 < n)
            guest_write(&sep, 1);
    }
}

/* Turn an ARP request for our address or an ICMP echo request to it into
 * its answer in place; 1 if it was an echo request, 0 for ARP, -1 if it is
 * not ours to answer. */
static int answer(uint8_t *f, size_t n, const uint8_t mac[6])
{
    if (n >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 1 &&
        memcmp(f + 38, ip, 4) == 0) {
        memcpy(f, f + 6, 6);
        memcpy(f + 6, mac, 6);
        f[21] = 2;
        memcpy(f + 32, f + 22, 10); /* target := sender */
        memcpy(f + 22, mac, 6);
        memcpy(f + 28, ip, 4);
        return 0;
    }
    size_t ihl = n > 14 ? (size_t)(f[14] & 15) * 4 : 0;
    if (n >= 14 + ihl + 8 && ihl >= 20 && f[12] == 0x08 && f[13] == 0x00 &&
        f[23] == 1 && memcmp(f + 30, ip, 4) == 0 && f[14 + ihl] == 8) {
        uint8_t t[6];
        memcpy(t, f + 6, 6);
        memcpy(f, t, 6);
        memcpy(f + 6, mac, 6);
        memcpy(f + 30, f + 26, 4); /* the IP checksum does not change */
        memcpy(f + 26, ip, 4);
        uint8_t *icmp = f + 14 + ihl;
        icmp[0] = 0; /* echo reply: the checksum goes up by 0x0800 */
        uint32_t sum = (uint32_t)(icmp[2] << 8 | icmp[3]) + 0x0800;
        sum = (sum & 0xffff) + (sum >> 16);
        icmp[2] = (uint8_t)(sum >> 8);
        icmp[3] = (uint8_t)sum;
        return 1;
    }
    return -1;
}

int solo5_app_main(const struct guest_start *si)
{
    uint64_t count;
    if (parse(si->cmdline, &count) < 0) {
        guest_puts("usage: net.hvt A.B.C.D [ECHOES]\n");
        return 1;
    }
    const struct solo5_mft_entry *e;
    int h = guest_device("service", SOLO5_MFT_NET, &e);
    guest_puts("mac: ");
    put_hex(e->u.net.mac, 6, ':');
    guest_puts(" mtu: ");
    guest_put_u64(e->u.net.mtu);
    guest_puts("\nready\n");
    for (uint64_t echoed = 0; echoed < count;) {
        if (!(guest_yield(10ULL * 1000000000ULL) & (1ULL << h)))
            continue;
        size_t n;
        int r;
        while ((r = guest_net_read(h, frame, e->u.net.mtu + 14U, &n)) == SOLO5_R_OK) {
            int a = answer(frame, n, e->u.net.mac);
            if (a < 0)
                continue;
            if (guest_net_write(h, frame, n) != SOLO5_R_OK)
                return 2;
            echoed += (uint64_t)a;
        }
        if (r != SOLO5_R_AGAIN)
            return 3;
    }
    guest_puts("echoed ");
    guest_put_u64(count);
    guest_puts("\n");
    return 0;
}
