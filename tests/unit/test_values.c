/* test_values: every check a written value passes before an API request:
 * send limits, display names, dkim_status, domain names for mkdir, the
 * provision JSON, and the UTF-8 validator beneath them. */
#include "check.h"
#include "jsonout.h"
#include "values.h"

#include <errno.h>

/* ---- value_parse_limit ---- */

struct limit_case {
    const char *buf;
    size_t len; /* 0: strlen(buf) */
    int want;   /* the value, or 0 for -EINVAL */
};

#define L(s, want)                                                                                 \
    {                                                                                              \
        s, sizeof(s) - 1, want                                                                     \
    }

static const struct limit_case limit_cases[] = {
    L("1", 1),
    L("25", 25),
    L("20\n", 20),
    L(" 7 ", 7),
    L("\t12\r\n", 12),
    L("007", 7),
    L("0025", 25),
    L("10", 10),
    L("\n\n5\n\n", 5),
    L("  24\t", 24),
    L("000000000000000000000000000001", 1),
    L("", 0),
    L("\n", 0),
    L(" \t\r\n", 0),
    L("0", 0),
    L("00", 0),
    L("26", 0),
    L("100", 0),
    L("-1", 0),
    L("+5", 0),
    L("1e3", 0),
    L("20abc", 0),
    L(" 20 20", 0),
    L("2 0", 0),
    L("0x10", 0),
    L("1.0", 0),
    L("1,0", 0),
    L("\xef\xbc\x99", 0), /* fullwidth nine */
    L("\xd9\xa5", 0),     /* Arabic-Indic five */
    L("\x01\x02", 0),
    L("\xff", 0),
    L("2\0", 0),
    L("\0"
      "2",
      0),
    L("1\0"
      "2",
      0),
    L("20\n21\n", 0),
    L("999999999999999999999", 0),
    L("18446744073709551617", 0),
    L("4294967297", 0),
    L("\v5", 0), /* only space, tab, CR and LF surround a value */
    L("5\f", 0),
    L("five", 0),
    L("none", 0),
    L("\"20\"", 0),
    L("20;", 0),
};

static void test_limit(void)
{
    for (size_t i = 0; i < sizeof(limit_cases) / sizeof(*limit_cases); i++) {
        const struct limit_case *c = &limit_cases[i];
        int v = -1;
        const char *why = NULL;
        int rc = value_parse_limit(c->buf, c->len, &v, &why);
        if (c->want) {
            CHECK_INT(rc, 0);
            CHECK_INT(v, c->want);
        } else {
            CHECK_INT(rc, -EINVAL);
            CHECK(why != NULL && *why);
            CHECK_INT(v, -1); /* untouched on failure */
        }
        if ((rc == 0) != (c->want != 0))
            fprintf(stderr, "  limit case %zu: \"%.*s\"\n", i, (int)c->len, c->buf);
    }

    /* 1 MiB of digits: refused on length, and no overflow on the way. */
    size_t big = 1 << 20;
    char *digits = xmalloc(big);
    memset(digits, '9', big);
    int v = -1;
    const char *why = NULL;
    CHECK_INT(value_parse_limit(digits, big, &v, &why), -EINVAL);
    /* 4 KiB of zeros then "7": within the write limit, leading zeros. */
    memset(digits, '0', VALUE_MAX_WRITE - 1);
    digits[VALUE_MAX_WRITE - 1] = '7';
    CHECK_INT(value_parse_limit(digits, VALUE_MAX_WRITE, &v, &why), 0);
    CHECK_INT(v, 7);
    /* 4 KiB of nines: saturates instead of overflowing. */
    memset(digits, '9', VALUE_MAX_WRITE);
    CHECK_INT(value_parse_limit(digits, VALUE_MAX_WRITE, &v, &why), -EINVAL);
    free(digits);

    /* The length is honoured: bytes beyond it are not read. */
    CHECK_INT(value_parse_limit("2599", 2, &v, &why), 0);
    CHECK_INT(v, 25);
}

/* ---- value_parse_display_name ---- */

static void name_ok(const char *buf, size_t len, const char *want)
{
    char *out = NULL;
    const char *why = NULL;
    CHECK_INT(value_parse_display_name(buf, len, &out, &why), 0);
    CHECK_STR(out, want);
    free(out);
}

static void name_bad(const char *buf, size_t len)
{
    char *out = NULL;
    const char *why = NULL;
    CHECK_INT(value_parse_display_name(buf, len, &out, &why), -EINVAL);
    CHECK(out == NULL);
    CHECK(why != NULL && *why);
}

