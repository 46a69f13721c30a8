/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The driver's internal interfaces: consumers, their per-CPU rings, the
 * event encoder and the tracepoint probes that feed them.
 */
#ifndef SCAP_H
#define SCAP_H

#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/compat.h>
#include <linux/fcntl.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/workqueue.h>
/*
 * 6.12 moved asm/unaligned.h to linux/unaligned.h. Test for the header, not
 * the version, so that a stable backport of the move builds too.
 */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "scap_abi.h"
#include "syscall_table.h"

#ifndef CONFIG_X86_64
#error "scap's syscall table is x86_64's"
#endif

#define SCAP_RING_PAGES	(SCAP_RING_BUF_SIZE >> PAGE_SHIFT)

/*
 * For the per-syscall stack values every read of which follows a write:
 * CONFIG_INIT_STACK_ALL_ZERO need not clear them first (GCC 12 and clang
 * have the attribute; older compilers do not zero them anyway).
 */
#if __has_attribute(__uninitialized__)
#define scap_noinit __attribute__((__uninitialized__))
#else
#define scap_noinit
#endif

/* main.c */
extern unsigned int scap_max_consumers;

/*
 * One CPU's ring of one consumer. Only that CPU's probes write it (with
 * preemption disabled), so the writer needs no lock.
 */
struct scap_ring {
	struct scap_consumer *consumer;
	unsigned int cpu;
	struct scap_ring_info *info;	/* shared with userspace */
	struct page *info_page;
	struct page **pages;		/* SCAP_RING_PAGES pages, listed twice */
	u8 *data;			/* the pages mapped twice back to back */
	u32 head;			/* ours; info->head is userspace's copy */
	bool capture_enabled;
	bool dropping;			/* in a sampling gap: DROP_E was sent */
	/* Closed: freed after a grace period, with its consumer if the last. */
	struct rcu_work free_work;
	struct scap_consumer *free_consumer;
};

/* ring.c */
struct scap_ring *scap_ring_alloc(unsigned int cpu);
void scap_ring_free(struct scap_ring *ring);

/*
 * Bytes the writer may use now; none while userspace's tail is garbage.
 * Inline, as commit: called for every event (record.c).
 */
static inline u32 scap_ring_free_space(const struct scap_ring *ring)
{
	/*
	 * Pairs with the reader's release store of tail after it consumed the
	 * events before it: their bytes are no longer read when we reuse them.
	 */
	u32 tail = smp_load_acquire(&ring->info->tail);
	u32 head = ring->head;

	if (tail >= SCAP_RING_BUF_SIZE)
		return 0;
	if (tail > head)
		return tail - head - 1;
	return SCAP_RING_BUF_SIZE + tail - head - 1;
}

/* Publishes len bytes written at head: the data before the new head. */
static inline void scap_ring_commit(struct scap_ring *ring, u32 len)
{
	u32 next = ring->head + len;

	if (next >= SCAP_RING_BUF_SIZE)
		next -= SCAP_RING_BUF_SIZE;
	ring->head = next;
	/*
	 * Pairs with the reader's acquire load of head: the event's bytes are
	 * visible before the head that covers them.
	 */
	smp_store_release(&ring->info->head, next);
}

/* mmap.c */
int scap_ring_mmap(struct scap_ring *ring, struct vm_area_struct *vma);

/* A process that opened the devices; its settings apply to all its rings. */
struct scap_consumer {
	struct list_head node;		/* scap_consumers, RCU */
	struct pid *owner;		/* thread group of the opener */
	unsigned int n_rings;
	u32 snaplen;
	bool dropping_mode;
	u32 sampling_ratio;
	DECLARE_BITMAP(events_mask, SCAP_EVENT_MAX);
	struct scap_ring __rcu *rings[];	/* nr_cpu_ids */
};

/* consumer.c */
extern struct list_head scap_consumers;
int scap_consumers_init(void);
void scap_consumers_exit(void);
struct scap_ring *scap_consumer_open(unsigned int cpu);
void scap_consumer_close(struct scap_ring *ring);

/* device.c */
int scap_devices_init(void);
void scap_devices_exit(void);

