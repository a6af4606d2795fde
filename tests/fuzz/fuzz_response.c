/* fuzz_response: API answers in, file contents out. resource_decode takes
 * the input as the answer of one endpoint with one HTTP status; every
 * API-backed renderer of the tree then renders from it (the other
 * resources are fixed, realistic answers), once fetching and once peeking.
 * Checked: decoded lists index only safe, unique names in API order; every
 * .json file is valid UTF-8 JSON of an object that parses back with cJSON
 * and prints identically again; one-value files are one line; links point
 * at listed names; health tables, zone files and mailboxes.csv keep their
 * shape whatever the names hold; failures are explained; every resource a
 * render took is released.
 *
 * Input: byte 0 the resource kind, byte 1 the HTTP status (mostly 200),
 * byte 2 which kinds a peeking render finds in cache, then the body. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "fuzz_check.h"
#include "jsonout.h"
#include "log.h"
#include "errlog.h"
#include "mount.h"
#include "names.h"
#include "nodeops.h"
#include "render.h"
#include "resource.h"
#include "strbuf.h"
#include "tree.h"

#define TA   "8f1c2e4a-1b2c-4d5e-8f90-123456789abc"
#define TB   "1234abcd-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
#define DOM  "mail.acmecorp.com"
#define DOM2 "outreach.acmecorp.com"
#define MB1  "6b1e0a52-7c3d-4e8f-9a10-b2c3d4e5f601"
#define MB2  "6b1e0a52-7c3d-4e8f-9a10-b2c3d4e5f602"

/* ---- the fixed answers (api-docs examples, two of each list) ------------- */

static const char *const default_body[RES_KIND_COUNT] = {
    [RES_TENANTS] =
        "{\"tenants\":[{\"id\":\"3f6c9d2e-0a1b-4c5d-8e9f-a0b1c2d3e4f5\",\"tenant_id\":\"" TA "\","
        "\"tenant_name\":\"Acme Corp\",\"tenant_domain\":\"acmecorp.onmicrosoft.com\","
        "\"default_domain\":\"" DOM "\",\"domain_count\":2,\"mailbox_count\":2,\"status\":null,"
        "\"discovery_completed\":true,\"exchange_bootstrap_status\":\"ready\","
        "\"consented_at\":\"2025-01-15T14:32:00Z\",\"last_sync_at\":\"2025-04-20T08:00:00Z\"},"
        "{\"tenant_id\":\"" TB "\",\"tenant_name\":\"Beta Ltd\",\"domain_count\":0}],\"count\":2}",
    [RES_TENANT] =
        "{\"id\":\"3f6c9d2e-0a1b-4c5d-8e9f-a0b1c2d3e4f5\",\"tenant_id\":\"" TA "\","
        "\"tenant_name\":\"Acme Corp\",\"tenant_domain\":\"acmecorp.onmicrosoft.com\","
        "\"default_domain\":\"" DOM "\",\"domain_count\":2,\"mailbox_count\":2,\"status\":null,"
        "\"discovery_completed\":true,\"exchange_bootstrap_status\":\"ready\","
        "\"smtp_auth_org_enabled\":true,\"consented_at\":\"2025-01-15T14:32:00Z\","
        "\"last_sync_at\":\"2025-04-20T08:00:00Z\",\"connected_by\":\"you@example.com\"}",
    [RES_DOMAINS] =
        "{\"tenant_id\":\"" TA "\",\"domains\":[{\"id\":\"d1\",\"domain_name\":\"" DOM "\","
        "\"is_default\":true,\"is_verified\":true,"
        "\"spf_status\":\"v=spf1 include:spf.protection.outlook.com -all\","
        "\"dkim_status\":\"healthy\",\"dmarc_status\":\"v=DMARC1; p=quarantine\","
        "\"mx_status\":\"acmecorp-com.mail.protection.outlook.com.\","
        "\"last_checked\":\"2025-04-20T08:00:00Z\"},"
        "{\"id\":\"d2\",\"domain_name\":\"" DOM2 "\",\"is_default\":false,\"is_verified\":false,"
        "\"spf_status\":\"missing\",\"dkim_status\":\"missing\",\"dmarc_status\":\"missing\","
        "\"mx_status\":\"missing\",\"last_checked\":\"2025-04-20T08:00:00Z\"}],\"count\":2}",
    [RES_DNS] =
        "{\"tenant_id\":\"" TA "\",\"domain_name\":\"" DOM "\",\"is_default\":false,"
        "\"is_verified\":true,\"dns_status\":{\"spf\":\"v=spf1 -all\",\"dkim\":\"healthy\","
        "\"dmarc\":\"v=DMARC1; p=quarantine\",\"mx\":\"x.mail.protection.outlook.com.\"},"
        "\"verification_dns_records\":[{\"recordType\":\"domainDnsTxtRecord\",\"label\":\"@\","
        "\"text\":\"MS=ms12345678\",\"ttl\":3600}],"
        "\"service_configuration_records\":[{\"recordType\":\"domainDnsMxRecord\",\"label\":\"@\","
        "\"mailExchange\":\"mail-acmecorp-com.mail.protection.outlook.com\",\"preference\":0,"
        "\"ttl\":3600},{\"recordType\":\"domainDnsCnameRecord\",\"label\":\"selector1._domainkey\","
        "\"canonicalName\":\"selector1-mail-acmecorp-com._domainkey.acmecorp.onmicrosoft.com\","
        "\"ttl\":3600}],\"last_checked\":\"2025-04-20T08:00:00Z\"}",
    [RES_DKIM] = "{\"domain_name\":\"" DOM "\",\"dkim_status\":\"pending\","
                 "\"selectors\":{\"selector1\":\"missing\",\"selector2\":\"propagated\"},"
                 "\"ready_to_enable\":false,\"last_checked\":\"2025-04-20T08:00:00Z\"}",
    [RES_MAILBOXES] =
        "{\"tenant_id\":\"" TA "\",\"mailboxes\":[{\"id\":\"" MB1
        "\",\"display_name\":\"John Doe\","
        "\"primary_smtp\":\"john@" DOM "\",\"account_enabled\":true,\"daily_send_limit\":25,"
        "\"sends_today\":12,\"blocked_at\":null,\"created_at\":\"2025-01-20T10:00:00Z\","
        "\"domain_name\":\"" DOM "\",\"tenant_name\":\"Acme Corp\"},"
        "{\"id\":\"" MB2 "\",\"display_name\":\"Doe, Jane \\\"JD\\\"\","
        "\"primary_smtp\":\"jane@" DOM2 "\",\"daily_send_limit\":null,\"sends_today\":0}],"
        "\"count\":2}",
    [RES_USAGE] = "{\"mailbox_id\":\"" MB1 "\",\"primary_smtp\":\"john@" DOM "\","
                  "\"display_name\":\"John Doe\",\"account_enabled\":true,\"daily_send_limit\":25,"
                  "\"sends_today\":18,\"remaining_sends\":7,\"is_blocked\":false,"
                  "\"blocked_at\":null,\"utilization_pct\":72.0}",
    [RES_POLICY] = "{\"tenant_id\":\"" TA "\",\"daily_send_limit\":20,\"domain_scope\":null}",
    /* As api_events.c assembles the pages: newest first. */
    [RES_EVENTS] = "{\"total\":2,\"events\":[{\"id\":\"e2\",\"tenant_id\":\"" TA "\","
                   "\"mailbox_address\":\"john@" DOM "\",\"action_taken\":\"unblocked\","
                   "\"sent_count\":0,\"limit_value\":25,\"message\":\"Mailbox unblocked\","
                   "\"created_at\":\"2025-04-21T00:00:00Z\"},{\"id\":\"e1\",\"tenant_id\":\"" TA "\","
                   "\"mailbox_address\":\"john@" DOM "\",\"action_taken\":\"blocked\","
                   "\"sent_count\":26,\"limit_value\":25,\"message\":\"Mailbox blocked: sent 26, "
                   "limit 25\",\"created_at\":\"2025-04-20T14:30:00Z\"}]}",
};

