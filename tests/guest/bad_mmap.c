// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The device maps exactly two things at offset 0: the info page (one page
 * or less, read-write) and the data ring (2 * RING_BUF_SIZE, read-only).
 * Other lengths, offsets and a writable data mapping are refused; the
 * device still maps correctly afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scap_test.h"

#define RANDOM_TRIES	2000

static long page;
static int refused;

static void expect_refused(int fd, size_t len, int prot, off_t off)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p != MAP_FAILED)
		die("mmap(len %zu, prot %s, offset %lld) succeeded, want an error", len,
		    prot & PROT_WRITE ? "rw" : "r", (long long)off);
	refused++;
}

static size_t page_round(size_t len)
{
	return (len + page - 1) / page * page;
}

int main(void)
{
	const size_t data_len = SCAP_RING_DATA_MMAP_LEN;
	size_t bad_lens[7];
	struct expected exp;
	struct ring ring;
	uint32_t tail;
	size_t i;
	int fd;

	page = sysconf(_SC_PAGESIZE);
	bad_lens[0] = 2 * page;
	bad_lens[1] = SCAP_RING_BUF_SIZE;
	bad_lens[2] = SCAP_RING_BUF_SIZE + page;
	bad_lens[3] = data_len - 2 * page;
	bad_lens[4] = data_len + page;
	bad_lens[5] = 2 * data_len;
	bad_lens[6] = (size_t)1 << 30;
	load_expected(&exp);
	rnd_seed(now_ns());
	fd = open(device_path(&exp, 0), O_RDWR | O_SYNC);
	if (fd < 0)
		die_errno("cannot open %s", device_path(&exp, 0));

	expect_refused(fd, data_len, PROT_READ | PROT_WRITE, 0);
	expect_refused(fd, data_len, PROT_READ, page);
	expect_refused(fd, data_len, PROT_READ, SCAP_RING_BUF_SIZE);
	expect_refused(fd, sizeof(struct scap_ring_info), PROT_READ | PROT_WRITE, page);
	expect_refused(fd, sizeof(struct scap_ring_info), PROT_READ | PROT_WRITE, 1L << 40);
	for (i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++)
		expect_refused(fd, bad_lens[i], PROT_READ, 0);
	for (i = 0; i < RANDOM_TRIES; i++) {
		size_t len = page + 1 + rnd() % (2 * data_len);

		if (page_round(len) == data_len)
			continue;
		expect_refused(fd, len, rnd() % 2 ? PROT_READ : PROT_READ | PROT_WRITE, 0);
		expect_refused(fd, rnd() % 2 ? data_len : (size_t)page, PROT_READ,
			       (off_t)page * (1 + rnd() % 4096));
	}
	close(fd);

	if (ring_open(&ring, &exp, 0))
		die_errno("after the refused mmaps, mapping %s fails", device_path(&exp, 0));
	ring_readable(&ring, &tail);
	ring_close(&ring);
	note("%d bad mmaps refused; the device maps correctly afterwards", refused);
	return 0;
}
