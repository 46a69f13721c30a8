/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the kernel knows about an open file descriptor of the current task.
 */
#ifndef SCAP_PROBE_FD_H
#define SCAP_PROBE_FD_H

#define SCAP_MINORBITS	20

/* The open file behind fd, or NULL. */
static __always_inline struct file *scap_fd_file(__s64 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/* A kernel dev_t (major << 20 | minor) in the userspace (new) encoding. */
static __always_inline __u32 scap_encode_dev(__u32 dev)
{
	__u32 major = dev >> SCAP_MINORBITS;
	__u32 minor = dev & ((1U << SCAP_MINORBITS) - 1);

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* The device of the filesystem holding fd, in the userspace (new) encoding. */
static __always_inline __u32 scap_fd_dev(__s64 fd)
{
	struct file *file = scap_fd_file(fd);

	if (!file)
		return 0;
	return scap_encode_dev(BPF_CORE_READ(file, f_inode, i_sb, s_dev));
}

/* The inode number of fd's file, 0 without one. */
static __always_inline __u64 scap_fd_ino(__s64 fd)
{
	struct file *file = scap_fd_file(fd);

	if (!file)
		return 0;
	return BPF_CORE_READ(file, f_inode, i_ino);
}

#endif /* SCAP_PROBE_FD_H */
