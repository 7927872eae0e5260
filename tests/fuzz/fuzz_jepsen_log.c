/* libFuzzer target: the jepsen_log history parser, then pairing, session and linearizability checks. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    fuzz_one(data, size, HIST_FMT_JEPSEN_LOG);
    return 0;
}
