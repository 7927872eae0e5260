/* Fuzz target: the shard kata's workload card parser on arbitrary bytes. It must accept a card whose fields and
 * queries are in range and refuse anything else with "line N: ...", never crash or overrun; an accepted card runs
 * through the kata (small) without error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "katas/kata.h"
#include "katas/shard.h"

extern const struct kata kata_shard;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct shard_card c;
    char err[200];
    if (shard_card_parse((const char *)data, size, &c, err, sizeof(err)) != 0) {
        if (strncmp(err, "line ", 5))
            abort();
        return 0;
    }
    if (c.nf < 1 || c.nf > SHARD_MAXF || c.nq < 1 || c.nq > SHARD_MAXQ || !c.name[0])
        abort();
    for (int q = 0; q < c.nq; q++) {
        if (c.q[q].range >= c.nf || c.q[q].neq > SHARD_MAXF)
            abort();
        for (int i = 0; i < c.q[q].neq; i++)
            if (c.q[q].eq[i] < 0 || c.q[q].eq[i] >= c.nf)
                abort();
    }
    /* run it: through a file, as a user's --card */
    char path[] = "/tmp/dkata-fuzz-card-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    const char *values[32];
    for (int i = 0; i < kata_shard.nparams; i++)
        values[i] = kata_shard.params[i].def;
    values[kata_param_index(&kata_shard, "card")] = path;
    values[kata_param_index(&kata_shard, "records")] = "1000";
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, 1, values);
    int rc = kata_shard.run(&ctx);
    if (rc && !ctx.error[0])
        abort();
    kata_ctx_close(&ctx);
    unlink(path);
    return 0;
}
