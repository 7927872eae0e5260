/* The module's completion standards as a checklist, each ticked from the journal by a count (or by hand for the
 * ones no dkata command can witness). */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "journal/journal.h"

/* A clean run: every check held, no planted bug. */
#define CLEAN "kind IN ('run','swarm') AND outcome='ok' AND bug IS NULL"
#define RUNS_OF(k) "SELECT count(*) FROM entries WHERE " CLEAN " AND name='" k "'"

struct item {
    const char *file, *id, *text;
    const char *sql; /* a count; NULL: only a tick by hand can close it */
    long need;
    const char *how; /* what to do to tick it */
};

static const struct item items[] = {
    {"000", "000-failover", "Failover simulated under async, semi-sync and sync (data-loss window of each)",
     "SELECT count(DISTINCT CASE WHEN params LIKE '%mode=async %' OR params LIKE '%mode=async' THEN 'a'"
     " WHEN params LIKE '%mode=semi-sync%' THEN 's' WHEN params LIKE '%mode=sync%' THEN 'y' END)"
     " FROM entries WHERE " CLEAN " AND name='failover'",
     3, "dkata run failover --param mode=async|semi-sync|sync"},
    {"000", "000-ryw", "Reproduced a read-your-writes anomaly and applied two mechanically different fixes", NULL, 1,
     "dkata lab pg replag, then dkata progress --tick 000-ryw"},
    {"000", "000-shard", "Produced a sharding memo for a new workload (Kata 3)",
     "SELECT count(*) FROM entries WHERE kind IN ('run','swarm') AND name='shard'", 1, "dkata run shard --memo"},
    {"000", "000-jepsen", "Analyzed a Jepsen report (worksheet written, history checked)",
     "SELECT count(*) FROM entries WHERE kind='worksheet' AND name='jepsen'", 1,
     "dkata worksheet jepsen > jepsen.md, then dkata check HISTORY"},
    {"000", "000-mistakes5", "Mistake log holds at least 5 recurring errors (distinct tags)",
     "SELECT count(DISTINCT tag) FROM mistakes", 5, "dkata mistake add --tag TAG \"text\""},
    {"001", "001-clocks2", "Ran Kata 1 (Lamport and vector clocks) at least twice",
     "SELECT count(*) FROM entries WHERE (" CLEAN " AND name='clocks') OR (kind='drill' AND name='clocks' AND outcome='passed')", 2,
     "dkata run clocks, or dkata drill clocks"},
    {"001", "001-raft", "Ran Kata 2 (Raft election) and never saw two leaders in one term", RUNS_OF("raft-election"), 1,
     "dkata run raft-election"},
    {"001", "001-idempotent", "Wrote Kata 3 (idempotent POST /payments) in under 30 minutes, four failure modes", NULL, 1,
     "dkata progress --tick 001-idempotent"},
    {"001", "001-postmortems2", "Analyzed at least two postmortems (Kata 4)",
     "SELECT count(DISTINCT name) FROM entries WHERE kind='replay'"
     " OR (kind='worksheet' AND name LIKE 'postmortem%')",
     2, "dkata replay NAME; dkata worksheet postmortem"},
    {"002", "002-ryw-monotonic", "Practised read-your-writes and monotonic reads (tokens, routing, stickiness)", NULL, 1,
     "dkata lab pg replag, then dkata progress --tick 002-ryw-monotonic"},
    {"003", "003-quorum", "Snippet 1: quorum N=3 W=1 R=1 run and fixed", RUNS_OF("quorum"), 1, "dkata run quorum"},
    {"003", "003-fencing", "Snippet 2: fencing token 7 after 12 rejected", RUNS_OF("fencing"), 1, "dkata run fencing"},
    {"003", "003-saga", "Snippet 3: refund compensation with an idempotency key", RUNS_OF("saga"), 1, "dkata run saga"},
    {"003", "003-retry", "Snippet 4: retry with jitter and a budget", RUNS_OF("retry"), 1, "dkata run retry"},
    {"004", "004-lane", "Completed at least one lane in full", NULL, 1, "dkata progress --tick 004-lane"},
    {"004", "004-mistakes12", "Logged at least 12 real mistakes and corrections", "SELECT count(*) FROM mistakes", 12,
     "dkata mistake add --tag TAG \"text\""},
    {"004", "004-paxos-raft", "Traced Paxos and Raft runs end to end with failure injection",
     "SELECT (SELECT count(*) FROM entries WHERE (" CLEAN " AND name='paxos') OR (kind='drill' AND name='paxos'"
     " AND outcome='passed')) > 0 AND (SELECT count(*) FROM entries WHERE " CLEAN
     " AND name IN ('raft-log','raft-election')) > 0",
     1, "dkata run paxos (or dkata drill paxos); dkata run raft-log"},
    {"004", "004-split-brain", "Split-brain prevention composing quorum, lease and fencing", RUNS_OF("split-brain"), 1,
     "dkata run split-brain"},
    {"004", "004-idempotent", "Designed at least one end-to-end idempotent API", NULL, 1,
     "dkata serve (POST /payments), then dkata progress --tick 004-idempotent"},
    {"004", "004-postmortem", "Analyzed at least one real postmortem with the module vocabulary",
     "SELECT count(*) FROM entries WHERE kind='replay' OR (kind='worksheet' AND name LIKE 'postmortem%')", 1,
     "dkata replay github-2018"},
};
#define NITEMS ((int)(sizeof(items) / sizeof(items[0])))

bool journal_progress_item(const char *id)
{
    for (int i = 0; i < NITEMS; i++)
        if (!strcmp(items[i].id, id))
            return true;
    return false;
}

int journal_progress(struct journal *j, FILE *out)
{
    int ticked = 0;
    const char *file = "";
    for (int i = 0; i < NITEMS; i++) {
        const struct item *it = &items[i];
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM ticks WHERE item='%s'", it->id);
        long by_hand = journal_count(j, sql), have = it->sql ? journal_count(j, it->sql) : 0;
        if (by_hand < 0 || have < 0)
            return ERR_IO;
        bool done = by_hand > 0 || have >= it->need;
        if (strcmp(file, it->file)) {
            file = it->file;
            fprintf(out, "%smodule file %s\n", i ? "\n" : "", file);
        }
        fprintf(out, "  [%c] %-18s %s", done ? 'x' : ' ', it->id, it->text);
        if (it->sql)
            fprintf(out, " (%ld/%ld)", have < it->need ? have : it->need, it->need);
        if (by_hand > 0)
            fprintf(out, " (ticked by hand)");
        if (!done)
            fprintf(out, "\n        next: %s", it->how);
        fputc('\n', out);
        ticked += done;
    }
    fprintf(out, "\n%d of %d ticked\n", ticked, NITEMS);
    return ticked;
}
