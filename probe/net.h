/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The socket syscalls: socket, bind, connect, listen, accept, accept4,
 * socketpair, shutdown, sendto, recvfrom, sendmsg, recvmsg, sendmmsg,
 * recvmmsg, getsockname, getpeername, setsockopt, getsockopt. Parameters
 * and encodings as the module sends them (schema1-events.md §1.2, §1.3):
 * addresses as SOCKADDR (family, then address and port, or a unix path),
 * connections as SOCKTUPLE (family, source, destination; for AF_UNIX the
 * two unix_sock addresses, then a path), the data of the transfers cut to
 * the snaplen. Where the module drops an event (user memory it cannot
 * read: a msghdr, an iovec, socketpair's fds, a socket option), so does
 * the probe.
 *
 * These have programs of their own, tail-called from scap_sys_enter and
 * scap_sys_exit (scap_net_enter_call, scap_net_exit_call):
 * the socket lookups, the address copies and the iovec loops in the
 * programs of the other syscalls would exceed what 5.10's verifier takes.
 */
#ifndef SCAP_PROBE_NET_H
#define SCAP_PROBE_NET_H

#include <bpf/bpf_endian.h>

/* The kernel's values (the probe includes no kernel headers). */
#define SCAP_K_AF_UNIX		1
#define SCAP_K_AF_INET		2
#define SCAP_K_AF_INET6		10
#define SCAP_K_SOL_SOCKET	1
#define SCAP_K_SOL_TCP		6
#define SCAP_K_S_IFMT		0170000
#define SCAP_K_S_IFSOCK		0140000
#define SCAP_K_TCP_SYN_SENT	2
#define SCAP_K_TCP_CLOSE	7

/* sizeof(struct sockaddr_storage): the longest address the module copies. */
#define SCAP_SOCKADDR_MAX	128
/* Unix paths as the module prints them: at most 107 bytes and a NUL. */
#define SCAP_UNIX_PATH_MAX	108
/* The module's limit on an iovec array: it drops calls with more. */
#define SCAP_IOV_LIMIT		256
/* The iovecs the probe reads (sizes and data); more are not counted. */
#define PROBE_NET_IOV_MAX		64
/* Socket option values of unknown type: bytes the probe copies at most. */
#define SCAP_SOCKOPT_MAX	256

/* The widest values: a tuple (1 + 8 + 8 + path), masked data, an option. */
#define SCAP_TUPLE_WIDTH	(1 + 16 + SCAP_UNIX_PATH_MAX + 3)
#define SCAP_DATA_WIDTH		(2 * (SCAP_SNAPLEN_MASK + 1))
#define SCAP_SOCKOPT_WIDTH	(1 + 2 * SCAP_SOCKOPT_MAX)
/* Every socket event fits: at most six parameters, the widest three. */
#define SCAP_RECORD_NET		(SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN + \
				 2 * 6 + 32 + SCAP_DATA_WIDTH + SCAP_TUPLE_WIDTH + \
				 SCAP_SOCKOPT_WIDTH)

/* A user address as the module copies it: up to 128 bytes, then zeros. */
struct scap_sockaddr {
	__u8 b[SCAP_SOCKADDR_MAX + 8];
};

static __always_inline bool scap_is_net(long nr)
{
	switch (nr) {
	case __NR_socket:
	case __NR_bind:
	case __NR_connect:
	case __NR_listen:
	case __NR_accept:
	case __NR_accept4:
	case __NR_socketpair:
	case __NR_shutdown:
	case __NR_sendto:
	case __NR_recvfrom:
	case __NR_sendmsg:
	case __NR_recvmsg:
	case __NR_sendmmsg:
	case __NR_recvmmsg:
	case __NR_getsockname:
	case __NR_getpeername:
	case __NR_setsockopt:
	case __NR_getsockopt:
		return true;
	default:
		return false;
	}
}

