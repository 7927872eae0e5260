/* Force-included into simulation code (src/core, src/katas, src/check): no wall clock, no libc randomness, no
 * threads. Same seed + same build must give a byte-identical trace, so these are compile errors there. */
#ifndef DKATA_BANNED_H
#define DKATA_BANNED_H
#include <stdlib.h>
#include <time.h>
#define BANNED_(f) sorry_##f##_is_banned_in_simulation_code
#undef rand
#define rand(...) BANNED_(rand)
#define srand(...) BANNED_(srand)
#define random(...) BANNED_(random)
#define srandom(...) BANNED_(srandom)
#define drand48(...) BANNED_(drand48)
#define lrand48(...) BANNED_(lrand48)
#define time(...) BANNED_(time)
#define clock(...) BANNED_(clock)
#define clock_gettime(...) BANNED_(clock_gettime)
#define gettimeofday(...) BANNED_(gettimeofday)
#define sleep(...) BANNED_(sleep)
#define usleep(...) BANNED_(usleep)
#define nanosleep(...) BANNED_(nanosleep)
#define pthread_create(...) BANNED_(pthread_create)
#endif
