#!/bin/sh
# The same workload captured from the module (scap-probe record: the
# per-CPU rings -> .scap) and from the probe (scap-probe capture): `sysdig
# -r` prints the same events on the known file, with the same types, file
# names, fds and byte counts (the printout carries no timestamps or tids).
# scap-vm: needs scap-probe probe.o sysdig
. /scap/lib.sh

capture() {
	how=$1
	shift
	make_known_rw_file
	scap-probe "$@" -w "/tmp/$how.scap" -- known_rw "$SCAP_KNOWN_FILE" "$KNOWN_RW_WRITE" \
		2> "/tmp/$how.err" || fail "scap-probe $1: $(cat "/tmp/$how.err")"
	known_file_events "/tmp/$how.scap" > "/tmp/$how.events" 2> /tmp/sysdig.err ||
		fail "sysdig -r /tmp/$how.scap: $(cat /tmp/sysdig.err)"
}

capture module record
capture probe capture --probe "$SCAP_PROBE_OBJECT"
# Equal and empty would prove nothing: both must show the whole workload.
for how in module probe; do
	types=$(cut -d' ' -f1,2 "/tmp/$how.events" | tr '\n' ' ')
	[ "$types" = "openat > openat < read > read < write > write < close > close < " ] || {
		cat "/tmp/$how.events"
		fail "the $how capture shows \"$types\" on $SCAP_KNOWN_FILE, not the workload's openat/read/write/close"
	}
done
grep -q "^read < $SCAP_KNOWN_FILE res=$KNOWN_RW_SIZE " /tmp/module.events ||
	fail "the module capture's read is not of $KNOWN_RW_SIZE bytes: $(grep '^read <' /tmp/module.events)"
diff -u /tmp/module.events /tmp/probe.events ||
	fail "sysdig -r prints the module's and the probe's captures of one workload differently (diff above: - module, + probe)"
echo "module (scap-probe record) and probe (scap-probe capture): sysdig -r prints the same $(wc -l < /tmp/probe.events) events on $SCAP_KNOWN_FILE"
