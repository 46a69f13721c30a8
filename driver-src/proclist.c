// SPDX-License-Identifier: GPL-2.0-only
/*
 * GET_PROCLIST: every thread's pid and CPU times (in clock ticks), which
 * consumers poll to account CPU use. When max_entries is too small the
 * driver sets n_entries to the number needed and fails with ENOSPC.
 */
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "scap.h"

static u64 scap_ns_to_ticks(u64 ns)
{
	return div_u64(ns, NSEC_PER_SEC / USER_HZ);
}

long scap_get_proclist(struct scap_proclist_info __user *arg)
{
	struct scap_proclist_info head, *list;
	struct task_struct *p, *t;
	s64 n = 0;
	long err = 0;
	u64 utime, stime;

	if (copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.max_entries < 0 || head.max_entries > SCAP_PROCLIST_MAX_ENTRIES)
		return -EINVAL;

	list = vmalloc(struct_size(list, entries, head.max_entries));
	if (!list)
		return -ENOMEM;

	rcu_read_lock();
	for_each_process_thread(p, t) {
		if (n < head.max_entries) {
			task_cputime_adjusted(t, &utime, &stime);
			list->entries[n].pid = t->pid;
			list->entries[n].utime = scap_ns_to_ticks(utime);
			list->entries[n].stime = scap_ns_to_ticks(stime);
		}
		n++;
	}
	rcu_read_unlock();

	list->n_entries = n;
	list->max_entries = head.max_entries;
	if (n > head.max_entries) {
		if (copy_to_user(arg, list, sizeof(*list)))
			err = -EFAULT;
		else
			err = -ENOSPC;
	} else if (copy_to_user(arg, list, struct_size(list, entries, n))) {
		err = -EFAULT;
	}
	vfree(list);
	return err;
}
