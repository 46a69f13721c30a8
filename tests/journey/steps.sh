#!/bin/sh
# The user's journey, one phase per call: `steps.sh PHASE STEP...` runs
# the steps (step_STEP below) in order and reports each as the VM harness's guest runner does
# (SCAP-TEST NAME PASS|FAIL DETAIL, the step's output on failure, then the
# kernel log and SCAP-DONE), to $SCAP_JOURNEY_OUT (stdout by default).
# A step's last output line is its detail; the first failing step ends the
# phase, as every later step builds on it.
#   host:  in the suite's chroot on the host, before the first boot;
#   boot1: the first boot of the installed system;
#   boot2: the boot after the upgrade.
# /scap-journey/env (written by the harness) sets KERNEL, MODULE, API,
# NEXT_API, PACKAGE (the driver package), KIND (dkms: DKMS builds the
# module; modules: the prebuilt module package), KO_DIR (where the package
# puts the module, under /lib/modules/KERNEL), MODULE_SIGNER (its signer,
# empty for none), CONSUMER and KNOWN_FILE.
set -u
dir=/scap-journey
# shellcheck source=/dev/null
. "$dir/env"
out=${SCAP_JOURNEY_OUT:-/dev/stdout}
logs=$dir/logs
mkdir -p "$logs"
modules=/lib/modules/$KERNEL
ko=$modules/$KO_DIR/$MODULE.ko
reload="modprobe -r $MODULE && modprobe $MODULE"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

report() {
	printf '%s\n' "$*" >> "$out"
}

fail() {
	echo "$*"
	exit 1
}

# has_line FILE LINE: FILE holds LINE exactly (apt runs dpkg on a pty
# where there is one: its lines end in CR).
has_line() {
	tr -d '\r' < "$1" | grep -qxF -- "$2" || fail "no line \"$2\" in $1: $(tail -n 3 "$1" | tr '\n' ' ')"
}

# The local repositories only: the system has no network.
apt_update() {
	apt-get update -qq -o Dir::Etc::SourceList=/dev/null \
		-o Dir::Etc::SourceParts=/etc/apt/sources.list.d -o APT::Get::List-Cleanup=0
}

dpkg_clean() {
	audit=$(dpkg --audit)
	[ -z "$audit" ] || fail "dpkg --audit: $audit"
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	limit=$1
	shift
	waited=0
	until "$@"; do
		[ "$waited" -lt "$limit" ] || return 1
		sleep 1
		waited=$((waited + 1))
	done
}

# The workload: opens FILE once a second until FILE.stop exists.
opener() {
	echo "scap journey" > "$1"
	rm -f "$1.stop"
	(while [ ! -e "$1.stop" ]; do cat "$1" > /dev/null; sleep 1; done) &
}

start_sysdig() {
	sysdig --unbuffered -p '%evt.type %evt.dir %proc.name %fd.name' \
		"proc.name=cat and evt.type=openat and fd.name startswith $KNOWN_FILE" \
		> "$1.out" 2> "$1.err" &
	sysdig_pid=$!
}

stop_sysdig() {
	kill -INT "$sysdig_pid" 2> /dev/null
	wait "$sysdig_pid" 2> /dev/null
}

# sysdig printed cat's openat of FILE (or sysdig exited: no use waiting).
sysdig_seen() {
	kill -0 "$sysdig_pid" 2> /dev/null || return 0
	grep -q "^openat < cat $2\$" "$1.out"
}

# sysdig (still running) printed cat's openat of FILE, within SECONDS.
sysdig_saw() {
	wait_for "$3" sysdig_seen "$1" "$2" || fail "after $3 s sysdig printed no openat of $2: $(tail -n 3 "$1.out" "$1.err" | tr '\n' ' ')"
	kill -0 "$sysdig_pid" 2> /dev/null || fail "sysdig exited: $(tail -n 3 "$1.err" | tr '\n' ' ')"
}

loaded_version() {
	cat "/sys/module/$MODULE/version" 2> /dev/null
}

# The loaded module is the build modprobe finds (through modules.dep).
loaded_is_installed() {
	file=$(modinfo -n "$MODULE") || fail "modinfo finds no $MODULE"
	[ "$file" = "$ko" ] || fail "modprobe finds $file, not $PACKAGE's $ko"
	grep -q "^$KO_DIR/$MODULE.ko:" "$modules/modules.dep" || fail "modules.dep has no $KO_DIR/$MODULE.ko"
	[ "$(cat "/sys/module/$MODULE/srcversion")" = "$(modinfo -F srcversion "$file")" ] ||
		fail "the loaded module's srcversion is not that of $file"
}

# --- host: in the chroot, before the first boot -------------------------

