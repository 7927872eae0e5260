/* Fuzz target: the clocks drill's answer grader on arbitrary bytes, against a trace drawn from the input's first
 * byte. It must grade or refuse with "line N: ...", never crash; a grade stays within 0..total. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "practice/practice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct drill_clocks d;
    uint8_t b = size ? data[0] : 0;
    drill_clocks_make(&d, b, 2 + b % 5, 2 + b % 30);
    struct drill_grade g;
    struct buf fb;
    buf_init(&fb);
    char err[200];
    int rc = drill_clocks_grade(&d, (const char *)data, size, &g, &fb, err, sizeof(err));
    if (rc && strncmp(err, "line ", 5))
        abort();
    if (!rc && (g.score < 0 || g.score > g.total || g.stamps_right > g.stamps_total || g.pairs_right > g.pairs_total))
        abort();
    buf_close(&fb);
    return 0;
}
