/* Unit and property tests: the linearizability checker on hand-made histories, and on random histories
 * generated from real sequential executions (always linearizable; with one read corrupted, never; shrunk,
 * still failing and still holding the corrupted read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check/lin.h"
#include "check/parse.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum lin_verdict check_text(const char *text, enum lin_model m)
{
    struct history h;
    history_init(&h);
    assert_int_equal(history_parse(&h, text, strlen(text), HIST_FMT_AUTO), 0);
    struct lin_opts o = {.model = m};
    struct lin_problem p;
    assert_int_equal(lin_init(&p, &h, &o), 0);
    enum lin_verdict v = lin_check(&p);
    struct buf b;
    buf_init(&b);
    lin_explain(&p, &b); /* must not crash, and must say something when there is a violation */
    if (v == LIN_VIOLATION)
        assert_non_null(strstr(b.data, "longest linearizable prefix"));
    buf_close(&b);
    lin_close(&p);
    history_close(&h);
    return v;
}

static void register_basics(void **state)
{
    (void)state;
    /* a stale read after a completed write */
    assert_int_equal(check_text("INFO jepsen.util - 0 :invoke :write 1\n"
                                "INFO jepsen.util - 0 :ok :write 1\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read nil\n",
                                LIN_CAS_REGISTER),
                     LIN_VIOLATION);
    /* the same read concurrent with the write is fine */
    assert_int_equal(check_text("INFO jepsen.util - 0 :invoke :write 1\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 0 :ok :write 1\n"
                                "INFO jepsen.util - 1 :ok :read nil\n",
                                LIN_CAS_REGISTER),
                     LIN_OK);
    /* an unknown write may take effect later... */
    assert_int_equal(check_text("INFO jepsen.util - 0 :invoke :write 1\n"
                                "INFO jepsen.util - 0 :info :write :timed-out\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read nil\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read 1\n",
                                LIN_CAS_REGISTER),
                     LIN_OK);
    /* ...but only once */
    assert_int_equal(check_text("INFO jepsen.util - 0 :invoke :write 1\n"
                                "INFO jepsen.util - 0 :info :write :timed-out\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read 1\n"
                                "INFO jepsen.util - 2 :invoke :write 2\n"
                                "INFO jepsen.util - 2 :ok :write 2\n"
                                "INFO jepsen.util - 1 :invoke :read nil\n"
                                "INFO jepsen.util - 1 :ok :read 1\n",
                                LIN_CAS_REGISTER),
                     LIN_VIOLATION);
    /* a failed compare saw another value: it cannot have seen 0 when the register held 0 throughout */
    assert_int_equal(check_text("INFO jepsen.util - 0 :invoke :write 0\n"
                                "INFO jepsen.util - 0 :ok :write 0\n"
                                "INFO jepsen.util - 1 :invoke :cas [0 5]\n"
                                "INFO jepsen.util - 1 :fail :cas [0 5]\n",
                                LIN_CAS_REGISTER),
                     LIN_VIOLATION);
    /* in EDN (Knossos) a plain :fail never happened, and a read of nil told nothing */
    assert_int_equal(check_text("{:process 0, :type :invoke, :f :write, :value 3}\n"
                                "{:process 0, :type :fail, :f :write, :value 3}\n"
                                "{:process 1, :type :invoke, :f :read, :value nil}\n"
                                "{:process 1, :type :ok, :f :read, :value nil}\n"
                                "{:process :nemesis, :type :info, :f :start, :value nil}\n",
                                LIN_CAS_REGISTER),
                     LIN_OK);
    assert_int_equal(check_text("[{:process 0, :type :invoke, :f :write, :value 3}\n"
                                " {:process 0, :type :fail, :f :write, :value 3}\n"
                                " {:process 1, :type :invoke, :f :read, :value nil}\n"
                                " {:process 1, :type :ok, :f :read, :value 3}]\n",
                                LIN_CAS_REGISTER),
                     LIN_VIOLATION);
}

