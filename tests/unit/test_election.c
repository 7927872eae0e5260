/* Unit tests: the raft-election checker of dkata test, on scripted role reports and faults with exact times:
 * election safety (one leader per term), terms never going down, liveness, and the time to elect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "harness/harness_int.h"

#define MS NS_PER_MS

static struct harness *make(int n, struct harness_opts *o)
{
    harness_opts_default(o);
    o->workload = HW_RAFT_ELECTION;
    o->recovery_ns = 500 * MS;
    struct harness *h = calloc(1, sizeof(*h));
    h->o = o;
    h->n = n;
    for (int i = 0; i < n; i++) {
        snprintf(h->nodes[i].name, sizeof(h->nodes[i].name), "n%d", i);
        h->nodes[i].incarnation = 1;
    }
    return h;
}

static void role(struct harness *h, int64_t t_ms, int node, int r, int64_t term)
{
    XGROW(h->roles, h->caproles, h->nroles + 1);
    h->roles[h->nroles++] = (struct role_ev){t_ms * MS, node, h->nodes[node].incarnation, r, term};
}

static void fault(struct harness *h, int64_t t_ms, enum fault_op op, int node)
{
    XGROW(h->nems, h->capnems, h->nnems + 1);
    h->nems[h->nnems++] = (struct nem_ev){t_ms * MS, {.at = t_ms * MS, .op = op, .node = node}};
}

static bool check(struct harness *h, struct buf *out)
{
    buf_init(out);
    bool ok = elect_check(h, out);
    return ok;
}

static void done(struct harness *h, struct buf *out)
{
    buf_close(out);
    free(h->roles);
    free(h->nems);
    free(h);
}

static void measures_time_to_elect(void **state)
{
    (void)state;
    struct harness_opts o;
    struct harness *h = make(3, &o);
    role(h, 100, 0, 1, 1); /* n0 candidate in term 1 */
    role(h, 150, 0, 2, 1); /* leader after 150 ms */
    fault(h, 400, FAULT_CRASH, 0);
    role(h, 700, 1, 1, 2);
    role(h, 720, 1, 2, 2); /* a new leader 320 ms after the crash */
    fault(h, 800, FAULT_RESTART, 0);
    struct buf out;
    assert_true(check(h, &out));
    assert_non_null(strstr(out.data, "checker election-safety: valid (2 leaders"));
    assert_non_null(strstr(out.data, "first leader after 150ms; 1 re-election after losing the leader: median 320ms"));
    buf_close(&out);
    o.elect_within_ns = 300 * MS; /* the re-election took 320 ms */
    assert_false(check(h, &out));
    assert_non_null(strstr(out.data, "election-time: NOT valid (1 of 2 elections took longer than 300ms)"));
    buf_close(&out);
    o.elect_within_ns = 320 * MS;
    assert_true(check(h, &out));
    done(h, &out);
}

static void catches_two_leaders_in_a_term(void **state)
{
    (void)state;
    struct harness_opts o;
    struct harness *h = make(3, &o);
    role(h, 100, 0, 2, 1);
    role(h, 120, 1, 2, 1);
    struct buf out;
    assert_false(check(h, &out));
    assert_non_null(strstr(out.data, "two leaders in term 1: n0 and n1"));
    done(h, &out);
}

static void catches_a_term_going_down(void **state)
{
    (void)state;
    struct harness_opts o;
    struct harness *h = make(3, &o);
    role(h, 100, 2, 2, 5);
    role(h, 200, 2, 0, 3);
    struct buf out;
    assert_false(check(h, &out));
    assert_non_null(strstr(out.data, "n2's term went down from 5 to 3"));
    done(h, &out);
}

static void a_leader_cut_off_is_not_usable(void **state)
{
    (void)state;
    struct harness_opts o;
    struct harness *h = make(3, &o);
    role(h, 100, 0, 2, 1);
    XGROW(h->nems, h->capnems, h->nnems + 1);
    struct fault f = {.at = 300 * MS, .op = FAULT_PARTITION};
    f.group_of[0] = 1; /* n0 alone in the minority */
    h->nems[h->nnems++] = (struct nem_ev){300 * MS, f};
    struct buf out;
    assert_false(check(h, &out)); /* nobody took over, and the partition never healed */
    assert_non_null(strstr(out.data, "election-liveness: NOT valid (no leader 500ms after the last heal)"));
    done(h, &out);
}

static void no_leader_ever(void **state)
{
    (void)state;
    struct harness_opts o;
    struct harness *h = make(3, &o);
    role(h, 100, 0, 1, 1);
    struct buf out;
    assert_false(check(h, &out));
    assert_non_null(strstr(out.data, "no leader was ever elected"));
    done(h, &out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(measures_time_to_elect),
        cmocka_unit_test(catches_two_leaders_in_a_term),
        cmocka_unit_test(catches_a_term_going_down),
        cmocka_unit_test(a_leader_cut_off_is_not_usable),
        cmocka_unit_test(no_leader_ever),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
