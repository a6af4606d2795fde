/* fixtures.h — builds the deterministic fixture fleet described in
 * CONTRACT.md ("Fixture fleet") from the start-up options. */
#ifndef TCEMU_FIXTURES_H
#define TCEMU_FIXTURES_H

#include "options.h"
#include "store.h"

/* Fills an empty store; same options give byte-identical data. */
void fixtures_build(struct emu_store *s, const struct emu_options *o);

/* Fills a new domain's public fields (shared with "add domain"). */
void fixtures_domain_obj(cJSON *obj, const char *id, const char *name, bool is_default,
                         bool verified, const char *last_checked);

#endif
