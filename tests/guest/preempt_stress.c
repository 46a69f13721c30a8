// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Each CPU's ring has one writer at a time, even where the syscall
 * tracepoints run preemptible (6.13 on): more threads than CPUs, never
 * pinned (the scheduler preempts and migrates them), write numbered
 * buffers to /dev/null while a reader drains every ring. Every event must
 * parse; each ring's timestamps never go back (a writer preempted between
 * taking its timestamp and publishing would be overtaken); each thread's
 * WRITE_E/WRITE_X pairs arrive exactly once, in order, under its tid, with
 * its own data; nothing is dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scap_test.h"

#define THREADS		8
#define ROUNDS		4
/* Per thread and round: about 5 MB of events a round in all, which fits
 * the rings even if the reader fell behind, so a drop is a bug.
 */
#define WRITES		6000
#define MAX_RINGS	64
#define MAGIC		0x5ca9f00du

struct payload {
	uint32_t magic;
	uint32_t tid;
	uint64_t seq;
};

struct worker {
	pthread_t thread;
	pid_t tid;
	int devnull;
	uint64_t first;		/* first seq of this round */
	uint64_t next_e, next_x;	/* expected next seq of each type */
	uint64_t last_ts;
	char error[160];
};

static struct worker workers[THREADS];
static atomic_int go, running;

static void *work(void *arg)
{
	struct worker *w = arg;
	struct payload p = { .magic = MAGIC };
	uint64_t i;

	w->tid = syscall(SYS_gettid);
	p.tid = w->tid;
	atomic_fetch_add(&running, 1);
	while (!atomic_load(&go))
		sched_yield();
	for (i = 0; i < WRITES; i++) {
		p.seq = w->first + i;
		if (write(w->devnull, &p, sizeof(p)) != sizeof(p)) {
			snprintf(w->error, sizeof(w->error), "write to /dev/null: %s",
				 strerror(errno));
			break;
		}
	}
	atomic_fetch_sub(&running, 1);
	return NULL;
}

static struct worker *worker_of(uint64_t tid)
{
	int i;

	for (i = 0; i < THREADS; i++)
		if (workers[i].tid && (uint64_t)workers[i].tid == tid)
			return &workers[i];
	return NULL;
}

struct ring_state {
	uint64_t last_ts;
	size_t events;
};

static size_t checked;

static void check(const struct event *ev, int cpu, struct ring_state *rs)
{
	struct worker *w = worker_of(ev->tid);
	const struct payload *p;
	const uint8_t *data;
	int64_t fd;
	int len;

	if (ev->ts < rs->last_ts)
		die("ring %d: an event of tid %" PRIu64 " type %u at %" PRIu64
		    " ns follows one at %" PRIu64 " ns: written out of order", cpu, ev->tid,
		    ev->type, ev->ts, rs->last_ts);
	rs->last_ts = ev->ts;
	rs->events++;
	if (!w || (ev->type != SCAPE_WRITE_E && ev->type != SCAPE_WRITE_X))
		return;
	if (ev->type == SCAPE_WRITE_E) {
		fd = param_s64(ev, 0);
		if (fd != w->devnull)
			return;	/* not the workload's (a failed write is caught below) */
		if (param_u32(ev, 1) != sizeof(*p))
			die("tid %d: WRITE_E size %u, want %zu", w->tid, param_u32(ev, 1),
			    sizeof(*p));
		w->next_e++;
		if (w->next_e > w->next_x + 1)
			die("tid %d: two WRITE_E without a WRITE_X between them (seq %" PRIu64 ")",
			    w->tid, w->next_x);
		checked++;
		return;
	}
	len = event_param(ev, 1, &data);
	if (param_s64(ev, 0) != (int64_t)sizeof(*p) || len != (int)sizeof(*p))
		return;	/* another write of the thread (none is made) */
	p = (const void *)data;
	if (p->magic != MAGIC)
		die("tid %d: WRITE_X data is not a payload: torn event", w->tid);
	if (p->tid != (uint32_t)w->tid)
		die("an event of tid %d carries tid %u's data: misplaced", w->tid, p->tid);
	if (p->seq != w->next_x)
		die("tid %d: WRITE_X seq %" PRIu64 ", want %" PRIu64
		    " (lost, repeated or reordered)", w->tid, p->seq, w->next_x);
	if (w->next_e != w->next_x + 1)
		die("tid %d: WRITE_X seq %" PRIu64 " without its WRITE_E", w->tid, p->seq);
	if (ev->ts < w->last_ts)
		die("tid %d: seq %" PRIu64 " stamped before the one it follows", w->tid, p->seq);
	w->last_ts = ev->ts;
	w->next_x++;
	checked++;
}

