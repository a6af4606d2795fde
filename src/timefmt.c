/* timefmt: ISO 8601 / RFC 3339 timestamps as the API sends them, to and
 * from time_t. Always UTC arithmetic (timegm, gmtime_r): the daemon's TZ
 * must not move the mtimes it reports. Parsing is strict: a malformed or
 * out-of-range stamp is refused rather than guessed at. */
#ifndef _GNU_SOURCE
#define _DEFAULT_SOURCE /* timegm */
#endif
#include "timefmt.h"

#include <stdbool.h>
#include <stdio.h>

/* Exactly n ASCII digits at *p, as a number; *p moves past them. */
static bool take_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool take_char(const char **p, const char *choices)
{
    for (const char *c = choices; *c; c++) {
        if (**p == *c) {
            (*p)++;
            return true;
        }
    }
    return false;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* The zone suffix: nothing (UTC), Z, or ±HH:MM / ±HHMM / ±HH, as seconds
 * east of UTC. */
static bool take_zone(const char **p, long *offset)
{
    *offset = 0;
    if (**p == '\0' || take_char(p, "Zz"))
        return true;
    int sign = **p == '+' ? 1 : **p == '-' ? -1 : 0;
    if (!sign)
        return false;
    (*p)++;
    int hh, mm = 0;
    if (!take_digits(p, 2, &hh))
        return false;
    if (take_char(p, ":")) {
        if (!take_digits(p, 2, &mm))
            return false;
    } else if (**p != '\0' && !take_digits(p, 2, &mm)) {
        return false;
    }
    if (hh > 23 || mm > 59)
        return false;
    *offset = sign * (hh * 3600L + mm * 60L);
    return true;
}

int iso8601_parse(const char *s, time_t *out)
{
    if (!s)
        return -1;
    const char *p = s;
    int year, month, day, hour, min, sec;
    if (!take_digits(&p, 4, &year) || !take_char(&p, "-") || !take_digits(&p, 2, &month) ||
        !take_char(&p, "-") || !take_digits(&p, 2, &day) || !take_char(&p, "Tt ") ||
        !take_digits(&p, 2, &hour) || !take_char(&p, ":") || !take_digits(&p, 2, &min) ||
        !take_char(&p, ":") || !take_digits(&p, 2, &sec))
        return -1;
    /* Fractions of a second: any number of digits, truncated. */
    if (take_char(&p, ".,")) {
        int digit;
        if (!take_digits(&p, 1, &digit))
            return -1;
        while (take_digits(&p, 1, &digit))
            ;
    }
    long offset;
    if (!take_zone(&p, &offset) || *p != '\0')
        return -1;
    /* Second 60 is a leap second (RFC 3339); timegm folds it into the
     * next minute. */
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        min > 59 || sec > 60)
        return -1;

    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *out = t - offset;
    return 0;
}

void iso8601_format(time_t t, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
