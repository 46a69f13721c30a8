// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * hold_consumer [--once]: becomes a consumer the way libscap does (every
 * device opened O_RDWR and mapped), prints "ready <pid>" and holds them
 * until killed or until its parent dies; with --once it exits instead.
 * On failure it prints "error: <device>: <reason>" and exits 1 (EBUSY
 * when max_consumers consumers are there already).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "scap_test.h"

#define MAX_RINGS	64

int main(int argc, char **argv)
{
	struct ring rings[MAX_RINGS];
	struct expected exp;
	int once = argc > 1 && !strcmp(argv[1], "--once");
	int n, cpu;

	/* A consumer left behind would hold the devices for later tests. */
	if (!once && die_with_parent()) {
		printf("error: cannot die with the parent\n");
		return 1;
	}
	load_expected(&exp);
	n = possible_cpus();
	if (n > MAX_RINGS) {
		printf("error: %d CPUs, at most %d\n", n, MAX_RINGS);
		return 1;
	}
	for (cpu = 0; cpu < n; cpu++) {
		if (ring_open(&rings[cpu], &exp, cpu)) {
			printf("error: %s: %s\n", device_path(&exp, cpu), strerror(errno));
			return 1;
		}
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (once)
		return 0;
	for (;;)
		pause();
}
