// SPDX-License-Identifier: GPL-2.0-only
/*
 * The character devices /dev/<name>0 .. /dev/<name>N-1, one per possible
 * CPU (the minor is the CPU), and their ioctls.
 *
 * An open for writing (O_RDWR, as libscap opens) makes the caller a
 * consumer with a ring on that CPU. An open without FMODE_WRITE (O_RDONLY)
 * is a query handle: no consumer, no ring, no tracepoints, no
 * max_consumers slot; only the version ioctls answer it, the others fail
 * with EBADF and mmap with EACCES.
 */
#include <linux/cdev.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "scap.h"
#include "scap_version.h"

static dev_t scap_devt;
static struct cdev scap_cdev;
static struct class *scap_class;

static int scap_open(struct inode *inode, struct file *file)
{
	unsigned int cpu = iminor(inode);
	struct scap_ring *ring;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -ENODEV;
	/* A query handle: private_data stays NULL. */
	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	ring = scap_consumer_open(cpu);
	if (IS_ERR(ring))
		return PTR_ERR(ring);
	file->private_data = ring;
	return 0;
}

static int scap_release(struct inode *inode, struct file *file)
{
	struct scap_ring *ring = file->private_data;

	if (ring)
		scap_consumer_close(ring);
	return 0;
}

static int scap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct scap_ring *ring = file->private_data;

	/* As mmap(2) refuses a shared writable mapping of a read-only file. */
	if (!ring)
		return -EACCES;
	return scap_ring_mmap(ring, vma);
}

/* GET_VTID/GET_VPID: a task's (thread group's) id in its own pid namespace. */
static long scap_get_vid(pid_t global_pid, bool thread)
{
	struct task_struct *task;
	struct pid *pid;
	long vid = -ESRCH;

	rcu_read_lock();
	pid = find_pid_ns(global_pid, &init_pid_ns);
	task = pid ? pid_task(pid, PIDTYPE_PID) : NULL;
	if (task)
		vid = thread ? task_pid_nr_ns(task, ns_of_pid(pid)) :
			       task_tgid_nr_ns(task, ns_of_pid(pid));
	rcu_read_unlock();
	return vid;
}

static long scap_get_tracepoint_hits(long __user *counts)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (put_user(per_cpu(scap_tracepoint_hits, cpu), &counts[cpu]))
			return -EFAULT;
	return 0;
}

static long scap_set_dropping_mode(struct scap_consumer *consumer, bool on,
				   unsigned long ratio)
{
	if (on && (!ratio || ratio > SCAP_SAMPLING_RATIO_MAX || !is_power_of_2(ratio)))
		return -EINVAL;
	WRITE_ONCE(consumer->sampling_ratio, on ? ratio : 1);
	WRITE_ONCE(consumer->dropping_mode, on);
	return 0;
}

static long scap_set_event_mask(struct scap_consumer *consumer, unsigned int cmd,
				unsigned long type)
{
	if (cmd == SCAP_IOCTL_MASK_ZERO_EVENTS) {
		bitmap_zero(consumer->events_mask, SCAP_EVENT_MAX);
		/* Drop markers stay: they say what is missing. */
		set_bit(SCAPE_DROP_E, consumer->events_mask);
		set_bit(SCAPE_DROP_X, consumer->events_mask);
		return 0;
	}
	if (type >= SCAP_EVENT_MAX)
		return -EINVAL;
	if (cmd == SCAP_IOCTL_MASK_SET_EVENT)
		set_bit(type, consumer->events_mask);
	else
		clear_bit(type, consumer->events_mask);
	return 0;
}

