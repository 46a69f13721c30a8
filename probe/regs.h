/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arguments of the syscall being traced, from the task's saved user
 * registers (x86_64 calling convention).
 */
#ifndef SCAP_PROBE_REGS_H
#define SCAP_PROBE_REGS_H

/*
 * Syscall argument n (0..5). regs is the tracepoint's typed pointer
 * (tp_btf): a plain load, relocated by CO-RE, faults safely.
 */
static __always_inline __u64 scap_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0:
		return regs->di;
	case 1:
		return regs->si;
	case 2:
		return regs->dx;
	case 3:
		return regs->r10;
	case 4:
		return regs->r8;
	default:
		return regs->r9;
	}
}

/*
 * An fd argument as schema 1 carries it: the register as it is (an int is
 * passed zero-extended: close(-1) says 4294967295), as the module does.
 */
static __always_inline __s64 scap_fd_arg(struct pt_regs *regs, int n)
{
	return scap_arg(regs, n);
}

/* A dirfd argument: AT_FDCWD is the schema's value too, others as above. */
static __always_inline __s64 scap_dirfd_arg(struct pt_regs *regs, int n)
{
	__u64 arg = scap_arg(regs, n);

	return (int)arg == SCAP_AT_FDCWD ? SCAP_AT_FDCWD : arg;
}

#endif /* SCAP_PROBE_REGS_H */
