// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel flag and command values to the schema's own (ppm_events_public's
 * numbers, in scap_abi.h): the schema carries portable values, not the
 * architecture's.
 */
#include <linux/fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>

#include "scap.h"

/* Kernel O_* bits to the schema's file_flags (PT_FLAGS32). */
u32 scap_open_flags(unsigned long flags)
{
	static const struct {
		unsigned long kernel;
		u32 scap;
	} bits[] = {
		{ O_CREAT, SCAP_O_CREAT },
		{ O_APPEND, SCAP_O_APPEND },
		{ O_DSYNC, SCAP_O_DSYNC },
		{ O_EXCL, SCAP_O_EXCL },
		{ O_NONBLOCK, SCAP_O_NONBLOCK },
		{ O_SYNC, SCAP_O_SYNC },	/* includes O_DSYNC's bit */
		{ O_TRUNC, SCAP_O_TRUNC },
		{ O_DIRECT, SCAP_O_DIRECT },
		{ O_DIRECTORY, SCAP_O_DIRECTORY },
		{ O_LARGEFILE, SCAP_O_LARGEFILE },
		{ O_CLOEXEC, SCAP_O_CLOEXEC },
		{ O_TMPFILE, SCAP_O_TMPFILE },	/* includes O_DIRECTORY's bit */
	};
	u32 res;
	int i;

	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		res = SCAP_O_WRONLY;
		break;
	case O_RDWR:
		res = SCAP_O_RDWR;
		break;
	default:
		res = SCAP_O_RDONLY;
		break;
	}
	for (i = 0; i < ARRAY_SIZE(bits); i++)
		if ((flags & bits[i].kernel) == bits[i].kernel)
			res |= bits[i].scap;
	return res;
}

/*
 * The mode only means something when a file may be created. The schema's
 * file_modes bits are the octal permission bits (S_IXOTH = 1 ... S_ISUID).
 */
u32 scap_open_mode(unsigned long flags, unsigned long mode)
{
	if (!(flags & (O_CREAT | __O_TMPFILE)))
		return 0;
	return mode & (S_IRWXUGO | S_ISUID | S_ISGID | S_ISVTX);
}

/* struct open_how's RESOLVE_* bits to the schema's (PT_FLAGS32). */
u32 scap_openat2_resolve(u64 resolve)
{
	static const struct {
		u64 kernel;
		u32 scap;
	} bits[] = {
		{ RESOLVE_BENEATH, SCAP_RESOLVE_BENEATH },
		{ RESOLVE_IN_ROOT, SCAP_RESOLVE_IN_ROOT },
		{ RESOLVE_NO_MAGICLINKS, SCAP_RESOLVE_NO_MAGICLINKS },
		{ RESOLVE_NO_SYMLINKS, SCAP_RESOLVE_NO_SYMLINKS },
		{ RESOLVE_NO_XDEV, SCAP_RESOLVE_NO_XDEV },
#ifdef RESOLVE_CACHED
		/* 5.12, "fs: add support for LOOKUP_CACHED" */
		{ RESOLVE_CACHED, SCAP_RESOLVE_CACHED },
#endif
	};
	u32 res = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(bits); i++)
		if (resolve & bits[i].kernel)
			res |= bits[i].scap;
	return res;
}

/*
 * fcntl's command to the schema's (PT_FLAGS8). The kernel takes cmd as an
 * unsigned int; commands the schema has no value for are UNKNOWN (0), the
 * 32-bit-only F_*LK64 among them.
 */
u8 scap_fcntl_cmd(unsigned int cmd)
{
	switch (cmd) {
	case F_DUPFD:
		return SCAP_FCNTL_F_DUPFD;
	case F_GETFD:
		return SCAP_FCNTL_F_GETFD;
	case F_SETFD:
		return SCAP_FCNTL_F_SETFD;
	case F_GETFL:
		return SCAP_FCNTL_F_GETFL;
	case F_SETFL:
		return SCAP_FCNTL_F_SETFL;
	case F_GETLK:
		return SCAP_FCNTL_F_GETLK;
	case F_SETLK:
		return SCAP_FCNTL_F_SETLK;
	case F_SETLKW:
		return SCAP_FCNTL_F_SETLKW;
	case F_SETOWN:
		return SCAP_FCNTL_F_SETOWN;
	case F_GETOWN:
		return SCAP_FCNTL_F_GETOWN;
	case F_SETSIG:
		return SCAP_FCNTL_F_SETSIG;
	case F_GETSIG:
		return SCAP_FCNTL_F_GETSIG;
	case F_SETOWN_EX:
		return SCAP_FCNTL_F_SETOWN_EX;
	case F_GETOWN_EX:
		return SCAP_FCNTL_F_GETOWN_EX;
	case F_SETLEASE:
		return SCAP_FCNTL_F_SETLEASE;
	case F_GETLEASE:
		return SCAP_FCNTL_F_GETLEASE;
	case F_CANCELLK:
		return SCAP_FCNTL_F_CANCELLK;
	case F_DUPFD_CLOEXEC:
		return SCAP_FCNTL_F_DUPFD_CLOEXEC;
	case F_NOTIFY:
		return SCAP_FCNTL_F_NOTIFY;
	case F_SETPIPE_SZ:
		return SCAP_FCNTL_F_SETPIPE_SZ;
	case F_GETPIPE_SZ:
		return SCAP_FCNTL_F_GETPIPE_SZ;
	case F_OFD_GETLK:
		return SCAP_FCNTL_F_OFD_GETLK;
	case F_OFD_SETLK:
		return SCAP_FCNTL_F_OFD_SETLK;
	case F_OFD_SETLKW:
		return SCAP_FCNTL_F_OFD_SETLKW;
	default:
		return SCAP_FCNTL_UNKNOWN;
	}
}
