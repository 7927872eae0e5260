/* Shared body of the history fuzzers: parse one input in one format, then run everything that reads a
 * parsed history (pairing, session guarantees, a bounded linearizability search, explanation, HTML). */
#ifndef DKATA_FUZZ_COMMON_H
#define DKATA_FUZZ_COMMON_H
#include "check/lin.h"
#include "check/parse.h"
#include "check/session.h"
#include "core/mem.h"
#include "report/timeline.h"

#include <stdlib.h>
#include <string.h>

static void fuzz_one(const unsigned char *data, size_t size, enum hist_format fmt)
{
    struct history h;
    history_init(&h);
    if (history_parse(&h, (const char *)data, size, fmt) == 0) {
        struct buf b;
        buf_init(&b);
        for (size_t i = 0; i < h.n; i++)
            history_event_json(&b, &h.ev[i]);
        struct history again; /* what we write, we read back the same */
        history_init(&again);
        if (history_read_jsonl(&again, b.data ? b.data : "", b.len) != 0 || again.n != h.n)
            abort();
        history_close(&again);
        struct session_result r;
        if (session_check(&h, &r) == 0)
            for (size_t i = 0; i < r.n; i++)
                session_describe(&h, &r, &r.v[i], &b);
        session_result_close(&r);
        for (int m = 0; m < LIN_NMODELS; m++) {
            struct lin_opts o = {.model = (enum lin_model)m};
            struct lin_problem p;
            if (lin_init(&p, &h, &o) == 0) {
                for (size_t i = 0; i < p.nparts; i++)
                    lin_check_part(&p, i, 20000);
                buf_reset(&b);
                lin_explain(&p, &b);
                timeline_html(&b, &p, "fuzz");
            }
            lin_close(&p);
        }
        buf_close(&b);
    }
    history_close(&h);
}

#endif
