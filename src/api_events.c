/* api_events: the enforcement log as one cached resource. GET
 * /v1/enforcement/events is paged (at most 200 events a page, newest first)
 * and new events arrive at the front while a client pages, shifting every
 * offset. The log shown is the newest `events_max` events as the first
 * page saw them: the first page gives the total; the other pages are asked
 * for in parallel; each page's own total says how far the list had shifted
 * when it was answered, which places its events in the first page's
 * positions. Events seen twice are kept once (by id), events newer than the
 * first page are left for the next read, and positions no page covered
 * (pages answered out of order under a moving list) are asked for again,
 * for a few rounds. A malformed or short page, or a list that never holds
 * still enough, fails the whole read (EIO): a log that is silently short
 * is worse than an error.
 *
 * Every callback runs on the transport thread, one at a time, so a job
 * needs no lock: its fields are set before its first request is queued. */
#include "api_events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"

#define PAGE_LIMIT 200 /* the API's maximum (api-docs/enforcement.txt) */
#define MAX_ROUNDS 5   /* the first page, the rest, and at most three to fill gaps */

struct events_job;

struct page {
    struct events_job *job;
    size_t offset;
    long long shift; /* how many events arrived before it, since the first page */
    cJSON *answer;   /* NULL until it arrives */
};

struct events_job {
    struct transport *t;
    struct cache_fetch *fetch;
    struct res_id id;
    char *tenant;
    int64_t budget_ms, attempt_ms;
    size_t max;       /* events_max */
    size_t page_size; /* the limit the server applies */
    long long total0; /* the first page's total: the list the log shows */
    long long shift;  /* the largest shift seen */
    int pending, rounds;
    bool failed;
    struct api_error err;
    struct resource *not_found; /* the first page was a 404 */
    struct page **pages;        /* the first page first */
    size_t npages, cappages;
};

/* An event placed in the first page's positions. */
struct placed {
    long long pos;
    const cJSON *ev;
};

static void job_free(struct events_job *j)
{
    for (size_t i = 0; i < j->npages; i++) {
        cJSON_Delete(j->pages[i]->answer);
        free(j->pages[i]);
    }
    free(j->pages);
    free(j->tenant);
    free(j);
}

static void job_fail(struct events_job *j, int err, int status, const char *why)
{
    j->failed = true;
    api_error_set(&j->err, err, status, NULL, why);
}

static void page_done(struct http_request *req, const struct http_result *res, void *arg);

static void request_page(struct events_job *j, size_t offset)
{
    if (j->npages == j->cappages) {
        j->cappages = j->cappages ? j->cappages * 2 : 8;
        j->pages = xrealloc(j->pages, j->cappages * sizeof *j->pages);
    }
    struct page *pg = xcalloc(1, sizeof *pg);
    pg->job = j;
    pg->offset = offset;
    j->pages[j->npages++] = pg;
    struct strbuf path = STRBUF_INIT;
    res_id_path(&j->id, &path);
    sb_printf(&path, "%climit=%d&offset=%zu", strchr(path.data, '?') ? '&' : '?', PAGE_LIMIT,
              offset);
    j->pending++;
    struct http_request *r =
        transport_submit(j->t, HTTP_GET, path.data, NULL, EP_EVENTS_LIST, REQ_FOREGROUND,
                         j->budget_ms, j->attempt_ms, page_done, pg);
    transport_request_put(r); /* page_done is all we need of it */
    sb_free(&path);
}

static size_t wanted(const struct events_job *j)
{
    return (size_t)j->total0 < j->max ? (size_t)j->total0 : j->max;
}

/* A page of the documented shape: events (objects with a string id), a
 * total, and as many events as that total says are there. */
static int check_page(struct events_job *j, struct page *pg)
{
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(pg->answer, "events");
    long long total;
    if (!cJSON_IsObject(pg->answer) || !cJSON_IsArray(events) ||
        json_int(pg->answer, "total", &total) || total < 0)
        return -1;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        if (!json_str(ev, "id"))
            return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(events);
    if (pg == j->pages[0]) {
        /* The page size is the limit the server applied (it may be lower
         * than asked); failing that, what the first page held. */
        long long limit;
        if (json_int(pg->answer, "limit", &limit) == 0 && limit >= 1 && limit <= PAGE_LIMIT)
            j->page_size = (size_t)limit;
        else if (n > 0 && n < PAGE_LIMIT)
            j->page_size = n;
        j->total0 = total;
    }
    size_t expect = (size_t)total > pg->offset ? (size_t)total - pg->offset : 0;
    if (expect > j->page_size)
        expect = j->page_size;
    if (n < expect || n > PAGE_LIMIT)
        return -1; /* short, or more than any page may hold */
    /* Events only ever arrive: the list grew by this much since page 0. */
    pg->shift = total > j->total0 ? total - j->total0 : 0;
    if (pg->shift > j->shift)
        j->shift = pg->shift;
    return 0;
}

