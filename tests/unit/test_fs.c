/* test_fs: the filesystem layer in-process, as mountpoint-s3's tests/fs.rs
 * drives its filesystem over a mock client. The cache and the fs run over a
 * fake API: fixed JSON answers kept by request path (served from a thread
 * of their own, as the transport does), writes that change those answers,
 * and a count of requests per endpoint. The test calls getattr, opendir,
 * open, read, write, mkdir, readlink and truncate directly and checks
 * existence, listings, sizes, the mtime rule, invalidation after writes,
 * what the kernel is told, and what each operation costs. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"
#include "clock.h"
#include "fs.h"
#include "jsonout.h"
#include "log.h"
#include "names.h"
#include "resource.h"
#include "strbuf.h"

#define TA   "8f1c2e4a-1b2c-4d5e-8f90-123456789abc"
#define DOM  "mail.acme.com"
#define DOM2 "new.acme.com"
#define MB1  "6b1e0a52-0000-4000-8000-000000000001"
#define MB2  "6b1e0a52-0000-4000-8000-000000000002"
#define MB3  "6b1e0a52-0000-4000-8000-000000000003"
#define WALL0 1764547200 /* 2025-12-01T00:00:00Z: after every fixture timestamp */
#define TTL_MS 30000

/* ---- the fake API ------------------------------------------------------------ */

struct answer {
    char *path;
    int status;
    cJSON *body;
};

struct job {
    struct job *next;
    struct cache_fetch *fetch;
    struct res_id id;
    char tenant[128], sub[256];
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct answer answers[64];
    int nanswers;
    int gets[EP_COUNT], writes[EP_COUNT];
    char last_body[512];
    struct job *queue;
    bool stop;
    pthread_t worker;
} api = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static struct answer *answer_at(const char *path)
{
    for (int i = 0; i < api.nanswers; i++)
        if (strcmp(api.answers[i].path, path) == 0)
            return &api.answers[i];
    return NULL;
}

/* Set the answer of GET path (the fixture, or the server changing it). */
static void serve(const char *path, int status, const char *json)
{
    pthread_mutex_lock(&api.mu);
    struct answer *a = answer_at(path);
    if (!a) {
        a = &api.answers[api.nanswers++];
        a->path = xstrdup(path);
    } else {
        cJSON_Delete(a->body);
    }
    a->status = status;
    a->body = cJSON_Parse(json);
    if (!a->body)
        abort(); /* a broken fixture */
    pthread_mutex_unlock(&api.mu);
}

static void *worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&api.mu);
    for (;;) {
        while (!api.queue && !api.stop)
            pthread_cond_wait(&api.cv, &api.mu);
        if (!api.queue)
            break;
        struct job *j = api.queue;
        api.queue = j->next;
        struct strbuf path = STRBUF_INIT, body = STRBUF_INIT;
        res_id_path(&j->id, &path);
        struct answer *a = answer_at(path.data);
        int status = a ? a->status : 404;
        if (a)
            json_print_compact(&body, a->body);
        else
            sb_puts(&body, "{\"detail\":{\"message\":\"no such path\",\"code\":\"not_found\"}}");
        pthread_mutex_unlock(&api.mu);
        struct resource *r = NULL;
        struct api_error err;
        memset(&err, 0, sizeof err);
        if (resource_decode(&j->id, status, body.data, body.len, &r, &err) != 0)
            r = NULL;
        cache_fetch_done(j->fetch, r, &err);
        sb_free(&path);
        sb_free(&body);
        free(j);
        pthread_mutex_lock(&api.mu);
    }
    pthread_mutex_unlock(&api.mu);
    return NULL;
}

