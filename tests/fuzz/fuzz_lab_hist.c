/* libFuzzer target: history lines never crash the parser, and what parses formats back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "lab/lab_hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lab_op op, back;
    char err[128];
    if (lab_hist_parse((const char *)data, size, &op, err, sizeof err) != 0)
        return 0;
    struct buf b;
    buf_init(&b);
    lab_hist_format(&op, &b);
    if (lab_hist_parse(b.data, b.len, &back, err, sizeof err) != 0)
        abort();
    if (back.type != op.type || back.id != op.id || back.time_ns != op.time_ns || back.process != op.process ||
        strcmp(back.node, op.node) != 0 || strcmp(back.f, op.f) != 0)
        abort();
    buf_close(&b);
    return 0;
}
