// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The probes read user memory with page faults disabled: an openat whose
 * path is not resident when the syscall enters cannot be recorded then.
 * A thread pinned to the last CPU, capture on, makes openat calls whose
 * path is
 * - resident (the control): a page of a tmpfs file mapped MAP_SHARED,
 *   zapped with madvise(MADV_DONTNEED) and read again before the call;
 * - absent: the same page zapped and not read again (the file keeps the
 *   path: the syscall faults the page back in and opens the file);
 * - straddling: its first 16 bytes at the end of the resident page before
 *   it, the rest in the zapped one (a path cut there must not be written);
 * - in a fresh anonymous page never touched (reads as zeroes once
 *   faulted in: the syscall fails with ENOENT on the empty path).
 * For each call the thread reads its ring's info page before and after:
 * n_drops_pf grows by exactly 1 for each call with an absent path, 0 for
 * the control; n_evts by 2 (both events were tried; plus any other task's
 * events the ring published meanwhile), n_drops_buffer not
 * at all; what was published meanwhile (head before..after) is, of the
 * thread's events, the OPENAT_2_X alone (absent) or OPENAT_2_E and
 * OPENAT_2_X (control). The thread's events between two getppid markers
 * are exactly what it did, in order: every madvise and close, both
 * openat events of the control, the exit event of every other openat
 * with its result, dirfd, the path the syscall saw, flags, mode and
 * device; the enter events of the others are missing. In the end the
 * ring's n_drops_pf is the number of absent-path calls, every other ring
 * has none, no ring dropped for lack of room, and every event parses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "scap_test.h"

#define MAX_RINGS	64
#define ROUNDS		10
#define PAGE		4096
#define HOLDER		"/tmp/scap-pagefault-path-holder"
#define TARGET		"/tmp/scap-pagefault-drops-target-file"
#define ABSENT_OFF	(PAGE + 2048)	/* the path, alone in the zapped page */
#define STRADDLE_OFF	(PAGE - 16)	/* 16 bytes resident, the rest zapped */

enum kind { RESIDENT, ABSENT, STRADDLE, FRESH_ANON, KINDS };

static const char *const kind_name[KINDS] = {
	"resident", "absent", "straddling", "fresh anonymous",
};

struct counts {
	uint64_t pf, buffer, evts;
	uint32_t head;
};

struct call {
	enum kind kind;
	long ret;			/* the openat's result, or -errno */
	struct counts before, after;	/* the ring's info around it */
};

#define CALLS (ROUNDS * KINDS)

static struct ring rings[MAX_RINGS];
static struct expected exp;
static int wcpu;
static volatile char *holder;		/* 2 pages of HOLDER, MAP_SHARED */
static volatile char *anon;		/* CALLS pages never touched */
static struct call calls[CALLS];
static char error[200];

static void snapshot(struct counts *c)
{
	struct scap_ring_info *info = rings[wcpu].info;

	c->head = __atomic_load_n(&info->head, __ATOMIC_ACQUIRE);
	c->pf = __atomic_load_n(&info->n_drops_pf, __ATOMIC_RELAXED);
	c->buffer = __atomic_load_n(&info->n_drops_buffer, __ATOMIC_RELAXED);
	c->evts = __atomic_load_n(&info->n_evts, __ATOMIC_RELAXED);
}

static const char *path_of(enum kind kind, int i)
{
	switch (kind) {
	case RESIDENT:
	case ABSENT:
		return (const char *)holder + ABSENT_OFF;
	case STRADDLE:
		return (const char *)holder + STRADDLE_OFF;
	default:
		return (const char *)anon + (size_t)i * PAGE;
	}
}

/*
 * Between the two getppid markers only these calls, each round: for each
 * kind, madvise(MADV_DONTNEED) of the holder's second page, openat, and
 * close when it opened. Reading the info page and the holder makes no
 * syscall.
 */
static void work(void *arg)
{
	int i = 0, r;
	enum kind k;

	(void)arg;
	syscall(SYS_getppid);
	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < KINDS; k++, i++) {
			struct call *c = &calls[i];
			const char *path = path_of(k, i);

			c->kind = k;
			(void)holder[0];	/* resident: no fault, no fault-around */
			if (madvise((void *)(holder + PAGE), PAGE, MADV_DONTNEED)) {
				snprintf(error, sizeof(error), "madvise: %s", strerror(errno));
				return;
			}
			if (k == RESIDENT)
				(void)holder[ABSENT_OFF];
			snapshot(&c->before);
			c->ret = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
			if (c->ret < 0)
				c->ret = -errno;
			snapshot(&c->after);
			if (c->ret >= 0 && close(c->ret)) {
				snprintf(error, sizeof(error), "close: %s", strerror(errno));
				return;
			}
		}
	}
	syscall(SYS_getppid);
}

