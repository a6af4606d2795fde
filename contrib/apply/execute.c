/* execute: phases of independent writes on the pool. A write is one open
 * and one write(2) of the whole value (or one mkdir), so its errno is the
 * mount's answer for that one API call; the API's own words are then taken
 * from the mount's errors file. */
#include "execute.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "interrupt.h"
#include "mem.h"

struct batch {
    const struct mnt *m;
    struct item **v;
    int *fd; /* per item: opened before the writes, or -1 */
    size_t n;
    atomic_size_t written, attempts;
};

static void batch_init(struct batch *b, const struct mnt *m, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->m = m;
    b->v = zalloc((cap + 1) * sizeof *b->v);
    b->fd = zalloc((cap + 1) * sizeof *b->fd);
    for (size_t i = 0; i <= cap; i++)
        b->fd[i] = -1;
}

static void batch_free(struct batch *b)
{
    free(b->v);
    free(b->fd);
}

static void write_one(void *ctx, size_t i)
{
    struct batch *b = ctx;
    struct item *it = b->v[i];
    int rc;
    atomic_fetch_add(&b->attempts, 1);
    if (it->kind == K_ADD_DOMAIN) {
        rc = mnt_mkdir(b->m, it->path);
        if (rc == -EEXIST) /* added meanwhile: what was wanted */
            rc = 0;
    } else {
        char *value = fmtstr("%s\n", it->desired);
        rc = b->fd[i] >= 0 ? mnt_write_fd(b->fd[i], value, strlen(value))
                           : mnt_write(b->m, it->path, value, strlen(value));
        b->fd[i] = -1;
        free(value);
    }
    if (rc == 0) {
        atomic_fetch_add(&b->written, 1);
        it->written = true;
        it->state = ST_DONE;
        return;
    }
    it->state = ST_FAILED;
    it->err = -rc;
    free(it->detail);
    it->detail = mnt_failure_detail(b->m, it->kind == K_ADD_DOMAIN ? "mkdir" : "write", it->path);
}

/* What the mount shows for it now (NULL when absent); 0 or -errno. */
static int read_live(const struct mnt *m, const struct item *it, char **live)
{
    *live = NULL;
    if (it->kind == K_ADD_DOMAIN) {
        int rc = mnt_isdir(m, it->path);
        if (rc == 0)
            *live = dupstr("present");
        return rc == -ENOENT ? 0 : rc;
    }
    size_t len;
    int rc = mnt_read(m, it->path, live, &len);
    if (rc == 0 && len > 0 && (*live)[len - 1] == '\n')
        (*live)[len - 1] = '\0';
    return rc;
}

static bool in_kinds(enum kind k, const enum kind *kinds, int nk)
{
    for (int i = 0; i < nk; i++)
        if (kinds[i] == k)
            return true;
    return false;
}

/* How many files a phase may hold open at once: the soft limit (raised to
 * the hard one), less room for the pool and the mount's own reads. */
static size_t fd_budget(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 256;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t n = rl.rlim_cur == RLIM_INFINITY ? 65536 : rl.rlim_cur;
    n = n > 65536 ? 65536 : n;
    return n > 512 ? (size_t)(n - 256) : 256;
}

/* Open the file of item i for writing; a failure is the item's. */
static void open_one(void *ctx, size_t i)
{
    struct batch *b = ctx;
    struct item *it = b->v[i];
    if (it->kind == K_ADD_DOMAIN)
        return;
    int fd = mnt_open_write(b->m, it->path);
    if (fd >= 0) {
        b->fd[i] = fd;
        return;
    }
    atomic_fetch_add(&b->attempts, 1);
    it->state = ST_FAILED;
    it->err = -fd;
}

static void write_open(void *ctx, size_t i)
{
    struct batch *b = ctx;
    if (b->v[i]->state == ST_CHANGE)
        write_one(ctx, i);
}

/* Every file of a chunk is opened before the first write: each write makes
 * the mount forget its tenant's list, and a file opened later would wait
 * for that list to be fetched again (one more API call per write). */
static void open_then_write(struct batch *b, unsigned jobs, struct progress *p, const char *what,
                            size_t fd_budget)
{
    struct item **all = b->v;
    int *fds = b->fd;
    size_t n = b->n;
    for (size_t at = 0; at < n && !interrupted(); at += fd_budget) {
        b->v = all + at;
        b->fd = fds + at;
        b->n = n - at < fd_budget ? n - at : fd_budget;
        pool_run(jobs, b->n, open_one, b, p, "opening");
        pool_run(jobs, b->n, write_open, b, p, what);
        for (size_t i = 0; i < b->n; i++) /* not written: interrupted */
            if (b->fd[i] >= 0)
                close(b->fd[i]);
    }
    b->v = all;
    b->fd = fds;
    b->n = n;
}

