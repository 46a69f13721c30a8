// SPDX-License-Identifier: GPL-2.0-only OR MIT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "scap_test.h"

#define EXPECTED_FILE "/scap/expected"

static void vsay(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	fputs(prefix, stdout);
	vprintf(fmt, ap);
	fputs(suffix, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("FAIL: ", fmt, ap, "");
	va_end(ap);
	exit(1);
}

void die_errno(const char *fmt, ...)
{
	char suffix[128];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	va_start(ap, fmt);
	vsay("FAIL: ", fmt, ap, suffix);
	va_end(ap);
	exit(1);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap, "");
	va_end(ap);
}

static void copy_value(char *dst, size_t size, const char *key, const char *value)
{
	if (strlen(value) >= size)
		die("%s: %s is too long", EXPECTED_FILE, key);
	strcpy(dst, value);
}

void load_expected(struct expected *exp)
{
	char line[512];
	FILE *f = fopen(EXPECTED_FILE, "r");

	if (!f)
		die_errno("cannot open %s", EXPECTED_FILE);
	memset(exp, 0, sizeof(*exp));
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		char *value;

		if (!eq)
			continue;
		*eq = '\0';
		value = eq + 1;
		value[strcspn(value, "\n")] = '\0';
		if (!strcmp(line, "SCAP_MODULE"))
			copy_value(exp->module, sizeof(exp->module), line, value);
		else if (!strcmp(line, "SCAP_KO"))
			copy_value(exp->ko, sizeof(exp->ko), line, value);
		else if (!strcmp(line, "SCAP_API_VERSION"))
			copy_value(exp->api, sizeof(exp->api), line, value);
		else if (!strcmp(line, "SCAP_SCHEMA_VERSION"))
			copy_value(exp->schema, sizeof(exp->schema), line, value);
		else if (!strcmp(line, "SCAP_API_CODE"))
			exp->api_code = strtoull(value, NULL, 0);
		else if (!strcmp(line, "SCAP_SCHEMA_CODE"))
			exp->schema_code = strtoull(value, NULL, 0);
		else if (!strcmp(line, "SCAP_KNOWN_FILE"))
			copy_value(exp->known_file, sizeof(exp->known_file), line, value);
		else if (!strcmp(line, "SCAP_FUZZ_SEED"))
			copy_value(exp->fuzz_seed, sizeof(exp->fuzz_seed), line, value);
	}
	fclose(f);
	if (!exp->module[0] || !exp->ko[0] || !exp->api[0] || !exp->schema[0] ||
	    !exp->api_code || !exp->schema_code || !exp->known_file[0])
		die("%s lacks a value the tests need", EXPECTED_FILE);
}

int possible_cpus(void)
{
	char buf[256], *p = buf;
	int n = 0;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");

	if (!f || !fgets(buf, sizeof(buf), f))
		die_errno("cannot read /sys/devices/system/cpu/possible");
	fclose(f);
	while (*p && *p != '\n') {
		char *end;
		long first = strtol(p, &end, 10), last = first;

		if (*end == '-')
			last = strtol(end + 1, &end, 10);
		n += last - first + 1;
		p = *end == ',' ? end + 1 : end;
	}
	if (n <= 0)
		die("no possible CPUs in %s", buf);
	return n;
}

void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die_errno("cannot pin to CPU %d", cpu);
}

const char *device_path(const struct expected *exp, int cpu)
{
	static char path[96];

	snprintf(path, sizeof(path), "/dev/%s%d", exp->module, cpu);
	return path;
}

int ring_open(struct ring *ring, const struct expected *exp, int cpu)
{
	void *info, *data;
	int err;

	ring->fd = open(device_path(exp, cpu), O_RDWR | O_SYNC);
	if (ring->fd < 0)
		return -1;
	info = mmap(NULL, sizeof(struct scap_ring_info), PROT_READ | PROT_WRITE,
		    MAP_SHARED, ring->fd, 0);
	if (info == MAP_FAILED)
		goto fail;
	data = mmap(NULL, SCAP_RING_DATA_MMAP_LEN, PROT_READ, MAP_SHARED, ring->fd, 0);
	if (data == MAP_FAILED) {
		err = errno;
		munmap(info, sizeof(struct scap_ring_info));
		errno = err;
		goto fail;
	}
	ring->info = info;
	ring->data = data;
	return 0;
fail:
	err = errno;
	close(ring->fd);
	ring->fd = -1;
	errno = err;
	return -1;
}

void rings_open(struct ring *rings, int n, const struct expected *exp, int capture)
{
	int cpu;

	for (cpu = 0; cpu < n; cpu++) {
		if (ring_open(&rings[cpu], exp, cpu))
			die_errno("cannot open and map %s", device_path(exp, cpu));
	}
	for (cpu = 0; capture && cpu < n; cpu++) {
		if (ioctl(rings[cpu].fd, SCAP_IOCTL_ENABLE_CAPTURE))
			die_errno("ENABLE_CAPTURE on %s", device_path(exp, cpu));
	}
}

void ring_close(struct ring *ring)
{
	munmap((void *)ring->data, SCAP_RING_DATA_MMAP_LEN);
	munmap(ring->info, sizeof(struct scap_ring_info));
	close(ring->fd);
	ring->fd = -1;
}

uint32_t ring_readable(const struct ring *ring, uint32_t *tail)
{
	uint32_t head = __atomic_load_n(&ring->info->head, __ATOMIC_ACQUIRE);

	*tail = ring->info->tail;
	if (head >= SCAP_RING_BUF_SIZE || *tail >= SCAP_RING_BUF_SIZE)
		die("ring head %u or tail %u is outside the %u-byte ring", head, *tail,
		    SCAP_RING_BUF_SIZE);
	return head >= *tail ? head - *tail : SCAP_RING_BUF_SIZE - *tail + head;
}

