/* Kata fdetect-worksheet's numbers as data: the workload its exercise draws from a seed and the worksheet's
 * answers, for the timed drill (src/practice/drill_heartbeat.c). */
#ifndef DKATA_KATAS_FDETECT_WORKSHEET_H
#define DKATA_KATAS_FDETECT_WORKSHEET_H
#include <stdint.h>

#include "core/mem.h"

/* The worksheet's answers; times in seconds, rates in false suspicions per hour. */
struct fdetect_worksheet_key {
    double fp_per_day;               /* the workload's budget (for tolerances) */
    double timeout;                  /* 1. the smallest timeout within the budget */
    double jitter, loss, pauses;     /*    the expected false suspicions per hour at it, by cause */
    double det_mean, det_lo, det_hi; /* 2. the detection time of a crash */
    double w_mean, w_sd;             /* 3. the interval window phi learns */
    double theta;                    /*    the phi threshold that suspects at the timeout; NAN: none can */
};

/* The exercise of `dkata run fdetect-worksheet --seed S --exercise` (the kata's default parameters, the
 * workload drawn from the seed): its text, without the key, appended to text (may be NULL), and its key in k.
 */
void fdetect_worksheet_key(uint64_t seed, struct buf *text, struct fdetect_worksheet_key *k);

#endif
