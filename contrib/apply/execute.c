/* execute: phases of independent writes on the pool. A write is one open
 * and one write(2) of the whole value (or one mkdir), so its errno is the
 * mount's answer for that one API call; the API's own words are then taken
 * from the mount's errors file. */
#include "execute.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "mem.h"

struct batch {
    const struct mnt *m;
    struct item **v;
    size_t n;
    atomic_size_t written, attempts;
};

static void batch_init(struct batch *b, const struct mnt *m, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->m = m;
    b->v = zalloc((cap + 1) * sizeof *b->v);
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
        rc = mnt_write(b->m, it->path, value, strlen(value));
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
    pool_run(jobs, b.n, write_one, &b, p, what);
    out->written += atomic_load(&b.written);
    out->attempts += atomic_load(&b.attempts);
    free(b.v);
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
    pool_run(jobs, b.n, reread_one, &b, p, "re-reading limits after enforcement");
    free(b.v);
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
    pool_run(jobs, b.n, check_one, &b, p, what);
    free(b.v);
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
    pool_run(jobs, b.n, write_one, &b, p, "writing again what the API changed");
    out->written += atomic_load(&b.written);
    out->attempts += atomic_load(&b.attempts);
    size_t n = b.n;
    free(b.v);
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
