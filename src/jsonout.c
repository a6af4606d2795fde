/* jsonout: a JSON printer whose output matches `jq .` (jq 1.6) byte for byte,
 * so the tree's .json files read as users expect and diff cleanly.
 *
 * Numbers follow jq's jvp_dtoa_fmt: the shortest digit string that reads
 * back as the same double, written plainly unless the decimal exponent is
 * below -4 or the number would need more than 15 padding zeros (1e+17,
 * 1e-05). Strings follow jq's jvp_dump_string; invalid UTF-8 is replaced as
 * jq's parser does (one U+FFFD per bad sequence). The printer is iterative,
 * so no depth of nesting can exhaust the stack of a FUSE worker thread. */
#include "jsonout.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers ---- */

/* Shortest decimal form of a finite, positive double. */
struct decimal {
    char digits[24]; /* significant digits, no leading or trailing zeros */
    int decpt;       /* value = 0.digits * 10^decpt */
};

/* strtod of mantissa "e" exponent, written without a decimal point so the
 * result does not depend on LC_NUMERIC. */
static double decimal_value(uint64_t mantissa, int exp10)
{
    char buf[48];
    snprintf(buf, sizeof(buf), "%llue%d", (unsigned long long)mantissa, exp10);
    return strtod(buf, NULL);
}

/* v rounded to p significant digits: v ~ mantissa * 10^*exp10, where the
 * mantissa has exactly p digits. */
static uint64_t round_to_digits(double v, int p, int *exp10)
{
    char buf[48];
    snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
    uint64_t m = 0;
    const char *s = buf;
    /* Skip the decimal point whatever the locale makes of it. */
    for (; *s && *s != 'e'; s++) {
        if (*s >= '0' && *s <= '9')
            m = m * 10 + (uint64_t)(*s - '0');
    }
    int e = *s == 'e' ? atoi(s + 1) : 0;
    *exp10 = e - (p - 1);
    return m;
}

static uint64_t pow10_u64(int n)
{
    uint64_t r = 1;
    while (n-- > 0)
        r *= 10;
    return r;
}

/* The shortest mantissa that reads back as v, as dtoa's mode 0 finds it.
 * The correctly rounded p-digit value is the closest candidate; next to a
 * power of two the interval that reads back as v is lopsided, so its
 * neighbour on the other side of v may read back when it does not. */
static uint64_t shortest_mantissa(double v, int *exp10)
{
    for (int p = 1; p <= 17; p++) {
        int e;
        uint64_t m = round_to_digits(v, p, &e);
        if (decimal_value(m, e) == v) {
            *exp10 = e;
            return m;
        }
        if (m + 1 <= pow10_u64(p) && decimal_value(m + 1, e) == v) {
            *exp10 = e;
            return m + 1;
        }
        if (m - 1 >= pow10_u64(p - 1) && decimal_value(m - 1, e) == v) {
            *exp10 = e;
            return m - 1;
        }
    }
    /* 17 significant digits always read back; not reached. */
    return round_to_digits(v, 17, exp10);
}

static void decimal_from_double(double v, struct decimal *d)
{
    int exp10;
    uint64_t m = shortest_mantissa(v, &exp10);
    while (m % 10 == 0) {
        m /= 10;
        exp10++;
    }
    int n = snprintf(d->digits, sizeof(d->digits), "%llu", (unsigned long long)m);
    d->decpt = n + exp10;
}

/* jq's layout: d.ddde±XX (at least two exponent digits), 0.000ddd, or
 * ddd.ddd / ddd000. */
