# suite-extfs.sh: ext2/ext4 images through the guest's filesystem (libext2fs): reads, writes, durability, corrupted images (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

X=$G/extfs_ops.hvt
PATH=$PATH:/sbin:/usr/sbin
img=$tmp/ext.img

# The tree every image starts from: text, 200000 bytes of a pattern the
# guest recomputes, a symlink.
mkdir -p "$tmp/tree/sub"
printf 'hello\n' >"$tmp/tree/hello.txt"
ln -s hello.txt "$tmp/tree/link"
extfs_big() {
    awk 'BEGIN { for (i = 0; i < 200000; i++) {
        printf "\\%03o", (i * 131 + int(i / 512) * 7 + 1) % 256
        if (i % 4096 == 4095) printf "\n" }
        printf "\n" }' </dev/null |
        while IFS= read -r line; do
            # shellcheck disable=SC2059 # the line is octal escapes for printf
            printf "$line"
        done
}
extfs_big >"$tmp/tree/sub/big.bin"
mkimg() { mkfs.ext4 -q -F "$@" -d "$tmp/tree" "$img" 32M >/dev/null; }

# A read-only mount reads the files mkfs.ext4 -d wrote, refuses to create
# (EROFS), and leaves the image byte-identical.
mkimg
cp "$img" "$tmp/orig.img"
check extfs-read-only 0 '^extfs read ok$' "$U" --block:disk="$img" --block-ro "$X" read
check_left extfs-read-only-unchanged '^extfs read ok$' "the image changed" \
    cmp -s "$img" "$tmp/orig.img"

# Writes on 512- and 4096-byte sectors (4 KiB and 1 KiB blocks): e2fsck
# finds the image clean after the clean exit, debugfs reads the data.
awk 'BEGIN { for (i = 0; i < 250000; i++) printf "record %08d\n", i }' </dev/null \
    >"$tmp/expected"
