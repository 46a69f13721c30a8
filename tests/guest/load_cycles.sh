#!/bin/sh
# 100 load/unload cycles; each one opens a device and checks sysfs, so a
# leaked device number, class or ring fails a later cycle.
. /scap/lib.sh

cycles=100
loaded && { rmmod "$SCAP_MODULE" || fail "cannot unload before the cycles"; }
i=1
while [ "$i" -le "$cycles" ]; do
	insmod "$SCAP_KO" || fail "cycle $i: insmod failed"
	devices_present || fail "cycle $i: devices missing after insmod"
	[ "$(cat "/sys/module/$SCAP_MODULE/version" 2>&1)" = "$SCAP_API_VERSION" ] ||
		fail "cycle $i: /sys/module/$SCAP_MODULE/version is not $SCAP_API_VERSION"
	exec 3<> "/dev/${SCAP_MODULE}0" || fail "cycle $i: cannot open /dev/${SCAP_MODULE}0"
	exec 3>&-
	rmmod "$SCAP_MODULE" || fail "cycle $i: rmmod failed"
	! loaded || fail "cycle $i: still loaded after rmmod"
	no_device_left || fail "cycle $i: devices left after rmmod"
	i=$((i + 1))
done
insmod "$SCAP_KO" || fail "insmod after $cycles cycles failed"
echo "$cycles load/open/unload cycles"
