# suite-snapshot.sh: snapshot at the ready point, restore: state kept, clocks moved on, fresh entropy, httpd answering, hostile files refused.
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

S=$G/snap_counter.hvt
E=$G/snap_env.hvt
sd=$tmp # the snapshots (O_TMPFILE, or named temporaries where it is missing)
snap=$sd/counter.snap

# field_of NAME FILE: the value of NAME=... in the guest's line in FILE.
field_of() { sed -n "s/.*snapshot=.* $1=\([^ ]*\).*/\1/p" "$2" | head -n 1; }

# patched NAME OFFSET BYTES: a copy of $snap with BYTES (printf's escapes)
# written at OFFSET, as $tmp/NAME.
patched() {
    cp "$snap" "$tmp/$1"
    # shellcheck disable=SC2059 # the bytes are printf's escapes on purpose
    printf "$3" | dd of="$tmp/$1" bs=1 seek="$2" conv=notrunc status=none
}

# ---- the counter guest: state, clocks, entropy ----
check_after snap-take 0 '^ready counter=41 argc=1$' \
    'snapshot written to .*counter\.snap \([0-9]+ pages in [0-9]+ runs\)' \
    "$U" --snapshot="$snap" "$S"
if [ -s "$snap" ]; then
    pass "snap-file ($(wc -c <"$snap") bytes)"
else
    fail snap-file "no snapshot file"
fi

# A second passes between the snapshot and the restores: the monotonic
# clock resumes and jumps by it, the wall clock is the host's again.
sleep 1
before=$(date +%s)
check snap-restore 0 '^snapshot=1 counter=42 ' "$U" --restore="$snap" "$S"
cp "$tmp/out" "$tmp/r1"
mono=$(field_of mono_ms "$tmp/r1")
wall=$(field_of wall_s "$tmp/r1")
cp "$tmp/r1" "$tmp/out"
if [ -n "$mono" ] && [ "$mono" -ge 1000 ] && [ "$mono" -lt 60000 ]; then
    pass "snap-monotonic-jumps (${mono} ms across the snapshot)"
else
    fail snap-monotonic-jumps "monotonic time across the snapshot: '$mono' ms, want >= 1000"
fi
if [ -n "$wall" ] && [ "$wall" -ge "$before" ] && [ "$wall" -le $((before + 60)) ]; then
    pass snap-wall-clock-now
else
    fail snap-wall-clock-now "guest wall clock $wall, host $before"
fi
check snap-restore-again 0 '^snapshot=1 counter=42 ' "$U" --restore="$snap" "$S"
r1=$(field_of random "$tmp/r1")
r2=$(field_of random "$tmp/out")
if [ -n "$r1" ] && [ -n "$r2" ] && [ "$r1" != "$r2" ]; then
    pass snap-fresh-entropy
else
    fail snap-fresh-entropy "two restores drew '$r1' and '$r2'"
fi
check_after snap-continue 10 '^ready counter=41' '^snapshot=0 counter=42 ' \
    "$U" --snapshot="$sd/c.snap" --snapshot-continue "$S"
check_after snap-not-asked 11 '^ready counter=41' '^snapshot=-4 counter=42 ' "$U" "$S"
check snap-unwritable 125 "snapshot=$tmp/no/such/x.snap: No such file" \
    "$U" --snapshot="$tmp/no/such/x.snap" "$S"
# A symlink (planted in a shared directory) is not followed: its target,
# which the run could otherwise truncate, keeps its bytes.
echo keep >"$tmp/victim"
ln -sf "$tmp/victim" "$tmp/link.snap"
check snap-symlink-refused 125 "snapshot=$tmp/link\.snap: Too many levels of symbolic links" \
    "$U" --snapshot="$tmp/link.snap" "$S"
if [ "$(cat "$tmp/victim")" != keep ]; then
    fail snap-symlink-target-kept "the symlink's target was truncated"
fi
check snap-directory-refused 125 "snapshot=$sd: Is a directory" "$U" --snapshot="$sd" "$S"

# ---- the file appears whole or not at all ----
# A run that ends before its ready point (the guest exits, or faults,
# having said it got that far) leaves an earlier snapshot byte for byte.
kept=$sd/kept.snap
cp "$snap" "$kept"
# snap_kept NAME: $kept is still $snap's bytes.
snap_kept() {
    if cmp -s "$snap" "$kept"; then
        pass "$1"
    else
        fail "$1" "the earlier snapshot changed"
    fi
}
check_after snap-file-kept-exit 7 '^before the ready point: exit$' '' \
    "$U" --snapshot="$kept" "$E" exit
snap_kept snap-file-kept-exit-bytes
check_after snap-file-kept-fault 122 '^before the ready point: fault$' '#PF page fault' \
    "$U" --snapshot="$kept" "$E" fault
