#!/bin/sh
# The differential test of schema 1's process, fd, I/O and socket events:
# one workload (support/schema1_workload: clone, fork, vfork, clone3,
# execve, execveat, procexit; dup/dup2/dup3, pipe/pipe2, fcntl, eventfd(2),
# signalfd(4), timerfd_create, inotify_init(1), creat, openat2,
# userfaultfd, chdir, fchdir, getcwd; pread64, pwrite64, readv, writev,
# preadv, pwritev, lseek, sendfile, splice, copy_file_range; the socket
# calls over IPv4 and IPv6 TCP and UDP on the loopback, AF_UNIX stream and
# datagram sockets and socketpair; each in success and failure; and
# writes that fail or fall short with a valid buffer, on open fds: EBADF,
# EPIPE, ENOSPC, EFBIG, a short write, a count past 4 GiB, a NULL buffer,
# whose exits carry the buffer passed in the peer's capture) captured
# with `sysdig -w` from the peer driver (Debian 12's falcosecurity-scap-dkms, built for this
# kernel: artefact peer-module) and from ours, one after the other in this
# boot (both modules are named scap: insmod the peer, capture, rmmod,
# insmod ours, capture). `sysdig -r` prints the workload's process tree
# (proc.pid or proc.apid the workload's pid), and the two printouts must
# be the same, event type by event type, after normalising only what
# legitimately differs between two runs:
#   - thread ids, pids and the clone family's child tid (res) are mapped to
#     #1, #2, #3... by order of first appearance, not blanked, so that a
#     wrong ptid or pid still shows;
#   - pgft_maj, pgft_min, vm_size, vm_rss, vm_swap (page-fault and memory
#     counters) become *; a pipe's ino and pipe:[ino] names become *;
#   - ephemeral ports (32768 and up) in socket tuples and names, and the
#     kernel addresses of AF_UNIX sockets (tuples, socketpair's source and
#     peer) are mapped to P1, P2... and K1, K2... by first appearance, so
#     that a wrong port or a wrong pairing of two sockets still shows; an
#     address is a socket's only until the socket is freed, and the slab
#     hands a freed socket's address to a later socket in one run and not
#     in another, so the addresses seen so far are forgotten at each
#     event that may free a socket (the exit of a close of an AF_UNIX fd,
#     procexit): an address seen again is a new K;
#   - timestamps, evt.num and the CPU are not printed.
# Each thread's events are compared in order, threads in order of first
# appearance (the workload runs one process or thread at a time; the two
# CPUs only change how threads interleave).
# Compared: the event types named in COMPARED (the syscalls of the issue,
# a dedicated event in the peer, possibly generic in ours, plus the
# openat/read/write/close the workload makes on its files). Not compared:
# what later waves implement (brk, mmap, ..., which glibc's start-up makes),
# and switch and signaldeliver, which only the peer emits by default.
# Two captures with the peer are compared first, as a control of the
# normalisation. The test prints how many event types matched; any
# difference fails it with the diff (- peer, + ours).
# scap-vm: needs sysdig peer-module
. /scap/lib.sh

COMPARED="clone fork vfork clone3 execve execveat procexit dup dup2 dup3 pipe pipe2 fcntl
	eventfd eventfd2 signalfd signalfd4 timerfd_create inotify_init inotify_init1 creat
	openat2 userfaultfd chdir fchdir getcwd openat read write close
	pread pwrite readv writev preadv pwritev lseek sendfile splice copy_file_range
	socket bind connect listen accept accept4 socketpair shutdown sendto recvfrom sendmsg
	recvmsg sendmmsg recvmmsg getsockname getpeername setsockopt getsockopt"
