#!/bin/sh
# A stale module: the module installed for this kernel (where modprobe
# finds it, per modules.dep) is a build of driver-src declaring the next
# API minor, while the loaded one is still this API. scap-compat check
# reports the loaded module as stale with the reload command (exit 10);
# running that command loads the installed module and the warning goes.
# The original module is installed and loaded again on every exit path.
# scap-vm: needs scap-compat other-api-module jq
. /scap/lib.sh

modules=/lib/modules/$(uname -r)
installed=$modules/extra/$SCAP_MODULE.ko
sysfs=/sys/module/$SCAP_MODULE/version
json=/tmp/compat-stale.json
other=$SCAP_OTHER_API_VERSION

restore() {
	cp "$SCAP_KO" "$installed" && depmod || return 1
	[ "$(cat "$sysfs" 2>/dev/null)" = "$SCAP_API_VERSION" ] && return 0
	rmmod "$SCAP_MODULE" 2>/dev/null
	insmod "$SCAP_KO"
}
trap restore EXIT

[ "$(cat "$sysfs")" = "$SCAP_API_VERSION" ] || fail "the loaded module is not API $SCAP_API_VERSION to begin with"
cp "$SCAP_OTHER_API_KO" "$installed" && depmod || fail "cannot install $SCAP_OTHER_API_KO as $installed"
[ "$(modinfo -F version "$installed")" = "$other" ] || fail "$SCAP_OTHER_API_KO is not API $other"

scap-compat check --api "$SCAP_API_VERSION" > /tmp/human 2> /tmp/err
status=$?
[ "$status" -eq 10 ] || { cat /tmp/human /tmp/err; fail "check with a stale module: exit $status, not 10"; }
stale="stale: the loaded module is API $SCAP_API_VERSION, older than the installed API $other; reload it"
reload="modprobe -r $SCAP_MODULE && modprobe $SCAP_MODULE"
summary=$(tail -n1 /tmp/human)
case $summary in
"scap-compat: compatible with warnings: "*"$stale; fix: $reload (when no consumer runs)") ;;
*) fail "the summary does not report the stale module and the reload command: $summary" ;;
esac
scap-compat check --api "$SCAP_API_VERSION" --json > "$json"
json_true "$json" ".outcome == \"compatible_with_warnings\"
	and ($(driver loaded_module) | .api == \"$SCAP_API_VERSION\" and .verdict == \"warning\"
		and (.messages | map(.text) | index(\"$stale\") != null)
		and (.fixes | index(\"$reload (when no consumer runs)\") != null))
	and ($(driver installed_module) | .api == \"$other\" and .location == \"$installed\")" \
	"the JSON does not report the loaded module as stale with the reload command"

# The fix, as printed, reloads the installed module.
sh -c "$reload" || fail "the reload command failed: $reload"
[ "$(cat "$sysfs")" = "$other" ] || fail "after \"$reload\" the loaded module is API $(cat "$sysfs"), not $other"
scap-compat check --api "$SCAP_API_VERSION" > /tmp/human
status=$?
[ "$status" -eq 0 ] || { cat /tmp/human; fail "after the reload: exit $status, not 0"; }

restore || fail "cannot install and load $SCAP_KO again"
trap - EXIT
[ "$(cat "$sysfs")" = "$SCAP_API_VERSION" ] || fail "$SCAP_KO is not loaded again"
echo "installed API $other under the loaded $SCAP_API_VERSION: exit 10, \"$stale\", fix \"$reload\", which loads $other; the original module is back"
