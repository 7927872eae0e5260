/* Wall clock, monotonic clock, sleep and random hex for the real-time payments code. */
#include "serve/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "core/err.h"

int64_t util_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void util_sleep_ns(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Per thread: a 64-bit splitmix state seeded once from getrandom(); ids need uniqueness, not secrecy, and
 * a syscall per id was a visible share of a payment's cost. */
static _Thread_local uint64_t rng_state;
static _Thread_local int rng_seeded;

static uint64_t next64(void)
{
    if (!rng_seeded) {
        while (getrandom(&rng_state, sizeof(rng_state), 0) != (ssize_t)sizeof(rng_state))
            ;
        rng_seeded = 1;
    }
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void util_random_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t v = 0;
    for (size_t i = 0; i < nbytes; i++) {
        if (i % 8 == 0)
            v = next64();
        out[2 * i] = hex[(v >> 4) & 15];
        out[2 * i + 1] = hex[v & 15];
        v >>= 8;
    }
    out[2 * nbytes] = '\0';
}

void util_time_ordered_hex(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t ms = (uint64_t)util_now_ms();
    for (int i = 11; i >= 0; i--, ms >>= 4)
        out[i] = hex[ms & 15];
    util_random_hex(out + 12, 10);
}

int util_lock_beside(const char *path, int *fd)
{
    char lp[4200];
    snprintf(lp, sizeof(lp), "%s.lock", path);
    *fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0)
        return ERR_IO;
    return flock(*fd, LOCK_EX | LOCK_NB) == 0 ? 0 : ERR_EXISTS;
}
