// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * GET_API_VERSION (24) and GET_SCHEMA_VERSION (25) write driver-src's
 * packed versions through their argument, on every device.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "scap_test.h"

static void check(int fd, const char *dev, unsigned long cmd, const char *what, uint64_t want)
{
	uint64_t have = ~0ULL;
	int ret = ioctl(fd, cmd, &have);

	if (ret != 0)
		die_errno("%s: ioctl %s returned %d", dev, what, ret);
	if (have != want)
		die("%s: %s is 0x%016" PRIx64 ", driver-src says 0x%016" PRIx64, dev, what, have,
		    want);
}

int main(void)
{
	struct expected exp;
	int cpu, n;

	load_expected(&exp);
	n = possible_cpus();
	for (cpu = 0; cpu < n; cpu++) {
		const char *dev = device_path(&exp, cpu);
		int fd = open(dev, O_RDWR | O_SYNC);

		if (fd < 0)
			die_errno("cannot open %s", dev);
		check(fd, dev, SCAP_IOCTL_GET_API_VERSION, "GET_API_VERSION", exp.api_code);
		check(fd, dev, SCAP_IOCTL_GET_SCHEMA_VERSION, "GET_SCHEMA_VERSION",
		      exp.schema_code);
		close(fd);
	}
	note("%d devices report API %s (0x%016" PRIx64 ") and schema %s (0x%016" PRIx64 ")", n,
	     exp.api, exp.api_code, exp.schema, exp.schema_code);
	return 0;
}
