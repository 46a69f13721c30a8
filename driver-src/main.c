// SPDX-License-Identifier: GPL-2.0-only
/*
 * scap: a capture driver speaking the libscap kernel interface.
 */
#include <linux/module.h>

#include "scap_version.h"

static int __init scap_init(void)
{
	return 0;
}

static void __exit scap_exit(void)
{
}

module_init(scap_init);
module_exit(scap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("scap capture driver (libscap kernel interface)");
MODULE_VERSION(SCAP_API_VERSION_STRING);
MODULE_INFO(api_version, SCAP_API_VERSION_STRING);
MODULE_INFO(schema_version, SCAP_SCHEMA_VERSION_STRING);
