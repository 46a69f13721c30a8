#!/bin/sh
# scap-probe loads the real probe (probe/build/scap_probe.o) in this
# kernel and captures a workload with known byte counts; `sysdig -r` shows
# its openat, read, write and close of the known file with the file name,
# the fd and the sizes, in order, stamped in ns since the epoch within the
# capture's wall-clock second(s).
# scap-vm: needs scap-probe probe.o sysdig
. /scap/lib.sh

capture=/tmp/probe_capture.scap
f=$SCAP_KNOWN_FILE
make_known_rw_file
before=$(date +%s)
scap-probe capture --probe "$SCAP_PROBE_OBJECT" -w "$capture" -- \
	known_rw "$f" "$KNOWN_RW_WRITE" 2> /tmp/scap-probe.err ||
	fail "scap-probe capture: $(cat /tmp/scap-probe.err)"
after=$(date +%s)
known_file_events "$capture" > /tmp/seen 2> /tmp/sysdig.err ||
	fail "sysdig -r $capture: $(cat /tmp/sysdig.err)"

# The fd the workload got; dev= is the file system's device number.
fd=$(sed -n "s/^openat < [^ ]* fd=\([0-9]*\)(<f>.*/\1/p" /tmp/seen)
[ -n "$fd" ] || { cat /tmp/seen; fail "sysdig shows no openat of $f"; }
sed 's/ dev=[0-9A-Fa-f]* $/ dev=N /' /tmp/seen > /tmp/seen.normal
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
# Timestamps: ns since the epoch, none outside [before, after + 1 s).
sysdig -r "$capture" -p '%evt.rawtime' "fd.name=$f" > /tmp/times ||
	fail "sysdig -r $capture -p %evt.rawtime failed"
[ -s /tmp/times ] || fail "sysdig printed no timestamps"
while read -r ns; do
	s=${ns%?????????}
	if ! { [ "${#ns}" -ge 19 ] && [ "$s" -ge "$before" ] && [ "$s" -le "$after" ]; }; then
		fail "event timestamp $ns ns is not within the capture's seconds $before..$after since the epoch"
	fi
done < /tmp/times
single=$(sed -n 's/.*wrote \([0-9]*\) events.*/\1/p' /tmp/scap-probe.err)

# 200 runs of the workload, each its own process: every run's 8 events on
# the known file are there, in order, under its own thread id, none lost.
runs=200
scap-probe capture --probe "$SCAP_PROBE_OBJECT" -w /tmp/probe_runs.scap -- \
	sh -c "i=0; while [ \$i -lt $runs ]; do known_rw $f $KNOWN_RW_WRITE || exit 1; i=\$((i + 1)); done" \
	2> /tmp/scap-probe.err || fail "scap-probe capture of $runs runs: $(cat /tmp/scap-probe.err)"
sysdig -r /tmp/probe_runs.scap -p '%thread.tid %evt.type%evt.dir' \
	"fd.name=$f or evt.rawarg.name=$f" > /tmp/runs 2> /tmp/sysdig.err ||
	fail "sysdig -r /tmp/probe_runs.scap: $(cat /tmp/sysdig.err)"
# From 6.13 the syscall tracepoints run preemptible, and the kernel skips
# a program on a CPU where a preempted instance of it still runs; scap-probe
# counts those skips (recursion_misses) and warns. Only they may be missing.
skipped=$(sed -n 's/.*warning: \([0-9]*\) events not captured.*/\1/p' /tmp/scap-probe.err)
skipped=${skipped:-0}
# Per thread, in capture order: the workload's 8 events (or, skipped,
# fewer of them in the same order), nothing else.
awk -v runs="$runs" '{ seq[$1] = seq[$1] $2 " " }
	END {
		split("openat> openat< read> read< write> write< close> close<", want, " ")
		seen = 0
		for (t in seq) {
			n = split(seq[t], got, " "); j = 1
			for (i = 1; i <= n; i++) {
				while (j <= 8 && want[j] != got[i]) j++
				if (j > 8) { print "order " t ": " seq[t]; break }
				j++
			}
			seen += n
		}
		print "missing " (runs * 8 - seen)
	}' /tmp/runs > /tmp/runs.check
bad=$(grep '^order ' /tmp/runs.check)
[ -z "$bad" ] || fail "runs whose events on $f are not the workload's, in order: $(echo "$bad" | head -n 3)"
missing=$(sed -n 's/^missing //p' /tmp/runs.check)
[ "$missing" -le "$skipped" ] ||
	fail "$missing of the $runs runs' $((runs * 8)) events on $f are missing, and the kernel skipped the probe $skipped times"
tids=$(cut -d' ' -f1 /tmp/runs | sort -u | wc -l)
[ "$tids" -eq "$runs" ] || [ "$skipped" -gt 0 ] || fail "$tids thread ids in the events of $runs runs"
echo "probe capture: $single events; sysdig shows known_rw's openat, read $KNOWN_RW_SIZE, write $KNOWN_RW_WRITE, close of $f on fd $fd; $runs runs: $((runs * 8 - missing)) of $((runs * 8)) events, in order, each run under its own tid ($skipped skipped by the kernel)"
