// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The checker of the fd_events and fd_events_peer tests, run against
 * whichever scap module is loaded: its fd-plumbing and working-directory
 * events. A thread pinned to the last CPU makes each of dup, dup2, dup3,
 * pipe, pipe2, fcntl, eventfd, eventfd2, signalfd, signalfd4,
 * timerfd_create, inotify_init, inotify_init1, creat, openat2,
 * userfaultfd, chdir, fchdir and getcwd succeed and fail (and closes what
 * it made), noting the events each call must give with every parameter:
 * fds and results against what the calls returned, pipe's ino against
 * fstat, creat's dev against fstat, paths, the schema's flag values. Its
 * events of those types must be exactly those, in order. Calls whose user
 * memory cannot be read (pipe(NULL), openat2 with a bad open_how) lose
 * those events to n_drops_pf.
 * Then in dropping mode (ratio 1): the fcntl calls other than F_DUPFD*,
 * close of fds not open, failed close exits and getcwd give nothing, the
 * rest as before, and no DROP_E/DROP_X.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "scap_test.h"

#define MAX_RINGS	64
#define MAX_WANTS	256
#define DIR		"/tmp/fd_events"

/*
 * Paths the calls pass, in writable memory touched before the workload:
 * an enter event of a path on a page never touched would be dropped.
 */
static char dir[64], created[64], missing[64], rel_created[16], other[64], fresh[16];
static char small[8];

/* One expected event: its type and its parameters, one letter each. */
struct want {
	uint16_t type;
	char fmt[8];		/* d: s64, q: u64, u: u32, b: u8, s: string */
	int64_t num[6];
	char str[6][64];
	const char *what;
};

static struct want wants[MAX_WANTS];
static size_t n_wants;

/* Notes the next event; numbers are passed as int64_t, strings as char *. */
static void want(const char *what, uint16_t type, const char *fmt, ...)
{
	struct want *w = &wants[n_wants++];
	va_list ap;
	size_t i;

	if (n_wants > MAX_WANTS || strlen(fmt) >= sizeof(w->fmt))
		die("the test wants too much");
	w->type = type;
	w->what = what;
	strcpy(w->fmt, fmt);
	va_start(ap, fmt);
	for (i = 0; fmt[i]; i++) {
		if (fmt[i] == 's')
			snprintf(w->str[i], sizeof(w->str[i]), "%s", va_arg(ap, const char *));
		else
			w->num[i] = va_arg(ap, int64_t);
	}
	va_end(ap);
}

#define N(x)	((int64_t)(x))

/* A raw call's result as the exit event carries it: -errno on failure. */
static int64_t res(long ret)
{
	return ret < 0 ? -errno : ret;
}

/* A result that must be this error. */
static int64_t failing(const char *what, int64_t ret, int err)
{
	if (ret != -err)
		die("%s returned %" PRId64 ", want -%s", what, ret, strerrorname_np(err));
	return ret;
}

/* The schema's dev: the kernel's new_encode_dev() of the device. */
static uint32_t encode_dev(dev_t dev)
{
	uint32_t maj = major(dev), min = minor(dev);

	return (min & 0xff) | (maj << 8) | ((min & ~0xffU) << 12);
}

static struct stat fd_stat(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die_errno("fstat %d", fd);
	return st;
}

static void shut(int fd)
{
	if (close(fd))
		die_errno("close %d", fd);
	want("close", SCAPE_CLOSE_E, "d", N(fd));
	want("close", SCAPE_CLOSE_X, "d", N(0));
}

/* The fd a call must have made; the exit event carries it. */
static int made(const char *what, long ret)
{
	if (ret < 0)
		die_errno("%s", what);
	return ret;
}

static int devnull;