static struct resource *defaults[RES_KIND_COUNT];
static struct mount fuzz_mount;
/* node_needs[k]: the resource kinds node kind k renders from (learnt at start
 * from the fixed answers), so an input only renders the files it feeds. */
static unsigned node_needs[N_COUNT];
static const char *const default_name[] = {TA, DOM, MB1};

/* Statuses the decoder and the errno table tell apart; most inputs are 200. */
static const int statuses[] = {404, 400, 401, 403, 409, 429, 500, 503,
                               201, 204, 299, 0,   302, 422, 200, 200};

/* ---- a res_source over the fuzzed answer and the fixed ones -------------- */

struct fuzz_source {
    enum res_kind kind; /* the kind the input answers */
    int decode_rc;      /* resource_decode's result */
    struct api_error decode_err;
    struct resource *res; /* when decode_rc == 0 */
    unsigned warm;        /* kinds a peeking render finds */
    unsigned seen;        /* kinds asked for (to learn what renders need) */
};

/* The API path of every request a renderer makes is well formed: names are
 * percent-encoded, so only unreserved characters, '%', '/', and the one
 * query of a scoped policy appear. */
static void check_res_id(const struct res_id *id)
{
    FUZZ_CHECK(id->kind >= 0 && id->kind < RES_KIND_COUNT);
    if (id->kind == RES_EVENTS)
        FUZZ_CHECK(!id->tenant || name_is_safe(id->tenant));
    else if (id->kind != RES_TENANTS)
        FUZZ_CHECK(id->tenant && name_is_safe(id->tenant));
    if (id->kind == RES_DNS || id->kind == RES_DKIM || id->kind == RES_USAGE)
        FUZZ_CHECK(id->sub && name_is_safe(id->sub));
    /* A policy's scope may come from a mailbox's domain_name, any string:
     * it only travels percent-encoded in the query (checked below). */
    if (id->kind == RES_POLICY)
        FUZZ_CHECK(id->sub != NULL);
    struct strbuf p = STRBUF_INIT;
    res_id_path(id, &p);
    size_t queries = 0;
    for (size_t i = 0; i < p.len; i++) {
        unsigned char c = (unsigned char)p.data[i];
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        queries += c == '?';
        FUZZ_CHECK(unreserved || c == '/' || c == '%' || c == '?' || c == '=');
    }
    FUZZ_CHECK(queries <= 1 && strncmp(p.data, id->kind == RES_EVENTS ? "/v1/enforcement/events"
                                                                       : "/v1/tenants",
                                       id->kind == RES_EVENTS ? 22 : 11) == 0);
    sb_free(&p);
}

