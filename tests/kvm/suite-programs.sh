# suite-programs.sh: real programs built unchanged with uhvt-cc from Debian's sources (Lua, SQLite's shell) and musl's file readers, on ext4 images made with mkfs.ext4 -d (sourced by run-all).
# shellcheck shell=sh

# shellcheck source=tests/kvm/lib.sh
. tests/kvm/lib.sh
kvm_begin

P=$B/programs
PATH=$PATH:/sbin:/usr/sbin

# fsck_clean IMG: e2fsck -fn finds nothing to fix.
fsck_clean() { e2fsck -fn "$1" >/dev/null 2>&1; }

# Lua (root disk "root"): a script file that requires a module from Lua's
# default path on the image and writes its result to a file; debugfs reads
# the file back after the clean exit.
mkdir -p "$tmp/lua/usr/local/share/lua/5.4" "$tmp/lua/app"
cat >"$tmp/lua/usr/local/share/lua/5.4/squares.lua" <<'END'
local M = {}
function M.sum(n) local s = 0 for i = 1, n do s = s + i * i end return s end
return M
END
cat >"$tmp/lua/app/main.lua" <<'END'
local squares = require("squares")
local n = tonumber(arg[1])
local f = assert(io.open("/app/result.txt", "w"))
f:write("sum of squares to ", n, " = ", squares.sum(n), "\n")
assert(f:close())
print("lua wrote " .. squares.sum(n))
END
mkfs.ext4 -q -F -d "$tmp/lua" "$tmp/lua.img" 16M >/dev/null
check lua-script 0 '^lua wrote 333833500$' \
    "$U" --block:root="$tmp/lua.img" "$P/lua.hvt" /app/main.lua 1000
check_left lua-result-file '^lua wrote' "debugfs did not read the result" \
    sh -c "debugfs -R 'cat /app/result.txt' '$tmp/lua.img' 2>/dev/null |
        grep -qx 'sum of squares to 1000 = 333833500'"
check_left lua-fsck-clean '^lua wrote' "e2fsck -fn found problems" \
    fsck_clean "$tmp/lua.img"
# A module that is not on the image: Lua's own error, exit 1.
check_after lua-missing-module 1 '' "module 'nothere' not found" \
    "$U" --block:root="$tmp/lua.img" "$P/lua.hvt" -e 'require("nothere")'

# SQLite's shell (disk "disk" at /data, temporary files in the in-memory
# /tmp): 10,000 rows, close; a second run reopens the file and checks them,
# PRAGMA integrity_check, and a sort (a window's ORDER BY over 10,000 wide
# keys) far larger than a 10-page cache, which spills to temporary files.
mkdir -p "$tmp/sql/tmp"
cat >"$tmp/sql/create.sql" <<'END'
CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, s TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000)
INSERT INTO t SELECT i, i * 7919 % 1009, printf('row %08d', i) FROM c;
SELECT 'created', count(*), sum(v) FROM t;
END
cat >"$tmp/sql/check.sql" <<'END'
SELECT 'reopened', count(*), sum(v), sum(length(s)) FROM t;
PRAGMA integrity_check;
PRAGMA cache_size = 10;
PRAGMA temp_store = FILE;
SELECT 'sorted', count(*), sum(rn * id) FROM
  (SELECT id, row_number() OVER (ORDER BY printf('%0400d', v), id) AS rn FROM t);
END
mkfs.ext4 -q -F -d "$tmp/sql" "$tmp/sql.img" 32M >/dev/null
sum=$(awk 'BEGIN { for (i = 1; i <= 10000; i++) s += i * 7919 % 1009; print s }')
sorted=$(awk 'BEGIN { for (i = 1; i <= 10000; i++) print i * 7919 % 1009, i }' |
    sort -n -k1,1 -k2,2 | awk '{ s += NR * $2 } END { printf "%.0f", s }')
check sqlite-create 0 "^created\|10000\|$sum\$" \
    "$U" --block:disk="$tmp/sql.img" "$P/sqlite3.hvt" /data/t.db '.read /data/create.sql'
check_left sqlite-create-fsck-clean '^created' "e2fsck -fn found problems" \
    fsck_clean "$tmp/sql.img"
check_left sqlite-file-on-disk '^created' "no SQLite database at /t.db" \
    sh -c "debugfs -R 'cat /t.db' '$tmp/sql.img' 2>/dev/null | head -c 15 |
        grep -q 'SQLite format 3'"
check sqlite-reopen 0 "^reopened\|10000\|$sum\|120000\$" \
    "$U" --block:disk="$tmp/sql.img" "$P/sqlite3.hvt" /data/t.db '.read /data/check.sql'
