/* Fuzz target: drill heartbeat's answer grader. The first byte is the round's seed, the rest are the answers.
 * The grader must grade or refuse with one "line N: ..." line, never crash; a grade stays within 0..total
 * with one feedback line per number missed; the round's key scores full marks, one point a line
 * (fuzz_drill.h). */
#include <stdint.h>

#include "fuzz_drill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct drill_def *d = drill_find("heartbeat");
    static void *rounds[256]; /* the worksheet's key takes a few milliseconds to work out: one per seed */
    if (!rounds[data[0]])
        rounds[data[0]] = d->make(data[0], NULL, NULL);
    fuzz_drill_round(d, rounds[data[0]], (const char *)data + 1, size - 1);
    return 0;
}
