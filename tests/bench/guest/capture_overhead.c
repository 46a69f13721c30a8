// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The guest half of tests/bench/capture-overhead (not a test: the bench
 * boots it alone). The configuration comes from the kernel command line,
 * scap_bench=none|floor|peer|module|probe|peer_masked|module_masked, one
 * per boot. It loads that
 * driver, and for each workload starts the consumer (one loop for the
 * three drivers: consume_module on both modules' rings, consume_probe on
 * the probe's BPF ring buffer), runs the workload once to warm up (attaching patches kernel text, so translated code is
 * stale) and REPS times timed, stops the consumer and reads its drop
 * counts. Under qemu -icount shift=0 the guest's clock advances 1 ns per
 * guest instruction, so a CLOCK_MONOTONIC difference is an instruction
 * count: everything the vCPU ran meanwhile, the consumer included.
 *
 * Results go to the harness's results port as lines the host parses
 * (tests/vm/src/bench.rs):
 *   SCAP-BENCH run <config> <workload> <rep> <syscalls> <ns>
 *   SCAP-BENCH consumer <config> <workload> <events> <dropped>
 *   SCAP-BENCH rate <config> <target/s> <syscalls> <ns> <events> <dropped>
 *   SCAP-BENCH flood <config> <producers> <syscalls> <ns> <events> <dropped>
 *   SCAP-BENCH error <config> <text>
 * scap-vm: needs scap-probe probe.o peer-module floor-module
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scap_test.h"

#define REPS		3
#define CAPTURE		"/tmp/bench.scap"
#define CONSUMER_ERR	"/tmp/consumer.err"
#define READER_ERR	"/tmp/reader.err"
#define FLOOR_KO	"/scap/floor/scap.ko"
#define PEER_KO		"/scap/peer/scap.ko"
#define PROBE_OBJECT	"/scap/probe/scap_probe.o"
#define RESULTS_PORT	"/dev/ttyS1"
#define MIXED_REQUEST	64
#define MIXED_RESPONSE	512
#define FLOOD_PRODUCERS	4

static FILE *results;
static char config[32];

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	va_list ap;

	fputs("SCAP-BENCH ", results);
	va_start(ap, fmt);
	vfprintf(results, fmt, ap);
	va_end(ap);
	fputc('\n', results);
	fflush(results);
}

/* The guest's clock: under icount shift=0, guest instructions. */
static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void read_config(void)
{
	char line[1024], *at;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f || !fgets(line, sizeof(line), f))
		die_errno("/proc/cmdline");
	fclose(f);
	at = strstr(line, "scap_bench=");
	if (!at)
		die("no scap_bench=CONFIG on the kernel command line: %s", line);
	sscanf(at + strlen("scap_bench="), "%31[a-z_]", config);
}

/* --- workloads: each returns the syscalls it made --- */

static long work_getppid(long n)
{
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return n;
}

static int zero_fd = -1, null_fd = -1;

static long work_rw(long n)
{
	char byte;
	long i;

	for (i = 0; i < n; i++) {
		if (read(zero_fd, &byte, 1) != 1 || write(null_fd, &byte, 1) != 1)
			die_errno("1-byte read/write");
	}
	return 2 * n;
}

static long work_open_close(long n)
{
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = open("/scap/expected", O_RDONLY);
		if (fd < 0 || close(fd))
			die_errno("open/close of /scap/expected");
	}
	return 2 * n;
}

static void loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		die_errno("socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		die_errno("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die_errno("SIOCSIFFLAGS lo");
	close(s);
}

/* Reads exactly len bytes; the reads it took are added to *calls. */
static void read_all(int fd, char *buf, size_t len, long *calls)
{
	ssize_t got;

	while (len) {
		got = read(fd, buf, len);
		++*calls;
		if (got <= 0)
			die_errno("loopback read");
		buf += got;
		len -= got;
	}
}

/*
 * A loopback TCP client/server: n connections, each a 64-byte request
 * and a 512-byte answer. The server is a second process on the same CPU,
 * so the figure has context switches and the scheduler's tracepoints too.
 */
