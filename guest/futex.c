/* futex.c: futexes: waits and wakes between the runtime's threads, and robust lists at exit. */
#include <errno.h>
#include <limits.h>
#include <time.h>

#include "runtime.h"
#include "thread.h"

/*
 * One process, so private and shared futexes are the same: a futex is its
 * address.  Waiters queue in one FIFO list (Linux wakes waiters of equal
 * priority in arrival order, and every thread here has the same); a wake
 * scans it for the address.  There are as many waiters as threads at most.
 *
 * The value check and the queueing happen with nothing else running (one
 * vCPU, no preemption), which is the atomicity FUTEX_WAIT promises.
 */

/* Linux's <linux/futex.h>, which musl's headers do not carry. */
enum {
    FUTEX_WAIT, FUTEX_WAKE, FUTEX_FD, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE,
    FUTEX_WAKE_OP, FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI,
    FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI,
    FUTEX_CMP_REQUEUE_PI, FUTEX_LOCK_PI2,
};
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
enum { FUTEX_OP_SET, FUTEX_OP_ADD, FUTEX_OP_OR, FUTEX_OP_ANDN, FUTEX_OP_XOR };
#define FUTEX_OP_OPARG_SHIFT 8u
enum {
    FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_NE, FUTEX_OP_CMP_LT, FUTEX_OP_CMP_LE,
    FUTEX_OP_CMP_GT, FUTEX_OP_CMP_GE,
};
#define FUTEX_BITSET_ANY 0xffffffffu

static struct {
    struct thread *head, **tail;
} q = { NULL, &q.head };

static void futex_enqueue(struct thread *t)
{
    t->fnext = NULL;
    *q.tail = t;
    q.tail = &t->fnext;
}

/* Unlink `t`, which follows *link in the queue. */
static void futex_unlink(struct thread **link, struct thread *t)
{
    *link = t->fnext;
    if (q.tail == &t->fnext)
        q.tail = link;
    t->fnext = NULL;
    t->futex = NULL;
}

static void futex_dequeue(struct thread *t)
{
    for (struct thread **l = &q.head; *l != NULL; l = &(*l)->fnext) {
        if (*l == t) {
            futex_unlink(l, t);
            return;
        }
    }
}

/* A futex word: 4-byte aligned (EINVAL), in guest memory (EFAULT). */
static long futex_check(const void *uaddr)
{
    if ((uintptr_t)uaddr % sizeof(uint32_t))
        return -EINVAL;
    return mem_check(uaddr, sizeof(uint32_t)) ? 0 : -EFAULT;
}

static long futex_wait(const volatile uint32_t *uaddr, uint32_t val,
                       uint64_t deadline, uint32_t bitset)
{
    struct thread *me = thread_current();
    long r;

    if (bitset == 0)
        return -EINVAL;
    if ((r = futex_check((const void *)uaddr)) < 0)
        return r;
    if (*uaddr != val)
        return -EAGAIN;
    me->futex = uaddr;
    me->bitset = bitset;
    futex_enqueue(me);
    /* A polling wait, so that a signal to handle ends it (EINTR). */
    for (;;) {
        r = thread_wait(THREAD_POLL, deadline);
        if (me->futex == NULL) /* a wake dequeued it */
            return 0;
        if (r == -EINTR || signal_interrupting()) {
            r = signal_eintr();
            break;
        }
        if (clock_monotonic() >= deadline) {
            r = -ETIMEDOUT;
            break;
        }
    }
    futex_dequeue(me);
    return r;
}

long futex_wake(const volatile uint32_t *uaddr, int n, uint32_t bitset)
{
    long woken = 0;

    if (bitset == 0)
        return -EINVAL;
    if ((uintptr_t)uaddr % sizeof(uint32_t))
        return -EINVAL;
    for (struct thread **l = &q.head; *l != NULL;) {
        struct thread *t = *l;
        if (t->futex != uaddr || !(t->bitset & bitset)) {
            l = &t->fnext;
            continue;
        }
        futex_unlink(l, t);
        thread_wake(t);
        /* Linux wakes one even when asked for none. */
        if (++woken >= n)
            break;
    }
    return woken;
}

