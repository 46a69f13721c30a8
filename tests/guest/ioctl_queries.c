// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The devices and the ioctls that answer questions, checked against what
 * INTERFACE.md says:
 * - /dev/<module>N: one char device per possible CPU, mode 0600, owned by
 *   root, minor N, the dev number sysfs gives;
 * - GET_CURRENT_TID / GET_CURRENT_PID: the calling thread's tid and tgid,
 *   also from a second thread (tid != pid);
 * - GET_VTID / GET_VPID: ids in the task's own pid namespace (a child in
 *   a new one is 1), ESRCH for no task;
 * - GET_N_TRACEPOINT_HIT: one counter per possible CPU and nothing past
 *   them; the workload CPU's counter grows by at least one per enter and
 *   exit, captured or not; EFAULT for bad pointers, also when only the
 *   last counter is unwritable; counts restart when the last consumer
 *   closes;
 * - GET_DRIVER_VERSION: the API version string, NUL-terminated;
 * - the numbers libscap leaves unused are ENOTTY.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scap_test.h"

#define MAX_RINGS	64
#define HIT_CALLS	1000
#define UNSET		(-1L)	/* a counter the driver did not write */

static struct ring rings[MAX_RINGS];
static struct expected exp;
static int n_cpus;

/* Mode, owner, type and numbers of every device; none past the last. */
static void check_devices(void)
{
	unsigned int major0 = 0;
	char sys[256], want[32], have[32];
	struct stat st;
	int cpu;

	for (cpu = 0; cpu < n_cpus; cpu++) {
		const char *path = device_path(&exp, cpu);
		FILE *f;

		if (stat(path, &st))
			die_errno("stat %s", path);
		if (!S_ISCHR(st.st_mode))
			die("%s is not a character device (mode %o)", path, st.st_mode);
		if ((st.st_mode & 07777) != 0600)
			die("%s has mode %04o, want 0600", path, st.st_mode & 07777);
		if (st.st_uid != 0 || st.st_gid != 0)
			die("%s is owned by %u:%u, want root (0:0)", path, st.st_uid, st.st_gid);
		if (minor(st.st_rdev) != (unsigned int)cpu)
			die("%s has minor %u, want its CPU %d", path, minor(st.st_rdev), cpu);
		if (cpu == 0)
			major0 = major(st.st_rdev);
		else if (major(st.st_rdev) != major0)
			die("%s has major %u, %s has %u", path, major(st.st_rdev),
			    device_path(&exp, 0), major0);
		snprintf(sys, sizeof(sys), "/sys/class/%s/%s%d/dev", exp.module, exp.module, cpu);
		f = fopen(sys, "r");
		if (!f || !fgets(have, sizeof(have), f))
			die_errno("cannot read %s", sys);
		fclose(f);
		have[strcspn(have, "\n")] = '\0';
		snprintf(want, sizeof(want), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
		if (strcmp(have, want))
			die("%s says %s, %s is %s", sys, have, path, want);
	}
	if (!stat(device_path(&exp, n_cpus), &st))
		die("%s exists, but there are only %d possible CPUs", device_path(&exp, n_cpus),
		    n_cpus);
}

static long ioctl_ret(int cpu, unsigned long cmd, unsigned long arg, const char *what)
{
	long ret = ioctl(rings[cpu].fd, cmd, arg);

	if (ret < 0)
		die_errno("%s on %s", what, device_path(&exp, cpu));
	return ret;
}

static void expect_errno(int cpu, unsigned long cmd, unsigned long arg, int want,
			 const char *what)
{
	long ret = ioctl(rings[cpu].fd, cmd, arg);

	if (ret >= 0)
		die("%s returned %ld, want %s", what, ret, strerror(want));
	if (errno != want)
		die_errno("%s: want %s, got", what, strerror(want));
}

/* The caller's ids through the first and the last device. */
static void check_own_ids(const char *who)
{
	long tid = syscall(SYS_gettid), pid = getpid();
	int cpu;

	for (cpu = 0; cpu < n_cpus; cpu += n_cpus > 1 ? n_cpus - 1 : 1) {
		long got_tid = ioctl_ret(cpu, SCAP_IOCTL_GET_CURRENT_TID, 0, "GET_CURRENT_TID");
		long got_pid = ioctl_ret(cpu, SCAP_IOCTL_GET_CURRENT_PID, 0, "GET_CURRENT_PID");

		if (got_tid != tid)
			die("GET_CURRENT_TID in the %s returned %ld, gettid() is %ld", who, got_tid,
			    tid);
		if (got_pid != pid)
			die("GET_CURRENT_PID in the %s returned %ld, getpid() is %ld", who, got_pid,
			    pid);
		/* The initial pid namespace: the same ids. */
		got_tid = ioctl_ret(cpu, SCAP_IOCTL_GET_VTID, tid, "GET_VTID");
		got_pid = ioctl_ret(cpu, SCAP_IOCTL_GET_VPID, tid, "GET_VPID");
		if (got_tid != tid || got_pid != pid)
			die("GET_VTID/GET_VPID of the %s's tid %ld returned %ld/%ld, want %ld/%ld",
			    who, tid, got_tid, got_pid, tid, pid);
	}
}

static void second_thread(void *arg)
{
	long *tid = arg;

	*tid = syscall(SYS_gettid);
	if (*tid == getpid())
		die("the second thread's tid is the pid");
	check_own_ids("second thread");
}

static long pid_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	long max;

	if (!f || fscanf(f, "%ld", &max) != 1)
		die_errno("cannot read /proc/sys/kernel/pid_max");
	fclose(f);
	return max;
}

