/* test_api_error: every error body shape the API might choose, hostile
 * bodies, the SPEC §6 status/code → errno table, and errno names. */
#include <errno.h>
#include <stdlib.h>

#include "api_error.h"
#include "check.h"
#include "strbuf.h"
#include "values.h"

/* Parse body (copied to an exact-length buffer without a terminator, so a
 * read past len is caught by the sanitizers and valgrind). */
static void from_http(struct api_error *e, enum api_endpoint ep, int status, const char *body)
{
    memset(e, 0x5a, sizeof *e); /* stale garbage must not survive */
    if (!body) {
        api_error_from_http(e, ep, status, NULL, 0);
        return;
    }
    size_t len = strlen(body);
    char *copy = malloc(len ? len : 1);
    memcpy(copy, body, len);
    api_error_from_http(e, ep, status, copy, len);
    free(copy);
}

#define EXPECT_PARSE(status, body, code_, msg_, err_)                                              \
    do {                                                                                           \
        struct api_error pe_;                                                                      \
        from_http(&pe_, EP_MAILBOX_PATCH, status, body);                                           \
        CHECK_INT(pe_.http_status, status);                                                        \
        CHECK_STR(pe_.code, code_);                                                                \
        CHECK_STR(pe_.message, msg_);                                                              \
        CHECK_INT(pe_.err, err_);                                                                  \
    } while (0)

static void test_body_shapes(void)
{
    /* {"error":{"code","message"}} */
    EXPECT_PARSE(400,
                 "{\"error\":{\"code\":\"invalid_send_limit\",\"message\":\"daily_send_limit "
                 "must be between 1 and 25\"}}",
                 "invalid_send_limit", "daily_send_limit must be between 1 and 25", EINVAL);
    /* {"error":"code","message"} */
    EXPECT_PARSE(404, "{\"error\":\"mailbox_not_found\",\"message\":\"Mailbox does not exist\"}",
                 "mailbox_not_found", "Mailbox does not exist", ENOENT);
    /* {"code","message"} */
    EXPECT_PARSE(400, "{\"code\":\"no_updates\",\"message\":\"No recognised fields\"}",
                 "no_updates", "No recognised fields", EINVAL);
    /* {"code","detail"} */
    EXPECT_PARSE(409,
                 "{\"code\":\"exchange_bootstrap_not_ready\",\"detail\":\"Bootstrap pending\"}",
                 "exchange_bootstrap_not_ready", "Bootstrap pending", EBUSY);
    /* {"error":{"code","detail"}} */
    EXPECT_PARSE(400, "{\"error\":{\"code\":\"dkim_not_ready\",\"detail\":\"CNAME not found\"}}",
                 "dkim_not_ready", "CNAME not found", EAGAIN);
    /* FastAPI's {"detail": "..."} */
    EXPECT_PARSE(422, "{\"detail\":\"Field required\"}", "", "Field required", EINVAL);
    /* Only a message. */
    EXPECT_PARSE(500, "{\"message\":\"Internal Server Error\"}", "", "Internal Server Error", EIO);
    /* The nested form wins over the top level; a missing nested member
     * falls back to the top level. */
    EXPECT_PARSE(400,
                 "{\"error\":{\"code\":\"inner\",\"message\":\"inner message\"},"
                 "\"code\":\"outer\",\"message\":\"outer message\"}",
                 "inner", "inner message", EINVAL);
    EXPECT_PARSE(400, "{\"error\":{\"message\":\"m\"},\"code\":\"c\"}", "c", "m", EINVAL);
    EXPECT_PARSE(400, "{\"error\":{\"code\":\"c\"},\"detail\":\"d\"}", "c", "d", EINVAL);
    EXPECT_PARSE(400, "{\"error\":{\"code\":\"c\",\"message\":\"m\",\"detail\":\"d\"}}", "c", "m",
                 EINVAL);
    EXPECT_PARSE(400, "{\"error\":\"c\",\"detail\":\"d\"}", "c", "d", EINVAL);

    /* No body, non-JSON, other JSON values. */
    EXPECT_PARSE(503, NULL, "", "", EIO);
    EXPECT_PARSE(503, "", "", "", EIO);
    EXPECT_PARSE(502, "<html><body>502 Bad Gateway</body></html>", "", "", EIO);
    EXPECT_PARSE(404, "Not Found", "", "", ENOENT);
    EXPECT_PARSE(400, "[\"error\",\"code\"]", "", "", EINVAL);
    EXPECT_PARSE(400, "[{\"code\":\"x\",\"message\":\"y\"}]", "", "", EINVAL);
    EXPECT_PARSE(400, "\"invalid_send_limit\"", "", "", EINVAL);
    EXPECT_PARSE(400, "null", "", "", EINVAL);
    EXPECT_PARSE(400, "{", "", "", EINVAL);
    EXPECT_PARSE(400, "{\"error\":{\"code\":\"trunc", "", "", EINVAL);
    EXPECT_PARSE(400, "{}", "", "", EINVAL);

    /* Wrong types are ignored, member by member. */
    EXPECT_PARSE(400, "{\"error\":{\"code\":5,\"message\":[\"x\"]}}", "", "", EINVAL);
    EXPECT_PARSE(400, "{\"error\":5,\"code\":\"c\",\"message\":\"m\"}", "c", "m", EINVAL);
    EXPECT_PARSE(400, "{\"error\":null,\"message\":7,\"detail\":\"d\"}", "", "d", EINVAL);
    EXPECT_PARSE(400, "{\"error\":true,\"code\":{\"a\":1},\"message\":false}", "", "", EINVAL);
    EXPECT_PARSE(400, "{\"error\":[\"domain_limit_reached\"],\"message\":\"m\"}", "", "m", EINVAL);
    EXPECT_PARSE(400, "{\"error\":{\"code\":null,\"message\":\"m\"},\"code\":\"c\"}", "c", "m",
                 EINVAL);
    /* The code maps whichever shape carried it. */
    EXPECT_PARSE(400, "{\"error\":\"domain_limit_reached\"}", "domain_limit_reached", "", EDQUOT);
    EXPECT_PARSE(400, "{\"code\":\"mailbox_limit_reached\"}", "mailbox_limit_reached", "", EDQUOT);
    EXPECT_PARSE(400, "{\"error\":{\"code\":\"verification_failed\"}}", "verification_failed", "",
                 EAGAIN);

    /* Control characters become spaces: one failure stays one line. */
    EXPECT_PARSE(400,
                 "{\"code\":\"bad\\ncode\",\"message\":\"line1\\nline2\\r\\tend\\u0001\\u007f!\"}",
                 "bad code", "line1 line2  end  !", EINVAL);
    EXPECT_PARSE(400, "{\"message\":\"\\u001b[31mred\\u001b[0m\"}", "", " [31mred [0m", EINVAL);
    /* UTF-8 passes as it is. */
    EXPECT_PARSE(400, "{\"message\":\"caf\\u00e9 \xe2\x82\xac\"}", "", "caf\xc3\xa9 \xe2\x82\xac",
                 EINVAL);
    /* A message cut at an embedded NUL is still a clean string. */
    {
        struct api_error e;
        from_http(&e, EP_MAILBOX_PATCH, 400, "{\"message\":\"ab\\u0000cd\"}");
        CHECK(strlen(e.message) < sizeof e.message);
        CHECK(strncmp(e.message, "ab", 2) == 0);
    }
}

