/* names: the gate between names the API sends and path components the
 * kernel sees. A name that could escape its directory or confuse a shell
 * loop (empty, ".", "..", '/', control characters, invalid UTF-8) is never
 * exposed; tenant display names are made into by-name/ link names. */
#include "names.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "values.h"

#define LINK_NAME_MAX 200 /* leaves room for "~<8 hex digits>" on duplicates */

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7F;
}

bool name_is_safe(const char *s)
{
    if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    size_t len = strlen(s);
    if (len > NAME_MAX_BYTES || !utf8_valid(s, len))
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '/' || is_control(*p))
            return false;
    }
    return true;
}

/* Bytes of the valid UTF-8 character at s, or 0 when s[0] starts none. */
static size_t utf8_char_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || strnlen(s, len) < len)
        return 0;
    return utf8_valid(s, len) ? len : 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *name_for_link(const char *tenant_name)
{
    const char *s = tenant_name ? tenant_name : "";
    size_t len = strlen(s);

    /* Trim before replacing, so "Acme\n" is "Acme", not "Acme_". */
    while (len > 0 && is_space(*s)) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;

    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len(s + i);
        if (n == 0 || i + n > len) {
            n = 1; /* one '_' per byte that is not part of a character */
            sb_putc(&sb, '_');
        } else if (n == 1 && (s[i] == '/' || is_control((unsigned char)s[i]))) {
            sb_putc(&sb, '_');
        } else {
            if (sb.len + n > LINK_NAME_MAX)
                break; /* cut on a character boundary */
            sb_append(&sb, s + i, n);
        }
        if (sb.len >= LINK_NAME_MAX)
            break;
        i += n;
    }
    /* The cut may have left a trailing space. */
    while (sb.len > 0 && sb.data[sb.len - 1] == ' ')
        sb.data[--sb.len] = '\0';

    if (sb.len == 0 || strcmp(sb.data, ".") == 0 || strcmp(sb.data, "..") == 0) {
        sb_free(&sb);
        return xstrdup("_");
    }
    return sb_detach(&sb, NULL);
}

void names_add(struct names *ns, const char *s)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 16;
        ns->v = xrealloc(ns->v, ns->cap * sizeof *ns->v);
    }
    ns->v[ns->n++] = xstrdup(s);
}

bool names_has(const struct names *ns, const char *s)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], s) == 0)
            return true;
    return false;
}

void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
    ns->v = NULL;
    ns->n = ns->cap = 0;
}
