// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parameters of each event, in schema 1's order and types (the
 * event_table of libscap's schema 1; see INTERFACE.md).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/minmax.h>
#include <linux/sched.h>

#include "scap.h"

/* The device of the filesystem an fd lives on (new_encode_dev), or 0. */
u32 scap_fd_dev(long fd)
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

/* An event without parameters. */
void scap_fill_none(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
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

/* openat(dirfd, name, flags, mode) */
void scap_fill_openat_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;

	scap_evt_s64(evt, scap_arg_dirfd(args[0]));
	scap_evt_user_str(evt, (const char __user *)args[1], SCAP_PATH_MAX);
	scap_evt_u32(evt, scap_open_flags(args[2]));
	scap_evt_u32(evt, scap_open_mode(args[2], args[3]));
}

void scap_fill_openat_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;

	scap_evt_s64(evt, ctx->ret);			/* fd */
	scap_evt_s64(evt, scap_arg_dirfd(args[0]));
	scap_evt_user_str(evt, (const char __user *)args[1], SCAP_PATH_MAX);
	scap_evt_u32(evt, scap_open_flags(args[2]));
	scap_evt_u32(evt, scap_open_mode(args[2], args[3]));
	scap_evt_u32(evt, scap_fd_dev(ctx->ret));
}

/* fd, the first argument: close, dup*, fchdir enter */
void scap_fill_fd_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
}

/* res alone: close, dup*, fchdir, fcntl and the fd-creating calls' exit */
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
 * read/pread64 exit: res, then the first snaplen bytes of what was
 * transferred (none when the call failed).
 */
void scap_fill_rw_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	u32 len = ctx->ret > 0 ? min_t(u64, ctx->ret, ctx->snaplen) : 0;

	scap_evt_s64(evt, ctx->ret);
	scap_evt_user_buf(evt, (const void __user *)ctx->args[1], len);
}

/*
 * write/pwrite64(fd, buf, count, ...) exit: res, then the first snaplen
 * bytes of the buffer passed, whatever res says (a failed or short write
 * too), as the schema's reference driver sends them. Its length is the
 * count's low 32 bits, the enter's size; a NULL buffer is no data.
 */
void scap_fill_write_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const void __user *buf = (const void __user *)ctx->args[1];
	u32 size = ctx->args[2];

	scap_evt_s64(evt, ctx->ret);
	scap_evt_user_buf(evt, buf, buf ? min_t(u32, size, ctx->snaplen) : 0);
}

/* DROP_E/DROP_X: the sampling ratio in force. */
void scap_fill_drop(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u32(evt, ctx->sampling_ratio);
}
