#include "lab/drills.h"
#include "core/err.h"
void patroni_opts_default(struct patroni_opts *o) { (void)o; }
int patroni_drill(const struct patroni_opts *o) { (void)o; return ERR_STATE; }