static int fuzz_get(void *arg, const struct res_id *id, bool peek, struct resource **out,
                    struct api_error *err)
{
    struct fuzz_source *src = arg;
    check_res_id(id);
    src->seen |= 1u << id->kind;
    *out = NULL;
    if (peek && !(src->warm & (1u << id->kind))) {
        api_error_set(err, ENODATA, 0, NULL, "not in cache");
        return -ENODATA;
    }
    struct resource *r = defaults[id->kind];
    if (id->kind == src->kind) {
        if (src->decode_rc) {
            *err = src->decode_err;
            return src->decode_rc;
        }
        r = src->res;
    }
    /* As the cache delivers: a 404 is -ENOENT with the API's error. */
    if (r->status == RES_NOT_FOUND) {
        *err = r->err;
        err->err = ENOENT;
        return -ENOENT;
    }
    *out = resource_ref(r);
    return 0;
}

static void fuzz_prefetch(void *arg, const struct res_id *id)
{
    (void)arg;
    check_res_id(id);
}

/* ---- checks of decoded answers -------------------------------------------- */

static const char *list_key(enum res_kind kind)
{
    return kind == RES_TENANTS ? "tenant_id" : kind == RES_DOMAINS ? "domain_name" : "id";
}

static bool is_list(enum res_kind kind)
{
    return kind == RES_TENANTS || kind == RES_DOMAINS || kind == RES_MAILBOXES;
}

static void check_index(const struct resource *r)
{
    if (!is_list(r->kind)) {
        FUZZ_CHECK(r->nchildren == 0);
        return;
    }
    const char *member = r->kind == RES_TENANTS   ? "tenants"
                         : r->kind == RES_DOMAINS ? "domains"
                                                  : "mailboxes";
    const cJSON *array =
        cJSON_IsArray(r->json) ? r->json : cJSON_GetObjectItemCaseSensitive(r->json, member);
    FUZZ_CHECK(cJSON_IsArray(array));
    /* Children are items of the array, in API order, named by their key. */
    const cJSON *item = array->child;
    for (size_t i = 0; i < r->nchildren; i++) {
        while (item && item != r->children[i].item)
            item = item->next;
        FUZZ_CHECK(item != NULL);
        item = item->next;
        const char *name = r->children[i].name;
        FUZZ_CHECK(name_is_safe(name));
        FUZZ_CHECK(cJSON_IsObject(r->children[i].item));
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(r->children[i].item, list_key(r->kind));
        FUZZ_CHECK(cJSON_IsString(key) && key->valuestring == name);
        FUZZ_CHECK(resource_child(r, name) == r->children[i].item);
    }
    /* sorted is a permutation in strictly increasing name order (unique). */
    for (size_t k = 0; k < r->nchildren; k++) {
        FUZZ_CHECK(r->sorted[k] < r->nchildren);
        if (k > 0)
            FUZZ_CHECK(strcmp(r->children[r->sorted[k - 1]].name, r->children[r->sorted[k]].name) <
                       0);
    }
}

/* Printed JSON: valid UTF-8 without NUL, parses back (entirely) to a value
 * that prints the same bytes again. Returns the parsed value. */
static cJSON *check_json_text(const char *text, size_t len, bool pretty)
{
    FUZZ_CHECK(!memchr(text, '\0', len));
    FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)text, len));
    const char *end = NULL;
    cJSON *back = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    FUZZ_CHECK(back != NULL);
    size_t used = (size_t)(end - text);
    if (pretty) /* one newline, nothing else after the value */
        FUZZ_CHECK(used + 1 == len && text[used] == '\n' && (used == 0 || text[used - 1] != '\n'));
    else
        FUZZ_CHECK(used == len);
    struct strbuf again = STRBUF_INIT;
    if (pretty)
        json_print_pretty(&again, back);
    else
        json_print_compact(&again, back);
    FUZZ_CHECK(again.len == len && memcmp(again.data, text, len) == 0);
    sb_free(&again);
    return back;
}

static bool valid_text(const char *s)
{
    return s && fuzz_utf8_valid((const unsigned char *)s, strlen(s));
}

/* Whether printed (parsed back) is orig as the API sent it: same types,
 * members in the same order, the same numbers (non-finite ones as null),
 * the same keys and strings wherever those were valid UTF-8 (invalid bytes
 * become U+FFFD). */
