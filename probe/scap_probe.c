// SPDX-License-Identifier: GPL-2.0-only
/*
 * scap probe: the schema 1 events of the scap module, from the sys_enter,
 * sys_exit and sched_process_exit tracepoints (tp_btf) into a BPF ring
 * buffer (CO-RE).
 *
 * open, openat, close, read and write, the fd plumbing and cwd syscalls
 * (fd_events.h), the I/O variants of read and write (io_events.h), the
 * process lifecycle (proc.h) and the socket syscalls (net.h) carry their
 * parameters;
 * every other syscall is a GENERIC event with its PPM_SC code. As in the module, 32-bit
 * (ia32) syscalls and numbers past the table (x32's, invalid ones) are not
 * reported: their numbers belong to another table or to none.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <asm/unistd_64.h>

#include "scap_version.h"
#include "scap_abi.h"
#include "event.h"
#include "regs.h"
#include "fd.h"
#include "flags.h"
#include "schema1.h"
#include "syscall_codes.h"
#include "fd_events.h"
#include "io_events.h"
#include "task.h"
#include "cgroups.h"
#include "proc.h"
#include "net.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The versions, readable without loading the object (a C variable cannot
 * be named like its section), and the oldest kernel the probe is claimed
 * to run on: the oldest its tests boot (tests/vm/tests/guest_probe_kernels.rs),
 * Debian bullseye's 5.10. Nothing it uses is newer than 5.8 (the ring
 * buffer, bpf_ktime_get_boot_ns), but only what is tested is claimed.
 */
const __u64 scap_probe_api_version SEC("api_version") = SCAP_API_VERSION_CODE;
const __u64 scap_probe_schema_version SEC("schema_version") =
	SCAP_SCHEMA_VERSION_CODE;
const __u64 scap_probe_min_kernel SEC("min_kernel") =
	SCAP_VERSION_CODE(5, 10, 0);

/* Set by the loader: its own syscalls would feed back into the capture. */
const volatile __u32 scap_loader_tgid;
/* Set by the loader: scap_sys_exit_clone_exec is attached (see there). */
const volatile __u8 scap_clone_exec_apart;

#define SCAP_TS_COMPAT	0x0002	/* thread_info.status: in an ia32 syscall */

/*
 * Tail-call targets: the socket syscalls' and the process exits' handlers,
 * each verified as a program of its own (in one program with the rest,
 * their paths would exceed what the verifiers of 5.10 and 6.1 accept).
 * A tail call costs a few instructions; every attached program costs a
 * BPF dispatch on every syscall. The loader puts program scap_X_call into
 * the one-slot array scap_X_slot (from 6.11 a tail call must stay between
 * programs of one attach point: one array per target keeps them apart).
 */
#define SCAP_CALL_SLOT(name)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_PROG_ARRAY);		\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, __u32);				\
	} name SEC(".maps")

SCAP_CALL_SLOT(scap_net_enter_slot);
SCAP_CALL_SLOT(scap_net_exit_slot);
SCAP_CALL_SLOT(scap_clone_exit_slot);
SCAP_CALL_SLOT(scap_exec_exit_slot);

/* To the clone or execve exit, if nr is one; returns where it is not. */
static __always_inline void scap_clone_exec_tail_call(void *ctx, long nr)
{
	if (scap_is_clone(nr))
		bpf_tail_call(ctx, &scap_clone_exit_slot, 0);
	else if (scap_is_exec(nr))
		bpf_tail_call(ctx, &scap_exec_exit_slot, 0);
}

/*
 * Whether the current task is in an ia32 syscall: read straight from the
 * task where the kernel hands out a typed pointer to it (5.11 and later),
 * else through bpf_probe_read_kernel (5.10).
 */
static __always_inline bool scap_in_compat_syscall(void)
{
	struct task_struct *task;

	if (!bpf_core_field_exists(struct task_struct, thread_info.status))
		return false;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return bpf_get_current_task_btf()->thread_info.status & SCAP_TS_COMPAT;
	task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, thread_info.status) & SCAP_TS_COMPAT;
}

