#!/bin/sh
# sysdig's chisel spy_users live on the module: it lists the commands a
# shell runs and the directories it enters. Five times, a second apart, a
# shell started after sysdig opened the devices enters /tmp/spy and runs
# support/schema1_workload with the round's number; spy_users must show
# the last round's cd and command, and every round from the first it
# shows (the first rounds may precede the capture's start). It takes the
# clone and execve events (the commands and their shell ancestry) and the
# shell's chdir.
# scap-vm: needs sysdig
. /scap/lib.sh

out=/tmp/spy_users.out
rounds=5
mkdir -p /tmp/spy
sysdig -c spy_users > "$out" 2> /tmp/spy_users.err &
spy=$!
# Whether sysdig has a device of the module open.
has_device() {
	for fd in /proc/"$spy"/fd/*; do
		case $(readlink "$fd") in
		/dev/"$SCAP_MODULE"*) return 0 ;;
		esac
	done
	return 1
}
finish() {
	kill -INT "$spy" 2> /dev/null
	wait "$spy" 2> /dev/null
}
trap finish EXIT
tries=0
until has_device; do
	kill -0 "$spy" 2> /dev/null ||
		fail "sysdig -c spy_users exited: $(grep -v '^$' /tmp/spy_users.err | tail -n1)"
	[ "$tries" -lt 600 ] || fail "sysdig -c spy_users opened no device in 60 s"
	usleep 100000
	tries=$((tries + 1))
done
sleep 2
round=1
while [ "$round" -le "$rounds" ]; do
	# shellcheck disable=SC2016 # expanded by the inner shell
	sh -c 'cd /tmp/spy && schema1_workload child 0 "spy-$1"; true' sh "$round" ||
		fail "the shell of round $round failed"
	sleep 1
	round=$((round + 1))
done
sleep 1
finish
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
cds=$(grep -c 'root) cd /tmp/spy$' "$out")
[ "$cds" -ge "$seen" ] || fail "spy_users showed $seen commands but $cds cd /tmp/spy"
echo "sysdig -c spy_users showed $seen of $rounds rounds' commands and cds (from round $first on)"
