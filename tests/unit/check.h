/* check.h: the minimal assertion helpers shared by the unit tests. A failed
 * check prints file:line, the expression and both values, and the test
 * exits 1 at the end (all checks of a run are reported, not just the first). */
#ifndef TC_CHECK_H
#define TC_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr);               \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_INT(actual, expected)                                                                \
    do {                                                                                           \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                            \
        check_count++;                                                                             \
        if (a_ != e_) {                                                                            \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #actual, a_, \
                    e_);                                                                           \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_STR(actual, expected)                                                                \
    do {                                                                                           \
        const char *a_ = (actual), *e_ = (expected);                                               \
        check_count++;                                                                             \
        if (!a_ || !e_ || strcmp(a_, e_) != 0) {                                                   \
            fprintf(stderr, "%s:%d: %s ==\n  \"%s\"\nexpected\n  \"%s\"\n", __FILE__, __LINE__,    \
                    #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");                              \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

static inline int check_report(const char *name)
{
    if (check_count == 0) {
        fprintf(stderr, "%s: no checks ran\n", name);
        return 1;
    }
    fprintf(stderr, "%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
