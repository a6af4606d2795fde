/* inodes: a hash table by inode number and one by path over the same
 * entries, which are also linked as a tree (parent, children) so that the
 * inodes under a path are found without a scan. An entry lives while the
 * kernel holds a lookup of it or of something below it. */
#include "inodes.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "clock.h"
#include "nodemeta.h"
#include "stats.h"

struct snapshot *snapshot_new(const char *data, size_t len, int64_t mtime_ns)
{
    struct snapshot *s = xmalloc(sizeof *s + len + 1);
    atomic_init(&s->refs, 1);
    s->len = len;
    s->mtime_ns = mtime_ns;
    s->link = false;
    s->mode = 0;
    s->live = false;
    if (len)
        memcpy(s->data, data, len);
    s->data[len] = '\0';
    return s;
}

void snapshot_put(struct snapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        free(s);
}

struct entry {
    uint64_t ino;
    char *path;
    const char *name; /* the last component, inside path */
    uint64_t nlookup;
    struct entry *parent, *children, *next_sibling, *prev_sibling;
    struct entry *by_ino, *by_path; /* hash chains */
    struct snapshot *snap;
    int64_t pass_until_ms; /* a reader is part way through snap until then */
    int64_t pass_since_ms; /* since then (0: no pass) */
    int64_t held_since_ms; /* newer bytes were refused for snap since then */
    struct fs_dir *listing;
    int writing;
    bool deferred, queued;
};

struct inodes {
    pthread_mutex_t lock;
    struct entry **ino_buckets, **path_buckets;
    size_t nbuckets, count, peak;
    struct entry *root;
};

static size_t ino_slot(const struct inodes *t, uint64_t ino)
{
    return (size_t)((ino * 0x9e3779b97f4a7c15ULL) >> 20) & (t->nbuckets - 1);
}

static size_t path_slot(const struct inodes *t, const char *path)
{
    return (size_t)content_hash(path, strlen(path)) & (t->nbuckets - 1);
}

static struct entry *find_ino(const struct inodes *t, uint64_t ino)
{
    struct entry *e = t->ino_buckets[ino_slot(t, ino)];
    while (e && e->ino != ino)
        e = e->by_ino;
    return e;
}

static struct entry *find_path(const struct inodes *t, const char *path)
{
    struct entry *e = t->path_buckets[path_slot(t, path)];
    while (e && strcmp(e->path, path) != 0)
        e = e->by_path;
    return e;
}

static void hash_in(struct inodes *t, struct entry *e)
{
    size_t i = ino_slot(t, e->ino), p = path_slot(t, e->path);
    e->by_ino = t->ino_buckets[i];
    t->ino_buckets[i] = e;
    e->by_path = t->path_buckets[p];
    t->path_buckets[p] = e;
}

static void grow(struct inodes *t)
{
    struct entry **oi = t->ino_buckets, **op = t->path_buckets;
    size_t on = t->nbuckets;
    t->nbuckets *= 2;
    t->ino_buckets = xcalloc(t->nbuckets, sizeof *t->ino_buckets);
    t->path_buckets = xcalloc(t->nbuckets, sizeof *t->path_buckets);
    for (size_t i = 0; i < on; i++)
        for (struct entry *e = oi[i], *next; e; e = next) {
            next = e->by_ino;
            hash_in(t, e);
        }
    free(oi);
    free(op);
}

static void unhash(struct inodes *t, struct entry *e)
{
    struct entry **pp = &t->ino_buckets[ino_slot(t, e->ino)];
    while (*pp != e)
        pp = &(*pp)->by_ino;
    *pp = e->by_ino;
    pp = &t->path_buckets[path_slot(t, e->path)];
    while (*pp != e)
        pp = &(*pp)->by_path;
    *pp = e->by_path;
}

static struct entry *entry_new(uint64_t ino, const char *path)
{
    struct entry *e = xcalloc(1, sizeof *e);
    e->ino = ino;
    e->path = xstrdup(path);
    const char *slash = strrchr(e->path, '/');
    e->name = slash ? slash + 1 : e->path;
    return e;
}

static void entry_free(struct entry *e)
{
    snapshot_put(e->snap);
    fs_dir_free(e->listing);
    free(e->path);
    free(e);
}

#define PASS_MS      1000 /* a reader that read within this long is still reading */
#define PASS_HOLD_MS 2000 /* newer bytes wait at most this long for a pass */

