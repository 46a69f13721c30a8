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
#include <asm/syscall.h>

#include "scap.h"

/*
 * A type without a count here is never written: consumers index their
 * event table with it unchecked.
 */
static const u8 scap_event_nparams[SCAP_EVENT_MAX] = SCAP_EVENT_NPARAMS_INIT;

static __always_inline void scap_evt_start(struct scap_evt *evt, void *buf, u32 room,
					   u16 type, u64 ts, u64 tid)
{
	u32 head_len;

	evt->err = 0;
	if (WARN_ON_ONCE(type >= SCAP_EVENT_MAX || !scap_event_nparams[type])) {
		evt->err = -EINVAL;
		return;
	}
	evt->nparams = scap_event_nparams[type];
	if (evt->nparams == SCAP_NPARAMS_NONE)
		evt->nparams = 0;
	evt->cur = 0;
	head_len = SCAP_EVT_HDR_LEN + evt->nparams * sizeof(u16);
	if (room < head_len) {
		evt->err = -ENOSPC;
		return;
	}
	evt->hdr = buf;
	evt->hdr->ts = ts;
	evt->hdr->tid = tid;
	evt->hdr->type = type;
	evt->hdr->nparams = evt->nparams;
	evt->lens = (u8 *)buf + SCAP_EVT_HDR_LEN;
	evt->val = (u8 *)buf + head_len;
	evt->room = room - head_len;
	evt->len = head_len;
}

/* The event's length, ready to publish, or why it must be dropped. */
static __always_inline int scap_evt_finish(struct scap_evt *evt)
{
	if (evt->err)
		return evt->err;
	if (WARN_ON_ONCE(evt->cur != evt->nparams))
		return -EINVAL;
	evt->hdr->len = evt->len;
	return evt->len;
}

/*
 * Writes one event at the ring's head and publishes it, or counts a drop.
 * Inline in the consumer walk: it runs for every event written.
 */
static __always_inline void scap_ring_write(struct scap_ring *ring, u16 type, scap_fill_fn fill,
			    const struct scap_syscall_ctx *ctx, u64 ts)
{
	struct scap_ring_info *info = ring->info;
	struct scap_evt evt scap_noinit;
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
 * rings have no other writer (tracepoints.c), and that is also the RCU
 * read-side section the consumer list needs (since 5.0 a grace period
 * waits for preempt-disabled code too), without PREEMPT_RCU's nesting
 * count. Most syscalls are wanted by no consumer (masks, capture
 * stopped), so the event mask is checked first; the arguments and the
 * timestamp, shared by every consumer's event, are read only for the
 * first event written.
 */
void scap_record_syscall(u16 type, scap_fill_fn fill, struct scap_syscall_ctx *ctx)
{
	unsigned int cpu = smp_processor_id();
	struct scap_consumer *consumer;
	struct scap_ring *ring;
	bool prepared = false;
	u64 ts = 0;

	lockdep_assert_preemption_disabled();
	list_for_each_entry_rcu(consumer, &scap_consumers, node) {
		if (!test_bit(type, consumer->events_mask))
			continue;
		ring = rcu_dereference_sched(consumer->rings[cpu]);
		if (!ring || !READ_ONCE(ring->capture_enabled))
			continue;
		if (!prepared) {
			if (ctx->regs)
				syscall_get_arguments(current, ctx->regs, ctx->args);
			ts = ktime_get_real_ns();
			prepared = true;
		}
		ctx->snaplen = READ_ONCE(consumer->snaplen);
		ctx->sampling_ratio = READ_ONCE(consumer->sampling_ratio);
		if (READ_ONCE(consumer->dropping_mode) && scap_stateless(type, ctx))
			continue;
		if (scap_sampled_out(ring, consumer, ctx, ts))
			continue;
		scap_ring_write(ring, type, fill, ctx, ts);
	}
}
