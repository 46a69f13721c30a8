#!/bin/sh
# Another system's unmodified sysdig (sid's: usr/bin/sysdig of the
# sysroot, run by the sysroot's own dynamic loader with its libraries, as
# the guest's libc is bookworm's) captures live from the given module: it
# starts, keeps running, and prints the workload's openat/read/close of
# the known file with the right process and file names.
. /scap/lib.sh

[ -n "${SCAP_SYSROOT:-}" ] || fail "no sysroot in the guest: boot with --sysroot DIR (DIR/usr/bin/sysdig and its libraries)"
program=$SCAP_SYSROOT/usr/bin/sysdig
[ -f "$program" ] || fail "$program is missing: the sysroot holds no sysdig"
loader=$(find "$SCAP_SYSROOT" -name 'ld-linux-x86-64.so.2' | head -n1)
[ -n "$loader" ] || fail "no ld-linux-x86-64.so.2 in $SCAP_SYSROOT"
libs=$(find "$SCAP_SYSROOT" -name '*.so*' -exec dirname {} \; | sort -u | tr '\n' ':')
version=$("$loader" --library-path "$libs" "$program" --version 2>&1) ||
	fail "$program --version: $version"

# Newer consumers show close by its exit only, with every parameter.
watch_known_opener '[<>]' "$loader" --library-path "$libs" "$program"
echo "sysroot's sysdig $(echo "$version" | sed 's/.* //') on API $SCAP_API_VERSION showed known_opener's openat/read/close of $SCAP_KNOWN_FILE after ${known_opener_waited} s ($(wc -l < /tmp/sysdig.out) lines)"
