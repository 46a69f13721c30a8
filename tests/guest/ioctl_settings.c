// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The ioctls that change what is recorded, each seen in the events of a
 * workload thread pinned to the last CPU (settings go through device 0:
 * they belong to the consumer, whatever device):
 * - capture: off after open (no ring moves); on, every event of the
 *   workload arrives; off on the workload's ring, none of them anywhere;
 *   off on all rings, no ring moves; on again, events flow;
 * - GENERIC events: getppid gives GENERIC_E { ID, nativeID } and
 *   GENERIC_X { ID } with the PPM_SC code of driver-src's syscall table
 *   and the x86_64 number; every generic event of the thread carries its
 *   syscall's code; ia32 syscalls and numbers past the table give none;
 * - SET_SNAPLEN: read/write data is min(bytes moved, snaplen), 80 by
 *   default, 0 and 65000 included; past 65000 EINVAL, nothing changed;
 * - the event mask: an unset type stops, set it comes back; zeroed no
 *   ring moves; one type set gives only it; types >= 336 EINVAL;
 * - dropping mode: ratios other than 1, 2, 4 ... 128 EINVAL; ratio 1
 *   drops the generic syscalls only; ratio 128 keeps sampled syscalls only
 *   in the first 1/128 of each second, marks gaps with alternating DROP_E
 *   (in a gap) / DROP_X (out of it) carrying the ratio, never drops the
 *   close of an open fd, always drops close(-1) (an fd not open, a failed
 *   close); turned off, a DROP_X closes the last gap and everything is
 *   recorded.
 * On the workload's ring, n_evts grows by exactly the events written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scap_test.h"

/* The module's own syscall table: the PPM_SC codes GENERIC events carry. */
typedef uint8_t u8;
typedef uint16_t u16;
#include "syscall_codes.c"

/* INTERFACE.md's numbers, which the header the test uses must keep. */
_Static_assert(SCAP_SNAPLEN_DEFAULT == 80, "INTERFACE.md: default snaplen 80");
_Static_assert(SCAP_SNAPLEN_MAX == 65000, "INTERFACE.md: snaplen up to 65000");
_Static_assert(SCAP_SAMPLING_RATIO_MAX == 128, "INTERFACE.md: ratios up to 128");
_Static_assert(SYS_getppid == 110, "the x86_64 number of getppid");

#define MAX_RINGS	64
#define CALLS		100	/* of each syscall in a workload */
#define WRITE_LEN	200	/* more than the default snaplen */
#define READ_LEN	100
#define BIG_LEN		(SCAP_SNAPLEN_MAX + 5000)
#define NSEC_PER_SEC	1000000000ULL
#define RATIO		SCAP_SAMPLING_RATIO_MAX
#define KEPT_NS		(NSEC_PER_SEC / RATIO)	/* kept part of each second */
#define IA32_GETPPID	64	/* arch/x86/entry/syscalls/syscall_32.tbl */
#define PAST_TABLE	(SCAP_SYSCALL_TABLE_SIZE + 88)

static struct ring rings[MAX_RINGS];
static struct expected exp;
static int n_cpus, wcpu;	/* the workload's CPU, the last one */
static int devnull, devzero;
static uint8_t *wbuf;		/* BIG_LEN bytes of a pattern */
static const char *phase = "setup";
static uint32_t snaplen = SCAP_SNAPLEN_DEFAULT;
static uint16_t getppid_code;
static long ppid;		/* what getppid returns, asked once */

#define fail(fmt, ...) die("%s: " fmt, phase, ##__VA_ARGS__)

static void set(unsigned long cmd, unsigned long arg, const char *what)
{
	if (ioctl(rings[0].fd, cmd, arg))
		die_errno("%s: %s(%lu) on %s", phase, what, arg, device_path(&exp, 0));
}

static void set_all(unsigned long cmd, const char *what)
{
	int cpu;

	for (cpu = 0; cpu < n_cpus; cpu++) {
		if (ioctl(rings[cpu].fd, cmd))
			die_errno("%s: %s on %s", phase, what, device_path(&exp, cpu));
	}
}

