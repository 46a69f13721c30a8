// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86_64 syscall number -> the events it produces. The syscalls below have
 * their own events with full parameters; every other one is a GENERIC
 * event carrying its PPM_SC code (syscall_codes.c) and its number.
 */
#include <asm/unistd.h>

#include "scap.h"

const struct scap_event_pair scap_generic_events = {
	SCAPE_GENERIC_E, SCAPE_GENERIC_X, scap_fill_generic_e, scap_fill_generic_x,
};

const struct scap_event_pair scap_specific_events[SCAP_SYSCALL_TABLE_SIZE] = {
	[__NR_read] = { SCAPE_READ_E, SCAPE_READ_X, scap_fill_rw_e, scap_fill_rw_x },
	[__NR_write] = { SCAPE_WRITE_E, SCAPE_WRITE_X, scap_fill_rw_e, scap_fill_rw_x },
	[__NR_open] = { SCAPE_OPEN_E, SCAPE_OPEN_X, scap_fill_open_e, scap_fill_open_x },
	[__NR_close] = { SCAPE_CLOSE_E, SCAPE_CLOSE_X, scap_fill_fd_e, scap_fill_res_x },
	/* fd plumbing and the working directory (fillers_fd.c) */
	[__NR_pipe] = { SCAPE_PIPE_E, SCAPE_PIPE_X, scap_fill_none, scap_fill_pipe_x },
	[__NR_pipe2] = { SCAPE_PIPE_E, SCAPE_PIPE_X, scap_fill_none, scap_fill_pipe_x },
	/* dup2 and dup3 carry the old fd only, as dup */
	[__NR_dup] = { SCAPE_DUP_E, SCAPE_DUP_X, scap_fill_fd_e, scap_fill_res_x },
	[__NR_dup2] = { SCAPE_DUP_E, SCAPE_DUP_X, scap_fill_fd_e, scap_fill_res_x },
	[__NR_dup3] = { SCAPE_DUP_E, SCAPE_DUP_X, scap_fill_fd_e, scap_fill_res_x },
	[__NR_fcntl] = { SCAPE_FCNTL_E, SCAPE_FCNTL_X, scap_fill_fcntl_e, scap_fill_res_x },
	[__NR_eventfd] = { SCAPE_EVENTFD_E, SCAPE_EVENTFD_X,
			   scap_fill_eventfd_e, scap_fill_res_x },
	[__NR_eventfd2] = { SCAPE_EVENTFD_E, SCAPE_EVENTFD_X,
			    scap_fill_eventfd_e, scap_fill_res_x },
	[__NR_signalfd] = { SCAPE_SIGNALFD_E, SCAPE_SIGNALFD_X,
			    scap_fill_signalfd_e, scap_fill_res_x },
	[__NR_signalfd4] = { SCAPE_SIGNALFD_E, SCAPE_SIGNALFD_X,
			     scap_fill_signalfd_e, scap_fill_res_x },
	[__NR_timerfd_create] = { SCAPE_TIMERFD_CREATE_E, SCAPE_TIMERFD_CREATE_X,
				  scap_fill_timerfd_create_e, scap_fill_res_x },
	[__NR_inotify_init] = { SCAPE_INOTIFY_INIT_E, SCAPE_INOTIFY_INIT_X,
				scap_fill_inotify_init_e, scap_fill_res_x },
	[__NR_inotify_init1] = { SCAPE_INOTIFY_INIT_E, SCAPE_INOTIFY_INIT_X,
				 scap_fill_inotify_init_e, scap_fill_res_x },
	[__NR_creat] = { SCAPE_CREAT_E, SCAPE_CREAT_X, scap_fill_creat_e, scap_fill_creat_x },
	[__NR_openat2] = { SCAPE_OPENAT2_E, SCAPE_OPENAT2_X,
			   scap_fill_openat2_e, scap_fill_openat2_x },
	[__NR_userfaultfd] = { SCAPE_USERFAULTFD_E, SCAPE_USERFAULTFD_X,
			       scap_fill_none, scap_fill_userfaultfd_x },
	[__NR_chdir] = { SCAPE_CHDIR_E, SCAPE_CHDIR_X, scap_fill_none, scap_fill_path_x },
	[__NR_fchdir] = { SCAPE_FCHDIR_E, SCAPE_FCHDIR_X, scap_fill_fd_e, scap_fill_res_x },
	[__NR_getcwd] = { SCAPE_GETCWD_E, SCAPE_GETCWD_X, scap_fill_none, scap_fill_path_x },
	[__NR_openat] = { SCAPE_OPENAT_2_E, SCAPE_OPENAT_2_X,
			  scap_fill_openat_e, scap_fill_openat_x },
	/* The process lifecycle (fillers_proc.c). */
	[__NR_clone] = { SCAPE_CLONE_20_E, SCAPE_CLONE_20_X, scap_fill_none, scap_fill_clone_x },
	[__NR_fork] = { SCAPE_FORK_20_E, SCAPE_FORK_20_X, scap_fill_none, scap_fill_clone_x },
	[__NR_vfork] = { SCAPE_VFORK_20_E, SCAPE_VFORK_20_X, scap_fill_none, scap_fill_clone_x },
	[__NR_clone3] = { SCAPE_CLONE3_E, SCAPE_CLONE3_X, scap_fill_none, scap_fill_clone_x },
	[__NR_execve] = { SCAPE_EXECVE_19_E, SCAPE_EXECVE_19_X,
			  scap_fill_execve_e, scap_fill_exec_x },
	[__NR_execveat] = { SCAPE_EXECVEAT_E, SCAPE_EXECVEAT_X,
			    scap_fill_execveat_e, scap_fill_exec_x },
};
