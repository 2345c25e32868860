/* pin.c: path names the sandbox allows by address, in a page made read-only before the filter. */
#include "pin.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "uhvt_abi.h"

static char *page;
static size_t used;
static int sealed;

const char *pin_string(const char *s)
{
    size_t len = strlen(s) + 1;
    if (sealed || len > UHVT_PAGE_SIZE - used) {
        errno = sealed ? EPERM : ENAMETOOLONG;
        return NULL;
    }
    if (page == NULL) {
        void *p = mmap(NULL, UHVT_PAGE_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        page = p;
    }
    char *at = page + used;
    memcpy(at, s, len);
    used += len;
    return at;
}

int pin_seal(void)
{
    if (page != NULL && !sealed && mprotect(page, UHVT_PAGE_SIZE, PROT_READ) < 0)
        return -errno;
    sealed = 1;
    return 0;
}
