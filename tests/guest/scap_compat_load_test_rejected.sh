#!/bin/sh
# scap-compat check --load-test on eBPF objects whose versions suit (the
# check without --load-test exits 0) but whose program this kernel's
# verifier refuses (the fixture support/rejected_probe: an out-of-bounds
# read of the context, an unbounded loop): exit 20, one error line
# "load test: program rejected_sys_enter: ..." quoting the verifier's
# reason, the same as the summary's headline and in the JSON, and no BPF
# program left loaded (support/bpf_ids).
# scap-vm: needs scap-compat rejected-probes jq
. /scap/lib.sh

program=rejected_sys_enter
json=/tmp/compat-rejected.json
fix="rebuild the probe for this kernel (CO-RE needs /sys/kernel/btf/vmlinux)"
seen=
for case in \
	"out-of-bounds.o:invalid bpf_context access off=8000 size=8" \
	"unbounded-loop.o:infinite loop detected at insn"; do
	name=${case%%:*}
	reason=${case#*:}
	probe=$SCAP_REJECTED_PROBES/$name
	[ -f "$probe" ] || fail "the fixture $probe is missing"

	scap-compat check --api "$SCAP_API_VERSION" --schema "$SCAP_SCHEMA_VERSION" --probe "$probe" \
		> /tmp/human 2>&1 || fail "$name without --load-test: exit $?, not 0: $(cat /tmp/human)"

	scap-compat check --api "$SCAP_API_VERSION" --probe "$probe" --load-test > /tmp/human 2> /tmp/err
	status=$?
	[ "$status" -eq 20 ] || { cat /tmp/human /tmp/err; fail "$name --load-test: exit $status, not 20"; }
	[ ! -s /tmp/err ] || fail "$name --load-test wrote to stderr: $(cat /tmp/err)"
	# The probe's line, its versions, one error, the summary.
	[ "$(wc -l < /tmp/human)" -eq 4 ] || { cat /tmp/human; fail "$name --load-test: not four lines"; }
	error=$(grep '^  error: ' /tmp/human)
	[ "$(grep -c '^  error: ' /tmp/human)" -eq 1 ] || { cat /tmp/human; fail "$name: not one error line"; }
	case $error in
	"  error: load test: program $program: the BPF_PROG_LOAD syscall returned "*"$reason"*) ;;
	*) fail "$name: the error does not quote the verifier's \"$reason\": $error" ;;
	esac
	summary=$(tail -n1 /tmp/human)
	[ "$summary" = "scap-compat: incompatible: the consumer needs API $SCAP_API_VERSION; probe file $probe: ${error#  error: }; fix: $fix" ] ||
		fail "$name: the summary is not the error with the fix \"$fix\": $summary"

	read_bpf_ids
	scap-compat check --api "$SCAP_API_VERSION" --probe "$probe" --load-test --json > "$json" 2> /tmp/err
	status=$?
	[ "$status" -eq 20 ] || fail "$name --load-test --json: exit $status, not 20"
	json_true "$json" ".outcome == \"incompatible\" and .exit_code == 20
		and ($(driver probe_file) | .location == \"$probe\"
			and .api == \"$SCAP_API_VERSION\" and .verdict == \"incompatible\"
			and ([.messages[] | select(.level == \"error\") | .text]
				| length == 1 and (.[0] | startswith(\"load test: program $program: \")
					and contains(\"$reason\") and (contains(\"\\n\") | not)))
			and .fixes == [\"$fix\"])" \
		"$name: the JSON does not report the verifier's \"$reason\" as the probe's one error"
	before=$bpf_prog
	read_bpf_ids
	[ "$bpf_others" -eq 0 ] || fail "$name: $bpf_others BPF programs are still loaded after the load test"
	seen="$seen; $name: $reason (program IDs $before -> $bpf_prog, none left)"
done
echo "--load-test exits 20 with the verifier's reason${seen}"
