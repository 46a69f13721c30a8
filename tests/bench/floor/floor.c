// SPDX-License-Identifier: GPL-2.0-only
/*
 * BENCHMARK FIXTURE, not a driver: the floor of tests/bench/capture-overhead.
 * It attaches empty probes to the sys_enter and sys_exit tracepoints at
 * load and detaches them at unload, recording nothing. What a syscall then
 * costs over no module is what any tracepoint-based capture pays before
 * doing any work: the syscall slow path (SYSCALL_WORK_SYSCALL_TRACEPOINT)
 * and one call per tracepoint, the same attach both modules use.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

static struct tracepoint *floor_sys_enter;
static struct tracepoint *floor_sys_exit;

/* The tracepoints' prototypes (struct pt_regs *regs, long id or ret). */
static void floor_enter_probe(void *data, struct pt_regs *regs, long id)
{
}

static void floor_exit_probe(void *data, struct pt_regs *regs, long ret)
{
}

/* sys_enter and sys_exit are not exported: find them by name. */
static void floor_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sys_enter"))
		floor_sys_enter = tp;
	else if (!strcmp(tp->name, "sys_exit"))
		floor_sys_exit = tp;
}

static int __init floor_init(void)
{
	int err;

	for_each_kernel_tracepoint(floor_find, NULL);
	if (!floor_sys_enter || !floor_sys_exit)
		return -ENOENT;
	err = tracepoint_probe_register(floor_sys_enter, floor_enter_probe, NULL);
	if (err)
		return err;
	err = tracepoint_probe_register(floor_sys_exit, floor_exit_probe, NULL);
	if (err) {
		tracepoint_probe_unregister(floor_sys_enter, floor_enter_probe, NULL);
		tracepoint_synchronize_unregister();
	}
	return err;
}

static void __exit floor_exit(void)
{
	tracepoint_probe_unregister(floor_sys_exit, floor_exit_probe, NULL);
	tracepoint_probe_unregister(floor_sys_enter, floor_enter_probe, NULL);
	tracepoint_synchronize_unregister();
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("capture-overhead benchmark floor: empty sys_enter/sys_exit probes");