/* The ioctls of a consumer's handle, on its ring and its settings. */
static long scap_ring_ioctl(struct scap_ring *ring, unsigned int cmd,
			    unsigned long arg)
{
	struct scap_consumer *consumer = ring->consumer;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case SCAP_IOCTL_DISABLE_CAPTURE:
	case SCAP_IOCTL_ENABLE_CAPTURE:
		WRITE_ONCE(ring->capture_enabled, cmd == SCAP_IOCTL_ENABLE_CAPTURE);
		return 0;
	case SCAP_IOCTL_DISABLE_DROPPING_MODE:
	case SCAP_IOCTL_ENABLE_DROPPING_MODE:
		return scap_set_dropping_mode(consumer,
					      cmd == SCAP_IOCTL_ENABLE_DROPPING_MODE, arg);
	case SCAP_IOCTL_SET_SNAPLEN:
		if (arg > SCAP_SNAPLEN_MAX)
			return -EINVAL;
		WRITE_ONCE(consumer->snaplen, arg);
		return 0;
	case SCAP_IOCTL_MASK_ZERO_EVENTS:
	case SCAP_IOCTL_MASK_SET_EVENT:
	case SCAP_IOCTL_MASK_UNSET_EVENT:
		return scap_set_event_mask(consumer, cmd, arg);
	case SCAP_IOCTL_GET_VTID:
	case SCAP_IOCTL_GET_VPID:
		return scap_get_vid(arg, cmd == SCAP_IOCTL_GET_VTID);
	case SCAP_IOCTL_GET_CURRENT_TID:
		return task_pid_nr(current);
	case SCAP_IOCTL_GET_CURRENT_PID:
		return task_tgid_nr(current);
	case SCAP_IOCTL_GET_PROCLIST:
		return scap_get_proclist(uarg);
	case SCAP_IOCTL_GET_N_TRACEPOINT_HIT:
		return scap_get_tracepoint_hits(uarg);
	default:
		return -ENOTTY;
	}
}

/* libscap's API 1 numbers its ioctls _IO('s', 0) .. _IO('s', 25). */
static bool scap_ioctl_in_range(unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	return cmd == _IO(SCAP_IOCTL_MAGIC, nr) &&
	       nr <= _IOC_NR(SCAP_IOCTL_GET_SCHEMA_VERSION);
}

static long scap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct scap_ring *ring = file->private_data;
	void __user *uarg = (void __user *)arg;

	/* The versions answer every handle, a query handle included. */
	switch (cmd) {
	case SCAP_IOCTL_GET_DRIVER_VERSION:
		if (copy_to_user(uarg, SCAP_API_VERSION_STRING,
				 sizeof(SCAP_API_VERSION_STRING)))
			return -EFAULT;
		return 0;
	case SCAP_IOCTL_GET_API_VERSION:
		return put_user(SCAP_API_VERSION_CODE, (u64 __user *)uarg);
	case SCAP_IOCTL_GET_SCHEMA_VERSION:
		return put_user(SCAP_SCHEMA_VERSION_CODE, (u64 __user *)uarg);
	}
	/* The rest needs a consumer: not open for writing, as write(2) says. */
	if (!ring)
		return scap_ioctl_in_range(cmd) ? -EBADF : -ENOTTY;
	return scap_ring_ioctl(ring, cmd, arg);
}

static const struct file_operations scap_fops = {
	.owner = THIS_MODULE,
	.open = scap_open,
	.release = scap_release,
	.mmap = scap_mmap,
	.unlocked_ioctl = scap_ioctl,
	.llseek = noop_llseek,
};

static void scap_destroy_devices(unsigned int n)
{
	while (n--)
		device_destroy(scap_class, MKDEV(MAJOR(scap_devt), n));
}

int scap_devices_init(void)
{
	unsigned int cpu;
	struct device *dev;
	int err;

	err = alloc_chrdev_region(&scap_devt, 0, nr_cpu_ids, SCAP_MODULE_NAME);
	if (err)
		return err;

	cdev_init(&scap_cdev, &scap_fops);
	scap_cdev.owner = THIS_MODULE;
	err = cdev_add(&scap_cdev, scap_devt, nr_cpu_ids);
	if (err)
		goto err_region;

	/*
	 * 6.4 dropped class_create()'s owner argument ("driver core: class:
	 * remove module * from class_create()"): no call builds on both sides.
	 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	scap_class = class_create(SCAP_MODULE_NAME);
#else
	scap_class = class_create(THIS_MODULE, SCAP_MODULE_NAME);
#endif
	if (IS_ERR(scap_class)) {
		err = PTR_ERR(scap_class);
		goto err_cdev;
	}

	/* Possible CPUs are 0 .. nr_cpu_ids - 1 on x86. */
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		dev = device_create(scap_class, NULL, MKDEV(MAJOR(scap_devt), cpu),
				    NULL, SCAP_MODULE_NAME "%u", cpu);
		if (IS_ERR(dev)) {
			err = PTR_ERR(dev);
			goto err_devices;
		}
	}
	return 0;

err_devices:
	scap_destroy_devices(cpu);
	class_destroy(scap_class);
err_cdev:
	cdev_del(&scap_cdev);
err_region:
	unregister_chrdev_region(scap_devt, nr_cpu_ids);
	return err;
}

void scap_devices_exit(void)
{
	scap_destroy_devices(nr_cpu_ids);
	class_destroy(scap_class);
	cdev_del(&scap_cdev);
	unregister_chrdev_region(scap_devt, nr_cpu_ids);
}