static __always_inline bool scap_is_loader(__u64 pid_tgid)
{
	return scap_loader_tgid && pid_tgid >> 32 == scap_loader_tgid;
}

/* Not reported: the loader's syscalls and ia32 ones. */
static __always_inline bool scap_skip(__u64 pid_tgid)
{
	return scap_is_loader(pid_tgid) || scap_in_compat_syscall();
}

static __always_inline void scap_enter(struct pt_regs *regs, long nr,
				       __u64 pid_tgid)
{
	struct probe_evt e;
	__u64 flags;

	if (scap_fd_enter(regs, nr, pid_tgid) || scap_proc_enter(regs, nr, pid_tgid) ||
	    scap_io_enter(regs, nr, pid_tgid))
		return;
	switch (nr) {
	case __NR_open:
		if (probe_evt_begin(&e, SCAPE_OPEN_E, 3, pid_tgid,
				    SCAP_RECORD_PATH))
			return;
		flags = scap_arg(regs, 1);
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 0));
		probe_evt_u32(&e, scap_open_flags(flags));
		probe_evt_u32(&e, scap_open_mode(flags, scap_arg(regs, 2)));
		break;
	case __NR_openat:
		if (probe_evt_begin(&e, SCAPE_OPENAT_2_E, 4, pid_tgid,
				    SCAP_RECORD_PATH))
			return;
		flags = scap_arg(regs, 2);
		probe_evt_s64(&e, scap_dirfd_arg(regs, 0));
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 1));
		probe_evt_u32(&e, scap_open_flags(flags));
		probe_evt_u32(&e, scap_open_mode(flags, scap_arg(regs, 3)));
		break;
	case __NR_close:
		if (probe_evt_begin(&e, SCAPE_CLOSE_E, 1, pid_tgid,
				    SCAP_RECORD_FIXED))
			return;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		break;
	case __NR_read:
	case __NR_write:
		if (probe_evt_begin(&e, nr == __NR_read ? SCAPE_READ_E :
				   SCAPE_WRITE_E, 2, pid_tgid, SCAP_RECORD_FIXED))
			return;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_u32(&e, scap_arg(regs, 2));
		break;
	default:
		if (probe_evt_begin(&e, SCAPE_GENERIC_E, 2, pid_tgid,
				    SCAP_RECORD_FIXED))
			return;
		probe_evt_u16(&e, scap_syscall_code(nr));
		probe_evt_u16(&e, nr);
	}
	probe_evt_submit(&e);
}

static __always_inline void scap_exit(struct pt_regs *regs, long nr, long ret,
				      __u64 pid_tgid)
{
	struct probe_evt e;
	__u64 flags;

	if (scap_fd_exit(regs, nr, ret, pid_tgid) || scap_io_exit(regs, nr, ret, pid_tgid))
		return;
	switch (nr) {
	case __NR_open:
		if (probe_evt_begin(&e, SCAPE_OPEN_X, 5, pid_tgid,
				    SCAP_RECORD_PATH))
			return;
		flags = scap_arg(regs, 1);
		probe_evt_s64(&e, ret);
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 0));
		probe_evt_u32(&e, scap_open_flags(flags));
		probe_evt_u32(&e, scap_open_mode(flags, scap_arg(regs, 2)));
		probe_evt_u32(&e, scap_fd_dev(ret));
		break;
	case __NR_openat:
		if (probe_evt_begin(&e, SCAPE_OPENAT_2_X, 6, pid_tgid,
				    SCAP_RECORD_PATH))
			return;
		flags = scap_arg(regs, 2);
		probe_evt_s64(&e, ret);
		probe_evt_s64(&e, scap_dirfd_arg(regs, 0));
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 1));
		probe_evt_u32(&e, scap_open_flags(flags));
		probe_evt_u32(&e, scap_open_mode(flags, scap_arg(regs, 3)));
		probe_evt_u32(&e, scap_fd_dev(ret));
		break;
	case __NR_close:
		if (probe_evt_begin(&e, SCAPE_CLOSE_X, 1, pid_tgid,
				    SCAP_RECORD_FIXED))
			return;
		probe_evt_s64(&e, ret);
		break;
	case __NR_read:
		/* The data read, none when the call failed (driver-src/fillers.c). */
		if (probe_evt_begin(&e, SCAPE_READ_X, 2, pid_tgid, SCAP_RECORD_DATA))
			return;
		probe_evt_s64(&e, ret);
		probe_evt_user_buf(&e, (const void *)scap_arg(regs, 1), ret);
		break;
	case __NR_write:
		/*
		 * The buffer passed, up to the count's low 32 bits (the enter's
		 * size), whatever the result: a failed or short write's too.
		 */
		if (probe_evt_begin(&e, SCAPE_WRITE_X, 2, pid_tgid, SCAP_RECORD_DATA))
			return;
		probe_evt_s64(&e, ret);
		probe_evt_user_buf(&e, (const void *)scap_arg(regs, 1),
				   (__u32)scap_arg(regs, 2));
		break;
	default:
		if (probe_evt_begin(&e, SCAPE_GENERIC_X, 1, pid_tgid,
				    SCAP_RECORD_FIXED))
			return;
		probe_evt_u16(&e, scap_syscall_code(nr));
	}
	probe_evt_submit(&e);
}