static bool same_json(const cJSON *printed, const cJSON *orig)
{
    if (cJSON_IsNumber(orig)) {
        if (!isfinite(orig->valuedouble))
            return cJSON_IsNull(printed);
        return cJSON_IsNumber(printed) && printed->valuedouble == orig->valuedouble;
    }
    if ((printed->type & 0xFF) != (orig->type & 0xFF))
        return false;
    if (cJSON_IsString(orig))
        return !valid_text(orig->valuestring) ||
               strcmp(printed->valuestring, orig->valuestring) == 0;
    if (!cJSON_IsArray(orig) && !cJSON_IsObject(orig))
        return true; /* null, true, false */
    const cJSON *a = printed->child, *b = orig->child;
    for (; a && b; a = a->next, b = b->next) {
        if (cJSON_IsObject(orig) && valid_text(b->string) && strcmp(a->string, b->string) != 0)
            return false;
        if (!same_json(a, b))
            return false;
    }
    return !a && !b;
}

static void check_printers(const cJSON *json)
{
    struct strbuf sb = STRBUF_INIT;
    json_print_pretty(&sb, json);
    cJSON *back = check_json_text(sb.data, sb.len, true);
    FUZZ_CHECK(same_json(back, json));
    cJSON_Delete(back);
    sb_reset(&sb);
    json_print_compact(&sb, json);
    back = check_json_text(sb.data, sb.len, false);
    FUZZ_CHECK(same_json(back, json));
    cJSON_Delete(back);
    sb_free(&sb);
}

static void check_decoded(enum res_kind kind, int status, const char *body, size_t len, int rc,
                          const struct resource *r, const struct api_error *err)
{
    if (rc != 0) {
        FUZZ_CHECK(rc < 0 && r == NULL && err->err == -rc);
        FUZZ_CHECK(fuzz_field_clean(err->code, sizeof err->code));
        FUZZ_CHECK(fuzz_field_clean(err->message, sizeof err->message));
        FUZZ_CHECK(status != 404);
        return;
    }
    FUZZ_CHECK(r && r->kind == kind && atomic_load(&r->refs) == 1 && r->bytes > 0);
    if (status == 404) {
        FUZZ_CHECK(r->status == RES_NOT_FOUND ||
                   (r->status == RES_POLICY_NONE && kind == RES_POLICY));
        FUZZ_CHECK(!r->json && r->nchildren == 0);
        FUZZ_CHECK(fuzz_field_clean(r->err.code, sizeof r->err.code));
        FUZZ_CHECK(fuzz_field_clean(r->err.message, sizeof r->err.message));
        return;
    }
    FUZZ_CHECK(status >= 200 && status <= 299 && r->status == RES_OK);
    /* Only one whole JSON value is an answer: anything after it but
     * whitespace makes the body malformed (SEMANTICS.md §6: EIO). */
    const char *end = NULL;
    cJSON *again = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    FUZZ_CHECK(again != NULL);
    cJSON_Delete(again);
    for (; end < body + len; end++)
        FUZZ_CHECK(*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r');
    FUZZ_CHECK(cJSON_IsObject(r->json) || (is_list(kind) && cJSON_IsArray(r->json)));
    check_index(r);
    check_printers(r->json);
}

/* ---- checks of rendered files ---------------------------------------------- */

/* One line of text: a final newline and no other control character. */
static void check_line(const char *s, size_t len)
{
    FUZZ_CHECK(len >= 1 && s[len - 1] == '\n');
    for (size_t i = 0; i + 1 < len; i++)
        FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7F);
}

static void check_limit(const char *s, size_t len)
{
    if (len == 5 && memcmp(s, "none\n", 5) == 0)
        return;
    FUZZ_CHECK(len >= 2 && s[len - 1] == '\n');
    for (size_t i = 0; i + 1 < len; i++)
        FUZZ_CHECK(s[i] >= '0' && s[i] <= '9');
}

/* A link "<prefix><name>" to a child of list. */
static void check_link(const char *s, size_t len, const char *prefix, const struct resource *list)
{
    size_t n = strlen(prefix);
    FUZZ_CHECK(len > n && memcmp(s, prefix, n) == 0 && strlen(s) == len);
    FUZZ_CHECK(name_is_safe(s + n) && resource_child(list, s + n) != NULL);
}

/* Cells are single words: every line has ncols space-separated fields. */
static void check_health(const char *s, size_t len, int ncols, long rows)
{
    FUZZ_CHECK(len >= 1 && s[len - 1] == '\n' && strlen(s) == len);
    long lines = 0;
    for (const char *line = s; *line; lines++) {
        const char *eol = strchr(line, '\n');
        int fields = 0;
        for (const char *p = line; p < eol;) {
            FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7F);
            if (*p == ' ') {
                p++;
                continue;
            }
            fields++;
            while (p < eol && *p != ' ')
                p++;
        }
        FUZZ_CHECK(fields == ncols);
        if (lines == 0)
            FUZZ_CHECK(strncmp(line, ncols == 7 ? "TENANT" : "DOMAIN", 6) == 0);
        line = eol + 1;
    }
    if (rows >= 0)
        FUZZ_CHECK(lines == rows + 1);
}

