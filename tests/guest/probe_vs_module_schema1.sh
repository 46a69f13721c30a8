#!/bin/sh
# The process and fd-plumbing events of schema 1 from the module and from
# the probe, for two workloads each captured from both: this test's
# support/proc_fd_workload (chdir, getcwd, fchdir, pipe*, dup*, fcntl,
# eventfd*, signalfd*, timerfd_create, inotify_init*, creat, openat2,
# userfaultfd; clone, fork, vfork, clone3, a thread, execve, execveat, a
# failed execve, exits with a status and by a signal) and schema1_diff's
# support/schema1_workload (each of those in success and failure, and the
# I/O variants of read and write: pread64 ... copy_file_range; the
# socket syscalls over IPv4 and IPv6 TCP and UDP on the loopback and
# AF_UNIX stream and datagram sockets). `sysdig -r` prints those events
# the same, per thread, from the workload's exec on, once the values that
# differ between two runs are normalised: thread ids (mapped to their
# order of creation, which proc_fd_workload writes, or of first appearance
# in schema1_workload's process; others are X), page fault and memory
# counters (but whether vm_rss and vm_swap are 0), pipe inodes, ephemeral
# ports (32768..60999) and kernel addresses (AF_UNIX tuples, socketpair's
# source and peer).
# scap-vm: needs scap-probe probe.o sysdig
. /scap/lib.sh

fd_types="chdir getcwd fchdir pipe dup fcntl eventfd signalfd timerfd_create inotify_init creat openat2 userfaultfd"
net_types="socket bind connect listen accept socketpair shutdown sendto recvfrom sendmsg recvmsg \
sendmmsg recvmmsg getsockname getpeername setsockopt getsockopt"
# The I/O variants of read and write: schema1_workload's alone.
io_types="pread pwrite readv writev preadv pwritev lseek sendfile splice copy_file_range"
types="$fd_types $net_types $io_types clone vfork clone3 execve execveat procexit"
filter="evt.type in ($(echo "$types" | sed 's/ /, /g'))"
workdir=/tmp/probe_vs_module_schema1
trigger=/tmp/schema1_workload.trigger

# TIDS_FILE < sysdig lines > normalised lines, grouped by thread.
normalise() {
	awk -v tidsfile="$1" '
	BEGIN {
		n = 0
		while ((getline t < tidsfile) > 0)
			idx[t] = ++n
	}
	# A port of the ephemeral range (net.ipv4.ip_local_port_range) as E.
	function ports(f,    out, p) {
		out = ""
		while (match(f, /:[0-9]+/)) {
			p = substr(f, RSTART + 1, RLENGTH - 1) + 0
			out = out substr(f, 1, RSTART) (p >= 32768 && p <= 60999 ? "E" : p)
			f = substr(f, RSTART + RLENGTH)
		}
		return out f
	}
	function id(v,    num, rest) {
		num = v; sub(/[^0-9-].*/, "", num)
		rest = substr(v, length(num) + 1)
		if (num in idx)
			return "T" idx[num] rest
		# 0 (the child of a clone) and errors stay.
		return (num + 0 <= 0 ? num : "X") rest
	}
	!($1 in idx) { next }
	# The workload starts at its exec: before, it is the loader (scap-probe
	# record or capture, with their own arguments and fds).
	idx[$1] == 1 && !started {
		if ($2 != "execve" || $3 != "<" || $4 != "res=0")
			next
		started = 1
	}
	{
		t = idx[$1]
		line = "T" t
		clone = ($2 == "clone" || $2 == "fork" || $2 == "vfork" || $2 == "clone3")
		for (i = 2; i <= NF; i++) {
			f = $i
			split(f, kv, "=")
			k = kv[1]; v = substr(f, length(k) + 2)
			if (k == "tid" || k == "pid" || k == "ptid" || k == "vtid" ||
			    k == "vpid" || k == "pgid" || (k == "res" && clone))
				f = k "=" id(v)
			else if (k ~ /^(vm_rss|vm_swap)$/)
				# Whether 0 stays: a reader of the shared part of the rss
				# counters alone (6.2+) gives 0 for a small process.
				f = k "=" (v == "0" ? "0" : "N")
			else if (k ~ /^(pgft_maj|pgft_min|vm_size|ino)$/)
				f = k "=N"
			gsub(/pipe:\[[0-9]+\]/, "pipe:[N]", f)
			# Kernel addresses: unix_sock pointers (tuples, socketpair source and peer).
			gsub(/[fF][fF][fF][fF][0-9a-fA-F]+/, "K", f)
			f = ports(f)
			line = line " " f
		}
		out[t] = out[t] line "\n"
		if (t > max)
			max = t
	}
	END {
		for (t = 1; t <= max; t++)
			printf "%s", out[t]
	}'
}

