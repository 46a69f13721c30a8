// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the process events say about the current task: its argument and
 * environment strings, cgroups, controlling tty, login uid, and whether
 * its executable is writable. Probes run with preemption disabled: user
 * memory is read without faulting pages in, and only spinlocks and RCU
 * are taken.
 */
#include <linux/audit.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/version.h>

#include "scap.h"

/*
 * The current mm's argument (or environment) area into buf, which has room
 * bytes: at most SCAP_ARGS_MAX bytes, the last one forced to NUL. Returns
 * the length, 0 for no area or an unreadable one, -ENOSPC if the ring lacks
 * the room.
 */
static int scap_mm_strings(u8 *buf, u32 room, bool env)
{
	struct mm_struct *mm = current->mm;
	unsigned long start, end;
	u32 len;

	if (!mm)
		return 0;
	/* prctl(PR_SET_MM) moves the areas under arg_lock. */
	spin_lock(&mm->arg_lock);
	start = env ? mm->env_start : mm->arg_start;
	end = env ? mm->env_end : mm->arg_end;
	spin_unlock(&mm->arg_lock);
	if (end <= start)
		return 0;
	len = min_t(unsigned long, end - start, SCAP_ARGS_MAX);
	if (len > room)
		return -ENOSPC;
	if (copy_from_user_nofault(buf, (const void __user *)start, len))
		return 0;
	buf[len - 1] = '\0';
	return len;
}

/*
 * The strings of a NULL-terminated user array (a failed exec's argv or
 * envp) back to back with their NULs into buf. Returns the length; 0 for a
 * NULL array, an unreadable one or one longer than SCAP_ARGS_MAX (the
 * schema's page holds none of it); -ENOSPC if the ring lacks the room.
 */
static int scap_user_strings(u8 *buf, u32 room, const char __user *const __user *v)
{
	u32 cap = min_t(u32, room, SCAP_ARGS_MAX);
	const char __user *str;
	u32 len = 0;
	long n;

	if (!v)
		return 0;
	for (;; v++) {
		if (copy_from_user_nofault(&str, v, sizeof(str)))
			return 0;
		if (!str)
			return len;
		if (len == cap)
			break;
		pagefault_disable();
		n = strncpy_from_user(buf + len, str, cap - len);
		pagefault_enable();
		if (n < 0)
			return 0;
		if (n == cap - len)
			break;		/* no NUL in what is left */
		len += n + 1;
	}
	return cap < SCAP_ARGS_MAX ? -ENOSPC : 0;
}

/*
 * exe and args, two values back to back: exe is the first argument string
 * (argv[0], not the binary's path), args the others, NUL-separated. They
 * come from the mm's argument area, or from argv (a failed exec). With
 * nothing read, exe is "" and args empty.
 */
void scap_evt_exe_args(struct scap_evt *evt, bool from_mm,
		       const char __user *const __user *argv)
{
	u32 room, exe_len;
	u8 *buf;
	int len;

	buf = scap_evt_space(evt, SCAP_ARGS_MAX, &room);
	if (!buf)
		return;
	len = from_mm ? scap_mm_strings(buf, room, false) : scap_user_strings(buf, room, argv);
	if (len < 0) {
		scap_evt_fail(evt, len);
		return;
	}
	if (!len) {
		if (!room) {
			scap_evt_fail(evt, -ENOSPC);
			return;
		}
		buf[0] = '\0';
		len = 1;
	}
	/* The area ends with a NUL: exe_len <= len. */
	exe_len = strnlen(buf, len) + 1;
	scap_evt_put(evt, exe_len);
	scap_evt_put(evt, len - exe_len);
}

/* env: the environment strings, from the mm or envp (a failed exec). */
void scap_evt_env(struct scap_evt *evt, bool from_mm,
		  const char __user *const __user *envp)
{
	u32 room;
	u8 *buf;
	int len;

	buf = scap_evt_space(evt, SCAP_ARGS_MAX, &room);
	if (!buf)
		return;
	len = from_mm ? scap_mm_strings(buf, room, true) : scap_user_strings(buf, room, envp);
	if (len < 0) {
		scap_evt_fail(evt, len);
		return;
	}
	scap_evt_put(evt, len);
}