#define NAME_OK(s, want) name_ok(s, sizeof(s) - 1, want)
#define NAME_BAD(s)      name_bad(s, sizeof(s) - 1)

static void test_display_name(void)
{
    NAME_OK("Ann", "Ann");
    NAME_OK("Ann\n", "Ann");
    NAME_OK("Ann\r\n", "Ann");
    NAME_OK("John Doe", "John Doe");
    NAME_OK(" Ann ", " Ann "); /* kept as written: only the newline goes */
    NAME_OK("Zo\xc3\xab \xe5\xb1\xb1\xe7\x94\xb0 \xf0\x9f\x98\x80",
            "Zo\xc3\xab \xe5\xb1\xb1\xe7\x94\xb0 \xf0\x9f\x98\x80");
    NAME_OK("O'Brien \"JD\" <sales>", "O'Brien \"JD\" <sales>");
    NAME_OK("a\xc2\xa0"
            "b",
            "a\xc2\xa0"
            "b"); /* no-break space inside a name */

    NAME_BAD("");
    NAME_BAD("\n");
    NAME_BAD("\r\n");
    NAME_BAD("a\nb");
    NAME_BAD("Ann\n\n");
    NAME_BAD("Ann\r");
    NAME_BAD("a\rb");
    NAME_BAD("   ");
    NAME_BAD("   \n");
    NAME_BAD("\xc2\xa0\xe3\x80\x80"); /* no-break space, ideographic space */
    NAME_BAD("a\tb");                 /* a tab is a control character */
    NAME_BAD("\tAnn");
    NAME_BAD("a\x7f"
             "b");
    NAME_BAD("a\x01"
             "b");
    NAME_BAD("a\xc2\x85"
             "b"); /* U+0085, a C1 control (NEL) */
    NAME_BAD("a\xe2\x80\xa8"
             "b"); /* U+2028 line separator */
    NAME_BAD("a\0b");
    NAME_BAD("Ann\0");
    NAME_BAD("\xff");
    NAME_BAD("caf\xc3");          /* truncated */
    NAME_BAD("\xc0\xaf");         /* overlong '/' */
    NAME_BAD("\xe0\x80\xaf");     /* overlong '/' */
    NAME_BAD("\xed\xa0\x80");     /* surrogate U+D800 */
    NAME_BAD("\xf4\x90\x80\x80"); /* above U+10FFFF */

    char buf[300];
    memset(buf, 'x', sizeof(buf));
    name_bad(buf, 257);
    buf[256] = '\n';
    char *out = NULL;
    const char *why;
    CHECK_INT(value_parse_display_name(buf, 257, &out, &why), 0); /* 256 + newline */
    CHECK_INT(out ? strlen(out) : 0, 256);
    free(out);
}

/* ---- value_parse_dkim_enable ---- */

static void test_dkim(void)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"enabled", 1},  {"enabled\n", 1}, {" enabled\n", 1},       {"\tenabled\r\n", 1},
        {"Enabled", 0},  {"ENABLED", 0},   {"enable", 0},           {"enabled!", 0},
        {"", 0},         {"\n", 0},        {"enabled\nenabled", 0}, {"en abled", 0},
        {"disabled", 0}, {"pending", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const char *why = NULL;
        int rc = value_parse_dkim_enable(cases[i].s, strlen(cases[i].s), &why);
        CHECK_INT(rc, cases[i].ok ? 0 : -EINVAL);
        if (!cases[i].ok)
            CHECK(why != NULL);
    }
    const char *why;
    CHECK_INT(value_parse_dkim_enable("enabled\0", 8, &why), -EINVAL);
}

/* ---- value_check_domain ---- */

