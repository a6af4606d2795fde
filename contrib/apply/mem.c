/* mem: allocation helpers. */
#include "mem.h"

#include "values.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *oom(void)
{
    fputs("tenantcorefs-apply: out of memory\n", stderr);
    abort();
}

void *zalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    return p ? p : oom();
}

void *regrow(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    return q ? q : oom();
}

char *dupstr(const char *s)
{
    return s ? dupmem(s, strlen(s)) : NULL;
}

char *dupmem(const char *s, size_t n)
{
    char *p = zalloc(n + 1);
    memcpy(p, s, n);
    return p;
}

char *fmtstr(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? oom() : s;
}

void grow_array(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return;
    size_t c = *cap ? *cap : 16;
    while (c < n)
        c *= 2;
    *v = regrow(*v, c * sz);
    *cap = c;
}

char *printable(const char *s)
{
    size_t n = strlen(s);
    char *out = zalloc(4 * n + 1), *o = out;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t clen = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        bool c1 = c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] < 0xA0; /* C1 controls */
        if (c >= 0x80 && !c1 && i + clen <= n && utf8_valid(s + i, clen)) {
            memcpy(o, s + i, clen);
            o += clen;
            i += clen;
            continue;
        }
        if (c < 0x20 || c >= 0x7f || c == '\\')
            o += sprintf(o, "\\x%02x", c);
        else
            *o++ = (char)c;
        i++;
    }
    *o = '\0';
    return out;
}
