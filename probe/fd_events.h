/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The syscalls that create, duplicate or reconfigure fds, and the cwd ones:
 * dup*, pipe*, fcntl, eventfd*, signalfd*, timerfd_create, inotify_init*,
 * creat, openat2, userfaultfd, chdir, fchdir, getcwd. Parameters as the
 * module sends them (schema1-events.md §1.3): where it sends a constant
 * (eventfd's flags, signalfd's mask and flags, timerfd_create's and
 * inotify_init's arguments), so does the probe.
 */
#ifndef SCAP_PROBE_FD_EVENTS_H
#define SCAP_PROBE_FD_EVENTS_H

/* openat2's struct open_how, as user memory holds it. */
struct scap_open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

/* The enter event of an fd or cwd syscall; false if nr is none of them. */
static __always_inline bool scap_fd_enter(struct pt_regs *regs, long nr,
					  __u64 pid_tgid)
{
	struct scap_open_how how = {};
	struct probe_evt e;
	__u64 flags;

	switch (nr) {
	case __NR_dup:
	case __NR_dup2:
	case __NR_dup3:
		if (probe_evt_begin(&e, SCAPE_DUP_E, 1, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		break;
	case __NR_pipe:
	case __NR_pipe2:
		if (probe_evt_begin(&e, SCAPE_PIPE_E, 0, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		break;
	case __NR_fcntl:
		if (probe_evt_begin(&e, SCAPE_FCNTL_E, 2, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_u8(&e, scap_fcntl_cmd(scap_arg(regs, 1)));
		break;
	case __NR_eventfd:
	case __NR_eventfd2:
		if (probe_evt_begin(&e, SCAPE_EVENTFD_E, 2, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_arg(regs, 0));
		probe_evt_u32(&e, 0);
		break;
	case __NR_signalfd:
	case __NR_signalfd4:
		if (probe_evt_begin(&e, SCAPE_SIGNALFD_E, 3, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		probe_evt_u32(&e, 0);
		probe_evt_u8(&e, 0);
		break;
	case __NR_timerfd_create:
		if (probe_evt_begin(&e, SCAPE_TIMERFD_CREATE_E, 2, pid_tgid,
				    SCAP_RECORD_FIXED))
			return true;
		probe_evt_u8(&e, 0);
		probe_evt_u8(&e, 0);
		break;
	case __NR_inotify_init:
	case __NR_inotify_init1:
		if (probe_evt_begin(&e, SCAPE_INOTIFY_INIT_E, 1, pid_tgid,
				    SCAP_RECORD_FIXED))
			return true;
		probe_evt_u8(&e, 0);
		break;
	case __NR_creat:
		if (probe_evt_begin(&e, SCAPE_CREAT_E, 2, pid_tgid, SCAP_RECORD_PATH))
			return true;
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 0));
		probe_evt_u32(&e, scap_open_mode(SCAP_K_O_CREAT, scap_arg(regs, 1)));
		break;
	case __NR_openat2:
		if (probe_evt_begin(&e, SCAPE_OPENAT2_E, 5, pid_tgid, SCAP_RECORD_PATH))
			return true;
		probe_evt_s64(&e, scap_dirfd_arg(regs, 0));
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 1));
		/* The module drops the event when it cannot read open_how. */
		if (bpf_probe_read_user(&how, sizeof(how), (const void *)scap_arg(regs, 2)))
			e.bad = 1;
		flags = how.flags;
		probe_evt_u32(&e, scap_open_flags(flags));
		probe_evt_u32(&e, scap_open_mode(flags, how.mode));
		probe_evt_u32(&e, scap_openat2_resolve(how.resolve));
		break;
	case __NR_userfaultfd:
		if (probe_evt_begin(&e, SCAPE_USERFAULTFD_E, 0, pid_tgid,
				    SCAP_RECORD_FIXED))
			return true;
		break;
	case __NR_chdir:
		if (probe_evt_begin(&e, SCAPE_CHDIR_E, 0, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		break;
	case __NR_fchdir:
		if (probe_evt_begin(&e, SCAPE_FCHDIR_E, 1, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, scap_fd_arg(regs, 0));
		break;
	case __NR_getcwd:
		if (probe_evt_begin(&e, SCAPE_GETCWD_E, 0, pid_tgid, SCAP_RECORD_FIXED))
			return true;
		break;
	default:
		return false;
	}
	probe_evt_submit(&e);
	return true;
}

/* The exit event of an fd or cwd syscall; false if nr is none of them. */
static __always_inline bool scap_fd_exit(struct pt_regs *regs, long nr, long ret,
					 __u64 pid_tgid)
{
	struct scap_open_how how = {};
	struct probe_evt e;
	int fds[2] = {};
	__u16 type;

	switch (nr) {
	case __NR_dup:
	case __NR_dup2:
	case __NR_dup3:
		type = SCAPE_DUP_X;
		break;
	case __NR_fcntl:
		type = SCAPE_FCNTL_X;
		break;
	case __NR_eventfd:
	case __NR_eventfd2:
		type = SCAPE_EVENTFD_X;
		break;
	case __NR_signalfd:
	case __NR_signalfd4:
		type = SCAPE_SIGNALFD_X;
		break;
	case __NR_timerfd_create:
		type = SCAPE_TIMERFD_CREATE_X;
		break;
	case __NR_inotify_init:
	case __NR_inotify_init1:
		type = SCAPE_INOTIFY_INIT_X;
		break;
	case __NR_fchdir:
		type = SCAPE_FCHDIR_X;
		break;
	case __NR_pipe:
	case __NR_pipe2:
		if (probe_evt_begin(&e, SCAPE_PIPE_X, 4, pid_tgid, SCAP_RECORD_FIXED + 32))
			return true;
		probe_evt_s64(&e, ret);
		/* The module drops the event when it cannot read the fds. */
		if (bpf_probe_read_user(fds, sizeof(fds), (const void *)scap_arg(regs, 0)))
			e.bad = 1;
		probe_evt_s64(&e, fds[0]);
		probe_evt_s64(&e, fds[1]);
		probe_evt_s64(&e, scap_fd_ino(fds[0]));
		probe_evt_submit(&e);
		return true;
	case __NR_creat:
		if (probe_evt_begin(&e, SCAPE_CREAT_X, 4, pid_tgid, SCAP_RECORD_PATH))
			return true;
		probe_evt_s64(&e, ret);
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 0));
		probe_evt_u32(&e, scap_open_mode(SCAP_K_O_CREAT, scap_arg(regs, 1)));
		probe_evt_u32(&e, scap_fd_dev(ret));
		probe_evt_submit(&e);
		return true;
	case __NR_openat2:
		if (probe_evt_begin(&e, SCAPE_OPENAT2_X, 6, pid_tgid, SCAP_RECORD_PATH))
			return true;
		probe_evt_s64(&e, ret);
		probe_evt_s64(&e, scap_dirfd_arg(regs, 0));
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 1));
		if (bpf_probe_read_user(&how, sizeof(how), (const void *)scap_arg(regs, 2)))
			e.bad = 1;
		probe_evt_u32(&e, scap_open_flags(how.flags));
		probe_evt_u32(&e, scap_open_mode(how.flags, how.mode));
		probe_evt_u32(&e, scap_openat2_resolve(how.resolve));
		probe_evt_submit(&e);
		return true;
	case __NR_userfaultfd:
		if (probe_evt_begin(&e, SCAPE_USERFAULTFD_X, 2, pid_tgid,
				    SCAP_RECORD_FIXED))
			return true;
		probe_evt_s64(&e, ret);
		probe_evt_u32(&e, scap_arg(regs, 0));
		probe_evt_submit(&e);
		return true;
	case __NR_chdir:
	case __NR_getcwd:
		/* chdir's argument, or the directory getcwd wrote. */
		if (probe_evt_begin(&e, nr == __NR_chdir ? SCAPE_CHDIR_X : SCAPE_GETCWD_X,
				    2, pid_tgid, SCAP_RECORD_PATH))
			return true;
		probe_evt_s64(&e, ret);
		probe_evt_user_str(&e, (const char *)scap_arg(regs, 0));
		probe_evt_submit(&e);
		return true;
	default:
		return false;
	}
	/* The exits that carry only the result (an fd or -errno). */
	if (probe_evt_begin(&e, type, 1, pid_tgid, SCAP_RECORD_FIXED))
		return true;
	probe_evt_s64(&e, ret);
	probe_evt_submit(&e);
	return true;
}

#endif /* SCAP_PROBE_FD_EVENTS_H */
