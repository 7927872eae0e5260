/* Spawning, signalling and reaping node processes (process groups, subreaper, a /proc sweep for orphans). */
#include "harness/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"

void proc_setup(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
}

static void child(char *const argv[], int in_r, int out_w, int log_fd, int err_w, pid_t parent)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(log_fd, 2) < 0)
        _exit(127);
    execvp(argv[0], argv);
    int e = errno;
    if (write(err_w, &e, sizeof(e)) < 0) {
    }
    _exit(127);
}

int proc_spawn(char *const argv[], const char *log_path, pid_t *pid, int *in_fd, int *out_fd, char *err,
               size_t errlen)
{
    int in[2], out[2], ex[2];
    int log_fd = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : fcntl(2, F_DUPFD_CLOEXEC, 3);
    if (log_fd < 0) {
        snprintf(err, errlen, "cannot open log file '%s': %s", log_path, strerror(errno));
        return ERR_IO;
    }
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot make pipes: %s", strerror(errno));
        close(log_fd);
        return ERR_IO;
    }
    pid_t parent = getpid();
    pid_t p = fork();
    if (p == 0)
        child(argv, in[0], out[1], log_fd, ex[1], parent);
    close(in[0]);
    close(out[1]);
    close(ex[1]);
    close(log_fd);
    if (p < 0) {
        snprintf(err, errlen, "cannot fork: %s", strerror(errno));
        close(in[1]);
        close(out[0]);
        close(ex[0]);
        return ERR_IO;
    }
    setpgid(p, p);
    int e = 0;
    ssize_t r;
    do
        r = read(ex[0], &e, sizeof(e));
    while (r < 0 && errno == EINTR);
    close(ex[0]);
    if (r == (ssize_t)sizeof(e)) {
        int st;
        waitpid(p, &st, 0);
        close(in[1]);
        close(out[0]);
        snprintf(err, errlen, "cannot run '%s': %s", argv[0], strerror(e));
        return ERR_IO;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    *pid = p;
    *in_fd = in[1];
    *out_fd = out[0];
    return 0;
}

void proc_signal_group(pid_t pid, int sig)
{
    if (pid > 0 && kill(-pid, sig) < 0)
        kill(pid, sig);
}

pid_t proc_reap_one(int *status)
{
    pid_t p;
    do
        p = waitpid(-1, status, WNOHANG);
    while (p < 0 && errno == EINTR);
    if (p < 0)
        return -1;
    return p;
}

/* Kills every process whose parent is this one: orphans reparented to the subreaper. */
static void kill_children(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    pid_t self = getpid();
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        char *rp = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
        int ppid;
        char state;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == self)
            kill(atoi(e->d_name), SIGKILL);
    }
    closedir(d);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int proc_kill_all(const pid_t *pids, size_t n, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    for (;;) {
        for (size_t i = 0; i < n; i++)
            if (pids[i] > 0)
                proc_signal_group(pids[i], SIGKILL);
        kill_children();
        int st;
        pid_t p;
        while ((p = proc_reap_one(&st)) > 0) {
        }
        if (p < 0)
            return 0;
        if (now_ms() >= end)
            break;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    int st;
    return waitpid(-1, &st, WNOHANG) < 0 ? 0 : 1;
}

void proc_describe_status(int status, char *out, size_t n)
{
    if (WIFEXITED(status))
        snprintf(out, n, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, n, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(out, n, "stopped (status 0x%x)", status);
}