static void dups(void)
{
	int fd;

	fd = made("dup", syscall(SYS_dup, N(devnull)));
	want("dup", SCAPE_DUP_E, "d", N(devnull));
	want("dup", SCAPE_DUP_X, "d", N(fd));
	shut(fd);
	fd = made("dup2", syscall(SYS_dup2, N(devnull), 100L));
	want("dup2", SCAPE_DUP_E, "d", N(devnull));
	want("dup2", SCAPE_DUP_X, "d", N(100));
	shut(fd);
	fd = made("dup3", syscall(SYS_dup3, N(devnull), 101L, N(O_CLOEXEC)));
	want("dup3", SCAPE_DUP_E, "d", N(devnull));
	want("dup3", SCAPE_DUP_X, "d", N(101));
	shut(fd);
	want("dup(-1)", SCAPE_DUP_E, "d", N(-1));
	want("dup(-1)", SCAPE_DUP_X, "d", failing("dup(-1)", res(syscall(SYS_dup, -1L)), EBADF));
	want("dup3 same fd", SCAPE_DUP_E, "d", N(devnull));
	want("dup3 same fd", SCAPE_DUP_X, "d",
	     failing("dup3 same fd", res(syscall(SYS_dup3, N(devnull), N(devnull), 0L)), EINVAL));
}

static void pipes(void)
{
	int fds[2], bad[2] = { devnull, -7 };
	int64_t r;

	made("pipe", syscall(SYS_pipe, fds));
	want("pipe", SCAPE_PIPE_E, "");
	want("pipe", SCAPE_PIPE_X, "dddq", N(0), N(fds[0]), N(fds[1]), N(fd_stat(fds[0]).st_ino));
	shut(fds[0]);
	shut(fds[1]);
	made("pipe2", syscall(SYS_pipe2, fds, N(O_CLOEXEC | O_NONBLOCK)));
	want("pipe2", SCAPE_PIPE_E, "");
	want("pipe2", SCAPE_PIPE_X, "dddq", N(0), N(fds[0]), N(fds[1]), N(fd_stat(fds[0]).st_ino));
	shut(fds[0]);
	shut(fds[1]);
	/* Failed: the array as the caller left it, ino that of its first fd. */
	r = failing("pipe2 bad flags", res(syscall(SYS_pipe2, bad, 0xdeadL)), EINVAL);
	want("pipe2 failed", SCAPE_PIPE_E, "");
	want("pipe2 failed", SCAPE_PIPE_X, "dddq", r, N(devnull), N(-7),
	     N(fd_stat(devnull).st_ino));
	/* The exit's array is unreadable: only the enter event. */
	failing("pipe(NULL)", res(syscall(SYS_pipe, NULL)), EFAULT);
	want("pipe(NULL)", SCAPE_PIPE_E, "");
}

static void fcntls(void)
{
	static const struct {
		int cmd;
		long arg;
		uint8_t scap;
		int err;
	} calls[] = {
		{ F_GETFD, 0, SCAP_FCNTL_F_GETFD, 0 },
		{ F_SETFD, FD_CLOEXEC, SCAP_FCNTL_F_SETFD, 0 },
		{ F_GETFL, 0, SCAP_FCNTL_F_GETFL, 0 },
		{ F_SETFL, O_NONBLOCK, SCAP_FCNTL_F_SETFL, 0 },
		{ F_GETOWN, 0, SCAP_FCNTL_F_GETOWN, 0 },
		{ F_GETSIG, 0, SCAP_FCNTL_F_GETSIG, 0 },
		{ F_GETLEASE, 0, SCAP_FCNTL_F_GETLEASE, 0 },
		{ 12345, 0, SCAP_FCNTL_UNKNOWN, EINVAL },
	};
	int fd;
	size_t i;

	fd = made("F_DUPFD", syscall(SYS_fcntl, N(devnull), N(F_DUPFD), 50L));
	want("F_DUPFD", SCAPE_FCNTL_E, "db", N(devnull), N(SCAP_FCNTL_F_DUPFD));
	want("F_DUPFD", SCAPE_FCNTL_X, "d", N(fd));
	if (fd < 50)
		die("F_DUPFD 50 gave fd %d", fd);
	shut(fd);
	fd = made("F_DUPFD_CLOEXEC", syscall(SYS_fcntl, N(devnull), N(F_DUPFD_CLOEXEC), 60L));
	want("F_DUPFD_CLOEXEC", SCAPE_FCNTL_E, "db", N(devnull), N(SCAP_FCNTL_F_DUPFD_CLOEXEC));
	want("F_DUPFD_CLOEXEC", SCAPE_FCNTL_X, "d", N(fd));
	shut(fd);
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int64_t r = res(syscall(SYS_fcntl, N(devnull), N(calls[i].cmd), calls[i].arg));

		if (calls[i].err)
			failing("fcntl", r, calls[i].err);
		else if (r < 0)
			die("fcntl command %d failed: %s", calls[i].cmd, strerror(-r));
		want("fcntl", SCAPE_FCNTL_E, "db", N(devnull), N(calls[i].scap));
		want("fcntl", SCAPE_FCNTL_X, "d", r);
	}
	want("fcntl(-1)", SCAPE_FCNTL_E, "db", N(-1), N(SCAP_FCNTL_F_GETFD));
	want("fcntl(-1)", SCAPE_FCNTL_X, "d",
	     failing("fcntl(-1)", res(syscall(SYS_fcntl, -1L, N(F_GETFD))), EBADF));
}

