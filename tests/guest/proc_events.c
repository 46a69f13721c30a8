// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The process lifecycle events. With capture on, the test forks (the fork
 * syscall) a child that execs this program with a known argv and env and
 * exits 7; forks with glibc (clone) a child that exits 4; vforks one that
 * exits 3; clone3s one that SIGKILLs itself; then fails a clone3, an
 * execve and an execveat. Each task's process events must come in order
 * with the expected res, exe, args, ids, comm, cgroups, flags, uid/gid,
 * env, tty, pgid, loginuid and exit status, ret and signal; and every
 * procexit (and sched_switch) counts as a context switch in its ring's
 * info. proc_events_peer.c runs the same against the peer driver.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scap_test.h"

#define MAX_RINGS	64
#define CHILD_ARGV0	"proc-child"
#define EXEC_STATUS	7
#define CLONE_STATUS	4
#define VFORK_STATUS	3
#define MISSING		"/nonexistent/scap-proc-events"

/* The first members of the kernel's struct clone_args (CLONE_ARGS_SIZE_VER0). */
struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* The devices: closed at exit, before the peer driver is swapped back. */
static struct ring rings[MAX_RINGS];
static int n_rings;
static struct expected exp;

static char *const exec_argv[] = { CHILD_ARGV0, "alpha", "beta gamma", NULL };
static char *const exec_envp[] = { "SCAP_PROC=1", "K=v", NULL };
static const char exec_args[] = "alpha\0beta gamma";		/* with its final NUL */
static const char exec_env[] = "SCAP_PROC=1\0K=v";
static char *const bad_argv[] = { "ghost", "one", "two", NULL };
static char *const bad_envp[] = { "E1=a", "E2=b", NULL };
static const char bad_args[] = "one\0two";
static const char bad_env[] = "E1=a\0E2=b";

/* The peer's context switch event, which this driver does not emit. */
#define SCHEDSWITCH_6_E	152

#define MAX_TASKS	5
enum { MAIN, EXECD, CLONED, VFORKED, CLONE3D };

static pid_t tids[MAX_TASKS];

/* The tested events of the tasks above, and their order of arrival. */
struct seen {
	struct event ev;
	size_t seq;
};

static struct seen *seen;
static size_t n_seen, cap_seen, n_procexit_all, n_switch_all;

static int is_proc_type(uint16_t type)
{
	switch (type) {
	case SCAPE_CLONE_20_E: case SCAPE_CLONE_20_X:
	case SCAPE_FORK_20_E: case SCAPE_FORK_20_X:
	case SCAPE_VFORK_20_E: case SCAPE_VFORK_20_X:
	case SCAPE_CLONE3_E: case SCAPE_CLONE3_X:
	case SCAPE_EXECVE_19_E: case SCAPE_EXECVE_19_X:
	case SCAPE_EXECVEAT_E: case SCAPE_EXECVEAT_X:
	case SCAPE_PROCEXIT_1_E:
		return 1;
	}
	return 0;
}

static void collect(const struct event *ev, void *arg)
{
	int i;

	(void)arg;
	if (ev->type == SCAPE_PROCEXIT_1_E)
		n_procexit_all++;
	if (ev->type == SCHEDSWITCH_6_E)
		n_switch_all++;
	if (!is_proc_type(ev->type))
		return;
	for (i = 0; i < MAX_TASKS; i++)
		if (tids[i] && ev->tid == (uint64_t)tids[i])
			break;
	if (i == MAX_TASKS)
		return;
	if (n_seen == cap_seen) {
		cap_seen = cap_seen ? 2 * cap_seen : 256;
		seen = realloc(seen, cap_seen * sizeof(*seen));
		if (!seen)
			die("out of memory");
	}
	seen[n_seen].ev = *ev;
	seen[n_seen].seq = n_seen;
	n_seen++;
}

