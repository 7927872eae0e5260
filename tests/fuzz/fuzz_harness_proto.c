/* libFuzzer target: the harness's protocol parser must accept or reject any line a node prints without crashing,
 * and what it accepts must have its src, dest and type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proto_msg m;
    char err[256];
    if (proto_parse(&m, (const char *)data, size, err, sizeof(err)) == 0) {
        if (!m.src || !m.dest || !m.type || !m.body)
            abort();
        (void)proto_node_index(m.dest);
        (void)proto_client_index(m.src);
        proto_msg_close(&m);
    } else if (m.root || !err[0]) {
        abort();
    }
    return 0;
}
