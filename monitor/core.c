/* core.c: --dumpcore: an ELF core file of a guest that faulted or aborted, for gdb. */
#include "core.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/user.h>
#include <unistd.h>

#include "pin.h"
#include "uhvt_abi.h"

#define PAGE UHVT_PAGE_SIZE

int core_setup(struct core *c, const char *dir, const char *image,
               const struct mem *m, char why[WHY_MAX])
{
    c->fd = -1;
    c->dir = dir;
    c->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (c->dir_fd < 0)
        return why_fail(why, "--dumpcore=%s: %s", dir,
                        errno == ELOOP || errno == ENOTDIR
                            ? "not a directory (symlinks are not followed)"
                            : strerror(errno));
    c->fd = openat(c->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (c->fd < 0)
        return why_fail(why, "--dumpcore=%s: cannot create an unnamed file "
                             "there (O_TMPFILE): %s", dir,
                        errno == EOPNOTSUPP || errno == EISDIR
                            ? "its filesystem does not support it (9p, NFS, "
                              "older overlayfs): choose a directory on ext4, "
                              "xfs, btrfs or tmpfs"
                            : strerror(errno));
    char name[64], proc[64];
    snprintf(name, sizeof(name), "core.uhvt.%d", (int)getpid());
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", c->fd);
    if ((c->name = pin_string(name)) == NULL || (c->proc = pin_string(proc)) == NULL)
        return why_fail(why, "--dumpcore: %s", strerror(errno));
    c->pages = m->size / PAGE;
    c->resident = malloc(c->pages);
    if (c->resident == NULL)
        return why_fail(why, "--dumpcore: %s", strerror(errno));
    const char *base = strrchr(image, '/');
    snprintf(c->image, sizeof(c->image), "%s", base ? base + 1 : image);
    return 0;
}

/* One run of touched pages: guest [gpa, gpa + len). */
struct run {
    uint64_t gpa, len;
};

/* The runs of populated pages, at most CORE_SEGS_MAX (the last absorbs the rest). */
static size_t find_runs(const struct core *c, struct run *runs)
{
    size_t n = 0;
    for (size_t p = 0; p < c->pages; p++) {
        if (!(c->resident[p] & 1))
            continue;
        uint64_t gpa = p * PAGE;
        if (n > 0 && (runs[n - 1].gpa + runs[n - 1].len == gpa ||
                      n == CORE_SEGS_MAX))
            runs[n - 1].len = gpa + PAGE - runs[n - 1].gpa;
        else
            runs[n++] = (struct run){gpa, PAGE};
    }
    return n;
}

static bool zero_page(const uint8_t *p)
{
    static const uint8_t zeros[64];
    for (size_t i = 0; i < PAGE; i += sizeof(zeros))
        if (memcmp(p + i, zeros, sizeof(zeros)) != 0)
            return false;
    return true;
}

static int put(int fd, const void *buf, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        buf = (const uint8_t *)buf + n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/*
 * An ELF note: header, name "CORE" padded to 4, the descriptor padded to 4:
 * packed, for the descriptor follows at 20 bytes whatever its alignment.
 */
struct __attribute__((packed)) note_prstatus {
    Elf64_Nhdr h;
    char name[8];
    struct elf_prstatus d;
};
struct __attribute__((packed)) note_fpregset {
    Elf64_Nhdr h;
    char name[8];
    struct user_fpregs_struct d;
};
struct __attribute__((packed)) note_prpsinfo {
    Elf64_Nhdr h;
    char name[8];
    struct elf_prpsinfo d;
};
_Static_assert(sizeof(struct elf_prstatus) % 4 == 0 &&
               sizeof(struct elf_prpsinfo) % 4 == 0, "note padding");

static void fill_regs(struct user_regs_struct *u, const struct kvm_regs *r,
                      const struct kvm_sregs *s)
{
    *u = (struct user_regs_struct){
        .r15 = r->r15, .r14 = r->r14, .r13 = r->r13, .r12 = r->r12,
        .rbp = r->rbp, .rbx = r->rbx, .r11 = r->r11, .r10 = r->r10,
        .r9 = r->r9, .r8 = r->r8, .rax = r->rax, .rcx = r->rcx,
        .rdx = r->rdx, .rsi = r->rsi, .rdi = r->rdi, .orig_rax = ~0ULL,
        .rip = r->rip, .cs = s->cs.selector, .eflags = r->rflags,
        .rsp = r->rsp, .ss = s->ss.selector, .fs_base = s->fs.base,
        .gs_base = s->gs.base, .ds = s->ds.selector, .es = s->es.selector,
        .fs = s->fs.selector, .gs = s->gs.selector,
    };
}

/* The ELF header, the note segment and one PT_LOAD per run, at offset 0. */
static int put_headers(const struct core *c, const struct run *runs, size_t n,
                       const struct kvm_regs *r, const struct kvm_sregs *s,
                       const struct kvm_fpu *f, int sig, uint64_t data_off)
{
    struct __attribute__((packed)) {
        Elf64_Ehdr e;
        struct note_prstatus st;
        struct note_fpregset fp;
        struct note_prpsinfo ps;
    } h = {
        .e = {
            .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
                        ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE},
            .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
            .e_phoff = sizeof(h), .e_ehsize = sizeof(Elf64_Ehdr),
            .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (Elf64_Half)(n + 1),
        },
        .st = {.h = {5, sizeof(struct elf_prstatus), NT_PRSTATUS}, .name = "CORE"},
        .fp = {.h = {5, sizeof(struct user_fpregs_struct), NT_FPREGSET}, .name = "CORE"},
        .ps = {.h = {5, sizeof(struct elf_prpsinfo), NT_PRPSINFO}, .name = "CORE"},
    };
    h.st.d.pr_cursig = (short)sig;
    h.st.d.pr_info.si_signo = sig;
    h.st.d.pr_pid = 1;
    struct user_regs_struct u;
    fill_regs(&u, r, s);
    memcpy(&h.st.d.pr_reg, &u, sizeof(u));
    /* The FXSAVE image gdb reads x87 and SSE registers from. */
    struct user_fpregs_struct fx = {
        .cwd = f->fcw, .swd = f->fsw, .ftw = f->ftwx, .fop = f->last_opcode,
        .rip = f->last_ip, .rdp = f->last_dp, .mxcsr = f->mxcsr,
    };
    for (int i = 0; i < 8; i++)
        memcpy(&fx.st_space[4 * i], f->fpr[i], 16);
    memcpy(fx.xmm_space, f->xmm, sizeof(f->xmm));
    memcpy(&h.fp.d, &fx, sizeof(fx));
    _Static_assert(sizeof(h.st.d.pr_reg) == sizeof(struct user_regs_struct), "regs");
    h.ps.d.pr_pid = 1;
    h.ps.d.pr_sname = 'R';
    memcpy(h.ps.d.pr_fname, c->image, sizeof(h.ps.d.pr_fname));
    memcpy(h.ps.d.pr_psargs, c->image, sizeof(c->image));
    int rc = put(c->fd, &h, sizeof(h), 0);
    uint64_t off = sizeof(h);
    Elf64_Phdr note = {
        .p_type = PT_NOTE, .p_offset = offsetof(__typeof__(h), st),
        .p_filesz = sizeof(h) - offsetof(__typeof__(h), st), .p_align = 4,
    };
    if (rc == 0)
        rc = put(c->fd, &note, sizeof(note), off);
    off += sizeof(note);
    for (size_t i = 0; i < n && rc == 0; i++) {
        Elf64_Phdr ph = {
            .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
            .p_offset = data_off, .p_vaddr = runs[i].gpa, .p_paddr = runs[i].gpa,
            .p_filesz = runs[i].len, .p_memsz = runs[i].len, .p_align = PAGE,
        };
        rc = put(c->fd, &ph, sizeof(ph), off);
        off += sizeof(ph);
        data_off += runs[i].len;
    }
    return rc;
}

int core_write(struct core *c, const struct mem *m, const struct kvm_regs *r,
               const struct kvm_sregs *s, const struct kvm_fpu *f, int sig,
               char *path, size_t len)
{
    static struct run runs[CORE_SEGS_MAX];
    if (mincore(m->base, m->size, c->resident) < 0)
        return -errno;
    size_t n = find_runs(c, runs);
    uint64_t head = sizeof(Elf64_Ehdr) + sizeof(struct note_prstatus) +
                    sizeof(struct note_fpregset) + sizeof(struct note_prpsinfo) +
                    (n + 1) * sizeof(Elf64_Phdr);
    uint64_t data = (head + PAGE - 1) & ~(PAGE - 1), off = data;
    int rc = put_headers(c, runs, n, r, s, f, sig, data);
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (uint64_t p = 0; p < runs[i].len && rc == 0; p += PAGE) {
            const uint8_t *src = mem_ptr(m, runs[i].gpa + p, PAGE);
            /* Holes read back as zeros: the file stays as sparse as the guest. */
            if (src != NULL && !zero_page(src))
                rc = put(c->fd, src, PAGE, off + p);
        }
        off += runs[i].len;
    }
    /* A final hole still counts in the size gdb expects. */
    if (rc == 0 && off > data && ftruncate(c->fd, (off_t)off) < 0)
        rc = -errno;
    if (rc == 0 && linkat(AT_FDCWD, c->proc, c->dir_fd, c->name,
                          AT_SYMLINK_FOLLOW) < 0)
        rc = -errno;
    snprintf(path, len, "%s/%s", c->dir, c->name);
    return rc;
}

