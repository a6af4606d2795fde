/* notify: a FIFO of invalidations drained by one thread into
 * fuse_lowlevel_notify_inval_inode / _inval_entry. An inode being written
 * is not invalidated here but marked in the inode table; the WRITE handler
 * queues it again once answered. */
#include "notify.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "inodes.h"
#include "stats.h"
#include "strbuf.h"

struct pending {
    struct pending *next;
    uint64_t seq;
    uint64_t ino; /* inode to drop, or the parent of the entry */
    bool entry;   /* an entry: name below */
    char name[];
};

struct notifier {
    struct fuse_session *se;
    struct inodes *inodes;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond, done;
    struct pending *head, *tail;
    uint64_t queued, sent;
    bool stop;
};

static void send_one(struct notifier *n, struct pending *p)
{
    int rc;
    if (p->entry) {
        rc = fuse_lowlevel_notify_inval_entry(n->se, p->ino, p->name, strlen(p->name));
    } else {
        enum inval what = inodes_take_inval(n->inodes, p->ino);
        if (what == INVAL_DEFERRED)
            return; /* the WRITE handler queues it again when answered */
        /* Attributes only (offset -1): the kernel drops a file's pages and a
         * directory's listing itself when it sees the new size or mtime
         * (AUTO_INVAL_DATA), and dropping pages here would wait for any
         * WRITE in flight on that file — which may be waiting for this
         * queue. A link's cached target is kept until told. */
        rc = fuse_lowlevel_notify_inval_inode(n->se, p->ino, what == INVAL_TARGET ? 0 : -1, 0);
    }
    /* -ENOENT: the kernel holds nothing of it any more. */
    if (rc == 0)
        atomic_fetch_add(&g_stats.notifications, 1);
}

static void *notifier_main(void *arg)
{
    struct notifier *n = arg;
    pthread_mutex_lock(&n->lock);
    for (;;) {
        while (!n->head && !n->stop)
            pthread_cond_wait(&n->cond, &n->lock);
        if (n->stop)
            break;
        struct pending *p = n->head;
        n->head = p->next;
        if (!n->head)
            n->tail = NULL;
        pthread_mutex_unlock(&n->lock);
        send_one(n, p);
        pthread_mutex_lock(&n->lock);
        n->sent = p->seq;
        pthread_cond_broadcast(&n->done);
        free(p);
    }
    pthread_mutex_unlock(&n->lock);
    return NULL;
}

struct notifier *notifier_start(struct fuse_session *se, struct inodes *inodes)
{
    struct notifier *n = xcalloc(1, sizeof *n);
    n->se = se;
    n->inodes = inodes;
    pthread_mutex_init(&n->lock, NULL);
    pthread_cond_init(&n->cond, NULL);
    clock_cond_init(&n->done);
    if (pthread_create(&n->thread, NULL, notifier_main, n) != 0) {
        free(n);
        return NULL;
    }
    return n;
}

static void queue(struct notifier *n, uint64_t ino, bool entry, const char *name)
{
    if (!n)
        return;
    size_t len = name ? strlen(name) : 0;
    struct pending *p = xmalloc(sizeof *p + len + 1);
    p->next = NULL;
    p->ino = ino;
    p->entry = entry;
    memcpy(p->name, name ? name : "", len + 1);
    pthread_mutex_lock(&n->lock);
    if (n->stop) {
        pthread_mutex_unlock(&n->lock);
        free(p);
        return;
    }
    p->seq = ++n->queued;
    if (n->tail)
        n->tail->next = p;
    else
        n->head = p;
    n->tail = p;
    pthread_cond_signal(&n->cond);
    pthread_mutex_unlock(&n->lock);
}

void notifier_inval_inode(struct notifier *n, uint64_t ino)
{
    if (n && inodes_mark_queued(n->inodes, ino))
        queue(n, ino, false, NULL);
}

void notifier_inval_entry(struct notifier *n, uint64_t parent, const char *name)
{
    queue(n, parent, true, name);
}

struct walk {
    struct notifier *n;
    bool names;
};

static void invalidate_one(uint64_t ino, uint64_t parent, const char *name, void *arg)
{
    struct walk *w = arg;
    notifier_inval_inode(w->n, ino);
    if (w->names && parent && ino != 1)
        notifier_inval_entry(w->n, parent, name);
}

void notifier_changed(struct notifier *n, const char *prefix, bool names)
{
    if (!n)
        return;
    struct walk w = {.n = n, .names = names};
    inodes_walk(n->inodes, prefix, invalidate_one, &w);
}

uint64_t notifier_seq(struct notifier *n)
{
    if (!n)
        return 0;
    pthread_mutex_lock(&n->lock);
    uint64_t s = n->queued;
    pthread_mutex_unlock(&n->lock);
    return s;
}

bool notifier_wait(struct notifier *n, uint64_t seq, int timeout_ms)
{
    if (!n)
        return true;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&n->lock);
    while (n->sent < seq && !n->stop)
        if (pthread_cond_timedwait(&n->done, &n->lock, &until) == ETIMEDOUT)
            break;
    bool reached = n->sent >= seq || n->stop;
    pthread_mutex_unlock(&n->lock);
    return reached;
}

void notifier_stop(struct notifier *n)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->lock);
    n->stop = true;
    pthread_cond_broadcast(&n->cond);
    pthread_cond_broadcast(&n->done);
    pthread_mutex_unlock(&n->lock);
    pthread_join(n->thread, NULL);
    for (struct pending *p = n->head, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    pthread_mutex_destroy(&n->lock);
    pthread_cond_destroy(&n->cond);
    pthread_cond_destroy(&n->done);
    free(n);
}
