/* The heartbeat simulation shared by the fdetect and fdetect-worksheet katas: node 0 sends heartbeats every
 * interval over a latency distribution and suffers GC-like pauses; node 1 runs failure detectors side by side and
 * records every heartbeat arrival and every suspicion span; node 0's real crashes and restarts are recorded as
 * the truth. The checkers (src/check/fdcheck) judge from these records. */
#ifndef DKATA_KATAS_FDETECT_H
#define DKATA_KATAS_FDETECT_H
#include <stdbool.h>
#include <stdint.h>

#include "check/fdcheck.h"
#include "core/dist.h"
#include "core/fault.h"
#include "core/trace.h"

#define FDS_MAXDET 4

enum fds_bug { FDS_BUG_NONE, FDS_BUG_CHECK_ON_ARRIVAL, FDS_BUG_NO_MIN_STD, FDS_BUG_NO_PAUSE_OK };

struct fds_params {
    int64_t interval_ns;
    struct dist latency;
    double loss;
    int64_t pause_every_ns; /* mean time between pauses (exponential); 0: none */
    struct dist pause;      /* pause durations */
    int64_t crash_at_ns;    /* < 0: no scripted crash */
    int64_t end_ns;
    const struct fault_plan *plan; /* NULL, or faults on nodes 0 (monitored) and 1 (monitor) */
    int ndet;
    struct fd_config det[FDS_MAXDET];
    enum fds_bug bug; /* planted in every phi detector (check-on-arrival: in every detector) */
};

/* What the monitor recorded, and what really happened. */
struct fds_record {
    int64_t *arrivals;
    size_t narrivals, arrivals_cap;
    struct fd_span *spans[FDS_MAXDET];
    size_t nspans[FDS_MAXDET], spans_cap[FDS_MAXDET];
    struct fd_span *down; /* node 0 crashed .. restarted */
    size_t ndown, down_cap;
    struct fd_span *paused; /* node 0 paused .. resumed (for the table) */
    size_t npaused, paused_cap;
    int64_t end_ns;
};

/* Runs one seed; the caller closes rec with fds_record_close. */
void fds_simulate(const struct fds_params *p, uint64_t seed, struct trace *trace, struct fds_record *rec);
void fds_record_close(struct fds_record *rec);

#endif