step_install() {
	apt_update || fail "apt-get update of the local repository failed"
	apt-get install -y "$PACKAGE" "$CONSUMER" scap-compat > "$logs/apt" 2>&1 ||
		{ cat "$logs/apt"; fail "apt-get install $PACKAGE $CONSUMER scap-compat failed"; }
	cat "$logs/apt"
	[ "$(modinfo -F version "$ko")" = "$API" ] || fail "$ko is not API $API"
	if [ "$KIND" = dkms ]; then
		has_line "$logs/apt" "$PACKAGE: $MODULE.ko $API installed for kernel $KERNEL"
		status=$(dkms status "$MODULE")
		[ "$status" = "$MODULE/$API, $KERNEL, x86_64: installed" ] || fail "dkms status: $status"
	fi
	signed_by=$(modinfo -F signer "$ko")
	[ "$signed_by" = "$MODULE_SIGNER" ] || fail "$ko is signed by \"$signed_by\", not \"$MODULE_SIGNER\""
	if dpkg -s falcosecurity-scap-dkms > /dev/null 2>&1; then
		fail "apt installed Debian's falcosecurity-scap-dkms beside $PACKAGE"
	fi
	dpkg_clean
	echo "apt-get install $PACKAGE $CONSUMER: $ko (API $API, signer \"$signed_by\") for $KERNEL"
}

# --- boot1: the installed system, booted --------------------------------

step_boot() {
	[ "$(uname -r)" = "$KERNEL" ] || fail "booted $(uname -r), not $KERNEL"
	pidof systemd-udevd > /dev/null || fail "systemd-udevd is not running"
	[ -b /dev/vda ] || fail "udev made no /dev/vda"
	[ -d "/sys/module/$MODULE" ] && fail "$MODULE is loaded before anyone asked for it"
	echo "booted $(uname -r) from /dev/vda, systemd-udevd running, $MODULE not loaded"
}

step_modprobe() {
	modprobe "$MODULE" || fail "modprobe $MODULE failed"
	[ "$(loaded_version)" = "$API" ] || fail "the loaded module is API $(loaded_version), not $API"
	loaded_is_installed
	wait_for 30 test -c "/dev/${MODULE}0" || fail "udev made no /dev/${MODULE}0"
	echo "modprobe $MODULE loaded $ko (API $API, signer \"$(modinfo -F signer "$ko")\", taint \"$(cat "/sys/module/$MODULE/taint")\"); /dev/${MODULE}0 is there"
}

step_capture() {
	opener "$KNOWN_FILE"
	start_sysdig /tmp/capture
	sysdig_saw /tmp/capture "$KNOWN_FILE" 300
	touch "$KNOWN_FILE.stop"
	stop_sysdig
	echo "$CONSUMER printed cat's openat of $KNOWN_FILE live ($(wc -l < /tmp/capture.out) lines)"
}

step_compat() {
	scap-compat check --api "$API" --consumer "$CONSUMER" > /tmp/compat 2>&1
	status=$?
	cat /tmp/compat
	[ "$status" -eq 0 ] || fail "scap-compat check: exit $status, not 0"
	summary=$(tail -n 1 /tmp/compat)
	case $summary in
	"scap-compat: compatible: $CONSUMER needs API $API;"*) ;;
	*) fail "not a clean compatible summary: $summary" ;;
	esac
	echo "$summary"
}

# The upgrade, with the old module loaded and the consumer capturing.
step_upgrade_live() {
	before=$KNOWN_FILE.before
	after=$KNOWN_FILE.after
	opener "$before"
	start_sysdig /tmp/live
	sysdig_saw /tmp/live "$before" 300
	srcversion=$(cat "/sys/module/$MODULE/srcversion")
	refcnt=$(cat "/sys/module/$MODULE/refcnt")
	[ "$refcnt" -gt 0 ] || fail "the module's refcnt is $refcnt with $CONSUMER capturing"
	mv /etc/apt/sources.list.d/scap-next.list.off /etc/apt/sources.list.d/scap-next.list
	apt_update || fail "apt-get update of the local repositories failed"
	started=$(date +%s)
	apt-get install -y "$PACKAGE" > "$logs/apt-upgrade" 2>&1 ||
		{ cat "$logs/apt-upgrade"; stop_sysdig; fail "apt-get install $PACKAGE (the upgrade) failed"; }
	took=$(($(date +%s) - started))
	cat "$logs/apt-upgrade"
	if [ "$KIND" = dkms ]; then
		has_line "$logs/apt-upgrade" "$PACKAGE: $MODULE.ko $NEXT_API installed for kernel $KERNEL"
	fi
	kill -0 "$sysdig_pid" 2> /dev/null || fail "$CONSUMER died during the upgrade: $(tail -n 3 /tmp/live.err | tr '\n' ' ')"
	[ "$(loaded_version)" = "$API" ] || fail "after the upgrade the loaded module is API $(loaded_version), not the old $API"
	[ "$(cat "/sys/module/$MODULE/srcversion")" = "$srcversion" ] || fail "the postinst reloaded the module"
	opener "$after"
	sysdig_saw /tmp/live "$after" 120
	touch "$before.stop" "$after.stop"
	stop_sysdig
	if [ "$KIND" = dkms ]; then
		status=$(dkms status "$MODULE")
		[ "$status" = "$MODULE/$NEXT_API, $KERNEL, x86_64: installed" ] || fail "dkms status: $status"
	fi
	[ "$(modinfo -F version "$MODULE")" = "$NEXT_API" ] || fail "modprobe would not find API $NEXT_API"
	dpkg_clean
	echo "upgraded to $NEXT_API in ${took} s while $CONSUMER captured through API $API (refcnt $refcnt): still loaded, still capturing"
}

