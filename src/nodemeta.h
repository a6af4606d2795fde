/* nodemeta: what the mount remembers of each path for as long as it runs:
 * a stable inode number, and the hash of the bytes last served with when
 * this mount first served them (so st_mtime moves exactly when content
 * changes: SEMANTICS.md §4). Records are never freed: their number is
 * bounded by the tree. */
#ifndef TC_NODEMETA_H
#define TC_NODEMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct nodemeta;

struct nodemeta *nodemeta_new(void);
void nodemeta_free(struct nodemeta *nm);

uint64_t content_hash(const void *data, size_t len);

/* Record that path now has content of this hash. Returns the time these
 * bytes were first served, in nanoseconds (now if they changed; `initial`
 * the very first time, e.g. the mount time for directories, or now for
 * files when 0). A new version's time differs from the previous one's,
 * and so do its nanoseconds. */
int64_t nodemeta_served_ns(struct nodemeta *nm, const char *path, uint64_t hash, int64_t initial);
/* The same in seconds. */
time_t nodemeta_served(struct nodemeta *nm, const char *path, uint64_t hash, time_t initial);
/* A write went to path: whatever it serves next counts as new bytes (its
 * mtime moves, as a write's does on any filesystem). */
void nodemeta_touch(struct nodemeta *nm, const char *path);
/* The inode number of path: assigned the first time, the same for the
 * life of the mount (1 for "/"). */
uint64_t nodemeta_ino(struct nodemeta *nm, const char *path);
/* Call fn for every known path under prefix ("" for all). fn must not call
 * back into nodemeta. */
void nodemeta_foreach(struct nodemeta *nm, const char *prefix,
                      void (*fn)(const char *path, void *arg), void *arg);

#endif
