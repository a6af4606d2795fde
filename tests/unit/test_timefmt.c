/* test_timefmt: ISO 8601 timestamps in both directions, independent of TZ. */
#include "check.h"
#include "timefmt.h"

static void parse_ok(const char *s, long long want)
{
    time_t t = 0;
    int rc = iso8601_parse(s, &t);
    CHECK_INT(rc, 0);
    CHECK_INT(t, want);
    if (rc || t != want)
        fprintf(stderr, "  for \"%s\"\n", s);
}

static void parse_bad(const char *s)
{
    time_t t = 12345;
    int rc = iso8601_parse(s, &t);
    CHECK_INT(rc, -1);
    CHECK_INT(t, 12345); /* untouched */
    if (rc == 0)
        fprintf(stderr, "  accepted \"%s\"\n", s);
}

static void test_parse(void)
{
    parse_ok("1970-01-01T00:00:00Z", 0);
    parse_ok("2025-01-20T10:00:00Z", 1737367200);
    parse_ok("2025-01-20T10:00:00", 1737367200);  /* no zone: UTC */
    parse_ok("2025-01-20 10:00:00", 1737367200);  /* space for T */
    parse_ok("2025-01-20t10:00:00z", 1737367200); /* RFC 3339 allows lowercase */
    parse_ok("2025-01-20T10:00:00.123Z", 1737367200);
    parse_ok("2025-01-20T10:00:00.999999999Z", 1737367200); /* truncated, not rounded */
    parse_ok("2025-01-20T10:00:00.123456+00:00", 1737367200);
    parse_ok("2025-01-20T12:00:00+02:00", 1737367200);
    parse_ok("2025-01-20T05:30:00-04:30", 1737367200);
    parse_ok("2025-01-20T15:30:00+0530", 1737367200);
    parse_ok("2025-01-20T12:00:00+02", 1737367200);
    parse_ok("2025-01-20T10:00:00-00:00", 1737367200);
    parse_ok("2025-01-21T09:59:00+23:59", 1737367200);
    parse_ok("1969-12-31T23:59:59Z", -1);
    parse_ok("2000-02-29T00:00:00Z", 951782400);  /* leap year (400) */
    parse_ok("2024-02-29T12:00:00Z", 1709208000); /* leap year (4) */
    parse_ok("2038-01-19T03:14:08Z", 2147483648LL);
    parse_ok("2016-12-31T23:59:60Z", 1483228800); /* leap second: next minute */
    parse_ok("9999-12-31T23:59:59Z", 253402300799LL);

    parse_bad(NULL);
    parse_bad("");
    parse_bad("garbage");
    parse_bad("2025-01-20");
    parse_bad("2025-01-20T10:00");
    parse_bad("2025-01-20T10:00Z");
    parse_bad("2025-1-20T10:00:00Z");
    parse_bad("25-01-20T10:00:00Z");
    parse_bad("20250120T100000Z");
    parse_bad("2025-00-20T10:00:00Z");
    parse_bad("2025-13-20T10:00:00Z");
    parse_bad("2025-01-00T10:00:00Z");
    parse_bad("2025-01-32T10:00:00Z");
    parse_bad("2025-02-29T10:00:00Z"); /* not a leap year */
    parse_bad("1900-02-29T10:00:00Z"); /* nor is 1900 */
    parse_bad("2025-04-31T10:00:00Z");
    parse_bad("2025-01-20T24:00:00Z");
    parse_bad("2025-01-20T10:60:00Z");
    parse_bad("2025-01-20T10:00:61Z");
    parse_bad("2025-01-20X10:00:00Z");
    parse_bad("2025-01-20T10:00:00.Z");
    parse_bad("2025-01-20T10:00:00.abcZ");
    parse_bad("2025-01-20T10:00:00ZZ");
    parse_bad("2025-01-20T10:00:00Z ");
    parse_bad(" 2025-01-20T10:00:00Z");
    parse_bad("2025-01-20T10:00:00+24:00");
    parse_bad("2025-01-20T10:00:00+02:60");
    parse_bad("2025-01-20T10:00:00+2:00");
    parse_bad("2025-01-20T10:00:00+02:0");
    parse_bad("2025-01-20T10:00:00+02:00:00");
    parse_bad("2025-01-20T10:00:00 UTC");
    parse_bad("2025-01-20T10:00:00EST");
    parse_bad("2025-01-20T1a:00:00Z");
    parse_bad("2025-01-20T10:00:00\n");
    parse_bad("-025-01-20T10:00:00Z");
    parse_bad("+2025-01-20T10:00:00Z");
}

static void format_is(long long t, const char *want)
{
    char buf[32];
    iso8601_format((time_t)t, buf, sizeof(buf));
    CHECK_STR(buf, want);
}

static void test_format(void)
{
    format_is(0, "1970-01-01T00:00:00Z");
    format_is(1737367200, "2025-01-20T10:00:00Z");
    format_is(-1, "1969-12-31T23:59:59Z");
    format_is(951782400, "2000-02-29T00:00:00Z");
    format_is(2147483648LL, "2038-01-19T03:14:08Z");
    format_is(253402300799LL, "9999-12-31T23:59:59Z");

    /* Exactly 21 bytes suffice; a shorter buffer is cut, never overrun. */
    char buf[21];
    iso8601_format(1737367200, buf, sizeof(buf));
    CHECK_STR(buf, "2025-01-20T10:00:00Z");
    char small[8] = "xxxxxxx";
    iso8601_format(1737367200, small, 5);
    CHECK_STR(small, "2025");
    CHECK(small[5] == 'x');

    /* Round trip over a range of instants, one every 9999999 seconds. */
    for (long long t = -2208988800LL; t < 4102444800LL; t += 9999999) {
        char s[32];
        time_t back = 0;
        iso8601_format((time_t)t, s, sizeof(s));
        CHECK_INT(iso8601_parse(s, &back), 0);
        CHECK_INT(back, t);
    }
}

/* The result must not depend on the daemon's TZ. */
static void test_tz_independence(void)
{
    const char *zones[] = {"America/New_York", "Asia/Kolkata", "Pacific/Chatham", "UTC0", NULL};
    for (size_t i = 0; zones[i]; i++) {
        setenv("TZ", zones[i], 1);
        tzset();
        parse_ok("2025-07-01T12:00:00Z", 1751371200);
        parse_ok("2025-07-01T12:00:00", 1751371200);
        format_is(1751371200, "2025-07-01T12:00:00Z");
    }
    unsetenv("TZ");
    tzset();
}

int main(void)
{
    test_parse();
    test_format();
    test_tz_independence();
    return check_report("test_timefmt");
}
