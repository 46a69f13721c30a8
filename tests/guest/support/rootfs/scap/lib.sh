# Shared by the shell guest tests: the expected values and how to fail.
# A test's last line of output is its detail in the report.
. /scap/expected

fail() {
	echo "FAIL: $*"
	exit 1
}

loaded() {
	[ -d "/sys/module/$SCAP_MODULE" ]
}

# The number of possible CPUs, hence of devices: "0-1" -> 2.
possible_cpus() {
	n=0
	for range in $(tr ',' ' ' < /sys/devices/system/cpu/possible); do
		first=${range%-*}
		last=${range#*-}
		n=$((n + last - first + 1))
	done
	echo "$n"
}

devices_present() {
	cpu=0
	while [ "$cpu" -lt "$(possible_cpus)" ]; do
		[ -c "/dev/$SCAP_MODULE$cpu" ] || return 1
		cpu=$((cpu + 1))
	done
}

no_device_left() {
	! ls /dev/"$SCAP_MODULE"[0-9]* > /dev/null 2>&1
}
