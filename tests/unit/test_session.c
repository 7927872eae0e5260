/* Unit tests: each session guarantee on small hand-made histories, violated and not violated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check/session.h"
#include "core/mem.h"

#include <string.h>

/* Invokes and completes one operation of session sess; value is the write's argument or the read's result. */
static void op(struct history *h, int process, const char *sess, const char *f, const char *key,
               int64_t value, int64_t version, bool lsn)
{
    bool read = strcmp(f, "read") == 0;
    struct hist_event e = {.process = process,
                           .type = HIST_INVOKE,
                           .f = (char *)f,
                           .key = (char *)key,
                           .value = read ? hist_nil() : hist_int(value),
                           .time_ns = HIST_NO_TIME,
                           .session = (char *)sess,
                           .version = HIST_NO_VERSION};
    history_add(h, &e);
    e.type = HIST_OK;
    e.value = value < 0 ? hist_nil() : hist_int(value);
    e.version = version;
    e.version_is_lsn = lsn;
    history_add(h, &e);
}

/* Runs the checker; returns how many violations of g it found, and checks the first one's pair. */
static size_t count(struct history *h, enum session_guarantee g, size_t a, size_t b)
{
    struct session_result r;
    assert_int_equal(session_check(h, &r), 0);
    size_t n = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (r.v[i].g != g)
            continue;
        if (n++ == 0) {
            assert_int_equal(r.v[i].a, a);
            assert_int_equal(r.v[i].b, b);
        }
        struct buf d;
        buf_init(&d);
        session_describe(h, &r, &r.v[i], &d);
        assert_non_null(strstr(d.data, session_name(g)));
        buf_close(&d);
    }
    session_result_close(&r);
    return n;
}

static size_t total(struct history *h)
{
    struct session_result r;
    assert_int_equal(session_check(h, &r), 0);
    size_t n = r.n;
    session_result_close(&r);
    return n;
}

static void read_your_writes(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    op(&h, 0, "s1", "write", "x", 1, 5, false);
    op(&h, 0, "s1", "read", "x", -1, 3, false); /* older than its own write */
    assert_int_equal(count(&h, SESSION_RYW, 0, 1), 1);
    assert_int_equal(total(&h), 1);
    op(&h, 1, "s2", "read", "x", -1, 3, false); /* another session: no guarantee */
    assert_int_equal(total(&h), 1);
    history_close(&h);
    history_init(&h);
    op(&h, 0, "s1", "write", "x", 1, 5, false);
    op(&h, 0, "s1", "read", "x", 1, 5, false);
    assert_int_equal(total(&h), 0);
    history_close(&h);
}

static void monotonic_reads(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    op(&h, 0, "s1", "read", "x", -1, 5, false);
    op(&h, 0, "s1", "read", "x", -1, 6, false);
    assert_int_equal(total(&h), 0);
    op(&h, 0, "s1", "read", "x", -1, 4, false); /* went back in time: contradicts the read at 6 */
    assert_int_equal(count(&h, SESSION_MR, 1, 2), 1);
    assert_int_equal(total(&h), 1);
    history_close(&h);
}

static void monotonic_writes(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    op(&h, 0, "s1", "write", "x", 1, 5, false);
    op(&h, 0, "s1", "write", "x", 2, 6, false);
    assert_int_equal(total(&h), 0);
    op(&h, 0, "s1", "write", "x", 3, 6, false); /* ordered no later than the previous write */
    assert_int_equal(count(&h, SESSION_MW, 1, 2), 1);
    assert_int_equal(total(&h), 1);
    history_close(&h);
}

static void writes_follow_reads(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    op(&h, 0, "s1", "read", "x", -1, 5, false);
    op(&h, 0, "s1", "write", "x", 1, 6, false);
    assert_int_equal(total(&h), 0);
    op(&h, 1, "s2", "read", "x", 2, 9, false);
    op(&h, 1, "s2", "write", "x", 2, 8, false); /* ordered before what it had read */
    assert_int_equal(count(&h, SESSION_WFR, 2, 3), 1);
    assert_int_equal(total(&h), 1);
    history_close(&h);
}

static void consistent_prefix(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    op(&h, 0, "w", "write", "x", 10, 1, false);
    op(&h, 0, "w", "write", "x", 20, 2, false);
    op(&h, 1, "r", "read", "x", 10, 1, false);
    op(&h, 1, "r", "read", "x", 20, 2, false);
    assert_int_equal(total(&h), 0);
    op(&h, 2, "q", "read", "x", 20, 1, false); /* at version 1 but the value of version 2 */
    assert_int_equal(count(&h, SESSION_CP, 1, 4), 1);
    op(&h, 3, "t", "read", "x", 10, 2, false); /* at version 2 but the value of version 1 */
    assert_int_equal(count(&h, SESSION_CP, 1, 4), 2);
    assert_int_equal(total(&h), 2);
    history_close(&h);
}

static void lsn_is_global_version_is_per_key(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    op(&h, 0, "s1", "write", "a", 1, 10, false);
    op(&h, 0, "s1", "read", "b", -1, 5, false);
    assert_int_equal(total(&h), 0); /* different keys, per-key versions: incomparable */
    history_close(&h);
    history_init(&h);
    op(&h, 0, "s1", "write", "a", 1, 10, true);
    op(&h, 0, "s1", "read", "b", -1, 5, true);
    assert_int_equal(count(&h, SESSION_RYW, 0, 1), 1); /* one log: the read missed the session's write */
    history_close(&h);
}

static void concurrent_ops_in_a_session_are_unordered(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    struct hist_event w = {.process = 0,
                           .type = HIST_INVOKE,
                           .f = "write",
                           .key = "x",
                           .value = hist_int(1),
                           .time_ns = HIST_NO_TIME,
                           .session = "s",
                           .version = HIST_NO_VERSION};
    struct hist_event r = w;
    r.process = 1;
    r.f = "read";
    r.value = hist_nil();
    history_add(&h, &w);
    history_add(&h, &r);
    w.type = r.type = HIST_OK;
    w.version = 5;
    r.version = 3;
    history_add(&h, &w);
    history_add(&h, &r);
    assert_int_equal(total(&h), 0);
    /* failed and unknown operations say nothing */
    op(&h, 0, "s", "read", "x", 1, 5, false);
    struct hist_event f = w;
    f.type = HIST_INVOKE;
    f.version = HIST_NO_VERSION;
    history_add(&h, &f);
    f.type = HIST_FAIL;
    f.version = 1;
    history_add(&h, &f);
    assert_int_equal(total(&h), 0);
    history_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_your_writes),
        cmocka_unit_test(monotonic_reads),
        cmocka_unit_test(monotonic_writes),
        cmocka_unit_test(writes_follow_reads),
        cmocka_unit_test(consistent_prefix),
        cmocka_unit_test(lsn_is_global_version_is_per_key),
        cmocka_unit_test(concurrent_ops_in_a_session_are_unordered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
