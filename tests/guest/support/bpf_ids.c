// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Prints "prog P map M others N": the IDs the kernel gives a BPF program
 * and a map created (and freed) right now, and how many other programs are
 * loaded. The kernel hands out both kinds of ID cyclically upwards, so any
 * program or map anyone created between two runs shows up as a gap:
 * prog P2 > P1 + 1 means something was loaded in between, even if it is
 * gone again.
 *
 * Kernels before 5.11 charge BPF memory to the user's RLIMIT_MEMLOCK,
 * 64 KiB for the guest's processes, and release a freed map's charge
 * later, from a work queue: right after a capture's 8 MiB ring buffer was
 * freed, root can still be over the limit and a program load fails with
 * EPERM. Like libbpf and aya, bpf_ids lifts its own limit first.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int die(const char *what)
{
	perror(what);
	return 1;
}

/* The ID of the object behind fd (struct bpf_prog_info and bpf_map_info
 * both start with type, id). */
static int id_of(int fd, __u32 *id)
{
	union bpf_attr attr;
	__u32 info[2];

	memset(&attr, 0, sizeof(attr));
	memset(info, 0, sizeof(info));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (unsigned long)info;
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &attr))
		return -1;
	*id = info[1];
	return 0;
}

/* The programs loaded in the kernel now, other than `own`. */
static int count_others(__u32 own, unsigned int *others)
{
	union bpf_attr attr;
	__u32 id = 0;

	*others = 0;
	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (bpf(BPF_PROG_GET_NEXT_ID, &attr))
			return errno == ENOENT ? 0 : -1;
		id = attr.next_id;
		*others += id != own;
	}
}

int main(void)
{
	/* r0 = 0; exit */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	__u32 prog_id, map_id;
	unsigned int others;
	int prog, map;
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		return die("setrlimit(RLIMIT_MEMLOCK)");
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	prog = bpf(BPF_PROG_LOAD, &attr);
	if (prog < 0)
		return die("BPF_PROG_LOAD");
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	map = bpf(BPF_MAP_CREATE, &attr);
	if (map < 0)
		return die("BPF_MAP_CREATE");
	if (id_of(prog, &prog_id) || id_of(map, &map_id))
		return die("BPF_OBJ_GET_INFO_BY_FD");
	if (count_others(prog_id, &others))
		return die("BPF_PROG_GET_NEXT_ID");
	printf("prog %u map %u others %u\n", prog_id, map_id, others);
	return 0;
}
