// SPDX-License-Identifier: GPL-2.0-only
/*
 * The socket events in schema 1's parameters, filled as the peer driver
 * fills them (consumers compare the two drivers' captures): fds as their
 * register but where the peer reads them as an int (connect's, accept's),
 * addresses and tuples as sockaddr.c writes them, data cut to the
 * consumer's snaplen as read/write's.
 */
#include <linux/minmax.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <net/af_unix.h>
#include <net/sock.h>

#include "scap.h"

/*
 * The peer gathers a message's iovec array and data in one page: an
 * array of a page or more drops the event, and the data it carries is
 * at most what is left of the page but a byte.
 */
#define SCAP_IOV_SCRATCH	PAGE_SIZE

/* socket(domain, type, proto) and socketpair's enter: the three as passed. */
void scap_fill_socket_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u32(evt, ctx->args[0]);
	scap_evt_u32(evt, ctx->args[1]);
	scap_evt_u32(evt, ctx->args[2]);
}

/*
 * SOCKADDR of the address argument at args[i] of length args[i + 1]:
 * empty when either is 0 or the address cannot be read.
 */
static void scap_evt_arg_sockaddr(struct scap_evt *evt, const unsigned long *args, int i)
{
	struct sockaddr_storage ss;

	if (args[i] && args[i + 1] &&
	    !scap_sockaddr_read(&ss, (const void __user *)args[i], args[i + 1]))
		scap_evt_sockaddr(evt, &ss);
	else
		scap_evt_empty(evt);
}

/*
 * SOCKTUPLE of the socket fd with the address at args[i] of length
 * args[i + 1] as its remote end: empty without one, or when unreadable.
 */
static void scap_evt_arg_socktuple(struct scap_evt *evt, int fd, const unsigned long *args,
				   int i, bool inbound)
{
	struct sockaddr_storage ss;

	if (args[i] && args[i + 1] &&
	    !scap_sockaddr_read(&ss, (const void __user *)args[i], args[i + 1]))
		scap_evt_socktuple(evt, fd, &ss, inbound);
	else
		scap_evt_empty(evt);
}

/* bind(fd, addr, len) exit: res, the address asked for (even on failure). */
void scap_fill_bind_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, ctx->ret);
	scap_evt_arg_sockaddr(evt, ctx->args, 1);
}

/* connect(fd, addr, len) enter: fd as an int, the address if fd >= 0. */
void scap_fill_connect_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	int fd = ctx->args[0];

	scap_evt_s64(evt, fd);
	if (fd >= 0)
		scap_evt_arg_sockaddr(evt, ctx->args, 1);
	else
		scap_evt_empty(evt);
}

/* connect exit: res, the tuple from the socket to the address asked for. */
void scap_fill_connect_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	int fd = ctx->args[0];

	scap_evt_s64(evt, ctx->ret);
	if (fd >= 0)
		scap_evt_arg_socktuple(evt, fd, ctx->args, 1, false);
	else
		scap_evt_empty(evt);
}

/* listen(fd, backlog) enter. */
void scap_fill_listen_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u32(evt, ctx->args[1]);
}

/* accept4(fd, addr, len, flags) enter: flags, which the peer sends as 0. */
void scap_fill_accept4_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_u32(evt, 0);
}

/*
 * accept and accept4 exit: the new fd, its tuple (the client first), and
 * the listening socket's queue after the call: how full in percent, its
 * length and its limit.
 */
void scap_fill_accept_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	u32 queuelen = 0, queuemax = 0;
	struct socket *sock;
	int fd = ctx->ret;
	int err;

	scap_evt_s64(evt, fd);
	scap_evt_socktuple(evt, fd, NULL, true);
	if (evt->err)
		return;
	sock = sockfd_lookup(ctx->args[0], &err);
	if (sock) {
		if (sock->sk) {
			queuelen = READ_ONCE(sock->sk->sk_ack_backlog);
			queuemax = READ_ONCE(sock->sk->sk_max_ack_backlog);
		}
		sockfd_put(sock);
	}
	scap_evt_u8(evt, queuemax ? (u64)queuelen * 100 / queuemax : 0);
	scap_evt_u32(evt, queuelen);
	scap_evt_u32(evt, queuemax);
}