/*
 * Reads the rings in timestamp order across CPUs: a migrated thread's next
 * event may be on another ring, older events first. Returns how many
 * events were consumed; waits for a ring with nothing readable only while
 * writers run.
 */
struct reader {
	struct ring *rings;
	int n;
	struct ring_state *state;
};

static size_t drain(struct reader *r, int final)
{
	size_t consumed = 0;

	for (;;) {
		struct event ev, best_ev;
		int best = -1, cpu, busy = atomic_load(&running) > 0 && !final;
		uint32_t tail, avail, best_len = 0;

		for (cpu = 0; cpu < r->n; cpu++) {
			const char *why;

			avail = ring_readable(&r->rings[cpu], &tail);
			if (!avail) {
				if (busy)
					return consumed;	/* it may still get older events */
				continue;
			}
			why = event_parse(r->rings[cpu].data + tail, avail, &ev);
			if (why)
				die("ring %d at %u: %s: torn event", cpu, tail, why);
			if (best < 0 || ev.ts < best_ev.ts) {
				best = cpu;
				best_ev = ev;
				best_len = ev.len;
			}
		}
		if (best < 0)
			return consumed;
		check(&best_ev, best, &r->state[best]);
		ring_consume(&r->rings[best], best_len);
		consumed++;
	}
}

int main(void)
{
	static struct ring rings[MAX_RINGS];
	static struct ring_state state[MAX_RINGS];
	struct reader reader = { rings, 0, state };
	struct expected exp;
	uint64_t drops = 0;
	size_t events = 0;
	int cpus, i, round;

	load_expected(&exp);
	cpus = possible_cpus();
	if (cpus < 2)
		die("%d CPU: nothing to migrate to; boot the guest with two or more", cpus);
	if (cpus > MAX_RINGS)
		cpus = MAX_RINGS;
	reader.n = cpus;
	rings_open(rings, cpus, &exp, 1);
	for (i = 0; i < THREADS; i++) {
		workers[i].devnull = open("/dev/null", O_WRONLY);
		if (workers[i].devnull < 0)
			die_errno("open /dev/null");
	}
	for (round = 0; round < ROUNDS; round++) {
		atomic_store(&go, 0);
		for (i = 0; i < THREADS; i++) {
			workers[i].first = (uint64_t)round * WRITES;
			if (pthread_create(&workers[i].thread, NULL, work, &workers[i]))
				die("pthread_create failed");
		}
		while (atomic_load(&running) < THREADS)
			sched_yield();
		/* A new thread each round: new tids, counted from first. */
		for (i = 0; i < THREADS; i++) {
			workers[i].next_e = workers[i].next_x = workers[i].first;
			workers[i].last_ts = 0;
		}
		atomic_store(&go, 1);
		while (atomic_load(&running) > 0)
			events += drain(&reader, 0);
		for (i = 0; i < THREADS; i++) {
			pthread_join(workers[i].thread, NULL);
			if (workers[i].error[0])
				die("tid %d: %s", workers[i].tid, workers[i].error);
		}
		events += drain(&reader, 1);
		for (i = 0; i < THREADS; i++) {
			struct worker *w = &workers[i];
			uint64_t want = w->first + WRITES;

			if (w->next_x != want || w->next_e != want)
				die("round %d, tid %d: %" PRIu64 " WRITE_E and %" PRIu64
				    " WRITE_X of %d writes arrived", round, w->tid,
				    w->next_e - w->first, w->next_x - w->first, WRITES);
			w->tid = 0;
		}
	}
	for (i = 0; i < cpus; i++)
		drops += rings[i].info->n_drops_buffer + rings[i].info->n_drops_pf;
	if (drops)
		die("%" PRIu64 " events dropped", drops);
	printf("%d rounds of %d unpinned threads x %d writes on %d CPUs: %zu workload events of %zu parsed, whole, in order per ring and per thread, none lost or misplaced\n",
	       ROUNDS, THREADS, WRITES, cpus, checked, events);
	return 0;
}
