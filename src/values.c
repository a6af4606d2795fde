/* values: the checks every written value passes before any API request, so
 * a bad value costs no round trip and fails with EINVAL and a reason the
 * errors file can show. Everything here is pure: bytes in, verdict out. */
#include "values.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"

#define DISPLAY_NAME_MAX 256
#define DOMAIN_MAX       253
#define LABEL_MAX        63
#define EMAIL_LOCAL_MAX  64 /* RFC 5321; Exchange aliases are no longer either */
#define MAILBOXES_MAX    3  /* per domain, as the API allows */

static int refuse(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -EINVAL;
}

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 character at s (avail > 0 bytes), 0 if the bytes
 * there are not one. Overlong forms and surrogates are invalid (RFC 3629). */
static size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len;
    uint32_t c = s[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
    } else {
        return 0;
    }
    if (len > avail)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min_for_len[len] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
        return 0;
    *cp = c;
    return len;
}

int utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

size_t utf8_prefix(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* Columns a code point takes on a terminal: 0 for combining marks and
 * zero-width characters, 2 for East Asian wide and fullwidth ones and
 * emoji, 1 otherwise (after Markus Kuhn's wcwidth, without a locale). */
static int cp_width(uint32_t c)
{
    static const uint32_t zero[][2] = {
        {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
        {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x2060, 0x2064}, {0x20D0, 0x20FF},
        {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
    };
    static const uint32_t wide[][2] = {
        {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
        {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
        {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
    };
    for (size_t i = 0; i < sizeof zero / sizeof *zero; i++)
        if (c >= zero[i][0] && c <= zero[i][1])
            return 0;
    for (size_t i = 0; i < sizeof wide / sizeof *wide; i++)
        if (c >= wide[i][0] && c <= wide[i][1])
            return 2;
    return 1;
}

size_t utf8_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, w = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0) { /* an invalid byte shows as one replacement character */
            w++;
            i++;
            continue;
        }
        w += (size_t)cp_width(cp);
        i += n;
    }
    return w;
}

/* ---- whitespace and trimming ---- */

static bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Drop the surrounding ASCII whitespace that `echo` and editors add. */
static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_ascii_space((*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_ascii_space((*s)[*len - 1]))
        (*len)--;
}

/* ---- daily_send_limit, mailbox_limit ---- */

int value_parse_limit(const char *buf, size_t len, int *out, const char **why)
{
    if (len > VALUE_MAX_WRITE)
        return refuse(why, "value longer than 4 KiB");
    trim(&buf, &len);
    if (len == 0)
        return refuse(why, "empty value: write a whole number from 1 to 25");
    for (size_t i = 0; i < len; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return refuse(why, "not a whole number: write a number from 1 to 25");
    }
    /* Leading zeros are digits like any other; saturate so that no
     * number of digits can overflow. */
    int v = 0;
    for (size_t i = 0; i < len && v <= 25; i++)
        v = v * 10 + (buf[i] - '0');
    if (v < 1 || v > 25)
        return refuse(why, "out of range: the limit is from 1 to 25");
    *out = v;
    return 0;
}

/* ---- display_name ---- */

/* Line breaks and control characters, C1 included: a name is one line. */
static bool is_control_or_break(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/* Unicode White_Space characters that may appear in a one-line name. */
static bool is_blank(uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* A one-line, non-blank, valid UTF-8 name of at most 256 bytes. Shared by
 * display_name and the names of provisioned mailboxes. */
static int check_display_name(const char *s, size_t len, const char **why)
{
    if (len == 0)
        return refuse(why, "empty name");
    if (len > DISPLAY_NAME_MAX)
        return refuse(why, "name longer than 256 bytes");
    if (!utf8_valid(s, len))
        return refuse(why, "name is not valid UTF-8");
    bool blank = true;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0) /* cannot happen after utf8_valid; keeps the loop finite */
            return refuse(why, "name is not valid UTF-8");
        i += n;
        if (is_control_or_break(cp))
            return refuse(why, "name contains a control character or a line break");
        if (!is_blank(cp))
            blank = false;
    }
    if (blank)
        return refuse(why, "name is blank");
    return 0;
}

int value_parse_display_name(const char *buf, size_t len, char **out, const char **why)
{
    if (len > VALUE_MAX_WRITE)
        return refuse(why, "value longer than 4 KiB");
    /* The newline echo adds; anything else is part of the name. */
    if (len >= 2 && buf[len - 2] == '\r' && buf[len - 1] == '\n')
        len -= 2;
    else if (len >= 1 && buf[len - 1] == '\n')
        len -= 1;
    int rc = check_display_name(buf, len, why);
    if (rc)
        return rc;
    *out = xstrndup(buf, len);
    return 0;
}

/* ---- dkim_status ---- */

int value_parse_dkim_enable(const char *buf, size_t len, const char **why)
{
    if (len > VALUE_MAX_WRITE)
        return refuse(why, "value longer than 4 KiB");
    trim(&buf, &len);
    /* Case-sensitive: the file reads "enabled", and that is what it takes. */
    if (len != 7 || memcmp(buf, "enabled", 7) != 0)
        return refuse(why, "only \"enabled\" can be written to dkim_status");
    return 0;
}

/* ---- domains ---- */

static bool is_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int check_label(const char *label, size_t len, const char **why)
{
    if (len == 0)
        return refuse(why, "domain has an empty label (leading, trailing or double dot)");
    if (len > LABEL_MAX)
        return refuse(why, "domain label longer than 63 characters");
    for (size_t i = 0; i < len; i++) {
        if (!is_ldh(label[i]))
            return refuse(why, "domain may hold only lowercase letters, digits, '-' and '.' "
                               "(use the xn-- form for international names)");
    }
    if (label[0] == '-' || label[len - 1] == '-')
        return refuse(why, "domain label starts or ends with '-'");
    return 0;
}

static bool all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

/* Microsoft's own namespace, which a tenant cannot add (the API refuses it
 * too; we refuse it before the request). The bare name is refused as well. */
static bool is_onmicrosoft(const char *name, size_t len)
{
    static const char suffix[] = "onmicrosoft.com";
    size_t n = sizeof(suffix) - 1;
    if (len < n || memcmp(name + len - n, suffix, n) != 0)
        return false;
    return len == n || name[len - n - 1] == '.';
}

int value_check_domain(const char *name, const char **why)
{
    if (!name || !*name)
        return refuse(why, "empty domain name");
    size_t len = strlen(name);
    if (len > DOMAIN_MAX)
        return refuse(why, "domain longer than 253 bytes");

    size_t labels = 0;
    const char *label = name, *tld = name;
    size_t tld_len = 0;
    for (;;) {
        const char *dot = memchr(label, '.', (size_t)(name + len - label));
        size_t n = dot ? (size_t)(dot - label) : (size_t)(name + len - label);
        int rc = check_label(label, n, why);
        if (rc)
            return rc;
        labels++;
        tld = label;
        tld_len = n;
        if (!dot)
            break;
        label = dot + 1;
    }
    if (labels < 2)
        return refuse(why, "domain needs at least two labels (name.tld)");
    if (all_digits(tld, tld_len))
        return refuse(why, "domain's top-level label is all digits");
    if (is_onmicrosoft(name, len))
        return refuse(why, ".onmicrosoft.com domains cannot be added");
    return 0;
}

/* ---- provision ---- */

/* cJSON decodes \u0000 into a NUL that silently cuts the string: a password
 * would be sent shorter than written. Find it in the raw text instead. */
static bool has_nul_escape(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\\')
            continue;
        if (buf[i + 1] == 'u' && i + 6 <= len && memcmp(buf + i + 2, "0000", 4) == 0)
            return true;
        i++; /* skip the escaped character, so "\\u0000" is no escape */
    }
    return false;
}

/* Whether every member of obj is named in allowed[] and appears once. */
/* obj must be an object (else not_object) whose members are all allowed,
 * each once. */
static int check_object(const cJSON *obj, const char *const allowed[], const char *not_object,
                        const char **why)
{
    if (!cJSON_IsObject(obj))
        return refuse(why, not_object);
    for (const cJSON *m = obj->child; m; m = m->next) {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            known = known || strcmp(m->string, allowed[i]) == 0;
        if (!known)
            return refuse(why, "unknown member (provision takes account_password, mailboxes "
                               "[{name, email}] and optionally domain)");
        for (const cJSON *o = m->next; o; o = o->next) {
            if (strcmp(m->string, o->string) == 0)
                return refuse(why, "a member appears twice");
        }
    }
    return 0;
}

static bool is_nonempty_string(const cJSON *item)
{
    return cJSON_IsString(item) && item->valuestring && item->valuestring[0];
}

static int check_email(const char *email, const char *domain, const char **why)
{
    const char *at = strchr(email, '@');
    if (!at || strchr(at + 1, '@'))
        return refuse(why, "an email must contain exactly one '@'");
    if (at == email)
        return refuse(why, "an email has an empty local part");
    if (at - email > EMAIL_LOCAL_MAX)
        return refuse(why, "an email's local part is longer than 64 bytes");
    for (const unsigned char *p = (const unsigned char *)email; p < (const unsigned char *)at;
         p++) {
        if (*p <= 0x20 || *p >= 0x7F)
            return refuse(why, "an email's local part must be printable ASCII without spaces");
    }
    if (strcasecmp(at + 1, domain) != 0)
        return refuse(why, "an email is not on this domain");
    return 0;
}

static int check_mailbox(const cJSON *mb, const char *domain, const char **why)
{
    static const char *const allowed[] = {"name", "email", NULL};
    int rc = check_object(mb, allowed, "each mailbox must be an object {\"name\", \"email\"}", why);
    if (rc)
        return rc;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(mb, "name");
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(mb, "email");
    if (!is_nonempty_string(name))
        return refuse(why, "a mailbox has no name (a non-empty string)");
    if (!is_nonempty_string(email))
        return refuse(why, "a mailbox has no email (a non-empty string)");
    rc = check_display_name(name->valuestring, strlen(name->valuestring), why);
    if (rc)
        return rc;
    return check_email(email->valuestring, domain, why);
}

static int check_mailboxes(const cJSON *list, const char *domain, const char **why)
{
    if (!cJSON_IsArray(list))
        return refuse(why, "mailboxes must be an array");
    int n = cJSON_GetArraySize(list);
    if (n < 1 || n > MAILBOXES_MAX)
        return refuse(why, "provision takes 1 to 3 mailboxes");
    for (const cJSON *mb = list->child; mb; mb = mb->next) {
        int rc = check_mailbox(mb, domain, why);
        if (rc)
            return rc;
    }
    for (const cJSON *a = list->child; a; a = a->next) {
        const char *ea = cJSON_GetObjectItemCaseSensitive(a, "email")->valuestring;
        for (const cJSON *b = a->next; b; b = b->next) {
            if (strcasecmp(ea, cJSON_GetObjectItemCaseSensitive(b, "email")->valuestring) == 0)
                return refuse(why, "the same email appears twice");
        }
    }
    return 0;
}

/* The parsed request as written, or NULL with *why set. */
static cJSON *parse_request(const char *buf, size_t len, const char **why)
{
    if (len > VALUE_MAX_WRITE) {
        refuse(why, "value longer than 4 KiB");
        return NULL;
    }
    /* Strings go to the API byte for byte: refuse what cJSON would alter
     * (NUL) or our printer would replace (invalid UTF-8). */
    if (memchr(buf, '\0', len) || has_nul_escape(buf, len)) {
        refuse(why, "provision JSON contains a NUL character");
        return NULL;
    }
    if (!utf8_valid(buf, len)) {
        refuse(why, "provision JSON is not valid UTF-8");
        return NULL;
    }
    const char *end = NULL;
    cJSON *req = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (!req) {
        refuse(why, "provision takes JSON: {\"account_password\": ..., \"mailboxes\": "
                    "[{\"name\": ..., \"email\": ...}]}");
        return NULL;
    }
    for (; end < buf + len; end++) {
        if (!is_ascii_space(*end)) {
            cJSON_Delete(req);
            refuse(why, "text after the JSON object");
            return NULL;
        }
    }
    return req;
}

static int check_request(const cJSON *req, const char *domain, const char **why)
{
    static const char *const allowed[] = {"domain", "account_password", "mailboxes", NULL};
    int rc = check_object(req, allowed, "provision takes a JSON object", why);
    if (rc)
        return rc;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(req, "domain");
    /* DNS names compare case-insensitively; the body uses the path's. */
    if (d && (!cJSON_IsString(d) || !d->valuestring || strcasecmp(d->valuestring, domain) != 0))
        return refuse(why, "\"domain\" differs from this directory's domain");
    if (!is_nonempty_string(cJSON_GetObjectItemCaseSensitive(req, "account_password")))
        return refuse(why, "account_password must be a non-empty string");
    return check_mailboxes(cJSON_GetObjectItemCaseSensitive(req, "mailboxes"), domain, why);
}

int value_parse_provision(const char *buf, size_t len, const char *domain, cJSON **body,
                          const char **why)
{
    cJSON *req = parse_request(buf, len, why);
    if (!req)
        return -EINVAL;
    int rc = check_request(req, domain, why);
    if (rc) {
        cJSON_Delete(req);
        return rc;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON *mailboxes = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(req, "mailboxes"), 1);
    const char *password = cJSON_GetObjectItemCaseSensitive(req, "account_password")->valuestring;
    /* cJSON allocates with plain malloc; its failures end up here. */
    bool built = out && mailboxes && cJSON_AddStringToObject(out, "domain", domain) &&
                 cJSON_AddStringToObject(out, "account_password", password) &&
                 cJSON_AddItemToObject(out, "mailboxes", mailboxes);
    cJSON_Delete(req);
    if (!built) {
        if (!cJSON_GetObjectItemCaseSensitive(out, "mailboxes"))
            cJSON_Delete(mailboxes);
        cJSON_Delete(out);
        if (why)
            *why = "out of memory";
        return -ENOMEM;
    }
    *body = out;
    return 0;
}
