/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The libscap kernel interface at API 1 / schema 1, as the module and the
 * probe speak it and userspace (consumers, tests) reads it. Numbers and
 * layouts are libscap's; see INTERFACE.md for what each one does here.
 *
 * Usable from kernel code (linux/types.h), the eBPF probe (its kernel_types.h,
 * included first) and userspace (the uapi linux/types.h).
 */
#ifndef SCAP_ABI_H
#define SCAP_ABI_H

#if defined(__KERNEL__)
#include <linux/ioctl.h>
#include <linux/types.h>
#elif defined(__bpf__)
/* The eBPF probe: the __u* types come from kernel_types.h; it issues no ioctl. */
#else
/* The uapi types, so that this header mixes with other uapi headers. */
#include <linux/types.h>
#include <sys/ioctl.h>
#endif

#ifdef __cplusplus
#define SCAP_ABI_ASSERT static_assert
#else
#define SCAP_ABI_ASSERT _Static_assert
#endif

/* Device nodes: /dev/<module name><cpu>, one per possible CPU. */

/* ioctls: _IO('s', n), no size or direction encoded, even where they write. */
#define SCAP_IOCTL_MAGIC			's'
#define SCAP_IOCTL_DISABLE_CAPTURE		_IO(SCAP_IOCTL_MAGIC, 0)
#define SCAP_IOCTL_ENABLE_CAPTURE		_IO(SCAP_IOCTL_MAGIC, 1)
#define SCAP_IOCTL_DISABLE_DROPPING_MODE	_IO(SCAP_IOCTL_MAGIC, 2)
#define SCAP_IOCTL_ENABLE_DROPPING_MODE		_IO(SCAP_IOCTL_MAGIC, 3)
#define SCAP_IOCTL_SET_SNAPLEN			_IO(SCAP_IOCTL_MAGIC, 4)
#define SCAP_IOCTL_MASK_ZERO_EVENTS		_IO(SCAP_IOCTL_MAGIC, 5)
#define SCAP_IOCTL_MASK_SET_EVENT		_IO(SCAP_IOCTL_MAGIC, 6)
#define SCAP_IOCTL_MASK_UNSET_EVENT		_IO(SCAP_IOCTL_MAGIC, 7)
#define SCAP_IOCTL_GET_VTID			_IO(SCAP_IOCTL_MAGIC, 10)
#define SCAP_IOCTL_GET_VPID			_IO(SCAP_IOCTL_MAGIC, 11)
#define SCAP_IOCTL_GET_CURRENT_TID		_IO(SCAP_IOCTL_MAGIC, 12)
#define SCAP_IOCTL_GET_CURRENT_PID		_IO(SCAP_IOCTL_MAGIC, 13)
#define SCAP_IOCTL_GET_PROCLIST			_IO(SCAP_IOCTL_MAGIC, 16)
#define SCAP_IOCTL_GET_N_TRACEPOINT_HIT		_IO(SCAP_IOCTL_MAGIC, 20)
#define SCAP_IOCTL_GET_DRIVER_VERSION		_IO(SCAP_IOCTL_MAGIC, 21)
#define SCAP_IOCTL_GET_API_VERSION		_IO(SCAP_IOCTL_MAGIC, 24)
#define SCAP_IOCTL_GET_SCHEMA_VERSION		_IO(SCAP_IOCTL_MAGIC, 25)

/* mmap: both at offset 0, told apart by length. */
#define SCAP_RING_BUF_SIZE	(8 * 1024 * 1024)	/* compiled into libscap */
#define SCAP_RING_DATA_MMAP_LEN	(2 * SCAP_RING_BUF_SIZE)	/* double map */
#define SCAP_RING_INFO_MMAP_LEN	48	/* sizeof(struct scap_ring_info) */

/* SET_SNAPLEN: bytes of read/write data captured per event. */
#define SCAP_SNAPLEN_DEFAULT	80
#define SCAP_SNAPLEN_MAX	65000

