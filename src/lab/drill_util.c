/* Bringing a drill's lab up and down. */
#include "lab/drill_util.h"

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
