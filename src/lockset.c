/* lockset: a small list of named mutexes with reference counts. The list
 * is short (one entry per write in progress), so a linear search under one
 * mutex costs nothing beside the API call the lock serializes. */
#include "lockset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

struct lock_ref {
    struct lock_ref *next;
    char *key;
    unsigned refs; /* holders and waiters, under ls->lock */
    pthread_mutex_t mutex;
};

struct lockset {
    pthread_mutex_t lock;
    struct lock_ref *head;
    unsigned count;
};

struct lockset *lockset_new(void)
{
    struct lockset *ls = xcalloc(1, sizeof *ls);
    pthread_mutex_init(&ls->lock, NULL);
    return ls;
}

void lockset_free(struct lockset *ls)
{
    if (!ls)
        return;
    pthread_mutex_destroy(&ls->lock);
    free(ls);
}

struct lock_ref *lockset_acquire(struct lockset *ls, const char *key)
{
    pthread_mutex_lock(&ls->lock);
    struct lock_ref *r = ls->head;
    while (r && strcmp(r->key, key) != 0)
        r = r->next;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->key = xstrdup(key);
        pthread_mutex_init(&r->mutex, NULL);
        r->next = ls->head;
        ls->head = r;
        ls->count++;
    }
    r->refs++;
    pthread_mutex_unlock(&ls->lock);
    pthread_mutex_lock(&r->mutex);
    return r;
}

void lockset_release(struct lockset *ls, struct lock_ref *r)
{
    pthread_mutex_unlock(&r->mutex);
    pthread_mutex_lock(&ls->lock);
    if (--r->refs == 0) {
        struct lock_ref **pp = &ls->head;
        while (*pp != r)
            pp = &(*pp)->next;
        *pp = r->next;
        ls->count--;
        pthread_mutex_destroy(&r->mutex);
        free(r->key);
        free(r);
    }
    pthread_mutex_unlock(&ls->lock);
}

unsigned lockset_count(struct lockset *ls)
{
    pthread_mutex_lock(&ls->lock);
    unsigned n = ls->count;
    pthread_mutex_unlock(&ls->lock);
    return n;
}
