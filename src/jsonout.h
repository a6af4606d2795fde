/* jsonout: our own JSON printer. Debian's cJSON prints tabs and turns large
 * integers into exponent form; files of the tree must read exactly as `jq .`
 * prints them: 2-space indent, "key": value, keys in document order, empty
 * containers as {} and [], integral numbers up to 2^53 as plain integers,
 * other numbers in the shortest form that round-trips, strings escaped as
 * jq does (control characters as \uXXXX, invalid UTF-8 bytes as U+FFFD so
 * the output is always valid JSON). */
#ifndef TC_JSONOUT_H
#define TC_JSONOUT_H

#include <cjson/cJSON.h>

#include "strbuf.h"

/* Pretty-print item followed by one newline. */
void json_print_pretty(struct strbuf *sb, const cJSON *item);
/* Compact form (no whitespace), no trailing newline: request bodies. */
void json_print_compact(struct strbuf *sb, const cJSON *item);
/* Append s as a quoted, escaped JSON string. */
void json_append_string(struct strbuf *sb, const char *s);
/* Append a number as the printers above do (NaN and infinities as null). */
void json_append_number(struct strbuf *sb, double v);

#endif