/* The socket behind fd, or NULL when fd is no socket. */
static __always_inline struct socket *scap_fd_socket(int fd)
{
	struct file *file = scap_fd_file(fd);

	if (!file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & SCAP_K_S_IFMT) != SCAP_K_S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

/* The sock behind fd, or NULL when fd is no socket (or has none yet). */
static __always_inline struct sock *scap_fd_sock(int fd)
{
	struct socket *sock = scap_fd_socket(fd);

	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/*
 * Copies ulen bytes of the user address uaddr into sa, whose other bytes
 * are zero, so that a unix path always ends; false when ulen is out of
 * range or the memory cannot be read, where the module has no address.
 */
static __always_inline bool scap_read_sockaddr(struct scap_sockaddr *sa, const void *uaddr,
					       __u64 ulen)
{
	__u32 n = ulen & 0xff;

	__builtin_memset(sa, 0, sizeof(*sa));
	if ((int)ulen < 0 || (int)ulen > SCAP_SOCKADDR_MAX || n > SCAP_SOCKADDR_MAX)
		return false;
	if (n && bpf_probe_read_user(sa->b, n, uaddr))
		return false;
	/* A full sockaddr_storage loses its last byte to the path's NUL. */
	if (n == SCAP_SOCKADDR_MAX)
		sa->b[SCAP_SOCKADDR_MAX - 1] = 0;
	return true;
}

/*
 * A unix path (kernel memory, or a scap_sockaddr) at dst as the module
 * prints it: an abstract name (a leading NUL) as '@' and the rest; at most
 * SCAP_UNIX_PATH_MAX bytes with the NUL. Returns the bytes written.
 */
static __always_inline __u32 scap_unix_path(__u8 *dst, const char *path)
{
	char first = 0;
	long n;

	bpf_probe_read_kernel(&first, 1, path);
	if (!first) {
		dst[0] = '@';
		n = bpf_probe_read_kernel_str(dst + 1, SCAP_UNIX_PATH_MAX - 1, path + 1);
		if (n <= 0) {
			dst[1] = 0;
			n = 1;
		}
		return n + 1;
	}
	n = bpf_probe_read_kernel_str(dst, SCAP_UNIX_PATH_MAX, path);
	if (n <= 0) {
		dst[0] = 0;
		n = 1;
	}
	return n;
}

/*
 * The name a unix socket is bound to, its addr->len bytes (an abstract
 * name has no NUL of its own) in sa; one never bound has none ("@").
 */
static __always_inline __u32 scap_unix_local_path(__u8 *dst, struct unix_sock *us,
						  struct scap_sockaddr *sa)
{
	struct unix_address *addr = BPF_CORE_READ(us, addr);
	__u32 n;

	__builtin_memset(sa, 0, sizeof(*sa));
	if (addr) {
		n = BPF_CORE_READ(addr, len);
		if (n > SCAP_SOCKADDR_MAX - 1)
			n = SCAP_SOCKADDR_MAX - 1;
		n &= SCAP_SOCKADDR_MAX - 1;
		bpf_probe_read_kernel(sa->b, n, (const __u8 *)addr +
				      bpf_core_field_offset(struct unix_address, name));
	}
	/* sun_path: after the family. */
	return scap_unix_path(dst, (const char *)sa->b + 2);
}

/* An IPv4 end: address (network order), then port (host order). */
struct scap_end4 {
	__u8 b[6];
};

/* An IPv6 end: address, then port (host order). */
struct scap_end6 {
	__u8 b[18];
};

static __always_inline void scap_end4_set(struct scap_end4 *end, __u32 addr, __u16 port)
{
	__builtin_memcpy(end->b, &addr, 4);
	__builtin_memcpy(end->b + 4, &port, 2);
}

/* The kernel's own name for an IPv4 socket (inet_getname, not the peer). */
static __always_inline void scap_inet_local(struct sock *sk, struct scap_end4 *end)
{
	struct inet_sock *inet = (struct inet_sock *)sk;
	__u32 addr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

	if (!addr)
		addr = BPF_CORE_READ(inet, inet_saddr);
	scap_end4_set(end, addr, bpf_ntohs(BPF_CORE_READ(inet, inet_sport)));
}

/* Whether inet_getname has a peer for sk: connected, not closed or connecting. */
static __always_inline bool scap_inet_has_peer(struct sock *sk)
{
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);

	if (!BPF_CORE_READ(sk, __sk_common.skc_dport))
		return false;
	return state != SCAP_K_TCP_CLOSE && state != SCAP_K_TCP_SYN_SENT;
}

/* The peer of an IPv4 socket; zeros where the kernel has none. */
static __always_inline void scap_inet_peer(struct sock *sk, struct scap_end4 *end)
{
	if (!scap_inet_has_peer(sk)) {
		scap_end4_set(end, 0, 0);
		return;
	}
	scap_end4_set(end, BPF_CORE_READ(sk, __sk_common.skc_daddr),
		      bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)));
}

static __always_inline void scap_inet6_local(struct sock *sk, struct scap_end6 *end)
{
	struct inet_sock *inet = (struct inet_sock *)sk;
	struct in6_addr addr = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
	__u64 words[2];
	__u16 port;

	__builtin_memcpy(words, &addr, 16);
	if (!words[0] && !words[1])
		addr = BPF_CORE_READ(inet, pinet6, saddr);
	port = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	__builtin_memcpy(end->b, &addr, 16);
	__builtin_memcpy(end->b + 16, &port, 2);
}

