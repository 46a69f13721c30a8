/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The I/O variants of read and write: pread64, pwrite64, readv, writev,
 * preadv, pwritev, lseek, sendfile, splice, copy_file_range. Parameters as
 * the module sends them (driver-src/fillers_io.c), data up to the probe's
 * fixed snaplen; data that cannot be read is cut there (read and write
 * send none), where the module drops the event.
 */
#ifndef SCAP_PROBE_IO_EVENTS_H
#define SCAP_PROBE_IO_EVENTS_H

/* Events of up to four 8-byte values. */
#define SCAP_RECORD_IO		(SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN + 2 * 4 + 32)
/* The iovec exits: res, size, then data gathered at masked offsets. */
#define SCAP_RECORD_IOV		(SCAP_RECORD_HDR_LEN + SCAP_EVT_HDR_LEN + 2 * 3 + 8 + 4 + \
				 2 * (SCAP_SNAPLEN_MASK + 1))

struct scap_iovec {
	__u64 base;
	__u64 len;
};

/* The iovecs' total length; the event is bad if one cannot be read. */
static __always_inline __u64 scap_iov_total(struct probe_evt *e, __u64 uiov, __u64 cnt)
{
	struct scap_iovec iov;
	__u64 total = 0;
	__u32 i;

	for (i = 0; i < SCAP_IOV_MAX; i++) {
		if (i >= cnt)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (const void *)(uiov + i * sizeof(iov)))) {
			e->bad = 1;
			break;
		}
		total += iov.len;
	}
	return total;
}

/*
 * The gathering loop's length, limit and count, stored here and read
 * back at each iteration: values the verifier then knows nothing of, so
 * that the iterations that differ only in them merge (as struct
 * scap_scratch does for the clone and execve exits). Only scap_sys_exit
 * uses it, one instance per CPU at a time.
 */
struct scap_iov_gather {
	__u64 len;
	__u64 limit;
	__u64 cnt;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scap_iov_gather);
} scap_iov_scratch SEC(".maps");

#define SCAP_FORGOTTEN(v) (*(volatile __u64 *)&(v))

/*
 * The iovecs' buffers back to back, at most limit (<= SCAP_SNAPLEN) bytes
 * and never more than the module gathers after the array in a page.
 */
static __always_inline void probe_evt_user_iov(struct probe_evt *e, __u64 uiov, __u64 cnt,
					      __u64 limit)
{
	__u64 page_room = SCAP_IOV_PAGE - cnt * sizeof(struct scap_iovec) - 1;
	struct scap_iov_gather *g;
	struct scap_iovec iov;
	__u64 len, n;
	__u32 zero = 0, i;

	g = bpf_map_lookup_elem(&scap_iov_scratch, &zero);
	if (!g || !probe_evt_fits(e, 2 * (SCAP_SNAPLEN_MASK + 1))) {
		e->bad = 1;
		return;
	}
	g->len = 0;
	g->limit = limit < page_room ? limit : page_room;
	g->cnt = cnt;
	for (i = 0; i < SCAP_IOV_MAX; i++) {
		len = SCAP_FORGOTTEN(g->len);
		if (i >= SCAP_FORGOTTEN(g->cnt) || len >= SCAP_FORGOTTEN(g->limit))
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (const void *)(uiov + i * sizeof(iov)))) {
			e->bad = 1;
			return;
		}
		n = SCAP_FORGOTTEN(g->limit) - len;
		if (iov.len < n)
			n = iov.len;
		if (n && bpf_probe_read_user(e->buf + e->off + (len & SCAP_SNAPLEN_MASK),
					     n & SCAP_SNAPLEN_MASK, (const void *)iov.base))
			break;
		g->len = len + n;
	}
	probe_evt_param_len(e, SCAP_FORGOTTEN(g->len) & SCAP_SNAPLEN_MASK);
}

/* The loff_t a sendfile offset points to; 0 for NULL or unreadable. */
static __always_inline __u64 scap_user_offset(__u64 ptr)
{
	__s64 off = 0;

	if (ptr && bpf_probe_read_user(&off, sizeof(off), (const void *)ptr))
		off = 0;
	return off;
}

/* lseek's whence in the schema's values: any other is SEEK_SET's 0. */
static __always_inline __u8 scap_lseek_whence(__u64 whence)
{
	return whence == 1 ? SCAP_SEEK_CUR : whence == 2 ? SCAP_SEEK_END : SCAP_SEEK_SET;
}

