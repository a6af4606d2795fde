/* resource: one decoded API answer as the cache holds it — the parsed JSON,
 * an index of a list's children by name, and its accounted size. Resources
 * are immutable once built and shared by reference count, so readers never
 * hold a lock while rendering. */
#ifndef TC_RESOURCE_H
#define TC_RESOURCE_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api_error.h"
#include "endpoint.h"
#include "strbuf.h"


/* What to fetch: a kind and up to two names (borrowed strings). */
struct res_id {
    enum res_kind kind;
    const char *tenant; /* all but RES_TENANTS (RES_EVENTS: NULL or "" for all) */
    const char *sub;    /* domain (DNS, DKIM, POLICY) or mailbox id (USAGE) */
};

enum res_status {
    RES_OK,          /* json holds the answer */
    RES_NOT_FOUND,   /* a 404: the thing does not exist (err says which) */
    RES_POLICY_NONE, /* 404 policy_not_found (or no readable code): no policy */
};

struct res_child {
    const char *name; /* points into json */
    const cJSON *item;
};

struct resource {
    atomic_int refs;
    enum res_kind kind;
    enum res_status status;
    cJSON *json;
    /* Lists: children in API order, and a permutation sorted by name. */
    struct res_child *children;
    size_t *sorted;
    size_t nchildren;
    struct api_error err; /* RES_NOT_FOUND */
    uint64_t gen;         /* unique per decoded answer */
    int64_t expires_ms;   /* set by the cache when stored: when it stops being fresh */
    size_t bytes;         /* memory accounted to the cache */
};

/* The API path of id (its kind's GET endpoint filled with its names). */
void res_id_path(const struct res_id *id, struct strbuf *out);
/* The names of id as the endpoint templates take them. */
struct ep_args res_id_args(const struct res_id *id);

/* Decode an HTTP answer for id. 2xx: JSON of the documented shape (else
 * -EIO with a message in *err). 404: a RES_NOT_FOUND resource (or
 * RES_POLICY_NONE for policy_not_found on a policy). Any other status:
 * -errno with *err filled. On 0, *out holds one reference. */
int resource_decode(const struct res_id *id, int http_status, const char *body, size_t len,
                    struct resource **out, struct api_error *err);

/* Parse an answer: NULL unless it is one JSON value with nothing but
 * whitespace after it; escaped NULs are kept as U+0001 (see resource.c). */
cJSON *json_parse_untrusted(const char *body, size_t len);

/* Build a resource around json (taking ownership), indexing lists. Used by
 * decode and by writes that put an answer into the cache (mkdir). */
struct resource *resource_from_json(enum res_kind kind, cJSON *json);

struct resource *resource_ref(struct resource *r);
void resource_put(struct resource *r);

/* Lists: the child named name, or NULL. */
const cJSON *resource_child(const struct resource *r, const char *name);

/* Helpers for reading untrusted JSON: NULL or the default when the member
 * is missing or of another type. */
const char *json_str(const cJSON *obj, const char *name);
int json_bool(const cJSON *obj, const char *name, int dflt);
/* A number member as an integer; returns 0 and sets *out, or -1. */
int json_int(const cJSON *obj, const char *name, long long *out);
/* The resource's own timestamp: the first of last_sync_at, last_checked,
 * created_at present in obj; 0 if none. */
time_t json_timestamp(const cJSON *obj);

#endif
