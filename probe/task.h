/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the clone and execve exits report about the current task: ids as
 * its own namespaces see them, memory counters, limits, tty, login uid.
 * Everything is read with CO-RE, so the layouts of the running kernel
 * apply; where a layout changed between 5.10 and 7.x both are handled.
 */
#ifndef SCAP_PROBE_TASK_H
#define SCAP_PROBE_TASK_H

#define SCAP_PF_KTHREAD		0x00200000
#define SCAP_RLIMIT_NOFILE	7
#define SCAP_PIDTYPE_PGID	2
#define SCAP_OVERFLOW_ID	65534	/* the kernel's default overflowuid/gid */
#define SCAP_CAP_DAC_OVERRIDE	1
#define SCAP_CAP_FOWNER		3
#define SCAP_S_IWGRP		00020
#define SCAP_S_IWOTH		00002

/* mm counters (enum in mm_types_task.h, stable since 4.5). */
#define SCAP_MM_FILEPAGES	0
#define SCAP_MM_ANONPAGES	1
#define SCAP_MM_SWAPENTS	2
#define SCAP_MM_SHMEMPAGES	3

/*
 * From 6.2 on the counters are percpu_counters ("mm: convert mm's rss stats
 * into percpu_counter"); before, struct mm_rss_stat's atomic_long_t count[4].
 */
struct mm_struct___pcpu {
	struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));

/*
 * Set by the loader: the address of the kernel's __per_cpu_offset array
 * (0 if /proc/kallsyms hides it) and the number of possible CPUs.
 */
const volatile __u64 scap_per_cpu_offset;
const volatile __u32 scap_nr_cpus;

#define SCAP_MAX_CPUS		256

/*
 * A percpu_counter's value with its CPUs' parts, as percpu_counter_sum()
 * computes it (offline CPUs' parts are 0: the kernel folds them in), or
 * its shared part alone where the per-CPU offsets are unknown.
 */
static __always_inline __s64 scap_percpu_counter_sum(struct percpu_counter *pc)
{
	__s64 v = BPF_CORE_READ(pc, count);
	__u8 *counters = (__u8 *)BPF_CORE_READ(pc, counters);
	__u32 cpu;

	if (!scap_per_cpu_offset || !counters)
		return v;
	for (cpu = 0; cpu < SCAP_MAX_CPUS && cpu < scap_nr_cpus; cpu++) {
		__u64 off = 0;
		__s32 part = 0;

		if (bpf_probe_read_kernel(&off, sizeof(off),
					  (void *)(scap_per_cpu_offset + cpu * sizeof(off))) ||
		    bpf_probe_read_kernel(&part, sizeof(part), counters + off))
			break;
		v += part;
	}
	return v;
}

/* Counter i of mm in pages (never negative). */
static __always_inline __u64 scap_mm_counter(struct mm_struct *mm, int i)
{
	__s64 v = 0;

	if (bpf_core_type_exists(struct mm_rss_stat)) {
		atomic_long_t *counts = (void *)mm + bpf_core_field_offset(mm->rss_stat);

		bpf_probe_read_kernel(&v, sizeof(v), &counts[i & 3]);
	} else {
		/*
		 * get_mm_counter() reads the shared part only, 0 for a small
		 * process: the sum, as the module reports it.
		 */
		struct mm_struct___pcpu *pmm = (void *)mm;
		struct percpu_counter *pc = (void *)pmm +
			bpf_core_field_offset(pmm->rss_stat) +
			(i & 3) * bpf_core_type_size(struct percpu_counter);

		v = scap_percpu_counter_sum(pc);
	}
	return v < 0 ? 0 : v;
}

struct scap_vm {
	__u32 size;	/* KiB */
	__u32 rss;
	__u32 swap;
};

static __always_inline void scap_task_vm(struct mm_struct *mm, struct scap_vm *vm)
{
	vm->size = 0;
	vm->rss = 0;
	vm->swap = 0;
	if (!mm)
		return;
	/* Pages of 4 KiB. */
	vm->size = BPF_CORE_READ(mm, total_vm) << 2;
	vm->rss = (scap_mm_counter(mm, SCAP_MM_FILEPAGES) +
		   scap_mm_counter(mm, SCAP_MM_ANONPAGES) +
		   scap_mm_counter(mm, SCAP_MM_SHMEMPAGES)) << 2;
	vm->swap = scap_mm_counter(mm, SCAP_MM_SWAPENTS) << 2;
}

/* The number of pid in the namespace at level, or 0 if it has none there. */
static __always_inline __s64 scap_pid_nr_at(struct pid *pid, __u32 level,
					    struct pid_namespace *ns)
{
	struct upid *up;