int core_rules(const struct core *c, int vcpu_fd, void *seccomp_ctx)
{
    scmp_filter_ctx ctx = seccomp_ctx;
    int rc = 0;
    /* core_write: which pages of guest memory the host has populated. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mincore), 0);
    /* debug.c's dump: the x87 and SSE registers for the core. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu_fd),
                                    SCMP_A1(SCMP_CMP_EQ, KVM_GET_FPU));
    /* core_write: the core, into the unnamed file core_setup made. */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pwrite64), 1,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)c->fd));
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ftruncate), 1,
                                    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)c->fd));
    /*
     * core_write: its name, core.uhvt.PID in the --dumpcore directory, from
     * its /proc/self/fd link (linkat never replaces an existing file).
     * Both names by their pinned addresses (pin.h): the directory fd alone
     * would allow any absolute path.
     */
    rc = rc ? rc : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(linkat), 5,
                                    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffU,
                                            (uint32_t)AT_FDCWD),
                                    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)(uintptr_t)c->proc),
                                    SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)c->dir_fd),
                                    SCMP_A3(SCMP_CMP_EQ, (scmp_datum_t)(uintptr_t)c->name),
                                    SCMP_A4(SCMP_CMP_EQ, AT_SYMLINK_FOLLOW));
    return rc;
}