/* The thread's events on a ring, in ring order, with their offsets. */
struct seen {
	struct event ev;
	uint32_t off;
};

struct collected {
	const struct ring *ring;
	uint64_t tid;
	struct seen *seen;
	size_t n, cap;
	/* Offsets of other tasks' events on the ring (they count in n_evts). */
	uint32_t *others;
	size_t n_others, cap_others;
};

static void collect(const struct event *ev, void *arg)
{
	struct collected *c = arg;
	const uint8_t *start = ev->lens - SCAP_EVT_HDR_LEN;

	if (ev->tid != c->tid) {
		if (c->n_others == c->cap_others) {
			c->cap_others = c->cap_others ? 2 * c->cap_others : 64;
			c->others = realloc(c->others, c->cap_others * sizeof(*c->others));
			if (!c->others)
				die("out of memory");
		}
		c->others[c->n_others++] =
			(uint32_t)((start - c->ring->data) % SCAP_RING_BUF_SIZE);
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->seen = realloc(c->seen, c->cap * sizeof(*c->seen));
		if (!c->seen)
			die("out of memory");
	}
	c->seen[c->n].ev = *ev;
	c->seen[c->n].off = (uint32_t)((start - c->ring->data) % SCAP_RING_BUF_SIZE);
	c->n++;
}

static struct collected ours;
static size_t at;
static uint32_t target_dev;

static const struct event *next(uint16_t type, int i, const char *what)
{
	const struct event *ev;

	if (at >= ours.n)
		die("call %d (%s): missing %s (type %u): only %zu events of the thread", i,
		    i >= 0 ? kind_name[calls[i].kind] : "-", what, type, ours.n);
	ev = &ours.seen[at++].ev;
	if (ev->type != type)
		die("call %d (%s): event %zu is type %u, want %s (type %u)", i,
		    i >= 0 ? kind_name[calls[i].kind] : "-", at - 1, ev->type, what, type);
	return ev;
}

static void expect_generic(uint16_t nr, int i, const char *what)
{
	const struct event *ev = next(SCAPE_GENERIC_E, i, what);

	if (param_u16(ev, 1) != nr)
		die("call %d: GENERIC_E of syscall %u, want %s (%u)", i, param_u16(ev, 1), what,
		    nr);
	next(SCAPE_GENERIC_X, i, what);
}

static void check_openat(const struct event *ev, uint32_t first, int i, const char *want)
{
	const char *name = param_str(ev, first + 1);

	if (param_s64(ev, first) != AT_FDCWD)
		die("call %d (%s): type %u dirfd %" PRId64 ", want AT_FDCWD", i,
		    kind_name[calls[i].kind], ev->type, param_s64(ev, first));
	if (strcmp(name, want))
		die("call %d (%s): type %u name \"%s\", want \"%s\"", i, kind_name[calls[i].kind],
		    ev->type, name, want);
	if (param_u32(ev, first + 2) != SCAP_O_RDONLY || param_u32(ev, first + 3) != 0)
		die("call %d (%s): type %u flags %#x mode %#o, want O_RDONLY (%#x) and 0", i,
		    kind_name[calls[i].kind], ev->type, param_u32(ev, first + 2),
		    param_u32(ev, first + 3), SCAP_O_RDONLY);
}

/*
 * Events of other tasks (a process the guest runs now and then) that the
 * ring published while the call ran: they count in n_evts too.
 */
static uint64_t others_during(const struct call *c)
{
	uint64_t n = 0;
	size_t j;

	for (j = 0; j < ours.n_others; j++)
		if (ours.others[j] >= c->before.head && ours.others[j] < c->after.head)
			n++;
	return n;
}

