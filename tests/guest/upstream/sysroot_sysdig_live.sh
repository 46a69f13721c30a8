#!/bin/sh
# Another system's unmodified sysdig (sid's: usr/bin/sysdig of the
# sysroot, run by the sysroot's own dynamic loader with its libraries, as
# the guest's libc is bookworm's) captures live from the given module: it
# starts, keeps running, and prints the workload's openat/read/close of
# the known file with the right process and file names.
. /scap/lib.sh

out=/tmp/sysdig.out
err=/tmp/sysdig.err
stop=/tmp/stop-known-opener
wait_secs=120

[ -n "${SCAP_SYSROOT:-}" ] || fail "no sysroot in the guest: boot with --sysroot DIR (DIR/usr/bin/sysdig and its libraries)"
program=$SCAP_SYSROOT/usr/bin/sysdig
[ -f "$program" ] || fail "$program is missing: the sysroot holds no sysdig"
loader=$(find "$SCAP_SYSROOT" -name 'ld-linux-x86-64.so.2' | head -n1)
[ -n "$loader" ] || fail "no ld-linux-x86-64.so.2 in $SCAP_SYSROOT"
libs=$(find "$SCAP_SYSROOT" -name '*.so*' -exec dirname {} \; | sort -u | tr '\n' ':')
version=$("$loader" --library-path "$libs" "$program" --version 2>&1) ||
	fail "$program --version: $version"

echo "scap-vm known file" > "$SCAP_KNOWN_FILE"
rm -f "$stop"
known_opener "$SCAP_KNOWN_FILE" "$stop" &
workload=$!

"$loader" --library-path "$libs" "$program" --unbuffered \
	-p '%evt.type %evt.dir %proc.name %fd.name' \
	"proc.name=known_opener and evt.type in (openat, read, close)" > "$out" 2> "$err" &
sysdig=$!

finish() {
	touch "$stop"
	kill -INT "$sysdig" 2>/dev/null
	wait "$sysdig" 2>/dev/null
	wait "$workload" 2>/dev/null
}

# Newer drivers send some syscalls' exit events only, with every
# parameter: close shows as "close <" with its fd's name.
seen() {
	grep -qE "^$1 $2 known_opener $SCAP_KNOWN_FILE\$" "$out"
}

waited=0
until seen openat '<' && seen read '<' && seen close '[<>]'; do
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
echo "sysroot's sysdig $(echo "$version" | sed 's/.* //') on API $SCAP_API_VERSION showed known_opener's openat/read/close of $SCAP_KNOWN_FILE after ${waited} s ($(wc -l < "$out") lines)"
