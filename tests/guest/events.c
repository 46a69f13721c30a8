// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A thread opens, reads, writes and closes the known file N times; every
 * one of those 8 N events must be read back from the mmapped rings, in
 * order, with the thread's tid, the fd, the path and the byte counts, and
 * no drop (8 N events are far below a ring's capacity).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scap_test.h"

#define ITERATIONS	200
#define FILE_SIZE	100
#define READ_SIZE	64
#define WRITE_SIZE	37
#define MAX_RINGS	64

struct workload {
	const char *path;
	int cpu;
	pid_t tid;
	int fds[ITERATIONS];
	uint64_t started, ended;
	uint8_t content[FILE_SIZE];
	char error[160];
};

/* Only the system calls under test between started and ended. */
static void *work(void *arg)
{
	struct workload *w = arg;
	uint8_t buf[READ_SIZE];
	int i;

	pin_to_cpu(w->cpu);
	w->tid = syscall(SYS_gettid);
	w->started = now_ns();
	for (i = 0; i < ITERATIONS; i++) {
		int fd = open(w->path, O_RDWR);

		if (fd < 0 || read(fd, buf, READ_SIZE) != READ_SIZE ||
		    write(fd, w->content, WRITE_SIZE) != WRITE_SIZE || close(fd)) {
			snprintf(w->error, sizeof(w->error), "iteration %d on %s: %s", i, w->path,
				 strerror(errno));
			return NULL;
		}
		w->fds[i] = fd;
	}
	w->ended = now_ns();
	return NULL;
}

static void make_known_file(struct workload *w)
{
	int fd, i;

	for (i = 0; i < FILE_SIZE; i++)
		w->content[i] = 'a' + i % 26;
	fd = open(w->path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, w->content, FILE_SIZE) != FILE_SIZE || close(fd))
		die_errno("cannot create %s", w->path);
}

/* The thread's events, and their order of arrival for equal timestamps. */
struct seen {
	struct event ev;
	size_t seq;
};

static struct seen *seen;
static struct event *events;
static size_t n_events, cap_events;