static void test_domain(void)
{
    static const char *const good[] = {
        "mail.acme.com",
        "xn--bcher-kva.example",
        "a.co",
        "a-b.c-d.io",
        "acme.com",
        "a.b.c.d.e.f.example",
        "0.example",
        "123.example",
        "a1.b2",
        "a.xn--p1ai",
        "a--b.com",
        "example.c0m",
        NULL,
    };
    static const char *const bad[] = {
        "",
        "com",
        "Mail.Acme.com",
        "MAIL.ACME.COM",
        "-a.com",
        "a-.com",
        "a..com",
        ".a.com",
        "a.com.",
        ".",
        "..",
        "a_b.com",
        "a.123",
        "a b.com",
        "b\xc3\xbc"
        "cher.de",
        "a.com\n",
        " a.com",
        "a/b.com",
        "x.onmicrosoft.com",
        "onmicrosoft.com",
        "a.b.onmicrosoft.com",
        "contoso.mail.onmicrosoft.com",
        "a.-com",
        "a.com-",
        "*.acme.com",
        "acme.com:25",
        "a@b.com",
        NULL,
    };
    const char *why = NULL;
    for (size_t i = 0; good[i]; i++) {
        int rc = value_check_domain(good[i], &why);
        CHECK_INT(rc, 0);
        if (rc)
            fprintf(stderr, "  refused good domain \"%s\": %s\n", good[i], why);
    }
    for (size_t i = 0; bad[i]; i++) {
        why = NULL;
        int rc = value_check_domain(bad[i], &why);
        CHECK_INT(rc, -EINVAL);
        CHECK(why != NULL);
        if (!rc)
            fprintf(stderr, "  accepted bad domain \"%s\"\n", bad[i]);
    }
    CHECK_INT(value_check_domain(NULL, &why), -EINVAL);
    /* Not Microsoft's namespace, just a name that ends like it. */
    CHECK_INT(value_check_domain("notonmicrosoft.com", &why), 0);

    char name[300];
    /* A label of 63 characters is fine, 64 is not. */
    memset(name, 'a', 63);
    strcpy(name + 63, ".com");
    CHECK_INT(value_check_domain(name, &why), 0);
    memset(name, 'a', 64);
    strcpy(name + 64, ".com");
    CHECK_INT(value_check_domain(name, &why), -EINVAL);

    /* 253 bytes are fine, 254 are not: three labels of 63, a dot after
     * each (192 bytes), and a last label of 61 or 62 letters. */
    struct strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 3; i++) {
        memset(name, 'a', 63);
        name[63] = '.';
        sb_append(&sb, name, 64);
    }
    memset(name, 'b', 62);
    sb_append(&sb, name, 61);
    CHECK_INT(sb.len, 253);
    CHECK_INT(value_check_domain(sb.data, &why), 0);
    sb_putc(&sb, 'b');
    CHECK_INT(sb.len, 254);
    CHECK_INT(value_check_domain(sb.data, &why), -EINVAL);
    sb_free(&sb);
}

/* ---- value_parse_provision ---- */

static const char *const domain = "mail.acme.com";

static char *provision_ok(const char *json)
{
    cJSON *body = NULL;
    const char *why = NULL;
    int rc = value_parse_provision(json, strlen(json), domain, &body, &why);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "  refused %s: %s\n", json, why);
        return NULL;
    }
    struct strbuf sb = STRBUF_INIT;
    json_print_compact(&sb, body);
    cJSON_Delete(body);
    return sb_detach(&sb, NULL);
}

static void provision_bad_len(const char *json, size_t len)
{
    cJSON *body = NULL;
    const char *why = NULL;
    int rc = value_parse_provision(json, len, domain, &body, &why);
    CHECK_INT(rc, -EINVAL);
    CHECK(body == NULL);
    CHECK(why != NULL && *why);
    if (rc == 0) {
        fprintf(stderr, "  accepted bad provision: %.*s\n", (int)len, json);
        cJSON_Delete(body);
    }
}

static void provision_bad(const char *json)
{
    provision_bad_len(json, strlen(json));
}

#define MB(n, e) "{\"name\":\"" n "\",\"email\":\"" e "\"}"
#define PW       "\"account_password\":\"S3cure!Pass\""

