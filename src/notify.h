/* notify: kernel invalidations on a thread of their own. Calling
 * fuse_invalidate_path() from inside a FUSE handler for the same file
 * deadlocks (SEMANTICS.md §7), so handlers only queue paths here. */
#ifndef TC_NOTIFY_H
#define TC_NOTIFY_H

struct fuse;
struct notifier;

struct notifier *notifier_start(struct fuse *f);
/* Queue path (a copy is kept). Safe from any thread. */
void notifier_queue(void *notifier, const char *path);
/* Drain nothing more, join the thread. */
void notifier_stop(struct notifier *n);

#endif
