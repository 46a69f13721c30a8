#!/bin/sh
# scap-compat check as root while max_consumers consumers run: it opens
# /dev/scap0 read-only, a query handle that needs no consumer slot, so it
# still asks the device (exit 0, the versions from the ioctl, no note that
# the device was not asked) and leaves every slot as it was (a consumer
# gets EBUSY after it; one gets in once a consumer left). The consumers
# are support/hold_consumer processes; they are stopped and the module is
# loaded again with its default parameters on every exit path.
# scap-vm: needs scap-compat jq
. /scap/lib.sh

max=2
json=/tmp/compat-max.json
held=

restore() {
	for pid in $held; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	held=
	rmmod "$SCAP_MODULE" 2>/dev/null
	insmod "$SCAP_KO"
}
trap restore EXIT

# Starts a consumer that holds every device; fails unless it got them.
hold() { # NAME
	hold_consumer > "/tmp/$1.out" 2>&1 &
	held="$held $!"
	tries=0
	until grep -q '^ready ' "/tmp/$1.out" 2>/dev/null; do
		grep -q '^error: ' "/tmp/$1.out" 2>/dev/null && fail "consumer $1: $(cat "/tmp/$1.out")"
		tries=$((tries + 1))
		[ "$tries" -lt 300 ] || fail "consumer $1 did not report within 30 s"
		sleep 0.1
	done
}

expect_busy() { # WHEN
	out=$(hold_consumer --once) && fail "a consumer beyond max_consumers=$max got in $1: $out"
	case $out in
	*"Device or resource busy") ;;
	*) fail "a consumer beyond max_consumers=$max $1: not EBUSY: $out" ;;
	esac
}

default_max=$(cat "/sys/module/$SCAP_MODULE/parameters/max_consumers") ||
	fail "the module is not loaded with its default parameters"
rmmod "$SCAP_MODULE" && insmod "$SCAP_KO" max_consumers=$max ||
	fail "cannot load $SCAP_KO with max_consumers=$max"
hold first
hold second
expect_busy "before the check"

scap-compat check --api "$SCAP_API_VERSION" --schema "$SCAP_SCHEMA_VERSION" --json > "$json" 2> /tmp/err
status=$?
[ "$status" -eq 0 ] || { cat "$json" /tmp/err; fail "check with max_consumers=$max consumers running: exit $status, not 0"; }
json_true "$json" '.outcome == "compatible" and .exit_code == 0' "the outcome is not compatible"
json_true "$json" "$(driver loaded_module) | .versions_from == \"ioctl on /dev/${SCAP_MODULE}0\"
	and .api == \"$SCAP_API_VERSION\" and .schema == \"$SCAP_SCHEMA_VERSION\"
	and .verdict == \"compatible\" and .messages == []" \
	"with max_consumers=$max consumers running the check did not read API $SCAP_API_VERSION/schema $SCAP_SCHEMA_VERSION from the device's ioctl"

# The check left the slots as they were.
expect_busy "after the check"
first=${held# }
first=${first%% *}
kill -9 "$first" && wait "$first" 2>/dev/null
held=${held#* "$first"}
hold third
expect_busy "after one consumer left and another took its place"

restore
trap - EXIT
[ "$(cat "/sys/module/$SCAP_MODULE/parameters/max_consumers")" = "$default_max" ] ||
	fail "the module is not loaded again with its default max_consumers"
echo "with max_consumers=$max consumers running: check --api $SCAP_API_VERSION exits 0 with API $SCAP_API_VERSION/schema $SCAP_SCHEMA_VERSION from the ioctl of a read-only /dev/${SCAP_MODULE}0; the slots stay as they were"