/* ENABLE_DROPPING_MODE: the sampling ratio, a power of two up to this. */
#define SCAP_SAMPLING_RATIO_MAX	128

/* GET_PROCLIST: largest max_entries accepted (EINVAL above). */
#define SCAP_PROCLIST_MAX_ENTRIES	1000000

/* Longest path captured, NUL included; longer ones are truncated. */
#define SCAP_PATH_MAX		4096

/* The info page (48 bytes): the driver owns head, userspace owns tail. */
struct scap_ring_info {
	volatile __u32 head;
	volatile __u32 tail;
	volatile __u64 n_evts;
	volatile __u64 n_drops_buffer;
	volatile __u64 n_drops_pf;
	volatile __u64 n_preemptions;
	volatile __u64 n_context_switches;
};

SCAP_ABI_ASSERT(sizeof(struct scap_ring_info) == SCAP_RING_INFO_MMAP_LEN,
		"the info page is 48 bytes");

/* GET_PROCLIST argument; ENOSPC: max_entries too small, n_entries needed. */
struct scap_proc_info {
	__u64 pid;
	__u64 utime;
	__u64 stime;
};

struct scap_proclist_info {
	__s64 n_entries;
	__s64 max_entries;
	struct scap_proc_info entries[];
};

/*
 * Every event: this header, then nparams little-endian u16 lengths, then
 * the values back to back. len includes the header.
 */
struct scap_evt_hdr {
	__u64 ts;	/* ns since the epoch */
	__u64 tid;
	__u32 len;
	__u16 type;
	__u32 nparams;
} __attribute__((packed));

#define SCAP_EVT_HDR_LEN	26

SCAP_ABI_ASSERT(sizeof(struct scap_evt_hdr) == SCAP_EVT_HDR_LEN,
		"the event header is 26 bytes, packed");

/* Event types of schema 1 that this driver emits (enter = even, exit = odd). */
enum scap_event_type {
	SCAPE_GENERIC_E = 0,
	SCAPE_GENERIC_X = 1,
	SCAPE_OPEN_E = 2,
	SCAPE_OPEN_X = 3,
	SCAPE_CLOSE_E = 4,
	SCAPE_CLOSE_X = 5,
	SCAPE_READ_E = 6,
	SCAPE_READ_X = 7,
	SCAPE_WRITE_E = 8,
	SCAPE_WRITE_X = 9,
	SCAPE_DROP_E = 148,
	SCAPE_DROP_X = 149,
	SCAPE_OPENAT_2_E = 306,
	SCAPE_OPENAT_2_X = 307,
};

/*
 * Their parameter counts (schema 1's event_table), an initializer for an
 * array of SCAP_EVENT_MAX counts; 0 marks a type this driver never emits,
 * SCAP_NPARAMS_NONE one it emits without parameters.
 */
#define SCAP_NPARAMS_NONE	0xff
#define SCAP_EVENT_NPARAMS_INIT {					\
	SCAP_PROC_EVENT_NPARAMS						\
	SCAP_IO_EVENT_NPARAMS						\
	[SCAPE_GENERIC_E] = 2,		/* ID, nativeID */		\
	[SCAPE_GENERIC_X] = 1,		/* ID */			\
	[SCAPE_OPEN_E] = 3,		/* name, flags, mode */		\
	[SCAPE_OPEN_X] = 5,		/* fd, name, flags, mode, dev */ \
	[SCAPE_CLOSE_E] = 1,		/* fd */			\
	[SCAPE_CLOSE_X] = 1,		/* res */			\
	[SCAPE_READ_E] = 2,		/* fd, size */			\
	[SCAPE_READ_X] = 2,		/* res, data */			\
	[SCAPE_WRITE_E] = 2,		/* fd, size */			\
	[SCAPE_WRITE_X] = 2,		/* res, data */			\
	[SCAPE_DROP_E] = 1,		/* ratio */			\
	[SCAPE_DROP_X] = 1,		/* ratio */			\
	[SCAPE_OPENAT_2_E] = 4,		/* dirfd, name, flags, mode */	\
	[SCAPE_OPENAT_2_X] = 6,		/* fd, dirfd, name, flags, mode, dev */ \
	SCAP_FD_EVENT_NPARAMS						\
	SCAP_NET_EVENT_NPARAMS						\
}

