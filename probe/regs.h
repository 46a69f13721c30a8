/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arguments of the syscall being traced, from the task's saved user
 * registers (x86_64 calling convention).
 */
#ifndef SCAP_PROBE_REGS_H
#define SCAP_PROBE_REGS_H

/* Syscall argument n (0..5). */
static __always_inline __u64 scap_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0:
		return BPF_CORE_READ(regs, di);
	case 1:
		return BPF_CORE_READ(regs, si);
	case 2:
		return BPF_CORE_READ(regs, dx);
	case 3:
		return BPF_CORE_READ(regs, r10);
	case 4:
		return BPF_CORE_READ(regs, r8);
	default:
		return BPF_CORE_READ(regs, r9);
	}
}

/* Syscalls pass fds as int; schema 1 carries them as s64. */
static __always_inline __s64 scap_fd_arg(struct pt_regs *regs, int n)
{
	return (int)scap_arg(regs, n);
}

#endif /* SCAP_PROBE_REGS_H */
