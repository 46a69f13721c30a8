#!/bin/sh
# scap-compat check --load-test loads the real probe into this kernel, so
# that its verifier judges it, and unloads it: exit 0, the report says the
# kernel accepted both programs, the kernel's BPF program IDs moved by them
# (support/bpf_ids) and no program is left loaded.
# scap-vm: needs scap-compat probe.o jq
. /scap/lib.sh

json=/tmp/compat-load.json
read_bpf_ids
before=$bpf_prog
scap-compat check --api "$SCAP_API_VERSION" --probe "$SCAP_PROBE_OBJECT" --load-test --json \
	> "$json" 2> /tmp/err
status=$?
[ "$status" -eq 0 ] || { cat "$json" /tmp/err; fail "check --load-test: exit $status, not 0"; }
json_true "$json" "$(driver probe_file) | .location == \"$SCAP_PROBE_OBJECT\"
	and .api == \"$SCAP_API_VERSION\" and .verdict == \"compatible\"
	and (.messages | map(.text) | index(\"load test: the kernel accepted its 2 programs (loaded, then unloaded)\") != null)" \
	"the report does not say that the kernel accepted the probe's 2 programs"
read_bpf_ids
# bpf_ids' own program is one; the probe's two make the rest.
[ "$bpf_prog" -ge $((before + 3)) ] ||
	fail "the program IDs went from $before to $bpf_prog: the probe's programs were not loaded"
after=$bpf_prog
no_bpf_program_left "the load test ended"
echo "--load-test: the verifier of $(uname -r) accepted the probe's 2 programs (program IDs $before -> $after), none left loaded"
