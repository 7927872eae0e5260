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
};

const struct replay *const *replay_all(int *n);
const struct replay *replay_find(const char *name);

#endif
