// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Read-only opens are query handles (driver-src/INTERFACE.md), loaded with
 * max_consumers=2:
 * - they make no consumer: no tracepoints (GET_N_TRACEPOINT_HIT of the
 *   first consumer opened after them has not seen a workload run while
 *   only they were open), and no slot (two consumers still get in while
 *   they are open, then a third gets EBUSY);
 * - with both slots taken, O_RDONLY still opens every device, and ioctls
 *   21, 24 and 25 answer driver-src's versions on it;
 * - every other ioctl of _IO('s', 0..25) fails with EBADF on it, others
 *   with ENOTTY, and mmap of either mapping with EACCES;
 * - a consumer may hold one beside its own handle of the same device;
 * - closing them leaves nothing behind: the module unloads afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scap_test.h"

#define MAX_CONSUMERS	2
#define MAX_RINGS	64
/* getppid() calls while only query handles are open: 2 probe hits each. */
#define WORKLOAD	20000

static pid_t must_start_consumer(const struct expected *exp, int n, const char *when)
{
	int err;
	pid_t pid = consumer_start(exp, n, &err);

	if (pid < 0)
		die("a consumer could not open every device %s: %s", when, strerror(err));
	return pid;
}

static int open_query(const struct expected *exp, int cpu, const char *when)
{
	int fd = open(device_path(exp, cpu), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die_errno("O_RDONLY open of %s %s", device_path(exp, cpu), when);
	return fd;
}

static void expect_versions(int fd, const struct expected *exp, int cpu)
{
	uint64_t api = ~0ULL, schema = ~0ULL;
	char text[32];

	memset(text, 'x', sizeof(text));
	if (ioctl(fd, SCAP_IOCTL_GET_API_VERSION, &api))
		die_errno("GET_API_VERSION on a query handle of %s", device_path(exp, cpu));
	if (ioctl(fd, SCAP_IOCTL_GET_SCHEMA_VERSION, &schema))
		die_errno("GET_SCHEMA_VERSION on a query handle of %s", device_path(exp, cpu));
	if (ioctl(fd, SCAP_IOCTL_GET_DRIVER_VERSION, text))
		die_errno("GET_DRIVER_VERSION on a query handle of %s", device_path(exp, cpu));
	if (api != exp->api_code || schema != exp->schema_code)
		die("a query handle of %s says API 0x%016" PRIx64 " schema 0x%016" PRIx64
		    ", driver-src 0x%016" PRIx64 " 0x%016" PRIx64, device_path(exp, cpu), api,
		    schema, exp->api_code, exp->schema_code);
	if (!memchr(text, '\0', sizeof(text)) || strcmp(text, exp->api))
		die("GET_DRIVER_VERSION on a query handle of %s is \"%.*s\", not \"%s\"",
		    device_path(exp, cpu), (int)sizeof(text), text, exp->api);
}

static void expect_errno(int ret, int want, const char *what)
{
	if (ret != -1)
		die("%s on a query handle returned %d, want %s", what, ret, strerror(want));
	if (errno != want)
		die_errno("%s on a query handle: want %s, got", what, strerror(want));
}

static void expect_mmap_refused(int fd, size_t len, int prot, const char *what)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);

	if (p != MAP_FAILED) {
		munmap(p, len);
		die("mmap of the %s on a query handle succeeded", what);
	}
	if (errno != EACCES)
		die_errno("mmap of the %s on a query handle: want EACCES, got", what);
}