/* A zone file is printable ASCII, tabs and newlines only, so no name or
 * text from the API can start a record of its own; records have 5 fields. */
static void check_zone(const char *s, size_t len)
{
    FUZZ_CHECK(strlen(s) == len && (len == 0 || s[len - 1] == '\n'));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        FUZZ_CHECK((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n');
    }
    for (const char *line = s; *line;) {
        const char *eol = strchr(line, '\n');
        int tabs = 0;
        for (const char *p = line; p < eol; p++)
            tabs += *p == '\t';
        if (line == eol || *line == ';') {
            /* blank line or comment */
        } else if (strncmp(line, "$ORIGIN ", 8) == 0) {
            FUZZ_CHECK(tabs == 0 && eol[-1] == '.' &&
                       !memchr(line + 8, ' ', (size_t)(eol - line - 8)));
        } else {
            FUZZ_CHECK(tabs == 4 && line[0] != '\t' && line[0] != ' ');
            const char *in = strstr(line, "\tIN\t");
            FUZZ_CHECK(in && in < eol);
            const char *type = in + 4;
            FUZZ_CHECK(strncmp(type, "TXT\t", 4) == 0 || strncmp(type, "MX\t", 3) == 0 ||
                       strncmp(type, "CNAME\t", 6) == 0 || strncmp(type, "SRV\t", 4) == 0);
            for (const char *p = line; *p != '\t'; p++)
                FUZZ_CHECK(*p != ' ' && *p != '"' && *p != ';');
        }
        line = eol + 1;
    }
}

/* enforcement.log: lines of exactly six single-space-separated fields,
 * printable, none empty (so awk and cut see six columns, whatever the
 * API sent); .jsonl: one JSON object a line. */
static void check_events(enum node_kind k, const char *s, size_t len)
{
    FUZZ_CHECK(strlen(s) == len && (len == 0 || s[len - 1] == '\n'));
    bool jsonl = k == N_EVENTS_JSONL || k == N_TENANT_EVENTS_JSONL;
    for (const char *line = s; *line;) {
        const char *eol = strchr(line, '\n');
        if (jsonl) {
            cJSON *obj = check_json_text(line, (size_t)(eol - line), false);
            FUZZ_CHECK(cJSON_IsObject(obj));
            cJSON_Delete(obj);
        } else {
            int fields = 1;
            FUZZ_CHECK(eol > line && *line != ' ' && eol[-1] != ' ');
            for (const char *p = line; p < eol; p++) {
                FUZZ_CHECK((unsigned char)*p > 0x20 || *p == ' ');
                FUZZ_CHECK(*p != 0x7F);
                if (*p == ' ') {
                    FUZZ_CHECK(p[1] != ' ');
                    fields++;
                }
            }
            FUZZ_CHECK(fields == 6);
        }
        line = eol + 1;
    }
}

/* RFC 4180: every record has 8 fields; rows data records follow the header. */
static void check_csv(const char *s, size_t len, long rows)
{
    static const char header[] = "email,display_name,domain,daily_send_limit,enforced_limit,"
                                 "sends_today,remaining_sends,blocked\n";
    FUZZ_CHECK(len >= sizeof header - 1 && memcmp(s, header, sizeof header - 1) == 0);
    long records = 0;
    size_t i = 0;
    while (i < len) {
        int fields = 0;
        for (;;) {
            fields++;
            if (i < len && s[i] == '"') {
                i++;
                for (;;) {
                    FUZZ_CHECK(i < len);
                    if (s[i] == '"') {
                        if (i + 1 < len && s[i + 1] == '"') {
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    i++;
                }
            } else {
                while (i < len && s[i] != ',' && s[i] != '\n') {
                    FUZZ_CHECK(s[i] != '"' && s[i] != '\r' && s[i] != '\0');
                    i++;
                }
            }
            FUZZ_CHECK(i < len && (s[i] == ',' || s[i] == '\n'));
            if (s[i++] == '\n')
                break;
        }
        FUZZ_CHECK(fields == 8);
        records++;
    }
    if (rows >= 0)
        FUZZ_CHECK(records == rows + 1);
}

/* The Prometheus text format 0.0.4, as a scraper parses it: valid UTF-8;
 * every line a "# HELP"/"# TYPE" of a tenantcore_ family or a sample
 * name{label="value",...} number, label values escaped (only \\, \" and
 * \n, no raw line break: a line is a sample). */
static void check_prom(const char *s, size_t len)
{
    FUZZ_CHECK(len >= 1 && s[len - 1] == '\n' && strlen(s) == len);
    FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)s, len));
    for (const char *line = s; *line;) {
        const char *eol = strchr(line, '\n'), *p = line;
        if (strncmp(p, "# HELP tenantcore_", 18) == 0 ||
            strncmp(p, "# TYPE tenantcore_", 18) == 0) {
            line = eol + 1;
            continue;
        }
        FUZZ_CHECK(strncmp(p, "tenantcore_", 11) == 0);
        while ((*p >= 'a' && *p <= 'z') || *p == '_')
            p++;
        if (*p == '{') {
            do {
                p++;
                FUZZ_CHECK((*p >= 'a' && *p <= 'z') || *p == '_');
                while ((*p >= 'a' && *p <= 'z') || *p == '_')
                    p++;
                FUZZ_CHECK(p[0] == '=' && p[1] == '"');
                for (p += 2; *p != '"'; p++) {
                    FUZZ_CHECK(p < eol);
                    if (*p == '\\') {
                        p++;
                        FUZZ_CHECK(*p == '\\' || *p == '"' || *p == 'n');
                    }
                }
                p++;
            } while (*p == ',');
            FUZZ_CHECK(*p++ == '}');
        }
        FUZZ_CHECK(*p++ == ' ');
        char *end;
        strtod(p, &end);
        FUZZ_CHECK(end == eol && end > p);
        line = eol + 1;
    }
}