static __always_inline void scap_inet6_peer(struct sock *sk, struct scap_end6 *end)
{
	struct in6_addr addr;
	__u16 port;

	if (!scap_inet_has_peer(sk)) {
		__builtin_memset(end, 0, sizeof(*end));
		return;
	}
	addr = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
	port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	__builtin_memcpy(end->b, &addr, 16);
	__builtin_memcpy(end->b + 16, &port, 2);
}

/*
 * fd's connection as a SOCKTUPLE, source first: the socket's own end and
 * the other end, which is the user's address sa where the call has one,
 * else the kernel's peer; inbound (a receive, an accept) the other end is
 * the source. AF_UNIX: the unix_sock addresses (own and peer, or peer and
 * own outbound), then the user's path outbound, else the socket's own
 * name. Empty when fd is no socket or of another family. An IPv4 socket
 * without a peer and without sa is all zeros, as the module writes it; an
 * IPv6 one keeps its own end.
 */
static __always_inline void scap_put_tuple(struct probe_evt *e, int fd,
					   const struct scap_sockaddr *sa, bool use_sa,
					   bool inbound)
{
	struct scap_end6 own6, other6;
	struct scap_end4 own, other;
	struct scap_sockaddr name;
	struct sock *sk;
	__u64 us, peer;
	__u16 family;
	__u8 *dst;
	__u16 port;
	__u32 len;

	if (!probe_evt_fits(e, SCAP_TUPLE_WIDTH))
		return;
	dst = e->buf + e->off;
	sk = scap_fd_sock(fd);
	if (!sk) {
		probe_evt_param_len(e, 0);
		return;
	}
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	switch (family) {
	case SCAP_K_AF_INET:
		scap_inet_local(sk, &own);
		if (use_sa) {
			/* sockaddr_in: family, port, address. */
			__builtin_memcpy(other.b, sa->b + 4, 4);
			__builtin_memcpy(&port, sa->b + 2, 2);
			port = bpf_ntohs(port);
			__builtin_memcpy(other.b + 4, &port, 2);
		} else if (scap_inet_has_peer(sk)) {
			scap_inet_peer(sk, &other);
		} else {
			/* No peer (getpeername fails): the module's tuple is all zeros. */
			scap_end4_set(&own, 0, 0);
			scap_end4_set(&other, 0, 0);
		}
		dst[0] = SCAP_AF_INET;
		__builtin_memcpy(dst + 1, inbound ? other.b : own.b, 6);
		__builtin_memcpy(dst + 7, inbound ? own.b : other.b, 6);
		len = 1 + 2 * 6;
		break;
	case SCAP_K_AF_INET6:
		scap_inet6_local(sk, &own6);
		if (use_sa) {
			/* sockaddr_in6: family, port, flow info, address. */
			__builtin_memcpy(other6.b, sa->b + 8, 16);
			__builtin_memcpy(&port, sa->b + 2, 2);
			port = bpf_ntohs(port);
			__builtin_memcpy(other6.b + 16, &port, 2);
		} else {
			scap_inet6_peer(sk, &other6);
		}
		dst[0] = SCAP_AF_INET6;
		__builtin_memcpy(dst + 1, inbound ? other6.b : own6.b, 18);
		__builtin_memcpy(dst + 19, inbound ? own6.b : other6.b, 18);
		len = 1 + 2 * 18;
		break;
	case SCAP_K_AF_UNIX:
		us = (__u64)sk;
		peer = (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
		dst[0] = SCAP_AF_UNIX;
		__builtin_memcpy(dst + 1, inbound ? &us : &peer, 8);
		__builtin_memcpy(dst + 9, inbound ? &peer : &us, 8);
		if (use_sa && !inbound)
			len = scap_unix_path(dst + 17, (const char *)sa->b + 2);
		else
			len = scap_unix_local_path(dst + 17, (struct unix_sock *)sk, &name);
		len += 1 + 2 * 8;
		break;
	default:
		len = 0;
	}
	probe_evt_param_len(e, len);
}

/* The tuple with the user's address sa, or empty when it was not read (!ok). */
static __always_inline void scap_put_sa_tuple(struct probe_evt *e, int fd,
					      const struct scap_sockaddr *sa, bool ok,
					      bool inbound)
{
	if (ok)
		scap_put_tuple(e, fd, sa, true, inbound);
	else
		probe_evt_param_len(e, 0);
}

/* A user address as a SOCKADDR; empty when ok is false or of another family. */
static __always_inline void scap_put_sockaddr(struct probe_evt *e, const struct scap_sockaddr *sa,
					      bool ok)
{
	__u16 family, port;
	__u8 *dst;
	__u32 len;

	if (!probe_evt_fits(e, SCAP_TUPLE_WIDTH))
		return;
	dst = e->buf + e->off;
	__builtin_memcpy(&family, sa->b, 2);
	__builtin_memcpy(&port, sa->b + 2, 2);
	port = bpf_ntohs(port);
	switch (ok ? family : 0) {
	case SCAP_K_AF_INET:
		dst[0] = SCAP_AF_INET;
		__builtin_memcpy(dst + 1, sa->b + 4, 4);
		__builtin_memcpy(dst + 5, &port, 2);
		len = 1 + 4 + 2;
		break;
	case SCAP_K_AF_INET6:
		dst[0] = SCAP_AF_INET6;
		__builtin_memcpy(dst + 1, sa->b + 8, 16);
		__builtin_memcpy(dst + 17, &port, 2);
		len = 1 + 16 + 2;
		break;
	case SCAP_K_AF_UNIX:
		dst[0] = SCAP_AF_UNIX;
		len = 1 + scap_unix_path(dst + 1, (const char *)sa->b + 2);
		break;
	default:
		len = 0;
	}
	probe_evt_param_len(e, len);
}

/*
 * The address argument pair (pointer, length) of a call, copied when both
 * are set; false where the module sends no address.
 */
static __always_inline bool scap_sockaddr_arg(struct scap_sockaddr *sa, __u64 uaddr, __u64 ulen)
{
	if (!uaddr || !ulen) {
		__builtin_memset(sa, 0, sizeof(*sa));
		return false;
	}
	return scap_read_sockaddr(sa, (const void *)uaddr, ulen);
}

/*
 * The total length of the buffers of an iovec array (its first
 * PROBE_NET_IOV_MAX); false when one cannot be read.
 */
static __always_inline bool scap_iov_size(const struct iovec *uiov, __u64 iovcnt, __u64 *size)
{
	struct iovec iov;
	__u32 i;

	*size = 0;
	for (i = 0; i < PROBE_NET_IOV_MAX; i++) {
		if (i >= iovcnt)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), &uiov[i]))
			return false;
		*size += iov.iov_len;
	}
	return true;
}

