/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Schema 1 event types and flag encodings of the events the probe emits
 * beyond driver-src/scap_abi.h's (the numbers of the schema's event table;
 * /work/shared/docs/schema1-events-table.md), and the kernel constants
 * they are converted from (vmlinux.h carries no macros). Their own prefix
 * keeps them apart from the names the module's headers may give them.
 */
#ifndef SCAP_PROBE_SCHEMA1_H
#define SCAP_PROBE_SCHEMA1_H

/* Event types, enter/exit pairs. */
#define PROBE_EV_CREAT_E		58
#define PROBE_EV_CREAT_X		59
#define PROBE_EV_PIPE_E			60
#define PROBE_EV_PIPE_X			61
#define PROBE_EV_EVENTFD_E		62
#define PROBE_EV_EVENTFD_X		63
#define PROBE_EV_GETCWD_E		92
#define PROBE_EV_GETCWD_X		93
#define PROBE_EV_CHDIR_E		94
#define PROBE_EV_CHDIR_X		95
#define PROBE_EV_FCHDIR_E		96
#define PROBE_EV_FCHDIR_X		97
#define PROBE_EV_DUP_E			124
#define PROBE_EV_DUP_X			125
#define PROBE_EV_SIGNALFD_E		126
#define PROBE_EV_SIGNALFD_X		127
#define PROBE_EV_TIMERFD_CREATE_E	136
#define PROBE_EV_TIMERFD_CREATE_X	137
#define PROBE_EV_INOTIFY_INIT_E		138
#define PROBE_EV_INOTIFY_INIT_X		139
#define PROBE_EV_FCNTL_E		150
#define PROBE_EV_FCNTL_X		151
#define PROBE_EV_PROCEXIT_1_E		186
#define PROBE_EV_CLONE_20_E		222
#define PROBE_EV_CLONE_20_X		223
#define PROBE_EV_FORK_20_E		224
#define PROBE_EV_FORK_20_X		225
#define PROBE_EV_VFORK_20_E		226
#define PROBE_EV_VFORK_20_X		227
#define PROBE_EV_EXECVE_19_E		292
#define PROBE_EV_EXECVE_19_X		293
#define PROBE_EV_USERFAULTFD_E		320
#define PROBE_EV_USERFAULTFD_X		321
#define PROBE_EV_OPENAT2_E		326
#define PROBE_EV_OPENAT2_X		327
#define PROBE_EV_EXECVEAT_E		330
#define PROBE_EV_EXECVEAT_X		331
#define PROBE_EV_CLONE3_E		334
#define PROBE_EV_CLONE3_X		335

/* Kernel fcntl commands (asm-generic, x86_64) and their schema codes. */
#define PROBE_K_F_LINUX_BASE		1024
#define PROBE_FCNTL_UNKNOWN		0

/*
 * Function-local static tables would be .rodata variables whose BTF names
 * ("fn.var") the kernel refuses: switches and bit tests instead.
 */
static __always_inline __u8 scap_fcntl_cmd(__u64 cmd)
{
	switch (cmd) {
	case 0:					/* F_DUPFD */
		return 1;
	case 1:					/* F_GETFD */
		return 2;
	case 2:					/* F_SETFD */
		return 3;
	case 3:					/* F_GETFL */
		return 4;
	case 4:					/* F_SETFL */
		return 5;
	case 5:					/* F_GETLK */
		return 6;
	case 6:					/* F_SETLK */
		return 8;
	case 7:					/* F_SETLKW */
		return 9;
	case 8:					/* F_SETOWN */
		return 10;
	case 9:					/* F_GETOWN */
		return 12;
	case 10:				/* F_SETSIG */
		return 13;
	case 11:				/* F_GETSIG */
		return 15;
	case 15:				/* F_SETOWN_EX */
		return 21;
	case 16:				/* F_GETOWN_EX */
		return 22;
	case 36:				/* F_OFD_GETLK */
		return 30;
	case 37:				/* F_OFD_SETLK */
		return 31;
	case 38:				/* F_OFD_SETLKW */
		return 32;
	case PROBE_K_F_LINUX_BASE + 0:		/* F_SETLEASE */
		return 23;
	case PROBE_K_F_LINUX_BASE + 1:		/* F_GETLEASE */
		return 24;
	case PROBE_K_F_LINUX_BASE + 2:		/* F_NOTIFY */
		return 27;
	case PROBE_K_F_LINUX_BASE + 5:		/* F_CANCELLK */
		return 25;
	case PROBE_K_F_LINUX_BASE + 6:		/* F_DUPFD_CLOEXEC */
		return 26;
	case PROBE_K_F_LINUX_BASE + 7:		/* F_SETPIPE_SZ */
		return 28;
	case PROBE_K_F_LINUX_BASE + 8:		/* F_GETPIPE_SZ */
		return 29;
	default:
		return PROBE_FCNTL_UNKNOWN;
	}
}