/* Calls that make one fd; the peer's enter events carry no flags. */
static void fd_makers(void)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	fd = made("eventfd2", syscall(SYS_eventfd2, 42L, N(O_CLOEXEC)));
	want("eventfd2", SCAPE_EVENTFD_E, "qu", N(42), N(0));
	want("eventfd2", SCAPE_EVENTFD_X, "d", N(fd));
	shut(fd);
	fd = made("eventfd", syscall(SYS_eventfd, 7L));
	want("eventfd", SCAPE_EVENTFD_E, "qu", N(7), N(0));
	want("eventfd", SCAPE_EVENTFD_X, "d", N(fd));
	shut(fd);
	want("eventfd2 bad flags", SCAPE_EVENTFD_E, "qu", N(1), N(0));
	want("eventfd2 bad flags", SCAPE_EVENTFD_X, "d", 
	     failing("eventfd2 bad flags", res(syscall(SYS_eventfd2, 1L, 0xdeadL)), EINVAL));

	fd = made("signalfd4", syscall(SYS_signalfd4, -1L, &mask, 8L, N(O_CLOEXEC)));
	want("signalfd4", SCAPE_SIGNALFD_E, "dub", N(-1), N(0), N(0));
	want("signalfd4", SCAPE_SIGNALFD_X, "d", N(fd));
	shut(fd);
	fd = made("signalfd", syscall(SYS_signalfd, -1L, &mask, 8L));
	want("signalfd", SCAPE_SIGNALFD_E, "dub", N(-1), N(0), N(0));
	want("signalfd", SCAPE_SIGNALFD_X, "d", N(fd));
	shut(fd);
	want("signalfd4 of /dev/null", SCAPE_SIGNALFD_E, "dub", N(devnull), N(0), N(0));
	want("signalfd4 of /dev/null", SCAPE_SIGNALFD_X, "d",
	     failing("signalfd4 of /dev/null",
		     res(syscall(SYS_signalfd4, N(devnull), &mask, 8L, 0L)), EINVAL));

	fd = made("timerfd_create", syscall(SYS_timerfd_create, N(CLOCK_MONOTONIC),
					    N(O_CLOEXEC)));
	want("timerfd_create", SCAPE_TIMERFD_CREATE_E, "bb", N(0), N(0));
	want("timerfd_create", SCAPE_TIMERFD_CREATE_X, "d", N(fd));
	shut(fd);
	want("timerfd_create bad clock", SCAPE_TIMERFD_CREATE_E, "bb", N(0), N(0));
	want("timerfd_create bad clock", SCAPE_TIMERFD_CREATE_X, "d",
	     failing("timerfd_create bad clock", res(syscall(SYS_timerfd_create, 12345L, 0L)),
		     EINVAL));

	fd = made("inotify_init", syscall(SYS_inotify_init));
	want("inotify_init", SCAPE_INOTIFY_INIT_E, "b", N(0));
	want("inotify_init", SCAPE_INOTIFY_INIT_X, "d", N(fd));
	shut(fd);
	fd = made("inotify_init1", syscall(SYS_inotify_init1, N(O_CLOEXEC)));
	want("inotify_init1", SCAPE_INOTIFY_INIT_E, "b", N(0));
	want("inotify_init1", SCAPE_INOTIFY_INIT_X, "d", N(fd));
	shut(fd);
	want("inotify_init1 bad flags", SCAPE_INOTIFY_INIT_E, "b", N(0));
	want("inotify_init1 bad flags", SCAPE_INOTIFY_INIT_X, "d",
	     failing("inotify_init1 bad flags", res(syscall(SYS_inotify_init1, 0xdeadL)), EINVAL));

	fd = made("userfaultfd", syscall(SYS_userfaultfd, N(O_CLOEXEC | O_NONBLOCK)));
	want("userfaultfd", SCAPE_USERFAULTFD_E, "");
	want("userfaultfd", SCAPE_USERFAULTFD_X, "du", N(fd), N(O_CLOEXEC | O_NONBLOCK));
	shut(fd);
	want("userfaultfd bad flags", SCAPE_USERFAULTFD_E, "");
	want("userfaultfd bad flags", SCAPE_USERFAULTFD_X, "du",
	     failing("userfaultfd bad flags", res(syscall(SYS_userfaultfd, 0x1234L)), EINVAL),
	     N(0x1234));
}