/*
 * Wake up to nr_wake waiters on uaddr, then move up to nr_requeue of the
 * rest to uaddr2, in Linux's order of checks; FUTEX_CMP_REQUEUE first
 * checks that *uaddr still holds `cmp`.  The count woken plus moved.
 */
static long futex_requeue(const volatile uint32_t *uaddr,
                          const volatile uint32_t *uaddr2, int nr_wake,
                          int nr_requeue, const uint32_t *cmp)
{
    long r, count = 0;

    if (nr_wake < 0 || nr_requeue < 0)
        return -EINVAL;
    if ((uintptr_t)uaddr % sizeof(uint32_t) ||
        (uintptr_t)uaddr2 % sizeof(uint32_t))
        return -EINVAL;
    if (cmp != NULL) {
        if ((r = futex_check((const void *)uaddr)) < 0)
            return r;
        if (*uaddr != *cmp)
            return -EAGAIN;
    }
    struct thread *moved = NULL, **mtail = &moved;
    for (struct thread **l = &q.head; *l != NULL;) {
        struct thread *t = *l;
        if (count - nr_wake >= nr_requeue)
            break;
        if (t->futex != uaddr) {
            l = &t->fnext;
            continue;
        }
        futex_unlink(l, t);
        if (++count <= nr_wake) {
            thread_wake(t);
            continue;
        }
        /* Requeued waiters go to the end, as Linux's requeue_futex does. */
        t->futex = uaddr2;
        *mtail = t;
        mtail = &t->fnext;
    }
    if (moved != NULL) {
        *q.tail = moved;
        q.tail = mtail;
    }
    return count;
}

/* FUTEX_WAKE_OP: *uaddr2 = *uaddr2 OP oparg; wake on uaddr, and on uaddr2 if
 * the old value compares true. */
static long futex_wake_op(volatile uint32_t *uaddr, volatile uint32_t *uaddr2,
                          int nr_wake, int nr_wake2, uint32_t encoded)
{
    unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
    int oparg = (int)(encoded << 8) >> 20, cmparg = (int)(encoded << 20) >> 20;
    long r;

    if ((uintptr_t)uaddr % sizeof(uint32_t))
        return -EINVAL;
    if ((r = futex_check((const void *)uaddr2)) < 0)
        return r;
    if (encoded & (FUTEX_OP_OPARG_SHIFT << 28))
        oparg = 1 << (oparg & 31);
    int old = (int)*uaddr2, v;
    switch (op) {
    case FUTEX_OP_SET: v = oparg; break;
    case FUTEX_OP_ADD: v = (int)((unsigned)old + (unsigned)oparg); break;
    case FUTEX_OP_OR: v = old | oparg; break;
    case FUTEX_OP_ANDN: v = old & ~oparg; break;
    case FUTEX_OP_XOR: v = old ^ oparg; break;
    default: return -ENOSYS;
    }
    int hit;
    switch (cmp) {
    case FUTEX_OP_CMP_EQ: hit = old == cmparg; break;
    case FUTEX_OP_CMP_NE: hit = old != cmparg; break;
    case FUTEX_OP_CMP_LT: hit = old < cmparg; break;
    case FUTEX_OP_CMP_LE: hit = old <= cmparg; break;
    case FUTEX_OP_CMP_GT: hit = old > cmparg; break;
    case FUTEX_OP_CMP_GE: hit = old >= cmparg; break;
    default: return -ENOSYS;
    }
    *uaddr2 = (uint32_t)v;
    long n = futex_wake(uaddr, nr_wake, FUTEX_BITSET_ANY);
    if (hit && n >= 0)
        n += futex_wake(uaddr2, nr_wake2, FUTEX_BITSET_ANY);
    return n;
}

