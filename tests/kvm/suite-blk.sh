# suite-blk.sh: block devices: I/O, bad requests, read-only, durability, locks, kv (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

K=$B/examples/kv.hvt
img=$tmp/blk.img

# Round trips against a shadow copy, and every kind of bad request.
rm -f "$img"; truncate -s 4M "$img"
check blk-io-512 0 'blk_io ok' "$U" --block="$img" "$G/blk_io.hvt"
rm -f "$img"; truncate -s 4M "$img"
check blk-io-4096 0 '4096-byte sectors' \
    "$U" --block:disk="$img" --block-sector=4096 "$G/blk_io.hvt"
check_after blk-bad-buffer 123 '^reading past the end of memory$' \
    'disk read into outside guest memory' "$U" --block="$img" "$G/blk_bad_buf.hvt"

# Images the monitor refuses before boot.
truncate -s 1000 "$tmp/odd.img"
check blk-size-not-sectors 125 'is 1000 bytes, not a multiple of the 512-byte sector size' \
    "$U" --block="$tmp/odd.img" "$G/blk_io.hvt"
truncate -s 4608 "$tmp/odd.img"
check blk-size-not-4k-sectors 125 'not a multiple of the 4096-byte sector size' \
    "$U" --block="$tmp/odd.img" --block-sector=4096 "$G/blk_io.hvt"
: >"$tmp/empty.img"
check blk-empty 125 'is empty' "$U" --block="$tmp/empty.img" "$G/blk_io.hvt"
check blk-missing 125 'No such file' "$U" --block="$tmp/none.img" "$G/blk_io.hvt"
# A FIFO would hang open() until a writer came; a directory is no disk.
mkfifo "$tmp/fifo.img"
CHECK_TIMEOUT=20 check blk-fifo-ro 125 'is a FIFO, not a regular file or block device' \
    "$U" --block="$tmp/fifo.img" --block-ro "$G/blk_ro.hvt"
CHECK_TIMEOUT=20 check blk-fifo 125 'is a FIFO' "$U" --block="$tmp/fifo.img" "$G/blk_io.hvt"
CHECK_TIMEOUT=20 check blk-directory 125 'is a directory' \
    "$U" --block="$tmp" --block-ro "$G/blk_ro.hvt"
rm -f "$tmp/fifo.img"
check blk-bad-sector-size 125 'sector size is 512 or 4096' \
    "$U" --block="$img" --block-sector=1024 "$G/blk_io.hvt"
check blk-undeclared 125 "declares no disk named 'other'" \
    "$U" --block="$img" --block:other="$img" "$G/blk_io.hvt"
check blk-unattached 125 "declares disk 'disk' but no --block:disk" "$U" "$G/blk_io.hvt"
rm -f "$tmp/odd.img" "$tmp/empty.img"

# Read-only: reads work, writes get UHVT_EROFS, the file does not change.
printf 'read-only contents' | dd of="$img" conv=notrunc 2>/dev/null
cp "$img" "$tmp/blk.copy"
check blk-ro 0 'ro ok' "$U" --block="$img" --block-ro "$G/blk_ro.hvt"
check_left blk-ro-unchanged '^read -?[0-9]+ write ' "the image changed" \
    cmp -s "$img" "$tmp/blk.copy"
rm -f "$tmp/blk.copy"

# Eight disks at once, each with its own file.
set --
for i in 0 1 2 3 4 5 6 7; do
    rm -f "$tmp/d$i.img"; truncate -s 64K "$tmp/d$i.img"
    set -- "$@" --block:d$i="$tmp/d$i.img"
done
check blk-eight-disks 0 '8 disks ok' "$U" "$@" "$G/blk_many.hvt"
ok=1
for i in 0 1 2 3 4 5 6 7; do
    [ "$(blk_sector "$tmp/d$i.img" 0 512)" = "this is disk d$i" ] || ok=0
done
if [ $ok = 1 ]; then pass blk-eight-disks-files; else fail blk-eight-disks-files "a disk file lacks its text"; fi
# The same image for two disks of one guest is refused (its lock).
set --
for i in 0 1 2 3 4 5 6; do set -- "$@" --block:d$i="$tmp/d$i.img"; done
check blk-same-image-twice 125 'is given for two disks' \
    "$U" "$@" --block:d7="$tmp/d0.img" "$G/blk_many.hvt"
set --
rm -f "$tmp"/d?.img

