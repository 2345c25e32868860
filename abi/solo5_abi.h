/* solo5_abi.h: Solo5's hvt guest ABI, version 2, as uhvt serves it (written from Solo5's public specification). */
#ifndef SOLO5_ABI_H
#define SOLO5_ABI_H

/*
 * Self-contained C11 (freestanding-safe), like uhvt_abi.h: the monitor and
 * the in-tree Solo5-ABI test guests (tests/solo5/) include it.  This is not
 * Solo5's header: the layouts below were written from Solo5's published
 * hvt_abi.h, mft_abi.h and elf_abi.h and are pinned by _Static_asserts, so
 * an image built by Solo5's own toolchain runs unmodified.  docs/solo5.md
 * says what uhvt implements and where it differs.
 *
 * Entry (x86-64): 64-bit long mode, identity-mapped paging, at the ELF
 * entry point, with rdi = the guest-physical address of struct
 * solo5_boot_info and rsp = top of memory - 8 (as after a call: the entry
 * is a C function).  Hypercall n: a 32-bit OUT to port SOLO5_HC_PIO_BASE + n
 * whose value is the guest-physical address of the call's struct.
 */

#include <stddef.h>
#include <stdint.h>

#define SOLO5_HVT_ABI_VERSION 2
#define SOLO5_ABI_TARGET_HVT 1 /* the other targets (spt, virtio, ...) are not ours */

/* ELF notes, owner "Solo5" (namesz 6, padded to 8). */
#define SOLO5_NOTE_NAME "Solo5"
#define SOLO5_NOTE_ABI 0x31494241U /* "ABI1": struct solo5_note_abi */
#define SOLO5_NOTE_MFT 0x3154464dU /* "MFT1": 4 bytes of padding, then struct solo5_mft */
/*
 * The manifest note's descriptor starts with padding so that the manifest
 * sits 8-byte aligned after the 20-byte note header: its descsz counts it.
 */
#define SOLO5_NOTE_MFT_PAD 4

struct solo5_note_abi {
    uint32_t target;  /* SOLO5_ABI_TARGET_HVT */
    uint32_t version; /* SOLO5_HVT_ABI_VERSION */
    uint32_t reserved[2];
};

/* The application manifest. */
#define SOLO5_MFT_VERSION 1
#define SOLO5_MFT_ENTRIES_MAX 64
#define SOLO5_MFT_NAME_SIZE 68 /* bytes, with the NUL */
enum solo5_mft_type {
    SOLO5_MFT_BLOCK = 1,
    SOLO5_MFT_NET = 2,
    SOLO5_MFT_RESERVED_FIRST = 1U << 30, /* entry 0: empty name */
};
struct solo5_mft_entry {
    char name[SOLO5_MFT_NAME_SIZE];
    uint32_t type; /* enum solo5_mft_type */
    union {
        struct {
            uint64_t capacity; /* bytes; filled in by the monitor */
            uint16_t block_size;
        } block;
        struct {
            uint8_t mac[6];
            uint16_t mtu;
        } net;
    } u;
    uint64_t backing; /* the tender's own (a host fd): 0 in the image, 0 from uhvt */
    uint8_t attached; /* a C bool: 0 in the image; 1 once the monitor attached it */
    uint8_t pad[7];
};
struct solo5_mft {
    uint32_t version; /* SOLO5_MFT_VERSION */
    uint32_t entries; /* 1..SOLO5_MFT_ENTRIES_MAX */
    struct solo5_mft_entry e[];
};

/* Handed to the guest in rdi; uhvt puts it at SOLO5_BOOT_INFO. */
#define SOLO5_BOOT_INFO 0x10000ULL
#define SOLO5_CMDLINE_SIZE 8192 /* with the NUL */
struct solo5_boot_info {
    uint64_t mem_size;
    uint64_t kernel_end;
    uint64_t cpu_cycle_freq; /* TSC Hz */
    uint64_t cmdline;        /* gpa of a C string: the arguments after the image */
    uint64_t mft;            /* gpa of the manifest, attached devices filled in */
    /* Appended by later Solo5 tenders; 0 here: no ring I/O offered. */
    uint32_t host_features;
    uint32_t guest_features;
    uint64_t net_ring;
};

