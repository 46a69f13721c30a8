// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process lifecycle events of schema 1. The exits of the clone and
 * exec families describe the task returning from the syscall: the parent
 * (res = the child), the child (res = 0) or the new image. PROCEXIT_1_E
 * comes from the sched_process_exit tracepoint.
 */
#include <linux/fcntl.h>
#include <linux/mm.h>
#include <linux/percpu_counter.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <asm/unistd.h>

#include "scap.h"

/* Clone's CLONE_* flags to the schema's bits (PT_FLAGS32). */
static u32 scap_clone_flags(u64 flags)
{
	static const struct {
		u64 kernel;
		u32 scap;
	} bits[] = {
		{ CLONE_FILES, SCAP_CL_CLONE_FILES },
		{ CLONE_FS, SCAP_CL_CLONE_FS },
		{ CLONE_IO, SCAP_CL_CLONE_IO },
		{ CLONE_NEWIPC, SCAP_CL_CLONE_NEWIPC },
		{ CLONE_NEWNET, SCAP_CL_CLONE_NEWNET },
		{ CLONE_NEWNS, SCAP_CL_CLONE_NEWNS },
		{ CLONE_NEWPID, SCAP_CL_CLONE_NEWPID },
		{ CLONE_NEWUTS, SCAP_CL_CLONE_NEWUTS },
		{ CLONE_PARENT, SCAP_CL_CLONE_PARENT },
		{ CLONE_PARENT_SETTID, SCAP_CL_CLONE_PARENT_SETTID },
		{ CLONE_PTRACE, SCAP_CL_CLONE_PTRACE },
		{ CLONE_SIGHAND, SCAP_CL_CLONE_SIGHAND },
		{ CLONE_SYSVSEM, SCAP_CL_CLONE_SYSVSEM },
		{ CLONE_THREAD, SCAP_CL_CLONE_THREAD },
		{ CLONE_UNTRACED, SCAP_CL_CLONE_UNTRACED },
		{ CLONE_VM, SCAP_CL_CLONE_VM },
		{ CLONE_NEWUSER, SCAP_CL_CLONE_NEWUSER },
		{ CLONE_CHILD_CLEARTID, SCAP_CL_CLONE_CHILD_CLEARTID },
		{ CLONE_CHILD_SETTID, SCAP_CL_CLONE_CHILD_SETTID },
		{ CLONE_SETTLS, SCAP_CL_CLONE_SETTLS },
		{ CLONE_VFORK, SCAP_CL_CLONE_VFORK },
		{ CLONE_NEWCGROUP, SCAP_CL_CLONE_NEWCGROUP },
	};
	u32 res = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(bits); i++)
		if (flags & bits[i].kernel)
			res |= bits[i].scap;
	return res;
}

/* The clone flags the syscall was given: 0 for fork and vfork. */
static u64 scap_clone_arg_flags(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	struct clone_args __user *uargs;
	u64 flags;

	switch (ctx->sc.nr) {
	case __NR_clone:
		return ctx->args[0];
	case __NR_clone3:
		/* Read again from the caller's (or the child's copy of its) memory. */
		uargs = (struct clone_args __user *)ctx->args[0];
		if (copy_from_user_nofault(&flags, &uargs->flags, sizeof(flags))) {
			scap_evt_fail(evt, -EFAULT);
			return 0;
		}
		return flags;
	default:
		return 0;
	}
}

/* The pid of the task's parent (for a thread, its process's parent). */
static pid_t scap_task_ptid(void)
{
	struct task_struct *parent;
	pid_t ptid = 0;

	rcu_read_lock();
	parent = rcu_dereference(current->real_parent);
	if (parent)
		ptid = parent->pid;
	rcu_read_unlock();
	return ptid;
}

/* Pages an mm counter (MM_FILEPAGES ...) holds. */
static unsigned long scap_mm_counter(struct mm_struct *mm, int member)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	/*
	 * 6.2 ("mm: convert mm's rss stats into percpu_counter") left
	 * get_mm_counter() reading the shared count only, 0 for a small
	 * process: sum the CPUs' parts.
	 */
	return percpu_counter_sum_positive(&mm->rss_stat[member]);
#else
	return get_mm_counter(mm, member);
#endif
}

/* A count of pages in KiB, as the schema's vm_* (PT_UINT32) carry it. */
static u32 scap_pages_kib(unsigned long pages)
{
	return pages << (PAGE_SHIFT - 10);
}

/*
 * The 15 parameters the clone and exec exits share: res, exe, args, tid,
 * pid, ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss, vm_swap,
 * comm, cgroups. exe and args come from the mm, or else from argv.
 */
