// SPDX-License-Identifier: GPL-2.0-only
/*
 * scap: a capture driver speaking the libscap kernel interface.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "scap.h"
#include "scap_version.h"

unsigned int scap_max_consumers = 5;
module_param_named(max_consumers, scap_max_consumers, uint, 0444);
MODULE_PARM_DESC(max_consumers, "Processes that may capture at the same time (EBUSY past it)");

static int __init scap_init(void)
{
	int err;

	err = scap_tracepoints_init();
	if (err)
		return err;
	err = scap_consumers_init();
	if (err)
		return err;
	err = scap_devices_init();
	if (err)
		scap_consumers_exit();
	return err;
}

/* Open devices pin the module, so no consumer is left here. */
static void __exit scap_exit(void)
{
	scap_devices_exit();
	scap_consumers_exit();
}

module_init(scap_init);
module_exit(scap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("scap capture driver (libscap kernel interface)");
MODULE_VERSION(SCAP_API_VERSION_STRING);
MODULE_INFO(api_version, SCAP_API_VERSION_STRING);
MODULE_INFO(schema_version, SCAP_SCHEMA_VERSION_STRING);