/* The call's own effect on its ring's info page. */
static void check_counts(const struct call *c, int i)
{
	uint64_t want_pf = c->kind != RESIDENT;
	uint64_t pf = c->after.pf - c->before.pf;
	uint64_t want_evts = 2 + others_during(c);

	if (pf != want_pf)
		die("call %d (%s path): n_drops_pf grew by %" PRIu64 ", want %" PRIu64, i,
		    kind_name[c->kind], pf, want_pf);
	if (c->after.evts - c->before.evts != want_evts)
		die("call %d (%s path): n_evts grew by %" PRIu64 ", want %" PRIu64
		    " (enter and exit tried, and %" PRIu64 " other tasks' events published meanwhile)",
		    i, kind_name[c->kind], c->after.evts - c->before.evts, want_evts,
		    want_evts - 2);
	if (c->after.buffer != c->before.buffer)
		die("call %d (%s path): n_drops_buffer grew by %" PRIu64, i, kind_name[c->kind],
		    c->after.buffer - c->before.buffer);
	if (c->after.head < c->before.head)
		die("call %d: head went from %u to %u (no wrap expected)", i, c->before.head,
		    c->after.head);
}

/*
 * The thread's events published while the call ran (head before .. after):
 * the openat's exit event, preceded by its enter event for the control.
 */
static void check_window(const struct call *c, int i, size_t enter, size_t exit_at)
{
	size_t j, n = 0;

	for (j = 0; j < ours.n; j++) {
		uint32_t off = ours.seen[j].off;

		if (off < c->before.head || off >= c->after.head)
			continue;
		if (j != exit_at && (c->kind != RESIDENT || j != enter))
			die("call %d (%s path): the thread's event %zu (type %u) was published during the openat",
			    i, kind_name[c->kind], j, ours.seen[j].ev.type);
		n++;
	}
	if (n != (c->kind == RESIDENT ? 2u : 1u))
		die("call %d (%s path): %zu of the thread's events published during the openat, want %u",
		    i, kind_name[c->kind], n, c->kind == RESIDENT ? 2u : 1u);
}

static void check_call(int i)
{
	const struct call *c = &calls[i];
	const char *want = c->kind == FRESH_ANON ? "" : TARGET;
	long want_ret = c->kind == FRESH_ANON ? -ENOENT : c->ret;
	size_t enter = 0, exit_at;
	const struct event *ev;
	uint32_t dev;

	if (c->kind == FRESH_ANON ? c->ret != -ENOENT : c->ret < 0)
		die("call %d (%s path): openat returned %ld", i, kind_name[c->kind], c->ret);
	expect_generic(SYS_madvise, i, "madvise");
	if (c->kind == RESIDENT) {
		enter = at;
		ev = next(SCAPE_OPENAT_2_E, i, "OPENAT_2_E");
		check_openat(ev, 0, i, TARGET);
	}
	exit_at = at;
	ev = next(SCAPE_OPENAT_2_X, i, c->kind == RESIDENT ? "OPENAT_2_X" :
		  "OPENAT_2_X (its OPENAT_2_E dropped)");
	if (param_s64(ev, 0) != want_ret)
		die("call %d (%s path): OPENAT_2_X fd %" PRId64 ", want %ld", i,
		    kind_name[c->kind], param_s64(ev, 0), want_ret);
	check_openat(ev, 1, i, want);
	dev = param_u32(ev, 5);
	if (dev != (c->ret >= 0 ? target_dev : 0))
		die("call %d (%s path): OPENAT_2_X dev %#x, want %#x", i, kind_name[c->kind], dev,
		    c->ret >= 0 ? target_dev : 0);
	check_counts(c, i);
	check_window(c, i, enter, exit_at);
	if (c->ret < 0)
		return;
	ev = next(SCAPE_CLOSE_E, i, "CLOSE_E");
	if (param_s64(ev, 0) != c->ret)
		die("call %d: CLOSE_E fd %" PRId64 ", want %ld", i, param_s64(ev, 0), c->ret);
	ev = next(SCAPE_CLOSE_X, i, "CLOSE_X");
	if (param_s64(ev, 0) != 0)
		die("call %d: CLOSE_X res %" PRId64 ", want 0", i, param_s64(ev, 0));
}

/* Events of the thread on the other rings while it ran pinned: none. */
struct stray {
	uint64_t tid, from, to;
	size_t n;
};

static void count_stray(const struct event *ev, void *arg)
{
	struct stray *s = arg;

	if (ev->tid == s->tid && ev->ts >= s->from && ev->ts <= s->to)
		s->n++;
}