/* The process lifecycle events (fillers_proc.c). */
enum scap_proc_event_type {
	SCAPE_PROCEXIT_1_E = 186,
	SCAPE_CLONE_20_E = 222,
	SCAPE_CLONE_20_X = 223,
	SCAPE_FORK_20_E = 224,
	SCAPE_FORK_20_X = 225,
	SCAPE_VFORK_20_E = 226,
	SCAPE_VFORK_20_X = 227,
	SCAPE_EXECVE_19_E = 292,
	SCAPE_EXECVE_19_X = 293,
	SCAPE_EXECVEAT_E = 330,
	SCAPE_EXECVEAT_X = 331,
	SCAPE_CLONE3_E = 334,
	SCAPE_CLONE3_X = 335,
};

/*
 * Their parameter counts, part of SCAP_EVENT_NPARAMS_INIT. The clone
 * family's exits: res, exe, args, tid, pid, ptid, cwd, fdlimit, pgft_maj,
 * pgft_min, vm_size, vm_rss, vm_swap, comm, cgroups, flags, uid, gid, vtid,
 * vpid; the exec family's: the same first 15, then env, tty, pgid,
 * loginuid, flags.
 */
#define SCAP_PROC_EVENT_NPARAMS						\
	[SCAPE_PROCEXIT_1_E] = 4,	/* status, ret, sig, core */	\
	[SCAPE_CLONE_20_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_CLONE_20_X] = 20,					\
	[SCAPE_FORK_20_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_FORK_20_X] = 20,						\
	[SCAPE_VFORK_20_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_VFORK_20_X] = 20,					\
	[SCAPE_EXECVE_19_E] = 1,	/* filename */			\
	[SCAPE_EXECVE_19_X] = 20,					\
	[SCAPE_EXECVEAT_E] = 3,		/* dirfd, pathname, flags */	\
	[SCAPE_EXECVEAT_X] = 20,					\
	[SCAPE_CLONE3_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_CLONE3_X] = 20,

/* Clone exits' flags (PT_FLAGS32): the schema's bits for the clone flags. */
#define SCAP_CL_CLONE_FILES		(1 << 0)
#define SCAP_CL_CLONE_FS		(1 << 1)
#define SCAP_CL_CLONE_IO		(1 << 2)
#define SCAP_CL_CLONE_NEWIPC		(1 << 3)
#define SCAP_CL_CLONE_NEWNET		(1 << 4)
#define SCAP_CL_CLONE_NEWNS		(1 << 5)
#define SCAP_CL_CLONE_NEWPID		(1 << 6)
#define SCAP_CL_CLONE_NEWUTS		(1 << 7)
#define SCAP_CL_CLONE_PARENT		(1 << 8)
#define SCAP_CL_CLONE_PARENT_SETTID	(1 << 9)
#define SCAP_CL_CLONE_PTRACE		(1 << 10)
#define SCAP_CL_CLONE_SIGHAND		(1 << 11)
#define SCAP_CL_CLONE_SYSVSEM		(1 << 12)
#define SCAP_CL_CLONE_THREAD		(1 << 13)
#define SCAP_CL_CLONE_UNTRACED		(1 << 14)
#define SCAP_CL_CLONE_VM		(1 << 15)
#define SCAP_CL_CLONE_NEWUSER		(1 << 20)
#define SCAP_CL_CLONE_CHILD_CLEARTID	(1 << 23)
#define SCAP_CL_CLONE_CHILD_SETTID	(1 << 24)
#define SCAP_CL_CLONE_SETTLS		(1 << 25)
#define SCAP_CL_CLONE_VFORK		(1 << 27)
#define SCAP_CL_CLONE_NEWCGROUP		(1 << 28)
/* Set when the task's pid namespace, or its children's, is not the initial one. */
#define SCAP_CL_CHILD_IN_PIDNS		(1 << 29)

