// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * rmmod is refused while a device is open, and while a ring is still
 * mapped after close (the mapping holds the file); it succeeds once both
 * are gone, and the module loads again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scap_test.h"

static void expect_refused(const struct expected *exp, const char *while_what)
{
	if (module_unload(exp->module) == 0)
		die("rmmod succeeded %s", while_what);
	if (errno != EBUSY && errno != EAGAIN)
		die_errno("rmmod %s failed, but not with EBUSY/EAGAIN", while_what);
	if (!module_loaded(exp->module))
		die("rmmod failed %s, yet the module is gone", while_what);
}

int main(void)
{
	struct expected exp;
	uint64_t version = 0;
	struct ring ring;
	int fd;

	load_expected(&exp);
	fd = open(device_path(&exp, 0), O_RDWR | O_SYNC);
	if (fd < 0)
		die_errno("cannot open %s", device_path(&exp, 0));
	expect_refused(&exp, "while a device is open");
	if (ioctl(fd, SCAP_IOCTL_GET_API_VERSION, &version) || version != exp.api_code)
		die("the open device no longer answers after the refused rmmod");
	close(fd);

	if (ring_open(&ring, &exp, 0))
		die_errno("cannot open and map %s", device_path(&exp, 0));
	close(ring.fd);
	expect_refused(&exp, "while a ring is mapped after close");
	if (ring.info->head >= SCAP_RING_BUF_SIZE)
		die("the info page reads garbage after the refused rmmod");
	munmap((void *)ring.data, SCAP_RING_DATA_MMAP_LEN);
	munmap(ring.info, sizeof(*ring.info));

	if (module_unload(exp.module))
		die_errno("rmmod after close and munmap");
	if (module_loaded(exp.module))
		die("rmmod succeeded but /sys/module/%s remains", exp.module);
	if (module_load(exp.ko, ""))
		die_errno("insmod %s after rmmod", exp.ko);
	note("rmmod refused while open and while mapped, then succeeded; reload works");
	return 0;
}
