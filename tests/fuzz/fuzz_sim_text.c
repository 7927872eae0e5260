/* libFuzzer target: the simulator's text parsers (durations, latency distributions, fault schedules) must
 * reject or accept any input without crashing, and what they accept must format and sample sanely. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dist.h"
#include "core/fault.h"
#include "core/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    int64_t ns;
    units_parse_duration(s, &ns);
    char err[256], out[256];
    struct dist d;
    if (dist_parse(&d, s, err, sizeof(err)) == 0) {
        struct rng r;
        rng_seed(&r, 1);
        for (int i = 0; i < 8; i++)
            if (dist_sample(&d, &r) < 0)
                abort();
        dist_format(&d, out, sizeof(out));
        (void)dist_mean(&d);
    }
    struct fault_plan p;
    fault_plan_init(&p);
    if (fault_parse(&p, s, 5, err, sizeof(err)) == 0) {
        struct buf b;
        buf_init(&b);
        fault_format(&p, 5, &b);
        buf_close(&b);
        struct sim sim;
        sim_init(&sim, 1, 5, NULL, NULL);
        fault_schedule(&p, &sim);
        sim_run_until(&sim, 10 * NS_PER_S);
        sim_close(&sim);
    }
    fault_plan_close(&p);
    free(s);
    return 0;
}