/*
 * socketpair(domain, type, proto, fds) exit: res, the two fds, and the
 * kernel addresses of the first socket and of its peer (AF_UNIX only),
 * all 0 when the call failed. An fds array that cannot be read drops it.
 */
void scap_fill_socketpair_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	u64 source = 0, peer = 0;
	struct socket *sock;
	int fds[2] = {};
	int err;

	scap_evt_s64(evt, ctx->ret);
	if (ctx->ret >= 0) {
		if (scap_evt_read_user(evt, fds, (const void __user *)ctx->args[3], sizeof(fds)))
			return;
		sock = sockfd_lookup(fds[0], &err);
		if (!sock) {
			/* Closed meanwhile by another thread: as the peer, no event. */
			scap_evt_fail(evt, err);
			return;
		}
		if (sock->sk && sock->sk->sk_family == AF_UNIX) {
			source = (unsigned long)sock->sk;
			peer = (unsigned long)READ_ONCE(unix_sk(sock->sk)->peer);
		}
		sockfd_put(sock);
	}
	scap_evt_s64(evt, fds[0]);
	scap_evt_s64(evt, fds[1]);
	scap_evt_u64(evt, source);
	scap_evt_u64(evt, peer);
}

/* shutdown(fd, how) enter: how as passed (SHUT_* are the schema's values). */
void scap_fill_shutdown_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	scap_evt_u8(evt, ctx->args[1]);
}

/* sendto(fd, buf, len, flags, addr, addrlen) enter: fd, size, the tuple. */
void scap_fill_sendto_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_fill_rw_e(evt, ctx);
	scap_evt_arg_socktuple(evt, ctx->args[0], ctx->args, 4, false);
}

/*
 * recvfrom(fd, buf, len, flags, addr, addrlen) exit: res, data as read's,
 * and when it succeeded with an address buffer, the tuple from the sender
 * the kernel wrote there (with the length it wrote: 0 leaves the sender's
 * end zero). An address length that cannot be read drops the event.
 */
void scap_fill_recvfrom_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	struct sockaddr_storage ss;
	const void __user *addr = (const void __user *)ctx->args[4];
	int addrlen;

	scap_fill_rw_x(evt, ctx);
	if (ctx->ret < 0 || !addr || !ctx->args[5]) {
		scap_evt_empty(evt);
		return;
	}
	if (scap_evt_read_user(evt, &addrlen, (const void __user *)ctx->args[5], sizeof(addrlen)))
		return;
	if (scap_sockaddr_read(&ss, addr, addrlen))
		scap_evt_empty(evt);
	else
		scap_evt_socktuple(evt, ctx->args[0], &ss, true);
}

/* The message header of sendmsg/recvmsg(fd, msg, flags); 0 or an error. */
static int scap_read_msghdr(struct scap_evt *evt, const struct scap_syscall_ctx *ctx,
			    struct user_msghdr *msg)
{
	return scap_evt_read_user(evt, msg, (const void __user *)ctx->args[1], sizeof(*msg));
}

/*
 * Checks that the message's iovec array is readable and small enough,
 * and sums its lengths into *total; or drops the event.
 */
static int scap_msg_iov_total(struct scap_evt *evt, const struct user_msghdr *msg, u64 *total)
{
	const struct iovec __user *uiov = msg->msg_iov;
	struct iovec iov;
	u64 i;

	*total = 0;
	if (msg->msg_iovlen >= SCAP_IOV_SCRATCH / sizeof(iov)) {
		scap_evt_fail(evt, -ENOSPC);
		return evt->err;
	}
	for (i = 0; i < msg->msg_iovlen; i++) {
		if (scap_evt_read_user(evt, &iov, uiov + i, sizeof(iov)))
			return evt->err;
		*total += iov.iov_len;
	}
	return evt->err;
}

/*
 * The message's data: the first len bytes of its buffers, one after the
 * other (len no more than the array holds). A buffer that cannot be read
 * drops the event.
 */