/* Exec exits' flags: the new image's file is writable by the task. */
#define SCAP_EXE_WRITABLE		(1 << 0)

/* EXECVEAT_E's flags. */
#define SCAP_EXVAT_AT_EMPTY_PATH	(1 << 0)
#define SCAP_EXVAT_AT_SYMLINK_NOFOLLOW	(1 << 1)

/* exe, args and env carry at most this many bytes (one page on x86_64). */
#define SCAP_ARGS_MAX		4096

/* PT_FLAGS32 of open/openat: file_flags, not the kernel's O_* bits. */
#define SCAP_O_RDONLY		(1 << 0)
#define SCAP_O_WRONLY		(1 << 1)
#define SCAP_O_RDWR		(SCAP_O_RDONLY | SCAP_O_WRONLY)
#define SCAP_O_CREAT		(1 << 2)
#define SCAP_O_APPEND		(1 << 3)
#define SCAP_O_DSYNC		(1 << 4)
#define SCAP_O_EXCL		(1 << 5)
#define SCAP_O_NONBLOCK		(1 << 6)
#define SCAP_O_SYNC		(1 << 7)
#define SCAP_O_TRUNC		(1 << 8)
#define SCAP_O_DIRECT		(1 << 9)
#define SCAP_O_DIRECTORY	(1 << 10)
#define SCAP_O_LARGEFILE	(1 << 11)
#define SCAP_O_CLOEXEC		(1 << 12)
#define SCAP_O_TMPFILE		(1 << 13)

/* openat's dirfd for the current directory (the same value as Linux's). */
#define SCAP_AT_FDCWD		(-100)

/* The events of fd plumbing and the working directory (fillers_fd.c). */
enum scap_fd_event_type {
	SCAPE_CREAT_E = 58,
	SCAPE_CREAT_X = 59,
	SCAPE_PIPE_E = 60,
	SCAPE_PIPE_X = 61,
	SCAPE_EVENTFD_E = 62,
	SCAPE_EVENTFD_X = 63,
	SCAPE_GETCWD_E = 92,
	SCAPE_GETCWD_X = 93,
	SCAPE_CHDIR_E = 94,
	SCAPE_CHDIR_X = 95,
	SCAPE_FCHDIR_E = 96,
	SCAPE_FCHDIR_X = 97,
	SCAPE_DUP_E = 124,
	SCAPE_DUP_X = 125,
	SCAPE_SIGNALFD_E = 126,
	SCAPE_SIGNALFD_X = 127,
	SCAPE_TIMERFD_CREATE_E = 136,
	SCAPE_TIMERFD_CREATE_X = 137,
	SCAPE_INOTIFY_INIT_E = 138,
	SCAPE_INOTIFY_INIT_X = 139,
	SCAPE_FCNTL_E = 150,
	SCAPE_FCNTL_X = 151,
	SCAPE_USERFAULTFD_E = 320,
	SCAPE_USERFAULTFD_X = 321,
	SCAPE_OPENAT2_E = 326,
	SCAPE_OPENAT2_X = 327,
};