# Locks: a second monitor may not open an image in use read-write.
rm -f "$img"; truncate -s 1M "$img"
if bg_start "$tmp/hold.out" holding 20 "$U" --block="$img" "$G/blk_hold.hvt" 30; then
    # Named by PID: an OFD lock's holder is found through /proc.
    check blk-lock-writer 125 "disk image $img is in use by PID $bg_pid \\(uhvt\\)" \
        "$U" --block="$img" "$G/blk_io.hvt"
    check blk-lock-reader 125 "is in use by PID $bg_pid \\(uhvt\\)" \
        "$U" --block="$img" --block-ro "$G/blk_ro.hvt"
else
    cp "$tmp/hold.out" "$tmp/out"
    fail blk-lock "the first monitor did not start"
fi
bg_stop "$bg_pid"
# Readers share.
if bg_start "$tmp/hold.out" holding 20 "$U" --block="$img" --block-ro "$G/blk_hold.hvt" 30; then
    check blk-lock-readers-share 0 'ro ok' "$U" --block="$img" --block-ro "$G/blk_ro.hvt"
    check blk-lock-writer-vs-reader 125 "is in use by PID $bg_pid \\(uhvt\\)" \
        "$U" --block="$img" "$G/blk_io.hvt"
else
    cp "$tmp/hold.out" "$tmp/out"
    fail blk-lock-readers "the first monitor did not start"
fi
bg_stop "$bg_pid"
rm -f "$tmp/hold.out"

# The lock goes with the process: started again at once on the same disk,
# as a supervisor does, uhvt finds it free, after an exit or a SIGKILL.
# (Its io_uring's asynchronous teardown used to hold it milliseconds longer.)
rm -f "$img"; truncate -s 1M "$img"
bad=
for i in $(seq 1 50); do
    "$U" --block="$img" "$G/blk_hold.hvt" 0 >"$tmp/out" 2>&1
    got=$?
    if [ $got -ne 0 ] || ! grep -q holding "$tmp/out"; then bad="$bad $i(exit $got)"; break; fi
done
if [ -z "$bad" ]; then pass blk-lock-restart-50; else fail blk-lock-restart-50 "run$bad"; fi
bad=
for i in $(seq 1 10); do
    bg_start "$tmp/hold.out" holding 20 "$U" --block="$img" "$G/blk_hold.hvt" 30 ||
        bad="$bad $i(no start)"
    bg_stop "$bg_pid" KILL
    "$U" --block="$img" "$G/blk_hold.hvt" 0 >"$tmp/out" 2>&1
    got=$?
    if [ $got -ne 0 ] || ! grep -q holding "$tmp/out"; then bad="$bad $i(exit $got)"; fi
    [ -z "$bad" ] || break
done
if [ -z "$bad" ]; then pass blk-lock-restart-after-sigkill-10; else
    fail blk-lock-restart-after-sigkill-10 "run$bad"; fi
rm -f "$tmp/hold.out"

# Durability: once the guest says a flush succeeded, SIGKILL loses nothing.
rm -f "$img"; truncate -s 64K "$img"
durable blk-durable-sigkill 20 durable "$img" "$U" --block="$img" "$G/blk_flush.hvt"

# blk_batch MONITOR TAG: batched asynchronous requests (BLK_SUBMIT,
# BLK_REAP): round trips against a shadow, every bad request, read-only,
# and the ends of the guest.
blk_batch() {
    rm -f "$img"; truncate -s 4M "$img"
    check "$2-blk-batch-512" 0 'blk_batch ok' "$1" --block="$img" "$G/blk_batch.hvt"
    rm -f "$img"; truncate -s 4M "$img"
    check "$2-blk-batch-4096" 0 'blk_batch ok' "$1" --block="$img" --block-sector=4096 \
        "$G/blk_batch.hvt"
    check "$2-blk-batch-ro" 0 'batch ro ok' "$1" --block="$img" --block-ro "$G/blk_batch.hvt" ro
    rm -f "$img"; truncate -s 4M "$img"
    check_after "$2-blk-batch-bad-array" 123 '^submitting an array that leaves memory$' \
        'disk request array outside guest memory' "$1" --block="$img" "$G/blk_batch.hvt" badarray
    check_after "$2-blk-batch-bad-buffer" 123 '^submitting a buffer that leaves memory$' \
        'disk request 1: buffer outside guest memory' "$1" --block="$img" "$G/blk_batch.hvt" badbuf
    # The valid request before the bad one was not queued either.
    check_left "$2-blk-batch-bad-buffer-nothing-written" '^submitting a buffer' \
        "sector 0 was written" [ -z "$(blk_sector "$img" 0 512)" ]
}
each_monitor blk_batch