/* The longest prefix of s of at most max bytes that ends on a character
 * boundary: the test's own oracle, independent of values.c's utf8_prefix,
 * which copy_clean uses. */
static size_t longest_prefix(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

static void check_truncation(const char *unit, size_t lead, size_t count)
{
    /* lead ASCII bytes, then count copies of unit. */
    struct strbuf msg = STRBUF_INIT;
    for (size_t i = 0; i < lead; i++)
        sb_putc(&msg, 'a');
    for (size_t i = 0; i < count; i++)
        sb_puts(&msg, unit);
    struct strbuf body = STRBUF_INIT;
    sb_printf(&body, "{\"code\":\"c\",\"message\":\"%s\"}", msg.data);
    struct api_error e;
    from_http(&e, EP_MAILBOX_PATCH, 400, body.data);
    size_t got = strlen(e.message);
    size_t want = longest_prefix(msg.data, sizeof e.message - 1);
    CHECK(got < sizeof e.message);
    CHECK(utf8_valid(e.message, got));
    CHECK(strncmp(e.message, msg.data, got) == 0); /* a prefix */
    /* The longest prefix that fits: a cut exactly on a character boundary
     * keeps the last whole character (an earlier copy_clean dropped it). */
    CHECK_INT(got, want);
    if (got != want)
        fprintf(stderr, "  (%zu ASCII bytes then %zu x %zu-byte characters)\n", lead, count,
                strlen(unit));
    sb_free(&msg);
    sb_free(&body);
}

static void test_long_messages(void)
{
    /* ASCII: cut to the field. */
    check_truncation("a", 0, 1000);
    /* 2-byte characters: a cut through a character, and one between two. */
    check_truncation("\xc3\xa9", 0, 200);
    check_truncation("\xc3\xa9", 1, 200);
    /* 3-byte characters, at each of the three offsets. */
    check_truncation("\xe2\x82\xac", 0, 200);
    check_truncation("\xe2\x82\xac", 1, 200);
    check_truncation("\xe2\x82\xac", 2, 200);
    /* 4-byte characters, at each offset. */
    for (size_t lead = 0; lead < 4; lead++)
        check_truncation("\xf0\x9f\x98\x80", lead, 100);
    /* Exactly the field size fits whole. */
    check_truncation("a", 0, 255);
    /* A 64 KiB message and a 1 MiB code do not overflow the fields. */
    struct strbuf body = STRBUF_INIT;
    sb_puts(&body, "{\"code\":\"");
    for (int i = 0; i < (1 << 20); i++)
        sb_putc(&body, 'c');
    sb_puts(&body, "\",\"message\":\"");
    for (int i = 0; i < (1 << 16); i++)
        sb_puts(&body, i % 7 ? "x" : "\\n");
    sb_puts(&body, "\"}");
    struct api_error e;
    from_http(&e, EP_LIMITS_GET, 500, body.data);
    CHECK_INT(strlen(e.code), sizeof e.code - 1);
    CHECK_INT(strlen(e.message), sizeof e.message - 1);
    CHECK(strchr(e.message, '\n') == NULL);
    CHECK_INT(e.err, EIO);
    sb_free(&body);

    /* api_error_set cleans and cuts the same way. */
    api_error_set(&e, ETIMEDOUT, 0, "a\tb", "timed\nout");
    CHECK_INT(e.err, ETIMEDOUT);
    CHECK_INT(e.http_status, 0);
    CHECK_STR(e.code, "a b");
    CHECK_STR(e.message, "timed out");
    api_error_set(&e, EIO, 0, NULL, NULL);
    CHECK_STR(e.code, "");
    CHECK_STR(e.message, "");
}

struct row {
    int status;
    const char *code, *message;
    enum api_endpoint ep;
    int err;
};

static void test_errno_table(void)
{
    static const struct row rows[] = {
        /* 400 invalid values → EINVAL */
        {400, "invalid_send_limit", "out of range", EP_MAILBOX_PATCH, EINVAL},
        {400, "invalid_send_limit", "out of range", EP_LIMITS_SET, EINVAL},
        {400, "no_updates", "", EP_MAILBOX_PATCH, EINVAL},
        {400, "", "Invalid domain format", EP_DOMAIN_ADD, EINVAL},
        {400, "", ".onmicrosoft.com domains are not allowed", EP_DOMAIN_ADD, EINVAL},
        {400, "", "Password does not meet complexity requirements", EP_MAILBOX_PROVISION, EINVAL},
        {400, "", "", EP_TENANT_SYNC, EINVAL},
        {422, "validation_error", "", EP_MAILBOX_PATCH, EINVAL},
        /* quota */
        {400, "domain_limit_reached", "Tenant already has 12 domains", EP_DOMAIN_ADD, EDQUOT},
        {400, "mailbox_limit_reached", "Domain already has 3 mailboxes", EP_MAILBOX_PROVISION,
         EDQUOT},
        /* not yet */
        {400, "verification_failed", "DNS records not yet propagated", EP_DOMAIN_VERIFY, EAGAIN},
        {400, "dkim_not_ready", "Required CNAME records not found", EP_DOMAIN_ENABLE_DKIM, EAGAIN},
        /* access */
        {401, "", "", EP_TENANTS_LIST, EACCES},
        {401, "unauthorized", "Invalid API key", EP_TENANT_GET, EACCES},
        {403, "access_denied", "You do not own this tenant", EP_TENANT_SYNC, EACCES},
        /* existence */
        {404, "tenant_not_found", "", EP_TENANT_GET, ENOENT},
        {404, "domain_not_found", "", EP_DOMAIN_VERIFY, ENOENT},
        {404, "mailbox_not_found", "", EP_MAILBOX_PATCH, ENOENT},
        {404, "policy_not_found", "", EP_LIMITS_GET, ENOENT},
        {404, "", "Tenant does not exist or belongs to a different account", EP_DOMAIN_ADD, ENOENT},
        /* busy */
        {409, "exchange_bootstrap_not_ready", "", EP_LIMITS_SET, EBUSY},
        {409, "exchange_bootstrap_not_ready", "", EP_MAILBOX_PROVISION, EBUSY},
        /* "already exists" on add domain only */
        {400, "", "Domain already exists", EP_DOMAIN_ADD, EEXIST},
        {400, "", "domain mail.acmecorp.com ALREADY EXISTS in tenant", EP_DOMAIN_ADD, EEXIST},
        {400, "domain_already_exists", "", EP_DOMAIN_ADD, EEXIST},
        {409, "domain_exists", "", EP_DOMAIN_ADD, EEXIST},
        {400, "", "Domain already exists", EP_MAILBOX_PROVISION, EINVAL},
        {400, "", "Mailbox already exists", EP_MAILBOX_PATCH, EINVAL},
        {400, "domain_already_exists", "", EP_LIMITS_SET, EINVAL},
        /* rate limiting and server failures (after retries) */
        {429, "", "", EP_TENANTS_LIST, EAGAIN},
        {429, "rate_limited", "Too many requests", EP_MAILBOX_PATCH, EAGAIN},
        {500, "", "", EP_TENANTS_LIST, EIO},
        {502, "", "", EP_DOMAIN_DNS, EIO},
        {503, "service_unavailable", "", EP_MAILBOX_USAGE, EIO},
        {504, "", "", EP_DOMAIN_ADD, EIO},
        {500, "", "Domain already exists", EP_DOMAIN_ADD, EIO},
        /* a success status that could not be used */
        {200, "", "", EP_TENANT_GET, EIO},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct api_error e;
        memset(&e, 0, sizeof e);
        e.http_status = rows[i].status;
        snprintf(e.code, sizeof e.code, "%s", rows[i].code);
        snprintf(e.message, sizeof e.message, "%s", rows[i].message);
        int got = errno_from_api_error(&e, rows[i].ep);
        CHECK_INT(got, rows[i].err);
        if (got != rows[i].err)
            fprintf(stderr, "  row %zu: %d %s \"%s\" on %s\n", i, rows[i].status, rows[i].code,
                    rows[i].message, api_endpoint_name(rows[i].ep));

        /* The same through a body. */
        struct strbuf body = STRBUF_INIT;
        sb_printf(&body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", rows[i].code,
                  rows[i].message);
        from_http(&e, rows[i].ep, rows[i].status, body.data);
        CHECK_INT(e.err, rows[i].err);
        sb_free(&body);
    }
}

static void test_names(void)
{
    static const struct {
        int err;
        const char *name;
    } names[] = {
        {EPERM, "EPERM"},
        {ENOENT, "ENOENT"},
        {EINTR, "EINTR"},
        {EIO, "EIO"},
        {EAGAIN, "EAGAIN"},
        {EACCES, "EACCES"},
        {EBUSY, "EBUSY"},
        {EEXIST, "EEXIST"},
        {ENOTDIR, "ENOTDIR"},
        {EISDIR, "EISDIR"},
        {EINVAL, "EINVAL"},
        {ENAMETOOLONG, "ENAMETOOLONG"},
        {ENOTSUP, "ENOTSUP"},
        {ETIMEDOUT, "ETIMEDOUT"},
        {ECONNREFUSED, "ECONNREFUSED"},
        {EHOSTUNREACH, "EHOSTUNREACH"},
        {EDQUOT, "EDQUOT"},
        {ENOMEM, "ENOMEM"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_STR(errno_name(names[i].err), names[i].name);
    /* Every errno of the table has a name, not a number. */
    static const int table[] = {EINVAL, EDQUOT, EAGAIN,    EACCES,       ENOENT,      EBUSY,
                                EEXIST, EIO,    ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        CHECK(errno_name(table[i])[0] == 'E' && errno_name(table[i])[1] > '9');
    /* Unknown numbers still print. */
    CHECK_STR(errno_name(9999), "E9999");
    CHECK(errno_name(-3) != NULL);

    /* Endpoint names for stats. */
    CHECK_STR(api_endpoint_name(EP_TENANTS_LIST), "GET /v1/tenants");
    CHECK_STR(api_endpoint_name(EP_LIMITS_GET), "GET /v1/tenants/{tenant_id}/mailbox-limits");
    CHECK_STR(api_endpoint_name(EP_MAILBOX_PATCH),
              "PATCH /v1/tenants/{tenant_id}/mailboxes/{mailbox_id}");
    for (int ep = 0; ep < EP_COUNT; ep++)
        CHECK(api_endpoint_name(ep) && strlen(api_endpoint_name(ep)) > 10);
    CHECK_STR(api_endpoint_name(EP_COUNT), "?");
}

int main(void)
{
    test_body_shapes();
    test_long_messages();
    test_errno_table();
    test_names();
    return check_report("test_api_error");
}
