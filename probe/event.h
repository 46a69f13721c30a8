/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Builds one schema 1 event in a per-CPU scratch buffer and copies it into
 * the ring buffer. The event follows a record header so that the reader
 * learns the CPU, which the event header does not carry:
 *
 *   record: u32 cpu, u32 reserved, then the event
 *   event:  struct probe_evt_hdr, nparams u16 lengths, the values
 *
 * Offsets stay below fixed masks so that the verifier can bound every
 * access; an event never comes near them (the longest is about 4.2 KiB).
 */
#ifndef SCAP_PROBE_EVENT_H
#define SCAP_PROBE_EVENT_H

#define SCAP_RECORD_HDR_LEN	8
#define SCAP_SCRATCH_SIZE	16384	/* power of two: the submit mask */
#define SCAP_VALUES_MASK	8191	/* where a variable-length value may start */
#define SCAP_PATH_MAX		4096
#define SCAP_SNAPLEN		80	/* libscap's default for read/write data */

struct scap_scratch {
	__u8 data[SCAP_SCRATCH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scap_scratch);
} scap_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SCAP_RING_BUF_SIZE);
} scap_events SEC(".maps");

/* Set by the loader before loading: CLOCK_REALTIME - CLOCK_BOOTTIME. */
const volatile __u64 scap_boot_time_ns;

struct probe_evt {
	__u8 *buf;
	__u64 nparams;
	__u64 param;	/* index of the next parameter */
	__u64 off;	/* offset in buf of the next value */
};

#define PROBE_EVT(e) ((e)->buf + SCAP_RECORD_HDR_LEN)

static __always_inline int probe_evt_begin(struct probe_evt *e, __u16 type,
					  __u32 nparams, __u64 pid_tgid)
{
	__u32 zero = 0;
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 ts = bpf_ktime_get_boot_ns() + scap_boot_time_ns;
	__u64 tid = (__u32)pid_tgid;
	__u8 *evt;

	e->buf = bpf_map_lookup_elem(&scap_scratch, &zero);
	if (!e->buf)
		return -1;
	e->nparams = nparams;
	e->param = 0;
	e->off = SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN + 2 * nparams;

	__builtin_memcpy(e->buf, &cpu, sizeof(cpu));
	__builtin_memset(e->buf + 4, 0, 4);
	evt = PROBE_EVT(e);
	__builtin_memcpy(evt + 0, &ts, sizeof(ts));
	__builtin_memcpy(evt + 8, &tid, sizeof(tid));
	__builtin_memcpy(evt + 20, &type, sizeof(type));
	__builtin_memcpy(evt + 22, &nparams, sizeof(nparams));
	return 0;
}

static __always_inline void probe_evt_param_len(struct probe_evt *e, __u16 len)
{
	__builtin_memcpy(PROBE_EVT(e) + SCAP_EVT_HDR_LEN + 2 * e->param, &len,
			 sizeof(len));
	e->param++;
	e->off = (e->off + len) & SCAP_VALUES_MASK;
}

static __always_inline void probe_evt_u16(struct probe_evt *e, __u16 v)
{
	__builtin_memcpy(e->buf + e->off, &v, sizeof(v));
	probe_evt_param_len(e, sizeof(v));
}

static __always_inline void probe_evt_u32(struct probe_evt *e, __u32 v)
{
	__builtin_memcpy(e->buf + e->off, &v, sizeof(v));
	probe_evt_param_len(e, sizeof(v));
}

static __always_inline void probe_evt_s64(struct probe_evt *e, __s64 v)
{
	__builtin_memcpy(e->buf + e->off, &v, sizeof(v));
	probe_evt_param_len(e, sizeof(v));
}

/*
 * A NUL-terminated string from user memory: "(NULL)" for a NULL pointer, as
 * the module writes it; "" when it cannot be read (where the module drops
 * the event and counts it in n_drops_pf, which the probe does not have).
 */
static __always_inline void probe_evt_user_str(struct probe_evt *e,
					      const char *ustr)
{
	/*
	 * "(NULL)" and its NUL, little-endian: a static string would be a
	 * .rodata variable whose BTF name ("fn.var") the kernel refuses.
	 */
	const __u64 null_str = 0x00294c4c554e28ULL;
	long n;

	if (!ustr) {
		__builtin_memcpy(e->buf + e->off, &null_str, 7);
		probe_evt_param_len(e, 7);
		return;
	}
	n = bpf_probe_read_user_str(e->buf + e->off, SCAP_PATH_MAX, ustr);

	if (n <= 0 || n > SCAP_PATH_MAX) {
		e->buf[e->off] = 0;
		n = 1;
	}
	probe_evt_param_len(e, n);
}

/* Up to SCAP_SNAPLEN bytes of user memory; empty when it cannot be read. */
static __always_inline void probe_evt_user_buf(struct probe_evt *e,
					      const void *ubuf, __s64 len)
{
	__u32 n = len > SCAP_SNAPLEN ? SCAP_SNAPLEN : len < 0 ? 0 : len;

	if (n && bpf_probe_read_user(e->buf + e->off, n & 127, ubuf))
		n = 0;
	probe_evt_param_len(e, n);
}

static __always_inline void probe_evt_submit(struct probe_evt *e)
{
	__u32 len = e->off - SCAP_RECORD_HDR_LEN;

	__builtin_memcpy(PROBE_EVT(e) + 16, &len, sizeof(len));
	bpf_ringbuf_output(&scap_events, e->buf,
			   e->off & (SCAP_SCRATCH_SIZE - 1), 0);
}

#endif /* SCAP_PROBE_EVENT_H */
