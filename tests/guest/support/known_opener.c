// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A workload for consumers to watch: opens, reads and closes the file in
 * argv[1] every 50 ms until the file argv[2] exists (at most 3 minutes).
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const struct timespec pause = { 0, 50 * 1000 * 1000 };
	char buf[16];
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: known_opener FILE STOP-FILE\n");
		return 2;
	}
	for (i = 0; i < 3 * 60 * 20 && access(argv[2], F_OK); i++) {
		int fd = open(argv[1], O_RDONLY);

		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		if (read(fd, buf, sizeof(buf)) < 0)
			perror("read");
		close(fd);
		nanosleep(&pause, NULL);
	}
	return 0;
}
