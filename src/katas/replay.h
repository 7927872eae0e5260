/* Outage replays: public postmortems rebuilt as simulator scenarios, each with its public timeline, the concept
 * it illustrates and the configuration that would have prevented it. */
#ifndef DKATA_REPLAY_H
#define DKATA_REPLAY_H
#include "katas/kata.h"

struct replay {
    const char *name;
    const char *title;
    const char *source;   /* where the public postmortem is */
    const char *timeline; /* the public timeline, in our words, one event a line */
    const char *concepts; /* the module's concepts it illustrates */
    const char *prevented; /* the configuration that would have prevented it, and its cost */
    const char *prevent_config; /* the scenario's config parameter value that prevents it */
    const struct kata *scenario; /* runs on the simulator; a "config" parameter picks the configuration */
    /* Reads and checks the scenario's parameters (ctx->values) as its run does, without running: true, or false
     * with ctx->error set. NULL: only the run reads them. */
    bool (*check_params)(struct kata_ctx *ctx);
};

const struct replay *const *replay_all(int *n);
const struct replay *replay_find(const char *name);
/* Sets one scenario parameter from --param's "NAME=VALUE" text: values[i] (one per parameter of r's scenario)
 * points into set. The configuration is --config's, not --param's. Returns 0, or ERR_PARSE with one line in err
 * naming what is wrong and what is accepted. */
int replay_set_param(const struct replay *r, const char **values, const char *set, char *err, size_t errlen);

/* Helpers the scenarios share. A replay tells its timeline in the postmortem's wall clock: base_s is the clock
 * (seconds after midnight) at virtual time 0. */
/* Formats base_s + now_ns as "HH:MM:SS" (wrapping at midnight) into out; returns out. */
char *replay_clock(char out[static 9], int base_s, int64_t now_ns);
/* kata_tl with the wall clock in place of milliseconds. */
void replay_tl(struct kata_timeline *t, int base_s, int64_t now_ns, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reads parameter name as a wall-clock time "HH:MM" or "HH:MM:SS"; a clock earlier than base_s is the next day.
 * *out_ns is the virtual time it falls at. On bad input sets ctx->error (naming the value and the form accepted)
 * and returns false. */
bool replay_get_clock(struct kata_ctx *ctx, const struct kata *k, const char *name, int base_s, int64_t *out_ns);

#endif