/*
 * The syscall tracepoints: sys_enter(regs, id) and sys_exit(regs, ret),
 * BTF-typed (tp_btf), so that the saved registers are read with plain
 * loads instead of a helper call each.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(scap_sys_enter, struct pt_regs *regs, long nr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!scap_traced(nr) || scap_skip(pid_tgid))
		return 0;
	if (scap_is_net(nr)) {
		bpf_tail_call(ctx, &scap_net_enter_slot, 0);
		return 0;
	}
	scap_enter(regs, nr, pid_tgid);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(scap_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	long nr = regs->orig_ax;

	if (!scap_traced(nr) || scap_skip(pid_tgid))
		return 0;
	if (scap_is_net(nr)) {
		bpf_tail_call(ctx, &scap_net_exit_slot, 0);
		return 0;
	}
	if (scap_is_clone(nr) || scap_is_exec(nr)) {
		if (!scap_clone_exec_apart)
			scap_clone_exec_tail_call(ctx, nr);
		return 0;
	}
	scap_exit(regs, nr, ret, pid_tgid);
	return 0;
}

/*
 * The clone and execve exits, attached beside scap_sys_exit where the
 * kernel runs syscall tracepoint programs preemptible (6.13 and later; the
 * loader decides): a tail call runs under its caller's per-CPU recursion
 * guard, and a parent preempted in its long clone exit would make the
 * kernel skip every syscall exit of its child on that CPU. Elsewhere
 * scap_sys_exit tail-calls them, which saves a BPF dispatch per syscall.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(scap_sys_exit_clone_exec, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;

	if (!scap_is_clone(nr) && !scap_is_exec(nr))
		return 0;
	if (scap_skip(bpf_get_current_pid_tgid()))
		return 0;
	scap_clone_exec_tail_call(ctx, nr);
	return 0;
}

/*
 * The tail-call targets, loaded for their tracepoint but not attached;
 * their callers have tested scap_skip.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(scap_net_enter_call, struct pt_regs *regs, long nr)
{
	scap_net_enter(regs, nr, bpf_get_current_pid_tgid());
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(scap_net_exit_call, struct pt_regs *regs, long ret)
{
	scap_net_exit(regs, regs->orig_ax, ret, bpf_get_current_pid_tgid());
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(scap_clone_exit_call, struct pt_regs *regs, long ret)
{
	scap_proc_exit_event(regs, regs->orig_ax, ret, bpf_get_current_pid_tgid(), false);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(scap_exec_exit_call, struct pt_regs *regs, long ret)
{
	scap_proc_exit_event(regs, regs->orig_ax, ret, bpf_get_current_pid_tgid(), true);
	return 0;
}

/*
 * sched_process_exit(task): the exiting task is current. Kernel threads are
 * not reported, as in the module.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(scap_sched_process_exit, struct task_struct *task)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (scap_is_loader(pid_tgid) || task->flags & SCAP_PF_KTHREAD)
		return 0;
	scap_procexit(pid_tgid);
	return 0;
}