/* Items come sorted by tenant; they are written and read round-robin
 * across tenants so that the requests in flight together belong to
 * different tenants. A write makes the mount tell the kernel that its
 * whole tenant changed, and the mount holds each write's reply until what
 * it queued for the kernel is out, but not an invalidation of a file that
 * is being written: two writes in flight in one tenant wait on each other
 * (main's mount bounds that at 1 s). A read after the writes needs its
 * tenant's list fetched again: jobs reading one tenant would all wait for
 * one list (the read-back of 240 tenants took 3.8 s that way, 8 lists at
 * a time take a tenth of it). */
static void interleave_tenants(struct item **v, size_t n)
{
    if (n < 2)
        return;
    size_t *start = zalloc((n + 1) * sizeof *start), ngroups = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || v[i]->tenant != v[i - 1]->tenant)
            start[ngroups++] = i;
    start[ngroups] = n;
    struct item **out = zalloc(n * sizeof *out);
    size_t k = 0;
    for (size_t round = 0; k < n; round++)
        for (size_t g = 0; g < ngroups; g++)
            if (start[g] + round < start[g + 1])
                out[k++] = v[start[g] + round];
    memcpy(v, out, n * sizeof *v);
    free(out);
    free(start);
}

/* fn for every item of b, round-robin across tenants. */
static void run_across_tenants(struct batch *b, unsigned jobs, pool_fn fn, struct progress *p,
                               const char *what)
{
    interleave_tenants(b->v, b->n);
    pool_run(jobs, b->n, fn, b, p, what);
}

static void run_phase(struct plan *pl, const struct mnt *m, unsigned jobs, struct progress *p,
                      const enum kind *kinds, int nk, const char *what, struct outcome *out)
{
    struct batch b;
    batch_init(&b, m, pl->n);
    for (size_t i = 0; i < pl->n; i++) {
        struct item *it = pl->items[i];
        if (it->state != ST_CHANGE || !in_kinds(it->kind, kinds, nk))
            continue;
        if (it->prereq && it->prereq->state != ST_DONE) {
            it->state = ST_SKIPPED;
            free(it->reason);
            it->reason = fmtstr("%s %s was not done (%s)", kind_label(it->prereq->kind),
                                it->prereq->path, state_name(it->prereq->state));
            continue;
        }
        b.v[b.n++] = it;
    }
    interleave_tenants(b.v, b.n);
    open_then_write(&b, jobs, p, what, fd_budget());
    out->written += atomic_load(&b.written);
    out->attempts += atomic_load(&b.attempts);
    batch_free(&b);
}

/* ---- after enforcement: the mailbox limits it may have rewritten ------- */

static void reread_one(void *ctx, size_t i)
{
    struct batch *b = ctx;
    struct item *it = b->v[i];
    char *live;
    if (read_live(b->m, it, &live) != 0)
        return; /* keep the plan's view; the read-back will tell */
    const char *why;
    enum state now = item_compare(it, live, &why);
    enum state was = it->state;
    free(it->live);
    it->live = live;
    if (now == ST_UNCHANGED && was == ST_CHANGE) {
        it->state = ST_SETTLED;
    } else if (now != ST_UNCHANGED && was == ST_UNCHANGED) {
        it->state = now;
        it->after_enforcement = true;
        free(it->reason);
        it->reason = dupstr(why);
    }
}

static void reread_after_enforcement(struct plan *pl, const struct mnt *m, unsigned jobs,
                                     struct progress *p)
{
    for (size_t i = 0; i < pl->n; i++) {
        struct item *e = pl->items[i];
        if (e->written && (e->kind == K_TENANT_LIMIT || e->kind == K_DOMAIN_LIMIT))
            e->tenant->enforced = true;
    }
    struct batch b;
    batch_init(&b, m, pl->n);
    for (size_t i = 0; i < pl->n; i++) {
        struct item *it = pl->items[i];
        if (it->kind == K_DAILY_LIMIT && it->tenant->enforced &&
            (it->state == ST_CHANGE || it->state == ST_UNCHANGED))
            b.v[b.n++] = it;
    }
    run_across_tenants(&b, jobs, reread_one, p, "re-reading limits after enforcement");
    batch_free(&b);
}

