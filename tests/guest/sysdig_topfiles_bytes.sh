#!/bin/sh
# sysdig's chisel topfiles_bytes (bytes read and written per file: the
# results of the events sysdig counts as I/O on files) on the bytes that
# support/known_iov moves with pread64 (700 read from r.N) and writev (900
# written to w.N): with GENERIC events for those syscalls it shows neither
# file. Live: five rounds a second apart, each on its own files, started
# after sysdig opened the devices; it must show exactly those counts for
# every round from the first it shows (that one may have begun before the
# capture did), the last included, and at least two rounds. From a
# capture: `sysdig -w` of one round, then `sysdig -r` with the chisel.
# sysdig stops by itself once its events span capture_secs (-M), so that
# it reads every event (stopped by a signal, it would leave those it has
# not read yet); with -j the chisel prints each interval's table as JSON.
# scap-vm: needs sysdig jq
. /scap/lib.sh

dir=/tmp/topfiles
rounds=5
capture_secs=15
read_bytes=700
write_bytes=900
rm -rf "$dir"
mkdir -p "$dir" || fail "cannot make $dir"

# The files each round reads, made before any capture.
round=0
while [ "$round" -le "$rounds" ]; do
	head -c 1000 /dev/zero > "$dir/r.$round" || fail "cannot write $dir/r.$round"
	round=$((round + 1))
done

# sum_tables JSON OUT: from the chisel's JSON tables, one line "FILE
# BYTES" per file, the bytes summed over the tables (live, one a second).
sum_tables() {
	jq -s -r '[.[].data[]] | group_by(.[0]) | .[] | "\(.[0][0]) \(map(.[1]) | add)"' \
		< "$1" > "$2" 2> /tmp/jq.err || {
		head -n 40 "$1"
		fail "jq could not read the chisel's output $1 (above): $(cat /tmp/jq.err)"
	}
}

# bytes SUMS FILE: the bytes SUMS gives FILE, empty if none.
bytes() {
	awk -v f="$2" '$1 == f { print $2 }' "$1"
}

# Live.
out=/tmp/topfiles.live.json
sysdig -j -M "$capture_secs" -c topfiles_bytes > "$out" 2> /tmp/topfiles.err &
live=$!
finish() {
	kill -INT "$live" 2> /dev/null
	wait "$live" 2> /dev/null
}
trap finish EXIT
wait_for_device "$live" "sysdig -c topfiles_bytes" /tmp/topfiles.err
sleep 2
round=1
while [ "$round" -le "$rounds" ]; do
	known_iov "$dir/r.$round" "$dir/w.$round" || fail "known_iov of round $round failed"
	sleep 1
	round=$((round + 1))
done
waited=0
while kill -0 "$live" 2> /dev/null; do
	[ "$waited" -lt 180 ] || fail "sysdig -M $capture_secs -c topfiles_bytes still ran after $waited s"
	sleep 1
	waited=$((waited + 1))
done
wait "$live" || fail "sysdig -c topfiles_bytes failed: $(grep -v '^$' /tmp/topfiles.err | tail -n1)"
trap - EXIT
sum_tables "$out" /tmp/topfiles.live
cat /tmp/topfiles.live
seen=0
first=
round=1
while [ "$round" -le "$rounds" ]; do
	r=$(bytes /tmp/topfiles.live "$dir/r.$round")
	w=$(bytes /tmp/topfiles.live "$dir/w.$round")
	if [ -z "$first" ] && [ -n "$r$w" ]; then
		# The first round shown may have begun before the capture.
		first=$round
	elif [ -n "$first" ]; then
		[ "$r $w" = "$read_bytes $write_bytes" ] ||
			fail "live, topfiles_bytes shows ${r:-nothing} for $dir/r.$round (read" \
				"$read_bytes with pread64) and ${w:-nothing} for $dir/w.$round" \
				"(written $write_bytes with writev)"
		seen=$((seen + 1))
	fi
	round=$((round + 1))
done
[ "$seen" -ge 2 ] ||
	fail "live, topfiles_bytes showed the exact counts of $seen of the $rounds rounds after" \
		"the first it showed (${first:-none}), not at least two"

# From a capture.
trap stop_capture EXIT
start_capture /tmp/topfiles.scap
known_iov "$dir/r.0" "$dir/w.0" || fail "known_iov failed during the capture"
stop_capture
trap - EXIT
sysdig -j -r /tmp/topfiles.scap -c topfiles_bytes > /tmp/topfiles.capture.json 2> /tmp/sysdig.err ||
	fail "sysdig -r /tmp/topfiles.scap -c topfiles_bytes: $(tail -n1 /tmp/sysdig.err)"
sum_tables /tmp/topfiles.capture.json /tmp/topfiles.capture
cat /tmp/topfiles.capture
r=$(bytes /tmp/topfiles.capture "$dir/r.0")
w=$(bytes /tmp/topfiles.capture "$dir/w.0")
[ "$r $w" = "$read_bytes $write_bytes" ] ||
	fail "from a capture, topfiles_bytes shows ${r:-nothing} for $dir/r.0 (read $read_bytes" \
		"with pread64) and ${w:-nothing} for $dir/w.0 (written $write_bytes with writev)"
echo "sysdig -c topfiles_bytes counts $read_bytes bytes read with pread64 and $write_bytes" \
	"written with writev per file: live in $seen rounds (after round $first), and from a capture"