# The peer's capture must show each of these, or the workload did not run
# what it should (peer event names: dup2/dup3 are dup events, pipe2 pipe,
# accept4 accept...).
REQUIRED="clone fork vfork clone3 execve execveat procexit dup pipe fcntl eventfd signalfd
	timerfd_create inotify_init creat openat2 userfaultfd chdir fchdir getcwd
	pread pwrite readv writev preadv pwritev lseek sendfile splice copy_file_range
	socket bind connect listen accept socketpair shutdown sendto recvfrom sendmsg recvmsg
	sendmmsg recvmmsg getsockname getpeername setsockopt getsockopt"
FORMAT='*%evt.type %evt.dir %thread.tid %proc.pid %proc.ppid %proc.name %fd.name %evt.args'

dir=/tmp/schema1
trigger=$dir/trigger

restore_ours() {
	stop_capture
	rmmod "$SCAP_MODULE" 2> /dev/null
	insmod "$SCAP_KO" 2> /dev/null
}
trap restore_ours EXIT

load() { # KO
	if loaded; then
		rmmod "$SCAP_MODULE" || fail "rmmod $SCAP_MODULE before loading $1"
	fi
	insmod "$1" 2> /tmp/insmod.err || fail "insmod $1: $(cat /tmp/insmod.err)"
}

# capture NAME KO: the workload under `sysdig -w /tmp/NAME.scap` with the
# module KO loaded; then /tmp/NAME.txt, its process tree's compared events
# normalised, one per line, grouped by thread.
capture() {
	name=$1
	load "$2"
	rm -rf "$dir"
	mkdir -p "$dir/work" || fail "cannot make $dir/work"
	mkfifo "$trigger" || fail "cannot make the FIFO $trigger"
	schema1_workload "$trigger" "$dir/work" 2> "/tmp/$name.workload.err" &
	workload=$!
	# Started once the workload sleeps in its read of the trigger, the
	# capture has none of its events before the read's exit in any run.
	tries=0
	until [ "$(readlink "/proc/$workload/fd/3")" = "$trigger" ] &&
		grep -q '^State:.*(sleeping)' "/proc/$workload/status"; do
		kill -0 "$workload" 2> /dev/null ||
			fail "the workload exited before the trigger: $(cat "/tmp/$name.workload.err")"
		[ "$tries" -lt 300 ] || fail "the workload did not wait for its trigger within 30 s"
		usleep 100000
		tries=$((tries + 1))
	done
	start_capture "/tmp/$name.scap"
	echo g > "$trigger"
	wait "$workload"
	status=$?
	stop_capture
	[ "$status" -eq 0 ] ||
		fail "the workload failed under the $name driver (exit $status): $(cat "/tmp/$name.workload.err")"
	sysdig -r "/tmp/$name.scap" -p "$FORMAT" "proc.pid=$workload or proc.apid=$workload" \
		> "/tmp/$name.raw" 2> /tmp/sysdig.err ||
		fail "sysdig -r /tmp/$name.scap: $(tail -n1 /tmp/sysdig.err)"
	normalise "/tmp/$name.lines" < "/tmp/$name.raw" > "/tmp/$name.txt"
}

