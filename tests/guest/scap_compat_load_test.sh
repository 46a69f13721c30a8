#!/bin/sh
# scap-compat check --load-test loads the real probe into this kernel, so
# that its verifier judges it, and unloads it: exit 0, the report says the
# kernel accepted the probe's programs, the kernel's BPF program IDs moved by them
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
	and .api == \"$SCAP_API_VERSION\" and .verdict == \"compatible\"" \
	"the report does not judge the probe compatible"
# The probe's programs: those the object has (the syscalls', the clone and
# exec exits', sched_process_exit's), each one the kernel loaded.
accepted=$(jq -r "$(driver probe_file) | .messages[].text" "$json" |
	sed -n 's/^load test: the kernel accepted its \([0-9]*\) programs (loaded, then unloaded)$/\1/p')
[ "${accepted:-0}" -ge 2 ] ||
	{ cat "$json"; fail "the report does not say that the kernel accepted the probe's programs"; }
read_bpf_ids
# bpf_ids' own program is one; the probe's make the rest.
[ "$bpf_prog" -ge $((before + accepted + 1)) ] ||
	fail "the program IDs went from $before to $bpf_prog: the probe's $accepted programs were not loaded"
after=$bpf_prog
no_bpf_program_left "the load test ended"
echo "--load-test: the verifier of $(uname -r) accepted the probe's $accepted programs (program IDs $before -> $after), none left loaded"
