/* api_events: the enforcement log as one cached resource. GET
 * /v1/enforcement/events is paged (at most 200 events a page, newest first)
 * and new events arrive at the front while a client pages, shifting every
 * offset. The first page gives the total; the other pages of the newest
 * `events_max` are asked for in parallel; events are de-duplicated by id;
 * when the shift left the window short, one more round asks for what moved
 * past it. A malformed or short page fails the whole read (EIO): a log that
 * is silently short is worse than an error.
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
#define MAX_ROUNDS 4   /* the first page, the rest, and at most two catch-ups */

struct events_job;

struct page {
    struct events_job *job;
    size_t offset;
    cJSON *answer; /* NULL until it arrives */
};

struct events_job {
    struct transport *t;
    struct cache_fetch *fetch;
    struct res_id id;
    char *tenant;
    int64_t budget_ms, attempt_ms;
    size_t max;       /* events_max */
    size_t page_size; /* the limit the server applies */
    size_t total;     /* the largest total a page reported */
    size_t next_offset;
    int pending, rounds;
    bool failed;
    struct api_error err;
    struct resource *not_found; /* the first page was a 404 */
    struct page **pages;        /* in the order asked for: increasing offsets */
    size_t npages, cappages;
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

/* A page of the documented shape: events (objects with a string id), a
 * total, and as many events as the total says are there. */
static int check_page(struct events_job *j, const cJSON *answer, size_t offset)
{
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(answer, "events");
    long long total;
    if (!cJSON_IsObject(answer) || !cJSON_IsArray(events) || json_int(answer, "total", &total) ||
        total < 0)
        return -1;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        if (!json_str(ev, "id"))
            return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(events);
    if (offset == 0) {
        /* The page size is the limit the server applied (it may be lower
         * than asked); failing that, what the first page held. */
        long long limit;
        if (json_int(answer, "limit", &limit) == 0 && limit >= 1 && limit <= PAGE_LIMIT)
            j->page_size = (size_t)limit;
        else if (n > 0 && n < PAGE_LIMIT)
            j->page_size = n;
    }
    size_t expect = (size_t)total > offset ? (size_t)total - offset : 0;
    if (expect > j->page_size)
        expect = j->page_size;
    if (n < expect || n > PAGE_LIMIT)
        return -1; /* short, or more than any page may hold */
    if ((size_t)total > j->total)
        j->total = (size_t)total;
    return 0;
}

static int cmp_ids(const void *a, const void *b, void *arg)
{
    const cJSON *const *items = arg;
    size_t i = *(const size_t *)a, k = *(const size_t *)b;
    int c = strcmp(json_str(items[i], "id"), json_str(items[k], "id"));
    return c ? c : (i < k ? -1 : i > k);
}

/* The pages in offset order, each event once (at its first, newest-side
 * position), at most max of them. Returns how many; with out, appends
 * copies of them there. */
static size_t assemble(struct events_job *j, cJSON *out)
{
    size_t n = 0;
    for (size_t p = 0; p < j->npages; p++)
        n += (size_t)cJSON_GetArraySize(
            cJSON_GetObjectItemCaseSensitive(j->pages[p]->answer, "events"));
    const cJSON **items = xcalloc(n ? n : 1, sizeof *items);
    size_t k = 0;
    for (size_t p = 0; p < j->npages; p++) {
        const cJSON *ev;
        cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(j->pages[p]->answer, "events"))
            items[k++] = ev;
    }
    size_t *order = xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof *order, cmp_ids, items);
    char *dup = xcalloc(n ? n : 1, 1);
    for (size_t i = 1; i < n; i++)
        if (strcmp(json_str(items[order[i - 1]], "id"), json_str(items[order[i]], "id")) == 0)
            dup[order[i]] = 1;
    size_t kept = 0;
    for (size_t i = 0; i < n && kept < j->max; i++)
        if (!dup[i]) {
            if (out)
                cJSON_AddItemToArray(out, cJSON_Duplicate(items[i], 1));
            kept++;
        }
    free(dup);
    free(order);
    free(items);
    return kept;
}

static size_t wanted(const struct events_job *j)
{
    return j->total < j->max ? j->total : j->max;
}

/* Take one page's answer into the job (or fail it). */
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
        if (pg->offset == 0 &&
            resource_decode(&j->id, res->status, res->body, res->len, &r, &j->err) == 0) {
            j->not_found = r;
            return;
        }
        if (pg->offset == 0)
            j->failed = true;
        else
            job_fail(j, EIO, res->status, "a page of the enforcement log failed while paging");
        return;
    }
    pg->answer = json_parse_untrusted(res->body, res->len);
    if (check_page(j, pg->answer, pg->offset) != 0) {
        job_fail(j, EIO, res->status,
                 pg->answer ? "a page of the enforcement log is malformed or short"
                            : "malformed JSON in a page of the enforcement log");
        return;
    }
    if (pg->offset == 0)
        j->next_offset = j->page_size;
}

/* Ask for the pages from next_offset that could hold `missing` more events. */
static void request_more(struct events_job *j, size_t missing)
{
    j->rounds++;
    size_t end = j->next_offset + missing;
    if (end > j->total)
        end = j->total;
    for (; j->next_offset < end; j->next_offset += j->page_size)
        request_page(j, j->next_offset);
}

static void finish(struct events_job *j)
{
    struct resource *r = j->not_found;
    if (!r && !j->failed) {
        cJSON *json = cJSON_CreateObject();
        cJSON_AddNumberToObject(json, "total", (double)j->total);
        assemble(j, cJSON_AddArrayToObject(json, "events"));
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
    if (!j->failed && !j->not_found && j->rounds < MAX_ROUNDS) {
        /* After the first page: the rest. Later, when new events pushed
         * older ones past what was asked for, what moved. */
        size_t have = assemble(j, NULL);
        if (have < wanted(j) && j->next_offset < j->total) {
            request_more(j, wanted(j) - have);
            if (j->pending > 0)
                return;
        }
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
