// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recording a syscall event: into this CPU's ring of every consumer that
 * has it open with capture enabled, subject to the consumer's event mask
 * and dropping mode.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>

#include "scap.h"

/* Writes one event at the ring's head and publishes it, or counts a drop. */
static void scap_ring_write(struct scap_ring *ring, u16 type, scap_fill_fn fill,
			    const struct scap_syscall_ctx *ctx, u64 ts)
{
	struct scap_ring_info *info = ring->info;
	struct scap_evt evt;
	int len;

	WRITE_ONCE(info->n_evts, info->n_evts + 1);
	/* The peer driver counts procexit as a context switch too. */
	if (type == SCAPE_PROCEXIT_1_E)
		WRITE_ONCE(info->n_context_switches, info->n_context_switches + 1);
	scap_evt_start(&evt, ring->data + ring->head, scap_ring_free_space(ring),
		       type, ts, current->pid);
	if (!evt.err)
		fill(&evt, ctx);
	len = scap_evt_finish(&evt);
	if (len > 0)
		scap_ring_commit(ring, len);
	else if (len == -EFAULT)
		WRITE_ONCE(info->n_drops_pf, info->n_drops_pf + 1);
	else
		WRITE_ONCE(info->n_drops_buffer, info->n_drops_buffer + 1);
}

/* Whether fd is open in the current task (O_PATH fds included). */
static bool scap_fd_is_open(long fd)
{
	struct file *file;

	if (fd < 0 || fd > INT_MAX)
		return false;
	/* The fd may be closed meanwhile: fput() defers a last release. */
	file = fget_raw(fd);
	if (!file)
		return false;
	fput(file);
	return true;
}

/*
 * Dropping mode also drops, whatever the syscall's policy and outside the
 * sampling (no DROP_E/DROP_X for them), events that change no state a
 * consumer tracks: close enters of fds that are not open (programs that
 * close every possible fd), failed close and bind exits, and the fcntl calls other
 * than F_DUPFD and F_DUPFD_CLOEXEC (the only ones that make an fd).
 */
static bool scap_stateless(u16 type, const struct scap_syscall_ctx *ctx)
{
	switch (type) {
	case SCAPE_CLOSE_E:
		return !scap_fd_is_open((int)ctx->args[0]);
	case SCAPE_CLOSE_X:
	case SCAPE_BIND_X:
		return ctx->ret < 0;
	case SCAPE_FCNTL_E:
	case SCAPE_FCNTL_X:
		return (unsigned int)ctx->args[1] != F_DUPFD &&
		       (unsigned int)ctx->args[1] != F_DUPFD_CLOEXEC;
	default:
		return false;
	}
}

/*
 * Dropping mode keeps the first 1/ratio of every second and drops the
 * rest, telling the reader with DROP_E when a gap starts and DROP_X when
 * it ends. Some syscalls are never dropped, generic ones always are.
 */
static bool scap_sampled_out(struct scap_ring *ring, const struct scap_consumer *consumer,
			     const struct scap_syscall_ctx *ctx, u64 ts)
{
	bool in_gap = false;
	u64 secs = ts;
	u32 ratio;

	if (ctx->sc.drop == SCAP_DROP_NEVER)
		return false;
	if (READ_ONCE(consumer->dropping_mode)) {
		if (ctx->sc.drop == SCAP_DROP_ALWAYS)
			return true;
		ratio = READ_ONCE(consumer->sampling_ratio);
		in_gap = ratio > 1 && do_div(secs, NSEC_PER_SEC) >= NSEC_PER_SEC / ratio;
	}
	if (in_gap != ring->dropping) {
		ring->dropping = in_gap;
		if (test_bit(in_gap ? SCAPE_DROP_E : SCAPE_DROP_X, consumer->events_mask))
			scap_ring_write(ring, in_gap ? SCAPE_DROP_E : SCAPE_DROP_X,
					scap_fill_drop, ctx, ts);
	}
	return in_gap;
}

/*
 * Called from the tracepoints with preemption disabled: this CPU's
 * rings have no other writer (tracepoints.c).
 */
void scap_record_syscall(u16 type, scap_fill_fn fill, struct scap_syscall_ctx *ctx)
{
	unsigned int cpu = smp_processor_id();
	struct scap_consumer *consumer;
	struct scap_ring *ring;
	u64 ts = ktime_get_real_ns();

	lockdep_assert_preemption_disabled();
	rcu_read_lock();
	list_for_each_entry_rcu(consumer, &scap_consumers, node) {
		ring = rcu_dereference(consumer->rings[cpu]);
		if (!ring || !READ_ONCE(ring->capture_enabled) ||
		    !test_bit(type, consumer->events_mask))
			continue;
		ctx->snaplen = READ_ONCE(consumer->snaplen);
		ctx->sampling_ratio = READ_ONCE(consumer->sampling_ratio);
		if (READ_ONCE(consumer->dropping_mode) && scap_stateless(type, ctx))
			continue;
		if (scap_sampled_out(ring, consumer, ctx, ts))
			continue;
		scap_ring_write(ring, type, fill, ctx, ts);
	}
	rcu_read_unlock();
}