/* Their parameter counts, part of SCAP_EVENT_NPARAMS_INIT. */
#define SCAP_FD_EVENT_NPARAMS						\
	[SCAPE_CREAT_E] = 2,		/* name, mode */		\
	[SCAPE_CREAT_X] = 4,		/* fd, name, mode, dev */	\
	[SCAPE_PIPE_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_PIPE_X] = 4,		/* res, fd1, fd2, ino */	\
	[SCAPE_EVENTFD_E] = 2,		/* initval, flags */		\
	[SCAPE_EVENTFD_X] = 1,		/* res */			\
	[SCAPE_GETCWD_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_GETCWD_X] = 2,		/* res, path */			\
	[SCAPE_CHDIR_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_CHDIR_X] = 2,		/* res, path */			\
	[SCAPE_FCHDIR_E] = 1,		/* fd */			\
	[SCAPE_FCHDIR_X] = 1,		/* res */			\
	[SCAPE_DUP_E] = 1,		/* fd */			\
	[SCAPE_DUP_X] = 1,		/* res */			\
	[SCAPE_SIGNALFD_E] = 3,		/* fd, mask, flags */		\
	[SCAPE_SIGNALFD_X] = 1,		/* res */			\
	[SCAPE_TIMERFD_CREATE_E] = 2,	/* clockid, flags */		\
	[SCAPE_TIMERFD_CREATE_X] = 1,	/* res */			\
	[SCAPE_INOTIFY_INIT_E] = 1,	/* flags */			\
	[SCAPE_INOTIFY_INIT_X] = 1,	/* res */			\
	[SCAPE_FCNTL_E] = 2,		/* fd, cmd */			\
	[SCAPE_FCNTL_X] = 1,		/* res */			\
	[SCAPE_USERFAULTFD_E] = SCAP_NPARAMS_NONE,			\
	[SCAPE_USERFAULTFD_X] = 2,	/* res, flags */		\
	[SCAPE_OPENAT2_E] = 5,		/* dirfd, name, flags, mode, resolve */ \
	[SCAPE_OPENAT2_X] = 6,		/* fd, dirfd, name, flags, mode, resolve */

/* FCNTL_E's cmd (PT_FLAGS8); commands without a value here are UNKNOWN. */
#define SCAP_FCNTL_UNKNOWN		0
#define SCAP_FCNTL_F_DUPFD		1
#define SCAP_FCNTL_F_GETFD		2
#define SCAP_FCNTL_F_SETFD		3
#define SCAP_FCNTL_F_GETFL		4
#define SCAP_FCNTL_F_SETFL		5
#define SCAP_FCNTL_F_GETLK		6
#define SCAP_FCNTL_F_SETLK		8
#define SCAP_FCNTL_F_SETLKW		9
#define SCAP_FCNTL_F_SETOWN		10
#define SCAP_FCNTL_F_GETOWN		12
#define SCAP_FCNTL_F_SETSIG		13
#define SCAP_FCNTL_F_GETSIG		15
#define SCAP_FCNTL_F_SETOWN_EX		21
#define SCAP_FCNTL_F_GETOWN_EX		22
#define SCAP_FCNTL_F_SETLEASE		23
#define SCAP_FCNTL_F_GETLEASE		24
#define SCAP_FCNTL_F_CANCELLK		25
#define SCAP_FCNTL_F_DUPFD_CLOEXEC	26
#define SCAP_FCNTL_F_NOTIFY		27
#define SCAP_FCNTL_F_SETPIPE_SZ		28
#define SCAP_FCNTL_F_GETPIPE_SZ		29
#define SCAP_FCNTL_F_OFD_GETLK		30
#define SCAP_FCNTL_F_OFD_SETLK		31
#define SCAP_FCNTL_F_OFD_SETLKW		32

/* OPENAT2's resolve (PT_FLAGS32), from struct open_how's RESOLVE_* bits. */
#define SCAP_RESOLVE_BENEATH		(1 << 0)
#define SCAP_RESOLVE_IN_ROOT		(1 << 1)
#define SCAP_RESOLVE_NO_MAGICLINKS	(1 << 2)
#define SCAP_RESOLVE_NO_SYMLINKS	(1 << 3)
#define SCAP_RESOLVE_NO_XDEV		(1 << 4)
#define SCAP_RESOLVE_CACHED		(1 << 5)

/* The I/O variants of read and write (fillers_io.c). */
enum scap_io_event_type {
	SCAPE_LSEEK_E = 86,
	SCAPE_LSEEK_X = 87,
	SCAPE_PREAD_E = 112,
	SCAPE_PREAD_X = 113,
	SCAPE_PWRITE_E = 114,
	SCAPE_PWRITE_X = 115,
	SCAPE_READV_E = 116,
	SCAPE_READV_X = 117,
	SCAPE_WRITEV_E = 118,
	SCAPE_WRITEV_X = 119,
	SCAPE_PREADV_E = 120,
	SCAPE_PREADV_X = 121,
	SCAPE_PWRITEV_E = 122,
	SCAPE_PWRITEV_X = 123,
	SCAPE_SPLICE_E = 166,
	SCAPE_SPLICE_X = 167,
	SCAPE_SENDFILE_E = 188,
	SCAPE_SENDFILE_X = 189,
	SCAPE_COPY_FILE_RANGE_E = 332,
	SCAPE_COPY_FILE_RANGE_X = 333,
};