static void other_models(void **state)
{
    (void)state;
    const char *kv = "{\"process\":0,\"type\":\"invoke\",\"f\":\"append\",\"key\":\"a\",\"value\":\"x\"}\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"append\",\"key\":\"a\",\"value\":\"x\"}\n"
                     "{\"process\":1,\"type\":\"invoke\",\"f\":\"append\",\"key\":\"b\",\"value\":\"y\"}\n"
                     "{\"process\":1,\"type\":\"ok\",\"f\":\"append\",\"key\":\"b\",\"value\":\"y\"}\n"
                     "{\"process\":0,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"a\"}\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"get\",\"key\":\"a\",\"value\":\"%s\"}\n";
    char buf[1024];
    snprintf(buf, sizeof(buf), kv, "x");
    assert_int_equal(check_text(buf, LIN_KV), LIN_OK);
    snprintf(buf, sizeof(buf), kv, "xy");
    assert_int_equal(check_text(buf, LIN_KV), LIN_VIOLATION);
    const char *counter = "{\"process\":0,\"type\":\"invoke\",\"f\":\"add\",\"value\":2}\n"
                          "{\"process\":1,\"type\":\"invoke\",\"f\":\"add\",\"value\":3}\n"
                          "{\"process\":0,\"type\":\"ok\",\"f\":\"add\",\"value\":2}\n"
                          "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                          "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":%d}\n";
    snprintf(buf, sizeof(buf), counter, 5);
    assert_int_equal(check_text(buf, LIN_COUNTER), LIN_OK);
    snprintf(buf, sizeof(buf), counter, 3);
    assert_int_equal(check_text(buf, LIN_COUNTER), LIN_VIOLATION);
    const char *set = "{:process 0, :type :invoke, :f :add, :value 1}\n"
                      "{:process 0, :type :ok, :f :add, :value 1}\n"
                      "{:process 1, :type :invoke, :f :add, :value 2}\n"
                      "{:process 0, :type :invoke, :f :read, :value nil}\n"
                      "{:process 0, :type :ok, :f :read, :value %s}\n";
    snprintf(buf, sizeof(buf), set, "#{2 1}");
    assert_int_equal(check_text(buf, LIN_SET), LIN_OK);
    snprintf(buf, sizeof(buf), set, "#{1}");
    assert_int_equal(check_text(buf, LIN_SET), LIN_OK);
    snprintf(buf, sizeof(buf), set, "#{2}");
    assert_int_equal(check_text(buf, LIN_SET), LIN_VIOLATION);
}

static void rejects_foreign_operations(void **state)
{
    (void)state;
    const char *t = "{\"process\":0,\"type\":\"invoke\",\"f\":\"cas\",\"value\":[1,2]}\n";
    struct history h;
    history_init(&h);
    assert_int_equal(history_parse(&h, t, strlen(t), HIST_FMT_JSONL), 0);
    struct lin_opts o = {.model = LIN_REGISTER};
    struct lin_problem p;
    assert_int_not_equal(lin_init(&p, &h, &o), 0);
    assert_string_equal(
        p.err, "line 1: operation 'cas' is not one the register model has (read, write; see --model)");
    lin_close(&p);
    history_close(&h);
}

/* ---- property tests ---- */

static uint64_t rng_state;
static uint64_t rnd(uint64_t n)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (z ^ (z >> 31)) % n;
}

#define NPROC 4
#define NKEYS 2

/* A pending operation of the generator: invoked, maybe already applied to the real state. */
struct pending {
    bool busy, applied, crashed;
    int kind; /* 0 read, 1 write/put/add, 2 cas / append */
    int key;
    int64_t a, b;
    char result[128];
    bool cas_ok;
};

/* The real object the generated operations run against, one step at a time. */
struct real {
    int64_t reg[NKEYS];
    char kv[NKEYS][256];
};

static void apply(enum lin_model m, struct real *r, struct pending *p)
{
    p->applied = true;
    int k = p->key;
    switch (m) {
    case LIN_CAS_REGISTER:
        if (p->kind == 0)
            snprintf(p->result, sizeof(p->result), "%lld", (long long)r->reg[k]);
        else if (p->kind == 1)
            r->reg[k] = p->a;
        else if ((p->cas_ok = r->reg[k] == p->a))
            r->reg[k] = p->b;
        break;
    case LIN_KV:
        if (p->kind == 0)
            snprintf(p->result, sizeof(p->result), "\"%s\"", r->kv[k]);
        else if (p->kind == 1)
            snprintf(r->kv[k], sizeof(r->kv[k]), "%c", (char)('a' + p->a));
        else if (strlen(r->kv[k]) < 200)
            strncat(r->kv[k], (char[]){(char)('a' + p->a), 0}, 2);
        break;
    case LIN_SET: /* a bitmask of elements 0..5; reads list them, largest first (order must not matter) */
        if (p->kind != 0) {
            r->reg[k] |= 1LL << p->a;
            break;
        }
        snprintf(p->result, sizeof(p->result), "[");
        for (int e = 5; e >= 0; e--)
            if (r->reg[k] & (1LL << e))
                snprintf(p->result + strlen(p->result), sizeof(p->result) - strlen(p->result), "%s%d",
                         p->result[1] ? "," : "", e);
        strcat(p->result, "]");
        break;
    default: /* counter */
        if (p->kind == 0)
            snprintf(p->result, sizeof(p->result), "%lld", (long long)r->reg[0]);
        else
            r->reg[0] += p->a;
    }
}

