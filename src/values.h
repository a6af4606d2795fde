/* values: checks of the values users write into the tree, made before any
 * API request. Every function returns 0 or -EINVAL (value_parse_provision
 * also -ENOMEM when cJSON cannot allocate); on -EINVAL *why points to a
 * static, human-readable reason that goes to the errors file. The UTF-8
 * helpers they rest on serve the rest of the daemon too. */
#ifndef TC_VALUES_H
#define TC_VALUES_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define VALUE_MAX_WRITE 4096 /* one value per write(2), at most 4 KiB */

/* daily_send_limit, mailbox_limit: optional surrounding ASCII whitespace
 * (space, tab, CR, LF) around decimal digits only; the value is 1..25. */
int value_parse_limit(const char *buf, size_t len, int *out, const char **why);

/* display_name: one non-empty line of valid UTF-8. A single trailing "\n"
 * (or "\r\n") is dropped; any other control character, an empty or
 * all-whitespace name, or more than 256 bytes is refused. *out is malloc'd. */
int value_parse_display_name(const char *buf, size_t len, char **out, const char **why);

/* dkim_status: the word "enabled", optional surrounding whitespace. */
int value_parse_dkim_enable(const char *buf, size_t len, const char **why);

/* A domain for mkdir: at most 253 bytes, two or more dot-separated labels of
 * 1..63 lowercase letters, digits and inner hyphens (A-labels "xn--..." are
 * LDH too), a TLD that is not all digits, and not *.onmicrosoft.com. */
int value_check_domain(const char *name, const char **why);

/* provision: a JSON object {"account_password": non-empty string,
 * "mailboxes": [{"name": non-empty string, "email": "local@<domain>"}, ...]}
 * with 1..3 mailboxes; a "domain" member, if present, must equal domain;
 * other members are refused. Emails must be unique, with a non-empty local
 * part of printable ASCII without spaces or '@', and the domain part equal
 * to domain (compared case-insensitively). *body is the request body to
 * send: {"domain": domain, "account_password": ..., "mailboxes": [...]}. */
int value_parse_provision(const char *buf, size_t len, const char *domain, cJSON **body,
                          const char **why);

/* Whether s (len bytes) is valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t len);
/* The length of s (NUL-terminated) cut to at most max bytes without
 * splitting a character: a valid UTF-8 string stays valid. */
size_t utf8_prefix(const char *s, size_t max);
/* The columns s takes on a terminal (display width, not bytes): tables
 * stay aligned whatever alphabet their cells are in. */
size_t utf8_width(const char *s);

#endif
