/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * What the C guest tests share: the expected values the harness passes in
 * /scap/expected, failing with one line, the devices and their rings, and
 * a strict event parser. A test's last line of output is its detail.
 */
#ifndef SCAP_TEST_H
#define SCAP_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scap_abi.h"

struct expected {
	char module[64];
	char ko[256];
	char api[32];
	char schema[32];
	uint64_t api_code;
	uint64_t schema_code;
	char known_file[256];
	char fuzz_seed[32];	/* empty: a new seed each run */
};

/* Prints "FAIL: <message>" and exits 1. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Like die(), with ": <strerror(errno)>" appended. */
void die_errno(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void load_expected(struct expected *exp);
int possible_cpus(void);
void pin_to_cpu(int cpu);
const char *device_path(const struct expected *exp, int cpu);

/* One per-CPU device opened and mapped the way libscap does. */
struct ring {
	int fd;
	struct scap_ring_info *info;
	const uint8_t *data;	/* RING_BUF_SIZE bytes mapped twice */
};

/* Opens and maps; 0 or -1 with errno set (nothing left open). */
int ring_open(struct ring *ring, const struct expected *exp, int cpu);
/* Opens and maps devices 0..n-1, capture enabled if asked; dies on failure. */
void rings_open(struct ring *rings, int n, const struct expected *exp, int capture);
void ring_close(struct ring *ring);
/* Bytes between tail and head; dies if head or tail is out of range. */
uint32_t ring_readable(const struct ring *ring, uint32_t *tail);
void ring_consume(struct ring *ring, uint32_t bytes);

struct event {
	uint64_t ts;
	uint64_t tid;
	uint32_t len;
	uint16_t type;
	uint32_t nparams;
	const uint8_t *lens;	/* nparams little-endian u16 */
	const uint8_t *values;
};

/*
 * Parses the event at p with avail readable bytes. NULL when the event is
 * well formed (known type, len covering exactly the header, the lengths
 * and the values, within avail); otherwise why not.
 */
const char *event_parse(const uint8_t *p, uint32_t avail, struct event *ev);
/* Parameter i: its length, or -1 if the event has fewer parameters. */
int event_param(const struct event *ev, uint32_t i, const uint8_t **value);
/* Fixed-width integer parameters; die if absent or of another size. */
int64_t param_s64(const struct event *ev, uint32_t i);
uint32_t param_u32(const struct event *ev, uint32_t i);
uint16_t param_u16(const struct event *ev, uint32_t i);
/* A NUL-terminated string parameter; dies if absent or unterminated. */
const char *param_str(const struct event *ev, uint32_t i);

/*
 * Calls fn on every event between the ring's tail and head, in ring order,
 * without consuming them; dies on a malformed event (naming cpu). Returns
 * how many there were.
 */
size_t ring_for_each(const struct ring *ring, int cpu,
		     void (*fn)(const struct event *ev, void *arg), void *arg);

/* Runs fn(arg) in a new thread pinned to cpu, waits for it; its tid. */
int run_pinned_thread(int cpu, void (*fn)(void *arg), void *arg);

/* The module through the raw system calls (busybox-free). */
int module_load(const char *ko, const char *params);
int module_unload(const char *name);
int module_loaded(const char *name);
/* Unloads the module if loaded and loads it with params; dies on failure. */
void module_reload(const struct expected *exp, const char *params);

/*
 * A consumer in a child process: opens and maps devices 0..n-1, then waits
 * to be killed (and dies with the test). Its pid, or -1 with *err the errno
 * of the open that failed (the child is gone then).
 */
pid_t consumer_start(const struct expected *exp, int n, int *err);
void consumer_stop(pid_t pid);

uint64_t now_ns(void);
uint64_t rnd(void);
void rnd_seed(uint64_t seed);

#endif /* SCAP_TEST_H */