#define SOLO5_HC_PIO_BASE 0x500
enum solo5_hypercall {
    SOLO5_HC_WALLTIME = 1,    /* struct solo5_hc_walltime */
    SOLO5_HC_PUTS = 2,        /* struct solo5_hc_puts */
    SOLO5_HC_POLL = 3,        /* struct solo5_hc_poll */
    SOLO5_HC_BLOCK_WRITE = 4, /* struct solo5_hc_block */
    SOLO5_HC_BLOCK_READ = 5,  /* struct solo5_hc_block */
    SOLO5_HC_NET_WRITE = 6,   /* struct solo5_hc_net */
    SOLO5_HC_NET_READ = 7,    /* struct solo5_hc_net */
    SOLO5_HC_HALT = 8,        /* struct solo5_hc_halt; does not return */
    SOLO5_HC_MAX
};

/* solo5_result_t */
enum solo5_result {
    SOLO5_R_OK = 0,
    SOLO5_R_AGAIN = 1,
    SOLO5_R_EINVAL = 2,
    SOLO5_R_EUNSPEC = 3,
};

struct solo5_hc_walltime {
    uint64_t nsecs; /* out: since the Unix epoch */
};
struct solo5_hc_puts {
    uint64_t data;
    uint64_t len;
};
struct solo5_hc_poll {
    uint64_t timeout_nsecs;
    uint64_t ready_set; /* out: bit n = manifest entry n has input */
    int32_t ret;        /* out: how many are ready */
    uint32_t pad;
};
struct solo5_hc_block {
    uint64_t handle; /* manifest index */
    uint64_t offset;
    uint64_t data;
    uint64_t len;
    int32_t ret; /* out: enum solo5_result */
    uint32_t pad;
};
struct solo5_hc_net {
    uint64_t handle;
    uint64_t data;
    uint64_t len; /* read: in the buffer's size, out the frame's */
    int32_t ret;
    uint32_t pad;
};
#define SOLO5_HALT_COOKIE_MAX 512
struct solo5_hc_halt {
    uint64_t cookie; /* 0, or gpa of SOLO5_HALT_COOKIE_MAX bytes: a trap frame */
    int32_t exit_status;
    uint32_t pad;
};
/* What a crashing guest's cookie points to (its trap handler's frame). */
struct solo5_trap_regs {
    uint64_t cr2, ec, rip, cs, rflags, rsp, ss;
};

/* solo5_exit() statuses; the monitor exits with the guest's status & 0xff. */
#define SOLO5_EXIT_SUCCESS 0
#define SOLO5_EXIT_FAILURE 1
#define SOLO5_EXIT_ABORT 255

_Static_assert(sizeof(struct solo5_note_abi) == 16, "abi note");
_Static_assert(offsetof(struct solo5_mft_entry, type) == 68, "mft type");
_Static_assert(offsetof(struct solo5_mft_entry, u) == 72, "mft u");
_Static_assert(offsetof(struct solo5_mft_entry, backing) == 88, "mft backing");
_Static_assert(offsetof(struct solo5_mft_entry, attached) == 96, "mft attached");
_Static_assert(sizeof(struct solo5_mft_entry) == 104, "mft entry");
_Static_assert(sizeof(struct solo5_mft) == 8, "mft header");
_Static_assert(sizeof(struct solo5_boot_info) == 56, "boot info");
_Static_assert(sizeof(struct solo5_hc_puts) == 16, "puts");
_Static_assert(sizeof(struct solo5_hc_poll) == 24, "poll");
_Static_assert(sizeof(struct solo5_hc_block) == 40, "block");
_Static_assert(sizeof(struct solo5_hc_net) == 32, "net");
_Static_assert(sizeof(struct solo5_hc_halt) == 16, "halt");

#endif