/*
 * A child made in a new pid namespace is pid 1 there: GET_VTID and
 * GET_VPID of its global pid must say 1.
 */
static void check_child_namespace(void)
{
	int to_test[2], hold[2];
	long child, vtid, vpid;
	pid_t helper;
	int status;

	if (pipe(to_test) || pipe(hold))
		die_errno("pipe");
	helper = fork();
	if (helper < 0)
		die_errno("fork");
	if (helper == 0) {
		pid_t inner;
		char byte;

		close(to_test[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWPID))
			_exit(2);
		inner = fork();
		if (inner < 0)
			_exit(3);
		if (inner == 0) {
			/* pid 1 of the new namespace: wait for the test. */
			if (getpid() != 1)
				_exit(4);
			while (read(hold[0], &byte, 1) > 0)
				;
			_exit(0);
		}
		child = inner;	/* its pid in this (the initial) namespace */
		if (write(to_test[1], &child, sizeof(child)) != sizeof(child))
			_exit(5);
		_exit(waitpid(inner, &status, 0) == inner && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0 ? 0 : 6);
	}
	close(to_test[1]);
	close(hold[0]);
	if (read(to_test[0], &child, sizeof(child)) != sizeof(child))
		die("the helper in a new pid namespace did not start (exit status %d)",
		    waitpid(helper, &status, 0) == helper ? WEXITSTATUS(status) : -1);
	vtid = ioctl_ret(0, SCAP_IOCTL_GET_VTID, child, "GET_VTID of a child namespace's init");
	vpid = ioctl_ret(0, SCAP_IOCTL_GET_VPID, child, "GET_VPID of a child namespace's init");
	close(hold[1]);
	if (waitpid(helper, &status, 0) != helper)
		die_errno("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("the pid namespace helper failed (status %#x)", status);
	if (vtid != 1 || vpid != 1)
		die("GET_VTID/GET_VPID of pid %ld, pid 1 of its namespace, returned %ld/%ld, want 1/1",
		    child, vtid, vpid);
	close(to_test[0]);
}

static void check_ids(void)
{
	long thread_tid = 0, max = pid_max();

	check_own_ids("main thread");
	run_pinned_thread(n_cpus - 1, second_thread, &thread_tid);
	check_child_namespace();
	expect_errno(0, SCAP_IOCTL_GET_VTID, max, ESRCH, "GET_VTID of pid_max");
	expect_errno(0, SCAP_IOCTL_GET_VPID, max, ESRCH, "GET_VPID of pid_max");
}

static void read_hits(long *counts, const char *when)
{
	int cpu;

	for (cpu = 0; cpu <= n_cpus; cpu++)
		counts[cpu] = UNSET;
	ioctl_ret(0, SCAP_IOCTL_GET_N_TRACEPOINT_HIT, (unsigned long)counts,
		  "GET_N_TRACEPOINT_HIT");
	for (cpu = 0; cpu < n_cpus; cpu++) {
		if (counts[cpu] < 0)
			die("GET_N_TRACEPOINT_HIT %s: CPU %d's counter is %ld (%s)", when, cpu,
			    counts[cpu], counts[cpu] == UNSET ? "not written" : "negative");
	}
	if (counts[n_cpus] != UNSET)
		die("GET_N_TRACEPOINT_HIT %s wrote %ld past the %d possible CPUs' counters", when,
		    counts[n_cpus], n_cpus);
}

static long sum(const long *counts)
{
	long total = 0;
	int cpu;

	for (cpu = 0; cpu < n_cpus; cpu++)
		total += counts[cpu];
	return total;
}

static void getppids(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < HIT_CALLS; i++)
		syscall(SYS_getppid);
}

/* The workload CPU's counter grows by two per syscall at least. */
static void check_hits_grow(const char *capture)
{
	long before[MAX_RINGS + 1], after[MAX_RINGS + 1];
	int cpu = n_cpus - 1;

	read_hits(before, "before the workload");
	run_pinned_thread(cpu, getppids, NULL);
	read_hits(after, "after the workload");
	if (after[cpu] - before[cpu] < 2 * HIT_CALLS)
		die("with capture %s, %d syscalls on CPU %d moved its tracepoint hits by %ld, want >= %d",
		    capture, HIT_CALLS, cpu, after[cpu] - before[cpu], 2 * HIT_CALLS);
	if (sum(after) - sum(before) < 2 * HIT_CALLS)
		die("with capture %s, the tracepoint hits' sum grew by %ld, want >= %d", capture,
		    sum(after) - sum(before), 2 * HIT_CALLS);
}

static void check_tracepoint_hits(long *last_sum)
{
	long page = sysconf(_SC_PAGESIZE), counts[MAX_RINGS + 1];
	uint8_t *area;
	int cpu;

	check_hits_grow("disabled");
	for (cpu = 0; cpu < n_cpus; cpu++)
		ioctl_ret(cpu, SCAP_IOCTL_ENABLE_CAPTURE, 0, "ENABLE_CAPTURE");
	check_hits_grow("enabled");

	area = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die_errno("mmap");
	if (mprotect(area + page, page, PROT_NONE) || mprotect(area + 2 * page, page, PROT_READ))
		die_errno("mprotect");
	expect_errno(0, SCAP_IOCTL_GET_N_TRACEPOINT_HIT, 0, EFAULT,
		     "GET_N_TRACEPOINT_HIT to NULL");
	expect_errno(0, SCAP_IOCTL_GET_N_TRACEPOINT_HIT, (unsigned long)(area + page), EFAULT,
		     "GET_N_TRACEPOINT_HIT to a PROT_NONE page");
	expect_errno(0, SCAP_IOCTL_GET_N_TRACEPOINT_HIT, (unsigned long)(area + 2 * page),
		     EFAULT, "GET_N_TRACEPOINT_HIT to a read-only page");
	expect_errno(0, SCAP_IOCTL_GET_N_TRACEPOINT_HIT, 0xffff888000000000UL, EFAULT,
		     "GET_N_TRACEPOINT_HIT to a kernel address");
	/* Room for all counters but the last: that one must be written too. */
	expect_errno(0, SCAP_IOCTL_GET_N_TRACEPOINT_HIT,
		     (unsigned long)(area + page - (n_cpus - 1) * sizeof(long)), EFAULT,
		     "GET_N_TRACEPOINT_HIT with the last counter on a PROT_NONE page");
	munmap(area, 3 * page);

	read_hits(counts, "at the end");
	*last_sum = sum(counts);
}

static void check_driver_version(void)
{
	char buf[32];
	size_t len = strlen(exp.api);

	memset(buf, 'x', sizeof(buf));
	ioctl_ret(0, SCAP_IOCTL_GET_DRIVER_VERSION, (unsigned long)buf, "GET_DRIVER_VERSION");
	if (memchr(buf, '\0', sizeof(buf)) == NULL || strcmp(buf, exp.api))
		die("GET_DRIVER_VERSION wrote \"%.*s\", want \"%s\"", (int)sizeof(buf), buf, exp.api);
	if (buf[len + 1] != 'x')
		die("GET_DRIVER_VERSION wrote past the NUL of \"%s\"", exp.api);
	expect_errno(0, SCAP_IOCTL_GET_DRIVER_VERSION, 0, EFAULT, "GET_DRIVER_VERSION to NULL");
}

/* Numbers inside libscap's range that it does not use, and lookalikes. */
static void check_unknown_numbers(void)
{
	static const unsigned int unused[] = { 8, 9, 14, 15, 17, 18, 19, 22, 23, 26, 255 };
	char what[64];
	uint64_t value;
	size_t i;

	for (i = 0; i < sizeof(unused) / sizeof(unused[0]); i++) {
		snprintf(what, sizeof(what), "ioctl _IO('s', %u)", unused[i]);
		expect_errno(0, _IO(SCAP_IOCTL_MAGIC, unused[i]), 0, ENOTTY, what);
	}
	expect_errno(0, _IO('t', _IOC_NR(SCAP_IOCTL_GET_CURRENT_TID)), 0, ENOTTY,
		     "GET_CURRENT_TID's number with magic 't'");
	expect_errno(0, _IOR(SCAP_IOCTL_MAGIC, _IOC_NR(SCAP_IOCTL_GET_API_VERSION), uint64_t),
		     (unsigned long)&value, ENOTTY, "GET_API_VERSION's number as _IOR");
}

int main(void)
{
	long counts[MAX_RINGS + 1], before_close;
	int cpu;

	load_expected(&exp);
	n_cpus = possible_cpus();
	if (n_cpus > MAX_RINGS)
		die("%d CPUs, the test handles %d", n_cpus, MAX_RINGS);
	check_devices();
	rings_open(rings, n_cpus, &exp, 0);
	check_ids();
	check_tracepoint_hits(&before_close);
	check_driver_version();
	check_unknown_numbers();

	/* The only consumer closes: the tracepoints go, the counts restart. */
	for (cpu = 0; cpu < n_cpus; cpu++)
		ring_close(&rings[cpu]);
	for (cpu = 0; cpu < n_cpus; cpu++) {
		if (ring_open(&rings[cpu], &exp, cpu))
			die_errno("cannot reopen %s", device_path(&exp, cpu));
	}
	read_hits(counts, "after reopening");
	if (sum(counts) >= before_close)
		die("tracepoint hits did not restart when the last consumer closed: %ld before, %ld after",
		    before_close, sum(counts));
	note("%d devices 0600 root char, ids right (also in a second thread and a child pid namespace), tracepoint hits per CPU grow and restart, EFAULT/ENOTTY where due",
	     n_cpus);
	return 0;
}