/* openat2's resolve flags (RESOLVE_*) in the schema's bit order. */
static __always_inline __u32 scap_openat2_resolve(__u64 resolve)
{
	__u32 res = 0;

	if (resolve & 0x08)			/* RESOLVE_BENEATH */
		res |= 1 << 0;
	if (resolve & 0x10)			/* RESOLVE_IN_ROOT */
		res |= 1 << 1;
	if (resolve & 0x02)			/* RESOLVE_NO_MAGICLINKS */
		res |= 1 << 2;
	if (resolve & 0x04)			/* RESOLVE_NO_SYMLINKS */
		res |= 1 << 3;
	if (resolve & 0x01)			/* RESOLVE_NO_XDEV */
		res |= 1 << 4;
	if (resolve & 0x20)			/* RESOLVE_CACHED */
		res |= 1 << 5;
	return res;
}

/* execveat's flags: AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW. */
static __always_inline __u32 scap_execveat_flags(__u64 flags)
{
	return (flags & 0x1000 ? 1 : 0) | (flags & 0x100 ? 2 : 0);
}

#define PROBE_CL_CHILD_IN_PIDNS		(1U << 29)

/* Kernel CLONE_* bit kbit set: the schema's bit sbit. */
#define PROBE_CL(kbit, sbit) ((flags >> (kbit)) & 1 ? 1U << (sbit) : 0)

static __always_inline __u32 scap_clone_flags(__u64 flags)
{
	return PROBE_CL(8, 15) |	/* CLONE_VM */
	       PROBE_CL(9, 1) |		/* CLONE_FS */
	       PROBE_CL(10, 0) |	/* CLONE_FILES */
	       PROBE_CL(11, 11) |	/* CLONE_SIGHAND */
	       PROBE_CL(13, 10) |	/* CLONE_PTRACE */
	       PROBE_CL(14, 27) |	/* CLONE_VFORK */
	       PROBE_CL(15, 8) |	/* CLONE_PARENT */
	       PROBE_CL(16, 13) |	/* CLONE_THREAD */
	       PROBE_CL(17, 5) |	/* CLONE_NEWNS */
	       PROBE_CL(18, 12) |	/* CLONE_SYSVSEM */
	       PROBE_CL(19, 25) |	/* CLONE_SETTLS */
	       PROBE_CL(20, 9) |	/* CLONE_PARENT_SETTID */
	       PROBE_CL(21, 23) |	/* CLONE_CHILD_CLEARTID */
	       PROBE_CL(23, 14) |	/* CLONE_UNTRACED */
	       PROBE_CL(24, 24) |	/* CLONE_CHILD_SETTID */
	       PROBE_CL(25, 28) |	/* CLONE_NEWCGROUP */
	       PROBE_CL(26, 7) |	/* CLONE_NEWUTS */
	       PROBE_CL(27, 3) |	/* CLONE_NEWIPC */
	       PROBE_CL(28, 20) |	/* CLONE_NEWUSER */
	       PROBE_CL(29, 6) |	/* CLONE_NEWPID */
	       PROBE_CL(30, 4) |	/* CLONE_NEWNET */
	       PROBE_CL(31, 2);		/* CLONE_IO */
}

#endif /* SCAP_PROBE_SCHEMA1_H */
