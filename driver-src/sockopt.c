// SPDX-License-Identifier: GPL-2.0-only
/*
 * setsockopt and getsockopt exits: res, fd, the level and option in the
 * schema's numbers, the value (typed where the schema knows the option's
 * type, else its bytes) and its length.
 *
 * The peer driver names only the options its kernel headers define. In
 * the kernel (not in userspace) SO_RCVTIMEO, SO_SNDTIMEO, SO_TIMESTAMP,
 * SO_TIMESTAMPNS and SO_TIMESTAMPING are not defined since 5.1 made them
 * aliases of their _OLD and _NEW variants: those options are UNKNOWN
 * there, with their bytes, and so here.
 */
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <net/sock.h>

#include "scap.h"

/* Bytes of a value at most: a parameter is at most 65000 bytes, its type index included. */
#define SCAP_SOCKOPT_BYTES_MAX	(65000 - 1)

static u8 scap_sockopt_level(int level)
{
	switch (level) {
	case SOL_SOCKET:
		return SCAP_SOCKOPT_LEVEL_SOL_SOCKET;
	case SOL_TCP:
		return SCAP_SOCKOPT_LEVEL_SOL_TCP;
	default:
		return SCAP_SOCKOPT_LEVEL_UNKNOWN;
	}
}

/* The schema's number of a SOL_SOCKET option, 0 for other options and levels. */
static u8 scap_sockopt_name(int level, int name)
{
	static const u8 names[] = {
		[SO_DEBUG] = SCAP_SO_DEBUG,
		[SO_REUSEADDR] = SCAP_SO_REUSEADDR,
		[SO_TYPE] = SCAP_SO_TYPE,
		[SO_ERROR] = SCAP_SO_ERROR,
		[SO_DONTROUTE] = SCAP_SO_DONTROUTE,
		[SO_BROADCAST] = SCAP_SO_BROADCAST,
		[SO_SNDBUF] = SCAP_SO_SNDBUF,
		[SO_RCVBUF] = SCAP_SO_RCVBUF,
		[SO_SNDBUFFORCE] = SCAP_SO_SNDBUFFORCE,
		[SO_RCVBUFFORCE] = SCAP_SO_RCVBUFFORCE,
		[SO_KEEPALIVE] = SCAP_SO_KEEPALIVE,
		[SO_OOBINLINE] = SCAP_SO_OOBINLINE,
		[SO_NO_CHECK] = SCAP_SO_NO_CHECK,
		[SO_PRIORITY] = SCAP_SO_PRIORITY,
		[SO_LINGER] = SCAP_SO_LINGER,
		[SO_BSDCOMPAT] = SCAP_SO_BSDCOMPAT,
		[SO_REUSEPORT] = SCAP_SO_REUSEPORT,
		[SO_PASSCRED] = SCAP_SO_PASSCRED,
		[SO_PEERCRED] = SCAP_SO_PEERCRED,
		[SO_RCVLOWAT] = SCAP_SO_RCVLOWAT,
		[SO_SNDLOWAT] = SCAP_SO_SNDLOWAT,
		[SO_SECURITY_AUTHENTICATION] = SCAP_SO_SECURITY_AUTHENTICATION,
		[SO_SECURITY_ENCRYPTION_TRANSPORT] = SCAP_SO_SECURITY_ENCRYPTION_TRANSPORT,
		[SO_SECURITY_ENCRYPTION_NETWORK] = SCAP_SO_SECURITY_ENCRYPTION_NETWORK,
		[SO_BINDTODEVICE] = SCAP_SO_BINDTODEVICE,
		[SO_ATTACH_FILTER] = SCAP_SO_ATTACH_FILTER,
		[SO_DETACH_FILTER] = SCAP_SO_DETACH_FILTER,
		[SO_PEERNAME] = SCAP_SO_PEERNAME,
		[SO_ACCEPTCONN] = SCAP_SO_ACCEPTCONN,
		[SO_PEERSEC] = SCAP_SO_PEERSEC,
		[SO_PASSSEC] = SCAP_SO_PASSSEC,
		[SO_MARK] = SCAP_SO_MARK,
		[SO_PROTOCOL] = SCAP_SO_PROTOCOL,
		[SO_DOMAIN] = SCAP_SO_DOMAIN,
		[SO_RXQ_OVFL] = SCAP_SO_RXQ_OVFL,
		[SO_WIFI_STATUS] = SCAP_SO_WIFI_STATUS,
		[SO_PEEK_OFF] = SCAP_SO_PEEK_OFF,
		[SO_NOFCS] = SCAP_SO_NOFCS,
		[SO_LOCK_FILTER] = SCAP_SO_LOCK_FILTER,
		[SO_SELECT_ERR_QUEUE] = SCAP_SO_SELECT_ERR_QUEUE,
		[SO_BUSY_POLL] = SCAP_SO_BUSY_POLL,
		[SO_MAX_PACING_RATE] = SCAP_SO_MAX_PACING_RATE,
		[SO_BPF_EXTENSIONS] = SCAP_SO_BPF_EXTENSIONS,
		[SO_INCOMING_CPU] = SCAP_SO_INCOMING_CPU,
		[SO_ATTACH_BPF] = SCAP_SO_ATTACH_BPF,
		[SO_PEERGROUPS] = SCAP_SO_PEERGROUPS,
		[SO_MEMINFO] = SCAP_SO_MEMINFO,
		[SO_COOKIE] = SCAP_SO_COOKIE,
	};

	if (level != SOL_SOCKET || name < 0 || name >= ARRAY_SIZE(names))
		return 0;
	return names[name];
}

