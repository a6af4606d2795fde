/* meta: .tenantcorefs/ files and the store of action results. */
#include "meta.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "errlog.h"
#include "fs.h"
#include "jsonout.h"
#include "render.h"
#include "stats.h"

int render_stats(struct render_ctx *rc, const struct route *rt, struct strbuf *out)
{
    (void)rt;
    atomic_store(&g_stats.cache_bytes, (long)cache_bytes(rc->fs->cache));
    stats_render(out, rc->fs->cfg.cache_max, rc->fs->cfg.max_conns, rc->fs->cfg.ttl);
    return 0;
}

int render_errors(struct render_ctx *rc, const struct route *rt, struct strbuf *out)
{
    (void)rc;
    (void)rt;
    errlog_render(out);
    return 0;
}

int render_local_result(struct render_ctx *rc, const struct route *rt, struct strbuf *out)
{
    struct strbuf p = STRBUF_INIT;
    route_format(rt, &p);
    bool present = results_get(rc->fs->results, p.data, out);
    sb_free(&p);
    return present ? 0 : rc_fail(rc, ENOENT, "no result yet");
}

/* ---- the results store: a small list; there is one result per tenant or
 * domain at most, and they are only read by path. ---------------------- */

struct result {
    struct result *next;
    char *path;
    char *bytes;
    size_t len;
};

struct results {
    pthread_mutex_t lock;
    struct result *head;
};

struct results *results_new(void)
{
    struct results *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

static void result_free(struct result *x)
{
    free(x->path);
    free(x->bytes);
    free(x);
}

void results_free(struct results *r)
{
    if (!r)
        return;
    for (struct result *x = r->head, *next; x; x = next) {
        next = x->next;
        result_free(x);
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void results_put(struct results *r, const char *path, const cJSON *answer)
{
    struct strbuf sb = STRBUF_INIT;
    if (answer)
        json_print_pretty(&sb, answer);
    else
        sb_puts(&sb, "{}\n");
    pthread_mutex_lock(&r->lock);
    struct result *x = r->head;
    while (x && strcmp(x->path, path) != 0)
        x = x->next;
    if (!x) {
        x = xcalloc(1, sizeof *x);
        x->path = xstrdup(path);
        x->next = r->head;
        r->head = x;
    }
    free(x->bytes);
    x->bytes = sb_detach(&sb, &x->len);
    pthread_mutex_unlock(&r->lock);
}

bool results_get(struct results *r, const char *path, struct strbuf *out)
{
    pthread_mutex_lock(&r->lock);
    struct result *x = r->head;
    while (x && strcmp(x->path, path) != 0)
        x = x->next;
    if (x && out)
        sb_append(out, x->bytes, x->len);
    pthread_mutex_unlock(&r->lock);
    return x != NULL;
}

void results_drop_prefix(struct results *r, const char *prefix)
{
    size_t n = strlen(prefix);
    pthread_mutex_lock(&r->lock);
    for (struct result **pp = &r->head; *pp;) {
        if (strncmp((*pp)->path, prefix, n) == 0) {
            struct result *x = *pp;
            *pp = x->next;
            result_free(x);
        } else {
            pp = &(*pp)->next;
        }
    }
    pthread_mutex_unlock(&r->lock);
}