/* Their parameter counts, part of SCAP_EVENT_NPARAMS_INIT. */
#define SCAP_IO_EVENT_NPARAMS						\
	[SCAPE_LSEEK_E] = 3,		/* fd, offset, whence */	\
	[SCAPE_LSEEK_X] = 1,		/* res */			\
	[SCAPE_PREAD_E] = 3,		/* fd, size, pos */		\
	[SCAPE_PREAD_X] = 2,		/* res, data */			\
	[SCAPE_PWRITE_E] = 3,		/* fd, size, pos */		\
	[SCAPE_PWRITE_X] = 2,		/* res, data */			\
	[SCAPE_READV_E] = 1,		/* fd */			\
	[SCAPE_READV_X] = 3,		/* res, size, data */		\
	[SCAPE_WRITEV_E] = 2,		/* fd, size */			\
	[SCAPE_WRITEV_X] = 2,		/* res, data */			\
	[SCAPE_PREADV_E] = 2,		/* fd, pos */			\
	[SCAPE_PREADV_X] = 3,		/* res, size, data */		\
	[SCAPE_PWRITEV_E] = 3,		/* fd, size, pos */		\
	[SCAPE_PWRITEV_X] = 2,		/* res, data */			\
	[SCAPE_SPLICE_E] = 4,		/* fd_in, fd_out, size, flags */ \
	[SCAPE_SPLICE_X] = 1,		/* res */			\
	[SCAPE_SENDFILE_E] = 4,		/* out_fd, in_fd, offset, size */ \
	[SCAPE_SENDFILE_X] = 2,		/* res, offset */		\
	[SCAPE_COPY_FILE_RANGE_E] = 3,	/* fdin, offin, len */		\
	[SCAPE_COPY_FILE_RANGE_X] = 3,	/* res, fdout, offout */

/* LSEEK_E's whence (PT_FLAGS8); any other whence is 0, as SEEK_SET. */
#define SCAP_SEEK_SET			0
#define SCAP_SEEK_CUR			1
#define SCAP_SEEK_END			2

/*
 * The iovec calls carry at most this many iovecs, and their data is
 * gathered into one page after the array: as schema 1's reference
 * driver, whose consumers' figures are to stay the same.
 */
#define SCAP_IOV_MAX			255
#define SCAP_IOV_PAGE			4096
/* The socket events (fillers_net.c, sockopt.c). */
enum scap_net_event_type {
	SCAPE_SOCKET_E = 18,
	SCAPE_SOCKET_X = 19,
	SCAPE_BIND_E = 20,
	SCAPE_BIND_X = 21,
	SCAPE_CONNECT_E = 22,
	SCAPE_CONNECT_X = 23,
	SCAPE_LISTEN_E = 24,
	SCAPE_LISTEN_X = 25,
	SCAPE_SENDTO_E = 30,
	SCAPE_SENDTO_X = 31,
	SCAPE_RECVFROM_E = 34,
	SCAPE_RECVFROM_X = 35,
	SCAPE_SHUTDOWN_E = 36,
	SCAPE_SHUTDOWN_X = 37,
	SCAPE_GETSOCKNAME_E = 38,
	SCAPE_GETSOCKNAME_X = 39,
	SCAPE_GETPEERNAME_E = 40,
	SCAPE_GETPEERNAME_X = 41,
	SCAPE_SOCKETPAIR_E = 42,
	SCAPE_SOCKETPAIR_X = 43,
	SCAPE_SETSOCKOPT_E = 44,
	SCAPE_SETSOCKOPT_X = 45,
	SCAPE_GETSOCKOPT_E = 46,
	SCAPE_GETSOCKOPT_X = 47,
	SCAPE_SENDMSG_E = 48,
	SCAPE_SENDMSG_X = 49,
	SCAPE_SENDMMSG_E = 50,
	SCAPE_SENDMMSG_X = 51,
	SCAPE_RECVMSG_E = 52,
	SCAPE_RECVMSG_X = 53,
	SCAPE_RECVMMSG_E = 54,
	SCAPE_RECVMMSG_X = 55,
	SCAPE_ACCEPT_5_E = 246,
	SCAPE_ACCEPT_5_X = 247,
	SCAPE_ACCEPT4_5_E = 248,
	SCAPE_ACCEPT4_5_X = 249,
};

