/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Process helpers, apart from scap_test.h: <sys/prctl.h> brings in
 * <linux/types.h>, whose __u64 differs from the one scap_abi.h defines for
 * userspace.
 */
#ifndef SCAP_TEST_CHILD_H
#define SCAP_TEST_CHILD_H

/* Makes the calling child die with its parent; 0 or -1. */
int die_with_parent(void);

#endif /* SCAP_TEST_CHILD_H */
