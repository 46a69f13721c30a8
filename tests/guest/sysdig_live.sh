#!/bin/sh
# Debian's unmodified sysdig captures live from the module: its version
# check accepts the driver, it keeps running (GET_PROCLIST works), and it
# prints the workload's openat/read/close of the known file with the right
# process and file names.
# scap-vm: needs sysdig
. /scap/lib.sh

watch_known_opener '>' sysdig
echo "sysdig $(sysdig --version 2>/dev/null | sed 's/.* //') showed known_opener's openat/read/close of $SCAP_KNOWN_FILE after ${known_opener_waited} s ($(wc -l < /tmp/sysdig.out) lines)"
