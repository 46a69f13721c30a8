# The driver's versions, read from API_VERSION and SCHEMA_VERSION (the only
# place they are written by hand) and handed to the C code as macros for
# scap_version.h. Included by Kbuild; $(scap_src) is this directory.

# read-version prints "MAJOR MINOR PATCH", or its one-line error, which
# becomes make's.
scap_read_version = $(shell $(scap_src)/scripts/read-version $(scap_src)/$(1) 2>&1)
scap_api := $(call scap_read_version,API_VERSION)
scap_schema := $(call scap_read_version,SCHEMA_VERSION)

ifneq ($(words $(scap_api)),3)
$(error $(scap_api))
endif
ifneq ($(words $(scap_schema)),3)
$(error $(scap_schema))
endif

SCAP_VERSION_CFLAGS := \
	-DSCAP_API_MAJOR=$(word 1,$(scap_api)) \
	-DSCAP_API_MINOR=$(word 2,$(scap_api)) \
	-DSCAP_API_PATCH=$(word 3,$(scap_api)) \
	-DSCAP_SCHEMA_MAJOR=$(word 1,$(scap_schema)) \
	-DSCAP_SCHEMA_MINOR=$(word 2,$(scap_schema)) \
	-DSCAP_SCHEMA_PATCH=$(word 3,$(scap_schema))