for cfg in "512 -b4096" "4096 -b1024" "512 -text2"; do
    sector=${cfg%% *} opts=${cfg#* }
    mkimg "$opts"
    check "extfs-write-$sector$opts" 0 '^unmount: 0$' \
        "$U" --block:disk="$img" --block-sector="$sector" "$X" write
    check_left "extfs-write-$sector$opts-fsck-clean" '^extfs write ok$' \
        "e2fsck -fn found problems" sh -c "e2fsck -fn '$img' >/dev/null 2>&1"
    check_left "extfs-write-$sector$opts-debugfs-reads" '^extfs write ok$' \
        "debugfs read other data" sh -c "debugfs -R 'cat /out.txt' '$img' 2>/dev/null |
            cmp -s - '$tmp/expected'"
done

# extfs_durable NAME RUNS FILES CMD...: durability.  CMD (a guest on disk
# "disk", $img) appends a record to /log (and, when FILES is 1, creates
# /f-N), fsyncs, prints "synced N"; SIGKILL at a random moment.  e2fsck -fy
# must repair whatever the kill left (exit 0 or 1), and every synced record
# (and file) must be there.  What e2fsck had to fix is counted.
extfs_durable() {
    ed_name=$1 ed_runs=$2 ed_files=$3 ed_ok=0 ed_fixed=0 ed_bad='' ed_problems=''
    shift 3
    mkfs.ext4 -q -F "$img" 32M >/dev/null
    for ed_i in $(seq 1 "$ed_runs"); do
        if ! bg_start "$tmp/sync.out" '^synced ' 20 "$@"; then
            ed_bad="$ed_bad $ed_i(never synced)"
            bg_stop "$bg_pid" KILL
            continue
        fi
        sleep "0.$(awk -v s="$ed_i" 'BEGIN { srand(s); printf "%d", rand() * 9 }')"
        bg_stop "$bg_pid" KILL
        ed_n=$(grep -E '^synced [0-9]+$' "$tmp/sync.out" | tail -n 1 | cut -d' ' -f2)
        e2fsck -fy "$img" >"$tmp/fsck.out" 2>&1
        ed_st=$?
        if [ "$ed_st" -gt 1 ]; then
            ed_bad="$ed_bad $ed_i(e2fsck -fy exit $ed_st)"
            cp "$tmp/fsck.out" "$tmp/out"
            continue
        fi
        if grep -Eq '^(Inode|Entry|Unattached|Free|Block bitmap|Inode bitmap|Padding|Directories|Deleted)' \
            "$tmp/fsck.out"; then
            ed_fixed=$((ed_fixed + 1))
            ed_problems="$ed_problems$(grep -Eo '^(Inode [0-9]+ ref count|Unattached|Free blocks count|Free inodes count|Block bitmap differences|Inode bitmap differences|Directories count|Entry|Deleted inode)' "$tmp/fsck.out" | sed 's/[0-9]\+ //' | sort -u | tr '\n' ';')"
        fi
        debugfs -R 'cat /log' "$img" 2>/dev/null | head -c $(((ed_n + 1) * 16)) >"$tmp/log"
        awk -v n="$ed_n" 'BEGIN { for (i = 0; i <= n; i++) printf "record %08d\n", i }' \
            </dev/null >"$tmp/log.want"
        ed_f=$(printf 'record %08d' "$ed_n")
        [ "$ed_files" = 0 ] || ed_f=$(debugfs -R "cat /f-$ed_n" "$img" 2>/dev/null)
        if cmp -s "$tmp/log" "$tmp/log.want" && [ "$ed_f" = "$(printf 'record %08d' "$ed_n")" ]; then
            ed_ok=$((ed_ok + 1))
        else
            ed_bad="$ed_bad $ed_i(lost synced data up to $ed_n)"
        fi
        # Each run starts over on the repaired image: a clean mount needs it.
        debugfs -w -R 'rm /log' "$img" >/dev/null 2>&1
        for ed_k in $(seq 0 "$ed_n"); do echo "rm /f-$ed_k"; done >"$tmp/rm.cmds"
        debugfs -w -f "$tmp/rm.cmds" "$img" >/dev/null 2>&1
        e2fsck -fy "$img" >/dev/null 2>&1
    done
    if [ -z "$ed_bad" ]; then
        pass "$ed_name ($ed_ok of $ed_runs runs kept every synced record; e2fsck fixed something after $ed_fixed: ${ed_problems:-nothing})"
    else
        fail "$ed_name" "runs$ed_bad"
    fi
}
extfs_durable extfs-durable-sigkill 10 1 "$U" --block:disk="$img" "$X" sync

# Through the file calls, once the runtime has them (uhvt-cc --mount, the
# vfs work): tests/guest/mount_extfs.c with the disk mounted at /data.
M=$G/mount_extfs.hvt
if grep -q -- '--mount=PATH:NAME' "$B/uhvt-cc"; then
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "record %08d\n", i }' </dev/null \
        >"$tmp/expected.posix"
    mkimg
    check extfs-posix-write 0 '^files ok' "$U" --block:disk="$img" "$M" write
    check_left extfs-posix-write-fsck-clean '^files ok' "e2fsck -fn found problems" \
        sh -c "e2fsck -fn '$img' >/dev/null 2>&1"
    check_left extfs-posix-write-debugfs-reads '^files ok' "debugfs read other data" \
        sh -c "debugfs -R 'cat /out.txt' '$img' 2>/dev/null | cmp -s - '$tmp/expected.posix'"
    cp "$img" "$tmp/orig.img"
    check extfs-posix-read-only 0 '^read-only ok$' \
        "$U" --block:disk="$img" --block-ro:disk "$M" read
    check_left extfs-posix-read-only-unchanged '^read-only ok$' "the image changed" \
        cmp -s "$img" "$tmp/orig.img"
    extfs_durable extfs-posix-durable-sigkill 10 0 "$U" --block:disk="$img" "$M" sync
    # The file-call probes on ext4 answer as on tmpfs (and so as Linux).
    for t in file_basic file_more file_libc; do
        [ -f "$G/onext_$t.hvt" ] || continue
        "$U" "$G/$t.hvt" 2>&1 | grep -v '^# in ' >"$tmp/$t.tmpfs"
        mkfs.ext4 -q -F "$img" 64M >/dev/null
        check "extfs-posix-$t" 0 '' "$U" --block:disk="$img" "$G/onext_$t.hvt"
        grep -v '^# in ' "$tmp/out" >"$tmp/$t.ext"
        check_left "extfs-posix-$t-as-tmpfs" . "answers differ from tmpfs's" \
            cmp -s "$tmp/$t.tmpfs" "$tmp/$t.ext"
        check_left "extfs-posix-$t-fsck-clean" . "e2fsck -fn found problems" \
            sh -c "e2fsck -fn '$img' >/dev/null 2>&1"
    done