static void test_provision(void)
{
    char *out = provision_ok("{" PW ",\"mailboxes\":[" MB("John Doe", "john@mail.acme.com") "]}");
    CHECK_STR(out, "{\"domain\":\"mail.acme.com\"," PW
                   ",\"mailboxes\":[" MB("John Doe", "john@mail.acme.com") "]}");
    free(out);

    /* Three mailboxes, members in any order, "domain" given, whitespace,
     * an email with the domain in capitals: kept as given. */
    out = provision_ok(" {\n \"mailboxes\": [" MB(
        "A", "a@mail.acme.com") ", {\"email\": "
                                "\"b.b+x@MAIL.acme.com\", \"name\": \"B \\u00e9\"}," MB(
                                    "C",
                                    "c@mail.acme.com") "],\n \"domain\": \"mail.acme.com\", " PW
                                                       "\n}\n");
    CHECK_STR(out, "{\"domain\":\"mail.acme.com\"," PW ",\"mailboxes\":[" MB(
                       "A", "a@mail.acme.com") ",{\"email\":\"b.b+x@MAIL.acme.com\",\"name\":"
                                               "\"B \xc3\xa9\"}," MB("C", "c@mail.acme.com") "]}");
    free(out);

    /* A password with quotes, backslashes and unicode reaches the body
     * byte for byte. */
    out = provision_ok("{\"account_password\":\"p\\\"w\\\\d\xe2\x82\xac!\",\"mailboxes\":[" MB(
        "A", "a@mail.acme.com") "]}");
    CHECK_STR(out,
              "{\"domain\":\"mail.acme.com\",\"account_password\":\"p\\\"w\\\\d\xe2\x82\xac!\","
              "\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    free(out);

    /* "domain" in another case names the same domain. */
    out = provision_ok("{\"domain\":\"Mail.Acme.Com\"," PW
                       ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    CHECK(out && strstr(out, "\"domain\":\"mail.acme.com\""));
    free(out);

    provision_bad("");
    provision_bad("not json");
    provision_bad("[]");
    provision_bad("\"x\"");
    provision_bad("null");
    provision_bad("{}");
    provision_bad("{\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}"); /* no password */
    provision_bad("{\"account_password\":\"\",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    provision_bad("{\"account_password\":42,\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    provision_bad("{\"account_password\":null,\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    provision_bad("{" PW "}");
    provision_bad("{" PW ",\"mailboxes\":[]}");
    provision_bad("{" PW ",\"mailboxes\":{}}");
    provision_bad("{" PW ",\"mailboxes\":" MB("A", "a@mail.acme.com") "}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "," MB(
        "B", "b@mail.acme.com") "," MB("C", "c@mail.acme.com") "," MB("D", "d@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[{\"name\":\"A\"}]}");                /* no email */
    provision_bad("{" PW ",\"mailboxes\":[{\"email\":\"a@mail.acme.com\"}]}"); /* no name */
    provision_bad("{" PW ",\"mailboxes\":[" MB("", "a@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A\\nB", "a@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("  ", "a@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[{\"name\":1,\"email\":\"a@mail.acme.com\"}]}");
    provision_bad("{" PW ",\"mailboxes\":[\"a@mail.acme.com\"]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@other.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@sub.mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com.") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@b@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a b@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "\xc3\xa9@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB(
        "A",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "," MB(
        "B", "A@Mail.Acme.com") "]}"); /* duplicate, case-insensitively */
    provision_bad("{" PW ",\"mailboxes\":[{\"name\":\"A\",\"email\":\"a@mail.acme.com\","
                  "\"alias\":\"x\"}]}");
    provision_bad("{" PW ",\"mailboxes\":[{\"name\":\"A\",\"email\":\"a@mail.acme.com\","
                  "\"email\":\"b@mail.acme.com\"}]}");
    provision_bad("{\"domain\":\"other.com\"," PW
                  ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    provision_bad("{\"domain\":1," PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "],\"extra\":1}");
    provision_bad("{" PW "," PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]} x");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}{}");
    provision_bad("{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]");
    provision_bad(
        "{\"account_password\":\"ab\\u0000cd\",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    provision_bad(
        "{\"account_password\":\"\xff\xfe\",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");

    /* An escaped backslash before "u0000" is no NUL escape. */
    out = provision_ok(
        "{\"account_password\":\"ab\\\\u0000\",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    CHECK(out && strstr(out, "\"ab\\\\u0000\""));
    free(out);

    /* A NUL byte inside the buffer, before or after the JSON. */
    static const char with_nul[] = "{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}\0";
    provision_bad_len(with_nul, sizeof(with_nul) - 1);
    static const char nul_in_string[] =
        "{\"account_password\":\"ab\0cd\",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}";
    provision_bad_len(nul_in_string, sizeof(nul_in_string) - 1);

    /* Only len bytes are read: the buffer need not end in NUL. */
    static const char unterminated[] =
        "{" PW ",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}GARBAGE";
    cJSON *body = NULL;
    const char *why;
    CHECK_INT(value_parse_provision(unterminated, sizeof(unterminated) - 8, domain, &body, &why),
              0);
    cJSON_Delete(body);

    /* Longer than one write may be. */
    struct strbuf big = STRBUF_INIT;
    sb_puts(&big, "{\"account_password\":\"");
    for (int i = 0; i < VALUE_MAX_WRITE; i++)
        sb_putc(&big, 'x');
    sb_puts(&big, "\",\"mailboxes\":[" MB("A", "a@mail.acme.com") "]}");
    provision_bad(big.data);
    sb_free(&big);
}

/* ---- utf8_valid ---- */

static void test_utf8(void)
{
    static const struct {
        const char *s;
        int valid;
    } cases[] = {
        {"", 1},
        {"plain ascii", 1},
        {"\x7f", 1},
        {"\xc2\x80", 1},         /* U+0080, smallest two-byte */
        {"\xdf\xbf", 1},         /* U+07FF */
        {"\xe0\xa0\x80", 1},     /* U+0800, smallest three-byte */
        {"\xed\x9f\xbf", 1},     /* U+D7FF, just below the surrogates */
        {"\xee\x80\x80", 1},     /* U+E000, just above them */
        {"\xef\xbf\xbd", 1},     /* U+FFFD */
        {"\xef\xbf\xbf", 1},     /* U+FFFF, a noncharacter but valid */
        {"\xf0\x90\x80\x80", 1}, /* U+10000, smallest four-byte */
        {"\xf4\x8f\xbf\xbf", 1}, /* U+10FFFF, the last */
        {"caf\xc3\xa9 \xf0\x9f\x98\x80", 1},
        {"\x80", 0}, /* lone continuation */
        {"\xbf", 0},
        {"\xc0\x80", 0},                 /* overlong NUL */
        {"\xc1\xbf", 0},                 /* overlong */
        {"\xe0\x80\x80", 0},             /* overlong */
        {"\xe0\x9f\xbf", 0},             /* overlong U+07FF */
        {"\xf0\x80\x80\x80", 0},         /* overlong */
        {"\xf0\x8f\xbf\xbf", 0},         /* overlong U+FFFF */
        {"\xed\xa0\x80", 0},             /* U+D800 */
        {"\xed\xbf\xbf", 0},             /* U+DFFF */
        {"\xed\xa0\xbd\xed\xb8\x80", 0}, /* CESU-8 surrogate pair */
        {"\xf4\x90\x80\x80", 0},         /* U+110000 */
        {"\xf5\x80\x80\x80", 0},
        {"\xf8\x88\x80\x80\x80", 0}, /* five-byte form */
        {"\xfe", 0},
        {"\xff", 0},
        {"\xc3", 0}, /* truncated */
        {"\xe2\x82", 0},
        {"\xf0\x9f\x98", 0},
        {"\xc3"
         "A",
         0}, /* continuation missing */
        {"\xe2\x82"
         "A",
         0},
        {"a\xc3\xa9\x80", 0}, /* stray continuation after a character */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int v = utf8_valid(cases[i].s, strlen(cases[i].s));
        CHECK_INT(v, cases[i].valid);
        if (v != cases[i].valid)
            fprintf(stderr, "  utf8 case %zu\n", i);
    }
    /* NUL is a valid character; the length decides, not the terminator. */
    CHECK_INT(utf8_valid("a\0b", 3), 1);
    CHECK_INT(utf8_valid("\xc3\xa9", 1), 0); /* cut inside a character */
    CHECK_INT(utf8_valid(NULL, 0), 1);

    /* utf8_width: columns, not bytes. */
    CHECK_INT((int)utf8_width(""), 0);
    CHECK_INT((int)utf8_width("Acme"), 4);
    CHECK_INT((int)utf8_width("M\xc3\xbcller"), 6);           /* ü: 2 bytes, 1 column */
    CHECK_INT((int)utf8_width("Mu\xcc\x88ller"), 6);          /* u + combining diaeresis */
    CHECK_INT((int)utf8_width("\xe6\x9d\xb1\xe4\xba\xac"), 4); /* 東京: wide */
    CHECK_INT((int)utf8_width("\xf0\x9f\x98\x80!"), 3);         /* an emoji, then ! */
    CHECK_INT((int)utf8_width("a\xff" "b"), 3);                  /* an invalid byte: one column */
    CHECK_INT((int)utf8_width("\xe2\x80\x8b"), 0);             /* zero width space */
    /* utf8_prefix: cuts on a character boundary, never past max. */
    const char *s = "a\xc3\xa9\xe2\x82\xac"; /* a, é (2 bytes), € (3 bytes) */
    CHECK_INT((int)utf8_prefix(s, 99), 6);
    CHECK_INT((int)utf8_prefix(s, 6), 6);
    CHECK_INT((int)utf8_prefix(s, 5), 3); /* inside € */
    CHECK_INT((int)utf8_prefix(s, 3), 3);
    CHECK_INT((int)utf8_prefix(s, 2), 1); /* inside é */
    CHECK_INT((int)utf8_prefix(s, 0), 0);
}

int main(void)
{
    test_limit();
    test_display_name();
    test_dkim();
    test_domain();
    test_provision();
    test_utf8();
    return check_report("test_values");
}
