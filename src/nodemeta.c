/* nodemeta: a hash table of per-path records behind one mutex. Records are
 * tiny and live as long as the mount: their number is bounded by the tree. */
#include "nodemeta.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "strbuf.h"

struct meta_rec {
    struct meta_rec *next;
    uint64_t hash;      /* content last served */
    time_t served_at;   /* when that content was first served */
    off_t reported;     /* size last told to the kernel, -1 unknown */
    uint64_t open_hash; /* content of the last open, 0 unknown */
    char path[];
};

struct nodemeta {
    pthread_mutex_t lock;
    struct meta_rec **buckets;
    size_t nbuckets, count;
};

uint64_t content_hash(const void *data, size_t len)
{
    /* FNV-1a, with the length folded in; 0 is reserved for "unknown". */
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)len;
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h ? h : 1;
}

static uint64_t path_hash(const char *s)
{
    return content_hash(s, strlen(s));
}

struct nodemeta *nodemeta_new(void)
{
    struct nodemeta *nm = xcalloc(1, sizeof *nm);
    pthread_mutex_init(&nm->lock, NULL);
    nm->nbuckets = 4096;
    nm->buckets = xcalloc(nm->nbuckets, sizeof *nm->buckets);
    return nm;
}

void nodemeta_free(struct nodemeta *nm)
{
    if (!nm)
        return;
    for (size_t i = 0; i < nm->nbuckets; i++) {
        struct meta_rec *r = nm->buckets[i], *next;
        for (; r; r = next) {
            next = r->next;
            free(r);
        }
    }
    free(nm->buckets);
    pthread_mutex_destroy(&nm->lock);
    free(nm);
}

static void grow(struct nodemeta *nm)
{
    size_t n = nm->nbuckets * 2;
    struct meta_rec **b = xcalloc(n, sizeof *b);
    for (size_t i = 0; i < nm->nbuckets; i++) {
        struct meta_rec *r = nm->buckets[i], *next;
        for (; r; r = next) {
            next = r->next;
            size_t j = path_hash(r->path) & (n - 1);
            r->next = b[j];
            b[j] = r;
        }
    }
    free(nm->buckets);
    nm->buckets = b;
    nm->nbuckets = n;
}

/* Find or create; called locked. */
static struct meta_rec *rec(struct nodemeta *nm, const char *path, bool *created)
{
    size_t j = path_hash(path) & (nm->nbuckets - 1);
    for (struct meta_rec *r = nm->buckets[j]; r; r = r->next)
        if (strcmp(r->path, path) == 0) {
            *created = false;
            return r;
        }
    if (nm->count >= nm->nbuckets) {
        grow(nm);
        j = path_hash(path) & (nm->nbuckets - 1);
    }
    size_t len = strlen(path);
    struct meta_rec *r = xcalloc(1, sizeof *r + len + 1);
    memcpy(r->path, path, len + 1);
    r->reported = -1;
    r->next = nm->buckets[j];
    nm->buckets[j] = r;
    nm->count++;
    *created = true;
    return r;
}

time_t nodemeta_served(struct nodemeta *nm, const char *path, uint64_t hash, time_t initial)
{
    bool created;
    pthread_mutex_lock(&nm->lock);
    struct meta_rec *r = rec(nm, path, &created);
    if (created || r->hash != hash) {
        r->served_at = (created && initial) ? initial : clock_wall();
        r->hash = hash;
    }
    time_t t = r->served_at;
    pthread_mutex_unlock(&nm->lock);
    return t;
}

void nodemeta_reported(struct nodemeta *nm, const char *path, off_t size)
{
    bool created;
    pthread_mutex_lock(&nm->lock);
    rec(nm, path, &created)->reported = size;
    pthread_mutex_unlock(&nm->lock);
}

void nodemeta_opened(struct nodemeta *nm, const char *path, uint64_t hash, off_t size,
                     bool *size_ok, bool *pages_ok)
{
    bool created;
    pthread_mutex_lock(&nm->lock);
    struct meta_rec *r = rec(nm, path, &created);
    *size_ok = r->reported == size;
    *pages_ok = *size_ok && r->open_hash == hash;
    r->open_hash = hash;
    pthread_mutex_unlock(&nm->lock);
}

void nodemeta_forget_kernel(struct nodemeta *nm, const char *path)
{
    bool created;
    pthread_mutex_lock(&nm->lock);
    struct meta_rec *r = rec(nm, path, &created);
    r->reported = -1;
    r->open_hash = 0;
    pthread_mutex_unlock(&nm->lock);
}

void nodemeta_foreach(struct nodemeta *nm, const char *prefix,
                      void (*fn)(const char *path, void *arg), void *arg)
{
    size_t n = strlen(prefix);
    pthread_mutex_lock(&nm->lock);
    for (size_t i = 0; i < nm->nbuckets; i++)
        for (struct meta_rec *r = nm->buckets[i]; r; r = r->next)
            if (strncmp(r->path, prefix, n) == 0)
                fn(r->path, arg);
    pthread_mutex_unlock(&nm->lock);
}
