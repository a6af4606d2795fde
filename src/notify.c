/* notify: a queue of paths drained by one thread into fuse_invalidate_path. */
#include "notify.h"

#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "strbuf.h"

struct pending {
    struct pending *next;
    char path[];
};

struct notifier {
    struct fuse *fuse;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct pending *head, *tail;
    bool stop;
};

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
        /* -ENOENT just means the kernel holds nothing for this path. */
        if (fuse_invalidate_path(n->fuse, p->path) == 0)
            atomic_fetch_add(&g_stats.notifications, 1);
        free(p);
        pthread_mutex_lock(&n->lock);
    }
    pthread_mutex_unlock(&n->lock);
    return NULL;
}

struct notifier *notifier_start(struct fuse *f)
{
    struct notifier *n = xcalloc(1, sizeof *n);
    n->fuse = f;
    pthread_mutex_init(&n->lock, NULL);
    pthread_cond_init(&n->cond, NULL);
    if (pthread_create(&n->thread, NULL, notifier_main, n) != 0) {
        free(n);
        return NULL;
    }
    return n;
}

void notifier_queue(void *arg, const char *path)
{
    struct notifier *n = arg;
    if (!n)
        return;
    size_t len = strlen(path);
    struct pending *p = xmalloc(sizeof *p + len + 1);
    memcpy(p->path, path, len + 1);
    p->next = NULL;
    pthread_mutex_lock(&n->lock);
    if (n->stop) {
        pthread_mutex_unlock(&n->lock);
        free(p);
        return;
    }
    if (n->tail)
        n->tail->next = p;
    else
        n->head = p;
    n->tail = p;
    pthread_cond_signal(&n->cond);
    pthread_mutex_unlock(&n->lock);
}

void notifier_stop(struct notifier *n)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->lock);
    n->stop = true;
    pthread_cond_signal(&n->cond);
    pthread_mutex_unlock(&n->lock);
    pthread_join(n->thread, NULL);
    for (struct pending *p = n->head, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    pthread_mutex_destroy(&n->lock);
    pthread_cond_destroy(&n->cond);
    free(n);
}