# normalise RAW_OUT: stdin's compared events normalised, one per line in
# the order of the comparison; RAW_OUT gets their raw lines in the same
# order (line N of one is line N of the other), to show a difference's
# values. Field 1 type, 2 direction, 3 tid, 4 pid, 5 ppid, then names and
# args.
normalise() {
	awk -v compared="$COMPARED" -v raw_out="$1.unsorted" '
	BEGIN {
		n = split(compared, list, /[ \t\n]+/)
		for (i = 1; i <= n; i++)
			keep[list[i]] = 1
		next_id = 0
		kernel_address = "(0x)?[fF][fF][fF][fF]"
		for (i = 0; i < 12; i++)
			kernel_address = kernel_address "[0-9a-fA-F]"
	}
	function id(v) {
		if (v !~ /^[0-9]+$/ || v == 0)
			return v
		if (!(v in ids))
			ids[v] = ++next_id
		return "#" ids[v]
	}
	# "NAME=123" or "NAME=123(comm)": the number mapped.
	function map_arg(field, name,    value, rest) {
		value = substr(field, length(name) + 2)
		rest = ""
		if (match(value, /\(/)) {
			rest = substr(value, RSTART)
			value = substr(value, 1, RSTART - 1)
		}
		return name "=" id(value) rest
	}
	# Ephemeral ports (32768 and up: five digits after an address and a
	# colon) and the kernel addresses of AF_UNIX sockets ("ffff" and 12
	# hex digits: lower case in tuples, upper case in the source and
	# peer of socketpair) differ between runs: mapped to P1, P2... and
	# K1, K2... by first appearance, as the ids, an address in either
	# case to the same K (until forget_kaddrs).
	function sockets(s,    out, v) {
		out = ""
		while (match(s, /:[0-9][0-9][0-9][0-9][0-9]([^0-9]|$)/)) {
			v = substr(s, RSTART + 1, 5)
			out = out substr(s, 1, RSTART)
			if (v + 0 >= 32768) {
				if (!(v in ports))
					ports[v] = ++next_port
				v = "P" ports[v]
			}
			out = out v
			s = substr(s, RSTART + 6)
		}
		s = out s
		out = ""
		while (match(s, kernel_address)) {
			v = tolower(substr(s, RSTART, RLENGTH))
			sub(/^0x/, "", v)
			if (!(v in kaddrs))
				kaddrs[v] = ++next_kaddr
			out = out substr(s, 1, RSTART - 1) "K" kaddrs[v]
			s = substr(s, RSTART + RLENGTH)
		}
		return out s
	}
	# Once a socket may have been freed, a later socket may have its
	# address: the numbers go on from the last, no address keeps its K.
	function forget_kaddrs(    v) {
		for (v in kaddrs)
			delete kaddrs[v]
	}
	$1 in keep {
		raw = $0
		clone_exit = $2 == "<" && ($1 == "clone" || $1 == "fork" || $1 == "vfork" || $1 == "clone3")
		tid = id($3)
		$3 = tid
		$4 = id($4)
		$5 = id($5)
		for (i = 6; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] ~ /^(tid|pid|ptid|vtid|vpid|pgid)$/ || (clone_exit && kv[1] == "res"))
				$i = map_arg($i, kv[1])
			else if (kv[1] ~ /^(pgft_maj|pgft_min|vm_size|vm_rss|vm_swap|ino)$/)
				$i = kv[1] "=*"
			gsub(/pipe:\[[0-9]+\]/, "pipe:[*]", $i)
		}
		$0 = sockets($0)
		# Forgotten after the exit of a close whose entry names an
		# AF_UNIX fd ("<u>"): the exit shows the name of the fd too,
		# numbered as in the entry.
		if ($1 == "close" && $2 == ">")
			unix_close[tid] = $0 ~ / fd=[0-9]+\(<u>/
		else if (($1 == "close" && $2 == "<" && unix_close[tid]) || $1 == "procexit")
			forget_kaddrs()
		if (!(tid in order))
			order[tid] = ++threads
		printf "%06d %06d %s\n", order[tid], ++seq, $0
		printf "%06d %06d %s\n", order[tid], seq, raw > raw_out
	}' | sort | cut -d' ' -f3-
	sort "$1.unsorted" | cut -d' ' -f3- > "$1"
}

