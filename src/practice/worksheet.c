/* The drills' analysis questions as Markdown worksheets to fill in: Jepsen reports (000, Kata 4) and outage
 * postmortems (001, Kata 4; 004 lane 5). */
#include <string.h>

#include "core/err.h"
#include "katas/replay.h"
#include "practice/practice.h"

const char *const worksheet_names[] = {"jepsen", "postmortem", NULL};

/* One question and the room to answer it. */
static void question(struct buf *b, int n, const char *q, const char *hint)
{
    buf_printf(b, "%d. **%s**\n", n, q);
    if (hint)
        buf_printf(b, "   _%s_\n", hint);
    buf_puts(b, "\n   > \n\n");
}

static void jepsen(struct buf *b, const char *report)
{
    buf_printf(b, "# Jepsen report analysis: %s\n\n", report ? report : "(system and version)");
    buf_puts(b, "Drill: 000, Kata 4 \"Analyze a Jepsen-Style Report\". Time limit: 60 minutes (repeat until: 20).\n"
                "Report: https://jepsen.io/analyses (starters: MongoDB 3.4.0-rc3, Cassandra 4.0.0, Redis Raft, "
                "YugabyteDB).\n\nStarted at: ____  Finished at: ____\n\n"
                "## 1. Read the abstract and the findings\n\n## 2. Answer in writing\n\n");
    static const char *const q[][2] = {
        {"What invariant did Jepsen test?", "linearizable register, causal consistency, no lost writes, ..."},
        {"What replication topology and consistency level was the system running?",
         "single leader / multi-leader / leaderless; write concern, read concern, quorum sizes"},
        {"What fault was injected?", "network partition, clock skew, process pause, crash"},
        {"What was the observed violation?", "the operations involved: invoke/ok times, values read and written"},
        {"What was the root cause?", NULL},
        {"What did the vendor fix?", NULL},
    };
    for (int i = 0; i < 6; i++)
        question(b, i + 1, q[i][0], q[i][1]);
    buf_puts(b, "## 3. The finding in the module's vocabulary (one paragraph)\n\n"
                "Use: topology, log format, sync mode, replication lag, quorum, fencing.\n\n> \n\n"
                "## 4. The failure timeline\n\nWrites, partitions, reads, and the observed violation, one line each:\n\n"
                "| time | process | operation | value | note |\n| --- | --- | --- | --- | --- |\n|  |  |  |  |  |\n\n"
                "## 5. Check the history yourself\n\n"
                "Save the report's history (the Jepsen `history.edn`, or the log lines quoted in the report, or your\n"
                "own transcription as JSON lines) and run dkata's checker on it:\n\n"
                "```\ndkata check history.edn --model cas-register --html violation.html\n"
                "dkata check history.jsonl --model register\n"
                "dkata check history.jsonl --model session     # read-your-writes, monotonic reads, ...\n```\n\n"
                "Exit 1 and the violation it prints should match your answer to question 4; `--html` draws it as a\n"
                "timeline to compare with your drawing. See docs/check.md for the formats.\n\n"
                "Mistakes made while analyzing: `dkata mistake add --tag TAG \"...\"`.\n");
}

static void postmortem(struct buf *b, const char *outage)
{
    buf_printf(b, "# Postmortem analysis: %s\n\n", outage ? outage : "(outage, date)");
    buf_puts(b, "Drill: 001, Kata 4 \"Analyze a Real Distributed Outage Postmortem\". Time limit: 60 minutes.\n"
                "Read the postmortem once, then write a 1-2 page analysis answering each question.\n\n"
                "Recommended: Cloudflare October 2023 dashboard outage; AWS us-east-1 December 2021 (Kinesis) and\n"
                "February 2017 S3; GitHub 21 October 2018 (`dkata replay github-2018` rebuilds it on the simulator);\n"
                "GitLab 31 January 2017 database deletion; Stripe July 2019 (Raft/etcd related).\n\n"
                "Started at: ____  Finished at: ____\n\n");
    const struct replay *r = outage ? replay_find(outage) : NULL;
    if (r)
        buf_printf(b, "This outage is rebuilt on the simulator: `dkata replay %s` (%s). Source: %s.\n\n", r->name,
                   r->title, r->source);
    buf_puts(b, "## Questions\n\n");
    static const char *const q[][2] = {
        {"Which fallacy of distributed computing was violated? Quote the line from the postmortem.",
         "the network is reliable; latency is zero; bandwidth is infinite; the network is secure; topology "
         "doesn't change; there is one administrator; transport cost is zero; the network is homogeneous"},
        {"What failure model did the system's design assume? Was that assumption violated?",
         "crash-stop, crash-recovery, omission, partition, Byzantine"},
        {"Was time or clocks involved? How?", "timeouts, leases, wall-clock ordering, replication lag"},
        {"Was a failure detector involved? Was it too aggressive, too slow, or correct-but-unhelpful?", NULL},
        {"Was consensus or leader election involved? Did it behave as designed?", NULL},
        {"If you were writing the runbook to prevent recurrence, which of the module's concepts would you cite?",
         "partial failure, timeouts and tail latency, logical clocks, vector clocks, failure detectors, phi "
         "accrual, membership, quorums, Paxos, Raft, leader election, leases, fencing tokens, idempotency, "
         "replication lag and session guarantees, rack-aware placement"},
    };
    for (int i = 0; i < 6; i++)
        question(b, i + 1, q[i][0], q[i][1]);
    buf_puts(b, "## Timeline\n\n| time (UTC) | what happened | concept |\n| --- | --- | --- |\n|  |  |  |\n\n"
                "## The configuration that would have prevented it\n\n> \n\n"
                "Log what you got wrong: `dkata mistake add --tag TAG \"...\"`; `dkata progress` counts the\n"
                "postmortems analyzed (001 asks for two).\n");
}

int worksheet_write(const char *name, const char *outage, struct buf *out)
{
    if (!strcmp(name, "jepsen"))
        jepsen(out, outage);
    else if (!strcmp(name, "postmortem"))
        postmortem(out, outage);
    else
        return ERR_NOTFOUND;
    return 0;
}
