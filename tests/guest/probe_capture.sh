#!/bin/sh
# scap-probe loads the real probe (probe/build/scap_probe.o) in this
# kernel and captures a workload with known byte counts; `sysdig -r` shows
# its openat, read, write and close of the known file with the file name,
# the fd and the sizes, in order.
# scap-vm: needs scap-probe probe.o sysdig
# scap-vm: no-module
. /scap/lib.sh

capture=/tmp/probe_capture.scap
f=$SCAP_KNOWN_FILE
make_known_rw_file
scap-probe capture --probe "$SCAP_PROBE_OBJECT" -w "$capture" -- \
	known_rw "$f" "$KNOWN_RW_WRITE" 2> /tmp/scap-probe.err ||
	fail "scap-probe capture: $(cat /tmp/scap-probe.err)"
known_file_events "$capture" > /tmp/seen 2> /tmp/sysdig.err ||
	fail "sysdig -r $capture: $(cat /tmp/sysdig.err)"

# The fd the workload got; dev= is the file system's device number.
fd=$(sed -n "s/^openat < [^ ]* fd=\([0-9]*\)(<f>.*/\1/p" /tmp/seen)
[ -n "$fd" ] || { cat /tmp/seen; fail "sysdig shows no openat of $f"; }
sed 's/ dev=[0-9a-f]* $/ dev=N /' /tmp/seen > /tmp/seen.normal
r80=$(head -c 80 /dev/zero | tr '\0' r)
w80=$(head -c 80 /dev/zero | tr '\0' w)
cat > /tmp/expected <<END
openat > <NA> dirfd=-100(AT_FDCWD) name=$f flags=3(O_RDWR) mode=0 
openat < $f fd=$fd(<f>$f) dirfd=-100(AT_FDCWD) name=$f flags=3(O_RDWR) mode=0 dev=N 
read > $f fd=$fd(<f>$f) size=4096 
read < $f res=$KNOWN_RW_SIZE data=$r80 
write > $f fd=$fd(<f>$f) size=$KNOWN_RW_WRITE 
write < $f res=$KNOWN_RW_WRITE data=$w80 
close > $f fd=$fd(<f>$f) 
close < $f res=0 
END
diff -u /tmp/expected /tmp/seen.normal || fail "sysdig -r shows other events of $f than the workload's (diff above)"
echo "probe capture: $(sed -n 's/.*wrote \([0-9]*\) events.*/\1/p' /tmp/scap-probe.err) events; sysdig shows known_rw's openat, read $KNOWN_RW_SIZE, write $KNOWN_RW_WRITE, close of $f on fd $fd"
