// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The workload of the schema-1 differential test (schema1_diff.sh): every
 * process and fd event of schema 1's first waves, each in success and
 * failure, in a fixed order, one process or thread at a time so that two
 * captures of it can be compared event by event.
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
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/timerfd.h>
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
	process_steps();
	return failed;
}
