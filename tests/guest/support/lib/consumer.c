// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Consumers in child processes, for the tests of how many the module
 * admits, and loading the module with other parameters.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "scap_test.h"

#define MAX_RINGS	64

pid_t consumer_start(const struct expected *exp, int n, int *err)
{
	int ready[2], status = 0;
	pid_t pid;

	if (n > MAX_RINGS)
		die("%d devices, more than the %d a test consumer maps", n, MAX_RINGS);
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
				status = errno;
				break;
			}
		}
		if (write(ready[1], &status, sizeof(status)) != sizeof(status))
			_exit(2);
		if (status)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &status, sizeof(status)) != sizeof(status))
		die("consumer %d died before reporting", pid);
	close(ready[0]);
	*err = status;
	if (status) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

void consumer_stop(pid_t pid)
{
	if (kill(pid, SIGKILL) || waitpid(pid, NULL, 0) != pid)
		die_errno("stopping consumer %d", pid);
}

void module_reload(const struct expected *exp, const char *params)
{
	if (module_loaded(exp->module) && module_unload(exp->module))
		die_errno("rmmod %s", exp->module);
	if (module_load(exp->ko, params))
		die_errno("insmod %s %s", exp->ko, params);
}
