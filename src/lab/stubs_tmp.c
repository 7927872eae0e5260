#include "lab/drills.h"
#include "core/err.h"
void replag_opts_default(struct replag_opts *o) { (void)o; }
int replag_drill(const struct replag_opts *o) { (void)o; return ERR_STATE; }
void patroni_opts_default(struct patroni_opts *o) { (void)o; }
int patroni_drill(const struct patroni_opts *o) { (void)o; return ERR_STATE; }
