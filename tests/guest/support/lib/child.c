// SPDX-License-Identifier: GPL-2.0-only OR MIT
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "child.h"

int die_with_parent(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		return -1;
	/* The parent may have died before the prctl. */
	return getppid() == 1 ? -1 : 0;
}