/* Their parameter counts, part of SCAP_EVENT_NPARAMS_INIT. */
#define SCAP_NET_EVENT_NPARAMS						\
	[SCAPE_SOCKET_E] = 3,		/* domain, type, proto */	\
	[SCAPE_SOCKET_X] = 1,		/* fd */			\
	[SCAPE_BIND_E] = 1,		/* fd */			\
	[SCAPE_BIND_X] = 2,		/* res, addr */			\
	[SCAPE_CONNECT_E] = 2,		/* fd, addr */			\
	[SCAPE_CONNECT_X] = 2,		/* res, tuple */		\
	[SCAPE_LISTEN_E] = 2,		/* fd, backlog */		\
	[SCAPE_LISTEN_X] = 1,		/* res */			\
	[SCAPE_SENDTO_E] = 3,		/* fd, size, tuple */		\
	[SCAPE_SENDTO_X] = 2,		/* res, data */			\
	[SCAPE_RECVFROM_E] = 2,		/* fd, size */			\
	[SCAPE_RECVFROM_X] = 3,		/* res, data, tuple */		\
	[SCAPE_SHUTDOWN_E] = 2,		/* fd, how */			\
	[SCAPE_SHUTDOWN_X] = 1,		/* res */			\
	[SCAPE_GETSOCKNAME_E] = SCAP_NPARAMS_NONE,			\
	[SCAPE_GETSOCKNAME_X] = SCAP_NPARAMS_NONE,			\
	[SCAPE_GETPEERNAME_E] = SCAP_NPARAMS_NONE,			\
	[SCAPE_GETPEERNAME_X] = SCAP_NPARAMS_NONE,			\
	[SCAPE_SOCKETPAIR_E] = 3,	/* domain, type, proto */	\
	[SCAPE_SOCKETPAIR_X] = 5,	/* res, fd1, fd2, source, peer */ \
	[SCAPE_SETSOCKOPT_E] = SCAP_NPARAMS_NONE,			\
	[SCAPE_SETSOCKOPT_X] = 6,	/* res, fd, level, optname, val, optlen */ \
	[SCAPE_GETSOCKOPT_E] = SCAP_NPARAMS_NONE,			\
	[SCAPE_GETSOCKOPT_X] = 6,	/* res, fd, level, optname, val, optlen */ \
	[SCAPE_SENDMSG_E] = 3,		/* fd, size, tuple */		\
	[SCAPE_SENDMSG_X] = 2,		/* res, data */			\
	[SCAPE_SENDMMSG_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_SENDMMSG_X] = SCAP_NPARAMS_NONE,				\
	[SCAPE_RECVMSG_E] = 1,		/* fd */			\
	[SCAPE_RECVMSG_X] = 4,		/* res, size, data, tuple */	\
	[SCAPE_RECVMMSG_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_RECVMMSG_X] = SCAP_NPARAMS_NONE,				\
	[SCAPE_ACCEPT_5_E] = SCAP_NPARAMS_NONE,				\
	[SCAPE_ACCEPT_5_X] = 5,	/* fd, tuple, queuepct, queuelen, queuemax */ \
	[SCAPE_ACCEPT4_5_E] = 1,	/* flags */			\
	[SCAPE_ACCEPT4_5_X] = 5,	/* as ACCEPT_5_X */

