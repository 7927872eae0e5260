/* libFuzzer target: the edn history parser, then pairing, session and linearizability checks. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    fuzz_one(data, size, HIST_FMT_EDN);
    return 0;
}
