/* Benchmark: simulator events per second on a 1000-node message ping-pong, and peak RSS of a 10-million-event
 * run. Prints figures; never fails on time. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "core/sim.h"

static void on_message(struct sim *s, node_id self, const struct sim_msg *m)
{
    uint64_t hops;
    __builtin_memcpy(&hops, m->data, sizeof(hops));
    hops++;
    node_id to = (node_id)rng_below(sim_rng(s, self), (uint64_t)s->nnodes);
    net_send(s, self, to, 1, &hops, sizeof(hops));
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int nodes = argc > 1 ? atoi(argv[1]) : 1000;
    long events = argc > 2 ? atol(argv[2]) : 10000000;
    static const struct sim_node_ops ops = {.on_message = on_message};
    struct sim s;
    sim_init(&s, 1, nodes, &ops, NULL);
    struct dist d;
    char err[200];
    dist_parse(&d, "exp:1ms", err, sizeof(err));
    net_set_default(&s, &d, 0, 0);
    for (int i = 0; i < nodes; i++) {
        uint64_t zero = 0;
        net_send(&s, i, (i + 1) % nodes, 1, &zero, sizeof(zero));
    }
    double t0 = now_s();
    while ((long)s.stats.events < events && sim_step(&s))
        ;
    double secs = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("sim ping-pong: %d nodes, %llu events in %.2fs: %.2f million events/s on one core; "
           "virtual time %.1fs; peak RSS %.1f MB\n",
           nodes, (unsigned long long)s.stats.events, secs, (double)s.stats.events / secs / 1e6, (double)s.now / 1e9,
           (double)ru.ru_maxrss / 1024.0);
    sim_close(&s);
    return 0;
}