static void creats(void)
{
	int fd;

	fd = made("creat", syscall(SYS_creat, created, 0640L));
	want("creat", SCAPE_CREAT_E, "su", created, N(0640));
	want("creat", SCAPE_CREAT_X, "dsuu", N(fd), created, N(0640),
	     N(encode_dev(fd_stat(fd).st_dev)));
	shut(fd);
	/* Every mode bit the schema has, whatever the umask makes of them. */
	fd = made("creat 07777", syscall(SYS_creat, other, 07777L));
	want("creat 07777", SCAPE_CREAT_E, "su", other, N(07777));
	want("creat 07777", SCAPE_CREAT_X, "dsuu", N(fd), other, N(07777),
	     N(encode_dev(fd_stat(fd).st_dev)));
	shut(fd);
	want("creat missing", SCAPE_CREAT_E, "su", missing, N(0600));
	want("creat missing", SCAPE_CREAT_X, "dsuu",
	     failing("creat missing", res(syscall(SYS_creat, missing, 0600L)), ENOENT),
	     missing, N(0600), N(0));
}

static int64_t openat2_call(int dirfd, const char *path, const struct open_how *how)
{
	return res(syscall(SYS_openat2, N(dirfd), path, how, N(sizeof(*how))));
}

static void openat2s(int dirfd)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
	};
	int64_t fd;

	fd = made("openat2", openat2_call(dirfd, rel_created, &how));
	want("openat2", SCAPE_OPENAT2_E, "dsuuu", N(dirfd), rel_created,
	     N(SCAP_O_RDONLY | SCAP_O_CLOEXEC), N(0),
	     N(SCAP_RESOLVE_NO_SYMLINKS | SCAP_RESOLVE_BENEATH));
	want("openat2", SCAPE_OPENAT2_X, "ddsuuu", fd, N(dirfd), rel_created,
	     N(SCAP_O_RDONLY | SCAP_O_CLOEXEC), N(0),
	     N(SCAP_RESOLVE_NO_SYMLINKS | SCAP_RESOLVE_BENEATH));
	shut(fd);
	how = (struct open_how){
		.flags = O_RDWR | O_APPEND,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	fd = made("openat2 in root", openat2_call(dirfd, rel_created, &how));
	want("openat2 in root", SCAPE_OPENAT2_E, "dsuuu", N(dirfd), rel_created,
	     N(SCAP_O_RDWR | SCAP_O_APPEND), N(0),
	     N(SCAP_RESOLVE_IN_ROOT | SCAP_RESOLVE_NO_XDEV | SCAP_RESOLVE_NO_MAGICLINKS));
	want("openat2 in root", SCAPE_OPENAT2_X, "ddsuuu", fd, N(dirfd), rel_created,
	     N(SCAP_O_RDWR | SCAP_O_APPEND), N(0),
	     N(SCAP_RESOLVE_IN_ROOT | SCAP_RESOLVE_NO_XDEV | SCAP_RESOLVE_NO_MAGICLINKS));
	shut(fd);
	/* A new file: its mode counts; AT_FDCWD is the schema's -100. */
	how = (struct open_how){ .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0600 };
	fd = made("openat2 create", openat2_call(AT_FDCWD, fresh, &how));
	want("openat2 create", SCAPE_OPENAT2_E, "dsuuu", N(SCAP_AT_FDCWD), fresh,
	     N(SCAP_O_WRONLY | SCAP_O_CREAT | SCAP_O_EXCL), N(0600), N(0));
	want("openat2 create", SCAPE_OPENAT2_X, "ddsuuu", fd, N(SCAP_AT_FDCWD), fresh,
	     N(SCAP_O_WRONLY | SCAP_O_CREAT | SCAP_O_EXCL), N(0600), N(0));
	shut(fd);
	/* Failed: an absolute path escapes RESOLVE_BENEATH. */
	how = (struct open_how){ .flags = O_RDONLY, .resolve = RESOLVE_BENEATH };
	fd = failing("openat2 escaping", openat2_call(dirfd, created, &how), EXDEV);
	want("openat2 escaping", SCAPE_OPENAT2_E, "dsuuu", N(dirfd), created, N(SCAP_O_RDONLY),
	     N(0), N(SCAP_RESOLVE_BENEATH));
	want("openat2 escaping", SCAPE_OPENAT2_X, "ddsuuu", fd, N(dirfd), created,
	     N(SCAP_O_RDONLY), N(0), N(SCAP_RESOLVE_BENEATH));
	/* An open_how that cannot be read: neither event. */
	failing("openat2 bad open_how", openat2_call(dirfd, rel_created, (const void *)8), EFAULT);
}

