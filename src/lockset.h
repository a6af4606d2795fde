/* lockset: the write locks, one per resource key ("mailbox <t> <m>"),
 * created when first taken and freed when nobody holds or waits for them:
 * writes to one resource are serialized (so two answers cannot overwrite
 * each other in the cache) and writes to different resources never wait
 * on each other. */
#ifndef TC_LOCKSET_H
#define TC_LOCKSET_H

struct lockset;
struct lock_ref;

struct lockset *lockset_new(void);
/* All locks must have been released. */
void lockset_free(struct lockset *ls);
/* Block until the lock of key is ours. */
struct lock_ref *lockset_acquire(struct lockset *ls, const char *key);
void lockset_release(struct lockset *ls, struct lock_ref *ref);
/* Locks that exist now (held or waited for); for tests. */
unsigned lockset_count(struct lockset *ls);

#endif
