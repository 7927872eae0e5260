/* Membership checker: replays each observer's view from its recorded changes (an n x n status table). */
#include "check/swimcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static bool up_at(const struct swim_truth *t, int m, int64_t at)
{
    return t->crashed_at[m] < 0 || at < t->crashed_at[m];
}

size_t swimcheck_judge(const struct swim_truth *t, const struct swim_change *ch, size_t nch,
                       const struct swim_probe *probes, size_t nprobes, int64_t end, struct swim_report *r)
{
    memset(r, 0, sizeof(*r));
    r->first_suspect = r->first_dead = r->all_dead = -1;
    int n = t->n, victim = -1;
    for (int m = 0; m < n; m++)
        if (t->crashed_at[m] >= 0 && (victim < 0 || t->crashed_at[m] < t->crashed_at[victim]))
            victim = m;
    unsigned char *view = xcalloc((size_t)n * (size_t)n, 1); /* view[observer * n + subject] */
    unsigned char *falsely = xcalloc((size_t)n, 1);
    size_t violations = 0;
    for (size_t i = 0; i < nch; i++) {
        const struct swim_change *c = &ch[i];
        view[(size_t)c->observer * (size_t)n + (size_t)c->subject] = (unsigned char)c->status;
        if (c->status == SWIM_DEAD && up_at(t, c->subject, c->at)) {
            r->false_dead++;
            if (!falsely[c->subject]++)
                r->false_dead_subjects++;
            if (t->judge_accuracy) {
                violations++;
                if (!r->first[0])
                    snprintf(r->first, sizeof(r->first), "member %d declared member %d dead at %.3fs while it was up",
                             c->observer, c->subject, (double)c->at / 1e9);
            }
        }
        if (c->subject == victim && !up_at(t, victim, c->at)) {
            int64_t since = c->at - t->crashed_at[victim];
            if (c->status == SWIM_SUSPECT && r->first_suspect < 0)
                r->first_suspect = since;
            if (c->status == SWIM_DEAD && r->first_dead < 0)
                r->first_dead = since;
            if (c->status == SWIM_DEAD) { /* does every member still up know now? */
                bool all = true;
                for (int o = 0; o < n && all; o++)
                    all = !up_at(t, o, c->at) || o == victim || view[(size_t)o * (size_t)n + (size_t)victim] == SWIM_DEAD;
                if (all && r->all_dead < 0)
                    r->all_dead = since;
            }
        }
    }
    /* A member someone declared dead has left the group (SWIM's confirm is final; it would have to rejoin), so
     * only members still in the group owe a complete view. */
    for (int o = 0; o < n; o++)
        for (int s = 0; s < n; s++)
            if (o != s && up_at(t, o, end) && !falsely[o] && !up_at(t, s, end) && view[(size_t)o * (size_t)n + (size_t)s] != SWIM_DEAD) {
                r->incomplete++;
                violations++;
                if (!r->first[0])
                    snprintf(r->first, sizeof(r->first), "member %d, up at the end, still holds crashed member %d "
                             "as %s", o, s, view[(size_t)o * (size_t)n + (size_t)s] == SWIM_SUSPECT ? "suspect" : "alive");
            }
    for (size_t i = 0; i < nprobes; i++) {
        r->probes++;
        if (up_at(t, probes[i].target, probes[i].at)) {
            r->probes_of_live++;
            r->failed_probes_of_live += probes[i].failed;
        }
    }
    free(view);
    free(falsely);
    return violations;
}
