/* Unit tests: the practice journal: where it lives, entries and mistakes, progress ticks from counts, a writer
 * killed mid-transaction (nothing half-written, the file stays usable) and forked writers logging at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/err.h"
#include "journal/journal.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/dkata-journal-XXXXXX");
    assert_non_null(mkdtemp(dir));
    setenv("XDG_DATA_HOME", dir, 1);
    unsetenv("DKATA_JOURNAL");
    unsetenv("DKATA_NO_JOURNAL");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static void test_path(void **state)
{
    (void)state;
    char p[256], want[256];
    assert_int_equal(journal_path(p, sizeof(p)), 0);
    snprintf(want, sizeof(want), "%s/dkata/journal.db", dir);
    assert_string_equal(p, want);
    setenv("XDG_DATA_HOME", "relative/ignored", 1);
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(journal_path(p, sizeof(p)), 0);
    assert_string_equal(p, "/home/someone/.local/share/dkata/journal.db");
    setenv("DKATA_JOURNAL", "/x/j.db", 1);
    assert_int_equal(journal_path(p, sizeof(p)), 0);
    assert_string_equal(p, "/x/j.db");
    assert_int_equal(journal_path(p, 4), ERR_INVAL);
    unsetenv("DKATA_JOURNAL");
    setenv("XDG_DATA_HOME", dir, 1);
    assert_true(journal_enabled());
    setenv("DKATA_NO_JOURNAL", "1", 1);
    assert_false(journal_enabled());
    setenv("DKATA_NO_JOURNAL", "0", 1);
    assert_true(journal_enabled());
    unsetenv("DKATA_NO_JOURNAL");
}

static void test_entries_and_mistakes(void **state)
{
    (void)state;
    struct journal j;
    assert_int_equal(journal_open(&j), 0);
    struct journal_entry e = {.kind = "run", .name = "lamport", .params = "processes=3", .seed = 7, .outcome = "ok",
                              .seconds = 0.5};
    assert_int_equal(journal_add(&j, &e), 0);
    assert_int_equal(journal_add(&j, &e), 0);
    assert_int_equal(journal_count(&j, "SELECT count(*) FROM entries WHERE name='lamport' AND seed=7"), 2);
    assert_int_equal(journal_mistake_add(&j, "quorum-miscounted", "W=1 R=1 with N=3 does not overlap"), 0);
    assert_int_equal(journal_mistake_add(&j, "Bad Tag", "x"), ERR_INVAL);
    assert_int_equal(journal_mistake_add(&j, "free-tag", ""), ERR_INVAL);
    assert_int_equal(journal_mistake_add(&j, "free-tag", "mine"), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(journal_mistake_list(&j, NULL, out), 2);
    assert_int_equal(journal_mistake_list(&j, "free-tag", out), 1);
    fclose(out);
    assert_non_null(strstr(text, "W=1 R=1 with N=3 does not overlap"));
    assert_non_null(strstr(text, "counts per tag (2 mistakes):"));
    assert_non_null(strstr(text, "counts per tag (1 mistake):"));
    free(text);
    journal_close(&j);
}

/* Progress: the clocks item needs two clean runs; a run with a planted bug or a violation does not count. */
static void test_progress_counts(void **state)
{
    (void)state;
    struct journal j;
    assert_int_equal(journal_open(&j), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int before = journal_progress(&j, out);
    fclose(out);
    assert_non_null(strstr(text, "[ ] 001-clocks2"));
    free(text);
    struct journal_entry e = {.kind = "run", .name = "clocks", .outcome = "violated"};
    assert_int_equal(journal_add(&j, &e), 0);
    e.outcome = "ok";
    e.bug = "no-max";
    assert_int_equal(journal_add(&j, &e), 0);
    e.bug = NULL;
    assert_int_equal(journal_add(&j, &e), 0);
    out = open_memstream(&text, &len);
    assert_int_equal(journal_progress(&j, out), before);
    fclose(out);
    assert_non_null(strstr(text, "[ ] 001-clocks2"));
    assert_non_null(strstr(text, "(1/2)"));
    free(text);
    e.kind = "swarm";
    assert_int_equal(journal_add(&j, &e), 0);
    assert_int_equal(journal_tick(&j, "004-lane"), 0);
    out = open_memstream(&text, &len);
    assert_int_equal(journal_progress(&j, out), before + 2);
    fclose(out);
    assert_non_null(strstr(text, "[x] 001-clocks2"));
    assert_non_null(strstr(text, "[x] 004-lane"));
    assert_true(journal_progress_item("004-lane"));
    assert_false(journal_progress_item("004-nope"));
    free(text);
    journal_close(&j);
}

/* A writer killed with SIGKILL inside its transaction: the row is not there, the file checks out, and the next
 * writers get the lock at once. */
static void test_crash_mid_write(void **state)
{
    (void)state;
    struct journal j;
    assert_int_equal(journal_open(&j), 0);
    long before = journal_count(&j, "SELECT count(*) FROM entries");
    journal_close(&j);
    pid_t pid = fork();
    if (pid == 0) {
        struct journal c;
        if (journal_open(&c))
            _exit(3);
        sqlite3_exec(c.db, "BEGIN IMMEDIATE; INSERT INTO entries(at,kind,name,outcome) VALUES('t','run','half','ok');",
                     NULL, NULL, NULL);
        for (int i = 0; i < 2000; i++) /* a long transaction: plenty of dirty pages */
            sqlite3_exec(c.db, "INSERT INTO mistakes(at,tag,text) VALUES('t','x',hex(randomblob(200)));", NULL, NULL,
                         NULL);
        raise(SIGKILL);
        _exit(4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(journal_open(&j), 0);
    assert_int_equal(journal_count(&j, "SELECT count(*) FROM entries"), before);
    assert_int_equal(journal_count(&j, "SELECT count(*) FROM entries WHERE name='half'"), 0);
    assert_int_equal(journal_count(&j, "SELECT count(*) FROM mistakes WHERE tag='x'"), 0);
    assert_int_equal(journal_count(&j, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check='ok'"), 1);
    struct journal_entry e = {.kind = "run", .name = "after", .outcome = "ok"};
    assert_int_equal(journal_add(&j, &e), 0);
    assert_int_equal(journal_count(&j, "SELECT count(*) FROM entries"), before + 1);
    journal_close(&j);
}

/* Eight processes, 40 entries each, all at once (including the very first open that creates the schema). */
static void test_concurrent_writers(void **state)
{
    (void)state;
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/fresh", dir);
    setenv("XDG_DATA_HOME", sub, 1);
    enum { PROCS = 8, EACH = 40 };
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            struct journal c;
            int bad = 0;
            for (int i = 0; i < EACH; i++) {
                if (journal_open(&c)) {
                    bad++;
                    continue;
                }
                struct journal_entry e = {.kind = "run", .name = "clocks", .seed = (uint64_t)(p * 1000 + i),
                                          .outcome = "ok"};
                bad += journal_add(&c, &e) != 0;
                bad += journal_mistake_add(&c, "fallacy-missed", "concurrent") != 0;
                journal_close(&c);
            }
            _exit(bad ? 1 : 0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    struct journal j;
    assert_int_equal(journal_open(&j), 0);
    assert_int_equal(journal_count(&j, "SELECT count(*) FROM entries"), PROCS * EACH);
    assert_int_equal(journal_count(&j, "SELECT count(DISTINCT seed) FROM entries"), PROCS * EACH);
    assert_int_equal(journal_count(&j, "SELECT count(*) FROM mistakes"), PROCS * EACH);
    journal_close(&j);
    setenv("XDG_DATA_HOME", dir, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_entries_and_mistakes),
        cmocka_unit_test(test_progress_counts),
        cmocka_unit_test(test_crash_mid_write),
        cmocka_unit_test(test_concurrent_writers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
