// SPDX-License-Identifier: GPL-2.0-only
/*
 * The I/O variants of read and write in schema 1's parameters: pread64,
 * pwrite64, readv, writev, preadv, pwritev, sendfile, splice,
 * copy_file_range and lseek. What each size and data parameter holds, on
 * success and failure, is what the schema's reference driver sends
 * (INTERFACE.md), so that consumers count the same bytes with either.
 */
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/uio.h>

#include "scap.h"

/* pread64/pwrite64(fd, buf, count, pos) enter: fd, size, pos. */
void scap_fill_prw_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u32(evt, ctx->args[2]);
	scap_evt_u64(evt, ctx->args[3]);
}

/*
 * An iovec array the event can carry: at most SCAP_IOV_MAX entries, more
 * drop the event as a full ring would (the reference driver copies the
 * array into one page and gives up the same way).
 */
static bool scap_iov_ok(struct scap_evt *evt, unsigned long cnt)
{
	if (cnt > SCAP_IOV_MAX) {
		scap_evt_fail(evt, -ENOSPC);
		return false;
	}
	return true;
}

/* The total of the iov_len of cnt iovecs (checked); 0 if one is unreadable. */
static u64 scap_iov_total(struct scap_evt *evt, const struct iovec __user *uiov,
			  unsigned long cnt)
{
	struct iovec iov;
	unsigned long i;
	u64 total = 0;

	for (i = 0; i < cnt; i++) {
		if (scap_evt_read_user(evt, &iov, uiov + i, sizeof(iov)))
			return 0;
		total += iov.iov_len;
	}
	return total;
}

/*
 * The buffers of cnt iovecs (checked) back to back, at most limit bytes,
 * and never more than fit in a page after the array, as the reference
 * driver gathers them.
 */
static void scap_evt_user_iov(struct scap_evt *evt, const struct iovec __user *uiov,
			      unsigned long cnt, u64 limit)
{
	struct iovec iov;
	unsigned long i;
	u32 room, len = 0, n;
	u8 *dst;

	limit = min_t(u64, limit, SCAP_IOV_PAGE - cnt * sizeof(iov) - 1);
	dst = scap_evt_space(evt, limit, &room);
	if (!dst)
		return;
	for (i = 0; i < cnt && len < limit; i++) {
		if (scap_evt_read_user(evt, &iov, uiov + i, sizeof(iov)))
			return;
		n = min_t(u64, iov.iov_len, limit - len);
		if (len + n > room) {
			scap_evt_fail(evt, -ENOSPC);
			return;
		}
		if (n && copy_from_user_nofault(dst + len, iov.iov_base, n)) {
			scap_evt_fail(evt, -EFAULT);
			return;
		}
		len += n;
	}
	scap_evt_put(evt, len);
}

/*
 * readv/preadv(fd, iov, iovcnt, ...) exit: res; size, the iovecs' total
 * (no more than res when the call succeeded, all of it when it failed);
 * the first snaplen bytes of what was read, none on failure.
 */
void scap_fill_readv_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const struct iovec __user *uiov = (const struct iovec __user *)ctx->args[1];
	unsigned long cnt = ctx->args[2];
	u64 total;

	scap_evt_s64(evt, ctx->ret);
	if (!scap_iov_ok(evt, cnt))
		return;
	total = scap_iov_total(evt, uiov, cnt);
	/* Compared unsigned: a failed call's -errno caps nothing. */
	scap_evt_u32(evt, min_t(u64, total, (u64)ctx->ret));
	scap_evt_user_iov(evt, uiov, cnt,
			  ctx->ret > 0 ? min_t(u64, ctx->ret, ctx->snaplen) : 0);
}

/* writev/pwritev(fd, iov, iovcnt, ...) enter: fd, size (the iovecs' total). */
void scap_fill_writev_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	unsigned long cnt = ctx->args[2];

	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	if (!scap_iov_ok(evt, cnt))
		return;
	scap_evt_u32(evt, scap_iov_total(evt, (const struct iovec __user *)ctx->args[1], cnt));
}

/* pwritev(fd, iov, iovcnt, pos) enter: writev's, then pos. */
void scap_fill_pwritev_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_fill_writev_e(evt, ctx);
	scap_evt_u64(evt, ctx->args[3]);
}

/*
 * writev/pwritev exit: res, then the first snaplen bytes of the buffers
 * the caller passed, whatever the result (as pwrite64's).
 */
void scap_fill_writev_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	unsigned long cnt = ctx->args[2];

	scap_evt_s64(evt, ctx->ret);
	if (!scap_iov_ok(evt, cnt))
		return;
	scap_evt_user_iov(evt, (const struct iovec __user *)ctx->args[1], cnt, ctx->snaplen);
}

/* preadv(fd, iov, iovcnt, pos) enter: fd, pos (readv's is fd alone). */
void scap_fill_preadv_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u64(evt, ctx->args[3]);
}

/* lseek(fd, offset, whence) enter: fd, offset, the schema's whence. */
void scap_fill_lseek_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	u8 whence;

	switch (ctx->args[2]) {
	case SEEK_CUR:
		whence = SCAP_SEEK_CUR;
		break;
	case SEEK_END:
		whence = SCAP_SEEK_END;
		break;
	default:
		whence = SCAP_SEEK_SET;
	}
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u64(evt, ctx->args[1]);
	scap_evt_u8(evt, whence);
}

/* splice(fd_in, off_in, fd_out, off_out, len, flags) enter: the registers. */
void scap_fill_splice_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_s64(evt, scap_arg_fd(ctx->args[2]));
	scap_evt_u64(evt, ctx->args[4]);
	scap_evt_u32(evt, ctx->args[5]);
}

/* The loff_t at a sendfile offset pointer; 0 for NULL or unreadable. */
static u64 scap_user_offset(unsigned long ptr)
{
	loff_t off;

	if (!ptr || copy_from_user_nofault(&off, (const void __user *)ptr, sizeof(off)))
		return 0;
	return off;
}

/* sendfile(out_fd, in_fd, offset, count) enter: offset is the value pointed to. */
void scap_fill_sendfile_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_s64(evt, scap_arg_fd(ctx->args[1]));
	scap_evt_u64(evt, scap_user_offset(ctx->args[2]));
	scap_evt_u64(evt, ctx->args[3]);
}

/* sendfile exit: res, the offset after the call (the kernel advanced it). */
void scap_fill_sendfile_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, ctx->ret);
	scap_evt_u64(evt, scap_user_offset(ctx->args[2]));
}

/*
 * copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): offin and
 * offout are the pointers as passed, not the offsets: the reference
 * driver's values, which consumers compare.
 */
void scap_fill_copy_file_range_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u64(evt, ctx->args[1]);
	scap_evt_u64(evt, ctx->args[4]);
}

void scap_fill_copy_file_range_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, ctx->ret);
	scap_evt_s64(evt, scap_arg_fd(ctx->args[2]));
	scap_evt_u64(evt, ctx->args[3]);
}
