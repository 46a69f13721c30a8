// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A workload of failing calls for consumers to compare: opens the file
 * argv[1] read-only and writes 10 bytes to it (EBADF: nothing written, yet
 * its exit carries the 10 bytes, as the peer driver's does),
 * closes it, then calls openat with a NULL path (EFAULT), getppid (a
 * GENERIC event) and syscall 600 (ENOSYS: past the syscall table, traced
 * by neither driver).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char buf[10] = "wwwwwwwwww";
	long ret;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: known_errors FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (write(fd, buf, sizeof(buf)) != -1 || errno != EBADF) {
		fprintf(stderr, "known_errors: a write to a read-only fd did not fail with EBADF\n");
		return 1;
	}
	close(fd);
	ret = syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY);
	if (ret != -1 || errno != EFAULT) {
		fprintf(stderr, "known_errors: openat(NULL) did not fail with EFAULT\n");
		return 1;
	}
	getppid();
	ret = syscall(600);
	if (ret != -1 || errno != ENOSYS) {
		fprintf(stderr, "known_errors: syscall 600 did not fail with ENOSYS\n");
		return 1;
	}
	return 0;
}
