#!/bin/sh
# sysdig's chisel spy_users live on the module: it lists the commands a
# shell runs and the directories it enters. Five times, a second apart, a
# shell started after sysdig opened the devices runs
# support/schema1_workload with the round's number, then a last shell
# enters /tmp/spy; spy_users must show every round from the first it shows
# (the first rounds may precede the capture's start), the last included,
# and the cd. It takes the clone and execve events (the commands and their
# shell ancestry) and the shell's chdir. The cd comes last: after showing a
# cd, sysdig 0.29.3's spy_users shifts its table of ancestor fields by one
# (table.insert(fanames, 0, 0) on every chdir) and shows no later command.
# sysdig stops by itself once its events span capture_secs (-M counts
# the events' time): stopped by a signal, it would leave the events it
# has not read yet (it reads slowly under TCG), and the chisel's output,
# buffered, only comes out whole when sysdig ends.
# scap-vm: needs sysdig
. /scap/lib.sh

out=/tmp/spy_users.out
rounds=5
capture_secs=20
mkdir -p /tmp/spy
sysdig -M "$capture_secs" -c spy_users > "$out" 2> /tmp/spy_users.err &
spy=$!
finish() {
	kill -INT "$spy" 2> /dev/null
	wait "$spy" 2> /dev/null
}
trap finish EXIT
wait_for_device "$spy" "sysdig -c spy_users" /tmp/spy_users.err
sleep 2
round=1
# /bin/sh by path: busybox runs a bare applet name by exec'ing
# /proc/self/exe, which names the process "exe", not a shell.
while [ "$round" -le "$rounds" ]; do
	# shellcheck disable=SC2016 # expanded by the inner shell
	/bin/sh -c 'schema1_workload child 0 "spy-$1"; true' sh "$round" ||
		fail "the shell of round $round failed"
	sleep 1
	round=$((round + 1))
done
/bin/sh -c 'cd /tmp/spy; true' || fail "the shell entering /tmp/spy failed"
# Waiting makes events (sleep is a program), which carry sysdig's time on.
waited=0
while kill -0 "$spy" 2> /dev/null; do
	[ "$waited" -lt 180 ] || fail "sysdig -M $capture_secs -c spy_users still ran after $waited s"
	sleep 1
	waited=$((waited + 1))
done
wait "$spy" || fail "sysdig -c spy_users failed: $(grep -v '^$' /tmp/spy_users.err | tail -n1)"
trap - EXIT
cat "$out"
# Lines are "<shell pid> <time> root) <command> <args>" and
# "<shell pid> <time> root) cd <dir>" (indented by depth).
seen=0
first=
round=1
while [ "$round" -le "$rounds" ]; do
	if grep -q "root) schema1_workload child 0 spy-$round\$" "$out"; then
		[ -n "$first" ] || first=$round
		seen=$((seen + 1))
	elif [ -n "$first" ]; then
		fail "spy_users showed round $first's command but not round $round's"
	fi
	round=$((round + 1))
done
# Shown from a round on, every later round is shown, the last included.
[ "$seen" -gt 0 ] ||
	fail "spy_users showed none of the $rounds rounds' commands (schema1_workload child 0 spy-N)"
grep -q 'root) cd /tmp/spy$' "$out" || fail "spy_users did not show the last shell's cd /tmp/spy"
echo "sysdig -c spy_users showed $seen of $rounds rounds' commands (from round $first on) and the cd"
