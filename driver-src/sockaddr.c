// SPDX-License-Identifier: GPL-2.0-only
/*
 * Socket addresses as schema 1 writes them: SOCKADDR (an address a caller
 * passed) and SOCKTUPLE (the two ends of a socket). The ports are in host
 * order, the addresses as in memory (network order); an AF_UNIX name is
 * its path, or '@' and the abstract name, at most 107 characters with a
 * NUL. A value that cannot be made is written empty, as the peer does.
 *
 * The probes run with preemption disabled, so nothing here may sleep: a
 * socket's names are read from its fields, not with its getname op
 * (inet_getname() and inet6_getname() take the socket lock since 5.17).
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/un.h>
/* 6.12 moved asm/unaligned.h to linux/unaligned.h (as in events.c). */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include <net/af_unix.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "scap.h"

/* family, two kernel pointers, a name of UNIX_PATH_MAX bytes with its NUL */
#define SCAP_TUPLE_MAX	(1 + 8 + 8 + UNIX_PATH_MAX)

/* One end of an IP socket: the address (4 or 16 bytes) and the port. */
struct scap_endpoint {
	u8 addr[16];
	u16 port;	/* host order */
};

/* A kernel buffer as one value. */
static void scap_evt_bytes(struct scap_evt *evt, const void *buf, u32 len)
{
	u32 room;
	u8 *dst = scap_evt_space(evt, len, &room);

	if (!dst)
		return;
	if (room < len) {
		scap_evt_fail(evt, -ENOSPC);
		return;
	}
	memcpy(dst, buf, len);
	scap_evt_put(evt, len);
}

/* An empty value: what the peer writes for an address it could not make. */
void scap_evt_empty(struct scap_evt *evt)
{
	scap_evt_put(evt, 0);
}

/*
 * Reads the address a caller passed (ulen bytes) into ss, zeroed beyond
 * them; the last byte of ss is always 0, so that an AF_UNIX path read
 * from it ends there at the latest. -EINVAL for a length outside
 * 0..sizeof(*ss), -EFAULT when unreadable: either way no value.
 */
int scap_sockaddr_read(struct sockaddr_storage *ss, const void __user *uaddr, int ulen)
{
	memset(ss, 0, sizeof(*ss));
	if (ulen < 0 || ulen > sizeof(*ss))
		return -EINVAL;
	if (ulen && copy_from_user_nofault(ss, uaddr, ulen))
		return -EFAULT;
	((u8 *)ss)[sizeof(*ss) - 1] = 0;
	return 0;
}

/*
 * Writes an AF_UNIX name from sun_path, which ends with a NUL within the
 * storage it lies in; returns the bytes written with the NUL. An unnamed
 * socket's empty path reads as abstract: "@".
 */
static u32 scap_unix_name(char *dst, const char *sun_path)
{
	const char *src = sun_path;
	u32 len = 0;

	if (!src[0]) {
		dst[len++] = '@';
		src++;
	}
	while (len < UNIX_PATH_MAX - 1 && *src)
		dst[len++] = *src++;
	dst[len] = '\0';
	return len + 1;
}

/* The name an AF_UNIX socket is bound to, as getsockname() gives it. */
static u32 scap_unix_own_name(char *dst, struct sock *sk)
{
	struct unix_address *addr = smp_load_acquire(&unix_sk(sk)->addr);
	struct sockaddr_storage ss = {};

	/* The address lives as long as the socket, which the caller holds. */
	if (addr)
		memcpy(&ss, addr->name, min_t(u32, addr->len, sizeof(ss) - 1));
	return scap_unix_name(dst, ((struct sockaddr_un *)&ss)->sun_path);
}

/* SOCKADDR: the family, then the address and port, or the name. */
void scap_evt_sockaddr(struct scap_evt *evt, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	u8 buf[1 + UNIX_PATH_MAX];
	u32 len;

	switch (ss->ss_family) {
	case AF_INET:
		buf[0] = SCAP_AF_INET;
		memcpy(buf + 1, &sin->sin_addr, 4);
		put_unaligned_le16(ntohs(sin->sin_port), buf + 5);
		len = 7;
		break;
	case AF_INET6:
		buf[0] = SCAP_AF_INET6;
		memcpy(buf + 1, &sin6->sin6_addr, 16);
		put_unaligned_le16(ntohs(sin6->sin6_port), buf + 17);
		len = 19;
		break;
	case AF_UNIX:
		buf[0] = SCAP_AF_UNIX;
		len = 1 + scap_unix_name(buf + 1, ((const struct sockaddr_un *)ss)->sun_path);
		break;
	default:
		len = 0;
	}
	scap_evt_bytes(evt, buf, len);
}

/* Whether an IP socket has a peer, as getpeername() decides. */
static bool scap_inet_connected(const struct sock *sk)
{
	return READ_ONCE(sk->sk_dport) &&
	       !((1 << READ_ONCE(sk->sk_state)) & (TCPF_CLOSE | TCPF_SYN_SENT));
}

/* An IPv4 socket's own end (getsockname) and its peer's (zero if none). */
static void scap_inet_ends(struct sock *sk, struct scap_endpoint *own,
			   struct scap_endpoint *peer)
{
	__be32 addr = READ_ONCE(sk->sk_rcv_saddr);

