/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroups parameter of the clone and execve exits: for each cgroup
 * controller compiled into the running kernel, in its id order (that of
 * linux/cgroup_subsys.h), "<name>=<path>" and a NUL, where path is the
 * task's cgroup of that controller from the hierarchy's root. The names
 * and the number of controllers come from the running kernel (the css's
 * subsystem, the CGROUP_SUBSYS_COUNT enumerator), so controllers added
 * after 6.1 (dmem in 6.14) are reported too. At most a page: the
 * controller that would not fit ends the list, as in the module.
 */
#ifndef SCAP_PROBE_CGROUPS_H
#define SCAP_PROBE_CGROUPS_H

#define SCAP_CGROUP_MAX_SUBSYS	24	/* 15 in 7.x with every option */
#define SCAP_CGROUP_MAX_DEPTH	16	/* deeper paths lose their top levels */
#define SCAP_CGROUP_NAME_MAX	256	/* a kernfs name (NAME_MAX) and its NUL */

/* From 6.15 on a kernfs_node's parent is the RCU pointer __parent. */
struct kernfs_node___new {
	struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *scap_kn_parent(struct kernfs_node *kn)
{
	struct kernfs_node___new *kn_new = (void *)kn;

	if (bpf_core_field_exists(kn_new->__parent))
		return BPF_CORE_READ(kn_new, __parent);
	return BPF_CORE_READ(kn, parent);
}

/*
 * A cgroup's ancestors, leaf first: a map rather than the stack, whose
 * variable-offset reads 5.10's verifier refuses. Only the sys_exit program
 * uses it, and the kernel runs one instance of a program per CPU at a time
 * (a preempted one makes it skip the program on that CPU), so no other run
 * writes it meanwhile.
 */
struct scap_cgroup_walk {
	struct kernfs_node *kn[SCAP_CGROUP_MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scap_cgroup_walk);
} scap_cgroup_scratch SEC(".maps");

/*
 * Appends "<name>=<path>\0" of one controller at area[*at]; false (and
 * *at unchanged) if it does not fit in SCAP_AREA_MAX bytes or cannot be
 * read. area has SCAP_AREA_MAX + SCAP_CGROUP_NAME_MAX bytes of room.
 */
static __always_inline bool scap_cgroup_append(__u8 *area, __u32 *at,
					       struct cgroup_subsys_state *css,
					       struct scap_cgroup_walk *walk)
{
	struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
	const char *name = BPF_CORE_READ(css, ss, name);
	__u32 pos = *at;
	int depth = 0;
	long n;
	int i;

	if (!kn || !name)
		return false;
	n = bpf_probe_read_kernel_str(area + (pos & (SCAP_AREA_MAX - 1)), 64, name);
	if (n <= 1)
		return false;
	pos += n - 1;
	area[pos & (SCAP_AREA_MAX - 1)] = '=';
	pos++;
	for (i = 0; i < SCAP_CGROUP_MAX_DEPTH; i++) {
		struct kernfs_node *parent = scap_kn_parent(kn);

		if (!parent)
			break;
		walk->kn[i] = kn;
		kn = parent;
		depth++;
	}
	/* The root is "/", any other cgroup "/a/b". */
	if (!depth) {
		area[pos & (SCAP_AREA_MAX - 1)] = '/';
		pos++;
	}
	for (i = SCAP_CGROUP_MAX_DEPTH - 1; i >= 0; i--) {
		if (i >= depth)
			continue;
		if (pos >= SCAP_AREA_MAX)
			return false;
		area[pos & (SCAP_AREA_MAX - 1)] = '/';
		pos++;
		kn = walk->kn[i & (SCAP_CGROUP_MAX_DEPTH - 1)];
		n = bpf_probe_read_kernel_str(area + (pos & (SCAP_AREA_MAX - 1)),
					      SCAP_CGROUP_NAME_MAX, BPF_CORE_READ(kn, name));
		if (n <= 0)
			return false;
		pos += n - 1;
	}
	if (pos >= SCAP_AREA_MAX)
		return false;
	area[pos & (SCAP_AREA_MAX - 1)] = 0;
	*at = pos + 1;
	return true;
}

/* The task's cgroups as one BYTEBUF parameter. */
static __always_inline void probe_evt_cgroups(struct probe_evt *e, struct task_struct *task)
{
	struct cgroup_subsys_state **subsys;
	struct scap_cgroup_walk *walk;
	__u32 zero = 0, at = 0;
	struct css_set *cset;
	int count;
	int i;

	if (!probe_evt_fits(e, SCAP_AREA_MAX + SCAP_CGROUP_NAME_MAX))
		return;
	walk = bpf_map_lookup_elem(&scap_cgroup_scratch, &zero);
	cset = BPF_CORE_READ(task, cgroups);
	count = bpf_core_enum_value(enum cgroup_subsys_id, CGROUP_SUBSYS_COUNT);
	if (walk && cset) {
		subsys = (void *)cset + bpf_core_field_offset(cset->subsys);
		for (i = 0; i < SCAP_CGROUP_MAX_SUBSYS && i < count; i++) {
			struct cgroup_subsys_state *css = NULL;

			bpf_probe_read_kernel(&css, sizeof(css), &subsys[i]);
			/* The module stops at a controller it cannot read, too. */
			if (!css || !scap_cgroup_append(e->buf + e->off, &at, css, walk))
				break;
		}
	}
	probe_evt_param_len(e, at);
}

#endif /* SCAP_PROBE_CGROUPS_H */
