/* router.h — matches a request path against a table of patterns like
 * "/v1/tenants/{tenant_id}/domains/{domain_name}/dns". Path components are
 * percent-decoded after splitting, so "%2F" inside a name stays in the name. */
#ifndef TCEMU_ROUTER_H
#define TCEMU_ROUTER_H

#include <stddef.h>

#define ROUTE_MAX_SEGS   10
#define ROUTE_MAX_PARAMS 4
#define ROUTE_PATH_MAX   8192

struct route {
    const char *method;
    const char *pattern;
    const void *data; /* what the caller dispatches to */
};

struct route_match {
    const struct route *route;
    const char *params[ROUTE_MAX_PARAMS]; /* decoded, in pattern order */
    size_t nparams;
    char allow[128]; /* methods of the path, for 405 */
    char buf[ROUTE_PATH_MAX + 1];
};

enum route_result { ROUTE_OK, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/* raw_target may carry a query string; it is ignored here. */
enum route_result router_match(const struct route *table, size_t n, const char *method,
                               const char *raw_target, struct route_match *m);

/* Percent-decodes value of `key` from the raw target's query string into out.
 * Returns 1 when present, 0 when absent, -1 when too long or holding NUL. */
int router_query_param(const char *raw_target, const char *key, char *out, size_t size);

#endif
