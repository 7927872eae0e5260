/* The load and chaos client on libcurl: one thread and one kept-alive connection per --connections. */
#include "serve/load.h"

#include <curl/curl.h>
#include <signal.h>
#include <jansson.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/mem.h"
#include "serve/util.h"

void load_config_default(struct load_config *c)
{
    memset(c, 0, sizeof(*c));
    c->url = "http://127.0.0.1:8080";
    c->requests = 10000;
    c->connections = 8;
    c->retry_ratio = 0.3;
    c->changed_ratio = 0.1;
    c->seed = 1;
    c->timeout_ms = 5000;
    c->down_backoff_ms = 20;
}

/* A request the client has made, kept so that it can be retried. */
struct sent {
    char key[37];
    int64_t amount;
    char currency[4];
    char token[24];
};

struct shared {
    const struct load_config *c;
    atomic_uint_fast64_t next;
    pthread_mutex_t mu; /* guards pool and history */
    struct sent *pool;
    size_t npool, cap;
    FILE *history;
    struct load_result totals;
    double *lat;
    size_t nlat, lat_cap;
};

struct worker {
    struct shared *sh;
    int id;
    uint64_t rng;
    CURL *curl;
    struct buf body;
    bool replayed;
};

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
    return (double)(next_rand(s) >> 11) / 9007199254740992.0;
}

static void new_request(struct worker *w, struct sent *q)
{
    static const char *const cur[] = {"USD", "EUR", "GBP", "JPY"};
    uint64_t a = next_rand(&w->rng), b = next_rand(&w->rng);
    snprintf(q->key, sizeof(q->key), "%08x-%04x-4%03x-8%03x-%012" PRIx64, (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 48) & 0xfff, (uint64_t)(b & 0xffffffffffffULL));
    q->amount = 1 + (int64_t)(next_rand(&w->rng) % 100000);
    memcpy(q->currency, cur[next_rand(&w->rng) % 4], 4);
    if (unit(&w->rng) < 0.01)
        snprintf(q->token, sizeof(q->token), "tok_decline");
    else
        snprintf(q->token, sizeof(q->token), "tok_%08x", (unsigned)next_rand(&w->rng));
}

/* Picks the next request: a retry of an earlier one (maybe with a changed body) or a new key. */
static void pick(struct worker *w, struct sent *q)
{
    struct shared *sh = w->sh;
    if (sh->c->fixed_key) {
        *q = (struct sent){.amount = 4200, .currency = "EUR", .token = "tok_visa"};
        snprintf(q->key, sizeof(q->key), "%s", sh->c->fixed_key);
        return;
    }
    pthread_mutex_lock(&sh->mu);
    bool retry = sh->npool > 0 && unit(&w->rng) < sh->c->retry_ratio;
    if (retry)
        *q = sh->pool[next_rand(&w->rng) % sh->npool];
    pthread_mutex_unlock(&sh->mu);
    if (!retry) {
        new_request(w, q);
        pthread_mutex_lock(&sh->mu);
        XGROW(sh->pool, sh->cap, sh->npool + 1);
        sh->pool[sh->npool++] = *q;
        pthread_mutex_unlock(&sh->mu);
    } else if (unit(&w->rng) < sh->c->changed_ratio) {
        q->amount += 1;
    }
}

static volatile sig_atomic_t interrupted;

void load_interrupt(void)
{
    interrupted = 1;
}

bool load_url_ok(const char *url)
{
    for (const char *p = url;; p++) {
        size_t scheme = strncmp(p, "http://", 7) == 0 ? 7 : strncmp(p, "https://", 8) == 0 ? 8 : 0;
        if (!scheme || strchr("/,:", p[scheme]) || !p[scheme])
            return false;
        if (!(p = strchr(p, ',')))
            return true;
    }
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct worker *w = arg;
    buf_put(&w->body, p, size * n);
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct worker *w = arg;
    if (size * n >= 20 && strncasecmp(p, "Idempotent-Replayed:", 20) == 0)
        w->replayed = true;
    return size * n;
}

