/* Process plumbing for the real-system labs: fork/exec as the server user, stop by process group. */
#include "lab/lab_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"

int64_t lab_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void lab_sleep_ns(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

int lab_user_init(struct lab_user *u, char *err, size_t errn)
{
    memset(u, 0, sizeof *u);
    uid_t me = getuid();
    struct passwd *pw = me == 0 ? getpwnam("postgres") : getpwuid(me);
    if (!pw) {
        snprintf(err, errn, me == 0 ? "running as root needs an OS user 'postgres' to run the servers "
                                      "(apt-get install postgresql creates it)"
                                    : "cannot find the passwd entry of uid %d", (int)me);
        return ERR_NOTFOUND;
    }
    u->uid = pw->pw_uid;
    u->gid = pw->pw_gid;
    u->switch_user = me == 0;
    snprintf(u->name, sizeof u->name, "%s", pw->pw_name);
    snprintf(u->home, sizeof u->home, "%s", pw->pw_dir ? pw->pw_dir : "/");
    return 0;
}

/* In the child: become u, point output at log_path, move to cwd, exec. Never returns. */
static void child_exec(const struct lab_user *u, const char *cwd, char *const argv[], const char *log_path)
{
    int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0)
        dup2(nul, 0);
    /* Let the child have the default signal handling the lab may have changed. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (u->switch_user) {
        if (setgid(u->gid) || initgroups(u->name, u->gid) || setuid(u->uid)) {
            fprintf(stderr, "dkata: cannot switch to user %s: %s\n", u->name, strerror(errno));
            _exit(126);
        }
        setenv("HOME", u->home, 1);
        setenv("USER", u->name, 1);
        setenv("LOGNAME", u->name, 1);
    }
    if (cwd && chdir(cwd)) {
        fprintf(stderr, "dkata: cannot enter %s: %s\n", cwd, strerror(errno));
        _exit(126);
    }
    setenv("LC_ALL", "C.UTF-8", 1);
    unsetenv("PGDATA");
    unsetenv("PGPORT");
    unsetenv("PGHOST");
    execv(argv[0], argv);
    fprintf(stderr, "dkata: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

pid_t lab_proc_start(const struct lab_user *u, const char *cwd, char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return ERR_IO;
    if (pid == 0)
        child_exec(u, cwd, argv, log_path);
    return pid;
}

int lab_proc_wait(pid_t pid, int timeout_ms)
{
    int64_t deadline = lab_now_ns() + (int64_t)timeout_ms * 1000000LL;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR)
            return ERR_IO;
        if (lab_now_ns() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return ERR_TIMEOUT;
        }
        lab_sleep_ns(5 * 1000000LL);
    }
}

int lab_proc_run(const struct lab_user *u, const char *cwd, char *const argv[], const char *log_path,
                 int timeout_ms)
{
    pid_t pid = lab_proc_start(u, cwd, argv, log_path);
    return pid < 0 ? pid : lab_proc_wait(pid, timeout_ms);
}

pid_t lab_proc_spawn(const struct lab_user *u, const char *cwd, char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return ERR_IO;
    if (pid == 0) {
        setsid();
        child_exec(u, cwd, argv, log_path);
    }
    return pid;
}

bool lab_proc_alive(pid_t pid)
{
    if (pid <= 0)
        return false;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    size_t len;
    char *text = lab_read_file(path, 4096, &len);
    if (!text)
        return kill(pid, 0) == 0;
    /* state is the field after the ")" closing the command name */
    const char *p = strrchr(text, ')');
    bool alive = !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
    free(text);
    return alive;
}

bool lab_proc_cmdline_has(pid_t pid, const char *needle)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    size_t len;
    char *text = lab_read_file(path, 1 << 16, &len);
    if (!text)
        return false;
    for (size_t i = 0; i < len; i++)
        if (text[i] == 0)
            text[i] = ' ';
    bool has = strstr(text, needle) != NULL;
    free(text);
    return has;
}

bool lab_proc_group_alive(pid_t pgid)
{
    if (pgid <= 0)
        return false;
    DIR *d = opendir("/proc");
    if (!d)
        return kill(-pgid, 0) == 0;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (getpgid(pid) == pgid && lab_proc_alive(pid))
            found = true;
    }
    closedir(d);
    return found;
}

/* Reaps pid if it is our child, so a dead child does not linger as a zombie. */
static void reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR) {
    }
}

static bool wait_gone(pid_t pid, int ms)
{
    int64_t deadline = lab_now_ns() + (int64_t)ms * 1000000LL;
    for (;;) {
        reap(pid);
        if (!lab_proc_alive(pid) && !lab_proc_group_alive(pid))
            return true;
        if (lab_now_ns() > deadline)
            return false;
        lab_sleep_ns(10 * 1000000LL);
    }
}

bool lab_proc_stop(pid_t pid, int sig, int grace_ms)
{
    if (pid <= 0)
        return true;
    kill(-pid, SIGCONT);
    kill(pid, SIGCONT);
    kill(-pid, sig);
    kill(pid, sig);
    if (wait_gone(pid, grace_ms))
        return true;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    return wait_gone(pid, 3000);
}

bool lab_port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* no SO_REUSEADDR: a port in TIME_WAIT is still usable by PostgreSQL, which sets it, so allow it */
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) ? -1 : 0;
}

int lab_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) && errno == ENOENT)
        return 0;
    return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) ? ERR_IO : 0;
}

char *lab_read_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *data = xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap >= max)
                break;
            cap *= 2;
            data = xrealloc(data, cap + 1);
        }
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max)
        n = max;
    data[n] = 0;
    if (len)
        *len = n;
    return data;
}

int lab_write_file(const char *path, const char *text)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return ERR_IO;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return ERR_IO;
    bool ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        return ERR_IO;
    }
    return 0;
}

int lab_chown(const struct lab_user *u, const char *path)
{
    if (!u->switch_user)
        return 0;
    return chown(path, u->uid, u->gid) ? ERR_IO : 0;
}
