// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A workload of the process and fd-plumbing syscalls for consumers to
 * compare, one step after the other so that both drivers see the same
 * sequence: chdir, getcwd, fchdir; pipe, pipe2, dup, dup2, dup3, fcntl;
 * eventfd(2), signalfd(4), timerfd_create, inotify_init(1), creat,
 * openat2, userfaultfd; then fork, vfork + execve, clone, clone3, a
 * thread, execveat and a failing execve in children, and a child killed by
 * a signal; each child is waited for before the next starts.
 *
 * proc_fd_workload TIDS_FILE DIR: writes its own tid and every child's and
 * thread's, one a line, in the order they are created, to TIDS_FILE; works
 * in DIR (created files are removed at the end).
 * proc_fd_workload --exit N: exits with N (the exec'd child).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static FILE *tids;
static const char *self;

static void record(long tid)
{
	fprintf(tids, "%ld\n", tid);
	fflush(tids);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Waits for child pid, which must end with status or else with other. */
static void reap_either(pid_t pid, int status, int other)
{
	int got;

	if (pid < 0)
		die("fork");
	record(pid);
	if (waitpid(pid, &got, 0) != pid)
		die("waitpid");
	if (got != status && got != other) {
		fprintf(stderr, "proc_fd_workload: child %d ended with status %d, not %d\n",
			pid, got, status);
		exit(1);
	}
}

static void reap(pid_t pid, int status)
{
	reap_either(pid, status, status);
}

static void fds(const char *dir)
{
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS };
	char cwd[256], path[512];
	int p[2], q[2], fd, d;
	sigset_t mask;

	if (chdir(dir) || !getcwd(cwd, sizeof(cwd)))
		die("chdir/getcwd");
	d = open("/", O_RDONLY | O_DIRECTORY);
	if (d < 0 || fchdir(d) || chdir(dir))
		die("fchdir");
	close(d);
	if (pipe(p) || pipe2(q, O_CLOEXEC))
		die("pipe");
	if (write(p[1], "x", 1) != 1 || read(p[0], cwd, 1) != 1)
		die("pipe i/o");
	fd = dup(p[0]);
	if (fd < 0 || dup2(p[0], 20) != 20 || dup3(p[0], 21, O_CLOEXEC) != 21)
		die("dup");
	if (fcntl(p[0], F_DUPFD, 30) != 30 || fcntl(p[0], F_GETFL) < 0 ||
	    fcntl(p[0], F_SETFD, FD_CLOEXEC))
		die("fcntl");
	close(fd);
	close(20);
	close(21);
	close(30);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	fd = eventfd(3, 0);
	close(fd);
	fd = syscall(SYS_eventfd, 4);
	close(fd);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	fd = signalfd(-1, &mask, 0);
	close(fd);
	fd = syscall(SYS_signalfd, -1, &mask, 8);
	close(fd);
	fd = timerfd_create(CLOCK_MONOTONIC, 0);
	close(fd);
	fd = syscall(SYS_inotify_init);
	close(fd);
	fd = inotify_init1(IN_CLOEXEC);
	close(fd);
	snprintf(path, sizeof(path), "%s/proc_fd_workload.creat", dir);
	fd = creat(path, 0640);
	if (fd < 0)
		die("creat");
	close(fd);
	fd = syscall(SYS_openat2, AT_FDCWD, "proc_fd_workload.creat", &how, sizeof(how));
	if (fd < 0)
		die("openat2");
	close(fd);
	/* Whether it is allowed (vm.unprivileged_userfaultfd, root): either way. */
	fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	unlink(path);
}

static void *thread_main(void *arg)
{
	(void)arg;
	record(syscall(SYS_gettid));
	return NULL;
}

static void procs(void)
{
	char *argv[] = { (char *)self, "--exit", "5", NULL };
	char *envp[] = { "SCAP_WORKLOAD=1", NULL };
	struct clone_args args = { .exit_signal = SIGCHLD };
	pthread_t thread;
	pid_t pid;
	int dir;

	pid = fork();
	if (!pid)
		_exit(3);
	reap(pid, 3 << 8);

	pid = vfork();
	if (!pid) {
		execve(self, argv, envp);
		perror("proc_fd_workload: execve");
		_exit(127);
	}
	reap(pid, 5 << 8);

	pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (!pid)
		_exit(0);
	reap(pid, 0);

	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (!pid)
		_exit(1);
	reap(pid, 1 << 8);

	if (pthread_create(&thread, NULL, thread_main, NULL) || pthread_join(thread, NULL))
		die("pthread");

	/*
	 * execveat of the workload by its directory's fd and its name. 5.10
	 * fails it in the guest (ENOENT, not investigated): then the failed
	 * execveat's events are compared.
	 */
	pid = fork();
	if (!pid) {
		const char *name = strrchr(self, '/') + 1;
		char path[4096];

		snprintf(path, sizeof(path), "%.*s", (int)(name - self), self);
		dir = open(path, O_RDONLY | O_DIRECTORY);
		syscall(SYS_execveat, dir, name, argv, envp, 0);
		_exit(126);
	}
	reap_either(pid, 5 << 8, 126 << 8);

	/* A failing execve: its exit reports the arguments it was given. */
	pid = fork();
	if (!pid) {
		execve("/nonexistent/proc_fd_workload", argv, envp);
		_exit(errno == ENOENT ? 7 : 8);
	}
	reap(pid, 7 << 8);

	pid = fork();
	if (!pid) {
		raise(SIGKILL);
		_exit(0);
	}
	reap(pid, SIGKILL);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--exit"))
		return atoi(argv[2]);
	if (argc != 3) {
		fprintf(stderr, "usage: proc_fd_workload TIDS_FILE DIR | --exit N\n");
		return 2;
	}
	/* The absolute path of this program: the children exec it again. */
	self = realpath("/proc/self/exe", NULL);
	if (!self || self[0] != '/')
		die("realpath /proc/self/exe");
	tids = fopen(argv[1], "w");
	if (!tids)
		die(argv[1]);
	record(getpid());
	fds(argv[2]);
	procs();
	fclose(tids);
	return 0;
}
