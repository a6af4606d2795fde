/* test_inodes: the kernel's side of the tree — lookup counts and FORGET
 * (the table holds what the kernel holds, no more), walks below a path, the
 * queued and writing marks the notifier uses, and the bytes the kernel is
 * told: a new version replaces the old one, except while a reader is part
 * way through a file larger than one READ (for at most two seconds). */
#include <string.h>

#include "check.h"
#include "clock.h"
#include "inodes.h"
#include "names.h"

static struct snapshot *snap(const char *s, int64_t mtime_ns)
{
    return snapshot_new(s, strlen(s), mtime_ns);
}

/* Offer ino new bytes for a request that arrived at asked: the mtime of
 * the bytes the kernel is to be told of. */
static int64_t offered(struct inodes *t, uint64_t ino, struct snapshot *s, int64_t asked)
{
    struct snapshot *r = inodes_offer(t, ino, s, asked);
    int64_t mtime = r->mtime_ns;
    snapshot_put(r);
    return mtime;
}

/* The mtime of the bytes a request arriving now is answered with without
 * a render, or -1. */
static int64_t in_pass(struct inodes *t, uint64_t ino)
{
    struct snapshot *r = inodes_in_pass(t, ino, clock_mono_ms());
    int64_t mtime = r ? r->mtime_ns : -1;
    snapshot_put(r);
    return mtime;
}

struct seen {
    struct names names;
};

static void record(uint64_t ino, uint64_t parent, const char *name, void *arg)
{
    (void)ino;
    (void)parent;
    names_add(&((struct seen *)arg)->names, name);
}

static void test_counts(void)
{
    struct inodes *t = inodes_new();
    CHECK_INT(inodes_count(t, NULL), 1); /* the root */
    snapshot_put(inodes_ref(t, 2, 1, "/tenants", NULL, clock_mono_ms()));
    snapshot_put(inodes_ref(t, 3, 2, "/tenants/a", NULL, clock_mono_ms()));
    snapshot_put(inodes_ref(t, 4, 3, "/tenants/a/name", snap("Acme\n", 1), clock_mono_ms()));
    snapshot_put(inodes_ref(t, 4, 3, "/tenants/a/name", snap("Acme\n", 1), clock_mono_ms()));
    CHECK_INT(inodes_count(t, NULL), 4);
    struct strbuf p = STRBUF_INIT;
    CHECK_INT(inodes_path(t, 4, &p), 0);
    CHECK_STR(p.data, "/tenants/a/name");
    sb_free(&p);
    CHECK(inodes_path(t, 99, &p) < 0);

    /* A parent the kernel forgot stays while a child is held. */
    inodes_forget(t, 3, 1);
    CHECK_INT(inodes_count(t, NULL), 4);
    struct seen s = {0};
    inodes_walk(t, "/tenants", record, &s);
    CHECK_INT(s.names.n, 3);
    CHECK(names_has(&s.names, "tenants") && names_has(&s.names, "a") && names_has(&s.names, "name"));
    names_free(&s.names);
    inodes_walk(t, "/nothing", record, &s);
    CHECK_INT(s.names.n, 0);
    /* Two lookups, two forgets: then the child, and its parents with it. */
    inodes_forget(t, 4, 1);
    CHECK_INT(inodes_count(t, NULL), 4);
    inodes_forget(t, 4, 1);
    CHECK_INT(inodes_count(t, NULL), 2); /* the root and /tenants */
    inodes_forget(t, 2, 5);        /* more than held: zero, not negative */
    CHECK_INT(inodes_count(t, NULL), 1);
    size_t peak;
    inodes_count(t, &peak);
    CHECK_INT(peak, 4);
    inodes_forget(t, 1, 1); /* the root is never forgotten */
    CHECK_INT(inodes_count(t, NULL), 1);

    /* The notifier's marks: one queued invalidation covers two changes;
     * an inode being written defers its own. */
    snapshot_put(inodes_ref(t, 5, 1, "/health", snap("x\n", 1), clock_mono_ms()));
    CHECK(inodes_mark_queued(t, 5));
    CHECK(!inodes_mark_queued(t, 5));
    CHECK_INT(inodes_take_inval(t, 5), INVAL_ATTRS); /* a file: attributes only */
    CHECK(inodes_mark_queued(t, 5));
    inodes_write_begin(t, 5);
    CHECK_INT(inodes_take_inval(t, 5), INVAL_DEFERRED);
    CHECK(inodes_write_end(t, 5)); /* deferred meanwhile: queue it again */
    inodes_write_begin(t, 5);
    CHECK(!inodes_write_end(t, 5));
    /* A link: its cached target goes too. */
    struct snapshot *l = snap("../tenants/a", 1);
    l->link = true;
    snapshot_put(inodes_ref(t, 6, 1, "/by-name", NULL, clock_mono_ms()));
    snapshot_put(inodes_ref(t, 7, 6, "/by-name/Acme", l, clock_mono_ms()));
    CHECK_INT(inodes_take_inval(t, 7), INVAL_TARGET);
    CHECK_INT(inodes_take_inval(t, 99), INVAL_ATTRS); /* forgotten meanwhile: the kernel says ENOENT */
    inodes_free(t);
}

