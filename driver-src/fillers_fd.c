// SPDX-License-Identifier: GPL-2.0-only
/*
 * The events of the calls that create or duplicate fds, and of the
 * working directory, in schema 1's parameters. Where the peer driver
 * leaves a parameter at 0 (the flags of eventfd, signalfd, timerfd_create
 * and inotify_init, signalfd's mask, timerfd's clock), so does this one:
 * consumers compare the two drivers' captures.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/openat2.h>

#include "scap.h"

/* creat(name, mode): open's mode with O_CREAT, the only flag creat has. */
void scap_fill_creat_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;

	scap_evt_user_str(evt, (const char __user *)args[0], SCAP_PATH_MAX);
	scap_evt_u32(evt, scap_open_mode(O_CREAT, args[1]));
}

void scap_fill_creat_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;

	scap_evt_s64(evt, ctx->ret);			/* fd */
	scap_evt_user_str(evt, (const char __user *)args[0], SCAP_PATH_MAX);
	scap_evt_u32(evt, scap_open_mode(O_CREAT, args[1]));
	scap_evt_u32(evt, scap_fd_dev(ctx->ret));
}

/* The inode number of the file an fd refers to, or 0. */
static u64 scap_fd_ino(int fd)
{
	struct file *file;
	u64 ino;

	if (fd < 0)
		return 0;
	/* As in scap_fd_dev(): fput() defers a last release to task work. */
	file = fget(fd);
	if (!file)
		return 0;
	ino = file_inode(file)->i_ino;
	fput(file);
	return ino;
}

/*
 * pipe(fds) and pipe2(fds, flags) exit: res, the two fds and the pipe's
 * inode number. The fds are what the array holds after the call, also
 * when it failed (the caller's values then, as the peer sends them).
 */
void scap_fill_pipe_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	int fds[2];

	if (scap_evt_read_user(evt, fds, (const void __user *)ctx->args[0], sizeof(fds)))
		return;
	scap_evt_s64(evt, ctx->ret);
	scap_evt_s64(evt, fds[0]);
	scap_evt_s64(evt, fds[1]);
	scap_evt_u64(evt, scap_fd_ino(fds[0]));
}

/* eventfd(initval) and eventfd2(initval, flags) enter: initval, flags 0. */
void scap_fill_eventfd_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u64(evt, (unsigned int)ctx->args[0]);
	scap_evt_u32(evt, 0);
}

/* signalfd(fd, mask, size) and signalfd4 enter: fd, mask 0, flags 0. */
void scap_fill_signalfd_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u32(evt, 0);
	scap_evt_u8(evt, 0);
}

/* timerfd_create(clockid, flags) enter: clockid 0, flags 0. */
void scap_fill_timerfd_create_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u8(evt, 0);
	scap_evt_u8(evt, 0);
}

/* inotify_init() and inotify_init1(flags) enter: flags 0. */
void scap_fill_inotify_init_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u8(evt, 0);
}

/* fcntl(fd, cmd, arg) enter: fd, the schema's value of cmd. */
void scap_fill_fcntl_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u8(evt, scap_fcntl_cmd(ctx->args[1]));
}

/*
 * openat2(dirfd, name, how, size): both events carry dirfd, name and the
 * open_how read from the caller (flags, mode and resolve, in the schema's
 * values); one whose open_how cannot be read is dropped.
 */
void scap_fill_openat2_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;
	struct open_how how;

	scap_evt_s64(evt, scap_arg_fd(args[0]));
	scap_evt_user_str(evt, (const char __user *)args[1], SCAP_PATH_MAX);
	if (scap_evt_read_user(evt, &how, (const void __user *)args[2], sizeof(how)))
		return;
	scap_evt_u32(evt, scap_open_flags(how.flags));
	scap_evt_u32(evt, scap_open_mode(how.flags, how.mode));
	scap_evt_u32(evt, scap_openat2_resolve(how.resolve));
}

/* The fd first, then what the enter event carries; no dev in this one. */
void scap_fill_openat2_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, ctx->ret);
	scap_fill_openat2_e(evt, ctx);
}

/* userfaultfd(flags) exit: res, the flags as passed (O_CLOEXEC ...). */
void scap_fill_userfaultfd_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, ctx->ret);
	scap_evt_u32(evt, ctx->args[0]);
}

/*
 * chdir(path) and getcwd(buf, size) exit: res, then the string at the
 * first argument after the call: the directory chdir was given, the path
 * getcwd wrote (or what the buffer held if it failed).
 */
void scap_fill_path_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, ctx->ret);
	scap_evt_user_str(evt, (const char __user *)ctx->args[0], SCAP_PATH_MAX);
}