static void refused(unsigned long cmd, unsigned long arg, const char *what)
{
	if (ioctl(rings[0].fd, cmd, arg) == 0)
		fail("%s(%#lx) succeeded, want EINVAL", what, arg);
	if (errno != EINVAL)
		die_errno("%s: %s(%#lx): want EINVAL, got", phase, what, arg);
}

/* What the workload thread does; every call interleaved, CALLS each. */
struct work {
	size_t write_len;	/* per write to /dev/null; 0: no writes */
	bool reads;		/* READ_LEN from /dev/zero */
	bool getppids;
	bool closes;		/* close(-1): EBADF */
	bool closes_open;	/* close(dup(devnull)): 0 */
	int open_fd;		/* the fd that dup made (the same each time) */
	bool odd;		/* an ia32 getppid, a number past the table */
	uint64_t started, ended;
};

static void work(void *arg)
{
	struct work *w = arg;
	uint8_t buf[READ_LEN];
	int i;

	w->started = now_ns();
	for (i = 0; i < CALLS; i++) {
		if (w->write_len && write(devnull, wbuf, w->write_len) != (ssize_t)w->write_len)
			fail("write of %zu bytes to /dev/null", w->write_len);
		if (w->reads && read(devzero, buf, READ_LEN) != READ_LEN)
			fail("read of /dev/zero");
		if (w->getppids && syscall(SYS_getppid) != ppid)
			fail("getppid");
		if (w->closes && (close(-1) != -1 || errno != EBADF))
			fail("close(-1) did not fail with EBADF");
		if (w->closes_open) {
			w->open_fd = dup(devnull);
			if (w->open_fd < 0 || close(w->open_fd))
				fail("dup of /dev/null and its close");
		}
		if (w->odd) {
			long ret;

			asm volatile ("int $0x80" : "=a" (ret) : "a" (IA32_GETPPID)
				      : "memory", "r8", "r9", "r10", "r11");
			if (ret != ppid)
				fail("ia32 getppid returned %ld, want %ld", ret, ppid);
			if (syscall(PAST_TABLE) != -1 || errno != ENOSYS)
				fail("syscall %d did not fail with ENOSYS", PAST_TABLE);
		}
	}
	w->ended = now_ns();
}

/* The workload's events: those of its tid, counted by type. */
struct tally {
	const struct work *w;
	uint64_t tid;
	size_t type[SCAP_EVENT_MAX];
	size_t getppid_e, getppid_x;
};

static void check_data(const struct event *ev, const uint8_t *want, size_t moved)
{
	size_t len = moved < snaplen ? moved : snaplen;
	const uint8_t *data;
	int got = event_param(ev, 1, &data);

	if (got != (int)len)
		fail("type %u carries %d data bytes, want %zu (moved %zu, snaplen %u)", ev->type,
		     got, len, moved, snaplen);
	if (want && memcmp(data, want, len))
		fail("type %u's %zu data bytes differ from those moved", ev->type, len);
	if (!want) {
		size_t i;

		for (i = 0; i < len; i++) {
			if (data[i])
				fail("type %u: data byte %zu of a /dev/zero read is %u", ev->type, i,
				     data[i]);
		}
	}
}

/* Every generic event names its syscall by the table's code. */
static void check_generic_e(struct tally *t, const struct event *ev)
{
	uint16_t id = param_u16(ev, 0), nr = param_u16(ev, 1);

	if (nr >= SCAP_SYSCALL_TABLE_SIZE)
		fail("GENERIC_E for syscall %u, past the %d-entry table", nr,
		     SCAP_SYSCALL_TABLE_SIZE);
	if (id != scap_syscall_codes[nr].code)
		fail("GENERIC_E of syscall %u has ID %u, the table says %u", nr, id,
		     scap_syscall_codes[nr].code);
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_open: case SYS_close: case SYS_openat:
		fail("syscall %u has its own events, not GENERIC_E", nr);
	case IA32_GETPPID:
		/* x86_64's semget, which the workloads never make. */
		fail("GENERIC_E for syscall %u: an ia32 getppid was recorded", nr);
	case SYS_getppid:
		t->getppid_e++;
		break;
	}
}