/* The enter event of an I/O variant; false if nr is none of them. */
static __always_inline bool scap_io_enter(struct pt_regs *regs, long nr, __u64 pid_tgid)
{
	struct probe_evt e;
	__u64 cnt;

	switch (nr) {
	case __NR_pread64:
	case __NR_pwrite64:
		if (probe_evt_begin(&e, nr == __NR_pread64 ? SCAPE_PREAD_E : SCAPE_PWRITE_E, 3,
				    pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_u32(&e, scap_arg(regs, 2));
		probe_evt_s64(&e, scap_arg(regs, 3));
		break;
	case __NR_readv:
		if (probe_evt_begin(&e, SCAPE_READV_E, 1, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		break;
	case __NR_preadv:
		if (probe_evt_begin(&e, SCAPE_PREADV_E, 2, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_s64(&e, scap_arg(regs, 3));
		break;
	case __NR_writev:
	case __NR_pwritev:
		if (probe_evt_begin(&e, nr == __NR_writev ? SCAPE_WRITEV_E : SCAPE_PWRITEV_E,
				    nr == __NR_writev ? 2 : 3, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		/* The module drops the event for more iovecs than it carries. */
		cnt = scap_arg(regs, 2);
		if (cnt > SCAP_IOV_MAX)
			e.bad = 1;
		probe_evt_u32(&e, scap_iov_total(&e, scap_arg(regs, 1), cnt));
		if (nr == __NR_pwritev)
			probe_evt_s64(&e, scap_arg(regs, 3));
		break;
	case __NR_lseek:
		if (probe_evt_begin(&e, SCAPE_LSEEK_E, 3, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_s64(&e, scap_arg(regs, 1));
		probe_evt_u8(&e, scap_lseek_whence(scap_arg(regs, 2)));
		break;
	case __NR_splice:
		if (probe_evt_begin(&e, SCAPE_SPLICE_E, 4, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_s64(&e, scap_fd_arg(regs, 2));
		probe_evt_s64(&e, scap_arg(regs, 4));
		probe_evt_u32(&e, scap_arg(regs, 5));
		break;
	case __NR_sendfile:
		if (probe_evt_begin(&e, SCAPE_SENDFILE_E, 4, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_s64(&e, scap_fd_arg(regs, 1));
		probe_evt_s64(&e, scap_user_offset(scap_arg(regs, 2)));
		probe_evt_s64(&e, scap_arg(regs, 3));
		break;
	case __NR_copy_file_range:
		/* The offset pointers as passed, as the module sends them. */
		if (probe_evt_begin(&e, SCAPE_COPY_FILE_RANGE_E, 3, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_s64(&e, scap_arg(regs, 1));
		probe_evt_s64(&e, scap_arg(regs, 4));
		break;
	default:
		return false;
	}
	probe_evt_submit(&e);
	return true;
}

/* The exit event of an I/O variant; false if nr is none of them. */
static __always_inline bool scap_io_exit(struct pt_regs *regs, long nr, long ret,
					 __u64 pid_tgid)
{
	struct probe_evt e;
	__u64 cnt, uiov, total;

	switch (nr) {
	case __NR_pread64:
		/* What was read, none on failure: read's data. */
		if (probe_evt_begin(&e, SCAPE_PREAD_X, 2, pid_tgid, SCAP_RECORD_DATA))
			return true;
		probe_evt_s64(&e, ret);
		probe_evt_user_buf(&e, (const void *)scap_arg(regs, 1), ret);
		break;
	case __NR_pwrite64:
		/* write's data: the buffer passed, whatever the result. */
		if (probe_evt_begin(&e, SCAPE_PWRITE_X, 2, pid_tgid, SCAP_RECORD_DATA))
			return true;
		probe_evt_s64(&e, ret);
		probe_evt_user_buf(&e, (const void *)scap_arg(regs, 1),
				   (__u32)scap_arg(regs, 2));
		break;
	case __NR_readv:
	case __NR_preadv:
		if (probe_evt_begin(&e, nr == __NR_readv ? SCAPE_READV_X : SCAPE_PREADV_X, 3,
				    pid_tgid, SCAP_RECORD_IOV))
			return true;
		probe_evt_s64(&e, ret);
		uiov = scap_arg(regs, 1);
		cnt = scap_arg(regs, 2);
		if (cnt > SCAP_IOV_MAX)
			e.bad = 1;
		total = scap_iov_total(&e, uiov, cnt);
		/* No more than was read; a failed call's -errno caps nothing. */
		probe_evt_u32(&e, total < (__u64)ret ? total : (__u64)ret);
		probe_evt_user_iov(&e, uiov, cnt,
				   ret <= 0 ? 0 : ret < SCAP_SNAPLEN ? ret : SCAP_SNAPLEN);
		break;
	case __NR_writev:
	case __NR_pwritev:
		if (probe_evt_begin(&e, nr == __NR_writev ? SCAPE_WRITEV_X : SCAPE_PWRITEV_X, 2,
				    pid_tgid, SCAP_RECORD_IOV))
			return true;
		probe_evt_s64(&e, ret);
		cnt = scap_arg(regs, 2);
		if (cnt > SCAP_IOV_MAX)
			e.bad = 1;
		probe_evt_user_iov(&e, scap_arg(regs, 1), cnt, SCAP_SNAPLEN);
		break;
	case __NR_sendfile:
		if (probe_evt_begin(&e, SCAPE_SENDFILE_X, 2, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, ret);
		probe_evt_s64(&e, scap_user_offset(scap_arg(regs, 2)));
		break;
	case __NR_copy_file_range:
		if (probe_evt_begin(&e, SCAPE_COPY_FILE_RANGE_X, 3, pid_tgid, SCAP_RECORD_IO))
			return true;
		probe_evt_s64(&e, ret);
		probe_evt_s64(&e, scap_fd_arg(regs, 2));
		probe_evt_s64(&e, scap_arg(regs, 3));
		break;
	case __NR_lseek:
	case __NR_splice:
		if (probe_evt_begin(&e, nr == __NR_lseek ? SCAPE_LSEEK_X : SCAPE_SPLICE_X, 1,
				    pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, ret);
		break;
	default:
		return false;
	}
	probe_evt_submit(&e);
	return true;
}

#endif /* SCAP_PROBE_IO_EVENTS_H */
