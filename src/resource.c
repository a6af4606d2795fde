/* resource: decoding API answers into immutable, indexed, size-accounted
 * values. Everything here treats the JSON as hostile: wrong types, missing
 * members and unsafe names are skipped or refused, never trusted. */
#include "resource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "timefmt.h"

static atomic_uint_fast64_t next_gen = 1;

struct ep_args res_id_args(const struct res_id *id)
{
    struct ep_args a = {.tenant = id->tenant};
    if (id->kind == RES_USAGE)
        a.mailbox = id->sub;
    else if (id->kind == RES_DNS || id->kind == RES_DKIM || id->kind == RES_POLICY)
        a.domain = id->sub;
    return a;
}

void res_id_path(const struct res_id *id, struct strbuf *out)
{
    struct ep_args a = res_id_args(id);
    endpoint_path(res_kind_endpoint(id->kind), &a, out);
}

const char *json_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

int json_bool(const cJSON *obj, const char *name, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsTrue(v))
        return 1;
    if (cJSON_IsFalse(v))
        return 0;
    return dflt;
}

int json_int(const cJSON *obj, const char *name, long long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(long long)d)
        return -1;
    *out = (long long)d;
    return 0;
}

time_t json_timestamp(const cJSON *obj)
{
    static const char *const fields[] = {"last_sync_at", "last_checked", "created_at"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const char *s = json_str(obj, fields[i]);
        time_t t;
        if (s && iso8601_parse(s, &t) == 0)
            return t;
    }
    return 0;
}

/* cJSON turns "\u0000" into a real NUL and cuts the string there, so a name
 * "evil\u0000/../x" would read as "evil". Escaped NULs become U+0001, a
 * control character: such names are then refused as unsafe, and other
 * strings keep their length. */
static char *patch_nul_escapes(const char *body, size_t len)
{
    char *copy = NULL;
    for (size_t i = 0; i + 1 < len; i++) {
        if (body[i] != '\\')
            continue;
        if (body[i + 1] == 'u' && i + 5 < len && memcmp(body + i + 2, "0000", 4) == 0) {
            if (!copy) {
                copy = xmalloc(len + 1);
                memcpy(copy, body, len);
                copy[len] = '\0';
            }
            memcpy(copy + i + 2, "0001", 4);
        }
        i++; /* the escaped character is not itself an escape */
    }
    return copy;
}

cJSON *json_parse_untrusted(const char *body, size_t len)
{
    char *patched = patch_nul_escapes(body, len);
    const char *text = patched ? patched : body;
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    /* Only whitespace may follow the value: "{...} garbage" is malformed. */
    if (json && end) {
        for (const char *p = end; p < text + len; p++)
            if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
                cJSON_Delete(json);
                json = NULL;
                break;
            }
    }
    free(patched);
    return json;
}

/* Honest accounting: every cJSON node and string as malloc sees it. */
static size_t json_bytes(const cJSON *item)
{
    const size_t overhead = 16;
    size_t n = 0;
    for (; item; item = item->next) {
        n += sizeof(cJSON) + overhead;
        if (item->string)
            n += strlen(item->string) + 1 + overhead;
        if (item->valuestring)
            n += strlen(item->valuestring) + 1 + overhead;
        if (item->child)
            n += json_bytes(item->child);
    }
    return n;
}

static const char *list_member(enum res_kind kind)
{
    switch (kind) {
    case RES_TENANTS: return "tenants";
    case RES_DOMAINS: return "domains";
    case RES_MAILBOXES: return "mailboxes";
    default: return NULL;
    }
}

static const char *list_key(enum res_kind kind)
{
    switch (kind) {
    case RES_TENANTS: return "tenant_id";
    case RES_DOMAINS: return "domain_name";
    case RES_MAILBOXES: return "id";
    default: return NULL;
    }
}

/* Order by name, then by API position, so the first of equal names wins. */
static int cmp_child(const void *a, const void *b, void *arg)
{
    const struct res_child *c = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int d = strcmp(c[i].name, c[j].name);
    return d ? d : (i < j ? -1 : i > j);
}

static long find_sorted(const struct resource *r, const char *name)
{
    size_t lo = 0, hi = r->nchildren;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->children[r->sorted[mid]].name, name);
        if (c == 0)
            return (long)r->sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Children with a missing, unsafe or duplicate name are left out and
 * logged: they can never become path components. */