#ifdef CONFIG_CGROUPS
/* The controllers compiled in, by id (the order of linux/cgroup_subsys.h). */
static const char *const scap_cgroup_subsys[] = {
#define SUBSYS(_x) [_x ## _cgrp_id] = #_x,
#include <linux/cgroup_subsys.h>
#undef SUBSYS
};

/*
 * Appends "<controller>=<path of the task's cgroup>" and its NUL at
 * buf + *used; false if it does not fit in room bytes.
 */
static bool scap_cgroup_append(char *buf, u32 room, u32 *used, int id)
{
	const char *name = scap_cgroup_subsys[id];
	u32 name_len = strlen(name);
	char *entry = buf + *used;
	u32 left = room - *used;
	int len;

	if (name_len + 2 >= left)
		return false;
	memcpy(entry, name, name_len);
	entry[name_len] = '=';
	left -= name_len + 1;
	/* A path cut to fit (or -E2BIG since 6.9) is longer than left. */
	len = cgroup_path(task_css(current, id)->cgroup, entry + name_len + 1, left);
	if (len < 0 || len >= left)
		return false;
	*used += name_len + 1 + len + 1;
	return true;
}
#endif

/*
 * cgroups: one NUL-terminated "<controller>=<path>" per controller compiled
 * into the kernel, within SCAP_ARGS_MAX bytes: the list stops at the first
 * that does not fit.
 */
void scap_evt_cgroups(struct scap_evt *evt)
{
	u32 room, used = 0;
	u8 *buf;

	buf = scap_evt_space(evt, SCAP_ARGS_MAX, &room);
	if (!buf)
		return;
#ifdef CONFIG_CGROUPS
	{
		int id;

		/* task_css() is RCU-protected; cgroup_path() takes a spinlock. */
		rcu_read_lock();
		for (id = 0; id < CGROUP_SUBSYS_COUNT; id++)
			if (!scap_cgroup_append(buf, room, &used, id))
				break;
		rcu_read_unlock();
		if (id < CGROUP_SUBSYS_COUNT && room < SCAP_ARGS_MAX) {
			scap_evt_fail(evt, -ENOSPC);
			return;
		}
	}
#endif
	scap_evt_put(evt, used);
}

/* The controlling tty's device number (new_encode_dev), 0 without one. */
u32 scap_task_tty(void)
{
	struct tty_struct *tty;
	unsigned long flags;
	u32 dev = 0;

	/* signal->tty is set and cleared under siglock, which pins it. */
	spin_lock_irqsave(&current->sighand->siglock, flags);
	tty = current->signal->tty;
	if (tty)
		dev = new_encode_dev(MKDEV(tty->driver->major,
					   tty->driver->minor_start + tty->index));
	spin_unlock_irqrestore(&current->sighand->siglock, flags);
	return dev;
}

/* The audit login uid in the task's user namespace; -1 when unset. */
u32 scap_task_loginuid(void)
{
	return from_kuid(current_user_ns(), audit_get_loginuid(current));
}

/* Whether the task may write the file, or owns it (or could chown it). */
static bool scap_file_writable(struct file *file)
{
	struct inode *inode = file_inode(file);
	/* MAY_NOT_BLOCK: fail rather than sleep, as in an RCU path walk. */
	int mask = MAY_WRITE | MAY_NOT_BLOCK;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	/* 6.3, "fs: port ->permission() to pass mnt_idmap" */
	struct mnt_idmap *idmap = file_mnt_idmap(file);

	return !inode_permission(idmap, inode, mask) || inode_owner_or_capable(idmap, inode);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 12, 0)
	/* 5.12, "namei: make permission helpers idmapped mount aware" */
	struct user_namespace *userns = file_mnt_user_ns(file);

	return !inode_permission(userns, inode, mask) || inode_owner_or_capable(userns, inode);
#else
	return !inode_permission(inode, mask) || inode_owner_or_capable(inode);
#endif
}

/* Whether the task's executable is writable by it (exec's PPM_EXE_WRITABLE). */
bool scap_task_exe_writable(void)
{
	struct mm_struct *mm = current->mm;
	struct file *file;
	bool writable = false;

	if (!mm)
		return false;
	/*
	 * Without a reference (get_mm_exe_file() is not exported): under RCU
	 * the file, its mount and its inode stay allocated.
	 */
	rcu_read_lock();
	file = rcu_dereference(mm->exe_file);
	if (file)
		writable = scap_file_writable(file);
	rcu_read_unlock();
	return writable;
}
