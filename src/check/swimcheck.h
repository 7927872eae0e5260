/* Membership checker for SWIM-style protocols: from each member's recorded view changes (observer, subject, new
 * status, incarnation, time), its probe outcomes, and the truth (when members crashed; when they were paused),
 * judges completeness (every member still up and still in the group, i.e. never declared dead, holds every
 * crashed member as dead by the end), accuracy (no member
 * that was up is declared dead, where the run's conditions promise it: no loss, pauses shorter than the suspicion
 * timeout), and measures detection and dissemination: first suspicion, first declaration, and when the last member
 * still up learned of a failure. */
#ifndef DKATA_SWIMCHECK_H
#define DKATA_SWIMCHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum swim_status { SWIM_ALIVE, SWIM_SUSPECT, SWIM_DEAD };

struct swim_change {
    int64_t at;
    int observer, subject;
    enum swim_status status;
    uint32_t inc;
};

struct swim_probe {
    int64_t at;
    int prober, target;
    bool failed; /* no ack by the end of the protocol period */
};

struct swim_truth {
    int n;
    const int64_t *crashed_at; /* per member, < 0: never crashed */
    bool judge_accuracy;       /* the run's conditions promise no false declaration */
};

struct swim_report {
    size_t false_dead;          /* (observer, subject) declarations of a member that was up */
    size_t false_dead_subjects; /* distinct members falsely declared dead by someone */
    size_t incomplete;          /* (live observer, crashed subject) pairs not dead at the end */
    size_t probes, probes_of_live, failed_probes_of_live;
    /* for the first crashed member, times after its crash (ns; < 0: never) */
    int64_t first_suspect, first_dead, all_dead;
    char first[200];
};

/* changes in time order. Returns the number of violations (incomplete pairs, and false declarations when the
 * truth says accuracy is promised). */
size_t swimcheck_judge(const struct swim_truth *t, const struct swim_change *ch, size_t nch,
                       const struct swim_probe *probes, size_t nprobes, int64_t end, struct swim_report *r);

#endif