static void tally_event(const struct event *ev, void *arg)
{
	struct tally *t = arg;
	const struct work *w = t->w;

	if (ev->tid != t->tid)
		return;
	t->type[ev->type]++;
	switch (ev->type) {
	case SCAPE_WRITE_E:
		if (param_s64(ev, 0) != devnull || param_u32(ev, 1) != w->write_len)
			fail("WRITE_E fd %" PRId64 " size %u, want %d and %zu", param_s64(ev, 0),
			     param_u32(ev, 1), devnull, w->write_len);
		break;
	case SCAPE_WRITE_X:
		if (param_s64(ev, 0) != (int64_t)w->write_len)
			fail("WRITE_X res %" PRId64 ", want %zu", param_s64(ev, 0), w->write_len);
		check_data(ev, wbuf, w->write_len);
		break;
	case SCAPE_READ_E:
		if (param_s64(ev, 0) != devzero || param_u32(ev, 1) != READ_LEN)
			fail("READ_E fd %" PRId64 " size %u, want %d and %d", param_s64(ev, 0),
			     param_u32(ev, 1), devzero, READ_LEN);
		break;
	case SCAPE_READ_X:
		if (param_s64(ev, 0) != READ_LEN)
			fail("READ_X res %" PRId64 ", want %d", param_s64(ev, 0), READ_LEN);
		check_data(ev, NULL, READ_LEN);
		break;
	case SCAPE_CLOSE_E:
		if (param_s64(ev, 0) != -1 && (!w->closes_open || param_s64(ev, 0) != w->open_fd))
			fail("CLOSE_E fd %" PRId64 ", want -1 or the fd dup made", param_s64(ev, 0));
		break;
	case SCAPE_CLOSE_X:
		if (param_s64(ev, 0) != -EBADF && (!w->closes_open || param_s64(ev, 0) != 0))
			fail("CLOSE_X res %" PRId64 ", want -EBADF or 0", param_s64(ev, 0));
		break;
	case SCAPE_GENERIC_E:
		check_generic_e(t, ev);
		break;
	case SCAPE_GENERIC_X:
		if (param_u16(ev, 0) == getppid_code)
			t->getppid_x++;
		break;
	}
	if (ev->type <= SCAPE_WRITE_X && ev->type >= SCAPE_CLOSE_E &&
	    (ev->ts < w->started || ev->ts > w->ended))
		fail("type %u: ts %" PRIu64 " is outside the workload's [%" PRIu64 ", %" PRIu64 "]",
		     ev->type, ev->ts, w->started, w->ended);
}

static void skip_all(void)
{
	uint32_t tail;
	int cpu;

	for (cpu = 0; cpu < n_cpus; cpu++)
		ring_consume(&rings[cpu], ring_readable(&rings[cpu], &tail));
}

struct counters {
	uint64_t evts[MAX_RINGS], drops[MAX_RINGS];
	uint32_t head[MAX_RINGS];
};

static void snapshot(struct counters *c)
{
	int cpu;

	for (cpu = 0; cpu < n_cpus; cpu++) {
		const struct scap_ring_info *info = rings[cpu].info;

		c->head[cpu] = __atomic_load_n(&info->head, __ATOMIC_ACQUIRE);
		c->evts[cpu] = info->n_evts;
		c->drops[cpu] = info->n_drops_buffer + info->n_drops_pf;
	}
}

/*
 * Runs the workload on a fresh read position, then tallies its tid's
 * events on its ring (in t) and elsewhere (returned): only events of the
 * workload's syscalls count elsewhere, its thread may start on any CPU.
 */
static size_t run(struct work *w, struct tally *t, struct counters *before,
		  struct counters *after, size_t *on_ring)
{
	struct tally elsewhere;
	size_t stray = 0, parsed;
	int cpu;

