/* fixtures.h — builds the deterministic fixture fleet described in
 * CONTRACT.md ("Fixture fleet") from the start-up options. */
#ifndef TCEMU_FIXTURES_H
#define TCEMU_FIXTURES_H

#include "options.h"
#include "store.h"

/* Days of enforcement history the fixtures can hold (--events). */
#define FIXTURE_HISTORY_MAX_DAYS 180

/* Fills an empty store; same options give byte-identical data. Returns 0,
 * or -1 with a message in err when --events asks for more than the fleet
 * can hold. */
int fixtures_build(struct emu_store *s, const struct emu_options *o, char *err, size_t errsize);

/* The enforcement log of the fixture fleet (fixture_history.c): blocks
 * today (mailboxes whose sends exceed their enforced limit) and in the
 * past, each past block with its unblock at the next daily reset. `now` is
 * the fixtures' "now". With --events N, account 1 gets exactly N events
 * and its sends_today are adjusted to agree with them. */
int fixtures_history(struct emu_store *s, const struct emu_options *o, long now, char *err,
                     size_t errsize);

/* Fills a new domain's public fields (shared with "add domain"). */
void fixtures_domain_obj(cJSON *obj, const char *id, const char *name, bool is_default,
                         bool verified, const char *last_checked);

#endif
