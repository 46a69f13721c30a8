#!/bin/sh
# support/fd_events_check against the peer driver (Debian 12's
# falcosecurity-scap-dkms, artefact peer-module) loaded instead of the
# module: what fd_events asserts of the module is what the peer does, to
# every parameter. The module is loaded again on every exit path.
# scap-vm: needs peer-module
. /scap/lib.sh

restore_ours() {
	rmmod "$SCAP_MODULE" 2> /dev/null
	insmod "$SCAP_KO" 2> /dev/null
}
trap restore_ours EXIT

if loaded; then
	rmmod "$SCAP_MODULE" || fail "rmmod $SCAP_MODULE before loading the peer"
fi
insmod "$SCAP_PEER_KO" 2> /tmp/insmod.err || fail "insmod $SCAP_PEER_KO: $(cat /tmp/insmod.err)"
# The peer's version is its package's, ours the API version.
version=$(cat "/sys/module/$SCAP_MODULE/version")
[ "$version" != "$SCAP_API_VERSION" ] || fail "the module loaded from $SCAP_PEER_KO is ours (version $version)"
fd_events_check