/* Nothing but the version ioctls answers a query handle. */
static void expect_refusals(int fd)
{
	long hits[MAX_RINGS];
	unsigned int nr;

	expect_errno(ioctl(fd, SCAP_IOCTL_ENABLE_CAPTURE), EBADF, "ENABLE_CAPTURE");
	expect_errno(ioctl(fd, SCAP_IOCTL_SET_SNAPLEN, 100), EBADF, "SET_SNAPLEN");
	expect_errno(ioctl(fd, SCAP_IOCTL_GET_N_TRACEPOINT_HIT, hits), EBADF,
		     "GET_N_TRACEPOINT_HIT");
	for (nr = 0; nr <= _IOC_NR(SCAP_IOCTL_GET_SCHEMA_VERSION); nr++) {
		if (nr == _IOC_NR(SCAP_IOCTL_GET_DRIVER_VERSION) ||
		    nr == _IOC_NR(SCAP_IOCTL_GET_API_VERSION) ||
		    nr == _IOC_NR(SCAP_IOCTL_GET_SCHEMA_VERSION))
			continue;
		if (ioctl(fd, _IO('s', nr), 0) != -1 || errno != EBADF)
			die_errno("_IO('s', %u) on a query handle: want EBADF, got", nr);
	}
	nr = _IOC_NR(SCAP_IOCTL_GET_SCHEMA_VERSION) + 1;
	expect_errno(ioctl(fd, _IO('s', nr), 0), ENOTTY, "the first number past libscap's");
	nr = _IOC_NR(SCAP_IOCTL_GET_API_VERSION);
	expect_errno(ioctl(fd, _IOR('s', nr, uint64_t), 0), ENOTTY, "GET_API_VERSION as _IOR");
	expect_mmap_refused(fd, SCAP_RING_DATA_MMAP_LEN, PROT_READ, "data area");
	expect_mmap_refused(fd, SCAP_RING_INFO_MMAP_LEN, PROT_READ | PROT_WRITE, "info page");
	expect_mmap_refused(fd, SCAP_RING_INFO_MMAP_LEN, PROT_READ, "info page (read-only)");
}

int main(void)
{
	int query[MAX_RINGS], more[MAX_RINGS];
	char param[64];
	long hits[MAX_RINGS], total = 0;
	pid_t a, b, c;
	struct expected exp;
	int n, cpu, fd, q, err, i;

	load_expected(&exp);
	n = possible_cpus();
	if (n > MAX_RINGS)
		die("%d CPUs, the test handles %d", n, MAX_RINGS);
	snprintf(param, sizeof(param), "max_consumers=%d", MAX_CONSUMERS);
	module_reload(&exp, param);

	/* No consumer yet: query handles attach no tracepoint. */
	for (cpu = 0; cpu < n; cpu++)
		query[cpu] = open_query(&exp, cpu, "with no consumer");
	for (i = 0; i < WORKLOAD; i++)
		syscall(SYS_getppid);
	fd = open(device_path(&exp, 0), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die_errno("the first consumer cannot open %s", device_path(&exp, 0));
	if (ioctl(fd, SCAP_IOCTL_GET_N_TRACEPOINT_HIT, hits))
		die_errno("GET_N_TRACEPOINT_HIT");
	for (cpu = 0; cpu < n; cpu++)
		total += hits[cpu];
	if (total >= WORKLOAD)
		die("the first consumer's GET_N_TRACEPOINT_HIT counts %ld hits: the tracepoints were attached while only query handles were open (%d syscalls)",
		    total, WORKLOAD);
	/* A consumer's own query handle of a device it consumes. */
	q = open_query(&exp, 0, "by a consumer of it");
	expect_versions(q, &exp, 0);
	close(q);
	close(fd);

	/* They take no slot: two consumers get in, a third does not. */
	a = must_start_consumer(&exp, n, "while query handles are open");
	b = must_start_consumer(&exp, n, "beside one consumer and query handles");
	if (consumer_start(&exp, n, &err) >= 0 || err != EBUSY)
		die("a third consumer beyond max_consumers=%d: want EBUSY, got %s", MAX_CONSUMERS,
		    strerror(err));

	/* Both slots taken: read-only opens still work and answer. */
	for (cpu = 0; cpu < n; cpu++) {
		more[cpu] = open_query(&exp, cpu, "while max_consumers consumers run");
		expect_versions(more[cpu], &exp, cpu);
		expect_versions(query[cpu], &exp, cpu);
	}
	expect_refusals(more[0]);

	/* A freed slot goes to the next consumer, not to a query handle. */
	consumer_stop(a);
	c = must_start_consumer(&exp, n, "in the slot one consumer left");
	consumer_stop(b);
	consumer_stop(c);
	for (cpu = 0; cpu < n; cpu++) {
		close(query[cpu]);
		close(more[cpu]);
	}

	/* Nothing is left holding the module. */
	module_reload(&exp, "");
	note("max_consumers=%d: O_RDONLY opens of %d devices answer API %s/schema %s with both slots taken, take no slot, attach no tracepoint (%ld hits after %d syscalls), refuse other ioctls (EBADF) and mmap (EACCES)",
	     MAX_CONSUMERS, n, exp.api, exp.schema, total, WORKLOAD);
	return 0;
}