else
    echo "extfs: this runtime has no file calls yet (uhvt-cc --mount): the POSIX checks wait"
fi

# Corrupted images: deterministic random bytes over the structures in use
# (superblock, group descriptors, bitmaps, the inode table's first inodes,
# the directories' blocks).  The guest mounts (read-only when refused),
# reads everything, writes if it can: it must end by itself with a line
# saying what it did, never hang or fault.
extfs_fuzz() {
    ef_runs=$1 ef_refused=0 ef_ro=0 ef_rw=0
    # Half the images without metadata checksums, which catch most damage
    # before libext2fs's other checks see it.
    mkfs.ext4 -q -F -d "$tmp/tree" "$tmp/fuzz.base" 8M >/dev/null
    mkfs.ext4 -q -F -O ^metadata_csum -d "$tmp/tree" "$tmp/fuzz.nocsum" 8M >/dev/null
    ef_bs=$(dumpe2fs -h "$tmp/fuzz.base" 2>/dev/null | awk '/^Block size:/ { print $3 }')
    # "START LEN" byte ranges worth hitting.
    {
        echo "1024 1024"
        echo "$ef_bs 256"
        dumpe2fs "$tmp/fuzz.base" 2>/dev/null |
            sed -n 's/.*\(Block bitmap\|Inode bitmap\|Inode table\) at \([0-9]*\).*/\2/p' |
            while read -r ef_b; do echo "$((ef_b * ef_bs)) 8192"; done
        for ef_d in / /sub /lost+found; do
            for ef_b in $(debugfs -R "blocks $ef_d" "$tmp/fuzz.base" 2>/dev/null); do
                echo "$((ef_b * ef_bs)) $ef_bs"
            done
        done
    } >"$tmp/fuzz.ranges"
    for ef_i in $(seq 1 "$ef_runs"); do
        if [ $((ef_i % 2)) = 0 ]; then cp "$tmp/fuzz.nocsum" "$img"; else cp "$tmp/fuzz.base" "$img"; fi
        awk -v s="$ef_i" '{ start[NR] = $1; len[NR] = $2 }
            END { srand(s); n = 1 + int(rand() * 12)
                for (k = 0; k < n; k++) { r = 1 + int(rand() * NR)
                    printf "%d %d\n", start[r] + int(rand() * len[r]), int(rand() * 256) } }' \
            "$tmp/fuzz.ranges" | while read -r ef_off ef_byte; do
            # shellcheck disable=SC2059 # the format is the byte
            printf "\\$(printf %03o "$ef_byte")" |
                dd of="$img" bs=1 seek="$ef_off" conv=notrunc 2>/dev/null
        done
        CHECK_TIMEOUT=60 check_after "extfs-fuzz-$ef_i" 0 '' \
            '^(fuzz walked|fuzz: mount refused)' "$U" --block:disk="$img" "$X" fuzz
        if grep -q '^fuzz: mount refused' "$tmp/out"; then ef_refused=$((ef_refused + 1))
        elif grep -q 'read-write mount refused' "$tmp/out"; then ef_ro=$((ef_ro + 1))
        else ef_rw=$((ef_rw + 1)); fi
    done
    echo "extfs-fuzz: $ef_runs images: $ef_rw mounted read-write, $ef_ro read-only," \
        "$ef_refused refused"
}
extfs_fuzz 100