/* ---- the read-back --------------------------------------------------- */

static void check_one(void *ctx, size_t i)
{
    struct batch *b = ctx;
    struct item *it = b->v[i];
    char *live;
    int rc = read_live(b->m, it, &live);
    if (rc != 0) {
        it->state = ST_FAILED;
        it->err = -rc;
        free(it->reason);
        it->reason = dupstr("written, but reading it back failed");
        return;
    }
    const char *why;
    if (item_compare(it, live, &why) == ST_UNCHANGED) {
        free(live);
        it->state = ST_DONE;
        return;
    }
    /* The API shows something else than what was written. */
    free(it->live);
    it->live = live;
    it->state = ST_DRIFTED;
}

/* Read back every item in state ST_DONE that was written. */
static void read_back(struct plan *pl, const struct mnt *m, unsigned jobs, struct progress *p,
                      bool only_rewritten, const char *what)
{
    struct batch b;
    batch_init(&b, m, pl->n);
    for (size_t i = 0; i < pl->n; i++) {
        struct item *it = pl->items[i];
        if (it->written && it->state == ST_DONE && (!only_rewritten || it->rewritten))
            b.v[b.n++] = it;
    }
    run_across_tenants(&b, jobs, check_one, p, what);
    batch_free(&b);
}

/* Values the API changed behind the write are written once more. */
static void write_again(struct plan *pl, const struct mnt *m, unsigned jobs, struct progress *p,
                        struct outcome *out)
{
    struct batch b;
    batch_init(&b, m, pl->n);
    for (size_t i = 0; i < pl->n; i++) {
        struct item *it = pl->items[i];
        if (it->state == ST_DRIFTED) {
            it->rewritten = true;
            b.v[b.n++] = it;
        }
    }
    run_across_tenants(&b, jobs, write_one, p, "writing again what the API changed");
    out->written += atomic_load(&b.written);
    out->attempts += atomic_load(&b.attempts);
    size_t n = b.n;
    batch_free(&b);
    if (n)
        read_back(pl, m, jobs, p, true, "reading back again");
}

/* A failure whose line was not in the errors file right after the write
 * (a mount may log it a moment later, or serve a cached copy of the file)
 * is looked up once more at the end. */
static void fill_details(struct plan *pl, const struct mnt *m)
{
    for (size_t i = 0; i < pl->n; i++) {
        struct item *it = pl->items[i];
        if (it->state == ST_FAILED && !it->detail && !it->written)
            it->detail =
                mnt_failure_detail(m, it->kind == K_ADD_DOMAIN ? "mkdir" : "write", it->path);
    }
}

void execute(struct plan *pl, const struct mnt *m, unsigned jobs, struct progress *p,
             struct outcome *out)
{
    static const struct {
        enum kind kinds[2];
        int nk;
        const char *what;
    } phases[] = {
        {{K_ADD_DOMAIN}, 1, "adding domains"},
        {{K_VERIFY}, 1, "verifying domains"},
        {{K_DKIM}, 1, "enabling DKIM"},
        {{K_TENANT_LIMIT}, 1, "tenant enforcement"},
        {{K_DOMAIN_LIMIT}, 1, "domain enforcement"},
        {{K_DISPLAY_NAME, K_DAILY_LIMIT}, 2, "mailbox names and limits"},
    };
    double t0 = now_s();
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof phases / sizeof *phases && !interrupted(); i++) {
        if (phases[i].kinds[0] == K_DISPLAY_NAME)
            reread_after_enforcement(pl, m, jobs, p);
        run_phase(pl, m, jobs, p, phases[i].kinds, phases[i].nk, phases[i].what, out);
    }
    if (!interrupted()) {
        read_back(pl, m, jobs, p, false, "reading back");
        write_again(pl, m, jobs, p, out);
    }
    /* Interrupted: what was not written stays as it was. */
    for (size_t i = 0; i < pl->n; i++) {
        struct item *it = pl->items[i];
        if (it->state == ST_CHANGE || (it->state == ST_DRIFTED && interrupted())) {
            it->state = ST_SKIPPED;
            free(it->reason);
            it->reason = dupstr("interrupted before it was written");
        }
    }
    fill_details(pl, m);
    out->seconds = now_s() - t0;
}