static void cwds(int rootfd)
{
	char buf[128];
	long r;

	want("chdir", SCAPE_CHDIR_E, "");
	want("chdir", SCAPE_CHDIR_X, "ds", N(made("chdir", syscall(SYS_chdir, dir))), dir);
	want("chdir missing", SCAPE_CHDIR_E, "");
	want("chdir missing", SCAPE_CHDIR_X, "ds",
	     failing("chdir missing", res(syscall(SYS_chdir, missing)), ENOENT), missing);
	r = syscall(SYS_getcwd, buf, sizeof(buf));
	if (r != (long)strlen(dir) + 1 || strcmp(buf, dir))
		die("getcwd after chdir %s returned %ld, \"%s\"", dir, r, buf);
	want("getcwd", SCAPE_GETCWD_E, "");
	want("getcwd", SCAPE_GETCWD_X, "ds", N(r), dir);
	want("fchdir", SCAPE_FCHDIR_E, "d", N(rootfd));
	want("fchdir", SCAPE_FCHDIR_X, "d", N(made("fchdir", syscall(SYS_fchdir, N(rootfd)))));
	r = syscall(SYS_getcwd, buf, sizeof(buf));
	if (r != 2 || strcmp(buf, "/"))
		die("getcwd after fchdir to / returned %ld, \"%s\"", r, buf);
	want("getcwd /", SCAPE_GETCWD_E, "");
	want("getcwd /", SCAPE_GETCWD_X, "ds", N(r), "/");
	want("fchdir(-1)", SCAPE_FCHDIR_E, "d", N(-1));
	want("fchdir(-1)", SCAPE_FCHDIR_X, "d",
	     failing("fchdir(-1)", res(syscall(SYS_fchdir, -1L)), EBADF));
	want("fchdir of a file", SCAPE_FCHDIR_E, "d", N(devnull));
	want("fchdir of a file", SCAPE_FCHDIR_X, "d",
	     failing("fchdir of a file", res(syscall(SYS_fchdir, N(devnull))), ENOTDIR));
	/* Failed: what the buffer held, the path when it holds none. */
	want("getcwd too small", SCAPE_GETCWD_E, "");
	want("getcwd too small", SCAPE_GETCWD_X, "ds",
	     failing("getcwd too small", res(syscall(SYS_getcwd, small, 1L)), ERANGE), small);
	want("getcwd NULL", SCAPE_GETCWD_E, "");
	want("getcwd NULL", SCAPE_GETCWD_X, "ds",
	     failing("getcwd NULL", res(syscall(SYS_getcwd, NULL, 64L)), EFAULT), "(NULL)");
}

