/* results: what actions made through this mount answered (last_sync.json,
 * last_provision.json), kept by the path of the file that shows it. There
 * is one result per tenant or domain at most, and they are only read by
 * path: a short list under one mutex. */
#include "results.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"

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
