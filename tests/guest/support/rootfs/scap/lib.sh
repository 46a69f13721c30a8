# Shared by the shell guest tests: the expected values and how to fail.
# A test's last line of output is its detail in the report.
. /scap/expected

fail() {
	echo "FAIL: $*"
	exit 1
}

loaded() {
	[ -d "/sys/module/$SCAP_MODULE" ]
}

# The number of possible CPUs, hence of devices: "0-1" -> 2.
possible_cpus() {
	n=0
	for range in $(tr ',' ' ' < /sys/devices/system/cpu/possible); do
		first=${range%-*}
		last=${range#*-}
		n=$((n + last - first + 1))
	done
	echo "$n"
}

devices_present() {
	cpu=0
	while [ "$cpu" -lt "$(possible_cpus)" ]; do
		[ -c "/dev/$SCAP_MODULE$cpu" ] || return 1
		cpu=$((cpu + 1))
	done
}

no_device_left() {
	! ls /dev/"$SCAP_MODULE"[0-9]* > /dev/null 2>&1
}

# The workload support/known_rw on the known file: the file's size (what
# its read returns) and how many bytes it writes.
KNOWN_RW_SIZE=1234
KNOWN_RW_WRITE=321

# A fresh known file of $KNOWN_RW_SIZE bytes "r".
make_known_rw_file() {
	head -c "$KNOWN_RW_SIZE" /dev/zero | tr '\0' r > "$SCAP_KNOWN_FILE" ||
		fail "cannot write $SCAP_KNOWN_FILE"
}

# The capture $1's events on the known file as `sysdig -r` prints them:
# type, direction, file name, arguments; no timestamps, no thread ids.
# The enter event of openat has no fd yet: it is found by its path, and
# printed (-p '*...') although it has no fd.name.
known_file_events() {
	sysdig -r "$1" -p '*%evt.type %evt.dir %fd.name %evt.args' \
		"fd.name=$SCAP_KNOWN_FILE or evt.rawarg.name=$SCAP_KNOWN_FILE"
}

# Sets bpf_prog, bpf_map and bpf_others from support/bpf_ids: the IDs the
# kernel gives a new program and map now (any created since the last call
# leaves a gap) and the number of other programs loaded.
read_bpf_ids() {
	ids=$(bpf_ids) || fail "bpf_ids: $ids"
	set -- $ids
	bpf_prog=$2 bpf_map=$4 bpf_others=$6
}

# Fails with MESSAGE (and how many are left) unless, within 10 s, no BPF
# program but bpf_ids' own is loaded; sets bpf_* like read_bpf_ids. A
# program its loader detached and closed may outlive it briefly: since
# Linux 7.x (Debian sid's 7.2) the programs of a raw tracepoint link are
# freed a grace period after the link (0.1-0.2 s under TCG), where 6.1
# and 5.10 free them at once. A leaked program never goes.
no_bpf_program_left() { # MESSAGE
	read_bpf_ids
	tries=0
	while [ "$bpf_others" -ne 0 ]; do
		[ "$tries" -lt 100 ] || fail "$1: $bpf_others BPF programs are still loaded after 10 s"
		usleep 100000
		tries=$((tries + 1))
		read_bpf_ids
	done
}

# Fails with MESSAGE unless the jq filter FILTER, run on the JSON file,
# gives exactly one result, true. (jq -e judges by the last result only: a
# filter on several drivers would pass when the last one matched.)
json_true() { # FILE FILTER MESSAGE
	json_result=$(jq -c "$2" "$1" 2>&1)
	[ "$json_result" = true ] || {
		cat "$1"
		echo "jq gave: $json_result"
		fail "$3"
	}
}

# A scap-compat report's one driver of a kind (loaded_module, ...), for
# jq: an error unless the report has exactly one of that kind.
driver() {
	echo "([.drivers[] | select(.kind == \"$1\")] | if length == 1 then .[0] \
		else error(\"the report has \\(length) drivers of kind $1, not one\") end)"
}

# Starts `sysdig -w FILE` in the background (capture_pid) and returns when
# it captures: sysdig creates the file once it has opened the devices and
# listed the processes; a second more lets it switch capture on. Fails if
# sysdig exits or takes more than 60 s.
start_capture() { # FILE
	rm -f "$1"
	sysdig -w "$1" > "$1.err" 2>&1 &
	capture_pid=$!
	tries=0
	until [ -e "$1" ]; do
		if ! kill -0 "$capture_pid" 2> /dev/null; then
			capture_pid=
			fail "sysdig -w $1 exited: $(grep -v '^$' "$1.err" | tail -n1)"
		fi
		[ "$tries" -lt 600 ] || fail "sysdig -w $1 did not start capturing in 60 s"
		usleep 100000
		tries=$((tries + 1))
	done
	sleep 1
}

# Stops the capture start_capture started, a second after the workload
# (its last events reach the file). Nothing to do if none runs.
stop_capture() {
	[ -n "$capture_pid" ] || return 0
	sleep 1
	kill -INT "$capture_pid" 2> /dev/null
	wait "$capture_pid"
	capture_pid=
}

# Whether process PID has a device of the module open.
has_device() { # PID
	for fd in /proc/"$1"/fd/*; do
		case $(readlink "$fd") in
		/dev/"$SCAP_MODULE"*) return 0 ;;
		esac
	done
	return 1
}

# Waits until the background sysdig PID (WHAT, its stderr in ERR) has a
# device open; fails if it exits or takes more than 60 s.
wait_for_device() { # PID WHAT ERR
	tries=0
	until has_device "$1"; do
		kill -0 "$1" 2> /dev/null ||
			fail "$2 exited: $(grep -v '^$' "$3" | tail -n1)"
		[ "$tries" -lt 600 ] || fail "$2 opened no device in 60 s"
		usleep 100000
		tries=$((tries + 1))
	done
}

# Runs a sysdig (the command line given) live against the known_opener
# workload until it prints the workload's openat and read exits and its
# close (CLOSE_DIR, a grep -E pattern: newer consumers show close by its
# exit only); fails with sysdig's stderr and output if it exits, complains
# or prints nothing of it in 120 s. Leaves its output in /tmp/sysdig.out
# and the seconds it took in known_opener_waited.
watch_known_opener() { # CLOSE_DIR COMMAND...
	close_dir=$1
	shift
	out=/tmp/sysdig.out
	err=/tmp/sysdig.err
	stop=/tmp/stop-known-opener
	echo "scap-vm known file" > "$SCAP_KNOWN_FILE"
	rm -f "$stop"
	known_opener "$SCAP_KNOWN_FILE" "$stop" &
	workload=$!
	"$@" --unbuffered -p '%evt.type %evt.dir %proc.name %fd.name' \
		"proc.name=known_opener and evt.type in (openat, read, close)" > "$out" 2> "$err" &
	watched=$!
	known_opener_waited=0
	until known_opener_seen openat '<' && known_opener_seen read '<' &&
		known_opener_seen close "$close_dir"; do
		if ! kill -0 "$watched" 2>/dev/null; then
			known_opener_finish
			cat "$err"
			fail "sysdig exited after ${known_opener_waited} s: $(grep -v '^$' "$err" | tail -n1)"
		fi
		if [ "$known_opener_waited" -ge 120 ]; then
			known_opener_finish
			echo "--- sysdig stderr:"
			cat "$err"
			echo "--- sysdig output (last 20 lines):"
			tail -n 20 "$out"
			fail "after 120 s sysdig printed $(wc -l < "$out") lines, not the workload's openat/read/close of $SCAP_KNOWN_FILE"
		fi
		sleep 1
		known_opener_waited=$((known_opener_waited + 1))
	done
	known_opener_finish
	if grep -qiE 'error|incompatib|unsupported' "$err"; then
		cat "$err"
		fail "sysdig complained: $(grep -iE 'error|incompatib|unsupported' "$err" | head -n1)"
	fi
	head -n 8 "$out"
}

known_opener_seen() { # TYPE DIR
	grep -qE "^$1 $2 known_opener $SCAP_KNOWN_FILE\$" /tmp/sysdig.out
}

known_opener_finish() {
	touch /tmp/stop-known-opener
	kill -INT "$watched" 2>/dev/null
	wait "$watched" 2>/dev/null
	wait "$workload" 2>/dev/null
}

# Writes to OUT the lines `sysdig -r CAPTURE -p FORMAT FILTER` prints,
# without the space sysdig ends each with; fails with sysdig's last error.
sysdig_read() { # OUT CAPTURE FORMAT FILTER
	sysdig -r "$2" -p "$3" "$4" > "$1.raw" 2> /tmp/sysdig.err ||
		fail "sysdig -r $2: $(tail -n1 /tmp/sysdig.err)"
	sed 's/ *$//' "$1.raw" > "$1"
}