check_left sqlite-integrity '^reopened' "integrity_check did not say ok" \
    grep -qx ok "$tmp/out"
check_left sqlite-sort-spills '^reopened' "the big sort's answer is wrong" \
    grep -qx "sorted|10000|$sorted" "$tmp/out"
check_left sqlite-reopen-fsck-clean '^reopened' "e2fsck -fn found problems" \
    fsck_clean "$tmp/sql.img"
# The sort does spill: with its temporary directory on the ext4 disk filled
# to its last 200 blocks, it fails for want of space where /tmp had room.
cp "$tmp/sql.img" "$tmp/full.img"
free=$(dumpe2fs -h "$tmp/full.img" 2>/dev/null | sed -n 's/^Free blocks: *//p')
bsize=$(dumpe2fs -h "$tmp/full.img" 2>/dev/null | sed -n 's/^Block size: *//p')
head -c $(((free - 200) * bsize)) /dev/urandom >"$tmp/filler"
debugfs -w -R "write $tmp/filler /filler" "$tmp/full.img" >/dev/null 2>&1
check_after sqlite-spill-to-full-disk 1 '^reopened' 'database or disk is full' \
    "$U" --env=SQLITE_TMPDIR=/data/tmp --block:disk="$tmp/full.img" "$P/sqlite3.hvt" \
    /data/t.db '.read /data/check.sql'
# The same disk filled by a named file: ENOSPC, and the image is
# consistent after the clean exit (a run of blocks allocated at once used
# to keep what it took when the disk ran out midway).
mkfs.ext4 -q -F "$tmp/fill.img" 4M >/dev/null
check disk-full-enospc 0 '^wrote [0-9]+ bytes, then No space left on device$' \
    "$U" --block:disk="$tmp/fill.img" "$G/mount_fill.hvt"
check_left disk-full-fsck-clean '^closed$' "e2fsck -fn found problems" \
    fsck_clean "$tmp/fill.img"

# musl's consumers (tests/guest/musl_files.c, root disk "root", read-only):
# /etc/hosts for getaddrinfo, /etc/passwd and /etc/group, a time zone from
# the host's tzdata, compared with the host's date(1).
mkdir -p "$tmp/etc/etc" "$tmp/etc/usr/share/zoneinfo/Europe"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.1.2.3 db.example db\n' \
    >"$tmp/etc/etc/hosts"
printf 'nameserver 192.0.2.53\noptions timeout:1 attempts:1\n' >"$tmp/etc/etc/resolv.conf"
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/lua\n' \
    >"$tmp/etc/etc/passwd"
printf 'root:x:0:\nstaff:x:1000:alice\n' >"$tmp/etc/etc/group"
cp /usr/share/zoneinfo/Europe/Paris "$tmp/etc/usr/share/zoneinfo/Europe/"
mkfs.ext4 -q -F -d "$tmp/etc" "$tmp/etc.img" 8M >/dev/null
M=$G/musl_files.hvt
check musl-localhost 0 '^resolve localhost: ::1 127\.0\.0\.1$' \
    "$U" --block:root="$tmp/etc.img" --block-ro "$M" localhost db.example db
check_left musl-etc-hosts '^resolve localhost' "db.example not from /etc/hosts" \
    grep -qx 'resolve db.example: 10.1.2.3' "$tmp/out"
check_left musl-hosts-alias '^resolve localhost' "the alias db not from /etc/hosts" \
    grep -qx 'resolve db: 10.1.2.3' "$tmp/out"
check_left musl-getpwuid '^resolve localhost' "getpwuid(1000) is not alice" \
    grep -qx 'user 1000: alice /home/alice /bin/lua' "$tmp/out"
check_left musl-getgrgid '^resolve localhost' "getgrgid(1000) is not staff" \
    grep -qx 'group 1000: staff' "$tmp/out"
check_left musl-no-user '^resolve localhost' "uid 4242 found" \
    grep -qx 'user 4242: none' "$tmp/out"
for t in 1704110400 1719835200; do
    want=$(TZ=Europe/Paris date -d "@$t" '+%F %T %Z')
    check "musl-tz-$t" 0 "^time $t: $want\$" \
        "$U" --env=TZ=Europe/Paris --block:root="$tmp/etc.img" --block-ro "$M"
done
# A zone the image lacks: musl falls back to UTC (so the one above came
# from the image's file).
check musl-tz-missing 0 '^time 1719835200: 2024-07-01 12:00:00 UTC$' \
    "$U" --env=TZ=Asia/Tokyo --block:root="$tmp/etc.img" --block-ro "$M"