/* Address families in SOCKADDR and SOCKTUPLE values (PPM_AF_*). */
#define SCAP_AF_UNIX		1
#define SCAP_AF_INET		2
#define SCAP_AF_INET6		10

/* setsockopt/getsockopt's level (PT_FLAGS8). */
#define SCAP_SOCKOPT_LEVEL_UNKNOWN	0
#define SCAP_SOCKOPT_LEVEL_SOL_SOCKET	1
#define SCAP_SOCKOPT_LEVEL_SOL_TCP	2

/* Their val (PT_DYN): the index of the value's type, then the value. */
#define SCAP_SOCKOPT_IDX_UNKNOWN	0	/* the bytes, as passed */
#define SCAP_SOCKOPT_IDX_ERRNO		1	/* s64: -SO_ERROR */
#define SCAP_SOCKOPT_IDX_UINT32		2
#define SCAP_SOCKOPT_IDX_UINT64		3

/*
 * Their optname (PT_FLAGS8), SOL_SOCKET's only: the schema's numbers of
 * the SO_* options, 0 for any other option or level.
 */
#define SCAP_SO_DEBUG			1
#define SCAP_SO_REUSEADDR		2
#define SCAP_SO_TYPE			3
#define SCAP_SO_ERROR			4
#define SCAP_SO_DONTROUTE		5
#define SCAP_SO_BROADCAST		6
#define SCAP_SO_SNDBUF			7
#define SCAP_SO_RCVBUF			8
#define SCAP_SO_KEEPALIVE		9
#define SCAP_SO_OOBINLINE		10
#define SCAP_SO_NO_CHECK		11
#define SCAP_SO_PRIORITY		12
#define SCAP_SO_LINGER			13
#define SCAP_SO_BSDCOMPAT		14
#define SCAP_SO_REUSEPORT		15
#define SCAP_SO_PASSCRED		16
#define SCAP_SO_PEERCRED		17
#define SCAP_SO_RCVLOWAT		18
#define SCAP_SO_SNDLOWAT		19
#define SCAP_SO_SECURITY_AUTHENTICATION	22
#define SCAP_SO_SECURITY_ENCRYPTION_TRANSPORT	23
#define SCAP_SO_SECURITY_ENCRYPTION_NETWORK	24
#define SCAP_SO_BINDTODEVICE		25
#define SCAP_SO_ATTACH_FILTER		26
#define SCAP_SO_DETACH_FILTER		27
#define SCAP_SO_PEERNAME		28
#define SCAP_SO_ACCEPTCONN		30
#define SCAP_SO_PEERSEC			31
#define SCAP_SO_SNDBUFFORCE		32
#define SCAP_SO_RCVBUFFORCE		33
#define SCAP_SO_PASSSEC			34
#define SCAP_SO_MARK			36
#define SCAP_SO_PROTOCOL		38
#define SCAP_SO_DOMAIN			39
#define SCAP_SO_RXQ_OVFL		40
#define SCAP_SO_WIFI_STATUS		41
#define SCAP_SO_PEEK_OFF		42
#define SCAP_SO_NOFCS			43
#define SCAP_SO_LOCK_FILTER		44
#define SCAP_SO_SELECT_ERR_QUEUE	45
#define SCAP_SO_BUSY_POLL		46
#define SCAP_SO_MAX_PACING_RATE		47
#define SCAP_SO_BPF_EXTENSIONS		48
#define SCAP_SO_INCOMING_CPU		49
#define SCAP_SO_ATTACH_BPF		50
#define SCAP_SO_PEERGROUPS		51
#define SCAP_SO_MEMINFO			52
#define SCAP_SO_COOKIE			53

/* PPM_SC codes (GENERIC events' ID): scap_sc_codes.h, generated. */

/* Schema 1 bounds: a type at or above this crashes live consumers. */
#define SCAP_EVENT_MAX	336
#define SCAP_SC_MAX	329

#endif /* SCAP_ABI_H */