static struct snapshot *ref_snap(struct snapshot *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

/* Offer e new bytes, rendered for a request that arrived at asked (ms,
 * monotonic); called locked. Returns what to report (a reference). Whether
 * a reader was part way through is judged when the request arrived: the
 * render may take seconds (retries under faults), and the reader's next
 * READ waits for this very reply. */
static struct snapshot *offer_locked(struct entry *e, struct snapshot *snap, int64_t asked)
{
    if (!snap)
        return NULL;
    struct snapshot *old = e->snap;
    if (old && old->len == snap->len && memcmp(old->data, snap->data, snap->len) == 0 &&
        old->mtime_ns == snap->mtime_ns) {
        snapshot_put(snap); /* nothing changed */
        return ref_snap(old);
    }
    if (old && e->pass_until_ms > asked) {
        if (!e->held_since_ms)
            e->held_since_ms = asked;
        if (asked - e->held_since_ms < PASS_HOLD_MS) {
            snapshot_put(snap); /* a reader is part way through old */
            return ref_snap(old);
        }
    }
    snapshot_put(old);
    e->snap = snap;
    e->pass_until_ms = 0;
    e->pass_since_ms = 0;
    e->held_since_ms = 0;
    return ref_snap(snap);
}

struct inodes *inodes_new(void)
{
    struct inodes *t = xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->nbuckets = 1024;
    t->ino_buckets = xcalloc(t->nbuckets, sizeof *t->ino_buckets);
    t->path_buckets = xcalloc(t->nbuckets, sizeof *t->path_buckets);
    t->root = entry_new(1, "/");
    t->root->nlookup = 1; /* the kernel never forgets the root */
    hash_in(t, t->root);
    t->count = t->peak = 1;
    return t;
}

void inodes_free(struct inodes *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++)
        for (struct entry *e = t->ino_buckets[i], *next; e; e = next) {
            next = e->by_ino;
            entry_free(e);
        }
    free(t->ino_buckets);
    free(t->path_buckets);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

int inodes_path(struct inodes *t, uint64_t ino, struct strbuf *out)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    if (e)
        sb_puts(out, e->path);
    pthread_mutex_unlock(&t->lock);
    return e ? 0 : -ENOENT;
}

static void link_child(struct entry *parent, struct entry *e)
{
    e->parent = parent;
    e->next_sibling = parent->children;
    if (parent->children)
        parent->children->prev_sibling = e;
    parent->children = e;
}

struct snapshot *inodes_ref(struct inodes *t, uint64_t ino, uint64_t parent, const char *path,
                            struct snapshot *snap, int64_t asked)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    if (!e) {
        if (t->count >= t->nbuckets)
            grow(t);
        e = entry_new(ino, path);
        hash_in(t, e);
        struct entry *p = find_ino(t, parent);
        link_child(p ? p : t->root, e);
        if (++t->count > t->peak)
            t->peak = t->count;
        atomic_store(&g_stats.inodes, (long)t->count);
        atomic_store(&g_stats.inodes_peak, (long)t->peak);
    }
    e->nlookup++;
    struct snapshot *report = offer_locked(e, snap, asked);
    pthread_mutex_unlock(&t->lock);
    return report;
}

/* Free e if nothing holds it any more, then its parent if that was all
 * that held it. Called locked. */
static void collect(struct inodes *t, struct entry *e)
{
    while (e && e != t->root && e->nlookup == 0 && !e->children) {
        struct entry *parent = e->parent;
        if (e->prev_sibling)
            e->prev_sibling->next_sibling = e->next_sibling;
        else
            parent->children = e->next_sibling;
        if (e->next_sibling)
            e->next_sibling->prev_sibling = e->prev_sibling;
        unhash(t, e);
        entry_free(e);
        t->count--;
        atomic_store(&g_stats.inodes, (long)t->count);
        e = parent;
    }
}

void inodes_forget(struct inodes *t, uint64_t ino, uint64_t n)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    if (e && e != t->root) {
        e->nlookup = e->nlookup > n ? e->nlookup - n : 0;
        collect(t, e);
    }
    pthread_mutex_unlock(&t->lock);
}