/* The cache's fetcher: queue the GET; the worker answers it later. */
static void fake_start(void *ctx, struct cache_fetch *f, const struct res_id *id, bool bg)
{
    (void)ctx;
    (void)bg;
    struct job *j = xcalloc(1, sizeof *j);
    j->fetch = f;
    j->id.kind = id->kind;
    snprintf(j->tenant, sizeof j->tenant, "%s", id->tenant ? id->tenant : "");
    snprintf(j->sub, sizeof j->sub, "%s", id->sub ? id->sub : "");
    j->id.tenant = j->tenant;
    j->id.sub = j->sub;
    f->fetcher_data = NULL;
    pthread_mutex_lock(&api.mu);
    api.gets[res_kind_endpoint(id->kind)]++;
    struct job **pp = &api.queue;
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
    pthread_cond_signal(&api.cv);
    pthread_mutex_unlock(&api.mu);
}

static void fake_promote(void *ctx, struct cache_fetch *f)
{
    (void)ctx;
    (void)f;
}

/* The item of a list answer whose key is name. */
static cJSON *list_item(const char *path, const char *member, const char *key, const char *name)
{
    struct answer *a = answer_at(path);
    cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(a->body, member))
    {
        const char *k = json_str(item, key);
        if (k && strcmp(k, name) == 0)
            return item;
    }
    return NULL;
}

static void set_member(cJSON *obj, const char *name, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

/* Writes change what later GETs answer, as the API would. */
static int fake_call(void *ctx, enum api_endpoint ep, const struct ep_args *args,
                     const cJSON *body, cJSON **answer, struct api_error *err)
{
    (void)ctx;
    (void)err;
    pthread_mutex_lock(&api.mu);
    api.writes[ep]++;
    struct strbuf b = STRBUF_INIT;
    if (body)
        json_print_compact(&b, body);
    snprintf(api.last_body, sizeof api.last_body, "%s", b.data ? b.data : "");
    sb_free(&b);
    const char *mailboxes = "/v1/tenants/" TA "/mailboxes";
    if (ep == EP_MAILBOX_PATCH) {
        cJSON *m = list_item(mailboxes, "mailboxes", "id", args->mailbox);
        const cJSON *v;
        cJSON_ArrayForEach(v, body) set_member(m, v->string, cJSON_Duplicate(v, 1));
    } else if (ep == EP_LIMITS_SET) {
        const cJSON *limit = cJSON_GetObjectItemCaseSensitive(body, "daily_send_limit");
        const char *scope = json_str(body, "domain_scope");
        struct strbuf p = STRBUF_INIT;
        sb_printf(&p, "/v1/tenants/" TA "/mailbox-limits%s%s", scope ? "?domain_scope=" : "",
                  scope ? scope : "");
        struct answer *a = answer_at(p.data);
        cJSON_Delete(a->body);
        a->status = 200;
        a->body = cJSON_CreateObject();
        cJSON_AddNumberToObject(a->body, "daily_send_limit", limit->valuedouble);
        sb_free(&p);
    } else if (ep == EP_DOMAIN_ADD) {
        cJSON *list = cJSON_GetObjectItemCaseSensitive(answer_at("/v1/tenants/" TA "/domains")->body,
                                                       "domains");
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "domain_name", json_str(body, "domain"));
        cJSON_AddBoolToObject(d, "is_verified", 0);
        cJSON_AddItemToArray(list, d);
        if (answer)
            *answer = cJSON_Parse("{\"status\":\"success\",\"domain\":{\"is_verified\":false}}");
    }
    pthread_mutex_unlock(&api.mu);
    return 0;
}

