/* The harness's nemesis: fault schedules drawn from the seed in Maelstrom's rhythm (a fault every interval, healed
 * one interval later), applied to real processes (SIGKILL + restart, SIGSTOP/SIGCONT) and to the router's
 * partitions, printed and recorded as they happen. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"
#include "harness/harness_int.h"
#include "harness/proc.h"

void nem_describe(const struct harness *h, const struct fault *f, struct buf *b)
{
    switch (f->op) {
    case FAULT_CRASH: buf_printf(b, "kill %s", h->nodes[f->node].name); break;
    case FAULT_RESTART: buf_printf(b, "restart %s", h->nodes[f->node].name); break;
    case FAULT_PAUSE: buf_printf(b, "pause %s (SIGSTOP)", h->nodes[f->node].name); break;
    case FAULT_RESUME: buf_printf(b, "resume %s (SIGCONT)", h->nodes[f->node].name); break;
    case FAULT_ISOLATE: buf_printf(b, "isolate %s", h->nodes[f->node].name); break;
    case FAULT_HEAL: buf_puts(b, "heal the network"); break;
    case FAULT_PARTITION:
        buf_puts(b, "partition");
        for (int g = 0; g < 8; g++) {
            bool any = false;
            for (int k = 0; k < h->n; k++)
                if (f->group_of[k] == g) {
                    buf_printf(b, "%s%s", any ? "," : (g ? " | " : " "), h->nodes[k].name);
                    any = true;
                }
        }
        break;
    default: buf_puts(b, "(not applied by the harness)"); break;
    }
}

void nem_apply(struct harness *h, const struct fault *f)
{
    struct hnode *nd = f->node >= 0 && f->node < h->n ? &h->nodes[f->node] : NULL;
    switch (f->op) {
    case FAULT_CRASH:
        if (nd)
            h_node_kill(h, f->node);
        break;
    case FAULT_RESTART:
        if (nd && nd->state == NS_DOWN)
            h_node_start(h, f->node);
        break;
    case FAULT_PAUSE:
        if (nd && nd->state != NS_DOWN && !nd->paused) {
            proc_signal_group(nd->pid, SIGSTOP);
            nd->paused = true;
        }
        break;
    case FAULT_RESUME:
        if (nd && nd->paused) {
            proc_signal_group(nd->pid, SIGCONT);
            nd->paused = false;
        }
        break;
    case FAULT_PARTITION:
        memcpy(h->group_of, f->group_of, sizeof(h->group_of));
        h->partitioned = true;
        break;
    case FAULT_ISOLATE:
        memset(h->group_of, 0, sizeof(h->group_of));
        h->group_of[f->node] = 1;
        h->partitioned = true;
        break;
    case FAULT_HEAL: h->partitioned = false; break;
    default: break;
    }
    XGROW(h->nems, h->capnems, h->nnems + 1);
    h->nems[h->nnems++] = (struct nem_ev){h_now(h), *f};
    if (!h->o->quiet) {
        struct buf b;
        buf_init(&b);
        nem_describe(h, f, &b);
        fprintf(h->out, "  %7.3fs  nemesis: %s\n", (double)(h_now(h) - h->run_from) / NS_PER_S, b.data);
        buf_close(&b);
    }
}

/* Draws the schedule from the seed: every interval a fault of an enabled kind starts, and one interval later
 * it ends (Maelstrom's rhythm). Kill and pause take a minority; a partition splits off a minority. */
void nem_draw(struct harness *h)
{
    const struct harness_opts *o = h->o;
    int kinds[3], nk = 0;
    if (o->nemesis & NEM_PARTITION && h->n > 1)
        kinds[nk++] = NEM_PARTITION;
    if (o->nemesis & NEM_KILL)
        kinds[nk++] = NEM_KILL;
    if (o->nemesis & NEM_PAUSE)
        kinds[nk++] = NEM_PAUSE;
    int64_t iv = o->nemesis_interval_ns;
    for (int64_t t = iv; nk && iv > 0 && t < o->time_limit_ns; t += 2 * iv) {
        int kind = kinds[rng_below(&h->nem_rng, (uint64_t)nk)];
        int perm[HARNESS_MAX_NODES];
        for (int k = 0; k < h->n; k++)
            perm[k] = k;
        for (int k = h->n - 1; k > 0; k--) {
            int j = (int)rng_below(&h->nem_rng, (uint64_t)k + 1), x = perm[k];
            perm[k] = perm[j];
            perm[j] = x;
        }
        int maxm = (h->n - 1) / 2 > 0 ? (h->n - 1) / 2 : 1;
        int m = 1 + (int)rng_below(&h->nem_rng, (uint64_t)maxm);
        struct fault f = {.at = t};
        struct fault g = {.at = t + iv};
        if (kind == NEM_PARTITION) {
            f.op = FAULT_PARTITION;
            for (int k = 0; k < h->n; k++)
                f.group_of[perm[k]] = k < m ? 1 : 0;
            fault_add(&h->plan, &f);
            g.op = FAULT_HEAL;
            if (g.at < o->time_limit_ns)
                fault_add(&h->plan, &g);
            continue;
        }
        for (int k = 0; k < m; k++) {
            f.op = kind == NEM_KILL ? FAULT_CRASH : FAULT_PAUSE;
            f.node = g.node = perm[k];
            fault_add(&h->plan, &f);
            g.op = kind == NEM_KILL ? FAULT_RESTART : FAULT_RESUME;
            if (g.at < o->time_limit_ns)
                fault_add(&h->plan, &g);
        }
    }
}

/* At the end of the run: every node up and running, the network whole. */
void nem_heal_all(struct harness *h)
{
    if (h->partitioned)
        nem_apply(h, &(struct fault){.op = FAULT_HEAL});
    for (int i = 0; i < h->n; i++) {
        if (h->nodes[i].paused)
            nem_apply(h, &(struct fault){.op = FAULT_RESUME, .node = i});
        if (h->nodes[i].state == NS_DOWN)
            nem_apply(h, &(struct fault){.op = FAULT_RESTART, .node = i});
    }
}