static void record(struct worker *w, const struct sent *q, long status, int64_t t0, int64_t t1)
{
    struct shared *sh = w->sh;
    struct buf line;
    buf_init(&line);
    buf_printf(&line,
               "{\"thread\":%d,\"key\":\"%s\",\"amount\":%" PRId64 ",\"currency\":\"%s\",\"card_token\":\"%s\","
               "\"start_ns\":%" PRId64 ",\"end_ns\":%" PRId64 ",\"status\":%ld,\"replayed\":%s,\"body\":",
               w->id, q->key, q->amount, q->currency, q->token, t0, t1, status, w->replayed ? "true" : "false");
    buf_json_str(&line, w->body.data ? w->body.data : "");
    buf_puts(&line, "}\n");
    double ms = (double)(t1 - t0) / 1e6;
    pthread_mutex_lock(&sh->mu);
    if (sh->history)
        fwrite(line.data, 1, line.len, sh->history);
    struct load_result *r = &sh->totals;
    r->sent++;
    if (status == 0)
        r->no_answer++;
    else {
        r->by_class[status / 100 % 6]++;
        r->created += status == 201 && !w->replayed;
        r->replayed += w->replayed;
        r->conflicts += status == 409;
        r->mismatches += status == 422;
        XGROW(sh->lat, sh->lat_cap, sh->nlat + 1);
        sh->lat[sh->nlat++] = ms;
    }
    pthread_mutex_unlock(&sh->mu);
    buf_close(&line);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct shared *sh = w->sh;
    char url[512], keyh[80], body[256];
    /* The id-th of the comma-separated base URLs, in turn. */
    int nurls = 1;
    for (const char *p = sh->c->url; *p; p++)
        nurls += *p == ',';
    const char *base = sh->c->url;
    for (int k = 0; k < w->id % nurls; k++)
        base = strchr(base, ',') + 1;
    snprintf(url, sizeof(url), "%.*s/payments", (int)strcspn(base, ","), base);
    while (!interrupted && atomic_fetch_add(&sh->next, 1) < sh->c->requests) {
        struct sent q;
        pick(w, &q);
        snprintf(keyh, sizeof(keyh), "Idempotency-Key: %s", q.key);
        snprintf(body, sizeof(body), "{\"amount\":%" PRId64 ",\"currency\":\"%s\",\"card_token\":\"%s\"}", q.amount,
                 q.currency, q.token);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        h = curl_slist_append(h, keyh);
        h = curl_slist_append(h, "Expect:");
        curl_easy_setopt(w->curl, CURLOPT_URL, url);
        curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
        buf_reset(&w->body);
        w->replayed = false;
        int64_t t0 = util_mono_ns();
        CURLcode cc = curl_easy_perform(w->curl);
        int64_t t1 = util_mono_ns();
        long status = 0;
        if (cc == CURLE_OK)
            curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        record(w, &q, status, t0, t1);
        if (status == 0)
            util_sleep_ns(sh->c->down_backoff_ms * 1000000LL);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

int load_run(const struct load_config *c, struct load_result *out)
{
    memset(out, 0, sizeof(*out));
    struct shared sh = {.c = c};
    pthread_mutex_init(&sh.mu, NULL);
    if (c->history_path && !(sh.history = fopen(c->history_path, "w")))
        return ERR_IO;
    if (sh.history) /* one write per line: a kill leaves whole lines, whatever the moment */
        setvbuf(sh.history, NULL, _IOLBF, 1 << 16);
    int n = c->connections < 1 ? 1 : c->connections;
    struct worker *w = xcalloc((size_t)n, sizeof(*w));
    pthread_t *t = xcalloc((size_t)n, sizeof(*t));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int64_t start = util_mono_ns();
    for (int i = 0; i < n; i++) {
        w[i] = (struct worker){.sh = &sh, .id = i, .rng = c->seed * 1000003ULL + (uint64_t)i};
        buf_init(&w[i].body);
        w[i].curl = curl_easy_init();
        curl_easy_setopt(w[i].curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(w[i].curl, CURLOPT_WRITEDATA, &w[i]);
        curl_easy_setopt(w[i].curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(w[i].curl, CURLOPT_HEADERDATA, &w[i]);
        curl_easy_setopt(w[i].curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
        curl_easy_setopt(w[i].curl, CURLOPT_NOSIGNAL, 1L);
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        curl_easy_cleanup(w[i].curl);
        buf_close(&w[i].body);
    }
    *out = sh.totals;
    out->interrupted = interrupted && out->sent < c->requests;
    out->seconds = (double)(util_mono_ns() - start) / 1e9;
    if (sh.nlat)
        qsort(sh.lat, sh.nlat, sizeof(double), cmp_double);
    out->p50_ms = pct(sh.lat, sh.nlat, 0.50);
    out->p99_ms = pct(sh.lat, sh.nlat, 0.99);
    out->max_ms = sh.nlat ? sh.lat[sh.nlat - 1] : 0;
    int rc = 0;
    if (sh.history && fclose(sh.history) != 0)
        rc = ERR_IO;
    curl_global_cleanup();
    free(sh.lat);
    free(sh.pool);
    free(w);
    free(t);
    pthread_mutex_destroy(&sh.mu);
    return rc;
}

void load_print(FILE *f, const struct load_result *r)
{
    fprintf(f,
            "requests %" PRIu64 "\nseconds %.2f\nrequests_per_s %.0f\nno_answer %" PRIu64 "\n2xx %" PRIu64
            "\n4xx %" PRIu64 "\n5xx %" PRIu64 "\ncreated %" PRIu64 "\nreplayed %" PRIu64 "\nconflicts_409 %" PRIu64
            "\nmismatches_422 %" PRIu64 "\np50_ms %.2f\np99_ms %.2f\nmax_ms %.2f\n",
            r->sent, r->seconds, r->seconds > 0 ? (double)r->sent / r->seconds : 0, r->no_answer, r->by_class[2],
            r->by_class[4], r->by_class[5], r->created, r->replayed, r->conflicts, r->mismatches, r->p50_ms,
            r->p99_ms, r->max_ms);
}

void load_print_json(FILE *f, const struct load_result *r)
{
    json_t *o = json_pack("{sIsfsfsIsIsIsIsIsIsIsIsfsfsf}", "requests", (json_int_t)r->sent, "seconds", r->seconds,
                          "requests_per_s", r->seconds > 0 ? (double)r->sent / r->seconds : 0.0, "no_answer",
                          (json_int_t)r->no_answer, "2xx", (json_int_t)r->by_class[2], "4xx",
                          (json_int_t)r->by_class[4], "5xx", (json_int_t)r->by_class[5], "created",
                          (json_int_t)r->created, "replayed", (json_int_t)r->replayed, "conflicts_409",
                          (json_int_t)r->conflicts, "mismatches_422", (json_int_t)r->mismatches, "p50_ms", r->p50_ms,
                          "p99_ms", r->p99_ms, "max_ms", r->max_ms);
    json_dumpf(o, f, JSON_COMPACT | JSON_REAL_PRECISION(6));
    fputc('\n', f);
    json_decref(o);
}
