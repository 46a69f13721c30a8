#!/bin/sh
# scap-compat status with the module loaded, in its human form and --json
# (both exit 0, nothing on stderr):
# - as root: the loaded module's version from sysfs and its API and schema
#   versions from the device's ioctls; the module installed for the running
#   kernel (the runner's copy in extra/, found through modules.dep) with its
#   versions from .modinfo and its origin, no package (copied by hand);
# - as uid 65534: the sysfs part still answers, the device part says to run
#   as root; the installed module is still read;
# - installed the way dkms 3 installs it (updates/dkms/, its tree under
#   /var/lib/dkms): the origin is DKMS scap/<version>, and the DKMS section
#   shows the build as installed for this kernel.
# The runner's layout (extra/ and modules.dep) is put back on every exit path.
# scap-vm: needs scap-compat jq
. /scap/lib.sh

kernel=$(uname -r)
modules=/lib/modules/$kernel
extra=$modules/extra/$SCAP_MODULE.ko
dkms_ko=$modules/updates/dkms/$SCAP_MODULE.ko
dkms_tree=/var/lib/dkms/$SCAP_MODULE
dkms_src=/usr/src/$SCAP_MODULE-$SCAP_API_VERSION
sysfs=/sys/module/$SCAP_MODULE
api=$SCAP_API_VERSION
schema=$SCAP_SCHEMA_VERSION
json=/tmp/compat-status.json

restore() {
	rm -rf /var/lib/dkms "$dkms_src" "$modules/updates"
	cp "$SCAP_KO" "$extra" && depmod
}
trap restore EXIT

[ "$(cat "$sysfs/version")" = "$api" ] || fail "the module (API $api) is not loaded to begin with"
[ -f "$extra" ] || fail "the runner's copy $extra is missing"

# Runs status (as root, or as uid 65534 with "nobody"): the human form in
# /tmp/human, --json in $json.
status() { # [nobody]
	if [ "$1" = nobody ]; then
		su -s /bin/sh -c "scap-compat status" nobody > /tmp/human 2> /tmp/err
		rc=$?
		su -s /bin/sh -c "scap-compat status --json" nobody > "$json" 2>> /tmp/err
	else
		scap-compat status > /tmp/human 2> /tmp/err
		rc=$?
		scap-compat status --json > "$json" 2>> /tmp/err
	fi
	json_rc=$?
	if [ "$rc" -ne 0 ] || [ "$json_rc" -ne 0 ]; then
		cat /tmp/human /tmp/err
		fail "status ${1:-as root}: exit $rc, --json: exit $json_rc, not 0"
	fi
	[ ! -s /tmp/err ] || fail "status ${1:-as root} wrote to stderr: $(cat /tmp/err)"
}