/* proclist.c */
long scap_get_proclist(struct scap_proclist_info __user *arg);

/* syscall_table.c: by syscall number; the GENERIC pair for the others. */
extern const struct scap_event_pair scap_generic_events;
extern const struct scap_event_pair scap_specific_events[SCAP_SYSCALL_TABLE_SIZE];

/*
 * Fills sc for syscall nr of the current task. False for the syscalls not
 * traced: 32-bit ones (ia32 and x32 have their own numbers) and numbers
 * outside the schema's table. Inline: the probes call it for every
 * syscall.
 */
static inline bool scap_syscall_lookup(long nr, struct scap_syscall *sc)
{
	if (nr < 0 || nr >= SCAP_SYSCALL_TABLE_SIZE || in_compat_syscall())
		return false;

	sc->nr = nr;
	sc->code = scap_syscall_codes[nr].code;
	sc->drop = scap_syscall_codes[nr].drop;
	sc->events = &scap_generic_events;
	if (scap_specific_events[nr].fill_enter)
		sc->events = &scap_specific_events[nr];
	return true;
}

/* tracepoints.c */
DECLARE_PER_CPU(long, scap_tracepoint_hits);
int scap_tracepoints_init(void);
int scap_tracepoints_register(void);
void scap_tracepoints_unregister(void);

/* What a filler needs to know about the syscall being recorded. */
struct scap_syscall_ctx {
	struct scap_syscall sc;
	struct pt_regs *regs;		/* the syscall's, NULL for procexit */
	unsigned long args[6];		/* read from regs for the first event */
	long ret;			/* exit events only */
	u32 snaplen;			/* the consumer's */
	u32 sampling_ratio;		/* the consumer's, for DROP events */
};

/* record.c */
void scap_record_syscall(u16 type, scap_fill_fn fill,
			 struct scap_syscall_ctx *ctx);

/* An event being written in place in a ring (events.c). */
struct scap_evt {
	struct scap_evt_hdr *hdr;
	u8 *lens;		/* nparams u16 lengths */
	u8 *val;		/* where the next value goes */
	u32 room;		/* bytes left for values */
	u32 len;		/* bytes written so far, header included */
	u16 nparams;
	u16 cur;
	int err;		/* -ENOSPC: ring full; -EFAULT: user memory */
};

/*
 * The fixed-size values are inline (every event has some, and a call
 * costs about as much as the store), with the two helpers they share.
 */

/* Accounts for a value of len bytes already at evt->val. */
static inline void scap_evt_advance(struct scap_evt *evt, u32 len)
{
	put_unaligned_le16(len, evt->lens + evt->cur * sizeof(u16));
	evt->cur++;
	evt->val += len;
	evt->room -= len;
	evt->len += len;
}

/* Whether one more value of up to len bytes can be written. */
static inline bool scap_evt_fits(struct scap_evt *evt, u32 len)
{
	if (evt->err)
		return false;
	if (WARN_ON_ONCE(evt->cur >= evt->nparams || len > U16_MAX)) {
		evt->err = -EINVAL;
		return false;
	}
	if (len > evt->room) {
		evt->err = -ENOSPC;
		return false;
	}
	return true;
}

static inline void scap_evt_u8(struct scap_evt *evt, u8 val)
{
	if (!scap_evt_fits(evt, sizeof(val)))
		return;
	*evt->val = val;
	scap_evt_advance(evt, sizeof(val));
}

static inline void scap_evt_u16(struct scap_evt *evt, u16 val)
{
	if (!scap_evt_fits(evt, sizeof(val)))
		return;
	put_unaligned_le16(val, evt->val);
	scap_evt_advance(evt, sizeof(val));
}

static inline void scap_evt_u32(struct scap_evt *evt, u32 val)
{
	if (!scap_evt_fits(evt, sizeof(val)))
		return;
	put_unaligned_le32(val, evt->val);
	scap_evt_advance(evt, sizeof(val));
}

static inline void scap_evt_u64(struct scap_evt *evt, u64 val)
{
	if (!scap_evt_fits(evt, sizeof(val)))
		return;
	put_unaligned_le64(val, evt->val);
	scap_evt_advance(evt, sizeof(val));
}