struct workload {
	int dirfd, rootfd;
	int64_t pf_drops;	/* events the workload must lose to n_drops_pf */
};

static void everything(void *arg)
{
	struct workload *w = arg;

	dups();
	pipes();
	fcntls();
	fd_makers();
	creats();
	openat2s(w->dirfd);
	cwds(w->rootfd);
	w->pf_drops = 1 + 2;	/* pipe(NULL)'s exit, the bad openat2's events */
}

/* In dropping mode (ratio 1): only what changes state. */
static void dropping(void *arg)
{
	struct workload *w = arg;
	struct open_how how = { .flags = O_RDONLY };
	char buf[128];
	int fds[2], fd;

	(void)syscall(SYS_fcntl, N(devnull), N(F_GETFL));
	(void)syscall(SYS_fcntl, N(devnull), N(F_SETFD), N(FD_CLOEXEC));
	fd = made("F_DUPFD", syscall(SYS_fcntl, N(devnull), N(F_DUPFD), 70L));
	want("F_DUPFD", SCAPE_FCNTL_E, "db", N(devnull), N(SCAP_FCNTL_F_DUPFD));
	want("F_DUPFD", SCAPE_FCNTL_X, "d", N(fd));
	shut(fd);
	/* Closed already, and a failing close: neither enter nor exit. */
	if (close(fd) == 0 || close(-1) == 0)
		die("close of a closed fd succeeded");
	want("F_DUPFD_CLOEXEC(-1)", SCAPE_FCNTL_E, "db", N(-1), N(SCAP_FCNTL_F_DUPFD_CLOEXEC));
	want("F_DUPFD_CLOEXEC(-1)", SCAPE_FCNTL_X, "d",
	     failing("F_DUPFD_CLOEXEC(-1)", res(syscall(SYS_fcntl, -1L, N(F_DUPFD_CLOEXEC), 0L)),
		     EBADF));
	fd = made("dup", syscall(SYS_dup, N(devnull)));
	want("dup", SCAPE_DUP_E, "d", N(devnull));
	want("dup", SCAPE_DUP_X, "d", N(fd));
	shut(fd);
	made("pipe", syscall(SYS_pipe, fds));
	want("pipe", SCAPE_PIPE_E, "");
	want("pipe", SCAPE_PIPE_X, "dddq", N(0), N(fds[0]), N(fds[1]), N(fd_stat(fds[0]).st_ino));
	shut(fds[0]);
	shut(fds[1]);
	fd = made("openat2", openat2_call(w->dirfd, rel_created, &how));
	want("openat2", SCAPE_OPENAT2_E, "dsuuu", N(w->dirfd), rel_created, N(SCAP_O_RDONLY),
	     N(0), N(0));
	want("openat2", SCAPE_OPENAT2_X, "ddsuuu", N(fd), N(w->dirfd), rel_created,
	     N(SCAP_O_RDONLY), N(0), N(0));
	shut(fd);
	if (syscall(SYS_getcwd, buf, sizeof(buf)) < 0)
		die_errno("getcwd");
	want("chdir", SCAPE_CHDIR_E, "");
	want("chdir", SCAPE_CHDIR_X, "ds", res(syscall(SYS_chdir, dir)), dir);
	w->pf_drops = 0;
}

