// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sys_enter, sys_exit and sched_process_exit tracepoints. They are not
 * exported to modules, so they are looked up by name; probes are attached
 * only while there is a consumer (attaching makes every syscall take the
 * slow path).
 */
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <asm/syscall.h>
#include <trace/events/sched.h>

#include "scap.h"

DEFINE_PER_CPU(long, scap_tracepoint_hits);

static struct tracepoint *scap_tp_sys_enter;
static struct tracepoint *scap_tp_sys_exit;
static struct tracepoint *scap_tp_procexit;

static void scap_syscall_record(struct pt_regs *regs, long nr, long ret, bool enter)
{
	struct scap_syscall_ctx ctx scap_noinit;

	this_cpu_inc(scap_tracepoint_hits);
	if (!scap_syscall_lookup(nr, &ctx.sc))
		return;
	ctx.ret = ret;
	/* The arguments are read only once a consumer wants the event. */
	ctx.regs = regs;
	/*
	 * Each CPU's ring has one writer, this CPU: no task may be preempted or
	 * migrated while it writes. Up to 6.12 the tracepoint disables
	 * preemption itself; from 6.13 ("tracing: Allow system call
	 * tracepoints to handle page faults") it calls probes preemptible.
	 */
	preempt_disable_notrace();
	if (enter)
		scap_record_syscall(ctx.sc.events->enter_type, ctx.sc.events->fill_enter, &ctx);
	else
		scap_record_syscall(ctx.sc.events->exit_type, ctx.sc.events->fill_exit, &ctx);
	preempt_enable_notrace();
}

static void scap_sys_enter(void *data, struct pt_regs *regs, long nr)
{
	scap_syscall_record(regs, nr, 0, true);
}

static void scap_sys_exit(void *data, struct pt_regs *regs, long ret)
{
	scap_syscall_record(regs, syscall_get_nr(current, regs), ret, false);
}

/* In the exiting task, for user tasks only. */
static void scap_procexit_record(struct task_struct *p)
{
	/* No syscall: no arguments, regs NULL. */
	struct scap_syscall_ctx ctx = { .sc.drop = SCAP_DROP_NEVER };

	this_cpu_inc(scap_tracepoint_hits);
	if (p->flags & PF_KTHREAD)
		return;
	preempt_disable_notrace();
	scap_record_syscall(SCAPE_PROCEXIT_1_E, scap_fill_procexit_e, &ctx);
	preempt_enable_notrace();
}

static void scap_procexit(void *data, struct task_struct *p)
{
	scap_procexit_record(p);
}

static void scap_procexit_group_dead(void *data, struct task_struct *p, bool group_dead)
{
	scap_procexit_record(p);
}

/*
 * 6.16 ("exit: move and extend sched_process_exit() tracepoint") added
 * group_dead to the probe's arguments. Told apart by the prototype, not the
 * version, so that a backport builds too.
 */
#define SCAP_PROCEXIT_HAS_GROUP_DEAD						\
	__builtin_types_compatible_p(typeof(&register_trace_sched_process_exit),	\
				     int (*)(void (*)(void *, struct task_struct *, bool), void *))

static void *scap_procexit_probe(void)
{
	if (SCAP_PROCEXIT_HAS_GROUP_DEAD)
		return scap_procexit_group_dead;
	return scap_procexit;
}

static void scap_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sys_enter"))
		scap_tp_sys_enter = tp;
	else if (!strcmp(tp->name, "sys_exit"))
		scap_tp_sys_exit = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		scap_tp_procexit = tp;
}

int scap_tracepoints_init(void)
{
	for_each_kernel_tracepoint(scap_find_tracepoint, NULL);
	if (!scap_tp_sys_enter || !scap_tp_sys_exit) {
		pr_err("the kernel has no sys_enter/sys_exit tracepoints; build it with CONFIG_HAVE_SYSCALL_TRACEPOINTS\n");
		return -ENOENT;
	}
	if (!scap_tp_procexit) {
		pr_err("the kernel has no sched_process_exit tracepoint\n");
		return -ENOENT;
	}
	return 0;
}

int scap_tracepoints_register(void)
{
	int err;

	err = tracepoint_probe_register(scap_tp_sys_enter, scap_sys_enter, NULL);
	if (err)
		goto err_enter;
	err = tracepoint_probe_register(scap_tp_sys_exit, scap_sys_exit, NULL);
	if (err)
		goto err_exit;
	err = tracepoint_probe_register(scap_tp_procexit, scap_procexit_probe(), NULL);
	if (err)
		goto err_procexit;
	return 0;

err_procexit:
	tracepoint_probe_unregister(scap_tp_sys_exit, scap_sys_exit, NULL);
err_exit:
	tracepoint_probe_unregister(scap_tp_sys_enter, scap_sys_enter, NULL);
	tracepoint_synchronize_unregister();
err_enter:
	pr_err("cannot attach to the tracepoints: %d\n", err);
	return err;
}

void scap_tracepoints_unregister(void)
{
	int cpu;

	tracepoint_probe_unregister(scap_tp_procexit, scap_procexit_probe(), NULL);
	tracepoint_probe_unregister(scap_tp_sys_exit, scap_sys_exit, NULL);
	tracepoint_probe_unregister(scap_tp_sys_enter, scap_sys_enter, NULL);
	tracepoint_synchronize_unregister();
	for_each_possible_cpu(cpu)
		per_cpu(scap_tracepoint_hits, cpu) = 0;
}
