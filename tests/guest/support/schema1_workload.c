// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The workload of the schema-1 differential test (schema1_diff.sh): every
 * process, fd and socket event of schema 1's first waves, each in success
 * and failure, in a fixed order, one process or thread at a time so that
 * two captures of it can be compared event by event. The socket steps need
 * the loopback interface up (127.0.0.1 and ::1).
 *
 *   schema1_workload TRIGGER DIR
 *
 * opens the FIFO TRIGGER read-write (so that the open does not wait for a
 * writer), then blocks reading one byte from it: the test starts it
 * before the capture, so that it is in the capture's process list, and
 * writes the byte once the capture runs. It works in the directory DIR
 * (created by the test). Each child's exit status says which step it was;
 * the main process exits 0 when every call did what it should, 1 otherwise
 * (naming the step on stderr).
 *
 *   schema1_workload child STATUS [WORDS...]
 *
 * is what the exec steps run (argv and environment known to the test),
 * and what the tests of sysdig's everyday commands start from a shell:
 * it writes "schema1-child" to /dev/null, calls getcwd and exits with
 * status STATUS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <limits.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SELF "/support/bin/schema1_workload"
#define SELF_DIR "/support/bin"
#define SELF_NAME "schema1_workload"
#define BAD_FD 999

static int failed;

static void check(int ok, const char *step)
{
	if (!ok) {
		fprintf(stderr, "schema1_workload: %s: %s\n", step, strerror(errno));
		failed = 1;
	}
}

/* A call that must fail with errno `expected`. */
static void check_fails(long ret, int expected, const char *step)
{
	if (ret != -1 || errno != expected) {
		fprintf(stderr, "schema1_workload: %s returned %ld (%s), not the error %s\n",
			step, ret, strerror(errno), strerror(expected));
		failed = 1;
	}
}

static void close_if(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Waits for the child `pid` and checks that it exited with `status`. */
static void reap(pid_t pid, int status, const char *step)
{
	int got;

	if (pid < 0) {
		check(0, step);
		return;
	}
	if (waitpid(pid, &got, 0) != pid || !WIFEXITED(got) || WEXITSTATUS(got) != status) {
		fprintf(stderr, "schema1_workload: %s: child status %#x, not exit %d\n",
			step, got, status);
		failed = 1;
	}
}

static char *const child_env[] = { "SCHEMA1=child", "PATH=/bin", NULL };

static void exec_child(const char *step)
{
	char *const argv[] = { SELF_NAME, "child", (char *)step, NULL };

	execve(SELF, argv, child_env);
	_exit(100);
}

static void cwd_steps(void)
{
	char buf[256];
	int dir;

	check(chdir(".") == 0, "chdir .");
	check_fails(chdir("/nonexistent-schema1"), ENOENT, "chdir to a missing directory");
	check(getcwd(buf, sizeof(buf)) != NULL, "getcwd");
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	check(dir >= 0, "open /tmp");
	check(fchdir(dir) == 0, "fchdir /tmp");
	check_fails(fchdir(BAD_FD), EBADF, "fchdir of a bad fd");
	close_if(dir);
	check(getcwd(buf, sizeof(buf)) != NULL, "getcwd in /tmp");
	check_fails(syscall(SYS_getcwd, buf, 2), ERANGE, "getcwd of /tmp into 2 bytes");
}

static void file_steps(const char *dir)
{
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS };
	struct open_how bad = { .flags = O_RDONLY, .resolve = ~0ULL };
	char path[256];
	int fd, fd2;

	check(chdir(dir) == 0, "chdir to the work directory");
	fd = creat("created", 0640);
	check(fd >= 0, "creat");
	check(write(fd, "schema1\n", 8) == 8, "write to the created file");
	close_if(fd);
	check_fails(creat("/nonexistent-schema1/created", 0644), ENOENT,
		    "creat in a missing directory");
	snprintf(path, sizeof(path), "%s/created", dir);
	fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	check(fd >= 0, "openat2");
	close_if(fd);
	check_fails(syscall(SYS_openat2, AT_FDCWD, "missing", &how, sizeof(how)), ENOENT,
		    "openat2 of a missing file");
	check_fails(syscall(SYS_openat2, AT_FDCWD, "created", &bad, sizeof(bad)), EINVAL,
		    "openat2 with unknown resolve flags");

	/* dup, dup2, dup3: a write through each copy names the file. */
	fd = open("created", O_WRONLY | O_APPEND);
	check(fd >= 0, "open created");
	fd2 = dup(fd);
	check(fd2 >= 0, "dup");
	check(write(fd2, "d", 1) == 1, "write through dup");
	close_if(fd2);
	check(dup2(fd, 20) == 20, "dup2");
	check(write(20, "2", 1) == 1, "write through dup2");
	check(dup3(fd, 21, O_CLOEXEC) == 21, "dup3");
	check(write(21, "3", 1) == 1, "write through dup3");
	close(20);
	close(21);
	check_fails(dup(BAD_FD), EBADF, "dup of a bad fd");
	check_fails(dup2(BAD_FD, 22), EBADF, "dup2 of a bad fd");
	check_fails(dup3(fd, fd, 0), EINVAL, "dup3 onto itself");

	/* fcntl: F_DUPFD, F_GETFL, F_SETFD, and a bad fd. */
	fd2 = fcntl(fd, F_DUPFD, 30);
	check(fd2 >= 30, "fcntl F_DUPFD");
	check(write(fd2, "f", 1) == 1, "write through F_DUPFD");
	close_if(fd2);
	fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 40);
	check(fd2 >= 40, "fcntl F_DUPFD_CLOEXEC");
	close_if(fd2);
	check(fcntl(fd, F_GETFL) >= 0, "fcntl F_GETFL");
	check(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0, "fcntl F_SETFD");
	check_fails(fcntl(BAD_FD, F_GETFL), EBADF, "fcntl of a bad fd");
	close(fd);
}