static long work_mixed(long n)
{
	static char buf[MIXED_RESPONSE];
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int listener, fd, report_pipe[2], one = 1;
	long calls = 0, server_calls, i;
	pid_t server;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, 16) ||
	    getsockname(listener, (struct sockaddr *)&addr, &len) || pipe(report_pipe))
		die_errno("loopback listener");
	server = fork();
	if (server < 0)
		die_errno("fork");
	if (server == 0) {
		for (i = 0; i < n; i++) {
			fd = accept(listener, NULL, NULL);
			calls++;
			if (fd < 0)
				die_errno("accept");
			read_all(fd, buf, MIXED_REQUEST, &calls);
			if (write(fd, buf, MIXED_RESPONSE) != MIXED_RESPONSE)
				die_errno("loopback write");
			calls += 2;	/* the write and the close */
			close(fd);
		}
		if (write(report_pipe[1], &calls, sizeof(calls)) != sizeof(calls))
			_exit(1);
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			die_errno("loopback connect");
		if (write(fd, buf, MIXED_REQUEST) != MIXED_REQUEST)
			die_errno("loopback write");
		read_all(fd, buf, MIXED_RESPONSE, &calls);
		close(fd);
		calls += 4;	/* socket, connect, write, close */
	}
	if (read(report_pipe[0], &server_calls, sizeof(server_calls)) != sizeof(server_calls))
		die("the loopback server did not report");
	if (waitpid(server, NULL, 0) != server)
		die_errno("waitpid");
	close(listener);
	close(report_pipe[0]);
	close(report_pipe[1]);
	/* The pipe read and the wait are the harness's, not the workload's. */
	return calls + server_calls;
}

struct workload {
	const char *name;
	long (*run)(long n);
	long n;
};

static const struct workload workloads[] = {
	{ "getppid", work_getppid, 100000 },
	{ "rw1", work_rw, 50000 },
	{ "open_close", work_open_close, 30000 },
	{ "tcp_loopback", work_mixed, 1000 },
};

/* --- drivers and the consumer --- */

/*
 * peer_masked and module_masked: the module with a consumer whose event
 * mask is empty (MASK_ZERO_EVENTS), so each syscall pays the driver's
 * dispatch but records nothing: what the cost is before the ring.
 */
static int masked(void)
{
	return !strcmp(config, "peer_masked") || !strcmp(config, "module_masked");
}

static int has_consumer(void)
{
	return !strcmp(config, "peer") || !strcmp(config, "module") || !strcmp(config, "probe") ||
	       masked();
}

static void load_driver(const struct expected *exp)
{
	const char *ko = NULL;

	if (module_loaded("scap") && module_unload("scap"))
		die_errno("rmmod scap (the runner's)");
	if (!strcmp(config, "floor"))
		ko = FLOOR_KO;
	else if (!strcmp(config, "peer") || !strcmp(config, "peer_masked"))
		ko = PEER_KO;
	else if (!strcmp(config, "module") || !strcmp(config, "module_masked"))
		ko = exp->ko;
	else if (strcmp(config, "none") && strcmp(config, "probe"))
		die("unknown configuration %s", config);
	if (ko && module_load(ko, ""))
		die_errno("insmod %s", ko);
}

/*
 * Whether process pid catches SIGINT yet: scap-probe capture installs its
 * handler once every program is attached (it verifies and attaches them
 * one at a time, so the first link is too early a sign).
 */
static int catches_sigint(pid_t pid)
{
	char path[64], line[256];
	unsigned long long caught = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigCgt: %llx", &caught) == 1)
			break;
	fclose(f);
	return !!(caught & (1ULL << (SIGINT - 1)));
}

