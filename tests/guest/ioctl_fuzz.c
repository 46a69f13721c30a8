// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * 100,000 random _IO('s', n) ioctls with random arguments on a consumer's
 * devices and on read-only (query) handles of them. Numbers beyond
 * libscap's last (GET_SCHEMA_VERSION, 25) and bad pointers for the ioctls
 * that write through them get errors; on a query handle every number but
 * the version ioctls' (21, 24, 25) fails, with EBADF up to 25 and ENOTTY
 * past it; nothing may oops or WARN (the runner checks dmesg after every test). The seed is
 * printed; SCAP_FUZZ_SEED on the host (or argv[1]) replays a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ioctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scap_test.h"

#define CALLS		100000
#define MAX_RINGS	64
#define BUF_LEN		(64 * 1024)

/*
 * libscap's API 1 numbers its ioctls 0..25; a driver may implement any of
 * them (the ABI header names those sysdig needs), none beyond.
 */
static int is_known(unsigned int nr)
{
	return nr <= _IOC_NR(SCAP_IOCTL_GET_SCHEMA_VERSION);
}

/* The only numbers a query handle answers. */
static int is_version_ioctl(unsigned int nr)
{
	return nr == _IOC_NR(SCAP_IOCTL_GET_DRIVER_VERSION) ||
	       nr == _IOC_NR(SCAP_IOCTL_GET_API_VERSION) ||
	       nr == _IOC_NR(SCAP_IOCTL_GET_SCHEMA_VERSION);
}

/* Numbers that write through their argument: a bad pointer must fail. */
static int writes_through_arg(unsigned int nr)
{
	return nr == _IOC_NR(SCAP_IOCTL_GET_PROCLIST) ||
	       nr == _IOC_NR(SCAP_IOCTL_GET_API_VERSION) ||
	       nr == _IOC_NR(SCAP_IOCTL_GET_SCHEMA_VERSION);
}

enum arg_kind { ARG_VALID, ARG_SMALL, ARG_RANDOM, ARG_NULL, ARG_UNMAPPED, ARG_READONLY,
		ARG_KERNEL, ARG_BUF_END, ARG_KINDS };

struct arena {
	uint8_t *buf;		/* BUF_LEN bytes, then a PROT_NONE guard page */
	uint8_t *readonly;
	uint8_t *unmapped;
};

static void make_arena(struct arena *a)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *area = mmap(NULL, BUF_LEN + 3 * page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (area == MAP_FAILED)
		die_errno("mmap arena");
	a->buf = area;
	if (mprotect(area + BUF_LEN, page, PROT_NONE))
		die_errno("mprotect guard");
	a->readonly = area + BUF_LEN + page;
	if (mprotect(a->readonly, page, PROT_READ))
		die_errno("mprotect readonly");
	a->unmapped = area + BUF_LEN + 2 * page;
	if (munmap(a->unmapped, page))
		die_errno("munmap");
}

static unsigned long pick_arg(const struct arena *a, enum arg_kind kind)
{
	size_t i;

	switch (kind) {
	case ARG_VALID:
		for (i = 0; i < 64; i += 8) {
			uint64_t r = rnd();

			memcpy(a->buf + i, &r, 8);
		}
		return (unsigned long)a->buf;
	case ARG_SMALL:
		return rnd() % 1024;
	case ARG_RANDOM:
		return rnd();
	case ARG_NULL:
		return 0;
	case ARG_UNMAPPED:
		return (unsigned long)a->unmapped;
	case ARG_READONLY:
		return (unsigned long)a->readonly;
	case ARG_KERNEL:
		return 0xffffffff81000000UL + (rnd() % 0x1000000);
	case ARG_BUF_END:
		return (unsigned long)(a->buf + BUF_LEN - 1 - rnd() % 16);
	default:
		return 0;
	}
}