/*
 * copy_file_range's events carry the offset pointers themselves, not the
 * offsets: these have the same address in every run (a static binary).
 */
static loff_t copy_in, copy_out;

/*
 * The I/O variants of read and write on a file "io" of the work directory:
 * pread64, pwrite64, readv, writev, preadv, pwritev, lseek, sendfile,
 * splice and copy_file_range, each working and failing (a bad fd, a
 * negative offset, too many iovecs, bad flags).
 */
static void io_steps(void)
{
	char a[5], b[100];
	struct iovec out[2] = { { "vec-", 4 }, { "tor!", 4 } };
	struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	loff_t off, neg = -1;
	int fd, copy, p[2];

	fd = open("io", O_RDWR | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0, "open io");
	copy = open("io-copy", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(copy >= 0, "open io-copy");

	check(pwrite(fd, "0123456789abcdef", 16, 0) == 16, "pwrite64");
	check(pwrite(fd, "ghij", 4, 16) == 4, "pwrite64 at 16");
	check_fails(pwrite(BAD_FD, "bad-fd", 6, 0), EBADF, "pwrite64 to a bad fd");
	check_fails(pwrite(fd, "negative", 8, -1), EINVAL, "pwrite64 at -1");
	check(pread(fd, b, 10, 4) == 10, "pread64");
	check(pread(fd, b, sizeof(b), 16) == 4, "pread64 to the end");
	check_fails(pread(BAD_FD, b, 4, 0), EBADF, "pread64 of a bad fd");
	check_fails(pread(fd, b, 4, -1), EINVAL, "pread64 at -1");

	check(writev(fd, out, 2) == 8, "writev");
	check_fails(writev(BAD_FD, out, 2), EBADF, "writev to a bad fd");
	/* More iovecs than the kernel takes: both drivers drop both events. */
	check_fails(syscall(SYS_writev, fd, out, IOV_MAX + 1), EINVAL, "writev of too many iovecs");
	check(pwritev(fd, out, 2, 20) == 8, "pwritev");
	check_fails(pwritev(BAD_FD, out, 2, 0), EBADF, "pwritev to a bad fd");
	check_fails(pwritev(fd, out, 2, -1), EINVAL, "pwritev at -1");

	check(lseek(fd, 0, SEEK_SET) == 0, "lseek to 0");
	check(readv(fd, in, 2) == 28, "readv");
	check_fails(readv(BAD_FD, in, 2), EBADF, "readv of a bad fd");
	/* Its exit is dropped by both drivers, as writev's events above. */
	check_fails(syscall(SYS_readv, fd, in, IOV_MAX + 1), EINVAL, "readv of too many iovecs");
	check(preadv(fd, in, 2, 3) == 25, "preadv");
	check_fails(preadv(BAD_FD, in, 2, 0), EBADF, "preadv of a bad fd");
	check_fails(preadv(fd, in, 2, -1), EINVAL, "preadv at -1");

	check(lseek(fd, 5, SEEK_SET) == 5, "lseek SEEK_SET");
	check(lseek(fd, 2, SEEK_CUR) == 7, "lseek SEEK_CUR");
	check(lseek(fd, -4, SEEK_END) == 24, "lseek SEEK_END");
	check(lseek(fd, 0, SEEK_DATA) == 0, "lseek SEEK_DATA");
	check_fails(lseek(fd, -100, SEEK_CUR), EINVAL, "lseek before the start");
	check_fails(lseek(fd, 0, 7), EINVAL, "lseek of a bad whence");
	check_fails(lseek(BAD_FD, 0, SEEK_SET), EBADF, "lseek of a bad fd");

	off = 2;
	check(sendfile(copy, fd, &off, 8) == 8 && off == 10, "sendfile from 2");
	check(lseek(fd, 0, SEEK_SET) == 0, "lseek to 0 for sendfile");
	check(sendfile(copy, fd, NULL, 4) == 4, "sendfile at the file offset");
	check_fails(sendfile(BAD_FD, fd, &off, 4), EBADF, "sendfile to a bad fd");
	check_fails(sendfile(copy, fd, &neg, 4), EINVAL, "sendfile from -1");
	check_fails(sendfile(copy, fd, (loff_t *)8, 4), EFAULT, "sendfile of a bad offset pointer");

	check(pipe(p) == 0, "pipe for splice");
	off = 1;
	check(splice(fd, &off, p[1], NULL, 6, SPLICE_F_MOVE) == 6, "splice into the pipe");
	check(splice(p[0], NULL, copy, NULL, 6, 0) == 6, "splice out of the pipe");
	check_fails(splice(BAD_FD, NULL, p[1], NULL, 4, 0), EBADF, "splice of a bad fd");
	check_fails(splice(fd, NULL, copy, NULL, 4, 0), EINVAL, "splice between two files");
	close(p[0]);
	close(p[1]);

	copy_in = 3;
	copy_out = 0;
	check(copy_file_range(fd, &copy_in, copy, &copy_out, 5, 0) == 5, "copy_file_range");
	check_fails(copy_file_range(BAD_FD, NULL, copy, NULL, 5, 0), EBADF,
		    "copy_file_range of a bad fd");
	check_fails(copy_file_range(fd, &copy_in, copy, &copy_out, 5, 1), EINVAL,
		    "copy_file_range with flags");
	close(copy);
	close(fd);
}

/*
 * Failing and short writes and reads with valid buffers, on fds that are
 * open (sysdig does not print the enter of a call on an fd that is not):
 * the reference driver's write and pwrite64 data is the buffer passed
 * whatever the result, up to the count's low 32 bits; read's is what was
 * read, none on failure. The vectored calls fail the same way, as
 * controls. The buffers are on the stack, written before: a failing call
 * does not touch its buffer, and a page never touched would drop the
 * event in both drivers (they read user memory without faulting).
 */
static void rw_fail_steps(void)
{
	char text[128], buf[16], more[100];
	struct iovec out[2] = { { text, 4 }, { text + 10, 4 } };
	struct iovec in[2] = { { buf, sizeof(buf) }, { more, sizeof(more) } };
	struct rlimit limit, small;
	int ro, wo, fd, p[2];
	size_t len;

	len = snprintf(text, sizeof(text), "%s%s", "failing-write-0123456789-abcdefghijklmnopqrstuvwxyz-",
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789-end");
	ro = open("created", O_RDONLY);
	check(ro >= 0, "open created read-only");
	wo = open("write-only", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(wo >= 0, "open write-only");

	check_fails(write(ro, text, 10), EBADF, "write to a read-only fd");
	/* More than the snaplen: the data is cut at 80 bytes. */
	check_fails(write(ro, text, len), EBADF, "write of 93 bytes to a read-only fd");
	/* The count's low 32 bits (the enter's size) bound the data: 5 bytes. */
	check_fails(syscall(SYS_write, ro, text + 8, (1ULL << 32) + 5), EBADF,
		    "write of 4 GiB + 5 bytes to a read-only fd");
	check_fails(pwrite(ro, text + 14, 10, 0), EBADF, "pwrite64 to a read-only fd");
	check_fails(writev(ro, out, 2), EBADF, "writev to a read-only fd");
	check_fails(pwritev(ro, out, 2, 0), EBADF, "pwritev to a read-only fd");
	check_fails(read(wo, buf, sizeof(buf)), EBADF, "read of a write-only fd");
	check_fails(pread(wo, buf, sizeof(buf), 0), EBADF, "pread64 of a write-only fd");
	check_fails(readv(wo, in, 2), EBADF, "readv of a write-only fd");
	check_fails(preadv(wo, in, 2, 0), EBADF, "preadv of a write-only fd");
	close_if(wo);
	close_if(ro);

	/* EPIPE: SIGPIPE ignored, the call fails instead of killing. */
	signal(SIGPIPE, SIG_IGN);
	check(pipe(p) == 0, "pipe without a reader");
	close(p[0]);
	check_fails(write(p[1], text + 25, 9), EPIPE, "write to a pipe without a reader");
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);

	fd = open("/dev/full", O_WRONLY);
	check(fd >= 0, "open /dev/full");
	check_fails(write(fd, text + 52, 11), ENOSPC, "write to /dev/full");
	close_if(fd);

	/* /dev/null takes a NULL buffer: no data, not a fault. */
	fd = open("/dev/null", O_WRONLY);
	check(fd >= 0, "open /dev/null");
	check(syscall(SYS_write, fd, NULL, 5) == 5, "write of NULL to /dev/null");
	close_if(fd);

	/*
	 * A short write and a failed one under a 10-byte file size limit
	 * (SIGXFSZ ignored): the data is the 16 bytes passed both times.
	 */
	fd = open("limited", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0, "open limited");
	check(getrlimit(RLIMIT_FSIZE, &limit) == 0, "getrlimit RLIMIT_FSIZE");
	small = limit;
	small.rlim_cur = 10;
	signal(SIGXFSZ, SIG_IGN);
	check(setrlimit(RLIMIT_FSIZE, &small) == 0, "setrlimit RLIMIT_FSIZE 10");
	check(write(fd, text + 30, 16) == 10, "write of 16 bytes under a 10-byte limit");
	check_fails(write(fd, text + 30, 16), EFBIG, "write past the file size limit");
	check(setrlimit(RLIMIT_FSIZE, &limit) == 0, "setrlimit RLIMIT_FSIZE back");
	signal(SIGXFSZ, SIG_DFL);
	close_if(fd);
}

static void pipe_steps(void)
{
	int p[2], q[2];
	char c;

	check(syscall(SYS_pipe, p) == 0, "pipe");
	check(write(p[1], "p", 1) == 1 && read(p[0], &c, 1) == 1, "through the pipe");
	close(p[0]);
	close(p[1]);
	check(pipe2(q, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2");
	close(q[0]);
	close(q[1]);
	check_fails(pipe2(q, ~0), EINVAL, "pipe2 with bad flags");
	check_fails(syscall(SYS_pipe, NULL), EFAULT, "pipe into NULL");
}

static void anon_fd_steps(void)
{
	unsigned long long mask = 1ULL << (SIGUSR1 - 1);
	int fd;

	fd = syscall(SYS_eventfd, 3);
	check(fd >= 0, "eventfd");
	close_if(fd);
	fd = syscall(SYS_eventfd2, 5, EFD_CLOEXEC);
	check(fd >= 0, "eventfd2");
	close_if(fd);
	check_fails(syscall(SYS_eventfd2, 0, ~0), EINVAL, "eventfd2 with bad flags");

	fd = syscall(SYS_signalfd, -1, &mask, sizeof(mask));
	check(fd >= 0, "signalfd");
	close_if(fd);
	fd = syscall(SYS_signalfd4, -1, &mask, sizeof(mask), O_CLOEXEC);
	check(fd >= 0, "signalfd4");
	close_if(fd);
	check_fails(syscall(SYS_signalfd4, -1, &mask, 3, 0), EINVAL, "signalfd4 of 3 bytes");

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	check(fd >= 0, "timerfd_create");
	close_if(fd);
	check_fails(timerfd_create(12345, 0), EINVAL, "timerfd_create of a bad clock");

	fd = syscall(SYS_inotify_init);
	check(fd >= 0, "inotify_init");
	close_if(fd);
	fd = syscall(SYS_inotify_init1, O_CLOEXEC);
	check(fd >= 0, "inotify_init1");
	close_if(fd);
	check_fails(syscall(SYS_inotify_init1, ~0), EINVAL, "inotify_init1 with bad flags");

	/* Either works or fails (EPERM without the sysctl, ENOSYS): the
	 * same in both captures, which is all that matters. */
	close_if(syscall(SYS_userfaultfd, O_CLOEXEC));
	close_if(syscall(SYS_userfaultfd, ~0));
}

/*
 * Sockets. Servers and some clients bind fixed ports below the ephemeral
 * range (32768..60999), so that their tuples are the same in every run;
 * the other clients get ephemeral ports, which the test normalises.
 */
#define PORT_TCP4 7101
#define PORT_UDP4 7102
#define PORT_TCP6 7103
#define PORT_UDP6 7104
#define PORT_CLOSED 7105	/* nothing listens: connect is refused */
#define PORT_UDP4_SENDER 7106

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_un un;
	struct sockaddr_storage ss;
};

static socklen_t inet_addr_of(union addr *a, int family, int port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		a->in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(a->in);
	}
	a->in6.sin6_family = AF_INET6;
	a->in6.sin6_port = htons(port);
	a->in6.sin6_addr = in6addr_loopback;
	return sizeof(a->in6);
}

/* A path (or, starting with '@', an abstract name) as an AF_UNIX address. */
static socklen_t unix_addr_of(union addr *a, const char *name)
{
	size_t len = strlen(name);

	memset(a, 0, sizeof(*a));
	a->un.sun_family = AF_UNIX;
	memcpy(a->un.sun_path, name, len);
	if (name[0] == '@') {
		a->un.sun_path[0] = '\0';
		return offsetof(struct sockaddr_un, sun_path) + len;
	}
	return offsetof(struct sockaddr_un, sun_path) + len + 1;
}

/* A 100-byte message: more than the default snaplen of 80. */
static const char long_msg[] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	"-the-end-of-it-is-past-the-snaplen----";

/* Sends two buffers with sendmsg (to `to` if not NULL). */
static ssize_t send_two(int fd, const char *a, const char *b, union addr *to, socklen_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)a, .iov_len = strlen(a) },
		{ .iov_base = (void *)b, .iov_len = strlen(b) },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	if (to) {
		msg.msg_name = to;
		msg.msg_namelen = len;
	}
	return sendmsg(fd, &msg, 0);
}