static const char *fname(enum lin_model m, int kind)
{
    static const char *const names[][3] = {[LIN_CAS_REGISTER] = {"read", "write", "cas"},
                                           [LIN_KV] = {"get", "put", "append"},
                                           [LIN_SET] = {"read", "add", "add"},
                                           [LIN_COUNTER] = {"read", "add", "add"}};
    return names[m][kind];
}

static void emit(struct buf *b, enum lin_model m, int proc, const char *type, const struct pending *p,
                 bool result)
{
    buf_printf(b, "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\"", proc, type, fname(m, p->kind));
    if (m != LIN_COUNTER)
        buf_printf(b, ",\"key\":\"k%d\"", p->key);
    if (p->kind == 0 && result)
        buf_printf(b, ",\"value\":%s", p->result);
    else if (p->kind == 2 && m == LIN_CAS_REGISTER)
        buf_printf(b, ",\"value\":[%lld,%lld]", (long long)p->a, (long long)p->b);
    else if (p->kind != 0 && m == LIN_KV)
        buf_printf(b, ",\"value\":\"%c\"", (char)('a' + p->a));
    else if (p->kind != 0)
        buf_printf(b, ",\"value\":%lld", (long long)p->a);
    if (!strcmp(type, "fail"))
        buf_puts(b, ",\"error\":\"cas-mismatch\"");
    buf_puts(b, "}\n");
}

/* A random concurrent history of nops operations run against a real object: each operation takes effect at
 * one moment between its invocation and its completion, so the history is linearizable. Some processes
 * crash mid-operation (info; the effect may or may not have happened). */
static void generate(struct buf *b, enum lin_model m, int nops)
{
    struct real r;
    memset(&r, 0, sizeof(r));
    struct pending p[NPROC];
    memset(p, 0, sizeof(p));
    int proc_id[NPROC] = {0, 1, 2, 3}, next_id = NPROC, started = 0;
    for (int guard = 0; guard < 100000; guard++) {
        int i = (int)rnd(NPROC);
        struct pending *q = &p[i];
        if (!q->busy) {
            if (started == nops)
                continue;
            started++;
            *q = (struct pending){.busy = true,
                                  .kind = (int)rnd(3),
                                  .key = (int)rnd(NKEYS),
                                  .a = (int64_t)rnd(4),
                                  .b = (int64_t)rnd(4)};
            if (m == LIN_COUNTER)
                q->a = (int64_t)rnd(5) + 1;
            if (m == LIN_SET)
                q->a = (int64_t)rnd(6);
            emit(b, m, proc_id[i], "invoke", q, false);
        } else if (!q->applied) {
            apply(m, &r, q);
        } else {
            bool crash = rnd(12) == 0 && q->kind != 0;
            bool cas_fail = m == LIN_CAS_REGISTER && q->kind == 2 && !q->cas_ok;
            emit(b, m, proc_id[i], crash ? "info" : cas_fail ? "fail" : "ok", q, !crash);
            q->busy = false;
            if (crash)
                proc_id[i] = next_id++; /* as Jepsen does: a crashed process comes back under a new id */
        }
        bool idle = true;
        for (int k = 0; k < NPROC; k++)
            idle &= !p[k].busy;
        if (idle && started == nops)
            return;
    }
    fail_msg("the generator did not finish");
}

/* Corrupts the value of the first ok read at or after line `from` to one no operation ever produced.
 * Returns the corrupted line's number (1-based), or 0 if there was none. */
