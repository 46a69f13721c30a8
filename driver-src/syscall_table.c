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
	[__NR_write] = { SCAPE_WRITE_E, SCAPE_WRITE_X, scap_fill_rw_e, scap_fill_write_x },
	[__NR_open] = { SCAPE_OPEN_E, SCAPE_OPEN_X, scap_fill_open_e, scap_fill_open_x },
	[__NR_close] = { SCAPE_CLOSE_E, SCAPE_CLOSE_X, scap_fill_fd_e, scap_fill_res_x },
	/* The I/O variants of read and write (fillers_io.c). */
	[__NR_pread64] = { SCAPE_PREAD_E, SCAPE_PREAD_X, scap_fill_prw_e, scap_fill_rw_x },
	[__NR_pwrite64] = { SCAPE_PWRITE_E, SCAPE_PWRITE_X, scap_fill_prw_e, scap_fill_write_x },
	[__NR_readv] = { SCAPE_READV_E, SCAPE_READV_X, scap_fill_fd_e, scap_fill_readv_x },
	[__NR_writev] = { SCAPE_WRITEV_E, SCAPE_WRITEV_X, scap_fill_writev_e, scap_fill_writev_x },
	[__NR_preadv] = { SCAPE_PREADV_E, SCAPE_PREADV_X, scap_fill_preadv_e, scap_fill_readv_x },
	[__NR_pwritev] = { SCAPE_PWRITEV_E, SCAPE_PWRITEV_X,
			   scap_fill_pwritev_e, scap_fill_writev_x },
	[__NR_lseek] = { SCAPE_LSEEK_E, SCAPE_LSEEK_X, scap_fill_lseek_e, scap_fill_res_x },
	[__NR_splice] = { SCAPE_SPLICE_E, SCAPE_SPLICE_X, scap_fill_splice_e, scap_fill_res_x },
	[__NR_sendfile] = { SCAPE_SENDFILE_E, SCAPE_SENDFILE_X,
			    scap_fill_sendfile_e, scap_fill_sendfile_x },
	[__NR_copy_file_range] = { SCAPE_COPY_FILE_RANGE_E, SCAPE_COPY_FILE_RANGE_X,
				   scap_fill_copy_file_range_e, scap_fill_copy_file_range_x },
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
	/* Sockets (fillers_net.c, sockopt.c). */
	[__NR_socket] = { SCAPE_SOCKET_E, SCAPE_SOCKET_X, scap_fill_socket_e, scap_fill_res_x },
	[__NR_bind] = { SCAPE_BIND_E, SCAPE_BIND_X, scap_fill_fd_e, scap_fill_bind_x },
	[__NR_connect] = { SCAPE_CONNECT_E, SCAPE_CONNECT_X,
			   scap_fill_connect_e, scap_fill_connect_x },
	[__NR_listen] = { SCAPE_LISTEN_E, SCAPE_LISTEN_X, scap_fill_listen_e, scap_fill_res_x },
	[__NR_accept] = { SCAPE_ACCEPT_5_E, SCAPE_ACCEPT_5_X, scap_fill_none, scap_fill_accept_x },
	[__NR_accept4] = { SCAPE_ACCEPT4_5_E, SCAPE_ACCEPT4_5_X,
			   scap_fill_accept4_e, scap_fill_accept_x },
	[__NR_socketpair] = { SCAPE_SOCKETPAIR_E, SCAPE_SOCKETPAIR_X,
			      scap_fill_socket_e, scap_fill_socketpair_x },
	[__NR_shutdown] = { SCAPE_SHUTDOWN_E, SCAPE_SHUTDOWN_X,
			    scap_fill_shutdown_e, scap_fill_res_x },
	[__NR_sendto] = { SCAPE_SENDTO_E, SCAPE_SENDTO_X, scap_fill_sendto_e, scap_fill_rw_x },
	[__NR_recvfrom] = { SCAPE_RECVFROM_E, SCAPE_RECVFROM_X,
			    scap_fill_rw_e, scap_fill_recvfrom_x },
	[__NR_sendmsg] = { SCAPE_SENDMSG_E, SCAPE_SENDMSG_X,
			   scap_fill_sendmsg_e, scap_fill_sendmsg_x },
	[__NR_recvmsg] = { SCAPE_RECVMSG_E, SCAPE_RECVMSG_X, scap_fill_fd_e, scap_fill_recvmsg_x },
	[__NR_sendmmsg] = { SCAPE_SENDMMSG_E, SCAPE_SENDMMSG_X, scap_fill_none, scap_fill_none },
	[__NR_recvmmsg] = { SCAPE_RECVMMSG_E, SCAPE_RECVMMSG_X, scap_fill_none, scap_fill_none },
	[__NR_getsockname] = { SCAPE_GETSOCKNAME_E, SCAPE_GETSOCKNAME_X,
			       scap_fill_none, scap_fill_none },
	[__NR_getpeername] = { SCAPE_GETPEERNAME_E, SCAPE_GETPEERNAME_X,
			       scap_fill_none, scap_fill_none },
	[__NR_setsockopt] = { SCAPE_SETSOCKOPT_E, SCAPE_SETSOCKOPT_X,
			      scap_fill_none, scap_fill_setsockopt_x },
	[__NR_getsockopt] = { SCAPE_GETSOCKOPT_E, SCAPE_GETSOCKOPT_X,
			      scap_fill_none, scap_fill_getsockopt_x },
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
