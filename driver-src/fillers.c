// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parameters of each event, in schema 1's order and types (the
 * event_table of libscap's schema 1; see INTERFACE.md).
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/stat.h>

#include "scap.h"

/* Kernel O_* bits to the schema's file_flags (PT_FLAGS32). */
static u32 scap_open_flags(unsigned long flags)
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
static u32 scap_open_mode(unsigned long flags, unsigned long mode)
{
	if (!(flags & (O_CREAT | __O_TMPFILE)))
		return 0;
	return mode & (S_IRWXUGO | S_ISUID | S_ISGID | S_ISVTX);
}

/* The device of the filesystem an fd lives on (new_encode_dev), or 0. */
static u32 scap_fd_dev(long fd)
{
	struct file *file;
	u32 dev;

	if (fd < 0 || fd > INT_MAX)
		return 0;
	/*
	 * The reference keeps the inode alive; fget_raw() as O_PATH fds have
	 * a device too. fput() is safe here: a last reference is released
	 * later, from task work.
	 */
	file = fget_raw(fd);
	if (!file)
		return 0;
	dev = new_encode_dev(file_inode(file)->i_sb->s_dev);
	fput(file);
	return dev;
}

/* fd arguments are ints: sign-extend them into PT_FD. */
static s64 scap_arg_fd(unsigned long arg)
{
	return (int)arg;
}

void scap_fill_generic_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u16(evt, ctx->sc.code);	/* ID */
	scap_evt_u16(evt, ctx->sc.nr);		/* nativeID */
}

void scap_fill_generic_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u16(evt, ctx->sc.code);	/* ID */
}

/* open(name, flags, mode) */
void scap_fill_open_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;

	scap_evt_user_str(evt, (const char __user *)args[0], SCAP_PATH_MAX);
	scap_evt_u32(evt, scap_open_flags(args[1]));
	scap_evt_u32(evt, scap_open_mode(args[1], args[2]));
}

void scap_fill_open_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;

	scap_evt_s64(evt, ctx->ret);			/* fd */
	scap_evt_user_str(evt, (const char __user *)args[0], SCAP_PATH_MAX);
	scap_evt_u32(evt, scap_open_flags(args[1]));
	scap_evt_u32(evt, scap_open_mode(args[1], args[2]));
	scap_evt_u32(evt, scap_fd_dev(ctx->ret));
}

/* openat(dirfd, name, flags, mode); AT_FDCWD is the schema's value too. */
void scap_fill_openat_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;

	scap_evt_s64(evt, scap_arg_fd(args[0]));
	scap_evt_user_str(evt, (const char __user *)args[1], SCAP_PATH_MAX);
	scap_evt_u32(evt, scap_open_flags(args[2]));
	scap_evt_u32(evt, scap_open_mode(args[2], args[3]));
}

void scap_fill_openat_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;

	scap_evt_s64(evt, ctx->ret);			/* fd */
	scap_evt_s64(evt, scap_arg_fd(args[0]));
	scap_evt_user_str(evt, (const char __user *)args[1], SCAP_PATH_MAX);
	scap_evt_u32(evt, scap_open_flags(args[2]));
	scap_evt_u32(evt, scap_open_mode(args[2], args[3]));
	scap_evt_u32(evt, scap_fd_dev(ctx->ret));
}

/* close(fd) enter */
void scap_fill_fd_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
}

/* close exit: res */
void scap_fill_res_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, ctx->ret);
}

/* read/write(fd, buf, count) enter: fd, size */
void scap_fill_rw_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u32(evt, ctx->args[2]);
}

/*
 * read/write exit: res, then the first snaplen bytes of what was
 * transferred (none when the call failed).
 */
void scap_fill_rw_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	u32 len = ctx->ret > 0 ? min_t(u64, ctx->ret, ctx->snaplen) : 0;

	scap_evt_s64(evt, ctx->ret);
	scap_evt_user_buf(evt, (const void __user *)ctx->args[1], len);
}

/* DROP_E/DROP_X: the sampling ratio in force. */
void scap_fill_drop(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u32(evt, ctx->sampling_ratio);
}
