// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A workload with known byte counts moved by pread64 and writev, for
 * sysdig's topfiles_bytes (sysdig_topfiles_bytes.sh):
 *
 *   known_iov READ-FILE WRITE-FILE
 *
 * reads READ_CHUNKS * READ_CHUNK bytes of READ-FILE (which must hold as
 * many) with pread64, one chunk at a time, and writes WRITE_IOVS iovecs of
 * WRITE_IOV bytes to WRITE-FILE (created or truncated) with one writev.
 * Nothing else reads or writes either file: 700 bytes read, 900 written.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define READ_CHUNK	350
#define READ_CHUNKS	2
#define WRITE_IOV	300
#define WRITE_IOVS	3

int main(int argc, char **argv)
{
	static char in[READ_CHUNK], out[WRITE_IOVS][WRITE_IOV];
	struct iovec iov[WRITE_IOVS];
	int rfd, wfd, i;

	if (argc != 3) {
		fprintf(stderr, "usage: known_iov READ-FILE WRITE-FILE\n");
		return 2;
	}
	rfd = open(argv[1], O_RDONLY);
	wfd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (rfd < 0 || wfd < 0) {
		perror(rfd < 0 ? argv[1] : argv[2]);
		return 1;
	}
	for (i = 0; i < READ_CHUNKS; i++) {
		if (pread(rfd, in, READ_CHUNK, (off_t)i * READ_CHUNK) != READ_CHUNK) {
			fprintf(stderr, "known_iov: pread64 of %s at %d: short or failed\n",
				argv[1], i * READ_CHUNK);
			return 1;
		}
	}
	for (i = 0; i < WRITE_IOVS; i++) {
		memset(out[i], 'a' + i, WRITE_IOV);
		iov[i].iov_base = out[i];
		iov[i].iov_len = WRITE_IOV;
	}
	if (writev(wfd, iov, WRITE_IOVS) != WRITE_IOVS * WRITE_IOV) {
		fprintf(stderr, "known_iov: writev to %s: short or failed\n", argv[2]);
		return 1;
	}
	close(wfd);
	close(rfd);
	return 0;
}
