/* Failure-detector checker: given what a monitor recorded (heartbeat arrival times, the detector's suspicion
 * spans) and what really happened to the monitored node (its down spans), judges whether each suspicion obeyed
 * the detector's rule (fixed timeout, or phi accrual as Akka configures it), whether a real crash was detected,
 * and counts false suspicions and detection times. It also replays any configuration over the same arrivals,
 * which is how a threshold sweep is measured without rerunning the simulation. */
#ifndef DKATA_FDCHECK_H
#define DKATA_FDCHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fd_kind { FD_FIXED, FD_PHI };

/* A detector's configuration. Phi (Hayashibara et al.; Akka's PhiAccrualFailureDetector): the intervals between
 * heartbeat arrivals, the last `window` of them, fit a normal N(mean, sd); sd is at least min_std; the
 * acceptable pause is added to the mean; phi(t) = -log10(1 - F(t - last arrival)); suspect while phi >= threshold.
 * The first arrival seeds the window with first_estimate -/+ first_estimate/4, as Akka does. */
struct fd_config {
    enum fd_kind kind;
    int64_t timeout_ns; /* FD_FIXED */
    double threshold;   /* FD_PHI */
    int64_t min_std_ns, pause_ok_ns, first_estimate_ns;
    int window;
};

/* [start, end); end < 0: still open when the record ends. */
struct fd_span {
    int64_t start, end;
};

struct fd_verdict {
    size_t expected, recorded;
    size_t wrong;          /* recorded suspicions that the rule does not produce, or expected ones missing */
    char first_wrong[200]; /* one line about the first of them */
    size_t false_suspicions; /* suspicions that began while the node was up (paused counts as up) */
    size_t crashes, undetected; /* down spans; crashes never undone that are not suspected for good */
    int64_t detection_ns;       /* of the crash never undone (else the first detected one); -1: none */
    int64_t up_ns;              /* time the node was up while monitored, for the per-hour rate */
};

/* phi for a normal fit (mean_ns, sd_ns) after elapsed_ns since the last arrival: -log10(1 - F), with the upper
 * tail computed as erfc so that large values stay exact. */
double fdcheck_phi(double elapsed_ns, double mean_ns, double sd_ns);

/* The standardized distance y = (elapsed - mean) / sd at which phi reaches threshold. */
double fdcheck_phi_y(double threshold);

/* The time after the last arrival at which the rule first suspects, given the window's mean and sd (ignored for
 * FD_FIXED). */
double fdcheck_after(const struct fd_config *c, double mean_ns, double sd_ns);

/* The spans the rule produces on these arrivals (sorted times) observed until end. Caller frees *out. */
size_t fdcheck_expected(const struct fd_config *c, const int64_t *arrivals, size_t n, int64_t end,
                        struct fd_span **out);

/* Judges recorded suspicion spans against the rule and against the truth (down spans, sorted, end < 0 for a
 * crash never undone). Times within tolerance_ns match (the detector rounds its timer to the ns). */
void fdcheck_judge(const struct fd_config *c, const int64_t *arrivals, size_t n, const struct fd_span *spans,
                   size_t nspans, const struct fd_span *down, size_t ndown, int64_t end, int64_t tolerance_ns,
                   struct fd_verdict *v);

/* Counts false suspicions and detection time of a span list against the truth (no rule check). */
void fdcheck_score(const struct fd_span *spans, size_t nspans, const struct fd_span *down, size_t ndown,
                   int64_t end, struct fd_verdict *v);

#endif
