#!/bin/sh
# scap-compat check as root against drivers we cannot run, played by the
# test fixture support/legacy_scap (module scap, /dev/scap0, sysfs version
# the same as the real module's, no consumer on open):
# - its version ioctls fail with ENOTTY (a driver from before API
#   versioning): the loaded module is incompatible (exit 20) with the
#   message that it predates API versioning, and the reload command;
# - they answer API $SCAP_OTHER_MAJOR_API_VERSION while sysfs says
#   $SCAP_API_VERSION: exit 20, the disagreement is the error.
# The installed module is the real one (compatible) throughout. The real
# module is loaded again on every exit path.
# scap-vm: needs scap-compat legacy-scap-module jq
. /scap/lib.sh

sysfs=/sys/module/$SCAP_MODULE
json=/tmp/compat-legacy.json
api=$SCAP_API_VERSION
reload="modprobe -r $SCAP_MODULE && modprobe $SCAP_MODULE (when no consumer runs)"

restore() {
	[ -e "$sysfs/parameters/api_code" ] || { [ -d "$sysfs" ] && return 0; }
	rmmod "$SCAP_MODULE" 2>/dev/null
	insmod "$SCAP_KO"
}
trap restore EXIT

load_legacy() { # PARAMS...
	rmmod "$SCAP_MODULE" || fail "cannot unload the real module"
	insmod "$SCAP_LEGACY_KO" "$@" || fail "cannot load the stand-in $SCAP_LEGACY_KO $*"
	[ -e "$sysfs/parameters/api_code" ] && [ "$(cat "$sysfs/version")" = "$api" ] ||
		fail "the loaded module is not the stand-in with sysfs version $api"
	[ -c "/dev/${SCAP_MODULE}0" ] || fail "the stand-in made no /dev/${SCAP_MODULE}0"
}

# Runs check --api $api twice (text, then --json); sets status and summary.
check() {
	scap-compat check --api "$api" > /tmp/human 2> /tmp/err
	status=$?
	[ ! -s /tmp/err ] || fail "check wrote to stderr: $(cat /tmp/err)"
	summary=$(tail -n1 /tmp/human)
	scap-compat check --api "$api" --json > "$json" 2> /tmp/err
	json_status=$?
	[ "$json_status" -eq "$status" ] || fail "check --json: exit $json_status, check: exit $status"
	[ "scap-compat: $(jq -r .summary "$json")" = "$summary" ] ||
		fail "the JSON's summary is not the text's last line: $summary"
}

[ "$(cat "$sysfs/version")" = "$api" ] || fail "the real module (API $api) is not loaded to begin with"
installed_ok="$(driver installed_module) | .api == \"$api\" and .verdict == \"compatible\""

# 1. ENOTTY: a driver that predates API versioning.
load_legacy
enotty="/dev/${SCAP_MODULE}0: the API version ioctl fails with ENOTTY: the driver predates API versioning"
check
[ "$status" -eq 20 ] || { cat /tmp/human; fail "ENOTTY: exit $status, not 20"; }
install="apt-get install $SCAP_DKMS_PACKAGE (or the prebuilt $SCAP_DEB_MODULES_PREFIX$(uname -r))"
fixes="install a versioned driver and reload the module when no consumer runs; $install; $reload"
[ "$summary" = "scap-compat: incompatible: the consumer needs API $api; loaded module $sysfs: $enotty; fix: $fixes" ] ||
	fail "ENOTTY: the summary does not report the driver as predating API versioning with the fixes \"$fixes\": $summary"
json_true "$json" ".outcome == \"incompatible\" and .exit_code == 20
	and ($(driver loaded_module) | .api == null and .schema == null and .verdict == \"incompatible\"
		and .messages == [{level: \"error\", text: \"$enotty\"}]
		and (.fixes | index(\"$reload\") != null))
	and ($installed_ok)" \
	"ENOTTY: the JSON does not report the loaded module as incompatible, predating API versioning"

# 2. sysfs says $api, the ioctl another major.
other=$SCAP_OTHER_MAJOR_API_VERSION
load_legacy api_code="$SCAP_OTHER_MAJOR_API_CODE" schema_code="$SCAP_SCHEMA_CODE"
disagree="sysfs says API $api but the device's ioctl says $other: the module is inconsistent"
check
[ "$status" -eq 20 ] || { cat /tmp/human; fail "sysfs $api, ioctl $other: exit $status, not 20"; }
fixes="reinstall the module, then $reload; $reload"
[ "$summary" = "scap-compat: incompatible: the consumer needs API $api; loaded module $sysfs: $disagree; fix: $fixes" ] ||
	fail "sysfs $api, ioctl $other: the summary does not name the disagreement with the fixes \"$fixes\": $summary"
json_true "$json" ".outcome == \"incompatible\" and .exit_code == 20
	and ($(driver loaded_module) | .api == \"$other\" and .schema == \"$SCAP_SCHEMA_VERSION\"
		and .versions_from == \"ioctl on /dev/${SCAP_MODULE}0\" and .verdict == \"incompatible\"
		and .messages[0] == {level: \"error\", text: \"$disagree\"})
	and ($installed_ok)" \
	"sysfs $api, ioctl $other: the JSON does not report the disagreement as the loaded module's first error"

restore || fail "cannot load $SCAP_KO again"
trap - EXIT
[ ! -e "$sysfs/parameters/api_code" ] && [ "$(cat "$sysfs/version")" = "$api" ] ||
	fail "the real module is not loaded again"
echo "stand-in with ENOTTY: exit 20, \"$enotty\"; sysfs $api vs ioctl $other: exit 20, \"$disagree\"; the real module is back"