static int is_watched(uint16_t type)
{
	switch (type) {
	case SCAPE_CLOSE_E: case SCAPE_CLOSE_X:
	case SCAPE_CREAT_E: case SCAPE_CREAT_X:
	case SCAPE_PIPE_E: case SCAPE_PIPE_X:
	case SCAPE_EVENTFD_E: case SCAPE_EVENTFD_X:
	case SCAPE_GETCWD_E: case SCAPE_GETCWD_X:
	case SCAPE_CHDIR_E: case SCAPE_CHDIR_X:
	case SCAPE_FCHDIR_E: case SCAPE_FCHDIR_X:
	case SCAPE_DUP_E: case SCAPE_DUP_X:
	case SCAPE_SIGNALFD_E: case SCAPE_SIGNALFD_X:
	case SCAPE_TIMERFD_CREATE_E: case SCAPE_TIMERFD_CREATE_X:
	case SCAPE_INOTIFY_INIT_E: case SCAPE_INOTIFY_INIT_X:
	case SCAPE_FCNTL_E: case SCAPE_FCNTL_X:
	case SCAPE_USERFAULTFD_E: case SCAPE_USERFAULTFD_X:
	case SCAPE_OPENAT2_E: case SCAPE_OPENAT2_X:
	case SCAPE_DROP_E: case SCAPE_DROP_X:
		return 1;
	}
	return 0;
}

/*
 * The workload's watched events, in order of arrival on its CPU's ring;
 * they point into the ring, which is not consumed until the next run.
 */
struct seen {
	uint64_t tid;
	size_t n, elsewhere;
	struct event ev[MAX_WANTS + 64];
};

static void collect(const struct event *ev, void *arg)
{
	struct seen *s = arg;

	if (ev->tid != s->tid || !is_watched(ev->type))
		return;
	if (s->n == MAX_WANTS + 64)
		die("more events of the workload than the test keeps");
	s->ev[s->n++] = *ev;
}

static void count_elsewhere(const struct event *ev, void *arg)
{
	struct seen *s = arg;

	if (ev->tid == s->tid && is_watched(ev->type))
		s->elsewhere++;
}

static void check_event(const struct event *ev, const struct want *w, size_t at)
{
	size_t i, n = strlen(w->fmt);

	if (ev->type != w->type)
		die("event %zu (%s): type %u, want %u", at, w->what, ev->type, w->type);
	if (ev->nparams != n)
		die("event %zu (%s, type %u): %u parameters, want %zu", at, w->what, ev->type,
		    ev->nparams, n);
	for (i = 0; i < n; i++) {
		int64_t got;

		switch (w->fmt[i]) {
		case 's': {
			const char *str = param_str(ev, i);

			if (strcmp(str, w->str[i]))
				die("event %zu (%s, type %u): parameter %zu is \"%s\", want \"%s\"",
				    at, w->what, ev->type, i, str, w->str[i]);
			continue;
		}
		case 'd':
		case 'q':
			got = param_s64(ev, i);
			break;
		case 'u':
			got = param_u32(ev, i);
			break;
		case 'b': {
			const uint8_t *v;

			if (event_param(ev, i, &v) != 1)
				die("event %zu (%s, type %u): parameter %zu is not 1 byte", at,
				    w->what, ev->type, i);
			got = *v;
			break;
		}
		default:
			die("bad format %s", w->fmt);
		}
		if (got != w->num[i])
			die("event %zu (%s, type %u): parameter %zu is %" PRId64 ", want %" PRId64,
			    at, w->what, ev->type, i, got, w->num[i]);
	}
}

static struct ring rings[MAX_RINGS];
static struct seen seen;