/*
 * A value stored here and read back is unknown to the verifier, so that
 * the iterations of a loop that differ only in a length it carries are
 * not each a path of their own (7.2's verifier took minutes over the
 * iovec data loop without it). Only scap_net_exit_call uses it, and the
 * kernel runs one instance of its caller (scap_sys_exit) per CPU at a time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scap_net_scratch SEC(".maps");

/*
 * The data of an iovec array as a BYTEBUF: the buffers one after the
 * other, at most limit bytes (the snaplen, or less for a read that got
 * less). The event is bad when a buffer cannot be read, as the module
 * drops it.
 */
static __always_inline void scap_put_iov_data(struct probe_evt *e, const struct iovec *uiov,
					      __u64 iovcnt, __u64 limit)
{
	__u32 zero = 0;
	__u64 *scratch = bpf_map_lookup_elem(&scap_net_scratch, &zero);
	struct iovec iov;
	__u64 copied = 0;
	__u64 n;
	__u8 *dst;
	__u32 i;

	if (!scratch) {
		e->bad = 1;
		return;
	}
	if (!probe_evt_fits(e, SCAP_DATA_WIDTH))
		return;
	dst = e->buf + e->off;
	if (limit > SCAP_SNAPLEN)
		limit = SCAP_SNAPLEN;
	for (i = 0; i < PROBE_NET_IOV_MAX; i++) {
		if (i >= iovcnt || copied >= limit)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), &uiov[i])) {
			e->bad = 1;
			return;
		}
		n = iov.iov_len;
		if (n > limit - copied)
			n = limit - copied;
		/* Keeps the mask, which clang finds redundant (see scap_put_user_data). */
		asm volatile("" : "+r"(n));
		n &= SCAP_SNAPLEN_MASK;
		if (n && bpf_probe_read_user(dst + (copied & SCAP_SNAPLEN_MASK), n,
					     iov.iov_base)) {
			e->bad = 1;
			return;
		}
		*scratch = copied + n;
		copied = *(volatile __u64 *)scratch;
	}
	probe_evt_param_len(e, copied & SCAP_SNAPLEN_MASK);
}

/*
 * Up to SCAP_SNAPLEN bytes of a user buffer, len of them (none when the call
 * failed); bad when it cannot be read, as the module drops it. The barrier
 * keeps the mask: clang drops it as redundant, but the verifier may have
 * lost the bound on another copy of len.
 */
static __always_inline void scap_put_user_data(struct probe_evt *e, const void *ubuf, __s64 len)
{
	__u64 n = len > SCAP_SNAPLEN ? SCAP_SNAPLEN : len < 0 ? 0 : len;

	if (!probe_evt_fits(e, SCAP_DATA_WIDTH))
		return;
	asm volatile("" : "+r"(n));
	n &= SCAP_SNAPLEN_MASK;
	if (n && bpf_probe_read_user(e->buf + e->off, n, ubuf)) {
		e->bad = 1;
		return;
	}
	probe_evt_param_len(e, n);
}