/* Whether process pid holds a file whose link starts with what. */
static int holds(pid_t pid, const char *what)
{
	char dir[64], path[PATH_MAX], target[PATH_MAX];
	struct dirent *entry;
	int found = 0;
	ssize_t len;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (entry = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		found = !strncmp(target, what, strlen(what));
	}
	closedir(d);
	return found;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* Frees what the ring holds, counting the events; dies on a bad length. */
static unsigned long long drain(struct ring *ring)
{
	unsigned long long events = 0;
	uint32_t tail, avail = ring_readable(ring, &tail), at = 0, len;

	while (at < avail) {
		if (avail - at < SCAP_EVT_HDR_LEN)
			die("a partial event header at tail %u", tail + at);
		memcpy(&len, ring->data + tail + at + 16, sizeof(len));
		if (len < SCAP_EVT_HDR_LEN || len > avail - at)
			die("an event of %u bytes at tail %u, %u readable", len, tail + at, avail - at);
		at += len;
		events++;
	}
	ring_consume(ring, avail);
	return events;
}

/*
 * The modules' consumer, the same for both (they share the ring layout):
 * like libscap's scap_next loop without a user, it maps every CPU's ring,
 * sets snaplen 80, enables capture, and every 10 ms frees what the rings
 * hold after walking the events' headers. On SIGINT it drains once more
 * and says, as scap-probe does, how many events it saw and the rings'
 * n_drops_buffer.
 */
static int consume_module(const struct expected *exp)
{
	struct ring rings[64];
	unsigned long long events = 0, dropped = 0;
	struct timespec pause = { 0, 10000000 };
	int n = possible_cpus(), cpu;

	if (n > 64)
		die("%d CPUs", n);
	signal(SIGINT, on_stop);
	rings_open(rings, n, exp, 0);
	for (cpu = 0; cpu < n; cpu++) {
		if (ioctl(rings[cpu].fd, SCAP_IOCTL_SET_SNAPLEN, 80))
			die_errno("SET_SNAPLEN 80");
		if (ioctl(rings[cpu].fd, SCAP_IOCTL_ENABLE_CAPTURE))
			die_errno("ENABLE_CAPTURE");
		if (masked() && ioctl(rings[cpu].fd, SCAP_IOCTL_MASK_ZERO_EVENTS))
			die_errno("MASK_ZERO_EVENTS");
	}
	while (!stop) {
		for (cpu = 0; cpu < n; cpu++)
			events += drain(&rings[cpu]);
		nanosleep(&pause, NULL);
	}
	for (cpu = 0; cpu < n; cpu++) {
		events += drain(&rings[cpu]);
		dropped += rings[cpu].info->n_drops_buffer;
	}
	fprintf(stderr, "consumer: counted %llu events to nowhere\n", events);
	if (dropped)
		fprintf(stderr, "consumer: %llu events dropped\n", dropped);
	return 0;
}

#define BPF_MAP_TYPE_PERCPU_ARRAY	6
#define BPF_MAP_TYPE_RINGBUF		27

/*
 * A copy of the reader's first map of this type (and value size, unless
 * 0); its max_entries in *entries.
 */
static int reader_map(pid_t reader, int want_type, unsigned int want_value, unsigned long *entries)
{
	char path[64], line[256];
	int pidfd, fd, target, type;
	unsigned int value;
	FILE *f;

	pidfd = syscall(SYS_pidfd_open, reader, 0);
	if (pidfd < 0)
		die_errno("pidfd_open %d", reader);
	for (target = 3; target < 1024; target++) {
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", reader, target);
		f = fopen(path, "r");
		if (!f)
			continue;
		type = -1;
		value = 0;
		*entries = 0;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "map_type: %d", &type);
			sscanf(line, "value_size: %u", &value);
			sscanf(line, "max_entries: %lu", entries);
		}
		fclose(f);
		if (type != want_type || (want_value && value != want_value))
			continue;
		fd = syscall(SYS_pidfd_getfd, pidfd, target, 0);
		if (fd < 0)
			die_errno("pidfd_getfd of the reader's map");
		close(pidfd);
		return fd;
	}
	die("the probe's reader %d holds no map of type %d", reader, want_type);
}

/*
 * The probe's count of events lost to a full ring (its scap_lost map: a
 * per-CPU array of one u64, the only such map of the probe).
 */
static unsigned long long probe_lost(pid_t reader)
{
	struct {
		uint32_t map_fd;
		uint32_t pad;
		uint64_t key;
		uint64_t value;
		uint64_t flags;
	} attr = { 0 };
	uint64_t values[64] = { 0 };
	unsigned long long lost = 0;
	unsigned long entries;
	uint32_t key = 0;
	int cpu;

	if (possible_cpus() > 64)
		die("%d CPUs", possible_cpus());
	attr.map_fd = reader_map(reader, BPF_MAP_TYPE_PERCPU_ARRAY, 8, &entries);
	attr.key = (uintptr_t)&key;
	attr.value = (uintptr_t)values;
	if (syscall(SYS_bpf, 1 /* BPF_MAP_LOOKUP_ELEM */, &attr, sizeof(attr)))
		die_errno("reading the probe's lost count");
	for (cpu = 0; cpu < possible_cpus(); cpu++)
		lost += values[cpu];
	close(attr.map_fd);
	return lost;
}

/*
 * The probe's consumer: the same loop as consume_module's on the probe's
 * BPF ring buffer (taken from its reader, stopped meanwhile): every
 * 10 ms it walks the committed records' headers and frees them. The
 * layout is the kernel's (kernel/bpf/ringbuf.c): a consumer position page,
 * a producer position page, then the data mapped twice; each record an
 * 8-byte header (length with BUSY and DISCARD bits, page offset), its
 * size rounded up to 8.
 */