/* ---- rendering every API-backed file --------------------------------------- */

struct names_set {
    const char *v[4];
    size_t n;
};

struct candidates {
    const struct resource *tenants, *domains, *mailboxes; /* usable lists, else NULL */
    struct names_set tenant, domain, mailbox;
    const char *email[4], *email_domain[4];
    size_t nemail;
    char **links;
    size_t nlinks; /* entries of links (the tenants list's children) */
};

static const struct resource *usable_list(const struct fuzz_source *src, enum res_kind kind)
{
    const struct resource *r =
        kind == src->kind ? (src->decode_rc ? NULL : src->res) : defaults[kind];
    return r && r->status == RES_OK ? r : NULL;
}

static void pick_names(struct names_set *set, const struct resource *list, const char *dflt)
{
    set->n = 0;
    for (size_t i = 0; list && i < list->nchildren && set->n < 4; i++)
        set->v[set->n++] = list->children[i].name;
    if (set->n == 0) /* a name the list does not hold: the not-found paths */
        set->v[set->n++] = dflt;
}

static void gather(const struct fuzz_source *src, struct candidates *c)
{
    memset(c, 0, sizeof *c);
    c->tenants = usable_list(src, RES_TENANTS);
    c->domains = usable_list(src, RES_DOMAINS);
    c->mailboxes = usable_list(src, RES_MAILBOXES);
    pick_names(&c->tenant, c->tenants, default_name[0]);
    pick_names(&c->domain, c->domains, default_name[1]);
    pick_names(&c->mailbox, c->mailboxes, default_name[2]);
    for (size_t i = 0; c->mailboxes && i < c->mailboxes->nchildren && c->nemail < 4; i++) {
        const cJSON *item = c->mailboxes->children[i].item;
        const char *email = json_str(item, "primary_smtp");
        const char *domain = mailbox_domain(item);
        if (email && domain && name_is_safe(email) && name_is_safe(domain)) {
            c->email[c->nemail] = email;
            c->email_domain[c->nemail++] = domain;
        }
    }
    if (c->nemail == 0) {
        c->email[0] = "nobody@" DOM;
        c->email_domain[c->nemail++] = DOM;
    }
    /* by-name/ entries: safe and distinct, or they cannot be a listing. */
    if (c->tenants) {
        c->links = by_name_names(c->tenants);
        c->nlinks = c->tenants->nchildren;
        for (size_t i = 0; i < c->nlinks; i++) {
            if (!c->links[i])
                continue;
            FUZZ_CHECK(name_is_safe(c->links[i]));
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(!c->links[j] || strcmp(c->links[i], c->links[j]) != 0);
        }
    }
}

static const struct resource *served(const struct fuzz_source *src, enum res_kind kind)
{
    return kind == src->kind ? src->res : defaults[kind];
}

/* The API object a .json file shows (NULL for files this does not know). */
static const cJSON *shown_object(enum node_kind k, const struct route *rt,
                                 const struct fuzz_source *src)
{
    switch (k) {
    case N_TENANT_JSON:
        return served(src, RES_TENANT)->json;
    case N_DNS_JSON:
        return served(src, RES_DNS)->json;
    case N_DKIM_JSON:
        return served(src, RES_DKIM)->json;
    case N_USAGE_JSON:
        return served(src, RES_USAGE)->json;
    case N_DOMAIN_JSON:
        return resource_child(served(src, RES_DOMAINS), rt->domain);
    case N_MAILBOX_JSON:
        return resource_child(served(src, RES_MAILBOXES), rt->mailbox);
    default:
        return NULL;
    }
}

