/* test_api_error: every error body shape the API might choose, hostile
 * bodies, the SEMANTICS.md §6 status/code → errno table, and errno names. */
#include <errno.h>
#include <stdbool.h>
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
    /* The documented shape (api-docs/introduction.txt). */
    EXPECT_PARSE(404,
                 "{\"detail\":{\"message\":\"No limit policy has been set for this scope\","
                 "\"code\":\"policy_not_found\"}}",
                 "policy_not_found", "No limit policy has been set for this scope", ENOENT);
    EXPECT_PARSE(400, "{\"detail\":{\"code\":\"domain_limit_reached\",\"message\":\"12\"}}",
                 "domain_limit_reached", "12", EDQUOT);
    /* It wins over the other shapes; missing members fall back member by member. */
    EXPECT_PARSE(400,
                 "{\"detail\":{\"code\":\"d\",\"message\":\"dm\"},\"error\":{\"code\":\"e\","
                 "\"message\":\"em\"},\"code\":\"c\",\"message\":\"m\"}",
                 "d", "dm", EINVAL);
    EXPECT_PARSE(400, "{\"detail\":{\"message\":\"dm\"},\"code\":\"c\"}", "c", "dm", EINVAL);
    EXPECT_PARSE(400, "{\"detail\":{\"code\":\"d\"},\"message\":\"m\"}", "d", "m", EINVAL);
    EXPECT_PARSE(400, "{\"detail\":{\"code\":5,\"message\":null}}", "", "", EINVAL);
    EXPECT_PARSE(400, "{\"detail\":{}}", "", "", EINVAL);
    /* 402: the plan. */
    EXPECT_PARSE(402, "{\"detail\":{\"message\":\"No active API plan\",\"code\":\"no_api_plan\"}}",
                 "no_api_plan", "No active API plan", EACCES);
    EXPECT_PARSE(402,
                 "{\"detail\":{\"message\":\"Plan ceiling\",\"code\":\"tenant_limit_reached\"}}",
                 "tenant_limit_reached", "Plan ceiling", EDQUOT);
    /* The framework's 422 list: messages joined, with where they point. */
    EXPECT_PARSE(422,
                 "{\"detail\":[{\"loc\":[\"body\",\"daily_send_limit\"],\"msg\":\"Input should "
                 "be a valid integer\",\"type\":\"int_parsing\"},{\"loc\":[\"body\",\"mailboxes\",0,"
                 "\"email\"],\"msg\":\"Field required\",\"type\":\"missing\"}]}",
                 "",
                 "body.daily_send_limit: Input should be a valid integer; body.mailboxes.0.email: "
                 "Field required",
                 EINVAL);
    EXPECT_PARSE(422, "{\"detail\":[{\"msg\":\"bad\"},{\"loc\":\"x\",\"msg\":\"worse\"},7,"
                      "{\"loc\":[null,{}],\"msg\":\"w\"},{\"msg\":3}]}",
                 "", "bad; worse; w", EINVAL);
    EXPECT_PARSE(422, "{\"detail\":[]}", "", "", EINVAL);

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
    int err;        /* with the code readable */
    int nocode_err; /* from a body that carries no code (detail string, list) */
    int bare_err;   /* from no body at all, when not nocode_err (0) */
};

/* The body shapes a server may choose; %1$s is the code, %2$s the message. */
enum shape { S_DOCUMENTED, S_NESTED, S_STRING, S_FLAT, S_DETAIL_STRING, S_DETAIL_LIST, S_NONE };
static const char *const shape_names[] = {"documented", "nested", "string", "flat",
                                          "detail string", "detail list", "none"};

