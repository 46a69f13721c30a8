#!/bin/sh
# Debian's sysdig 0.29.3 reads the module's capture (scap-probe record) of
# support/fd_plumbing and names every fd the workload writes to, reads or
# closes through the fd-plumbing and cwd events: files created by relative
# paths after chdir and fchdir (creat, openat2), the fds dup, dup2, dup3
# and fcntl(F_DUPFD) made of them, and the types of pipe, eventfd,
# signalfd, timerfd and inotify fds. Without those events these fds have
# no name or type in sysdig.
# scap-vm: needs scap-probe sysdig
. /scap/lib.sh

dir=/tmp/fd_plumbing
capture=/tmp/fd_plumbing.scap
rm -rf "$dir"
mkdir -p "$dir/sub" || fail "cannot make $dir/sub"
scap-probe record -w "$capture" -- fd_plumbing "$dir" > /tmp/fd_plumbing.out 2> /tmp/fd_plumbing.err ||
	fail "scap-probe record (fd_plumbing): $(cat /tmp/fd_plumbing.err)"
pid=$(head -n1 /tmp/fd_plumbing.out)
[ -n "$pid" ] || fail "fd_plumbing printed no pid: $(cat /tmp/fd_plumbing.err)"

# The exits of the workload's writes, reads and closes: fd, type, name;
# from its first write on (before its exec, the pid was scap-probe's child
# closing its own fds).
sysdig -r "$capture" -p '%evt.type %fd.num %fd.typechar %fd.name' \
	"thread.tid=$pid and evt.dir=< and evt.type in (write, read, close) and fd.num>2" \
	> /tmp/fd_plumbing.all 2> /tmp/sysdig.err ||
	fail "sysdig -r $capture: $(cat /tmp/sysdig.err)"
sed -n '/^write 9 /,$p' /tmp/fd_plumbing.all > /tmp/fd_plumbing.events

cat > /tmp/fd_plumbing.want <<WANT
write 9 f $dir/created
write 11 f $dir/created
write 4 f $dir/created
close 4 f $dir/created
write 20 f $dir/created
close 9 f $dir/created
close 11 f $dir/created
close 20 f $dir/created
close 3 f $dir/created
write 4 f $dir/sub/openat2
close 4 f $dir/sub/openat2
close 3 d $dir/sub
write 4 p 
read 3 p 
close 3 p 
close 4 p 
write 3 e 
close 3 e 
close 3 s 
close 3 t 
close 3 i 
WANT
diff -u /tmp/fd_plumbing.want /tmp/fd_plumbing.events ||
	fail "sysdig names the workload's fds otherwise (diff above: - wanted, + sysdig)"
echo "sysdig -r names the $(wc -l < /tmp/fd_plumbing.events) writes, reads and closes of fds made by creat/openat2 after chdir/fchdir, dup, dup2, dup3, fcntl, pipe, eventfd, signalfd, timerfd, inotify"
