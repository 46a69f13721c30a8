// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A workload whose fds and paths a consumer can only name through the
 * fd-plumbing and cwd events: in the directory argv[1] (with a
 * subdirectory "sub"), it changes directory, creates files by relative
 * paths, writes to each file through fds made by dup, dup2, dup3 and
 * fcntl(F_DUPFD), makes a pipe, an eventfd, a signalfd, a timerfd and an
 * inotify fd, and closes every fd. Prints its pid first. Each write is of
 * one byte naming the call that made the fd.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/openat2.h>

static void check(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

static void put(int fd, char c)
{
	check(write(fd, &c, 1) == 1, "write");
}

int main(int argc, char **argv)
{
	struct open_how how = { .flags = O_WRONLY | O_CREAT | O_TRUNC, .mode = 0600 };
	uint64_t one = 1;
	sigset_t mask;
	int fd, sub, p[2], n;
	char c;

	if (argc != 2) {
		fprintf(stderr, "usage: fd_plumbing DIR\n");
		return 2;
	}
	printf("%d\n", getpid());
	fflush(stdout);

	check(chdir(argv[1]) == 0, "chdir");
	fd = creat("created", 0644);
	check(fd >= 0, "creat");
	check(dup2(fd, 9) == 9, "dup2");
	put(9, '2');
	check(dup3(fd, 11, O_CLOEXEC) == 11, "dup3");
	put(11, '3');
	n = dup(fd);
	check(n >= 0, "dup");
	put(n, 'd');
	check(close(n) == 0, "close");
	check(fcntl(fd, F_DUPFD, 20) == 20, "fcntl");
	put(20, 'f');
	check(close(9) == 0 && close(11) == 0 && close(20) == 0 && close(fd) == 0, "close");

	sub = open("sub", O_RDONLY | O_DIRECTORY);
	check(sub >= 0 && fchdir(sub) == 0, "fchdir");
	fd = syscall(SYS_openat2, AT_FDCWD, "openat2", &how, sizeof(how));
	check(fd >= 0, "openat2");
	put(fd, 'o');
	check(close(fd) == 0 && close(sub) == 0, "close");

	check(pipe(p) == 0, "pipe");
	put(p[1], 'p');
	check(read(p[0], &c, 1) == 1, "read");
	check(close(p[0]) == 0 && close(p[1]) == 0, "close");

	fd = eventfd(0, EFD_CLOEXEC);
	check(fd >= 0 && write(fd, &one, sizeof(one)) == sizeof(one) && close(fd) == 0, "eventfd");
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	fd = signalfd(-1, &mask, SFD_CLOEXEC);
	check(fd >= 0 && close(fd) == 0, "signalfd");
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	check(fd >= 0 && close(fd) == 0, "timerfd_create");
	fd = inotify_init1(IN_CLOEXEC);
	check(fd >= 0 && close(fd) == 0, "inotify_init1");
	return 0;
}
