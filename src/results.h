/* results: the answers of actions made through this mount, by the path of
 * the file that shows them (last_sync.json, last_provision.json). */
#ifndef TC_RESULTS_H
#define TC_RESULTS_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "strbuf.h"

struct results;
struct results *results_new(void);
void results_free(struct results *r);
/* Store answer (pretty-printed; "{}" when NULL) as the content of path. */
void results_put(struct results *r, const char *path, const cJSON *answer);
/* Whether path has a result; if out is non-NULL, append it. */
bool results_get(struct results *r, const char *path, struct strbuf *out);
/* Forget results under a path prefix (a deleted tenant). */
void results_drop_prefix(struct results *r, const char *prefix);

#endif