static int by_ts(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	if (x->ev.ts != y->ev.ts)
		return x->ev.ts < y->ev.ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int is_watched(uint16_t type)
{
	switch (type) {
	case SCAPE_OPEN_E: case SCAPE_OPEN_X:
	case SCAPE_OPENAT_2_E: case SCAPE_OPENAT_2_X:
	case SCAPE_READ_E: case SCAPE_READ_X:
	case SCAPE_WRITE_E: case SCAPE_WRITE_X:
	case SCAPE_CLOSE_E: case SCAPE_CLOSE_X:
		return 1;
	}
	return 0;
}

/* Keeps the workload thread's watched events (arg: its tid). */
static void collect(const struct event *ev, void *arg)
{
	pid_t tid = *(const pid_t *)arg;

	if (ev->tid != (uint64_t)tid || !is_watched(ev->type))
		return;
	if (n_events == cap_events) {
		cap_events = cap_events ? 2 * cap_events : 1024;
		seen = realloc(seen, cap_events * sizeof(*seen));
		if (!seen)
			die("out of memory");
	}
	seen[n_events].ev = *ev;
	seen[n_events].seq = n_events;
	n_events++;
}

static const struct event *expect(size_t at, uint16_t type, int i)
{
	if (at >= n_events)
		die("iteration %d: missing event type %u (only %zu events of the thread)", i, type,
		    n_events);
	if (events[at].type != type)
		die("iteration %d: event %zu is type %u, want %u", i, at, events[at].type, type);
	return &events[at];
}

static void check_fd(const struct event *ev, uint32_t param, int want, int i)
{
	int64_t fd = param_s64(ev, param);

	if (fd != want)
		die("iteration %d: type %u fd is %" PRId64 ", want %d", i, ev->type, fd, want);
}

static void check_res(const struct event *ev, int64_t want, int i)
{
	int64_t res = param_s64(ev, 0);

	if (res != want)
		die("iteration %d: type %u res is %" PRId64 ", want %" PRId64, i, ev->type, res,
		    want);
}

static void check_data(const struct event *ev, const uint8_t *want, int max, int i)
{
	const uint8_t *data;
	int len = event_param(ev, 1, &data);

	/* The data parameter is optional for consumers; if sent, it is right. */
	if (len > max || (len > 0 && memcmp(data, want, len)))
		die("iteration %d: type %u carries %d data bytes that differ from the %d moved",
		    i, ev->type, len, max);
}

static void check_iteration(const struct workload *w, size_t at, int i)
{
	const struct event *ev;
	const char *name;
	int fd = w->fds[i];

	ev = expect(at, SCAPE_OPENAT_2_E, i);
	if (param_s64(ev, 0) != AT_FDCWD)
		die("iteration %d: openat dirfd is %" PRId64 ", want AT_FDCWD", i, param_s64(ev, 0));
	name = param_str(ev, 1);
	if (strcmp(name, w->path))
		die("iteration %d: openat enter name is \"%s\", want %s", i, name, w->path);
	ev = expect(at + 1, SCAPE_OPENAT_2_X, i);
	check_fd(ev, 0, fd, i);
	name = param_str(ev, 2);
	if (strcmp(name, w->path))
		die("iteration %d: openat exit name is \"%s\", want %s", i, name, w->path);
	ev = expect(at + 2, SCAPE_READ_E, i);
	check_fd(ev, 0, fd, i);
	if (param_u32(ev, 1) != READ_SIZE)
		die("iteration %d: read size is %u, want %d", i, param_u32(ev, 1), READ_SIZE);
	ev = expect(at + 3, SCAPE_READ_X, i);
	check_res(ev, READ_SIZE, i);
	check_data(ev, w->content, READ_SIZE, i);
	ev = expect(at + 4, SCAPE_WRITE_E, i);
	check_fd(ev, 0, fd, i);
	if (param_u32(ev, 1) != WRITE_SIZE)
		die("iteration %d: write size is %u, want %d", i, param_u32(ev, 1), WRITE_SIZE);
	ev = expect(at + 5, SCAPE_WRITE_X, i);
	check_res(ev, WRITE_SIZE, i);
	check_data(ev, w->content, WRITE_SIZE, i);
	ev = expect(at + 6, SCAPE_CLOSE_E, i);
	check_fd(ev, 0, fd, i);
	ev = expect(at + 7, SCAPE_CLOSE_X, i);
	check_res(ev, 0, i);
}

int main(void)
{
	static struct workload w;
	struct ring rings[MAX_RINGS];
	struct expected exp;
	pthread_t thread;
	size_t parsed = 0, first, at;
	int n, cpu, i;

	load_expected(&exp);
	n = possible_cpus();
	if (n > MAX_RINGS)
		die("%d CPUs, the test handles %d", n, MAX_RINGS);
	w.path = exp.known_file;
	w.cpu = n - 1;	/* not ring 0: per-CPU indexing bugs show */
	make_known_file(&w);
	rings_open(rings, n, &exp, 1);
	if (pthread_create(&thread, NULL, work, &w) || pthread_join(thread, NULL))
		die("cannot run the workload thread");
	if (w.error[0])
		die("workload: %s", w.error);
	if (w.tid == getpid())
		die("the workload thread has the process's pid as tid");
	for (cpu = 0; cpu < n; cpu++) {
		if (ioctl(rings[cpu].fd, SCAP_IOCTL_DISABLE_CAPTURE))
			die_errno("DISABLE_CAPTURE on %s", device_path(&exp, cpu));
	}
	for (cpu = 0; cpu < n; cpu++) {
		struct scap_ring_info *info = rings[cpu].info;

		parsed += ring_for_each(&rings[cpu], cpu, collect, &w.tid);
		if (info->n_drops_buffer || info->n_drops_pf)
			die("ring %d dropped %llu (buffer) + %llu (page faults) events", cpu,
			    (unsigned long long)info->n_drops_buffer,
			    (unsigned long long)info->n_drops_pf);
	}
	qsort(seen, n_events, sizeof(*seen), by_ts);
	events = calloc(n_events + 1, sizeof(*events));
	if (!events)
		die("out of memory");
	for (at = 0; at < n_events; at++)
		events[at] = seen[at].ev;
	for (first = 0; first < n_events; first++) {
		const struct event *ev = &events[first];

		if (ev->type == SCAPE_OPENAT_2_E && ev->nparams >= 2 &&
		    !strcmp(param_str(ev, 1), w.path))
			break;
	}
	if (first == n_events)
		die("no openat of %s by tid %d among %zu parsed events (%zu of the thread)", w.path,
		    w.tid, parsed, n_events);
	for (i = 0, at = first; i < ITERATIONS; i++, at += 8)
		check_iteration(&w, at, i);
	for (at = first; at < first + 8 * ITERATIONS; at++) {
		if (events[at].ts < w.started || events[at].ts > w.ended)
			die("event %zu: ts %" PRIu64 " is outside the workload's [%" PRIu64 ", %" PRIu64
			    "] (ns since the epoch)", at - first, events[at].ts, w.started, w.ended);
	}
	if (at != n_events)
		die("%zu more watched events of the thread after the workload", n_events - at);
	for (i = 0; i < 64; i++) {
		size_t off = (size_t)(rnd() % SCAP_RING_BUF_SIZE);

		if (rings[w.cpu].data[off] != rings[w.cpu].data[off + SCAP_RING_BUF_SIZE])
			die("the data mapping is not the ring mapped twice (offset %zu)", off);
	}
	note("%d iterations: %d events of tid %d in order with fds, path and sizes; %zu events parsed on %d rings, no drops",
	     ITERATIONS, 8 * ITERATIONS, w.tid, parsed, n);
	return 0;
}
