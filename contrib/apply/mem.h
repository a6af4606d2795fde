/* mem: allocation that never returns NULL (out of memory ends the program:
 * there is nothing sensible to apply half-planned), formatted strings, and
 * untrusted text made safe to print. */
#ifndef TCA_MEM_H
#define TCA_MEM_H

#include <stddef.h>

void *zalloc(size_t n);                /* zeroed */
void *regrow(void *p, size_t n);       /* realloc */
char *dupstr(const char *s);           /* NULL stays NULL */
char *dupmem(const char *s, size_t n); /* n bytes and a NUL */
char *fmtstr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* s with control characters, backslashes and bytes that are not UTF-8
 * written as \xHH, so a hostile name cannot move the cursor or forge a
 * line of output. malloc'd. */
char *printable(const char *s);

/* Grow *v (of *cap elements of size sz) to hold at least n. */
void grow_array(void **v, size_t *cap, size_t n, size_t sz);

#endif
