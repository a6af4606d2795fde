/* nodemeta: per-path records kept as a trie of path components (a record
 * holds its own name and a pointer to its parent's record), so 60,000 paths
 * sharing "/tenants/<GUID>/domains/<domain>/" do not store that prefix
 * 60,000 times. One hash table finds a child by (parent, name); one mutex
 * guards everything. Records live as long as the mount: their number is
 * bounded by the tree. */
#include "nodemeta.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "strbuf.h"

struct meta_rec {
    struct meta_rec *next;   /* hash chain */
    struct meta_rec *parent; /* NULL for the root "/" */
    uint64_t hash;           /* content last served, 0 none */
    int64_t served_ns;       /* when that content was first served */
    uint64_t ino;            /* stable inode number */
    bool recorded;           /* a path of its own, not only an ancestor */
    char name[];             /* this component ("" for the root) */
};

struct nodemeta {
    pthread_mutex_t lock;
    struct meta_rec *root;
    struct meta_rec **buckets;
    size_t nbuckets, count;
    uint64_t next_ino;
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

static size_t slot(const struct nodemeta *nm, const struct meta_rec *parent, const char *name,
                   size_t len)
{
    uint64_t h = content_hash(name, len) ^ ((uint64_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ULL);
    return (size_t)(h & (nm->nbuckets - 1));
}

static struct meta_rec *rec_new(const struct meta_rec *parent, const char *name, size_t len)
{
    struct meta_rec *r = xcalloc(1, sizeof *r + len + 1);
    memcpy(r->name, name, len);
    r->parent = (struct meta_rec *)parent;
    return r;
}

struct nodemeta *nodemeta_new(void)
{
    struct nodemeta *nm = xcalloc(1, sizeof *nm);
    pthread_mutex_init(&nm->lock, NULL);
    nm->nbuckets = 4096;
    nm->buckets = xcalloc(nm->nbuckets, sizeof *nm->buckets);
    nm->root = rec_new(NULL, "", 0);
    nm->root->ino = 1; /* FUSE_ROOT_ID */
    nm->next_ino = 2;
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
    free(nm->root);
    free(nm->buckets);
    pthread_mutex_destroy(&nm->lock);
    free(nm);
}

static void grow(struct nodemeta *nm)
{
    size_t old_n = nm->nbuckets;
    struct meta_rec **old = nm->buckets;
    nm->nbuckets *= 2;
    nm->buckets = xcalloc(nm->nbuckets, sizeof *nm->buckets);
    for (size_t i = 0; i < old_n; i++) {
        struct meta_rec *r = old[i], *next;
        for (; r; r = next) {
            next = r->next;
            size_t j = slot(nm, r->parent, r->name, strlen(r->name));
            r->next = nm->buckets[j];
            nm->buckets[j] = r;
        }
    }
    free(old);
}

/* The record of child name of parent, created if missing; called locked. */
static struct meta_rec *child(struct nodemeta *nm, struct meta_rec *parent, const char *name,
                              size_t len, bool *created)
{
    size_t j = slot(nm, parent, name, len);
    for (struct meta_rec *r = nm->buckets[j]; r; r = r->next)
        if (r->parent == parent && strncmp(r->name, name, len) == 0 && r->name[len] == '\0')
            return r;
    if (nm->count >= nm->nbuckets) {
        grow(nm);
        j = slot(nm, parent, name, len);
    }
    struct meta_rec *r = rec_new(parent, name, len);
    r->next = nm->buckets[j];
    nm->buckets[j] = r;
    nm->count++;
    *created = true;
    return r;
}

/* The record of an absolute path, created (with its ancestors) if missing;
 * *created tells whether the path's own record is new. Called locked. */
static struct meta_rec *rec(struct nodemeta *nm, const char *path, bool *created)
{
    struct meta_rec *r = nm->root;
    *created = false;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, "/");
        *created = false;
        r = child(nm, r, p, len, created);
        p += len;
    }
    r->recorded = true;
    return r;
}

int64_t nodemeta_served_ns(struct nodemeta *nm, const char *path, uint64_t hash, int64_t initial)
{
    bool created;
    pthread_mutex_lock(&nm->lock);
    struct meta_rec *r = rec(nm, path, &created);
    if (r->hash != hash) { /* hash 0: never served, or touched by a write */
        bool first = r->served_ns == 0;
        int64_t now = first && initial ? initial : clock_wall_ns();
        if (!first) {
            /* A new version never shares the old one's time, nor its
             * nanoseconds (node.c keeps those when a resource's own
             * timestamp is later): the kernel tells versions apart by
             * size and mtime alone. */
            if (now <= r->served_ns)
                now = r->served_ns + 1;
            if (now % 1000000000 == r->served_ns % 1000000000)
                now++;
        }
        r->served_ns = now;
        r->hash = hash;
    }
    int64_t t = r->served_ns;
    pthread_mutex_unlock(&nm->lock);
    return t;
}

time_t nodemeta_served(struct nodemeta *nm, const char *path, uint64_t hash, time_t initial)
{
    return (time_t)(nodemeta_served_ns(nm, path, hash, (int64_t)initial * 1000000000) / 1000000000);
}

void nodemeta_touch(struct nodemeta *nm, const char *path)
{
    bool created;
    pthread_mutex_lock(&nm->lock);
    struct meta_rec *r = rec(nm, path, &created);
    r->hash = 0; /* no content matches: the next bytes are a new version */
    pthread_mutex_unlock(&nm->lock);
}

uint64_t nodemeta_ino(struct nodemeta *nm, const char *path)
{
    bool created;
    pthread_mutex_lock(&nm->lock);
    struct meta_rec *r = rec(nm, path, &created);
    if (!r->ino)
        r->ino = nm->next_ino++;
    uint64_t ino = r->ino;
    pthread_mutex_unlock(&nm->lock);
    return ino;
}

/* Append r's path to sb (parents first). */
static void rec_path(const struct meta_rec *r, struct strbuf *sb)
{
    if (!r->parent) {
        sb_putc(sb, '/');
        return;
    }
    rec_path(r->parent, sb);
    if (sb->len > 1)
        sb_putc(sb, '/');
    sb_puts(sb, r->name);
}

void nodemeta_foreach(struct nodemeta *nm, const char *prefix,
                      void (*fn)(const char *path, void *arg), void *arg)
{
    size_t n = strlen(prefix);
    struct strbuf p = STRBUF_INIT;
    pthread_mutex_lock(&nm->lock);
    for (size_t i = 0; i < nm->nbuckets; i++)
        for (struct meta_rec *r = nm->buckets[i]; r; r = r->next) {
            if (!r->recorded)
                continue;
            sb_reset(&p);
            rec_path(r, &p);
            if (strncmp(p.data, prefix, n) == 0)
                fn(p.data, arg);
        }
    pthread_mutex_unlock(&nm->lock);
    sb_free(&p);
}
