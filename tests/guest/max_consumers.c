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

#include "scap_test.h"

#define MAX_CONSUMERS	2
#define MAX_RINGS	64

/* A consumer of every device; dies if one cannot be opened. */
static pid_t start_consumer(const struct expected *exp, int n)
{
	int err;
	pid_t pid = consumer_start(exp, n, &err);

	if (pid < 0)
		die("a consumer could not open every device (%s)", strerror(err));
	return pid;
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
	module_reload(&exp, param);
	snprintf(param, sizeof(param), "/sys/module/%s/parameters/max_consumers", exp.module);
	f = fopen(param, "r");
	if (!f || !fgets(value, sizeof(value), f) || atoi(value) != MAX_CONSUMERS)
		die("%s reads \"%.*s\", want %d", param, (int)strcspn(value, "\n"), value,
		    MAX_CONSUMERS);
	fclose(f);

	for (i = 0; i < MAX_CONSUMERS; i++)
		consumers[i] = start_consumer(&exp, n);
	expect_busy(&exp, "while 2 consumers run");
	consumer_stop(consumers[0]);
	extra = start_consumer(&exp, n);
	expect_busy(&exp, "after one left and another took its place");
	consumer_stop(extra);
	consumer_stop(consumers[1]);

	module_reload(&exp, "");
	note("max_consumers=%d: a third consumer gets EBUSY; a freed slot is reused", MAX_CONSUMERS);
	return 0;
}