	if (!pid || BPF_CORE_READ(pid, level) < level)
		return 0;
	up = (void *)pid + bpf_core_field_offset(pid->numbers) +
	     (level & 31) * bpf_core_type_size(struct upid);
	if (BPF_CORE_READ(up, ns) != ns)
		return 0;
	return BPF_CORE_READ(up, nr);
}

/* The task's active pid namespace (that of its pid) and its level. */
static __always_inline struct pid_namespace *scap_task_pidns(struct task_struct *task,
							     __u32 *level)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	struct upid *up;

	*level = 0;
	if (!pid)
		return NULL;
	*level = BPF_CORE_READ(pid, level);
	up = (void *)pid + bpf_core_field_offset(pid->numbers) +
	     (*level & 31) * bpf_core_type_size(struct upid);
	return BPF_CORE_READ(up, ns);
}

/* The controlling tty's device (new encoding), 0 without one. */
static __always_inline __u32 scap_task_tty(struct task_struct *task)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	struct tty_driver *driver;
	__u32 major, minor;

	if (!tty)
		return 0;
	driver = BPF_CORE_READ(tty, driver);
	if (!driver)
		return 0;
	major = BPF_CORE_READ(driver, major);
	minor = BPF_CORE_READ(driver, minor_start) + BPF_CORE_READ(tty, index);
	return scap_encode_dev((major << SCAP_MINORBITS) + minor);
}

/* One extent of a uid/gid map, index i (0..4) of the inline ones. */
#define SCAP_MAP_EXTENT(map, i, id, out)					\
	do {									\
		__u32 lower = BPF_CORE_READ(map, extent[i].lower_first);	\
		__u32 count = BPF_CORE_READ(map, extent[i].count);		\
		if (nr > (i) && id - lower < count) {				\
			out = BPF_CORE_READ(map, extent[i].first) + (id - lower); \
			return out;						\
		}								\
	} while (0)

/*
 * A kernel uid or gid as the user namespace ns sees it, or unmapped.
 * The initial namespace (level 0) maps everything to itself; maps of more
 * than the 5 inline extents are not read (unmapped).
 */
static __always_inline __u32 scap_map_id(struct user_namespace *ns, bool gid,
					 __u32 id, __u32 unmapped)
{
	struct uid_gid_map *map;
	__u32 nr, out;

	if (!ns || BPF_CORE_READ(ns, level) == 0)
		return id;
	map = gid ? (void *)ns + bpf_core_field_offset(ns->gid_map) :
		    (void *)ns + bpf_core_field_offset(ns->uid_map);
	nr = BPF_CORE_READ(map, nr_extents);
	if (nr > 5)
		return unmapped;
	SCAP_MAP_EXTENT(map, 0, id, out);
	SCAP_MAP_EXTENT(map, 1, id, out);
	SCAP_MAP_EXTENT(map, 2, id, out);
	SCAP_MAP_EXTENT(map, 3, id, out);
	SCAP_MAP_EXTENT(map, 4, id, out);
	return unmapped;
}

/* The audit login uid in the task's user namespace, -1 when unset. */
static __always_inline __s32 scap_task_loginuid(struct task_struct *task)
{
	struct user_namespace *ns = BPF_CORE_READ(task, cred, user_ns);

	if (!bpf_core_field_exists(task->loginuid))
		return -1;
	return scap_map_id(ns, false, BPF_CORE_READ(task, loginuid.val), (__u32)-1);
}

/*
 * Whether the task may write its executable: the owner, root's
 * CAP_DAC_OVERRIDE or CAP_FOWNER, or the mode's group or other write
 * bit (ACLs and read-only mounts aside).
 */
static __always_inline bool scap_exe_writable(struct task_struct *task,
					      struct mm_struct *mm)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct inode *inode;
	__u32 caps = 0;
	__u32 fsuid, uid;
	__u16 mode;

	if (!mm)
		return false;
	inode = BPF_CORE_READ(mm, exe_file, f_inode);
	if (!inode)
		return false;
	/* kernel_cap_t's first 32 bits, in either of its layouts (6.3 changed it). */
	bpf_probe_read_kernel(&caps, sizeof(caps),
			      (void *)cred + bpf_core_field_offset(cred->cap_effective));
	if (caps & ((1U << SCAP_CAP_DAC_OVERRIDE) | (1U << SCAP_CAP_FOWNER)))
		return true;
	fsuid = BPF_CORE_READ(cred, fsuid.val);
	uid = BPF_CORE_READ(inode, i_uid.val);
	mode = BPF_CORE_READ(inode, i_mode);
	if (fsuid == uid || (mode & SCAP_S_IWOTH))
		return true;
	return (mode & SCAP_S_IWGRP) &&
	       BPF_CORE_READ(cred, fsgid.val) == BPF_CORE_READ(inode, i_gid.val);
}

#endif /* SCAP_PROBE_TASK_H */