# raw_values A B TYPE: the raw lines of the first events of TYPE ("type
# dir") whose normalised lines differ between A and B, pairing the Nth
# event of TYPE in one with the Nth in the other.
raw_values() {
	for side in "$1" "$2"; do
		awk -v type="$3 " 'NR == FNR { if (index($0, type) == 1) pick[FNR] = 1; next }
			FNR in pick' "/tmp/$side.txt" "/tmp/$side.lines" > "/tmp/type.$side.lines"
	done
	awk -v a="$1" -v b="$2" '
	FILENAME == ARGV[1] { na = FNR; norm_a[FNR] = $0; next }
	FILENAME == ARGV[2] { nb = FNR; norm_b[FNR] = $0; next }
	FILENAME == ARGV[3] { raw_a[FNR] = $0; next }
	{ raw_b[FNR] = $0 }
	END {
		n = na > nb ? na : nb
		for (i = 1; i <= n && shown < 4; i++) {
			if (i <= na && i <= nb && norm_a[i] == norm_b[i])
				continue
			printf "    event %d of the type, raw:\n", i
			printf "      %s: %s\n", a, i <= na ? raw_a[i] : "(none)"
			printf "      %s: %s\n", b, i <= nb ? raw_b[i] : "(none)"
			shown++
		}
	}' "/tmp/type.$1" "/tmp/type.$2" "/tmp/type.$1.lines" "/tmp/type.$2.lines"
}

# compare A B: sets matched, total and differ (the event types, type and
# direction, whose events differ) and prints the differences (- A, + B).
compare() {
	types=$(cat "/tmp/$1.txt" "/tmp/$2.txt" | cut -d' ' -f1,2 | sort -u | tr ' ' '_')
	matched=0
	differ=""
	for type in $types; do
		pattern="^$(echo "$type" | tr '_' ' ') "
		grep "$pattern" "/tmp/$1.txt" > "/tmp/type.$1"
		grep "$pattern" "/tmp/$2.txt" > "/tmp/type.$2"
		if cmp -s "/tmp/type.$1" "/tmp/type.$2"; then
			matched=$((matched + 1))
		else
			differ="$differ $(echo "$type" | tr '_' ' ')"
			echo "--- $(echo "$type" | tr '_' ' '): $(wc -l < "/tmp/type.$1") events in $1, $(wc -l < "/tmp/type.$2") in $2"
			diff -u "/tmp/type.$1" "/tmp/type.$2" | tail -n +3 | head -n 40
			raw_values "$1" "$2" "$(echo "$type" | tr '_' ' ')"
		fi
	done
	total=$(echo "$types" | wc -w)
}

# The socket steps talk over the loopback, IPv4 and IPv6.
ip link set lo up || fail "cannot bring the loopback interface up"
ip -6 addr show dev lo | grep -q '::1/128' ||
	fail "the loopback has no ::1 (IPv6 in this kernel?): $(ip addr show dev lo | tr '\n' ' ')"

capture peer "$SCAP_PEER_KO"
missing=""
for type in $REQUIRED; do
	grep -q "^$type " /tmp/peer.txt || missing="$missing $type"
done
# And the exits of the failing and short writes (rw_fail_steps), which
# both drivers would drop alike if their buffers could not be read.
for res in "-9(EBADF)" "-32(EPIPE)" "-28(ENOSPC)" "-27(EFBIG)" 10; do
	grep -q "^write < .* res=$res data=" /tmp/peer.txt || missing="$missing write<res=$res"
done
[ -z "$missing" ] || {
	cat /tmp/peer.txt
	fail "the peer's capture of the workload has no$missing event: the workload or the filter is wrong"
}
# The control: two runs of the peer are the same once normalised, or the
# normalisation misses a difference that is not the driver's.
capture peer-again "$SCAP_PEER_KO"
compare peer peer-again
[ -z "$differ" ] ||
	fail "two captures with the peer differ in$differ: the normalisation misses a run-to-run difference"

capture ours "$SCAP_KO"
compare peer ours
echo "peer: $(wc -l < /tmp/peer.txt) events of the workload's process tree, ours: $(wc -l < /tmp/ours.txt)"
[ -z "$differ" ] ||
	fail "$matched of $total event types match the peer's; these differ (- peer, + ours):$differ"
echo "matched: $(echo "$types" | tr '_' ' ' | tr '\n' ',' | sed 's/,$//')"
echo "all $total event types of the workload's $(wc -l < /tmp/peer.txt) events match between the peer and ours"