snap_kept snap-file-kept-fault-bytes
ls -A "$sd" >"$tmp/out"
if grep -q '\.uhvt-' "$tmp/out"; then
    fail snap-file-ended-no-temporary "a run that ended early left a temporary name"
else
    pass snap-file-ended-no-temporary
fi
check snap-file-kept-restores 0 '^snapshot=1 counter=42 ' "$U" --restore="$kept" "$S"
# One that reaches it replaces it whole: now it is snap_env's snapshot.
check_after snap-file-replaced 0 '^ready KEEP=old CHANGE=old NEW=- HOME=/ count=4$' \
    'snapshot written to .*kept\.snap' \
    "$U" --env=KEEP=old --env=CHANGE=old --snapshot="$kept" "$E"
if cmp -s "$snap" "$kept"; then
    fail snap-file-replaced-bytes "the file is the earlier snapshot still"
else
    pass snap-file-replaced-bytes
fi
ls -A "$sd" >"$tmp/out"
if grep -q '\.uhvt-' "$tmp/out"; then
    fail snap-file-no-temporary "a temporary name was left behind"
else
    pass snap-file-no-temporary
fi

# ---- a restore's --env: set as setenv would, the rest the snapshot's ----
check snap-env-restored 0 '^restored KEEP=old CHANGE=new NEW=added HOME=/ count=5$' \
    "$U" --restore="$kept" --env=CHANGE=new --env=NEW=added "$E"
check snap-env-unchanged 0 '^restored KEEP=old CHANGE=old NEW=- HOME=/ count=4$' \
    "$U" --restore="$kept" "$E"
# A restore woken inside a system call (--snapshot-idle) sets them too.
check_after snap-env-idle-take 0 '^waiting KEEP=old CHANGE=- NEW=- HOME=/ count=3$' \
    'snapshot written to .*idle-env\.snap' \
    "$U" --env=KEEP=old --snapshot="$sd/idle-env.snap" --snapshot-idle "$E" idle
check snap-env-idle-restored 0 '^woke KEEP=old CHANGE=new NEW=- HOME=/ count=4$' \
    "$U" --restore="$sd/idle-env.snap" --env=CHANGE=new "$E"
# The last of one KEY wins; KEY alone is the host's value, left out unset.
check snap-env-host 0 '^restored KEEP=host CHANGE=2 NEW=- HOME=/ count=4$' \
    env KEEP=host "$U" --restore="$kept" --env=CHANGE=1 --env=CHANGE=2 --env=KEEP \
    --env=UHVT_SNAP_UNSET_VAR "$E"

# A signal handler installed before the ready point: the restored instance
# registers it with its own monitor, which forwards SIGTERM to it.
check_after snap-signal-take 0 '^ready$' 'snapshot written' \
    "$U" --snapshot="$sd/sig.snap" "$G/snap_signal.hvt"
if bg_start "$tmp/sig.log" '^restored$' 30 "$U" --restore="$sd/sig.snap" \
    "$G/snap_signal.hvt"; then
    bg_stop "$bg_pid" TERM
    cp "$tmp/sig.log" "$tmp/out"
    if [ "$bg_status" -eq 0 ] && grep -q '^handler ran for signal 15$' "$tmp/sig.log"; then
        pass snap-signal-handler-restored
    else
        fail snap-signal-handler-restored "exit $bg_status, or no handler output"
    fi
else
    cp "$tmp/sig.log" "$tmp/out"
    fail snap-signal-handler-restored "the restored guest never printed /^restored$/"
fi

# ---- --snapshot-idle: a program that never calls uhvt_snapshot() is
# snapshotted at its first wait, and resumes from inside it ----
W=$G/snap_wait.hvt
check_after snap-idle-take 0 '^waiting counter=41$' \
    'snapshot written to .*wait\.snap' "$U" --snapshot="$sd/wait.snap" --snapshot-idle "$W"
if grep -q '^woke' "$tmp/out"; then
    fail snap-idle-at-first-wait "the guest ran past its first wait"
else
    pass snap-idle-at-first-wait
fi
check snap-idle-restore 0 '^woke counter=42 before=[0-9a-f]{4} random=' \
    "$U" --restore="$sd/wait.snap" "$W"
