// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event encoding: the 26-byte header, nparams little-endian u16 lengths,
 * then the values back to back, written in place in a ring. An event is
 * either written whole or not at all: any failure sets evt->err and the
 * caller does not publish it. The header is the writer's (record.c), the
 * fixed-size values are inline (scap.h); here the others.
 */
#include <linux/bug.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/uaccess.h>
/*
 * 6.12 moved asm/unaligned.h to linux/unaligned.h. Test for the header, not
 * the version, so that a stable backport of the move builds too.
 */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "scap.h"

/*
 * Reads len bytes of user memory a filler needs to compute parameters
 * (not a parameter itself), without faulting pages in. On failure the
 * event is dropped as for any user memory it cannot carry.
 */
int scap_evt_read_user(struct scap_evt *evt, void *dst, const void __user *src, u32 len)
{
	if (evt->err)
		return evt->err;
	if (copy_from_user_nofault(dst, src, len))
		evt->err = -EFAULT;
	return evt->err;
}

/* A NUL-terminated kernel string, cut to max bytes with the NUL. */
void scap_evt_str(struct scap_evt *evt, const char *str, u32 max)
{
	u32 len = strnlen(str, max - 1);

	if (!scap_evt_fits(evt, len + 1))
		return;
	memcpy(evt->val, str, len);
	evt->val[len] = '\0';
	scap_evt_advance(evt, len + 1);
}

/*
 * For a value the caller writes itself: where it goes, and in *room how
 * many bytes fit there (at most max); NULL if the event already failed.
 * scap_evt_put() then accounts for the bytes written.
 */
u8 *scap_evt_space(struct scap_evt *evt, u32 max, u32 *room)
{
	if (evt->err)
		return NULL;
	*room = min(max, evt->room);
	return evt->val;
}

void scap_evt_put(struct scap_evt *evt, u32 len)
{
	if (!scap_evt_fits(evt, len))
		return;
	scap_evt_advance(evt, len);
}

/*
 * A NUL-terminated string from userspace, at most max bytes with the NUL
 * (longer ones are cut). Probes run with preemption disabled, so user
 * memory is read without faulting pages in: a missing page is -EFAULT.
 */
void scap_evt_user_str(struct scap_evt *evt, const char __user *str, u32 max)
{
	static const char null_str[] = "(NULL)";
	u32 len;
	long copied;

	if (!str) {
		if (!scap_evt_fits(evt, sizeof(null_str)))
			return;
		memcpy(evt->val, null_str, sizeof(null_str));
		scap_evt_advance(evt, sizeof(null_str));
		return;
	}
	if (evt->err)
		return;
	/* Room for the longest string, or for the one that turns out to fit. */
	len = min(max, evt->room);
	if (!scap_evt_fits(evt, max(len, 1U)))
		return;

	pagefault_disable();
	copied = strncpy_from_user(evt->val, str, len);
	pagefault_enable();
	if (copied < 0) {
		evt->err = -EFAULT;
		return;
	}
	if (copied == len) {
		/* No NUL within len: cut at max, or the ring is too full. */
		if (len < max) {
			evt->err = -ENOSPC;
			return;
		}
		copied = len - 1;
	}
	evt->val[copied] = '\0';
	scap_evt_advance(evt, copied + 1);
}

/* The same, or fallback when the string cannot be read. */
void scap_evt_user_str_or(struct scap_evt *evt, const char __user *str, u32 max,
			  const char *fallback)
{
	scap_evt_user_str(evt, str, max);
	if (evt->err == -EFAULT) {
		/* Nothing was accounted for the failed value. */
		evt->err = 0;
		scap_evt_str(evt, fallback, max);
	}
}

/*
 * Values up to this size are read from userspace into the stack, then
 * copied into the ring: with CONFIG_HARDENED_USERCOPY a copy into the
 * ring's vmap looks its area up under the global vmap_area_lock, while a
 * stack buffer is only checked against the stack's bounds.
 */
#define SCAP_USER_BOUNCE	128

/* len bytes from userspace, read without faulting pages in. */
void scap_evt_user_buf(struct scap_evt *evt, const void __user *buf, u32 len)
{
	u8 bounce[SCAP_USER_BOUNCE] scap_noinit;

	if (!scap_evt_fits(evt, len))
		return;
	if (len <= sizeof(bounce)) {
		if (len && copy_from_user_nofault(bounce, buf, len)) {
			evt->err = -EFAULT;
			return;
		}
		memcpy(evt->val, bounce, len);
	} else if (copy_from_user_nofault(evt->val, buf, len)) {
		evt->err = -EFAULT;
		return;
	}
	scap_evt_advance(evt, len);
}

/* Fails the event with err, unless it failed already. */
void scap_evt_fail(struct scap_evt *evt, int err)
{
	if (!evt->err)
		evt->err = err;
}
