/* errlog: the last 100 failures, served as .tenantcorefs/errors, each also
 * logged once. A line: time, operation, path, errno name, HTTP status, API
 * code, API message (fields the failure lacks are "-"). */
#ifndef TC_ERRLOG_H
#define TC_ERRLOG_H

#include "api_error.h"
#include "strbuf.h"

#define ERRLOG_CAPACITY 100

/* Record one failure of operation op ("read", "write", "mkdir", ...) on the
 * filesystem path path. e gives the errno, status, code and message. */
void errlog_add(const char *op, const char *path, const struct api_error *e);
/* Render all lines, oldest first, into sb. */
void errlog_render(struct strbuf *sb);
/* Number of failures recorded since start (not capped). */
unsigned long errlog_total(void);
void errlog_clear(void);

#endif
