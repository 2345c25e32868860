/* gdb_hw.h: gdb's hardware breakpoints and watchpoints, in the guest's debug registers (hardware KVM). */
#ifndef GDB_HW_H
#define GDB_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_HW_SLOTS 4 /* DR0-DR3 */

/* gdb's Z/z types: 1 breakpoint, 2 write, 3 read, 4 access watchpoint. */
enum gdb_hw_type { GDB_HW_FREE, GDB_HW_EXEC, GDB_HW_WRITE, GDB_HW_READ, GDB_HW_ACCESS };

struct gdb_hw {
    bool usable; /* hardware KVM: PVM does not load the guest's debug registers */
    uint64_t addr[GDB_HW_SLOTS];
    uint64_t len[GDB_HW_SLOTS];
    enum gdb_hw_type type[GDB_HW_SLOTS];
};

struct vm;

/* Whether the vCPU's KVM honours the guest's debug registers (measured: PVM does not). */
void gdb_hw_init(struct gdb_hw *h, const struct vm *vm);

/*
 * Z1-Z4 and z1-z4: the reply.  "" (not supported, so gdb uses software
 * breakpoints or single-stepping watchpoints) where the debug registers do
 * not work; "E..." for a length x86 cannot watch (1, 2, 4 or 8 bytes,
 * aligned to it) or when all four are taken.  Read watchpoints are access
 * watchpoints: x86 has no read-only kind.
 */
const char *gdb_hw_insert(struct gdb_hw *h, const struct vm *vm, int type,
                          uint64_t addr, uint64_t len);
const char *gdb_hw_remove(struct gdb_hw *h, const struct vm *vm, int type,
                          uint64_t addr, uint64_t len);

/*
 * After a #DB that was not a step: whether one of the slots fired (DR6),
 * with gdb's stop reply for it in `reply` ("T05watch:ADDR;" and the like,
 * "S05" for a breakpoint); DR6 is cleared.
 */
bool gdb_hw_hit(struct gdb_hw *h, const struct vm *vm, char *reply, size_t len);

/* Free every slot (gdb detached or went away). */
void gdb_hw_clear(struct gdb_hw *h, const struct vm *vm);

/* The sandbox rules the debug registers need (--gdb on hardware KVM); 0 or -errno. */
int gdb_hw_rules(const struct gdb_hw *h, const struct vm *vm, void *seccomp_ctx);

#endif