static int is_bad_pointer(enum arg_kind kind)
{
	return kind == ARG_NULL || kind == ARG_UNMAPPED || kind == ARG_READONLY ||
	       kind == ARG_KERNEL;
}

int main(int argc, char **argv)
{
	struct ring rings[MAX_RINGS];
	int query[MAX_RINGS];
	unsigned long errors = 0, ok = 0, einval = 0, enotty = 0, efault = 0, ebadf = 0;
	struct expected exp;
	struct arena arena;
	uint64_t seed, version = 0;
	int n, cpu;
	long i;

	load_expected(&exp);
	if (argc > 1)
		seed = strtoull(argv[1], NULL, 0);
	else if (exp.fuzz_seed[0])
		seed = strtoull(exp.fuzz_seed, NULL, 0);
	else
		seed = now_ns();
	rnd_seed(seed);
	note("seed %" PRIu64, seed);
	n = possible_cpus();
	if (n > MAX_RINGS)
		die("%d CPUs, the test handles %d", n, MAX_RINGS);
	for (cpu = 0; cpu < n; cpu++) {
		if (ring_open(&rings[cpu], &exp, cpu))
			die_errno("cannot open and map %s", device_path(&exp, cpu));
		query[cpu] = open(device_path(&exp, cpu), O_RDONLY);
		if (query[cpu] < 0)
			die_errno("cannot open %s read-only", device_path(&exp, cpu));
	}
	make_arena(&arena);
	for (i = 0; i < CALLS; i++) {
		unsigned int nr = rnd() % 256;
		enum arg_kind kind = rnd() % ARG_KINDS;
		int pick = rnd() % (2 * n);
		int is_query = pick >= n;
		int fd = is_query ? query[pick - n] : rings[pick].fd;
		unsigned long arg = pick_arg(&arena, kind);
		int ret = ioctl(fd, _IO('s', nr), arg);
		int err = errno;

		if (ret < 0) {
			errors++;
			einval += err == EINVAL;
			enotty += err == ENOTTY;
			efault += err == EFAULT;
			ebadf += err == EBADF;
		} else {
			ok++;
		}
		if (is_query && !is_version_ioctl(nr) &&
		    (ret >= 0 || err != (is_known(nr) ? EBADF : ENOTTY)))
			die("call %ld (seed %" PRIu64 "): _IO('s', %u) on a query handle returned %d (%s), want %s",
			    i, seed, nr, ret, ret < 0 ? strerror(err) : "no error",
			    is_known(nr) ? "EBADF" : "ENOTTY");
		if (!is_known(nr) && ret >= 0)
			die("call %ld (seed %" PRIu64 "): unknown ioctl _IO('s', %u) returned %d", i,
			    seed, nr, ret);
		if (writes_through_arg(nr) && is_bad_pointer(kind) && ret >= 0)
			die("call %ld (seed %" PRIu64 "): _IO('s', %u) with bad pointer 0x%lx returned %d",
			    i, seed, nr, arg, ret);
	}
	for (cpu = 0; cpu < n; cpu++) {
		if (ioctl(rings[cpu].fd, SCAP_IOCTL_GET_API_VERSION, &version) ||
		    version != exp.api_code)
			die("%s no longer reports its API version after the fuzzing",
			    device_path(&exp, cpu));
		version = 0;
		if (ioctl(query[cpu], SCAP_IOCTL_GET_API_VERSION, &version) ||
		    version != exp.api_code)
			die("a query handle of %s no longer reports its API version after the fuzzing",
			    device_path(&exp, cpu));
		ring_close(&rings[cpu]);
		close(query[cpu]);
	}
	note("%d random _IO('s', n) ioctls on consumer and query handles (seed %" PRIu64 "): %lu succeeded, %lu errors (%lu ENOTTY, %lu EINVAL, %lu EFAULT, %lu EBADF)",
	     CALLS, seed, ok, errors, enotty, einval, efault, ebadf);
	return 0;
}
