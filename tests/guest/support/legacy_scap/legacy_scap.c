// SPDX-License-Identifier: GPL-2.0-only
/*
 * TEST FIXTURE, not a driver: a stand-in for scap drivers the tests cannot
 * run, loaded by tests/guest/scap_compat_legacy.sh in place of the real
 * module. Built under the module name "scap" (Kbuild), it shows
 * /sys/module/scap/version = LEGACY_SCAP_VERSION and one device,
 * /dev/scap0, whose only ioctls are the version ones:
 *
 *   api_code=0 (the default): 24 and 25 fail with ENOTTY, as in a driver
 *     that predates API versioning;
 *   api_code=<packed code>: 24 writes it and 25 writes schema_code, e.g. a
 *     code that disagrees with the sysfs version.
 *
 * 21 writes LEGACY_SCAP_VERSION; everything else is ENOTTY. No consumer,
 * no ring, no mmap, no capture.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>

#ifndef LEGACY_SCAP_VERSION
#error "build with LEGACY_SCAP_VERSION (see Kbuild)"
#endif

/* libscap's numbers (driver-src/scap_abi.h), not included: a fixture of its own. */
#define LEGACY_IOCTL_GET_DRIVER_VERSION	_IO('s', 21)
#define LEGACY_IOCTL_GET_API_VERSION	_IO('s', 24)
#define LEGACY_IOCTL_GET_SCHEMA_VERSION	_IO('s', 25)

static unsigned long long api_code;
module_param(api_code, ullong, 0444);
MODULE_PARM_DESC(api_code, "What ioctl 24 writes; 0: ioctls 24 and 25 fail with ENOTTY");

static unsigned long long schema_code = 1ULL << 44;	/* 1.0.0 */
module_param(schema_code, ullong, 0444);
MODULE_PARM_DESC(schema_code, "What ioctl 25 writes when api_code is set");

static long legacy_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case LEGACY_IOCTL_GET_DRIVER_VERSION:
		if (copy_to_user(uarg, LEGACY_SCAP_VERSION, sizeof(LEGACY_SCAP_VERSION)))
			return -EFAULT;
		return 0;
	case LEGACY_IOCTL_GET_API_VERSION:
		if (!api_code)
			return -ENOTTY;
		return put_user(api_code, (u64 __user *)uarg);
	case LEGACY_IOCTL_GET_SCHEMA_VERSION:
		if (!api_code)
			return -ENOTTY;
		return put_user(schema_code, (u64 __user *)uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations legacy_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = legacy_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice legacy_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "scap0",
	.fops = &legacy_fops,
};

static int __init legacy_init(void)
{
	return misc_register(&legacy_device);
}

static void __exit legacy_exit(void)
{
	misc_deregister(&legacy_device);
}

module_init(legacy_init);
module_exit(legacy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TEST FIXTURE: a stand-in for legacy scap drivers (tests/guest)");
MODULE_VERSION(LEGACY_SCAP_VERSION);