static void fixture(void)
{
    serve("/v1/tenants", 200,
          "{\"tenants\":[{\"tenant_id\":\"" TA "\",\"tenant_name\":\"Acme Corp\","
          "\"exchange_bootstrap_status\":\"ready\",\"last_sync_at\":\"2025-04-20T08:00:00Z\"}],"
          "\"count\":1}");
    serve("/v1/tenants/" TA, 200,
          "{\"tenant_id\":\"" TA "\",\"tenant_name\":\"Acme Corp\","
          "\"last_sync_at\":\"2025-04-20T08:00:00Z\"}");
    serve("/v1/tenants/" TA "/domains", 200,
          "{\"tenant_id\":\"" TA "\",\"domains\":[{\"domain_name\":\"" DOM "\",\"is_verified\":true,"
          "\"spf_status\":\"v=spf1 -all\",\"dkim_status\":\"healthy\",\"dmarc_status\":\"missing\","
          "\"mx_status\":\"mx.example.\",\"last_checked\":\"2025-04-20T08:00:00Z\"}],\"count\":1}");
    serve("/v1/tenants/" TA "/mailboxes", 200,
          "{\"tenant_id\":\"" TA "\",\"mailboxes\":["
          "{\"id\":\"" MB1 "\",\"display_name\":\"Ann Lee\",\"primary_smtp\":\"ann@" DOM "\","
          "\"daily_send_limit\":20,\"sends_today\":3,\"created_at\":\"2025-01-20T10:00:00Z\","
          "\"domain_name\":\"" DOM "\"},"
          "{\"id\":\"" MB2 "\",\"display_name\":\"Bob Roe\",\"primary_smtp\":\"bob@" DOM "\","
          "\"daily_send_limit\":null,\"sends_today\":0,\"domain_name\":\"" DOM "\"},"
          "{\"id\":\"" MB3 "\",\"display_name\":\"Cy Doe\",\"primary_smtp\":\"cy@" DOM "\","
          "\"daily_send_limit\":7,\"sends_today\":7,\"domain_name\":\"" DOM "\"}],\"count\":3}");
    static const char *const mbs[] = {MB1, MB2, MB3};
    for (int i = 0; i < 3; i++) {
        char p[160], body[160];
        snprintf(p, sizeof p, "/v1/tenants/" TA "/mailboxes/%s/usage", mbs[i]);
        snprintf(body, sizeof body, "{\"mailbox_id\":\"%s\",\"sends_today\":%d}", mbs[i], i);
        serve(p, 200, body);
    }
    serve("/v1/tenants/" TA "/mailbox-limits", 404,
          "{\"detail\":{\"message\":\"No limit policy has been set for this scope\","
          "\"code\":\"policy_not_found\"}}");
    serve("/v1/tenants/" TA "/mailbox-limits?domain_scope=" DOM, 200,
          "{\"daily_send_limit\":15,\"domain_scope\":\"" DOM "\"}");
    serve("/v1/tenants/" TA "/domains/" DOM "/dns", 200,
          "{\"domain_name\":\"" DOM "\",\"verification_dns_records\":[],"
          "\"service_configuration_records\":[]}");
    serve("/v1/tenants/" TA "/domains/" DOM "/dkim-status", 200,
          "{\"domain_name\":\"" DOM "\",\"dkim_status\":\"enabled\"}");
    serve("/v1/enforcement/events", 200, "{\"total\":0,\"events\":[]}");
}

static int gets(enum api_endpoint ep)
{
    pthread_mutex_lock(&api.mu);
    int n = api.gets[ep];
    pthread_mutex_unlock(&api.mu);
    return n;
}

static int total_gets(void)
{
    int n = 0;
    for (int ep = 0; ep < EP_COUNT; ep++)
        n += gets((enum api_endpoint)ep);
    return n;
}

/* ---- the filesystem under test ------------------------------------------------ */

static struct names notified; /* prefixes the kernel was told to drop */

static void record_changed(void *arg, const char *prefix, bool names)
{
    (void)arg;
    (void)names;
    if (!names_has(&notified, prefix))
        names_add(&notified, prefix);
}

