/* api_error: what went wrong with an API call, as one small value: the HTTP
 * status, the API's machine code and message (from whichever body shape the
 * server chose), and the errno SEMANTICS.md §6 maps it to. */
#ifndef TC_API_ERROR_H
#define TC_API_ERROR_H

#include <stddef.h>

#include "endpoint.h"

struct api_error {
    int http_status;  /* 0 when no HTTP answer was received */
    int err;          /* positive errno */
    char code[64];    /* API machine code, "" if none */
    char message[256];/* API or local message, "" if none; no control characters */
};

/* Fill e from an HTTP error answer. The documented body is
 * {"detail": {"message", "code"}}; servers also send detail as a string or
 * as the framework's list of {loc, msg, type} (joined into the message),
 * error.code / error.message, a string error, top-level code / message, or
 * no body. Any body (none, not JSON, hostile) is accepted; fields that are
 * missing stay empty. Sets e->err by errno_from_api_error. */
void api_error_from_http(struct api_error *e, enum api_endpoint ep, int http_status,
                         const char *body, size_t len);

/* A failure with no usable HTTP answer (timeout, refused, malformed JSON,
 * local validation). message may be NULL. */
void api_error_set(struct api_error *e, int err, int http_status, const char *code,
                   const char *message);

/* SEMANTICS.md §6: status and code → errno, for an answer of endpoint ep. */
int errno_from_api_error(const struct api_error *e, enum api_endpoint ep);

/* "EINVAL" for EINVAL, and so on (the errors file shows names, not numbers). */
const char *errno_name(int err);

#endif
