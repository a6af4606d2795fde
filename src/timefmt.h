/* timefmt: the API's ISO 8601 timestamps to and from time_t. */
#ifndef TC_TIMEFMT_H
#define TC_TIMEFMT_H

#include <time.h>

/* Parse "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" (also with a space for
 * 'T', and without zone = UTC). Returns 0 and sets *out, or -1. */
int iso8601_parse(const char *s, time_t *out);
/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void iso8601_format(time_t t, char *buf, size_t len);

#endif