cp "$tmp/out" "$tmp/w1"
check snap-idle-restore-again 0 '^woke counter=42 ' "$U" --restore="$sd/wait.snap" "$W"
w1=$(sed -n 's/^woke .* random=//p' "$tmp/w1")
w2=$(sed -n 's/^woke .* random=//p' "$tmp/out")
# Drawn before the snapshot: shared by its instances (docs/security.md).
b1=$(sed -n 's/^woke .* before=\([0-9a-f]*\) .*/\1/p' "$tmp/w1")
b2=$(sed -n 's/^woke .* before=\([0-9a-f]*\) .*/\1/p' "$tmp/out")
if grep -q '^waiting' "$tmp/w1" "$tmp/out"; then
    fail snap-idle-resumed "a restore booted the program again"
elif [ -n "$w1" ] && [ "$w1" != "$w2" ] && [ -n "$b1" ] && [ "$b1" = "$b2" ]; then
    pass snap-idle-resumed
else
    fail snap-idle-resumed "restores drew '$w1' and '$w2' after, '$b1' and '$b2' before"
fi
check snap-idle-needs-snapshot 125 'snapshot-idle needs --snapshot=FILE' "$U" --snapshot-idle "$W"

# ---- hostile and mismatched files: refused by name, before the guest runs;
# the unchanged file restored just above proves the monitor gets that far ----
snap_refused() {
    sr_name=$1 sr_pattern=$2
    shift 2
    check "snap-refuses-$sr_name" 125 "$sr_pattern" "$@"
    if grep -Eq '^(snapshot=|restored )' "$tmp/out"; then
        fail "snap-refuses-$sr_name-guest" "the guest ran"
    fi
}
patched magic 0 'X'
snap_refused magic 'restore=[^ ]*: not a uhvt snapshot \(bad magic\)' "$U" --restore="$tmp/magic" "$S"
head -c 3000 "$snap" >"$tmp/short"
snap_refused truncated 'restore=[^ ]*: file is [0-9]+ bytes, its header says [0-9]+ \(truncated or extended' "$U" --restore="$tmp/short" "$S"
cp "$snap" "$tmp/long" && echo x >>"$tmp/long"
snap_refused extended 'restore=[^ ]*: file is [0-9]+ bytes, its header says [0-9]+ \(truncated or extended' "$U" --restore="$tmp/long" "$S"
# struct snapfile_header: monitor at 16, kvm_kind at 36, mem_size at 56,
# nruns at 112 (monitor/snapfile.h).
patched version 16 '9.9'
snap_refused version 'restore=[^ ]*: taken by uhvt 9\.9' "$U" --restore="$tmp/version" "$S"
kind=$(od -An -tu4 -j36 -N4 "$snap" | tr -d ' ')
if [ "$kind" = 2 ]; then patched kind 36 '\001'; else patched kind 36 '\002'; fi
snap_refused kvm-kind 'restore=[^ ]*: taken on (hardware|PVM) KVM; this host.s is' \
    "$U" --restore="$tmp/kind" "$S"
patched memsize 56 '\001'
snap_refused mem-size 'restore=[^ ]*: guest memory size [0-9]+ is not 4M' "$U" --restore="$tmp/memsize" "$S"
patched nruns 112 '\377\377\377\000'
snap_refused runs 'restore=[^ ]*: run table' "$U" --restore="$tmp/nruns" "$S"
# vCPU state KVM would take and then fail to enter (126, the host's fault
# in the report): the file's. rflags is at 136 in struct kvm_regs, at
# vcpu_offset (header offset 88); its byte 2 = 2 sets VM (virtual-8086).
vcpu_at=$(od -An -tu8 -j88 -N8 "$snap" | tr -d ' ')
patched rflags $((vcpu_at + 138)) '\002'
snap_refused vcpu-rflags 'restore=[^ ]*: vCPU flags 0x[0-9a-f]*2[0-9a-f]{4} are not a 64-bit guest' \
    "$U" --restore="$tmp/rflags" "$S"
snap_refused other-image 'restore=[^ ]*: taken of another image' "$U" --restore="$snap" "$G/argv.hvt"
# The image's identity is its build ID (uhvt-cc links one), or, without one,
# all its bytes: one byte changed, the size the same, is another image.
cp "$S" "$tmp/other-id.hvt"
id_at=$(LC_ALL=C grep -obUaP 'GNU\x00' "$S" | head -n 1 | cut -d: -f1)
printf 'X' | dd of="$tmp/other-id.hvt" bs=1 seek=$((id_at + 4)) conv=notrunc status=none
snap_refused other-build-id 'restore=[^ ]*: taken of another image' \
    "$U" --restore="$snap" "$tmp/other-id.hvt"
N=$G/snap_counter_noid.hvt
check_after snap-noid-take 0 '^ready counter=41 argc=1$' 'snapshot written to' \
    "$U" --snapshot="$sd/noid.snap" "$N"