/* Runs fn on the last CPU and checks its events against its wants. */
static size_t run(const char *phase, int n_cpus, void (*fn)(void *), struct workload *w)
{
	int cpu, wcpu = n_cpus - 1;
	uint64_t pf_before, buf_before;
	uint32_t tail;
	size_t i;

	for (cpu = 0; cpu < n_cpus; cpu++)
		ring_consume(&rings[cpu], ring_readable(&rings[cpu], &tail));
	pf_before = rings[wcpu].info->n_drops_pf;
	buf_before = rings[wcpu].info->n_drops_buffer;
	n_wants = 0;
	memset(&seen, 0, sizeof(seen));
	seen.tid = run_pinned_thread(wcpu, fn, w);
	ring_for_each(&rings[wcpu], wcpu, collect, &seen);
	for (cpu = 0; cpu < n_cpus; cpu++) {
		if (cpu != wcpu)
			ring_for_each(&rings[cpu], cpu, count_elsewhere, &seen);
	}
	if (seen.elsewhere)
		die("%s: %zu events of the pinned workload on other CPUs' rings", phase,
		    seen.elsewhere);
	for (i = 0; i < seen.n && i < n_wants; i++)
		check_event(&seen.ev[i], &wants[i], i);
	if (seen.n != n_wants)
		die("%s: %zu events of the workload, want %zu (the first %zu match; next: %s type %u)",
		    phase, seen.n, n_wants, i, i < n_wants ? "wanted" : "unwanted",
		    i < n_wants ? wants[i].type : seen.ev[i].type);
	if (rings[wcpu].info->n_drops_buffer != buf_before)
		die("%s: the ring dropped %" PRIu64 " events for want of room", phase,
		    (uint64_t)(rings[wcpu].info->n_drops_buffer - buf_before));
	if ((int64_t)(rings[wcpu].info->n_drops_pf - pf_before) != w->pf_drops)
		die("%s: n_drops_pf grew by %" PRIu64 ", want %" PRId64, phase,
		    (uint64_t)(rings[wcpu].info->n_drops_pf - pf_before), w->pf_drops);
	return seen.n;
}

int main(void)
{
	struct expected exp;
	struct workload w;
	size_t normal, kept;
	int n_cpus;

	load_expected(&exp);
	n_cpus = possible_cpus();
	if (n_cpus > MAX_RINGS)
		die("%d CPUs, the test handles %d", n_cpus, MAX_RINGS);
	pin_to_cpu(0);
	snprintf(dir, sizeof(dir), "%s", DIR);
	snprintf(created, sizeof(created), "%s/created", DIR);
	snprintf(other, sizeof(other), "%s/other", DIR);
	snprintf(missing, sizeof(missing), "%s/missing/file", DIR);
	snprintf(rel_created, sizeof(rel_created), "created");
	snprintf(fresh, sizeof(fresh), "fresh");
	snprintf(small, sizeof(small), "xyz");
	if (mkdir(dir, 0755) && errno != EEXIST)
		die_errno("mkdir %s", dir);
	/* Relative paths (openat2's AT_FDCWD) are in dir. */
	if (chdir(dir))
		die_errno("chdir %s", dir);
	unlink(created);
	unlink(other);
	unlink(fresh);
	devnull = open("/dev/null", O_RDWR);
	w.dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	w.rootfd = open("/", O_RDONLY | O_DIRECTORY);
	if (devnull < 0 || w.dirfd < 0 || w.rootfd < 0)
		die_errno("cannot open /dev/null, %s and /", dir);
	rings_open(rings, n_cpus, &exp, 1);

	normal = run("every call", n_cpus, everything, &w);
	if (ioctl(rings[0].fd, SCAP_IOCTL_ENABLE_DROPPING_MODE, 1UL))
		die_errno("ENABLE_DROPPING_MODE 1");
	kept = run("dropping mode", n_cpus, dropping, &w);
	if (ioctl(rings[0].fd, SCAP_IOCTL_DISABLE_DROPPING_MODE))
		die_errno("DISABLE_DROPPING_MODE");
	note("%zu events of 19 syscalls failing and not, parameters as the peer's; 3 lost to n_drops_pf; dropping mode: %zu kept, stateless fcntl/close and getcwd dropped",
	     normal, kept);
	return 0;
}
