// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * proc_events against the peer driver (Debian 12's falcosecurity-scap-dkms,
 * also scap.ko), swapped in for the test and this driver loaded back at
 * exit: the expectations proc_events holds this driver to are the peer's
 * behaviour, field by field.
 * scap-vm: needs peer-module
 */
#define PROC_EVENTS_PEER_KO	"/scap/peer/scap.ko"
#include "proc_events.c"
