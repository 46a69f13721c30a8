#!/bin/sh
# scap-probe refuses bad probe objects in the guest before the kernel sees
# them: another API major, a missing or truncated (4-byte) version
# section, a file that is not eBPF. Each is one line on stderr naming the
# object and the fix, exit 2, no capture file, and nothing loaded.
#
# "Nothing loaded" is checked with the kernel's BPF ID counters
# (support/bpf_ids): program and map IDs are handed out cyclically
# upwards, so a program or map created and freed by the refused loader
# still leaves a gap in the IDs bpf_ids gets before and after it. A link
# (an attachment) needs a program, so no new program means nothing was
# attached either. A good capture first shows that the check sees a load.
# scap-vm: needs scap-probe probe.o bad-probes
. /scap/lib.sh

out=/tmp/bad.scap
err=/tmp/scap-probe.err

read_bpf_ids
before_prog=$bpf_prog before_map=$bpf_map
scap-probe capture --probe "$SCAP_PROBE_OBJECT" -w "$out" -- true 2> "$err" ||
	fail "the good probe was refused: $(cat "$err")"
read_bpf_ids
[ "$bpf_prog" -ge $((before_prog + 3)) ] && [ "$bpf_map" -ge $((before_map + 2)) ] ||
	fail "a good capture moved the BPF IDs only from prog $before_prog map $before_map to prog $bpf_prog map $bpf_map: the check would not see a load"
no_bpf_program_left "the good capture ended"
rm -f "$out"

# refused OBJECT TEXT FIX: the one line names OBJECT, says TEXT and FIX.
refused() {
	read_bpf_ids
	before_prog=$bpf_prog before_map=$bpf_map
	scap-probe capture --probe "$1" -w "$out" -- true 2> "$err"
	status=$?
	line=$(cat "$err")
	[ "$status" -eq 2 ] || fail "$1: exit $status, not 2: $line"
	[ "$(wc -l < "$err")" -eq 1 ] || fail "$1: not one line on stderr: $line"
	case $line in
	"scap-probe: $1: "*"$2"*"; "*"$3"*) ;;
	*) fail "$1: the error does not say \"$2\" and \"$3\": $line" ;;
	esac
	[ ! -e "$out" ] && [ ! -e "$out.partial" ] ||
		fail "$1: refused, but a capture file was left: $(ls /tmp/bad*)"
	read_bpf_ids
	[ "$bpf_prog" -eq $((before_prog + 1)) ] && [ "$bpf_map" -eq $((before_map + 1)) ] ||
		fail "$1: refused, but BPF objects were created meanwhile (IDs went from prog $before_prog map $before_map to prog $bpf_prog map $bpf_map, bpf_ids makes one of each)"
	[ "$bpf_others" -eq 0 ] || fail "$1: $bpf_others BPF programs are loaded after the refusal"
	echo "refused: $line"
}

bad=$SCAP_BAD_PROBES
refused "$bad/other-major.o" \
	"driver API version $SCAP_OTHER_MAJOR_API_VERSION, required $SCAP_API_VERSION: different major versions are incompatible" \
	"install a driver of API major"
refused "$bad/missing-section.o" "no api_version section" "make -C probe"
refused "$bad/truncated-section.o" "section schema_version has 4 bytes, expected 8" "make -C probe"
refused /bin/busybox "a X86_64 object, not an eBPF object" "pass a scap probe object"
echo "not a probe" > /tmp/text.o
refused /tmp/text.o "not an ELF object" "pass a scap probe object"
echo "5 bad probe objects refused with one line each; no BPF program or map created, no capture file"
