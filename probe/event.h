/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Builds one schema 1 event directly in a record reserved in the ring
 * buffer, so that every invocation writes memory of its own: from 6.13 on
 * the syscall tracepoints run BPF programs preemptible (only migration is
 * disabled), and a per-CPU scratch buffer would be overwritten mid-event
 * by another task's program on the same CPU. The record starts with a
 * header so that the reader learns the CPU, which the event header does
 * not carry:
 *
 *   record: u32 cpu, u32 reserved, then the event
 *   event:  struct probe_evt_hdr, nparams u16 lengths, the values
 *
 * A record is reserved at the size of its event type's largest form (the
 * reservation size must be a constant); the event header's len says how
 * much of it the event takes, and the reader ignores the rest. Every write
 * is bounded by the reservation: one that would not fit marks the event
 * bad and it is discarded, which never happens for events of the sizes
 * below.
 */
#ifndef SCAP_PROBE_EVENT_H
#define SCAP_PROBE_EVENT_H

#define SCAP_RECORD_HDR_LEN	8
#define SCAP_PATH_MAX		4096
#define SCAP_SNAPLEN		80	/* libscap's default for read/write data */
/* A user buffer read is masked to this, a power of two minus one. */
#define SCAP_SNAPLEN_MASK	127
/* The most of any event: the clone and execve exits (a power of two). */
#define SCAP_MAX_PARAMS		20
#define SCAP_PARAM_MASK		31
/* Events of at most two fixed-size values (16 bytes): most of them. */
#define SCAP_RECORD_FIXED	(SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN + \
				 2 * 2 + 16)
/* read/write exits: the result, then up to the snaplen of data. */
#define SCAP_RECORD_DATA	(SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN + \
				 2 * 2 + 8 + SCAP_SNAPLEN_MASK + 1)
/* open, openat(2), creat, chdir, getcwd: 16 bytes before the path, 16 after. */
#define SCAP_RECORD_PATH	(SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN + \
				 2 * SCAP_MAX_PARAMS + 16 + SCAP_PATH_MAX + 16)
/*
 * The clone and execve exits: the argument area (exe and args), the
 * cgroups and the environment, each at most a page, and about 200 bytes
 * of fixed values and short strings: under 12.5 KiB, so their values are
 * written at offsets masked with SCAP_PROC_OFF_MASK (which never changes
 * them) without a check each, which would multiply the verifier's paths;
 * the record has room for the widest write (two pages) past the mask.
 */
#define SCAP_AREA_MAX		4096
#define SCAP_PROC_OFF_MASK	16383
#define SCAP_RECORD_PROC	(SCAP_PROC_OFF_MASK + 1 + 2 * SCAP_AREA_MAX)

/*
 * One ring for all CPUs, sized by the loader (scap-probe's ring_size(): a
 * module ring's 8 MiB per online CPU, from 32 to 256 MiB). Records are
 * reserved at their type's largest size, so it holds fewer events than its
 * bytes say.
 */
#define SCAP_PROBE_RING_SIZE	SCAP_RING_BUF_SIZE

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SCAP_PROBE_RING_SIZE);
} scap_events SEC(".maps");

/* Events lost because the ring was full (the reader fell behind). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scap_lost SEC(".maps");

/* Set by the loader before loading: CLOCK_REALTIME - CLOCK_BOOTTIME. */
const volatile __u64 scap_boot_time_ns;

struct probe_evt {
	__u8 *buf;	/* the reserved record */
	__u64 cap;	/* its size */
	__u64 nparams;
	__u64 param;	/* index of the next parameter */
	__u64 off;	/* offset in buf of the next value */
	__u64 bad;	/* a value did not fit: discard */
};

#define PROBE_EVT(e) ((e)->buf + SCAP_RECORD_HDR_LEN)

