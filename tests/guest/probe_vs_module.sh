#!/bin/sh
# The same workload captured from the module (scap-probe record: the
# per-CPU rings -> .scap) and from the probe (scap-probe capture): `sysdig
# -r` prints the same events on the known file, with the same types, file
# names, fds and byte counts (the printout carries no timestamps or tids).
# Then failing calls (support/known_errors): a write that fails (its data
# the buffer passed all the same) and an openat of a NULL path print the
# same from both too, and so do
# getppid's GENERIC events and the absence of any for a syscall past the
# table.
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
ok_events=$(wc -l < /tmp/probe.events)

# The failing calls: the write's events on the known file, and the openat
# of "(NULL)", whoever else opened files meanwhile.
capture_errors() {
	how=$1
	shift
	make_known_rw_file
	scap-probe "$@" -w "/tmp/$how-errors.scap" -- known_errors "$SCAP_KNOWN_FILE" \
		2> "/tmp/$how.err" || fail "scap-probe $1 (known_errors): $(cat "/tmp/$how.err")"
	known_file_events "/tmp/$how-errors.scap" > "/tmp/$how-errors.events" 2> /tmp/sysdig.err ||
		fail "sysdig -r /tmp/$how-errors.scap: $(cat /tmp/sysdig.err)"
	sysdig -r "/tmp/$how-errors.scap" -p '*%evt.type %evt.dir %evt.args' evt.type=openat \
		> "/tmp/$how-openat.events" 2> /tmp/sysdig.err ||
		fail "sysdig -r /tmp/$how-errors.scap: $(cat /tmp/sysdig.err)"
	# Missing in one capture, it shows in the diff below.
	grep -F '(NULL)' "/tmp/$how-openat.events" >> "/tmp/$how-errors.events"
	# GENERIC events by native number: getppid's (110) in both, none for
	# syscall 600, past the table.
	sysdig -r "/tmp/$how-errors.scap" -p '%evt.arg.nativeID' "evt.dir=>" > "/tmp/$how-native.txt" ||
		fail "sysdig -r /tmp/$how-errors.scap failed"
	for nr in 110 600; do
		echo "enter events of syscall $nr: $(grep -cx "$nr" "/tmp/$how-native.txt")"
	done >> "/tmp/$how-errors.events"
}
capture_errors module record
capture_errors probe capture --probe "$SCAP_PROBE_OBJECT"
# A failed write carries the buffer passed, as the peer driver sends it.
grep -q "^write < $SCAP_KNOWN_FILE res=-9(EBADF) data=wwwwwwwwww *\$" /tmp/module-errors.events ||
	{ cat /tmp/module-errors.events; fail "the module's failed write is not res=-9(EBADF) with the 10 bytes passed as data (events above)"; }
grep -qx "enter events of syscall 110: 1" /tmp/module-errors.events ||
	fail "the module capture has not one GENERIC_E of getppid (nativeID 110): $(cat /tmp/module-errors.events)"
grep -qx "enter events of syscall 600: 0" /tmp/module-errors.events ||
	fail "the module capture has events of syscall 600, past the table"
grep -q "^openat > dirfd=-100(AT_FDCWD) name=(NULL)" /tmp/module-errors.events ||
	fail "the module's openat of a NULL path does not show name=(NULL): $(cat /tmp/module-errors.events)"
diff -u /tmp/module-errors.events /tmp/probe-errors.events ||
	fail "sysdig -r prints the module's and the probe's captures of failing calls differently (diff above: - module, + probe)"
echo "module (scap-probe record) and probe (scap-probe capture): sysdig -r prints the same $ok_events events on $SCAP_KNOWN_FILE, and the same of a failed write, an openat(NULL), getppid and a syscall past the table"