	if (!addr)
		addr = READ_ONCE(inet_sk(sk)->inet_saddr);
	memcpy(own->addr, &addr, 4);
	own->port = ntohs(READ_ONCE(inet_sk(sk)->inet_sport));
	if (scap_inet_connected(sk)) {
		addr = READ_ONCE(sk->sk_daddr);
		memcpy(peer->addr, &addr, 4);
		peer->port = ntohs(READ_ONCE(sk->sk_dport));
	}
}

/* The same for IPv6: an unbound socket's own address is its source's. */
static void scap_inet6_ends(struct sock *sk, struct scap_endpoint *own,
			    struct scap_endpoint *peer)
{
#if IS_ENABLED(CONFIG_IPV6)
	const struct in6_addr *addr = &sk->sk_v6_rcv_saddr;

	if (ipv6_addr_any(addr))
		addr = &inet6_sk(sk)->saddr;
	memcpy(own->addr, addr, 16);
	own->port = ntohs(READ_ONCE(inet_sk(sk)->inet_sport));
	if (scap_inet_connected(sk)) {
		memcpy(peer->addr, &sk->sk_v6_daddr, 16);
		peer->port = ntohs(READ_ONCE(sk->sk_dport));
	}
#endif
}

/*
 * The tuple of an IP socket into buf (13 or 37 bytes): source then
 * destination, each address and port. The remote end is the caller's
 * address (user) or, without one, the socket's peer; inbound puts the
 * remote end first. An IPv4 socket without a peer and no address given
 * is all zeros, as the peer driver leaves it; an IPv6 one keeps its own
 * end.
 */
static u32 scap_inet_tuple(u8 *buf, struct sock *sk, const struct sockaddr_storage *user,
			   bool inbound)
{
	bool v6 = sk->sk_family == AF_INET6;
	u32 alen = v6 ? 16 : 4;
	struct scap_endpoint own = {}, remote = {};
	const struct scap_endpoint *src, *dst;

	if (v6)
		scap_inet6_ends(sk, &own, &remote);
	else
		scap_inet_ends(sk, &own, &remote);
	if (user && v6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)user;

		memcpy(remote.addr, &sin6->sin6_addr, 16);
		remote.port = ntohs(sin6->sin6_port);
	} else if (user) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)user;

		memcpy(remote.addr, &sin->sin_addr, 4);
		remote.port = ntohs(sin->sin_port);
	} else if (!v6 && !scap_inet_connected(sk)) {
		memset(&own, 0, sizeof(own));
	}
	src = inbound ? &remote : &own;
	dst = inbound ? &own : &remote;
	buf[0] = v6 ? SCAP_AF_INET6 : SCAP_AF_INET;
	memcpy(buf + 1, src->addr, alen);
	put_unaligned_le16(src->port, buf + 1 + alen);
	memcpy(buf + 3 + alen, dst->addr, alen);
	put_unaligned_le16(dst->port, buf + 3 + 2 * alen);
	return 5 + 2 * alen;
}

/*
 * The tuple of an AF_UNIX socket: the socket and its peer (kernel
 * addresses, what consumers pair the two ends by), the peer first when
 * outbound; then the name: the caller's address when it gave one for an
 * outbound call, else the socket's own name.
 */
static u32 scap_unix_tuple(u8 *buf, struct sock *sk, const struct sockaddr_storage *user,
			   bool inbound)
{
	u64 us = (unsigned long)sk;
	u64 peer = (unsigned long)READ_ONCE(unix_sk(sk)->peer);

	buf[0] = SCAP_AF_UNIX;
	put_unaligned_le64(inbound ? us : peer, buf + 1);
	put_unaligned_le64(inbound ? peer : us, buf + 9);
	if (user && !inbound)
		return 17 + scap_unix_name(buf + 17, ((const struct sockaddr_un *)user)->sun_path);
	return 17 + scap_unix_own_name(buf + 17, sk);
}

/*
 * SOCKTUPLE of the socket fd: empty when fd is no socket or of another
 * family. user is the address the caller passed (read at entry for the
 * calls that send, at exit for those that receive) or NULL for the
 * socket's own peer; inbound when the remote end is the source.
 */
void scap_evt_socktuple(struct scap_evt *evt, int fd, const struct sockaddr_storage *user,
			bool inbound)
{
	u8 buf[SCAP_TUPLE_MAX];
	struct socket *sock;
	struct sock *sk;
	u32 len = 0;
	int err;

	if (evt->err)
		return;
	/* fput() in sockfd_put() defers a last release to task work. */
	sock = sockfd_lookup(fd, &err);
	if (sock) {
		sk = sock->sk;
		if (sk && (sk->sk_family == AF_INET || sk->sk_family == AF_INET6))
			len = scap_inet_tuple(buf, sk, user, inbound);
		else if (sk && sk->sk_family == AF_UNIX)
			len = scap_unix_tuple(buf, sk, user, inbound);
		sockfd_put(sock);
	}
	scap_evt_bytes(evt, buf, len);
}