/* The options whose value the schema reads as a u32 (the peer's list). */
static bool scap_sockopt_is_u32(int name)
{
	switch (name) {
	case SO_DEBUG: case SO_REUSEADDR: case SO_TYPE: case SO_DONTROUTE:
	case SO_BROADCAST: case SO_SNDBUF: case SO_RCVBUF: case SO_SNDBUFFORCE:
	case SO_RCVBUFFORCE: case SO_KEEPALIVE: case SO_OOBINLINE: case SO_NO_CHECK:
	case SO_PRIORITY: case SO_BSDCOMPAT: case SO_REUSEPORT: case SO_PASSCRED:
	case SO_RCVLOWAT: case SO_SNDLOWAT: case SO_SECURITY_AUTHENTICATION:
	case SO_SECURITY_ENCRYPTION_TRANSPORT: case SO_SECURITY_ENCRYPTION_NETWORK:
	case SO_BINDTODEVICE: case SO_DETACH_FILTER: case SO_ACCEPTCONN:
	case SO_PEERSEC: case SO_PASSSEC: case SO_MARK: case SO_PROTOCOL:
	case SO_DOMAIN: case SO_RXQ_OVFL: case SO_WIFI_STATUS: case SO_PEEK_OFF:
	case SO_NOFCS: case SO_LOCK_FILTER: case SO_SELECT_ERR_QUEUE:
	case SO_BUSY_POLL: case SO_MAX_PACING_RATE: case SO_BPF_EXTENSIONS:
	case SO_INCOMING_CPU:
		return true;
	default:
		return false;
	}
}

/*
 * Room for a DYN value of len bytes, its type index idx written before it;
 * NULL when the event has no room (then it is failed).
 */
static u8 *scap_evt_dyn_space(struct scap_evt *evt, u8 idx, u32 len)
{
	u32 room;
	u8 *dst = scap_evt_space(evt, 1 + len, &room);

	if (!dst)
		return NULL;
	if (room < 1 + len) {
		scap_evt_fail(evt, -ENOSPC);
		return NULL;
	}
	dst[0] = idx;
	return dst + 1;
}

/* A DYN value: the type index, then len bytes of the value. */
static void scap_evt_dyn(struct scap_evt *evt, u8 idx, const void *val, u32 len)
{
	u8 *dst = scap_evt_dyn_space(evt, idx, len);

	if (!dst)
		return;
	memcpy(dst, val, len);
	scap_evt_put(evt, 1 + len);
}

/* The value as bytes: optlen of them from optval, none when it is NULL. */
static void scap_evt_sockopt_bytes(struct scap_evt *evt, const void __user *optval, u32 optlen)
{
	u32 len = optval ? min_t(u32, optlen, SCAP_SOCKOPT_BYTES_MAX) : 0;
	u8 *dst = scap_evt_dyn_space(evt, SCAP_SOCKOPT_IDX_UNKNOWN, len);

	if (!dst)
		return;
	if (len && copy_from_user_nofault(dst, optval, len)) {
		scap_evt_fail(evt, -EFAULT);
		return;
	}
	scap_evt_put(evt, 1 + len);
}

/*
 * The value at optval: SO_ERROR's as -errno, SO_COOKIE's as a u64, the
 * integer options' as a u32 (read whatever optlen says, as the peer
 * does: an unreadable one drops the event), any other as optlen bytes.
 */
static void scap_evt_sockopt_val(struct scap_evt *evt, int level, int name,
				 const void __user *optval, u32 optlen)
{
	u32 val32;
	u64 val64;
	s64 err;

	if (level != SOL_SOCKET) {
		scap_evt_sockopt_bytes(evt, optval, optlen);
	} else if (name == SO_ERROR) {
		if (scap_evt_read_user(evt, &val32, optval, sizeof(val32)))
			return;
		err = -(int)val32;
		scap_evt_dyn(evt, SCAP_SOCKOPT_IDX_ERRNO, &err, sizeof(err));
	} else if (name == SO_COOKIE) {
		if (scap_evt_read_user(evt, &val64, optval, sizeof(val64)))
			return;
		scap_evt_dyn(evt, SCAP_SOCKOPT_IDX_UINT64, &val64, sizeof(val64));
	} else if (scap_sockopt_is_u32(name)) {
		if (scap_evt_read_user(evt, &val32, optval, sizeof(val32)))
			return;
		scap_evt_dyn(evt, SCAP_SOCKOPT_IDX_UINT32, &val32, sizeof(val32));
	} else {
		scap_evt_sockopt_bytes(evt, optval, optlen);
	}
}

/* The parameters both share; optlen is the length the value was read with. */
static void scap_fill_sockopt(struct scap_evt *evt, const struct scap_syscall_ctx *ctx,
			      u32 optlen)
{
	const unsigned long *args = ctx->args;
	int level = args[1], name = args[2];

	scap_evt_s64(evt, ctx->ret);
	scap_evt_s64(evt, scap_arg_fd(args[0]));
	scap_evt_u8(evt, scap_sockopt_level(level));
	scap_evt_u8(evt, scap_sockopt_name(level, name));
	scap_evt_sockopt_val(evt, level, name, (const void __user *)args[3], optlen);
	scap_evt_u32(evt, optlen);
}

/* setsockopt(fd, level, name, optval, optlen) exit: the value passed. */
void scap_fill_setsockopt_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_fill_sockopt(evt, ctx, ctx->args[4]);
}

/*
 * getsockopt(fd, level, name, optval, optlen *) exit: the value and the
 * length in the caller's buffers after the call; an unreadable length
 * drops the event.
 */
void scap_fill_getsockopt_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	u32 optlen;

	if (scap_evt_read_user(evt, &optlen, (const void __user *)ctx->args[4], sizeof(optlen)))
		return;
	scap_fill_sockopt(evt, ctx, optlen);
}
