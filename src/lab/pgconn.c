/* libpq with deadlines: non-blocking connect and query loops over poll(). */
#include "lab/pgconn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "lab/lab_proc.h"
#include "lab/lab_state.h"

void pgconn_errline(const char *msg, char *err, size_t errn)
{
    if (!err || !errn)
        return;
    if (!msg)
        msg = "unknown error";
    size_t n = strcspn(msg, "\n");
    if (n >= errn)
        n = errn - 1;
    memcpy(err, msg, n);
    err[n] = 0;
}

/* Waits for fd to be readable (or writable) until deadline; false on timeout. */
static bool wait_fd(int fd, bool for_write, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - lab_now_ns();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = fd, .events = for_write ? POLLOUT : POLLIN};
        int r = poll(&p, 1, (int)(left / 1000000 + 1));
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return true; /* let libpq see the error */
    }
}

/* Server notices (and the FATAL a dying backend sends) are not for the lab's output. */
static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

PGconn *pgconn_open(int port, const char *app, int timeout_ms, char *err, size_t errn)
{
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    const char *keys[] = {"host", "port", "user", "dbname", "application_name", "connect_timeout", NULL};
    const char *vals[] = {"127.0.0.1", portstr, "postgres", "postgres", app ? app : "dkata", "10", NULL};
    PGconn *c = PQconnectStartParams(keys, vals, 0);
    if (!c) {
        pgconn_errline("out of memory", err, errn);
        return NULL;
    }
    int64_t deadline = lab_now_ns() + (int64_t)timeout_ms * 1000000LL;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (PQstatus(c) != CONNECTION_BAD) {
        if (st == PGRES_POLLING_OK) {
            PQsetNoticeProcessor(c, quiet_notice, NULL);
            return c;
        }
        if (st == PGRES_POLLING_FAILED)
            break;
        if (!wait_fd(PQsocket(c), st == PGRES_POLLING_WRITING, deadline)) {
            snprintf(err, errn, "connection to 127.0.0.1:%d timed out after %d ms", port, timeout_ms);
            PQfinish(c);
            return NULL;
        }
        st = PQconnectPoll(c);
    }
    pgconn_errline(PQerrorMessage(c), err, errn);
    PQfinish(c);
    return NULL;
}

PGresult *pgconn_query(PGconn *c, const char *sql, int nparams, const char *const *params,
                       int timeout_ms, char *err, size_t errn)
{
    if (!c || PQstatus(c) != CONNECTION_OK) {
        pgconn_errline("not connected", err, errn);
        return NULL;
    }
    if (!PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0)) {
        pgconn_errline(PQerrorMessage(c), err, errn);
        return NULL;
    }
    int64_t deadline = lab_now_ns() + (int64_t)timeout_ms * 1000000LL;
    PGresult *last = NULL;
    for (;;) {
        while (!PQisBusy(c)) {
            PGresult *r = PQgetResult(c);
            if (!r) {
                if (!last)
                    pgconn_errline(PQerrorMessage(c), err, errn);
                return last;
            }
            PQclear(last);
            last = r;
        }
        if (!wait_fd(PQsocket(c), false, deadline)) {
            PGcancel *cc = PQgetCancel(c);
            char cerr[128];
            if (cc) {
                PQcancel(cc, cerr, sizeof cerr);
                PQfreeCancel(cc);
            }
            /* drain what the cancelled query sends back, briefly */
            int64_t drain = lab_now_ns() + 2000 * 1000000LL;
            while (PQisBusy(c) && wait_fd(PQsocket(c), false, drain) && PQconsumeInput(c)) {
            }
            PGresult *r;
            while (!PQisBusy(c) && (r = PQgetResult(c)))
                PQclear(r);
            PQclear(last);
            snprintf(err, errn, "query timed out after %d ms and was cancelled", timeout_ms);
            return NULL;
        }
        if (!PQconsumeInput(c)) {
            PQclear(last);
            pgconn_errline(PQerrorMessage(c), err, errn);
            return NULL;
        }
    }
}

static PGresult *checked(PGconn *c, const char *sql, int timeout_ms, char *err, size_t errn)
{
    PGresult *r = pgconn_query(c, sql, 0, NULL, timeout_ms, err, errn);
    if (!r)
        return NULL;
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        pgconn_errline(PQresultErrorMessage(r), err, errn);
        PQclear(r);
        return NULL;
    }
    return r;
}

int pgconn_exec(PGconn *c, const char *sql, int timeout_ms, char *err, size_t errn)
{
    PGresult *r = checked(c, sql, timeout_ms, err, errn);
    PQclear(r);
    return r ? 0 : -1;
}

int pgconn_scalar(PGconn *c, const char *sql, int timeout_ms, char *out, size_t outn, char *err,
                  size_t errn)
{
    PGresult *r = checked(c, sql, timeout_ms, err, errn);
    if (!r)
        return -1;
    if (PQntuples(r) < 1 || PQnfields(r) < 1) {
        pgconn_errline("no row", err, errn);
        PQclear(r);
        return -1;
    }
    snprintf(out, outn, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

int pgconn_lsn(PGconn *c, const char *sql, int timeout_ms, uint64_t *lsn, char *err, size_t errn)
{
    char v[64];
    if (pgconn_scalar(c, sql, timeout_ms, v, sizeof v, err, errn))
        return -1;
    if (lab_lsn_parse(v, lsn)) {
        pgconn_errline(v[0] ? "not an lsn" : "null lsn", err, errn);
        return -1;
    }
    return 0;
}