static int consume_probe(pid_t reader)
{
	struct timespec pause = { 0, 10000000 };
	unsigned long long events = 0, lost;
	unsigned long size, page = sysconf(_SC_PAGESIZE), cons, prod;
	volatile unsigned long *consumer_pos;
	const unsigned long *producer_pos;
	const uint8_t *data;
	uint32_t len;
	int fd = reader_map(reader, BPF_MAP_TYPE_RINGBUF, 0, &size);
	void *map;

	signal(SIGINT, on_stop);
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die_errno("mmap of the ring's consumer page");
	consumer_pos = map;
	map = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
	if (map == MAP_FAILED)
		die_errno("mmap of the ring's data");
	producer_pos = map;
	data = (const uint8_t *)map + page;
	for (;;) {
		int last = stop;

		cons = *consumer_pos;
		prod = __atomic_load_n(producer_pos, __ATOMIC_ACQUIRE);
		while (cons < prod) {
			len = __atomic_load_n((const uint32_t *)(data + (cons & (size - 1))),
					      __ATOMIC_ACQUIRE);
			if (len & (1U << 31))	/* BUSY: still being written */
				break;
			if (!(len & (1U << 30)))	/* not DISCARDed */
				events++;
			cons += ((len & ~(3U << 30)) + 8 + 7) & ~7UL;
			__atomic_store_n(consumer_pos, cons, __ATOMIC_RELEASE);
		}
		if (last)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "consumer: counted %llu events to nowhere\n", events);
	lost = probe_lost(reader);
	if (lost)
		fprintf(stderr, "consumer: %llu events dropped\n", lost);
	return 0;
}

/* A consumer: the drainer, and for the probe its (stopped) reader. */
struct consumer {
	pid_t drainer;
	pid_t reader;
};

/* Forks a child with stderr to log at priority nice_value. */
static pid_t child(const char *log, int nice_value)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0 || setpriority(PRIO_PROCESS, 0, nice_value))
			_exit(126);
	}
	return pid;
}

static void wait_ready(pid_t pid, int (*ready)(pid_t pid))
{
	int i;

	for (i = 0; i < 6000 && !ready(pid); i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			die("the consumer ended before capturing (see its message)");
		sleep_ms(50);
	}
	if (i == 6000)
		die("the consumer never got ready");
}

static int holds_device(pid_t pid)
{
	return holds(pid, "/dev/scap");
}

/*
 * Starts the consumer at priority nice_value. The modules: consume_module.
 * The probe: scap-probe capture loads and attaches it, then is stopped,
 * and consume_probe drains its ring and reads its loss counter.
 */
static struct consumer consumer_begin(const struct expected *exp, int nice_value)
{
	struct consumer c = { 0, 0 };

	unlink(CAPTURE);
	if (!strcmp(config, "probe")) {
		c.reader = child(READER_ERR, 0);
		if (c.reader == 0) {
			execlp("scap-probe", "scap-probe", "capture", "--probe", PROBE_OBJECT,
			       "-w", CAPTURE, (char *)NULL);
			_exit(127);
		}
		wait_ready(c.reader, catches_sigint);
		if (kill(c.reader, SIGSTOP))
			die_errno("stopping the probe's reader");
	}
	c.drainer = child(CONSUMER_ERR, nice_value);
	if (c.drainer == 0)
		_exit(c.reader ? consume_probe(c.reader) : consume_module(exp));
	if (!c.reader)
		wait_ready(c.drainer, holds_device);
	/* Mapping and enabling the rings after the open. */
	sleep_ms(100);
	return c;
}

/* The number after which text ends, in the consumer's messages; 0 if none. */
static unsigned long long count_before(const char *log, const char *text)
{
	const char *at = strstr(log, text);
	const char *start;

	if (!at)
		return 0;
	start = at;
	while (start > log && start[-1] >= '0' && start[-1] <= '9')
		start--;
	return strtoull(start, NULL, 10);
}