static int by_ts(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	if (x->ev.ts != y->ev.ts)
		return x->ev.ts < y->ev.ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The task's k-th tested event, which must be of this type. */
static const struct event *nth(int task, size_t k, uint16_t type)
{
	size_t i, found = 0;

	for (i = 0; i < n_seen; i++) {
		if (seen[i].ev.tid != (uint64_t)tids[task])
			continue;
		if (found++ < k)
			continue;
		if (seen[i].ev.type != type)
			die("task %d (tid %d): process event %zu is type %u, want %u", task,
			    tids[task], k, seen[i].ev.type, type);
		return &seen[i].ev;
	}
	die("task %d (tid %d): %zu process events, want event %zu of type %u", task, tids[task],
	    found, k, type);
}

static size_t count_of(int task)
{
	size_t i, n = 0;

	for (i = 0; i < n_seen; i++)
		n += seen[i].ev.tid == (uint64_t)tids[task];
	return n;
}

static uint8_t param_u8(const struct event *ev, uint32_t i)
{
	const uint8_t *v;

	if (event_param(ev, i, &v) != 1)
		die("event type %u parameter %u is not 1 byte", ev->type, i);
	return *v;
}

static void want_s64(const struct event *ev, uint32_t i, int64_t want, const char *what)
{
	int64_t got = param_s64(ev, i);

	if (got != want)
		die("type %u tid %" PRIu64 ": %s is %" PRId64 ", want %" PRId64, ev->type, ev->tid,
		    what, got, want);
}

static void want_u32(const struct event *ev, uint32_t i, uint32_t want, const char *what)
{
	uint32_t got = param_u32(ev, i);

	if (got != want)
		die("type %u tid %" PRIu64 ": %s is %#x, want %#x", ev->type, ev->tid, what, got,
		    want);
}

static void want_str(const struct event *ev, uint32_t i, const char *want, const char *what)
{
	const char *got = param_str(ev, i);

	if (strcmp(got, want))
		die("type %u tid %" PRIu64 ": %s is \"%s\", want \"%s\"", ev->type, ev->tid, what,
		    got, want);
}

static void want_bytes(const struct event *ev, uint32_t i, const char *want, int want_len,
		       const char *what)
{
	const uint8_t *v;
	int len = event_param(ev, i, &v);

	if (len != want_len || memcmp(v, want, len))
		die("type %u tid %" PRIu64 ": %s is %d bytes, want %d bytes (\"%s\"...)", ev->type,
		    ev->tid, what, len, want_len, want);
}

/* What every task's /proc says, to compare with. */
struct facts {
	char self[256];		/* this program's path */
	char comm[16];		/* its name as the kernel keeps it */
	char argv0[256];
	int64_t fdlimit;
	uint32_t tty;
	int32_t loginuid;
	char cgroups[1024];	/* "name=/\0" per controller /proc/cgroups lists */
	int cgroups_len;
};

static void read_facts(struct facts *f, const char *argv0)
{
	struct rlimit rl;
	char buf[1024], *p;
	FILE *file;
	ssize_t n;
	int fd;

	n = readlink("/proc/self/exe", f->self, sizeof(f->self) - 1);
	if (n < 0)
		die_errno("readlink /proc/self/exe");
	f->self[n] = '\0';
	p = strrchr(f->self, '/');
	/* The kernel keeps the first 15 bytes of the exec'd file's name. */
	p = p ? p + 1 : f->self;
	memcpy(f->comm, p, strnlen(p, sizeof(f->comm) - 1));
	f->comm[strnlen(p, sizeof(f->comm) - 1)] = '\0';
	snprintf(f->argv0, sizeof(f->argv0), "%s", argv0);
	if (getrlimit(RLIMIT_NOFILE, &rl))
		die_errno("getrlimit");
	f->fdlimit = rl.rlim_cur;
	/* tty_nr, the 7th field of stat, is new_encode_dev() of the tty too. */
	fd = open("/proc/self/stat", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		die_errno("reading /proc/self/stat");
	close(fd);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %" SCNu32, &f->tty) != 1)
		die("cannot parse /proc/self/stat: %s", buf);
	f->loginuid = -1;
	file = fopen("/proc/self/loginuid", "r");
	if (file) {
		unsigned int uid;

		if (fscanf(file, "%u", &uid) == 1)
			f->loginuid = uid;
		fclose(file);
	}
	/*
	 * The guest's tasks are all in the root cgroup: "/" for each
	 * controller. /proc/cgroups lists controllers in id order, all of them
	 * up to 6.x, only those usable in v1 on 7.x.
	 */
	file = fopen("/proc/cgroups", "r");
	if (!file)
		die_errno("/proc/cgroups");
	f->cgroups_len = 0;
	while (fgets(buf, sizeof(buf), file)) {
		char name[64];

		if (buf[0] == '#' || sscanf(buf, "%63s", name) != 1)
			continue;
		/* /proc/cgroups shows the v1 names: io's is blkio. */
		if (!strcmp(name, "blkio"))
			strcpy(name, "io");
		f->cgroups_len += snprintf(f->cgroups + f->cgroups_len,
					   sizeof(f->cgroups) - f->cgroups_len, "%s=/", name) + 1;
	}
	fclose(file);
	if (!f->cgroups_len)
		die("/proc/cgroups lists no controller");
}

/*
 * One "controller=/" string per controller compiled in: those /proc/cgroups
 * lists, in its order, and maybe others between them.
 */
static void check_cgroups(const struct event *ev, const struct facts *f)
{
	const char *want = f->cgroups, *want_end = f->cgroups + f->cgroups_len;
	const uint8_t *v;
	const char *entry, *end;
	int len = event_param(ev, 14, &v);

	if (len <= 0 || v[len - 1] != '\0')
		die("type %u tid %" PRIu64 ": cgroups is %d bytes, not NUL-terminated strings",
		    ev->type, ev->tid, len);
	end = (const char *)v + len;
	for (entry = (const char *)v; entry < end; entry += strlen(entry) + 1) {
		const char *eq = strchr(entry, '=');

		if (!eq || eq == entry || strcmp(eq, "=/"))
			die("type %u tid %" PRIu64 ": cgroups entry \"%s\", want \"controller=/\"",
			    ev->type, ev->tid, entry);
		if (want < want_end && !strcmp(entry, want))
			want += strlen(want) + 1;
	}
	if (want < want_end)
		die("type %u tid %" PRIu64 ": cgroups lacks \"%s\" (or has it out of order)",
		    ev->type, ev->tid, want);
}

/*
 * The 15 parameters of clone and exec exits: res, exe, args, tid, pid,
 * ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss, vm_swap, comm,
 * cgroups.
 */
static void check_common(const struct event *ev, const struct facts *f, int64_t res,
			 const char *exe, const char *args, int args_len, pid_t pid, pid_t ptid,
			 int faulted)
{
	uint32_t size, rss;

	if (ev->nparams != 20)
		die("type %u has %u parameters, want 20", ev->type, ev->nparams);
	want_s64(ev, 0, res, "res");
	want_str(ev, 1, exe, "exe");
	want_bytes(ev, 2, args, args_len, "args");
	want_s64(ev, 3, ev->tid, "tid");
	want_s64(ev, 4, pid, "pid");
	want_s64(ev, 5, ptid, "ptid");
	want_str(ev, 6, "", "cwd");
	want_s64(ev, 7, f->fdlimit, "fdlimit");
	param_s64(ev, 8);
	/* A new child may not have faulted yet. */
	if (faulted && param_s64(ev, 9) <= 0)
		die("type %u tid %" PRIu64 ": no minor page fault", ev->type, ev->tid);
	size = param_u32(ev, 10);
	rss = param_u32(ev, 11);
	param_u32(ev, 12);
	if (!size || !rss || rss > size)
		die("type %u tid %" PRIu64 ": vm_size %u KiB, vm_rss %u KiB", ev->type, ev->tid,
		    size, rss);
	want_str(ev, 13, f->comm, "comm");
	check_cgroups(ev, f);
}

/* The clone family's last 5: flags, uid, gid, vtid, vpid. */
static void check_clone_x(const struct event *ev, uint32_t flags, pid_t pid)
{
	want_u32(ev, 15, flags, "flags");
	want_u32(ev, 16, geteuid(), "uid");
	want_u32(ev, 17, getegid(), "gid");
	want_s64(ev, 18, ev->tid, "vtid");
	want_s64(ev, 19, pid, "vpid");
}

/* The exec family's last 5: env, tty, pgid, loginuid, flags. */
static void check_exec_x(const struct event *ev, const struct facts *f, const char *env,
			 int env_len)
{
	want_bytes(ev, 15, env, env_len, "env");
	want_u32(ev, 16, f->tty, "tty");
	want_s64(ev, 17, getpgrp(), "pgid");
	want_u32(ev, 18, f->loginuid, "loginuid");
	/* root (the test requires it) may write any file of a writable filesystem */
	want_u32(ev, 19, SCAP_EXE_WRITABLE, "flags");
}

static void check_procexit(const struct event *ev, int64_t status, int64_t ret, int sig)
{
	want_s64(ev, 0, status, "status");
	want_s64(ev, 1, ret, "ret");
	if (param_u8(ev, 2) != sig || param_u8(ev, 3) != 0)
		die("procexit of %" PRIu64 ": sig %u core %u, want %d 0", ev->tid,
		    param_u8(ev, 2), param_u8(ev, 3), sig);
}

static void reap(pid_t pid, int want, int signaled)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die_errno("waitpid %d", pid);
	if (signaled ? !WIFSIGNALED(status) || WTERMSIG(status) != want
		     : !WIFEXITED(status) || WEXITSTATUS(status) != want)
		die("child %d: wait status %#x", pid, status);
}

/* The tasks' syscalls between capture on and off. */
static void workload(const struct facts *f)
{
	struct clone_args_v0 cargs = { .flags = CLONE_FILES, .exit_signal = SIGCHLD };
	long ret;
	pid_t pid;

	pid = syscall(SYS_fork);
	if (pid < 0)
		die_errno("fork");
	if (!pid) {
		execve(f->self, exec_argv, exec_envp);
		_exit(127);
	}
	tids[EXECD] = pid;
	reap(pid, EXEC_STATUS, 0);

	pid = fork();		/* glibc: clone */
	if (pid < 0)
		die_errno("fork");
	if (!pid)
		_exit(CLONE_STATUS);
	tids[CLONED] = pid;
	reap(pid, CLONE_STATUS, 0);

	pid = vfork();
	if (pid < 0)
		die_errno("vfork");
	if (!pid)
		_exit(VFORK_STATUS);
	tids[VFORKED] = pid;
	reap(pid, VFORK_STATUS, 0);

	pid = syscall(SYS_clone3, &cargs, sizeof(cargs));
	if (pid < 0)
		die_errno("clone3");
	if (!pid) {
		syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
		_exit(1);
	}
	tids[CLONE3D] = pid;
	reap(pid, SIGKILL, 1);

	/* Too small a size: EINVAL. */
	ret = syscall(SYS_clone3, &cargs, 8);
	if (ret != -1 || errno != EINVAL)
		die("clone3 with size 8: %ld (%s), want EINVAL", ret, strerror(errno));
	execve(MISSING, bad_argv, bad_envp);
	if (errno != ENOENT)
		die_errno("execve %s", MISSING);
	syscall(SYS_execveat, AT_FDCWD, MISSING, bad_argv, bad_envp, AT_SYMLINK_NOFOLLOW);
	if (errno != ENOENT)
		die_errno("execveat %s", MISSING);
}

static void check_main(const struct facts *f)
{
	const int cl_fork = SCAP_CL_CLONE_CHILD_CLEARTID | SCAP_CL_CLONE_CHILD_SETTID;
	pid_t me = getpid(), parent = getppid();
	int argv0_len = 0;	/* run without arguments: args is empty */
	const struct event *ev;
	size_t k = 0;

	nth(MAIN, k++, SCAPE_FORK_20_E);
	ev = nth(MAIN, k++, SCAPE_FORK_20_X);
	check_common(ev, f, tids[EXECD], f->argv0, "", argv0_len, me, parent, 1);
	check_clone_x(ev, 0, me);
	nth(MAIN, k++, SCAPE_CLONE_20_E);
	ev = nth(MAIN, k++, SCAPE_CLONE_20_X);
	check_common(ev, f, tids[CLONED], f->argv0, "", argv0_len, me, parent, 1);
	check_clone_x(ev, cl_fork, me);
	nth(MAIN, k++, SCAPE_VFORK_20_E);
	ev = nth(MAIN, k++, SCAPE_VFORK_20_X);
	check_common(ev, f, tids[VFORKED], f->argv0, "", argv0_len, me, parent, 1);
	check_clone_x(ev, 0, me);
	nth(MAIN, k++, SCAPE_CLONE3_E);
	ev = nth(MAIN, k++, SCAPE_CLONE3_X);
	check_common(ev, f, tids[CLONE3D], f->argv0, "", argv0_len, me, parent, 1);
	check_clone_x(ev, SCAP_CL_CLONE_FILES, me);
	/* A failed clone has an empty exe and args. */
	nth(MAIN, k++, SCAPE_CLONE3_E);
	ev = nth(MAIN, k++, SCAPE_CLONE3_X);
	check_common(ev, f, -EINVAL, "", "", 0, me, parent, 1);
	check_clone_x(ev, SCAP_CL_CLONE_FILES, me);
	/* A failed exec takes exe, args and env from its arguments. */
	ev = nth(MAIN, k++, SCAPE_EXECVE_19_E);
	want_str(ev, 0, MISSING, "filename");
	ev = nth(MAIN, k++, SCAPE_EXECVE_19_X);
	check_common(ev, f, -ENOENT, "ghost", bad_args, sizeof(bad_args), me, parent, 1);
	check_exec_x(ev, f, bad_env, sizeof(bad_env));
	ev = nth(MAIN, k++, SCAPE_EXECVEAT_E);
	want_s64(ev, 0, AT_FDCWD, "dirfd");
	want_str(ev, 1, MISSING, "pathname");
	want_u32(ev, 2, SCAP_EXVAT_AT_SYMLINK_NOFOLLOW, "flags");
	ev = nth(MAIN, k++, SCAPE_EXECVEAT_X);
	check_common(ev, f, -ENOENT, "ghost", bad_args, sizeof(bad_args), me, parent, 1);
	check_exec_x(ev, f, bad_env, sizeof(bad_env));
	if (count_of(MAIN) != k)
		die("the test's process has %zu process events, want %zu", count_of(MAIN), k);
}

static void check_children(const struct facts *f)
{
	pid_t me = getpid();
	const struct event *ev;
	int task;

	/* fork, then exec this program with known argv and env, exit 7 */
	ev = nth(EXECD, 0, SCAPE_FORK_20_X);
	check_common(ev, f, 0, f->argv0, "", 0, tids[EXECD], me, 0);
	check_clone_x(ev, 0, tids[EXECD]);
	ev = nth(EXECD, 1, SCAPE_EXECVE_19_E);
	want_str(ev, 0, f->self, "filename");
	ev = nth(EXECD, 2, SCAPE_EXECVE_19_X);
	check_common(ev, f, 0, CHILD_ARGV0, exec_args, sizeof(exec_args), tids[EXECD], me, 0);
	check_exec_x(ev, f, exec_env, sizeof(exec_env));
	check_procexit(nth(EXECD, 3, SCAPE_PROCEXIT_1_E), EXEC_STATUS << 8, EXEC_STATUS, 0);

	ev = nth(CLONED, 0, SCAPE_CLONE_20_X);
	check_common(ev, f, 0, f->argv0, "", 0, tids[CLONED], me, 0);
	check_clone_x(ev, SCAP_CL_CLONE_CHILD_CLEARTID | SCAP_CL_CLONE_CHILD_SETTID,
		      tids[CLONED]);
	check_procexit(nth(CLONED, 1, SCAPE_PROCEXIT_1_E), CLONE_STATUS << 8, CLONE_STATUS, 0);

	ev = nth(VFORKED, 0, SCAPE_VFORK_20_X);
	check_common(ev, f, 0, f->argv0, "", 0, tids[VFORKED], me, 0);
	check_clone_x(ev, 0, tids[VFORKED]);
	check_procexit(nth(VFORKED, 1, SCAPE_PROCEXIT_1_E), VFORK_STATUS << 8, VFORK_STATUS, 0);

	ev = nth(CLONE3D, 0, SCAPE_CLONE3_X);
	check_common(ev, f, 0, f->argv0, "", 0, tids[CLONE3D], me, 0);
	check_clone_x(ev, SCAP_CL_CLONE_FILES, tids[CLONE3D]);
	check_procexit(nth(CLONE3D, 1, SCAPE_PROCEXIT_1_E), SIGKILL, 0, SIGKILL);

	for (task = EXECD; task < MAX_TASKS; task++) {
		size_t want = task == EXECD ? 4 : 2;

		if (count_of(task) != want)
			die("task %d has %zu process events, want %zu", task, count_of(task), want);
	}
}

#ifdef PROC_EVENTS_PEER_KO
/* Runs at exit, failing or not: the next tests need this driver back. */
static void restore_driver(void)
{
	int cpu;

	for (cpu = 0; cpu < n_rings; cpu++)
		ring_close(&rings[cpu]);
	n_rings = 0;
	if (module_loaded(exp.module) && module_unload(exp.module))
		fprintf(stderr, "cannot unload the peer driver: %s\n", strerror(errno));
	else if (module_load(exp.ko, ""))
		fprintf(stderr, "cannot load %s back: %s\n", exp.ko, strerror(errno));
}

static void use_peer_driver(void)
{
	if (module_loaded(exp.module) && module_unload(exp.module))
		die_errno("unloading %s", exp.module);
	atexit(restore_driver);
	if (module_load(PROC_EVENTS_PEER_KO, ""))
		die_errno("loading the peer driver %s", PROC_EVENTS_PEER_KO);
}
#endif

int main(int argc, char **argv)
{
	uint64_t switches = 0;
	struct facts f;
	int n, cpu;

	if (argc > 0 && !strcmp(argv[0], CHILD_ARGV0))
		return EXEC_STATUS;
	if (argc != 1)
		die("run without arguments (args are expected empty)");
	if (geteuid())
		die("run as root");
	load_expected(&exp);
	n = possible_cpus();
	if (n > MAX_RINGS)
		die("%d CPUs, the test handles %d", n, MAX_RINGS);
	read_facts(&f, argv[0]);
	tids[MAIN] = getpid();
#ifdef PROC_EVENTS_PEER_KO
	use_peer_driver();
#endif
	rings_open(rings, n, &exp, 1);
	n_rings = n;
	workload(&f);
	for (cpu = 0; cpu < n; cpu++)
		if (ioctl(rings[cpu].fd, SCAP_IOCTL_DISABLE_CAPTURE))
			die_errno("DISABLE_CAPTURE on %s", device_path(&exp, cpu));
	for (cpu = 0; cpu < n; cpu++) {
		struct scap_ring_info *info = rings[cpu].info;

		ring_for_each(&rings[cpu], cpu, collect, NULL);
		if (info->n_drops_buffer || info->n_drops_pf)
			die("ring %d dropped %llu (buffer) + %llu (page faults) events", cpu,
			    (unsigned long long)info->n_drops_buffer,
			    (unsigned long long)info->n_drops_pf);
		switches += info->n_context_switches;
	}
	qsort(seen, n_seen, sizeof(*seen), by_ts);
	check_main(&f);
	check_children(&f);
	if (switches != n_procexit_all + n_switch_all)
		die("the rings count %" PRIu64 " context switches for %zu procexit and %zu switch events",
		    switches, n_procexit_all, n_switch_all);
	note("fork+exec(argv, env)+exit 7, clone+exit 4, vfork+exit 3, clone3+SIGKILL, failed clone3/execve/execveat: %zu process events checked; %zu procexit + %zu switch events, as many context switches",
	     n_seen, n_procexit_all, n_switch_all);
	return 0;
}
