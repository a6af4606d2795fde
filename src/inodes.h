/* inodes: the kernel's side of the tree — the inodes the kernel holds
 * (with their lookup counts, until FORGET), the path of each, and what the
 * kernel was last told about it: the exact bytes of a file or link (so a
 * READ serves what the size promised), and the listing a READDIR goes on
 * with. Inode numbers come from nodemeta (stable for the mount's life);
 * this table holds only what the kernel holds, so it shrinks on FORGET.
 * One mutex guards it. */
#ifndef TC_INODES_H
#define TC_INODES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fs.h"
#include "strbuf.h"

/* Immutable bytes shared by reference, with the mtime reported for them. */
struct snapshot {
    atomic_int refs;
    size_t len;
    int64_t mtime_ns;
    bool link;   /* a symbolic link's target: the kernel keeps it until told (notify.c) */
    mode_t mode; /* as reported with these bytes */
    bool live;   /* changes on its own (stats.json, the errors file): the kernel asks every time */
    char data[];
};

struct snapshot *snapshot_new(const char *data, size_t len, int64_t mtime_ns);
void snapshot_put(struct snapshot *s);

struct inodes;

struct inodes *inodes_new(void);
void inodes_free(struct inodes *t);

/* The path of ino (appended to out); -ENOENT for an inode the kernel does
 * not hold. */
int inodes_path(struct inodes *t, uint64_t ino, struct strbuf *out);

/* The kernel now holds ino (one more lookup): create or find it, link it
 * under parent, and offer it new bytes (snap: of a file or link, or NULL;
 * taken), rendered for a request that arrived at asked (clock_mono_ms).
 * Returns the bytes the kernel must be told of (a reference, or NULL): snap,
 * or the bytes a reader is still part way through (see inodes_offer). */
struct snapshot *inodes_ref(struct inodes *t, uint64_t ino, uint64_t parent, const char *path,
                            struct snapshot *snap, int64_t asked);
/* FORGET: the kernel dropped n lookups. */
void inodes_forget(struct inodes *t, uint64_t ino, uint64_t n);

/* A READ of size bytes at off: the bytes the kernel was last told ino
 * holds (a reference), or NULL. A READ that stops short of the end marks a
 * pass in progress. */
struct snapshot *inodes_read(struct inodes *t, uint64_t ino, off_t off, size_t size);
/* The bytes a reader has been part way through for less than two seconds
 * when a request arrived at asked (a reference), or NULL. The kernel's
 * request for attributes between two READs of a pass is answered with
 * them and renders nothing: newer bytes would be refused anyway, and a
 * render can take seconds (retries under faults) that the reader waits. */
struct snapshot *inodes_in_pass(struct inodes *t, uint64_t ino, int64_t asked);
/* New bytes for ino (snap, taken), rendered for a request that arrived at
 * asked (clock_mono_ms). One read pass never mixes two versions: while a
 * reader is part way through a file larger than one READ (it read within
 * the second before the request arrived, and not to the end), the bytes it
 * reads are kept and reported instead, for at most two seconds after newer
 * ones appear. Returns the bytes to report (a reference). */
struct snapshot *inodes_offer(struct inodes *t, uint64_t ino, struct snapshot *snap, int64_t asked);

/* The listing a READDIR of ino at a non-zero offset goes on with (a
 * reference: fs_dir_free it), and a new one (at offset 0; the table takes
 * the reference). */
struct fs_dir *inodes_listing(struct inodes *t, uint64_t ino);
void inodes_set_listing(struct inodes *t, uint64_t ino, struct fs_dir *d);

/* A WRITE to ino is in progress: its own invalidation is sent after the
 * reply, which the kernel applies to the file's attributes first. */
void inodes_write_begin(struct inodes *t, uint64_t ino);
/* Returns true when an invalidation was deferred meanwhile. */
bool inodes_write_end(struct inodes *t, uint64_t ino);
/* Whether ino must be queued for invalidation: false when it is queued
 * already and not yet sent (one notification covers both changes). */
bool inodes_mark_queued(struct inodes *t, uint64_t ino);

/* What the notifier is about to send for ino (which is no longer queued):
 * nothing yet when a WRITE to it is in flight (the WRITE queues it again
 * when answered), its attributes, or for a link its target too. */
enum inval { INVAL_DEFERRED, INVAL_ATTRS, INVAL_TARGET };
enum inval inodes_take_inval(struct inodes *t, uint64_t ino);

/* Call fn for prefix's inode and every inode below it that the kernel
 * holds (as they were when called), with its inode, its parent's and its
 * name. */
void inodes_walk(struct inodes *t, const char *prefix,
                 void (*fn)(uint64_t ino, uint64_t parent, const char *name, void *arg),
                 void *arg);

/* Inodes held now, and (if peak) the most ever held. */
size_t inodes_count(struct inodes *t, size_t *peak);

#endif
