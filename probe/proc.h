/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process lifecycle: clone, fork, vfork, clone3 (CLONE_20 style exits,
 * the child's included), execve and execveat (EXECVE_19 style), and
 * PROCEXIT_1_E from sched_process_exit. Parameters as the module sends
 * them (schema1-events.md §3).
 */
#ifndef SCAP_PROBE_PROC_H
#define SCAP_PROBE_PROC_H

/* "<NA>" and its NUL, little-endian: the module's name for an unreadable path. */
#define SCAP_NA_STR		0x003e414e3cULL
#define SCAP_NA_STR_LEN		5
/* Strings of a failed execve's argv or envp the probe reads at most. */
#define SCAP_ARGV_MAX		64

/* The enter event of a process syscall; false if nr is none of them. */
static __always_inline bool scap_proc_enter(struct pt_regs *regs, long nr,
					    __u64 pid_tgid)
{
	struct probe_evt e;

	switch (nr) {
	case __NR_clone:
	case __NR_fork:
	case __NR_vfork:
	case __NR_clone3:
		if (probe_evt_begin(&e, nr == __NR_clone ? SCAPE_CLONE_20_E :
				    nr == __NR_fork ? SCAPE_FORK_20_E :
				    nr == __NR_vfork ? SCAPE_VFORK_20_E :
				    SCAPE_CLONE3_E, 0, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		break;
	case __NR_execve:
		if (probe_evt_begin(&e, SCAPE_EXECVE_19_E, 1, pid_tgid, SCAP_RECORD_PATH))
			return true;
		probe_evt_user_str_or(&e, (const char *)scap_arg(regs, 0), SCAP_NA_STR,
				      SCAP_NA_STR_LEN);
		break;
	case __NR_execveat:
		if (probe_evt_begin(&e, SCAPE_EXECVEAT_E, 3, pid_tgid, SCAP_RECORD_PATH))
			return true;
		probe_evt_s64(&e, scap_dirfd_arg(regs, 0));
		probe_evt_user_str_or(&e, (const char *)scap_arg(regs, 1), SCAP_NA_STR,
				      SCAP_NA_STR_LEN);
		probe_evt_u32(&e, scap_execveat_flags(scap_arg(regs, 4)));
		break;
	default:
		return false;
	}
	probe_evt_submit(&e);
	return true;
}

/*
 * The argument or environment area [start, end) of the current mm, at
 * most a page, its last byte made a NUL; returns its length, 0 if it
 * cannot be read. *first gets the length of its first string with its
 * NUL (exe, for the argument area).
 */
static __always_inline __u32 scap_copy_area(__u8 *dst, __u64 start, __u64 end,
					    __u32 *first)
{
	__u64 len = end - start;
	long n;

	*first = 0;
	if (end <= start)
		return 0;
	if (len > SCAP_AREA_MAX)
		len = SCAP_AREA_MAX;
	n = bpf_probe_read_user_str(dst, len, (const void *)start);
	if (n <= 0)
		return 0;
	*first = n;
	if (bpf_probe_read_user(dst, len, (const void *)start))
		return 0;
	dst[(len - 1) & (SCAP_AREA_MAX - 1)] = 0;
	return len;
}

/*
 * A failed execve's argv or envp: its strings, each with its NUL, at most
 * a page in all; 0 if the array or a string cannot be read or they do not
 * fit, as in the module. *first gets the length of the first string.
 */
static __always_inline __u32 scap_copy_argv(__u8 *dst, const char *const *argv,
					    __u32 *first)
{
	__u32 len = 0, at;
	int i;

	*first = 0;
	if (!argv)
		return 0;
	for (i = 0; i < SCAP_ARGV_MAX; i++) {
		const char *p = NULL;
		long n;

		if (bpf_probe_read_user(&p, sizeof(p), &argv[i]))
			return 0;
		if (!p)
			break;
		if (len >= SCAP_AREA_MAX)
			return 0;
		/*
		 * The same as len, in a form the verifier can bound (the
		 * empty asm keeps clang from dropping the mask).
		 */
		at = len;
		asm volatile("" : "+r"(at));
		at &= SCAP_AREA_MAX - 1;
		n = bpf_probe_read_user_str(dst + at, SCAP_AREA_MAX - at, p);
		/* A string filling what is left would have no room for more. */
		if (n <= 0 || n >= SCAP_AREA_MAX - at)
			return 0;
		if (!i)
			*first = n;
		len += n;
	}
	return len;
}

/* exe and args: the first string of the area, then the rest of it. */
static __always_inline void probe_big_exe_args(struct probe_evt *e, bool from_argv,
					       struct mm_struct *mm, const char *const *argv,
					       struct scap_scratch *s)
{
	__u32 len, first;

	if (from_argv)
		len = scap_copy_argv(probe_big_at(e), argv, &first);
	else
		len = scap_copy_area(probe_big_at(e), BPF_CORE_READ(mm, arg_start),
				     BPF_CORE_READ(mm, arg_end), &first);
	len = scap_forget(s, len);
	first = scap_forget(s, first);
	if (!len || !first || first > len || len > SCAP_AREA_MAX) {
		/* The lengths of an empty exe and args. */
		*probe_big_at(e) = 0;
		len = 1;
		first = 1;
	}
	probe_evt_param_len(e, first);
	probe_evt_param_len(e, len - first);
}

/* env: the environment area, or a failed execve's envp. */
static __always_inline void probe_big_env(struct probe_evt *e, bool from_envp,
					  struct mm_struct *mm, const char *const *envp,
					  struct scap_scratch *s)
{
	__u32 len, first;

	if (from_envp)
		len = scap_copy_argv(probe_big_at(e), envp, &first);
	else
		len = scap_copy_area(probe_big_at(e), BPF_CORE_READ(mm, env_start),
				     BPF_CORE_READ(mm, env_end), &first);
	len = scap_forget(s, len);
	probe_evt_param_len(e, len > SCAP_AREA_MAX ? 0 : len);
	e->off = scap_forget(s, e->off);
}

/*
 * The exit of clone, fork, vfork, clone3 (in the parent and in the child),
 * or (exec) of execve and execveat: the task after the call. Each kind has
 * a program of its own (see scap_probe.c), so exec is a constant.
 */
static __always_inline void scap_proc_exit_event(struct pt_regs *regs, long nr, long ret,
						 __u64 pid_tgid, bool exec)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	const char *const *argv, *const *envp;
	struct scap_scratch *scratch;
	struct pid_namespace *pidns;
	struct probe_evt e;
	__u32 zero = 0;
	struct scap_vm vm;
	__u64 flags = 0;
	__u32 level;
	__u16 type;

	switch (nr) {
	case __NR_clone:
		type = SCAPE_CLONE_20_X;
		break;
	case __NR_fork:
		type = SCAPE_FORK_20_X;
		break;
	case __NR_vfork:
		type = SCAPE_VFORK_20_X;
		break;
	case __NR_clone3:
		type = SCAPE_CLONE3_X;
		break;
	case __NR_execve:
		type = SCAPE_EXECVE_19_X;
		break;
	default:
		type = SCAPE_EXECVEAT_X;
	}
	/* The module cannot report a task without arguments: it drops those. */
	if (ret >= 0 && (!mm || !BPF_CORE_READ(mm, arg_end)))
		return;
	scratch = bpf_map_lookup_elem(&scap_scratch_map, &zero);
	if (!scratch)
		return;
	if (probe_evt_begin(&e, type, 20, pid_tgid, SCAP_RECORD_PROC))
		return;
	probe_big_s64(&e, ret);
	if (ret < 0 && !exec) {
		/* A failed clone has no child: empty exe and args. */
		probe_big_empty_str(&e);
		probe_evt_param_len(&e, 0);
	} else {
		/* The mm's argument area; for a failed exec, the argv it was given. */
		argv = (const char *const *)scap_arg(regs, nr == __NR_execve ? 1 : 2);
		probe_big_exe_args(&e, ret < 0, mm, argv, scratch);
	}
	/* Lengths the verifier forgets so that its paths merge from here. */
	e.off = scap_forget(scratch, e.off);
	probe_big_s64(&e, BPF_CORE_READ(task, pid));
	probe_big_s64(&e, BPF_CORE_READ(task, tgid));
	probe_big_s64(&e, BPF_CORE_READ(task, real_parent, pid));
	/* cwd: always empty, as in the module; libsinsp keeps the parent's. */
	probe_big_empty_str(&e);
	probe_big_s64(&e, BPF_CORE_READ(task, signal, rlim[SCAP_RLIMIT_NOFILE].rlim_cur));
	probe_big_s64(&e, BPF_CORE_READ(task, maj_flt));
	probe_big_s64(&e, BPF_CORE_READ(task, min_flt));
	scap_task_vm(mm, &vm);
	probe_big_u32(&e, vm.size);
	probe_big_u32(&e, vm.rss);
	probe_big_u32(&e, vm.swap);
	probe_big_kernel_str(&e, (const char *)task + bpf_core_field_offset(task->comm),
			     sizeof(task->comm));
	e.off = scap_forget(scratch, e.off);
	probe_big_cgroups(&e, task, scratch);
	e.off = scap_forget(scratch, e.off);
	pidns = scap_task_pidns(task, &level);
	if (!exec) {
		const struct cred *cred = BPF_CORE_READ(task, cred);
		struct user_namespace *userns = BPF_CORE_READ(cred, user_ns);
		struct pid *tgid_pid = BPF_CORE_READ(task, group_leader, thread_pid);

		if (nr == __NR_clone) {
			flags = scap_arg(regs, 0);
		} else if (nr == __NR_clone3) {
			/* clone_args.flags; the module drops the event without it. */
			if (bpf_probe_read_user(&flags, sizeof(flags),
						(const void *)scap_arg(regs, 0)))
				e.bad = 1;
		}
		flags = scap_clone_flags(flags);
		if (level || BPF_CORE_READ(task, nsproxy, pid_ns_for_children) != pidns)
			flags |= SCAP_CL_CHILD_IN_PIDNS;
		probe_big_u32(&e, flags);
		probe_big_u32(&e, scap_map_id(userns, false, BPF_CORE_READ(cred, euid.val),
					      SCAP_OVERFLOW_ID));
		probe_big_u32(&e, scap_map_id(userns, true, BPF_CORE_READ(cred, egid.val),
					      SCAP_OVERFLOW_ID));
		probe_big_s64(&e, scap_pid_nr_at(BPF_CORE_READ(task, thread_pid), level, pidns));
		probe_big_s64(&e, scap_pid_nr_at(tgid_pid, level, pidns));
	} else {
		envp = (const char *const *)scap_arg(regs, nr == __NR_execve ? 2 : 3);
		probe_big_env(&e, ret < 0, mm, envp, scratch);
		probe_big_u32(&e, scap_task_tty(task));
		probe_big_s64(&e, scap_pid_nr_at(BPF_CORE_READ(task, signal,
							       pids[SCAP_PIDTYPE_PGID]),
						 level, pidns));
		probe_big_u32(&e, scap_task_loginuid(task));
		probe_big_u32(&e, scap_exe_writable(task, mm) ? SCAP_EXE_WRITABLE : 0);
	}
	probe_evt_submit(&e);
}

static __always_inline bool scap_is_clone(long nr)
{
	return nr == __NR_clone || nr == __NR_fork || nr == __NR_vfork || nr == __NR_clone3;
}

static __always_inline bool scap_is_exec(long nr)
{
	return nr == __NR_execve || nr == __NR_execveat;
}

/*
 * PROCEXIT_1_E of the exiting task (current): its exit code, then the
 * code's exit status, terminating signal and core flag as wait(2) would
 * decode them.
 */
static __always_inline void scap_procexit(__u64 pid_tgid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__s32 code = BPF_CORE_READ(task, exit_code);
	__u8 sig = code & 0x7f;
	struct probe_evt e;

	if (probe_evt_begin(&e, SCAPE_PROCEXIT_1_E, 4, pid_tgid, SCAP_RECORD_FIXED + 8))
		return;
	probe_evt_s64(&e, code);
	probe_evt_s64(&e, (code >> 8) & 0xff);
	/* Signaled: a signal number other than 0 and 0x7f (stopped). */
	probe_evt_u8(&e, sig && sig != 0x7f ? sig : 0);
	probe_evt_u8(&e, (code & 0x80) ? 1 : 0);
	probe_evt_submit(&e);
}

#endif /* SCAP_PROBE_PROC_H */
