/* libpq helpers for the labs: connect and query with our own deadlines (libpq's connect_timeout
 * counts whole seconds, too coarse for a health check), and small typed queries. */
#ifndef DKATA_PGCONN_H
#define DKATA_PGCONN_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Connects to 127.0.0.1:port as user postgres (database postgres) within timeout_ms.
 * app is the application_name. Returns the connection, or NULL with libpq's message (first line)
 * in err. The caller owns the connection (PQfinish). */
PGconn *pgconn_open(int port, const char *app, int timeout_ms, char *err, size_t errn);

/* Sends sql with up to 4 text parameters and waits at most timeout_ms for its last result.
 * Returns that result (caller PQclears), or NULL on timeout (the query is cancelled) or broken
 * connection, with a one-line message in err. A non-NULL result may still be an error result:
 * check PQresultStatus. */
PGresult *pgconn_query(PGconn *c, const char *sql, int nparams, const char *const *params,
                       int timeout_ms, char *err, size_t errn);

/* Runs sql expecting a command or rows; 0 if it succeeded, else -1 with the error in err. */
int pgconn_exec(PGconn *c, const char *sql, int timeout_ms, char *err, size_t errn);
/* Runs sql returning one row and one column into out (NULL value -> ""); 0 or -1 with err. */
int pgconn_scalar(PGconn *c, const char *sql, int timeout_ms, char *out, size_t outn, char *err,
                  size_t errn);
/* Runs sql returning one LSN column; 0 and *lsn, or -1 (error, or the value was NULL). */
int pgconn_lsn(PGconn *c, const char *sql, int timeout_ms, uint64_t *lsn, char *err, size_t errn);

/* Copies the first line of a libpq message into err. */
void pgconn_errline(const char *msg, char *err, size_t errn);

#endif