/* Reserves a record of cap bytes (a constant) for an event. */
static __always_inline int probe_evt_begin(struct probe_evt *e, __u16 type,
					  __u32 nparams, __u64 pid_tgid,
					  __u64 cap)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 ts = bpf_ktime_get_boot_ns() + scap_boot_time_ns;
	__u64 tid = (__u32)pid_tgid;
	__u8 *evt;

	e->buf = bpf_ringbuf_reserve(&scap_events, cap, 0);
	if (!e->buf) {
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&scap_lost, &zero);

		/* Atomic: another task's program may preempt this one. */
		if (lost)
			__sync_fetch_and_add(lost, 1);
		return -1;
	}
	e->cap = cap;
	e->nparams = nparams;
	e->param = 0;
	e->off = SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN + 2 * nparams;
	e->bad = 0;

	__builtin_memcpy(e->buf, &cpu, sizeof(cpu));
	__builtin_memset(e->buf + 4, 0, 4);
	evt = PROBE_EVT(e);
	__builtin_memcpy(evt + 0, &ts, sizeof(ts));
	__builtin_memcpy(evt + 8, &tid, sizeof(tid));
	__builtin_memcpy(evt + 20, &type, sizeof(type));
	__builtin_memcpy(evt + 22, &nparams, sizeof(nparams));
	return 0;
}

/* Whether width bytes fit at the current offset; if not, the event is bad. */
static __always_inline int probe_evt_fits(struct probe_evt *e, __u64 width)
{
	if (e->off + width > e->cap || e->param >= SCAP_MAX_PARAMS) {
		e->bad = 1;
		return 0;
	}
	return 1;
}

static __always_inline void probe_evt_param_len(struct probe_evt *e, __u16 len)
{
	__u64 at = SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN +
		   2 * (e->param & SCAP_PARAM_MASK);

	__builtin_memcpy(e->buf + at, &len, sizeof(len));
	e->param++;
	e->off += len;
}

static __always_inline void probe_evt_u16(struct probe_evt *e, __u16 v)
{
	if (!probe_evt_fits(e, sizeof(v)))
		return;
	__builtin_memcpy(e->buf + e->off, &v, sizeof(v));
	probe_evt_param_len(e, sizeof(v));
}

static __always_inline void probe_evt_u8(struct probe_evt *e, __u8 v)
{
	if (!probe_evt_fits(e, sizeof(v)))
		return;
	e->buf[e->off] = v;
	probe_evt_param_len(e, sizeof(v));
}

static __always_inline void probe_evt_u32(struct probe_evt *e, __u32 v)
{
	if (!probe_evt_fits(e, sizeof(v)))
		return;
	__builtin_memcpy(e->buf + e->off, &v, sizeof(v));
	probe_evt_param_len(e, sizeof(v));
}

static __always_inline void probe_evt_s64(struct probe_evt *e, __s64 v)
{
	if (!probe_evt_fits(e, sizeof(v)))
		return;
	__builtin_memcpy(e->buf + e->off, &v, sizeof(v));
	probe_evt_param_len(e, sizeof(v));
}

/* Up to 8 bytes of a constant string (its NUL included), little-endian. */
static __always_inline void probe_evt_const_str(struct probe_evt *e, __u64 str,
					       __u16 len)
{
	if (!probe_evt_fits(e, sizeof(str)))
		return;
	__builtin_memcpy(e->buf + e->off, &str, sizeof(str));
	probe_evt_param_len(e, len);
}

/* The empty string, as a CHARBUF: its NUL. */
static __always_inline void probe_evt_empty_str(struct probe_evt *e)
{
	probe_evt_const_str(e, 0, 1);
}

/*
 * A NUL-terminated string from user memory: "(NULL)" for a NULL pointer, as
 * the module writes it. One that cannot be read (its page is not in memory:
 * the probe may not fault it in) discards the event, as the module drops it
 * (counting it in n_drops_pf, which the probe does not have), or where the
 * module sends a fallback string instead, so does the probe: fallback, up
 * to 8 bytes little-endian, fallback_len of them with its NUL.
 */
