/* notify: kernel invalidations on a thread of their own. Calling
 * fuse_lowlevel_notify_inval_* from inside the request that touches the
 * same inode deadlocks (SEMANTICS.md §7): handlers only queue here, and a
 * WRITE may wait until what it queued has reached the kernel — but never
 * for the inode it writes, whose invalidation is deferred until the WRITE
 * is answered (the kernel holds its pages locked until then). An
 * invalidation drops attributes (and a link's target): the kernel drops
 * pages and listings itself when it sees the new size or mtime, which
 * node.c makes differ for every new version. */
#ifndef TC_NOTIFY_H
#define TC_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct fuse_session;
struct inodes;
struct notifier;

struct notifier *notifier_start(struct fuse_session *se, struct inodes *inodes);
/* Drop ino's attributes, pages and cached listing. */
void notifier_inval_inode(struct notifier *n, uint64_t ino);
/* Drop the entry name of directory parent (the name may be gone). */
void notifier_inval_entry(struct notifier *n, uint64_t parent, const char *name);
/* Every inode the kernel holds at or below prefix (and with names, its
 * entry too). */
void notifier_changed(struct notifier *n, const char *prefix, bool names);
/* The sequence number of the last notification queued, and a wait (at
 * most timeout_ms) until every notification up to seq was sent: false
 * when the time ran out first. */
uint64_t notifier_seq(struct notifier *n);
bool notifier_wait(struct notifier *n, uint64_t seq, int timeout_ms);
/* Send nothing more, join the thread. */
void notifier_stop(struct notifier *n);

#endif
