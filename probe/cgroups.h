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
 * Scratch memory of the clone and execve exits. A map rather than the
 * stack: 5.10's verifier refuses variable-offset stack reads. And a value
 * stored here and read back is unknown to the verifier, which lets it
 * merge the paths that differ only in that value (a length): without it,
 * each way out of a loop would be a path of its own through the rest of
 * the program. Only the sys_exit program uses it, and the kernel runs one
 * instance of a program per CPU at a time (a preempted one makes it skip
 * the program on that CPU), so no other run writes it meanwhile.
 */
struct scap_scratch {
	struct kernfs_node *kn[SCAP_CGROUP_MAX_DEPTH];	/* leaf first */
	__u64 forget;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scap_scratch);
} scap_scratch_map SEC(".maps");

/* v, of which the verifier then knows nothing (see struct scap_scratch). */
static __always_inline __u64 scap_forget(struct scap_scratch *s, __u64 v)
{
	s->forget = v;
	return *(volatile __u64 *)&s->forget;
}

/*
 * Appends "<name>=<path>\0" of one controller at area[at]; returns the
 * new length, or 0 if it does not fit in SCAP_AREA_MAX bytes or cannot be
 * read. area has SCAP_AREA_MAX + SCAP_CGROUP_NAME_MAX bytes of room.
 */
static __always_inline __u32 scap_cgroup_append(__u8 *area, __u32 at,
						struct cgroup_subsys_state *css,
						struct scap_scratch *s)
{
	struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
	const char *name = BPF_CORE_READ(css, ss, name);
	__u32 pos = at;
	int depth = 0;
	long n;
	int i;

	if (!kn || !name)
		return 0;
	n = bpf_probe_read_kernel_str(area + (pos & (SCAP_AREA_MAX - 1)), 64, name);
	if (n <= 1)
		return 0;
	pos += n - 1;
	area[pos & (SCAP_AREA_MAX - 1)] = '=';
	pos++;
	for (i = 0; i < SCAP_CGROUP_MAX_DEPTH; i++) {
		struct kernfs_node *parent = scap_kn_parent(kn);

		if (!parent)
			break;
		s->kn[i] = kn;
		kn = parent;
		depth++;
	}
	depth = scap_forget(s, depth);
	if (depth > SCAP_CGROUP_MAX_DEPTH)
		return 0;
	/* The root is "/", any other cgroup "/a/b". */
	if (!depth) {
		area[pos & (SCAP_AREA_MAX - 1)] = '/';
		pos++;
	}
	/* Root first: the loop may only leave early, or paths multiply. */
	for (i = 0; i < SCAP_CGROUP_MAX_DEPTH; i++) {
		if (i >= depth || pos >= SCAP_AREA_MAX)
			break;
		area[pos & (SCAP_AREA_MAX - 1)] = '/';
		pos++;
		kn = s->kn[(depth - 1 - i) & (SCAP_CGROUP_MAX_DEPTH - 1)];
		n = bpf_probe_read_kernel_str(area + (pos & (SCAP_AREA_MAX - 1)),
					      SCAP_CGROUP_NAME_MAX, BPF_CORE_READ(kn, name));
		if (n <= 0)
			return 0;
		pos += n - 1;
	}
	if (pos >= SCAP_AREA_MAX)
		return 0;
	area[pos & (SCAP_AREA_MAX - 1)] = 0;
	return pos + 1;
}

/* The task's cgroups as one BYTEBUF parameter of a SCAP_RECORD_PROC event. */
static __always_inline void probe_big_cgroups(struct probe_evt *e, struct task_struct *task,
					      struct scap_scratch *s)
{
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	int count = bpf_core_enum_value(enum cgroup_subsys_id, CGROUP_SUBSYS_COUNT);
	struct cgroup_subsys_state **subsys;
	__u8 *area = probe_big_at(e);
	__u32 at = 0, next;
	int i;

	if (cset) {
		subsys = (void *)cset + bpf_core_field_offset(cset->subsys);
		for (i = 0; i < SCAP_CGROUP_MAX_SUBSYS && i < count; i++) {
			struct cgroup_subsys_state *css = NULL;

			bpf_probe_read_kernel(&css, sizeof(css), &subsys[i]);
			/* The module stops at a controller it cannot read, too. */
			if (!css)
				break;
			next = scap_cgroup_append(area, at, css, s);
			if (!next)
				break;
			at = scap_forget(s, next);
			if (at > SCAP_AREA_MAX)
				break;
		}
	}
	at = scap_forget(s, at);
	probe_evt_param_len(e, at > SCAP_AREA_MAX ? 0 : at);
}

#endif /* SCAP_PROBE_CGROUPS_H */
