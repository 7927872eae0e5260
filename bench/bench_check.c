/* Times a command: runs it REPS times, prints the median wall time, the median CPU time (user + system) and
 * the largest peak resident set size (from wait4's rusage). Never passes or fails on time. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: bench_check REPS -- COMMAND [ARGS...]\n");
        return 2;
    }
    int reps = atoi(argv[1]);
    if (reps < 1 || reps > 1000) {
        fprintf(stderr, "bench_check: bad REPS '%s' (accepted: 1 to 1000)\n", argv[1]);
        return 2;
    }
    double *wall = calloc((size_t)reps, sizeof(double)), *cpu = calloc((size_t)reps, sizeof(double));
    long max_rss = 0;
    int last_status = 0;
    for (int i = 0; i < reps; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            execvp(argv[3], argv + 3);
            _exit(127);
        }
        int status;
        struct rusage ru;
        if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
            perror("bench_check");
            return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        wall[i] = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
        cpu[i] =
            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
        if (ru.ru_maxrss > max_rss)
            max_rss = ru.ru_maxrss;
        last_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    }
    qsort(wall, (size_t)reps, sizeof(double), cmp);
    qsort(cpu, (size_t)reps, sizeof(double), cmp);
    printf("%.3f %.3f %.1f %d\n", wall[reps / 2], cpu[reps / 2], max_rss / 1024.0, last_status);
    free(wall);
    free(cpu);
    return 0;
}