# capture HOW WORKLOAD SCAP-PROBE-MODE...: /tmp/HOW-WORKLOAD.events
capture() {
	how=$1
	wl=$2
	shift 2
	rm -rf "$workdir"
	mkdir -p "$workdir" || fail "mkdir $workdir"
	# The same arguments in both runs: they are in the events.
	case $wl in
	proc_fd)
		set -- "$@" -w "/tmp/$how-$wl.scap" -- proc_fd_workload /tmp/proc_fd.tids "$workdir"
		;;
	schema1)
		# Its trigger: one byte to read, at once (a file, not a FIFO).
		echo g > "$trigger" || fail "cannot write $trigger"
		set -- "$@" -w "/tmp/$how-$wl.scap" -- schema1_workload "$trigger" "$workdir"
		;;
	esac
	scap-probe "$@" 2> "/tmp/$how-$wl.err" || fail "scap-probe $1 ($wl): $(cat "/tmp/$how-$wl.err")"
	# -v -s 8192: args, env and cgroups whole (not cut to 80 bytes).
	sysdig -v -s 8192 -r "/tmp/$how-$wl.scap" -p '%thread.tid %evt.type %evt.dir %evt.args' \
		"$filter" > "/tmp/$how-$wl.raw" 2> /tmp/sysdig.err ||
		fail "sysdig -r /tmp/$how-$wl.scap: $(cat /tmp/sysdig.err)"
	if [ "$wl" = proc_fd ]; then
		mv /tmp/proc_fd.tids "/tmp/$how-$wl.tids" || fail "proc_fd_workload wrote no tids"
	else
		# proc.name is the comm, cut to 15 characters.
		sysdig -r "/tmp/$how-$wl.scap" -p '%thread.tid' 'proc.name startswith schema1_work' \
			2> /tmp/sysdig.err > "/tmp/$how-$wl.tids.all" ||
			fail "sysdig -r /tmp/$how-$wl.scap: $(cat /tmp/sysdig.err)"
		awk '!seen[$1]++' "/tmp/$how-$wl.tids.all" > "/tmp/$how-$wl.tids"
	fi
	normalise "/tmp/$how-$wl.tids" < "/tmp/$how-$wl.raw" > "/tmp/$how-$wl.events" ||
		fail "normalising /tmp/$how-$wl.raw failed"
}

# The socket steps run on the loopback (up brings 127.0.0.1 and ::1).
ip link set lo up || fail "cannot bring the loopback up"
for wl in proc_fd schema1; do
	capture module "$wl" record
	capture probe "$wl" capture --probe "$SCAP_PROBE_OBJECT"
done

# The module's captures are the reference: every type there, none as GENERIC.
# (Failing that, the probe's events show what they would be compared with.)
for wl in proc_fd schema1; do
	generic=$(grep -c ' ID=' "/tmp/module-$wl.events")
	if [ "$generic" -ne 0 ]; then
		echo "the probe's events:"
		cat "/tmp/probe-$wl.events"
		fail "the module reports $generic of ${wl}_workload's events as GENERIC (it lacks them):" \
			"$(grep ' ID=' "/tmp/module-$wl.events" | cut -d' ' -f2 | sort -u | tr '\n' ' ')"
	fi
	for t in $types; do
		# proc_fd_workload makes no socket calls nor the I/O variants.
		case " $net_types $io_types " in
		*" $t "*) [ "$wl" = schema1 ] || continue ;;
		esac
		grep -Eq "^T[0-9]* $t [<>]( |$)" "/tmp/module-$wl.events" ||
			fail "the module capture has no $t event of ${wl}_workload"
	done
done
grep -q "^T[0-9]* procexit > status=768 ret=3 sig=0 core=0" /tmp/module-proc_fd.events ||
	fail "the module capture has no procexit of the child that exited with 3"
# Equal, but for events the kernel skipped: from 6.13 on the syscall
# tracepoints run the probe preemptible, and while a preempted instance
# holds its CPU the kernel skips the program for other tasks there (it
# counts them, scap-probe reports them; docs/probe.md). Those can only be
# missing from the probe's capture, and no more of them than skipped.
summary=""
for wl in proc_fd schema1; do
	note=""
	if ! diff -u "/tmp/module-$wl.events" "/tmp/probe-$wl.events" > "/tmp/$wl.diff"; then
		cat "/tmp/$wl.diff"
		extra=$(grep -c '^+[^+]' "/tmp/$wl.diff")
		missing=$(grep -c '^-[^-]' "/tmp/$wl.diff")
		skipped=$(sed -n 's/^scap-probe: warning: \([0-9]*\) events not captured.*/\1/p' \
			"/tmp/probe-$wl.err")
		if [ "$extra" -ne 0 ] || [ "$missing" -gt "${skipped:-0}" ]; then
			fail "sysdig -r prints the module's and the probe's events of ${wl}_workload" \
				"differently (diff above: - module, + probe; the kernel skipped the probe" \
				"${skipped:-0} times)"
		fi
		note=" ($missing missing, within the $skipped the kernel skipped)"
	fi
	summary="$summary${summary:+ and }$(wc -l < "/tmp/probe-$wl.events") events of ${wl}_workload's $(wc -l < "/tmp/probe-$wl.tids") threads$note"
done
echo "module and probe: sysdig -r prints the same $summary ($(echo "$types $io_types" | wc -w) event types)"
