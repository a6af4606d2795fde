/* router.c — see router.h. */
#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes [s, s+n) into out (size > n). Returns false on a decoded NUL,
 * which no identifier may hold. Malformed escapes stay literal. */
static bool pct_decode(const char *s, size_t n, char *out, bool plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            char c = (char)(hi * 16 + lo);
            if (c == '\0')
                return false;
            out[o++] = c;
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return true;
}

/* Splits the path part of raw into decoded segments stored in buf. */
static int split_path(const char *raw, char *buf, const char **segs)
{
    size_t len = strcspn(raw, "?#");
    if (len == 0 || raw[0] != '/' || len > ROUTE_PATH_MAX)
        return -1;
    int nseg = 0;
    size_t pos = 1, off = 0;
    while (pos <= len) {
        size_t end = pos;
        while (end < len && raw[end] != '/')
            end++;
        if (nseg == ROUTE_MAX_SEGS)
            return -1;
        if (!pct_decode(raw + pos, end - pos, buf + off, false))
            return -1;
        segs[nseg++] = buf + off;
        off += strlen(buf + off) + 1;
        pos = end + 1;
    }
    return nseg;
}

enum route_result router_match(const struct route *table, size_t n, const char *method,
                               const char *raw_target, struct route_match *m)
{
    const char *segs[ROUTE_MAX_SEGS];
    memset(m->params, 0, sizeof(m->params));
    m->route = NULL;
    m->nparams = 0;
    m->allow[0] = '\0';
    int nseg = split_path(raw_target, m->buf, segs);
    if (nseg < 0)
        return ROUTE_NOT_FOUND;

    bool path_known = false;
    for (size_t r = 0; r < n; r++) {
        const char *p = table[r].pattern + 1;
        const char *params[ROUTE_MAX_PARAMS];
        size_t np = 0;
        int i = 0;
        bool ok = true;
        while (ok && *p) {
            size_t plen = strcspn(p, "/");
            if (i >= nseg) {
                ok = false;
            } else if (p[0] == '{') {
                /* Empty identifiers never match: "/v1/tenants//domains" is 404. */
                ok = segs[i][0] != '\0' && np < ROUTE_MAX_PARAMS;
                if (ok)
                    params[np++] = segs[i];
            } else {
                ok = strlen(segs[i]) == plen && strncmp(segs[i], p, plen) == 0;
            }
            i++;
            p += plen;
            if (*p == '/')
                p++;
        }
        if (!ok || i != nseg)
            continue;
        path_known = true;
        size_t al = strlen(m->allow);
        snprintf(m->allow + al, sizeof(m->allow) - al, "%s%s", al ? ", " : "", table[r].method);
        if (strcmp(table[r].method, method) == 0 && !m->route) {
            m->route = &table[r];
            memcpy(m->params, params, sizeof(params[0]) * np);
            m->nparams = np;
        }
    }
    if (m->route)
        return ROUTE_OK;
    return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

int router_query_param(const char *raw_target, const char *key, char *out, size_t size)
{
    const char *q = strchr(raw_target, '?');
    if (!q)
        return 0;
    size_t klen = strlen(key);
    for (const char *p = q + 1; *p;) {
        size_t len = strcspn(p, "&#");
        const char *eq = memchr(p, '=', len);
        size_t name_len = eq ? (size_t)(eq - p) : len;
        if (name_len == klen && strncmp(p, key, klen) == 0) {
            const char *v = eq ? eq + 1 : p + len;
            size_t vlen = (size_t)(p + len - v);
            if (vlen >= size || !pct_decode(v, vlen, out, true))
                return -1;
            return 1;
        }
        p += len;
        if (*p == '#')
            break;
        if (*p == '&')
            p++;
    }
    return 0;
}
