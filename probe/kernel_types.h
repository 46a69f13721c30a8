/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel types the probe reads, declared here rather than generated
 * from some kernel's BTF, so that building the probe needs no kernel, no
 * network and no bpftool. Only the members the probe uses are declared: it
 * is CO-RE, so clang records each access by type and member name, and the
 * loader finds the offsets in the running kernel's BTF (anonymous structs
 * and unions of the kernel's layout included). The loader does check each
 * member's kind, and a read copies the size declared here: the types below
 * are the kernel's (5.10 .. 7.x), neither wider nor narrower. They are
 * plain C types, not the uapi's __kernel_* ones: for the BPF target those
 * make size_t 32 bits wide.
 *
 * A type the probe tests with bpf_core_type_exists() or a member it tests
 * with bpf_core_field_exists() is declared here; the variants of a layout
 * (struct x___flavour) live next to the code that reads them. The BPF
 * UAPI (map types, helpers, struct bpf_raw_tracepoint_args) comes from
 * the system's linux/bpf.h.
 */
#ifndef SCAP_PROBE_KERNEL_TYPES_H
#define SCAP_PROBE_KERNEL_TYPES_H

#include <linux/bpf.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

typedef _Bool bool;
enum {
	false = 0,
	true = 1,
};

typedef struct {
	s64 counter;
} atomic64_t;
typedef atomic64_t atomic_long_t;

typedef struct {
	unsigned int val;
} kuid_t;
typedef struct {
	unsigned int val;
} kgid_t;

/*
 * libbpf's bpf_tracing.h names x86's registers as the kernel does (di, si,
 * ...) only where it sees vmlinux.h's guard: struct pt_regs below is the
 * kernel's.
 */
#define __VMLINUX_H__

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

/* x86_64's saved registers, in the kernel's names (arch/x86/include/asm/ptrace.h). */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

/* Tasks, their ids and namespaces. */

struct thread_info {
	u32 status;
};

struct upid {
	int nr;
	struct pid_namespace *ns;
};

struct pid {
	unsigned int level;
	struct upid numbers[];
};

struct nsproxy {
	struct pid_namespace *pid_ns_for_children;
};

struct uid_gid_extent {
	u32 first;
	u32 lower_first;
	u32 count;
};

struct uid_gid_map {
	u32 nr_extents;
	union {
		struct uid_gid_extent extent[5];	/* UID_GID_MAP_MAX_BASE_EXTENTS */
		struct {
			struct uid_gid_extent *forward;
			struct uid_gid_extent *reverse;
		};
	};
};

struct user_namespace {
	struct uid_gid_map uid_map;
	struct uid_gid_map gid_map;
	int level;
};

/* The layout of kernel_cap_t changed in 6.3; the probe reads its offset only. */
typedef struct kernel_cap_struct {
	u32 cap[2];
} kernel_cap_t;

struct cred {
	kuid_t euid;
	kgid_t egid;
	kuid_t fsuid;
	kgid_t fsgid;
	kernel_cap_t cap_effective;
	struct user_namespace *user_ns;
};

struct rlimit {
	unsigned long rlim_cur;
	unsigned long rlim_max;
};

struct tty_driver {
	int major;
	int minor_start;
};

struct tty_struct {
	struct tty_driver *driver;
	int index;
};

struct signal_struct {
	struct pid *pids[4];		/* PIDTYPE_MAX */
	struct tty_struct *tty;
	struct rlimit rlim[16];		/* RLIM_NLIMITS */
};

struct task_struct {
	struct thread_info thread_info;
	unsigned int flags;
	struct mm_struct *mm;
	int exit_code;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct pid *thread_pid;
	unsigned long min_flt;
	unsigned long maj_flt;
	const struct cred *cred;
	char comm[16];			/* TASK_COMM_LEN */
	struct files_struct *files;
	struct nsproxy *nsproxy;
	struct signal_struct *signal;
	kuid_t loginuid;		/* CONFIG_AUDIT */
	struct css_set *cgroups;
};

/* Memory. */

/* Up to 6.1; from 6.2 on the counters are percpu_counters (task.h). */
struct mm_rss_stat {
	atomic_long_t count[4];		/* NR_MM_COUNTERS */
};

struct percpu_counter {
	s64 count;
	s32 *counters;			/* __percpu */
};

struct mm_struct {
	unsigned long total_vm;
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
	struct mm_rss_stat rss_stat;
	struct file *exe_file;
};

/* Files. */

struct super_block {
	__u32 s_dev;			/* dev_t */
};

struct inode {
	unsigned short i_mode;		/* umode_t */
	kuid_t i_uid;
	kgid_t i_gid;
	struct super_block *i_sb;
	unsigned long i_ino;
};

struct file {
	struct inode *f_inode;
	void *private_data;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

/* Cgroups. */

/* The controllers compiled in: the probe reads the count from the kernel. */
enum cgroup_subsys_id {
	CGROUP_SUBSYS_COUNT,
};

struct kernfs_node {
	struct kernfs_node *parent;	/* up to 6.14; 6.15 has __parent (cgroups.h) */
	const char *name;
};

struct cgroup {
	struct kernfs_node *kn;
};

struct cgroup_subsys {
	const char *name;
};

struct cgroup_subsys_state {
	struct cgroup *cgroup;
	struct cgroup_subsys *ss;
};

struct css_set {
	/* CGROUP_SUBSYS_COUNT entries: the probe reads the offset only. */
	struct cgroup_subsys_state *subsys[0];
};

/* Sockets. */

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__be16 u6_addr16[8];
		__be32 u6_addr32[4];
	} in6_u;
};

struct sockaddr_un {
	unsigned short sun_family;
	char sun_path[108];		/* UNIX_PATH_MAX */
};

struct iovec {
	void *iov_base;
	unsigned long iov_len;		/* size_t */
};

/* The msghdr of sendmsg and recvmsg as user memory holds it. */
struct user_msghdr {
	void *msg_name;
	int msg_namelen;
	struct iovec *msg_iov;
	unsigned long msg_iovlen;
	void *msg_control;
	unsigned long msg_controllen;
	unsigned int msg_flags;
};

/* The members of the kernel's anonymous unions and structs, by name. */
struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr skc_v6_daddr;	/* CONFIG_IPV6 */
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	u32 sk_ack_backlog;
	u32 sk_max_ack_backlog;
};

struct socket {
	struct sock *sk;
};

struct ipv6_pinfo {
	struct in6_addr saddr;
};

struct inet_sock {
	struct sock sk;
	struct ipv6_pinfo *pinet6;
	__be32 inet_saddr;
	__be16 inet_sport;
};

struct unix_address {
	int len;
	struct sockaddr_un name[];
};

struct unix_sock {
	struct sock sk;
	struct unix_address *addr;
	struct sock *peer;
};

#pragma clang attribute pop

#endif /* SCAP_PROBE_KERNEL_TYPES_H */
