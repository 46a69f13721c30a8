// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A workload with known byte counts for consumers to compare: opens the
 * file argv[1] read-write, reads up to READ_SIZE bytes (the file is
 * smaller: the result is its size), writes argv[2] bytes, closes it.
 * Exactly one openat, read, write and close on that file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_SIZE	4096

int main(int argc, char **argv)
{
	static char buf[READ_SIZE];
	ssize_t got, put;
	long to_write;
	int fd;

	if (argc != 3 || (to_write = atol(argv[2])) <= 0 || to_write > READ_SIZE) {
		fprintf(stderr, "usage: known_rw FILE WRITE-BYTES (1..%d)\n", READ_SIZE);
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	got = read(fd, buf, READ_SIZE);
	memset(buf, 'w', to_write);
	put = write(fd, buf, to_write);
	if (got < 0 || put != to_write || close(fd)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
