/* names: which names from the API may become path components, and how a
 * tenant's display name becomes a by-name/ link name. */
#ifndef TC_NAMES_H
#define TC_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_BYTES 255

/* A name is exposed only when it is non-empty, not "." or "..", at most 255
 * bytes, valid UTF-8 and free of '/', NUL and control characters (< 0x20,
 * 0x7f). Anything else is logged by the caller and never shown. */
bool name_is_safe(const char *s);

/* by-name/ link name for a tenant_name: '/' and control characters become
 * '_', surrounding whitespace is trimmed, invalid UTF-8 bytes become '_',
 * the result is cut to at most 200 bytes on a character boundary; an empty,
 * "." or ".." result becomes "_". Returns a malloc'd string. */
char *name_for_link(const char *tenant_name);

/* A growable list of names (a directory's entries). */
struct names {
    char **v;
    size_t n, cap;
};
void names_add(struct names *ns, const char *s);
bool names_has(const struct names *ns, const char *s);
void names_free(struct names *ns);

#endif
