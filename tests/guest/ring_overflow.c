// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A consumer that stops reading: the writer must count drops in the info
 * page instead of overwriting unread events, every event left in the ring
 * must parse with a consistent len, the events must fill exactly the bytes
 * between tail and head, and the ring must work again once read. The
 * reader starts mid-ring, so the unread events wrap around the ring's end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scap_test.h"

#define MAX_RINGS	64
#define MAX_SYSCALLS	3000000
#define WANT_DROPS	1000
#define AFTER_READS	100
#define HALF_RING_READS	50000	/* ~80 bytes of events each */

struct reads_of {
	pid_t tid;
	size_t count;
};

static void count_reads(const struct event *ev, void *arg)
{
	struct reads_of *reads = arg;

	if (ev->tid == (uint64_t)reads->tid &&
	    (ev->type == SCAPE_READ_E || ev->type == SCAPE_READ_X))
		reads->count++;
}

static void any_event(const struct event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

int main(void)
{
	struct ring rings[MAX_RINGS];
	struct expected exp;
	uint64_t drops = 0, drops_after;
	size_t events = 0;
	uint32_t tail, full, full_tail;
	long filled_after;
	struct reads_of ours = { .tid = syscall(SYS_gettid) };
	char byte;
	int n, cpu, fd;
	long i;

	load_expected(&exp);
	n = possible_cpus();
	if (n > MAX_RINGS)
		die("%d CPUs, the test handles %d", n, MAX_RINGS);
	pin_to_cpu(0);
	rings_open(rings, n, &exp, 1);
	fd = open("/dev/zero", O_RDONLY);
	if (fd < 0)
		die_errno("cannot open /dev/zero");
	for (i = 0; i < HALF_RING_READS; i++) {
		if (read(fd, &byte, 1) != 1)
			die_errno("read /dev/zero");
	}
	for (cpu = 0; cpu < n; cpu++)
		ring_consume(&rings[cpu], ring_readable(&rings[cpu], &tail));
	if (rings[0].info->n_drops_buffer)
		die("drops while half the ring was free");
	if (rings[0].info->tail < SCAP_RING_BUF_SIZE / 8)
		die("%d reads moved ring 0 only to %u", HALF_RING_READS, rings[0].info->tail);
	for (i = 0; i < MAX_SYSCALLS; i++) {
		if (read(fd, &byte, 1) != 1)
			die_errno("read /dev/zero");
		if (i % 1024 == 0) {
			drops = rings[0].info->n_drops_buffer;
			if (drops >= WANT_DROPS)
				break;
		}
	}
	if (drops < WANT_DROPS)
		die("%ld reads on CPU 0 without a full ring: %" PRIu64 " drops, %llu events, %u readable bytes",
		    i, drops, (unsigned long long)rings[0].info->n_evts,
		    ring_readable(&rings[0], &tail));
	filled_after = i;
	full = ring_readable(&rings[0], &tail);
	if (full < SCAP_RING_BUF_SIZE / 2)
		die("ring 0 drops (%" PRIu64 ") while only %u of %u bytes are unread", drops, full,
		    SCAP_RING_BUF_SIZE);
	if (tail + full <= SCAP_RING_BUF_SIZE)
		die("the unread events (tail %u, %u bytes) do not wrap the ring's end", tail, full);
	full_tail = tail;
	for (cpu = 0; cpu < n; cpu++)
		events += ring_for_each(&rings[cpu], cpu, any_event, NULL);

	/* Read everything: the ring accepts events again, without new drops. */
	for (cpu = 0; cpu < n; cpu++)
		ring_consume(&rings[cpu], ring_readable(&rings[cpu], &tail));
	drops = rings[0].info->n_drops_buffer;
	for (i = 0; i < AFTER_READS; i++) {
		if (read(fd, &byte, 1) != 1)
			die_errno("read /dev/zero");
	}
	drops_after = rings[0].info->n_drops_buffer;
	ring_for_each(&rings[0], 0, count_reads, &ours);
	if (ours.count < 2 * AFTER_READS)
		die("after reading the full ring, %zu of the %d read events arrived", ours.count,
		    2 * AFTER_READS);
	if (drops_after != drops)
		die("%" PRIu64 " new drops after the ring was read", drops_after - drops);
	close(fd);
	note("%" PRIu64 " drops counted after %ld reads; %zu events (%u bytes on ring 0, from %u across the end) all parse; ring recovered",
	     drops, filled_after, events, full, full_tail);
	return 0;
}