/*
 * The timeout as a monotonic deadline: relative for FUTEX_WAIT, absolute
 * for the others, on CLOCK_REALTIME when asked (converted once: a wall
 * deadline does not follow later clock changes).
 */
static long futex_deadline(int cmd, int op, const struct timespec *ts,
                           uint64_t *deadline)
{
    uint64_t ns, now = clock_monotonic();
    long r;

    *deadline = UINT64_MAX;
    if (ts == NULL)
        return 0;
    if ((r = clock_ns(ts, &ns)) < 0)
        return r;
    if (cmd == FUTEX_WAIT) {
        *deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    } else if (op & FUTEX_CLOCK_REALTIME) {
        uint64_t w = clock_realtime();
        *deadline = ns <= w ? 0 : ns - w > UINT64_MAX - now ? UINT64_MAX
                                                             : now + (ns - w);
    } else {
        *deadline = ns;
    }
    return 0;
}

long sys_futex(const long a[6])
{
    volatile uint32_t *uaddr = (uint32_t *)a[0], *uaddr2 = (uint32_t *)a[4];
    int op = (int)a[1], cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    uint32_t val = (uint32_t)a[2], val3 = (uint32_t)a[5];
    const struct timespec *ts = (const struct timespec *)a[3];
    uint64_t deadline = UINT64_MAX;
    long r;

    if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
        cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_LOCK_PI2) {
        if ((r = futex_deadline(cmd, op, ts, &deadline)) < 0)
            return r;
    }
    if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET &&
        cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
        return futex_wait(uaddr, val, deadline, FUTEX_BITSET_ANY);
    case FUTEX_WAIT_BITSET:
        return futex_wait(uaddr, val, deadline, val3);
    case FUTEX_WAKE:
        return futex_wake(uaddr, (int)val, FUTEX_BITSET_ANY);
    case FUTEX_WAKE_BITSET:
        return futex_wake(uaddr, (int)val, val3);
    case FUTEX_REQUEUE:
        return futex_requeue(uaddr, uaddr2, (int)val, (int)a[3], NULL);
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(uaddr, uaddr2, (int)val, (int)a[3], &val3);
    case FUTEX_WAKE_OP:
        return futex_wake_op(uaddr, uaddr2, (int)val, (int)a[3], val3);
    default:
        return -ENOSYS; /* priority inheritance: not offered */
    }
}

/*
 * Linux's exit_robust_list: for each lock the thread still holds (the list
 * and the one it was acquiring, list_op_pending), mark the owner dead and
 * wake one waiter.  The list is the application's memory, so every read is
 * checked, and a loop is cut short as Linux does (ROBUST_LIST_LIMIT).
 */
#define ROBUST_LIST_LIMIT 2048

static void futex_robust_one(uint64_t entry, long offset, int tid)
{
    volatile uint32_t *w = (uint32_t *)(entry + (uint64_t)offset);

    if (futex_check((const void *)w) < 0)
        return;
    if ((*w & FUTEX_TID_MASK) != (uint32_t)tid)
        return;
    uint32_t old = *w;
    *w = (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if (old & FUTEX_WAITERS)
        (void)futex_wake(w, 1, FUTEX_BITSET_ANY);
}

void futex_exit_robust(struct thread *t)
{
    const uint64_t *head = (const uint64_t *)t->robust_head;

    if (head == NULL || !mem_check(head, 3 * sizeof *head))
        return;
    long offset = (long)head[1];
    uint64_t pending = head[2], entry = head[0];
    for (int n = 0; entry != (uint64_t)head && n < ROBUST_LIST_LIMIT; n++) {
        if (!mem_check((const void *)entry, sizeof(uint64_t)))
            return;
        uint64_t next = *(const uint64_t *)entry;
        if (entry != pending)
            futex_robust_one(entry & ~1ULL, offset, t->tid);
        entry = next;
    }
    if (pending != 0)
        futex_robust_one(pending & ~1ULL, offset, t->tid);
}
