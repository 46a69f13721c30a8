#!/bin/sh
# A shell redirection as sysdig sees it: in a shell started after the
# capture began, `echo ... > FILE` opens FILE, saves stdout with fcntl
# F_DUPFD, dup2s the file onto fd 1 and writes there; `sysdig -r` must name
# the write's fd FILE (fd.name), which takes the clone (the shell's fd
# table), fcntl and dup events.
# scap-vm: needs sysdig
. /scap/lib.sh

target=/tmp/schema1-redirect
rm -f "$target"
trap stop_capture EXIT
start_capture /tmp/redirect.scap
# /bin/sh by path: busybox runs a bare applet name by exec'ing
# /proc/self/exe, which names the process "exe", not a shell.
# shellcheck disable=SC2016 # expanded by the inner shell
/bin/sh -c 'echo schema1-redirect > "$1"; true' sh "$target" || fail "the shell failed"
stop_capture
[ "$(cat "$target")" = schema1-redirect ] || fail "the shell did not write $target"
sysdig_read /tmp/redirect.txt /tmp/redirect.scap '%proc.name|%fd.num|%fd.name|%evt.rawres' \
	'evt.type=write and evt.dir=< and evt.buffer contains schema1-redirect'
cat /tmp/redirect.txt
expected="sh|1|$target|17"
[ "$(cat /tmp/redirect.txt)" = "$expected" ] ||
	fail "the redirected write shows \"$(tr '\n' ' ' < /tmp/redirect.txt)\", not \"$expected\" (proc.name|fd.num|fd.name|res)"
echo "sysdig -r names the redirected stdout of a shell started during the capture: $expected"
