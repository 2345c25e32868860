/* arch/cc.h: lwIP's platform layer for the uhvt guest: types, byte order, diagnostics. */
#ifndef UHVT_LWIP_ARCH_CC_H
#define UHVT_LWIP_ARCH_CC_H

#include <stdint.h>

/* musl provides stdint.h, inttypes.h, limits.h and errno.h; lwIP uses them. */
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0

/*
 * Byte order by builtins, under lwIP's own names only: the socket layer
 * includes musl's arpa/inet.h, whose htons must not be redefined.
 */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/* Defined by the stack (stack.c): the runtime's ChaCha20 generator, abort. */
uint32_t tcpip_random(void);
_Noreturn void tcpip_assert_fail(const char *msg, const char *file, int line);

#define LWIP_RAND() tcpip_random()
/* Diagnostics are compiled out (LWIP_DEBUG is off); nothing may print. */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) tcpip_assert_fail((x), __FILE__, __LINE__)

#endif
