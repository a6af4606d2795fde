/* test_kattr: what the kernel is told — validity within the user's bounds
 * (never 0 for data that merely runs out, 0 for what changes on its own),
 * the stat of an inode, and the older bytes a reader is part way through
 * reported in place of newer ones, briefly. */
#include <string.h>

#include "check.h"
#include "kattr.h"

static void test_seconds(void)
{
    CHECK(kattr_seconds(FS_VALID_FOREVER, 86400) == 86400);
    CHECK(kattr_seconds(0, 86400) == 0);
    CHECK(kattr_seconds(2500, 86400) == 2.5);
    CHECK(kattr_seconds(2500, 1) == 1);           /* -o attr_timeout=1 bounds it */
    CHECK(kattr_seconds(-40, 86400) == KATTR_MIN_VALID); /* expired, served stale */
    CHECK(kattr_seconds(0, 0) == 0);
}

static void test_stat_and_entry(void)
{
    struct kattr_config cfg = {.attr_timeout = 60, .entry_timeout = 30, .uid = 1000, .gid = 100};
    struct fs_attr a = {.mode = S_IFREG | 0644, .nlink = 1, .size = 1000, .mtime = 1700000000,
                        .mtime_nsec = 5, .valid_ms = 10000};
    struct fuse_entry_param e;
    kattr_entry(&cfg, 42, &a, &e);
    CHECK_INT(e.ino, 42);
    CHECK_INT(e.attr.st_ino, 42);
    CHECK_INT(e.attr.st_size, 1000);
    CHECK_INT(e.attr.st_blocks, 2);
    CHECK_INT(e.attr.st_uid, 1000);
    CHECK_INT(e.attr.st_gid, 100);
    CHECK_INT(e.attr.st_mtim.tv_nsec, 5);
    CHECK_INT(e.attr.st_atim.tv_sec, 1700000000);
    CHECK(e.attr_timeout == 10);
    CHECK(e.entry_timeout == 10);
    a.valid_ms = 0; /* stats.json: attributes every time, the name for good (bounded) */
    kattr_entry(&cfg, 42, &a, &e);
    CHECK(e.attr_timeout == 0);
    CHECK(e.entry_timeout == 30);
}

static void test_report(void)
{
    struct fs_attr a = {.mode = S_IFREG | 0444, .size = 3, .mtime = 2, .mtime_nsec = 7,
                        .valid_ms = 5000};
    struct strbuf content = STRBUF_INIT;
    sb_puts(&content, "new");
    struct snapshot *s = kattr_snapshot(&a, &content);
    CHECK_INT(s->len, 3);
    CHECK_INT(s->mtime_ns, 2000000007);
    kattr_report(&a, s); /* its own bytes: nothing changes */
    CHECK_INT(a.size, 3);
    CHECK_INT(a.valid_ms, 5000);
    kattr_report(&a, snapshot_new("older!", 6, 1000000009)); /* a reader is part way through */
    CHECK_INT(a.size, 6);
    CHECK_INT(a.mtime, 1);
    CHECK_INT(a.mtime_nsec, 9);
    CHECK_INT(a.valid_ms, KATTR_PINNED_VALID_MS);
    kattr_report(&a, NULL);
    CHECK_INT(a.size, 6);
    struct fs_attr dir = {.mode = S_IFDIR | 0755};
    CHECK(kattr_snapshot(&dir, &content) == NULL);
    sb_free(&content);
}

int main(void)
{
    test_seconds();
    test_stat_and_entry();
    test_report();
    return check_report("test_kattr");
}
