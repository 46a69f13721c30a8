#!/bin/sh
# scap-compat check, as root, with the module loaded: it reads the loaded
# module's version from sysfs and from the version ioctls of /dev/scap0
# (which agree), and the installed module's from its .modinfo; for this
# API it is compatible (exit 0); for the next minor it is incompatible
# (exit 20) with the compatibility rules' message.
# scap-vm: needs scap-compat jq
. /scap/lib.sh

json=/tmp/compat.json
installed=/lib/modules/$(uname -r)/extra/$SCAP_MODULE.ko
sysfs=$(cat "/sys/module/$SCAP_MODULE/version")
[ "$sysfs" = "$SCAP_API_VERSION" ] || fail "sysfs says $sysfs, driver-src $SCAP_API_VERSION"

scap-compat check --api "$SCAP_API_VERSION" --schema "$SCAP_SCHEMA_VERSION" --json > "$json" 2> /tmp/err
status=$?
[ "$status" -eq 0 ] || { cat "$json" /tmp/err; fail "check --api $SCAP_API_VERSION: exit $status, not 0"; }
[ ! -s /tmp/err ] || fail "check wrote to stderr: $(cat /tmp/err)"
json_true "$json" '.outcome == "compatible" and .exit_code == 0' "the outcome is not compatible"
loaded=$(driver loaded_module)
json_true "$json" "[$loaded] | length == 1" "no loaded module reported"
# sysfs is read first; a different answer from the ioctl is an error, so
# no error and the ioctl's version equal to sysfs's means they agree.
json_true "$json" "$loaded | .location == \"/sys/module/$SCAP_MODULE\"
	and .versions_from == \"ioctl on /dev/${SCAP_MODULE}0\"
	and .api == \"$sysfs\" and .schema == \"$SCAP_SCHEMA_VERSION\"
	and .verdict == \"compatible\" and .messages == []" \
	"the loaded module is not API $SCAP_API_VERSION/schema $SCAP_SCHEMA_VERSION by ioctl, agreeing with sysfs"
json_true "$json" "$(driver installed_module) | .location == \"$installed\"
	and .versions_from == \".modinfo\" and .api == \"$SCAP_API_VERSION\"
	and .schema == \"$SCAP_SCHEMA_VERSION\" and .verdict == \"compatible\"" \
	"the installed module is not $installed of API $SCAP_API_VERSION"

next=$SCAP_OTHER_API_VERSION
scap-compat check --api "$next" > /tmp/human 2> /tmp/err
status=$?
[ "$status" -eq 20 ] || { cat /tmp/human /tmp/err; fail "check --api $next: exit $status, not 20"; }
rule="driver API version $SCAP_API_VERSION, required $next: the driver lacks the API additions of ${next%.*}; upgrade the driver to $next or later"
summary=$(tail -n1 /tmp/human)
case $summary in
"scap-compat: incompatible: the consumer needs API $next; "*"$rule"*) ;;
*) fail "check --api $next: the summary is not the rules' message \"$rule\": $summary" ;;
esac
scap-compat check --api "$next" --json > "$json"
json_true "$json" ".outcome == \"incompatible\" and .exit_code == 20
	and ([.drivers[] | select(.verdict == \"incompatible\")] | length == 2)
	and ($loaded | .messages | map(.text) | index(\"$rule\") != null)" \
	"the JSON of check --api $next does not judge both modules incompatible with \"$rule\""
echo "check --api $SCAP_API_VERSION: compatible (loaded $sysfs by sysfs and ioctl, installed by .modinfo); --api $next: exit 20, $rule"