step_stale() {
	scap-compat check --api "$API" --consumer "$CONSUMER" > /tmp/stale 2>&1
	status=$?
	cat /tmp/stale
	[ "$status" -eq 10 ] || fail "scap-compat check with a stale module: exit $status, not 10"
	stale="stale: the loaded module is API $API, older than the installed API $NEXT_API; reload it"
	summary=$(tail -n 1 /tmp/stale)
	case $summary in
	"scap-compat: compatible with warnings: "*"$stale; fix: $reload (when no consumer runs)") ;;
	*) fail "the summary does not report the stale module and how to reload: $summary" ;;
	esac
	echo "$summary"
}

# --- boot2: after a reboot ----------------------------------------------

step_reboot_loaded() {
	modprobe "$MODULE" || fail "modprobe $MODULE failed"
	[ "$(loaded_version)" = "$NEXT_API" ] || fail "after the reboot the loaded module is API $(loaded_version), not $NEXT_API"
	loaded_is_installed
	scap-compat check --api "$API" --consumer "$CONSUMER" > /tmp/compat 2>&1
	status=$?
	cat /tmp/compat
	[ "$status" -eq 0 ] || fail "scap-compat check after the reboot: exit $status, not 0"
	summary=$(tail -n 1 /tmp/compat)
	case $summary in
	"scap-compat: compatible: $CONSUMER needs API $API;"*) ;;
	*) fail "not a clean compatible summary: $summary" ;;
	esac
	echo "modprobe loaded $NEXT_API; $summary"
}

step_remove_purge() {
	modprobe -r "$MODULE" || fail "modprobe -r $MODULE failed with no consumer running"
	apt-get remove -y "$PACKAGE" || fail "apt-get remove $PACKAGE failed"
	found=$(find /lib/modules -name "$MODULE.ko*")
	[ -z "$found" ] || fail "after remove: $found"
	! grep -q "/$MODULE.ko:" "$modules/modules.dep" || fail "modules.dep still lists $MODULE.ko after remove"
	apt-get purge -y "$PACKAGE" || fail "apt-get purge $PACKAGE failed"
	dpkg -s "$PACKAGE" > /dev/null 2>&1 && fail "dpkg still knows $PACKAGE after the purge"
	[ -z "$(dkms status "$MODULE")" ] || fail "dkms status after the purge: $(dkms status "$MODULE")"
	for left in "/var/lib/dkms/$MODULE" /usr/src/"$MODULE"-*; do
		[ ! -e "$left" ] || fail "left after the purge: $left"
	done
	if modprobe "$MODULE" 2> /dev/null; then
		fail "modprobe $MODULE still loads a module"
	fi
	dpkg_clean
	echo "remove and purge: no $MODULE.ko under /lib/modules, no DKMS state, no sources; modprobe $MODULE fails"
}

phase=${1:-}
[ $# -ge 2 ] || {
	echo "usage: steps.sh host|boot1|boot2 STEP..." >&2
	exit 2
}
shift
for name in "$@"; do
	log=$logs/$name
	echo "scap-journey: $phase/$name"
	if (set -u; "step_$name") < /dev/null > "$log" 2>&1; then
		report "SCAP-TEST $name PASS $(tail -n 1 "$log")"
	else
		report "SCAP-TEST $name FAIL $(tail -n 1 "$log")"
		report "SCAP-LOG-BEGIN $name"
		cat "$log" >> "$out"
		report "SCAP-LOG-END $name"
		break
	fi
done
if [ "$phase" != host ]; then
	report SCAP-DMESG-BEGIN
	dmesg --color=never >> "$out"
	report SCAP-DMESG-END
fi
report SCAP-DONE
