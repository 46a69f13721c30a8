#!/bin/sh
# The probe under preemption (from 6.13 on the syscall tracepoints run BPF
# programs preemptible): 8 unpinned threads on 2 CPUs write 2000 numbered
# lines each to /dev/null under `scap-probe capture`, which fails on any
# malformed event; in `sysdig -r` each thread's write exits then carry its
# own lines, in order, none twice. Events may be missing: while a preempted
# program instance holds its CPU's recursion guard, the kernel skips that
# program for other tasks on that CPU (it counts them in the program's
# recursion_misses, which scap-probe reports): every missing event must be
# within that count.
# scap-vm: needs scap-probe probe.o sysdig
. /scap/lib.sh

threads=8
writes=2000
capture=/tmp/probe_preempt.scap
scap-probe capture --probe "$SCAP_PROBE_OBJECT" -w "$capture" -- \
	numbered_writes "$threads" "$writes" 2> /tmp/scap-probe.err ||
	fail "scap-probe capture: $(tail -n1 /tmp/scap-probe.err)"
! grep -q "events lost" /tmp/scap-probe.err ||
	fail "$(grep "events lost" /tmp/scap-probe.err)"
# sysdig knows no name for a process started after the capture began (no
# clone events yet; `*` prints enters, which carry no data, too): the workload's threads are those whose write exits
# carry its lines, and they make no other writes.
sysdig -r "$capture" -p '*%thread.tid %evt.dir %evt.arg.data' "evt.type=write" \
	> /tmp/writes 2> /tmp/sysdig.err ||
	fail "sysdig -r $capture: $(tail -n1 /tmp/sysdig.err)"
# Per workload thread: its exits' lines are "<its tid> <seq>" (sysdig
# prints the newline as a dot) with seq strictly increasing.
verdict=$(awk -v writes="$writes" '
	$2 == "<" && $3 == sprintf("%08d", $1) { ours[$1] = 1 }
	$2 == "<" { n[$1]++; line[$1, n[$1]] = $0 }
	$2 == ">" { enters[$1]++ }
	END {
		threads = 0; exits = 0; entered = 0
		for (tid in ours) {
			threads++; last = -1; entered += enters[tid]
			for (i = 1; i <= n[tid]; i++) {
				split(line[tid, i], f, " ")
				# Without leading zeros: busybox awk reads 00000010 as octal.
				seq = f[4]; sub(/\.$/, "", seq); sub(/^0+/, "", seq); if (seq == "") seq = "0"
				if (f[3] != sprintf("%08d", tid) || seq !~ /^[0-9]+$/ || seq + 0 <= last || seq + 0 >= writes) {
					print "FAIL tid " tid ": exit " i " is \"" line[tid, i] "\" after seq " last " (torn, misplaced, repeated or reordered)"; exit 1
				}
				last = seq + 0; exits++
			}
		}
		print "OK " threads " " entered " " exits
	}' /tmp/writes)
case $verdict in
OK\ "$threads"\ *) ;;
OK\ *) fail "sysdig shows the writes of $(echo "$verdict" | cut -d' ' -f2) threads, not $threads" ;;
*) fail "${verdict#FAIL }" ;;
esac
# shellcheck disable=SC2086 # the verdict's words, split on purpose
set -- $verdict
# Every event missing is one the kernel says it skipped (scap-probe reports
# the programs' recursion_misses), never one lost unaccounted.
missing=$((2 * threads * writes - $3 - $4))
skipped=$(sed -n 's/^scap-probe: warning: \([0-9]*\) events not captured.*/\1/p' /tmp/scap-probe.err)
[ "$missing" -le "${skipped:-0}" ] ||
	fail "$missing write events missing, but the kernel skipped the probe only ${skipped:-0} times: events lost unaccounted"
echo "$threads unpinned threads x $writes numbered writes on $(possible_cpus) CPUs through the probe: no malformed event; $3 write enters and $4 exits of $((threads * writes)) each arrived, every exit with its thread's own line, in order; the $missing missing within the ${skipped:-0} the kernel skipped"
