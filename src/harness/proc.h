/* Child processes for the harness: each node in its own process group, so that killing the group also kills
 * what a wrapper script started; dkata becomes a child subreaper so orphans come back to it to be reaped. */
#ifndef DKATA_PROC_H
#define DKATA_PROC_H
#include <stddef.h>
#include <sys/types.h>

/* Makes this process a child subreaper (Linux) and ignores SIGPIPE. Call once before proc_spawn. */
void proc_setup(void);
/* Starts argv[0] (searched in PATH) with its stdin and stdout on new non-blocking pipes (*in_fd: write to the
 * child; *out_fd: read from it) and its stderr appended to log_path (NULL: dkata's own stderr). The child leads a new process group and is
 * killed if dkata dies. Returns 0, or ERR_IO with a one-line reason (the program cannot be run) in err. */
int proc_spawn(char *const argv[], const char *log_path, pid_t *pid, int *in_fd, int *out_fd, char *err,
               size_t errlen);
/* Sends sig to the process group of pid (the node and everything it started in its group). */
void proc_signal_group(pid_t pid, int sig);
/* Reaps one exited child without blocking: returns its pid and status, 0 if none is ready, -1 if dkata has no
 * children left. */
pid_t proc_reap_one(int *status);
/* Kills every remaining child: the groups in pids (n of them, 0 entries skipped), then any process whose parent is
 * dkata (orphans that left their group), and reaps them all, waiting at most timeout_ms. Returns how many
 * processes were still there after the timeout (0 on success). */
int proc_kill_all(const pid_t *pids, size_t n, int timeout_ms);
/* "exited with status 3" / "was killed by signal 11 (Segmentation fault)" for a waitpid status. */
void proc_describe_status(int status, char *out, size_t n);

#endif
