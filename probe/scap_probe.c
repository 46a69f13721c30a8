// SPDX-License-Identifier: GPL-2.0-only
/*
 * scap probe: the schema 1 events of the scap module, from the sys_enter,
 * sys_exit and sched_process_exit raw tracepoints into a BPF ring buffer
 * (CO-RE).
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

#define SCAP_TS_COMPAT	0x0002	/* thread_info.status: in an ia32 syscall */

static __always_inline bool scap_skip(__u64 pid_tgid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (scap_loader_tgid && pid_tgid >> 32 == scap_loader_tgid)
		return true;
	if (!bpf_core_field_exists(task->thread_info.status))
		return false;
	return BPF_CORE_READ(task, thread_info.status) & SCAP_TS_COMPAT;
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
 * Raw tracepoint arguments: sys_enter(regs, id), sys_exit(regs, ret). They
 * are read through a plain pointer: a CO-RE access to ctx->args[1] does not
 * relocate in aya 0.13/0.14 and would keep the whole object from loading.
 */
SEC("raw_tracepoint/sys_enter")
int scap_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	const __u64 *args = (const __u64 *)(void *)ctx;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (scap_skip(pid_tgid) || !scap_traced(args[1]) || scap_is_net(args[1]))
		return 0;
	scap_enter((struct pt_regs *)args[0], args[1], pid_tgid);
	return 0;
}

/*
 * The clone and execve exits have programs of their own, attached to
 * sys_exit beside scap_sys_exit: in one program with the rest, their paths
 * would exceed what the verifiers of 5.10 and 6.1 accept. And attached
 * (not tail-called), each has its own per-CPU recursion guard: from 6.13 a
 * parent preempted in its long clone exit would otherwise make the kernel
 * skip every syscall exit of its child on that CPU.
 */
SEC("raw_tracepoint/sys_exit")
int scap_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	const __u64 *args = (const __u64 *)(void *)ctx;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pt_regs *regs = (struct pt_regs *)args[0];
	long nr;

	if (scap_skip(pid_tgid))
		return 0;
	nr = BPF_CORE_READ(regs, orig_ax);
	if (!scap_traced(nr) || scap_is_clone(nr) || scap_is_exec(nr) || scap_is_net(nr))
		return 0;
	scap_exit(regs, nr, args[1], pid_tgid);
	return 0;
}

/* The exits of nr's kind (exec or the clone family), as scap_sys_exit's. */
static __always_inline int scap_sys_exit_proc(struct bpf_raw_tracepoint_args *ctx, bool exec)
{
	const __u64 *args = (const __u64 *)(void *)ctx;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pt_regs *regs = (struct pt_regs *)args[0];
	long nr = BPF_CORE_READ(regs, orig_ax);

	if (exec ? !scap_is_exec(nr) : !scap_is_clone(nr))
		return 0;
	if (scap_skip(pid_tgid))
		return 0;
	scap_proc_exit_event(regs, nr, args[1], pid_tgid, exec);
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int scap_sys_exit_clone(struct bpf_raw_tracepoint_args *ctx)
{
	return scap_sys_exit_proc(ctx, false);
}

SEC("raw_tracepoint/sys_exit")
int scap_sys_exit_exec(struct bpf_raw_tracepoint_args *ctx)
{
	return scap_sys_exit_proc(ctx, true);
}

/*
 * The socket syscalls (net.h), on sys_enter and sys_exit beside the others:
 * their socket lookups, addresses and iovec loops in those programs would
 * exceed what the verifier of 5.10 accepts.
 */
SEC("raw_tracepoint/sys_enter")
int scap_sys_enter_net(struct bpf_raw_tracepoint_args *ctx)
{
	const __u64 *args = (const __u64 *)(void *)ctx;
	__u64 pid_tgid;

	if (!scap_is_net(args[1]))
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (scap_skip(pid_tgid))
		return 0;
	scap_net_enter((struct pt_regs *)args[0], args[1], pid_tgid);
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int scap_sys_exit_net(struct bpf_raw_tracepoint_args *ctx)
{
	const __u64 *args = (const __u64 *)(void *)ctx;
	struct pt_regs *regs = (struct pt_regs *)args[0];
	long nr = BPF_CORE_READ(regs, orig_ax);
	__u64 pid_tgid;

	if (!scap_is_net(nr))
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (scap_skip(pid_tgid))
		return 0;
	scap_net_exit(regs, nr, args[1], pid_tgid);
	return 0;
}

/*
 * sched_process_exit(task): the exiting task is current. Kernel threads are
 * not reported, as in the module.
 */
SEC("raw_tracepoint/sched_process_exit")
int scap_sched_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	(void)ctx;
	if (scap_loader_tgid && pid_tgid >> 32 == scap_loader_tgid)
		return 0;
	if (BPF_CORE_READ(task, flags) & SCAP_PF_KTHREAD)
		return 0;
	scap_procexit(pid_tgid);
	return 0;
}
