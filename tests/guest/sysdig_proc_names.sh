#!/bin/sh
# sysdig -r of a capture names a process started during it: a shell
# started after the capture began runs support/schema1_workload, whose
# write to /dev/null must show its proc.name (the comm, 15 characters),
# proc.pname (the shell), proc.exe (argv[0]), proc.args and fd.name. That
# takes the clone and execve events (libsinsp learns of new processes only
# from them) and the fd table the child inherits.
# scap-vm: needs sysdig
. /scap/lib.sh

trap stop_capture EXIT
start_capture /tmp/names.scap
# /bin/sh by path: busybox runs a bare applet name by exec'ing
# /proc/self/exe, which names the process "exe", not a shell.
/bin/sh -c 'schema1_workload child 0 names-check; true' || fail "the shell or the workload failed"
stop_capture
sysdig_read /tmp/names.txt /tmp/names.scap '%proc.name|%proc.pname|%proc.exe|%proc.args|%fd.name' \
	'evt.type=write and evt.dir=< and evt.buffer contains schema1-child'
cat /tmp/names.txt
expected="schema1_workloa|sh|schema1_workload|child 0 names-check|/dev/null"
[ "$(cat /tmp/names.txt)" = "$expected" ] ||
	fail "the workload's write shows \"$(tr '\n' ' ' < /tmp/names.txt)\", not \"$expected\" (proc.name|proc.pname|proc.exe|proc.args|fd.name)"
echo "sysdig -r names the process started during the capture: $expected"
