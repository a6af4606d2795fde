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

#include "fs.h"
#include "strbuf.h"

/* Immutable bytes shared by reference. */
struct snapshot {
    atomic_int refs;
    size_t len;
    char data[];
};

struct snapshot *snapshot_new(const char *data, size_t len);
void snapshot_put(struct snapshot *s);

struct inodes;

struct inodes *inodes_new(void);
void inodes_free(struct inodes *t);

/* The path of ino (appended to out); -ENOENT for an inode the kernel does
 * not hold. */
int inodes_path(struct inodes *t, uint64_t ino, struct strbuf *out);

/* The kernel now holds ino (one more lookup): create or find it, link it
 * under parent, and remember what it was told (snap: the bytes of a file
 * or link, or NULL). */
void inodes_ref(struct inodes *t, uint64_t ino, uint64_t parent, const char *path,
                struct snapshot *snap);
/* FORGET: the kernel dropped n lookups. */
void inodes_forget(struct inodes *t, uint64_t ino, uint64_t n);

/* What the kernel was last told ino holds (a reference), or NULL. */
struct snapshot *inodes_snapshot(struct inodes *t, uint64_t ino);
/* The kernel was told new attributes for ino, with these bytes. */
void inodes_set_snapshot(struct inodes *t, uint64_t ino, struct snapshot *snap);

/* The listing a READDIR of ino at a non-zero offset goes on with (a
 * reference: fs_dir_free it), and a new one (at offset 0; the table takes
 * the reference). */
struct fs_dir *inodes_listing(struct inodes *t, uint64_t ino);
void inodes_set_listing(struct inodes *t, uint64_t ino, struct fs_dir *d);

/* A WRITE to ino is in progress: its invalidation must wait until the
 * request is answered (the kernel holds its pages locked until then). */
void inodes_write_begin(struct inodes *t, uint64_t ino);
/* Returns true when an invalidation was deferred meanwhile. */
bool inodes_write_end(struct inodes *t, uint64_t ino);
/* Whether ino is being written; if so, note that an invalidation waits. */
bool inodes_defer_if_writing(struct inodes *t, uint64_t ino);

/* Whether ino must be queued for invalidation: false when it is queued
 * already and not yet sent (one notification covers both changes). */
bool inodes_mark_queued(struct inodes *t, uint64_t ino);
/* The notifier is about to send ino's invalidation. */
void inodes_clear_queued(struct inodes *t, uint64_t ino);

/* Call fn for prefix's inode and every inode below it that the kernel
 * holds (as they were when called), with its inode, its parent's and its
 * name. */
void inodes_walk(struct inodes *t, const char *prefix,
                 void (*fn)(uint64_t ino, uint64_t parent, const char *name, void *arg),
                 void *arg);

/* Inodes held now, and the most ever held (stats.json). */
size_t inodes_count(struct inodes *t);
size_t inodes_peak(struct inodes *t);

#endif
