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
# NEXT_API (the driver's and its upgrade's API), PACKAGE (the driver package), KIND (dkms: DKMS builds the
# module; modules: the prebuilt module package; probe: the eBPF probe,
# which scap-probe loads for each capture), KO_DIR (where the package
# puts the module, under /lib/modules/KERNEL; empty for the probe),
# PROBE_DIR (where the probe package puts its object), MODULE_SIGNER (the
# module's signer, empty for none), CONSUMER, CONSUMER_API (the API it
# needs) and KNOWN_FILE.
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
# Debian's PATH for root (scap-probe, which no package holds, is in /usr/local/bin).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

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

# The workload: opens FILE once a second until FILE.stop exists, a line
# in FILE.ticks after each open.
opener() {
	echo "scap journey" > "$1"
	rm -f "$1.stop" "$1.ticks"
	(while [ ! -e "$1.stop" ]; do cat "$1" > /dev/null; echo >> "$1.ticks"; sleep 1; done) &
}

ticks() {
	if [ -e "$1.ticks" ]; then wc -l < "$1.ticks"; else echo 0; fi
}

# more_ticks FILE COUNT: the opener of FILE opened it twice since COUNT.
more_ticks() {
	[ "$(ticks "$1")" -ge $(($2 + 2)) ]
}

# opened_twice FILE: wait until the opener of FILE opens it twice more.
opened_twice() {
	from=$(ticks "$1")
	wait_for 60 more_ticks "$1" "$from" || fail "the workload did not open $1 within 60 s"
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

# --- the probe: scap-probe capture loads it for each capture -------------

probe_file() {
	echo "$PROBE_DIR/${MODULE}_probe-$1.o"
}

# The BPF links (attached programs) of the running scap-probe, by id.
probe_links() {
	for info in /proc/"$probe_pid"/fdinfo/*; do
		sed -n 's/^link_id:[[:space:]]*//p' "$info" 2> /dev/null
	done | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# scap-probe attached its two syscall programs at least, and no more for
# two seconds (it attaches them one by one).
probe_attached() {
	kill -0 "$probe_pid" 2> /dev/null || return 0
	attached=$(probe_links | wc -w)
	[ "$attached" -ge 2 ] || return 1
	sleep 2
	[ "$(probe_links | wc -w)" -eq "$attached" ]
}

# start_probe NAME: `scap-probe capture -w NAME.scap` with the installed
# probe in the background, returning once its programs are attached.
start_probe() {
	scap-probe capture -w "$1.scap" > "$1.out" 2> "$1.err" &
	probe_pid=$!
	wait_for 120 probe_attached || fail "after 120 s scap-probe had not attached the probe: $(tail -n 3 "$1.err" | tr '\n' ' ')"
	kill -0 "$probe_pid" 2> /dev/null || fail "scap-probe capture exited: $(tail -n 3 "$1.err" | tr '\n' ' ')"
}

# stop_probe NAME: SIGINT; scap-probe writes NAME.scap and exits 0.
stop_probe() {
	kill -INT "$probe_pid"
	wait "$probe_pid"
	status=$?
	[ "$status" -eq 0 ] || fail "scap-probe capture exited $status: $(tail -n 3 "$1.err" | tr '\n' ' ')"
	[ -s "$1.scap" ] || fail "scap-probe wrote no $1.scap"
}

# probe_saw NAME FILE: sysdig -r of NAME.scap has cat's openat of FILE.
probe_saw() {
	sysdig -r "$1.scap" -p '%evt.type %evt.dir %proc.name %fd.name' \
		"proc.name=cat and evt.type=openat and fd.name=$2" > "$1.read" 2> "$1.read.err" ||
		fail "sysdig -r $1.scap failed: $(tail -n 3 "$1.read.err" | tr '\n' ' ')"
	grep -q "^openat < cat $2\$" "$1.read" || fail "sysdig -r $1.scap shows no openat of $2 by cat: $(tail -n 3 "$1.read" | tr '\n' ' ')"
}

# probe_capture NAME FILE: a capture through the installed probe of cat
# opening FILE; says so in $captured.
probe_capture() {
	opener "$2"
	start_probe "$1"
	links=$(probe_links)
	opened_twice "$2"
	touch "$2.stop"
	stop_probe "$1"
	probe_saw "$1" "$2"
	captured="scap-probe capture (BPF links $links) recorded cat's openat of $2 ($(grep -o 'wrote [0-9]* events' "$1.err"))"
}

# scap-probe info of the installed probe names VERSION's object, compatible.
probe_info_is() {
	scap-probe info > /tmp/probe-info 2>&1 || fail "scap-probe info: $(cat /tmp/probe-info)"
	cat /tmp/probe-info
	has_line /tmp/probe-info "probe           $(probe_file "$1")"
	grep -q "^API version     $1 " /tmp/probe-info || fail "scap-probe info: not API $1"
	has_line /tmp/probe-info "verdict         compatible"
}

# compat_clean VERSION: scap-compat check exits 0 with a clean summary
# naming, for the probe, the probe of VERSION as the usable driver.
compat_clean() {
	scap-compat check --api "$CONSUMER_API" --consumer "$CONSUMER" > /tmp/compat 2>&1
	status=$?
	cat /tmp/compat
	[ "$status" -eq 0 ] || fail "scap-compat check: exit $status, not 0"
	summary=$(tail -n 1 /tmp/compat)
	usable=
	[ "$KIND" = probe ] && usable="probe (API $1)"
	case $summary in
	"scap-compat: compatible: $CONSUMER needs API $CONSUMER_API; usable: "*"$usable") ;;
	*) fail "not a clean compatible summary: $summary" ;;
	esac
}