void ring_consume(struct ring *ring, uint32_t bytes)
{
	uint32_t tail = (ring->info->tail + bytes) % SCAP_RING_BUF_SIZE;

	__atomic_store_n(&ring->info->tail, tail, __ATOMIC_RELEASE);
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

const char *event_parse(const uint8_t *p, uint32_t avail, struct event *ev)
{
	static char why[160];
	struct scap_evt_hdr hdr;
	uint64_t total;
	uint32_t i;

	if (avail < SCAP_EVT_HDR_LEN) {
		snprintf(why, sizeof(why), "%u bytes left, less than a header", avail);
		return why;
	}
	memcpy(&hdr, p, sizeof(hdr));
	ev->ts = hdr.ts;
	ev->tid = hdr.tid;
	ev->len = hdr.len;
	ev->type = hdr.type;
	ev->nparams = hdr.nparams;
	if (hdr.type >= SCAP_EVENT_MAX) {
		snprintf(why, sizeof(why), "type %u is outside the schema (max %u)", hdr.type,
			 SCAP_EVENT_MAX - 1);
		return why;
	}
	if (hdr.len > avail) {
		snprintf(why, sizeof(why), "type %u: len %u exceeds the %u readable bytes",
			 hdr.type, hdr.len, avail);
		return why;
	}
	total = SCAP_EVT_HDR_LEN + 2ULL * hdr.nparams;
	if (total > hdr.len) {
		snprintf(why, sizeof(why), "type %u: %u parameters do not fit len %u", hdr.type,
			 hdr.nparams, hdr.len);
		return why;
	}
	ev->lens = p + SCAP_EVT_HDR_LEN;
	ev->values = ev->lens + 2 * hdr.nparams;
	for (i = 0; i < hdr.nparams; i++)
		total += le16(ev->lens + 2 * i);
	if (total != hdr.len) {
		snprintf(why, sizeof(why),
			 "type %u: len %u but header, %u lengths and values take %" PRIu64,
			 hdr.type, hdr.len, hdr.nparams, total);
		return why;
	}
	if (!hdr.ts) {
		snprintf(why, sizeof(why), "type %u: timestamp 0", hdr.type);
		return why;
	}
	return NULL;
}

int event_param(const struct event *ev, uint32_t i, const uint8_t **value)
{
	const uint8_t *v = ev->values;
	uint32_t j;

	if (i >= ev->nparams)
		return -1;
	for (j = 0; j < i; j++)
		v += le16(ev->lens + 2 * j);
	*value = v;
	return le16(ev->lens + 2 * i);
}

static const uint8_t *param_sized(const struct event *ev, uint32_t i, int size)
{
	const uint8_t *v;
	int len = event_param(ev, i, &v);

	if (len < 0)
		die("event type %u has %u parameters, no parameter %u", ev->type, ev->nparams, i);
	if (len != size)
		die("event type %u parameter %u is %d bytes, want %d", ev->type, i, len, size);
	return v;
}

int64_t param_s64(const struct event *ev, uint32_t i)
{
	int64_t value;

	memcpy(&value, param_sized(ev, i, 8), 8);
	return value;
}

uint32_t param_u32(const struct event *ev, uint32_t i)
{
	uint32_t value;

	memcpy(&value, param_sized(ev, i, 4), 4);
	return value;
}

uint16_t param_u16(const struct event *ev, uint32_t i)
{
	uint16_t value;

	memcpy(&value, param_sized(ev, i, 2), 2);
	return value;
}

const char *param_str(const struct event *ev, uint32_t i)
{
	const uint8_t *v;
	int len = event_param(ev, i, &v);

	if (len < 0)
		die("event type %u has %u parameters, no parameter %u", ev->type, ev->nparams, i);
	if (len == 0 || v[len - 1] != '\0' || memchr(v, '\0', len) != v + len - 1)
		die("event type %u parameter %u is not one NUL-terminated string", ev->type, i);
	return (const char *)v;
}

size_t ring_for_each(const struct ring *ring, int cpu,
		     void (*fn)(const struct event *ev, void *arg), void *arg)
{
	uint32_t tail, avail = ring_readable(ring, &tail), off = 0;
	size_t count = 0;

	while (off < avail) {
		struct event ev;
		const char *why = event_parse(ring->data + tail + off, avail - off, &ev);

		if (why)
			die("ring %d, event %zu at offset %u after tail %u (%u readable): %s", cpu,
			    count, off, tail, avail, why);
		fn(&ev, arg);
		off += ev.len;
		count++;
	}
	return count;
}

struct pinned {
	int cpu;
	pid_t tid;
	void (*fn)(void *arg);
	void *arg;
};

static void *pinned_main(void *arg)
{
	struct pinned *p = arg;

	pin_to_cpu(p->cpu);
	p->tid = syscall(SYS_gettid);
	p->fn(p->arg);
	return NULL;
}

int run_pinned_thread(int cpu, void (*fn)(void *arg), void *arg)
{
	struct pinned p = { .cpu = cpu, .fn = fn, .arg = arg };
	pthread_t thread;
	int err;

	err = pthread_create(&thread, NULL, pinned_main, &p);
	if (err)
		die("cannot create a thread: %s", strerror(err));
	err = pthread_join(thread, NULL);
	if (err)
		die("cannot join a thread: %s", strerror(err));
	return p.tid;
}

int module_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

int module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

int module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

void rnd_seed(uint64_t seed)
{
	rnd_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

/* xorshift64*: reproducible from the printed seed. */
uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}