static void test_versions(void)
{
    clock_set_fake(1000000, 1700000000);
    struct inodes *t = inodes_new();
    struct snapshot *r = inodes_ref(t, 7, 1, "/big", snap("0123456789", 10), clock_mono_ms());
    CHECK_INT(r->len, 10);
    snapshot_put(r);
    /* A new version replaces the old one when nobody is reading. */
    CHECK_INT(offered(t, 7, snap("ABCDEFGHIJ", 20), clock_mono_ms()), 20);
    /* A reader that read the whole file in one READ is done. */
    snapshot_put(inodes_read(t, 7, 0, 4096));
    CHECK_INT(offered(t, 7, snap("abcdefghij", 30), clock_mono_ms()), 30);
    /* A reader part way through: it keeps its version... */
    r = inodes_read(t, 7, 0, 4);
    CHECK_STR(r->data, "abcdefghij");
    snapshot_put(r);
    CHECK_INT(offered(t, 7, snap("klmnopqrst", 40), clock_mono_ms()), 30);
    clock_advance_fake(500);
    r = inodes_read(t, 7, 4, 4);
    CHECK_STR(r->data, "abcdefghij");
    snapshot_put(r);
    /* ...until a second after it read the end (the kernel read ahead: the
     * reader still takes its pages)... */
    snapshot_put(inodes_read(t, 7, 8, 4096));
    CHECK_INT(offered(t, 7, snap("klmnopqrst", 40), clock_mono_ms()), 30);
    clock_advance_fake(1001);
    CHECK_INT(offered(t, 7, snap("klmnopqrst", 40), clock_mono_ms()), 40);
    /* ...or stops reading for a second... */
    snapshot_put(inodes_read(t, 7, 0, 4));
    clock_advance_fake(1001);
    CHECK_INT(offered(t, 7, snap("uvwxyz0123", 50), clock_mono_ms()), 50);
    /* ...and never for more than two seconds of newer bytes waiting. */
    for (int i = 0; i < 4; i++) {
        snapshot_put(inodes_read(t, 7, 0, 4));
        CHECK_INT(offered(t, 7, snap("4567890123", 60), clock_mono_ms()), 50);
        clock_advance_fake(600);
    }
    snapshot_put(inodes_read(t, 7, 0, 4));
    CHECK_INT(offered(t, 7, snap("4567890123", 60), clock_mono_ms()), 60);
    /* The same bytes offered again: nothing changes. */
    CHECK_INT(offered(t, 7, snap("4567890123", 60), clock_mono_ms()), 60);
    /* A reader part way through when a request arrived keeps its version
     * even if rendering the newer bytes took longer than a second. */
    snapshot_put(inodes_read(t, 7, 0, 4));
    clock_advance_fake(500);
    int64_t asked = clock_mono_ms();
    clock_advance_fake(1500); /* retries under faults */
    CHECK_INT(offered(t, 7, snap("abcdefghij", 70), asked), 60);
    /* A request that arrived after the reader stopped takes the new bytes. */
    CHECK_INT(offered(t, 7, snap("abcdefghij", 70), clock_mono_ms()), 70);
    /* Part way through, a request is answered with the bytes being read
     * (no render) for two seconds of the pass, not after it ends. */
    CHECK_INT(in_pass(t, 7), -1);
    snapshot_put(inodes_read(t, 7, 0, 4));
    CHECK_INT(in_pass(t, 7), 70);
    for (int i = 0; i < 3; i++) {
        clock_advance_fake(600);
        snapshot_put(inodes_read(t, 7, 4, 4));
    }
    CHECK_INT(in_pass(t, 7), 70);
    clock_advance_fake(300); /* 2.1 s into the pass: render again */
    CHECK_INT(in_pass(t, 7), -1);
    snapshot_put(inodes_read(t, 7, 8, 4096)); /* the end */
    CHECK_INT(in_pass(t, 7), -1);
    inodes_free(t);
    /* A file that changes on its own (the errors file): the READ that
     * reaches the end ends the pass, so the next read after a write sees
     * the write's line. */
    t = inodes_new();
    struct snapshot *live = snap("line 1\n", 80);
    live->live = true;
    snapshot_put(inodes_ref(t, 8, 1, "/errors", live, clock_mono_ms()));
    snapshot_put(inodes_read(t, 8, 0, 4));
    snapshot_put(inodes_read(t, 8, 4, 4096));
    CHECK_INT(in_pass(t, 8), -1);
    CHECK_INT(offered(t, 8, snap("line 1\nline 2\n", 90), clock_mono_ms()), 90);
    inodes_free(t);
    clock_use_real();
}

int main(void)
{
    test_counts();
    test_versions();
    return check_report("test_inodes");
}