	skip_all();
	snapshot(before);
	memset(t, 0, sizeof(*t));
	t->w = w;
	t->tid = run_pinned_thread(wcpu, work, w);
	snapshot(after);
	parsed = ring_for_each(&rings[wcpu], wcpu, tally_event, t);
	if (after->drops[wcpu] != before->drops[wcpu])
		fail("the workload's ring dropped %" PRIu64 " events",
		     after->drops[wcpu] - before->drops[wcpu]);
	if (after->evts[wcpu] - before->evts[wcpu] < parsed)
		fail("ring %d: n_evts grew by %" PRIu64 " but %zu events were written", wcpu,
		     after->evts[wcpu] - before->evts[wcpu], parsed);
	if (on_ring)
		*on_ring = parsed;
	for (cpu = 0; cpu < n_cpus; cpu++) {
		if (cpu == wcpu)
			continue;
		memset(&elsewhere, 0, sizeof(elsewhere));
		elsewhere.w = w;
		elsewhere.tid = t->tid;
		ring_for_each(&rings[cpu], cpu, tally_event, &elsewhere);
		stray += elsewhere.type[SCAPE_WRITE_E] + elsewhere.type[SCAPE_WRITE_X] +
			 elsewhere.type[SCAPE_READ_E] + elsewhere.type[SCAPE_READ_X] +
			 elsewhere.type[SCAPE_CLOSE_E] + elsewhere.type[SCAPE_CLOSE_X] +
			 elsewhere.getppid_e + elsewhere.getppid_x;
	}
	return stray;
}

/* The full workload; every one of its events must arrive. */
static void expect_everything(size_t write_len)
{
	struct work w = { .write_len = write_len, .reads = true, .getppids = true,
			  .closes = true };
	struct counters before, after;
	struct tally t;
	size_t parsed;
	int type;

	if (run(&w, &t, &before, &after, &parsed))
		fail("workload events of tid %" PRIu64 " on a ring other than %d", t.tid, wcpu);
	for (type = SCAPE_CLOSE_E; type <= SCAPE_WRITE_X; type++) {
		if (t.type[type] != CALLS)
			fail("%zu events of type %d from tid %" PRIu64 ", want %d", t.type[type], type,
			     t.tid, CALLS);
	}
	if (t.getppid_e != CALLS || t.getppid_x != CALLS)
		fail("%zu GENERIC_E and %zu GENERIC_X of getppid (ID %u), want %d each",
		     t.getppid_e, t.getppid_x, getppid_code, CALLS);
	if (after.evts[wcpu] - before.evts[wcpu] != parsed)
		fail("ring %d: n_evts grew by %" PRIu64 ", %zu events were written", wcpu,
		     after.evts[wcpu] - before.evts[wcpu], parsed);
}

/* No ring may move at all. */
static void expect_silence(struct work *w, const char *why)
{
	struct counters before, after;
	struct tally t;
	int cpu;

	run(w, &t, &before, &after, NULL);
	for (cpu = 0; cpu < n_cpus; cpu++) {
		if (after.evts[cpu] != before.evts[cpu] || after.head[cpu] != before.head[cpu])
			fail("%s, ring %d took %" PRIu64 " events (head %u -> %u)", why, cpu,
			     after.evts[cpu] - before.evts[cpu], before.head[cpu], after.head[cpu]);
	}
}

static void check_capture(void)
{
	struct work w = { .write_len = WRITE_LEN, .reads = true, .getppids = true,
			  .closes = true };
	struct counters before, after;
	struct tally t;

	phase = "capture off after open";
	expect_silence(&w, "with capture never enabled");

	phase = "capture on";
	set_all(SCAP_IOCTL_ENABLE_CAPTURE, "ENABLE_CAPTURE");
	expect_everything(WRITE_LEN);	/* with the default snaplen */

	phase = "capture off on the workload's ring";
	if (ioctl(rings[wcpu].fd, SCAP_IOCTL_DISABLE_CAPTURE))
		die_errno("%s: DISABLE_CAPTURE on %s", phase, device_path(&exp, wcpu));
	if (run(&w, &t, &before, &after, NULL))
		fail("workload events of tid %" PRIu64 " on another ring", t.tid);
	if (after.evts[wcpu] != before.evts[wcpu] || after.head[wcpu] != before.head[wcpu])
		fail("ring %d took %" PRIu64 " events", wcpu, after.evts[wcpu] - before.evts[wcpu]);

	phase = "capture off on all rings";
	set_all(SCAP_IOCTL_DISABLE_CAPTURE, "DISABLE_CAPTURE");
	expect_silence(&w, "with capture disabled everywhere");

	phase = "capture on again";
	set_all(SCAP_IOCTL_ENABLE_CAPTURE, "ENABLE_CAPTURE");
	expect_everything(WRITE_LEN);
}