static inline void scap_evt_s64(struct scap_evt *evt, s64 val)
{
	if (!scap_evt_fits(evt, sizeof(val)))
		return;
	put_unaligned_le64(val, evt->val);
	scap_evt_advance(evt, sizeof(val));
}

void scap_evt_user_str(struct scap_evt *evt, const char __user *str, u32 max);
void scap_evt_user_buf(struct scap_evt *evt, const void __user *buf, u32 len);
int scap_evt_read_user(struct scap_evt *evt, void *dst, const void __user *src, u32 len);
void scap_evt_str(struct scap_evt *evt, const char *str, u32 max);
void scap_evt_user_str_or(struct scap_evt *evt, const char __user *str, u32 max,
			  const char *fallback);
u8 *scap_evt_space(struct scap_evt *evt, u32 max, u32 *room);
void scap_evt_put(struct scap_evt *evt, u32 len);
void scap_evt_fail(struct scap_evt *evt, int err);

/*
 * An fd argument as schema 1 carries it: the register as it is. C passes
 * an int zero-extended, so close(-1) says fd 4294967295, as the peer's
 * events do.
 */
static inline s64 scap_arg_fd(unsigned long arg)
{
	return arg;
}

/* A dirfd argument: AT_FDCWD is its own value, any other fd as above. */
static inline s64 scap_arg_dirfd(unsigned long arg)
{
	return (int)arg == AT_FDCWD ? SCAP_AT_FDCWD : arg;
}

/* flags.c */
u32 scap_open_flags(unsigned long flags);
u32 scap_open_mode(unsigned long flags, unsigned long mode);
u32 scap_openat2_resolve(u64 resolve);
u8 scap_fcntl_cmd(unsigned int cmd);

/* fillers_fd.c: fd plumbing and the working directory */
void scap_fill_creat_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_creat_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_pipe_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_eventfd_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_signalfd_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_timerfd_create_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_inotify_init_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_fcntl_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_openat2_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_openat2_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_userfaultfd_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_path_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);

/* fillers_io.c: the I/O variants of read and write */
void scap_fill_prw_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_readv_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_writev_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_pwritev_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_writev_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_preadv_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_lseek_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_splice_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_sendfile_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_sendfile_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_copy_file_range_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_copy_file_range_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
/* sockaddr.c: SOCKADDR and SOCKTUPLE values */
struct sockaddr_storage;
void scap_evt_empty(struct scap_evt *evt);
int scap_sockaddr_read(struct sockaddr_storage *ss, const void __user *uaddr, int ulen);
void scap_evt_sockaddr(struct scap_evt *evt, const struct sockaddr_storage *ss);
void scap_evt_socktuple(struct scap_evt *evt, int fd, const struct sockaddr_storage *user,
			bool inbound);

/* fillers_net.c, sockopt.c: the socket events */
void scap_fill_socket_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_bind_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_connect_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_connect_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_listen_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_accept4_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_accept_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_socketpair_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_shutdown_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_sendto_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_recvfrom_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_sendmsg_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_sendmsg_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_recvmsg_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_setsockopt_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_getsockopt_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);

/* fillers.c */
u32 scap_fd_dev(long fd);
void scap_fill_none(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_generic_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_generic_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_open_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_open_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_openat_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_openat_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_fd_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_res_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_rw_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_rw_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_write_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_drop(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);

/* task_info.c: the current task, for the process events */
void scap_evt_exe_args(struct scap_evt *evt, bool from_mm,
		       const char __user *const __user *argv);
void scap_evt_env(struct scap_evt *evt, bool from_mm,
		  const char __user *const __user *envp);
void scap_evt_cgroups(struct scap_evt *evt);
u32 scap_task_tty(void);
u32 scap_task_loginuid(void);
bool scap_task_exe_writable(void);

/* fillers_proc.c */
void scap_fill_clone_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_execve_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_execveat_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_exec_x(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);
void scap_fill_procexit_e(struct scap_evt *evt, const struct scap_syscall_ctx *ctx);

#endif /* SCAP_H */
