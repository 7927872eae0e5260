/* Fuzzes the payments history line parser used by 'dkata serve audit'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/audit.h"
#include "serve/payreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct audit_op op;
    char msg[160];
    if (audit_parse_line((const char *)data, size, &op, msg, sizeof(msg)) == 0) {
        if (!payreq_uuid_ok(op.key) || op.status < 0 || op.status > 599 || !op.body)
            abort();
        audit_op_close(&op);
    }
    return 0;
}