static void check_output(enum node_kind k, const struct route *rt, const char *s, size_t len,
                         const struct candidates *c, const struct fuzz_source *src)
{
    const char *fname = node_type(k)->name;
    size_t flen = fname ? strlen(fname) : 0;
    if (flen > 5 && strcmp(fname + flen - 5, ".json") == 0) {
        cJSON *back = check_json_text(s, len, true);
        FUZZ_CHECK(cJSON_IsObject(back));
        const cJSON *orig = shown_object(k, rt, src);
        FUZZ_CHECK(!orig || same_json(back, orig));
        cJSON_Delete(back);
        return;
    }
    const struct resource *domains = c->domains;
    switch (k) {
    case N_TENANT_NAME:
    case N_DISPLAY_NAME:
    case N_DKIM_STATUS:
        check_line(s, len);
        break;
    case N_TENANT_SYNC:
    case N_PROVISION:
    case N_META_INVALIDATE:
        FUZZ_CHECK(len == 0);
        break;
    case N_META_ERRORS:
        /* One failure a line, seven fields or more, nothing that could
         * start a line of its own. */
        FUZZ_CHECK(strlen(s) == len && len > 0 && s[len - 1] == '\n');
        for (size_t i = 0; i < len; i++)
            FUZZ_CHECK((unsigned char)s[i] >= 0x20 || s[i] == '\n');
        break;
    case N_TENANT_LIMIT:
    case N_DOMAIN_LIMIT:
    case N_DAILY_LIMIT:
        check_limit(s, len);
        break;
    case N_VERIFY:
        FUZZ_CHECK(strcmp(s, "verified\n") == 0 || strcmp(s, "unverified\n") == 0);
        break;
    case N_DOMAIN_MAILBOX_LINK:
        check_link(s, len, "../../../mailboxes/", c->mailboxes);
        break;
    case N_BY_NAME_LINK:
        check_link(s, len, "../tenants/", c->tenants);
        break;
    case N_TENANT_HEALTH:
        check_health(s, len, 6, domains ? (long)domains->nchildren : -1);
        break;
    case N_HEALTH:
        check_health(s, len, 7, -1);
        break;
    case N_TENANT_ZONE:
    case N_DOMAIN_ZONE:
        check_zone(s, len);
        break;
    case N_TENANT_CSV:
        check_csv(s, len, c->mailboxes ? (long)c->mailboxes->nchildren : -1);
        break;
    case N_EVENTS_LOG:
    case N_EVENTS_JSONL:
    case N_TENANT_EVENTS_LOG:
    case N_TENANT_EVENTS_JSONL:
        check_events(k, s, len);
        break;
    case N_METRICS:
        check_prom(s, len);
        break;
    default:
        break;
    }
}

static void render_one(enum node_kind k, const char *path, const struct candidates *c,
                       struct fuzz_source *src, bool peek)
{
    struct route rt;
    /* Names the API lists are routable: the tree can show them. */
    FUZZ_CHECK(route_path(path, &rt) == 0 && rt.kind == k);
    static const struct res_source source_ops = {fuzz_get, fuzz_prefetch, NULL};
    struct res_source ops = source_ops;
    ops.arg = src;
    struct render_ctx rc;
    render_ctx_init(&rc, &ops, peek, &fuzz_mount);
    struct strbuf out = STRBUF_INIT;
    int err = node_ops(k)->render(&rc, &rt, &out);
    if (err == 0) {
        check_output(k, &rt, out.data ? out.data : "", out.len, c, src);
    } else {
        /* A failure carries its reason to the errors file. */
        FUZZ_CHECK(err < 0 && rc.err.err == -err);
        FUZZ_CHECK(fuzz_field_clean(rc.err.code, sizeof rc.err.code));
        FUZZ_CHECK(fuzz_field_clean(rc.err.message, sizeof rc.err.message));
    }
    sb_free(&out);
    render_ctx_done(&rc);
    /* Every reference the render took is given back. */
    for (int kind = 0; kind < RES_KIND_COUNT; kind++)
        FUZZ_CHECK(atomic_load(&defaults[kind]->refs) == 1);
    if (src->res)
        FUZZ_CHECK(atomic_load(&src->res->refs) == 1);
}

/* Render node kind k for every combination of candidate names it takes. */
static void render_kind(enum node_kind k, const struct candidates *c, struct fuzz_source *src)
{
    bool needs[P_LINKNAME + 1] = {false};
    enum node_kind chain[16];
    int n = 0;
    for (enum node_kind x = k; x != N_ROOT; x = node_type(x)->parent) {
        needs[node_type(x)->param] = true;
        chain[n++] = x;
    }
    size_t count = needs[P_LINKNAME]  ? c->nlinks
                   : needs[P_EMAIL]   ? c->nemail
                   : needs[P_MAILBOX] ? c->mailbox.n
                   : needs[P_DOMAIN]  ? c->domain.n
                   : needs[P_TENANT]  ? c->tenant.n
                                      : 1;
    if (needs[P_LINKNAME] && count == 0)
        count = 1; /* "nobody": a link that is not there */
    if (count > 4)
        count = 4;
    for (size_t i = 0; i < count; i++) {
        struct strbuf path = STRBUF_INIT;
        for (int j = n - 1; j >= 0; j--) {
            const struct node_type *t = node_type(chain[j]);
            const char *name = t->name;
            switch (t->param) {
            case P_NONE:
                break;
            case P_TENANT:
                name = c->tenant.v[needs[P_DOMAIN] || needs[P_MAILBOX] ? 0 : i];
                break;
            case P_DOMAIN:
                name = needs[P_EMAIL] ? c->email_domain[i] : c->domain.v[i];
                break;
            case P_MAILBOX:
                name = c->mailbox.v[i];
                break;
            case P_EMAIL:
                name = c->email[i];
                break;
            case P_LINKNAME:
                name = i < c->nlinks && c->links[i] ? c->links[i] : "nobody";
                break;
            }
            sb_putc(&path, '/');
            sb_puts(&path, name);
        }
        render_one(k, path.data, c, src, false);
        render_one(k, path.data, c, src, true);
        sb_free(&path);
    }
}