static int corrupt(struct buf *b, enum lin_model m, int from)
{
    int line = 1;
    for (char *s = b->data; *s; line++) {
        char *nl = strchr(s, '\n');
        char *ln = strndup(s, (size_t)(nl - s));
        bool is_read =
            strstr(ln, "\"type\":\"ok\"") && (strstr(ln, "\"f\":\"read\"") || strstr(ln, "\"f\":\"get\""));
        free(ln);
        if (line >= from && is_read) {
            char *val = strstr(s, "\"value\":");
            if (val && val < nl) {
                size_t head = (size_t)(val - b->data) + 8, tail = (size_t)(strchr(val, '}') - b->data);
                const char *bad = m == LIN_KV        ? "\"zz\""
                                  : m == LIN_COUNTER ? "-7"
                                  : m == LIN_SET     ? "[9]"
                                                     : "99";
                struct buf o;
                buf_init(&o);
                buf_put(&o, b->data, head);
                buf_puts(&o, bad);
                buf_puts(&o, b->data + tail);
                buf_close(b);
                *b = o;
                return line;
            }
        }
        s = nl + 1;
    }
    return 0;
}

static enum lin_verdict verdict_of(const char *text, enum lin_model m)
{
    struct history h;
    history_init(&h);
    assert_int_equal(history_read_jsonl(&h, text, strlen(text)), 0);
    struct hist_val zero = hist_int(0); /* the generator's register starts at 0 */
    struct lin_opts o = {.model = m, .init = m == LIN_CAS_REGISTER ? &zero : NULL};
    struct lin_problem p;
    assert_int_equal(lin_init(&p, &h, &o), 0);
    enum lin_verdict v = lin_check(&p);
    lin_close(&p);
    history_close(&h);
    return v;
}

/* Removes operation k (its invoke and its completion, found by process) from a JSON-lines history. */
static char *without_op(const char *text, int k)
{
    struct history h;
    history_init(&h);
    assert_int_equal(history_read_jsonl(&h, text, strlen(text)), 0);
    struct hist_op *ops;
    size_t n;
    assert_int_equal(history_pair(&h, &ops, &n), 0);
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < h.n; i++)
        if ((size_t)k >= n || (i != ops[k].invoke && i != ops[k].complete))
            history_event_json(&b, &h.ev[i]);
    free(ops);
    history_close(&h);
    return b.data ? buf_take(&b) : xstrdup("");
}

static void property(enum lin_model m, int rounds, int nops)
{
    for (int round = 0; round < rounds; round++) {
        rng_state = 1000 * (uint64_t)m + (uint64_t)round;
        struct buf b;
        buf_init(&b);
        generate(&b, m, nops);
        if (verdict_of(b.data, m) != LIN_OK) {
            fprintf(stderr, "generated history (model %s, round %d) judged not linearizable:\n%s",
                    lin_model_name(m), round, b.data);
            fail();
        }
        int line = corrupt(&b, m, (int)rnd(2 * (uint64_t)nops) + 1);
        if (line == 0)
            line = corrupt(&b, m, 1);
        if (line) {
            if (verdict_of(b.data, m) != LIN_VIOLATION) {
                fprintf(stderr, "corrupted read on line %d not caught:\n%s", line, b.data);
                fail();
            }
            /* shrink: drop operations one at a time while the history keeps failing, until none can go */
            char *cur = xstrdup(b.data);
            size_t before = strlen(cur);
            for (bool changed = true; changed;) {
                changed = false;
                for (int k = 0; k < 2 * nops; k++) {
                    char *smaller = without_op(cur, k);
                    if (strlen(smaller) < strlen(cur) && verdict_of(smaller, m) == LIN_VIOLATION) {
                        free(cur);
                        cur = smaller;
                        changed = true;
                        k--;
                    } else {
                        free(smaller);
                    }
                }
            }
            assert_int_equal(verdict_of(cur, m), LIN_VIOLATION);
            assert_true(strlen(cur) < before);
            int invokes = 0;
            for (const char *q = cur; (q = strstr(q, "\"invoke\"")) != NULL; q++)
                invokes++;
            if (invokes > 6) { /* a minimal witness of a bad read needs few operations */
                fprintf(stderr, "shrunk to %d operations:\n%s", invokes, cur);
                fail();
            }
            free(cur);
        }
        buf_close(&b);
    }
}

static void property_cas_register(void **state)
{
    (void)state;
    property(LIN_CAS_REGISTER, 40, 40);
}

static void property_kv(void **state)
{
    (void)state;
    property(LIN_KV, 40, 40);
}

static void property_set(void **state)
{
    (void)state;
    property(LIN_SET, 30, 30);
}

static void property_counter(void **state)
{
    (void)state;
    property(LIN_COUNTER, 30, 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_basics),
        cmocka_unit_test(other_models),
        cmocka_unit_test(rejects_foreign_operations),
        cmocka_unit_test(property_cas_register),
        cmocka_unit_test(property_kv),
        cmocka_unit_test(property_set),
        cmocka_unit_test(property_counter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