static void make_files(void)
{
	char page[2 * PAGE];
	struct stat st;
	int fd;

	fd = open(TARGET, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "target\n", 7) != 7 || close(fd))
		die_errno("cannot create %s", TARGET);
	if (stat(TARGET, &st))
		die_errno("stat %s", TARGET);
	target_dev = (minor(st.st_dev) & 0xff) | (major(st.st_dev) << 8) |
		     ((minor(st.st_dev) & ~0xffu) << 12);	/* new_encode_dev */
	_Static_assert(STRADDLE_OFF + sizeof(TARGET) <= ABSENT_OFF, "paths overlap");
	memset(page, 'x', sizeof(page));
	memcpy(page + STRADDLE_OFF, TARGET, sizeof(TARGET));
	memcpy(page + ABSENT_OFF, TARGET, sizeof(TARGET));
	fd = open(HOLDER, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || write(fd, page, sizeof(page)) != sizeof(page))
		die_errno("cannot create %s", HOLDER);
	holder = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (holder == MAP_FAILED)
		die_errno("mmap %s", HOLDER);
	close(fd);
	/* Never read: each call's page is faulted in by its openat only. */
	anon = mmap(NULL, (size_t)CALLS * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		die_errno("mmap of %d anonymous pages", CALLS);
	if (madvise((void *)anon, (size_t)CALLS * PAGE, MADV_NOHUGEPAGE))
		die_errno("madvise(MADV_NOHUGEPAGE)");
}

int main(void)
{
	struct stray stray = { 0 };
	size_t first, parsed = 0;
	int n, cpu, i;
	uint64_t want_pf = 0;

	load_expected(&exp);
	n = possible_cpus();
	if (n > MAX_RINGS)
		die("%d CPUs, the test handles %d", n, MAX_RINGS);
	wcpu = n - 1;
	make_files();
	rings_open(rings, n, &exp, 1);
	ours.tid = run_pinned_thread(wcpu, work, NULL);
	for (cpu = 0; cpu < n; cpu++) {
		if (ioctl(rings[cpu].fd, SCAP_IOCTL_DISABLE_CAPTURE))
			die_errno("DISABLE_CAPTURE on %s", device_path(&exp, cpu));
	}
	if (error[0])
		die("workload: %s", error);

	ours.ring = &rings[wcpu];
	parsed += ring_for_each(&rings[wcpu], wcpu, collect, &ours);
	for (first = 0; first < ours.n; first++) {
		const struct event *ev = &ours.seen[first].ev;

		if (ev->type == SCAPE_GENERIC_E && param_u16(ev, 1) == SYS_getppid)
			break;
	}
	if (first == ours.n)
		die("no getppid of tid %" PRIu64 " on ring %d (%zu events of the thread)", ours.tid,
		    wcpu, ours.n);
	at = first;
	expect_generic(SYS_getppid, -1, "the first getppid");
	for (i = 0; i < CALLS; i++) {
		check_call(i);
		want_pf += calls[i].kind != RESIDENT;
	}
	expect_generic(SYS_getppid, -1, "the last getppid");

	stray.tid = ours.tid;
	stray.from = ours.seen[first].ev.ts;
	stray.to = ours.seen[at - 1].ev.ts;
	for (cpu = 0; cpu < n; cpu++) {
		struct scap_ring_info *info = rings[cpu].info;
		uint64_t want = cpu == wcpu ? want_pf : 0;

		if (cpu != wcpu)
			parsed += ring_for_each(&rings[cpu], cpu, count_stray, &stray);
		if (info->n_drops_pf != want)
			die("ring %d: n_drops_pf is %llu, want %" PRIu64, cpu,
			    (unsigned long long)info->n_drops_pf, want);
		if (info->n_drops_buffer)
			die("ring %d: n_drops_buffer is %llu", cpu,
			    (unsigned long long)info->n_drops_buffer);
	}
	if (stray.n)
		die("%zu events of the pinned thread on other rings than %d", stray.n, wcpu);
	note("%d openat calls on CPU %d: %d with an absent path (%d each: zapped file page, straddling, fresh anonymous page) lost exactly their OPENAT_2_E, n_drops_pf +1 each; %d resident controls kept both events, no pf drop; %zu events of tid %" PRIu64 " in order, %zu parsed",
	     CALLS, wcpu, 3 * ROUNDS, ROUNDS, ROUNDS, at - first, ours.tid, parsed);
	return 0;
}
