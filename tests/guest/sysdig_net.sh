#!/bin/sh
# sysdig's network chisels on the module's socket events, live and from a
# capture file. support/net_pair, started after sysdig opened the devices,
# connects a TCP client to a server on 127.0.0.1, one on ::1 and an
# AF_UNIX stream client to a server, and sends bytes both ways over each
# (send/recv on the clients' side, read/write on the servers'). Then:
#   - `sysdig -c topconns` (live and from the capture) shows each TCP
#     connection, named by its tuple CLIENT:PORT->SERVER:PORT, with all the
#     bytes of its I/O events (4 * rounds * bytes: out and in on both
#     ends), and not the AF_UNIX one;
#   - `sysdig -c topprocs_net` shows net_pair with the bytes of both;
#   - fd.name of the connected sockets is their tuple, fd.type ipv4,
#     ipv6 and unix (the AF_UNIX tuple: the two sockets' kernel addresses
#     and the server's path).
# Live, the chisels print a JSON table (-j) per second: the test adds them
# up. The live sysdigs stop by themselves once their events span
# capture_secs (-M), so that they read every event (see
# sysdig_spy_users.sh).
# scap-vm: needs sysdig jq
. /scap/lib.sh

rounds=5
bytes4=1000
bytes6=600
bytesu=300
capture_secs=25
capture=/tmp/net.scap

ip link set lo up || fail "cannot bring the loopback interface up"
ip -6 addr show dev lo | grep -q '::1/128' || fail "the loopback has no ::1"

sysdig -j -M "$capture_secs" -c topconns > /tmp/topconns.live 2> /tmp/topconns.err &
conns_pid=$!
sysdig -j -M "$capture_secs" -c topprocs_net > /tmp/topprocs.live 2> /tmp/topprocs.err &
procs_pid=$!
finish() {
	stop_capture
	kill -INT "$conns_pid" "$procs_pid" 2> /dev/null
	wait "$conns_pid" "$procs_pid" 2> /dev/null
}
trap finish EXIT

wait_for_device "$conns_pid" "sysdig -c topconns" /tmp/topconns.err
wait_for_device "$procs_pid" "sysdig -c topprocs_net" /tmp/topprocs.err
start_capture "$capture"

net_pair "$rounds" "$bytes4" "$bytes6" "$bytesu" > /tmp/net_pair.out 2> /tmp/net_pair.err ||
	fail "net_pair failed: $(cat /tmp/net_pair.err)"
stop_capture
port4=$(sed -n 's/^ipv4 //p' /tmp/net_pair.out)
port6=$(sed -n 's/^ipv6 //p' /tmp/net_pair.out)
conn4="127.0.0.1:$port4->127.0.0.1:7201"
conn6="::1:$port6->::1:7202"
total4=$((4 * rounds * bytes4))
total6=$((4 * rounds * bytes6))

# Waiting makes events (sleep is a program), which carry sysdig's time on.
waited=0
while kill -0 "$conns_pid" 2> /dev/null || kill -0 "$procs_pid" 2> /dev/null; do
	[ "$waited" -lt 180 ] || fail "the live sysdigs (-M $capture_secs) still ran after $waited s"
	sleep 1
	waited=$((waited + 1))
done
wait "$conns_pid" || fail "sysdig -c topconns failed: $(grep -v '^$' /tmp/topconns.err | tail -n1)"
wait "$procs_pid" || fail "sysdig -c topprocs_net failed: $(grep -v '^$' /tmp/topprocs.err | tail -n1)"
trap - EXIT

# The bytes a chisel's JSON tables (one or more) give the row whose keys
# are KEY1 and KEY2, added up; null if no table has it.
json_bytes() { # FILE KEY1 KEY2
	jq -s --arg k1 "$2" --arg k2 "$3" \
		'[.[] | .data[]? | select(.[0] == $k1 and (.[1] | tostring) == $k2) | .[2]] |
		if length == 0 then null else add end' "$1" 2> /tmp/jq.err ||
		fail "jq on $1: $(cat /tmp/jq.err); $(head -c 300 "$1")"
}

