// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * With max_consumers=2, two processes consuming every device (as sysdig
 * does) are served, a third gets EBUSY; once one of them leaves, a new one
 * is served again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "scap_test.h"

#define MAX_CONSUMERS	2
#define MAX_RINGS	64

/* A child that opens and maps every device, then waits to be killed. */
static pid_t start_consumer(const struct expected *exp, int n)
{
	char status = 'y';
	int ready[2];
	pid_t pid;

	if (pipe(ready))
		die_errno("pipe");
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		struct ring rings[MAX_RINGS];
		int cpu;

		/* A consumer left behind would hold the devices for later tests. */
		if (die_with_parent())
			_exit(2);
		close(ready[0]);
		for (cpu = 0; cpu < n; cpu++) {
			if (ring_open(&rings[cpu], exp, cpu)) {
				status = errno == EBUSY ? 'b' : 'e';
				break;
			}
		}
		if (write(ready[1], &status, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &status, 1) != 1)
		die("consumer %d died before reporting", pid);
	close(ready[0]);
	if (status != 'y')
		die("consumer %d could not open every device (%s)", pid,
		    status == 'b' ? "EBUSY" : "error");
	return pid;
}

static void stop_consumer(pid_t pid)
{
	if (kill(pid, SIGKILL) || waitpid(pid, NULL, 0) != pid)
		die_errno("stopping consumer %d", pid);
}

static void expect_busy(const struct expected *exp, const char *when)
{
	int fd = open(device_path(exp, 0), O_RDWR | O_SYNC);

	if (fd >= 0)
		die("a consumer beyond max_consumers=%d opened %s %s", MAX_CONSUMERS,
		    device_path(exp, 0), when);
	if (errno != EBUSY)
		die_errno("opening beyond max_consumers %s: want EBUSY", when);
}

static void reload(const struct expected *exp, const char *params)
{
	if (module_loaded(exp->module) && module_unload(exp->module))
		die_errno("rmmod %s", exp->module);
	if (module_load(exp->ko, params))
		die_errno("insmod %s %s", exp->ko, params);
}

int main(void)
{
	pid_t consumers[MAX_CONSUMERS], extra;
	char param[128], value[32] = "";
	struct expected exp;
	FILE *f;
	int n, i;

	load_expected(&exp);
	n = possible_cpus();
	if (n > MAX_RINGS)
		die("%d CPUs, the test handles %d", n, MAX_RINGS);
	snprintf(param, sizeof(param), "max_consumers=%d", MAX_CONSUMERS);
	reload(&exp, param);
	snprintf(param, sizeof(param), "/sys/module/%s/parameters/max_consumers", exp.module);
	f = fopen(param, "r");
	if (!f || !fgets(value, sizeof(value), f) || atoi(value) != MAX_CONSUMERS)
		die("%s reads \"%.*s\", want %d", param, (int)strcspn(value, "\n"), value,
		    MAX_CONSUMERS);
	fclose(f);

	for (i = 0; i < MAX_CONSUMERS; i++)
		consumers[i] = start_consumer(&exp, n);
	expect_busy(&exp, "while 2 consumers run");
	stop_consumer(consumers[0]);
	extra = start_consumer(&exp, n);
	expect_busy(&exp, "after one left and another took its place");
	stop_consumer(extra);
	stop_consumer(consumers[1]);

	reload(&exp, "");
	note("max_consumers=%d: a third consumer gets EBUSY; a freed slot is reused", MAX_CONSUMERS);
	return 0;
}
