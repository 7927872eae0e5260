/* Real processes for the labs: run a command as the servers' OS user, spawn daemons, find and stop
 * them by recorded pid, probe ports, remove lab folders. Real time: this file may sleep. */
#ifndef DKATA_LAB_PROC_H
#define DKATA_LAB_PROC_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The OS user the lab's servers run as: the invoking user, or `postgres` when invoked as root
 * (PostgreSQL refuses to run as root). */
struct lab_user {
    uid_t uid;
    gid_t gid;
    bool switch_user; /* true when we are root and must setuid in the child */
    char name[32];
    char home[256];
};

/* Fills u for the current process. Returns 0, or ERR_NOTFOUND (with a line in err) when root and
 * there is no `postgres` user. */
int lab_user_init(struct lab_user *u, char *err, size_t errn);

/* Monotonic clock in nanoseconds. */
int64_t lab_now_ns(void);
/* Sleeps ns nanoseconds (restarting after signals). */
void lab_sleep_ns(int64_t ns);

/* Runs argv (argv[0] an absolute path) as u with cwd, stdout and stderr appended to log_path,
 * waiting at most timeout_ms. Returns the exit status (0..255), or a negative ERR_*
 * (ERR_TIMEOUT after killing it, ERR_IO if it could not start). */
int lab_proc_run(const struct lab_user *u, const char *cwd, char *const argv[], const char *log_path,
                 int timeout_ms);
/* lab_proc_run in two halves, to run several commands at once: start (pid > 0, or ERR_IO) ... */
pid_t lab_proc_start(const struct lab_user *u, const char *cwd, char *const argv[], const char *log_path);
/* ... and wait (the exit status, ERR_TIMEOUT after killing it, or ERR_IO). */
int lab_proc_wait(pid_t pid, int timeout_ms);
/* Starts argv as u in a new session (its own process group, so lab_proc_stop can take the whole
 * group), output appended to log_path. Returns the pid (> 0) or ERR_IO. The caller reaps it. */
pid_t lab_proc_spawn(const struct lab_user *u, const char *cwd, char *const argv[], const char *log_path);

/* Whether pid is alive (not a zombie). */
bool lab_proc_alive(pid_t pid);
/* Whether pid's command line mentions needle (how `down` tells our processes from reused pids). */
bool lab_proc_cmdline_has(pid_t pid, const char *needle);
/* Stops the process group led by pid: SIGCONT + sig, waits up to grace_ms for the leader and the
 * group to vanish, then SIGKILLs the group. Safe on a dead or foreign pid only if the caller checked
 * lab_proc_cmdline_has first. Returns true if nothing of the group is left. */
bool lab_proc_stop(pid_t pid, int sig, int grace_ms);
/* Whether any process is in process group pgid. */
bool lab_proc_group_alive(pid_t pgid);

/* Whether 127.0.0.1:port can be bound right now (false: something listens there). */
bool lab_port_free(int port);

/* Removes path and everything under it (like rm -rf); returns 0 or ERR_IO. */
int lab_rmtree(const char *path);
/* Reads a whole small file (at most max bytes) into a malloc'd NUL-terminated string; NULL if absent. */
char *lab_read_file(const char *path, size_t max, size_t *len);
/* Writes text to path atomically (temp file + rename). Returns 0 or ERR_IO. */
int lab_write_file(const char *path, const char *text);
/* chown path to u (no-op if u does not switch user). */
int lab_chown(const struct lab_user *u, const char *path);

#endif