static void append_decimal(struct strbuf *sb, const struct decimal *d)
{
    int ndigits = (int)strlen(d->digits);
    int decpt = d->decpt;

    if (decpt <= -4 || decpt > ndigits + 15) {
        sb_putc(sb, d->digits[0]);
        if (ndigits > 1) {
            sb_putc(sb, '.');
            sb_puts(sb, d->digits + 1);
        }
        int e = decpt - 1;
        sb_printf(sb, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (decpt <= 0) {
        sb_puts(sb, "0.");
        for (int i = decpt; i < 0; i++)
            sb_putc(sb, '0');
        sb_puts(sb, d->digits);
    } else if (decpt >= ndigits) {
        sb_puts(sb, d->digits);
        for (int i = ndigits; i < decpt; i++)
            sb_putc(sb, '0');
    } else {
        sb_append(sb, d->digits, (size_t)decpt);
        sb_putc(sb, '.');
        sb_puts(sb, d->digits + decpt);
    }
}

void json_append_number(struct strbuf *sb, double v)
{
    /* JSON has no NaN or infinity; null is what cJSON prints too. */
    if (!isfinite(v)) {
        sb_puts(sb, "null");
        return;
    }
    if (v == 0) {
        sb_puts(sb, signbit(v) ? "-0" : "0");
        return;
    }
    /* Integers up to 2^53 are exact and jq writes them out in full. */
    if (v == floor(v) && fabs(v) <= 9007199254740992.0) {
        sb_printf(sb, "%.0f", v);
        return;
    }
    if (v < 0)
        sb_putc(sb, '-');
    struct decimal d;
    decimal_from_double(fabs(v), &d);
    append_decimal(sb, &d);
}

/* ---- strings ---- */

/* Length of the UTF-8 sequence at s if it is a valid character, else 0 with
 * *bad set to the bytes that one U+FFFD replaces. As jq: a bad lead byte is
 * replaced alone, a lead with too few continuation bytes together with
 * them, and a complete but overlong, surrogate or >U+10FFFF sequence as a
 * whole. Unlike jq, a sequence cut short by the end of the string does not
 * swallow the ASCII characters that follow it ("\xf0A" gives "\ufffdA"). */
static size_t utf8_sequence(const unsigned char *s, size_t *bad)
{
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;

    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        /* The string's NUL terminator is no continuation byte. */
        if ((s[i] & 0xC0) != 0x80) {
            *bad = i;
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min_for_len[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        *bad = len;
        return 0;
    }
    return len;
}

static void append_escape(struct strbuf *sb, unsigned char c)
{
    switch (c) {
    case '"':
        sb_puts(sb, "\\\"");
        break;
    case '\\':
        sb_puts(sb, "\\\\");
        break;
    case '\b':
        sb_puts(sb, "\\b");
        break;
    case '\f':
        sb_puts(sb, "\\f");
        break;
    case '\n':
        sb_puts(sb, "\\n");
        break;
    case '\r':
        sb_puts(sb, "\\r");
        break;
    case '\t':
        sb_puts(sb, "\\t");
        break;
    default:
        sb_printf(sb, "\\u%04x", c);
        break;
    }
}

void json_append_string(struct strbuf *sb, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");

    sb_putc(sb, '"');
    while (*s) {
        unsigned char c = *s;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F || c == '"' || c == '\\')
                append_escape(sb, c);
            else
                sb_putc(sb, (char)c);
            s++;
            continue;
        }
        size_t bad = 0;
        size_t len = utf8_sequence(s, &bad);
        if (len) {
            sb_append(sb, s, len);
            s += len;
        } else {
            sb_puts(sb, "\xEF\xBF\xBD"); /* U+FFFD */
            s += bad;
        }
    }
    sb_putc(sb, '"');
}

/* ---- values and containers ---- */

struct printer {
    struct strbuf *sb;
    bool pretty;
};

/* One open container and the child being printed. */
struct frame {
    const cJSON *container;
    const cJSON *child;
};

static void newline_indent(struct printer *pr, size_t depth)
{
    if (!pr->pretty)
        return;
    sb_putc(pr->sb, '\n');
    for (size_t i = 0; i < depth; i++)
        sb_puts(pr->sb, "  ");
}

static void append_scalar(struct printer *pr, const cJSON *item)
{
    if (cJSON_IsString(item))
        json_append_string(pr->sb, item->valuestring);
    else if (cJSON_IsNumber(item))
        json_append_number(pr->sb, item->valuedouble);
    else if (cJSON_IsTrue(item))
        sb_puts(pr->sb, "true");
    else if (cJSON_IsFalse(item))
        sb_puts(pr->sb, "false");
    else if (cJSON_IsRaw(item) && item->valuestring)
        sb_puts(pr->sb, item->valuestring); /* the caller's own JSON text */
    else if (cJSON_IsArray(item))
        sb_puts(pr->sb, "[]");
    else if (cJSON_IsObject(item))
        sb_puts(pr->sb, "{}");
    else
        sb_puts(pr->sb, "null");
}

/* Print the member key (inside objects) ahead of child. */
static void append_key(struct printer *pr, const struct frame *f)
{
    if (!cJSON_IsObject(f->container))
        return;
    json_append_string(pr->sb, f->child->string);
    sb_puts(pr->sb, pr->pretty ? ": " : ":");
}

static bool is_nonempty_container(const cJSON *item)
{
    return (cJSON_IsArray(item) || cJSON_IsObject(item)) && item->child;
}

static void print_tree(struct printer *pr, const cJSON *root)
{
    struct frame *stack = NULL;
    size_t depth = 0, cap = 0;
    const cJSON *item = root;

    for (;;) {
        if (is_nonempty_container(item)) {
            if (depth == cap) {
                cap = cap ? cap * 2 : 16;
                stack = xrealloc(stack, cap * sizeof(*stack));
            }
            stack[depth++] = (struct frame){item, item->child};
            sb_putc(pr->sb, cJSON_IsArray(item) ? '[' : '{');
            newline_indent(pr, depth);
            append_key(pr, &stack[depth - 1]);
            item = item->child;
            continue;
        }
        append_scalar(pr, item);

        /* Move to the next sibling, closing every container we finish. */
        while (depth > 0 && !stack[depth - 1].child->next) {
            const cJSON *done = stack[--depth].container;
            newline_indent(pr, depth);
            sb_putc(pr->sb, cJSON_IsArray(done) ? ']' : '}');
        }
        if (depth == 0)
            break;
        struct frame *f = &stack[depth - 1];
        f->child = f->child->next;
        sb_putc(pr->sb, ',');
        newline_indent(pr, depth);
        append_key(pr, f);
        item = f->child;
    }
    free(stack);
}

void json_print_pretty(struct strbuf *sb, const cJSON *item)
{
    struct printer pr = {sb, true};
    print_tree(&pr, item);
    sb_putc(sb, '\n');
}

void json_print_compact(struct strbuf *sb, const cJSON *item)
{
    struct printer pr = {sb, false};
    print_tree(&pr, item);
}
