/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's fcntl commands, openat2 resolve bits, execveat flags and
 * clone flags, converted to the schema's encodings (driver-src/scap_abi.h's
 * SCAP_FCNTL_*, SCAP_RESOLVE_*, SCAP_EXVAT_*, SCAP_CL_*). The probe includes
 * no kernel headers, so the kernel's values (x86_64, asm-generic) are
 * spelled out.
 * Function-local static tables would be .rodata variables whose BTF names
 * ("fn.var") the kernel refuses: switches and bit tests instead.
 */
#ifndef SCAP_PROBE_SCHEMA1_H
#define SCAP_PROBE_SCHEMA1_H

#define SCAP_K_F_LINUX_BASE	1024	/* F_LINUX_SPECIFIC_BASE */

static __always_inline __u8 scap_fcntl_cmd(__u64 cmd)
{
	switch (cmd) {
	case 0:					/* F_DUPFD */
		return SCAP_FCNTL_F_DUPFD;
	case 1:					/* F_GETFD */
		return SCAP_FCNTL_F_GETFD;
	case 2:					/* F_SETFD */
		return SCAP_FCNTL_F_SETFD;
	case 3:					/* F_GETFL */
		return SCAP_FCNTL_F_GETFL;
	case 4:					/* F_SETFL */
		return SCAP_FCNTL_F_SETFL;
	case 5:					/* F_GETLK */
		return SCAP_FCNTL_F_GETLK;
	case 6:					/* F_SETLK */
		return SCAP_FCNTL_F_SETLK;
	case 7:					/* F_SETLKW */
		return SCAP_FCNTL_F_SETLKW;
	case 8:					/* F_SETOWN */
		return SCAP_FCNTL_F_SETOWN;
	case 9:					/* F_GETOWN */
		return SCAP_FCNTL_F_GETOWN;
	case 10:				/* F_SETSIG */
		return SCAP_FCNTL_F_SETSIG;
	case 11:				/* F_GETSIG */
		return SCAP_FCNTL_F_GETSIG;
	case 15:				/* F_SETOWN_EX */
		return SCAP_FCNTL_F_SETOWN_EX;
	case 16:				/* F_GETOWN_EX */
		return SCAP_FCNTL_F_GETOWN_EX;
	case 36:				/* F_OFD_GETLK */
		return SCAP_FCNTL_F_OFD_GETLK;
	case 37:				/* F_OFD_SETLK */
		return SCAP_FCNTL_F_OFD_SETLK;
	case 38:				/* F_OFD_SETLKW */
		return SCAP_FCNTL_F_OFD_SETLKW;
	case SCAP_K_F_LINUX_BASE + 0:		/* F_SETLEASE */
		return SCAP_FCNTL_F_SETLEASE;
	case SCAP_K_F_LINUX_BASE + 1:		/* F_GETLEASE */
		return SCAP_FCNTL_F_GETLEASE;
	case SCAP_K_F_LINUX_BASE + 2:		/* F_NOTIFY */
		return SCAP_FCNTL_F_NOTIFY;
	case SCAP_K_F_LINUX_BASE + 5:		/* F_CANCELLK */
		return SCAP_FCNTL_F_CANCELLK;
	case SCAP_K_F_LINUX_BASE + 6:		/* F_DUPFD_CLOEXEC */
		return SCAP_FCNTL_F_DUPFD_CLOEXEC;
	case SCAP_K_F_LINUX_BASE + 7:		/* F_SETPIPE_SZ */
		return SCAP_FCNTL_F_SETPIPE_SZ;
	case SCAP_K_F_LINUX_BASE + 8:		/* F_GETPIPE_SZ */
		return SCAP_FCNTL_F_GETPIPE_SZ;
	default:
		return SCAP_FCNTL_UNKNOWN;
	}
}

/* Kernel bit kbit of v set: the schema's flag s. */
#define SCAP_KBIT(v, kbit, s) (((v) >> (kbit)) & 1 ? (s) : 0)

static __always_inline __u32 scap_openat2_resolve(__u64 resolve)
{
	return SCAP_KBIT(resolve, 0, SCAP_RESOLVE_NO_XDEV) |
	       SCAP_KBIT(resolve, 1, SCAP_RESOLVE_NO_MAGICLINKS) |
	       SCAP_KBIT(resolve, 2, SCAP_RESOLVE_NO_SYMLINKS) |
	       SCAP_KBIT(resolve, 3, SCAP_RESOLVE_BENEATH) |
	       SCAP_KBIT(resolve, 4, SCAP_RESOLVE_IN_ROOT) |
	       SCAP_KBIT(resolve, 5, SCAP_RESOLVE_CACHED);
}

/* execveat's AT_EMPTY_PATH (0x1000) and AT_SYMLINK_NOFOLLOW (0x100). */
static __always_inline __u32 scap_execveat_flags(__u64 flags)
{
	return SCAP_KBIT(flags, 12, SCAP_EXVAT_AT_EMPTY_PATH) |
	       SCAP_KBIT(flags, 8, SCAP_EXVAT_AT_SYMLINK_NOFOLLOW);
}

/* CLONE_* (uapi/linux/sched.h) from bit 8 on; the low byte is the signal. */
static __always_inline __u32 scap_clone_flags(__u64 flags)
{
	return SCAP_KBIT(flags, 8, SCAP_CL_CLONE_VM) |
	       SCAP_KBIT(flags, 9, SCAP_CL_CLONE_FS) |
	       SCAP_KBIT(flags, 10, SCAP_CL_CLONE_FILES) |
	       SCAP_KBIT(flags, 11, SCAP_CL_CLONE_SIGHAND) |
	       SCAP_KBIT(flags, 13, SCAP_CL_CLONE_PTRACE) |
	       SCAP_KBIT(flags, 14, SCAP_CL_CLONE_VFORK) |
	       SCAP_KBIT(flags, 15, SCAP_CL_CLONE_PARENT) |
	       SCAP_KBIT(flags, 16, SCAP_CL_CLONE_THREAD) |
	       SCAP_KBIT(flags, 17, SCAP_CL_CLONE_NEWNS) |
	       SCAP_KBIT(flags, 18, SCAP_CL_CLONE_SYSVSEM) |
	       SCAP_KBIT(flags, 19, SCAP_CL_CLONE_SETTLS) |
	       SCAP_KBIT(flags, 20, SCAP_CL_CLONE_PARENT_SETTID) |
	       SCAP_KBIT(flags, 21, SCAP_CL_CLONE_CHILD_CLEARTID) |
	       SCAP_KBIT(flags, 23, SCAP_CL_CLONE_UNTRACED) |
	       SCAP_KBIT(flags, 24, SCAP_CL_CLONE_CHILD_SETTID) |
	       SCAP_KBIT(flags, 25, SCAP_CL_CLONE_NEWCGROUP) |
	       SCAP_KBIT(flags, 26, SCAP_CL_CLONE_NEWUTS) |
	       SCAP_KBIT(flags, 27, SCAP_CL_CLONE_NEWIPC) |
	       SCAP_KBIT(flags, 28, SCAP_CL_CLONE_NEWUSER) |
	       SCAP_KBIT(flags, 29, SCAP_CL_CLONE_NEWPID) |
	       SCAP_KBIT(flags, 30, SCAP_CL_CLONE_NEWNET) |
	       SCAP_KBIT(flags, 31, SCAP_CL_CLONE_IO);
}

#endif /* SCAP_PROBE_SCHEMA1_H */
