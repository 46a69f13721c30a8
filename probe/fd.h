/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the kernel knows about an open file descriptor of the current task.
 */
#ifndef SCAP_PROBE_FD_H
#define SCAP_PROBE_FD_H

#define SCAP_MINORBITS	20

/* The device of the filesystem holding fd, in the userspace (new) encoding. */
static __always_inline __u32 scap_fd_dev(__s64 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;
	__u32 dev, major, minor;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return 0;
	dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	major = dev >> SCAP_MINORBITS;
	minor = dev & ((1U << SCAP_MINORBITS) - 1);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

#endif /* SCAP_PROBE_FD_H */