static void body_for(struct strbuf *b, enum shape s, const char *code, const char *msg)
{
    switch (s) {
    case S_DOCUMENTED:
        sb_printf(b, "{\"detail\":{\"message\":\"%s\",\"code\":\"%s\"}}", msg, code);
        break;
    case S_NESTED: sb_printf(b, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, msg); break;
    case S_STRING: sb_printf(b, "{\"error\":\"%s\",\"message\":\"%s\"}", code, msg); break;
    case S_FLAT: sb_printf(b, "{\"message\":\"%s\",\"code\":\"%s\"}", msg, code); break;
    case S_DETAIL_STRING: sb_printf(b, "{\"detail\":\"%s\"}", msg); break;
    case S_DETAIL_LIST:
        sb_printf(b, "{\"detail\":[{\"loc\":[\"body\",\"x\"],\"msg\":\"%s\",\"type\":\"t\"}]}",
                  msg);
        break;
    case S_NONE: break;
    }
}

static void test_errno_table(void)
{
    static const struct row rows[] = {
        /* 400 invalid values → EINVAL */
        {400, "invalid_send_limit", "out of range", EP_MAILBOX_PATCH, EINVAL, EINVAL, 0},
        {400, "invalid_send_limit", "out of range", EP_LIMITS_SET, EINVAL, EINVAL, 0},
        {400, "no_updates", "", EP_MAILBOX_PATCH, EINVAL, EINVAL, 0},
        {400, "", "Invalid domain format", EP_DOMAIN_ADD, EINVAL, EINVAL, 0},
        {400, "", ".onmicrosoft.com domains are not allowed", EP_DOMAIN_ADD, EINVAL, EINVAL, 0},
        {400, "", "Password does not meet complexity requirements", EP_MAILBOX_PROVISION, EINVAL,
         EINVAL, 0},
        {400, "", "", EP_TENANT_SYNC, EINVAL, EINVAL, 0},
        /* 422: the framework refused the request */
        {422, "validation_error", "", EP_MAILBOX_PATCH, EINVAL, EINVAL, 0},
        {422, "", "Input should be a valid integer", EP_LIMITS_SET, EINVAL, EINVAL, 0},
        /* quota */
        {400, "domain_limit_reached", "Tenant already has 12 domains", EP_DOMAIN_ADD, EDQUOT,
         EINVAL, 0},
        {400, "mailbox_limit_reached", "Domain already has 3 mailboxes", EP_MAILBOX_PROVISION,
         EDQUOT, EINVAL, 0},
        /* not yet */
        {400, "verification_failed", "DNS records not yet propagated", EP_DOMAIN_VERIFY, EAGAIN,
         EINVAL, 0},
        {400, "dkim_not_ready", "Required CNAME records not found", EP_DOMAIN_ENABLE_DKIM, EAGAIN,
         EINVAL, 0},
        /* access */
        {401, "", "", EP_TENANTS_LIST, EACCES, EACCES, 0},
        {401, "invalid_api_key", "Invalid API key", EP_TENANT_GET, EACCES, EACCES, 0},
        {401, "missing_api_key", "The Bearer token is empty", EP_TENANTS_LIST, EACCES, EACCES, 0},
        {401, "invalid_auth_header", "Authorization header missing", EP_MAILBOX_PATCH, EACCES,
         EACCES, 0},
        {403, "access_denied", "You do not own this tenant", EP_TENANT_SYNC, EACCES, EACCES, 0},
        /* the plan */
        {402, "no_api_plan", "No active API plan", EP_TENANTS_LIST, EACCES, EACCES, 0},
        {402, "no_api_plan", "No active API plan", EP_MAILBOX_PATCH, EACCES, EACCES, 0},
        {402, "tenant_limit_reached", "Plan allows 25 tenants", EP_LIMITS_SET, EDQUOT, EACCES, 0},
        {402, "tenant_limit_reached", "Plan allows 25 tenants", EP_DOMAIN_ADD, EDQUOT, EACCES, 0},
        /* existence */
        {404, "tenant_not_found", "", EP_TENANT_GET, ENOENT, ENOENT, 0},
        {404, "domain_not_found", "", EP_DOMAIN_VERIFY, ENOENT, ENOENT, 0},
        {404, "mailbox_not_found", "", EP_MAILBOX_PATCH, ENOENT, ENOENT, 0},
        {404, "policy_not_found", "", EP_LIMITS_GET, ENOENT, ENOENT, 0},
        {404, "", "Tenant does not exist or belongs to a different account", EP_DOMAIN_ADD, ENOENT,
         ENOENT, 0},
        /* busy */
        {409, "exchange_bootstrap_not_ready", "", EP_LIMITS_SET, EBUSY, EBUSY, 0},
        {409, "exchange_bootstrap_not_ready", "", EP_MAILBOX_PROVISION, EBUSY, EBUSY, 0},
        /* "already exists" on add domain only */
        {400, "", "Domain already exists", EP_DOMAIN_ADD, EEXIST, EEXIST, EINVAL},
        {400, "", "domain mail.acmecorp.com ALREADY EXISTS in tenant", EP_DOMAIN_ADD, EEXIST,
         EEXIST, EINVAL},
        {400, "domain_already_exists", "", EP_DOMAIN_ADD, EEXIST, EINVAL, 0},
        {409, "domain_exists", "", EP_DOMAIN_ADD, EEXIST, EBUSY, 0},
        {400, "", "Domain already exists", EP_MAILBOX_PROVISION, EINVAL, EINVAL, 0},
        {400, "", "Mailbox already exists", EP_MAILBOX_PATCH, EINVAL, EINVAL, 0},
        {400, "domain_already_exists", "", EP_LIMITS_SET, EINVAL, EINVAL, 0},
        /* rate limiting and server failures (after retries) */
        {429, "", "", EP_TENANTS_LIST, EAGAIN, EAGAIN, 0},
        {429, "rate_limited", "Too many requests", EP_MAILBOX_PATCH, EAGAIN, EAGAIN, 0},
        {500, "", "", EP_TENANTS_LIST, EIO, EIO, 0},
        {502, "", "", EP_DOMAIN_DNS, EIO, EIO, 0},
        {503, "service_unavailable", "", EP_MAILBOX_USAGE, EIO, EIO, 0},
        {504, "", "", EP_DOMAIN_ADD, EIO, EIO, 0},
        {500, "", "Domain already exists", EP_DOMAIN_ADD, EIO, EIO, 0},
        /* a success status that could not be used */
        {200, "", "", EP_TENANT_GET, EIO, EIO, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        struct api_error e;
        memset(&e, 0, sizeof e);
        e.http_status = r->status;
        snprintf(e.code, sizeof e.code, "%s", r->code);
        snprintf(e.message, sizeof e.message, "%s", r->message);
        int got = errno_from_api_error(&e, r->ep);
        CHECK_INT(got, r->err);
        if (got != r->err)
            fprintf(stderr, "  row %zu: %d %s \"%s\" on %s\n", i, r->status, r->code, r->message,
                    api_endpoint_name(r->ep));

        /* The same through every body shape: those that carry a code give
         * the row's errno and the code; the others the errno without it. */
        for (enum shape s = S_DOCUMENTED; s <= S_NONE; s++) {
            struct strbuf body = STRBUF_INIT;
            body_for(&body, s, r->code, r->message);
            from_http(&e, r->ep, r->status, s == S_NONE ? NULL : body.data);
            bool carries_code = s <= S_FLAT;
            int want = carries_code             ? r->err
                       : s == S_NONE && r->bare_err ? r->bare_err
                                                    : r->nocode_err;
            CHECK_INT(e.err, want);
            CHECK_STR(e.code, carries_code ? r->code : "");
            if (s == S_DETAIL_LIST && r->message[0]) {
                char joined[300];
                snprintf(joined, sizeof joined, "body.x: %s", r->message);
                CHECK_STR(e.message, joined);
            } else {
                CHECK_STR(e.message, s == S_NONE ? "" : r->message);
            }
            if (e.err != want)
                fprintf(stderr, "  row %zu through the %s shape: %s\n", i, shape_names[s],
                        body.data ? body.data : "(no body)");
            sb_free(&body);
        }
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
