// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A loopback client/server workload for sysdig's network chisels
 * (sysdig_net.sh), in one process and one thread:
 *
 *   net_pair ROUNDS BYTES4 BYTES6 BYTESU
 *
 * connects a TCP client to a server on 127.0.0.1:7201, one on [::1]:7202
 * and an AF_UNIX stream client to a server at /tmp/net_pair.sock, prints
 * "ipv4 PORT" and "ipv6 PORT" (the clients' ephemeral ports), then for
 * ROUNDS rounds, 0.3 s apart, on each connection the client sends BYTES*
 * bytes (send: sendto), the server reads them (read) and writes them back
 * (write), the client receives them (recv: recvfrom). So each TCP
 * connection carries 4 * ROUNDS * BYTES* bytes of I/O events. Exits 0 when
 * every call did what it should.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define UNIX_PATH "/tmp/net_pair.sock"

struct conn {
	int srv, cli, acc;
	size_t bytes;
};

static void die(const char *what)
{
	fprintf(stderr, "net_pair: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Listens at addr, connects a client to it, accepts it. */
static void open_conn(struct conn *c, int family, struct sockaddr *addr, socklen_t len)
{
	int one = 1;

	c->srv = socket(family, SOCK_STREAM, 0);
	if (c->srv < 0 || setsockopt(c->srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(c->srv, addr, len) || listen(c->srv, 1))
		die("server");
	c->cli = socket(family, SOCK_STREAM, 0);
	if (c->cli < 0 || connect(c->cli, addr, len))
		die("connect");
	c->acc = accept(c->srv, NULL, NULL);
	if (c->acc < 0)
		die("accept");
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname");
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Reads exactly len bytes with read, or with recv when `use_recv`. */
static void read_all(int fd, char *buf, size_t len, int use_recv)
{
	ssize_t n;

	while (len) {
		n = use_recv ? recv(fd, buf, len, 0) : read(fd, buf, len);
		if (n <= 0)
			die("read");
		buf += n;
		len -= n;
	}
}

static void round_trip(struct conn *c)
{
	static char out[4096], in[4096];

	memset(out, 'n', c->bytes);
	if (send(c->cli, out, c->bytes, 0) != (ssize_t)c->bytes)
		die("send");
	read_all(c->acc, in, c->bytes, 0);
	if (write(c->acc, in, c->bytes) != (ssize_t)c->bytes)
		die("write");
	read_all(c->cli, in, c->bytes, 1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET, .sin_port = htons(7201) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(7202) };
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = UNIX_PATH };
	struct conn conns[3];
	int rounds, i, r;

	if (argc != 5) {
		fprintf(stderr, "usage: net_pair ROUNDS BYTES4 BYTES6 BYTESU\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	for (i = 0; i < 3; i++) {
		conns[i].bytes = strtoul(argv[2 + i], NULL, 10);
		if (!conns[i].bytes || conns[i].bytes > 4096) {
			fprintf(stderr, "net_pair: sizes are 1 to 4096 bytes\n");
			return 2;
		}
	}
	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in6.sin6_addr = in6addr_loopback;
	unlink(UNIX_PATH);
	open_conn(&conns[0], AF_INET, (struct sockaddr *)&in4, sizeof(in4));
	open_conn(&conns[1], AF_INET6, (struct sockaddr *)&in6, sizeof(in6));
	open_conn(&conns[2], AF_UNIX, (struct sockaddr *)&un, sizeof(un));
	printf("ipv4 %d\nipv6 %d\n", local_port(conns[0].cli), local_port(conns[1].cli));
	fflush(stdout);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 3; i++)
			round_trip(&conns[i]);
		usleep(300000);
	}
	for (i = 0; i < 3; i++) {
		close(conns[i].cli);
		close(conns[i].acc);
		close(conns[i].srv);
	}
	unlink(UNIX_PATH);
	return 0;
}
