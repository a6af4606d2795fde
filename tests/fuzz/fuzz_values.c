/* fuzz_values: the checks of written values (values.h) against oracles
 * written here from the documented rules. Every function sees the whole
 * input; value_parse_provision sees "domain NUL json" (or, without a NUL,
 * the whole input as JSON for mail.acmecorp.com). An accepted value must
 * obey the rules, and for limits, dkim_status and domains a refused one
 * must break them. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "jsonout.h"
#include "names.h"
#include "strbuf.h"
#include "values.h"

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trimmed(const uint8_t *data, size_t size, size_t *start, size_t *end)
{
    size_t a = 0, b = size;
    while (a < b && is_space(data[a]))
        a++;
    while (b > a && is_space(data[b - 1]))
        b--;
    *start = a;
    *end = b;
}

static void fuzz_limit(const uint8_t *data, size_t size)
{
    int v = -1;
    const char *why = NULL;
    int rc = value_parse_limit((const char *)data, size, &v, &why);
    FUZZ_CHECK(rc == 0 || (rc == -EINVAL && why && *why));

    /* Oracle: digits only between the whitespace, value 1..25. */
    size_t a, b;
    trimmed(data, size, &a, &b);
    bool ok = size <= VALUE_MAX_WRITE && a < b;
    long value = 0;
    for (size_t i = a; ok && i < b; i++) {
        ok = data[i] >= '0' && data[i] <= '9';
        if (value < 1000)
            value = value * 10 + (data[i] - '0');
    }
    ok = ok && value >= 1 && value <= 25;
    FUZZ_CHECK((rc == 0) == ok);
    if (rc == 0)
        FUZZ_CHECK(v == value && v >= 1 && v <= 25);
}

static void fuzz_dkim(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    int rc = value_parse_dkim_enable((const char *)data, size, &why);
    FUZZ_CHECK(rc == 0 || (rc == -EINVAL && why && *why));
    size_t a, b;
    trimmed(data, size, &a, &b);
    bool ok = size <= VALUE_MAX_WRITE && b - a == 7 && memcmp(data + a, "enabled", 7) == 0;
    FUZZ_CHECK((rc == 0) == ok);
}

/* One line: no C0, DEL or C1 control character, no line or paragraph
 * separator. */
static bool is_control_or_break(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

static bool is_unicode_blank(uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static bool display_name_ok(const char *s, size_t len)
{
    if (len < 1 || len > 256 || !fuzz_utf8_valid((const unsigned char *)s, len))
        return false;
    bool blank = true;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += fuzz_utf8_next((const unsigned char *)s + i, &cp);
        if (is_control_or_break(cp))
            return false;
        blank = blank && is_unicode_blank(cp);
    }
    return !blank;
}

static void fuzz_display_name(const uint8_t *data, size_t size)
{
    char *out = NULL;
    const char *why = NULL;
    int rc = value_parse_display_name((const char *)data, size, &out, &why);
    FUZZ_CHECK(rc == 0 || (rc == -EINVAL && why && *why));
    /* The name is the input less one trailing "\n" or "\r\n". */
    size_t want = size;
    if (want >= 2 && data[want - 2] == '\r' && data[want - 1] == '\n')
        want -= 2;
    else if (want >= 1 && data[want - 1] == '\n')
        want -= 1;
    bool ok = size <= VALUE_MAX_WRITE && display_name_ok((const char *)data, want);
    FUZZ_CHECK((rc == 0) == ok);
    if (rc == 0) {
        FUZZ_CHECK(out && strlen(out) == want && memcmp(out, data, want) == 0);
        free(out);
    }
}

/* values.h: at most 253 bytes, two or more labels of 1..63 [a-z0-9-] not
 * starting or ending with '-', a TLD that is not all digits, and not
 * onmicrosoft.com or below it. */
static bool domain_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 253)
        return false;
    size_t labels = 0, start = 0;
    bool tld_digits = true;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && name[i] != '.')
            continue;
        size_t n = i - start;
        if (n == 0 || n > 63 || name[start] == '-' || name[i - 1] == '-')
            return false;
        tld_digits = true;
        for (size_t k = start; k < i; k++) {
            char c = name[k];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
            if (!(c >= '0' && c <= '9'))
                tld_digits = false;
        }
        labels++;
        start = i + 1;
    }
    if (labels < 2 || tld_digits)
        return false;
    static const char ms[] = "onmicrosoft.com";
    size_t n = sizeof ms - 1;
    if (len >= n && strcmp(name + len - n, ms) == 0 && (len == n || name[len - n - 1] == '.'))
        return false;
    return true;
}

