// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * GET_PROCLIST: a buffer too small gives ENOSPC with the number of entries
 * needed; a large enough one lists the processes, this one and init too.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "scap_test.h"

static struct scap_proclist_info *alloc_list(int64_t entries)
{
	struct scap_proclist_info *list =
		calloc(1, sizeof(*list) + entries * sizeof(struct scap_proc_info));

	if (!list)
		die("out of memory");
	list->max_entries = entries;
	return list;
}

int main(void)
{
	struct scap_proclist_info *list;
	struct expected exp;
	int fd, self = 0, init = 0;
	int64_t needed, i;

	load_expected(&exp);
	fd = open(device_path(&exp, 0), O_RDWR | O_SYNC);
	if (fd < 0)
		die_errno("cannot open %s", device_path(&exp, 0));

	list = alloc_list(1);
	if (ioctl(fd, SCAP_IOCTL_GET_PROCLIST, list) == 0)
		die("GET_PROCLIST with room for 1 entry succeeded (n_entries %lld)",
		    (long long)list->n_entries);
	if (errno != ENOSPC)
		die_errno("GET_PROCLIST with room for 1 entry: want ENOSPC");
	needed = list->n_entries;
	if (needed <= 1)
		die("ENOSPC but n_entries is %" PRId64 ", want the number needed (> 1)", needed);
	free(list);

	list = alloc_list(needed + 256);
	if (ioctl(fd, SCAP_IOCTL_GET_PROCLIST, list))
		die_errno("GET_PROCLIST with room for %" PRId64 " entries", needed + 256);
	if (list->n_entries <= 1 || list->n_entries > list->max_entries)
		die("GET_PROCLIST gave %lld entries for %lld slots", (long long)list->n_entries,
		    (long long)list->max_entries);
	for (i = 0; i < list->n_entries; i++) {
		self |= list->entries[i].pid == (uint64_t)getpid();
		init |= list->entries[i].pid == 1;
	}
	if (!self || !init)
		die("the %lld entries lack%s%s", (long long)list->n_entries, self ? "" : " this process",
		    init ? "" : " pid 1");
	note("ENOSPC for 1 slot (needs %" PRId64 "); %lld processes listed, self and init among them",
	     needed, (long long)list->n_entries);
	close(fd);
	return 0;
}
