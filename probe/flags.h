/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * open(2) flags and modes as schema 1 encodes them (PPM_O_*, PPM_S_*).
 * The probe includes no kernel headers, so the kernel's O_* values (x86_64
 * uses the asm-generic ones) are spelled out here.
 */
#ifndef SCAP_PROBE_FLAGS_H
#define SCAP_PROBE_FLAGS_H

#include "scap_abi.h"	/* the schema's SCAP_O_* bits */

#define SCAP_K_O_ACCMODE	00000003
#define SCAP_K_O_WRONLY		00000001
#define SCAP_K_O_RDWR		00000002
#define SCAP_K_O_CREAT		00000100
#define SCAP_K_O_EXCL		00000200
#define SCAP_K_O_TRUNC		00001000
#define SCAP_K_O_APPEND		00002000
#define SCAP_K_O_NONBLOCK	00004000
#define SCAP_K_O_DSYNC		00010000
#define SCAP_K_O_DIRECT		00040000
#define SCAP_K_O_LARGEFILE	00100000
#define SCAP_K_O_DIRECTORY	00200000
#define SCAP_K_O_CLOEXEC	02000000
#define SCAP_K_O_SYNC		(04000000 | SCAP_K_O_DSYNC)
#define SCAP_K_O_TMPFILE	(020000000 | SCAP_K_O_DIRECTORY)

/*
 * A schema flag is set when any bit of its kernel value is, as the module
 * and schema 1's reference driver set it (O_DIRECTORY alone also reads as
 * O_TMPFILE, O_DSYNC as O_SYNC).
 */
#define SCAP_FLAG_MAP(k, s) ((flags & (k)) ? (s) : 0)

static __always_inline __u32 scap_open_flags(__u64 flags)
{
	__u32 res;

	switch (flags & SCAP_K_O_ACCMODE) {
	case SCAP_K_O_WRONLY:
		res = SCAP_O_WRONLY;
		break;
	case SCAP_K_O_RDWR:
		res = SCAP_O_RDWR;
		break;
	default:
		res = SCAP_O_RDONLY;
	}
	res |= SCAP_FLAG_MAP(SCAP_K_O_CREAT, SCAP_O_CREAT);
	res |= SCAP_FLAG_MAP(SCAP_K_O_TMPFILE, SCAP_O_TMPFILE);
	res |= SCAP_FLAG_MAP(SCAP_K_O_APPEND, SCAP_O_APPEND);
	res |= SCAP_FLAG_MAP(SCAP_K_O_DSYNC, SCAP_O_DSYNC);
	res |= SCAP_FLAG_MAP(SCAP_K_O_EXCL, SCAP_O_EXCL);
	res |= SCAP_FLAG_MAP(SCAP_K_O_NONBLOCK, SCAP_O_NONBLOCK);
	res |= SCAP_FLAG_MAP(SCAP_K_O_SYNC, SCAP_O_SYNC);
	res |= SCAP_FLAG_MAP(SCAP_K_O_TRUNC, SCAP_O_TRUNC);
	res |= SCAP_FLAG_MAP(SCAP_K_O_DIRECT, SCAP_O_DIRECT);
	res |= SCAP_FLAG_MAP(SCAP_K_O_DIRECTORY, SCAP_O_DIRECTORY);
	res |= SCAP_FLAG_MAP(SCAP_K_O_LARGEFILE, SCAP_O_LARGEFILE);
	res |= SCAP_FLAG_MAP(SCAP_K_O_CLOEXEC, SCAP_O_CLOEXEC);
	return res;
}

/*
 * The mode only means something when a file may be created; like the
 * flags, any bit of O_TMPFILE counts (O_DIRECTORY too). PPM_S_* are the
 * permission bits at their POSIX positions (07777).
 */
static __always_inline __u32 scap_open_mode(__u64 flags, __u64 mode)
{
	if (!(flags & (SCAP_K_O_CREAT | SCAP_K_O_TMPFILE)))
		return 0;
	return mode & 07777;
}

#endif /* SCAP_PROBE_FLAGS_H */
