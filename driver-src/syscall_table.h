/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which events a syscall produces: its PPM_SC code, its drop policy in
 * dropping mode and, for the syscalls with their own events, the event
 * types and fillers.
 */
#ifndef SCAP_SYSCALL_TABLE_H
#define SCAP_SYSCALL_TABLE_H

/* The probe gets u8/u16 from its kernel_types.h, not from the kernel's headers. */
#ifdef __KERNEL__
#include <linux/types.h>
#endif

/* Size of the schema's x86_64 table: numbers at or above it are not traced. */
#define SCAP_SYSCALL_TABLE_SIZE	512

/* In dropping mode: sampled with the ratio, always dropped or never. */
enum scap_drop_policy {
	SCAP_DROP_ALWAYS = 0,	/* generic events, and the zero of gaps */
	SCAP_DROP_SAMPLED,
	SCAP_DROP_NEVER,
};

struct scap_syscall_code {
	u16 code;	/* PPM_SC code */
	u8 drop;	/* enum scap_drop_policy */
};

/* Generated: syscall_codes.c. */
extern const struct scap_syscall_code scap_syscall_codes[SCAP_SYSCALL_TABLE_SIZE];

struct scap_evt;
struct scap_syscall_ctx;
typedef void (*scap_fill_fn)(struct scap_evt *evt,
			     const struct scap_syscall_ctx *ctx);

struct scap_event_pair {
	u16 enter_type;
	u16 exit_type;
	scap_fill_fn fill_enter;
	scap_fill_fn fill_exit;
};

struct scap_syscall {
	long nr;
	u16 code;
	u8 drop;
	const struct scap_event_pair *events;
};

#endif /* SCAP_SYSCALL_TABLE_H */
