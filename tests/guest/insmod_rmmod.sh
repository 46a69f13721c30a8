#!/bin/sh
# insmod creates one device per possible CPU, rmmod removes the module and
# every device, and the module loads again afterwards.
. /scap/lib.sh

if loaded; then
	rmmod "$SCAP_MODULE" || fail "rmmod of the already loaded module failed"
fi
no_device_left || fail "/dev/$SCAP_MODULE* exist while the module is not loaded"
insmod "$SCAP_KO" || fail "insmod $SCAP_KO failed"
loaded || fail "insmod succeeded but /sys/module/$SCAP_MODULE is missing"
devices_present || fail "after insmod: want /dev/${SCAP_MODULE}0..$(($(possible_cpus) - 1)), have: $(ls /dev | grep "^$SCAP_MODULE" | tr '\n' ' ')"
rmmod "$SCAP_MODULE" || fail "rmmod $SCAP_MODULE failed"
! loaded || fail "rmmod succeeded but /sys/module/$SCAP_MODULE is still there"
no_device_left || fail "after rmmod: devices remain: $(ls /dev | grep "^$SCAP_MODULE" | tr '\n' ' ')"
insmod "$SCAP_KO" || fail "insmod after rmmod failed"
devices_present || fail "after the second insmod the devices are missing"
echo "insmod made $(possible_cpus) devices, rmmod removed them, reload works"