struct snapshot *inodes_read(struct inodes *t, uint64_t ino, off_t off, size_t size)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    struct snapshot *s = e ? ref_snap(e->snap) : NULL;
    if (s) {
        int64_t now = clock_mono_ms();
        if (off >= 0 && (size_t)off + size < s->len) {
            if (e->pass_until_ms <= now)
                e->pass_since_ms = now;
            e->pass_until_ms = now + PASS_MS;
        } else if (e->pass_until_ms > now && !s->live) {
            /* The last READ of a pass: the kernel read ahead, and the
             * reader still takes the pages from its cache, asking for the
             * attributes as they expire. (Not for a file that changes on
             * its own: there a READ to the end is the reader's last, and
             * its next read, of the errors file after a write, must be
             * fresh.) */
            e->pass_until_ms = now + PASS_MS;
        } else {
            e->pass_until_ms = e->pass_since_ms = 0;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return s;
}

struct snapshot *inodes_in_pass(struct inodes *t, uint64_t ino, int64_t asked)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    struct snapshot *s = NULL;
    if (e && e->snap && !e->snap->link && e->pass_until_ms > asked &&
        asked - e->pass_since_ms < PASS_HOLD_MS)
        s = ref_snap(e->snap);
    pthread_mutex_unlock(&t->lock);
    return s;
}

struct snapshot *inodes_offer(struct inodes *t, uint64_t ino, struct snapshot *snap, int64_t asked)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    struct snapshot *report = e ? offer_locked(e, snap, asked) : snap;
    pthread_mutex_unlock(&t->lock);
    return report;
}

struct fs_dir *inodes_listing(struct inodes *t, uint64_t ino)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    struct fs_dir *d = e && e->listing ? fs_dir_ref(e->listing) : NULL;
    pthread_mutex_unlock(&t->lock);
    return d;
}

void inodes_set_listing(struct inodes *t, uint64_t ino, struct fs_dir *d)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    if (e) {
        fs_dir_free(e->listing);
        e->listing = d;
        d = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    fs_dir_free(d);
}

void inodes_write_begin(struct inodes *t, uint64_t ino)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    if (e)
        e->writing++;
    pthread_mutex_unlock(&t->lock);
}

bool inodes_write_end(struct inodes *t, uint64_t ino)
{
    bool deferred = false;
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    if (e && --e->writing == 0 && e->deferred) {
        e->deferred = false;
        deferred = true;
    }
    pthread_mutex_unlock(&t->lock);
    return deferred;
}

enum inval inodes_take_inval(struct inodes *t, uint64_t ino)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    enum inval what = INVAL_ATTRS;
    if (e) {
        e->queued = false;
        if (e->writing > 0) {
            e->deferred = true;
            what = INVAL_DEFERRED;
        } else if (e->snap && e->snap->link) {
            what = INVAL_TARGET;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return what;
}

bool inodes_mark_queued(struct inodes *t, uint64_t ino)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find_ino(t, ino);
    bool queue = !e || !e->queued;
    if (e)
        e->queued = true;
    pthread_mutex_unlock(&t->lock);
    return queue;
}

struct visit {
    uint64_t ino, parent;
    char *name;
};

struct visits {
    struct visit *v;
    size_t n, cap;
};

static void collect_below(const struct entry *e, struct visits *out)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->v = xrealloc(out->v, out->cap * sizeof *out->v);
    }
    out->v[out->n++] = (struct visit){e->ino, e->parent ? e->parent->ino : 0, xstrdup(e->name)};
    for (const struct entry *c = e->children; c; c = c->next_sibling)
        collect_below(c, out);
}

void inodes_walk(struct inodes *t, const char *prefix,
                 void (*fn)(uint64_t ino, uint64_t parent, const char *name, void *arg), void *arg)
{
    /* Collected under the lock, visited without it: fn may use the table. */
    struct visits all = {0};
    pthread_mutex_lock(&t->lock);
    const struct entry *e = find_path(t, prefix);
    if (e)
        collect_below(e, &all);
    pthread_mutex_unlock(&t->lock);
    for (size_t i = 0; i < all.n; i++) {
        fn(all.v[i].ino, all.v[i].parent, all.v[i].name, arg);
        free(all.v[i].name);
    }
    free(all.v);
}

size_t inodes_count(struct inodes *t, size_t *peak)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->count;
    if (peak)
        *peak = t->peak;
    pthread_mutex_unlock(&t->lock);
    return n;
}