# The loaded module's API version, as its device answers the ioctl
# (sysfs's version is an upstream tree's release, not its API).
loaded_version() {
	scap-compat status 2> /dev/null | sed -n 's/^  device: API \([^ ]*\) schema .*/\1/p'
}

# The package's module file: scap.ko, or compressed as the kernel's
# modules are where dkms compresses (sid's: scap.ko.xz).
find_ko() {
	for file in "$modules/$KO_DIR/$MODULE.ko" "$modules/$KO_DIR/$MODULE.ko".*; do
		if [ -e "$file" ]; then
			ko=$file
			return
		fi
	done
}

# The loaded module is the build modprobe finds (through modules.dep).
loaded_is_installed() {
	find_ko
	file=$(modinfo -n "$MODULE") || fail "modinfo finds no $MODULE"
	[ "$file" = "$ko" ] || fail "modprobe finds $file, not $PACKAGE's $ko"
	grep -q "^${ko#"$modules/"}:" "$modules/modules.dep" || fail "modules.dep has no ${ko#"$modules/"}"
	[ "$(cat "/sys/module/$MODULE/srcversion")" = "$(modinfo -F srcversion "$file")" ] ||
		fail "the loaded module's srcversion is not that of $file"
}

# --- host: in the chroot, before the first boot -------------------------

step_install() {
	apt_update || fail "apt-get update of the local repository failed"
	# sysdig recommends Debian's falcosecurity-scap-dkms, which only a module
	# package of ours replaces: a user who chose the probe declines it.
	recommends=
	[ "$KIND" = probe ] && recommends=--no-install-recommends
	apt-get install -y $recommends "$PACKAGE" "$CONSUMER" scap-compat > "$logs/apt" 2>&1 ||
		{ cat "$logs/apt"; fail "apt-get install $recommends $PACKAGE $CONSUMER scap-compat failed"; }
	cat "$logs/apt"
	# An upstream tree's DKMS package comes with its transitional
	# falcosecurity-scap-dkms (RELEASE+apiM), which stands in for Debian's.
	debians=$(dpkg-query -W -f '${Version}' falcosecurity-scap-dkms 2> /dev/null)
	case $debians in
	"" | *+api"${API%%.*}") ;;
	*) fail "apt installed Debian's falcosecurity-scap-dkms $debians beside $PACKAGE" ;;
	esac
	dpkg_clean
	if [ "$KIND" = probe ]; then
		probe_info_is "$API"
		found=$(find /lib/modules -name "$MODULE.ko*")
		[ -z "$found" ] || fail "the probe package installed a module: $found"
		echo "apt-get install $recommends $PACKAGE $CONSUMER: $(probe_file "$API") (API $API), no module"
		return
	fi
	find_ko
	[ "$(modinfo -F api_version "$ko")" = "$API" ] || fail "$ko is not API $API"
	if [ "$KIND" = dkms ]; then
		has_line "$logs/apt" "$PACKAGE: $MODULE.ko $API installed for kernel $KERNEL"
		status=$(dkms status "$MODULE")
		[ "$status" = "$MODULE/$API, $KERNEL, x86_64: installed" ] || fail "dkms status: $status"
	fi
	signed_by=$(modinfo -F signer "$ko")
	[ "$signed_by" = "$MODULE_SIGNER" ] || fail "$ko is signed by \"$signed_by\", not \"$MODULE_SIGNER\""
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

