/* test_names: which API names become path components, and how tenant
 * display names become by-name/ link names. */
#include "check.h"
#include "names.h"
#include "values.h"

static void test_is_safe(void)
{
    CHECK(!name_is_safe(NULL));
    CHECK(!name_is_safe(""));
    CHECK(!name_is_safe("."));
    CHECK(!name_is_safe(".."));
    CHECK(!name_is_safe("a/b"));
    CHECK(!name_is_safe("/"));
    CHECK(!name_is_safe("a/"));
    CHECK(!name_is_safe("a\nb"));
    CHECK(!name_is_safe("a\tb"));
    CHECK(!name_is_safe("\r"));
    CHECK(!name_is_safe("\x1b[31mred"));
    CHECK(!name_is_safe("\x7f"));
    CHECK(!name_is_safe("a\x7f"));
    CHECK(!name_is_safe("\xff"));
    CHECK(!name_is_safe("caf\xc3"));
    CHECK(!name_is_safe("\xc0\xaf")); /* overlong '/' */
    CHECK(!name_is_safe("\xed\xa0\x80"));

    CHECK(name_is_safe("..."));
    CHECK(name_is_safe(".hidden"));
    CHECK(name_is_safe("..a"));
    CHECK(name_is_safe("a."));
    CHECK(name_is_safe("Acme Corp"));
    CHECK(name_is_safe(" leading and trailing "));
    CHECK(name_is_safe("mail.acme.com"));
    CHECK(name_is_safe("8f1c2e4a-1b2c-4d5e-8f90-123456789abc"));
    CHECK(name_is_safe("john@mail.acme.com"));
    CHECK(name_is_safe("Zo\xc3\xab \xe5\xb1\xb1\xe7\x94\xb0 \xf0\x9f\x98\x80"));
    CHECK(name_is_safe("back\\slash"));
    CHECK(name_is_safe("-rf"));

    char buf[300];
    memset(buf, 'a', sizeof(buf));
    buf[255] = '\0';
    CHECK(name_is_safe(buf));
    memset(buf, 'a', 256);
    buf[256] = '\0';
    CHECK(!name_is_safe(buf));
    /* 255 bytes of which the last three are one character. */
    memset(buf, 'a', 252);
    strcpy(buf + 252, "\xe2\x82\xac");
    CHECK_INT(strlen(buf), 255);
    CHECK(name_is_safe(buf));
}

static void check_link(const char *in, const char *want)
{
    char *out = name_for_link(in);
    CHECK_STR(out, want);
    CHECK(name_is_safe(out));
    free(out);
}

static void test_for_link(void)
{
    check_link("Acme Corp", "Acme Corp");
    check_link("  Acme Corp \n", "Acme Corp");
    check_link("\tAcme\r\n", "Acme");
    check_link("Acme/Beta", "Acme_Beta");
    check_link("a\nb", "a_b");
    check_link("a\x01\x7f"
               "b",
               "a__b");
    check_link("caf\xc3\xa9", "caf\xc3\xa9");
    check_link("\xf0\x9f\x98\x80 Rocket", "\xf0\x9f\x98\x80 Rocket");
    check_link("bad\xff"
               "byte",
               "bad_byte");
    check_link("bad\xc3", "bad_");
    check_link("\xe2\x82"
               "x",
               "__x");
    check_link("\xed\xa0\x80", "___"); /* a surrogate: three bad bytes */
    check_link("", "_");
    check_link("   ", "_");
    check_link(NULL, "_");
    check_link(".", "_");
    check_link("..", "_");
    check_link(" .. ", "_");
    check_link("...", "...");
    check_link("/", "_");
    check_link("../etc", ".._etc");

    /* Cut to 200 bytes, never inside a character. */
    char buf[600];
    memset(buf, 'a', 300);
    buf[300] = '\0';
    char *out = name_for_link(buf);
    CHECK_INT(strlen(out), 200);
    free(out);

    buf[0] = 'a';
    for (int i = 0; i < 100; i++)
        memcpy(buf + 1 + 3 * i, "\xe2\x82\xac", 3); /* 1 + 300 bytes */
    buf[301] = '\0';
    out = name_for_link(buf);
    CHECK_INT(strlen(out), 199); /* 'a' + 66 euro signs; a 67th would end at 202 */
    CHECK(utf8_valid(out, strlen(out)));
    free(out);

    /* A cut that leaves a trailing space drops it. */
    memset(buf, 'a', 199);
    buf[199] = ' ';
    strcpy(buf + 200, "tail");
    out = name_for_link(buf);
    CHECK_INT(strlen(out), 199);
    free(out);
}

int main(void)
{
    test_is_safe();
    test_for_link();
    return check_report("test_names");
}
