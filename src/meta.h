/* meta: the mount's own files — .tenantcorefs/ and the results of actions
 * made through this mount (last_sync.json, last_provision.json). */
#ifndef TC_META_H
#define TC_META_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <time.h>

#include "tree.h"

int render_stats(struct render_ctx *rc, const struct route *rt, struct strbuf *out);
int render_errors(struct render_ctx *rc, const struct route *rt, struct strbuf *out);
int render_local_result(struct render_ctx *rc, const struct route *rt, struct strbuf *out);

/* The results store, keyed by the result file's path. */
struct results;
struct results *results_new(void);
void results_free(struct results *r);
/* Store answer (pretty-printed) as the content of path. */
void results_put(struct results *r, const char *path, const cJSON *answer);
/* Whether path has a result; if out is non-NULL, append it. */
bool results_get(struct results *r, const char *path, struct strbuf *out);
/* Forget results under a path prefix (a deleted tenant). */
void results_drop_prefix(struct results *r, const char *prefix);

#endif