/* Receives into two buffers (4 and 60 bytes) with recvmsg, the sender's
 * address into `from` if not NULL. */
static ssize_t recv_two(int fd, union addr *from, int flags)
{
	char a[4], b[60];
	struct iovec iov[2] = {
		{ .iov_base = a, .iov_len = sizeof(a) },
		{ .iov_base = b, .iov_len = sizeof(b) },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	if (from) {
		msg.msg_name = from;
		msg.msg_namelen = sizeof(*from);
	}
	return recvmsg(fd, &msg, flags);
}

/* A TCP connection over the loopback of `family`, the server at `port`. */
static void tcp_steps(int family, int port)
{
	union addr srv_addr, peer, name;
	socklen_t len, peer_len;
	int one = 1, srv, cli, acc, refused;
	struct linger linger = { .l_onoff = 1, .l_linger = 5 };
	struct timeval tv = { .tv_sec = 2, .tv_usec = 500 };
	char buf[128];

	len = inet_addr_of(&srv_addr, family, port);
	srv = socket(family, SOCK_STREAM, 0);
	check(srv >= 0, "socket of the TCP server");
	check(setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0,
	      "setsockopt SO_REUSEADDR");
	check(bind(srv, &srv_addr.sa, len) == 0, "bind of the TCP server");
	check(listen(srv, 4) == 0, "listen");
	peer_len = sizeof(name);
	check(getsockname(srv, &name.sa, &peer_len) == 0, "getsockname");

	cli = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	check(cli >= 0, "socket of the TCP client");
	/* On the loopback the handshake is done when connect returns. */
	if (connect(cli, &srv_addr.sa, len) != 0) {
		check(0, "connect");	/* and no accept, which would wait */
		close_if(cli);
		close_if(srv);
		return;
	}
	peer_len = sizeof(peer);
	if (family == AF_INET)
		acc = syscall(SYS_accept, srv, &peer.sa, &peer_len);
	else
		acc = syscall(SYS_accept4, srv, &peer.sa, &peer_len, SOCK_CLOEXEC);
	check(acc >= 0, "accept");
	peer_len = sizeof(peer);
	check(getpeername(cli, &peer.sa, &peer_len) == 0, "getpeername");

	/* Options: known values, an errno, bytes of other levels, timeouts. */
	check(setsockopt(cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0,
	      "setsockopt TCP_NODELAY");
	check(setsockopt(cli, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)) == 0,
	      "setsockopt SO_LINGER");
	check(setsockopt(cli, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0,
	      "setsockopt SO_RCVTIMEO");
	check_fails(setsockopt(cli, SOL_SOCKET, SO_KEEPALIVE, &one, 2), EINVAL,
		    "setsockopt of 2 bytes");
	len = sizeof(one);
	check(getsockopt(cli, SOL_SOCKET, SO_ERROR, &one, &len) == 0 && one == 0,
	      "getsockopt SO_ERROR");
	len = sizeof(one);
	check(getsockopt(cli, SOL_SOCKET, SO_TYPE, &one, &len) == 0, "getsockopt SO_TYPE");
	len = sizeof(one);
	check(getsockopt(cli, IPPROTO_TCP, TCP_NODELAY, &one, &len) == 0,
	      "getsockopt TCP_NODELAY");
	check_fails(getsockopt(BAD_FD, SOL_SOCKET, SO_TYPE, &one, &len), EBADF,
		    "getsockopt of a bad fd");

	/* Data both ways: send/recv (sendto/recvfrom), sendto/recvfrom with
	 * an address buffer, sendmsg/recvmsg, write/read. */
	check(send(cli, long_msg, 100, 0) == 100, "send");
	check(recv(acc, buf, 100, MSG_WAITALL) == 100, "recv");
	/* No address buffer: TCP writes no address, and the peer then
	 * sends what its stack held (zeros only where the kernel zeroes
	 * stack variables: 6.1 does, 5.10 does not). */
	check(sendto(acc, "pong", 4, 0, NULL, 0) == 4, "sendto");
	check(recvfrom(cli, buf, sizeof(buf), 0, NULL, NULL) == 4, "recvfrom");
	check(send_two(cli, "two ", "buffers", NULL, 0) == 11, "sendmsg");
	check(recv_two(acc, &peer, 0) == 11, "recvmsg");
	check(write(acc, "w", 1) == 1 && read(cli, buf, 1) == 1, "write/read");
	check_fails(recv(cli, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "recv of nothing");

	/* The client closes first (its ephemeral port keeps the TIME_WAIT). */
	check(shutdown(cli, SHUT_WR) == 0, "shutdown SHUT_WR");
	check(recv(acc, buf, sizeof(buf), 0) == 0, "recv of the end");
	check(shutdown(acc, SHUT_RDWR) == 0, "shutdown SHUT_RDWR");
	check_fails(shutdown(BAD_FD, SHUT_RD), EBADF, "shutdown of a bad fd");
	close_if(acc);
	close_if(cli);

	/* A second bind of the port, and a connect to a closed port. */
	len = inet_addr_of(&srv_addr, family, port);
	cli = socket(family, SOCK_STREAM, 0);
	check_fails(bind(cli, &srv_addr.sa, len), EADDRINUSE, "bind of a port in use");
	close_if(cli);
	close_if(srv);
	refused = socket(family, SOCK_STREAM, 0);
	len = inet_addr_of(&srv_addr, family, PORT_CLOSED);
	check_fails(connect(refused, &srv_addr.sa, len), ECONNREFUSED, "connect to a closed port");
	close_if(refused);
}

/* Datagrams over the loopback of `family`, the receiver at `port`. */
static void udp_steps(int family, int port)
{
	union addr rcv_addr, snd_addr, from;
	struct mmsghdr msgs[2];
	struct iovec iov[2];
	char bufs[2][32];
	socklen_t len, snd_len, from_len;
	int rcv, snd;

	len = inet_addr_of(&rcv_addr, family, port);
	rcv = socket(family, SOCK_DGRAM, 0);
	check(rcv >= 0, "socket of the UDP receiver");
	check(bind(rcv, &rcv_addr.sa, len) == 0, "bind of the UDP receiver");
	snd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	check(snd >= 0, "socket of the UDP sender");
	if (family == AF_INET) {
		snd_len = inet_addr_of(&snd_addr, family, PORT_UDP4_SENDER);
		check(bind(snd, &snd_addr.sa, snd_len) == 0, "bind of the UDP sender");
	}

	if (sendto(snd, "datagram", 8, 0, &rcv_addr.sa, len) != 8) {
		check(0, "sendto an address");	/* and no receive, which would wait */
		close_if(snd);
		close_if(rcv);
		return;
	}
	from_len = sizeof(from);
	check(recvfrom(rcv, bufs[0], sizeof(bufs[0]), 0, &from.sa, &from_len) == 8,
	      "recvfrom with the sender's address");
	check(send_two(snd, "msg", "-datagram", &rcv_addr, len) == 12, "sendmsg to an address");
	check(recv_two(rcv, &from, 0) == 12, "recvmsg with the sender's address");

	memset(msgs, 0, sizeof(msgs));
	iov[0].iov_base = "first";
	iov[0].iov_len = 5;
	iov[1].iov_base = "second";
	iov[1].iov_len = 6;
	msgs[0].msg_hdr.msg_iov = &iov[0];
	msgs[0].msg_hdr.msg_iovlen = 1;
	msgs[0].msg_hdr.msg_name = &rcv_addr;
	msgs[0].msg_hdr.msg_namelen = len;
	msgs[1].msg_hdr = msgs[0].msg_hdr;
	msgs[1].msg_hdr.msg_iov = &iov[1];
	check(sendmmsg(snd, msgs, 2, 0) == 2, "sendmmsg");
	memset(msgs, 0, sizeof(msgs));
	iov[0].iov_base = bufs[0];
	iov[0].iov_len = sizeof(bufs[0]);
	iov[1].iov_base = bufs[1];
	iov[1].iov_len = sizeof(bufs[1]);
	msgs[0].msg_hdr.msg_iov = &iov[0];
	msgs[0].msg_hdr.msg_iovlen = 1;
	msgs[1].msg_hdr.msg_iov = &iov[1];
	msgs[1].msg_hdr.msg_iovlen = 1;
	check(recvmmsg(rcv, msgs, 2, MSG_DONTWAIT, NULL) == 2, "recvmmsg");
	check_fails(recvmmsg(rcv, msgs, 2, MSG_DONTWAIT, NULL), EAGAIN, "recvmmsg of nothing");

	/* A connected datagram socket: connect's tuple, then send/recv. */
	check(connect(snd, &rcv_addr.sa, len) == 0, "connect of the UDP sender");
	check(send(snd, "connected", 9, 0) == 9, "send on the connected socket");
	check(recv(rcv, bufs[0], sizeof(bufs[0]), 0) == 9, "recv of the connected sender");
	check_fails(recvfrom(rcv, bufs[0], sizeof(bufs[0]), MSG_DONTWAIT, &from.sa, &from_len),
		    EAGAIN, "recvfrom of nothing");
	close_if(snd);
	close_if(rcv);
}

/* AF_UNIX: a stream server at a path, datagrams to a path and an abstract name. */
static void unix_steps(const char *dir)
{
	union addr srv_addr, dgram_addr, from;
	socklen_t len, dgram_len, from_len;
	char path[108], buf[128];
	int srv, cli, acc, d1, d2, d3, pair[2];

	snprintf(path, sizeof(path), "%s/stream.sock", dir);
	unlink(path);
	len = unix_addr_of(&srv_addr, path);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	check(srv >= 0, "socket of the unix server");
	check(bind(srv, &srv_addr.sa, len) == 0, "bind of the unix server");
	check(listen(srv, 2) == 0, "listen of the unix server");
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	check(connect(cli, &srv_addr.sa, len) == 0, "connect to the unix server");
	acc = syscall(SYS_accept, srv, NULL, NULL);
	check(acc >= 0, "accept of the unix client");
	check(send(cli, "unix stream", 11, 0) == 11, "send on the unix stream");
	from_len = sizeof(from);
	check(recvfrom(acc, buf, sizeof(buf), 0, &from.sa, &from_len) == 11,
	      "recvfrom on the unix stream");
	check(send_two(acc, "unix ", "reply", NULL, 0) == 10, "sendmsg on the unix stream");
	check(recv_two(cli, NULL, 0) == 10, "recvmsg on the unix stream");
	close_if(acc);
	close_if(cli);
	close_if(srv);
	unlink(path);

	/*
	 * Datagrams to a path and to an abstract name. The receiver at the
	 * abstract name reads without an address buffer: the tuple would
	 * name it by its own address, which the peer copies without a NUL
	 * (an abstract name has none) into a stack buffer it does not clear.
	 */
	snprintf(path, sizeof(path), "%s/dgram.sock", dir);
	unlink(path);
	len = unix_addr_of(&srv_addr, path);
	d1 = socket(AF_UNIX, SOCK_DGRAM, 0);
	check(bind(d1, &srv_addr.sa, len) == 0, "bind of a datagram socket");
	d2 = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	check(sendto(d2, "unix datagram", 13, 0, &srv_addr.sa, len) == 13, "sendto a path");
	from_len = sizeof(from);
	check(recvfrom(d1, buf, sizeof(buf), 0, &from.sa, &from_len) == 13,
	      "recvfrom on the path");
	check(send_two(d2, "unix ", "msg", &srv_addr, len) == 8, "sendmsg to a path");
	check(recv_two(d1, &from, 0) == 8, "recvmsg on the path");
	dgram_len = unix_addr_of(&dgram_addr, "@schema1-dgram");
	d3 = socket(AF_UNIX, SOCK_DGRAM, 0);
	check(bind(d3, &dgram_addr.sa, dgram_len) == 0, "bind of an abstract name");
	check(sendto(d2, "abstract", 8, 0, &dgram_addr.sa, dgram_len) == 8,
	      "sendto an abstract name");
	check(send_two(d2, "abs", "tract", &dgram_addr, dgram_len) == 8,
	      "sendmsg to an abstract name");
	check(recv(d3, buf, sizeof(buf), 0) == 8, "recv on the abstract name");
	check(recv_two(d3, NULL, 0) == 8, "recvmsg on the abstract name");
	check_fails(bind(d2, &dgram_addr.sa, dgram_len), EADDRINUSE, "bind of a name in use");
	len = unix_addr_of(&srv_addr, "/nonexistent-schema1/sock");
	check_fails(connect(d2, &srv_addr.sa, len), ENOENT, "connect to a missing path");
	close_if(d3);
	close_if(d2);
	close_if(d1);
	unlink(path);

	check(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0, "socketpair");
	check(write(pair[0], "pair", 4) == 4 && read(pair[1], buf, 4) == 4, "through the pair");
	close_if(pair[0]);
	close_if(pair[1]);
	check(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) == 0, "socketpair dgram");
	close_if(pair[0]);
	close_if(pair[1]);
	check_fails(socketpair(AF_INET, SOCK_STREAM, 0, pair), EOPNOTSUPP,
		    "socketpair of AF_INET");
}

/* Failures: bad fds, a file that is no socket, unknown families and types. */
static void socket_failure_steps(void)
{
	union addr a;
	socklen_t len = inet_addr_of(&a, AF_INET, PORT_CLOSED);
	int null = open("/dev/null", O_RDWR);
	int one = 1, udp;
	char buf[8];

	check_fails(socket(9999, SOCK_STREAM, 0), EAFNOSUPPORT, "socket of an unknown family");
	check_fails(socket(AF_INET, 12345, 0), EINVAL, "socket of an unknown type");
	check_fails(bind(BAD_FD, &a.sa, len), EBADF, "bind of a bad fd");
	check_fails(connect(BAD_FD, &a.sa, len), EBADF, "connect of a bad fd");
	check_fails(connect(null, &a.sa, len), ENOTSOCK, "connect of a file");
	check_fails(listen(BAD_FD, 1), EBADF, "listen of a bad fd");
	check_fails(syscall(SYS_accept, BAD_FD, NULL, NULL), EBADF, "accept of a bad fd");
	check_fails(syscall(SYS_accept4, null, NULL, NULL, 0), ENOTSOCK, "accept4 of a file");
	check_fails(sendto(BAD_FD, "x", 1, 0, &a.sa, len), EBADF, "sendto of a bad fd");
	check_fails(recvfrom(BAD_FD, buf, sizeof(buf), 0, NULL, NULL), EBADF,
		    "recvfrom of a bad fd");
	check_fails(send_two(BAD_FD, "a", "b", &a, len), EBADF, "sendmsg of a bad fd");
	check_fails(recv_two(BAD_FD, NULL, 0), EBADF, "recvmsg of a bad fd");
	check_fails(setsockopt(BAD_FD, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), EBADF,
		    "setsockopt of a bad fd");
	check_fails(getsockname(BAD_FD, &a.sa, &len), EBADF, "getsockname of a bad fd");
	check_fails(getpeername(BAD_FD, &a.sa, &len), EBADF, "getpeername of a bad fd");
	check_fails(connect(-1, &a.sa, len), EBADF, "connect of fd -1");
	close_if(null);

	/* Arguments the events cannot carry: an unreadable address or one
	 * too long is an empty value; an unreadable option value or length
	 * drops the exit event (in the peer as here). */
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	check(udp >= 0, "socket for the bad arguments");
	check_fails(bind(udp, (struct sockaddr *)1, len), EFAULT, "bind of an unreadable address");
	check_fails(sendto(udp, "x", 1, 0, &a.sa, sizeof(a) + 1), EINVAL,
		    "sendto an address too long");
	check_fails(setsockopt(udp, SOL_SOCKET, SO_KEEPALIVE, NULL, sizeof(one)), EFAULT,
		    "setsockopt of an unreadable value");
	check_fails(getsockopt(udp, SOL_SOCKET, SO_TYPE, &one, NULL), EFAULT,
		    "getsockopt into an unreadable length");
	/* A message longer than the snaplen, in two buffers. */
	check(send_two(udp, long_msg, "+tail", &a, len) == 105, "sendmsg of 105 bytes");
	close_if(udp);
}

/* Whether the loopback interface is up: without it the IP steps would
 * wait forever for what they send. */
static int loopback_up(void)
{
	char flags[32] = "";
	int fd = open("/sys/class/net/lo/flags", O_RDONLY);

	if (fd >= 0) {
		check(read(fd, flags, sizeof(flags) - 1) > 0, "read the loopback's flags");
		close(fd);
	}
	return strtoul(flags, NULL, 16) & 1;	/* IFF_UP */
}

static void net_steps(const char *dir)
{
	if (!loopback_up()) {
		fprintf(stderr, "schema1_workload: the loopback interface is down: no IP steps\n");
		failed = 1;
		unix_steps(dir);
		return;
	}
	tcp_steps(AF_INET, PORT_TCP4);
	tcp_steps(AF_INET6, PORT_TCP6);
	udp_steps(AF_INET, PORT_UDP4);
	udp_steps(AF_INET6, PORT_UDP6);
	unix_steps(dir);
	socket_failure_steps();
}

static void *thread_main(void *arg)
{
	int fd = dup(*(int *)arg);

	close_if(fd);
	return NULL;
}

static void process_steps(void)
{
	char *const missing_argv[] = { "missing", NULL };
	char *const exec_argv[] = { SELF_NAME, "child", "17", NULL };
	pthread_t thread;
	pid_t pid;
	int dir;

	/* glibc's fork(): the clone syscall. */
	pid = fork();
	if (pid == 0)
		exit(3);
	reap(pid, 3, "fork()");

	/* The fork syscall itself. */
	pid = syscall(SYS_fork);
	if (pid == 0)
		syscall(SYS_exit_group, 4);
	reap(pid, 4, "SYS_fork");

	/* vfork, the child execs a known program with known argv and env. */
	pid = vfork();
	if (pid == 0)
		exec_child("5");
	reap(pid, 5, "vfork + execve");

	/* A failing execve, then execveat: failing by directory fd and
	 * name, working by path. */
	pid = fork();
	if (pid == 0) {
		execve("/nonexistent-schema1", missing_argv, child_env);
		_exit(errno == ENOENT ? 6 : 100);
	}
	reap(pid, 6, "execve of a missing file");
	dir = open(SELF_DIR, O_RDONLY | O_DIRECTORY);
	check(dir >= 0, "open " SELF_DIR);
	pid = fork();
	if (pid == 0) {
		syscall(SYS_execveat, dir, "missing", missing_argv, child_env, 0);
		if (errno != ENOENT)
			_exit(100);
		/* Its absolute path (the directory fd is then unused): on
		 * 5.10.0-30 (the peer loaded), execveat of a name relative
		 * to a directory fd failed with ENOENT, where 6.1 ran it. */
		syscall(SYS_execveat, dir, SELF, exec_argv, child_env, 0);
		fprintf(stderr, "schema1_workload: execveat of %s: %s\n", SELF, strerror(errno));
		_exit(101);
	}
	reap(pid, 17, "execveat");
	close_if(dir);

	/* clone failing (CLONE_SIGHAND needs CLONE_VM), clone3 failing (a
	 * size below the first version's), and pthread_create: clone3. */
	check_fails(syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0), EINVAL, "clone with bad flags");
	check_fails(syscall(SYS_clone3, NULL, 0), EINVAL, "clone3 of size 0");
	dir = open("/", O_RDONLY);
	check(pthread_create(&thread, NULL, thread_main, &dir) == 0, "pthread_create");
	check(pthread_join(thread, NULL) == 0, "pthread_join");
	close_if(dir);

	/* A child that dies of a signal (procexit with sig=). */
	pid = fork();
	if (pid == 0) {
		kill(getpid(), SIGKILL);
		_exit(100);
	}
	if (pid > 0) {
		int status;

		check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
			      WTERMSIG(status) == SIGKILL, "child killed by SIGKILL");
	}
}

int main(int argc, char **argv)
{
	char go;
	int trigger;

	if (argc >= 3 && strcmp(argv[1], "child") == 0) {
		int null = open("/dev/null", O_WRONLY);
		char buf[256];

		if (null < 0 || write(null, "schema1-child", 13) != 13)
			return 100;
		close(null);
		return getcwd(buf, sizeof(buf)) ? atoi(argv[2]) : 100;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: schema1_workload TRIGGER-FIFO DIR | child STATUS\n");
		return 2;
	}
	trigger = open(argv[1], O_RDWR);
	if (trigger < 0 || read(trigger, &go, 1) != 1) {
		perror(argv[1]);
		return 2;
	}
	close(trigger);
	cwd_steps();
	file_steps(argv[2]);
	io_steps();
	rw_fail_steps();
	pipe_steps();
	anon_fd_steps();
	net_steps(argv[2]);
	process_steps();
	return failed;
}