check snap-noid-restore 0 '^snapshot=1 counter=42 ' "$U" --restore="$sd/noid.snap" "$N"
cp "$N" "$tmp/noid-other.hvt"
printf 'X' | dd of="$tmp/noid-other.hvt" bs=1 seek=$(($(wc -c <"$N") - 1)) conv=notrunc status=none
snap_refused noid-other-bytes 'restore=[^ ]*: taken of another image' \
    "$U" --restore="$sd/noid.snap" "$tmp/noid-other.hvt"
snap_refused not-a-file 'restore=[^ ]*: not a regular file' "$U" --restore="$tmp" "$S"
# A restore's --env that does not fit the room the runtime left: refused,
# not silently dropped.
big=$(head -c 3000 /dev/zero | tr '\0' x)
snap_refused env-room '--env=B=x+: the restored guest has room for [0-9]+ bytes' \
    "$U" --restore="$kept" --env=A="$big" --env=B="$big" "$E"
check snap-refuses-san 125 'bad magic' "$B/uhvt-san" --restore="$tmp/magic" "$S"
# Solo5 images have no ready point (docs/solo5.md).
check snap-refuses-solo5 125 'snapshot: .*hello\.hvt is a Solo5 image' \
    "$U" --snapshot="$tmp/s5.snap" "$B/tests/solo5/hello.hvt"
check snap-refuses-solo5-restore 125 'restore: .*hello\.hvt is a Solo5 image' \
    "$U" --restore="$snap" "$B/tests/solo5/hello.hvt"

# ---- httpd: snapshot listening, restored elsewhere with another address ----
snap_tap() {
    if ip link show "$1" >/dev/null 2>&1; then
        echo "$1 exists already; not touching it" >"$tmp/out"
        return 1
    fi
    snap_links="$1 $snap_links"
    ip tuntap add "$1" mode tap >"$tmp/out" 2>&1 &&
        { echo 1 >"/proc/sys/net/ipv6/conf/$1/disable_ipv6"; } 2>/dev/null &&
        ip addr add "$2" dev "$1" >>"$tmp/out" 2>&1 &&
        ip link set "$1" up >>"$tmp/out" 2>&1
}
snap_links=
snap_cleanup() { for l in $snap_links; do ip link del "$l" 2>/dev/null; done; }
kvm_at_exit snap_cleanup

H=$B/examples/httpd.hvt
if [ "$(id -u)" -ne 0 ] || ! command -v curl >/dev/null 2>&1; then
    : >"$tmp/out"
    fail snap-httpd "needs root (taps) and curl"
elif ! snap_tap uhvtsn0 10.78.60.1/24 || ! snap_tap uhvtsn1 10.78.61.1/24; then
    fail snap-httpd-setup "cannot create taps uhvtsn0 and uhvtsn1"
else
    check_after snap-httpd-take 0 '^httpd: listening on port 80, ready$' 'snapshot written' \
        "$U" --net=uhvtsn0 --snapshot="$sd/httpd.snap" "$H" --ipv4=10.78.60.2/24
    # Restored on another tap, in another subnet (--ipv4 of the restore).
    if bg_start "$tmp/h1.log" 'httpd: restored' 30 "$U" --net=uhvtsn1 \
        --restore="$sd/httpd.snap" "$H" --ipv4=10.78.61.2/24; then
        h1=$bg_pid
        check snap-httpd-answers 0 'Hello from httpd' \
            curl -fsS --max-time 10 http://10.78.61.2/
        # A second instance of the same file, on the snapshot's own tap.
        if bg_start "$tmp/h2.log" 'httpd: restored' 30 "$U" --net=uhvtsn0 \
            --restore="$sd/httpd.snap" "$H" --ipv4=10.78.60.3/24; then
            h2=$bg_pid
            check snap-httpd-second 0 '^ok$' curl -fsS --max-time 10 http://10.78.60.3/health
            check snap-httpd-first-still 0 '^ok$' curl -fsS --max-time 10 \
                http://10.78.61.2/health
            check_stop snap-httpd-second-sigterm "$h2" "$tmp/h2.log"
        else
            cp "$tmp/h2.log" "$tmp/out"
            fail snap-httpd-second "the second restore did not start"
        fi
        check_stop snap-httpd-sigterm "$h1" "$tmp/h1.log"
    else
        cp "$tmp/h1.log" "$tmp/out"
        fail snap-httpd-restore "the restored httpd did not start"
    fi
    # The manifest's NIC must be attached on the restore's command line too.
    snap_refused httpd-no-nic "declares NIC 'net0' but no --net:net0" \
        "$U" --restore="$sd/httpd.snap" "$H"
    snap_refused httpd-other-image 'restore=[^ ]*: taken of another image' \
        "$U" --net=uhvtsn1 --restore="$sd/httpd.snap" "$B/examples/udp-echo.hvt"
fi