static void check_generic(void)
{
	struct work w = { .odd = true };
	struct counters before, after;
	struct tally t;

	phase = "GENERIC events";
	if (getppid_code == SCAP_SC_UNKNOWN)
		fail("driver-src's syscall table has no PPM_SC code for getppid (%d)", SYS_getppid);
	/* Both come from driver-src: the generated table and header agree. */
	if (getppid_code != SCAP_SC_GETPPID)
		fail("the syscall table gives getppid code %u, scap_sc_codes.h %d", getppid_code,
		     SCAP_SC_GETPPID);
	/*
	 * expect_everything() checked getppid's events; ia32 getppids and
	 * numbers past the table must make none (check_generic_e() fails).
	 */
	if (run(&w, &t, &before, &after, NULL))
		fail("workload events of tid %" PRIu64 " on a ring other than %d", t.tid, wcpu);
}

static void check_snaplen(void)
{
	static const unsigned long too_big[] = {
		SCAP_SNAPLEN_MAX + 1, (1UL << 32) | 16, (unsigned long)-1,
	};
	size_t i;

	phase = "SET_SNAPLEN 16";
	set(SCAP_IOCTL_SET_SNAPLEN, 16, "SET_SNAPLEN");
	snaplen = 16;
	expect_everything(WRITE_LEN);
	phase = "SET_SNAPLEN 16, short writes";
	expect_everything(10);

	phase = "SET_SNAPLEN 0";
	set(SCAP_IOCTL_SET_SNAPLEN, 0, "SET_SNAPLEN");
	snaplen = 0;
	expect_everything(WRITE_LEN);

	phase = "SET_SNAPLEN max";
	set(SCAP_IOCTL_SET_SNAPLEN, SCAP_SNAPLEN_MAX, "SET_SNAPLEN");
	snaplen = SCAP_SNAPLEN_MAX;
	expect_everything(BIG_LEN);

	phase = "SET_SNAPLEN past max";
	for (i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++)
		refused(SCAP_IOCTL_SET_SNAPLEN, too_big[i], "SET_SNAPLEN");
	expect_everything(BIG_LEN);	/* still the maximum */

	phase = "SET_SNAPLEN default";
	set(SCAP_IOCTL_SET_SNAPLEN, SCAP_SNAPLEN_DEFAULT, "SET_SNAPLEN");
	snaplen = SCAP_SNAPLEN_DEFAULT;
	expect_everything(WRITE_LEN);
}

