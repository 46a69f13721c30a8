#!/bin/sh
# scap-compat check as an unprivileged user (uid 65534): the loaded
# module's version still comes from sysfs (the device is root's), the
# verdict is the same, and --load-test is refused with one line.
# scap-vm: needs scap-compat jq
. /scap/lib.sh

json=/tmp/compat-nobody.json
as_nobody() {
	su -s /bin/sh -c "$*" nobody
}
[ "$(as_nobody id -u)" = 65534 ] || fail "su nobody does not run as uid 65534"
as_nobody "scap-compat check --api $SCAP_API_VERSION --json" > "$json" 2> /tmp/err
status=$?
[ "$status" -eq 0 ] || { cat "$json" /tmp/err; fail "check as uid 65534: exit $status, not 0"; }
loaded=$(driver loaded_module)
json_true "$json" "$loaded | .versions_from == \"sysfs version\"
	and .api == \"$SCAP_API_VERSION\" and .schema == null and .verdict == \"compatible\"
	and (.messages | map(.text) | any(startswith(\"run as root to also ask the device\")))" \
	"as uid 65534 the loaded module is not API $SCAP_API_VERSION from sysfs (with the note to run as root)"
json_true "$json" '.outcome == "compatible"' "as uid 65534 the outcome is not compatible"

as_nobody "scap-compat check --api $SCAP_API_VERSION --load-test" > /tmp/out 2> /tmp/err
status=$?
[ "$status" -eq 64 ] || fail "--load-test as uid 65534: exit $status, not 64: $(cat /tmp/err)"
[ "$(wc -l < /tmp/err)" -eq 1 ] && grep -q "needs root; run it as root" /tmp/err ||
	fail "--load-test as uid 65534: not one line asking for root: $(cat /tmp/err)"
echo "as uid 65534: API $SCAP_API_VERSION from sysfs, compatible; --load-test refused: $(cat /tmp/err)"
