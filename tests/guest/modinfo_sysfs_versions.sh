#!/bin/sh
# The versions in the module's metadata equal driver-src's: modinfo's
# version/api_version/schema_version, and /sys/module/<name>/version, which
# an unprivileged user can read without opening a device.
. /scap/lib.sh

field() {
	modinfo -F "$1" "$SCAP_KO" 2>/dev/null || modinfo "$SCAP_KO" | sed -n "s/^$1:[[:space:]]*//p"
}

for pair in "version $SCAP_API_VERSION" "api_version $SCAP_API_VERSION" "schema_version $SCAP_SCHEMA_VERSION"; do
	set -- $pair
	have=$(field "$1")
	[ "$have" = "$2" ] || fail "modinfo $1 is \"$have\", driver-src says $2"
done

sysfs=/sys/module/$SCAP_MODULE/version
[ -r "$sysfs" ] || fail "$sysfs does not exist (MODULE_VERSION missing?)"
have=$(cat "$sysfs")
[ "$have" = "$SCAP_API_VERSION" ] || fail "$sysfs is \"$have\", driver-src's API version is $SCAP_API_VERSION"
as_nobody=$(su -s /bin/sh -c "id -u; cat $sysfs" nobody 2>&1) ||
	fail "uid 65534 cannot read $sysfs: $as_nobody"
[ "$as_nobody" = "65534
$SCAP_API_VERSION" ] || fail "uid 65534 reads \"$as_nobody\" from $sysfs"
echo "modinfo and sysfs say API $SCAP_API_VERSION, schema $SCAP_SCHEMA_VERSION (sysfs readable by uid 65534)"