static __always_inline void probe_evt_user_str_or(struct probe_evt *e,
						 const char *ustr, __u64 fallback,
						 __u16 fallback_len)
{
	/*
	 * "(NULL)" and its NUL, little-endian: a static string would be a
	 * .rodata variable whose BTF name ("fn.var") the kernel refuses.
	 */
	const __u64 null_str = 0x00294c4c554e28ULL;
	long n;

	if (!probe_evt_fits(e, SCAP_PATH_MAX))
		return;
	if (!ustr) {
		__builtin_memcpy(e->buf + e->off, &null_str, 7);
		probe_evt_param_len(e, 7);
		return;
	}
	n = bpf_probe_read_user_str(e->buf + e->off, SCAP_PATH_MAX, ustr);
	if (n <= 0 || n > SCAP_PATH_MAX) {
		if (!fallback_len) {
			e->bad = 1;
			return;
		}
		__builtin_memcpy(e->buf + e->off, &fallback, sizeof(fallback));
		n = fallback_len;
	}
	probe_evt_param_len(e, n);
}

static __always_inline void probe_evt_user_str(struct probe_evt *e,
					      const char *ustr)
{
	probe_evt_user_str_or(e, ustr, 0, 0);
}

/*
 * Up to SCAP_SNAPLEN bytes of user memory; empty when it cannot be read.
 * The barrier keeps the mask, which clang drops as redundant while the
 * verifier may have lost the bound on the copy of len it reads.
 */
static __always_inline void probe_evt_user_buf(struct probe_evt *e,
					      const void *ubuf, __s64 len)
{
	__u32 n = len > SCAP_SNAPLEN ? SCAP_SNAPLEN : len < 0 ? 0 : len;

	if (!probe_evt_fits(e, SCAP_SNAPLEN_MASK + 1))
		return;
	/*
	 * clang knows n <= SCAP_SNAPLEN and drops the mask, while the
	 * verifier may have lost that bound (a length reloaded from the
	 * stack): hide n's value so that the mask stays.
	 */
	asm volatile("" : "+r"(n));
	n &= SCAP_SNAPLEN_MASK;
	if (n && bpf_probe_read_user(e->buf + e->off, n, ubuf))
		n = 0;
	probe_evt_param_len(e, n);
}

/* Where the next value of a SCAP_RECORD_PROC event goes. */
static __always_inline __u8 *probe_big_at(struct probe_evt *e)
{
	return e->buf + (e->off & SCAP_PROC_OFF_MASK);
}

static __always_inline void probe_big_u8(struct probe_evt *e, __u8 v)
{
	*probe_big_at(e) = v;
	probe_evt_param_len(e, sizeof(v));
}

static __always_inline void probe_big_u32(struct probe_evt *e, __u32 v)
{
	__builtin_memcpy(probe_big_at(e), &v, sizeof(v));
	probe_evt_param_len(e, sizeof(v));
}

static __always_inline void probe_big_s64(struct probe_evt *e, __s64 v)
{
	__builtin_memcpy(probe_big_at(e), &v, sizeof(v));
	probe_evt_param_len(e, sizeof(v));
}

static __always_inline void probe_big_empty_str(struct probe_evt *e)
{
	*probe_big_at(e) = 0;
	probe_evt_param_len(e, 1);
}

/* A NUL-terminated kernel string of at most max (< 256) bytes. */
static __always_inline void probe_big_kernel_str(struct probe_evt *e, const char *kstr,
						__u32 max)
{
	long n = bpf_probe_read_kernel_str(probe_big_at(e), max & 255, kstr);

	if (n <= 0 || n > 256) {
		*probe_big_at(e) = 0;
		n = 1;
	}
	probe_evt_param_len(e, n);
}

/* Publishes the event, or discards it if a value did not fit. */
static __always_inline void probe_evt_submit(struct probe_evt *e)
{
	__u32 len = e->off - SCAP_RECORD_HDR_LEN;

	if (e->bad || e->param != e->nparams) {
		bpf_ringbuf_discard(e->buf, 0);
		return;
	}
	__builtin_memcpy(PROBE_EVT(e) + 16, &len, sizeof(len));
	bpf_ringbuf_submit(e->buf, 0);
}

#endif /* SCAP_PROBE_EVENT_H */
