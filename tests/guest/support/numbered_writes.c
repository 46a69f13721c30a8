// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * THREADS unpinned threads each write WRITES numbered lines to /dev/null,
 * "<tid> <seq>\n" with both fields 8 digits wide, seq counting from 0: a
 * workload whose every write event says which thread made it and in what
 * order. With more threads than CPUs the scheduler preempts and migrates
 * them in the middle of their system calls.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long writes;
static int devnull;

static void *work(void *arg)
{
	char line[32];
	long tid = syscall(SYS_gettid), seq;
	int len;

	(void)arg;
	for (seq = 0; seq < writes; seq++) {
		len = snprintf(line, sizeof(line), "%08ld %08ld\n", tid, seq);
		if (write(devnull, line, len) != len) {
			perror("write /dev/null");
			exit(1);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	long n, i;

	if (argc != 3 || (n = atol(argv[1])) < 1 || n > 64 || (writes = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: numbered_writes THREADS(1..64) WRITES\n");
		return 2;
	}
	devnull = open("/dev/null", O_WRONLY);
	if (devnull < 0) {
		perror("/dev/null");
		return 1;
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, work, NULL)) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	return 0;
}