static void check_mask(void)
{
	static const unsigned long bad_types[] = {
		SCAP_EVENT_MAX, SCAP_EVENT_MAX + 1, (1UL << 16) | SCAPE_WRITE_E,
		(1UL << 32) | SCAPE_WRITE_E, (unsigned long)-1,
	};
	struct work w = { .write_len = WRITE_LEN, .reads = true, .getppids = true,
			  .closes = true };
	struct counters before, after;
	struct tally t;
	size_t i, total;
	int type;

	phase = "MASK_UNSET_EVENT GENERIC_E";
	set(SCAP_IOCTL_MASK_UNSET_EVENT, SCAPE_GENERIC_E, "MASK_UNSET_EVENT");
	run(&w, &t, &before, &after, NULL);
	if (t.type[SCAPE_GENERIC_E] || t.getppid_x != CALLS || t.type[SCAPE_WRITE_E] != CALLS)
		fail("%zu GENERIC_E, %zu GENERIC_X of getppid, %zu WRITE_E; want 0, %d, %d",
		     t.type[SCAPE_GENERIC_E], t.getppid_x, t.type[SCAPE_WRITE_E], CALLS, CALLS);

	phase = "MASK_SET_EVENT GENERIC_E";
	set(SCAP_IOCTL_MASK_SET_EVENT, SCAPE_GENERIC_E, "MASK_SET_EVENT");
	expect_everything(WRITE_LEN);

	phase = "MASK_ZERO_EVENTS";
	set(SCAP_IOCTL_MASK_ZERO_EVENTS, 0, "MASK_ZERO_EVENTS");
	expect_silence(&w, "with no event type in the mask");

	phase = "bad event types";
	for (i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		refused(SCAP_IOCTL_MASK_SET_EVENT, bad_types[i], "MASK_SET_EVENT");
		refused(SCAP_IOCTL_MASK_UNSET_EVENT, bad_types[i], "MASK_UNSET_EVENT");
	}
	expect_silence(&w, "after refused mask changes");

	phase = "MASK_SET_EVENT WRITE_X only";
	set(SCAP_IOCTL_MASK_SET_EVENT, SCAPE_WRITE_X, "MASK_SET_EVENT");
	run(&w, &t, &before, &after, NULL);
	for (total = 0, type = 0; type < SCAP_EVENT_MAX; type++)
		total += t.type[type];
	if (t.type[SCAPE_WRITE_X] != CALLS || total != CALLS)
		fail("%zu WRITE_X among %zu events of tid %" PRIu64 ", want %d and nothing else",
		     t.type[SCAPE_WRITE_X], total, t.tid, CALLS);

	phase = "MASK_SET_EVENT every type";
	for (type = 0; type < SCAP_EVENT_MAX; type++)
		set(SCAP_IOCTL_MASK_SET_EVENT, type, "MASK_SET_EVENT");
	expect_everything(WRITE_LEN);
}

/* DROP markers and the events around them on the workload's ring. */
struct gaps {
	uint64_t tid;
	uint32_t ratio;		/* the ratio markers must carry */
	bool sampling;		/* dropping mode with RATIO: check the times */
	bool in_gap;		/* the last marker was DROP_E */
	size_t drop_e, drop_x, kept_writes, closes, bad_closes, generic;
	uint32_t bytes;		/* parsed */
};

static void follow_gaps(const struct event *ev, void *arg)
{
	struct gaps *g = arg;
	uint64_t in_second = ev->ts % NSEC_PER_SEC;

	g->bytes += ev->len;
	switch (ev->type) {
	case SCAPE_DROP_E:
	case SCAPE_DROP_X:
		if (param_u32(ev, 0) != g->ratio)
			fail("type %u carries ratio %u, want %u", ev->type, param_u32(ev, 0), g->ratio);
		if ((ev->type == SCAPE_DROP_E) == g->in_gap)
			fail("%s follows %s: the markers must alternate",
			     g->in_gap ? "DROP_E" : "DROP_X", g->in_gap ? "DROP_E" : "DROP_X");
		g->in_gap = ev->type == SCAPE_DROP_E;
		if (g->in_gap)
			g->drop_e++;
		else
			g->drop_x++;
		if (g->sampling && g->in_gap != (in_second >= KEPT_NS))
			fail("%s at %" PRIu64 " ns into its second (gaps start at %llu)",
			     g->in_gap ? "DROP_E" : "DROP_X", in_second, KEPT_NS);
		return;
	}
	if (ev->tid != g->tid)
		return;
	switch (ev->type) {
	case SCAPE_WRITE_E:
	case SCAPE_WRITE_X:
		if (g->in_gap)
			fail("type %u of tid %" PRIu64 " recorded after DROP_E, before DROP_X",
			     ev->type, g->tid);
		if (g->sampling && in_second >= KEPT_NS)
			fail("type %u kept at %" PRIu64 " ns into its second, past the kept %llu",
			     ev->type, in_second, KEPT_NS);
		g->kept_writes++;
		break;
	case SCAPE_CLOSE_E:
	case SCAPE_CLOSE_X:
		/* close(-1)'s enter (fd -1) and exit (-EBADF), or a close of an open fd. */
		if (param_s64(ev, 0) < 0)
			g->bad_closes++;
		else
			g->closes++;
		break;
	case SCAPE_GENERIC_E:
		if (param_u16(ev, 1) == SYS_getppid)
			g->generic++;
		break;
	case SCAPE_GENERIC_X:
		if (param_u16(ev, 0) == getppid_code)
			g->generic++;
		break;
	}
}