step_load() {
	if [ "$KIND" = probe ]; then
		probe_info_is "$API"
		start_probe /tmp/load
		links=$(probe_links)
		stop_probe /tmp/load
		[ -d "/sys/module/$MODULE" ] && fail "a module $MODULE is loaded"
		echo "scap-probe capture loaded $(probe_file "$API") and attached it (BPF links $links); no module"
		return
	fi
	modprobe "$MODULE" || fail "modprobe $MODULE failed"
	loaded_is_installed
	wait_for 30 test -c "/dev/${MODULE}0" || fail "udev made no /dev/${MODULE}0"
	[ "$(loaded_version)" = "$API" ] || fail "the loaded module is API $(loaded_version), not $API"
	echo "modprobe $MODULE loaded $ko (API $API, signer \"$(modinfo -F signer "$ko")\", taint \"$(cat "/sys/module/$MODULE/taint")\"); /dev/${MODULE}0 is there"
}

step_capture() {
	if [ "$KIND" = probe ]; then
		probe_capture /tmp/capture "$KNOWN_FILE"
		echo "$captured"
		return
	fi
	opener "$KNOWN_FILE"
	start_sysdig /tmp/capture
	sysdig_saw /tmp/capture "$KNOWN_FILE" 300
	touch "$KNOWN_FILE.stop"
	stop_sysdig
	echo "$CONSUMER printed cat's openat of $KNOWN_FILE live ($(wc -l < /tmp/capture.out) lines)"
}

step_compat() {
	compat_clean "$API"
	echo "$summary"
}

# The apt source of the next minor, switched on.
next_repo_on() {
	mv /etc/apt/sources.list.d/scap-next.list.off /etc/apt/sources.list.d/scap-next.list
	apt_update || fail "apt-get update of the local repositories failed"
}

# The upgrade of the probe package while a capture runs on the old probe:
# its programs stay attached and it keeps capturing.
upgrade_probe_live() {
	before=$KNOWN_FILE.before
	after=$KNOWN_FILE.after
	opener "$before"
	start_probe /tmp/live
	opened_twice "$before"
	links=$(probe_links)
	next_repo_on
	started=$(date +%s)
	apt-get install -y "$PACKAGE" > "$logs/apt-upgrade" 2>&1 ||
		{ cat "$logs/apt-upgrade"; fail "apt-get install $PACKAGE (the upgrade) failed"; }
	took=$(($(date +%s) - started))
	cat "$logs/apt-upgrade"
	kill -0 "$probe_pid" 2> /dev/null || fail "scap-probe died during the upgrade: $(tail -n 3 /tmp/live.err | tr '\n' ' ')"
	[ "$(probe_links)" = "$links" ] || fail "the running capture's links were $links, now $(probe_links)"
	[ -f "$(probe_file "$NEXT_API")" ] || fail "the upgrade installed no $(probe_file "$NEXT_API")"
	[ ! -e "$(probe_file "$API")" ] || fail "the upgrade left $(probe_file "$API")"
	opener "$after"
	opened_twice "$after"
	touch "$before.stop" "$after.stop"
	stop_probe /tmp/live
	probe_saw /tmp/live "$before"
	probe_saw /tmp/live "$after"
	dpkg_clean
	echo "upgraded to $NEXT_API in ${took} s while scap-probe captured through the probe of $API (links $links still attached): it recorded the workloads started before and after"
}

