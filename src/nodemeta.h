/* nodemeta: what the kernel has been told about each path. For mtimes:
 * the hash of the bytes last served and when this mount first served them
 * (so st_mtime moves exactly when content changes). For the page cache: the
 * size last reported and the content of the last open, so an open can tell
 * whether the kernel's cached size and pages are still right. */
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
 * bytes were first served (now if they changed; `initial` the very first
 * time, e.g. the mount time for directories, or now for files when 0). */
time_t nodemeta_served(struct nodemeta *nm, const char *path, uint64_t hash, time_t initial);
/* Remember the size reported to the kernel for path. */
void nodemeta_reported(struct nodemeta *nm, const char *path, off_t size);
/* At open: given the snapshot's hash and size, whether the kernel's size
 * for path is the snapshot's (size_ok) and whether its pages are still the
 * snapshot's bytes (pages_ok). Records the open. */
void nodemeta_opened(struct nodemeta *nm, const char *path, uint64_t hash, off_t size,
                     bool *size_ok, bool *pages_ok);
/* Forget what the kernel holds for path (after a write or invalidation). */
void nodemeta_forget_kernel(struct nodemeta *nm, const char *path);
/* Call fn for every known path under prefix ("" for all). fn must not call
 * back into nodemeta. */
void nodemeta_foreach(struct nodemeta *nm, const char *prefix,
                      void (*fn)(const char *path, void *arg), void *arg);

#endif