static void fuzz_domain(const char *name)
{
    const char *why = NULL;
    int rc = value_check_domain(name, &why);
    FUZZ_CHECK(rc == 0 || (rc == -EINVAL && why && *why));
    FUZZ_CHECK((rc == 0) == domain_ok(name));
    if (rc == 0)
        FUZZ_CHECK(name_is_safe(name)); /* it becomes a directory name */
}

static bool only_members(const cJSON *obj, const char *const names[], size_t n)
{
    size_t count = 0;
    for (const cJSON *m = obj->child; m; m = m->next, count++) {
        bool known = false;
        for (size_t i = 0; i < n; i++)
            known = known || (m->string && strcmp(m->string, names[i]) == 0);
        if (!known)
            return false;
    }
    return count == n;
}

static bool nonempty_string(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring && v->valuestring[0];
}

/* The body sent to the API: exactly {domain, account_password, mailboxes}
 * with the path's domain, 1..3 mailboxes {name, email} on that domain with
 * distinct emails, and it prints and reads back unchanged (no byte of a
 * string altered on the way to the API). */
static void check_provision_body(const cJSON *body, const char *domain)
{
    static const char *const top[] = {"domain", "account_password", "mailboxes"};
    static const char *const mb_members[] = {"name", "email"};
    FUZZ_CHECK(cJSON_IsObject(body) && only_members(body, top, 3));
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(body, "domain");
    FUZZ_CHECK(cJSON_IsString(d) && strcmp(d->valuestring, domain) == 0);
    FUZZ_CHECK(nonempty_string(cJSON_GetObjectItemCaseSensitive(body, "account_password")));
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "mailboxes");
    FUZZ_CHECK(cJSON_IsArray(list));
    int n = cJSON_GetArraySize(list);
    FUZZ_CHECK(n >= 1 && n <= 3);
    size_t dlen = strlen(domain);
    for (const cJSON *mb = list->child; mb; mb = mb->next) {
        FUZZ_CHECK(cJSON_IsObject(mb) && only_members(mb, mb_members, 2));
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(mb, "name");
        const cJSON *email = cJSON_GetObjectItemCaseSensitive(mb, "email");
        FUZZ_CHECK(nonempty_string(name) && nonempty_string(email));
        FUZZ_CHECK(display_name_ok(name->valuestring, strlen(name->valuestring)));
        const char *e = email->valuestring;
        const char *at = strchr(e, '@');
        FUZZ_CHECK(at && at > e && !strchr(at + 1, '@'));
        for (const char *p = e; p < at; p++)
            FUZZ_CHECK(*p > 0x20 && *p < 0x7F);
        FUZZ_CHECK(strlen(at + 1) == dlen && strcasecmp(at + 1, domain) == 0);
        for (const cJSON *o = mb->next; o; o = o->next)
            FUZZ_CHECK(strcasecmp(e, cJSON_GetObjectItemCaseSensitive(o, "email")->valuestring));
    }
    struct strbuf sb = STRBUF_INIT;
    json_print_compact(&sb, body);
    cJSON *back = cJSON_ParseWithLength(sb.data, sb.len);
    FUZZ_CHECK(back && cJSON_Compare(back, body, 1));
    cJSON_Delete(back);
    sb_free(&sb);
}

static void fuzz_provision(const uint8_t *data, size_t size)
{
    const char *domain = "mail.acmecorp.com";
    const uint8_t *json = data;
    size_t len = size;
    char *dcopy = NULL;
    const uint8_t *nul = memchr(data, '\0', size);
    if (nul) {
        dcopy = strndup((const char *)data, (size_t)(nul - data));
        domain = dcopy;
        json = nul + 1;
        len = size - (size_t)(nul - data) - 1;
    }
    /* An exact-size copy, so a read past the value is caught. */
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, json, len);
    cJSON *body = NULL;
    const char *why = NULL;
    int rc = value_parse_provision((const char *)buf, len, domain, &body, &why);
    FUZZ_CHECK(rc == 0 || ((rc == -EINVAL || rc == -ENOMEM) && why && *why && !body));
    if (rc == 0) {
        FUZZ_CHECK(len <= VALUE_MAX_WRITE && !memchr(buf, '\0', len));
        check_provision_body(body, domain);
    }
    cJSON_Delete(body);
    free(buf);
    free(dcopy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limit(data, size);
    fuzz_dkim(data, size);
    fuzz_display_name(data, size);
    char *s = strndup((const char *)data, size);
    fuzz_domain(s);
    free(s);
    fuzz_provision(data, size);
    return 0;
}
