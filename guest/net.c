/* net.c: network devices: Ethernet frames in and out of the application's NICs. */
#include "hypercall.h"
#include "runtime.h"
#include "uhvt.h"

PUBLIC int uhvt_net_info(int handle, uint8_t mac[6], uint32_t *mtu)
{
    struct uhvt_hc_net_info a = { .handle = (uint32_t)handle };

    if (handle < 0)
        return -UHVT_ENODEV;
    hypercall(UHVT_HC_NET_INFO, &a);
    if (a.ret != UHVT_OK)
        return -a.ret;
    if (mac != NULL)
        for (int i = 0; i < 6; i++)
            mac[i] = a.mac[i];
    if (mtu != NULL)
        *mtu = a.mtu;
    return 0;
}

PUBLIC long uhvt_net_write(int handle, const void *frame, size_t len)
{
    if (handle < 0)
        return -UHVT_ENODEV;
    if (len > UINT32_MAX)
        return -UHVT_EINVAL;
    struct uhvt_hc_net_io a = {
        .handle = (uint32_t)handle,
        .data = (uhvt_gpa_t)(uintptr_t)frame,
        .len = (uint32_t)len,
    };
    hypercall(UHVT_HC_NET_WRITE, &a);
    return a.ret != UHVT_OK ? -(long)a.ret : (long)len;
}

PUBLIC long uhvt_net_read(int handle, void *buf, size_t len)
{
    if (handle < 0)
        return -UHVT_ENODEV;
    /* A buffer beyond 4 GiB cannot exist: guest memory is smaller. */
    struct uhvt_hc_net_io a = {
        .handle = (uint32_t)handle,
        .data = (uhvt_gpa_t)(uintptr_t)buf,
        .len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len,
    };
    hypercall(UHVT_HC_NET_READ, &a);
    return a.ret != UHVT_OK ? -(long)a.ret : (long)a.len;
}

static int net_batch(enum uhvt_hypercall nr, int handle,
                     struct uhvt_net_frame *frames, unsigned count)
{
    if (handle < 0)
        return -UHVT_ENODEV;
    struct uhvt_hc_batch a = {
        .handle = (uint32_t)handle,
        .items = (uhvt_gpa_t)(uintptr_t)frames,
        .count = count,
    };
    hypercall(nr, &a);
    return a.ret != UHVT_OK ? -(int)a.ret : (int)a.done;
}

PUBLIC int uhvt_net_writev(int handle, struct uhvt_net_frame *frames,
                           unsigned count)
{
    return net_batch(UHVT_HC_NET_WRITEV, handle, frames, count);
}

PUBLIC int uhvt_net_readv(int handle, struct uhvt_net_frame *frames,
                          unsigned count)
{
    return net_batch(UHVT_HC_NET_READV, handle, frames, count);
}
