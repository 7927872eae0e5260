/* libFuzzer target: lab.state and LSN parsing never crash, and what parses formats back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "lab/lab_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lab_state st, back;
    char err[160];
    if (lab_state_parse((const char *)data, size, &st, err, sizeof err) == 0) {
        struct buf b;
        buf_init(&b);
        lab_state_format(&st, &b);
        if (lab_state_parse(b.data, b.len, &back, err, sizeof err) != 0 || memcmp(&st, &back, sizeof st) != 0)
            abort();
        buf_close(&b);
    }
    char s[64];
    size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
    memcpy(s, data, n);
    s[n] = 0;
    uint64_t v, w;
    if (lab_lsn_parse(s, &v) == 0) {
        char out[24];
        if (lab_lsn_parse(lab_lsn_format(v, out, sizeof out), &w) != 0 || v != w)
            abort();
    }
    return 0;
}
