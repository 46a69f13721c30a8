#!/bin/sh
# Debian's unmodified sysdig captures live from the module: its version
# check accepts the driver, it keeps running (GET_PROCLIST works), and it
# prints the workload's openat/read/close of the known file with the right
# process and file names.
# scap-vm: needs sysdig
. /scap/lib.sh

out=/tmp/sysdig.out
err=/tmp/sysdig.err
stop=/tmp/stop-known-opener
wait_secs=120

echo "scap-vm known file" > "$SCAP_KNOWN_FILE"
rm -f "$stop"
known_opener "$SCAP_KNOWN_FILE" "$stop" &
workload=$!

sysdig --unbuffered -p '%evt.type %evt.dir %proc.name %fd.name' \
	"proc.name=known_opener and evt.type in (openat, read, close)" > "$out" 2> "$err" &
sysdig=$!

finish() {
	touch "$stop"
	kill -INT "$sysdig" 2>/dev/null
	wait "$sysdig" 2>/dev/null
	wait "$workload" 2>/dev/null
}

seen() {
	grep -q "^$1 $2 known_opener $SCAP_KNOWN_FILE\$" "$out"
}

waited=0
until seen openat '<' && seen read '<' && seen close '>'; do
	if ! kill -0 "$sysdig" 2>/dev/null; then
		finish
		cat "$err"
		fail "sysdig exited after ${waited} s: $(grep -v '^$' "$err" | tail -n1)"
	fi
	if [ "$waited" -ge "$wait_secs" ]; then
		finish
		echo "--- sysdig stderr:"
		cat "$err"
		echo "--- sysdig output (last 20 lines):"
		tail -n 20 "$out"
		fail "after ${wait_secs} s sysdig printed $(wc -l < "$out") lines, not the workload's openat/read/close of $SCAP_KNOWN_FILE"
	fi
	sleep 1
	waited=$((waited + 1))
done
finish
if grep -qiE 'error|incompatib|unsupported' "$err"; then
	cat "$err"
	fail "sysdig complained: $(grep -iE 'error|incompatib|unsupported' "$err" | head -n1)"
fi
head -n 8 "$out"
echo "sysdig $(sysdig --version 2>/dev/null | sed 's/.* //') showed known_opener's openat/read/close of $SCAP_KNOWN_FILE after ${waited} s ($(wc -l < "$out") lines)"
