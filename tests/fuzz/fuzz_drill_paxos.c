/* Fuzz target: drill paxos's answer grader. The first byte is the round's seed, the second its shape (1..15
 * acceptors, 2..8 proposers, the planted bug or not); the rest are the answers. The grader must grade or
 * refuse with one "line N: ..." line, never crash; a grade stays within 0..total with one feedback line per
 * point missed; the round's key scores full marks, one point a line (fuzz_drill.h). */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_drill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const struct drill_def *d = drill_find("paxos");
    long opt[2] = {1 + data[1] % 15, 2 + data[1] / 15 % 7};
    void *round = d->make(data[0], opt, data[1] & 0x80 ? d->bug : NULL);
    fuzz_drill_round(d, round, (const char *)data + 2, size - 2);
    d->release(round);
    return 0;
}