# check_conns WHERE FILE: topconns' JSON in FILE has both connections with
# their bytes, and no AF_UNIX connection.
check_conns() {
	got=$(json_bytes "$2" tcp "$conn4")
	[ "$got" = "$total4" ] ||
		fail "$1 topconns: $conn4 has $got bytes, not $total4: $(head -c 600 "$2")"
	got=$(json_bytes "$2" tcp "$conn6")
	[ "$got" = "$total6" ] ||
		fail "$1 topconns: $conn6 has $got bytes, not $total6: $(head -c 600 "$2")"
	! grep -q net_pair.sock "$2" || fail "$1 topconns shows the AF_UNIX connection"
}

check_procs() { # WHERE FILE
	got=$(jq -s '[.[] | .data[]? | select(.[0] == "net_pair") | .[2]] | add' "$2")
	[ "$got" = "$((total4 + total6))" ] ||
		fail "$1 topprocs_net: net_pair has $got bytes, not $((total4 + total6)): $(head -c 600 "$2")"
}

check_conns live /tmp/topconns.live
check_procs live /tmp/topprocs.live

sysdig -r "$capture" -j -c topconns > /tmp/topconns.json 2> /tmp/sysdig.err ||
	fail "sysdig -r $capture -j -c topconns: $(tail -n1 /tmp/sysdig.err)"
check_conns "the capture's" /tmp/topconns.json
sysdig -r "$capture" -j -c topprocs_net > /tmp/topprocs.json 2> /tmp/sysdig.err ||
	fail "sysdig -r $capture -j -c topprocs_net: $(tail -n1 /tmp/sysdig.err)"
check_procs "the capture's" /tmp/topprocs.json

# The tables as users read them: "19.53KB  tcp  127.0.0.1:...".
sysdig -r "$capture" -c topconns > /tmp/topconns.txt 2> /tmp/sysdig.err ||
	fail "sysdig -r $capture -c topconns: $(tail -n1 /tmp/sysdig.err)"
cat /tmp/topconns.txt
grep -Eq "^19\.53KB +tcp +$conn4\$" /tmp/topconns.txt ||
	fail "sysdig -r $capture -c topconns has no line '19.53KB tcp $conn4'"
grep -Eq "^11\.72KB +tcp +$conn6\$" /tmp/topconns.txt ||
	fail "sysdig -r $capture -c topconns has no line '11.72KB tcp $conn6'"
sysdig -r "$capture" -c topprocs_net > /tmp/topprocs.txt 2> /tmp/sysdig.err ||
	fail "sysdig -r $capture -c topprocs_net: $(tail -n1 /tmp/sysdig.err)"
cat /tmp/topprocs.txt
grep -Eq "^31\.25KB +net_pair +[0-9]+\$" /tmp/topprocs.txt ||
	fail "sysdig -r $capture -c topprocs_net has no line '31.25KB net_pair PID'"

# fd.type and fd.name of every socket net_pair reads and writes (its
# other fds: stdout, where it writes the ports).
sysdig_read /tmp/fds.txt "$capture" '%fd.type %fd.name' \
	"proc.name=net_pair and evt.type in (read, write, sendto, recvfrom) and evt.dir=< and fd.num>2"
sort -u /tmp/fds.txt > /tmp/fds.sorted
cat /tmp/fds.sorted
grep -qx "ipv4 $conn4" /tmp/fds.sorted || fail "no ipv4 socket named $conn4"
grep -qx "ipv6 $conn6" /tmp/fds.sorted || fail "no ipv6 socket named $conn6"
# Both ends of a connection have one name: the client's tuple (connect)
# and the server's (accept) both start with the server's end, for
# AF_UNIX too (the accepted socket's address, then the client's).
grep -Eqx 'unix [0-9a-f]{16}->[0-9a-f]{16} /tmp/net_pair.sock' /tmp/fds.sorted ||
	fail "no AF_UNIX socket named KERNEL->KERNEL /tmp/net_pair.sock"
[ "$(wc -l < /tmp/fds.sorted)" -eq 3 ] ||
	fail "net_pair's I/O used $(wc -l < /tmp/fds.sorted) socket names, not the 3 of its connections"
echo "topconns and topprocs_net, live and from the capture, show $conn4 ($total4 bytes) and $conn6 ($total6 bytes), net_pair $((total4 + total6)) bytes; fd.type ipv4, ipv6, unix with their tuples"