static void scap_evt_msg_data(struct scap_evt *evt, const struct user_msghdr *msg, u32 len)
{
	const struct iovec __user *uiov = msg->msg_iov;
	struct iovec iov;
	u32 room, done = 0, n;
	u8 *dst;
	u64 i;

	dst = scap_evt_space(evt, len, &room);
	if (!dst)
		return;
	if (room < len) {
		scap_evt_fail(evt, -ENOSPC);
		return;
	}
	for (i = 0; i < msg->msg_iovlen && done < len; i++) {
		if (scap_evt_read_user(evt, &iov, uiov + i, sizeof(iov)))
			return;
		n = min_t(u64, iov.iov_len, len - done);
		if (n && copy_from_user_nofault(dst + done, iov.iov_base, n)) {
			scap_evt_fail(evt, -EFAULT);
			return;
		}
		done += n;
	}
	scap_evt_put(evt, done);
}

/*
 * How many bytes of a message the event carries: at most limit, the
 * consumer's snaplen and what the peer's scratch page leaves.
 */
static u32 scap_msg_data_len(const struct user_msghdr *msg, u64 total, u64 limit, u32 snaplen)
{
	u64 len = min3(total, limit, (u64)snaplen);

	return min_t(u64, len, SCAP_IOV_SCRATCH - msg->msg_iovlen * sizeof(struct iovec) - 1);
}

/*
 * The remote end of a message's tuple, when the message names one:
 * msg_name of msg_namelen bytes. Empty without, or when unreadable.
 */
static void scap_evt_msg_socktuple(struct scap_evt *evt, int fd, const struct user_msghdr *msg,
				   bool inbound)
{
	struct sockaddr_storage ss;

	if (msg->msg_name && msg->msg_namelen &&
	    !scap_sockaddr_read(&ss, msg->msg_name, msg->msg_namelen))
		scap_evt_socktuple(evt, fd, &ss, inbound);
	else
		scap_evt_empty(evt);
}

/*
 * sendmsg enter: fd, the size of all the message's buffers, the tuple to
 * its address. A message that cannot be read drops the event.
 */
void scap_fill_sendmsg_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	struct user_msghdr msg;
	u64 total;

	scap_evt_s64(evt, scap_arg_fd(ctx->args[0]));
	if (scap_read_msghdr(evt, ctx, &msg) || scap_msg_iov_total(evt, &msg, &total))
		return;
	scap_evt_u32(evt, total);
	scap_evt_msg_socktuple(evt, ctx->args[0], &msg, false);
}

/*
 * sendmsg exit: res, and the first snaplen bytes of the message's
 * buffers, as the peer sends them whatever res says.
 */
void scap_fill_sendmsg_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	struct user_msghdr msg;
	u64 total;

	scap_evt_s64(evt, ctx->ret);
	if (scap_read_msghdr(evt, ctx, &msg) || scap_msg_iov_total(evt, &msg, &total))
		return;
	scap_evt_msg_data(evt, &msg, scap_msg_data_len(&msg, total, U64_MAX, ctx->snaplen));
}

/*
 * recvmsg exit: res; the size of the buffers (no more than res when it
 * succeeded); the first min(res, snaplen) bytes received; the tuple from
 * the sender the kernel wrote in msg_name, if any.
 */
void scap_fill_recvmsg_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	struct user_msghdr msg;
	u64 total;
	u32 len = 0;

	scap_evt_s64(evt, ctx->ret);
	if (scap_read_msghdr(evt, ctx, &msg) || scap_msg_iov_total(evt, &msg, &total))
		return;
	scap_evt_u32(evt, ctx->ret >= 0 ? min_t(u64, total, ctx->ret) : total);
	if (ctx->ret > 0)
		len = scap_msg_data_len(&msg, total, ctx->ret, ctx->snaplen);
	scap_evt_msg_data(evt, &msg, len);
	if (ctx->ret >= 0)
		scap_evt_msg_socktuple(evt, ctx->args[0], &msg, true);
	else
		scap_evt_empty(evt);
}
