#!/bin/sh
# scap-compat check with the given module loaded: a consumer of the
# module's API major (e.g. sid's sysdig, API 8) is compatible, by the
# loaded module's version ioctls and the installed module's .modinfo; a
# consumer of API 1 (Debian 12's sysdig) is not (exit 20), and the advice
# names the DKMS package of API 1.
# scap-vm: needs scap-compat jq
. /scap/lib.sh

json=/tmp/compat.json
major=${SCAP_API_VERSION%%.*}
same=$major.0.0
other=1.0.0
[ "$major" -ne 1 ] || fail "the given module is of API 1: give a module of another major"

scap-compat check --api "$same" --json > "$json" 2> /tmp/err
status=$?
[ "$status" -eq 0 ] || { cat "$json" /tmp/err; fail "check --api $same: exit $status, not 0"; }
json_true "$json" '.outcome == "compatible" and .exit_code == 0' "check --api $same: the outcome is not compatible"
json_true "$json" "$(driver loaded_module) | .location == \"/sys/module/$SCAP_MODULE\"
	and .versions_from == \"ioctl on /dev/${SCAP_MODULE}0\"
	and .api == \"$SCAP_API_VERSION\" and .schema == \"$SCAP_SCHEMA_VERSION\"
	and .verdict == \"compatible\"" \
	"the loaded module is not API $SCAP_API_VERSION/schema $SCAP_SCHEMA_VERSION by its ioctls"
json_true "$json" "$(driver installed_module) | .versions_from == \".modinfo\"
	and .api == \"$SCAP_API_VERSION\" and .verdict == \"compatible\"" \
	"the installed module is not API $SCAP_API_VERSION by its .modinfo"

scap-compat check --api "$other" > /tmp/human 2> /tmp/err
status=$?
[ "$status" -eq 20 ] || { cat /tmp/human /tmp/err; fail "check --api $other: exit $status, not 20"; }
rule="driver API version $SCAP_API_VERSION, required $other: different major versions are incompatible"
advice="apt-get install scap-api${other%%.*}-dkms"
for text in "$rule" "$advice"; do
	grep -qF "$text" /tmp/human || { cat /tmp/human; fail "check --api $other does not say \"$text\""; }
done
scap-compat check --api "$other" --json > "$json"
json_true "$json" '.outcome == "incompatible" and .exit_code == 20
	and ([.drivers[] | select(.verdict == "incompatible")] | length == 2)' \
	"check --api $other does not judge both modules incompatible"
echo "check --api $same: compatible (API $SCAP_API_VERSION by ioctl and .modinfo); --api $other: exit 20, $rule; advice: $advice"
