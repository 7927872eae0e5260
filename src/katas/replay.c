/* The outage replays: public timelines (facts from the public postmortems, told in our words) next to their
 * simulator scenarios. */
#include "katas/replay.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/units.h"

extern const struct kata replay_github_2018;
bool replay_github_2018_params(struct kata_ctx *ctx);
extern const struct replay replay_gitlab_2017;
extern const struct replay replay_s3_2017;
extern const struct replay replay_cloudflare_2020;
extern const struct replay replay_aws_2021;

static const struct replay github_2018 = {
    .name = "github-2018",
    .title = "GitHub, 21 October 2018: degraded service for 24 hours 11 minutes",
    .source = "GitHub's \"October 21 post-incident analysis\" (github.blog, 30 October 2018)",
    .timeline =
        "22:52 UTC  maintenance replacing failing 100G optical equipment cuts the US East Coast network hub off\n"
        "           from the primary US East Coast data centre for 43 seconds\n"
        "22:52      the orchestrator nodes in US West and in an East Coast public cloud region form a quorum\n"
        "           (Raft among the orchestrators) and fail database clusters over to US West primaries\n"
        "           once connectivity returns the application tier writes to the West primaries, across the\n"
        "           country; the East servers hold a few seconds of writes never replicated to West, so each\n"
        "           side has writes the other lacks and failing back automatically is unsafe\n"
        "22:54      monitoring alerts fire\n"
        "23:02      engineers find many database clusters in an unexpected topology: only West servers\n"
        "23:07      deployment tooling locked; 23:09 status yellow; 23:11 status red\n"
        "23:13      database engineers join; West has taken writes for about 40 minutes, and the team\n"
        "           chooses data integrity over availability: webhooks and Pages builds paused\n"
        "00:05      plan: restore from backups, resynchronise replicas in both sites, fall back to the\n"
        "           original topology, then drain the queued jobs\n"
        "06:51      several clusters restored from backups in East and replicating West's new writes\n"
        "11:12      every database primary is in East again\n"
        "16:24      replicas in sync, the original topology is back; 16:45 the queued backlog is processed\n"
        "23:03      every pending webhook and Pages build processed: 24h11m after the partition; the few\n"
        "           seconds of East-only writes are reconciled by hand\n",
    .concepts = "fallacy 'the network is reliable' (43 seconds of partition); a failure detector that cannot tell "
                "a dead primary from an unreachable one; a quorum that was right about reachability and wrong about "
                "failure; asynchronous replication's data-loss window; failover across regions (latency); split "
                "histories that no automatic reconciliation can merge",
    .prevented = "an orchestrator that never promotes a primary across regions (GitHub's remediation): the same 43 "
                 "seconds cost 43 seconds of writes waiting instead of a day of reconciliation. Semi-synchronous "
                 "commits to the West replica also keep one history, at a cross-country round trip per commit.",
    .prevent_config = "no-cross-region",
    .scenario = &replay_github_2018,
    .check_params = replay_github_2018_params,
};

static const struct replay *const replays[] = {&github_2018, &replay_gitlab_2017, &replay_s3_2017,
                                                   &replay_cloudflare_2020, &replay_aws_2021};

const struct replay *const *replay_all(int *n)
{
    *n = (int)(sizeof(replays) / sizeof(replays[0]));
    return replays;
}

const struct replay *replay_find(const char *name)
{
    for (size_t i = 0; i < sizeof(replays) / sizeof(replays[0]); i++)
        if (!strcmp(replays[i]->name, name))
            return replays[i];
    return NULL;
}

int replay_set_param(const struct replay *r, const char **values, const char *set, char *err, size_t errlen)
{
    const char *eq = strchr(set, '=');
    char name[64];
    if (!eq || eq == set || (size_t)(eq - set) >= sizeof(name)) {
        snprintf(err, errlen, "bad --param '%.80s': expected NAME=VALUE", set);
        return ERR_PARSE;
    }
    snprintf(name, sizeof(name), "%.*s", (int)(eq - set), set);
    int i = kata_param_index(r->scenario, name);
    if (i < 0 || !strcmp(name, "config")) {
        snprintf(err, errlen,
                 "unknown parameter '%s' for replay '%s' (see 'dkata replay %s --params'; --config picks the "
                 "configuration)",
                 name, r->name, r->name);
        return ERR_PARSE;
    }
    values[i] = eq + 1;
    return 0;
}

char *replay_clock(char out[static 9], int base_s, int64_t now_ns)
{
    int64_t t = ((int64_t)base_s + now_ns / NS_PER_S) % 86400;
    if (t < 0)
        t += 86400;
    int part[3] = {(int)(t / 3600), (int)(t / 60 % 60), (int)(t % 60)};
    for (int i = 0; i < 3; i++) {
        out[i * 3] = (char)('0' + part[i] / 10);
        out[i * 3 + 1] = (char)('0' + part[i] % 10);
        out[i * 3 + 2] = i < 2 ? ':' : 0;
    }
    return out;
}

void replay_tl(struct kata_timeline *t, int base_s, int64_t now_ns, const char *fmt, ...)
{
    if (!t->on || t->lines >= t->max)
        return;
    if (++t->lines == t->max) {
        buf_printf(&t->text, "  ... (timeline cut at %d lines; --trace has every event)\n", t->max);
        return;
    }
    char c[9];
    buf_printf(&t->text, "  %s  ", replay_clock(c, base_s, now_ns));
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&t->text, fmt, ap);
    va_end(ap);
    buf_putc(&t->text, '\n');
}

bool replay_get_clock(struct kata_ctx *ctx, const struct kata *k, const char *name, int base_s, int64_t *out_ns)
{
    const char *v = kata_get_str(ctx, k, name);
    size_t len = v ? strlen(v) : 0;
    bool ok = len == 5 || len == 8;
    for (size_t i = 0; ok && i < len; i++)
        ok = i % 3 == 2 ? v[i] == ':' : v[i] >= '0' && v[i] <= '9';
    int h = 0, m = 0, sec = 0;
    if (ok) {
        h = (v[0] - '0') * 10 + v[1] - '0';
        m = (v[3] - '0') * 10 + v[4] - '0';
        sec = len == 8 ? (v[6] - '0') * 10 + v[7] - '0' : 0;
        ok = h < 24 && m < 60 && sec < 60;
    }
    if (!ok) {
        snprintf(ctx->error, sizeof(ctx->error), "bad value '%s' for parameter '%s': expected a clock time HH:MM or HH:MM:SS",
                 v ? v : "", name);
        return false;
    }
    int64_t at = (int64_t)h * 3600 + m * 60 + sec - base_s;
    if (at < 0)
        at += 86400;
    *out_ns = at * NS_PER_S;
    return true;
}