/* Whether the kernel was told to drop path (a prefix that covers it). */
static bool told(const char *path)
{
    for (size_t i = 0; i < notified.n; i++) {
        size_t n = strlen(notified.v[i]);
        if (strncmp(path, notified.v[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return true;
    }
    return false;
}

static struct fs *fs_start(size_t events_max, struct cache **cache)
{
    struct cache_config cc = {.ttl_ms = TTL_MS, .stale_ttl_ms = 300000, .max_bytes = 8 << 20,
                              .hold_ms = 5000};
    struct cache_fetcher fetcher = {fake_start, fake_promote, NULL};
    *cache = cache_new(&cc, &fetcher);
    struct mount_config mc = {.read_wait_ms = 10000, .prefetch = true, .cache_max = 8 << 20,
                              .events_max = events_max, .uid = 1000, .gid = 1000};
    struct api_writer writer = {fake_call, NULL};
    struct fs *fs = xcalloc(1, sizeof *fs);
    fs_init(fs, &mc, *cache, &writer);
    fs->m.changed = record_changed;
    return fs;
}

static void fs_stop(struct fs *fs, struct cache *cache)
{
    /* Background fetches may still be queued: let the worker answer them. */
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&api.mu);
        bool idle = api.queue == NULL;
        pthread_mutex_unlock(&api.mu);
        if (idle)
            break;
        usleep(10000);
    }
    usleep(20000);
    fs_destroy(fs);
    cache_free(cache);
    free(fs);
}

static const struct op_ctx OP = {"test", NULL, NULL};

/* The bytes of path, as a lookup gives them with its size; NULL on
 * failure (*err). */
static char *cat(struct fs *fs, const char *path, int *err)
{
    struct fs_attr a;
    struct strbuf content = STRBUF_INIT;
    *err = fs_lookup(fs, path, &a, &content, &OP);
    if (*err) {
        sb_free(&content);
        return NULL;
    }
    CHECK_INT(a.size, (long)content.len); /* the size is the bytes' */
    return sb_detach(&content, NULL);
}

#define EXPECT_CAT(fs, path, want)                                                                 \
    do {                                                                                           \
        int err_;                                                                                  \
        char *got_ = cat(fs, path, &err_);                                                         \
        CHECK_INT(err_, 0);                                                                        \
        CHECK_STR(got_ ? got_ : "", want);                                                         \
        free(got_);                                                                                \
    } while (0)

static bool lists(struct fs *fs, const char *dir, const char *name)
{
    struct fs_dir *d;
    if (fs_opendir(fs, dir, &d, &OP) != 0)
        return false;
    bool found = false;
    for (size_t i = 0; i < d->n; i++)
        found |= strcmp(d->ents[i].name, name) == 0;
    fs_dir_free(d);
    return found;
}

/* ---- the tests ------------------------------------------------------------------ */

static void test_existence_and_listings(struct fs *fs)
{
    struct fs_attr a;
    CHECK_INT(fs_getattr(fs, "/", &a, &OP), 0);
    CHECK(S_ISDIR(a.mode) && (a.mode & 07777) == 0755);
    CHECK_INT(total_gets(), 0); /* the root's entries are the table's */
    static const char *const root[] = {"tenants", "health", "enforcement.log",
                                       "enforcement.jsonl", "by-name", ".tenantcorefs"};
    for (size_t i = 0; i < sizeof root / sizeof *root; i++)
        CHECK(lists(fs, "/", root[i]));
    CHECK(lists(fs, "/tenants", TA));
    CHECK_INT(gets(EP_TENANTS_LIST), 1);
    CHECK(lists(fs, "/by-name", "Acme Corp"));
    CHECK(lists(fs, "/tenants/" TA "/domains/" DOM "/mailboxes", "ann@" DOM));
    CHECK_INT(gets(EP_TENANTS_LIST), 1); /* one list, within the ttl */

    CHECK_INT(fs_getattr(fs, "/tenants/nope", &a, &OP), -ENOENT);
    CHECK_INT(fs_getattr(fs, "/tenants/" TA "/nope", &a, &OP), -ENOENT);
    CHECK_INT(fs_getattr(fs, "/tenants/" TA "/name/x", &a, &OP), -ENOTDIR);
    CHECK_INT(fs_getattr(fs, "/tenants/" TA "/domains/gone.example", &a, &OP), -ENOENT);
    /* Local results do not exist before an action made them. */
    CHECK_INT(fs_getattr(fs, "/tenants/" TA "/last_sync.json", &a, &OP), -ENOENT);
    CHECK(!lists(fs, "/tenants/" TA, "last_sync.json"));

    char target[256];
    CHECK_INT(fs_readlink(fs, "/tenants/" TA "/domains/" DOM "/mailboxes/ann@" DOM, target,
                          sizeof target, &OP),
              0);
    CHECK_STR(target, "../../../mailboxes/" MB1);
    CHECK_INT(fs_readlink(fs, "/by-name/Acme Corp", target, sizeof target, &OP), 0);
    CHECK_STR(target, "../tenants/" TA);
}

static void test_sizes_and_costs(struct fs *fs)
{
    /* Listing mailboxes/ costs the mailboxes list (fetched once already,
     * for the email links); every daily_send_limit then costs nothing. */
    CHECK(lists(fs, "/tenants/" TA "/mailboxes", MB1));
    CHECK_INT(gets(EP_MAILBOXES_LIST), 1);
    struct fs_attr a;
    static const char *const limits[] = {"20\n", "none\n", "7\n"};
    static const char *const mbs[] = {MB1, MB2, MB3};
    for (int i = 0; i < 3; i++) {
        char p[160];
        snprintf(p, sizeof p, "/tenants/" TA "/mailboxes/%s/daily_send_limit", mbs[i]);
        CHECK_INT(fs_getattr(fs, p, &a, &OP), 0);
        CHECK_INT(a.size, (long)strlen(limits[i])); /* exact sizes */
        CHECK_INT(a.mode, S_IFREG | 0644);
        EXPECT_CAT(fs, p, limits[i]);
    }
    CHECK_INT(gets(EP_MAILBOXES_LIST), 1);
    CHECK_INT(gets(EP_MAILBOX_USAGE), 0);
    /* The first usage read fetches every mailbox's usage at once (listing
     * mailboxes/ armed it). */
    EXPECT_CAT(fs, "/tenants/" TA "/mailboxes/" MB2 "/usage.json",
               "{\n  \"mailbox_id\": \"" MB2 "\",\n  \"sends_today\": 1\n}\n");
    CHECK_INT(gets(EP_MAILBOX_USAGE), 3);
    /* Policies: 404 policy_not_found in the documented shape is "none". */
    EXPECT_CAT(fs, "/tenants/" TA "/mailbox_limit", "none\n");
    EXPECT_CAT(fs, "/tenants/" TA "/domains/" DOM "/mailbox_limit", "15\n");
    /* Action files read as empty, size 0. */
    CHECK_INT(fs_getattr(fs, "/tenants/" TA "/sync", &a, &OP), 0);
    CHECK_INT(a.size, 0);
}

static void test_mtime_rule(struct fs *fs)
{
    const char *p = "/tenants/" TA "/mailboxes/" MB3 "/display_name";
    struct fs_attr a, b;
    CHECK_INT(fs_getattr(fs, p, &a, &OP), 0);
    /* When the bytes were first served (after the fixture's created_at). */
    CHECK_INT(a.mtime, WALL0);
    /* Expired and fetched again, same bytes: the mtime stays. */
    clock_advance_fake(TTL_MS + 1000);
    int before = gets(EP_MAILBOXES_LIST);
    CHECK_INT(fs_getattr(fs, p, &b, &OP), 0);
    CHECK_INT(gets(EP_MAILBOXES_LIST), before + 1);
    CHECK_INT(b.mtime, a.mtime);
    /* Changed on the server: seen after the ttl, and the mtime moves. */
    serve("/v1/tenants/" TA "/mailboxes", 200,
          "{\"mailboxes\":[{\"id\":\"" MB1 "\",\"display_name\":\"Ann Lee\",\"primary_smtp\":\"ann@" DOM
          "\",\"daily_send_limit\":20,\"domain_name\":\"" DOM "\"},{\"id\":\"" MB2
          "\",\"display_name\":\"Bob Roe\",\"primary_smtp\":\"bob@" DOM
          "\",\"daily_send_limit\":null,\"domain_name\":\"" DOM "\"},{\"id\":\"" MB3
          "\",\"display_name\":\"Cy Doe-Smith\",\"primary_smtp\":\"cy@" DOM
          "\",\"daily_send_limit\":7,\"domain_name\":\"" DOM "\"}]}");
    clock_advance_fake(5000);
    CHECK_INT(fs_getattr(fs, p, &b, &OP), 0);
    CHECK_INT(b.mtime, a.mtime); /* within the ttl: still the cached bytes */
    clock_advance_fake(TTL_MS);
    CHECK_INT(fs_getattr(fs, p, &b, &OP), 0);
    CHECK_INT(b.size, (long)strlen("Cy Doe-Smith\n"));
    CHECK_INT(b.mtime, WALL0 + (TTL_MS + 1000 + 5000 + TTL_MS) / 1000);
    /* A directory's mtime is the mount time until its entries change. */
    CHECK_INT(fs_getattr(fs, "/tenants/" TA "/mailboxes", &a, &OP), 0);
    CHECK_INT(a.mtime, WALL0);
}

/* A server clock ahead of ours: the resource's timestamp wins, and two
 * versions of one size still differ in mtime (the kernel keeps a file's
 * pages while size and mtime stay). */
static void test_mtime_future_stamp(struct fs *fs)
{
    const char *p = "/tenants/" TA "/tenant.json";
    const time_t future = 4102444800; /* 2100-01-01T00:00:00Z */
    serve("/v1/tenants/" TA, 200,
          "{\"tenant_id\":\"" TA "\",\"tenant_name\":\"Acme Corp\","
          "\"last_sync_at\":\"2100-01-01T00:00:00Z\"}");
    clock_advance_fake(TTL_MS + 1000);
    struct fs_attr a, b;
    CHECK_INT(fs_getattr(fs, p, &a, &OP), 0);
    CHECK_INT(a.mtime, future);
    serve("/v1/tenants/" TA, 200,
          "{\"tenant_id\":\"" TA "\",\"tenant_name\":\"Acme Corq\","
          "\"last_sync_at\":\"2100-01-01T00:00:00Z\"}");
    clock_advance_fake(TTL_MS + 1000);
    CHECK_INT(fs_getattr(fs, p, &b, &OP), 0);
    CHECK_INT(b.mtime, future);
    CHECK_INT(b.size, a.size);
    CHECK(b.mtime_nsec != a.mtime_nsec);
    serve("/v1/tenants/" TA, 200,
          "{\"tenant_id\":\"" TA "\",\"tenant_name\":\"Acme Corp\","
          "\"last_sync_at\":\"2025-04-20T08:00:00Z\"}");
    clock_advance_fake(TTL_MS + 1000);
}

static void test_writes(struct fs *fs)
{
    const char *p = "/tenants/" TA "/mailboxes/" MB1 "/daily_send_limit";
    EXPECT_CAT(fs, p, "20\n");
    /* A bad value: EINVAL, and no request. */
    CHECK_INT(fs_write(fs, p, "26\n", 3, &OP), -EINVAL);
    CHECK_INT(api.writes[EP_MAILBOX_PATCH], 0);
    names_free(&notified);
    int lists_before = gets(EP_MAILBOXES_LIST);
    struct fs_attr before;
    CHECK_INT(fs_getattr(fs, p, &before, &OP), 0);
    CHECK_INT(fs_write(fs, p, " 25\n", 4, &OP), 4);
    CHECK_INT(api.writes[EP_MAILBOX_PATCH], 1);
    CHECK_STR(api.last_body, "{\"daily_send_limit\":25}");
    /* The kernel is told to drop the file and what else the write changed,
     * and the next read is fresh. */
    CHECK(told(p));
    CHECK(told("/tenants/" TA "/mailboxes/" MB1 "/mailbox.json"));
    CHECK(told("/tenants/" TA "/mailboxes.csv"));
    CHECK(told("/health"));
    CHECK(!told("/tenants"));
    EXPECT_CAT(fs, p, "25\n");
    CHECK_INT(gets(EP_MAILBOXES_LIST), lists_before + 1);
    /* A write moves the file's mtime, as on any filesystem. */
    clock_advance_fake(1);
    CHECK_INT(fs_write(fs, p, "25", 2, &OP), 2);
    struct fs_attr after;
    CHECK_INT(fs_getattr(fs, p, &after, &OP), 0);
    CHECK(after.mtime * 1000000000L + after.mtime_nsec >
          before.mtime * 1000000000L + before.mtime_nsec);
    /* Truncation and utimens cost nothing; read-only files refuse writes. */
    CHECK_INT(fs_truncate(fs, p, &OP), 0);
    CHECK_INT(fs_truncate(fs, "/tenants/" TA "/mailboxes/" MB1 "/mailbox.json", &OP), -EACCES);
    CHECK_INT(fs_write(fs, "/tenants/" TA "/name", "x\n", 2, &OP), -EACCES);
    CHECK_INT(api.writes[EP_MAILBOX_PATCH], 2);

    /* A first policy: "none" becomes the written value. */
    CHECK_INT(fs_write(fs, "/tenants/" TA "/mailbox_limit", "12\n", 3, &OP), 3);
    CHECK_STR(api.last_body, "{\"daily_send_limit\":12}");
    EXPECT_CAT(fs, "/tenants/" TA "/mailbox_limit", "12\n");

    /* mkdir: the domain exists the moment mkdir returns. */
    CHECK_INT(fs_mkdir(fs, "/tenants/" TA "/domains/Bad_Name", &OP), -EINVAL);
    CHECK_INT(api.writes[EP_DOMAIN_ADD], 0);
    CHECK_INT(fs_mkdir(fs, "/tenants/" TA "/domains/" DOM2, &OP), 0);
    CHECK_INT(api.writes[EP_DOMAIN_ADD], 1);
    struct fs_attr a;
    CHECK_INT(fs_getattr(fs, "/tenants/" TA "/domains/" DOM2, &a, &OP), 0);
    CHECK(S_ISDIR(a.mode));
    CHECK_INT(fs_mkdir(fs, "/tenants/" TA "/mailboxes/x", &OP), -EPERM);
    CHECK_INT(fs_rmdir(fs, "/tenants/" TA, &OP), -EPERM); /* without allow_delete */
}

/* No file of the tree shows the API key, even when an answer quotes it. */
static void test_no_key(struct fs *fs)
{
    const char *key = "tc_live_0123456789abcdef0123456789abcdef0123456789abcdef";
    log_set_secret(key);
    serve("/v1/tenants/" TA, 200,
          "{\"tenant_id\":\"" TA "\",\"tenant_name\":\"Acme Corp\",\"connected_by\":"
          "\"tc_live_0123456789abcdef0123456789abcdef0123456789abcdef\"}");
    clock_advance_fake(TTL_MS + 1);
    int err;
    char *got = cat(fs, "/tenants/" TA "/tenant.json", &err);
    CHECK_INT(err, 0);
    CHECK(got && !strstr(got, "0123456789abcdef0123") && strstr(got, "tc_live_"));
    free(got);
    log_set_secret(NULL);
}

static void test_enforcement_hidden(void)
{
    struct cache *cache;
    struct fs *fs = fs_start(0, &cache);
    struct fs_attr a;
    CHECK(!lists(fs, "/", "enforcement.log"));
    CHECK(!lists(fs, "/tenants/" TA, "enforcement.jsonl"));
    CHECK_INT(fs_getattr(fs, "/enforcement.log", &a, &OP), -ENOENT);
    CHECK_INT(gets(EP_EVENTS_LIST), 0);
    fs_stop(fs, cache);
}

int main(void)
{
    clock_set_fake(1000000, WALL0);
    pthread_create(&api.worker, NULL, worker_main, NULL);
    fixture();
    struct cache *cache;
    struct fs *fs = fs_start(1000, &cache);
    test_existence_and_listings(fs);
    test_sizes_and_costs(fs);
    test_mtime_rule(fs);
    test_mtime_future_stamp(fs);
    test_writes(fs);
    test_no_key(fs);
    fs_stop(fs, cache);
    memset(api.gets, 0, sizeof api.gets);
    test_enforcement_hidden();

    pthread_mutex_lock(&api.mu);
    api.stop = true;
    pthread_cond_signal(&api.cv);
    pthread_mutex_unlock(&api.mu);
    pthread_join(api.worker, NULL);
    for (int i = 0; i < api.nanswers; i++) {
        free(api.answers[i].path);
        cJSON_Delete(api.answers[i].body);
    }
    names_free(&notified);
    clock_use_real();
    return check_report("test_fs");
}