/* sockopt_level_to_scap: the levels the schema names. */
static __always_inline __u8 scap_sockopt_level(__u64 level)
{
	switch ((int)level) {
	case SCAP_K_SOL_SOCKET:
		return 1;
	case SCAP_K_SOL_TCP:
		return 2;
	default:
		return 0;
	}
}

/*
 * The schema's SO_* codes: the kernel's up to SO_ATTACH_BPF, then
 * renumbered. Not SO_RCVTIMEO, SO_SNDTIMEO and the SO_TIMESTAMP* ones:
 * since 5.1 the kernel's headers define them for userspace only (as their
 * _OLD or _NEW variants), so the module names and types them UNKNOWN.
 */
static __always_inline __u8 scap_sockopt_name(__u64 level, __u64 optname)
{
	int name = optname;

	if ((int)level != SCAP_K_SOL_SOCKET)
		return 0;
	switch (name) {
	case 20:		/* SO_RCVTIMEO_OLD */
	case 21:		/* SO_SNDTIMEO_OLD */
	case 29:		/* SO_TIMESTAMP_OLD */
	case 35:		/* SO_TIMESTAMPNS_OLD */
	case 37:		/* SO_TIMESTAMPING_OLD */
		return 0;
	case 59:		/* SO_PEERGROUPS */
		return SCAP_SO_PEERGROUPS;
	case 55:		/* SO_MEMINFO */
		return SCAP_SO_MEMINFO;
	case 57:		/* SO_COOKIE */
		return SCAP_SO_COOKIE;
	default:
		return name >= 1 && name <= 50 ? name : 0;
	}
}

/* SOL_SOCKET options whose value the schema reads as a u32. */
#define SCAP_SOCKOPT_U32_MASK	0x3ffd7cbcddfeeULL
#define SCAP_K_SO_ERROR		4
#define SCAP_K_SO_COOKIE	57

/*
 * A socket option's value as a DYN: its type's index, then the value read
 * as that type (SO_ERROR as a negative errno), or
 * optlen bytes of it (at most SCAP_SOCKOPT_MAX) for the others. Bad when
 * it cannot be read, as the module drops the event.
 */
static __always_inline void scap_put_sockopt(struct probe_evt *e, __u64 level, __u64 optname,
					     const void *optval, __u32 optlen)
{
	int name = optname;
	__u64 v64 = 0;
	__u32 v32 = 0;
	__u8 *dst;
	__u32 n;

	if (!probe_evt_fits(e, SCAP_SOCKOPT_WIDTH))
		return;
	dst = e->buf + e->off;
	if ((int)level == SCAP_K_SOL_SOCKET) {
		if (name == SCAP_K_SO_ERROR) {
			if (bpf_probe_read_user(&v32, sizeof(v32), optval))
				goto bad;
			v64 = -(__s64)(int)v32;
			dst[0] = SCAP_SOCKOPT_IDX_ERRNO;
			__builtin_memcpy(dst + 1, &v64, 8);
			probe_evt_param_len(e, 9);
			return;
		}
		if (name == SCAP_K_SO_COOKIE) {
			if (bpf_probe_read_user(&v64, sizeof(v64), optval))
				goto bad;
			dst[0] = SCAP_SOCKOPT_IDX_UINT64;
			__builtin_memcpy(dst + 1, &v64, 8);
			probe_evt_param_len(e, 9);
			return;
		}
		if (name >= 0 && name < 64 && (SCAP_SOCKOPT_U32_MASK >> name) & 1) {
			if (bpf_probe_read_user(&v32, sizeof(v32), optval))
				goto bad;
			dst[0] = SCAP_SOCKOPT_IDX_UINT32;
			__builtin_memcpy(dst + 1, &v32, 4);
			probe_evt_param_len(e, 5);
			return;
		}
	}
	dst[0] = SCAP_SOCKOPT_IDX_UNKNOWN;
	n = optlen > SCAP_SOCKOPT_MAX ? SCAP_SOCKOPT_MAX : optlen;
	if (!optval)
		n = 0;
	if (n && bpf_probe_read_user(dst + 1, n & (SCAP_SOCKOPT_MAX * 2 - 1), optval))
		goto bad;
	probe_evt_param_len(e, 1 + n);
	return;
bad:
	e->bad = 1;
}