static void index_children(struct resource *r, const cJSON *array)
{
    const char *key = list_key(r->kind);
    size_t n = (size_t)cJSON_GetArraySize(array);
    struct res_child *all = xcalloc(n ? n : 1, sizeof *all);
    size_t *order = xcalloc(n ? n : 1, sizeof *order);
    size_t count = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, array)
    {
        const char *name = json_str(item, key);
        if (!cJSON_IsObject(item) || !name) {
            log_warn("skipping a %s entry without a string %s", list_member(r->kind), key);
            continue;
        }
        if (!name_is_safe(name)) {
            log_warn("skipping a %s entry whose %s is not a safe file name",
                     list_member(r->kind), key);
            continue;
        }
        all[count].name = name;
        all[count].item = item;
        order[count] = count;
        count++;
    }
    qsort_r(order, count, sizeof *order, cmp_child, all);

    /* keep[i]: entry i (API order) is the first of its name. */
    char *keep = xcalloc(count ? count : 1, 1);
    for (size_t k = 0; k < count; k++) {
        if (k > 0 && strcmp(all[order[k - 1]].name, all[order[k]].name) == 0) {
            log_warn("skipping a duplicate %s entry", list_member(r->kind));
            continue;
        }
        keep[order[k]] = 1;
    }
    size_t *newpos = xcalloc(count ? count : 1, sizeof *newpos);
    r->children = xcalloc(count ? count : 1, sizeof *r->children);
    for (size_t i = 0; i < count; i++)
        if (keep[i]) {
            newpos[i] = r->nchildren;
            r->children[r->nchildren++] = all[i];
        }
    r->sorted = xcalloc(count ? count : 1, sizeof *r->sorted);
    size_t w = 0;
    for (size_t k = 0; k < count; k++)
        if (keep[order[k]])
            r->sorted[w++] = newpos[order[k]];
    free(all);
    free(order);
    free(keep);
    free(newpos);
}

struct resource *resource_from_json(enum res_kind kind, cJSON *json)
{
    struct resource *r = xcalloc(1, sizeof *r);
    atomic_init(&r->refs, 1);
    r->kind = kind;
    r->status = RES_OK;
    r->json = json;
    r->gen = atomic_fetch_add(&next_gen, 1);
    const char *member = list_member(kind);
    if (member) {
        const cJSON *array = cJSON_IsArray(json) ? json
                                                 : cJSON_GetObjectItemCaseSensitive(json, member);
        index_children(r, cJSON_IsArray(array) ? array : NULL);
    }
    r->bytes = sizeof *r + json_bytes(json) + r->nchildren * (sizeof *r->children + sizeof(size_t));
    return r;
}

static struct resource *resource_status(enum res_kind kind, enum res_status status,
                                        const struct api_error *err)
{
    struct resource *r = xcalloc(1, sizeof *r);
    atomic_init(&r->refs, 1);
    r->kind = kind;
    r->status = status;
    if (err)
        r->err = *err;
    r->gen = atomic_fetch_add(&next_gen, 1);
    r->bytes = sizeof *r;
    return r;
}

int resource_decode(const struct res_id *id, int http_status, const char *body, size_t len,
                    struct resource **out, struct api_error *err)
{
    enum api_endpoint ep = res_kind_endpoint(id->kind);
    *out = NULL;
    if (http_status == 404) {
        api_error_from_http(err, ep, http_status, body, len);
        /* A policy 404 means "no policy" unless it names something else
         * missing: a body whose code cannot be read must not turn a file
         * that `ls` lists into ENOENT (the tenant and the domain are known
         * to exist: the listing checked them before the policy is read). */
        if (id->kind == RES_POLICY &&
            (strcmp(err->code, "policy_not_found") == 0 || err->code[0] == '\0'))
            *out = resource_status(id->kind, RES_POLICY_NONE, NULL);
        else
            *out = resource_status(id->kind, RES_NOT_FOUND, err);
        return 0;
    }
    if (http_status < 200 || http_status > 299) {
        api_error_from_http(err, ep, http_status, body, len);
        return -err->err;
    }
    /* One whole JSON value: cJSON stops after the first, so "{...} garbage"
     * or two objects in a row passed as the first (found by fuzz_response). */
    cJSON *json = json_parse_untrusted(body, len);
    const char *member = list_member(id->kind);
    int shape_ok = cJSON_IsObject(json) &&
                   (!member || cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(json, member)));
    if (member && cJSON_IsArray(json))
        shape_ok = 1; /* a bare array of items is as usable */
    if (!shape_ok) {
        api_error_set(err, EIO, http_status, NULL,
                      !json ? "malformed JSON in the API's answer"
                            : "the API's answer does not have the documented shape");
        cJSON_Delete(json);
        return -EIO;
    }
    *out = resource_from_json(id->kind, json);
    return 0;
}

struct resource *resource_ref(struct resource *r)
{
    atomic_fetch_add(&r->refs, 1);
    return r;
}

void resource_put(struct resource *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    cJSON_Delete(r->json);
    free(r->children);
    free(r->sorted);
    free(r);
}

const cJSON *resource_child(const struct resource *r, const char *name)
{
    if (!r || r->nchildren == 0)
        return NULL;
    long i = find_sorted(r, name);
    return i < 0 ? NULL : r->children[i].item;
}
