/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The packed 64-bit version code libscap reads from the driver: bit 63 is
 * zero, major in bits 44..62, minor in bits 24..43, patch in bits 0..23.
 * Shared by the kernel module and the eBPF probe.
 *
 * The versions themselves come from API_VERSION and SCHEMA_VERSION, which
 * the build turns into SCAP_{API,SCHEMA}_{MAJOR,MINOR,PATCH}.
 */
#ifndef SCAP_VERSION_H
#define SCAP_VERSION_H

#define SCAP_VERSION_MAJOR_MAX	0x7ffffULL
#define SCAP_VERSION_MINOR_MAX	0xfffffULL
#define SCAP_VERSION_PATCH_MAX	0xffffffULL

#define SCAP_VERSION_CODE(major, minor, patch)		\
	(((unsigned long long)(major) << 44) |		\
	 ((unsigned long long)(minor) << 24) |		\
	 (unsigned long long)(patch))

#define SCAP_VERSION_FITS(major, minor, patch)		\
	((major) <= SCAP_VERSION_MAJOR_MAX &&		\
	 (minor) <= SCAP_VERSION_MINOR_MAX &&		\
	 (patch) <= SCAP_VERSION_PATCH_MAX)

#if !defined(SCAP_API_MAJOR) || !defined(SCAP_SCHEMA_MAJOR)
#error "build with the versions of API_VERSION and SCHEMA_VERSION (see Kbuild)"
#endif

_Static_assert(SCAP_VERSION_FITS(SCAP_API_MAJOR, SCAP_API_MINOR, SCAP_API_PATCH),
	       "API_VERSION does not fit the version code");
_Static_assert(SCAP_VERSION_FITS(SCAP_SCHEMA_MAJOR, SCAP_SCHEMA_MINOR, SCAP_SCHEMA_PATCH),
	       "SCHEMA_VERSION does not fit the version code");

#define SCAP_API_VERSION_CODE \
	SCAP_VERSION_CODE(SCAP_API_MAJOR, SCAP_API_MINOR, SCAP_API_PATCH)
#define SCAP_SCHEMA_VERSION_CODE \
	SCAP_VERSION_CODE(SCAP_SCHEMA_MAJOR, SCAP_SCHEMA_MINOR, SCAP_SCHEMA_PATCH)

#define SCAP_STR_(x)	#x
#define SCAP_STR(x)	SCAP_STR_(x)
#define SCAP_VERSION_STRING(major, minor, patch) \
	SCAP_STR(major) "." SCAP_STR(minor) "." SCAP_STR(patch)

#define SCAP_API_VERSION_STRING \
	SCAP_VERSION_STRING(SCAP_API_MAJOR, SCAP_API_MINOR, SCAP_API_PATCH)
#define SCAP_SCHEMA_VERSION_STRING \
	SCAP_VERSION_STRING(SCAP_SCHEMA_MAJOR, SCAP_SCHEMA_MINOR, SCAP_SCHEMA_PATCH)

#endif /* SCAP_VERSION_H */