/* The enter event of a socket syscall; false if nr is none of them. */
static __always_inline bool scap_net_enter(struct pt_regs *regs, long nr, __u64 pid_tgid)
{
	struct user_msghdr mh = {};
	struct scap_sockaddr sa;
	struct probe_evt e;
	__u64 size = 0;
	bool ok;
	int fd;

	switch (nr) {
	case __NR_socket:
	case __NR_socketpair:
		if (probe_evt_begin(&e, nr == __NR_socket ? SCAPE_SOCKET_E :
				    SCAPE_SOCKETPAIR_E, 3, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_u32(&e, scap_arg(regs, 0));
		probe_evt_u32(&e, scap_arg(regs, 1));
		probe_evt_u32(&e, scap_arg(regs, 2));
		break;
	case __NR_bind:
	case __NR_recvmsg:
		if (probe_evt_begin(&e, nr == __NR_bind ? SCAPE_BIND_E :
				    SCAPE_RECVMSG_E, 1, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		break;
	case __NR_connect:
		if (probe_evt_begin(&e, SCAPE_CONNECT_E, 2, pid_tgid, SCAP_RECORD_NET))
			return true;
		/* The module takes this fd as an int, and no address for a negative one. */
		fd = scap_arg(regs, 0);
		probe_evt_s64(&e, fd);
		ok = fd >= 0 && scap_sockaddr_arg(&sa, scap_arg(regs, 1), scap_arg(regs, 2));
		scap_put_sockaddr(&e, &sa, ok);
		break;
	case __NR_listen:
		if (probe_evt_begin(&e, SCAPE_LISTEN_E, 2, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_u32(&e, scap_arg(regs, 1));
		break;
	case __NR_accept:
		if (probe_evt_begin(&e, SCAPE_ACCEPT_5_E, 0, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		break;
	case __NR_accept4:
		/* The module sends 0 for the flags. */
		if (probe_evt_begin(&e, SCAPE_ACCEPT4_5_E, 1, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_u32(&e, 0);
		break;
	case __NR_shutdown:
		if (probe_evt_begin(&e, SCAPE_SHUTDOWN_E, 2, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_u8(&e, scap_arg(regs, 1));
		break;
	case __NR_sendto:
		if (probe_evt_begin(&e, SCAPE_SENDTO_E, 3, pid_tgid, SCAP_RECORD_NET))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_u32(&e, scap_arg(regs, 2));
		ok = scap_sockaddr_arg(&sa, scap_arg(regs, 4), scap_arg(regs, 5));
		scap_put_sa_tuple(&e, scap_arg(regs, 0), &sa, ok, false);
		break;
	case __NR_recvfrom:
		if (probe_evt_begin(&e, SCAPE_RECVFROM_E, 2, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_u32(&e, scap_arg(regs, 2));
		break;
	case __NR_sendmsg:
		if (probe_evt_begin(&e, SCAPE_SENDMSG_E, 3, pid_tgid, SCAP_RECORD_NET))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		/* The module drops the event when it cannot read the msghdr or iovecs. */
		if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)scap_arg(regs, 1)) ||
		    mh.msg_iovlen >= SCAP_IOV_LIMIT ||
		    !scap_iov_size(mh.msg_iov, mh.msg_iovlen, &size))
			e.bad = 1;
		probe_evt_u32(&e, size);
		ok = scap_sockaddr_arg(&sa, (__u64)mh.msg_name, mh.msg_namelen);
		scap_put_sa_tuple(&e, scap_arg(regs, 0), &sa, ok, false);
		break;
	case __NR_sendmmsg:
	case __NR_recvmmsg:
	case __NR_getsockname:
	case __NR_getpeername:
	case __NR_setsockopt:
	case __NR_getsockopt:
		if (probe_evt_begin(&e, nr == __NR_sendmmsg ? SCAPE_SENDMMSG_E :
				    nr == __NR_recvmmsg ? SCAPE_RECVMMSG_E :
				    nr == __NR_getsockname ? SCAPE_GETSOCKNAME_E :
				    nr == __NR_getpeername ? SCAPE_GETPEERNAME_E :
				    nr == __NR_setsockopt ? SCAPE_SETSOCKOPT_E :
				    SCAPE_GETSOCKOPT_E, 0, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		break;
	default:
		return false;
	}
	probe_evt_submit(&e);
	return true;
}

/* accept's exit: the new fd, its connection, the listener's queue. */
static __always_inline void scap_accept_exit(struct pt_regs *regs, long nr, long ret,
					     __u64 pid_tgid)
{
	struct probe_evt e;
	__u32 backlog = 0, max = 0;
	struct sock *sk;

	if (probe_evt_begin(&e, nr == __NR_accept ? SCAPE_ACCEPT_5_X :
			    SCAPE_ACCEPT4_5_X, 5, pid_tgid, SCAP_RECORD_NET))
		return;
	probe_evt_s64(&e, (int)ret);
	scap_put_tuple(&e, ret, NULL, false, true);
	sk = scap_fd_sock(scap_arg(regs, 0));
	if (sk) {
		backlog = BPF_CORE_READ(sk, sk_ack_backlog);
		max = BPF_CORE_READ(sk, sk_max_ack_backlog);
	}
	probe_evt_u8(&e, max ? (__u64)backlog * 100 / max : 0);
	probe_evt_u32(&e, backlog);
	probe_evt_u32(&e, max);
	probe_evt_submit(&e);
}

/* socketpair's exit: the two fds and the unix_sock addresses of the first. */
static __always_inline void scap_socketpair_exit(struct pt_regs *regs, long ret, __u64 pid_tgid)
{
	struct probe_evt e;
	int fds[2] = {};
	struct socket *sock;
	struct sock *sk = NULL;
	__u64 peer = 0;

	if (probe_evt_begin(&e, SCAPE_SOCKETPAIR_X, 5, pid_tgid, SCAP_RECORD_FIXED + 32))
		return;
	probe_evt_s64(&e, ret);
	if (ret >= 0) {
		/* The module drops the event without the fds or a socket behind them. */
		if (bpf_probe_read_user(fds, sizeof(fds), (const void *)scap_arg(regs, 3)))
			e.bad = 1;
		sock = scap_fd_socket(fds[0]);
		if (!sock)
			e.bad = 1;
		else
			sk = BPF_CORE_READ(sock, sk);
		/* The unix_sock addresses: AF_UNIX only. */
		if (sk && BPF_CORE_READ(sk, __sk_common.skc_family) != SCAP_K_AF_UNIX)
			sk = NULL;
		if (sk)
			peer = (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
	}
	probe_evt_s64(&e, fds[0]);
	probe_evt_s64(&e, fds[1]);
	probe_evt_s64(&e, (__u64)sk);
	probe_evt_s64(&e, peer);
	probe_evt_submit(&e);
}

/* setsockopt's and getsockopt's exits (getsockopt's optlen is the kernel's). */
static __always_inline void scap_sockopt_exit(struct pt_regs *regs, long nr, long ret,
					      __u64 pid_tgid)
{
	__u64 level = scap_arg(regs, 1), optname = scap_arg(regs, 2);
	__u32 optlen = scap_arg(regs, 4);
	struct probe_evt e;

	if (probe_evt_begin(&e, nr == __NR_setsockopt ? SCAPE_SETSOCKOPT_X :
			    SCAPE_GETSOCKOPT_X, 6, pid_tgid, SCAP_RECORD_NET))
		return;
	if (nr == __NR_getsockopt &&
	    bpf_probe_read_user(&optlen, sizeof(optlen), (const void *)scap_arg(regs, 4)))
		e.bad = 1;
	probe_evt_s64(&e, ret);
	probe_evt_s64(&e, scap_fd_arg(regs, 0));
	probe_evt_u8(&e, scap_sockopt_level(level));
	probe_evt_u8(&e, scap_sockopt_name(level, optname));
	scap_put_sockopt(&e, level, optname, (const void *)scap_arg(regs, 3), optlen);
	probe_evt_u32(&e, optlen);
	probe_evt_submit(&e);
}

/* recvfrom's exit: the data, and the sender's address where it asked for it. */
static __always_inline void scap_recvfrom_exit(struct pt_regs *regs, long ret, __u64 pid_tgid)
{
	__u64 uaddr = scap_arg(regs, 4), ulenp = scap_arg(regs, 5);
	struct scap_sockaddr sa;
	struct probe_evt e;
	int ulen = 0;
	bool ok;

	if (probe_evt_begin(&e, SCAPE_RECVFROM_X, 3, pid_tgid, SCAP_RECORD_NET))
		return;
	probe_evt_s64(&e, ret);
	scap_put_user_data(&e, (const void *)scap_arg(regs, 1), ret);
	ok = ret >= 0 && uaddr && ulenp;
	/* The length the kernel wrote back; the module drops the event without it. */
	if (ok && bpf_probe_read_user(&ulen, sizeof(ulen), (const void *)ulenp))
		e.bad = 1;
	/* A zero length copies nothing: the module's address is then its stack's. */
	if (ok)
		ok = ulen ? scap_read_sockaddr(&sa, (const void *)uaddr, ulen) :
			    scap_read_sockaddr(&sa, NULL, 0);
	scap_put_sa_tuple(&e, scap_arg(regs, 0), &sa, ok, true);
	probe_evt_submit(&e);
}

/* sendmsg's and recvmsg's exits. */
static __always_inline void scap_msg_exit(struct pt_regs *regs, long nr, long ret, __u64 pid_tgid)
{
	struct user_msghdr mh = {};
	struct scap_sockaddr sa;
	struct probe_evt e;
	__u64 size = 0;
	bool ok;

	if (probe_evt_begin(&e, nr == __NR_sendmsg ? SCAPE_SENDMSG_X :
			    SCAPE_RECVMSG_X, nr == __NR_sendmsg ? 2 : 4, pid_tgid,
			    SCAP_RECORD_NET))
		return;
	probe_evt_s64(&e, ret);
	if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)scap_arg(regs, 1)) ||
	    mh.msg_iovlen >= SCAP_IOV_LIMIT)
		e.bad = 1;
	if (nr == __NR_sendmsg) {
		/* What was given, whatever the call sent or failed. */
		scap_put_iov_data(&e, mh.msg_iov, mh.msg_iovlen, SCAP_SNAPLEN);
		probe_evt_submit(&e);
		return;
	}
	/* The buffers' size, but no more than received (unsigned: not an error). */
	if (!scap_iov_size(mh.msg_iov, mh.msg_iovlen, &size))
		e.bad = 1;
	if (size > (__u64)ret)
		size = ret;
	probe_evt_u32(&e, size);
	if (ret > 0 && mh.msg_iovlen)
		scap_put_iov_data(&e, mh.msg_iov, mh.msg_iovlen, ret);
	else
		probe_evt_param_len(&e, 0);
	/* The sender's address, with the length the kernel wrote back. */
	ok = ret >= 0 && scap_sockaddr_arg(&sa, (__u64)mh.msg_name, mh.msg_namelen);
	scap_put_sa_tuple(&e, scap_arg(regs, 0), &sa, ok, true);
	probe_evt_submit(&e);
}

/* The exit event of a socket syscall; false if nr is none of them. */
static __always_inline bool scap_net_exit(struct pt_regs *regs, long nr, long ret,
					  __u64 pid_tgid)
{
	struct scap_sockaddr sa;
	struct probe_evt e;
	bool ok;
	int fd;

	switch (nr) {
	case __NR_accept:
	case __NR_accept4:
		scap_accept_exit(regs, nr, ret, pid_tgid);
		return true;
	case __NR_socketpair:
		scap_socketpair_exit(regs, ret, pid_tgid);
		return true;
	case __NR_setsockopt:
	case __NR_getsockopt:
		scap_sockopt_exit(regs, nr, ret, pid_tgid);
		return true;
	case __NR_recvfrom:
		scap_recvfrom_exit(regs, ret, pid_tgid);
		return true;
	case __NR_sendmsg:
	case __NR_recvmsg:
		scap_msg_exit(regs, nr, ret, pid_tgid);
		return true;
	case __NR_bind:
		if (probe_evt_begin(&e, SCAPE_BIND_X, 2, pid_tgid, SCAP_RECORD_NET))
			return true;
		probe_evt_s64(&e, ret);
		ok = scap_sockaddr_arg(&sa, scap_arg(regs, 1), scap_arg(regs, 2));
		scap_put_sockaddr(&e, &sa, ok);
		break;
	case __NR_connect:
		if (probe_evt_begin(&e, SCAPE_CONNECT_X, 2, pid_tgid, SCAP_RECORD_NET))
			return true;
		probe_evt_s64(&e, ret);
		fd = scap_arg(regs, 0);
		ok = fd >= 0 && scap_sockaddr_arg(&sa, scap_arg(regs, 1), scap_arg(regs, 2));
		scap_put_sa_tuple(&e, fd, &sa, ok, false);
		break;
	case __NR_sendto:
		if (probe_evt_begin(&e, SCAPE_SENDTO_X, 2, pid_tgid, SCAP_RECORD_NET))
			return true;
		probe_evt_s64(&e, ret);
		scap_put_user_data(&e, (const void *)scap_arg(regs, 1), ret);
		break;
	case __NR_socket:
	case __NR_listen:
	case __NR_shutdown:
		if (probe_evt_begin(&e, nr == __NR_socket ? SCAPE_SOCKET_X :
				    nr == __NR_listen ? SCAPE_LISTEN_X :
				    SCAPE_SHUTDOWN_X, 1, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, ret);
		break;
	case __NR_sendmmsg:
	case __NR_recvmmsg:
	case __NR_getsockname:
	case __NR_getpeername:
		if (probe_evt_begin(&e, nr == __NR_sendmmsg ? SCAPE_SENDMMSG_X :
				    nr == __NR_recvmmsg ? SCAPE_RECVMMSG_X :
				    nr == __NR_getsockname ? SCAPE_GETSOCKNAME_X :
				    SCAPE_GETPEERNAME_X, 0, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		break;
	default:
		return false;
	}
	probe_evt_submit(&e);
	return true;
}

#endif /* SCAP_PROBE_NET_H */