/* Every file and link has a renderer; directories have none. */
static bool renders(enum node_kind k)
{
    return node_ops(k)->render != NULL;
}

/* The mount the mount's own files read: a cache that never fetches (the
 * renders get resources from the fuzz source), and results of a sync and a
 * provisioning made through it. */
static void never_fetch(void *ctx, struct cache_fetch *f, const struct res_id *id, bool bg)
{
    (void)ctx, (void)f, (void)id, (void)bg;
    abort();
}

static int never_write(void *ctx, enum api_endpoint ep, const struct ep_args *args,
                       const cJSON *body, cJSON **answer, struct api_error *err)
{
    (void)ctx, (void)ep, (void)args, (void)body, (void)answer, (void)err;
    abort();
}

static void mount_for_meta(void)
{
    struct cache_config cc = {.ttl_ms = 30000, .max_bytes = 1 << 20};
    struct cache_fetcher fetcher = {.start = never_fetch};
    struct mount_config mc = {.cache_max = 1 << 20, .events_max = 1000};
    struct api_writer writer = {.call = never_write};
    mount_init(&fuzz_mount, &mc, cache_new(&cc, &fetcher), &writer);
    cJSON *sync = cJSON_Parse("{\"status\":\"completed\",\"run_id\":\"sync_20250420_080000_single\","
                              "\"tenant_id\":\"" TA "\",\"result\":{\"status\":\"success\"}}");
    results_put(fuzz_mount.results, "/tenants/" TA "/last_sync.json", sync);
    results_put(fuzz_mount.results, "/tenants/" TA "/domains/" DOM "/last_provision.json", NULL);
    cJSON_Delete(sync);
    errlog_add("write", "/tenants/" TA "/mailbox_limit",
               &(struct api_error){409, EBUSY, "exchange_bootstrap_not_ready", "pending"});
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERROR); /* skipped list entries are warnings */
    for (int k = 0; k < RES_KIND_COUNT; k++) {
        struct res_id id = {.kind = k, .tenant = TA, .sub = DOM};
        struct api_error err;
        if (resource_decode(&id, 200, default_body[k], strlen(default_body[k]), &defaults[k],
                            &err) != 0) {
            fprintf(stderr, "fuzz_response: fixture %d does not decode: %s\n", k, err.message);
            abort();
        }
    }
    /* Every list of the fixed answers has entries, so each renderer asks
     * for everything it can read. */
    struct fuzz_source src = {.kind = RES_KIND_COUNT, .decode_rc = -EIO};
    struct candidates c;
    gather(&src, &c);
    mount_for_meta();
    for (int k = 0; k < N_COUNT; k++) {
        if (!renders(k))
            continue;
        src.seen = 0;
        render_kind(k, &c, &src);
        node_needs[k] = src.seen;
    }
    by_name_free(c.links, c.nlinks);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    struct fuzz_source src = {0};
    src.kind = (enum res_kind)(data[0] % RES_KIND_COUNT);
    int status = data[1] < 0xC0 ? 200 : statuses[data[1] % (sizeof statuses / sizeof *statuses)];
    src.warm = data[2];
    struct res_id id = {.kind = src.kind, .tenant = TA, .sub = src.kind == RES_POLICY ? "" : DOM};
    if (src.kind == RES_USAGE)
        id.sub = MB1;
    memset(&src.decode_err, 0x41, sizeof src.decode_err);
    src.decode_rc =
        resource_decode(&id, status, (const char *)data + 3, size - 3, &src.res, &src.decode_err);
    check_decoded(src.kind, status, (const char *)data + 3, size - 3, src.decode_rc, src.res,
                  &src.decode_err);

    struct candidates c;
    gather(&src, &c);
    for (int k = 0; k < N_COUNT; k++)
        /* What this input feeds, and what reads no API data at all (the
         * mount's own files: cheap, and every input checks them). */
        if (renders(k) && (node_needs[k] & (1u << src.kind) || node_needs[k] == 0))
            render_kind(k, &c, &src);
    if (c.links)
        by_name_free(c.links, c.nlinks);
    resource_put(src.res);
    return 0;
}