/* Writes for a second at least and until sampled both ways several times. */
struct sampled_work {
	size_t writes, sure_kept, sure_dropped, kept_after_gap, closes, getppids;
	uint64_t started;
	bool timed_out;
};

static void sampled_work(void *arg)
{
	struct sampled_work *s = arg;
	uint64_t before, after, now;
	size_t i;
	int fd;

	s->started = now_ns();
	for (i = 0;; i++) {
		before = now_ns();
		if (write(devnull, wbuf, 8) != 8)
			fail("write to /dev/null");
		after = now_ns();
		s->writes++;
		/* Both events' ts lie between before and after. */
		if (before / NSEC_PER_SEC == after / NSEC_PER_SEC) {
			if (after % NSEC_PER_SEC < KEPT_NS) {
				s->sure_kept++;
				if (s->sure_dropped)
					s->kept_after_gap++;
			} else if (before % NSEC_PER_SEC >= KEPT_NS) {
				s->sure_dropped++;
			}
		}
		if (i % 64 == 0) {
			syscall(SYS_getppid);
			s->getppids++;
			close(-1);
			fd = dup(devnull);
			if (fd < 0 || close(fd))
				fail("dup of /dev/null and its close");
			s->closes++;
		}
		now = now_ns();
		if (s->kept_after_gap >= 3 && now - s->started >= NSEC_PER_SEC)
			break;
		if (now - s->started >= 60 * NSEC_PER_SEC) {
			s->timed_out = true;
			break;
		}
	}
}