/* Interrupts pid and returns what it said on stderr (in path). */
static const char *finish(pid_t pid, const char *path)
{
	static char log[8192];
	int status, fd;
	ssize_t len;

	if (kill(pid, SIGINT) || waitpid(pid, &status, 0) != pid)
		die_errno("stopping the consumer");
	fd = open(path, O_RDONLY);
	len = fd < 0 ? -1 : read(fd, log, sizeof(log) - 1);
	if (len < 0)
		die_errno("%s", path);
	close(fd);
	log[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("the consumer failed (status %d): %s", status, log);
	return log;
}

/* Stops the consumer; the events it saw and those dropped (lost or skipped). */
static void consumer_end(struct consumer c, unsigned long long *events,
			 unsigned long long *dropped)
{
	const char *log = finish(c.drainer, CONSUMER_ERR);

	if (!strstr(log, " events to "))
		die("the consumer did not say how many events it saw: %s", log);
	*events = count_before(log, " events to ");
	*dropped = count_before(log, " events dropped");
	/* Resumed, the reader would read a ring it no longer knows the state of. */
	if (c.reader && (kill(c.reader, SIGKILL) || waitpid(c.reader, NULL, 0) != c.reader))
		die_errno("ending the probe's reader");
	unlink(CAPTURE);
}

static void run_workload(const struct expected *exp, const struct workload *w)
{
	unsigned long long events = 0, dropped = 0;
	struct consumer consumer = { 0, 0 };
	uint64_t start, ns;
	long calls;
	int rep;

	if (has_consumer())
		consumer = consumer_begin(exp, 0);
	w->run(w->n / 10);
	for (rep = 0; rep < REPS; rep++) {
		start = clock_ns();
		calls = w->run(w->n);
		ns = clock_ns() - start;
		report("run %s %s %d %ld %llu", config, w->name, rep, calls,
		       (unsigned long long)ns);
	}
	if (consumer.drainer) {
		consumer_end(consumer, &events, &dropped);
		report("consumer %s %s %llu %llu", config, w->name, events, dropped);
	}
}

/*
 * A producer paced to target events per second (2 per getppid) in 1 ms
 * slots, for duration_ms; the syscalls it made.
 */
static long paced(long target, long duration_ms)
{
	long per_slot = target / 2000, slot, calls = 0;
	struct timespec next;

	if (per_slot < 1)
		per_slot = 1;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (slot = 0; slot < duration_ms; slot++) {
		calls += work_getppid(per_slot);
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return calls;
}

/* Paced producers, the target doubling until drops or saturation. */
static void sustained_rate(const struct expected *exp)
{
	unsigned long long events, dropped;
	uint64_t start, ns;
	long target, calls;
	struct consumer consumer;

	for (target = 100000; target <= 6400000; target *= 2) {
		consumer = consumer_begin(exp, 0);
		paced(target, 20);
		start = clock_ns();
		calls = paced(target, 250);
		ns = clock_ns() - start;
		consumer_end(consumer, &events, &dropped);
		report("rate %s %ld %ld %llu %llu %llu", config, target, calls,
		       (unsigned long long)ns, events, dropped);
		/* Saturated (the CPU gives no more) or dropping: done. */
		if (dropped || 2.0 * calls * 1e9 / ns < 0.9 * target)
			break;
	}
}

/* FLOOD_PRODUCERS tight loops against a consumer at nice 19. */
static void flood(const struct expected *exp)
{
	unsigned long long events, dropped;
	pid_t producers[FLOOD_PRODUCERS];
	struct consumer consumer;
	uint64_t start, ns;
	int i;

	consumer = consumer_begin(exp, 19);
	start = clock_ns();
	for (i = 0; i < FLOOD_PRODUCERS; i++) {
		producers[i] = fork();
		if (producers[i] < 0)
			die_errno("fork");
		if (producers[i] == 0) {
			work_getppid(workloads[0].n);
			_exit(0);
		}
	}
	for (i = 0; i < FLOOD_PRODUCERS; i++)
		if (waitpid(producers[i], NULL, 0) != producers[i])
			die_errno("waitpid");
	ns = clock_ns() - start;
	consumer_end(consumer, &events, &dropped);
	report("flood %s %d %ld %llu %llu %llu", config, FLOOD_PRODUCERS,
	       FLOOD_PRODUCERS * workloads[0].n, (unsigned long long)ns, events, dropped);
}

int main(void)
{
	struct expected exp;
	size_t i;

	results = fopen(RESULTS_PORT, "w");
	if (!results)
		die_errno(RESULTS_PORT);
	load_expected(&exp);
	read_config();
	load_driver(&exp);
	zero_fd = open("/dev/zero", O_RDONLY);
	null_fd = open("/dev/null", O_WRONLY);
	if (zero_fd < 0 || null_fd < 0)
		die_errno("/dev/zero, /dev/null");
	loopback_up();
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		run_workload(&exp, &workloads[i]);
	if (has_consumer() && !masked()) {
		sustained_rate(&exp);
		flood(&exp);
	}
	if (module_loaded("scap") && module_unload("scap"))
		die_errno("rmmod scap");
	printf("capture-overhead: %s measured\n", config);
	return 0;
}