static int cmp_placed(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_ids(const void *a, const void *b, void *arg)
{
    const struct placed *p = arg;
    size_t i = *(const size_t *)a, k = *(const size_t *)b;
    int c = strcmp(json_str(p[i].ev, "id"), json_str(p[k].ev, "id"));
    return c ? c : (i < k ? -1 : i > k);
}

/* Every event of the answered pages at its position in the first page's
 * list, in position order, each id once, none newer than the first page.
 * Returns how many; *out is malloc'd. */
static size_t place(const struct events_job *j, struct placed **out)
{
    size_t n = 0, cap = 0;
    struct placed *all = NULL;
    for (size_t p = 0; p < j->npages; p++) {
        const struct page *pg = j->pages[p];
        long long pos = (long long)pg->offset - pg->shift;
        const cJSON *ev;
        cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(pg->answer, "events"))
        {
            if (pos >= 0) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 256;
                    all = xrealloc(all, cap * sizeof *all);
                }
                all[n++] = (struct placed){pos, ev};
            }
            pos++;
        }
    }
    if (n > 1) /* qsort's array may not be NULL, even when empty */
        qsort(all, n, sizeof *all, cmp_placed);
    /* An id seen twice keeps its first (smallest) position. */
    size_t *order = xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (n > 1)
        qsort_r(order, n, sizeof *order, cmp_ids, all);
    char *dup = xcalloc(n ? n : 1, 1);
    for (size_t i = 1; i < n; i++)
        if (strcmp(json_str(all[order[i - 1]].ev, "id"), json_str(all[order[i]].ev, "id")) == 0)
            dup[order[i]] = 1;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (!dup[i])
            all[kept++] = all[i];
    free(dup);
    free(order);
    *out = all;
    return kept;
}

/* Ask again for the positions of the wanted window no page covered: at
 * their offsets as the list stands now (the largest shift seen). Returns
 * how many pages were asked for. */
static int fill_gaps(struct events_job *j)
{
    struct placed *all;
    size_t n = place(j, &all), want = wanted(j), asked = 0;
    long long next = 0; /* the first position not yet covered */
    size_t i = 0;
    while ((size_t)next < want) {
        while (i < n && all[i].pos < next)
            i++;
        if (i < n && all[i].pos == next) {
            next++;
            i++;
            continue;
        }
        /* A gap from next: one page covers it (and what follows). */
        request_page(j, (size_t)(next + j->shift));
        asked++;
        next += (long long)j->page_size;
    }
    free(all);
    return (int)asked;
}

static void take_page(struct events_job *j, struct page *pg, const struct http_result *res)
{
    if (res->err) {
        job_fail(j, res->err, 0, res->errmsg);
        return;
    }
    if (res->status < 200 || res->status > 299) {
        /* The first page decides like any GET: a 404 (the tenant is gone,
         * or another account's) is "no such file". */
        struct resource *r = NULL;
        if (pg == j->pages[0] &&
            resource_decode(&j->id, res->status, res->body, res->len, &r, &j->err) == 0) {
            j->not_found = r;
            return;
        }
        if (pg == j->pages[0])
            j->failed = true;
        else
            job_fail(j, EIO, res->status, "a page of the enforcement log failed while paging");
        return;
    }
    pg->answer = json_parse_untrusted(res->body, res->len);
    if (check_page(j, pg) != 0)
        job_fail(j, EIO, res->status,
                 pg->answer ? "a page of the enforcement log is malformed or short"
                            : "malformed JSON in a page of the enforcement log");
}

static void finish(struct events_job *j)
{
    struct resource *r = j->not_found;
    if (!r && !j->failed) {
        cJSON *json = cJSON_CreateObject();
        cJSON_AddNumberToObject(json, "total", (double)j->total0);
        cJSON *events = cJSON_AddArrayToObject(json, "events");
        struct placed *all;
        size_t n = place(j, &all), want = wanted(j);
        for (size_t i = 0; i < n && i < want; i++)
            cJSON_AddItemToArray(events, cJSON_Duplicate(all[i].ev, 1));
        free(all);
        r = resource_from_json(RES_EVENTS, json);
    } else if (!r) {
        log_warn("enforcement log%s%s not read: %s", j->tenant ? " of tenant " : "",
                 j->tenant ? j->tenant : "", j->err.message);
    }
    cache_fetch_done(j->fetch, r, &j->err);
    job_free(j);
}

static void page_done(struct http_request *req, const struct http_result *res, void *arg)
{
    (void)req;
    struct page *pg = arg;
    struct events_job *j = pg->job;
    j->pending--;
    if (!j->failed && !j->not_found)
        take_page(j, pg, res);
    if (j->pending > 0)
        return; /* the last page to arrive decides */
    if (!j->failed && !j->not_found) {
        /* After the first page, the rest; after that, what no page covered. */
        j->rounds++;
        int asked = j->rounds < MAX_ROUNDS ? fill_gaps(j) : 0;
        if (asked > 0)
            return;
        struct placed *all;
        size_t n = place(j, &all);
        free(all);
        if (n < wanted(j))
            job_fail(j, EIO, 200, "the enforcement log kept changing while it was read");
    }
    finish(j);
}

void api_events_fetch(struct transport *t, struct cache_fetch *f, const struct res_id *id,
                      size_t max, int64_t budget_ms, int64_t attempt_ms)
{
    struct events_job *j = xcalloc(1, sizeof *j);
    j->t = t;
    j->fetch = f;
    j->tenant = id->tenant && *id->tenant ? xstrdup(id->tenant) : NULL;
    j->id.kind = RES_EVENTS;
    j->id.tenant = j->tenant;
    j->max = max;
    j->page_size = PAGE_LIMIT;
    j->budget_ms = budget_ms;
    j->attempt_ms = attempt_ms;
    f->fetcher_data = NULL; /* several requests: nothing to promote */
    request_page(j, 0);
}
