/* fuzz_check: what the fuzz targets share — an invariant check that aborts
 * (so libFuzzer reports the input that broke it) and an independent UTF-8
 * validator, written apart from src/ so a bug there cannot hide itself. */
#ifndef TC_FUZZ_CHECK_H
#define TC_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* RFC 3629, table-driven by ranges of the second byte: no overlongs, no
 * surrogates, nothing above U+10FFFF. */
static inline bool fuzz_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c == 0xE0) {
            n = 3, lo = 0xA0;
        } else if (c == 0xED) {
            n = 3, hi = 0x9F;
        } else if (c >= 0xE1 && c <= 0xEF) {
            n = 3;
        } else if (c == 0xF0) {
            n = 4, lo = 0x90;
        } else if (c == 0xF4) {
            n = 4, hi = 0x8F;
        } else if (c >= 0xF1 && c <= 0xF3) {
            n = 4;
        } else {
            return false;
        }
        if (len - i < n || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k < n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return false;
        i += n;
    }
    return true;
}

/* Decode one code point of valid UTF-8 at s (as checked above). */
static inline size_t fuzz_utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] < 0xE0) {
        *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (s[0] < 0xF0) {
        *cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
          ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}

/* Whether the NUL-terminated field of size bytes at s ends inside it and
 * holds no C0 control character or DEL. */
static inline bool fuzz_field_clean(const char *s, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return true;
        if (c < 0x20 || c == 0x7F)
            return false;
    }
    return false; /* not terminated within its size */
}

#endif