static void scap_fill_proc_common(struct scap_evt *evt, const struct scap_syscall_ctx *ctx,
				  bool from_mm, const char __user *const __user *argv)
{
	struct mm_struct *mm = current->mm;
	unsigned long rss = 0, swap = 0;

	if (mm) {
		rss = scap_mm_counter(mm, MM_FILEPAGES) + scap_mm_counter(mm, MM_ANONPAGES) +
		      scap_mm_counter(mm, MM_SHMEMPAGES);
		swap = scap_mm_counter(mm, MM_SWAPENTS);
	}
	scap_evt_s64(evt, ctx->ret);
	scap_evt_exe_args(evt, from_mm, argv);
	scap_evt_s64(evt, current->pid);
	scap_evt_s64(evt, current->tgid);
	scap_evt_s64(evt, scap_task_ptid());
	scap_evt_str(evt, "", 1);		/* cwd: libsinsp takes the parent's */
	scap_evt_s64(evt, rlimit(RLIMIT_NOFILE));
	scap_evt_s64(evt, current->maj_flt);
	scap_evt_s64(evt, current->min_flt);
	scap_evt_u32(evt, mm ? scap_pages_kib(mm->total_vm) : 0);
	scap_evt_u32(evt, scap_pages_kib(rss));
	scap_evt_u32(evt, scap_pages_kib(swap));
	scap_evt_str(evt, current->comm, TASK_COMM_LEN);
	scap_evt_cgroups(evt);
}

/*
 * The clone family's exits (clone, fork, vfork, clone3). A failed call has
 * an empty exe and args.
 */
void scap_fill_clone_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	struct pid_namespace *pidns = task_active_pid_ns(current);
	u32 flags;

	scap_fill_proc_common(evt, ctx, ctx->ret >= 0, NULL);
	flags = scap_clone_flags(scap_clone_arg_flags(evt, ctx));
	/* The task or its children are not in the initial pid namespace. */
	if (pidns != &init_pid_ns || current->nsproxy->pid_ns_for_children != pidns)
		flags |= SCAP_CL_CHILD_IN_PIDNS;
	scap_evt_u32(evt, flags);
	scap_evt_u32(evt, from_kuid_munged(current_user_ns(), current_euid()));
	scap_evt_u32(evt, from_kgid_munged(current_user_ns(), current_egid()));
	scap_evt_s64(evt, task_pid_vnr(current));
	scap_evt_s64(evt, task_tgid_vnr(current));
}

/* execve(filename, argv, envp) enter: the filename, <NA> if unreadable. */
void scap_fill_execve_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	scap_evt_user_str_or(evt, (const char __user *)ctx->args[0], SCAP_PATH_MAX, "<NA>");
}

/* execveat(dirfd, pathname, argv, envp, flags) enter: dirfd, pathname, flags. */
void scap_fill_execveat_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	const unsigned long *args = ctx->args;
	u32 flags = 0;

	if (args[4] & AT_EMPTY_PATH)
		flags |= SCAP_EXVAT_AT_EMPTY_PATH;
	if (args[4] & AT_SYMLINK_NOFOLLOW)
		flags |= SCAP_EXVAT_AT_SYMLINK_NOFOLLOW;
	scap_evt_s64(evt, (int)args[0]);	/* AT_FDCWD is the schema's value too */
	scap_evt_user_str_or(evt, (const char __user *)args[1], SCAP_PATH_MAX, "<NA>");
	scap_evt_u32(evt, flags);
}

/*
 * The exec family's exits: the common 15, then env, tty, pgid, loginuid,
 * flags. After a successful exec, exe, args and env are the new image's;
 * a failed one takes them from the syscall's argv and envp.
 */
void scap_fill_exec_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	/* argv and envp follow execveat's dirfd and pathname, execve's filename. */
	int argi = ctx->sc.nr == __NR_execveat ? 2 : 1;
	const char __user *const __user *argv = (void __user *)ctx->args[argi];
	const char __user *const __user *envp = (void __user *)ctx->args[argi + 1];
	bool ok = ctx->ret >= 0;

	scap_fill_proc_common(evt, ctx, ok, argv);
	scap_evt_env(evt, ok, envp);
	scap_evt_u32(evt, scap_task_tty());
	scap_evt_s64(evt, task_pgrp_vnr(current));
	scap_evt_u32(evt, scap_task_loginuid());
	scap_evt_u32(evt, scap_task_exe_writable() ? SCAP_EXE_WRITABLE : 0);
}

/*
 * PROCEXIT_1_E, in the exiting task: status is its exit code as wait()
 * reports it, ret the exit status, sig the killing signal (0 if it
 * exited), core whether it dumped core.
 */
void scap_fill_procexit_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx)
{
	int code = current->exit_code;
	int sig = code & 0x7f;

	scap_evt_s64(evt, code);
	scap_evt_s64(evt, (code >> 8) & 0xff);
	/* 0x7f in the low bits is a stopped task, not a killed one. */
	scap_evt_u8(evt, sig != 0x7f ? sig : 0);
	scap_evt_u8(evt, !!(code & 0x80));
}