# Durability of batched writes: once the flush behind a write completed,
# SIGKILL loses nothing.
rm -f "$img"; truncate -s 64K "$img"
durable blk-batch-durable-sigkill 10 batched "$img" "$U" --block="$img" "$G/blk_batch.hvt" flush

# The kv example: a store that persists across runs.
kvi=$tmp/kv.img
rm -f "$kvi"; truncate -s 1M "$kvi"
check kv-put 0 '^ok$' "$U" --block="$kvi" "$K" put a 1
check kv-put-more 0 '^ok$' "$U" --block="$kvi" "$K" put b 2 put a 3
"$U" --block="$kvi" "$K" get a >"$tmp/out" 2>&1
got=$?
if [ $got -eq 0 ] && [ "$(cat "$tmp/out")" = 3 ]; then pass kv-get-latest; else fail kv-get-latest "exit $got"; fi
printf 'a\t3\nb\t2\n' >"$tmp/kv.want"
"$U" --block="$kvi" "$K" list >"$tmp/out" 2>&1
if cmp -s "$tmp/out" "$tmp/kv.want"; then pass kv-list; else fail kv-list "wrong listing"; fi
check kv-get-missing 1 "no key 'zz'" "$U" --block="$kvi" "$K" get zz
check kv-del 0 '^ok$' "$U" --block="$kvi" "$K" del b
"$U" --block="$kvi" "$K" list >"$tmp/out" 2>&1
if [ "$(cat "$tmp/out")" = "$(printf 'a\t3')" ]; then pass kv-list-after-del; else fail kv-list-after-del "wrong listing"; fi
check kv-read-only-get 0 '^3$' "$U" --block="$kvi" --block-ro "$K" get a
check kv-read-only-put 1 'the disk is attached read-only' "$U" --block="$kvi" --block-ro "$K" put c 4

# A torn tail (garbage in the last record) is ignored; the next put replaces it.
# Records a=1, b=2, a=3, del b: one 512-byte sector each; tear the fourth
# (its key, at byte 32), which brings b back.
printf 'z' | dd of="$kvi" bs=1 seek=$((3 * 512 + 32)) conv=notrunc 2>/dev/null
"$U" --block="$kvi" "$K" list >"$tmp/out" 2>&1
if cmp -s "$tmp/out" "$tmp/kv.want"; then pass kv-torn-tail; else fail kv-torn-tail "wrong listing"; fi
check kv-put-after-torn 0 '^ok$' "$U" --block="$kvi" "$K" put d 5
printf 'a\t3\nb\t2\nd\t5\n' >"$tmp/kv.want"
"$U" --block="$kvi" "$K" list >"$tmp/out" 2>&1
if cmp -s "$tmp/out" "$tmp/kv.want"; then pass kv-list-after-torn; else fail kv-list-after-torn "wrong listing"; fi

# SIGKILL in the middle of a stream of puts: every one acknowledged is kept.
rm -f "$kvi"; truncate -s 4M "$kvi"
set --
for i in $(seq 1 1500); do set -- "$@" put "k$i" "v$i"; done
# acked N: at least N puts acknowledged.
acked() { [ "$(grep -c '^ok$' "$tmp/kv.out")" -ge "$1" ]; }
bg_start "$tmp/kv.out" '^ok$' 20 "$U" --block="$kvi" "$K" "$@"
set --
wait_until 20 acked 20
bg_stop "$bg_pid" KILL
got=$bg_status
acked=$(grep -c '^ok$' "$tmp/kv.out")
"$U" --block="$kvi" "$K" list >"$tmp/out" 2>&1
if [ $got -eq 137 ] && [ "$acked" -ge 20 ] &&
    awk -F'\t' -v n="$acked" '{ v[$1] = $2 } END {
        for (i = 1; i <= n; i++) if (v["k" i] != "v" i) exit 1 }' "$tmp/out"; then
    pass "kv-sigkill-keeps-acked ($acked acknowledged, $(wc -l <"$tmp/out") kept)"
else
    fail kv-sigkill-keeps-acked "exit $got, $acked acknowledged, $(wc -l <"$tmp/out") listed"
fi
check kv-usable-after-sigkill 0 '^ok$' "$U" --block="$kvi" "$K" put after kill get after
rm -f "$kvi" "$img" "$tmp/kv.out" "$tmp/kv.want"

# The same store on a disk of 4096-byte sectors.
rm -f "$kvi"; truncate -s 64K "$kvi"
check kv-4096 0 '^x y$' "$U" --block="$kvi" --block-sector=4096 "$K" put k 'x y' get k
rm -f "$kvi"