# The upgrade, with the old module loaded and the consumer capturing.
step_upgrade_live() {
	if [ "$KIND" = probe ]; then
		upgrade_probe_live
		return
	fi
	before=$KNOWN_FILE.before
	after=$KNOWN_FILE.after
	opener "$before"
	start_sysdig /tmp/live
	sysdig_saw /tmp/live "$before" 300
	srcversion=$(cat "/sys/module/$MODULE/srcversion")
	refcnt=$(cat "/sys/module/$MODULE/refcnt")
	[ "$refcnt" -gt 0 ] || fail "the module's refcnt is $refcnt with $CONSUMER capturing"
	next_repo_on
	started=$(date +%s)
	apt-get install -y "$PACKAGE" > "$logs/apt-upgrade" 2>&1 ||
		{ cat "$logs/apt-upgrade"; stop_sysdig; fail "apt-get install $PACKAGE (the upgrade) failed"; }
	took=$(($(date +%s) - started))
	cat "$logs/apt-upgrade"
	if [ "$KIND" = dkms ]; then
		has_line "$logs/apt-upgrade" "$PACKAGE: $MODULE.ko $NEXT_API installed for kernel $KERNEL"
		tr -d '\r' < "$logs/apt-upgrade" |
			grep -q "^$PACKAGE: the loaded $MODULE module (.*) is not the one installed for kernel $KERNEL; reload it once no consumer uses it: modprobe -r $MODULE && modprobe $MODULE\$" ||
			fail "the upgrade did not say that the loaded module is stale and how to reload it"
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
	[ "$(modinfo -F api_version "$MODULE")" = "$NEXT_API" ] || fail "modprobe would not find API $NEXT_API"
	dpkg_clean
	echo "upgraded to $NEXT_API in ${took} s while $CONSUMER captured through API $API (refcnt $refcnt): still loaded, still capturing"
}

step_stale() {
	if [ "$KIND" = probe ]; then
		# Nothing stays loaded between captures: the next one loads the
		# installed probe, so nothing is stale.
		compat_clean "$NEXT_API"
		grep -q stale /tmp/compat && fail "scap-compat reports something stale"
		echo "nothing stale (each capture loads the installed probe): $summary"
		return
	fi
	scap-compat check --api "$CONSUMER_API" --consumer "$CONSUMER" > /tmp/stale 2>&1
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
	if [ "$KIND" = probe ]; then
		probe_info_is "$NEXT_API"
		probe_capture /tmp/reboot "$KNOWN_FILE"
		compat_clean "$NEXT_API"
		echo "the probe of $NEXT_API: $captured; $summary"
		return
	fi
	modprobe "$MODULE" || fail "modprobe $MODULE failed"
	loaded_is_installed
	wait_for 30 test -c "/dev/${MODULE}0" || fail "udev made no /dev/${MODULE}0"
	[ "$(loaded_version)" = "$NEXT_API" ] || fail "after the reboot the loaded module is API $(loaded_version), not $NEXT_API"
	compat_clean "$NEXT_API"
	echo "modprobe loaded $NEXT_API; $summary"
}

step_remove_purge() {
	if [ "$KIND" != probe ]; then
		modprobe -r "$MODULE" || fail "modprobe -r $MODULE failed with no consumer running"
	fi
	apt-get remove -y "$PACKAGE" || fail "apt-get remove $PACKAGE failed"
	found=$(find /lib/modules "$PROBE_DIR" -name "$MODULE.ko*" -o -name "${MODULE}_probe-*" 2> /dev/null)
	[ -z "$found" ] || fail "after remove: $found"
	! grep -q "/$MODULE.ko:" "$modules/modules.dep" || fail "modules.dep still lists $MODULE.ko after remove"
	apt-get purge -y "$PACKAGE" || fail "apt-get purge $PACKAGE failed"
	dpkg -s "$PACKAGE" > /dev/null 2>&1 && fail "dpkg still knows $PACKAGE after the purge"
	[ -z "$(dkms status "$MODULE")" ] || fail "dkms status after the purge: $(dkms status "$MODULE")"
	for left in "/var/lib/dkms/$MODULE" /usr/src/"$MODULE"-* "$PROBE_DIR"; do
		[ ! -e "$left" ] || fail "left after the purge: $left"
	done
	if modprobe "$MODULE" 2> /dev/null; then
		fail "modprobe $MODULE still loads a module"
	fi
	if [ "$KIND" = probe ]; then
		scap-probe capture -w /tmp/purged.scap > /tmp/purged 2>&1 && fail "scap-probe capture still runs"
		grep -q "$(probe_file "$API"): cannot read" /tmp/purged || fail "scap-probe capture: $(cat /tmp/purged)"
	fi
	scap-compat check --api "$CONSUMER_API" --consumer "$CONSUMER" > /tmp/purged-check 2>&1
	status=$?
	[ "$status" -eq 30 ] || fail "scap-compat check after the purge: exit $status, not 30 (no driver): $(tail -n 1 /tmp/purged-check)"
	dpkg_clean
	echo "remove and purge: no $MODULE.ko under /lib/modules, no probe in $PROBE_DIR, no DKMS state, no sources; modprobe $MODULE fails; scap-compat check: no driver"
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