static void check_dropping(void)
{
	static const unsigned long bad_ratios[] = {
		0, 3, 6, 96, 127, RATIO + 1, 2 * RATIO, (1UL << 32) | 2, (unsigned long)-1,
	};
	struct gaps g = { .ratio = 1 };
	struct work w = { .write_len = WRITE_LEN, .getppids = true, .closes = true,
			  .closes_open = true };
	struct counters before, after;
	struct sampled_work s = { 0 };
	unsigned long ratio;
	struct tally t;
	size_t i;

	phase = "ENABLE_DROPPING_MODE bad ratios";
	for (i = 0; i < sizeof(bad_ratios) / sizeof(bad_ratios[0]); i++)
		refused(SCAP_IOCTL_ENABLE_DROPPING_MODE, bad_ratios[i], "ENABLE_DROPPING_MODE");
	expect_everything(WRITE_LEN);	/* not in dropping mode */
	phase = "ENABLE_DROPPING_MODE good ratios";
	for (ratio = 1; ratio <= RATIO; ratio *= 2) {
		set(SCAP_IOCTL_ENABLE_DROPPING_MODE, ratio, "ENABLE_DROPPING_MODE");
		set(SCAP_IOCTL_DISABLE_DROPPING_MODE, 0, "DISABLE_DROPPING_MODE");
	}
	expect_everything(WRITE_LEN);

	phase = "dropping mode, ratio 1";
	set(SCAP_IOCTL_ENABLE_DROPPING_MODE, 1, "ENABLE_DROPPING_MODE");
	run(&w, &t, &before, &after, NULL);
	g.tid = t.tid;
	ring_for_each(&rings[wcpu], wcpu, follow_gaps, &g);
	if (g.drop_e || g.drop_x)
		fail("%zu DROP_E and %zu DROP_X with ratio 1", g.drop_e, g.drop_x);
	if (g.generic || g.kept_writes != 2 * CALLS || g.closes != 2 * CALLS || g.bad_closes)
		fail("%zu generic getppid, %zu write, %zu close and %zu close(-1) events; want 0, %d, %d, 0",
		     g.generic, g.kept_writes, g.closes, g.bad_closes, 2 * CALLS, 2 * CALLS);

	phase = "dropping mode, ratio 128";
	set(SCAP_IOCTL_ENABLE_DROPPING_MODE, RATIO, "ENABLE_DROPPING_MODE");
	skip_all();
	snapshot(&before);
	g = (struct gaps){ .ratio = RATIO, .sampling = true };
	g.tid = run_pinned_thread(wcpu, sampled_work, &s);
	snapshot(&after);
	if (s.timed_out)
		fail("in 60 s of writes only %zu fell surely in a kept part of a second after a gap",
		     s.kept_after_gap);
	ring_for_each(&rings[wcpu], wcpu, follow_gaps, &g);
	if (after.drops[wcpu] != before.drops[wcpu])
		fail("the ring dropped %" PRIu64 " events", after.drops[wcpu] - before.drops[wcpu]);
	if (g.kept_writes < 2 * s.sure_kept || g.kept_writes > 2 * (s.writes - s.sure_dropped))
		fail("%zu write events kept of %zu writes, want between %zu and %zu (surely kept: %zu, surely dropped: %zu)",
		     g.kept_writes, s.writes, 2 * s.sure_kept, 2 * (s.writes - s.sure_dropped),
		     s.sure_kept, s.sure_dropped);
	if (!g.drop_e || !g.drop_x)
		fail("%zu DROP_E and %zu DROP_X, want some of each (%zu writes surely in gaps, %zu after)",
		     g.drop_e, g.drop_x, s.sure_dropped, s.kept_after_gap);
	if (g.closes != 2 * s.closes)
		fail("%zu close events of %zu closes of open fds: they are never dropped", g.closes,
		     s.closes);
	if (g.bad_closes)
		fail("%zu events of close(-1): a close of an fd not open and a failed close are always dropped",
		     g.bad_closes);
	if (g.generic)
		fail("%zu generic getppid events: generic syscalls are always dropped", g.generic);
	note("ratio %d: %zu of %zu writes' events kept, %zu DROP_E, %zu DROP_X", RATIO,
	     g.kept_writes, 2 * s.writes, g.drop_e, g.drop_x);

	/*
	 * The ring is read on from where that ended, so no marker is missed.
	 * The gap left open, if any, closes with the ratio now in force: 1.
	 */
	phase = "DISABLE_DROPPING_MODE";
	ring_consume(&rings[wcpu], g.bytes);
	set(SCAP_IOCTL_DISABLE_DROPPING_MODE, 0, "DISABLE_DROPPING_MODE");
	g.ratio = 1;
	g.sampling = false;
	g.kept_writes = g.closes = g.bad_closes = g.generic = 0;
	g.tid = run_pinned_thread(wcpu, work, &w);
	ring_for_each(&rings[wcpu], wcpu, follow_gaps, &g);
	if (g.in_gap)
		fail("DROP_E without DROP_X after dropping mode was turned off");
	if (g.generic != 2 * CALLS || g.kept_writes != 2 * CALLS || g.closes != 2 * CALLS ||
	    g.bad_closes != 2 * CALLS)
		fail("%zu generic getppid, %zu write, %zu close and %zu close(-1) events; want %d each",
		     g.generic, g.kept_writes, g.closes, g.bad_closes, 2 * CALLS);
	expect_everything(WRITE_LEN);
}

int main(void)
{
	int i;

	load_expected(&exp);
	n_cpus = possible_cpus();
	if (n_cpus > MAX_RINGS)
		die("%d CPUs, the test handles %d", n_cpus, MAX_RINGS);
	if (n_cpus < 2)
		die("%d CPU: the test keeps the workload's CPU apart, it needs 2", n_cpus);
	wcpu = n_cpus - 1;
	pin_to_cpu(0);
	getppid_code = scap_syscall_codes[SYS_getppid].code;
	ppid = getppid();
	devnull = open("/dev/null", O_WRONLY);
	devzero = open("/dev/zero", O_RDONLY);
	if (devnull < 0 || devzero < 0)
		die_errno("cannot open /dev/null and /dev/zero");
	wbuf = malloc(BIG_LEN);
	if (!wbuf)
		die("out of memory");
	for (i = 0; i < BIG_LEN; i++)
		wbuf[i] = 'A' + i % 53;
	rings_open(rings, n_cpus, &exp, 0);
	check_capture();
	check_generic();
	check_snaplen();
	check_mask();
	check_dropping();
	note("capture on/off per ring, GENERIC codes from the syscall table, snaplen 0/16/80/65000, event mask, dropping mode: as INTERFACE.md says");
	return 0;
}
