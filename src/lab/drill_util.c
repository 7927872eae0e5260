/* Bringing a drill's lab up and down. */
#include "lab/drill_util.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/err.h"

int drill_lab_up(struct pglab *lab, const struct pglab_opts *o, bool quiet, char *err, size_t errn)
{
    int64_t t = lab_now_ns();
    int rc = pglab_up(lab, o, err, errn);
    if (rc == 0 && !quiet)
        fprintf(stderr, "dkata: lab up at %s in %.1fs (primary 127.0.0.1:%d)\n", lab->dir,
                (double)(lab_now_ns() - t) / 1e9, lab->st.port_base);
    return rc;
}

int drill_lab_down(struct pglab *lab, bool keep, bool quiet)
{
    if (!lab->created)
        return 0;
    struct buf rep;
    buf_init(&rep);
    char err[600];
    int rc = pglab_down(lab->dir, keep, &rep, err, sizeof err);
    buf_close(&rep);
    if (rc && rc != ERR_NOTFOUND) {
        fprintf(stderr, "dkata: tearing the lab down: %s\n", err);
        return rc;
    }
    if (keep && !quiet)
        fprintf(stderr, "dkata: lab stopped, folder kept at %s (remove it with 'dkata lab pg down --dir %s')\n",
                lab->dir, lab->dir);
    return 0;
}

void drill_events_init(struct drill_events *e, bool quiet, const char *fmt)
{
    e->t0 = lab_now_ns();
    e->quiet = quiet;
    e->fmt = fmt;
    buf_init(&e->json);
}

void drill_events_close(struct drill_events *e)
{
    buf_close(&e->json);
}

void drill_event(struct drill_events *e, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    double t = (double)(lab_now_ns() - e->t0) / 1e9;
    buf_printf(&e->json, "%s{\"t_s\":%.3f,\"event\":", e->json.len ? "," : "", t);
    buf_json_str(&e->json, msg);
    buf_putc(&e->json, '}');
    if (!e->quiet) {
        printf(e->fmt, t, msg);
        fflush(stdout);
    }
}
