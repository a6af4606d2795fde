/* check: limits and names go through value_parse_* exactly as a write
 * would; DKIM and verify states that cannot be written are compared, so
 * they need only be words. */
#include "check.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "values.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char *trimmed(const char *s, size_t len)
{
    while (len && is_space(*s))
        s++, len--;
    while (len && is_space(s[len - 1]))
        len--;
    return dupmem(s, len);
}

char *check_value(const struct dvalue *v, struct norm *n)
{
    const char *why = NULL;
    n->num = -1;
    n->text = NULL;
    if (v->too_big)
        return fmtstr("more than one value (over %d bytes)", VALUE_MAX_WRITE);
    char *t = v->kind == D_DOMAIN ? NULL : trimmed(v->value, v->len);
    switch (v->kind) {
    case D_DOMAIN:
        n->text = dupstr("present");
        break;
    case D_TENANT_LIMIT:
    case D_DOMAIN_LIMIT:
    case D_DAILY_LIMIT:
        if (strcmp(t, "none") == 0)
            n->text = dupstr("none");
        else if (value_parse_limit(v->value, v->len, &n->num, &why) == 0)
            n->text = fmtstr("%d", n->num);
        break;
    case D_DISPLAY_NAME:
        value_parse_display_name(v->value, v->len, &n->text, &why);
        break;
    case D_DKIM:
        /* Only "enabled" can be written; other states are compared. */
        if (value_parse_dkim_enable(v->value, v->len, &why) == 0)
            n->text = dupstr("enabled");
        else if (*t && strlen(t) <= 64 && name_is_showable(t) && !strpbrk(t, " \t"))
            n->text = dupstr(t);
        else
            why = "not a DKIM state (one word, such as enabled)";
        break;
    case D_VERIFY:
        if (strcmp(t, "verified") == 0 || strcmp(t, "unverified") == 0)
            n->text = dupstr(t);
        else
            why = "verify holds verified or unverified";
        break;
    }
    char *reason = NULL;
    if (!n->text) {
        char *shown = printable(t ? t : "");
        reason = fmtstr("\"%s\": %s", shown, why ? why : "invalid");
        free(shown);
    }
    free(t);
    return reason;
}
