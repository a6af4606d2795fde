/* render: file contents from API resources. A renderer asks the render
 * context for the resources it needs (fetched through the cache, or only
 * peeked at when listing) and appends bytes. Renderers never see FUSE or
 * HTTP; unit tests feed them fixed JSON through a context of their own. */
#ifndef TC_RENDER_H
#define TC_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "api_error.h"
#include "resource.h"
#include "tree.h"

struct mount;

/* Where a render context gets resources from. */
struct res_source {
    /* 0 with *out referenced, or -errno with *err; peek: never fetch,
     * -ENODATA when not fresh in cache. */
    int (*get)(void *arg, const struct res_id *id, bool peek, struct resource **out,
               struct api_error *err);
    /* Start fetching id in the background (views warm what they will read). */
    void (*prefetch)(void *arg, const struct res_id *id);
    void *arg;
};

struct render_ctx {
    struct res_source src;
    bool peek;
    time_t stamp; /* latest resource timestamp consulted */
    int64_t expires_ms; /* when the first resource consulted stops being fresh (0: none) */
    struct resource **held;
    size_t nheld, capheld;
    struct api_error err; /* the failure, when a call returns -errno */
    /* The mount's own state, for the files that show it (meta.c); NULL
     * where a renderer is used without a mount. */
    struct mount *mount;
};

/* Append the bytes of the file (or the target of the link) at rt. */
typedef int (*render_fn)(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);

void render_ctx_init(struct render_ctx *rctx, const struct res_source *src, bool peek,
                     struct mount *mount);
/* Release every resource the context holds. */
void render_ctx_done(struct render_ctx *rctx);

/* Get a resource for the duration of the render (released by done). */
int rctx_get(struct render_ctx *rctx, enum res_kind kind, const char *tenant, const char *sub,
           const struct resource **out);
/* Warm a resource this render will get (no-op when peeking). */
void rctx_prefetch(struct render_ctx *rctx, enum res_kind kind, const char *tenant, const char *sub);
/* Items of the three lists, with existence as -ENOENT. */
int rctx_tenant(struct render_ctx *rctx, const char *tenant, const cJSON **item);
int rctx_domain(struct render_ctx *rctx, const char *tenant, const char *domain, const cJSON **item);
int rctx_mailbox(struct render_ctx *rctx, const char *tenant, const char *mailbox, const cJSON **item);
/* Note obj's own timestamp for the mtime. */
void rctx_stamp(struct render_ctx *rctx, const cJSON *obj);
/* Fail with a local reason (EIO for unusable API data). */
int rctx_fail(struct render_ctx *rctx, int err, const char *message);

/* The limit of the policy of scope ("" tenant-wide, else a domain). Its
 * GET shape is undocumented: daily_send_limit at the top level, else
 * inside "policy" (SEMANTICS.md, The tree). 1 with *limit, 0 for no
 * policy, or a negative errno (EIO for an answer with no usable limit).
 * *from is the object it came from (for the mtime). */
int rctx_policy_limit(struct render_ctx *rctx, const char *tenant, const char *scope,
                      long long *limit, const cJSON **from);
/* The domain a mailbox item belongs to: domain_name, else the part of
 * primary_smtp after '@'. NULL if neither. */
const char *mailbox_domain(const cJSON *item);
/* Append s as one line: control characters become spaces. */
void append_line(struct strbuf *out, const char *s);

/* Renderers of API-backed nodes (render.c). */
int render_tenant_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_tenant_name(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_empty(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_policy_limit(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_domain_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_dns_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_dkim_status(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_dkim_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_verify(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_mailbox_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_usage_json(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_daily_limit(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_display_name(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_mailbox_link(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_by_name_link(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);

/* Views beyond the API (views.c). */
int render_fleet_health(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_tenant_health(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_tenant_zone(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_domain_zone(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_tenant_csv(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);

/* The enforcement log (enforcement.c): the tenant's when the route has
 * one, else the account's. */
int render_enforcement_log(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);
int render_enforcement_jsonl(struct render_ctx *rctx, const struct route *rt, struct strbuf *out);

/* The daily_send_limit of the policy of scope ("" tenant-wide, else a
 * domain) as text in buf, "" when there is none (views.c). */
int policy_limit_text(struct render_ctx *rctx, const char *tenant, const char *scope, char *buf,
                      size_t len);
/* A usage answer's block state: is_blocked, else whether blocked_at is set. */
bool usage_blocked(const cJSON *usage);

/* by-name/: the link name of every tenant of a tenants list, duplicates
 * disambiguated as "<name>~<first 8 chars of the GUID>". names[i] is for
 * child i of the list (malloc'd; NULL when the tenant cannot be linked). */
char **by_name_names(const struct resource *tenants);
void by_name_free(char **names, size_t n);

#endif