# Fails with MESSAGE unless the human form has LINE, and NEXT right after
# it if given.
has_line() { # MESSAGE LINE [NEXT]
	grep -Fxq -- "$2" /tmp/human || { cat /tmp/human; fail "$1: no line \"$2\""; }
	[ $# -lt 3 ] || [ "$(grep -Fx -A1 -- "$2" /tmp/human | sed -n 2p)" = "$3" ] ||
		{ cat /tmp/human; fail "$1: \"$3\" does not follow \"$2\""; }
}

loaded_line="loaded: $SCAP_MODULE $api ($sysfs, 0 users)"
running="kernel $kernel (running):"
# The module installed for the running kernel: its one entry.
installed=".kernels | map(select(.running)) | if length == 1 then .[0] else error(\"not one running kernel\") end"
versions="{version: \"$api\", api: \"$api\", schema: \"$schema\"}"

# 1. As root, the runner's layout.
status
has_line "as root: the loaded module's sysfs version and the device's versions" \
	"$loaded_line" \
	"  device: API $api schema $schema"
has_line "as root: the installed module, its versions and origin" \
	"$running" \
	"  $extra: API $api, schema $schema, built for $kernel, from no package (copied by hand?) [modprobe loads this]"
has_line "as root: no DKMS" \
	"DKMS: no $SCAP_MODULE module"
json_true "$json" ".running_kernel == \"$kernel\"
	and .loaded == {state: \"live\", sysfs_dir: \"$sysfs\", version: \"$api\", refcnt: 0,
		device: {api: \"$api\", schema: \"$schema\"}, device_note: null}
	and ($installed | .kernel == \"$kernel\" and .modules_dep == \"listed\" and .error == null
		and (.modules | length == 1)
		and (.modules[0] | .path == \"$extra\" and .in_effect and .origin == {by: \"unknown\"}
			and .error == null and (.versions | {version, api, schema}) == $versions
			and (.versions.vermagic | startswith(\"$kernel \"))))
	and .dkms == [] and .probes == []" \
	"as root: the JSON does not show the loaded module (sysfs $api, ioctl $api/$schema) and $extra (no package)"

# 2. As uid 65534: sysfs answers, the device is root's.
status nobody
has_line "as uid 65534: the loaded module's sysfs version, and the note to run as root" \
	"$loaded_line" \
	"  device: run as root to ask the device for its versions"
has_line "as uid 65534: the installed module" \
	"$running" \
	"  $extra: API $api, schema $schema, built for $kernel, from no package (copied by hand?) [modprobe loads this]"
json_true "$json" ".loaded == {state: \"live\", sysfs_dir: \"$sysfs\", version: \"$api\", refcnt: 0,
		device: null, device_note: \"run as root to ask the device for its versions\"}
	and ($installed | .modules | length == 1 and (.[0] | .path == \"$extra\"
		and (.versions | {version, api, schema}) == $versions))" \
	"as uid 65534: the JSON does not show the sysfs version $api without the device, and $extra"

# 3. Installed by DKMS instead (dkms 3's layout), the runner's copy gone.
mkdir -p "$dkms_tree/$api/$kernel/x86_64/module" "$modules/updates/dkms" "$dkms_src" &&
	cp "$SCAP_KO" "$dkms_tree/$api/$kernel/x86_64/module/" &&
	ln -s "$dkms_src" "$dkms_tree/$api/source" &&
	ln -s "$api/$kernel/x86_64" "$dkms_tree/kernel-$kernel-x86_64" &&
	cp "$SCAP_KO" "$dkms_ko" && rm "$extra" && depmod ||
	fail "cannot lay out the DKMS install of $SCAP_MODULE/$api"
status
has_line "DKMS: the installed module's origin" \
	"$running" \
	"  $dkms_ko: API $api, schema $schema, built for $kernel, from DKMS $SCAP_MODULE/$api [modprobe loads this]"
has_line "DKMS: the build installed for $kernel" \
	"DKMS $SCAP_MODULE/$api (sources $dkms_src):" \
	"  $kernel/x86_64: installed"
json_true "$json" "($installed | (.modules | length == 1) and (.modules[0] | .path == \"$dkms_ko\" and .in_effect
		and .origin == {by: \"dkms\", module: \"$SCAP_MODULE\", version: \"$api\"}
		and (.versions | {version, api, schema}) == $versions))
	and .dkms == [{version: \"$api\", source: \"$dkms_src\", builds: [{kernel: \"$kernel\", arch: \"x86_64\",
		files: [\"$dkms_tree/$api/$kernel/x86_64/module/$SCAP_MODULE.ko\"], installed: true}]}]" \
	"DKMS: the JSON does not show $dkms_ko from DKMS $SCAP_MODULE/$api, installed for $kernel"

restore || fail "cannot put $extra back"
trap - EXIT
echo "status: loaded $api (sysfs; ioctl $api/$schema as root, sysfs only as uid 65534), installed $extra (no package), then $dkms_ko (DKMS $SCAP_MODULE/$api)"
