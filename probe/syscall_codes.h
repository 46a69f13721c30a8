/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PPM_SC code of a syscall (a GENERIC event's ID): the module's
 * generated x86_64 table of driver-src, compiled into the probe's .rodata
 * so that both report the same codes.
 */
#ifndef SCAP_PROBE_SYSCALL_CODES_H
#define SCAP_PROBE_SYSCALL_CODES_H

#include "syscall_codes.c"

/* Numbers past the table are x32's or invalid: not traced. */
static __always_inline bool scap_traced(long nr)
{
	return nr >= 0 && nr < SCAP_SYSCALL_TABLE_SIZE;
}

static __always_inline __u16 scap_syscall_code(long nr)
{
	if (!scap_traced(nr))
		return SCAP_SC_UNKNOWN;
	return scap_syscall_codes[nr].code;
}

#endif /* SCAP_PROBE_SYSCALL_CODES_H */
